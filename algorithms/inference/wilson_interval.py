r"""Wilson score interval for a binomial proportion (and the Wald interval it replaces).

With $x$ successes in $n$ trials, $\hat p = x/n$ and $z = \Phi^{-1}(1 - \alpha/2)$, the Wilson interval inverts the
score test $|\hat p - p| \le z\sqrt{p(1-p)/n}$, a quadratic in $p$:

$$ \frac{\hat p + \frac{z^2}{2n}}{1 + \frac{z^2}{n}} \;\pm\; \frac{z}{1 + \frac{z^2}{n}}
   \sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}} . $$

It stays inside $[0, 1]$, is never of zero width at $x = 0$ or $x = n$, and its coverage is close to nominal even
for small $n$ or $p$ near 0 or 1, where the Wald interval $\hat p \pm z\sqrt{\hat p(1-\hat p)/n}$ collapses or
undercovers. The demo measures both coverages by exact binomial summation. Cost: $O(1)$.

References: [@wilson1927probable], [@wasserman2004all].
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom, norm

from mlnotes.algorithms.inference._common import level
from mlnotes.algorithms.registry import DemoResult


def _check(x, n):
    try:
        xs, ns = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("successes and trials must be whole numbers") from None
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ns))) or np.any(np.mod(xs, 1) != 0) \
            or np.any(np.mod(ns, 1) != 0):
        raise ValueError("successes and trials must be whole numbers")
    if np.any(ns < 1) or np.any(xs < 0) or np.any(xs > ns):
        raise ValueError("need trials >= 1 and 0 <= successes <= trials")
    return xs.astype(float), ns.astype(float)


def wilson_interval(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval ``(low, high)``; ``x`` and ``n`` may be scalars or arrays."""
    x, n = _check(x, n)
    z = norm.ppf(0.5 + level(confidence, "confidence") / 2)
    p = x / n
    denom = 1 + z**2 / n
    center = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return center - half, center + half


def wald_interval(x, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The textbook normal-approximation interval, clipped to [0, 1] (for comparison only)."""
    x, n = _check(x, n)
    z = norm.ppf(0.5 + level(confidence, "confidence") / 2)
    p = x / n
    half = z * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


def exact_coverage(interval, p: float, n: int, confidence: float = 0.95) -> float:
    """$\\sum_x \\Pr(X = x)\\,[p \\in CI(x)]$ for $X \\sim \\mathrm{Bin}(n, p)$: the true coverage, no simulation."""
    xs = np.arange(n + 1)
    lo, hi = interval(xs, np.full(n + 1, n), confidence)
    return float(np.sum(binom.pmf(xs, n, p) * ((lo <= p) & (p <= hi))))


def demo(n_trials: int = 30, successes: int = 2) -> DemoResult:
    """Wilson vs Wald for ``successes`` of ``n_trials``; coverage curves; against statsmodels' proportion_confint."""
    from statsmodels.stats.proportion import proportion_confint

    from mlnotes.algorithms.linear._viz import new_figure

    successes = min(successes, n_trials)
    lo, hi = wilson_interval(successes, n_trials)
    ref_lo, ref_hi = proportion_confint(successes, n_trials, method="wilson")
    grid = np.linspace(0.005, 0.995, 199)
    cov_w = [exact_coverage(wilson_interval, p, n_trials) for p in grid]
    cov_n = [exact_coverage(wald_interval, p, n_trials) for p in grid]
    fig, ax = new_figure()
    ax.plot(grid, cov_w, label="Wilson")
    ax.plot(grid, cov_n, label="Wald")
    ax.axhline(0.95, color="k", ls="--", label="nominal 95%")
    ax.set_ylim(0.5, 1.0)
    ax.set_xlabel("true p")
    ax.set_ylabel("exact coverage")
    ax.set_title(f"n = {n_trials}: Wilson CI for {successes}/{n_trials} = [{float(lo):.3f}, {float(hi):.3f}]")
    ax.legend()
    return DemoResult(
        metrics={"ci_low": float(lo), "ci_high": float(hi)},
        reference={"ci_low": float(ref_lo), "ci_high": float(ref_hi)},
        figure=fig, reference_name="statsmodels.stats.proportion.proportion_confint(method='wilson')",
        extra={"mean_coverage_wilson": float(np.mean(cov_w)), "mean_coverage_wald": float(np.mean(cov_n))},
    )
