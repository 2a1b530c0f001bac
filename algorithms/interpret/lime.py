"""LIME for tabular data: a locally weighted linear surrogate of a black-box model.

Around an instance ``x`` [@ribeiro2016why]: draw perturbations ``z_k = x + s * eps_k`` (``eps ~ N(0, I)``, ``s`` the
per-feature training standard deviation times ``scale``), weight them by the exponential kernel
``pi_k = exp(-||(z_k - x)/s||^2 / w^2)`` with kernel width ``w``, and fit a weighted ridge regression

    argmin_{beta_0, beta}  sum_k pi_k (f(z_k) - beta_0 - beta^T (z_k - x))^2 + alpha ||beta||^2.

The coefficients ``beta`` are the explanation. For a linear model ``f`` they recover its coefficients exactly
(as ``alpha -> 0``); for a smooth model and a small neighbourhood they approach the gradient ``grad f(x)``. The
sampling distribution and kernel width change the answer, which is LIME's main weakness (instability).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import check_random_state
from mlnotes.algorithms.registry import DemoResult


def lime_tabular(predict, x, feature_std, n_samples=2000, scale=1.0, kernel_width=None, alpha=1e-6, random_state=0):
    """Return (intercept, coefficients (d,), local R^2 of the surrogate)."""
    rng = check_random_state(random_state)
    x = np.asarray(x, dtype=float)
    d = x.size
    s = np.asarray(feature_std, dtype=float) * scale
    kernel_width = 0.75 * np.sqrt(d) if kernel_width is None else kernel_width  # the lime package's default
    E = rng.normal(size=(n_samples, d))
    Z = x + E * s
    fz = predict(Z)
    pi = np.exp(-np.sum(E ** 2, axis=1) / kernel_width ** 2)
    D = np.hstack([np.ones((n_samples, 1)), Z - x])  # intercept column, centred features
    W = pi[:, None]
    reg = alpha * np.eye(d + 1)
    reg[0, 0] = 0.0  # do not penalise the intercept
    coef = np.linalg.solve(D.T @ (W * D) + reg, D.T @ (pi * fz))
    resid = fz - D @ coef
    r2 = 1 - np.sum(pi * resid ** 2) / np.sum(pi * (fz - np.average(fz, weights=pi)) ** 2)
    return float(coef[0]), coef[1:], float(r2)


def demo(scale: float = 0.1, n_samples: int = 2000, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    # a smooth black box with a known gradient: f(x) = sin(x0) + x1^2 + 0.5 x2 x3
    f = lambda Z: np.sin(Z[:, 0]) + Z[:, 1] ** 2 + 0.5 * Z[:, 2] * Z[:, 3]
    x = np.array([0.5, -1.0, 2.0, 0.3])
    grad = np.array([np.cos(0.5), -2.0, 0.5 * 0.3, 0.5 * 2.0])
    _, beta, r2 = lime_tabular(f, x, np.ones(4), n_samples, scale, random_state=seed)
    _, beta_wide, r2_wide = lime_tabular(f, x, np.ones(4), n_samples, 1.0, random_state=seed)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    idx = np.arange(4)
    ax.bar(idx - 0.25, grad, 0.25, label="gradient at x")
    ax.bar(idx, beta, 0.25, label=f"LIME, scale {scale:g}")
    ax.bar(idx + 0.25, beta_wide, 0.25, label="LIME, scale 1")
    ax.set(xlabel="feature", ylabel="local coefficient", title="LIME vs the true local slope")
    ax.legend(fontsize=7)
    return DemoResult(metrics={f"beta_{i}": float(b) for i, b in enumerate(beta)} | {"surrogate_r2": r2},
                      reference={f"beta_{i}": float(g) for i, g in enumerate(grad)} | {"surrogate_r2": 1.0},
                      figure=fig, reference_name="analytic gradient of the black box at x",
                      notes=f"with a wide neighbourhood (scale 1) the surrogate R^2 drops to {r2_wide:.3f}")
