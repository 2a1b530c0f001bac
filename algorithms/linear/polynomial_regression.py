r"""Polynomial regression: least squares on all monomials up to a degree.

For $x\in\mathbb R^d$ the degree-$p$ feature map $\phi(x)$ lists every monomial $\prod_j x_j^{a_j}$ with
$1\le\sum_j a_j\le p$ — there are $\binom{d+p}{p} - 1$ of them — in the order of
``itertools.combinations_with_replacement`` (scikit-learn's ``PolynomialFeatures`` order). The model is linear in
the parameters, $\hat y = \phi(x)^\top w + b$, so fitting is ordinary (or ridge) least squares:

$$ \min_{w,b}\ \lVert y - \Phi w - b\mathbf 1\rVert_2^2 + \alpha\lVert w\rVert_2^2 , $$

solved after centring by an SVD (see ``ridge.py``). Raising $p$ lowers training error monotonically but the test
error is U-shaped: the bias-variance trade-off in one picture. Monomials of large degree are badly scaled, so
keep inputs in about $[-1, 1]$.

References: [@hastie2009elements] §5.1, [@bishop2006pattern] §1.1.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

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


def polynomial_features(X: np.ndarray, degree: int) -> np.ndarray:
    """All monomials of degree 1..``degree`` of the columns of X, shape (n, C(d+degree, degree) - 1)."""
    n, d = X.shape
    cols = []
    for p in range(1, degree + 1):
        for combo in combinations_with_replacement(range(d), p):
            cols.append(np.prod(X[:, combo], axis=1))
    return np.column_stack(cols) if cols else np.empty((n, 0))


class PolynomialRegression(RegressorMixin, BaseEstimator):
    """Least squares (optionally ridge) on polynomial features.

    Parameters
    ----------
    degree : int
        Highest total degree of the monomials.
    alpha : float
        Ridge penalty on the monomial coefficients (0: plain least squares).

    Attributes
    ----------
    coef_ : ndarray of shape (n_monomials,)
    intercept_ : float
    """

    def __init__(self, *, degree=2, alpha=0.0):
        self.degree = degree
        self.alpha = alpha

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if int(self.degree) < 1:
            raise ValueError(f"degree must be >= 1, got {self.degree}")
        self.n_features_in_ = X.shape[1]
        Phi = polynomial_features(X, int(self.degree))  # (n, m)
        mean, y_mean = Phi.mean(0), y.mean()
        U, s, Vt = np.linalg.svd(Phi - mean, full_matrices=False)
        keep = s > s.max() * 1e-12 if self.alpha == 0 else np.ones_like(s, bool)  # pseudo-inverse cut-off
        filt = np.where(keep, s / (s**2 + self.alpha), 0.0)
        self.coef_ = Vt.T @ (filt * (U.T @ (y - y_mean)))
        self.intercept_ = float(y_mean - mean @ self.coef_)
        return self

    def predict(self, X):
        """Predicted targets, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return polynomial_features(X, int(self.degree)) @ self.coef_ + self.intercept_


ESTIMATOR = PolynomialRegression
EXAMPLE_DATA = "regression"


def demo(degree: int = 4, n_samples: int = 30, noise: float = 0.2) -> DemoResult:
    """Noisy sine: fits of several degrees and the train/test error curve, against a scikit-learn pipeline."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)

    def sample(m):
        x = rng.uniform(-1, 1, (m, 1))
        return x, np.sin(np.pi * x[:, 0]) + rng.normal(0, noise, m)

    X, y = sample(n_samples)
    X_test, y_test = sample(500)
    ours = PolynomialRegression(degree=degree).fit(X, y)
    ref = make_pipeline(PolynomialFeatures(degree, include_bias=False), LinearRegression()).fit(X, y)
    degrees = np.arange(1, 13)
    train_mse, test_mse = [], []
    for p in degrees:
        m = PolynomialRegression(degree=int(p)).fit(X, y)
        train_mse.append(np.mean((m.predict(X) - y) ** 2))
        test_mse.append(np.mean((m.predict(X_test) - y_test) ** 2))
    fig, (ax0, ax1) = new_figure(ncols=2)
    grid = np.linspace(-1, 1, 200)[:, None]
    ax0.scatter(X[:, 0], y, s=12, c="k")
    for p in sorted({1, degree, 12}):
        ax0.plot(grid[:, 0], PolynomialRegression(degree=p).fit(X, y).predict(grid), label=f"degree {p}")
    ax0.set_ylim(-2, 2)
    ax0.legend(fontsize=8)
    ax0.set_title("fits")
    ax1.semilogy(degrees, train_mse, marker=".", label="train")
    ax1.semilogy(degrees, test_mse, marker=".", label="test")
    ax1.set_xlabel("degree")
    ax1.set_ylabel("MSE")
    ax1.set_title("bias-variance: error vs degree")
    ax1.legend()
    return DemoResult(
        metrics={"train_mse": float(np.mean((ours.predict(X) - y) ** 2)),
                 "test_mse": float(np.mean((ours.predict(X_test) - y_test) ** 2))},
        reference={"train_mse": float(np.mean((ref.predict(X) - y) ** 2)),
                   "test_mse": float(np.mean((ref.predict(X_test) - y_test) ** 2))},
        figure=fig,
        reference_name="sklearn PolynomialFeatures + LinearRegression",
    )
