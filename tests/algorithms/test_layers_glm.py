"""Activations (torch.nn.functional + autograd), the transformer encoder block (nn.TransformerEncoderLayer with
copied weights) and IRLS logistic regression (statsmodels Logit, sklearn LogisticRegression)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from mlnotes.algorithms.base import ConvergenceWarning
from mlnotes.algorithms.linear.irls import IRLSLogisticRegression
from mlnotes.algorithms.neural.activations import ACTIVATIONS, elu, gelu, torch_reference
from mlnotes.algorithms.sequence.transformer_encoder import EncoderWeights, encoder_block, to_torch


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values_and_derivatives_match_torch(name):
    x = np.r_[np.linspace(-6, 6, 301), [-1e-9, 1e-9, 30.0, -30.0]]
    f, g = ACTIVATIONS[name](x)
    rf, rg = torch_reference(name, x)
    np.testing.assert_allclose(f, rf, atol=1e-12)
    np.testing.assert_allclose(g, rg, atol=1e-12)


def test_activation_derivatives_match_finite_differences_away_from_kinks():
    x = np.linspace(-3, 3, 50) + 0.013  # avoid the kink at 0
    for name, fn in ACTIVATIONS.items():
        h = 1e-6
        fd = (fn(x + h)[0] - fn(x - h)[0]) / (2 * h)
        np.testing.assert_allclose(fn(x)[1], fd, atol=1e-6, err_msg=name)


def test_activations_reject_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        elu(np.array([np.nan]))
    with pytest.raises(ValueError, match="approximate"):
        gelu(np.zeros(2), "erf")


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_block_matches_torch_transformer_encoder_layer(norm_first, activation):
    d, heads, d_ff = 16, 4, 40
    w = EncoderWeights.random(d, d_ff, seed=3)
    x = np.random.default_rng(4).normal(size=(3, 7, d))
    pad = np.zeros((3, 7), dtype=bool)
    pad[2, 4:] = True
    ours = encoder_block(x, w, heads, norm_first, activation, key_padding_mask=pad)
    layer = to_torch(w, d, heads, d_ff, norm_first, activation)
    with torch.no_grad():
        ref = layer(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)).numpy()
    np.testing.assert_allclose(ours[:2], ref[:2], atol=1e-10)
    np.testing.assert_allclose(ours[2, :4], ref[2, :4], atol=1e-10)  # padded outputs are not defined


def test_encoder_block_rejects_bad_shapes():
    w = EncoderWeights.random(8, 16)
    with pytest.raises(ValueError, match="divisible"):
        encoder_block(np.zeros((1, 3, 8)), w, 3)
    with pytest.raises(ValueError, match="fully padded"):
        encoder_block(np.zeros((1, 3, 8)), w, 2, key_padding_mask=np.ones((1, 3), dtype=bool))


def test_irls_matches_statsmodels_logit_coefficients_and_standard_errors():
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4))
    y = (rng.random(300) < 1 / (1 + np.exp(-(X @ [1.0, -0.5, 0.3, 0.0] + 0.2)))).astype(int)
    m = IRLSLogisticRegression().fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    np.testing.assert_allclose(np.r_[m.intercept_, m.coef_], ref.params, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(m.covariance_)), ref.bse, rtol=1e-6)
    assert m.converged_ and m.n_iter_ <= 10  # quadratic convergence


def test_irls_l2_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(6)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(int)
    m = IRLSLogisticRegression(alpha=2.0).fit(X, y)
    sk = LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(m.coef_, sk.coef_.ravel(), atol=1e-6)
    assert m.intercept_ == pytest.approx(sk.intercept_[0], abs=1e-6)


def test_irls_warns_on_separable_data_and_rejects_bad_input():
    X = np.r_[np.linspace(-2, -1, 10), np.linspace(1, 2, 10)][:, None]
    y = np.r_[np.zeros(10), np.ones(10)].astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        IRLSLogisticRegression(max_iter=100).fit(X, y)
    assert any(issubclass(c.category, ConvergenceWarning) for c in caught)
    with pytest.raises(ValueError, match="exactly 2 classes"):
        IRLSLogisticRegression().fit(np.zeros((3, 1)), [0, 1, 2])
    with pytest.raises(ValueError, match="alpha"):
        IRLSLogisticRegression(alpha=-1).fit(X, y)


@pytest.mark.parametrize("max_depth", [1, 3])
def test_multiclass_gradient_boosting_matches_sklearn_on_tie_free_data(max_depth):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier

    from mlnotes.algorithms.trees.gradient_boosting_multiclass import GradientBoostingMulticlass

    X, y = make_classification(300, n_features=5, n_informative=4, n_redundant=0, n_classes=4, random_state=1)
    X = X.astype(np.float32).astype(float)  # sklearn's trees threshold in float32
    ours = GradientBoostingMulticlass(n_estimators=8, learning_rate=0.3, max_depth=max_depth).fit(X, y)
    ref = GradientBoostingClassifier(n_estimators=8, learning_rate=0.3, max_depth=max_depth,
                                     criterion="squared_error", random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)
    with pytest.raises(ValueError, match="single class"):
        GradientBoostingMulticlass().fit(X, np.zeros(len(X)))
