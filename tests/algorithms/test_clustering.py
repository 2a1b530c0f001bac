"""Clustering against scikit-learn / SciPy, comparing invariants where labels are not unique."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn import cluster as skc
from sklearn.datasets import load_iris, make_blobs, make_circles, make_moons
from sklearn.metrics import adjusted_rand_score as ari
from sklearn.mixture import GaussianMixture as SkGMM

from mlnotes.algorithms.clustering.agglomerative import AgglomerativeClustering
from mlnotes.algorithms.clustering.dbscan import DBSCAN
from mlnotes.algorithms.clustering.gmm import GaussianMixture, e_step, m_step
from mlnotes.algorithms.clustering.kmeans import KMeans
from mlnotes.algorithms.clustering.kmedoids import KMedoids, dissimilarity_matrix, total_deviation
from mlnotes.algorithms.clustering.mean_shift import MeanShift
from mlnotes.algorithms.clustering.spectral import SpectralClustering

SETTINGS = settings(max_examples=20, deadline=None)


@pytest.mark.parametrize("k", [2, 4, 6])
def test_kmeans_inertia_matches_sklearn(k):
    X, _ = make_blobs(500, centers=4, cluster_std=1.2, random_state=3)
    ours = KMeans(n_clusters=k, n_init=10).fit(X)
    ref = skc.KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
    assert ours.inertia_ <= ref.inertia_ * 1.02  # tol: local optima, within 2 % of scikit-learn best-of-10
    if k == 4:
        assert ari(ours.labels_, ref.labels_) > 0.95


@SETTINGS
@given(seed=st.integers(0, 10_000), k=st.integers(1, 5))
def test_kmeans_inertia_never_increases(seed, k):
    X = np.random.default_rng(seed).normal(size=(40, 2))
    curve = np.array(KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X).inertia_curve_)
    assert np.all(np.diff(curve) <= 1e-9 * (1 + curve[:-1]))


def test_kmedoids_reaches_exhaustive_optimum():
    X, _ = make_blobs(24, centers=3, cluster_std=1.5, random_state=0)
    D = dissimilarity_matrix(X, X)
    best = min(total_deviation(D, c) for c in itertools.combinations(range(24), 3))
    m = KMedoids(n_clusters=3).fit(X)
    assert m.inertia_ == pytest.approx(best, rel=1e-12)
    man = KMedoids(n_clusters=3, metric="manhattan").fit(X)
    Dm = dissimilarity_matrix(X, X, "manhattan")
    assert man.inertia_ == pytest.approx(min(total_deviation(Dm, c) for c in itertools.combinations(range(24), 3)))


def test_dbscan_matches_sklearn():
    X, _ = make_moons(300, noise=0.08, random_state=0)
    X = np.r_[X, np.random.default_rng(0).uniform(-1.5, 2.5, (15, 2))]
    for eps, ms in [(0.15, 5), (0.1, 4), (0.3, 10)]:
        ours, ref = DBSCAN(eps=eps, min_samples=ms).fit(X), skc.DBSCAN(eps=eps, min_samples=ms).fit(X)
        np.testing.assert_array_equal(ours.core_sample_indices_, ref.core_sample_indices_)
        np.testing.assert_array_equal(ours.labels_ == -1, ref.labels_ == -1)
        assert ari(ours.labels_, ref.labels_) == 1.0  # same partition up to label names


@pytest.mark.parametrize("method", ["single", "complete", "average", "ward"])
def test_agglomerative_matches_scipy_linkage(method):
    X = load_iris().data[::2] + np.random.default_rng(0).normal(0, 1e-6, (75, 4))  # break exact ties
    ours = AgglomerativeClustering(n_clusters=3, linkage=method).fit(X)
    Z = linkage(X, method=method)
    np.testing.assert_allclose(np.sort(ours.linkage_matrix_[:, 2]), np.sort(Z[:, 2]), atol=1e-9)
    np.testing.assert_array_equal(np.sort(ours.linkage_matrix_[:, 3]), np.sort(Z[:, 3]))
    assert ari(ours.labels_, fcluster(Z, 3, criterion="maxclust")) == 1.0


def test_gmm_matches_sklearn_likelihood_and_is_an_em_fixed_point():
    X, _ = make_blobs(400, centers=3, cluster_std=[1.0, 1.5, 0.5], random_state=2)
    ours = GaussianMixture(n_components=3, n_init=3, tol=1e-8).fit(X)
    ref = SkGMM(n_components=3, n_init=3, tol=1e-8, max_iter=1000, random_state=0).fit(X)
    assert ours.score(X) == pytest.approx(ref.score(X), abs=1e-4)  # tol: 1e-4 nats per sample
    # one EM step from scikit-learn's converged parameters leaves them unchanged (our E and M steps are theirs)
    resp, _ = e_step(X, ref.weights_, ref.means_, ref.covariances_)
    w, mu, cov = m_step(X, resp, ref.reg_covar)
    np.testing.assert_allclose(w, ref.weights_, atol=1e-5)
    np.testing.assert_allclose(mu, ref.means_, atol=1e-4)
    np.testing.assert_allclose(cov, ref.covariances_, atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X).sum(1), 1.0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::mlnotes.algorithms.base.ConvergenceWarning")  # 50 iterations: monotonicity only
@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_gmm_em_never_decreases_likelihood(seed):
    X = np.random.default_rng(seed).normal(size=(60, 2)) * [1.0, 3.0]
    curve = np.array(GaussianMixture(n_components=2, reg_covar=0.0, random_state=seed, max_iter=50).fit(X)
                     .log_likelihood_curve_)
    assert np.all(np.diff(curve) >= -1e-10)


@pytest.mark.filterwarnings("ignore:Graph is not fully connected")
def test_spectral_clustering_recovers_non_convex_clusters():
    for X, y in (make_moons(200, noise=0.05, random_state=0), make_circles(200, factor=0.4, noise=0.04,
                                                                            random_state=0)):
        ours = SpectralClustering(n_clusters=2, n_neighbors=10).fit(X)
        ref = skc.SpectralClustering(n_clusters=2, affinity="nearest_neighbors", n_neighbors=10,
                                     random_state=0).fit(X)
        assert ari(y, ours.labels_) >= ari(y, ref.labels_) - 0.02
        assert ari(y, ours.labels_) > 0.95
        assert ours.eigenvalues_[0] == pytest.approx(0.0, abs=1e-10)  # the constant-like eigenvector


@pytest.mark.parametrize("bandwidth", [0.6, 1.0])
def test_mean_shift_matches_sklearn(bandwidth):
    X, _ = make_blobs(150, centers=[[1, 1], [-1, -1], [1, -1]], cluster_std=0.5, random_state=0)
    ours, ref = MeanShift(bandwidth=bandwidth).fit(X), skc.MeanShift(bandwidth=bandwidth).fit(X)
    assert len(ours.cluster_centers_) == len(ref.cluster_centers_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-9)
    assert ari(ours.labels_, ref.labels_) == 1.0
