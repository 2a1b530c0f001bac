"""Advantage actor-critic (A2C, the synchronous A3C) on CartPole.

``N`` environments step in lockstep for ``T`` steps; the critic ``V_w`` gives bootstrapped ``T``-step returns
``G_t = r_t + gamma r_{t+1} + ... + gamma^{T-t} V_w(s_T)`` (cut at terminations), advantages
``A_t = G_t - V_w(s_t)``, and one gradient step on [@mnih2016asynchronous]

    L = -(1/NT) sum_t [ log pi_theta(a_t | s_t) A_t + c_e H(pi_theta(. | s_t)) ] + c_v (1/NT) sum_t (G_t - V_w(s_t))^2

with ``A_t`` treated as a constant in the actor term. Compared with REINFORCE the critic replaces Monte Carlo
returns by bootstrapped ones: lower variance, some bias, and learning within an episode.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.rl.envs import VecCartPole
from mlnotes.algorithms.rl.nets import adam_step, init_mlp, log_softmax, make_adam, mlp, mlp_np


def n_step_returns(rewards, dones, last_value, gamma):
    """rewards, dones: (T, N); bootstrap from last_value (N,) unless the episode ended."""
    G = np.zeros_like(rewards)
    run = last_value.copy()
    for t in reversed(range(len(rewards))):
        run = rewards[t] + gamma * run * (1 - dones[t])
        G[t] = run
    return G


def a2c(updates=400, n_envs=16, T=32, lr=1e-3, gamma=0.99, vf_coef=0.5, ent_coef=0.01, seed=0):
    rng = np.random.default_rng(seed)
    pi, vf = init_mlp([4, 32, 2], rng, 0.01), init_mlp([4, 32, 1], rng)
    opt_pi, opt_v = make_adam(pi, lr), make_adam(vf, lr)
    env = VecCartPole(n_envs, seed=seed)
    obs = env.state.copy()
    curve = []
    for u in range(updates):
        O, A, R, D = [], [], [], []
        for _ in range(T):
            logits = mlp_np(pi, obs)
            p1 = 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))  # pi(a = 1 | s)
            a = (rng.random(n_envs) < p1).astype(int)
            O.append(obs)
            A.append(a)
            obs, r, done = env.step(a)
            R.append(r)
            D.append(done.astype(float))
        O, A, R, D = map(np.array, (O, A, R, D))
        G = n_step_returns(R, D, mlp_np(vf, obs)[:, 0], gamma).ravel()
        O, A = O.reshape(-1, 4), A.ravel()
        V = mlp(vf, O)
        adv = G - V.data[:, 0]
        lsm = log_softmax(mlp(pi, O))
        entropy = -(lsm.exp() * lsm).sum(axis=1).mean()
        adam_step(pi, -(lsm.pick(A) * adv).mean() - entropy * ent_coef, opt_pi)
        adam_step(vf, ((V - G[:, None]) ** 2).mean() * vf_coef, opt_v)
        if u % 10 == 0:
            recent = env.finished_returns[-20:]
            curve.append(float(np.mean(recent)) if recent else 0.0)
    return pi, vf, curve


def demo(updates: int = 400, n_envs: int = 16, n_steps: int = 32, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    from mlnotes.algorithms.rl.reinforce import evaluate

    pi, _, curve = a2c(updates, n_envs, n_steps, seed=seed)
    score = evaluate(lambda o: np.argmax(mlp_np(pi, o), axis=1))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(np.arange(len(curve)) * 10, curve)
    ax.axhline(195, color="k", ls="--", label="solved (195)")
    ax.set(xlabel="update", ylabel="mean return (last 20 episodes)", title="A2C on CartPole")
    ax.legend()
    return DemoResult(metrics={"greedy_return": score, "final_train_return": curve[-1]},
                      reference={"greedy_return": 200.0}, figure=fig, reference_name="maximum return 200 (episode cap)")
