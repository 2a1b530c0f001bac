"""Kernel SHAP: Shapley values as the solution of a weighted linear regression over coalitions.

Lundberg and Lee [@lundberg2017unified] show that the linear model ``g(z) = phi_0 + sum_i phi_i z_i`` on coalition
vectors ``z in {0,1}^M`` that minimises

    sum_z pi(z) (v(z) - g(z))^2,     pi(z) = (M - 1) / (C(M, |z|) |z| (M - |z|)),

subject to ``phi_0 = v(0)`` and ``phi_0 + sum phi_i = v(1)`` (the infinite weights of the empty and full
coalitions) has the Shapley values as coefficients. The constraint is imposed by eliminating ``phi_M``:
regress ``v(z) - v(0) - z_M (v(1) - v(0))`` on ``z_i - z_M`` for ``i < M``. Enumerating all ``2^M - 2`` coalitions
gives the exact Shapley values; otherwise coalitions are sampled (sizes by the kernel's mass, then uniformly among
coalitions of that size) and the estimate converges as the sample grows. ``v`` is the interventional value over
a background set, as in ``shapley.py``.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

from mlnotes.algorithms.interpret.shapley import exact_shapley, interventional_value
from mlnotes.algorithms.registry import DemoResult


def shap_kernel_weight(M: int, s: int) -> float:
    return (M - 1) / (comb(M, s) * s * (M - s))


def kernel_shap(v_batch, M, n_samples=None, seed=0):
    """Return (phi_0, phi (M,)). v_batch maps (K, M) masks to (K,) values; n_samples=None enumerates all coalitions."""
    v0, v1 = np.asarray(v_batch(np.array([[False] * M, [True] * M])), dtype=float)
    if n_samples is None or n_samples >= 2 ** M - 2:
        Z = np.array([z for z in itertools.product([0, 1], repeat=M) if 0 < sum(z) < M], dtype=bool)
        w = np.array([shap_kernel_weight(M, int(z.sum())) for z in Z])
    else:
        rng = np.random.default_rng(seed)
        sizes = np.arange(1, M)
        mass = np.array([shap_kernel_weight(M, s) * comb(M, s) for s in sizes])
        s_draw = rng.choice(sizes, n_samples, p=mass / mass.sum())
        Z = np.zeros((n_samples, M), dtype=bool)
        for r, s in enumerate(s_draw):
            Z[r, rng.choice(M, s, replace=False)] = True
        w = np.ones(n_samples)  # sampled in proportion to the kernel already
    y = np.asarray(v_batch(Z), dtype=float) - v0  # (n,)
    A = Z[:, :-1].astype(float) - Z[:, [-1]]  # eliminate phi_M
    b = y - Z[:, -1] * (v1 - v0)
    sw = np.sqrt(w)
    phi_head, *_ = np.linalg.lstsq(A * sw[:, None], b * sw, rcond=None)
    return v0, np.append(phi_head, (v1 - v0) - phi_head.sum())


def demo(n_features: int = 10, n_samples: int = 300, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from sklearn.datasets import make_friedman1
    from sklearn.ensemble import GradientBoostingRegressor

    X, y = make_friedman1(300, n_features=max(n_features, 5), random_state=seed)
    X = X[:, :n_features]
    model = GradientBoostingRegressor(n_estimators=50, random_state=seed).fit(X, y)
    v = interventional_value(model.predict, X[0], X[:20])
    exact = exact_shapley(v, n_features)
    _, phi_full = kernel_shap(v, n_features)
    _, phi_s = kernel_shap(v, n_features, n_samples, seed)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    idx = np.arange(n_features)
    ax.bar(idx - 0.25, exact, 0.25, label="exact (subsets)")
    ax.bar(idx, phi_full, 0.25, label="Kernel SHAP, all coalitions")
    ax.bar(idx + 0.25, phi_s, 0.25, label=f"Kernel SHAP, {n_samples} samples")
    ax.set(xlabel="feature", ylabel="phi", title="Friedman #1, gradient boosting")
    ax.legend(fontsize=7)
    return DemoResult(metrics={"full_enumeration_max_abs_err": float(np.abs(phi_full - exact).max()),
                               "sampled_max_abs_err": float(np.abs(phi_s - exact).max())},
                      reference={"full_enumeration_max_abs_err": 0.0, "sampled_max_abs_err": 0.0}, figure=fig,
                      reference_name="exact Shapley values by enumerating all feature subsets")
