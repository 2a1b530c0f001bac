"""Proximal policy optimisation (PPO) with the clipped surrogate objective and GAE, on CartPole.

Rollouts of ``T`` steps in ``N`` parallel environments give advantages by generalised advantage estimation
[@schulman2016high]: ``delta_t = r_t + gamma V(s_{t+1}) (1 - done_t) - V(s_t)``,
``A_t = delta_t + gamma lambda (1 - done_t) A_{t+1}``, and value targets ``A_t + V(s_t)``.
Then ``K`` epochs of minibatch Adam on [@schulman2017proximal]

    L^CLIP = E_t[ min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t) ],   rho_t = pi(a_t | s_t) / pi_old(a_t | s_t)

maximised, minus ``c_v (V(s_t) - target_t)^2`` and plus an entropy bonus ``c_e H(pi(. | s_t))``. The clip removes
the incentive to move ``rho`` outside ``[1 - eps, 1 + eps]``, so many gradient steps can reuse one batch.
Time-limit truncations are treated as terminations (a small bias, standard in simple implementations).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.rl.envs import VecCartPole
from mlnotes.algorithms.rl.nets import adam_step, init_mlp, log_softmax, make_adam, mlp, mlp_np


def gae(rewards, values, dones, last_value, gamma=0.99, lam=0.95):
    """rewards, values, dones: (T, N); last_value: (N,). Returns advantages (T, N)."""
    T = len(rewards)
    adv = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[1])
    for t in reversed(range(T)):
        nxt = last_value if t == T - 1 else values[t + 1]
        delta = rewards[t] + gamma * nxt * (1 - dones[t]) - values[t]
        running = delta + gamma * lam * (1 - dones[t]) * running
        adv[t] = running
    return adv


def ppo_clip_loss(logp_new: Tensor, logp_old: np.ndarray, adv: np.ndarray, clip: float) -> Tensor:
    """-(mean of min(rho A, clip(rho) A)); the clipped branch carries no gradient where it binds."""
    ratio = (logp_new - logp_old).exp()
    rho = ratio.data
    # min(rho A, clip(rho) A) equals rho A except where the clip binds and is smaller; there the gradient is 0
    use_unclipped = (rho * adv) <= (np.clip(rho, 1 - clip, 1 + clip) * adv)
    const = np.where(use_unclipped, 0.0, np.clip(rho, 1 - clip, 1 + clip) * adv)
    return -((ratio * (adv * use_unclipped)).mean() + float(const.mean()))


def ppo(iterations=30, n_envs=16, T=64, epochs=4, minibatch=256, lr=3e-3, clip=0.2, gamma=0.99, lam=0.95,
        vf_coef=0.5, ent_coef=0.01, seed=0):
    rng = np.random.default_rng(seed)
    pi, vf = init_mlp([4, 32, 2], rng, 0.01), init_mlp([4, 32, 1], rng)
    opt_pi, opt_v = make_adam(pi, lr), make_adam(vf, lr)
    env = VecCartPole(n_envs, seed=seed)
    obs = env.state.copy()
    curve = []
    for _ in range(iterations):
        O, A, R, D, LP, V = [], [], [], [], [], []
        for _ in range(T):
            logits = mlp_np(pi, obs)
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            a = (rng.random(n_envs) < p[:, 1]).astype(int)
            O.append(obs)
            A.append(a)
            LP.append(np.log(p[np.arange(n_envs), a]))
            V.append(mlp_np(vf, obs)[:, 0])
            obs, r, done = env.step(a)
            R.append(r)
            D.append(done.astype(float))
        O, A, R, D, LP, V = map(np.array, (O, A, R, D, LP, V))
        adv = gae(R, V, D, mlp_np(vf, obs)[:, 0], gamma, lam)
        ret = adv + V
        O, A, LP, adv, ret = O.reshape(-1, 4), A.ravel(), LP.ravel(), adv.ravel(), ret.ravel()
        for _ in range(epochs):
            order = rng.permutation(len(A))
            for s in range(0, len(A), minibatch):
                idx = order[s:s + minibatch]
                a_mb = (adv[idx] - adv[idx].mean()) / (adv[idx].std() + 1e-8)
                lsm = log_softmax(mlp(pi, O[idx]))  # (B, 2)
                entropy = -(lsm.exp() * lsm).sum(axis=1).mean()
                loss_pi = ppo_clip_loss(lsm.pick(A[idx]), LP[idx], a_mb, clip) - entropy * ent_coef
                adam_step(pi, loss_pi, opt_pi)
                loss_v = ((mlp(vf, O[idx]) - ret[idx][:, None]) ** 2).mean() * vf_coef
                adam_step(vf, loss_v, opt_v)
        recent = env.finished_returns[-20:]
        curve.append(float(np.mean(recent)) if recent else 0.0)
    return pi, vf, curve


def demo(iterations: int = 30, n_envs: int = 16, clip: float = 0.2, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    from mlnotes.algorithms.rl.reinforce import evaluate

    pi, _, curve = ppo(iterations, n_envs, clip=clip, seed=seed)
    score = evaluate(lambda o: np.argmax(mlp_np(pi, o), axis=1))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(curve)
    ax.axhline(195, color="k", ls="--", label="solved (195)")
    ax.set(xlabel="iteration", ylabel="mean return (last 20 episodes)", title="PPO on CartPole")
    ax.legend()
    return DemoResult(metrics={"greedy_return": score, "final_train_return": curve[-1]},
                      reference={"greedy_return": 200.0}, figure=fig,
                      reference_name="maximum return 200 (episode cap)")
