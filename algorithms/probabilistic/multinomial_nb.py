r"""Multinomial naive Bayes for count features (bag of words).

Each document of class $k$ draws its words independently from a class-specific distribution $\theta_k$ over the
vocabulary, so with counts $x_j$ of word $j$

$$ \log p(y=k\mid x) = \log\pi_k + \sum_j x_j\log\theta_{kj} + c(x). $$

With additive (Lidstone) smoothing $\alpha$ — Laplace smoothing when $\alpha = 1$ — the estimate is

$$ \hat\theta_{kj} = \frac{N_{kj} + \alpha}{N_k + \alpha d}, \qquad N_{kj} = \sum_{i: y_i=k} x_{ij},\ N_k = \sum_j N_{kj}, $$

the posterior mean under a symmetric Dirichlet($\alpha$) prior; without it a word never seen in a class would
veto that class ($\log 0$). The classifier is linear in $x$ (log-space), trains in one pass over the non-zero
counts, and is a strong baseline for text [@mccallum1998comparison].

References: [@mccallum1998comparison], [@manning2008introduction] ch. 13.
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
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class MultinomialNB(ClassifierMixin, BaseEstimator):
    """Multinomial naive Bayes.

    Parameters
    ----------
    alpha : float
        Additive smoothing.

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    class_log_prior_ : ndarray of shape (K,)
    feature_log_prob_ : ndarray of shape (K, n_features)
        $\\log\\hat\\theta_{kj}$.
    """

    def __init__(self, *, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=False)
        if np.any(X < 0):
            raise ValueError("MultinomialNB needs non-negative counts in X")
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha}")
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        K = len(self.classes_)
        Y = np.eye(K)[y_idx]  # (n, K)
        counts = Y.T @ X + self.alpha  # (K, d) smoothed N_kj
        self.feature_log_prob_ = np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))
        self.class_log_prior_ = np.log(Y.sum(0) / len(y))
        return self

    def joint_log_likelihood(self, X):
        """$\\log\\pi_k + \\sum_j x_j\\log\\theta_{kj}$, shape (n_samples, K)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.feature_log_prob_.T + self.class_log_prior_

    def predict_proba(self, X):
        """Posterior class probabilities, shape (n_samples, K)."""
        J = self.joint_log_likelihood(X)
        return np.exp(J - logsumexp(J, axis=1, keepdims=True))

    def predict(self, X):
        """Maximum a posteriori class."""
        J = self.joint_log_likelihood(X)
        return self.classes_[np.argmax(J, axis=1)]


ESTIMATOR = MultinomialNB
EXAMPLE_DATA = "classification"


def demo(alpha: float = 1.0) -> DemoResult:
    """Digits as pixel counts: accuracy and the effect of smoothing, against scikit-learn's MultinomialNB."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import MultinomialNB as SkMultinomialNB

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = MultinomialNB(alpha=alpha).fit(Xtr, ytr)
    ref = SkMultinomialNB(alpha=alpha).fit(Xtr, ytr)
    alphas = np.logspace(-3, 2, 20)
    acc = [MultinomialNB(alpha=a).fit(Xtr, ytr).score(Xte, yte) for a in alphas]
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.semilogx(alphas, acc, marker=".")
    ax0.axvline(alpha, color="k", ls="--", lw=0.8)
    ax0.set_xlabel(r"smoothing $\alpha$")
    ax0.set_ylabel("test accuracy")
    ax0.set_title("multinomial NB on digit pixel counts")
    ax1.imshow(np.exp(ours.feature_log_prob_[3]).reshape(8, 8), cmap="gray_r")
    ax1.set_title(r"$\theta_{k=3}$: pixel distribution of class 3")
    ax1.set_axis_off()
    return DemoResult(
        metrics={"test_accuracy": ours.score(Xte, yte)},
        reference={"test_accuracy": float(ref.score(Xte, yte))},
        figure=fig,
        reference_name="sklearn.naive_bayes.MultinomialNB",
    )
