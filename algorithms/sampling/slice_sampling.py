"""Univariate slice sampling with stepping out and shrinkage.

To sample ``p(x) propto f(x)``, alternate ``y ~ U(0, f(x))`` and ``x' ~ U({x : f(x) > y})`` [@neal2003slice]: the
pair is uniform under the graph of ``f``, so ``x`` is marginally distributed as ``p``. The slice is found
without knowing it exactly: place an interval of width ``w`` at random around ``x``, step its ends out by ``w``
while they are still inside the slice (at most ``m`` times), then draw uniformly from the interval and shrink it
towards ``x`` after each rejected point. Nothing is ever rejected at the chain level and ``w`` only affects speed,
unlike the step size of random-walk Metropolis. Work in log space: ``log y = log f(x) - Exp(1)``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from mlnotes.algorithms.registry import DemoResult


def slice_sample(log_f, x0, n_samples, w=1.0, max_steps=50, seed=0, burn_in=200):
    rng = np.random.default_rng(seed)
    x = float(x0)
    out = np.empty(n_samples)
    n_evals = 0
    for t in range(n_samples + burn_in):
        log_y = log_f(x) - rng.exponential()  # the vertical level, in log space
        left = x - w * rng.random()
        right = left + w
        j = int(rng.integers(0, max_steps))
        k = max_steps - 1 - j
        while j > 0 and log_f(left) > log_y:  # step out
            left -= w
            j -= 1
            n_evals += 1
        while k > 0 and log_f(right) > log_y:
            right += w
            k -= 1
            n_evals += 1
        while True:  # sample and shrink
            x1 = left + (right - left) * rng.random()
            n_evals += 1
            if log_f(x1) > log_y:
                x = x1
                break
            if x1 < x:
                left = x1
            else:
                right = x1
        if t >= burn_in:
            out[t - burn_in] = x
    return out, n_evals / (n_samples + burn_in)


def demo(n_samples: int = 5000, width: float = 1.0, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    target = stats.gamma(a=3.0, scale=1.5)  # skewed, support x > 0
    log_f = lambda x: 2.0 * np.log(x) - x / 1.5 if x > 0 else -np.inf
    x, evals = slice_sample(log_f, 2.0, n_samples, width, seed=seed)
    ks = stats.kstest(x[::3], target.cdf)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    g = np.linspace(0, 20, 300)
    ax.hist(x, 60, density=True, alpha=0.5, label="slice samples")
    ax.plot(g, target.pdf(g), "k", label="Gamma(3, scale 1.5)")
    ax.legend()
    ax.set(title=f"{evals:.1f} density evaluations per sample")
    return DemoResult(metrics={"mean": float(x.mean()), "variance": float(x.var()), "ks_pvalue_thinned": float(ks.pvalue)},
                      reference={"mean": float(target.mean()), "variance": float(target.var())}, figure=fig,
                      reference_name="scipy.stats.gamma moments and CDF")
