"""Particle swarm optimisation (PSO) on the Rastrigin function.

Each particle ``i`` has a position ``x_i``, a velocity ``v_i``, its best position so far ``p_i`` and the swarm's
best ``g``. With inertia ``w`` and acceleration coefficients ``c_1, c_2`` [@kennedy1995particle; @shi1998modified]:

    v_i <- w v_i + c_1 r_1 * (p_i - x_i) + c_2 r_2 * (g - x_i),     x_i <- x_i + v_i,     r_1, r_2 ~ U(0, 1)^d

The constriction-equivalent setting ``w = 0.7298``, ``c_1 = c_2 = 1.49618`` [@clerc2002particle] keeps the swarm
stable while it contracts around good regions. PSO uses no gradients, so it suits rugged functions such as
Rastrigin, whose global minimum 0 at the origin is surrounded by a lattice of local minima.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.optim.functions import rastrigin
from mlnotes.algorithms.registry import DemoResult


def pso(f, dim, bounds=(-5.12, 5.12), n_particles=40, iters=200, w=0.7298, c1=1.49618, c2=1.49618, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = bounds
    x = rng.uniform(lo, hi, (n_particles, dim))
    v = rng.uniform(-(hi - lo), hi - lo, (n_particles, dim)) * 0.1
    fx = np.array([f(p) for p in x])
    p_best, p_val = x.copy(), fx.copy()
    g = p_best[np.argmin(p_val)].copy()
    curve = []
    for _ in range(iters):
        r1, r2 = rng.random((2, n_particles, dim))
        v = w * v + c1 * r1 * (p_best - x) + c2 * r2 * (g - x)
        x = np.clip(x + v, lo, hi)
        fx = np.array([f(p) for p in x])
        better = fx < p_val
        p_best[better], p_val[better] = x[better], fx[better]
        g = p_best[np.argmin(p_val)].copy()
        curve.append(float(p_val.min()))
    return g, float(p_val.min()), curve


def demo(dim: int = 2, n_particles: int = 40, iters: int = 200, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from scipy.optimize import differential_evolution

    g, val, curve = pso(rastrigin, dim, n_particles=n_particles, iters=iters, seed=seed)
    ref = differential_evolution(rastrigin, [(-5.12, 5.12)] * dim, seed=seed, tol=1e-10)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.semilogy(np.maximum(curve, 1e-16))
    ax.set(xlabel="iteration", ylabel="best f", title=f"PSO on {dim}-d Rastrigin (optimum 0)")
    return DemoResult(metrics={"best_f": val, "dist_to_optimum": float(np.linalg.norm(g))},
                      reference={"best_f": float(ref.fun), "dist_to_optimum": float(np.linalg.norm(ref.x))}, figure=fig,
                      reference_name="scipy.optimize.differential_evolution; known optimum 0 at the origin")
