"""Deep Q-network (DQN) with experience replay and a target network, on CartPole.

The Q-network ``Q_theta(s, .)`` (an MLP with one output per action) is trained on minibatches drawn uniformly
from a replay buffer of past transitions ``(s, a, r, s', done)`` [@mnih2015human] to minimise the Huber loss of
the temporal-difference error

    delta = Q_theta(s, a) - (r + gamma (1 - done) max_a' Q_theta^-(s', a'))

where ``theta^-`` is a copy of ``theta`` refreshed every ``C`` steps (the target network). Replay breaks the
correlation between consecutive samples and reuses data; the frozen target keeps the regression target from
moving with every step. Actions are epsilon-greedy with epsilon annealed linearly from 1 to 0.05. Failures are
stored as terminal; time-limit truncations are dropped from the buffer (their true next state is not observed).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.rl.envs import VecCartPole
from mlnotes.algorithms.rl.nets import adam_step, init_mlp, make_adam, mlp, mlp_np


def huber_td_loss(q_sa: Tensor, target: np.ndarray, delta: float = 1.0) -> Tensor:
    """Mean Huber loss; written with a mask so the autograd graph stays elementwise."""
    err = q_sa - target
    small = np.abs(err.data) <= delta
    quad = (err ** 2) * (0.5 * small)
    lin = (err * np.sign(err.data) - 0.5 * delta) * (delta * ~small)
    return (quad + lin).mean()


def dqn(vector_steps=3000, n_envs=4, batch=64, lr=1e-3, gamma=0.99, target_every=250, buffer=20_000,
        eps_decay=2500, seed=0):
    rng = np.random.default_rng(seed)
    Q = init_mlp([4, 64, 2], rng)
    Q_target = [Tensor(p.data.copy()) for p in Q]
    opt = make_adam(Q, lr)
    env = VecCartPole(n_envs, seed=seed)
    obs = env.state.copy()
    S, A_, R, S2, D = (np.zeros((buffer, 4)), np.zeros(buffer, int), np.zeros(buffer), np.zeros((buffer, 4)),
                       np.zeros(buffer))
    size, ptr, curve = 0, 0, []
    for step in range(vector_steps):
        eps = max(0.05, 1 - step / eps_decay)
        greedy = np.argmax(mlp_np(Q, obs), axis=1)
        a = np.where(rng.random(n_envs) < eps, rng.integers(0, 2, n_envs), greedy)
        prev = obs
        obs, r, done = env.step(a)
        # a finished episode's next observation is already the reset state: a failure is stored with done = 1
        # (no bootstrap); a time-limit truncation has no true next state here, so it is not stored at all
        for i in range(n_envs):
            if done[i] and not env.failed[i]:
                continue
            S[ptr], A_[ptr], R[ptr], S2[ptr], D[ptr] = prev[i], a[i], r[i], obs[i], float(env.failed[i])
            ptr, size = (ptr + 1) % buffer, min(size + 1, buffer)
        if size >= batch:
            idx = rng.integers(0, size, batch)
            target = R[idx] + gamma * (1 - D[idx]) * mlp_np(Q_target, S2[idx]).max(axis=1)
            q_sa = mlp(Q, S[idx]).pick(A_[idx])
            adam_step(Q, huber_td_loss(q_sa, target), opt, max_norm=10.0)
        if step % target_every == 0:
            Q_target = [Tensor(p.data.copy()) for p in Q]
        if step % 100 == 0:
            recent = env.finished_returns[-20:]
            curve.append(float(np.mean(recent)) if recent else 0.0)
    return Q, curve


def demo(vector_steps: int = 3000, n_envs: int = 4, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    from mlnotes.algorithms.rl.reinforce import evaluate

    Q, curve = dqn(vector_steps, n_envs, seed=seed)
    score = evaluate(lambda o: np.argmax(mlp_np(Q, o), axis=1))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(np.arange(len(curve)) * 100, curve)
    ax.axhline(195, color="k", ls="--", label="solved (195)")
    ax.set(xlabel="vector step", ylabel="mean return (last 20 episodes)", title="DQN on CartPole")
    ax.legend()
    return DemoResult(metrics={"greedy_return": score, "final_train_return": curve[-1]},
                      reference={"greedy_return": 200.0}, figure=fig, reference_name="maximum return 200 (episode cap)")
