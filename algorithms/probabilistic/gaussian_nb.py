r"""Gaussian naive Bayes.

Bayes' rule with the "naive" assumption that features are conditionally independent given the class:

$$ p(y=k\mid x) \propto \pi_k\prod_{j=1}^d \mathcal N(x_j\mid\mu_{kj},\sigma^2_{kj}), \qquad
   \log p(y=k\mid x) = \log\pi_k - \sum_j\Big[\tfrac12\log(2\pi\sigma^2_{kj}) + \frac{(x_j-\mu_{kj})^2}{2\sigma^2_{kj}}\Big] + c(x). $$

Maximum likelihood gives class frequencies $\pi_k$, per-class feature means $\mu_{kj}$ and (biased) variances
$\sigma^2_{kj}$. To keep a zero-variance feature from producing infinite densities, every variance gets
$\epsilon\cdot\max_j\mathrm{Var}(x_j)$ added (``var_smoothing``, $10^{-9}$ as in scikit-learn). Probabilities are
normalised with log-sum-exp. Training is one pass, $O(nd)$; the model is a quadratic (per-class diagonal
covariance) discriminant. The independence assumption is usually false, so the probabilities are poorly
calibrated (pushed toward 0 and 1), but the arg max is often still good [@domingos1997optimality].

References: [@hastie2009elements] §6.6.3, [@murphy2022probabilistic], [@domingos1997optimality].
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class GaussianNB(ClassifierMixin, BaseEstimator):
    """Gaussian naive Bayes classifier.

    Parameters
    ----------
    var_smoothing : float
        Share of the largest feature variance added to every variance.

    Attributes
    ----------
    classes_, class_prior_ : ndarray of shape (K,)
    theta_ : ndarray of shape (K, n_features)
        Per-class means.
    var_ : ndarray of shape (K, n_features)
        Per-class variances (smoothed).
    """

    def __init__(self, *, var_smoothing=1e-9):
        self.var_smoothing = var_smoothing

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=False)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        K = len(self.classes_)
        check_params(self, var_smoothing=dict(low=0))
        max_var = float(np.var(X, axis=0).max())
        # every column constant (or a single sample): scikit-learn's eps would be 0 and every variance 0, giving
        # 0/0 in the densities; smooth on the unit scale instead, so the posteriors fall back to the priors
        eps = self.var_smoothing * (max_var if max_var > 0 else 1.0)
        self.class_prior_ = np.bincount(y_idx, minlength=K) / len(y)
        self.theta_ = np.array([X[y_idx == k].mean(0) for k in range(K)])
        self.var_ = np.array([X[y_idx == k].var(0) for k in range(K)]) + eps
        if np.any(self.var_ <= 0):
            raise ValueError("a class has a constant column and var_smoothing=0 leaves its variance at 0; "
                             "set var_smoothing > 0 (scikit-learn's default is 1e-9)")
        return self

    def joint_log_likelihood(self, X):
        """$\\log\\pi_k + \\sum_j\\log\\mathcal N(x_j\\mid\\mu_{kj},\\sigma^2_{kj})$, shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        log_norm = -0.5 * np.sum(np.log(2 * np.pi * self.var_), axis=1)  # (K,)
        quad = -0.5 * np.sum((X[:, None, :] - self.theta_[None]) ** 2 / self.var_[None], axis=2)  # (n, K)
        return np.log(self.class_prior_) + log_norm + quad

    def predict_proba(self, X):
        """Posterior class probabilities, shape (n_samples, K)."""
        J = self.joint_log_likelihood(X)
        return np.exp(J - logsumexp(J, axis=1, keepdims=True))

    def predict(self, X):
        """Maximum a posteriori class."""
        J = self.joint_log_likelihood(X)
        return self.classes_[np.argmax(J, axis=1)]


ESTIMATOR = GaussianNB
EXAMPLE_DATA = "classification"


def demo(var_smoothing: float = 1e-9) -> DemoResult:
    """Iris: decision regions on two features and accuracy on all four, against scikit-learn's GaussianNB."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import GaussianNB as SkGaussianNB

    from mlnotes.algorithms.linear._viz import decision_boundary, new_figure

    X, y = load_iris(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    ours = GaussianNB(var_smoothing=var_smoothing).fit(Xtr, ytr)
    ref = SkGaussianNB(var_smoothing=var_smoothing).fit(Xtr, ytr)
    fig, ax = new_figure()
    decision_boundary(ax, GaussianNB(var_smoothing=var_smoothing).fit(X[:, 2:], y).predict, X[:, 2:], y,
                      "Gaussian naive Bayes (petal features)")
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte), "mean_max_proba": float(ours.predict_proba(Xte).max(1).mean())},
        reference={"test_accuracy": float(ref.score(Xte, yte)),
                   "mean_max_proba": float(ref.predict_proba(Xte).max(1).mean())},
        figure=fig,
        reference_name="sklearn.naive_bayes.GaussianNB",
    )
