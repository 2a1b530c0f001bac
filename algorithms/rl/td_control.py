"""Tabular temporal-difference control: Q-learning and SARSA on the grid world.

Both learn ``Q(s, a)`` from sampled transitions ``(s, a, r, s')`` with an epsilon-greedy behaviour policy:

* Q-learning (off-policy) [@watkins1992q]: ``Q(s,a) += alpha [r + gamma max_a' Q(s',a') - Q(s,a)]``. With every
  pair visited infinitely often and step sizes satisfying Robbins-Monro, ``Q -> Q*``.
* SARSA (on-policy) [@rummery1994online]: ``Q(s,a) += alpha [r + gamma Q(s',a') - Q(s,a)]`` with ``a'`` the action
  actually taken next; it converges to the value of the epsilon-greedy policy, which avoids risky states more.

Terminal transitions bootstrap with 0. The check is against dynamic programming: the exact value of the greedy
policy of the learned ``Q`` (a linear solve) equals ``V*`` from value iteration, i.e. the learned policy is optimal.
Q-learning is off-policy, so even a very exploratory behaviour policy yields the optimal greedy policy.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def td_control(env, method: str = "q-learning", episodes: int = 2000, alpha: float | None = None,
               gamma: float = 0.95, epsilon: float = 0.2, seed: int = 0, max_steps: int = 100,
               exploring_starts: bool = True):
    """alpha=None uses the Robbins-Monro step 1 / n(s, a)^0.7 (n = visits of the pair), else a constant step.

    exploring_starts begins each episode in a random non-terminal state, so every pair keeps being visited.
    """
    rng = np.random.default_rng(seed)
    Q = np.zeros((env.S, env.A))
    visits = np.zeros((env.S, env.A))
    starts = [s for s in range(env.S) if s not in env.terminal and divmod(s, env.n) not in env.walls]
    returns = []

    def act(s):
        return int(rng.integers(env.A)) if rng.random() < epsilon else int(rng.choice(np.flatnonzero(Q[s] == Q[s].max())))

    for _ in range(episodes):
        s = int(rng.choice(starts)) if exploring_starts else env.idx(env.start)
        a, G = act(s), 0.0
        for _ in range(max_steps):
            s2, r, done = env.step(s, a, rng)
            G += r
            a2 = act(s2)
            if done:
                target = r
            elif method == "q-learning":
                target = r + gamma * Q[s2].max()
            elif method == "sarsa":
                target = r + gamma * Q[s2, a2]
            else:
                raise ValueError(f"method must be 'q-learning' or 'sarsa', got {method!r}")
            visits[s, a] += 1
            step = visits[s, a] ** -0.7 if alpha is None else alpha
            Q[s, a] += step * (target - Q[s, a])
            s, a = s2, a2
            if done:
                break
        returns.append(G)
    return Q, np.array(returns)


def greedy_value_gap(env, Q, gamma):
    """max_s |V^{pi_Q}(s) - V*(s)| for the greedy policy of Q, both computed exactly by dynamic programming."""
    from mlnotes.algorithms.rl.dynamic_programming import policy_evaluation_exact, value_iteration

    V_star, _, _ = value_iteration(env.P, env.R, gamma)
    V_greedy = policy_evaluation_exact(env.P, env.R, Q.argmax(axis=1), gamma)
    return float(np.abs(V_greedy - V_star).max()), V_star


def demo(episodes: int = 3000, epsilon: float = 0.5, gamma: float = 0.95, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    from mlnotes.algorithms.rl.envs import GridWorld

    env = GridWorld()
    out = {}
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    for m in ("q-learning", "sarsa"):
        Q, ret = td_control(env, m, episodes, None, gamma, epsilon, seed)
        gap, V_star = greedy_value_gap(env, Q, gamma)
        out[m] = (Q, gap)
        ax.plot(np.convolve(ret, np.ones(50) / 50, mode="valid"), label=m)
    ax.set(xlabel="episode", ylabel="return (50-episode mean)", title="TD control on the grid world")
    ax.legend()
    start = env.idx(env.start)
    return DemoResult(
        metrics={"q_learning_greedy_value_gap": out["q-learning"][1], "sarsa_greedy_value_gap": out["sarsa"][1],
                 "q_learning_V_start": float(out["q-learning"][0][start].max())},
        reference={"q_learning_greedy_value_gap": 0.0, "sarsa_greedy_value_gap": 0.0,
                   "q_learning_V_start": float(V_star[start])},
        figure=fig, reference_name="V* from value iteration; greedy-policy values by the Bellman linear system",
        notes="value gap = max_s |V^greedy(Q)(s) - V*(s)|; 0 means the learned greedy policy is optimal",
    )
