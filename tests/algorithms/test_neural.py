"""Neural family: every hand-written backward pass against PyTorch autograd (float64) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlnotes.algorithms.base import NotFittedError
from mlnotes.algorithms.neural import (
    autoencoder,
    autograd,
    batch_norm,
    conv,
    dropout,
    gan,
    init,
    layer_norm,
    losses,
    lr_schedules,
    mlp,
    optimizers,
    vae,
)
from mlnotes.algorithms.neural.autograd import Tensor

torch.set_num_threads(1)
ATOL = 1e-10


def _fd(f, x, eps=1e-6):
    """Central finite-difference gradient of scalar f at array x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


# ---------------------------------------------------------------------------------------------- autograd
def test_autograd_composite_expression_vs_torch_and_fd():
    rng = np.random.default_rng(0)
    a0, b0, c0 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.uniform(0.5, 2, size=(1, 2))
    y = np.array([0, 1, 1])

    def ours(a, b, c):
        A, B, C = Tensor(a), Tensor(b), Tensor(c)
        h = (A @ B + C).tanh() * C - (A @ B).relu() / C + (A @ B).sigmoid().log() + (A @ B).exp() ** 0.5
        out = autograd.cross_entropy(h, y) + h.softplus().mean() + (1.0 - h).sum() * 0.1
        out.backward()
        return out, A, B, C

    out, A, B, C = ours(a0, b0, c0)
    at, bt, ct = (torch.tensor(v, requires_grad=True) for v in (a0, b0, c0))
    ab = at @ bt
    h = torch.tanh(ab + ct) * ct - torch.relu(ab) / ct + torch.log(torch.sigmoid(ab)) + torch.exp(ab) ** 0.5
    ref = torch.nn.functional.cross_entropy(h, torch.tensor(y)) + torch.nn.functional.softplus(h).mean() + (1.0 - h).sum() * 0.1
    ref.backward()
    assert abs(float(out.data) - ref.item()) < ATOL
    for ours_t, t in ((A, at), (B, bt), (C, ct)):
        np.testing.assert_allclose(ours_t.grad, t.grad.numpy(), atol=ATOL)
    np.testing.assert_allclose(A.grad, _fd(lambda a: float(ours(a, b0, c0)[0].data), a0), atol=1e-6)


def test_autograd_reused_node_accumulates():
    x = Tensor(np.array([3.0]))
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad[0] == 7.0


def test_autograd_demo_trajectory_equals_torch():
    r = autograd.demo(steps=50)
    assert abs(r.metrics["final_loss"] - r.reference["final_loss"]) < 1e-12


# ---------------------------------------------------------------------------------------------------- MLP
def test_mlp_backward_equals_autograd():
    rng = np.random.default_rng(1)
    params = [(rng.normal(size=(5, 7)), rng.normal(size=7)), (rng.normal(size=(7, 6)), rng.normal(size=6)),
              (rng.normal(size=(6, 3)), rng.normal(size=3))]
    X, y = rng.normal(size=(10, 5)), rng.integers(0, 3, 10)
    acts, P = mlp.forward(params, X)
    grads = mlp.backward(params, acts, P, np.eye(3)[y], alpha=0.3)
    T = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in params]
    h = torch.tensor(X)
    for W, b in T[:-1]:
        h = torch.relu(h @ W + b)
    loss = torch.nn.functional.cross_entropy(h @ T[-1][0] + T[-1][1], torch.tensor(y))
    loss = loss + 0.3 / (2 * 10) * sum((W ** 2).sum() for W, _ in T)
    loss.backward()
    for (gW, gb), (W, b) in zip(grads, T):
        np.testing.assert_allclose(gW, W.grad.numpy(), atol=ATOL)
        np.testing.assert_allclose(gb, b.grad.numpy(), atol=ATOL)


def test_mlp_classifier_contract_and_accuracy():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = mlp.MLPClassifier(hidden_layer_sizes=(16,), max_iter=100, learning_rate=0.01)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert clf.fit(X, y) is clf
    assert clf.score(X, y) > 0.95
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0)
    with pytest.raises(ValueError):
        clf.predict(X[:, :2])


# --------------------------------------------------------------------------------------------- conv, pool
@pytest.mark.parametrize("stride,pad,k", [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 0, 2), (1, 2, 5)])
def test_conv2d_forward_backward_vs_torch(stride, pad, k):
    rng = np.random.default_rng(stride * 10 + pad + k)
    X, K, b = rng.normal(size=(2, 3, 9, 8)), rng.normal(size=(4, 3, k, k)), rng.normal(size=4)
    Y, cache = conv.conv2d_forward(X, K, b, stride, pad)
    dY = rng.normal(size=Y.shape)
    dX, dK, db = conv.conv2d_backward(dY, cache)
    Xt, Kt, bt = (torch.tensor(a, requires_grad=True) for a in (X, K, b))
    Yt = torch.nn.functional.conv2d(Xt, Kt, bt, stride=stride, padding=pad)
    (Yt * torch.tensor(dY)).sum().backward()
    np.testing.assert_allclose(Y, Yt.detach().numpy(), atol=ATOL)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), atol=ATOL)
    np.testing.assert_allclose(dK, Kt.grad.numpy(), atol=ATOL)
    np.testing.assert_allclose(db, bt.grad.numpy(), atol=ATOL)


def test_maxpool_forward_backward_vs_torch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 3, 6, 8))
    Y, cache = conv.maxpool_forward(X, 2)
    dY = rng.normal(size=Y.shape)
    dX = conv.maxpool_backward(dY, cache)
    Xt = torch.tensor(X, requires_grad=True)
    Yt = torch.nn.functional.max_pool2d(Xt, 2)
    (Yt * torch.tensor(dY)).sum().backward()
    np.testing.assert_allclose(Y, Yt.detach().numpy(), atol=0)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), atol=ATOL)


# --------------------------------------------------------------------------------------- normalisation
def test_batch_norm_matches_torch_in_train_and_eval():
    r = batch_norm.demo(steps=5)
    assert all(v < 1e-10 for v in r.metrics.values())


def test_batch_norm_backward_finite_differences():
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    bn = batch_norm.BatchNorm1d(3)
    bn.gamma = rng.normal(size=3)
    bn.forward(x)
    dx = bn.backward(dy)
    f = lambda z: float(np.sum(batch_norm.BatchNorm1d.forward(bn, z) * dy))
    np.testing.assert_allclose(dx, _fd(f, x), atol=1e-6)


def test_layer_norm_and_rmsnorm_match_torch():
    r = layer_norm.demo()
    assert all(v < 1e-10 for v in r.metrics.values())
    rng = np.random.default_rng(3)
    x, g, dy = rng.normal(size=(2, 3, 5)), rng.normal(size=5), rng.normal(size=(2, 3, 5))
    dx = layer_norm.rms_norm_backward(dy, layer_norm.rms_norm_forward(x, g)[1])[0]
    np.testing.assert_allclose(dx, _fd(lambda z: float(np.sum(layer_norm.rms_norm_forward(z, g)[0] * dy)), x), atol=1e-6)


# ---------------------------------------------------------------------------------------- dropout, init
def test_dropout_moments_and_backward():
    p = 0.4
    d = dropout.Dropout(p, seed=0)
    x = np.full(400_000, 3.0)
    y = d.forward(x)
    se = np.sqrt(9 * p / (1 - p) / len(x))
    assert abs(y.mean() - 3.0) < 5 * se
    assert abs(y.var() - 9 * p / (1 - p)) < 0.05 * 9 * p / (1 - p)
    np.testing.assert_array_equal(d.backward(np.ones_like(x)), y / 3.0)
    d.training = False
    np.testing.assert_array_equal(d.forward(x), x)


def test_init_variances_match_formulas_and_torch():
    rng = np.random.default_rng(0)
    fi, fo = 300, 200
    assert abs(init.xavier_uniform(fi, fo, rng).var() / (2 / (fi + fo)) - 1) < 0.03
    assert abs(init.he_normal(fi, fo, rng).var() / (2 / fi) - 1) < 0.03
    W = torch.empty(fo, fi, dtype=torch.float64)
    a = np.sqrt(6 / (fi + fo))
    torch.nn.init.xavier_uniform_(W)
    assert abs(W.abs().max().item() - a) < 1e-3 and np.abs(init.xavier_uniform(fi, fo, rng)).max() <= a
    stds = init.activation_stds(init.he_normal, lambda z: np.maximum(z, 0), 20, 256, rng)
    assert 0.4 < stds[-1] / stds[0] < 2.5  # He keeps ReLU activations at scale over 20 layers


# ---------------------------------------------------------------------------------- optimisers, schedules
@pytest.mark.parametrize("name", list(optimizers.CONFIGS))
def test_optimizer_trajectories_equal_torch(name):
    ours, theirs = optimizers.run_both(name, 25)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_optimizers_with_weight_decay_match_torch():
    rng = np.random.default_rng(0)
    for cls, tname, kw in [("SGD", "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
                           ("Adam", "Adam", {"lr": 0.1, "weight_decay": 0.1}),
                           ("RMSProp", "RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
                           ("AdaGrad", "Adagrad", {"lr": 0.1, "weight_decay": 0.1})]:
        x = rng.normal(size=5)
        xt = torch.tensor(x.copy(), requires_grad=True)
        opt = getattr(optimizers, cls)([x], **kw)
        topt = getattr(torch.optim, tname)([xt], **kw)
        for _ in range(10):
            opt.step([np.sin(x) + x ** 3])
            topt.zero_grad()
            (-torch.cos(xt) + xt ** 4 / 4).sum().backward()
            topt.step()
        np.testing.assert_allclose(x, xt.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("T,warmup,step", [(100, 10, 30), (17, 3, 4), (5, 2, 1)])
def test_lr_schedules_equal_torch(T, warmup, step):
    r = lr_schedules.demo(total_steps=T, warmup=warmup, step_size=step)
    assert all(v < 1e-12 for v in r.metrics.values())


# ------------------------------------------------------------------------------------------------- losses
def test_losses_and_gradients_equal_torch():
    for seed in range(3):
        r = losses.demo(seed=seed, gamma=1.5 + seed, alpha=0.25 + 0.2 * seed, delta=0.5 + seed)
        for k in ("cross_entropy", "focal", "huber", "hinge", "kl"):
            assert abs(r.metrics[k] - r.reference[k]) < 1e-12
            assert r.metrics[f"{k}_grad_max_abs_err"] < 1e-12


def test_focal_with_gamma_zero_is_weighted_bce():
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=20), rng.integers(0, 2, 20)
    l, g = losses.focal(z, y, gamma=0.0, alpha=0.5)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y, dtype=torch.float64))
    assert abs(l - 0.5 * bce.item()) < 1e-12


# ------------------------------------------------------------------------------------- generative models
def test_linear_autoencoder_approaches_pca():
    r = autoencoder.demo(epochs=60)
    assert r.reference["reconstruction_mse"] <= r.metrics["reconstruction_mse"] + 1e-9  # PCA is optimal
    assert r.metrics["reconstruction_mse"] < 1.03 * r.reference["reconstruction_mse"]


def test_vae_negative_elbo_gradient_equals_torch():
    rng = np.random.default_rng(0)
    cfg = vae.VAEConfig(d_in=6, d_hidden=5, d_latent=2)
    P = vae.init_params(cfg, rng)
    x, eps = rng.uniform(size=(4, 6)), rng.normal(size=(4, 2))
    loss, *_ = vae.negative_elbo(P, x, eps)
    loss.backward()
    T = {k: torch.tensor(v.data, requires_grad=True) for k, v in P.items()}
    X = torch.tensor(x)
    h = torch.tanh(X @ T["We"] + T["be"])
    mu, lv = h @ T["Wmu"] + T["bmu"], h @ T["Wlv"] + T["blv"]
    z = mu + torch.exp(lv / 2) * torch.tensor(eps)
    logits = torch.tanh(z @ T["Wd"] + T["bd"]) @ T["Wo"] + T["bo"]
    recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, X, reduction="none").sum(1).mean()
    kl = (-0.5 * (1 + lv - mu ** 2 - lv.exp())).sum(1).mean()
    (recon + kl).backward()
    assert abs(float(loss.data) - (recon + kl).item()) < 1e-12
    for k in P:
        np.testing.assert_allclose(P[k].grad, T[k].grad.numpy(), atol=1e-12)


def test_vae_kl_closed_form_matches_monte_carlo():
    r = vae.demo(epochs=3)
    assert abs(r.metrics["kl"] - r.reference["kl"]) < 0.05 * max(r.metrics["kl"], 0.1)


def test_gan_discriminator_loss_terms():
    # softplus(-d) = -log sigma(d) and softplus(d) = -log(1 - sigma(d))
    d = np.linspace(-30, 30, 7)
    np.testing.assert_allclose(Tensor(-d).softplus().data, torch.nn.functional.softplus(torch.tensor(-d)).numpy(),
                               rtol=1e-12)
    mid = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(Tensor(mid).softplus().data, -np.log(1 - 1 / (1 + np.exp(-mid))), rtol=1e-9)
    rng = np.random.default_rng(0)
    x = gan.sample_data(100_000, rng)
    assert abs(x.std() - np.sqrt(4.25)) < 0.02
