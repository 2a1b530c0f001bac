"""Sampling family: moments and goodness-of-fit tests against known targets (fixed seeds)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from mlnotes.algorithms.sampling import gibbs, hmc
from mlnotes.algorithms.sampling import importance_sampling as isamp
from mlnotes.algorithms.sampling import metropolis_hastings as mh
from mlnotes.algorithms.sampling import reservoir_sampling as rs


def test_mh_matches_mixture_moments_and_cdf():
    chain, acc = mh.metropolis_hastings(lambda x: float(mh.mixture_logpdf(x[0])), 0.0, 40_000, 2.5, seed=1)
    x = chain[:, 0]
    ess = mh.effective_sample_size(x)
    mean = sum(w * m for w, m, _ in mh.MIX)
    var = sum(w * (s ** 2 + m ** 2) for w, m, s in mh.MIX) - mean ** 2
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / ess)
    assert abs(x.var() / var - 1) < 0.1
    assert 0.2 < acc < 0.8
    assert stats.kstest(x[:: int(np.ceil(len(x) / ess))], mh.mixture_cdf).pvalue > 1e-3


def test_ess_of_ar1_process():
    rng = np.random.default_rng(0)
    phi, n = 0.7, 100_000
    e = rng.normal(size=n)
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    assert abs(mh.effective_sample_size(x) / (n * (1 - phi) / (1 + phi)) - 1) < 0.1


def test_gibbs_bivariate_and_trivariate_normal():
    Sigma = np.array([[2.0, 0.8, 0.3], [0.8, 1.0, -0.4], [0.3, -0.4, 1.5]])
    mu = np.array([1.0, 0.0, -2.0])
    X = gibbs.gibbs_gaussian(mu, Sigma, 30_000, seed=0)
    np.testing.assert_allclose(X.mean(0), mu, atol=0.06)
    np.testing.assert_allclose(np.cov(X.T), Sigma, atol=0.08)
    for i in range(3):
        assert stats.kstest(X[::10, i], stats.norm(mu[i], np.sqrt(Sigma[i, i])).cdf).pvalue > 1e-3
    rho = 0.8
    X2 = gibbs.gibbs_gaussian([0, 0], [[1, rho], [rho, 1]], 30_000, seed=1)
    assert abs(np.corrcoef(X2[:-1, 0], X2[1:, 0])[0, 1] - rho ** 2) < 0.03


def test_leapfrog_reversible_and_second_order():
    U, gU, Sigma = hmc.gaussian_target(5, 10.0, 0)
    rng = np.random.default_rng(0)
    q, p = rng.normal(size=5), rng.normal(size=5)
    q1, p1 = hmc.leapfrog(q, p, gU, 0.05, 30)
    q2, p2 = hmc.leapfrog(q1, -p1, gU, 0.05, 30)
    np.testing.assert_allclose(q2, q, atol=1e-10)
    np.testing.assert_allclose(-p2, p, atol=1e-10)
    H = lambda a, b: U(a) + 0.5 * b @ b
    errs = [abs(H(*hmc.leapfrog(q, p, gU, e, int(round(0.5 / e)))) - H(q, p)) for e in (0.02, 0.01)]
    assert 3.0 < errs[0] / errs[1] < 5.0  # halving eps divides the error by ~4


def test_hmc_samples_gaussian():
    U, gU, Sigma = hmc.gaussian_target(4, 20.0, 1)
    X, acc = hmc.hmc(U, gU, np.zeros(4), 4000, eps=0.1, L=20, seed=0)
    assert acc > 0.8
    np.testing.assert_allclose(np.cov(X.T), Sigma, atol=0.08)
    sd = np.sqrt(np.diag(Sigma))
    for i in range(4):
        assert stats.kstest(X[::4, i] / sd[i], "norm").pvalue > 1e-3


def test_importance_sampling_unbiased_and_accurate():
    c = 3.0
    f = lambda x: (x > c).astype(float)
    rng = np.random.default_rng(0)
    ests = [isamp.importance_estimate(f, lambda x: -0.5 * x ** 2, lambda x: -0.5 * (x - c) ** 2,
                                      lambda m, r: r.normal(c, 1, m), 5000, rng) for _ in range(50)]
    est, se = np.array([e[0] for e in ests]), np.array([e[2] for e in ests])
    exact = stats.norm.sf(c)
    assert abs(est.mean() - exact) < 4 * est.std() / np.sqrt(50)
    assert abs(se.mean() / est.std() - 1) < 0.3  # reported standard errors are calibrated
    # a perfect proposal (q = p restricted... here q = p) gives weights 1 and ESS = n
    e = isamp.importance_estimate(f, lambda x: -0.5 * x ** 2, lambda x: -0.5 * x ** 2, lambda m, r: r.normal(0, 1, m), 1000, rng)
    assert e[3] == 1000.0 and e[0] == e[1]


def test_reservoir_uniform_inclusion_chi_square():
    rng = np.random.default_rng(0)
    n, k, trials = 30, 5, 6000
    counts = np.zeros(n)
    for _ in range(trials):
        sample = rs.reservoir_sample(range(n), k, rng)
        assert len(set(sample)) == k
        counts[sample] += 1
    assert stats.chisquare(counts).pvalue > 1e-3
    assert rs.reservoir_sample(range(3), 5, rng) == [0, 1, 2]


def test_weighted_reservoir_k1_probabilities():
    rng = np.random.default_rng(1)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    counts = np.zeros(4)
    for _ in range(8000):
        counts[rs.weighted_reservoir(zip(range(4), w), 1, rng)[0]] += 1
    assert stats.chisquare(counts, 8000 * w / w.sum()).pvalue > 1e-3


def test_rejection_sampling_exact_and_acceptance_one_over_m():
    from mlnotes.algorithms.sampling import rejection_sampling as rej

    rng = np.random.default_rng(0)
    target = stats.beta(3.0, 2.0)
    M = float(target.pdf(2 / 3))
    x, acc = rej.rejection_sample(target.pdf, lambda m, r: r.random(m), lambda z: np.ones_like(z), M, 20_000, rng)
    assert len(x) == 20_000
    assert stats.kstest(x, target.cdf).pvalue > 1e-3
    assert abs(acc - 1 / M) < 0.01


def test_slice_sampler_gamma_and_bimodal():
    from mlnotes.algorithms.sampling import slice_sampling as sl

    target = stats.gamma(a=2.0, scale=1.0)
    x, _ = sl.slice_sample(lambda z: np.log(z) - z if z > 0 else -np.inf, 1.0, 6000, w=0.5, seed=0)
    assert abs(x.mean() - 2.0) < 0.15 and abs(x.var() - 2.0) < 0.35
    assert stats.kstest(x[::4], target.cdf).pvalue > 1e-3
    x2, _ = sl.slice_sample(lambda z: float(mh.mixture_logpdf(z)), 0.0, 6000, w=3.0, seed=1)
    assert abs(np.mean(x2 < 0) - mh.mixture_cdf(0.0)) < 0.04  # mass below 0, both modes visited
