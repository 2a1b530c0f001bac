"""AutoML tools against scikit-learn (RFE, mutual information), SciPy (the Parzen densities), closed forms,
exhaustive search (DARTS) and the exact k=1 identity of Reptile with SGD."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import gaussian_kde

from mlnotes.algorithms.automl.darts import darts_search, exhaustive_search, make_task
from mlnotes.algorithms.automl.ensemble_selection import ensemble_selection, log_loss
from mlnotes.algorithms.automl.mutual_information import mutual_info_discrete, mutual_info_ksg
from mlnotes.algorithms.automl.reptile import make_net, post_adaptation_mse, reptile_step
from mlnotes.algorithms.automl.rfe import RFE
from mlnotes.algorithms.automl.tpe import parzen_logpdf, tpe_minimize


@pytest.mark.parametrize("n_select,step", [(1, 1), (4, 1), (3, 2), (6, 5)])
def test_rfe_matches_sklearn(n_select, step):
    from sklearn.datasets import make_classification
    from sklearn.feature_selection import RFE as SkRFE
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=200, n_features=10, n_informative=4, n_classes=3, random_state=1)
    est = LogisticRegression(max_iter=2000)
    ours = RFE(estimator=est, n_features_to_select=n_select, step=step).fit(X, y)
    ref = SkRFE(est, n_features_to_select=n_select, step=step).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_array_equal(ours.ranking_, ref.ranking_)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_rfe_rejects_bad_settings():
    from sklearn.linear_model import LinearRegression
    from sklearn.tree import DecisionTreeRegressor

    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20.0)
    with pytest.raises(ValueError, match="n_features_to_select"):
        RFE(estimator=LinearRegression(), n_features_to_select=4).fit(X, y)
    with pytest.raises(ValueError, match="coef_"):
        RFE(estimator=DecisionTreeRegressor(), n_features_to_select=1).fit(X, y)


def test_discrete_mutual_information_matches_sklearn():
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(2)
    for _ in range(10):
        x = rng.integers(0, 5, 300)
        y = (x + rng.integers(0, 3, 300)) % 4
        assert mutual_info_discrete(x, y) == pytest.approx(mutual_info_score(x, y), abs=1e-12)
    assert mutual_info_discrete(np.zeros(10), np.arange(10)) == 0.0


def test_ksg_matches_sklearn_internal_estimator_and_the_gaussian_closed_form():
    rng = np.random.default_rng(3)
    xy = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], 2000)
    est = mutual_info_ksg(xy[:, 0], xy[:, 1], k=3)
    try:  # sklearn's private KSG implementation, when present, is the same algorithm
        from sklearn.feature_selection._mutual_info import _compute_mi_cc
    except ImportError:
        _compute_mi_cc = None
    if _compute_mi_cc is not None:
        assert est == pytest.approx(_compute_mi_cc(xy[:, 0], xy[:, 1], 3), abs=1e-10)
    assert est == pytest.approx(-0.5 * np.log(1 - 0.36), abs=0.03)
    with pytest.raises(ValueError, match="k must be"):
        mutual_info_ksg(xy[:5, 0], xy[:5, 1], k=5)


def test_parzen_density_is_scipy_gaussian_kde_without_prior():
    data = np.random.default_rng(4).normal(2, 0.7, 30)
    pts = np.linspace(-1, 5, 50)
    ours = np.exp(parzen_logpdf(pts, data, -10, 10, prior_weight=0.0, min_bw_frac=0.0))
    np.testing.assert_allclose(ours, gaussian_kde(data).evaluate(pts), rtol=1e-10)


def test_tpe_beats_random_search_on_a_quadratic():
    def f(x):
        return float(np.sum((x - np.array([1.0, -2.0])) ** 2))

    tpe_best, rand_best = [], []
    for seed in range(8):
        _, y = tpe_minimize(f, [(-5, 5), (-5, 5)], n_trials=30, seed=seed)
        rng = np.random.default_rng(100 + seed)
        tpe_best.append(y.min())
        rand_best.append(min(f(x) for x in rng.uniform(-5, 5, (30, 2))))
    assert np.median(tpe_best) < np.median(rand_best)
    with pytest.raises(ValueError, match="bounds"):
        tpe_minimize(f, [(1, 0)])


def test_ensemble_selection_first_pick_is_best_single_and_never_worse():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 200)
    library = []
    for q in (0.5, 0.6, 0.7, 0.4):  # noisy classifiers of different quality
        logits = rng.normal(size=(200, 3)) + 2 * q * np.eye(3)[y]
        library.append(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
    w, hist = ensemble_selection(library, y, n_iter=15)
    singles = [log_loss(p, y) for p in library]
    assert hist[0] == pytest.approx(min(singles))
    assert w.sum() == pytest.approx(1.0) and np.all(w >= 0)
    assert log_loss(np.tensordot(w, np.stack(library), axes=1), y) <= min(singles) + 1e-12
    # the ensemble of several noisy models beats the best single one here
    assert min(hist) < min(singles)


@pytest.mark.parametrize("target", ["sin", "tanh"])
def test_darts_picks_the_operation_exhaustive_search_finds_best(target):
    data = make_task(target, seed=0)
    _, chosen, _ = darts_search(*data, steps=600, seed=0)
    losses = exhaustive_search(*data, steps=600, seed=0)
    assert chosen == min(losses, key=losses.get) == target


def test_reptile_with_one_inner_step_is_a_plain_sgd_step():
    net = make_net(hidden=8, seed=1)
    x, y = np.linspace(-1, 1, 7), np.sin(np.linspace(-1, 1, 7))
    before = [p.detach().clone() for p in net.parameters()]
    ref = make_net(hidden=8, seed=1)
    loss = ((ref(torch.tensor(x, dtype=torch.float32)[:, None]) - torch.tensor(y, dtype=torch.float32)[:, None])
            ** 2).mean()
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    reptile_step(net, x, y, inner_steps=1, inner_lr=0.1, epsilon=0.5)
    for p, p0, g in zip(net.parameters(), before, grads):
        torch.testing.assert_close(p.detach(), p0 - 0.5 * 0.1 * g)


def test_reptile_initialisation_adapts_faster_than_a_random_one():
    rng = np.random.default_rng(6)
    from mlnotes.algorithms.automl.reptile import sine_task

    net, scratch = make_net(seed=0), make_net(seed=0)
    for it in range(150):
        f = sine_task(rng)
        x = rng.uniform(-5, 5, 10)
        reptile_step(net, x, f(x), 5, 0.02, 1.0 - 0.9 * it / 150)
    assert post_adaptation_mse(net, np.random.default_rng(7)) < post_adaptation_mse(scratch, np.random.default_rng(7))
