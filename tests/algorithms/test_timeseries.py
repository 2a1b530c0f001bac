"""Time-series algorithms against statsmodels and brute force, with the tolerance stated in each test."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa.ar_model import AutoReg
from statsmodels.tsa.holtwinters import ExponentialSmoothing as SmES

from mlnotes.algorithms.timeseries.autoregressive import AutoRegressive
from mlnotes.algorithms.timeseries.dtw import dtw_distance
from mlnotes.algorithms.timeseries.exponential_smoothing import ExponentialSmoothing, airline_like
from mlnotes.algorithms.timeseries.kalman_filter import KalmanFilter


def ar_series(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = np.zeros(n + 50)
    for t in range(3, len(y)):
        y[t] = 0.2 + 0.5 * y[t - 1] - 0.2 * y[t - 2] + 0.1 * y[t - 3] + rng.normal()
    return y[50:]


@pytest.mark.parametrize("p", [1, 3, 5])
def test_ar_matches_autoreg(p):
    y = ar_series()
    ours = AutoRegressive(p=p).fit(y)
    ref = AutoReg(y, lags=p, trend="c").fit()
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_], ref.params, atol=1e-10)
    np.testing.assert_allclose(ours.forecast(10), ref.forecast(10), atol=1e-9)
    assert ours.sigma2_ == pytest.approx(np.mean(ref.resid**2), rel=1e-10)


def test_ari_forecast_integrates_the_differenced_forecast():
    z = ar_series(seed=1)
    y = np.cumsum(z) + 5.0
    ours = AutoRegressive(p=2, d=1).fit(y)
    ref = AutoReg(np.diff(y), lags=2, trend="c").fit()
    np.testing.assert_allclose(ours.forecast(8), y[-1] + np.cumsum(ref.forecast(8)), atol=1e-9)
    assert np.all(np.abs(AutoRegressive(p=3).fit(ar_series()).roots()) > 1)  # the simulated process is stationary


@pytest.mark.parametrize("trend,m", [(False, 0), (True, 0), (True, 12)])
def test_exponential_smoothing_matches_statsmodels(trend, m):
    y = airline_like(6)
    params = dict(alpha=0.4, beta=0.1 if trend else None, gamma=0.3 if m else None)
    ours = ExponentialSmoothing(trend=trend, seasonal_periods=m, **params).fit(y)
    l0, b0, s0 = ours._initial_states(y, m)
    kw = dict(initialization_method="known", initial_level=l0)
    fit_kw = dict(smoothing_level=0.4, optimized=False)
    if trend:
        kw["initial_trend"], fit_kw["smoothing_trend"] = b0, 0.1
    if m:
        kw["initial_seasonal"], fit_kw["smoothing_seasonal"] = s0, 0.3
    ref = SmES(y, trend="add" if trend else None, seasonal="add" if m else None,
               seasonal_periods=m or None, **kw).fit(**fit_kw)
    np.testing.assert_allclose(ours.fittedvalues_, ref.fittedvalues, atol=1e-9)
    fc, fr = ours.forecast(24), ref.forecast(24)
    h = np.arange(1, 25)
    # statsmodels 0.15 uses s_{T-m} instead of s_T when h is a multiple of m; we follow the textbook formula
    keep = (h % m != 0) if m else np.ones(24, bool)
    np.testing.assert_allclose(fc[keep], fr[keep], atol=1e-9)
    if m:
        assert fc[m - 1] == pytest.approx(ours.level_ + m * ours.trend_ + ours.season_[-1])


def test_exponential_smoothing_estimates_parameters():
    y = airline_like(8)
    fitted = ExponentialSmoothing(trend=True, seasonal_periods=12).fit(y)
    fixed = ExponentialSmoothing(trend=True, seasonal_periods=12, alpha=0.5, beta=0.5, gamma=0.5).fit(y)
    assert fitted.sse_ <= fixed.sse_
    assert 0 <= fitted.alpha_ <= 1 and 0 <= fitted.beta_ <= 1 and 0 <= fitted.gamma_ <= 1


def joint_gaussian_posterior(F, H, Q, R, m0, P0, Y):
    """E[x_t | y_1..t] and E[x_t | y_1..T] by conditioning the joint Gaussian of (x_1..T, y_1..T)."""
    T, d = len(Y), F.shape[0]
    # x_t = F^t m0 + sum_s F^{t-s} w_s (+ F^t (x0 - m0)): build the mean and covariance of the stacked states
    A = [np.linalg.matrix_power(F, t) for t in range(T + 1)]
    mx = np.concatenate([A[t] @ m0 for t in range(1, T + 1)])
    Cx = np.zeros((T * d, T * d))
    for t in range(1, T + 1):
        for u in range(1, T + 1):
            c = A[t] @ P0 @ A[u].T + sum(A[t - s] @ Q @ A[u - s].T for s in range(1, min(t, u) + 1))
            Cx[(t - 1) * d: t * d, (u - 1) * d: u * d] = c
    Hb = np.kron(np.eye(T), H)
    Rb = np.kron(np.eye(T), R)
    y = Y.reshape(-1)
    filt, smooth = [], None
    for t in range(1, T + 1):
        k = t * H.shape[0]
        Cxy = Cx @ Hb.T[:, :k]
        Cyy = (Hb @ Cx @ Hb.T + Rb)[:k, :k]
        post = mx + Cxy @ np.linalg.solve(Cyy, y[:k] - (Hb @ mx)[:k])
        filt.append(post[(t - 1) * d: t * d])
        smooth = post
    return np.array(filt), smooth.reshape(T, d)


def test_kalman_filter_and_smoother_equal_exact_gaussian_conditioning():
    rng = np.random.default_rng(0)
    F = np.array([[1.0, 1.0], [0.0, 1.0]])  # constant velocity
    H = np.array([[1.0, 0.0]])
    Q, R = np.diag([0.05, 0.01]), np.array([[0.5]])
    m0, P0 = np.array([0.0, 1.0]), np.eye(2)
    Y = (np.arange(1, 9) + rng.normal(0, 0.7, 8))[:, None]
    kf = KalmanFilter(F=F, H=H, Q=Q, R=R, m0=m0, P0=P0).fit(Y)
    filt, smooth = joint_gaussian_posterior(F, H, Q, R, m0, P0, Y)
    np.testing.assert_allclose(kf.filtered_means_, filt, atol=1e-9)
    np.testing.assert_allclose(kf.smoothed_means_, smooth, atol=1e-9)
    # log-likelihood equals the joint Gaussian density of Y
    from scipy.stats import multivariate_normal

    A = [np.linalg.matrix_power(F, t) for t in range(9)]
    mean_y = np.array([(H @ A[t] @ m0)[0] for t in range(1, 9)])
    cov_y = np.array([[(H @ (A[t] @ P0 @ A[u].T + sum(A[t - s] @ Q @ A[u - s].T for s in range(1, min(t, u) + 1)))
                        @ H.T)[0, 0] for u in range(1, 9)] for t in range(1, 9)]) + 0.5 * np.eye(8)
    assert kf.log_likelihood_ == pytest.approx(multivariate_normal(mean_y, cov_y).logpdf(Y[:, 0]), abs=1e-8)


def test_kalman_matches_statsmodels_local_level():
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    y = np.cumsum(rng.normal(0, 0.3, 150)) + rng.normal(0, 1.0, 150)
    kf = KalmanFilter(Q=[[0.09]], R=[[1.0]], P0=[[1e6]]).fit(y)
    res = sm.tsa.UnobservedComponents(y, level="llevel").smooth([1.0, 0.09])
    # statsmodels' approximate diffuse prior uses P0 = 1e6 too: states agree to 1e-6 after the first step
    np.testing.assert_allclose(kf.filtered_means_[1:, 0], res.filtered_state[0, 1:], atol=1e-5)
    np.testing.assert_allclose(kf.smoothed_means_[5:, 0], res.smoothed_state[0, 5:], atol=1e-5)


@functools.cache
def _naive(a, b, i, j):
    c = (a[i] - b[j]) ** 2
    if i == 0 and j == 0:
        return c
    options = []
    if i > 0:
        options.append(_naive(a, b, i - 1, j))
    if j > 0:
        options.append(_naive(a, b, i, j - 1))
    if i > 0 and j > 0:
        options.append(_naive(a, b, i - 1, j - 1))
    return c + min(options)


@settings(max_examples=30, deadline=None)
@given(a=st.lists(st.floats(-5, 5), min_size=1, max_size=7), b=st.lists(st.floats(-5, 5), min_size=1, max_size=7))
def test_dtw_matches_naive_recursion_and_properties(a, b):
    d = dtw_distance(a, b)
    assert d == pytest.approx(np.sqrt(_naive(tuple(a), tuple(b), len(a) - 1, len(b) - 1)), abs=1e-9)
    assert d == pytest.approx(dtw_distance(b, a), abs=1e-9)  # symmetric
    assert dtw_distance(a, a) == 0.0
    if len(a) == len(b):
        assert d <= np.linalg.norm(np.subtract(a, b)) + 1e-12  # the diagonal path is a candidate
    assert dtw_distance(a, b, window=0) >= d - 1e-12  # a band can only remove paths
