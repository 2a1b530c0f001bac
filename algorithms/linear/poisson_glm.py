r"""Poisson regression (a GLM with log link) fitted by Newton's method / IRLS.

Model: $y_i \sim \mathrm{Poisson}(\mu_i)$ with $\log\mu_i = \eta_i = x_i^\top w + b$. The negative
log-likelihood per sample is $\mu_i - y_i\eta_i + \log y_i!$; dropping the constant and adding an L2 penalty
(scikit-learn's ``PoissonRegressor`` convention, half the mean deviance plus $\frac\alpha2\lVert w\rVert^2$):

$$ J(w,b) = \frac1n\sum_i\big(e^{\eta_i} - y_i\eta_i\big) + \frac\alpha2\lVert w\rVert_2^2 + \text{const}. $$

With $\tilde X = [X,\mathbf 1]$, $\theta = (w,b)$ and $M = \mathrm{diag}(\mu)$:
$\nabla J = \frac1n\tilde X^\top(\mu - y) + \alpha(w,0)$ and $\nabla^2 J = \frac1n\tilde X^\top M\tilde X + \alpha\,\mathrm{diag}(1,\dots,1,0)$.
The Newton step $\theta \leftarrow \theta - (\nabla^2J)^{-1}\nabla J$ is exactly iteratively reweighted least
squares: regress the working response $z = \eta + (y-\mu)/\mu$ on $\tilde X$ with weights $\mu$. Because the log
link is canonical for the Poisson family, Newton and Fisher scoring coincide. We start from
$b = \log\bar y$, $w = 0$ and halve the step if the objective would increase.

References: [@nelder1972generalized], [@mccullagh1989generalized].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
    report_convergence,
    singular_as_value_error,
)
from mlnotes.algorithms.registry import DemoResult


class PoissonRegression(BaseEstimator):
    """Poisson GLM with log link, by IRLS.

    Parameters
    ----------
    alpha : float
        L2 penalty on the coefficients (not the intercept).
    max_iter : int
    tol : float
        Stop when the gradient's max-norm is below ``tol``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    deviance_ : float
        Mean Poisson deviance on the training data.
    """

    def __init__(self, *, alpha=0.0, max_iter=100, tol=1e-10):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def _objective(self, Xt, y, theta, pen):
        eta = Xt @ theta
        return float(np.mean(np.exp(eta) - y * eta) + 0.5 * pen @ theta**2)

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if np.any(y < 0):
            raise ValueError("y must be non-negative counts for Poisson regression")
        if y.mean() <= 0:
            raise ValueError("y must have a positive mean")
        n, d = X.shape
        self.n_features_in_ = d
        Xt = np.c_[X, np.ones(n)]  # (n, d+1)
        pen = np.r_[np.full(d, self.alpha), 0.0]  # (d+1,)
        theta = np.r_[np.zeros(d), np.log(y.mean())]
        converged = False
        for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            mu = np.exp(Xt @ theta)  # (n,)
            grad = Xt.T @ (mu - y) / n + pen * theta
            if np.abs(grad).max() < self.tol:
                converged = True
                break
            H = (Xt * mu[:, None]).T @ Xt / n + np.diag(pen)  # (d+1, d+1)
            with singular_as_value_error("the Newton system (X^T diag(mu) X + alpha I)",
                                         "a column is constant or collinear with others, or there are fewer "
                                         "samples than features; drop it or set alpha > 0"):
                step = np.linalg.solve(H, grad)
            f0, t = self._objective(Xt, y, theta, pen), 1.0
            while self._objective(Xt, y, theta - t * step, pen) > f0 and t > 1e-8:
                t *= 0.5  # step halving keeps the objective monotone far from the optimum
            theta = theta - t * step
        report_convergence(self, it, converged, max_iter=self.max_iter, what="Newton's method")
        self.coef_, self.intercept_ = theta[:d], float(theta[d])
        mu = np.exp(Xt @ theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        self.deviance_ = float(2 * np.mean(term - (y - mu)))
        return self

    def predict(self, X):
        """Predicted means $\\mu = e^{Xw+b}$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.exp(X @ self.coef_ + self.intercept_)


ESTIMATOR = PoissonRegression
EXAMPLE_DATA = "regression"




def demo(alpha: float = 0.0, n_samples: int = 500) -> DemoResult:
    """Synthetic counts with a log-linear rate; compare with statsmodels' GLM and scikit-learn's PoissonRegressor."""
    import statsmodels.api as sm
    from sklearn.linear_model import PoissonRegressor

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, 3))
    y = rng.poisson(np.exp(0.5 + X @ np.array([0.4, -0.3, 0.2]))).astype(float)
    ours = PoissonRegression(alpha=alpha).fit(X, y)
    if alpha == 0.0:
        sm_fit = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit()
        ref_coef = sm_fit.params[1:]
        ref_name = "statsmodels.GLM(family=Poisson)"
    else:
        ref_coef = PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=10000).fit(X, y).coef_
        ref_name = "sklearn.linear_model.PoissonRegressor"
    fig, ax = new_figure()
    order = np.argsort(X[:, 0])
    ax.scatter(X[:, 0], y, s=6, alpha=0.5, label="counts")
    mu_line = np.exp(ours.intercept_ + ours.coef_[0] * X[order, 0])
    ax.plot(X[order, 0], mu_line, "r", label=r"$\mu(x_1)$ at $x_2=x_3=0$")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("count")
    ax.set_title("Poisson GLM (log link)")
    ax.legend()
    return DemoResult(
        metrics={f"coef_{j}": float(c) for j, c in enumerate(ours.coef_)},
        reference={f"coef_{j}": float(c) for j, c in enumerate(ref_coef)},
        figure=fig,
        reference_name=ref_name,
        extra={"n_iter": ours.n_iter_, "mean_deviance": ours.deviance_},
    )
