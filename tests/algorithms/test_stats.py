"""Statistics tools against SciPy and exhaustive enumeration, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mlnotes.algorithms.stats.apriori import apriori, association_rules, brute_force_itemsets, make_baskets
from mlnotes.algorithms.stats.bootstrap import bootstrap_ci
from mlnotes.algorithms.stats.fp_growth import fp_growth
from mlnotes.algorithms.stats.ks_drift import kolmogorov_sf, ks_2samp
from mlnotes.algorithms.stats.psi import psi


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), m=st.integers(1, 60), shift=st.floats(-1, 1))
def test_ks_statistic_matches_scipy(seed, n, m, shift):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, 1, n), rng.normal(shift, 1, m)
    D, p = ks_2samp(x, y)
    assert D == pytest.approx(stats.ks_2samp(x, y).statistic, abs=1e-12)
    assert p == pytest.approx(stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * D), abs=1e-12)


def test_ks_p_value_close_to_scipy_asymp_for_large_samples():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1, 5000), rng.normal(0.05, 1, 5000)
    # SciPy uses the finite-n kstwo at round(n_eff): within 5 % relative for n_eff = 2500
    assert ks_2samp(x, y)[1] == pytest.approx(stats.ks_2samp(x, y, method="asymp").pvalue, rel=0.05)
    assert kolmogorov_sf(0.0) == 1.0 and kolmogorov_sf(3.0) < 1e-7


def test_psi_is_jeffreys_divergence_and_zero_without_drift():
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(0, 1, 20000), rng.normal(0.7, 1.2, 20000)
    value, e, a = psi(ref, cur)
    assert value == pytest.approx(stats.entropy(a, e) + stats.entropy(e, a), rel=1e-12)
    np.testing.assert_allclose(e, 0.1, atol=1e-3)  # decile bins of the reference
    assert psi(ref, rng.normal(0, 1, 20000))[0] < 0.01
    assert value > 0.25


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_bootstrap_matches_scipy(method):
    rng = np.random.default_rng(1)
    x = rng.lognormal(0, 1, 30)
    for stat in (np.mean, np.median):
        low, high, _ = bootstrap_ci(x, stat, 3000, method=method, random_state=0)
        ref = stats.bootstrap((x,), stat, n_resamples=3000, method="BCa" if method == "bca" else "percentile",
                              random_state=np.random.default_rng(0)).confidence_interval
        # same resampling scheme and seed: identical replicates, so the intervals agree to 1e-9
        assert low == pytest.approx(ref.low, abs=1e-9) and high == pytest.approx(ref.high, abs=1e-9)


def test_bootstrap_coverage_is_near_nominal():
    rng = np.random.default_rng(2)
    hits = 0
    for s in range(200):
        x = rng.normal(3.0, 1.0, 30)
        low, high, _ = bootstrap_ci(x, np.mean, 400, method="percentile", random_state=s)
        hits += low <= 3.0 <= high
    assert 0.88 <= hits / 200 <= 0.99  # nominal 95 %, Monte Carlo and small-sample slack


@pytest.mark.parametrize("min_support", [0.03, 0.1, 0.3])
def test_apriori_matches_exhaustive_enumeration(min_support):
    baskets = make_baskets(300, seed=1)
    found = apriori(baskets, min_support)
    oracle = brute_force_itemsets(baskets, min_support)
    assert found.keys() == oracle.keys()
    for k in oracle:
        assert found[k] == pytest.approx(oracle[k], abs=1e-12)


def test_association_rules_confidence_and_lift():
    baskets = make_baskets(500)
    freq = apriori(baskets, 0.05)
    rules = association_rules(freq, 0.6)
    top = rules[0]
    X, Y = top["antecedent"], top["consequent"]
    n_x = sum(X <= b for b in baskets)
    n_xy = sum((X | Y) <= b for b in baskets)
    n_y = sum(Y <= b for b in baskets)
    assert top["confidence"] == pytest.approx(n_xy / n_x)
    assert top["lift"] == pytest.approx((n_xy / n_x) / (n_y / len(baskets)))
    assert any({"beer"} == set(r["antecedent"]) and {"crisps"} == set(r["consequent"]) for r in rules)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), min_support=st.sampled_from([0.02, 0.05, 0.1, 0.3, 0.6]))
def test_fp_growth_equals_apriori_and_enumeration(seed, min_support):
    rng = np.random.default_rng(seed)
    items = list("abcdefg")
    baskets = [{i for i in items if rng.random() < p} or {"a"} for p in rng.uniform(0.1, 0.6, 60)]
    ours = fp_growth(baskets, min_support)
    oracle = brute_force_itemsets(baskets, min_support)
    assert ours.keys() == oracle.keys() == apriori(baskets, min_support).keys()
    for k in oracle:
        assert ours[k] == pytest.approx(oracle[k], abs=1e-12)
