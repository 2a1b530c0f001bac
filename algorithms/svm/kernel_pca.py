r"""Kernel principal component analysis.

PCA in the feature space of a kernel, without ever forming $\phi(x)$. With the Gram matrix $K_{ij} = K(x_i,x_j)$
and the centring matrix $H = I - \frac1n\mathbf 1\mathbf 1^\top$, the centred Gram matrix is $\tilde K = HKH$
(the Gram matrix of $\phi(x_i) - \bar\phi$). Its eigendecomposition $\tilde K u_k = \lambda_k u_k$
($\lVert u_k\rVert = 1$, $\lambda_1\ge\lambda_2\ge\dots$) gives the principal axes
$v_k = \sum_i \frac{u_{ik}}{\sqrt{\lambda_k}}(\phi(x_i) - \bar\phi)$, unit vectors in feature space, and the
projections of the training points are $z_{ik} = \sqrt{\lambda_k}\,u_{ik}$. A new point $x$ projects to
$z_k(x) = \tilde k(x)^\top u_k/\sqrt{\lambda_k}$, where $\tilde k(x)$ is its kernel row centred with the training
statistics: $\tilde k = k - \mathbf 1\bar k^\top_{\text{cols}} - \bar k_{\text{row}}\mathbf 1 + \bar K$ in the
usual notation. With the linear kernel this is ordinary PCA (up to signs). Cost $O(n^3)$ for the
eigendecomposition; components are determined up to sign.

References: [@scholkopf1998nonlinear].
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_n_features
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.svm.kernel_svm import kernel_matrix


class KernelPCA(BaseEstimator):
    """Kernel PCA.

    Parameters
    ----------
    n_components : int
    kernel : {"rbf", "poly", "linear"}
    gamma, degree, coef0 : kernel parameters

    Attributes
    ----------
    eigenvalues_ : ndarray of shape (n_components,)
    eigenvectors_ : ndarray of shape (n_samples, n_components)
    X_fit_ : ndarray of shape (n_samples, n_features)
    """

    def __init__(self, *, n_components=2, kernel="rbf", gamma=1.0, degree=3, coef0=1.0):
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0

    def _kernel(self, A, B):
        return kernel_matrix(A, B, self.kernel, self.gamma, self.degree, self.coef0)

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        n = X.shape[0]
        if not 1 <= self.n_components <= n:
            raise ValueError(f"n_components must be in [1, {n}], got {self.n_components}")
        self.n_features_in_ = X.shape[1]
        K = self._kernel(X, X)
        self.K_col_mean_ = K.mean(axis=0)  # (n,)
        self.K_mean_ = K.mean()
        Kc = K - self.K_col_mean_[None, :] - self.K_col_mean_[:, None] + self.K_mean_  # H K H
        evals, evecs = eigh(Kc)  # ascending
        order = np.argsort(evals)[::-1][: self.n_components]
        self.eigenvalues_ = np.maximum(evals[order], 0.0)
        U = evecs[:, order]
        # fix signs deterministically: largest-magnitude entry of each eigenvector is positive
        signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
        self.eigenvectors_ = U * signs
        self.X_fit_ = X
        return self

    def transform(self, X):
        """Projections onto the kernel principal axes, shape (n_samples, n_components)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        k = self._kernel(X, self.X_fit_)  # (m, n)
        kc = k - self.K_col_mean_[None, :] - k.mean(axis=1, keepdims=True) + self.K_mean_
        scale = np.where(self.eigenvalues_ > 1e-12, 1.0 / np.sqrt(np.maximum(self.eigenvalues_, 1e-300)), 0.0)
        return kc @ self.eigenvectors_ * scale

    def fit_transform(self, X, y=None):
        """Fit, then return the training projections $\\sqrt{\\lambda_k}u_{ik}$."""
        self.fit(X)
        return self.eigenvectors_ * np.sqrt(self.eigenvalues_)


ESTIMATOR = KernelPCA
EXAMPLE_DATA = "transform"


def demo(gamma: float = 2.0) -> DemoResult:
    """Concentric circles: linear PCA cannot separate them, RBF kernel PCA can; against scikit-learn's KernelPCA."""
    from sklearn.datasets import make_circles
    from sklearn.decomposition import KernelPCA as SkKernelPCA
    from sklearn.linear_model import LogisticRegression

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_circles(300, factor=0.3, noise=0.05, random_state=0)
    Z = KernelPCA(n_components=2, gamma=gamma).fit_transform(X)
    Zr = SkKernelPCA(n_components=2, kernel="rbf", gamma=gamma).fit_transform(X)
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=10)
    ax0.set_title("input space")
    ax1.scatter(Z[:, 0], Z[:, 1], c=y, cmap="coolwarm", s=10)
    ax1.set_title(rf"RBF kernel PCA, $\gamma$={gamma}")
    sep = lambda F: float(LogisticRegression().fit(F[:, :1], y).score(F[:, :1], y))
    return DemoResult(
        metrics={"linear_separability_pc1": sep(Z)},
        reference={"linear_separability_pc1": sep(Zr)},
        figure=fig,
        reference_name="sklearn.decomposition.KernelPCA",
        extra={"max_abs_diff_up_to_sign": float(np.abs(np.abs(Z) - np.abs(Zr)).max())},
    )
