r"""Anomaly detection with a fitted Gaussian density and a threshold chosen on labelled validation data.

Fit a density to (mostly normal) training data and flag points of low density. Two models:

* **independent** features: $p(x) = \prod_j \mathcal N(x_j\mid\mu_j,\sigma_j^2)$ (cheap, ignores correlations);
* **multivariate**: $p(x) = \mathcal N(x\mid\mu,\Sigma)$ with the MLE mean and covariance, i.e.
  $\log p(x) = -\frac12\big[d\log 2\pi + \log|\Sigma| + (x-\mu)^\top\Sigma^{-1}(x-\mu)\big]$; it detects points that
  are unusual in combination even when each coordinate is typical (the Mahalanobis distance).

A point is anomalous when $\log p(x) < \log\varepsilon$. The threshold is chosen on a validation set with a few
labelled anomalies by maximising $F_1 = 2PR/(P+R)$ over candidate thresholds (the validation log-densities
themselves) — accuracy is useless when anomalies are rare. Assumptions: roughly Gaussian features
(transform skewed ones, e.g. $\log x$), and enough normal data to estimate $\Sigma$ ($n > d$).

References: [@chandola2009anomaly], [@bishop2006pattern] §2.3.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cholesky, solve_triangular

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_n_features
from mlnotes.algorithms.registry import DemoResult


def f1_score_binary(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """F1 of the positive class (anomaly = 1)."""
    tp = np.sum((y_pred == 1) & (y_true == 1))
    fp = np.sum((y_pred == 1) & (y_true == 0))
    fn = np.sum((y_pred == 0) & (y_true == 1))
    return float(2 * tp / (2 * tp + fp + fn)) if tp > 0 else 0.0


class GaussianAnomalyDetector(BaseEstimator):
    """Density-threshold anomaly detector.

    Parameters
    ----------
    covariance : {"full", "diag"}
        Multivariate Gaussian, or independent features.
    log_threshold : float or None
        $\\log\\varepsilon$; ``None`` until :meth:`select_threshold` is called (then ``predict`` uses the chosen one).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    covariance_ : ndarray of shape (n_features, n_features)
    threshold_ : float or None
    """

    def __init__(self, *, covariance="full", log_threshold=None):
        self.covariance = covariance
        self.log_threshold = log_threshold

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        if self.covariance not in ("full", "diag"):
            raise ValueError(f"covariance must be 'full' or 'diag', got {self.covariance!r}")
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(0)
        Xc = X - self.mean_
        cov = Xc.T @ Xc / X.shape[0]
        self.covariance_ = cov if self.covariance == "full" else np.diag(np.diag(cov))
        self._chol = cholesky(self.covariance_ + 1e-12 * np.eye(X.shape[1]), lower=True)
        self.threshold_ = self.log_threshold
        return self

    def score_samples(self, X):
        """$\\log p(x)$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        Z = solve_triangular(self._chol, (X - self.mean_).T, lower=True)  # (d, n) whitened
        d = X.shape[1]
        return -0.5 * (d * np.log(2 * np.pi) + np.sum(Z**2, 0)) - np.log(np.diag(self._chol)).sum()

    def select_threshold(self, X_val, y_val):
        """Choose $\\log\\varepsilon$ maximising F1 on labelled validation data (1 = anomaly); returns the F1."""
        s = self.score_samples(X_val)
        y_val = np.asarray(y_val).astype(int)
        best = (-1.0, None)
        for t in np.unique(s):
            f1 = f1_score_binary(y_val, (s <= t).astype(int))
            if f1 > best[0]:
                best = (f1, float(t))
        self.threshold_ = best[1]
        return best[0]

    def predict(self, X):
        """1 for anomalies ($\\log p(x) \\le \\log\\varepsilon$), 0 otherwise."""
        s = self.score_samples(X)
        if self.threshold_ is None:
            raise ValueError("no threshold: pass log_threshold or call select_threshold first")
        return (s <= self.threshold_).astype(int)


ESTIMATOR = GaussianAnomalyDetector
EXAMPLE_DATA = "transform"
EXAMPLE_PARAMS = {"log_threshold": -5.0}


def demo(covariance: str = "full", n_anomalies: int = 20) -> DemoResult:
    """Correlated 2-D data whose anomalies break the correlation; densities checked against SciPy."""
    from scipy.stats import multivariate_normal

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.9], [0.9, 1.0]])
    X_train = rng.multivariate_normal([0, 0], cov, 500)
    normal_val = rng.multivariate_normal([0, 0], cov, 200)
    anomalies = rng.uniform(-2.5, 2.5, (n_anomalies * 4, 2))
    anomalies = anomalies[np.abs(anomalies[:, 0] - anomalies[:, 1]) > 1.2][:n_anomalies]  # off the diagonal
    X_val = np.r_[normal_val, anomalies]
    y_val = np.r_[np.zeros(len(normal_val), int), np.ones(len(anomalies), int)]
    model = GaussianAnomalyDetector(covariance=covariance).fit(X_train)
    f1 = model.select_threshold(X_val, y_val)
    ref_model = multivariate_normal(model.mean_, model.covariance_)
    ref_scores = ref_model.logpdf(X_val)
    ref_f1 = f1_score_binary(y_val, (ref_scores <= model.threshold_).astype(int))
    g = np.linspace(-3.5, 3.5, 150)
    gx, gy = np.meshgrid(g, g)
    s = model.score_samples(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    fig, ax = new_figure()
    ax.contour(gx, gy, s, levels=[model.threshold_], colors="r")
    ax.contourf(gx, gy, s, levels=20, cmap="Blues", alpha=0.6)
    ax.scatter(*normal_val.T, s=6, c="k")
    ax.scatter(*anomalies.T, s=25, c="r", marker="x")
    ax.set_title(rf"{covariance} Gaussian: $\log p(x) = \log\varepsilon$ (red), F1 = {f1:.2f}")
    return DemoResult(
        metrics={"validation_f1": f1, "mean_log_density": float(model.score_samples(X_val).mean())},
        reference={"validation_f1": ref_f1, "mean_log_density": float(ref_scores.mean())},
        figure=fig,
        reference_name="scipy.stats.multivariate_normal (densities)",
    )
