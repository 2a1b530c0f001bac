"""Decompositions against scikit-learn, comparing up to sign / permutation where solutions are not unique."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import subspace_angles
from sklearn import decomposition as skd
from sklearn.datasets import load_digits, load_iris
from sklearn.manifold import ClassicalMDS as SkClassicalMDS
from sklearn.manifold._t_sne import _joint_probabilities

from mlnotes.algorithms.decomposition.classical_mds import ClassicalMDS
from mlnotes.algorithms.decomposition.fastica import FastICA, make_sources, match_sources
from mlnotes.algorithms.decomposition.nmf import NMF
from mlnotes.algorithms.decomposition.pca import PCA
from mlnotes.algorithms.decomposition.truncated_svd import TruncatedSVD
from mlnotes.algorithms.decomposition.tsne import (
    TSNE,
    joint_probabilities,
    kl_divergence_and_grad,
    squared_distances,
)


@pytest.mark.parametrize("whiten", [False, True])
def test_pca_matches_sklearn(whiten):
    X = load_digits().data
    ours = PCA(n_components=5, whiten=whiten).fit(X)
    ref = skd.PCA(n_components=5, whiten=whiten, svd_solver="full").fit(X)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-10)
    # same sign convention, so the scores agree exactly (tol 1e-8)
    np.testing.assert_allclose(np.abs(ours.transform(X)), np.abs(ref.transform(X)), atol=1e-8)
    assert np.max(subspace_angles(ours.components_.T, ref.components_.T)) < 1e-8


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_pca_reconstruction_error_is_the_tail_of_the_spectrum(seed):
    X = np.random.default_rng(seed).normal(size=(30, 5)) @ np.diag([3, 2, 1, 0.5, 0.1])
    m = PCA(n_components=2).fit(X)
    err = np.sum((X - m.inverse_transform(m.transform(X))) ** 2)
    s = np.linalg.svd(X - X.mean(0), compute_uv=False)
    assert err == pytest.approx(np.sum(s[2:] ** 2), rel=1e-9)  # Eckart-Young


def test_truncated_svd_matches_exact_singular_values():
    X = load_digits().data
    ours = TruncatedSVD(n_components=8, n_iter=7).fit(X)
    exact = np.linalg.svd(X, full_matrices=False)
    np.testing.assert_allclose(ours.singular_values_, exact[1][:8], rtol=1e-6)
    assert np.max(subspace_angles(ours.components_.T, exact[2][:8].T)) < 1e-3
    ref = skd.TruncatedSVD(n_components=8, n_iter=7, random_state=0).fit(X)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-5)


def test_tsne_affinities_match_sklearn_and_gradient_is_correct():
    X = load_iris().data[::3]
    D2 = squared_distances(X)
    P = joint_probabilities(D2, perplexity=10.0)
    iu = np.triu_indices(len(X), 1)
    ref = _joint_probabilities(D2, 10.0, 0)  # condensed P of scikit-learn (computed in float32)
    np.testing.assert_allclose(P[iu], ref, rtol=1e-3, atol=1e-9)  # float32 and bisection tolerance: rtol 1e-3
    # finite-difference check of the KL gradient
    Y = np.random.default_rng(0).normal(size=(len(X), 2))
    _, g = kl_divergence_and_grad(Y, P)
    eps, num = 1e-6, np.zeros_like(Y)
    for i in range(len(Y)):
        for j in range(2):
            Yp, Ym = Y.copy(), Y.copy()
            Yp[i, j] += eps
            Ym[i, j] -= eps
            num[i, j] = (kl_divergence_and_grad(Yp, P)[0] - kl_divergence_and_grad(Ym, P)[0]) / (2 * eps)
    np.testing.assert_allclose(g, num, atol=1e-6)


def test_tsne_reaches_sklearn_kl():
    from sklearn.manifold import TSNE as SkTSNE

    # t-SNE's optimisation is chaotic: inputs jittered by 1e-12 moved our KL from 0.221 to 0.176 on an AVX2-only CPU
    # (round 17), and jitters of 1e-6 move scikit-learn's between 0.18 and 0.26, so one run against one run compared
    # rounding noise (it failed on that CPU and passed on another). Compared instead: the medians over seven inputs
    # jittered by 1e-6, the same seven for both
    X = load_digits().data[:120]
    ours, ref = [], []
    for seed in range(7):
        Xj = X + 1e-6 * np.random.default_rng(seed).normal(size=X.shape)
        ours.append(TSNE(perplexity=20.0, max_iter=500).fit(Xj).kl_divergence_)
        ref.append(SkTSNE(perplexity=20.0, method="exact", max_iter=500, random_state=0).fit(Xj).kl_divergence_)
    assert np.median(ours) <= np.median(ref) * 1.15, (ours, ref)  # tol: non-convex, within 15 % of the reference


def test_fastica_recovers_sources_like_sklearn():
    S, X, A = make_sources(3000)
    ours = FastICA(n_components=3).fit(X)
    ref = skd.FastICA(n_components=3, whiten="unit-variance", random_state=0, max_iter=1000).fit(X)
    assert match_sources(S, ours.transform(X)) > 0.99
    # the two unmixings agree up to permutation and sign: |corr| of matched components > 0.999
    assert match_sources(ref.transform(X), ours.transform(X)) > 0.999
    # unmixing times mixing is a scaled permutation
    P = np.abs(ours.components_ @ A)
    P /= P.max(axis=1, keepdims=True)
    assert np.sort(P, axis=1)[:, -2].max() < 0.05


@pytest.mark.filterwarnings("ignore::mlnotes.algorithms.base.ConvergenceWarning")  # a fixed iteration budget
def test_nmf_matches_sklearn_error_and_decreases_monotonically():
    X = load_digits().data
    ours = NMF(n_components=8, max_iter=400).fit(X)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skd.NMF(n_components=8, solver="mu", init="random", max_iter=400, tol=1e-6, random_state=0).fit(X)
    assert ours.reconstruction_err_ <= ref.reconstruction_err_ * 1.05  # non-convex: within 5 %
    assert np.all(np.diff(ours.loss_curve_) <= 1e-9 * np.array(ours.loss_curve_[:-1]))
    assert np.all(ours.components_ >= 0)


@pytest.mark.filterwarnings("ignore::mlnotes.algorithms.base.ConvergenceWarning")  # a fixed iteration budget
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_nmf_loss_never_increases(seed):
    V = np.random.default_rng(seed).random((12, 7))
    curve = np.array(NMF(n_components=3, max_iter=60, random_state=seed).fit(V).loss_curve_)
    assert np.all(np.diff(curve) <= 1e-12 * (1 + curve[:-1]))


def test_classical_mds_matches_sklearn_and_pca():
    X = load_iris().data
    ours = ClassicalMDS(n_components=2).fit(X)
    ref = SkClassicalMDS(n_components=2).fit(X)
    np.testing.assert_allclose(np.abs(ours.embedding_), np.abs(ref.embedding_), atol=1e-8)
    np.testing.assert_allclose(np.abs(ours.embedding_), np.abs(PCA(n_components=2).fit(X).transform(X)), atol=1e-8)
