"""ACF/PACF, ADF, classical decomposition, ARMA and forecast metrics against statsmodels and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa import stattools
from statsmodels.tsa.seasonal import seasonal_decompose as sm_decompose

from mlnotes.algorithms.timeseries.acf_pacf import acf, pacf
from mlnotes.algorithms.timeseries.adf import adf_test
from mlnotes.algorithms.timeseries.arma import ARMA, css_residuals, simulate_arma
from mlnotes.algorithms.timeseries.forecast_metrics import mape, mase, smape, walk_forward_splits
from mlnotes.algorithms.timeseries.seasonal_decompose import seasonal_decompose


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(15, 200), phi=st.floats(-0.9, 0.9))
def test_acf_and_pacf_match_statsmodels(seed, n, phi):
    x = simulate_arma([phi], [], n, seed=seed)
    nlags = min(10, n // 2 - 1)  # statsmodels allows PACF lags below half the sample
    np.testing.assert_allclose(acf(x, nlags), stattools.acf(x, nlags=nlags), atol=1e-10)
    np.testing.assert_allclose(pacf(x, nlags), stattools.pacf(x, nlags=nlags, method="ldb"), atol=1e-8)


def test_acf_rejects_constant_and_short_series():
    with pytest.raises(ValueError, match="constant"):
        acf(np.ones(10))
    with pytest.raises(ValueError, match="nlags"):
        acf(np.arange(5.0), 5)


@pytest.mark.parametrize("lags", [0, 1, 3])
@pytest.mark.parametrize("phi", [0.5, 0.97, 1.0])
def test_adf_statistic_and_critical_values_match_statsmodels(lags, phi):
    rng = np.random.default_rng(int(phi * 100) + lags)
    y = np.zeros(250)
    for t in range(1, 250):
        y[t] = phi * y[t - 1] + rng.normal()
    stat, crit, nobs = adf_test(y, lags)
    ref = stattools.adfuller(y, maxlag=lags, autolag=None, regression="c")
    assert stat == pytest.approx(ref[0], rel=1e-9)
    assert nobs == ref[3]
    for k in ("1%", "5%", "10%"):
        assert crit[k] == pytest.approx(ref[4][k], rel=1e-9)


def test_adf_rejects_a_too_short_series():
    with pytest.raises(ValueError, match="too short"):
        adf_test(np.arange(8.0), lags=3)


@pytest.mark.parametrize("model", ["additive", "multiplicative"])
@pytest.mark.parametrize("period", [4, 7, 12])
def test_seasonal_decompose_matches_statsmodels(model, period):
    rng = np.random.default_rng(period)
    t = np.arange(period * 6)
    y = 20 + 0.3 * t + 3 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.5, t.size)
    trend, seasonal, resid = seasonal_decompose(y, period, model)
    ref = sm_decompose(y, model=model, period=period)
    np.testing.assert_allclose(trend, ref.trend, atol=1e-10, equal_nan=True)
    np.testing.assert_allclose(seasonal, ref.seasonal, atol=1e-10)
    np.testing.assert_allclose(resid, ref.resid, atol=1e-10, equal_nan=True)


def test_seasonal_decompose_rejects_bad_input():
    with pytest.raises(ValueError, match="two full periods"):
        seasonal_decompose(np.arange(10.0), 6)
    with pytest.raises(ValueError, match="strictly positive"):
        seasonal_decompose(np.r_[np.arange(12.0)], 4, "multiplicative")


def test_css_residuals_follow_the_recursion_by_hand():
    x = np.array([1.0, 2.0, 0.5, 1.5, 3.0])
    c, phi, theta = 0.2, np.array([0.5]), np.array([0.3])
    e2 = 2.0 - 0.2 - 0.5 * 1.0  # t = 1: no earlier shock inside the sample
    e3 = 0.5 - 0.2 - 0.5 * 2.0 - 0.3 * e2
    e4 = 1.5 - 0.2 - 0.5 * 0.5 - 0.3 * e3
    e5 = 3.0 - 0.2 - 0.5 * 1.5 - 0.3 * e4
    np.testing.assert_allclose(css_residuals(x, c, phi, theta), [e2, e3, e4, e5])


@pytest.mark.parametrize("order,phi,theta", [((1, 1), [0.6], [0.4]), ((2, 0), [0.5, -0.3], []),
                                             ((0, 1), [], [0.5])])
def test_arma_css_is_close_to_statsmodels_exact_likelihood(order, phi, theta):
    from statsmodels.tsa.arima.model import ARIMA

    x = simulate_arma(phi, theta, 2000, c=0.5, seed=11)
    ours = ARMA(p=order[0], q=order[1]).fit(x)
    ref = ARIMA(x, order=(order[0], 0, order[1])).fit()
    p = dict(zip(ref.model.param_names, ref.params))
    for i in range(order[0]):
        assert ours.ar_[i] == pytest.approx(p[f"ar.L{i + 1}"], abs=0.02)
    for j in range(order[1]):
        assert ours.ma_[j] == pytest.approx(p[f"ma.L{j + 1}"], abs=0.02)
    assert ours.sigma2_ == pytest.approx(p["sigma2"], rel=0.02)
    assert ours.converged_
    np.testing.assert_allclose(ours.forecast(5), ref.forecast(5), atol=0.05)


def test_ma1_forecast_reverts_to_the_mean_after_one_step():
    x = simulate_arma([], [0.7], 500, c=2.0, seed=3)
    m = ARMA(p=0, q=1).fit(x)
    fc = m.forecast(4)
    assert fc[1] == pytest.approx(m.const_) and fc[3] == pytest.approx(m.const_)
    assert fc[0] != pytest.approx(m.const_)


def test_forecast_metrics_against_sklearn_and_hand_values():
    from sklearn.metrics import mean_absolute_percentage_error

    rng = np.random.default_rng(4)
    a, f = rng.uniform(1, 10, 50), rng.uniform(1, 10, 50)
    assert mape(a, f) == pytest.approx(100 * mean_absolute_percentage_error(a, f), rel=1e-12)
    # MASE by hand: naive in-sample errors 1, 2, 3 (mean 2); test MAE 1 -> 0.5
    assert mase([8, 10], [9, 9], [1, 2, 4, 7], m=1) == pytest.approx(0.5)
    assert smape([100], [50]) == pytest.approx(100 * 2 * 50 / 150)
    assert smape([0], [0]) == 0.0
    with pytest.raises(ValueError, match="MAPE is undefined"):
        mape([0, 1], [1, 1])
    with pytest.raises(ValueError, match="MASE is undefined"):
        mase([1], [1], [3, 3, 3])


@pytest.mark.parametrize("max_train", [None, 30])
def test_walk_forward_splits_match_sklearn_time_series_split(max_train):
    from sklearn.model_selection import TimeSeriesSplit

    ours = list(walk_forward_splits(100, 5, 8, max_train))
    ref = list(TimeSeriesSplit(n_splits=5, test_size=8, max_train_size=max_train).split(np.zeros(100)))
    assert len(ours) == len(ref)
    for (a, b), (c, d) in zip(ours, ref):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
