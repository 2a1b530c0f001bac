"""Permutation feature importance.

The importance of feature ``j`` is the drop in a score when the column ``X[:, j]`` is randomly permuted, which
breaks its association with the target while keeping its marginal distribution [@breiman2001random;
@fisher2019all]: ``I_j = s(f, X, y) - (1/R) sum_r s(f, X_perm(j, r), y)`` over ``R`` permutations. For a linear model
``f(x) = w^T x`` with independent features and the mean squared error, the expected increase is exactly
``2 w_j^2 Var(x_j)`` (the permuted column adds ``w_j (x_j - x'_j)`` with ``x'_j`` an independent copy), which the
tests use as an oracle. Correlated features share importance unpredictably: permuting one leaves its proxy in place,
and the permuted rows can be unrealistic.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import check_array, check_random_state
from mlnotes.algorithms.registry import DemoResult


def permutation_importance(predict, X, y, score, n_repeats=5, random_state=0):
    """Return (mean importances (d,), std (d,), all drops (d, R)); score(y, yhat) is higher-is-better."""
    X = check_array(X)
    rng = check_random_state(random_state)
    base = score(y, predict(X))
    drops = np.zeros((X.shape[1], n_repeats))
    for j in range(X.shape[1]):
        Xp = X.copy()
        for r in range(n_repeats):
            Xp[:, j] = X[rng.permutation(len(X)), j]
            drops[j, r] = base - score(y, predict(Xp))
    return drops.mean(1), drops.std(1), drops


def neg_mse(y, yhat):
    return -float(np.mean((np.asarray(y) - yhat) ** 2))


def demo(n_repeats: int = 10, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance as sk_pi
    from sklearn.model_selection import train_test_split

    data = load_diabetes()
    Xtr, Xte, ytr, yte = train_test_split(data.data, data.target, random_state=seed)
    model = RandomForestRegressor(n_estimators=50, random_state=seed, n_jobs=1).fit(Xtr, ytr)
    imp, sd, _ = permutation_importance(model.predict, Xte, yte, neg_mse, n_repeats, seed)
    ref = sk_pi(model, Xte, yte, scoring="neg_mean_squared_error", n_repeats=n_repeats, random_state=seed)
    order = np.argsort(imp)
    fig = Figure(figsize=(5, 3.5))
    ax = fig.add_subplot()
    ax.barh(np.arange(len(imp)) - 0.2, imp[order], 0.4, xerr=sd[order], label="ours")
    ax.barh(np.arange(len(imp)) + 0.2, ref.importances_mean[order], 0.4, label="sklearn")
    ax.set_yticks(range(len(imp)), [data.feature_names[i] for i in order])
    ax.set(xlabel="increase in MSE when permuted", title="random forest on diabetes (test set)")
    ax.legend()
    top = lambda v: float(np.argmax(v))
    return DemoResult(
        metrics={"top_feature_index": top(imp), "top_importance": float(imp.max()),
                 "rank_corr_with_sklearn": float(np.corrcoef(np.argsort(np.argsort(imp)), np.argsort(np.argsort(ref.importances_mean)))[0, 1])},
        reference={"top_feature_index": top(ref.importances_mean), "top_importance": float(ref.importances_mean.max()),
                   "rank_corr_with_sklearn": 1.0},
        figure=fig, reference_name="sklearn.inspection.permutation_importance (different random permutations)")
