"""Partial dependence (PDP) and individual conditional expectation (ICE) curves.

For a feature ``j`` and grid value ``v``, the ICE curve of sample ``i`` is ``f(v, x_{i, -j})``: the prediction with
feature ``j`` set to ``v`` and the others kept [@goldstein2015peeking]. The partial dependence is their average
[@friedman2001greedy]:

    PD_j(v) = (1/n) sum_i f(v, x_{i, -j}),

an estimate of ``E_{X_{-j}}[f(v, X_{-j})]`` (the marginal, interventional expectation, not ``E[f | X_j = v]``).
Parallel ICE curves mean an additive effect; crossing curves reveal interactions that the PD average hides.
The grid is the percentiles 5..95 of the feature (scikit-learn's default range), so extrapolation is limited.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import check_array
from mlnotes.algorithms.registry import DemoResult


def ice_curves(predict, X, feature, grid):
    """(n_samples, n_grid) predictions with X[:, feature] set to each grid value."""
    X = check_array(X)
    out = np.empty((X.shape[0], len(grid)))
    for k, v in enumerate(grid):
        Xv = X.copy()
        Xv[:, feature] = v
        out[:, k] = predict(Xv)
    return out


def percentile_grid(x, n_points=20, lo=0.05, hi=0.95):
    """Grid like scikit-learn's: the unique values if there are few, else equally spaced between percentiles.

    The percentiles use the plotting positions of ``scipy.stats.mstats.mquantiles`` (alpha = beta = 0.4), as
    scikit-learn does.
    """
    uniq = np.unique(x)
    if len(uniq) <= n_points:
        return uniq
    from scipy.stats.mstats import mquantiles

    a, b = np.asarray(mquantiles(x, prob=[lo, hi]))
    return np.linspace(a, b, n_points)


def partial_dependence(predict, X, feature, grid):
    return ice_curves(predict, X, feature, grid).mean(axis=0)


def demo(feature: int = 0, n_points: int = 20, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.inspection import partial_dependence as sk_pd

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (300, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] * (X[:, 0] > 0) + 0.1 * rng.normal(size=300)  # x0 interacts with x1
    model = GradientBoostingRegressor(random_state=seed).fit(X, y)
    grid = percentile_grid(X[:, feature], n_points)
    ice = ice_curves(model.predict, X, feature, grid)
    pd = ice.mean(0)
    ref = sk_pd(model, X, [feature], grid_resolution=n_points, method="brute", kind="both")
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(grid, ice[:60].T, color="C0", alpha=0.2, lw=0.8)
    ax.plot(grid, pd, "k", lw=2, label="partial dependence")
    ax.plot(ref["grid_values"][0], ref["average"][0], "r--", label="sklearn")
    ax.set(xlabel=f"x{feature}", ylabel="prediction", title="ICE curves (blue) and PDP")
    ax.legend()
    return DemoResult(
        metrics={"pd_max_abs_err": float(np.abs(pd - ref["average"][0]).max()),
                 "ice_max_abs_err": float(np.abs(ice - ref["individual"][0]).max()),
                 "grid_max_abs_err": float(np.abs(grid - ref["grid_values"][0]).max())},
        reference={"pd_max_abs_err": 0.0, "ice_max_abs_err": 0.0, "grid_max_abs_err": 0.0},
        figure=fig, reference_name="sklearn.inspection.partial_dependence(method='brute', kind='both')",
        notes="values are max |ours - sklearn|")
