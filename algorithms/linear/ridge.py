r"""Ridge regression (L2-penalised least squares), closed form.

Objective, with the intercept $b$ unpenalised (scikit-learn's scaling: no $1/n$ on the data term):

$$ \min_{w,b}\ \lVert y - Xw - b\mathbf 1\rVert_2^2 + \alpha \lVert w\rVert_2^2 . $$

Centring $X$ and $y$ removes $b$; setting the gradient to zero gives
$(X_c^\top X_c + \alpha I) w = X_c^\top y_c$, solved here through the SVD $X_c = U\Sigma V^\top$:
$w = V\,\mathrm{diag}\!\big(\sigma_i / (\sigma_i^2 + \alpha)\big) U^\top y_c$. The factor
$\sigma_i^2/(\sigma_i^2+\alpha)$ shows what the penalty does: it shrinks the directions of small singular value
most. The effective degrees of freedom are $\mathrm{df}(\alpha) = \sum_i \sigma_i^2/(\sigma_i^2+\alpha)$.
Then $b = \bar y - \bar x^\top w$. Cost $O(nd\min(n,d))$.

References: [@hoerl1970ridge], [@hastie2009elements] §3.4.1.
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
)
from mlnotes.algorithms.registry import DemoResult


class Ridge(RegressorMixin, BaseEstimator):
    """L2-regularised linear regression solved by SVD.

    Parameters
    ----------
    alpha : float
        Penalty strength $\\alpha \\ge 0$.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    effective_dof_ : float
        $\\sum_i \\sigma_i^2 / (\\sigma_i^2 + \\alpha)$.
    """

    def __init__(self, *, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha}")
        self.n_features_in_ = X.shape[1]
        x_mean, y_mean = X.mean(axis=0), y.mean()
        U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)  # U (n,k), s (k,), Vt (k,d)
        shrink = s / (s**2 + self.alpha)  # (k,)
        self.coef_ = Vt.T @ (shrink * (U.T @ (y - y_mean)))
        self.intercept_ = float(y_mean - x_mean @ self.coef_)
        self.effective_dof_ = float(np.sum(s**2 / (s**2 + self.alpha)))
        return self

    def predict(self, X):
        """Predicted targets, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_


ESTIMATOR = Ridge
EXAMPLE_DATA = "regression"


def demo(alpha: float = 1.0) -> DemoResult:
    """Ridge path on the diabetes data; coefficients at ``alpha`` compared with scikit-learn's Ridge."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge as SkRidge

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_diabetes(return_X_y=True)
    ours = Ridge(alpha=alpha).fit(X, y)
    ref = SkRidge(alpha=alpha).fit(X, y)
    alphas = np.logspace(-4, 2, 40)
    path = np.array([Ridge(alpha=a).fit(X, y).coef_ for a in alphas])  # (40, d)
    fig, ax = new_figure()
    ax.semilogx(alphas, path)
    ax.axvline(alpha, color="k", ls="--", lw=0.8)
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel("coefficient")
    ax.set_title("ridge coefficient path (diabetes)")
    return DemoResult(
        metrics={"r2": ours.score(X, y), "coef_norm": float(np.linalg.norm(ours.coef_))},
        reference={"r2": float(ref.score(X, y)), "coef_norm": float(np.linalg.norm(ref.coef_))},
        figure=fig,
        reference_name="sklearn.linear_model.Ridge",
        extra={"effective_dof": ours.effective_dof_},
    )
