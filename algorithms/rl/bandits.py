"""Multi-armed bandits: epsilon-greedy, UCB1 and Thompson sampling on Bernoulli arms.

Arms ``k = 1..K`` pay 1 with unknown probability ``mu_k``. After ``T`` pulls the (pseudo-)regret is
``T mu* - sum_t mu_{a_t}``.

* epsilon-greedy: with probability ``eps`` pull a uniformly random arm, else the arm with the highest sample mean;
  a fixed ``eps`` explores forever, so regret grows linearly (``~ eps T (mu* - mean mu)``).
* UCB1 [@auer2002finite]: pull each arm once, then ``argmax_k  muhat_k + sqrt(2 ln t / n_k)``; expected regret
  ``O(sum_{k: Delta_k > 0} ln T / Delta_k)``, matching the Lai-Robbins lower bound up to constants.
* Thompson sampling [@thompson1933likelihood; @agrawal2012analysis]: keep a ``Beta(1 + s_k, 1 + f_k)`` posterior
  per arm, draw one sample from each, pull the argmax; also logarithmic regret.

The reference curve is the Lai-Robbins asymptotic lower bound [@lai1985asymptotically]
``ln T sum_k Delta_k / KL(mu_k || mu*)`` for Bernoulli arms.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def run_bandit(policy: str, mu: np.ndarray, T: int, rng: np.random.Generator, eps: float = 0.1) -> np.ndarray:
    """Return the cumulative pseudo-regret after each of T pulls."""
    K = len(mu)
    n, s = np.zeros(K), np.zeros(K)  # pulls and successes per arm
    regret = np.zeros(T)
    best = mu.max()
    for t in range(T):
        if policy == "eps-greedy":
            a = rng.integers(K) if rng.random() < eps else int(np.argmax(np.where(n > 0, s / np.maximum(n, 1), np.inf)))
        elif policy == "ucb1":
            a = t if t < K else int(np.argmax(s / n + np.sqrt(2 * np.log(t) / n)))
        elif policy == "thompson":
            a = int(np.argmax(rng.beta(1 + s, 1 + n - s)))
        else:
            raise ValueError(f"unknown policy {policy!r}")
        r = float(rng.random() < mu[a])
        n[a] += 1
        s[a] += r
        regret[t] = best - mu[a]
    return np.cumsum(regret)


def bernoulli_kl(p, q):
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def lai_robbins(mu: np.ndarray, T: int) -> float:
    best = mu.max()
    sub = mu < best
    return float(np.log(T) * np.sum((best - mu[sub]) / bernoulli_kl(mu[sub], best)))


def demo(horizon: int = 2000, runs: int = 10, epsilon: float = 0.1, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    mu = np.array([0.3, 0.45, 0.5, 0.6])
    rng = np.random.default_rng(seed)
    curves = {p: np.mean([run_bandit(p, mu, horizon, rng, epsilon) for _ in range(runs)], axis=0)
              for p in ("eps-greedy", "ucb1", "thompson")}
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    for p, c in curves.items():
        ax.plot(c, label=p)
    t = np.arange(2, horizon + 1)
    ax.plot(t, [lai_robbins(mu, x) for x in t], "k--", label="Lai-Robbins bound")
    ax.set(xlabel="pull", ylabel="cumulative regret", title=f"arms {mu.tolist()}")
    ax.legend(fontsize=7)
    return DemoResult(metrics={f"regret_{p}": float(c[-1]) for p, c in curves.items()},
                      reference={"lai_robbins_bound": lai_robbins(mu, horizon),
                                 "regret_uniform_random": float(horizon * (mu.max() - mu.mean()))},
                      figure=fig, reference_name="Lai-Robbins asymptotic lower bound; uniform random policy")
