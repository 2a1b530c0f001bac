"""RL family: dynamic programming against the Bellman linear system, TD control against V*, pieces against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.rl import a2c, bandits, dqn, ppo, reinforce, td_control
from mlnotes.algorithms.rl import dynamic_programming as dp
from mlnotes.algorithms.rl.envs import GridWorld, VecCartPole

torch.set_num_threads(1)


@pytest.mark.parametrize("gamma,slip", [(0.9, 0.0), (0.95, 0.1), (0.99, 0.3)])
def test_value_and_policy_iteration_solve_bellman_system(gamma, slip):
    env = GridWorld(slip=slip)
    V_vi, pi_vi, _ = dp.value_iteration(env.P, env.R, gamma, tol=1e-12)
    V_pi, pi_pi, _ = dp.policy_iteration(env.P, env.R, gamma)
    V_lin = dp.policy_evaluation_exact(env.P, env.R, pi_pi, gamma)
    np.testing.assert_allclose(V_pi, V_lin, atol=1e-12)
    np.testing.assert_allclose(V_vi, V_lin, atol=1e-12 * gamma / (1 - gamma) + 1e-12)
    # Bellman optimality holds and no policy is better in any state
    np.testing.assert_allclose(dp.q_from_v(env.P, env.R, V_lin, gamma).max(1), V_lin, atol=1e-12)
    np.testing.assert_allclose(dp.policy_evaluation_exact(env.P, env.R, pi_vi, gamma), V_lin, atol=1e-9)


def test_gridworld_model_is_stochastic_matrix():
    env = GridWorld(slip=0.2)
    np.testing.assert_allclose(env.P.sum(-1), 1.0)
    for s in env.terminal:
        assert np.all(env.P[s, :, s] == 1) and np.all(env.R[s] == 0)


def test_q_learning_reaches_optimal_policy():
    env = GridWorld()
    Q, _ = td_control.td_control(env, "q-learning", episodes=3000, epsilon=1.0, seed=0)
    gap, _ = td_control.greedy_value_gap(env, Q, 0.95)
    assert gap < 1e-8


def test_sarsa_on_deterministic_grid_is_optimal_and_update_rules_differ():
    env = GridWorld(slip=0.0)
    Q, _ = td_control.td_control(env, "sarsa", episodes=1500, epsilon=0.1, seed=0)
    assert td_control.greedy_value_gap(env, Q, 0.95)[0] < 1e-8
    with pytest.raises(ValueError):
        td_control.td_control(env, "expected", episodes=1)


def test_bandit_regret_ordering_and_sublinearity():
    mu = np.array([0.2, 0.5, 0.7])
    rng = np.random.default_rng(0)
    T = 3000
    reg = {p: np.mean([bandits.run_bandit(p, mu, T, rng, eps=0.1)[[T // 10 - 1, T - 1]] for _ in range(8)], axis=0)
           for p in ("eps-greedy", "ucb1", "thompson")}
    random_regret = T * (mu.max() - mu.mean())
    for p in reg:
        assert reg[p][1] < 0.25 * random_regret
    # logarithmic strategies: the last 90% of pulls add far less regret than 9x the first 10%
    for p in ("ucb1", "thompson"):
        assert reg[p][1] - reg[p][0] < 3 * reg[p][0]
    # epsilon-greedy keeps exploring: regret keeps growing about linearly, eps * T * mean gap
    assert reg["eps-greedy"][1] > 0.5 * 0.1 * T * np.mean(mu.max() - mu) * 2 / 3


def test_cartpole_dynamics():
    env = VecCartPole(2, seed=0)
    env.state = np.zeros((2, 4))
    env.step(np.array([1, 0]))
    s = env.state
    # from rest, pushing right accelerates the cart right and tips the pole left (and symmetrically)
    assert s[0, 1] > 0 and s[0, 3] < 0 and s[1, 1] < 0 and s[1, 3] > 0
    np.testing.assert_allclose(s[0], -s[1])
    # the first Euler step: x_dot = tau * x_acc with x_acc from the equations at theta = 0
    total, ml = 1.1, 0.05
    temp = 10 / total
    th_acc = -temp / (0.5 * (4 / 3 - 0.1 / total))
    x_acc = temp - ml * th_acc / total
    assert abs(s[0, 1] - 0.02 * x_acc) < 1e-12 and abs(s[0, 3] - 0.02 * th_acc) < 1e-12
    # the upright pole is an unstable equilibrium: a small tilt grows when the cart alternates pushes
    env = VecCartPole(1, seed=0)
    env.state = np.array([[0, 0, 0.01, 0]])
    for k in range(10):
        env.step(np.array([k % 2]))
    assert env.state[0, 2] > 0.01


def test_reinforce_gradient_equals_autograd():
    rng = np.random.default_rng(0)
    O, A, adv = rng.normal(size=(5, 3, 4)), rng.integers(0, 2, (5, 3)), rng.normal(size=(5, 3))
    W, b = rng.normal(size=(4, 2)), rng.normal(size=2)
    P = reinforce.softmax(O @ W + b)
    gW = np.einsum("tni,tnj->ij", O, (np.eye(2)[A] - P) * adv[..., None])
    Wt = torch.tensor(W, requires_grad=True)
    lsm = torch.log_softmax(torch.tensor(O) @ Wt + torch.tensor(b), -1)
    (lsm.gather(-1, torch.tensor(A)[..., None])[..., 0] * torch.tensor(adv)).sum().backward()
    np.testing.assert_allclose(gW, Wt.grad.numpy(), atol=1e-12)


def test_gae_limits_and_n_step_returns():
    rng = np.random.default_rng(0)
    R, V, last = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)), rng.normal(size=2)
    D = np.zeros((6, 2))
    D[3, 1] = 1
    G = a2c.n_step_returns(R, D, last, 0.9)
    np.testing.assert_allclose(ppo.gae(R, V, D, last, 0.9, 1.0), G - V, atol=1e-12)  # lambda = 1: MC minus V
    nxt = np.vstack([V[1:], last[None]])
    np.testing.assert_allclose(ppo.gae(R, V, D, last, 0.9, 0.0), R + 0.9 * nxt * (1 - D) - V, atol=1e-12)
    assert abs(G[3, 1] - R[3, 1]) < 1e-12  # termination cuts the bootstrap


def test_ppo_clip_loss_and_gradient_equal_torch():
    rng = np.random.default_rng(0)
    logits, A = rng.normal(size=(50, 2)), rng.integers(0, 2, 50)
    lp_old = np.log(torch.softmax(torch.tensor(logits + rng.normal(0, 0.5, (50, 2))), 1).numpy()[np.arange(50), A])
    adv = rng.normal(size=50)
    x = Tensor(logits)
    lsm = x - x.logsumexp(axis=1)
    loss = ppo.ppo_clip_loss(lsm.pick(A), lp_old, adv, 0.2)
    loss.backward()
    xt = torch.tensor(logits, requires_grad=True)
    ratio = torch.exp(torch.log_softmax(xt, 1)[torch.arange(50), torch.tensor(A)] - torch.tensor(lp_old))
    at = torch.tensor(adv)
    ref = -torch.min(ratio * at, torch.clamp(ratio, 0.8, 1.2) * at).mean()
    ref.backward()
    assert abs(float(loss.data) - ref.item()) < 1e-12
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-12)


def test_dqn_huber_loss_equals_torch():
    rng = np.random.default_rng(0)
    q, target = rng.normal(0, 2, 40), rng.normal(0, 2, 40)
    qt = Tensor(q)
    loss = dqn.huber_td_loss(qt, target)
    loss.backward()
    tq = torch.tensor(q, requires_grad=True)
    ref = torch.nn.functional.smooth_l1_loss(tq, torch.tensor(target))
    ref.backward()
    assert abs(float(loss.data) - ref.item()) < 1e-12
    np.testing.assert_allclose(qt.grad, tq.grad.numpy(), atol=1e-12)


def test_ppo_improves_over_random_within_small_budget():
    from mlnotes.algorithms.rl.nets import mlp_np

    pi, _, curve = ppo.ppo(iterations=12, n_envs=8, seed=0)
    score = reinforce.evaluate(lambda o: np.argmax(mlp_np(pi, o), axis=1), episodes=10)
    assert score > 100  # random play averages about 22
