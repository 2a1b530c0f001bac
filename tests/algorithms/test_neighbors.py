"""Nearest-neighbour methods against scikit-learn / SciPy, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree
from sklearn import neighbors as skn

from mlnotes.algorithms.neighbors.kd_tree import KDTree
from mlnotes.algorithms.neighbors.knn import KNeighborsClassifier, KNeighborsRegressor
from mlnotes.algorithms.neighbors.lsh import CosineLSH, collision_probability


def continuous_data(seed, n=120, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))  # continuous: no distance ties
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int), X @ np.array([1.0, -1.0, 0.5])


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("p", [1, 2])
def test_knn_matches_sklearn(weights, p):
    X, y, t = continuous_data(0)
    Q = np.random.default_rng(1).normal(size=(50, 3))
    ours = KNeighborsClassifier(n_neighbors=7, weights=weights, p=p).fit(X, y)
    ref = skn.KNeighborsClassifier(n_neighbors=7, weights=weights, p=p, algorithm="brute").fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(Q), ref.predict_proba(Q), atol=1e-12)
    np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))
    r_ours = KNeighborsRegressor(n_neighbors=7, weights=weights, p=p).fit(X, t)
    r_ref = skn.KNeighborsRegressor(n_neighbors=7, weights=weights, p=p, algorithm="brute").fit(X, t)
    np.testing.assert_allclose(r_ours.predict(Q), r_ref.predict(Q), atol=1e-10)


def test_knn_one_neighbour_memorises_and_distance_weights_handle_exact_matches():
    X, y, t = continuous_data(2)
    assert KNeighborsClassifier(n_neighbors=1).fit(X, y).score(X, y) == 1.0
    np.testing.assert_allclose(KNeighborsRegressor(n_neighbors=5, weights="distance").fit(X, t).predict(X), t)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 10))
def test_knn_probabilities_sum_to_one_and_row_order_is_irrelevant(seed, k):
    X, y, _ = continuous_data(seed, n=40)
    Q = np.random.default_rng(seed + 1).normal(size=(10, 3))
    P = KNeighborsClassifier(n_neighbors=k).fit(X, y).predict_proba(Q)
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
    perm = np.random.default_rng(seed).permutation(40)
    np.testing.assert_allclose(KNeighborsClassifier(n_neighbors=k).fit(X[perm], y[perm]).predict_proba(Q), P,
                               atol=1e-12)


@pytest.mark.parametrize("d,leaf_size", [(1, 1), (2, 16), (5, 8), (10, 32)])
def test_kd_tree_matches_ckdtree(d, leaf_size):
    rng = np.random.default_rng(d)
    X, Q = rng.random((1500, d)), rng.random((40, d))
    tree = KDTree(leaf_size=leaf_size).fit(X)
    dist, ind = tree.query(Q, k=6)
    d_ref, i_ref = cKDTree(X).query(Q, k=6)
    np.testing.assert_allclose(dist, d_ref, atol=1e-12)  # exact search: identical distances
    np.testing.assert_array_equal(ind, i_ref)
    r = float(np.median(d_ref[:, -1]))
    np.testing.assert_array_equal(tree.query_radius(Q[0], r), np.sort(cKDTree(X).query_ball_point(Q[0], r)))


def test_kd_tree_prunes_in_low_dimension():
    rng = np.random.default_rng(0)
    tree = KDTree().fit(rng.random((5000, 2)))
    tree.query(rng.random((50, 2)), k=5)
    assert tree.n_distance_evaluations_ / (50 * 5000) < 0.05


def test_lsh_collision_probability_matches_theory():
    rng = np.random.default_rng(0)
    x = rng.normal(size=16)
    hits, trials = 0, 400
    theta = np.pi / 3
    for s in range(trials):
        # a vector at angle pi/3 to x, in a random direction
        u = rng.normal(size=16)
        u -= (u @ x) / (x @ x) * x
        y = np.cos(theta) * x / np.linalg.norm(x) + np.sin(theta) * u / np.linalg.norm(u)
        index = CosineLSH(n_bits=1, n_tables=1, random_state=s).fit(x[None])
        hits += index.query(y[None], k=1)[1][0, 0] == 0
    p = collision_probability(theta, 1, 1)  # = 2/3
    assert abs(hits / trials - p) < 4 * np.sqrt(p * (1 - p) / trials)  # within 4 standard errors


def test_lsh_recall_against_exact_search():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 16))
    X = centres[rng.integers(0, 20, 2000)] + 0.4 * rng.normal(size=(2000, 16))
    Q = centres[rng.integers(0, 20, 50)] + 0.4 * rng.normal(size=(50, 16))
    _, approx = CosineLSH(n_bits=8, n_tables=16).fit(X).query(Q, k=5)
    exact = skn.NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(X).kneighbors(Q)[1]
    recall = np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact)])
    assert recall >= 0.9
