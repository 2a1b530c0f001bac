"""Closed forms stated in the corpus guides, checked numerically.

- corpus/guides/algorithm-complexity.md and loss-functions.md: OLS normal equations, ridge closed form (primal,
  dual, streaming accumulation), logistic-loss gradient and Hessian, softmax cross-entropy Hessian bound,
  gradient-descent convergence bounds O(1/k) and (1 - mu/L)^k on a least-squares problem, the optimal variance of
  the Gaussian NLL.
- corpus/guides/speculative-coding.md: the acceptance probability 1 - TV(p, q), the output distribution of the
  speculative sampling step (equal to the target's), the expected tokens per verification step
  (1 - a^(g+1)) / (1 - a) and the wall-time speedup formula. The sampling step is taken from the guide's own code
  block, so the guide and the test cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

ROOT = Path(__file__).resolve().parents[2]
SPEC_GUIDE = ROOT / "corpus" / "guides" / "speculative-coding.md"


def make_regression(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = X @ w + 0.1 * rng.normal(size=n)
    return X, y


# ----------------------------------------------------------------------------- linear models


def test_ols_normal_equations_match_lstsq():
    X, y = make_regression()
    w_ne = np.linalg.solve(X.T @ X, X.T @ y)
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(w_ne, w_ls, rtol=1e-10, atol=1e-12)
    # a wrong formula (forgetting X^T on the right) would not even have the right meaning; a perturbed one fails
    assert not np.allclose(np.linalg.solve(X.T @ X + np.eye(5), X.T @ y), w_ls, rtol=1e-6)


@pytest.mark.parametrize("lam", [0.01, 1.0, 25.0])
def test_ridge_closed_form_matches_sklearn(lam):
    X, y = make_regression()
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)  # (X^T X + lam I)^{-1} X^T y
    sk = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y).coef_
    np.testing.assert_allclose(w, sk, rtol=1e-9, atol=1e-12)
    sk_svd = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y).coef_
    np.testing.assert_allclose(w, sk_svd, rtol=1e-9, atol=1e-12)


def test_ridge_closed_form_is_the_gradient_descent_minimum():
    X, y = make_regression()
    lam = 2.0
    d = X.shape[1]
    w_star = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    # minimize ||y - Xw||^2 + lam ||w||^2 by gradient descent with step 1/L
    H = 2 * (X.T @ X + lam * np.eye(d))
    L = np.linalg.eigvalsh(H).max()
    w = np.zeros(d)
    for _ in range(5000):
        w -= (2 * X.T @ (X @ w - y) + 2 * lam * w) / L
    np.testing.assert_allclose(w, w_star, rtol=1e-8, atol=1e-10)
    wrong = np.linalg.solve(X.T @ X + 2 * lam * np.eye(d), X.T @ y)  # a factor-2 slip must be detectable
    assert not np.allclose(w, wrong, rtol=1e-6)


def test_ridge_dual_form_equals_primal_when_d_exceeds_n():
    X, y = make_regression(n=8, d=20, seed=1)
    lam = 0.5
    primal = np.linalg.solve(X.T @ X + lam * np.eye(20), X.T @ y)
    dual = X.T @ np.linalg.solve(X @ X.T + lam * np.eye(8), y)  # X^T (X X^T + lam I)^{-1} y
    np.testing.assert_allclose(primal, dual, rtol=1e-9, atol=1e-12)


def test_streaming_normal_equations():
    """Accumulating X^T X and X^T y in chunks (one pass, O(d^2) memory) gives the same OLS solution."""
    X, y = make_regression(n=1000, d=6, seed=2)
    A = np.zeros((6, 6))
    b = np.zeros(6)
    for start in range(0, 1000, 128):
        Xc, yc = X[start:start + 128], y[start:start + 128]
        A += Xc.T @ Xc
        b += Xc.T @ yc
    np.testing.assert_allclose(np.linalg.solve(A, b), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)


def test_gradient_descent_convergence_bounds():
    """f(w_k) - f* <= L R^2 / (2k) (convex, L-smooth) and <= (1 - mu/L)^k (f(w_0) - f*) (mu-strongly convex)."""
    X, y = make_regression(n=50, d=4, seed=3)
    n = len(y)
    H = 2 * X.T @ X / n  # f(w) = (1/n) ||Xw - y||^2
    eig = np.linalg.eigvalsh(H)
    mu, L = eig.min(), eig.max()
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]

    def f(w):
        return np.mean((X @ w - y) ** 2)

    f_star = f(w_star)
    w0 = np.full(4, 3.0)
    R2 = np.sum((w0 - w_star) ** 2)
    w = w0.copy()
    gaps = []
    for _ in range(200):
        w = w - (2 * X.T @ (X @ w - y) / n) / L
        gaps.append(f(w) - f_star)
    ks = np.arange(1, 201)
    assert np.all(np.array(gaps) <= L * R2 / (2 * ks) + 1e-12)
    assert np.all(np.array(gaps) <= (1 - mu / L) ** ks * (f(w0) - f_star) + 1e-12)
    # the rate really is geometric, and for least squares it is the square of the general one: the gap is a sum of
    # terms (1 - lambda_i/L)^(2k) over the eigenvalues of H, so once the slowest direction dominates it shrinks by
    # (1 - mu/L)^2 a step, and a still faster claimed rate is violated. (Until round 17 this asserted that
    # (1 - mu/L)^(2k) itself is violated somewhere, which is false for a quadratic: it held only through rounding
    # noise at gaps of 1e-17 on one CPU, and failed on another.) Only gaps far above rounding noise are read.
    g = np.array(gaps)
    assert np.allclose(g[15:20] / g[14:19], (1 - mu / L) ** 2, rtol=1e-3)
    above_noise = g > 1e-12
    assert np.any(g[above_noise] > ((1 - mu / L) ** (2.2 * ks) * (f(w0) - f_star))[above_noise])


# ----------------------------------------------------------------------------- logistic and softmax


def test_logistic_gradient_and_hessian_closed_forms():
    rng = np.random.default_rng(4)
    n, d = 40, 3
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n).astype(float)
    w = rng.normal(size=d)

    def loss(wt):
        z = torch.from_numpy(X) @ wt
        return torch.mean(torch.nn.functional.softplus(z) - torch.from_numpy(y) * z)

    wt = torch.tensor(w, requires_grad=True)
    (g_auto,) = torch.autograd.grad(loss(wt), wt)
    H_auto = torch.autograd.functional.hessian(loss, torch.tensor(w)).numpy()
    s = 1 / (1 + np.exp(-X @ w))
    g = X.T @ (s - y) / n  # (1/n) X^T (sigma(Xw) - y)
    H = X.T @ np.diag(s * (1 - s)) @ X / n  # (1/n) X^T S X
    np.testing.assert_allclose(g, g_auto.numpy(), rtol=1e-7)
    np.testing.assert_allclose(H, H_auto, rtol=1e-7, atol=1e-12)
    # smoothness constant lambda_max(X^T X) / (4n) bounds the Hessian
    assert np.linalg.eigvalsh(H).max() <= np.linalg.eigvalsh(X.T @ X).max() / (4 * n) + 1e-12


def test_softmax_ce_hessian_and_bound():
    rng = np.random.default_rng(5)
    for _ in range(20):
        z = rng.normal(scale=3.0, size=6)
        y = np.eye(6)[rng.integers(6)]

        def ce(zt, y=y):
            return torch.logsumexp(zt, 0) - torch.from_numpy(y) @ zt

        H_auto = torch.autograd.functional.hessian(ce, torch.tensor(z)).numpy()
        p = np.exp(z - z.max())
        p /= p.sum()
        H = np.diag(p) - np.outer(p, p)
        np.testing.assert_allclose(H, H_auto, rtol=1e-7, atol=1e-12)
        eig = np.linalg.eigvalsh(H)
        assert eig.min() > -1e-12 and eig.max() <= 0.5 + 1e-12
        assert abs(H.sum(axis=1)).max() < 1e-12  # the all-ones direction is flat: not strongly convex


def test_gaussian_nll_optimal_variance_is_squared_residual():
    y, mu = 1.7, 0.4
    s_grid = np.linspace(-5, 5, 200001)
    nll = 0.5 * (s_grid + (y - mu) ** 2 * np.exp(-s_grid))
    s_opt = s_grid[np.argmin(nll)]
    assert abs(np.exp(s_opt) - (y - mu) ** 2) < 1e-3


# ----------------------------------------------------------------------------- speculative decoding


def load_guide_step():
    """Execute the definitions of `residual` and `speculative_step` from the guide's first python block."""
    text = SPEC_GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    src = next(b for b in blocks if "def speculative_step" in b)
    defs = src.split("\nV, GAMMA")[0]
    ns: dict = {}
    exec(compile(defs, str(SPEC_GUIDE), "exec"), ns)
    return ns["speculative_step"], ns["residual"]


def expected_tokens(alpha, gamma):
    return (1 - alpha ** (gamma + 1)) / (1 - alpha)


def speedup(alpha, gamma, c):
    return (1 - alpha ** (gamma + 1)) / ((1 - alpha) * (gamma * c + 1))


def test_acceptance_probability_is_one_minus_tv():
    rng = np.random.default_rng(6)
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
        beta = np.sum(q * np.minimum(1, p / q))
        assert abs(beta - np.sum(np.minimum(p, q))) < 1e-12
        assert abs(beta - (1 - 0.5 * np.abs(p - q).sum())) < 1e-12


def test_single_position_output_distribution_is_exact():
    """min(p, q) + (1 - beta) * residual == p, exactly (the proof in the guide)."""
    _, residual = load_guide_step()
    rng = np.random.default_rng(7)
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        beta = np.minimum(p, q).sum()
        np.testing.assert_allclose(np.minimum(p, q) + (1 - beta) * residual(p, q), p, atol=1e-12)


@pytest.mark.parametrize("gamma", [1, 3, 5])
def test_expected_tokens_formula_monte_carlo(gamma):
    """Context-independent p and q make acceptance i.i.d. with alpha = sum min(p, q)."""
    step, _ = load_guide_step()
    rng = np.random.default_rng(100 + gamma)
    V = 6
    p = rng.dirichlet(np.ones(V) * 2)
    q = 0.5 * p + 0.5 * rng.dirichlet(np.ones(V) * 2)
    alpha = np.minimum(p, q).sum()
    P = np.tile(p, (gamma + 1, 1))
    Qd = np.tile(q, (gamma, 1))
    iters = 20_000
    lengths = np.empty(iters)
    first = np.zeros(V)
    for it in range(iters):
        draft = rng.choice(V, size=gamma, p=q)
        out = step(P, Qd, draft, rng)
        lengths[it] = len(out)
        first[out[0]] += 1
    se = lengths.std() / np.sqrt(iters)
    formula = expected_tokens(alpha, gamma)
    assert abs(lengths.mean() - formula) < 4 * se + 1e-3
    # plausible wrong formulas are rejected by the same simulation: the uncapped geometric mean 1 / (1 - alpha), and
    # gamma * alpha + 1 (which coincides with the right answer only for gamma = 1)
    assert abs(lengths.mean() - 1 / (1 - alpha)) > 4 * se
    if gamma > 1:
        assert abs(lengths.mean() - (gamma * alpha + 1)) > 4 * se
    # every emitted token is distributed as p: check the first token of each iteration
    tv = 0.5 * np.abs(first / iters - p).sum()
    assert tv < 0.02


def test_speedup_formula_examples():
    assert abs(expected_tokens(0.8, 4) - 3.3616) < 1e-12
    assert abs(speedup(0.8, 4, 0.05) - 3.3616 / 1.2) < 1e-12
    assert round(speedup(0.8, 4, 0.05), 2) == 2.80
    for alpha, c in [(0.3, 0.1), (0.7, 0.5), (0.9, 0.02)]:
        assert abs(speedup(alpha, 1, c) - (1 + alpha) / (1 + c)) < 1e-12
        assert (speedup(alpha, 1, c) > 1) == (alpha > c)
    # limits: alpha -> 0 gives one token, alpha -> 1 gives gamma + 1
    assert abs(expected_tokens(1e-12, 4) - 1) < 1e-9
    assert abs(expected_tokens(1 - 1e-9, 4) - 5) < 1e-6


def test_greedy_variant_reproduces_target_greedy_decoding():
    """With point-mass targets (temperature 0) speculative decoding emits exactly the target's argmax sequence."""
    step, _ = load_guide_step()
    rng = np.random.default_rng(8)
    V = 5
    T = rng.normal(size=(V, V))  # target logits given previous token
    D = T + rng.normal(scale=1.0, size=(V, V))  # draft logits, often agreeing
    tgt_next = T.argmax(axis=1)
    drf_next = D.argmax(axis=1)
    onehot = np.eye(V)
    seq, prev = [], 0
    while len(seq) < 30:
        draft, ctx = [], prev
        for _ in range(3):
            ctx = int(drf_next[ctx])
            draft.append(ctx)
        contexts = [prev] + draft
        P = onehot[tgt_next[contexts]]
        Qd = onehot[np.array(draft)]  # the greedy draft is a point mass on its argmax
        out = step(P, Qd, np.array(draft), rng)
        seq.extend(out)
        prev = seq[-1]
    ref, prev = [], 0
    for _ in range(len(seq)):
        prev = int(tgt_next[prev])
        ref.append(prev)
    assert seq == ref


def test_discount_tail_steps_stated_in_the_rl_bank():
    """The rl-discount-factor bank answer: the rewards after T steps carry a share gamma^T of a constant-reward
    return, below epsilon only when T > ln(epsilon)/ln(gamma): 459 steps for gamma = 0.99, epsilon = 0.01, against
    the rough horizon 1/(1 - gamma) = 100."""
    text = (ROOT / "corpus" / "interview" / "reinforcement-learning.md").read_text(encoding="utf-8")
    assert "ln ε / ln γ (459 steps for γ = 0.99 and ε = 0.01)" in text
    gamma, eps = 0.99, 0.01
    rewards = gamma ** np.arange(50_000)
    share_after = lambda t: rewards[t:].sum() / rewards.sum()  # noqa: E731
    t = int(np.ceil(np.log(eps) / np.log(gamma)))
    assert t == 459 and share_after(t) < eps <= share_after(t - 1)
    assert round(1 / (1 - gamma)) == 100 and t > 4 * round(1 / (1 - gamma))
