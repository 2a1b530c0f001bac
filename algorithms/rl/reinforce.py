"""REINFORCE: Monte Carlo policy gradient with a linear softmax policy on CartPole.

Policy ``pi_W(a | s) = softmax(s W + b)_a`` with ``W (4, 2)``. The policy-gradient theorem [@williams1992simple;
@sutton2000policy] gives

    grad J = E[ sum_t (G_t - b_t) grad log pi(a_t | s_t) ],    G_t = sum_{k >= t} gamma^{k-t} r_k

and for a softmax over linear scores ``grad_W log pi(a | s) = s^T (onehot(a) - pi(. | s))``. The baseline
``b_t`` (here the batch mean of ``G_t`` at the same time step) leaves the gradient unbiased and lowers its
variance. Each iteration runs a batch of complete episodes in parallel and takes one Adam ascent step.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def collect_episodes(W, b, n, rng, max_steps=200):
    """Run n CartPoles to termination with pi_W. Returns obs (T, n, 4), actions, rewards, alive mask (T, n)."""
    from mlnotes.algorithms.rl.envs import VecCartPole

    env = VecCartPole(n, max_steps, seed=int(rng.integers(2 ** 31)))
    obs = env.state.copy()
    O, A, R, M = [], [], [], []
    alive = np.ones(n, dtype=bool)
    for _ in range(max_steps):
        p = softmax(obs @ W + b)
        a = (rng.random(n) < p[:, 1]).astype(int)
        nxt, r, done = env.step(a)
        O.append(obs)
        A.append(a)
        R.append(r * alive)
        M.append(alive.copy())
        alive &= ~done
        obs = nxt
        if not alive.any():
            break
    return np.array(O), np.array(A), np.array(R), np.array(M)


def reinforce(iterations=60, batch=16, lr=0.05, gamma=0.99, seed=0):
    rng = np.random.default_rng(seed)
    W, b = np.zeros((4, 2)), np.zeros(2)
    m = [np.zeros_like(W), np.zeros_like(b)]
    v = [np.zeros_like(W), np.zeros_like(b)]
    curve = []
    for it in range(1, iterations + 1):
        O, A, R, M = collect_episodes(W, b, batch, rng)
        T = len(R)
        G = np.zeros_like(R)
        run = np.zeros(batch)
        for t in reversed(range(T)):  # discounted returns-to-go
            run = R[t] + gamma * run
            G[t] = run
        adv = (G - (G * M).sum(1, keepdims=True) / np.maximum(M.sum(1, keepdims=True), 1)) * M
        P = softmax(O @ W + b)  # (T, n, 2)
        dlogits = (np.eye(2)[A] - P) * adv[..., None]  # (T, n, 2)
        gW = np.einsum("tni,tnj->ij", O, dlogits) / batch
        gb = dlogits.sum((0, 1)) / batch
        for j, (p, g) in enumerate(((W, gW), (b, gb))):  # Adam ascent
            m[j] = 0.9 * m[j] + 0.1 * g
            v[j] = 0.999 * v[j] + 0.001 * g * g
            p += lr * (m[j] / (1 - 0.9 ** it)) / (np.sqrt(v[j] / (1 - 0.999 ** it)) + 1e-8)
        curve.append(float(R.sum(0).mean()))
    return W, b, curve


def evaluate(policy_fn, episodes=20, seed=123, max_steps=200):
    """Mean undiscounted return of a deterministic or stochastic policy over fresh episodes."""
    from mlnotes.algorithms.rl.envs import VecCartPole

    env = VecCartPole(episodes, max_steps, seed=seed)
    obs, ret, alive = env.state.copy(), np.zeros(episodes), np.ones(episodes, dtype=bool)
    for _ in range(max_steps):
        obs, r, done = env.step(policy_fn(obs))
        ret += r * alive
        alive &= ~done
        if not alive.any():
            break
    return float(ret.mean())


def demo(iterations: int = 60, batch: int = 16, lr: float = 0.05, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    W, b, curve = reinforce(iterations, batch, lr, seed=seed)
    score = evaluate(lambda o: np.argmax(o @ W + b, axis=1))
    coin = np.random.default_rng(seed)
    rand = evaluate(lambda o: coin.integers(0, 2, len(o)))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(curve)
    ax.axhline(195, color="k", ls="--", label="solved (195)")
    ax.set(xlabel="iteration", ylabel="mean episode return", title="REINFORCE, linear policy, CartPole")
    ax.legend()
    return DemoResult(metrics={"greedy_return": score, "final_train_return": curve[-1]},
                      reference={"greedy_return": 200.0, "random_policy_return": rand}, figure=fig,
                      reference_name="maximum return 200 (episode cap); uniform random policy",
                      notes="CartPole-v0 convention: solved at an average return of 195 over 100 episodes")
