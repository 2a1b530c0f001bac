r"""Principal component analysis by the singular value decomposition.

Centre the data, $X_c = X - \mathbf 1\bar x^\top$, and take its thin SVD $X_c = U\Sigma V^\top$. The principal axes are
the rows of $V^\top$ (unit vectors, ordered by decreasing singular value), the scores are
$Z = X_cV_k = U_k\Sigma_k$, and the variance along axis $j$ is $\lambda_j = \sigma_j^2/(n-1)$ — the eigenvalues of
the sample covariance $S = X_c^\top X_c/(n-1)$. Two equivalent views:

* maximum variance: $v_1 = \arg\max_{\lVert v\rVert=1} v^\top Sv$, then the same on the orthogonal complement;
* minimum reconstruction error: $V_k$ minimises $\lVert X_c - X_cVV^\top\rVert_F^2$ over orthonormal $V$ with $k$
  columns, and the minimum is $\sum_{j>k}\sigma_j^2$ (Eckart-Young).

The explained-variance ratio $\lambda_j/\sum_i\lambda_i$ guides the choice of $k$. Whitening divides the scores by
$\sqrt{\lambda_j}$ so they have unit variance. Signs of the axes are arbitrary; we make the largest-magnitude
entry of each $u_j$ positive (scikit-learn's convention), so results are deterministic. Cost $O(nd\min(n,d))$.

References: [@pearson1901lines], [@jolliffe2016principal], [@eckart1936approximation].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_n_features
from mlnotes.algorithms.registry import DemoResult


def svd_flip(U: np.ndarray, Vt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip signs so that the largest-|.| entry of each column of U is positive."""
    signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
    signs[signs == 0] = 1.0
    return U * signs, Vt * signs[:, None]


class PCA(BaseEstimator):
    """Principal component analysis.

    Parameters
    ----------
    n_components : int or None
        Components kept (``None``: all).
    whiten : bool
        Scale the scores to unit variance.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    explained_variance_ : ndarray of shape (n_components,)
    explained_variance_ratio_ : ndarray of shape (n_components,)
    singular_values_ : ndarray of shape (n_components,)
    mean_ : ndarray of shape (n_features,)
    """

    def __init__(self, *, n_components=None, whiten=False):
        self.n_components = n_components
        self.whiten = whiten

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        n, d = X.shape
        k = min(n, d) if self.n_components is None else int(self.n_components)
        if not 1 <= k <= min(n, d):
            raise ValueError(f"n_components must be in [1, {min(n, d)}], got {self.n_components}")
        self.n_features_in_ = d
        self.mean_ = X.mean(axis=0)
        U, s, Vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        U, Vt = svd_flip(U, Vt)
        var = s**2 / (n - 1)
        self.components_ = Vt[:k]
        self.singular_values_ = s[:k]
        self.explained_variance_ = var[:k]
        self.explained_variance_ratio_ = var[:k] / var.sum()
        return self

    def transform(self, X):
        """Scores $(X - \\bar x)V_k$ (divided by $\\sqrt{\\lambda}$ when whitening), shape (n, k)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        Z = (X - self.mean_) @ self.components_.T
        return Z / np.sqrt(self.explained_variance_) if self.whiten else Z

    def inverse_transform(self, Z):
        """Map scores back to the input space (the rank-k reconstruction)."""
        check_is_fitted(self)
        Z = np.asarray(Z, dtype=float)
        if self.whiten:
            Z = Z * np.sqrt(self.explained_variance_)
        return Z @ self.components_ + self.mean_


ESTIMATOR = PCA
EXAMPLE_DATA = "transform"
EXAMPLE_PARAMS = {"n_components": 2}


def demo(n_components: int = 2) -> DemoResult:
    """Digits: the 2-D projection and the cumulative explained variance, against scikit-learn's PCA."""
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA as SkPCA

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_digits(return_X_y=True)
    ours = PCA(n_components=n_components).fit(X)
    ref = SkPCA(n_components=n_components, svd_solver="full").fit(X)
    full = PCA().fit(X)
    Z = ours.transform(X)
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.scatter(Z[:, 0], Z[:, 1] if n_components > 1 else np.zeros(len(Z)), c=y, cmap="tab10", s=5)
    ax0.set_xlabel("PC1")
    ax0.set_ylabel("PC2")
    ax0.set_title("digits on the first two components")
    ax1.plot(np.arange(1, 65), np.cumsum(full.explained_variance_ratio_), marker=".")
    ax1.axvline(n_components, color="k", ls="--", lw=0.8)
    ax1.set_xlabel("components")
    ax1.set_ylabel("cumulative explained variance")
    err = lambda m: float(np.mean((X - m.inverse_transform(m.transform(X))) ** 2))
    return DemoResult(
        metrics={"explained_variance_ratio": float(ours.explained_variance_ratio_.sum()), "reconstruction_mse": err(ours)},
        reference={"explained_variance_ratio": float(ref.explained_variance_ratio_.sum()), "reconstruction_mse": err(ref)},
        figure=fig,
        reference_name="sklearn.decomposition.PCA",
    )
