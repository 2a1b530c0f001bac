"""Bayesian optimisation with a Gaussian-process surrogate and expected improvement.

Surrogate [@rasmussen2006gaussian]: a zero-mean GP on standardised observations with kernel
``k(x, x') = s^2 exp(-||x - x'||^2 / (2 l^2))`` and noise ``sigma_n^2``. With ``K = k(X, X) + sigma_n^2 I = L L^T``
and ``alpha = K^{-1} y``, the posterior at ``x`` has mean ``mu(x) = k_x^T alpha`` and variance
``sigma^2(x) = k(x, x) - ||L^{-1} k_x||^2``. The length scale is chosen by maximising the log marginal likelihood
``-y^T alpha / 2 - sum_i log L_ii - (n/2) log 2 pi`` over a grid.

Acquisition [@jones1998efficient]: for minimisation with incumbent ``f_best``, ``z = (f_best - mu - xi)/sigma``,

    EI(x) = (f_best - mu - xi) Phi(z) + sigma phi(z),

large where the mean is low (exploitation) or the uncertainty is high (exploration). The next point maximises
EI over random candidates. Benchmark: the Branin function on ``[-5, 10] x [0, 15]``, global minimum
``0.397887`` (three minimisers).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from mlnotes.algorithms.registry import DemoResult

BRANIN_MIN = 0.397887357729739
BOUNDS = np.array([[-5.0, 10.0], [0.0, 15.0]])


def branin(x):
    x = np.atleast_2d(x)
    a, b, c, r, s, t = 1, 5.1 / (4 * np.pi ** 2), 5 / np.pi, 6, 10, 1 / (8 * np.pi)
    return a * (x[:, 1] - b * x[:, 0] ** 2 + c * x[:, 0] - r) ** 2 + s * (1 - t) * np.cos(x[:, 0]) + s


def rbf(A, B, length, scale=1.0):
    d2 = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
    return scale * np.exp(-0.5 * d2 / length ** 2)


class GP:
    """Exact GP regression; inputs are scaled to the unit cube by the caller."""

    def __init__(self, length=0.3, noise=1e-6):
        self.length, self.noise = length, noise

    def fit(self, X, y):
        self.X_, self.y_mean_, self.y_std_ = X, y.mean(), y.std() + 1e-12
        yn = (y - self.y_mean_) / self.y_std_
        K = rbf(X, X, self.length) + self.noise * np.eye(len(X))
        self.L_ = np.linalg.cholesky(K)
        self.alpha_ = np.linalg.solve(self.L_.T, np.linalg.solve(self.L_, yn))
        self.log_marginal_likelihood_ = float(-0.5 * yn @ self.alpha_ - np.log(np.diag(self.L_)).sum()
                                              - 0.5 * len(X) * np.log(2 * np.pi))
        return self

    def predict(self, Xs):
        Ks = rbf(Xs, self.X_, self.length)  # (m, n)
        mu = Ks @ self.alpha_
        v = np.linalg.solve(self.L_, Ks.T)
        var = np.maximum(1.0 - (v ** 2).sum(0), 1e-12)
        return mu * self.y_std_ + self.y_mean_, np.sqrt(var) * self.y_std_


def expected_improvement(mu, sigma, f_best, xi=0.01):
    imp = f_best - mu - xi
    z = imp / sigma
    return imp * norm.cdf(z) + sigma * norm.pdf(z)


def bayes_opt(f, bounds, n_init=5, n_iter=20, n_candidates=2000, seed=0):
    rng = np.random.default_rng(seed)
    d = len(bounds)
    to_x = lambda u: bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
    U = rng.random((n_init, d))
    y = f(to_x(U))
    for _ in range(n_iter):
        gps = [GP(length=l).fit(U, y) for l in (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)]
        gp = max(gps, key=lambda g: g.log_marginal_likelihood_)
        C = rng.random((n_candidates, d))
        mu, sd = gp.predict(C)
        u_next = C[np.argmax(expected_improvement(mu, sd, y.min()))]
        U = np.vstack([U, u_next])
        y = np.append(y, f(to_x(u_next[None]))[0])
    return to_x(U), y


def demo(n_iter: int = 20, n_init: int = 5, seeds: int = 5) -> DemoResult:
    from matplotlib.figure import Figure

    budget = n_init + n_iter
    bo_curves, rs_curves = [], []
    for s in range(seeds):
        _, y = bayes_opt(branin, BOUNDS, n_init, n_iter, seed=s)
        bo_curves.append(np.minimum.accumulate(y) - BRANIN_MIN)
        rng = np.random.default_rng(1000 + s)
        yr = branin(BOUNDS[:, 0] + rng.random((budget, 2)) * (BOUNDS[:, 1] - BOUNDS[:, 0]))
        rs_curves.append(np.minimum.accumulate(yr) - BRANIN_MIN)
    bo, rs = np.mean(bo_curves, 0), np.mean(rs_curves, 0)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.semilogy(np.arange(1, budget + 1), bo, label="Bayesian optimisation (GP + EI)")
    ax.semilogy(np.arange(1, budget + 1), rs, label="random search")
    ax.set(xlabel="evaluations", ylabel="simple regret", title=f"Branin, mean over {seeds} seeds")
    ax.legend()
    return DemoResult(metrics={"simple_regret": float(bo[-1])}, reference={"simple_regret": float(rs[-1])},
                      figure=fig, reference_name="random search with the same budget (seeds averaged)")
