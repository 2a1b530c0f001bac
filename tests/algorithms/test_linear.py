"""Linear models against scikit-learn / statsmodels, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import linear_model as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis as SkQDA

from mlnotes.algorithms.base import ConvergenceWarning
from mlnotes.algorithms.linear.bayesian_linear_regression import BayesianLinearRegression
from mlnotes.algorithms.linear.elastic_net import ElasticNet
from mlnotes.algorithms.linear.fisher_lda import LinearDiscriminantAnalysis
from mlnotes.algorithms.linear.lasso import Lasso, alpha_max
from mlnotes.algorithms.linear.locally_weighted_regression import LocallyWeightedRegression, local_weights
from mlnotes.algorithms.linear.logistic_regression import LogisticRegression
from mlnotes.algorithms.linear.ols import LinearRegression
from mlnotes.algorithms.linear.perceptron import Perceptron
from mlnotes.algorithms.linear.poisson_glm import PoissonRegression
from mlnotes.algorithms.linear.polynomial_regression import PolynomialRegression
from mlnotes.algorithms.linear.qda import QuadraticDiscriminantAnalysis
from mlnotes.algorithms.linear.ridge import Ridge
from mlnotes.algorithms.linear.softmax_regression import SoftmaxRegression

SETTINGS = settings(max_examples=20, deadline=None)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def small_regression(seed, n=30, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)


# --- OLS ---------------------------------------------------------------------------------------------------
def test_ols_normal_equation_matches_sklearn(diabetes):
    X, y = diabetes
    ours, ref = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-8)  # tol: 1e-8 absolute
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)


@pytest.mark.parametrize("solver,epochs,tol", [("batch", 3000, 1e-3), ("minibatch", 300, 2e-2), ("sgd", 100, 5e-2)])
def test_ols_gradient_solvers_reach_the_optimum(solver, epochs, tol):
    X, y = small_regression(0, n=200)
    ref = sk.LinearRegression().fit(X, y)
    ours = LinearRegression(solver=solver, n_epochs=epochs, learning_rate=0.1).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=tol)  # tol grows with gradient noise
    assert ours.loss_curve_[-1] <= ours.loss_curve_[0]


# --- polynomial regression --------------------------------------------------------------------------------
def test_polynomial_regression_matches_sklearn_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (60, 2))
    y = X[:, 0] ** 2 - X[:, 0] * X[:, 1] + 0.1 * rng.normal(size=60)
    ours = PolynomialRegression(degree=3).fit(X, y)
    ref = make_pipeline(PolynomialFeatures(3, include_bias=False), sk.LinearRegression()).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref[-1].coef_, atol=1e-7)  # same monomial order, tol 1e-7
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-9)


# --- ridge / lasso / elastic net ---------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.0, 0.1, 10.0, 1000.0])
def test_ridge_matches_sklearn(diabetes, alpha):
    X, y = diabetes
    ours, ref = Ridge(alpha=alpha).fit(X, y), sk.Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-8)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)


@pytest.mark.parametrize("alpha", [0.01, 0.5, 5.0])
def test_lasso_matches_sklearn(diabetes, alpha):
    X, y = diabetes
    ours = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    ref = sk.Lasso(alpha=alpha, tol=1e-14, max_iter=1000000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)  # tol 1e-6 on coefficients of size ~10
    assert np.array_equal(ours.coef_ == 0, ref.coef_ == 0)  # same support
    assert 0 <= ours.duality_gap(X, y) < 1e-8


def test_lasso_alpha_max_zeroes_everything(diabetes):
    X, y = diabetes
    a = alpha_max(X, y)
    assert np.all(Lasso(alpha=a * 1.0001).fit(X, y).coef_ == 0)
    assert np.any(Lasso(alpha=a * 0.99).fit(X, y).coef_ != 0)


@pytest.mark.parametrize("alpha,l1_ratio", [(0.1, 0.5), (1.0, 0.2), (0.05, 0.9)])
def test_elastic_net_matches_sklearn(diabetes, alpha, l1_ratio):
    X, y = diabetes
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000).fit(X, y)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=1000000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


@SETTINGS
@given(seed=st.integers(0, 10_000), alpha=st.floats(0.001, 1.0))
def test_elastic_net_objective_never_increases_and_duplication_is_harmless(seed, alpha):
    X, y = small_regression(seed)
    m = ElasticNet(alpha=alpha, l1_ratio=0.7).fit(X, y)
    curve = np.array(m.objective_curve_)
    assert np.all(np.diff(curve) <= 1e-12 * (1 + np.abs(curve[:-1])))
    # the objective is a mean over samples: stacking the data twice leaves the minimiser unchanged
    m2 = ElasticNet(alpha=alpha, l1_ratio=0.7).fit(np.r_[X, X], np.r_[y, y])
    np.testing.assert_allclose(m2.coef_, m.coef_, atol=1e-6)


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_ridge_is_invariant_to_row_order(seed):
    X, y = small_regression(seed)
    perm = np.random.default_rng(seed).permutation(len(y))
    np.testing.assert_allclose(Ridge(alpha=0.3).fit(X, y).coef_, Ridge(alpha=0.3).fit(X[perm], y[perm]).coef_,
                               atol=1e-10)


# --- logistic / softmax / perceptron -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_logistic_newton_matches_sklearn(cancer, C):
    X, y = cancer
    ours = LogisticRegression(C=C, solver="newton").fit(X, y)
    ref = sk.LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_[0], atol=1e-4)  # lbfgs reference stops at ~1e-5
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    assert ours.n_iter_ < 30  # Newton converges in a handful of steps


def test_logistic_gd_approaches_newton(cancer):
    X, y = cancer
    newton = LogisticRegression(C=1.0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="gd solver"):  # tol=1e-10 is out of reach in 3000 steps
        gd = LogisticRegression(C=1.0, solver="gd", learning_rate=1.0, max_iter=3000).fit(X, y)
    assert gd.converged_ is False and newton.converged_ is True
    np.testing.assert_allclose(gd.predict_proba(X), newton.predict_proba(X), atol=5e-3)
    assert np.all(np.diff(gd.loss_curve_) <= 1e-12)


def test_softmax_matches_sklearn_multinomial():
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    ours = SoftmaxRegression(C=1.0).fit(X, y)
    ref = sk.LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_probabilities_sum_to_one(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, 3, 30)
    y[:3] = [0, 1, 2]
    for model in (SoftmaxRegression(max_iter=50), LinearDiscriminantAnalysis(), QuadraticDiscriminantAnalysis(reg_param=0.1)):
        P = model.fit(X, y).predict_proba(X)
        np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
        assert np.all(P >= 0)
    yb = (y > 0).astype(int)
    np.testing.assert_allclose(LogisticRegression().fit(X, yb).predict_proba(X).sum(1), 1.0, atol=1e-12)


def test_perceptron_separates_separable_data():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-3, 0.5, (50, 2)), rng.normal(3, 0.5, (50, 2))]
    y = np.r_[np.zeros(50), np.ones(50)]
    m = Perceptron().fit(X, y)
    assert m.score(X, y) == 1.0 and m.mistakes_[-1] == 0
    ref = sk.Perceptron(random_state=0).fit(X, y)
    assert m.score(X, y) >= ref.score(X, y)


# --- discriminant analysis ---------------------------------------------------------------------------------
def test_lda_matches_sklearn_eigen():
    X, y = load_wine(return_X_y=True)
    ours, ref = LinearDiscriminantAnalysis().fit(X, y), SkLDA(solver="eigen").fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, atol=1e-8)
    # projections agree up to the sign of each discriminant
    Zo, Zr = ours.transform(X), ref.transform(X)[:, :2]
    for j in range(2):
        assert abs(np.corrcoef(Zo[:, j], Zr[:, j])[0, 1]) > 1 - 1e-8


@pytest.mark.parametrize("reg", [0.0, 0.2])
def test_qda_matches_sklearn(reg):
    X, y = load_iris(return_X_y=True)
    ours, ref = QuadraticDiscriminantAnalysis(reg_param=reg).fit(X, y), SkQDA(reg_param=reg).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)


# --- GLM, Bayesian, local -------------------------------------------------------------------------------------
def test_poisson_irls_matches_statsmodels_and_sklearn():
    import statsmodels.api as smapi

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(0.3 + X @ np.array([0.5, -0.2, 0.1]))).astype(float)
    ours = PoissonRegression().fit(X, y)
    ref = smapi.GLM(y, smapi.add_constant(X), family=smapi.families.Poisson()).fit()
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_], ref.params, atol=1e-8)
    assert ours.deviance_ * len(y) == pytest.approx(ref.deviance, rel=1e-8)
    pen = PoissonRegression(alpha=0.1).fit(X, y)
    skm = sk.PoissonRegressor(alpha=0.1, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(pen.coef_, skm.coef_, atol=1e-6)


def test_bayesian_linear_regression_matches_bayesian_ridge(diabetes):
    X, y = diabetes
    ours = BayesianLinearRegression(tol=1e-10).fit(X, y)
    ref = sk.BayesianRidge(tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
    assert ours.noise_precision_ == pytest.approx(ref.alpha_, rel=1e-6)
    assert ours.weight_precision_ == pytest.approx(ref.lambda_, rel=1e-6)
    _, s_ours = ours.predict(X[:20], return_std=True)
    _, s_ref = ref.predict(X[:20], return_std=True)
    np.testing.assert_allclose(s_ours, s_ref, rtol=1e-6)


def test_bayesian_fixed_precisions_equal_ridge(diabetes):
    X, y = diabetes
    lam, beta = 2.0, 0.5
    m = BayesianLinearRegression(weight_precision=lam, noise_precision=beta, fit_precisions=False).fit(X, y)
    np.testing.assert_allclose(m.coef_, sk.Ridge(alpha=lam / beta).fit(X, y).coef_, atol=1e-8)


def test_lwr_matches_statsmodels_wls():
    import statsmodels.api as smapi

    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (80, 2))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.normal(size=80)
    m = LocallyWeightedRegression(tau=0.7).fit(X, y)
    Q = rng.uniform(-2, 2, (10, 2))
    ref = [smapi.WLS(y, smapi.add_constant(X), weights=local_weights(X, q, 0.7)).fit().params for q in Q]
    np.testing.assert_allclose([m.local_coef(q) for q in Q], ref, atol=1e-7)
    # a huge bandwidth gives the global least-squares line
    np.testing.assert_allclose(LocallyWeightedRegression(tau=1e4).fit(X, y).predict(Q),
                               sk.LinearRegression().fit(X, y).predict(Q), atol=1e-5)
