r"""Gaussian process regression with an RBF kernel and marginal-likelihood hyperparameter fitting.

Prior $f\sim\mathcal{GP}(0, k)$ with $k(x,x') = \sigma_f^2\exp(-\lVert x-x'\rVert^2/(2\ell^2))$ and noisy targets
$y = f(x) + \varepsilon$, $\varepsilon\sim\mathcal N(0,\sigma_n^2)$. With $K = k(X,X) + \sigma_n^2I = LL^\top$ (Cholesky),
$\alpha = K^{-1}y = L^{-\top}L^{-1}y$, the posterior at test inputs $X_*$ is Gaussian with

$$ \bar f_* = K_*^\top\alpha, \qquad \mathrm{Var}(f_*) = k(X_*,X_*) - V^\top V,\quad V = L^{-1}K_* , $$

and the log marginal likelihood (evidence) is

$$ \log p(y\mid X,\theta) = -\tfrac12 y^\top\alpha - \sum_i\log L_{ii} - \tfrac n2\log 2\pi . $$

Its gradient is $\frac{\partial}{\partial\theta_j}\log p = \frac12\operatorname{tr}\big((\alpha\alpha^\top - K^{-1})\frac{\partial K}{\partial\theta_j}\big)$;
we maximise it over $\theta = (\log\sigma_f, \log\ell, \log\sigma_n)$ with L-BFGS from a few starting points. The
evidence trades data fit ($y^\top K^{-1}y$) against complexity ($\log|K|$) without a validation set. Cost
$O(n^3)$ for the factorisation.

References: [@rasmussen2006gaussian].
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def rbf(A, B, signal, length):
    sq = np.maximum(np.sum(A**2, 1)[:, None] + np.sum(B**2, 1)[None, :] - 2 * A @ B.T, 0.0)
    return signal**2 * np.exp(-0.5 * sq / length**2), sq


def log_marginal_likelihood(theta, X, y):
    """Evidence and its gradient with respect to theta = (log signal, log length, log noise)."""
    signal, length, noise = np.exp(theta)
    Kf, sq = rbf(X, X, signal, length)
    n = len(y)
    K = Kf + (noise**2 + 1e-10) * np.eye(n)
    L = cholesky(K, lower=True)
    alpha = cho_solve((L, True), y)
    lml = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * n * np.log(2 * np.pi)
    W = np.outer(alpha, alpha) - cho_solve((L, True), np.eye(n))  # alpha alpha^T - K^{-1}
    dK = (2 * Kf, Kf * sq / length**2, 2 * noise**2 * np.eye(n))  # dK / d log(theta_j)
    grad = np.array([0.5 * np.sum(W * d) for d in dK])
    return float(lml), grad


class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    """GP regression with an RBF kernel plus white noise.

    Parameters
    ----------
    signal : float
        Kernel amplitude $\\sigma_f$ (initial value when optimising).
    length_scale : float
        $\\ell$ (initial value when optimising).
    noise : float
        Noise standard deviation $\\sigma_n$ (initial value when optimising).
    optimize : bool
        Maximise the log marginal likelihood over the three hyperparameters.
    n_restarts : int
        Extra random starting points for the optimiser.
    random_state : int or None

    Attributes
    ----------
    signal_, length_scale_, noise_ : float
    log_marginal_likelihood_value_ : float
    alpha_ : ndarray of shape (n_samples,)
    """

    def __init__(self, *, signal=1.0, length_scale=1.0, noise=0.1, optimize=True, n_restarts=2, random_state=0):
        self.signal = signal
        self.length_scale = length_scale
        self.noise = noise
        self.optimize = optimize
        self.n_restarts = n_restarts
        self.random_state = random_state

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if min(self.signal, self.length_scale, self.noise) <= 0:
            raise ValueError("signal, length_scale and noise must be > 0")
        self.n_features_in_ = X.shape[1]
        theta = np.log([self.signal, self.length_scale, self.noise])
        if self.optimize:
            rng = np.random.default_rng(self.random_state)
            starts = [theta] + [rng.uniform(-3, 3, 3) for _ in range(self.n_restarts)]
            best = None
            for t0 in starts:
                res = minimize(lambda t: tuple(-v for v in log_marginal_likelihood(t, X, y)), t0, jac=True,
                               method="L-BFGS-B", bounds=[(-7, 7)] * 3)
                if best is None or res.fun < best.fun:
                    best = res
            theta = best.x
        self.signal_, self.length_scale_, self.noise_ = (float(v) for v in np.exp(theta))
        self.log_marginal_likelihood_value_ = log_marginal_likelihood(theta, X, y)[0]
        K = rbf(X, X, self.signal_, self.length_scale_)[0] + (self.noise_**2 + 1e-10) * np.eye(len(y))
        self.L_ = cholesky(K, lower=True)
        self.alpha_ = cho_solve((self.L_, True), y)
        self.X_fit_ = X
        return self

    def predict(self, X, return_std=False):
        """Posterior mean of f (and its standard deviation, without the noise, when ``return_std``)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        Ks = rbf(self.X_fit_, X, self.signal_, self.length_scale_)[0]  # (n, m)
        mean = Ks.T @ self.alpha_
        if not return_std:
            return mean
        V = solve_triangular(self.L_, Ks, lower=True)
        var = self.signal_**2 - np.sum(V**2, axis=0)
        return mean, np.sqrt(np.maximum(var, 0.0))


ESTIMATOR = GaussianProcessRegressor
EXAMPLE_DATA = "regression"
EXAMPLE_PARAMS = {"n_restarts": 0}


def demo(n_samples: int = 20, noise: float = 0.1, optimize: bool = True) -> DemoResult:
    """1-D regression with uncertainty bands; evidence and hyperparameters against scikit-learn's GP."""
    from sklearn.gaussian_process import GaussianProcessRegressor as SkGP
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0, 10, n_samples))
    y = np.sin(x) + rng.normal(0, noise, n_samples)
    X = x[:, None]
    ours = GaussianProcessRegressor(noise=max(noise, 1e-3), optimize=optimize).fit(X, y)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(1.0, (1e-3, 1e3)) + WhiteKernel(max(noise, 1e-3) ** 2, (1e-6, 1e1))
    ref = SkGP(kernel, optimizer="fmin_l_bfgs_b" if optimize else None, n_restarts_optimizer=2,
               random_state=0).fit(X, y)
    grid = np.linspace(-1, 11, 300)[:, None]
    mean, std = ours.predict(grid, return_std=True)
    fig, ax = new_figure(width=7)
    ax.fill_between(grid[:, 0], mean - 2 * std, mean + 2 * std, alpha=0.3, label=r"$\pm 2\sigma$")
    ax.plot(grid[:, 0], mean, "r", label="posterior mean")
    ax.plot(grid[:, 0], np.sin(grid[:, 0]), "k--", lw=0.8, label="truth")
    ax.scatter(x, y, c="k", s=15)
    ax.set_title(rf"GP: $\ell$={ours.length_scale_:.2f}, $\sigma_f$={ours.signal_:.2f}, $\sigma_n$={ours.noise_:.3f}")
    ax.legend(fontsize=8)
    return DemoResult(
        metrics={"log_marginal_likelihood": ours.log_marginal_likelihood_value_, "length_scale": ours.length_scale_},
        reference={"log_marginal_likelihood": float(ref.log_marginal_likelihood_value_),
                   "length_scale": float(ref.kernel_.k1.k2.length_scale)},
        figure=fig,
        reference_name="sklearn.gaussian_process.GaussianProcessRegressor (C*RBF + White)",
    )
