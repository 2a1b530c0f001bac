r"""Tree-structured Parzen estimator (TPE): Bayesian optimisation with two densities instead of a surrogate.

After a few random trials, TPE [@bergstra2011algorithms] splits the observed trials by loss into a "good" set (the
best $\lceil\gamma\sqrt{n}\rceil$ of $n$, hyperopt's rule) and a "bad" set and models $p(x \mid y < y^*) = \ell(x)$ and
$p(x \mid y \ge y^*) = g(x)$ with Parzen (kernel density) estimators. The expected improvement under this model is
proportional to $\big(\gamma + (1-\gamma)\,g(x)/\ell(x)\big)^{-1}$, so the next trial is the candidate, drawn from
$\ell$, with the largest ratio $\ell(x)/g(x)$. Each dimension gets its own 1-D density (the "tree" lets
conditional parameters have their own; here all parameters are always active), and a uniform prior component keeps
some exploration. Unlike a Gaussian process it costs $O(n)$ per candidate and handles discrete and conditional
spaces naturally; it ignores interactions between dimensions.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def bandwidth(data: np.ndarray, low: float, high: float, min_bw_frac: float) -> float:
    """Scott's rule for 1-D data (scipy.stats.gaussian_kde's default) with a floor of ``min_bw_frac`` of the range."""
    n = data.size
    bw = np.std(data, ddof=1) * n ** (-1 / 5) if n > 1 else 0.0
    return max(bw, (high - low) * min_bw_frac)


def parzen_logpdf(points: np.ndarray, data: np.ndarray, low: float, high: float, prior_weight: float = 1.0,
                  min_bw_frac: float = 0.05) -> np.ndarray:
    """Log density of a 1-D Gaussian KDE (Scott's bandwidth, as scipy.stats.gaussian_kde) mixed with a uniform prior.

    The bandwidth floor keeps a clustered set from collapsing to spikes (which would make TPE re-sample the same
    spot forever). With ``prior_weight=0``, ``min_bw_frac=0`` and two or more distinct points this is exactly
    ``gaussian_kde(data)``.
    """
    data = np.asarray(data, dtype=float)
    n = data.size
    bw = bandwidth(data, low, high, min_bw_frac)
    z = (np.asarray(points, dtype=float)[:, None] - data[None, :]) / bw
    kde = np.exp(-0.5 * z**2).sum(axis=1) / (n * bw * np.sqrt(2 * np.pi))
    prior = 1.0 / (high - low)
    w = prior_weight / (n + prior_weight)
    return np.log((1 - w) * kde + w * prior)


def tpe_minimize(fn, bounds, n_trials: int = 40, n_startup: int = 10, gamma: float = 0.25,
                 n_candidates: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``fn(x)`` over a box; returns all trials ``(X, losses)`` in order."""
    bounds = np.asarray(bounds, dtype=float)
    if bounds.ndim != 2 or bounds.shape[1] != 2 or np.any(bounds[:, 0] >= bounds[:, 1]):
        raise ValueError("bounds must be a list of (low, high) pairs with low < high")
    if not 0 < gamma < 1:
        raise ValueError(f"gamma must be in (0, 1), got {gamma}")
    if n_startup < 2 or n_trials < n_startup:
        raise ValueError("need n_startup >= 2 and n_trials >= n_startup")
    rng = np.random.default_rng(seed)
    lo, hi = bounds[:, 0], bounds[:, 1]
    X = list(rng.uniform(lo, hi, size=(n_startup, len(bounds))))
    y = [float(fn(x)) for x in X]
    while len(X) < n_trials:
        Xa, ya = np.array(X), np.array(y)
        n_good = max(1, int(np.ceil(gamma * np.sqrt(len(ya)))))  # hyperopt's rule: the good set grows slowly
        good = np.argsort(ya, kind="stable")[:n_good]
        bad = np.setdiff1d(np.arange(len(ya)), good)
        cand = np.empty((n_candidates, len(bounds)))
        score = np.zeros(n_candidates)
        for d in range(len(bounds)):
            g_pts = Xa[good, d]
            bw = bandwidth(g_pts, lo[d], hi[d], 0.05)
            centres = rng.choice(g_pts, n_candidates)  # sample from l(x): pick a kernel, then add its noise
            cand[:, d] = np.clip(centres + bw * rng.normal(size=n_candidates), lo[d], hi[d])
            score += parzen_logpdf(cand[:, d], g_pts, lo[d], hi[d]) - parzen_logpdf(cand[:, d], Xa[bad, d], lo[d],
                                                                                    hi[d])
        x_next = cand[int(np.argmax(score))]
        X.append(x_next)
        y.append(float(fn(x_next)))
    return np.array(X), np.array(y)


def demo(n_trials: int = 40, seed: int = 0) -> DemoResult:
    """Minimise the 2-D Branin function: TPE against random search with the same budget, over 10 seeds."""
    from mlnotes.algorithms.linear._viz import new_figure

    def branin(x):
        a, b, c, r, s, t = 1, 5.1 / (4 * np.pi**2), 5 / np.pi, 6, 10, 1 / (8 * np.pi)
        return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * np.cos(x[0]) + s

    bounds = [(-5, 10), (0, 15)]
    best_tpe, best_rand, curves = [], [], []
    for k in range(10):
        X, y = tpe_minimize(branin, bounds, n_trials=n_trials, seed=seed + k)
        rng = np.random.default_rng(10_000 + seed + k)
        yr = np.array([branin(x) for x in rng.uniform([-5, 0], [10, 15], size=(n_trials, 2))])
        best_tpe.append(y.min())
        best_rand.append(yr.min())
        curves.append((np.minimum.accumulate(y), np.minimum.accumulate(yr)))
    fig, ax = new_figure()
    ax.plot(np.median([c[0] for c in curves], axis=0), label="TPE (median of 10 runs)")
    ax.plot(np.median([c[1] for c in curves], axis=0), label="random search (median of 10 runs)")
    ax.axhline(0.397887, color="k", ls="--", lw=0.8, label="global minimum 0.398")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("best loss so far")
    ax.set_title("TPE vs random search on Branin")
    ax.legend()
    return DemoResult(
        metrics={"median_best_loss": float(np.median(best_tpe))},
        reference={"median_best_loss": float(np.median(best_rand))},
        figure=fig,
        reference_name="random search with the same budget (and the known minimum 0.398)",
    )
