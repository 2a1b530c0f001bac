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


def test_smo_reports_non_convergence_and_matches_libsvm_once_converged():
    from sklearn.datasets import make_moons
    from sklearn.svm import SVC

    from algorithms.base import ConvergenceWarning
    from algorithms.svm.kernel_svm import KernelSVC

    X, y = make_moons(300, noise=0.3, random_state=0)
    # at C=1e4 SMO needs far more pair updates than this limit: it must say so instead of stopping silently
    with pytest.warns(ConvergenceWarning, match="max_iter=2000"):
        stopped = KernelSVC(C=1e4, gamma=1.0, max_iter=2000).fit(X, y)
    assert stopped.converged_ is False and stopped.n_iter_ == 2000
    # with a moderate C it converges without a warning and agrees with libsvm
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = KernelSVC(C=10.0, gamma=1.0, tol=1e-3).fit(X, y)
    ref = SVC(C=10.0, gamma=1.0, tol=1e-3).fit(X, y)
    assert ours.converged_ is True and ours.n_iter_ < ours.max_iter
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), abs=1 / 300)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=5e-3)


def test_svr_reports_convergence():
    from algorithms.base import ConvergenceWarning
    from algorithms.svm.svr import SVR

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 5, (80, 1))
    y = np.sin(X[:, 0]) + rng.normal(0, 0.1, 80)
    with pytest.warns(ConvergenceWarning):
        m = SVR(C=1e4, max_iter=50).fit(X, y)
    assert not m.converged_ and m.n_iter_ == 50
    assert SVR(C=1.0).fit(X, y).converged_


@pytest.mark.parametrize("params, match", [
    ({"gamma": -1.0}, "'gamma' must be > 0"),
    ({"C": 0.0}, "'C' must be > 0"),
    ({"kernel": "sigmoid"}, "'kernel' must be one of"),
])
def test_kernel_svc_rejects_bad_hyperparameters(params, match):
    from algorithms.svm.kernel_svm import KernelSVC

    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match=match):
        KernelSVC(**params).fit(X, y)


def test_lasso_and_elastic_net_report_stopping_at_max_iter():
    from sklearn.datasets import load_diabetes
    from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
    from sklearn.linear_model import Lasso as SkLasso

    from algorithms.base import ConvergenceWarning
    from algorithms.linear.elastic_net import ElasticNet
    from algorithms.linear.lasso import Lasso

    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    with pytest.warns(ConvergenceWarning, match="coordinate descent stopped at max_iter=3"):
        ours = Lasso(alpha=0.01, max_iter=3, tol=1e-10).fit(X, y)
    assert ours.n_iter_ == 3 and ours.converged_ is False
    with pytest.warns(SkConvergenceWarning):  # scikit-learn also warns on this input
        SkLasso(alpha=0.01, max_iter=3, tol=1e-10).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        assert not ElasticNet(alpha=0.01, max_iter=2, tol=1e-10).fit(X, y).converged_
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        full = Lasso(alpha=0.01, max_iter=10_000, tol=1e-10).fit(X, y)
    assert full.converged_ and full.n_iter_ < 10_000


def test_elastic_net_alpha_zero_gives_constant_column_zero_like_least_squares():
    from sklearn.linear_model import LinearRegression

    from algorithms.linear.elastic_net import ElasticNet

    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(50, 2)), np.full(50, 0.1)]  # 0.1 is not exact in binary: centring leaves noise
    y = 2 * X[:, 0] - X[:, 1] + rng.normal(0, 0.1, 50)
    ours = ElasticNet(alpha=0.0, tol=1e-12).fit(X, y)
    ref = LinearRegression().fit(X, y)  # minimum-norm least squares
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)
    assert ours.coef_[2] == 0.0
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-8)
