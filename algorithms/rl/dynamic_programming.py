"""Value iteration and policy iteration for a finite MDP, checked against the Bellman linear system.

For a policy ``pi`` the value is the unique solution of the linear Bellman equation [@bellman1957dynamic]

    V_pi = R_pi + gamma P_pi V_pi   =>   V_pi = (I - gamma P_pi)^{-1} R_pi,

with ``R_pi(s) = R(s, pi(s))`` and ``P_pi(s, s') = P(s' | s, pi(s))``. The optimal value satisfies
``V*(s) = max_a [R(s, a) + gamma sum_s' P(s'|s, a) V*(s')]``.

* Value iteration applies that max-backup until ``||V_{k+1} - V_k||_inf < tol``; the backup is a
  ``gamma``-contraction, so the error shrinks by ``gamma`` per sweep, and stopping at ``tol`` guarantees
  ``||V_k - V*||_inf <= tol gamma / (1 - gamma)`` [@sutton2018reinforcement].
* Policy iteration [@howard1960dynamic] alternates exact evaluation (the linear solve above) and greedy
  improvement ``pi(s) <- argmax_a Q(s, a)``; it terminates in finitely many steps with an optimal policy.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def q_from_v(P, R, V, gamma):
    return R + gamma * P @ V  # (S, A)


def policy_evaluation_exact(P, R, policy, gamma):
    S = P.shape[0]
    P_pi = P[np.arange(S), policy]  # (S, S)
    R_pi = R[np.arange(S), policy]  # (S,)
    return np.linalg.solve(np.eye(S) - gamma * P_pi, R_pi)


def value_iteration(P, R, gamma: float = 0.95, tol: float = 1e-10, max_iter: int = 10_000):
    V = np.zeros(P.shape[0])
    deltas = []
    for _ in range(max_iter):
        V_new = q_from_v(P, R, V, gamma).max(axis=1)
        deltas.append(float(np.abs(V_new - V).max()))
        V = V_new
        if deltas[-1] < tol:
            break
    return V, q_from_v(P, R, V, gamma).argmax(axis=1), deltas


def policy_iteration(P, R, gamma: float = 0.95, max_iter: int = 1000):
    policy = np.zeros(P.shape[0], dtype=int)
    for it in range(max_iter):
        V = policy_evaluation_exact(P, R, policy, gamma)
        Q = q_from_v(P, R, V, gamma)
        # keep the current action on ties, so the loop cannot cycle between equally good actions
        best = Q.max(axis=1)
        stable = Q[np.arange(len(policy)), policy] >= best - 1e-12
        if stable.all():
            return V, policy, it + 1
        policy = np.where(stable, policy, Q.argmax(axis=1))
    return V, policy, max_iter


def demo(gamma: float = 0.95, slip: float = 0.1, step_reward: float = -0.04) -> DemoResult:
    from matplotlib.figure import Figure

    from mlnotes.algorithms.rl.envs import GridWorld

    env = GridWorld(slip=slip, step_reward=step_reward)
    V_vi, pi_vi, deltas = value_iteration(env.P, env.R, gamma)
    V_pi, pi_pi, n_iter = policy_iteration(env.P, env.R, gamma)
    V_exact = policy_evaluation_exact(env.P, env.R, pi_pi, gamma)
    # reference: Bellman optimality residual of the exact linear-system solution
    resid = float(np.abs(q_from_v(env.P, env.R, V_exact, gamma).max(1) - V_exact).max())
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.semilogy(deltas)
    ax1.set(xlabel="sweep", ylabel="||V_k+1 - V_k||_inf", title="value iteration contracts by gamma")
    im = ax2.imshow(V_vi.reshape(env.n, env.n), cmap="viridis")
    arrows = ["^", ">", "v", "<"]
    for s in range(env.S):
        r, c = divmod(s, env.n)
        if s not in env.terminal and (r, c) not in env.walls:
            ax2.text(c, r, arrows[pi_vi[s]], ha="center", va="center", color="w")
    fig.colorbar(im, ax=ax2)
    ax2.set(title="V* and greedy policy", xticks=[], yticks=[])
    return DemoResult(
        metrics={"vi_max_abs_err": float(np.abs(V_vi - V_exact).max()), "pi_max_abs_err": float(np.abs(V_pi - V_exact).max()),
                 "policy_iteration_steps": float(n_iter), "value_iteration_sweeps": float(len(deltas)),
                 "V_start": float(V_vi[env.idx(env.start)])},
        reference={"vi_max_abs_err": 0.0, "pi_max_abs_err": 0.0, "bellman_residual": resid,
                   "V_start": float(V_exact[env.idx(env.start)])},
        figure=fig, reference_name="(I - gamma P_pi)^-1 R_pi for the optimal policy (numpy.linalg.solve)",
    )
