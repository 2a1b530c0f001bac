"""Standard optimisation test functions with gradients and Hessians (helpers for the optim family).

Rosenbrock [@rosenbrock1960automatic] ``f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`` (minimum 0 at all-ones);
Rastrigin ``f(x) = 10 d + sum_i (x_i^2 - 10 cos(2 pi x_i))`` (minimum 0 at the origin, many local minima);
an ill-conditioned quadratic ``f(x) = x^T A x / 2`` with eigenvalues from 1 to ``kappa``.
"""

from __future__ import annotations

import numpy as np


def rosenbrock(x):
    x = np.asarray(x, dtype=float)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def rosenbrock_grad(x):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hess(x):
    x = np.asarray(x, dtype=float)
    d = len(x)
    H = np.zeros((d, d))
    for i in range(d - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
        H[i + 1, i + 1] += 200
    return H


def rastrigin(x):
    x = np.asarray(x, dtype=float)
    return float(10 * x.shape[-1] + np.sum(x ** 2 - 10 * np.cos(2 * np.pi * x), axis=-1))


def quadratic(kappa: float, d: int = 2, seed: int = 0):
    """(f, grad, A) for f = x^T A x / 2 with eigenvalues spread log-uniformly in [1, kappa]."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.geomspace(1, kappa, d)) @ Q.T
    return (lambda x: float(0.5 * x @ A @ x)), (lambda x: A @ x), A
