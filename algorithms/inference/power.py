r"""Power and sample size for a two-sample t-test and for two proportions.

**Two-sample t-test.** With standardized effect $d$, group sizes $n_1$ and $n_2 = r n_1$, $\nu = n_1 + n_2 - 2$
and non-centrality $\delta = d\sqrt{n_1 n_2/(n_1 + n_2)}$, the test statistic follows a non-central
$t_\nu(\delta)$ under the alternative, so for a two-sided test at level $\alpha$ with $c = t_{\nu,1-\alpha/2}$

$$ \text{power} = \Pr(T_{\nu,\delta} > c) + \Pr(T_{\nu,\delta} < -c) . $$

**Two proportions** (normal approximation on Cohen's arcsine effect size $h = 2\arcsin\sqrt{p_1} -
2\arcsin\sqrt{p_2}$, which stabilizes the variance): with $n_e = n_1 n_2/(n_1 + n_2)$ and $z = \Phi^{-1}(1-\alpha/2)$,
power $= \Phi(|h|\sqrt{n_e} - z) + \Phi(-|h|\sqrt{n_e} - z)$.
The textbook closed form $n = (z_{1-\alpha/2} + z_{1-\beta})^2\,[p_1(1-p_1) + p_2(1-p_2)]/(p_1 - p_2)^2$ per arm
is also given (it ignores the far tail and uses unpooled variances).

**Sample size** solves power$(n_1) = 1 - \beta$ for $n_1$ with Brent's root finder on a bracket where the power
is monotone; round up for a design. A zero effect has no finite sample size and raises a ``ValueError``.

References: [@cohen1988statistical], [@kohavi2020trustworthy].
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.stats import nct, norm
from scipy.stats import t as t_dist

from mlnotes.algorithms.inference._common import alternative as check_alternative
from mlnotes.algorithms.inference._common import level
from mlnotes.algorithms.registry import DemoResult


def _positive(v, name):
    v = float(v)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive number, got {v!r}")
    return v


def ttest_power(effect_size: float, nobs1: float, alpha: float = 0.05, ratio: float = 1.0,
                alternative: str = "two-sided") -> float:
    """Power of the two-sample (pooled) t-test; ``nobs2 = ratio * nobs1``."""
    alpha, alt = level(alpha, "alpha"), check_alternative(alternative)
    n1, r = _positive(nobs1, "nobs1"), _positive(ratio, "ratio")
    n2 = r * n1
    df = n1 + n2 - 2
    if not df > 0:
        raise ValueError(f"need nobs1 + nobs2 > 2, got {n1 + n2}")
    d = float(effect_size)
    if not np.isfinite(d):
        raise ValueError(f"effect_size must be finite, got {effect_size!r}")
    delta = d * np.sqrt(n1 * n2 / (n1 + n2))
    if alt == "two-sided":
        c = t_dist.ppf(1 - alpha / 2, df)
        return float(nct.sf(c, df, delta) + nct.cdf(-c, df, delta))
    if alt == "greater":
        return float(nct.sf(t_dist.ppf(1 - alpha, df), df, delta))
    return float(nct.cdf(t_dist.ppf(alpha, df), df, delta))


def cohens_h(p1: float, p2: float) -> float:
    """Arcsine effect size for two proportions."""
    for name, p in (("p1", p1), ("p2", p2)):
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {p!r}")
    return float(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2)))


def proportions_power(p1: float, p2: float, nobs1: float, alpha: float = 0.05, ratio: float = 1.0) -> float:
    """Two-sided power of the two-proportion z-test via Cohen's h."""
    h = abs(cohens_h(p1, p2))
    n1, r = _positive(nobs1, "nobs1"), _positive(ratio, "ratio")
    ne = n1 * r * n1 / (n1 + r * n1)
    z = norm.ppf(1 - level(alpha, "alpha") / 2)
    return float(norm.cdf(h * np.sqrt(ne) - z) + norm.cdf(-h * np.sqrt(ne) - z))


def _solve(power_fn, power: float, what: str) -> float:
    target = level(power, "power")
    lo, hi = 2.0 + 1e-9, 4.0
    if power_fn(lo) >= target:
        return lo
    while power_fn(hi) < target:
        hi *= 2
        if hi > 1e12:
            raise ValueError(f"{what}: the required sample size exceeds 1e12; is the effect nearly zero?")
    return float(brentq(lambda n: power_fn(n) - target, lo, hi, xtol=1e-10, rtol=1e-12))


def ttest_sample_size(effect_size: float, power: float = 0.8, alpha: float = 0.05, ratio: float = 1.0,
                      alternative: str = "two-sided") -> float:
    """Group-1 size (a real number; round up) giving ``power`` for the two-sample t-test."""
    if effect_size == 0 or not np.isfinite(effect_size):
        raise ValueError(f"effect_size must be finite and non-zero, got {effect_size!r}")
    return _solve(lambda n: ttest_power(effect_size, n, alpha, ratio, alternative), power, "ttest_sample_size")


def proportions_sample_size(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05,
                            ratio: float = 1.0) -> float:
    """Group-1 size (a real number; round up) giving ``power`` for the two-proportion z-test (Cohen's h)."""
    if cohens_h(p1, p2) == 0:
        raise ValueError(f"p1 and p2 are equal ({p1}); no sample size detects a zero difference")
    return _solve(lambda n: proportions_power(p1, p2, n, alpha, ratio), power, "proportions_sample_size")


def proportions_sample_size_closed_form(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05) -> float:
    """Per-arm $n = (z_{1-\\alpha/2} + z_{1-\\beta})^2 [p_1(1-p_1) + p_2(1-p_2)] / (p_1 - p_2)^2$."""
    cohens_h(p1, p2)
    if p1 == p2:
        raise ValueError(f"p1 and p2 are equal ({p1}); no sample size detects a zero difference")
    za, zb = norm.ppf(1 - level(alpha, "alpha") / 2), norm.ppf(level(power, "power"))
    return float((za + zb) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2)


def demo(effect_size: float = 0.5, base_rate: float = 0.05, lift: float = 0.01, power: float = 0.8) -> DemoResult:
    """Power curve and sample sizes, against statsmodels' TTestIndPower and NormalIndPower."""
    from statsmodels.stats.power import NormalIndPower, TTestIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    from mlnotes.algorithms.linear._viz import new_figure

    n_t = ttest_sample_size(effect_size, power)
    n_p = proportions_sample_size(base_rate + lift, base_rate, power)
    ref_t = TTestIndPower().solve_power(effect_size=effect_size, power=power, alpha=0.05)
    h = proportion_effectsize(base_rate + lift, base_rate)
    ref_p = NormalIndPower().solve_power(effect_size=h, power=power, alpha=0.05)
    ns = np.unique(np.linspace(4, 3 * n_t + 10, 200).astype(int))  # at most 200 points, whatever n_t is
    fig, ax = new_figure()
    ax.plot(ns, [ttest_power(effect_size, n) for n in ns], label=f"two-sample t, d = {effect_size}")
    ax.axhline(power, color="k", ls="--", label=f"target power {power}")
    ax.axvline(n_t, color="r", label=f"n per group = {n_t:.1f}")
    ax.set_xlabel("n per group")
    ax.set_ylabel("power")
    ax.legend()
    return DemoResult(
        metrics={"ttest_n_per_group": n_t, "ttest_power_at_n": ttest_power(effect_size, n_t),
                 "proportions_n_per_group": n_p},
        reference={"ttest_n_per_group": float(ref_t),
                   "ttest_power_at_n": float(TTestIndPower().power(effect_size, n_t, 0.05)),
                   "proportions_n_per_group": float(ref_p)},
        figure=fig, reference_name="statsmodels.stats.power.TTestIndPower / NormalIndPower",
        extra={"proportions_n_closed_form": proportions_sample_size_closed_form(base_rate + lift, base_rate, power)},
    )
