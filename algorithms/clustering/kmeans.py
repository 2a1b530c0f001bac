r"""k-means clustering with k-means++ seeding (Lloyd's algorithm).

Objective (inertia): $J(C,\mu) = \sum_{i=1}^n \lVert x_i - \mu_{c_i}\rVert^2$ over assignments $c_i\in\{1..k\}$ and
centres $\mu_1..\mu_k$. Lloyd's algorithm alternates the two exact block minimisations

$$ c_i \leftarrow \arg\min_j \lVert x_i-\mu_j\rVert^2, \qquad \mu_j \leftarrow \frac{1}{|\{i: c_i=j\}|}\sum_{i: c_i=j} x_i , $$

so $J$ never increases and the algorithm stops at a local minimum after finitely many steps (we stop when the
centres move less than ``tol`` in squared Frobenius norm, relative to the data variance, as scikit-learn does).
Each iteration costs $O(nkd)$.

**k-means++ seeding.** Pick the first centre uniformly at random; pick each next centre with probability
proportional to $D(x)^2$, the squared distance to the nearest centre chosen so far. The expected inertia of the
seeding alone is within $O(\log k)$ of the optimum [@arthur2007k]. (scikit-learn's "greedy" variant also tries
$2 + \lfloor\ln k\rfloor$ candidates per step and keeps the best; ``n_local_trials`` reproduces that.) Because the
result depends on the seeding, ``n_init`` restarts keep the lowest inertia.

References: [@lloyd1982least], [@arthur2007k].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


def squared_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """$\\lVert x_i - c_j\\rVert^2$, shape (n, k)."""
    return np.maximum(np.sum(X**2, 1)[:, None] + np.sum(C**2, 1)[None, :] - 2 * X @ C.T, 0.0)


def kmeans_plus_plus(X: np.ndarray, k: int, rng, n_local_trials: int = 1) -> np.ndarray:
    """k-means++ (D^2) seeding; with ``n_local_trials > 1`` keep the best of several candidates per step."""
    n = X.shape[0]
    centres = [X[rng.integers(n)]]
    d2 = squared_distances(X, centres[0][None])[:, 0]  # (n,) distance to the closest centre so far
    for _ in range(1, k):
        probs = d2 / d2.sum() if d2.sum() > 0 else np.full(n, 1.0 / n)
        cand = rng.choice(n, size=n_local_trials, p=probs)
        cand_d2 = np.minimum(d2[None, :], squared_distances(X[cand], X).reshape(len(cand), n))
        best = int(np.argmin(cand_d2.sum(axis=1)))
        centres.append(X[cand[best]])
        d2 = cand_d2[best]
    return np.array(centres)


class KMeans(BaseEstimator):
    """k-means with k-means++ seeding and restarts.

    Parameters
    ----------
    n_clusters : int
    n_init : int
        Restarts (best inertia kept).
    max_iter : int
    tol : float
        Relative tolerance on the centre shift.
    n_local_trials : int or None
        Candidates per seeding step (``None``: $2 + \\lfloor\\ln k\\rfloor$).
    random_state : int or None

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
    n_iter_ : int
    converged_ : bool
        Of the best run; False (with a :class:`ConvergenceWarning`) when it stopped at ``max_iter``.
    inertia_curve_ : list of float
        Inertia after each assignment step of the best run (non-increasing).
    """

    def __init__(self, *, n_clusters=3, n_init=10, max_iter=300, tol=1e-4, n_local_trials=None, random_state=0):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_local_trials = n_local_trials
        self.random_state = random_state

    def _lloyd(self, X, centres, tol):
        curve, converged = [], False
        for it in range(1, self.max_iter + 1):  # noqa: B007 (the last value is the iteration count)
            D = squared_distances(X, centres)  # (n, k)
            labels = np.argmin(D, axis=1)
            curve.append(float(D[np.arange(len(X)), labels].sum()))
            new = centres.copy()
            for j in range(len(centres)):
                members = labels == j
                if np.any(members):  # an empty cluster keeps its centre
                    new[j] = X[members].mean(axis=0)
            shift = np.sum((new - centres) ** 2)
            centres = new
            if shift <= tol:
                converged = True
                break
        D = squared_distances(X, centres)
        labels = np.argmin(D, axis=1)
        inertia = float(D[np.arange(len(X)), labels].sum())
        curve.append(inertia)
        return centres, labels, inertia, it, curve, converged

    def fit(self, X, y=None):
        X = check_array(X)
        k = int(self.n_clusters)
        if not 1 <= k <= X.shape[0]:
            raise ValueError(f"n_clusters must be in [1, n_samples={X.shape[0]}], got {self.n_clusters}")
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)
        trials = self.n_local_trials if self.n_local_trials is not None else 2 + int(np.log(k))
        tol = self.tol * np.mean(np.var(X, axis=0))
        best = None
        for _ in range(self.n_init):
            run = self._lloyd(X, kmeans_plus_plus(X, k, rng, trials), tol)
            if best is None or run[2] < best[2]:
                best = run
        self.cluster_centers_, self.labels_, self.inertia_, n_iter, self.inertia_curve_, converged = best
        report_convergence(self, n_iter, converged, max_iter=self.max_iter, what="Lloyd's algorithm")
        return self

    def predict(self, X):
        """Index of the nearest centre, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.argmin(squared_distances(X, self.cluster_centers_), axis=1)

    def transform(self, X):
        """Euclidean distances to every centre, shape (n_samples, n_clusters)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return np.sqrt(squared_distances(X, self.cluster_centers_))


ESTIMATOR = KMeans
EXAMPLE_DATA = "clustering"
EXAMPLE_PARAMS = {"n_clusters": 2, "n_init": 2}


def demo(n_clusters: int = 4, n_init: int = 10, cluster_std: float = 1.0) -> DemoResult:
    """Gaussian blobs: clusters, centres and the elbow curve, against scikit-learn's KMeans."""
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_blobs(600, centers=4, cluster_std=cluster_std, random_state=0)
    ours = KMeans(n_clusters=n_clusters, n_init=n_init).fit(X)
    ref = SkKMeans(n_clusters=n_clusters, n_init=n_init, random_state=0).fit(X)
    ks = np.arange(1, 10)
    elbow = [KMeans(n_clusters=int(k), n_init=3).fit(X).inertia_ for k in ks]
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.scatter(X[:, 0], X[:, 1], c=ours.labels_, cmap="tab10", s=8)
    ax0.scatter(*ours.cluster_centers_.T, c="k", marker="x", s=80)
    ax0.set_title(f"k-means, k={n_clusters}")
    ax1.plot(ks, elbow, marker="o")
    ax1.set_xlabel("k")
    ax1.set_ylabel("inertia")
    ax1.set_title("elbow curve")
    return DemoResult(
        metrics={"inertia": ours.inertia_, "ari_vs_truth": float(adjusted_rand_score(y, ours.labels_))},
        reference={"inertia": float(ref.inertia_), "ari_vs_truth": float(adjusted_rand_score(y, ref.labels_))},
        figure=fig,
        reference_name="sklearn.cluster.KMeans",
    )
