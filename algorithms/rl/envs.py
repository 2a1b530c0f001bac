"""Environments for the RL family, written here (no gymnasium): a tabular grid world and CartPole.

GridWorld: an ``n x n`` grid, actions up/right/down/left. With probability ``1 - slip`` the agent moves as
chosen, otherwise in one of the two perpendicular directions (``slip / 2`` each); moving into the border or a
wall leaves it in place. Every step costs ``step_reward``; entering the goal pays ``+1`` and the pit ``-1``,
both terminal (absorbing, zero reward afterwards). The full model is exposed as ``P (S, A, S)`` and the
expected reward ``R (S, A)``, so dynamic programming can solve it exactly.

CartPole, the cart-pole balancing task of Barto, Sutton and Anderson [@barto1983neuronlike], with the equations of
motion (frictionless form, as in the classic control benchmark), state ``(x, x_dot, theta, theta_dot)``,
force ``F = +-10 N``:

    temp        = (F + m_p l theta_dot^2 sin(theta)) / (m_c + m_p)
    theta_ddot  = (g sin(theta) - cos(theta) temp) / (l (4/3 - m_p cos(theta)^2 / (m_c + m_p)))
    x_ddot      = temp - m_p l theta_ddot cos(theta) / (m_c + m_p)

with ``g = 9.8``, ``m_c = 1``, ``m_p = 0.1``, half-pole length ``l = 0.5``, Euler steps of ``tau = 0.02`` s.
Reward ``+1`` per step; the episode ends when ``|x| > 2.4`` or ``|theta| > 12 deg`` or after ``max_steps``.
``VecCartPole`` runs ``n`` copies in NumPy arrays and resets finished ones automatically.
"""

from __future__ import annotations

import numpy as np

ACTIONS = [(-1, 0), (0, 1), (1, 0), (0, -1)]  # up, right, down, left as (d_row, d_col)


class GridWorld:
    def __init__(self, n: int = 4, slip: float = 0.1, step_reward: float = -0.04, walls=((1, 1),),
                 goal=(0, 3), pit=(1, 3), start=(3, 0)):
        self.n, self.slip, self.step_reward = n, slip, step_reward
        self.walls, self.goal, self.pit, self.start = set(walls), goal, pit, start
        self.S, self.A = n * n, 4
        self.terminal = {self.idx(goal), self.idx(pit)}
        self.P, self.R = self._model()

    def idx(self, rc) -> int:
        return rc[0] * self.n + rc[1]

    def _move(self, rc, a):
        r, c = rc[0] + ACTIONS[a][0], rc[1] + ACTIONS[a][1]
        if not (0 <= r < self.n and 0 <= c < self.n) or (r, c) in self.walls:
            return rc
        return (r, c)

    def _model(self):
        P = np.zeros((self.S, self.A, self.S))
        R = np.zeros((self.S, self.A))
        for s in range(self.S):
            rc = divmod(s, self.n)
            if s in self.terminal or rc in self.walls:
                P[s, :, s] = 1.0  # absorbing, no reward
                continue
            for a in range(self.A):
                for b, pr in ((a, 1 - self.slip), ((a + 1) % 4, self.slip / 2), ((a + 3) % 4, self.slip / 2)):
                    s2 = self.idx(self._move(rc, b))
                    P[s, a, s2] += pr
                    bonus = 1.0 if s2 == self.idx(self.goal) else -1.0 if s2 == self.idx(self.pit) else 0.0
                    R[s, a] += pr * (self.step_reward + bonus)
        return P, R

    def step(self, s: int, a: int, rng: np.random.Generator) -> tuple[int, float, bool]:
        """Sample a transition: next state, reward, done."""
        s2 = int(rng.choice(self.S, p=self.P[s, a]))
        bonus = 1.0 if s2 == self.idx(self.goal) else -1.0 if s2 == self.idx(self.pit) else 0.0
        return s2, self.step_reward + bonus, s2 in self.terminal


class VecCartPole:
    gravity, m_cart, m_pole, half_len, force, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    x_limit, theta_limit = 2.4, 12 * 2 * np.pi / 360

    def __init__(self, n: int = 8, max_steps: int = 200, seed: int = 0):
        self.n, self.max_steps = n, max_steps
        self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, (n, 4))
        self.t = np.zeros(n, dtype=int)
        self.ep_return = np.zeros(n)
        self.finished_returns: list[float] = []

    def step(self, action: np.ndarray):
        """action: (n,) in {0, 1}. Returns next obs (n, 4), reward (n,), done (n,) (obs already reset where done)."""
        x, x_dot, th, th_dot = self.state.T
        F = np.where(action == 1, self.force, -self.force)
        total = self.m_cart + self.m_pole
        pml = self.m_pole * self.half_len
        cos, sin = np.cos(th), np.sin(th)
        temp = (F + pml * th_dot ** 2 * sin) / total
        th_acc = (self.gravity * sin - cos * temp) / (self.half_len * (4 / 3 - self.m_pole * cos ** 2 / total))
        x_acc = temp - pml * th_acc * cos / total
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * x_acc  # explicit Euler
        th, th_dot = th + self.tau * th_dot, th_dot + self.tau * th_acc
        self.state = np.stack([x, x_dot, th, th_dot], 1)
        self.t += 1
        reward = np.ones(self.n)
        self.ep_return += reward
        failed = (np.abs(x) > self.x_limit) | (np.abs(th) > self.theta_limit)
        truncated = self.t >= self.max_steps
        done = failed | truncated
        for i in np.nonzero(done)[0]:
            self.finished_returns.append(float(self.ep_return[i]))
        self.ep_return[done] = 0
        self.t[done] = 0
        self.state[done] = self.rng.uniform(-0.05, 0.05, (done.sum(), 4))
        self.failed = failed  # terminal (bootstrap with 0) vs truncated (time limit)
        return self.state.copy(), reward, done
