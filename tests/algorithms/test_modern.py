"""Modern deep-learning techniques against PyTorch (autograd, torch.nn.utils.prune, quantize_per_tensor)
and against closed forms (DDPM's Gaussian marginals and posteriors)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnotes.algorithms.modern.ddpm import linear_schedule, posterior, q_sample
from mlnotes.algorithms.modern.distillation import distillation_loss
from mlnotes.algorithms.modern.dpo import dpo_loss
from mlnotes.algorithms.modern.infonce import info_nce
from mlnotes.algorithms.modern.pruning import global_magnitude_masks, magnitude_mask
from mlnotes.algorithms.modern.quantization import dequantize, qparams, quantize, quantize_per_channel


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12), d=st.integers(2, 8),
       tau=st.floats(0.05, 2.0), symmetric=st.booleans())
def test_infonce_loss_and_gradients_match_autograd(seed, n, d, tau, symmetric):
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    loss, gu, gv = info_nce(u, v, tau, symmetric=symmetric)
    tu, tv = torch.tensor(u, requires_grad=True), torch.tensor(v, requires_grad=True)
    s = F.normalize(tu, dim=1) @ F.normalize(tv, dim=1).T / tau
    labels = torch.arange(n)
    tl = F.cross_entropy(s, labels)
    if symmetric:
        tl = 0.5 * (tl + F.cross_entropy(s.T, labels))
    tl.backward()
    assert loss == pytest.approx(float(tl.detach()), abs=1e-10)
    np.testing.assert_allclose(gu, tu.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(gv, tv.grad.numpy(), atol=1e-10)


def test_infonce_rejects_bad_input():
    with pytest.raises(ValueError, match="temperature"):
        info_nce(np.ones((2, 2)), np.ones((2, 2)), 0.0)
    with pytest.raises(ValueError, match="all-zero row"):
        info_nce(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="same shape"):
        info_nce(np.ones((2, 2)), np.ones((3, 2)))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 10), k=st.integers(2, 6),
       T=st.floats(0.5, 10.0), alpha=st.floats(0.0, 1.0))
def test_distillation_loss_and_gradient_match_autograd(seed, n, k, T, alpha):
    rng = np.random.default_rng(seed)
    zs, zt, y = rng.normal(0, 3, (n, k)), rng.normal(0, 3, (n, k)), rng.integers(0, k, n)
    loss, g = distillation_loss(zs, zt, y, T, alpha)
    t = torch.tensor(zs, requires_grad=True)
    soft = F.kl_div(F.log_softmax(t / T, dim=1), F.softmax(torch.tensor(zt) / T, dim=1), reduction="batchmean")
    tl = alpha * T**2 * soft + (1 - alpha) * F.cross_entropy(t, torch.tensor(y))
    tl.backward()
    assert loss == pytest.approx(float(tl), abs=1e-9)
    np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-10)


def test_distillation_rejects_bad_labels_and_alpha():
    with pytest.raises(ValueError, match="integer labels"):
        distillation_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="alpha"):
        distillation_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.array([0, 1]), alpha=1.5)


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_magnitude_mask_matches_torch_l1_unstructured(sparsity):
    from torch.nn.utils import prune

    w = np.random.default_rng(1).normal(size=(7, 11))
    lin = torch.nn.Linear(11, 7)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(w))
    prune.l1_unstructured(lin, "weight", amount=int(round(sparsity * w.size)))
    np.testing.assert_array_equal(magnitude_mask(w, sparsity), lin.weight_mask.numpy().astype(bool))


def test_global_masks_match_torch_global_unstructured():
    from torch.nn.utils import prune

    rng = np.random.default_rng(2)
    ws = [rng.normal(0, 1, (5, 4)), rng.normal(0, 0.1, (3, 6))]  # the second layer has small weights
    layers = [torch.nn.Linear(4, 5), torch.nn.Linear(6, 3)]
    for lin, w in zip(layers, ws):
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w))
    total = sum(w.size for w in ws)
    prune.global_unstructured([(lin, "weight") for lin in layers], pruning_method=prune.L1Unstructured,
                              amount=int(round(0.4 * total)))
    ours = global_magnitude_masks(ws, 0.4)
    for m, lin in zip(ours, layers):
        np.testing.assert_array_equal(m, lin.weight_mask.numpy().astype(bool))
    assert ours[1].mean() < ours[0].mean()  # global pruning takes more from the small-weight layer


def test_pruning_rejects_bad_sparsity():
    with pytest.raises(ValueError, match="sparsity"):
        magnitude_mask(np.ones(3), 1.5)


@pytest.mark.parametrize("symmetric", [False, True])
def test_qparams_and_codes_match_torch(symmetric):
    from torch.ao.quantization.observer import MinMaxObserver

    x = np.random.default_rng(3).normal(0.4, 1.3, 500).astype(np.float32)
    scheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
    obs = MinMaxObserver(dtype=torch.qint8, qscheme=scheme)
    obs(torch.tensor(x))
    ref_s, ref_z = obs.calculate_qparams()
    s, z = qparams(x, symmetric)
    assert s == pytest.approx(float(ref_s), rel=1e-6)
    assert z == int(ref_z)
    q = quantize(x, float(ref_s), int(ref_z))
    ref_q = torch.quantize_per_tensor(torch.tensor(x), float(ref_s), int(ref_z), torch.qint8).int_repr().numpy()
    assert np.mean(q == ref_q) > 0.99 and np.max(np.abs(q - ref_q)) <= 1  # float32 vs float64 at exact ties
    err = np.abs(dequantize(q, s, z) - x)
    assert err.max() <= s / 2 + 1e-6  # every value lies inside the widened range: only rounding error


def test_per_channel_codes_match_torch():
    w = np.random.default_rng(4).normal(0, [[0.1], [1.0], [5.0]], (3, 40))
    codes, scales, zeros = quantize_per_channel(w, symmetric=True)
    ref = torch.quantize_per_channel(torch.tensor(w, dtype=torch.float32), torch.tensor(scales),
                                     torch.tensor(zeros), 0, torch.qint8).int_repr().numpy()
    assert np.mean(codes == ref) > 0.99 and np.max(np.abs(codes - ref)) <= 1  # float32 rounding at exact ties
    assert np.all(np.abs(scales[:, None] * codes - w) <= scales[:, None] / 2 + 1e-12)


def test_quantize_rejects_nan_and_bad_scale():
    with pytest.raises(ValueError, match="NaN"):
        qparams(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="scale"):
        quantize(np.ones(2), 0.0, 0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 16), beta=st.floats(0.01, 5.0))
def test_dpo_loss_and_gradients_match_autograd(seed, n, beta):
    rng = np.random.default_rng(seed)
    pc, pr, rc, rr = (rng.normal(-20, 5, n) for _ in range(4))
    loss, gc, gr = dpo_loss(pc, pr, rc, rr, beta)
    tc, tr = torch.tensor(pc, requires_grad=True), torch.tensor(pr, requires_grad=True)
    tl = -F.logsigmoid(beta * ((tc - torch.tensor(rc)) - (tr - torch.tensor(rr)))).mean()
    tl.backward()
    assert loss == pytest.approx(float(tl), abs=1e-10)
    np.testing.assert_allclose(gc, tc.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(gr, tr.grad.numpy(), atol=1e-12)


def test_dpo_rejects_infinite_log_probs():
    with pytest.raises(ValueError, match="finite"):
        dpo_loss([-np.inf], [0.0], [0.0], [0.0])


def test_ddpm_closed_form_marginal_matches_the_step_by_step_chain():
    betas = linear_schedule(40, 1e-3, 0.1)
    rng = np.random.default_rng(5)
    x0 = np.full((20000, 2), 1.5)
    x = x0.copy()
    for b in betas:  # q(x_t | x_{t-1}) applied 40 times
        x = np.sqrt(1 - b) * x + np.sqrt(b) * rng.normal(size=x.shape)
    abar = np.prod(1 - betas)
    assert x.mean() == pytest.approx(np.sqrt(abar) * 1.5, abs=0.02)
    assert x.var() == pytest.approx(1 - abar, abs=0.02)
    one_step = q_sample(x0, np.full(len(x0), 39), betas, rng.normal(size=x0.shape))
    assert one_step.mean() == pytest.approx(x.mean(), abs=0.03)
    assert one_step.var() == pytest.approx(x.var(), abs=0.03)


def test_ddpm_posterior_equals_gaussian_conditioning():
    betas = linear_schedule(50, 1e-4, 0.05)
    abar = np.cumprod(1 - betas)
    x0, xt, t = np.array([0.7, -1.2]), np.array([0.1, 0.4]), 17
    # joint of (x_{t-1}, x_t) given x_0: x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps
    m1, v1 = np.sqrt(abar[t - 1]) * x0, 1 - abar[t - 1]
    alpha = 1 - betas[t]
    m2, v2, c12 = np.sqrt(alpha) * m1, alpha * v1 + betas[t], np.sqrt(alpha) * v1
    mean, var = posterior(x0, xt, t, betas)
    np.testing.assert_allclose(mean, m1 + c12 / v2 * (xt - m2), rtol=1e-12)
    assert var == pytest.approx(v1 - c12**2 / v2, rel=1e-12)


def test_ddpm_rejects_bad_schedule():
    with pytest.raises(ValueError, match="beta"):
        linear_schedule(10, 0.5, 0.1)
