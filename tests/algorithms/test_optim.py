"""Optimisation family: against SciPy, exact optima (brute force, DP) and theoretical rates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import check_grad, minimize

from mlnotes.algorithms.optim import bayesian_optimization as bo
from mlnotes.algorithms.optim import functions, hyperband, lbfgs, newton, particle_swarm
from mlnotes.algorithms.optim import genetic_algorithm as ga
from mlnotes.algorithms.optim import gradient_descent as gd
from mlnotes.algorithms.optim import simulated_annealing as sa


def test_rosenbrock_matches_scipy():
    from scipy.optimize import rosen, rosen_der, rosen_hess

    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=4)
        assert abs(functions.rosenbrock(x) - rosen(x)) < 1e-12
        np.testing.assert_allclose(functions.rosenbrock_grad(x), rosen_der(x), atol=1e-10)
        np.testing.assert_allclose(functions.rosenbrock_hess(x), rosen_hess(x), atol=1e-10)
        assert check_grad(functions.rosenbrock, functions.rosenbrock_grad, x) < 1e-5 * (1 + np.linalg.norm(rosen_der(x)))


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_gd_and_heavy_ball_rates_on_quadratic(kappa):
    f, g, A = functions.quadratic(kappa, d=2, seed=1)
    x0 = np.array([1.0, 1.0])
    path = gd.gradient_descent(g, x0, 2 / (kappa + 1), 60)
    # with two eigenvalues 1 and kappa and eta = 2/(L + mu) both modes contract by exactly (k - 1)/(k + 1)
    ratios = np.linalg.norm(path[1:], axis=1) / np.linalg.norm(path[:-1], axis=1)
    np.testing.assert_allclose(ratios, (kappa - 1) / (kappa + 1), rtol=1e-9)
    sk = np.sqrt(kappa)
    hb = gd.heavy_ball(g, x0, 4 / (sk + 1) ** 2, ((sk - 1) / (sk + 1)) ** 2, 200)
    # heavy ball: error <= C k rho^k with rho = (sqrt(kappa) - 1)/(sqrt(kappa) + 1)
    rho = (sk - 1) / (sk + 1)
    assert np.linalg.norm(hb[-1]) <= 10 * 200 * rho ** 200 + 1e-300
    assert np.linalg.norm(hb[-1]) < np.linalg.norm(path[-1]) or kappa < 20


def test_nesterov_convex_rate_beats_gd():
    f, g, A = functions.quadratic(1000.0, d=20, seed=0)
    x0 = np.ones(20)
    p_gd = gd.gradient_descent(g, x0, 1 / 1000, 300)
    p_nag = gd.nesterov(g, x0, 1 / 1000, 300)
    assert f(p_nag[-1]) < 0.1 * f(p_gd[-1])
    # O(1/k^2) bound: f(x_k) - f* <= 2 L ||x0 - x*||^2 / (k + 1)^2
    assert all(f(p_nag[k]) <= 2 * 1000 * 20 / (k + 1) ** 2 + 1e-12 for k in range(1, 301))


def test_newton_one_step_on_quadratic_and_rosenbrock():
    f, g, A = functions.quadratic(50.0, d=5, seed=2)
    path = newton.newton(f, g, lambda x: A, np.arange(5.0))
    np.testing.assert_allclose(path[1], 0, atol=1e-12)
    path = newton.newton(functions.rosenbrock, functions.rosenbrock_grad, functions.rosenbrock_hess, [-1.2, 1.0])
    np.testing.assert_allclose(path[-1], [1, 1], atol=1e-10)
    e = np.linalg.norm(path - 1, axis=1)
    tail = e[(e > 1e-12) & (e < 1e-2)]
    assert len(tail) >= 2 and all(tail[1:] <= 100 * tail[:-1] ** 2)  # quadratic convergence


def test_lbfgs_matches_scipy_and_two_loop_secant():
    x0 = np.tile([-1.2, 1.0], 5)
    path, _ = lbfgs.lbfgs(functions.rosenbrock, functions.rosenbrock_grad, x0)
    ref = minimize(functions.rosenbrock, x0, jac=functions.rosenbrock_grad, method="L-BFGS-B",
                   options={"gtol": 1e-10, "ftol": 1e-15})
    np.testing.assert_allclose(path[-1], ref.x, atol=1e-6)
    np.testing.assert_allclose(path[-1], 1.0, atol=1e-8)
    # the implicit inverse Hessian satisfies the newest secant equation H y = s
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(4):
        s = rng.normal(size=6)
        pairs.append((s, s * rng.uniform(1, 3, 6)))
    s, y = pairs[-1]
    np.testing.assert_allclose(lbfgs.two_loop(y, pairs), s, atol=1e-10)


def test_simulated_annealing_finds_brute_force_optimum():
    rng = np.random.default_rng(1)
    P = rng.random((7, 2))
    D = np.linalg.norm(P[:, None] - P[None], axis=-1)
    tour, E, _ = sa.simulated_annealing(D, 10_000, seed=0)
    assert sorted(tour) == list(range(7))
    assert abs(E - sa.tour_length(tour, D)) < 1e-12
    assert abs(E - sa.brute_force_tsp(D)) < 1e-9


def test_knapsack_dp_and_ga():
    rng = np.random.default_rng(0)
    w = rng.integers(1, 10, 12)
    v = rng.integers(1, 20, 12).astype(float)
    cap = 25
    brute = max(float(np.array(x) @ v) for x in itertools.product([0, 1], repeat=12) if np.array(x) @ w <= cap)
    assert ga.knapsack_dp(v, w, cap) == brute
    best, _ = ga.genetic_algorithm(v, w, cap, pop_size=60, generations=100, seed=0)
    assert best @ w <= cap and best @ v == brute


def test_pso_finds_rastrigin_minimum_in_2d():
    g, val, _ = particle_swarm.pso(functions.rastrigin, 2, iters=150, seed=0)
    assert val < 1e-8 and np.linalg.norm(g) < 1e-4


def test_gp_posterior_matches_sklearn():
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF

    rng = np.random.default_rng(0)
    X, Xs = rng.random((12, 2)), rng.random((30, 2))
    y = np.sin(5 * X[:, 0]) + X[:, 1]
    gp = bo.GP(length=0.3, noise=1e-4).fit(X, y)
    mu, sd = gp.predict(Xs)
    sk = GaussianProcessRegressor(RBF(0.3), alpha=1e-4, optimizer=None, normalize_y=True).fit(X, y)
    mu_r, sd_r = sk.predict(Xs, return_std=True)
    np.testing.assert_allclose(mu, mu_r, atol=1e-8)
    np.testing.assert_allclose(sd, sd_r, atol=1e-6)
    assert abs(gp.log_marginal_likelihood_ - sk.log_marginal_likelihood_value_) < 1e-6


def test_expected_improvement_closed_form_vs_monte_carlo():
    rng = np.random.default_rng(0)
    mu, sd, best = 0.3, 0.7, 0.5
    samples = rng.normal(mu, sd, 1_000_000)
    mc = np.maximum(best - 0.01 - samples, 0).mean()
    assert abs(bo.expected_improvement(np.array([mu]), np.array([sd]), best)[0] - mc) < 3e-3


def test_bayesian_optimization_beats_random_search_on_average():
    r = bo.demo(n_iter=15, seeds=4)
    assert r.metrics["simple_regret"] < r.reference["simple_regret"]


def test_hyperband_brackets_and_beats_random_search():
    r = hyperband.demo(seeds=20)
    assert r.metrics["hyperband_regret"] < r.reference["random_search_regret"]
    assert abs(r.metrics["hyperband_epochs"] - r.reference["random_search_epochs"]) <= 81
    b = hyperband.LearningCurveBenchmark(seed=0, noise=0.0)
    c = hyperband.successive_halving(b, list(range(27)), 1, 27, 3)
    assert b.spent == 27 * 1 + 9 * 2 + 3 * 6 + 1 * 18  # resumed training: each rung pays only the extra epochs
    assert c in range(27)
