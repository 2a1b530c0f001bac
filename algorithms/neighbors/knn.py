r"""k-nearest neighbours for classification and regression (brute force).

Store the training set. For a query $x$, let $N_k(x)$ be the indices of its $k$ nearest training points under
the Minkowski distance $d_p(x,x') = (\sum_j|x_j-x'_j|^p)^{1/p}$ ($p=2$: Euclidean). Then

* classification: $\hat p(y=c\mid x) = \sum_{i\in N_k(x)} w_i\,\mathbb 1[y_i=c] / \sum_{i\in N_k(x)} w_i$, predict the arg max;
* regression: $\hat y(x) = \sum_{i\in N_k(x)} w_iy_i / \sum_{i\in N_k(x)} w_i$,

with $w_i = 1$ (``weights="uniform"``) or $w_i = 1/d(x, x_i)$ (``"distance"``; a query that coincides with training
points takes only those). $k$ sets the bias-variance trade-off: $k=1$ has zero training error and high variance,
large $k$ smooths. Ties in distance are broken by training order (a stable sort), as scikit-learn's brute-force
search does. Brute-force querying costs $O(nd)$ per query; see ``kd_tree.py`` and ``lsh.py`` for faster search.

References: [@cover1967nearest], [@hastie2009elements] §13.3.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def pairwise_distances(A: np.ndarray, B: np.ndarray, p: float = 2.0) -> np.ndarray:
    """Minkowski distances between rows of A (m, d) and B (n, d), shape (m, n).

    Computed from explicit differences, in row chunks to bound memory: the shortcut
    $\\lVert a\rVert^2 + \\lVert b\rVert^2 - 2a^\top b$ is faster but loses the exact zero distance of a point to itself.
    """
    out = np.empty((A.shape[0], B.shape[0]))
    step = max(1, int(2_000_000 // max(1, B.shape[0] * A.shape[1])))
    for s in range(0, A.shape[0], step):
        diff = np.abs(A[s:s + step, None, :] - B[None, :, :])  # (chunk, n, d)
        out[s:s + step] = np.sqrt(np.sum(diff**2, axis=2)) if p == 2 else np.sum(diff**p, axis=2) ** (1.0 / p)
    return out


class _KNNBase(BaseEstimator):
    def __init__(self, *, n_neighbors=5, weights="uniform", p=2):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p

    def kneighbors(self, X):
        """Distances and indices of the k nearest training points, each of shape (n_queries, k)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        D = pairwise_distances(X, self.X_fit_, self.p)  # (m, n)
        idx = np.argsort(D, axis=1, kind="stable")[:, : self.n_neighbors]
        return np.take_along_axis(D, idx, axis=1), idx

    def _weights(self, dist):
        if self.weights == "uniform":
            return np.ones_like(dist)
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = np.isinf(w)
        rows = exact.any(axis=1)
        w[rows] = exact[rows].astype(float)  # exact matches take all the weight
        return w

    def _validate(self, X, y, y_numeric):
        X, y = check_X_y(X, y, y_numeric=y_numeric)
        if not 1 <= self.n_neighbors <= X.shape[0]:
            raise ValueError(f"n_neighbors must be in [1, n_samples={X.shape[0]}], got {self.n_neighbors}")
        if self.weights not in ("uniform", "distance"):
            raise ValueError(f"weights must be 'uniform' or 'distance', got {self.weights!r}")
        self.n_features_in_ = X.shape[1]
        self.X_fit_ = X
        return y


class KNeighborsClassifier(ClassifierMixin, _KNNBase):
    """k-NN classifier.

    Parameters
    ----------
    n_neighbors : int
    weights : {"uniform", "distance"}
    p : float
        Minkowski exponent.

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    X_fit_ : ndarray of shape (n_samples, n_features)
    """

    def fit(self, X, y):
        y = self._validate(X, y, y_numeric=False)
        self.classes_, self.y_idx_ = np.unique(y, return_inverse=True)
        return self

    def predict_proba(self, X):
        """Weighted neighbour class shares, shape (n_queries, K)."""
        dist, idx = self.kneighbors(X)
        w = self._weights(dist)  # (m, k)
        P = np.zeros((len(idx), len(self.classes_)))
        np.add.at(P, (np.repeat(np.arange(len(idx)), idx.shape[1]), self.y_idx_[idx].ravel()), w.ravel())
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class (first in sorted order on ties)."""
        P = self.predict_proba(X)
        return self.classes_[np.argmax(P, axis=1)]


class KNeighborsRegressor(RegressorMixin, _KNNBase):
    """k-NN regressor (parameters as :class:`KNeighborsClassifier`)."""

    def fit(self, X, y):
        self.y_fit_ = self._validate(X, y, y_numeric=True)
        return self

    def predict(self, X):
        """Weighted mean of the neighbours' targets."""
        dist, idx = self.kneighbors(X)
        w = self._weights(dist)
        return np.sum(w * self.y_fit_[idx], axis=1) / np.sum(w, axis=1)


ESTIMATOR = KNeighborsClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_neighbors": 3}


def demo(n_neighbors: int = 15, weights: str = "uniform") -> DemoResult:
    """Iris (two features) decision regions and a k sweep, against scikit-learn's KNeighborsClassifier."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier as SkKNN

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    X, y = load_iris(return_X_y=True)
    X = X[:, :2]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    ours = KNeighborsClassifier(n_neighbors=n_neighbors, weights=weights).fit(Xtr, ytr)
    ref = SkKNN(n_neighbors=n_neighbors, weights=weights, algorithm="brute").fit(Xtr, ytr)
    ks = np.arange(1, 41)
    acc = [KNeighborsClassifier(n_neighbors=int(k)).fit(Xtr, ytr).score(Xte, yte) for k in ks]
    fig, (ax0, ax1) = new_figure(ncols=2)
    decision_boundary(ax0, ours.predict, X, y, f"k={n_neighbors}, {weights}")
    ax1.plot(ks, acc, marker=".")
    ax1.set_xlabel("k")
    ax1.set_ylabel("test accuracy")
    ax1.set_title("choosing k")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte)},
        reference={"test_accuracy": float(ref.score(Xte, yte))},
        figure=fig,
        reference_name="sklearn.neighbors.KNeighborsClassifier",
    )
