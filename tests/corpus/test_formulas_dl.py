"""Numerical checks of formulas stated in the deep-learning guides that their code blocks do not already assert.

Covers ``corpus/guides/modern-ml-ai-techniques.md``, ``deep-learning-architectures.md``,
``advanced-deep-learning.md`` and ``visualization.md``. Each test computes a stated identity two independent ways,
so a wrong formula in the guide (or a wrong constant here) fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.integrate import solve_ivp
from scipy.linalg import expm

RNG = np.random.default_rng(1234)


# --------------------------------------------------------------------------- modern-ml-ai-techniques: diffusion

def _ddpm_schedule(T=1000):
    betas = np.linspace(1e-4, 0.02, T)
    alphas = 1.0 - betas
    return betas, alphas, np.cumprod(alphas)


@pytest.mark.parametrize("t", [1, 10, 500, 999])
def test_ddpm_ancestral_mean_equals_gaussian_posterior_mean(t):
    """(1/sqrt(a_t)) (x_t - b_t / sqrt(1 - abar_t) eps) is the mean of q(x_{t-1} | x_t, x_0) when eps is the true noise,
    and the posterior variance is beta_tilde = (1 - abar_{t-1}) / (1 - abar_t) beta_t."""
    betas, alphas, abar = _ddpm_schedule()
    i = t  # 0-based index of step t+1 so that abar_prev exists
    b, a, ab, ab_prev = betas[i], alphas[i], abar[i], abar[i - 1]
    x0 = RNG.standard_normal(8)
    eps = RNG.standard_normal(8)
    xt = math.sqrt(ab) * x0 + math.sqrt(1 - ab) * eps
    mean_eps = (xt - b / math.sqrt(1 - ab) * eps) / math.sqrt(a)
    # Bayes for Gaussians: prior x_{t-1} ~ N(sqrt(ab_prev) x0, 1 - ab_prev), likelihood x_t ~ N(sqrt(a) x_{t-1}, b)
    prec = 1 / (1 - ab_prev) + a / b
    var_post = 1 / prec
    mean_post = var_post * (math.sqrt(ab_prev) * x0 / (1 - ab_prev) + math.sqrt(a) * xt / b)
    assert np.allclose(mean_eps, mean_post, rtol=1e-9, atol=1e-9)
    assert math.isclose(var_post, (1 - ab_prev) / (1 - ab) * b, rel_tol=1e-9)


def test_ddpm_score_is_minus_eps_over_sigma():
    """grad_{x_t} log q(x_t | x_0) = -eps / sqrt(1 - abar_t)."""
    _, _, abar = _ddpm_schedule()
    ab = float(abar[300])
    x0 = torch.randn(5, dtype=torch.float64)
    eps = torch.randn(5, dtype=torch.float64)
    xt = (math.sqrt(ab) * x0 + math.sqrt(1 - ab) * eps).requires_grad_(True)
    logq = torch.distributions.Normal(math.sqrt(ab) * x0, math.sqrt(1 - ab)).log_prob(xt).sum()
    (score,) = torch.autograd.grad(logq, xt)
    assert torch.allclose(score, -eps / math.sqrt(1 - ab))


# --------------------------------------------------------------------------- modern: alignment

def test_kl_regularized_optimum_and_dpo_partition_cancels():
    """pi*(y) = pi_ref(y) exp(r(y)/beta) / Z maximizes E_pi[r] - beta KL(pi || pi_ref), and the implied reward
    beta log(pi*/pi_ref) differs from r by the constant beta log Z, which cancels in reward differences."""
    beta = 0.7
    r = RNG.normal(size=6)
    pi_ref = RNG.dirichlet(np.ones(6))
    w = pi_ref * np.exp(r / beta)
    Z = w.sum()
    pi_star = w / Z

    def objective(pi):
        return pi @ r - beta * np.sum(pi * np.log(pi / pi_ref))

    best = objective(pi_star)
    for _ in range(300):
        other = RNG.dirichlet(np.ones(6) * 2)
        assert objective(other) <= best + 1e-12
    implied = beta * np.log(pi_star / pi_ref)
    assert np.allclose(implied, r - beta * np.log(Z))
    assert np.allclose(implied[:, None] - implied[None, :], r[:, None] - r[None, :])
    assert math.isclose(best, beta * math.log(Z))  # the optimal value is beta log Z


# --------------------------------------------------------------------------- modern: architecture pieces

def test_swiglu_two_thirds_width_keeps_ffn_parameter_count():
    for d in (768, 3072, 4095):
        hidden = 2 * 4 * d / 3
        assert math.isclose(3 * d * hidden, 2 * d * (4 * d))


def test_rmsnorm_formula_and_relation_to_layernorm():
    x = torch.randn(4, 32, dtype=torch.float64)
    eps = 1e-6
    rms = x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    assert torch.allclose(rms, nn.RMSNorm(32, eps=eps, dtype=torch.float64)(x))
    xc = x - x.mean(-1, keepdim=True)  # on zero-mean inputs RMSNorm and LayerNorm coincide
    xc_rms = xc / torch.sqrt(xc.pow(2).mean(-1, keepdim=True) + eps)
    assert torch.allclose(xc_rms, F.layer_norm(xc, (32,), eps=eps))
    assert not torch.allclose(rms, F.layer_norm(x + 3.0, (32,), eps=eps))


def test_switch_load_balancing_loss_is_minimal_for_uniform_routing():
    """With f = P (a distribution over N experts), N * sum f_i P_i = N * sum P_i^2 >= 1, equality iff uniform."""
    for n in (2, 8, 64):
        assert math.isclose(n * np.sum(np.full(n, 1 / n) ** 2), 1.0)
        for _ in range(50):
            p = RNG.dirichlet(np.ones(n))
            assert n * np.sum(p * p) >= 1.0 - 1e-12


def test_long_convolution_by_fft_equals_direct_causal_convolution():
    """Hyena's long convolutions via FFT (zero-padded to 2n) equal the direct O(n^2) causal convolution."""
    n = 257
    u, h = RNG.standard_normal(n), RNG.standard_normal(n)
    direct = np.array([sum(h[k] * u[t - k] for k in range(t + 1)) for t in range(n)])
    fft = np.fft.irfft(np.fft.rfft(u, 2 * n) * np.fft.rfft(h, 2 * n), 2 * n)[:n]
    assert np.allclose(direct, fft)


def test_zero_order_hold_discretization_is_exact_for_constant_input():
    """A_bar = exp(dA), B_bar = (dA)^{-1}(exp(dA) - I) dB solves h' = A h + B u exactly over one step."""
    A = np.array([[-1.0, 0.3], [0.0, -2.5]])
    B = np.array([[0.7], [-1.1]])
    u, dt, h0 = 0.8, 0.37, np.array([0.5, -0.2])
    A_bar = expm(dt * A)
    B_bar = np.linalg.solve(dt * A, A_bar - np.eye(2)) @ (dt * B)
    sol = solve_ivp(lambda _t, h: A @ h + (B * u).ravel(), (0, dt), h0, rtol=1e-11, atol=1e-12)
    assert np.allclose(A_bar @ h0 + (B_bar * u).ravel(), sol.y[:, -1], atol=1e-8)
    euler_B = dt * B  # Mamba's simplification is only first-order accurate
    assert not np.allclose(A_bar @ h0 + (euler_B * u).ravel(), sol.y[:, -1], atol=1e-8)


# --------------------------------------------------------------------------- deep-learning-architectures

def test_tanh_is_a_rescaled_sigmoid():
    z = torch.linspace(-6, 6, 101, dtype=torch.float64)
    assert torch.allclose(torch.tanh(z), 2 * torch.sigmoid(2 * z) - 1)


def test_xavier_and_he_variances():
    torch.manual_seed(0)
    fan_in, fan_out = 400, 300
    w = torch.empty(fan_out, fan_in)
    nn.init.xavier_uniform_(w)
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert w.abs().max() <= limit
    assert math.isclose(w.var().item(), 2 / (fan_in + fan_out), rel_tol=0.03)   # Var U[-a, a] = a^2 / 3
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert math.isclose(w.var().item(), 2 / fan_in, rel_tol=0.03)
    z = torch.randn(2_000_000, generator=torch.Generator().manual_seed(1)) * 3.0
    assert math.isclose(torch.relu(z).pow(2).mean().item(), 0.5 * 9.0, rel_tol=0.01)   # E[ReLU(z)^2] = Var(z)/2


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_receptive_field_of_stacked_3x3_convolutions(depth):
    torch.manual_seed(0)
    net = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(depth)])
    for conv in net:
        nn.init.constant_(conv.weight, 1.0)
    x = torch.zeros(1, 1, 21, 21, requires_grad=True)
    (g,) = torch.autograd.grad(net(x)[0, 0, 10, 10], x)
    rows, cols = torch.nonzero(g[0, 0], as_tuple=True)
    assert (rows.max() - rows.min() + 1) == 2 * depth + 1 == (cols.max() - cols.min() + 1)


def test_momentum_forms_and_effective_step():
    """v = mu v + g; theta -= lr v (PyTorch form) equals v = mu v - lr g; theta += v for a constant lr,
    and with a constant gradient the step approaches lr g / (1 - mu)."""
    lr, mu = 0.1, 0.9
    theta_a = theta_b = 0.0
    v_a = v_b = 0.0
    steps = []
    for t in range(200):
        g = math.sin(t) + 2.0
        v_a = mu * v_a + g
        theta_a -= lr * v_a
        v_b = mu * v_b - lr * g
        theta_b += v_b
        assert math.isclose(theta_a, theta_b, rel_tol=1e-12, abs_tol=1e-12)
    v = 0.0
    for _ in range(300):
        v = mu * v + 1.0
        steps.append(lr * v)
    assert math.isclose(steps[-1], lr / (1 - mu), rel_tol=1e-9)


def test_bottleneck_and_squeeze_excitation_parameter_counts():
    bottleneck = nn.Sequential(nn.Conv2d(256, 64, 1, bias=False), nn.Conv2d(64, 64, 3, padding=1, bias=False),
                               nn.Conv2d(64, 256, 1, bias=False))
    plain = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1, bias=False), nn.Conv2d(256, 256, 3, padding=1, bias=False))
    n_b = sum(p.numel() for p in bottleneck.parameters())
    n_p = sum(p.numel() for p in plain.parameters())
    assert n_b == 256 * 64 + 9 * 64 ** 2 + 64 * 256 and round(n_b / 1e3) == 70
    assert n_p == 2 * 9 * 256 ** 2 and round(n_p / 1e6, 2) == 1.18
    for width in (256, 512):  # the general counts the guide gives: 17C^2/16 against 18C^2, 278,528 vs 4,718,592 at 512
        b = nn.Sequential(nn.Conv2d(width, width // 4, 1, bias=False), nn.Conv2d(width // 4, width // 4, 3, bias=False),
                          nn.Conv2d(width // 4, width, 1, bias=False))
        p = nn.Sequential(nn.Conv2d(width, width, 3, bias=False), nn.Conv2d(width, width, 3, bias=False))
        n_bw, n_pw = (sum(q.numel() for q in m.parameters()) for m in (b, p))
        assert n_bw * 16 == 17 * width ** 2 and n_pw == 18 * width ** 2
    assert (n_bw, n_pw) == (278_528, 4_718_592) and round(n_pw / n_bw) == 17
    c, r = 256, 16
    se = nn.Sequential(nn.Linear(c, c // r, bias=False), nn.Linear(c // r, c, bias=False))
    assert sum(p.numel() for p in se.parameters()) == 2 * c * c // r


# --------------------------------------------------------------------------- advanced-deep-learning

def test_elbo_gap_is_kl_to_the_true_posterior():
    """log p(x) - ELBO(q) = KL(q || p(z | x)) in the conjugate model z ~ N(0, 1), x | z ~ N(z, s^2)."""
    s2, x = 0.5, 1.3
    log_px = -0.5 * math.log(2 * math.pi * (1 + s2)) - x ** 2 / (2 * (1 + s2))
    post_m, post_v = x / (1 + s2), s2 / (1 + s2)

    def kl(m1, v1, m2, v2):
        return 0.5 * (math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1)

    for m, v in [(0.0, 1.0), (0.4, 0.2), (post_m, post_v), (-1.0, 2.0)]:
        recon = -0.5 * math.log(2 * math.pi * s2) - ((x - m) ** 2 + v) / (2 * s2)
        elbo = recon - kl(m, v, 0.0, 1.0)   # the closed-form KL to the standard normal prior
        assert elbo <= log_px + 1e-12
        assert math.isclose(log_px - elbo, kl(m, v, post_m, post_v), abs_tol=1e-12)


def test_gpipe_bubble_fraction_by_simulating_the_schedule():
    """Forward pass of m micro-batches through p stages: stage s runs micro-batch j at time s + j."""
    for p in (2, 4, 8):
        for m in (1, 4, 32):
            slots = m + p - 1
            busy = np.zeros((p, slots), dtype=bool)
            for s in range(p):
                for j in range(m):
                    busy[s, s + j] = True
            assert math.isclose(1 - busy.mean(), (p - 1) / (m + p - 1))


def test_fp16_subnormal_limit_and_loss_scaling():
    assert torch.tensor(2.0 ** -24).half().item() == 2.0 ** -24          # smallest fp16 subnormal, about 6e-8
    assert torch.tensor(2.0 ** -26).half().item() == 0.0                 # below it: flushed to zero
    assert torch.tensor(2.0 ** -26 * 2 ** 16).half().float().item() / 2 ** 16 == 2.0 ** -26   # scaled: survives


def test_cosine_schedule_endpoints_and_symmetry():
    lr_max, lr_min, T = 1.0, 0.1, 100

    def cos(t):
        return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / T))

    assert math.isclose(cos(0), lr_max) and math.isclose(cos(T), lr_min)
    assert math.isclose(cos(T / 2), (lr_max + lr_min) / 2)
    for t in range(T + 1):
        assert math.isclose(cos(t) + cos(T - t), lr_max + lr_min)


# --------------------------------------------------------------------------- visualization

def test_bias_corrected_ema_is_exact_on_a_constant_series():
    beta, s = 0.9, 0.0
    for t in range(1, 30):
        s = beta * s + (1 - beta) * 5.0
        assert math.isclose(s / (1 - beta ** t), 5.0)
    assert s < 5.0  # without correction the early average is biased towards zero


def test_gradcam_weights_are_mean_gradients_and_relu_keeps_positive_evidence():
    torch.manual_seed(0)
    A = torch.randn(6, 5, 5, requires_grad=True)          # K = 6 feature maps
    W = torch.randn(3, 6)
    score = (W @ torch.tanh(A).mean(dim=(1, 2)))[1]       # a non-linear head above the maps
    (dA,) = torch.autograd.grad(score, A)
    alpha = dA.mean(dim=(1, 2))
    cam = torch.relu((alpha[:, None, None] * A.detach()).sum(0))
    assert cam.min() >= 0 and cam.shape == (5, 5)
    expected_alpha = W[1] / 25 * (1 - torch.tanh(A.detach()) ** 2).mean(dim=(1, 2))
    assert torch.allclose(alpha, expected_alpha, atol=1e-7)
