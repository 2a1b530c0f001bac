"""L-BFGS: limited-memory BFGS with the two-loop recursion and a backtracking line search.

BFGS maintains an inverse-Hessian approximation ``H_k`` satisfying the secant equation ``H_{k+1} y_k = s_k``
(``s_k = x_{k+1} - x_k``, ``y_k = g_{k+1} - g_k``). L-BFGS [@liu1989limited; @nocedal1980updating] never forms
``H_k``: it keeps the last ``m`` pairs and computes ``d = -H_k g`` by the two-loop recursion

    q = g;  for i = k-1..k-m:  rho_i = 1/(y_i^T s_i), a_i = rho_i s_i^T q, q -= a_i y_i
    r = gamma_k q,  gamma_k = s_{k-1}^T y_{k-1} / (y_{k-1}^T y_{k-1})        (initial scaling)
    for i = k-m..k-1:  b = rho_i y_i^T r,  r += s_i (a_i - b);   d = -r

in ``O(m d)`` time and memory. A pair is stored only if ``s^T y > 0`` (curvature condition), which keeps ``H_k``
positive definite; the step length is found by Armijo backtracking from ``t = 1``.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from mlnotes.algorithms.optim.functions import rosenbrock, rosenbrock_grad
from mlnotes.algorithms.registry import DemoResult


def two_loop(g, pairs):
    """Return H g for the L-BFGS inverse-Hessian defined by pairs [(s, y), ...] (oldest first)."""
    q = g.copy()
    alphas = []
    for s, y in reversed(pairs):
        rho = 1.0 / (y @ s)
        a = rho * (s @ q)
        q -= a * y
        alphas.append((a, rho))
    if pairs:
        s, y = pairs[-1]
        q *= (s @ y) / (y @ y)
    for (s, y), (a, rho) in zip(pairs, reversed(alphas)):
        b = rho * (y @ q)
        q += s * (a - b)
    return q


def lbfgs(f, grad, x0, m=10, tol=1e-8, max_iter=1000, c=1e-4):
    x = np.array(x0, dtype=float)
    g = grad(x)
    pairs = deque(maxlen=m)
    path, n_eval = [x.copy()], 1
    for _ in range(max_iter):
        if np.linalg.norm(g, np.inf) < tol:
            break
        d = -two_loop(g, list(pairs))
        if g @ d >= 0:  # not a descent direction: restart from steepest descent
            pairs.clear()
            d = -g
        t, fx = 1.0, f(x)
        while f(x + t * d) > fx + c * t * (g @ d) and t > 1e-16:
            t *= 0.5
            n_eval += 1
        x_new = x + t * d
        g_new = grad(x_new)
        n_eval += 1
        s, y = x_new - x, g_new - g
        if s @ y > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            pairs.append((s, y))
        x, g = x_new, g_new
        path.append(x.copy())
    return np.array(path), n_eval


def demo(dim: int = 10, memory: int = 10) -> DemoResult:
    from matplotlib.figure import Figure
    from scipy.optimize import minimize

    x0 = np.zeros(dim)
    x0[::2] = -1.2
    x0[1::2] = 1.0
    path, n_eval = lbfgs(rosenbrock, rosenbrock_grad, x0, m=memory)
    ref = minimize(rosenbrock, x0, jac=rosenbrock_grad, method="L-BFGS-B",
                   options={"maxcor": memory, "gtol": 1e-8, "ftol": 1e-15, "maxiter": 1000})
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.semilogy([rosenbrock(p) + 1e-300 for p in path])
    ax.set(xlabel="iteration", ylabel="f(x_k)", title=f"L-BFGS (m={memory}) on {dim}-d Rosenbrock")
    return DemoResult(metrics={"final_f": rosenbrock(path[-1]), "iterations": float(len(path) - 1),
                               "dist_to_optimum": float(np.linalg.norm(path[-1] - 1))},
                      reference={"final_f": float(ref.fun), "iterations": float(ref.nit),
                                 "dist_to_optimum": float(np.linalg.norm(ref.x - 1))},
                      figure=fig, reference_name="scipy.optimize.minimize(method='L-BFGS-B')",
                      notes=f"{n_eval} function/gradient evaluations (ours)")
