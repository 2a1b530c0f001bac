"""Gradient formulas of corpus/guides/loss-functions.md, checked numerically.

Every loss in the guide that states a gradient is implemented here twice, in NumPy exactly as the guide writes
the loss and its gradient, and in PyTorch (float64) so that autograd can differentiate the loss. Each case checks
(1) the NumPy loss equals the PyTorch loss, (2) the guide's gradient equals autograd (rtol 1e-7), and
(3) the guide's gradient equals a central finite difference of the NumPy loss. Where PyTorch has a built-in loss
with the convention the guide claims, the loss value is also compared with the built-in.

Per-example losses are summed over a small batch, so the gradient of the sum with respect to one example's
output is exactly the per-example formula in the guide. Inputs are drawn away from kinks (MAE, quantile, hinge,
Huber threshold, triplet hinge) where the derivative is not defined.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

RNG_SEED = 1234
N = 7


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def logsumexp(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def softplus(z):
    return np.logaddexp(0.0, z)


def away_from(x, points, gap):
    """Push entries of x at least `gap` away from each value in `points` (to avoid kinks)."""
    x = x.copy()
    for p in points:
        close = np.abs(x - p) < gap
        x[close] = p + gap * np.where(x[close] >= p, 1.5, -1.5)
    return x


# --------------------------------------------------------------------------------------------------
# Cases: name -> builder(rng) returning (params, loss_np, grad_np, loss_torch)
#   params: dict name -> float64 array (the variables we differentiate)
#   loss_np(**params) -> float ; grad_np(**params) -> dict name -> array ; loss_torch(**tensors) -> 0-d tensor
# --------------------------------------------------------------------------------------------------


def case_mse(rng):
    y = rng.normal(size=N)

    def loss_np(yhat):  # L = (1/n) sum (yhat - y)^2
        return np.mean((yhat - y) ** 2)

    def grad_np(yhat):  # per example 2 (yhat - y), divided by n for the mean
        return {"yhat": 2.0 * (yhat - y) / N}

    def loss_t(yhat):
        return F.mse_loss(yhat, torch.from_numpy(y))

    return {"yhat": rng.normal(size=N)}, loss_np, grad_np, loss_t


def case_mae(rng):
    y = rng.normal(size=N)
    yhat = y + away_from(rng.normal(size=N), [0.0], 0.2)

    def loss_np(yhat):
        return np.mean(np.abs(yhat - y))

    def grad_np(yhat):  # sign(yhat - y) per example
        return {"yhat": np.sign(yhat - y) / N}

    def loss_t(yhat):
        return F.l1_loss(yhat, torch.from_numpy(y))

    return {"yhat": yhat}, loss_np, grad_np, loss_t


def make_case_huber(delta):
    def case(rng):
        y = rng.normal(size=N)
        r = away_from(rng.normal(scale=2.0, size=N), [delta, -delta], 0.1)
        d = delta

        def loss_np(yhat):
            r = yhat - y
            return np.sum(np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d)))

        def grad_np(yhat):  # r inside, delta*sign(r) outside
            r = yhat - y
            return {"yhat": np.where(np.abs(r) <= d, r, d * np.sign(r))}

        def loss_t(yhat):  # PyTorch HuberLoss(delta) is the same formula
            return F.huber_loss(yhat, torch.from_numpy(y), delta=d, reduction="sum")

        return {"yhat": y + r}, loss_np, grad_np, loss_t

    return case


def case_logcosh(rng):
    y = rng.normal(size=N)

    def loss_np(yhat):
        r = yhat - y
        # stable form from the guide: |r| + softplus(-2|r|) - log 2
        stable = np.abs(r) + softplus(-2 * np.abs(r)) - np.log(2.0)
        assert np.allclose(stable, np.log(np.cosh(r)))
        return np.sum(stable)

    def grad_np(yhat):
        return {"yhat": np.tanh(yhat - y)}

    def loss_t(yhat):
        return torch.log(torch.cosh(yhat - torch.from_numpy(y))).sum()

    return {"yhat": rng.normal(scale=2.0, size=N)}, loss_np, grad_np, loss_t


def make_case_pinball(tau):
    def case(rng):
        y = rng.normal(size=N)
        yhat = y + away_from(rng.normal(size=N), [0.0], 0.2)

        def loss_np(yhat):
            u = y - yhat
            return np.sum(np.maximum(tau * u, (tau - 1) * u))

        def grad_np(yhat):  # 1[y < yhat] - tau
            return {"yhat": (y < yhat).astype(float) - tau}

        def loss_t(yhat):
            u = torch.from_numpy(y) - yhat
            return torch.maximum(tau * u, (tau - 1) * u).sum()

        return {"yhat": yhat}, loss_np, grad_np, loss_t

    return case


def case_bce(rng):
    yb = rng.integers(0, 2, size=N).astype(float)

    def loss_np(z):  # softplus(z) - y z
        full = -(yb * np.log(sigmoid(z)) + (1 - yb) * np.log(1 - sigmoid(z)))
        simple = softplus(z) - yb * z
        assert np.allclose(full, simple)
        return np.sum(simple)

    def grad_np(z):
        return {"z": sigmoid(z) - yb}

    def loss_t(z):
        return F.binary_cross_entropy_with_logits(z, torch.from_numpy(yb), reduction="sum")

    return {"z": rng.normal(scale=2.0, size=N)}, loss_np, grad_np, loss_t


K = 5


def case_softmax_ce(rng):
    labels = rng.integers(0, K, size=N)
    Y = np.eye(K)[labels]

    def loss_np(z):  # logsumexp(z) - y.z
        return np.sum(logsumexp(z) - np.sum(Y * z, axis=1))

    def grad_np(z):  # softmax(z) - y
        return {"z": softmax(z) - Y}

    def loss_t(z):
        return F.cross_entropy(z, torch.from_numpy(labels), reduction="sum")

    return {"z": rng.normal(size=(N, K))}, loss_np, grad_np, loss_t


def case_softmax_ce_soft_targets(rng):
    Y = softmax(rng.normal(size=(N, K)))  # any probability vectors

    def loss_np(z):
        return np.sum(logsumexp(z) - np.sum(Y * z, axis=1))

    def grad_np(z):
        return {"z": softmax(z) - Y}

    def loss_t(z):
        return F.cross_entropy(z, torch.from_numpy(Y), reduction="sum")

    return {"z": rng.normal(size=(N, K))}, loss_np, grad_np, loss_t


def make_case_label_smoothing(eps):
    def case(rng):
        labels = rng.integers(0, K, size=N)
        Y = (1 - eps) * np.eye(K)[labels] + eps / K  # (1-eps) e_c + eps/K

        def loss_np(z):
            return np.sum(logsumexp(z) - np.sum(Y * z, axis=1))

        def grad_np(z):
            return {"z": softmax(z) - Y}

        def loss_t(z):  # PyTorch's convention is the guide's
            return F.cross_entropy(z, torch.from_numpy(labels), label_smoothing=eps, reduction="sum")

        return {"z": rng.normal(size=(N, K))}, loss_np, grad_np, loss_t

    return case


def case_hinge(rng):
    ys = rng.choice([-1.0, 1.0], size=N)
    margin = away_from(rng.normal(loc=1.0, scale=1.5, size=N), [1.0], 0.2)
    f0 = margin * ys  # y f = margin, away from the kink at 1

    def loss_np(f):
        return np.sum(np.maximum(0.0, 1 - ys * f))

    def grad_np(f):  # -y if y f < 1 else 0
        return {"f": np.where(ys * f < 1, -ys, 0.0)}

    def loss_t(f):
        return torch.clamp(1 - torch.from_numpy(ys) * f, min=0).sum()

    return {"f": f0}, loss_np, grad_np, loss_t


def case_squared_hinge(rng):
    ys = rng.choice([-1.0, 1.0], size=N)
    f0 = rng.normal(loc=0.5, scale=1.5, size=N) * ys

    def loss_np(f):
        return np.sum(np.maximum(0.0, 1 - ys * f) ** 2)

    def grad_np(f):  # -2 y max(0, 1 - y f)
        return {"f": -2 * ys * np.maximum(0.0, 1 - ys * f)}

    def loss_t(f):
        return (torch.clamp(1 - torch.from_numpy(ys) * f, min=0) ** 2).sum()

    return {"f": f0}, loss_np, grad_np, loss_t


def make_case_focal(alpha, gamma):
    def case(rng):
        yb = rng.integers(0, 2, size=N).astype(float)

        def parts(z):
            p = sigmoid(z)
            pt = np.where(yb == 1, p, 1 - p)
            at = np.where(yb == 1, alpha, 1 - alpha)
            return pt, at

        def loss_np(z):  # -alpha_t (1 - p_t)^gamma log p_t
            pt, at = parts(z)
            return np.sum(-at * (1 - pt) ** gamma * np.log(pt))

        def grad_np(z):  # s alpha_t (1-p_t)^gamma (gamma p_t log p_t + p_t - 1), s = 2y - 1
            pt, at = parts(z)
            s = 2 * yb - 1
            return {"z": s * at * (1 - pt) ** gamma * (gamma * pt * np.log(pt) + pt - 1)}

        def loss_t(z):
            y = torch.from_numpy(yb)
            p = torch.sigmoid(z)
            pt = torch.where(y == 1, p, 1 - p)
            at = torch.where(y == 1, torch.tensor(alpha, dtype=z.dtype), torch.tensor(1 - alpha, dtype=z.dtype))
            return (-at * (1 - pt) ** gamma * torch.log(pt)).sum()

        return {"z": rng.normal(scale=2.0, size=N)}, loss_np, grad_np, loss_t

    return case


def case_kl_softmax(rng):
    P = softmax(rng.normal(size=(N, K)))  # fixed target distribution

    def loss_np(z):  # sum_k p log(p / q), q = softmax(z)
        logq = z - logsumexp(z)[:, None]
        return np.sum(P * (np.log(P) - logq))

    def grad_np(z):  # softmax(z) - p
        return {"z": softmax(z) - P}

    def loss_t(z):  # F.kl_div(log q, p) computes KL(p || q)
        return F.kl_div(F.log_softmax(z, dim=1), torch.from_numpy(P), reduction="sum")

    return {"z": rng.normal(size=(N, K))}, loss_np, grad_np, loss_t


def case_kl_gaussian(rng):
    def loss_np(mu, v):  # 1/2 (mu^2 + sigma^2 - 1 - log sigma^2), v = log sigma^2
        return np.sum(0.5 * (mu**2 + np.exp(v) - 1 - v))

    def grad_np(mu, v):
        return {"mu": mu, "v": 0.5 * (np.exp(v) - 1)}

    def loss_t(mu, v):
        q = torch.distributions.Normal(mu, torch.exp(0.5 * v))
        p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        return torch.distributions.kl_divergence(q, p).sum()

    return {"mu": rng.normal(size=N), "v": rng.normal(size=N)}, loss_np, grad_np, loss_t


def case_poisson(rng):
    y = rng.poisson(3.0, size=N).astype(float)

    def loss_np(eta):  # e^eta - y eta
        return np.sum(np.exp(eta) - y * eta)

    def grad_np(eta):
        return {"eta": np.exp(eta) - y}

    def loss_t(eta):
        return F.poisson_nll_loss(eta, torch.from_numpy(y), log_input=True, full=False, reduction="sum")

    return {"eta": rng.normal(loc=1.0, size=N)}, loss_np, grad_np, loss_t


def case_gaussian_nll(rng):
    y = rng.normal(size=N)

    def loss_np(mu, s):  # 1/2 (s + (y - mu)^2 e^{-s})
        return np.sum(0.5 * (s + (y - mu) ** 2 * np.exp(-s)))

    def grad_np(mu, s):
        return {"mu": (mu - y) * np.exp(-s), "s": 0.5 * (1 - (y - mu) ** 2 * np.exp(-s))}

    def loss_t(mu, s):  # PyTorch takes the variance itself
        return F.gaussian_nll_loss(mu, torch.from_numpy(y), torch.exp(s), full=False, eps=1e-12, reduction="sum")

    return {"mu": rng.normal(size=N), "s": rng.normal(size=N)}, loss_np, grad_np, loss_t


D = 4


def make_case_contrastive(m):
    def case(rng):
        ysim = np.array([1, 0, 1, 0, 0, 1, 0], dtype=float)
        a0 = rng.normal(size=(N, D))
        b0 = a0 + rng.normal(scale=0.5, size=(N, D))
        # max(0, m - d)^2 is continuously differentiable at d = m, so no kink to avoid

        def loss_np(a, b):
            d = np.linalg.norm(a - b, axis=1)
            return np.sum(ysim / 2 * d**2 + (1 - ysim) / 2 * np.maximum(0.0, m - d) ** 2)

        def grad_np(a, b):  # [y - (1-y) max(0, m-d)/d] (a - b), and the negative for b
            d = np.linalg.norm(a - b, axis=1)
            coef = ysim - (1 - ysim) * np.maximum(0.0, m - d) / d
            ga = coef[:, None] * (a - b)
            return {"a": ga, "b": -ga}

        def loss_t(a, b):
            y = torch.from_numpy(ysim)
            d = torch.linalg.norm(a - b, dim=1)
            return (y / 2 * d**2 + (1 - y) / 2 * torch.clamp(m - d, min=0) ** 2).sum()

        return {"a": a0, "b": b0}, loss_np, grad_np, loss_t

    return case


def case_triplet(rng):
    m = 0.5
    a0 = rng.normal(size=(N, D))
    p0 = a0 + rng.normal(scale=0.6, size=(N, D))
    n0 = a0 + rng.normal(scale=0.9, size=(N, D))

    def loss_np(a, p, n):  # max(0, |a-p|^2 - |a-n|^2 + m)
        h = np.sum((a - p) ** 2, axis=1) - np.sum((a - n) ** 2, axis=1) + m
        return np.sum(np.maximum(0.0, h))

    def grad_np(a, p, n):  # active: 2(n-p), 2(p-a), 2(a-n)
        h = np.sum((a - p) ** 2, axis=1) - np.sum((a - n) ** 2, axis=1) + m
        act = (h > 0).astype(float)[:, None]
        return {"a": act * 2 * (n - p), "p": act * 2 * (p - a), "n": act * 2 * (a - n)}

    def loss_t(a, p, n):
        h = ((a - p) ** 2).sum(1) - ((a - n) ** 2).sum(1) + m
        return torch.clamp(h, min=0).sum()

    # need both active and inactive triplets, none at the kink
    h = np.sum((a0 - p0) ** 2, axis=1) - np.sum((a0 - n0) ** 2, axis=1) + m
    assert np.all(np.abs(h) > 1e-3)
    return {"a": a0, "p": p0, "n": n0}, loss_np, grad_np, loss_t


def make_case_infonce(tau):
    def case(rng):
        def loss_np(Q, Kk):  # -(1/N) sum_i log softmax(Q K^T / tau)_ii
            S = Q @ Kk.T / tau
            return -np.mean(np.diag(S) - logsumexp(S, axis=1))

        def grad_np(Q, Kk):  # (P - I) K / (N tau), (P - I)^T Q / (N tau)
            S = Q @ Kk.T / tau
            P = softmax(S, axis=1)
            E = P - np.eye(len(Q))
            return {"Q": E @ Kk / (len(Q) * tau), "Kk": E.T @ Q / (len(Q) * tau)}

        def loss_t(Q, Kk):
            S = Q @ Kk.T / tau
            return F.cross_entropy(S, torch.arange(len(Q)))

        Q0 = rng.normal(size=(N, D))
        K0 = Q0 + rng.normal(scale=0.7, size=(N, D))
        return {"Q": Q0, "Kk": K0}, loss_np, grad_np, loss_t

    return case


def case_ranknet(rng):
    def loss_np(si, sj):  # log(1 + exp(-(si - sj)))
        return np.sum(softplus(-(si - sj)))

    def grad_np(si, sj):  # sigma(si - sj) - 1 and 1 - sigma(si - sj)
        g = sigmoid(si - sj)
        return {"si": g - 1, "sj": 1 - g}

    def loss_t(si, sj):
        return F.softplus(-(si - sj)).sum()

    return {"si": rng.normal(size=N), "sj": rng.normal(size=N)}, loss_np, grad_np, loss_t


def case_listnet(rng):
    G = rng.integers(0, 4, size=(N, K)).astype(float)  # relevance labels
    Pg = softmax(G)

    def loss_np(s):  # -sum_k Pg log softmax(s)
        return np.sum(-np.sum(Pg * (s - logsumexp(s)[:, None]), axis=1))

    def grad_np(s):
        return {"s": softmax(s) - Pg}

    def loss_t(s):
        return -(torch.from_numpy(Pg) * F.log_softmax(s, dim=1)).sum()

    return {"s": rng.normal(size=(N, K))}, loss_np, grad_np, loss_t


def case_gan_minimax(rng):
    def loss_np(a):  # generator minimizes log(1 - D), D = sigma(a)
        return np.sum(np.log(1 - sigmoid(a)))

    def grad_np(a):  # -sigma(a)
        return {"a": -sigmoid(a)}

    def loss_t(a):
        return torch.log(1 - torch.sigmoid(a)).sum()

    return {"a": rng.normal(size=N)}, loss_np, grad_np, loss_t


def case_gan_nonsaturating(rng):
    def loss_np(a):  # -log D = -log sigma(a)
        return np.sum(-np.log(sigmoid(a)))

    def grad_np(a):  # sigma(a) - 1
        return {"a": sigmoid(a) - 1}

    def loss_t(a):
        return (-F.logsigmoid(a)).sum()

    return {"a": rng.normal(size=N)}, loss_np, grad_np, loss_t


def case_bce_linear_model(rng):
    """grad_w L = (1/n) X^T (sigma(Xw) - y) for logistic regression (the guide's data-set gradient)."""
    X = rng.normal(size=(N, 3))
    yb = rng.integers(0, 2, size=N).astype(float)

    def loss_np(w):
        z = X @ w
        return np.mean(softplus(z) - yb * z)

    def grad_np(w):
        return {"w": X.T @ (sigmoid(X @ w) - yb) / N}

    def loss_t(w):
        return F.binary_cross_entropy_with_logits(torch.from_numpy(X) @ w, torch.from_numpy(yb))

    return {"w": rng.normal(size=3)}, loss_np, grad_np, loss_t


CASES = {
    "mse": case_mse,
    "mae": case_mae,
    "huber-0.5": make_case_huber(0.5),
    "huber-1": make_case_huber(1.0),
    "huber-2": make_case_huber(2.0),
    "logcosh": case_logcosh,
    "pinball-0.1": make_case_pinball(0.1),
    "pinball-0.5": make_case_pinball(0.5),
    "pinball-0.9": make_case_pinball(0.9),
    "bce": case_bce,
    "bce-linear-model": case_bce_linear_model,
    "softmax-ce": case_softmax_ce,
    "softmax-ce-soft": case_softmax_ce_soft_targets,
    "label-smoothing-0.1": make_case_label_smoothing(0.1),
    "label-smoothing-0.3": make_case_label_smoothing(0.3),
    "hinge": case_hinge,
    "squared-hinge": case_squared_hinge,
    "focal-0.25-2": make_case_focal(0.25, 2.0),
    "focal-0.5-0.5": make_case_focal(0.5, 0.5),
    "focal-1-0": make_case_focal(1.0, 0.0),
    "kl-softmax": case_kl_softmax,
    "kl-gaussian": case_kl_gaussian,
    "poisson": case_poisson,
    "gaussian-nll": case_gaussian_nll,
    "contrastive-m1": make_case_contrastive(1.0),
    "contrastive-m3": make_case_contrastive(3.0),
    "triplet": case_triplet,
    "infonce-0.1": make_case_infonce(0.1),
    "infonce-1": make_case_infonce(1.0),
    "ranknet": case_ranknet,
    "listnet": case_listnet,
    "gan-minimax": case_gan_minimax,
    "gan-nonsaturating": case_gan_nonsaturating,
}


def autograd(loss_t, params):
    tens = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    out = loss_t(**tens)
    out.backward()
    return out.item(), {k: t.grad.numpy() for k, t in tens.items()}


def central_diff(loss_np, params, eps=1e-6):
    grads = {}
    for name, val in params.items():
        g = np.zeros_like(val)
        for idx in np.ndindex(val.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            g[idx] = (loss_np(**plus) - loss_np(**minus)) / (2 * eps)
        grads[name] = g
    return grads


def check_case(builder, seed=RNG_SEED):
    params, loss_np, grad_np, loss_t = builder(np.random.default_rng(seed))
    value_t, g_auto = autograd(loss_t, params)
    value_np = loss_np(**params)
    np.testing.assert_allclose(value_np, value_t, rtol=1e-9, atol=1e-12, err_msg="loss value")
    g_formula = grad_np(**params)
    g_fd = central_diff(loss_np, params)
    assert set(g_formula) == set(params)
    for name in params:
        np.testing.assert_allclose(g_formula[name], g_auto[name], rtol=1e-7, atol=1e-12,
                                   err_msg=f"{name}: formula vs autograd")
        np.testing.assert_allclose(g_formula[name], g_fd[name], rtol=1e-5, atol=1e-7,
                                   err_msg=f"{name}: formula vs finite differences")


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_formula(name):
    check_case(CASES[name])


def test_checker_rejects_a_wrong_gradient():
    """The harness must fail on a wrong formula: softmax CE with the sign flipped, and y - sigma(z) for BCE."""

    def wrong_ce(rng):
        params, loss_np, grad_np, loss_t = case_softmax_ce(rng)
        return params, loss_np, (lambda z: {"z": -grad_np(z)["z"]}), loss_t

    def wrong_focal(rng):  # drop the gamma p_t log p_t term
        params, loss_np, grad_np, loss_t = make_case_focal(0.25, 2.0)(rng)

        def g(z):
            p = sigmoid(z)
            return {"z": 0.25 * (p - 1)}

        return params, loss_np, g, loss_t

    for bad in (wrong_ce, wrong_focal):
        with pytest.raises(AssertionError):
            check_case(bad)


def test_focal_loss_is_not_convex_for_positive_gamma():
    """The guide says focal loss is non-convex in the logit for gamma > 0 (negative curvature near z = -4, y = 1)."""
    z = torch.linspace(-10, 10, 4001, dtype=torch.float64, requires_grad=True)

    def fl(z, gamma):
        p = torch.sigmoid(z)
        return -((1 - p) ** gamma) * torch.log(p)

    for gamma, expect_negative in [(0.0, False), (2.0, True)]:
        (g,) = torch.autograd.grad(fl(z, gamma).sum(), z, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), z)
        if expect_negative:
            assert h.min().item() < -1e-3
            zmin = z[h.argmin()].item()
            assert -5.0 < zmin < -3.0
        else:
            assert h.min().item() >= 0.0


def test_focal_reduces_to_bce():
    z = np.linspace(-4, 4, 9)
    for y in (0.0, 1.0):
        yb = np.full_like(z, y)
        p = sigmoid(z)
        pt = np.where(yb == 1, p, 1 - p)
        focal = -(1 - pt) ** 0 * np.log(pt)
        np.testing.assert_allclose(focal, softplus(z) - yb * z, rtol=1e-12)


def test_label_smoothing_optimal_logit_gap():
    """At the optimum of label-smoothed CE the true-class logit exceeds the others by log(((1-e)K + e)/e)."""
    eps, k = 0.1, 10
    target = (1 - eps) * np.eye(k)[0] + eps / k
    z = np.log(target)  # softmax(z) = target, so the gradient softmax(z) - target vanishes
    np.testing.assert_allclose(softmax(z) - target, 0.0, atol=1e-15)
    gap = z[0] - z[1]
    np.testing.assert_allclose(gap, math.log(((1 - eps) * k + eps) / eps), rtol=1e-12)


def test_initial_loss_values():
    """Softmax CE with zero logits is log K; BCE with zero logit is log 2 (the 'loss at initialization' check)."""
    for k in (2, 10, 1000):
        ce = F.cross_entropy(torch.zeros(1, k), torch.tensor([0])).item()
        assert abs(ce - math.log(k)) < 1e-6
    assert abs(F.binary_cross_entropy_with_logits(torch.zeros(1), torch.ones(1)).item() - math.log(2)) < 1e-7


def test_pinball_minimizer_is_the_quantile():
    y = np.random.default_rng(0).standard_exponential(1001)
    grid = np.linspace(0, 5, 5001)
    for tau in (0.1, 0.5, 0.9):
        u = y[None, :] - grid[:, None]
        risk = np.mean(np.maximum(tau * u, (tau - 1) * u), axis=1)
        best = grid[np.argmin(risk)]
        assert abs(best - np.quantile(y, tau, method="inverted_cdf")) < 2e-3


def test_kl_div_direction_in_pytorch():
    """F.kl_div(log q, p, reduction='batchmean') equals KL(p || q) per example."""
    rng = np.random.default_rng(3)
    p = softmax(rng.normal(size=(4, 6)))
    q = softmax(rng.normal(size=(4, 6)))
    expected = np.mean(np.sum(p * np.log(p / q), axis=1))
    got = F.kl_div(torch.from_numpy(np.log(q)), torch.from_numpy(p), reduction="batchmean").item()
    assert abs(got - expected) < 1e-12
    reverse = np.mean(np.sum(q * np.log(q / p), axis=1))
    assert abs(got - reverse) > 1e-3


def test_brier_score_formula_and_properness():
    """guides/code-templates.md, Calibration: BS = mean (p - y)^2, equal to sklearn's brier_score_loss; 0.5 everywhere
    scores 0.25; strictly proper: the expected score under y ~ Bernoulli(q) is smallest only at p = q."""
    from sklearn.metrics import brier_score_loss

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 200)
    p = rng.uniform(size=200)
    assert abs(np.mean((p - y) ** 2) - brier_score_loss(y, p)) < 1e-12
    assert brier_score_loss(y, np.full(200, 0.5)) == 0.25
    assert brier_score_loss(y, y.astype(float)) == 0.0
    grid = np.linspace(0, 1, 1001)
    for q in (0.1, 0.37, 0.8):
        expected = q * (grid - 1) ** 2 + (1 - q) * grid**2
        assert abs(grid[np.argmin(expected)] - q) < 1e-3
