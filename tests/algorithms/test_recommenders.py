"""Recommenders: ALS steps against scikit-learn's Ridge, similarities against cosine_similarity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge
from sklearn.metrics.pairwise import cosine_similarity

from mlnotes.algorithms.recommenders.item_knn import ItemKNN
from mlnotes.algorithms.recommenders.matrix_factorization import MatrixFactorization, make_ratings


def split(seed=1):
    X, r = make_ratings(100, 60, density=0.25)
    test = np.random.default_rng(seed).random(len(r)) < 0.2
    return X[~test], r[~test], X[test], r[test]


def test_als_user_step_is_an_exact_ridge_solve():
    Xtr, rtr, _, _ = split()
    m = MatrixFactorization(n_factors=4, reg=0.7, n_epochs=3).fit(Xtr, rtr)
    # redo the user half-step by hand for a few users with scikit-learn's Ridge (the bias is a column of ones,
    # penalised like the factors, so fit_intercept=False)
    P, bu = m.user_factors_.copy(), m.user_bias_.copy()
    m._als_half_step(Xtr[:, 0], Xtr[:, 1], rtr - m.global_mean_, m.item_factors_, m.item_bias_, P, bu)
    for user in range(5):
        rows = Xtr[:, 0] == user
        A = np.c_[m.item_factors_[Xtr[rows, 1]], np.ones(rows.sum())]
        t = rtr[rows] - m.global_mean_ - m.item_bias_[Xtr[rows, 1]]
        coef = Ridge(alpha=0.7, fit_intercept=False).fit(A, t).coef_
        np.testing.assert_allclose(np.r_[P[user], bu[user]], coef, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), reg=st.floats(0.01, 5.0))
def test_als_objective_never_increases(seed, reg):
    X, r = make_ratings(30, 20, density=0.4, seed=seed)
    curve = np.array(MatrixFactorization(n_factors=3, reg=reg, n_epochs=8, random_state=seed).fit(X, r).loss_curve_)
    assert np.all(np.diff(curve) <= 1e-9 * curve[:-1])


@pytest.mark.parametrize("solver,epochs,reg", [("als", 15, 1.0), ("sgd", 40, 0.05)])
def test_factorization_beats_the_global_mean(solver, epochs, reg):
    Xtr, rtr, Xte, rte = split()
    m = MatrixFactorization(n_factors=3, reg=reg, solver=solver, n_epochs=epochs, learning_rate=0.02)
    pred = m.fit(Xtr, rtr).predict(Xte)
    rmse = np.sqrt(np.mean((pred - rte) ** 2))
    assert rmse < 0.8 * np.sqrt(np.mean((rtr.mean() - rte) ** 2))


def test_item_knn_similarity_matches_cosine_and_predictions_match_a_loop():
    Xtr, rtr, Xte, rte = split()
    m = ItemKNN(k=5, shrinkage=0.0).fit(Xtr, rtr)
    raw = cosine_similarity(m.residuals_.T)
    np.fill_diagonal(raw, 0.0)
    co = m.rated_.T.astype(float) @ m.rated_.astype(float)
    np.testing.assert_allclose(m.similarity_, np.where(co > 0, raw, 0.0), atol=1e-12)
    # one prediction recomputed from the formula
    u, i = Xte[0]
    rated = np.flatnonzero(m.rated_[u])
    sims = m.similarity_[i, rated]
    keep = sims > 0
    top = rated[keep][np.argsort(-sims[keep], kind="stable")[:5]]
    s = m.similarity_[i, top]
    expected = m.global_mean_ + m.user_bias_[u] + m.item_bias_[i] + s @ m.residuals_[u, top] / np.abs(s).sum()
    assert m.predict(Xte[:1])[0] == pytest.approx(expected)
    with pytest.raises(ValueError):
        ItemKNN().fit(np.c_[Xtr, Xtr[:, :1]], rtr)  # X must be (user, item) pairs
