"""Probabilistic models against scikit-learn / SciPy / brute force, with the tolerance stated in each test."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal
from sklearn import naive_bayes as sknb
from sklearn.datasets import load_digits, load_iris
from sklearn.gaussian_process import GaussianProcessRegressor as SkGP
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

from mlnotes.algorithms.base import ConvergenceWarning
from mlnotes.algorithms.probabilistic import hmm
from mlnotes.algorithms.probabilistic.gaussian_anomaly import GaussianAnomalyDetector
from mlnotes.algorithms.probabilistic.gaussian_nb import GaussianNB
from mlnotes.algorithms.probabilistic.gaussian_process import (
    GaussianProcessRegressor,
    log_marginal_likelihood,
)
from mlnotes.algorithms.probabilistic.lda_gibbs import LDAGibbs, make_corpus, matched_topic_similarity
from mlnotes.algorithms.probabilistic.multinomial_nb import MultinomialNB


def test_gaussian_nb_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    ours, ref = GaussianNB().fit(X, y), sknb.GaussianNB().fit(X, y)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize("alpha", [0.01, 1.0, 10.0])
def test_multinomial_nb_matches_sklearn(alpha):
    X, y = load_digits(return_X_y=True)
    ours, ref = MultinomialNB(alpha=alpha).fit(X, y), sknb.MultinomialNB(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.feature_log_prob_, ref.feature_log_prob_, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X[:200]), ref.predict_proba(X[:200]), atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_naive_bayes_probabilities_sum_to_one_and_duplication_is_harmless(seed):
    rng = np.random.default_rng(seed)
    X = rng.poisson(3.0, size=(30, 5)).astype(float)
    y = rng.integers(0, 3, 30)
    y[:3] = [0, 1, 2]
    for model in (GaussianNB(), MultinomialNB()):
        P = model.fit(X, y).predict_proba(X)
        np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
    # Gaussian NB's estimates are means (priors, means, variances): stacking the data twice changes nothing.
    # (Multinomial NB is not invariant: the pseudo-count alpha does not double with the data.)
    P = GaussianNB().fit(X, y).predict_proba(X)
    np.testing.assert_allclose(GaussianNB().fit(np.r_[X, X], np.r_[y, y]).predict_proba(X), P, atol=1e-9)


# --- HMM -----------------------------------------------------------------------------------------------------
def brute_force(x, pi, A, B):
    """log p(x) and the best path by enumerating all K^T state sequences."""
    K, T = len(pi), len(x)
    total, best, best_path = 0.0, -np.inf, None
    for z in itertools.product(range(K), repeat=T):
        p = pi[z[0]] * B[z[0], x[0]] * np.prod([A[z[t - 1], z[t]] * B[z[t], x[t]] for t in range(1, T)])
        total += p
        if p > best:
            best, best_path = p, np.array(z)
    return np.log(total), best_path, np.log(best)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), T=st.integers(1, 6))
def test_forward_and_viterbi_match_brute_force(seed, T):
    rng = np.random.default_rng(seed)
    pi, A, B = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3), 3), rng.dirichlet(np.ones(4), 3)
    x = rng.integers(0, 4, T)
    ll_bf, path_bf, lp_bf = brute_force(x, pi, A, B)
    _, c, ll = hmm.forward(x, pi, A, B)
    assert ll == pytest.approx(ll_bf, abs=1e-10)
    path, lp = hmm.viterbi(x, pi, A, B)
    assert lp == pytest.approx(lp_bf, abs=1e-10)
    # the returned path is optimal; compare its probability, since distinct paths can tie exactly
    z = [int(s) for s in path]
    p_path = pi[z[0]] * B[z[0], x[0]] * np.prod([A[z[t - 1], z[t]] * B[z[t], x[t]] for t in range(1, T)])
    assert np.log(p_path) == pytest.approx(lp_bf, abs=1e-10)
    if not np.array_equal(path, path_bf):
        p_bf = np.exp(lp_bf)
        assert abs(p_path - p_bf) <= 1e-12 * max(p_bf, 1e-300), "different path that is not a tie"


def test_hmm_posteriors_and_baum_welch_monotone():
    rng = np.random.default_rng(0)
    seqs = [hmm.sample(*hmm.CASINO, 300, rng)[1] for _ in range(3)]
    with pytest.warns(ConvergenceWarning):  # tol=0: runs all 40 iterations and says so
        m = hmm.DiscreteHMM(n_states=2, n_symbols=6, max_iter=40, tol=0).fit(seqs)
    curve = np.array(m.log_likelihood_curve_)
    assert np.all(np.diff(curve) >= -1e-8)  # EM never decreases the likelihood
    post = m.predict_proba(seqs[0])
    np.testing.assert_allclose(post.sum(1), 1.0, atol=1e-10)
    # gamma_t from forward-backward equals the brute-force marginal on a short sequence
    x = seqs[0][:5]
    g = m.predict_proba(x)
    K = 2
    joint = np.zeros((len(x), K))
    for z in itertools.product(range(K), repeat=len(x)):
        p = m.startprob_[z[0]] * m.emissionprob_[z[0], x[0]] * np.prod(
            [m.transmat_[z[t - 1], z[t]] * m.emissionprob_[z[t], x[t]] for t in range(1, len(x))])
        joint[np.arange(len(x)), z] += p
    np.testing.assert_allclose(g, joint / joint.sum(1, keepdims=True), atol=1e-10)


def test_hmm_rejects_bad_sequences():
    with pytest.raises(ValueError):
        hmm.DiscreteHMM().fit([np.array([[0, 1]])])
    with pytest.raises(ValueError):
        hmm.DiscreteHMM(n_symbols=2).fit([np.array([0, 3])])


# --- GP ------------------------------------------------------------------------------------------------------
def test_gp_matches_sklearn_with_fixed_hyperparameters():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 5, (25, 2))
    y = np.sin(X[:, 0]) + X[:, 1] * 0.3 + rng.normal(0, 0.1, 25)
    ours = GaussianProcessRegressor(signal=1.3, length_scale=0.8, noise=0.2, optimize=False).fit(X, y)
    kernel = ConstantKernel(1.3**2) * RBF(0.8) + WhiteKernel(0.2**2 + 1e-10)
    ref = SkGP(kernel, optimizer=None, alpha=0.0).fit(X, y)
    Q = rng.uniform(0, 5, (10, 2))
    m, s = ours.predict(Q, return_std=True)
    m_r, s_r = ref.predict(Q, return_std=True)
    np.testing.assert_allclose(m, m_r, atol=1e-8)
    # sklearn's std includes the white-noise kernel; ours is the latent f's std
    np.testing.assert_allclose(s**2 + 0.2**2 + 1e-10, s_r**2, atol=1e-8)
    assert ours.log_marginal_likelihood_value_ == pytest.approx(ref.log_marginal_likelihood_value_, abs=1e-8)


def test_gp_evidence_gradient_and_optimum():
    rng = np.random.default_rng(1)
    X = np.sort(rng.uniform(0, 10, 20))[:, None]
    y = np.sin(X[:, 0]) + rng.normal(0, 0.1, 20)
    theta = np.log([1.2, 0.9, 0.3])
    _, g = log_marginal_likelihood(theta, X, y)
    num = [(log_marginal_likelihood(theta + e, X, y)[0] - log_marginal_likelihood(theta - e, X, y)[0]) / 2e-6
           for e in np.eye(3) * 1e-6]
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-6)
    ours = GaussianProcessRegressor(noise=0.1).fit(X, y)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(1.0, (1e-3, 1e3)) + WhiteKernel(0.01, (1e-6, 1e1))
    ref = SkGP(kernel, n_restarts_optimizer=2, random_state=0).fit(X, y)
    assert ours.log_marginal_likelihood_value_ >= ref.log_marginal_likelihood_value_ - 1e-4


def test_gaussian_anomaly_density_matches_scipy():
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal([1, -1, 0], [[2, 0.5, 0], [0.5, 1, 0.3], [0, 0.3, 0.5]], 300)
    full = GaussianAnomalyDetector().fit(X)
    ref = multivariate_normal(X.mean(0), np.cov(X.T, bias=True))
    np.testing.assert_allclose(full.score_samples(X), ref.logpdf(X), atol=1e-9)
    diag = GaussianAnomalyDetector(covariance="diag").fit(X)
    np.testing.assert_allclose(diag.score_samples(X),
                               multivariate_normal(X.mean(0), np.diag(X.var(0))).logpdf(X), atol=1e-9)
    y = np.r_[np.zeros(300, int), np.ones(5, int)]
    Xv = np.r_[X, rng.uniform(6, 8, (5, 3))]
    assert full.select_threshold(Xv, y) == 1.0
    assert full.predict(Xv)[-5:].tolist() == [1] * 5


def test_lda_gibbs_recovers_topics_like_sklearn_and_keeps_counts_consistent():
    from sklearn.decomposition import LatentDirichletAllocation

    X, phi = make_corpus(n_docs=50)
    m = LDAGibbs(n_topics=3, n_iter=40).fit(X)
    ref = LatentDirichletAllocation(n_components=3, doc_topic_prior=0.1, topic_word_prior=0.01, max_iter=50,
                                    random_state=0).fit(X)
    ref_phi = ref.components_ / ref.components_.sum(1, keepdims=True)
    assert matched_topic_similarity(m.components_, phi) >= matched_topic_similarity(ref_phi, phi) - 0.02
    assert matched_topic_similarity(m.components_, phi) > 0.95
    # bookkeeping: counts add up to the corpus
    np.testing.assert_allclose(m.doc_topic_counts_.sum(1), X.sum(1))
    np.testing.assert_allclose(m.topic_word_counts_.sum(0), X.sum(0))
    np.testing.assert_allclose(m.components_.sum(1), 1.0)
    np.testing.assert_allclose(m.transform(X[:5]).sum(1), 1.0)
