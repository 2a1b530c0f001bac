"""Edge cases from issue #22 ("Edge cases that fail"): each on the input that failed, against a reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


def test_kalman_partial_missing_row_uses_observed_components_like_statsmodels():
    from statsmodels.tsa.statespace.kalman_smoother import KalmanSmoother

    from algorithms.timeseries.kalman_filter import KalmanFilter

    rng = np.random.default_rng(3)
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.0], [0.5, 1.0]])
    Q, R = np.diag([0.05, 0.02]), np.array([[0.5, 0.1], [0.1, 0.3]])
    m0, P0 = np.array([0.0, 1.0]), np.eye(2)
    x, rows = np.zeros(2), []
    for _ in range(60):
        x = F @ x + rng.multivariate_normal([0, 0], Q)
        rows.append(H @ x + rng.multivariate_normal([0, 0], R))
    Y = np.array(rows)
    Y[rng.random(60) < 0.3, 0] = np.nan  # one component missing in ~30% of rows
    Y[rng.random(60) < 0.3, 1] = np.nan
    Y[5] = np.nan  # and a fully missing row
    kf = KalmanFilter(F=F, H=H, Q=Q, R=R, m0=m0, P0=P0).fit(Y)
    ref = KalmanSmoother(k_endog=2, k_states=2)
    ref.bind(Y)
    ref["design"], ref["obs_cov"], ref["transition"] = H, R, F
    ref["selection"], ref["state_cov"] = np.eye(2), Q
    # statsmodels initialises the predicted state of the first step; ours is the prior one step before it
    ref.initialize_known(F @ m0, F @ P0 @ F.T + Q)
    res = ref.smooth()
    np.testing.assert_allclose(kf.filtered_means_, res.filtered_state.T, atol=1e-9)
    np.testing.assert_allclose(kf.smoothed_means_, res.smoothed_state.T, atol=1e-9)
    np.testing.assert_allclose(kf.filtered_covs_, np.moveaxis(res.filtered_state_cov, -1, 0), atol=1e-9)
    assert kf.log_likelihood_ == pytest.approx(res.llf_obs.sum(), abs=1e-8)
