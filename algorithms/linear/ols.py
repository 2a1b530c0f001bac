r"""Ordinary least squares: the normal equation and gradient descent (batch, mini-batch, stochastic).

Model: $\hat y = Xw + b$ with $X \in \mathbb{R}^{n\times d}$. Objective (mean squared error, the $1/2$ only
tidies the gradient):

$$ L(w, b) = \frac{1}{2n}\lVert y - Xw - b\mathbf{1}\rVert_2^2 . $$

* **Normal equation.** Centre $X$ and $y$ (this removes $b$); then $X_c^\top X_c w = X_c^\top y_c$ and
  $b = \bar y - \bar x^\top w$. We solve it with an SVD-based least-squares routine rather than forming
  $(X^\top X)^{-1}$, which squares the condition number. Cost $O(nd^2)$.
* **Gradient descent.** $\nabla_w L = -\frac{1}{n} X^\top r$, $\nabla_b L = -\frac1n \mathbf 1^\top r$ with
  residual $r = y - Xw - b$. Batch GD uses all $n$ rows per step; mini-batch uses $B$ rows, SGD one row, with
  the learning rate decayed as $\eta_t = \eta_0 / (1 + t/ n_{\text{batches}})^{1/2}$ so the iterates settle.
  Features are standardised internally (GD's speed depends on the condition number of $X^\top X$) and the
  coefficients mapped back to the original scale.

References: [@hastie2009elements] ch. 3, [@bottou2018optimization] for SGD step-size schedules.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class LinearRegression(RegressorMixin, BaseEstimator):
    """Least-squares linear regression.

    Parameters
    ----------
    solver : {"normal", "batch", "minibatch", "sgd"}
        Closed form, or gradient descent with all rows, ``batch_size`` rows, or one row per step.
    learning_rate : float
        Initial step size for the gradient solvers (on standardised features).
    n_epochs : int
        Passes over the data for the gradient solvers.
    batch_size : int
        Rows per mini-batch step.
    random_state : int or None
        Seed for the shuffling of the stochastic solvers.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    loss_curve_ : list of float
        Objective after each epoch (gradient solvers only; empty for ``"normal"``).
    """

    def __init__(self, *, solver="normal", learning_rate=0.1, n_epochs=200, batch_size=16, random_state=0):
        self.solver = solver
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.solver not in ("normal", "batch", "minibatch", "sgd"):
            raise ValueError(f"solver must be 'normal', 'batch', 'minibatch' or 'sgd', got {self.solver!r}")
        n, d = X.shape
        self.n_features_in_ = d
        self.loss_curve_ = []
        x_mean, y_mean = X.mean(axis=0), y.mean()
        if self.solver == "normal":
            w, *_ = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)  # (d,)
            self.coef_ = w
            self.intercept_ = float(y_mean - x_mean @ w)
            return self
        # gradient descent on standardised features Z = (X - mean) / scale, shapes (n, d)
        scale = X.std(axis=0)
        scale[scale == 0] = 1.0
        Z = (X - x_mean) / scale
        rng = check_random_state(self.random_state)
        batch = {"batch": n, "minibatch": min(self.batch_size, n), "sgd": 1}[self.solver]
        n_batches = int(np.ceil(n / batch))
        w, b = np.zeros(d), 0.0
        step = 0
        for _epoch in range(self.n_epochs):
            order = np.arange(n) if batch == n else rng.permutation(n)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                r = y[idx] - Z[idx] @ w - b  # (B,) residuals
                eta = self.learning_rate / np.sqrt(1.0 + step / n_batches) if batch < n else self.learning_rate
                w += eta * Z[idx].T @ r / len(idx)
                b += eta * r.mean()
                step += 1
            self.loss_curve_.append(float(0.5 * np.mean((y - Z @ w - b) ** 2)))
        self.coef_ = w / scale
        self.intercept_ = float(b - (x_mean / scale) @ w)
        return self

    def predict(self, X):
        """Predicted targets, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_


ESTIMATOR = LinearRegression
EXAMPLE_DATA = "regression"
EXAMPLE_PARAMS = {"solver": "normal"}


def demo(solver: str = "minibatch", n_epochs: int = 100, learning_rate: float = 0.05) -> DemoResult:
    """Fit on the diabetes data; compare coefficients and R^2 with scikit-learn's LinearRegression."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression as SkLinearRegression

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_diabetes(return_X_y=True)
    ours = LinearRegression(solver=solver, n_epochs=n_epochs, learning_rate=learning_rate).fit(X, y)
    exact = LinearRegression(solver="normal").fit(X, y)
    ref = SkLinearRegression().fit(X, y)
    fig, (ax0, ax1) = new_figure(ncols=2)
    if ours.loss_curve_:
        ax0.plot(np.arange(1, len(ours.loss_curve_) + 1), ours.loss_curve_, label=f"{solver} GD")
        ax0.axhline(0.5 * np.mean((y - ref.predict(X)) ** 2), color="k", ls="--", label="optimum (sklearn)")
        ax0.set_xlabel("epoch")
        ax0.set_ylabel(r"$\frac{1}{2n}\|y - Xw - b\|^2$")
        ax0.set_yscale("log")
        ax0.legend()
    ax0.set_title("training objective")
    ax1.scatter(ref.coef_, ours.coef_, s=15)
    lim = np.abs(ref.coef_).max() * 1.1
    ax1.plot([-lim, lim], [-lim, lim], "k--", lw=0.8)
    ax1.set_xlabel("sklearn coefficient")
    ax1.set_ylabel("our coefficient")
    ax1.set_title("coefficients")
    return DemoResult(
        metrics={"r2": ours.score(X, y), "max_coef_diff_normal_eq": float(np.abs(exact.coef_ - ref.coef_).max())},
        reference={"r2": float(ref.score(X, y)), "max_coef_diff_normal_eq": 0.0},
        figure=fig,
        reference_name="sklearn.linear_model.LinearRegression",
    )
