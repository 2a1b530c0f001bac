r"""Linear discriminant analysis: Fisher's projection and the shared-covariance Gaussian classifier.

**Generative classifier.** Model $x\mid y=k \sim \mathcal N(\mu_k, \Sigma)$ with one covariance shared by all
classes and priors $\pi_k$. Maximum likelihood: $\hat\pi_k = n_k/n$, $\hat\mu_k$ the class means and
$\hat\Sigma = \frac1n\sum_k\sum_{i: y_i=k}(x_i-\hat\mu_k)(x_i-\hat\mu_k)^\top$. The log-posterior is, up to a
constant, the *linear* discriminant

$$ \delta_k(x) = x^\top\Sigma^{-1}\mu_k - \tfrac12\mu_k^\top\Sigma^{-1}\mu_k + \log\pi_k , $$

and $p(y=k\mid x) = \mathrm{softmax}_k(\delta(x))$: the quadratic terms $x^\top\Sigma^{-1}x$ cancel because
$\Sigma$ is shared, so boundaries are hyperplanes.

**Fisher's projection.** Find directions $v$ maximising between-class over within-class variance,
$J(v) = v^\top S_B v / v^\top S_W v$, with $S_W = \hat\Sigma$ and $S_B = \sum_k \pi_k(\mu_k-\bar\mu)(\mu_k-\bar\mu)^\top$.
Stationary points solve the generalised eigenproblem $S_B v = \lambda S_W v$; at most $K-1$ eigenvalues are
non-zero since $\operatorname{rank} S_B \le K-1$. ``transform`` projects onto the top eigenvectors (normalised so
$V^\top S_W V = I$).

References: [@fisher1936use], [@hastie2009elements] §4.3.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve, eigh

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_positive_definite,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class LinearDiscriminantAnalysis(ClassifierMixin, BaseEstimator):
    """Shared-covariance Gaussian classifier with Fisher's discriminant projection.

    Parameters
    ----------
    n_components : int or None
        Dimensions kept by ``transform`` (at most ``n_classes - 1``; ``None`` keeps all of them).
    reg : float
        Ridge added to the diagonal of $\\hat\\Sigma$ (0 reproduces the MLE).

    Attributes
    ----------
    classes_, priors_ : ndarray of shape (K,)
    means_ : ndarray of shape (K, n_features)
    covariance_ : ndarray of shape (n_features, n_features)
    scalings_ : ndarray of shape (n_features, n_components)
    explained_variance_ratio_ : ndarray of shape (n_components,)
    """

    def __init__(self, *, n_components=None, reg=0.0):
        self.n_components = n_components
        self.reg = reg

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_, y_idx = np.unique(y_raw, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError("y must contain at least 2 classes")
        n, d = X.shape
        self.n_features_in_ = d
        counts = np.bincount(y_idx, minlength=K)
        self.priors_ = counts / n  # (K,)
        self.means_ = np.array([X[y_idx == k].mean(0) for k in range(K)])  # (K, d)
        centred = X - self.means_[y_idx]  # (n, d)
        self.covariance_ = centred.T @ centred / n + self.reg * np.eye(d)  # S_W, (d, d)
        check_positive_definite(self.covariance_, "the within-class covariance S_W",
                                "a column is constant (or collinear) within every class, or there are too few "
                                "samples per class; drop it or set reg > 0 (e.g. 1e-6)")
        grand = self.priors_ @ self.means_  # (d,)
        Mc = self.means_ - grand
        S_B = (Mc * self.priors_[:, None]).T @ Mc  # (d, d)
        evals, evecs = eigh(S_B, self.covariance_)  # ascending; evecs^T S_W evecs = I
        order = np.argsort(evals)[::-1]
        m = min(K - 1, d) if self.n_components is None else self.n_components
        if not 1 <= m <= min(K - 1, d):
            raise ValueError(f"n_components must be in [1, {min(K - 1, d)}], got {self.n_components}")
        self.scalings_ = evecs[:, order[:m]]  # (d, m)
        pos = np.clip(evals[order], 0, None)
        self.explained_variance_ratio_ = pos[:m] / pos[: min(K - 1, d)].sum()
        # linear discriminant coefficients: delta_k(x) = x @ coef_[k] + intercept_[k]
        chol = cho_factor(self.covariance_)
        self.coef_ = cho_solve(chol, self.means_.T).T  # (K, d) rows Sigma^{-1} mu_k
        self.intercept_ = -0.5 * np.sum(self.coef_ * self.means_, axis=1) + np.log(self.priors_)
        return self

    def decision_function(self, X):
        """Linear discriminants $\\delta_k(x)$, shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """Posterior class probabilities, shape (n_samples, K)."""
        D = self.decision_function(X)
        D -= D.max(axis=1, keepdims=True)
        P = np.exp(D)
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Maximum-posterior class, shape (n_samples,)."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def transform(self, X):
        """Project onto Fisher's discriminant directions, shape (n_samples, n_components)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.scalings_


ESTIMATOR = LinearDiscriminantAnalysis
EXAMPLE_DATA = "classification"


def demo(reg: float = 0.0) -> DemoResult:
    """Wine data: 2-D Fisher projection and accuracy, against scikit-learn's LDA (eigen solver)."""
    from sklearn.datasets import load_wine
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_wine(return_X_y=True)
    ours = LinearDiscriminantAnalysis(reg=reg).fit(X, y)
    ref = SkLDA(solver="eigen").fit(X, y)
    Z = ours.transform(X)
    fig, ax = new_figure()
    for k in np.unique(y):
        ax.scatter(Z[y == k, 0], Z[y == k, 1], s=12, label=f"class {k}")
    ax.set_xlabel("LD1")
    ax.set_ylabel("LD2")
    ax.set_title("wine projected on Fisher's discriminants")
    ax.legend()
    return DemoResult(
        metrics={"accuracy": ours.score(X, y), "explained_ratio_ld1": float(ours.explained_variance_ratio_[0])},
        reference={"accuracy": float(ref.score(X, y)), "explained_ratio_ld1": float(ref.explained_variance_ratio_[0])},
        figure=fig,
        reference_name="sklearn.discriminant_analysis.LinearDiscriminantAnalysis(solver='eigen')",
    )
