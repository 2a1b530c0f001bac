"""Statistical tests, intervals, corrections and power against SciPy, statsmodels and hand arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats import multitest, power, proportion
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from mlnotes.algorithms.inference.anova import one_way_anova
from mlnotes.algorithms.inference.chi2_independence import chi2_independence, contingency_table
from mlnotes.algorithms.inference.cohens_d import cohens_d, cohens_dz, hedges_correction
from mlnotes.algorithms.inference.cv_5x2 import paired_t_5x2cv, paired_t_5x2cv_from_differences
from mlnotes.algorithms.inference.mcnemar import mcnemar, mcnemar_table
from mlnotes.algorithms.inference.multiple_testing import adjust_pvalues, reject
from mlnotes.algorithms.inference.power import (
    proportions_power,
    proportions_sample_size,
    proportions_sample_size_closed_form,
    ttest_power,
    ttest_sample_size,
)
from mlnotes.algorithms.inference.proportion_ztest import two_proportion_ztest
from mlnotes.algorithms.inference.t_tests import ttest_1samp, ttest_ind, ttest_rel
from mlnotes.algorithms.inference.wilson_interval import exact_coverage, wald_interval, wilson_interval

ALTS = ["two-sided", "less", "greater"]


# --- t-tests ------------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), m=st.integers(2, 40), alt=st.sampled_from(ALTS))
def test_t_tests_match_scipy(seed, n, m, alt):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, 1, n), rng.normal(0.3, 2, m)
    for equal_var in (True, False):
        ours, ref = ttest_ind(x, y, equal_var, alt), stats.ttest_ind(x, y, equal_var=equal_var, alternative=alt)
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
        assert ours.df == pytest.approx(ref.df, rel=1e-10)
    ours, ref = ttest_1samp(x, 0.2, alt), stats.ttest_1samp(x, 0.2, alternative=alt)
    assert (ours.statistic, ours.pvalue) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-9)
    y2 = x + rng.normal(0.1, 0.5, n)
    ours, ref = ttest_rel(x, y2, alt), stats.ttest_rel(x, y2, alternative=alt)
    assert (ours.statistic, ours.pvalue) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-9)


def test_t_tests_edge_cases():
    with pytest.raises(ValueError, match="at least 2"):
        ttest_1samp([1.0])
    with pytest.raises(ValueError, match="at least 2"):
        ttest_ind([], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        ttest_ind([1.0, np.nan, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="zero variance"):
        ttest_ind([1.0, 1.0, 1.0], [2.0, 2.0])  # constant groups: scipy returns inf/NaN, we refuse
    with pytest.raises(ValueError, match="zero variance"):
        ttest_rel([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])  # constant differences
    with pytest.raises(ValueError, match="equal length"):
        ttest_rel([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="alternative"):
        ttest_1samp([1.0, 2.0], alternative="bigger")
    # ties between groups are fine: identical samples give t = 0, p = 1
    res = ttest_ind([1.0, 2.0, 2.0], [1.0, 2.0, 2.0])
    assert res.statistic == 0.0 and res.pvalue == pytest.approx(1.0)


# --- chi-squared -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (4, 3)])
@pytest.mark.parametrize("correction", [True, False])
def test_chi2_matches_scipy(shape, correction):
    rng = np.random.default_rng(sum(shape))
    table = rng.integers(1, 40, shape)
    ours, ref = chi2_independence(table, correction), stats.chi2_contingency(table, correction=correction)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.dof == ref.dof
    np.testing.assert_allclose(ours.expected, ref.expected_freq, rtol=1e-12)
    assert ours.cramers_v == pytest.approx(stats.contingency.association(table, method="cramer"), rel=1e-10)


def test_chi2_edge_cases_and_crosstab():
    table, rows, cols = contingency_table(["a", "b", "a", "a"], [1, 0, 0, 1])
    np.testing.assert_array_equal(table, [[1, 2], [1, 0]])
    assert list(rows) == ["a", "b"] and list(cols) == [0, 1]
    with pytest.raises(ValueError, match="single category"):
        chi2_independence([[3, 4, 5]])
    with pytest.raises(ValueError, match="row or column of zeros"):
        chi2_independence([[0, 0], [3, 4]])
    with pytest.raises(ValueError, match="non-negative"):
        chi2_independence([[1, np.nan], [3, 4]])
    with pytest.raises(ValueError, match="empty"):
        contingency_table([], [])


# --- ANOVA -----------------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6), n=st.integers(2, 15))
def test_anova_matches_scipy(seed, k, n):
    rng = np.random.default_rng(seed)
    groups = [rng.normal(0.3 * j, 1, n + j) for j in range(k)]
    ours, ref = one_way_anova(*groups), stats.f_oneway(*groups)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)


def test_anova_two_groups_is_t_squared_and_edge_cases():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1, 12), rng.normal(1, 1, 9)
    assert one_way_anova(x, y).statistic == pytest.approx(ttest_ind(x, y, equal_var=True).statistic ** 2)
    with pytest.raises(ValueError, match="at least 2 groups"):
        one_way_anova(x)
    with pytest.raises(ValueError, match="constant"):
        one_way_anova([1.0, 1.0], [2.0, 2.0])
    with pytest.raises(ValueError, match="at least 1"):
        one_way_anova(x, [])


# --- two-proportion z ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alt", ALTS)
def test_two_proportion_ztest_matches_statsmodels(alt):
    sm_alt = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}[alt]
    for x1, n1, x2, n2 in [(1000, 20000, 1100, 20000), (3, 10, 7, 12), (0, 50, 5, 40)]:
        ours = two_proportion_ztest(x1, n1, x2, n2, alt)
        z, p = proportion.proportions_ztest([x1, x2], [n1, n2], alternative=sm_alt)
        assert ours.statistic == pytest.approx(z, rel=1e-12) and ours.pvalue == pytest.approx(p, rel=1e-10)
        lo, hi = proportion.confint_proportions_2indep(x1, n1, x2, n2, method="wald")
        assert (ours.ci_low, ours.ci_high) == pytest.approx((lo, hi), rel=1e-10)
        # z^2 equals the uncorrected chi-squared statistic of the 2x2 table
        chi = chi2_independence([[x1, n1 - x1], [x2, n2 - x2]], correction=False).statistic
        assert ours.statistic**2 == pytest.approx(chi, rel=1e-10)


def test_two_proportion_ztest_edge_cases():
    with pytest.raises(ValueError, match="all successes or all failures"):
        two_proportion_ztest(0, 10, 0, 20)
    with pytest.raises(ValueError, match="0 <= successes <= trials"):
        two_proportion_ztest(11, 10, 0, 20)
    with pytest.raises(ValueError, match="trials >= 1"):
        two_proportion_ztest(0, 0, 1, 2)
    with pytest.raises(ValueError, match="confidence"):
        two_proportion_ztest(1, 10, 2, 10, confidence=1.5)
    with pytest.raises(ValueError, match="integers"):
        two_proportion_ztest("many", 10, 2, 10)
    with pytest.raises(ValueError, match="integers"):
        two_proportion_ztest(1.5, 10, 2, 10)


# --- Cohen's d ------------------------------------------------------------------------------------------------
def test_cohens_d_against_t_statistic_and_statsmodels():
    from statsmodels.stats.meta_analysis import effectsize_smd

    rng = np.random.default_rng(3)
    x, y = rng.normal(0.7, 1.3, 17), rng.normal(0.0, 1.0, 11)
    es = cohens_d(x, y)
    t = stats.ttest_ind(x, y).statistic
    assert es.d == pytest.approx(t * np.sqrt(1 / 17 + 1 / 11), rel=1e-12)
    # statsmodels' bias-corrected SMD uses the approximation J ~ 1 - 3 / (4 (n1 + n2) - 9); we use the exact
    # gamma-function factor, which that approximation tracks to about 1e-4 here
    g_sm, _ = effectsize_smd(x.mean(), x.std(ddof=1), 17, y.mean(), y.std(ddof=1), 11)
    assert es.d * (1 - 3 / (4 * 28 - 9)) == pytest.approx(g_sm, rel=1e-12)
    assert es.hedges_g == pytest.approx(g_sm, rel=1e-4)
    from scipy.special import gamma

    assert hedges_correction(26) == pytest.approx(gamma(13) / (np.sqrt(13) * gamma(12.5)), rel=1e-12)
    assert hedges_correction(100) == pytest.approx(1 - 3 / (4 * 100 - 1), rel=1e-4)
    d = x - y[:1].repeat(17)
    assert cohens_dz(x, y[:1].repeat(17)) == pytest.approx(d.mean() / d.std(ddof=1))


def test_cohens_d_common_language_effect_size_by_simulation():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0.8, 1, 4000), rng.normal(0, 1, 4000)
    es = cohens_d(x, y)
    assert es.prob_superiority == pytest.approx(np.mean(x[:2000, None] > y[None, :2000]), abs=0.01)


def test_cohens_d_edge_cases():
    with pytest.raises(ValueError, match="constant"):
        cohens_d([2.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="at least 2"):
        cohens_d([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        cohens_d([1.0, np.inf], [1.0, 2.0])


# --- multiple testing ------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(p=st.lists(st.sampled_from([0.0, 0.001, 0.01, 0.02, 0.04, 0.05, 0.3, 0.9, 1.0]) | st.floats(0, 1),
                  min_size=1, max_size=30))
def test_multiple_testing_matches_statsmodels(p):
    p = np.array(p)
    for ours, theirs in [("bonferroni", "bonferroni"), ("holm", "holm"), ("bh", "fdr_bh")]:
        rej, adj = reject(p, 0.05, ours)
        rej_ref, adj_ref, _, _ = multitest.multipletests(p, 0.05, theirs)
        np.testing.assert_allclose(adj, adj_ref, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(rej, rej_ref)
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), stats.false_discovery_control(p), rtol=1e-12, atol=1e-15)


def test_multiple_testing_hand_case_ties_and_edges():
    # hand computation, m = 4: BH adjusted = min over j >= i of 4 p_(j) / j
    p = np.array([0.01, 0.04, 0.03, 0.04])
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), [0.04, 0.04, 0.04, 0.04])
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.04, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), [0.04, 0.16, 0.12, 0.16])
    assert adjust_pvalues([], "holm").shape == (0,)
    with pytest.raises(ValueError, match="NaN"):
        adjust_pvalues([0.1, np.nan])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([0.1, 1.2])
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues([0.1], "fdr")
    with pytest.raises(ValueError, match="alpha"):
        reject([0.1], alpha=0.0)


# --- Wilson ----------------------------------------------------------------------------------------------------
def test_wilson_matches_statsmodels_including_boundaries():
    for x, n in [(0, 10), (10, 10), (2, 30), (57, 100), (1, 1)]:
        for conf in (0.9, 0.95, 0.99):
            lo, hi = wilson_interval(x, n, conf)
            rlo, rhi = proportion.proportion_confint(x, n, alpha=1 - conf, method="wilson")
            assert (float(lo), float(hi)) == pytest.approx((rlo, rhi), abs=1e-12)
    lo, hi = wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-15) and hi > 0.2  # never zero width, unlike Wald
    assert wald_interval(0, 10) == (0.0, 0.0)


def test_wilson_coverage_beats_wald_for_small_p():
    cov_wilson = exact_coverage(wilson_interval, 0.05, 30)
    cov_wald = exact_coverage(wald_interval, 0.05, 30)
    assert cov_wilson > 0.93 and cov_wald < 0.82


def test_wilson_edge_cases():
    with pytest.raises(ValueError, match="trials >= 1"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="whole numbers"):
        wilson_interval(1.5, 4)
    with pytest.raises(ValueError, match="whole numbers"):
        wilson_interval("two", 4)
    with pytest.raises(ValueError, match="whole numbers"):
        wilson_interval(np.nan, 4)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 4, confidence=1.0)


# --- McNemar ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("table", [[[50, 7], [15, 28]], [[10, 0], [3, 5]], [[5, 12], [12, 2]], [[0, 30], [4, 0]]])
def test_mcnemar_matches_statsmodels(table):
    ex, ref = mcnemar(table, exact=True), sm_mcnemar(table, exact=True)
    assert ex.statistic == ref.statistic and ex.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    for corr in (True, False):
        ch, ref = mcnemar(table, exact=False, correction=corr), sm_mcnemar(table, exact=False, correction=corr)
        assert ch.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert ch.pvalue == pytest.approx(ref.pvalue, rel=1e-10)


def test_mcnemar_table_and_edges():
    y = np.array([0, 1, 1, 0, 1, 0])
    a = np.array([0, 1, 0, 0, 1, 1])  # right, right, wrong, right, right, wrong
    b = np.array([0, 0, 1, 1, 1, 1])  # right, wrong, right, wrong, right, wrong
    np.testing.assert_array_equal(mcnemar_table(y, a, b), [[2, 2], [1, 1]])
    # no discordant pairs: p = 1 (statsmodels returns NaN for the chi-squared version)
    assert mcnemar([[5, 0], [0, 3]], exact=False) == (0.0, 1.0)
    assert mcnemar([[5, 0], [0, 3]], exact=True).pvalue == 1.0
    with pytest.raises(ValueError, match="2x2"):
        mcnemar([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="empty"):
        mcnemar_table([], [], [])
    with pytest.raises(ValueError, match="non-negative whole"):
        mcnemar([[1, -2], [3, 4]])


# --- 5x2cv -----------------------------------------------------------------------------------------------------
def test_5x2cv_statistic_by_hand_arithmetic():
    diffs = np.array([[0.02, 0.04], [0.01, -0.01], [0.03, 0.03], [0.00, 0.02], [0.05, 0.01]])
    # s_i^2 = (a - b)^2 / 2 for a two-fold replication: 0.0002, 0.0002, 0, 0.0002, 0.0008 -> mean 0.00028
    t = 0.02 / np.sqrt(0.00028)
    res = paired_t_5x2cv_from_differences(diffs)
    assert res.statistic == pytest.approx(t, rel=1e-12)
    assert res.pvalue == pytest.approx(2 * stats.t.sf(t, 5), rel=1e-12)
    assert paired_t_5x2cv_from_differences(diffs, "greater").pvalue == pytest.approx(stats.t.sf(t, 5))


def test_5x2cv_runs_estimators_and_rejects_degenerate_input():
    from sklearn.datasets import make_classification
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(200, 5, random_state=0)
    res = paired_t_5x2cv(LogisticRegression(), DummyClassifier(), X, y, random_state=1)
    assert res.differences.shape == (5, 2) and np.all(res.differences > 0.2)
    assert res.statistic > 0
    with pytest.raises(ValueError, match="identical"):
        paired_t_5x2cv(DummyClassifier(), DummyClassifier(), X, y)  # all differences 0
    with pytest.raises(ValueError, match=r"\(5, 2\)"):
        paired_t_5x2cv_from_differences(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        paired_t_5x2cv_from_differences(np.full((5, 2), np.nan))


def test_5x2cv_type_one_error_is_near_nominal_on_known_null():
    # i.i.d. null fold differences: p_1^(1) is not independent of s_1^2 (Dietterich's approximation), which makes
    # the test somewhat conservative; the rejection rate must stay at or below the nominal 5 % and not collapse
    rng = np.random.default_rng(0)
    p = [paired_t_5x2cv_from_differences(rng.normal(0, 0.02, (5, 2))).pvalue for _ in range(2000)]
    assert 0.015 <= np.mean(np.array(p) < 0.05) <= 0.06


# --- power -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alt", ALTS)
@pytest.mark.parametrize("d,n,ratio", [(0.5, 30, 1.0), (0.2, 200, 2.0), (1.2, 5, 0.5)])
def test_ttest_power_matches_statsmodels(alt, d, n, ratio):
    sm_alt = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}[alt]
    dd = -d if alt == "less" else d
    ours = ttest_power(dd, n, 0.05, ratio, alt)
    ref = power.TTestIndPower().power(dd, n, 0.05, ratio=ratio, alternative=sm_alt)
    assert ours == pytest.approx(ref, rel=1e-9)


def test_sample_sizes_match_statsmodels_and_simulation():
    n = ttest_sample_size(0.5, 0.8)
    assert n == pytest.approx(power.TTestIndPower().solve_power(0.5, power=0.8, alpha=0.05), rel=1e-7)
    h = proportion.proportion_effectsize(0.06, 0.05)
    n_p = proportions_sample_size(0.06, 0.05, 0.8)
    assert n_p == pytest.approx(power.NormalIndPower().solve_power(h, power=0.8, alpha=0.05), rel=1e-7)
    assert proportions_power(0.06, 0.05, 1000) == pytest.approx(
        power.NormalIndPower().power(h, 1000, 0.05), rel=1e-10)
    # closed form by hand: (1.959964 + 0.841621)^2 * (0.0564 + 0.0475) / 0.01^2
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    assert proportions_sample_size_closed_form(0.06, 0.05) == pytest.approx((za + zb) ** 2 * 0.1039 / 1e-4)
    # Monte Carlo: with ceil(n) per group the t-test rejects about 80 % of the time
    rng = np.random.default_rng(0)
    m = int(np.ceil(n))
    hits = [stats.ttest_ind(rng.normal(0.5, 1, m), rng.normal(0, 1, m)).pvalue < 0.05 for _ in range(1500)]
    assert 0.77 <= np.mean(hits) <= 0.84


def test_power_edge_cases():
    with pytest.raises(ValueError, match="non-zero"):
        ttest_sample_size(0.0)
    with pytest.raises(ValueError, match="equal"):
        proportions_sample_size(0.1, 0.1)
    with pytest.raises(ValueError, match="power"):
        ttest_sample_size(0.5, power=1.0)
    with pytest.raises(ValueError, match="nobs1"):
        ttest_power(0.5, -3)
    with pytest.raises(ValueError, match="p1"):
        proportions_power(1.5, 0.1, 10)
    assert ttest_power(0.0, 50) == pytest.approx(0.05, rel=1e-9)  # zero effect: power equals alpha
