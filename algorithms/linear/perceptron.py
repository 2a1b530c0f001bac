r"""Rosenblatt's perceptron.

Labels $y_i\in\{-1,+1\}$, prediction $\operatorname{sign}(w^\top x + b)$. Visit the samples in turn; on a mistake
($y_i(w^\top x_i + b) \le 0$) update

$$ w \leftarrow w + \eta\, y_i x_i, \qquad b \leftarrow b + \eta\, y_i . $$

This is stochastic gradient descent on the perceptron criterion $\sum_i \max(0, -y_i(w^\top x_i+b))$.
Novikoff's theorem: if the data are separable with margin $\gamma$ by a unit-norm $w^\*$ and
$\lVert x_i\rVert\le R$, the algorithm makes at most $(R/\gamma)^2$ mistakes (with $b$ folded into $w$), whatever
the order. On non-separable data it never settles; ``averaged=True`` returns the average of the iterates, which
generalises better [@freund1999large].

References: [@rosenblatt1958perceptron], [@freund1999large].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class Perceptron(ClassifierMixin, BaseEstimator):
    """Binary perceptron (optionally averaged).

    Parameters
    ----------
    eta : float
        Learning rate (irrelevant to the decisions when starting from zero, kept for teaching).
    max_epochs : int
        Passes over the data; stops early after an epoch without mistakes.
    shuffle : bool
        Visit the samples in a random order each epoch.
    averaged : bool
        Predict with the average of all iterates.
    random_state : int or None

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    mistakes_ : list of int
        Mistakes per epoch.
    """

    def __init__(self, *, eta=1.0, max_epochs=100, shuffle=True, averaged=False, random_state=0):
        self.eta = eta
        self.max_epochs = max_epochs
        self.shuffle = shuffle
        self.averaged = averaged
        self.random_state = random_state

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        y = np.where(y_raw == self.classes_[1], 1.0, -1.0)  # (n,)
        n, d = X.shape
        self.n_features_in_ = d
        rng = check_random_state(self.random_state)
        w, b = np.zeros(d), 0.0
        w_sum, b_sum, count = np.zeros(d), 0.0, 0
        self.mistakes_ = []
        for _ in range(self.max_epochs):
            mistakes = 0
            for i in rng.permutation(n) if self.shuffle else range(n):
                if y[i] * (X[i] @ w + b) <= 0:
                    w = w + self.eta * y[i] * X[i]
                    b += self.eta * y[i]
                    mistakes += 1
                w_sum += w
                b_sum += b
                count += 1
            self.mistakes_.append(mistakes)
            if mistakes == 0:
                break
        if self.averaged:
            w, b = w_sum / count, b_sum / count
        self.coef_, self.intercept_ = w, float(b)
        return self

    def decision_function(self, X):
        """Signed score $w^\\top x + b$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_

    def predict(self, X):
        """Predicted labels, shape (n_samples,)."""
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]


ESTIMATOR = Perceptron
EXAMPLE_DATA = "classification"


def demo(max_epochs: int = 50, averaged: bool = False, separation: float = 2.5) -> DemoResult:
    """Two Gaussian blobs (separable for large ``separation``); compare accuracy with scikit-learn's Perceptron."""
    from sklearn.linear_model import Perceptron as SkPerceptron

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-separation / 2, 1.0, (100, 2)), rng.normal(separation / 2, 1.0, (100, 2))]
    y = np.r_[np.zeros(100, int), np.ones(100, int)]
    ours = Perceptron(max_epochs=max_epochs, averaged=averaged).fit(X, y)
    ref = SkPerceptron(max_iter=max_epochs, tol=None, random_state=0).fit(X, y)
    fig, (ax0, ax1) = new_figure(ncols=2)
    decision_boundary(ax0, ours.predict, X, y, "perceptron decision regions")
    ax1.plot(np.arange(1, len(ours.mistakes_) + 1), ours.mistakes_, marker=".")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("mistakes")
    ax1.set_title("mistakes per epoch")
    return DemoResult(
        metrics={"accuracy": ours.score(X, y)},
        reference={"accuracy": float(ref.score(X, y))},
        figure=fig,
        reference_name="sklearn.linear_model.Perceptron",
    )
