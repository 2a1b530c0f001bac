r"""Softmax (multinomial logistic) regression.

Model: $p(y=k\mid x) = \mathrm{softmax}(W^\top x + b)_k = e^{z_k}/\sum_j e^{z_j}$ with $W\in\mathbb R^{d\times K}$.
Objective: mean cross-entropy plus an L2 penalty on $W$ (scikit-learn's ``C`` convention):

$$ J(W,b) = -\frac1n\sum_{i}\sum_k Y_{ik}\log P_{ik} + \frac{1}{2Cn}\lVert W\rVert_F^2, \qquad
   \nabla_W J = \tfrac1n X^\top(P - Y) + \tfrac{1}{Cn}W,\quad \nabla_b J = \tfrac1n \mathbf 1^\top (P - Y), $$

with $Y$ the one-hot labels and $P$ the $n\times K$ probability matrix. The parametrisation is redundant
(adding a vector to every class's column leaves $P$ unchanged); the penalty makes $W$ unique, while $b$ is
identified only up to a constant, so we centre it to sum to zero (as scikit-learn does).

Solvers: ``"gd"`` is full-batch gradient descent; ``"lbfgs"`` hands the same objective and analytic gradient to
SciPy's L-BFGS-B. Softmax is computed stably by subtracting the row maximum before exponentiating.

References: [@bishop2006pattern] §4.3.4, [@hastie2009elements] §4.4.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of an (n, K) array, stable against overflow."""
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    """L2-regularised multinomial logistic regression.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    solver : {"lbfgs", "gd"}
    learning_rate : float
        Step size for ``"gd"``.
    max_iter : int
    tol : float
        Gradient tolerance.

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    coef_ : ndarray of shape (K, n_features)
    intercept_ : ndarray of shape (K,)
    loss_curve_ : list of float
    """

    def __init__(self, *, C=1.0, solver="lbfgs", learning_rate=0.5, max_iter=500, tol=1e-8):
        self.C = C
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        if self.solver not in ("lbfgs", "gd"):
            raise ValueError(f"solver must be 'lbfgs' or 'gd', got {self.solver!r}")
        self.classes_, y_idx = np.unique(y_raw, return_inverse=True)
        n, d = X.shape
        K = len(self.classes_)
        if K < 2:
            raise ValueError("y must contain at least 2 classes")
        self.n_features_in_ = d
        Y = np.eye(K)[y_idx]  # (n, K) one-hot
        lam = 1.0 / (self.C * n)
        self.loss_curve_ = []

        def objective(theta):
            W, b = theta[: d * K].reshape(d, K), theta[d * K:]
            P = softmax(X @ W + b)  # (n, K)
            loss = -np.sum(Y * np.log(P + 1e-300)) / n + 0.5 * lam * np.sum(W**2)
            G = (P - Y) / n  # (n, K)
            grad = np.r_[(X.T @ G + lam * W).ravel(), G.sum(0)]
            return loss, grad

        theta = np.zeros(d * K + K)
        if self.solver == "lbfgs":
            res = minimize(objective, theta, jac=True, method="L-BFGS-B",
                           callback=lambda t: self.loss_curve_.append(objective(t)[0]),
                           options={"maxiter": self.max_iter, "gtol": self.tol, "ftol": 1e-15})
            theta = res.x
            # L-BFGS-B stops early on its gtol/ftol tests; reaching maxiter is the failure to report
            report_convergence(self, int(res.nit), int(res.nit) < self.max_iter or bool(res.success),
                               max_iter=self.max_iter, what="L-BFGS-B")
        else:
            converged = False
            for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
                loss, grad = objective(theta)
                self.loss_curve_.append(float(loss))
                if np.abs(grad).max() < self.tol:
                    converged = True
                    break
                theta -= self.learning_rate * grad
            report_convergence(self, it, converged, max_iter=self.max_iter, what="gradient descent")
        W, b = theta[: d * K].reshape(d, K), theta[d * K:]
        self.coef_ = W.T.copy()  # (K, d), scikit-learn's layout
        self.intercept_ = b - b.mean()
        return self

    def decision_function(self, X):
        """Class scores $XW + b$, shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, K); rows sum to one."""
        return softmax(self.decision_function(X))

    def predict(self, X):
        """Most probable class, shape (n_samples,)."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]


ESTIMATOR = SoftmaxRegression
EXAMPLE_DATA = "classification"


def demo(C: float = 1.0, solver: str = "lbfgs") -> DemoResult:
    """Iris (first two standardised features for the picture, all four for the metrics) vs scikit-learn."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    from sklearn.metrics import log_loss

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    ours = SoftmaxRegression(C=C, solver=solver, max_iter=2000 if solver == "gd" else 500).fit(X, y)
    ref = SkLogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y)
    two = SoftmaxRegression(C=C, solver=solver).fit(X[:, :2], y)
    fig, ax = new_figure()
    decision_boundary(ax, two.predict, X[:, :2], y, "softmax regression on iris (2 features)")
    return DemoResult(
        metrics={"accuracy": ours.score(X, y), "log_loss": float(log_loss(y, ours.predict_proba(X)))},
        reference={"accuracy": float(ref.score(X, y)), "log_loss": float(log_loss(y, ref.predict_proba(X)))},
        figure=fig,
        reference_name="sklearn.linear_model.LogisticRegression (multinomial)",
    )
