"""Interpretability family: Shapley methods against brute force, LIME and permutation importance against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.algorithms.interpret import kernel_shap, lime, pdp_ice, shapley, tree_shap
from mlnotes.algorithms.interpret import permutation_importance as pimp


def _nonlinear_model(Z):
    return np.sin(Z[:, 0]) * Z[:, 1] + Z[:, 2] ** 2 - 0.5 * Z[:, 3] * Z[:, 0] + np.maximum(Z[:, 4], 0)


def test_exact_shapley_axioms_and_linear_closed_form():
    rng = np.random.default_rng(0)
    B, x = rng.normal(size=(30, 5)), rng.normal(size=5)
    v = shapley.interventional_value(_nonlinear_model, x, B)
    phi = shapley.exact_shapley(v, 5)
    assert abs(phi.sum() - (_nonlinear_model(x[None])[0] - _nonlinear_model(B).mean())) < 1e-12  # efficiency
    w = rng.normal(size=5)
    phi_lin = shapley.exact_shapley(shapley.interventional_value(lambda Z: Z @ w, x, B), 5)
    np.testing.assert_allclose(phi_lin, w * (x - B.mean(0)), atol=1e-12)
    # dummy: a feature the model ignores gets zero
    phi_d = shapley.exact_shapley(shapley.interventional_value(lambda Z: Z[:, 0] * Z[:, 1], x, B), 5)
    np.testing.assert_allclose(phi_d[2:], 0, atol=1e-12)


@pytest.mark.parametrize("M", [2, 4, 7])
def test_kernel_shap_full_enumeration_is_exact(M):
    rng = np.random.default_rng(M)
    W = rng.normal(size=(M, M))
    f = lambda Z: np.tanh(Z @ W).sum(1) + Z[:, 0] * Z[:, -1]
    B, x = rng.normal(size=(20, M)), rng.normal(size=M)
    v = shapley.interventional_value(f, x, B)
    phi0, phi = kernel_shap.kernel_shap(v, M)
    np.testing.assert_allclose(phi, shapley.exact_shapley(v, M), atol=1e-10)
    assert abs(phi0 - f(B).mean()) < 1e-12


def test_kernel_shap_sampled_converges():
    rng = np.random.default_rng(0)
    B, x = rng.normal(size=(20, 10)), rng.normal(size=10)
    f = lambda Z: _nonlinear_model(Z[:, :5]) + Z[:, 5:] @ np.arange(1.0, 6.0)
    v = shapley.interventional_value(f, x, B)
    exact = shapley.exact_shapley(v, 10)
    err = [np.abs(kernel_shap.kernel_shap(v, 10, n, seed=1)[1] - exact).max() for n in (100, 800)]
    assert err[1] < err[0] and err[1] < 0.1 * np.abs(exact).max()
    phi = kernel_shap.kernel_shap(v, 10, 100, seed=1)[1]
    assert abs(phi.sum() - (v(np.ones((1, 10), bool))[0] - v(np.zeros((1, 10), bool))[0])) < 1e-10  # efficiency kept


def test_tree_shap_equals_brute_force_on_our_cart_and_sklearn():
    from sklearn.datasets import make_friedman1
    from sklearn.tree import DecisionTreeRegressor as SkTree

    from mlnotes.algorithms.trees.cart import DecisionTreeRegressor

    X, y = make_friedman1(300, n_features=7, random_state=0)
    for est in (DecisionTreeRegressor(max_depth=6).fit(X, y), SkTree(max_depth=7, random_state=0).fit(X, y)):
        tree = tree_shap.Tree.from_cart(est)
        for i in range(4):
            phi0, phi = tree_shap.tree_shap(tree, X[i], 7)
            exact = shapley.exact_shapley(tree_shap.path_dependent_value(tree, X[i]), 7)
            np.testing.assert_allclose(phi, exact, atol=1e-10)
            assert abs(phi0 + phi.sum() - est.predict(X[i:i + 1])[0]) < 1e-10
            assert abs(tree.predict_one(X[i]) - est.predict(X[i:i + 1])[0]) < 1e-12


def test_tree_shap_repeated_feature_on_path():
    from sklearn.tree import DecisionTreeRegressor as SkTree

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(400, 2))
    y = np.sin(8 * X[:, 0]) + X[:, 1]  # the tree splits on x0 many times along one path
    est = SkTree(max_depth=8, random_state=0).fit(X, y)
    tree = tree_shap.Tree.from_cart(est)
    for i in range(5):
        _, phi = tree_shap.tree_shap(tree, X[i], 2)
        np.testing.assert_allclose(phi, shapley.exact_shapley(tree_shap.path_dependent_value(tree, X[i]), 2), atol=1e-10)


def test_lime_recovers_linear_coefficients():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=6), 1.5
    x = rng.normal(size=6)
    intercept, beta, r2 = lime.lime_tabular(lambda Z: Z @ w + b, x, np.ones(6), n_samples=500, scale=1.0, alpha=1e-10)
    np.testing.assert_allclose(beta, w, atol=1e-8)
    assert abs(intercept - (x @ w + b)) < 1e-8 and r2 > 1 - 1e-12


def test_lime_small_neighbourhood_approaches_gradient():
    r = lime.demo(scale=0.05, n_samples=4000)
    for i in range(4):
        assert abs(r.metrics[f"beta_{i}"] - r.reference[f"beta_{i}"]) < 0.02


def test_permutation_importance_linear_closed_form():
    rng = np.random.default_rng(0)
    n, w = 4000, np.array([2.0, -1.0, 0.5, 0.0])
    X = rng.normal(size=(n, 4)) * np.array([1.0, 2.0, 1.0, 3.0])
    y = X @ w + 0.1 * rng.normal(size=n)
    imp, sd, _ = pimp.permutation_importance(lambda Z: Z @ w, X, y, pimp.neg_mse, n_repeats=20, random_state=0)
    expected = 2 * w ** 2 * X.var(0)  # E[(w_j (x_j - x'_j))^2]
    np.testing.assert_allclose(imp, expected, rtol=0.08, atol=1e-12)
    assert imp[3] == 0.0


def test_pdp_ice_equal_sklearn():
    r = pdp_ice.demo(feature=1, n_points=15)
    assert all(v < 1e-10 for v in r.metrics.values())
