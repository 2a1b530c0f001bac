r"""Gaussian mixture model fitted by expectation-maximisation (full covariances).

Model: $p(x) = \sum_{k=1}^K \pi_k\,\mathcal N(x\mid\mu_k,\Sigma_k)$. Maximum likelihood has no closed form because of
the sum inside the log; EM alternates

* **E-step**: responsibilities $r_{ik} = \pi_k\mathcal N(x_i\mid\mu_k,\Sigma_k) / \sum_j \pi_j\mathcal N(x_i\mid\mu_j,\Sigma_j)$,
  computed in log space with log-sum-exp;
* **M-step**: with $N_k = \sum_i r_{ik}$: $\pi_k = N_k/n$, $\mu_k = \frac{1}{N_k}\sum_i r_{ik}x_i$,
  $\Sigma_k = \frac{1}{N_k}\sum_i r_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top + \epsilon I$.

EM maximises the lower bound $\mathcal L(q,\theta) = \log p(X\mid\theta) - \mathrm{KL}(q\,\Vert\,p(Z\mid X,\theta))$ by
coordinate ascent: the E-step makes the bound tight, the M-step raises it, so the log-likelihood never decreases
(exactly so when the ridge $\epsilon$ = ``reg_covar`` is 0; the ridge keeps covariances invertible when a component
collapses onto few points). We stop when the mean log-likelihood gains less than ``tol``. Initialisation:
responsibilities from k-means labels; ``n_init`` restarts keep the best likelihood. Log densities use the
Cholesky factor of each $\Sigma_k$. Model selection by BIC $= -2\log L + p\log n$ with
$p = (K-1) + Kd + Kd(d+1)/2$ free parameters.

References: [@dempster1977maximum], [@bishop2006pattern] §9.2, [@mclachlan2000finite].
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_params,
    check_random_state,
    report_convergence,
)
from mlnotes.algorithms.clustering.kmeans import KMeans
from mlnotes.algorithms.registry import DemoResult


def log_gaussian(X: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """$\\log\\mathcal N(x_i\\mid\\mu,\\Sigma)$ for every row, shape (n,)."""
    try:
        L = cholesky(cov, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError(
            "a component's covariance is singular (not positive definite): the data have a constant column, or a "
            "component collapsed onto too few or duplicate points. Increase reg_covar (e.g. 1e-6), drop constant "
            "columns, or use fewer components."
        ) from None
    Z = solve_triangular(L, (X - mean).T, lower=True)  # (d, n)
    d = X.shape[1]
    return -0.5 * (d * np.log(2 * np.pi) + np.sum(Z**2, axis=0)) - np.log(np.diag(L)).sum()


def e_step(X, weights, means, covariances):
    """Responsibilities (n, K) and the mean log-likelihood."""
    log_joint = np.column_stack([np.log(w) + log_gaussian(X, m, c) for w, m, c in zip(weights, means, covariances)])
    log_norm = logsumexp(log_joint, axis=1)  # (n,) log p(x_i)
    return np.exp(log_joint - log_norm[:, None]), float(log_norm.mean())


def m_step(X, resp, reg_covar):
    """Weights (K,), means (K, d) and covariances (K, d, d) from responsibilities (n, K)."""
    n, d = X.shape
    Nk = resp.sum(axis=0) + 10 * np.finfo(float).eps  # (K,)
    means = resp.T @ X / Nk[:, None]
    covs = np.empty((resp.shape[1], d, d))
    for k in range(resp.shape[1]):
        Xc = X - means[k]
        covs[k] = (resp[:, k, None] * Xc).T @ Xc / Nk[k] + reg_covar * np.eye(d)
    return Nk / n, means, covs


class GaussianMixture(BaseEstimator):
    """Full-covariance Gaussian mixture by EM.

    Parameters
    ----------
    n_components : int
    max_iter : int
    tol : float
        Stop when the mean log-likelihood improves by less than ``tol``.
    reg_covar : float
        Ridge added to each covariance.
    n_init : int
    random_state : int or None

    Attributes
    ----------
    weights_ : ndarray of shape (K,)
    means_ : ndarray of shape (K, n_features)
    covariances_ : ndarray of shape (K, n_features, n_features)
    lower_bound_ : float
        Final mean log-likelihood (the EM bound at convergence).
    log_likelihood_curve_ : list of float
        Mean log-likelihood at every E-step of the best run (non-decreasing).
    converged_ : bool
    n_iter_ : int
    """

    def __init__(self, *, n_components=2, max_iter=200, tol=1e-6, reg_covar=1e-6, n_init=1, random_state=0):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        check_params(self, n_components=dict(kind=int, low=1), max_iter=dict(kind=int, low=1), tol=dict(low=0),
                     reg_covar=dict(low=0), n_init=dict(kind=int, low=1))
        K = int(self.n_components)
        if not 1 <= K <= X.shape[0]:
            raise ValueError(f"n_components must be in [1, n_samples={X.shape[0]}], got {self.n_components}")
        self.n_features_in_ = X.shape[1]
        rng = check_random_state(self.random_state)
        best = None
        for _ in range(self.n_init):
            labels = KMeans(n_clusters=K, n_init=1, random_state=int(rng.integers(2**31))).fit(X).labels_
            resp = np.eye(K)[labels]
            params = m_step(X, resp, self.reg_covar)
            curve, converged = [], False
            for it in range(1, self.max_iter + 1):
                resp, ll = e_step(X, *params)
                curve.append(ll)
                params = m_step(X, resp, self.reg_covar)
                if it > 1 and abs(curve[-1] - curve[-2]) < self.tol:
                    converged = True
                    break
            _, ll = e_step(X, *params)
            curve.append(ll)
            if best is None or ll > best[1]:
                best = (params, ll, curve, converged, it)
        (self.weights_, self.means_, self.covariances_), self.lower_bound_, self.log_likelihood_curve_, \
            converged, n_iter = best
        report_convergence(self, n_iter, converged, max_iter=self.max_iter, what="EM")
        return self

    def _check(self, X):
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X

    def predict_proba(self, X):
        """Responsibilities, shape (n_samples, K); rows sum to one."""
        return e_step(self._check(X), self.weights_, self.means_, self.covariances_)[0]

    def predict(self, X):
        """Most responsible component."""
        P = self.predict_proba(X)
        return np.argmax(P, axis=1)

    def score_samples(self, X):
        """$\\log p(x)$ per sample, shape (n_samples,)."""
        X = self._check(X)
        return logsumexp(np.column_stack([np.log(w) + log_gaussian(X, m, c) for w, m, c in
                                          zip(self.weights_, self.means_, self.covariances_)]), axis=1)

    def score(self, X, y=None):
        """Mean log-likelihood."""
        return float(self.score_samples(X).mean())

    def bic(self, X):
        """Bayesian information criterion (lower is better)."""
        X = self._check(X)
        K, d = self.means_.shape
        p = (K - 1) + K * d + K * d * (d + 1) / 2
        return float(-2 * self.score(X) * X.shape[0] + p * np.log(X.shape[0]))


ESTIMATOR = GaussianMixture
EXAMPLE_DATA = "clustering"


def demo(n_components: int = 3, n_init: int = 3) -> DemoResult:
    """Anisotropic blobs: ellipses of the fitted components and BIC per K, against scikit-learn's GaussianMixture."""
    import warnings

    from matplotlib.patches import Ellipse
    from sklearn.datasets import make_blobs
    from sklearn.mixture import GaussianMixture as SkGMM

    from mlnotes.algorithms.base import ConvergenceWarning
    from mlnotes.algorithms.linear._viz import new_figure

    X, _ = make_blobs(500, centers=3, random_state=170)
    X = X @ np.array([[0.6, -0.64], [-0.41, 0.85]])  # shear the blobs
    ours = GaussianMixture(n_components=n_components, n_init=n_init).fit(X)
    ref = SkGMM(n_components=n_components, n_init=n_init, tol=1e-6, random_state=0).fit(X)
    ks = np.arange(1, 7)
    with warnings.catch_warnings():  # the BIC sweep is illustrative: a K=6 fit may stop at max_iter
        warnings.simplefilter("ignore", ConvergenceWarning)
        bics = [GaussianMixture(n_components=int(k)).fit(X).bic(X) for k in ks]
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.scatter(X[:, 0], X[:, 1], c=ours.predict(X), cmap="tab10", s=8)
    for m, c in zip(ours.means_, ours.covariances_):
        vals, vecs = np.linalg.eigh(c)
        angle = np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1]))
        for s in (1, 2):
            ax0.add_patch(Ellipse(m, 2 * s * np.sqrt(vals[1]), 2 * s * np.sqrt(vals[0]), angle=angle,
                                  fill=False, color="k", lw=0.8))
    ax0.set_title("GMM components (1 and 2 sd)")
    ax1.plot(ks, bics, marker="o")
    ax1.set_xlabel("K")
    ax1.set_ylabel("BIC")
    ax1.set_title("model selection")
    return DemoResult(
        metrics={"mean_log_likelihood": ours.score(X), "bic": ours.bic(X)},
        reference={"mean_log_likelihood": float(ref.score(X)), "bic": float(ref.bic(X))},
        figure=fig,
        reference_name="sklearn.mixture.GaussianMixture",
    )
