r"""Kernel support vector machine trained by sequential minimal optimisation (SMO).

Soft-margin SVM, labels $y_i\in\{-1,+1\}$, feature map $\phi$ with kernel $K(x,x') = \phi(x)^\top\phi(x')$:
$\min_{w,b,\xi}\ \frac12\lVert w\rVert^2 + C\sum_i\xi_i$ s.t. $y_i(w^\top\phi(x_i)+b)\ge 1-\xi_i$, $\xi_i\ge0$. Its dual is

$$ \min_{\alpha}\ \tfrac12\alpha^\top Q\alpha - \mathbf 1^\top\alpha \quad\text{s.t.}\quad y^\top\alpha = 0,\
   0\le\alpha_i\le C, \qquad Q_{ij} = y_iy_jK(x_i,x_j), $$

and the classifier is $f(x) = \sum_i \alpha_i y_i K(x_i, x) + b$; only the support vectors ($\alpha_i > 0$) matter.

**SMO.** The equality constraint forbids moving one $\alpha_i$ alone, so each step changes a pair. Along the
feasible direction $\alpha_i \mathrel{+}= y_i t$, $\alpha_j \mathrel{-}= y_j t$ the objective (here written for the
general linear term $p$, $\frac12\alpha^\top Q\alpha + p^\top\alpha$, with gradient $G = Q\alpha + p$) is a parabola
in $t$ with slope $y_iG_i - y_jG_j$ and curvature $\eta = K_{ii} + K_{jj} - 2K_{ij}$, so
$t^\* = -(y_iG_i - y_jG_j)/\eta$, clipped so both variables stay in $[0, C]$. The pair is the maximal violating pair
(first-order working-set selection [@keerthi2001improvements]): $i = \arg\max_{t\in I_{up}} -y_tG_t$,
$j = \arg\min_{t\in I_{low}} -y_tG_t$, where $I_{up}$ ($I_{low}$) holds the indices that can still move up (down).
The KKT conditions hold to tolerance ``tol`` when $\max_{I_{up}} - \min_{I_{low}} < $ ``tol``. The bias is the
average of $-y_tG_t$ over the free support vectors ($0<\alpha_t<C$). Each step costs $O(n)$ given the kernel
matrix, which we precompute ($O(n^2)$ memory, fine for a few thousand points).

References: [@cortes1995support], [@platt1998sequential], [@keerthi2001improvements], [@chang2011libsvm].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_X_y,
    report_convergence,
)
from mlnotes.algorithms.registry import DemoResult


def kernel_matrix(A: np.ndarray, B: np.ndarray, kernel: str = "rbf", gamma: float = 1.0, degree: int = 3,
                  coef0: float = 1.0) -> np.ndarray:
    """Gram matrix between the rows of A (m, d) and B (k, d), shape (m, k).

    ``"linear"``: $a^\\top b$; ``"rbf"``: $\\exp(-\\gamma\\lVert a-b\\rVert^2)$; ``"poly"``: $(\\gamma a^\\top b + c_0)^p$.
    """
    if kernel == "linear":
        return A @ B.T
    if kernel == "rbf":
        sq = np.sum(A**2, 1)[:, None] + np.sum(B**2, 1)[None, :] - 2 * A @ B.T
        return np.exp(-gamma * np.maximum(sq, 0.0))
    if kernel == "poly":
        return (gamma * A @ B.T + coef0) ** degree
    raise ValueError(f"kernel must be 'linear', 'rbf' or 'poly', got {kernel!r}")


def smo_solve(K: np.ndarray, y: np.ndarray, p: np.ndarray, C: float, tol: float = 1e-3,
              max_iter: int = 100_000) -> tuple[np.ndarray, float, int, bool]:
    """Minimise $\\frac12\\alpha^\\top Q\\alpha + p^\\top\\alpha$, $Q = (yy^\\top)\\circ K$, s.t. $y^\\top\\alpha=0$, $0\\le\\alpha\\le C$.

    Returns ``(alpha, b, n_iter, converged)`` where ``b`` is the bias of $f(x) = \\sum_t \\alpha_t y_t K(x_t, x) + b$
    and ``converged`` says whether the KKT gap fell below ``tol`` within ``max_iter`` pair updates.
    """
    n = len(y)
    alpha = np.zeros(n)
    G = p.astype(float).copy()  # gradient Q alpha + p at alpha = 0
    diag = np.diag(K)
    tau = 1e-12
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the last value is the iteration count)
        viol = -y * G  # (n,)
        up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))
        low = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))
        i = np.flatnonzero(up)[np.argmax(viol[up])]
        j = np.flatnonzero(low)[np.argmin(viol[low])]
        if viol[i] - viol[j] < tol:
            converged = True
            break
        eta = max(diag[i] + diag[j] - 2 * K[i, j], tau)
        t = -(y[i] * G[i] - y[j] * G[j]) / eta
        # feasible interval for t from 0 <= alpha_i + y_i t <= C and 0 <= alpha_j - y_j t <= C
        lo_i, hi_i = (-alpha[i], C - alpha[i]) if y[i] > 0 else (alpha[i] - C, alpha[i])
        lo_j, hi_j = (alpha[j] - C, alpha[j]) if y[j] > 0 else (-alpha[j], C - alpha[j])
        t = min(max(t, lo_i, lo_j), hi_i, hi_j)
        alpha[i] += y[i] * t
        alpha[j] -= y[j] * t
        # G = Q alpha + p changes by Q[:, i] y_i t - Q[:, j] y_j t = y * (K[:, i] - K[:, j]) * t
        G += y * (K[:, i] - K[:, j]) * t
    viol = -y * G
    free = (alpha > 1e-12) & (alpha < C - 1e-12)
    if np.any(free):
        b = float(np.mean(viol[free]))
    else:
        up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))
        low = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))
        b = float((viol[up].max() + viol[low].min()) / 2)
    return alpha, b, it, converged


class KernelSVC(ClassifierMixin, BaseEstimator):
    """Binary soft-margin kernel SVM trained by SMO.

    Parameters
    ----------
    C : float
        Box constraint (inverse regularisation).
    kernel : {"rbf", "poly", "linear"}
    gamma : float
        Kernel width (rbf) or scale (poly).
    degree : int
    coef0 : float
    tol : float
        KKT tolerance of SMO.
    max_iter : int

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    support_ : ndarray of int
        Indices of the support vectors.
    support_vectors_ : ndarray of shape (n_SV, n_features)
    dual_coef_ : ndarray of shape (n_SV,)
        $\\alpha_i y_i$ for the support vectors.
    intercept_ : float
    n_iter_ : int
        SMO pair updates made.
    converged_ : bool
        Whether the KKT conditions held to ``tol`` before ``max_iter``; if not, a :class:`ConvergenceWarning` is
        issued (libsvm needs ~1.3M updates for 1,000 noisy points at C=1e4: large C converges slowly).
    """

    def __init__(self, *, C=1.0, kernel="rbf", gamma=1.0, degree=3, coef0=1.0, tol=1e-3, max_iter=100_000):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter

    def _kernel(self, A, B):
        return kernel_matrix(A, B, self.kernel, self.gamma, self.degree, self.coef0)

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        check_params(self, C=dict(low=0, low_open=True), gamma=dict(low=0, low_open=True),
                     degree=dict(kind=int, low=1), coef0=dict(), tol=dict(low=0, low_open=True),
                     max_iter=dict(kind=int, low=1), kernel=dict(choices=("rbf", "poly", "linear")))
        self.n_features_in_ = X.shape[1]
        ys = np.where(y_raw == self.classes_[1], 1.0, -1.0)  # (n,)
        K = self._kernel(X, X)  # (n, n)
        alpha, self.intercept_, n_iter, converged = smo_solve(K, ys, -np.ones(len(ys)), self.C, self.tol,
                                                              self.max_iter)
        report_convergence(self, n_iter, converged, max_iter=self.max_iter, what="SMO")
        self.support_ = np.flatnonzero(alpha > 1e-10)
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = alpha[self.support_] * ys[self.support_]
        return self

    def decision_function(self, X):
        """$f(x) = \\sum_{i\\in SV}\\alpha_iy_iK(x_i,x) + b$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return self._kernel(X, self.support_vectors_) @ self.dual_coef_ + self.intercept_

    def predict(self, X):
        """Predicted labels."""
        f = self.decision_function(X)
        return self.classes_[(f > 0).astype(int)]


ESTIMATOR = KernelSVC
EXAMPLE_DATA = "classification"


def demo(C: float = 1.0, gamma: float = 1.0, kernel: str = "rbf") -> DemoResult:
    """Two moons: decision function and support vectors, against scikit-learn's SVC (libsvm)."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_moons(300, noise=0.2, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = KernelSVC(C=C, gamma=gamma, kernel=kernel).fit(Xtr, ytr)
    ref = SVC(C=C, gamma=gamma, kernel=kernel, coef0=1.0, degree=3).fit(Xtr, ytr)
    g0, g1 = np.meshgrid(np.linspace(-1.6, 2.6, 150), np.linspace(-1.2, 1.7, 150))
    f = ours.decision_function(np.c_[g0.ravel(), g1.ravel()]).reshape(g0.shape)
    fig, ax = new_figure()
    ax.contourf(g0, g1, f > 0, alpha=0.25, cmap="coolwarm")
    ax.contour(g0, g1, f, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"], linewidths=0.8)
    ax.scatter(Xtr[:, 0], Xtr[:, 1], c=ytr, cmap="coolwarm", s=12)
    ax.scatter(*ours.support_vectors_.T, s=60, facecolors="none", edgecolors="k", linewidths=0.6)
    ax.set_title(f"SMO kernel SVM: {len(ours.support_)} support vectors")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "n_support": float(len(ours.support_))},
        reference={"test_accuracy": float(ref.score(Xte, yte)), "n_support": float(len(ref.support_))},
        figure=fig,
        reference_name="sklearn.svm.SVC",
        extra={"max_decision_diff": float(np.abs(ours.decision_function(Xte) - ref.decision_function(Xte)).max())},
    )
