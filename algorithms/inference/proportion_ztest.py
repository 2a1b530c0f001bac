r"""Two-proportion z-test (the classic A/B test on conversion rates).

With $x_1$ successes of $n_1$ and $x_2$ of $n_2$, $\hat p_i = x_i/n_i$ and the pooled rate
$\hat p = (x_1 + x_2)/(n_1 + n_2)$ under $H_0: p_1 = p_2$,

$$ z = \frac{\hat p_1 - \hat p_2}{\sqrt{\hat p(1-\hat p)(1/n_1 + 1/n_2)}} \;\dot\sim\; N(0, 1), $$

and the p-value is a normal tail probability. The confidence interval for $p_1 - p_2$ uses the unpooled
(Wald) standard error $\sqrt{\hat p_1(1-\hat p_1)/n_1 + \hat p_2(1-\hat p_2)/n_2}$, since it is not computed
under $H_0$. The test is equivalent to the $2\times2$ chi-squared test without continuity correction
($z^2 = X^2$). If both groups have all or no successes, the pooled variance is zero and we raise a
``ValueError``. Cost: $O(1)$.

References: [@wasserman2004all], [@kohavi2020trustworthy].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.stats import norm

from mlnotes.algorithms.inference._common import alternative as check_alternative
from mlnotes.algorithms.inference._common import level, p_from_stat
from mlnotes.algorithms.registry import DemoResult


class ZTestResult(NamedTuple):
    statistic: float
    pvalue: float
    diff: float
    ci_low: float
    ci_high: float


def _counts(x, n, name):
    try:
        whole = not isinstance(x, bool) and not isinstance(n, bool) and int(n) == n and int(x) == x
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:
        raise ValueError(f"{name}: successes and trials must be integers, got {x!r} and {n!r}")
    if n < 1 or not 0 <= x <= n:
        raise ValueError(f"{name}: need 0 <= successes <= trials and trials >= 1, got {x} of {n}")
    return int(x), int(n)


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int, alternative: str = "two-sided",
                         confidence: float = 0.95) -> ZTestResult:
    """z-test of ``p1 == p2`` with the pooled standard error, and a Wald interval for ``p1 - p2``."""
    x1, n1 = _counts(x1, n1, "group 1")
    x2, n2 = _counts(x2, n2, "group 2")
    conf = level(confidence, "confidence")
    p1, p2, p = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    se0 = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if not se0 > 0:
        raise ValueError("both groups have all successes or all failures; the z statistic is undefined")
    z = (p1 - p2) / se0
    pval = p_from_stat(z, norm(), check_alternative(alternative))
    se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    h = norm.ppf(0.5 + conf / 2) * se
    return ZTestResult(float(z), pval, p1 - p2, float(p1 - p2 - h), float(p1 - p2 + h))


def demo(rate_a: float = 0.05, lift: float = 0.005, n_per_arm: int = 20000) -> DemoResult:
    """Model A converts at ``rate_a``, model B at ``rate_a + lift``: against statsmodels' proportions_ztest."""
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    xa, xb = int(rng.binomial(n_per_arm, rate_a)), int(rng.binomial(n_per_arm, rate_a + lift))
    res = two_proportion_ztest(xb, n_per_arm, xa, n_per_arm)
    z_ref, p_ref = proportions_ztest([xb, xa], [n_per_arm, n_per_arm])
    lo, hi = confint_proportions_2indep(xb, n_per_arm, xa, n_per_arm, method="wald")
    fig, ax = new_figure()
    grid = np.linspace(-4, 4, 400)
    ax.plot(grid, norm.pdf(grid), label="N(0, 1) under H0")
    ax.axvline(res.statistic, color="r", label=f"z = {res.statistic:.2f}")
    crit = norm.ppf(0.975)
    ax.fill_between(grid, norm.pdf(grid), where=np.abs(grid) > crit, alpha=0.3, label="5% rejection region")
    ax.set_title(f"B - A = {res.diff:.4f}, p = {res.pvalue:.3g}")
    ax.legend()
    return DemoResult(
        metrics={"z": res.statistic, "p_value": res.pvalue, "ci_low": res.ci_low, "ci_high": res.ci_high},
        reference={"z": float(z_ref), "p_value": float(p_ref), "ci_low": float(lo), "ci_high": float(hi)},
        figure=fig, reference_name="statsmodels.stats.proportion.proportions_ztest / confint_proportions_2indep",
    )
