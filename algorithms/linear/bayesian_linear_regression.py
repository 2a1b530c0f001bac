r"""Bayesian linear regression with a Gaussian prior, and evidence maximisation of its two precisions.

Model: $y = Xw + b + \varepsilon$, $\varepsilon\sim\mathcal N(0, \beta^{-1})$, prior $w\sim\mathcal N(0,\lambda^{-1}I)$
($\beta$: noise precision, $\lambda$: weight precision; $b$ is handled by centring). The posterior is Gaussian:

$$ p(w\mid X, y) = \mathcal N(m, S), \qquad S = (\lambda I + \beta X^\top X)^{-1}, \qquad m = \beta S X^\top y , $$

so $m$ is the ridge solution with penalty $\lambda/\beta$. The posterior predictive at $x$ is
$\mathcal N(x^\top m + b,\ \beta^{-1} + x^\top S x)$: noise plus parameter uncertainty, which grows away from
the data (we treat $b$ as known after centring, so $x$ enters the variance as $x - \bar x$).

**Evidence maximisation (type-II ML).** With $e_i$ the eigenvalues of $X^\top X$ and
$\gamma = \sum_i \beta e_i/(\lambda + \beta e_i)$ (the effective number of parameters), the fixed-point updates
that increase the marginal likelihood are

$$ \lambda \leftarrow \frac{\gamma + 2a_\lambda}{\lVert m\rVert^2 + 2b_\lambda}, \qquad
   \beta \leftarrow \frac{n - \gamma + 2a_\beta}{\lVert y - Xm\rVert^2 + 2b_\beta}, $$

where $a, b$ are the shape and rate of (nearly flat) Gamma hyperpriors, $10^{-6}$ by default, which is what
scikit-learn's ``BayesianRidge`` does. One SVD of $X$ makes every iteration $O(d^2)$.

References: [@mackay1992bayesian], [@bishop2006pattern] §3.3 and §3.5, [@tipping2001sparse].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


class BayesianLinearRegression(RegressorMixin, BaseEstimator):
    """Conjugate Bayesian linear regression, optionally with evidence-maximised precisions.

    Parameters
    ----------
    weight_precision : float
        Prior precision $\\lambda$ (initial value when ``fit_precisions``).
    noise_precision : float or None
        Noise precision $\\beta$; ``None`` starts from $1/\\mathrm{Var}(y)$.
    fit_precisions : bool
        Maximise the evidence over $\\lambda$ and $\\beta$.
    max_iter : int
    tol : float
        Stop when the L1 change of $m$ is below ``tol``.
    a_lambda, b_lambda, a_beta, b_beta : float
        Gamma hyperprior shapes and rates.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Posterior mean $m$.
    intercept_ : float
    sigma_ : ndarray of shape (n_features, n_features)
        Posterior covariance $S$.
    weight_precision_, noise_precision_ : float
    """

    def __init__(self, *, weight_precision=1.0, noise_precision=None, fit_precisions=True, max_iter=300,
                 tol=1e-8, a_lambda=1e-6, b_lambda=1e-6, a_beta=1e-6, b_beta=1e-6):
        self.weight_precision = weight_precision
        self.noise_precision = noise_precision
        self.fit_precisions = fit_precisions
        self.max_iter = max_iter
        self.tol = tol
        self.a_lambda = a_lambda
        self.b_lambda = b_lambda
        self.a_beta = a_beta
        self.b_beta = b_beta

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        n, d = X.shape
        self.n_features_in_ = d
        x_mean, y_mean = X.mean(0), y.mean()
        Xc, yc = X - x_mean, y - y_mean
        _, s, Vt = np.linalg.svd(Xc, full_matrices=False)  # s (k,), Vt (k, d)
        e = np.zeros(d)
        e[: len(s)] = s**2  # eigenvalues of X^T X
        V = np.zeros((d, d))
        V[:, : len(s)] = Vt.T
        if len(s) < d:  # complete the basis for the null space of X_c
            q, _ = np.linalg.qr(np.c_[Vt.T, np.eye(d)])
            V = q[:, :d]
        Xty = Xc.T @ yc  # (d,)
        lam = float(self.weight_precision)
        beta = float(self.noise_precision) if self.noise_precision is not None else 1.0 / (np.var(y) + 1e-12)

        def posterior_mean(lam, beta):
            # m = beta (lam I + beta X^T X)^{-1} X^T y, in the eigenbasis of X^T X
            return V @ ((beta * (V.T @ Xty)) / (lam + beta * e))

        m = posterior_mean(lam, beta)
        self.n_iter_, self.converged_ = 0, True
        if self.fit_precisions:
            for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
                gamma = np.sum(beta * e / (lam + beta * e))
                rss = np.sum((yc - Xc @ m) ** 2)
                lam = (gamma + 2 * self.a_lambda) / (m @ m + 2 * self.b_lambda)
                beta = (n - gamma + 2 * self.a_beta) / (rss + 2 * self.b_beta)
                m_new = posterior_mean(lam, beta)
                converged = np.abs(m_new - m).sum() < self.tol
                m = m_new
                if converged:
                    break
            report_convergence(self, it, converged, max_iter=self.max_iter, what="evidence maximisation")
        self.weight_precision_, self.noise_precision_ = float(lam), float(beta)
        self.coef_ = m
        self.intercept_ = float(y_mean - x_mean @ m)
        self.x_mean_ = x_mean
        self.sigma_ = (V / (lam + beta * e)) @ V.T  # (d, d)
        return self

    def predict(self, X, return_std=False):
        """Posterior predictive mean (and standard deviation when ``return_std``)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        mean = X @ self.coef_ + self.intercept_
        if not return_std:
            return mean
        Xc = X - self.x_mean_  # S is the posterior covariance of w for centred inputs
        var = 1.0 / self.noise_precision_ + np.sum((Xc @ self.sigma_) * Xc, axis=1)
        return mean, np.sqrt(var)


ESTIMATOR = BayesianLinearRegression
EXAMPLE_DATA = "regression"


def demo(degree: int = 5, n_samples: int = 25) -> DemoResult:
    """Noisy sine with polynomial features: posterior predictive band, against scikit-learn's BayesianRidge."""
    from sklearn.linear_model import BayesianRidge

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(0, 1, n_samples))
    y = np.sin(2 * np.pi * x) + rng.normal(0, 0.2, n_samples)

    def features(t):
        return np.vander(t, degree + 1, increasing=True)[:, 1:]  # (n, degree)

    ours = BayesianLinearRegression().fit(features(x), y)
    ref = BayesianRidge(tol=1e-8, max_iter=300).fit(features(x), y)
    grid = np.linspace(-0.1, 1.1, 200)
    mean, std = ours.predict(features(grid), return_std=True)
    fig, ax = new_figure()
    ax.fill_between(grid, mean - 2 * std, mean + 2 * std, alpha=0.3, label=r"$\pm 2$ predictive sd")
    ax.plot(grid, mean, "r", label="posterior mean")
    ax.plot(grid, np.sin(2 * np.pi * grid), "k--", lw=0.8, label="truth")
    ax.scatter(x, y, s=12, c="k")
    ax.set_title(f"Bayesian linear regression, degree {degree}")
    ax.legend(fontsize=8)
    _, ref_std = ref.predict(features(grid), return_std=True)
    return DemoResult(
        metrics={"noise_precision": ours.noise_precision_, "weight_precision": ours.weight_precision_,
                 "mean_pred_std": float(std.mean())},
        reference={"noise_precision": float(ref.alpha_), "weight_precision": float(ref.lambda_),
                   "mean_pred_std": float(ref_std.mean())},
        figure=fig,
        reference_name="sklearn.linear_model.BayesianRidge (alpha_ = noise, lambda_ = weight precision)",
    )
