r"""Bootstrap confidence intervals: percentile and BCa.

Resample the data with replacement $B$ times, recompute the statistic $\hat\theta^{*}_b$ on each resample, and
read the interval off the bootstrap distribution:

* **percentile**: $[\hat\theta^{*}_{(\alpha/2)},\ \hat\theta^{*}_{(1-\alpha/2)}]$ (empirical quantiles);
* **BCa** (bias-corrected and accelerated): use quantile levels
  $\alpha_{1,2} = \Phi\!\big(z_0 + \frac{z_0 + z_{\alpha/2,\,1-\alpha/2}}{1 - a(z_0 + z_{\alpha/2,\,1-\alpha/2})}\big)$ with the bias
  correction $z_0 = \Phi^{-1}\big(\#\{\hat\theta^*_b < \hat\theta\}/B\big)$ (replicates equal to $\hat\theta$ count one half,
  which matters for statistics such as the median) and the acceleration from the
  jackknife values $\hat\theta_{(i)}$ (leave one out), $a = \sum_i(\bar\theta_{(\cdot)} - \hat\theta_{(i)})^3 /
  \big(6[\sum_i(\bar\theta_{(\cdot)} - \hat\theta_{(i)})^2]^{3/2}\big)$.

The percentile interval is transformation-respecting but first-order accurate; BCa corrects for bias and
skewness and is second-order accurate, at the cost of $n$ jackknife evaluations. The bootstrap assumes the rows
are i.i.d. (use a block bootstrap for time series) and fails for statistics like the maximum.

References: [@efron1979bootstrap], [@efron1987better], [@efron1993introduction].
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from mlnotes.algorithms.base import check_random_state
from mlnotes.algorithms.registry import DemoResult


def bootstrap_ci(data, statistic=np.mean, n_resamples: int = 2000, confidence: float = 0.95,
                 method: str = "bca", random_state=0) -> tuple[float, float, np.ndarray]:
    """Confidence interval ``(low, high)`` and the bootstrap replicates of ``statistic`` (1-D data)."""
    x = np.asarray(data, dtype=float).ravel()
    if len(x) < 2 or not np.all(np.isfinite(x)):
        raise ValueError("data must hold at least 2 finite values")
    if method not in ("percentile", "bca"):
        raise ValueError(f"method must be 'percentile' or 'bca', got {method!r}")
    rng = check_random_state(random_state)
    idx = rng.integers(0, len(x), (n_resamples, len(x)))
    reps = np.array([statistic(x[row]) for row in idx])  # (B,)
    alpha = 1 - confidence
    levels = np.array([alpha / 2, 1 - alpha / 2])
    if method == "bca":
        theta = statistic(x)
        z0 = norm.ppf((np.sum(reps < theta) + np.sum(reps <= theta)) / (2 * len(reps)))  # ties count half
        jack = np.array([statistic(np.delete(x, i)) for i in range(len(x))])
        dev = jack.mean() - jack
        denom = 6.0 * np.sum(dev**2) ** 1.5
        a = np.sum(dev**3) / denom if denom > 0 else 0.0
        z = norm.ppf(levels)
        levels = norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    low, high = np.quantile(reps, levels)
    return float(low), float(high), reps


def demo(n_samples: int = 40, n_resamples: int = 2000, method: str = "bca") -> DemoResult:
    """CI for the mean of a skewed (exponential) sample, against scipy.stats.bootstrap."""
    from scipy.stats import bootstrap as scipy_bootstrap

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x = rng.exponential(1.0, n_samples)
    low, high, reps = bootstrap_ci(x, np.mean, n_resamples, method=method)
    ref = scipy_bootstrap((x,), np.mean, n_resamples=n_resamples, method="BCa" if method == "bca" else "percentile",
                          random_state=np.random.default_rng(0)).confidence_interval
    fig, ax = new_figure()
    ax.hist(reps, bins=40, alpha=0.7)
    ax.axvline(low, color="r")
    ax.axvline(high, color="r", label=f"{method} 95% CI")
    ax.axvline(x.mean(), color="k", ls="--", label="sample mean")
    ax.set_title(f"bootstrap distribution of the mean (n={n_samples})")
    ax.legend()
    return DemoResult(
        metrics={"ci_low": low, "ci_high": high},
        reference={"ci_low": float(ref.low), "ci_high": float(ref.high)},
        figure=fig,
        reference_name="scipy.stats.bootstrap",
    )
