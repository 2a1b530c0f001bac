"""Newton's method with a backtracking (Armijo) line search.

Newton's step minimises the local quadratic model ``f(x + p) ~ f + g^T p + p^T H p / 2``: ``H p = -g``. Near a
minimiser with positive-definite Hessian it converges quadratically, ``||x_{k+1} - x*|| <= C ||x_k - x*||^2``
[@nocedal2006numerical]. Far from it, ``H`` may be indefinite, so the step is taken only if it is a descent
direction (``g^T p < 0``), else the Hessian is shifted, ``H + tau I``, until it is; the step length ``t`` is halved
until the Armijo condition ``f(x + t p) <= f(x) + c t g^T p`` holds (``c = 1e-4``). A pure quadratic is
minimised in one full step.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.optim.functions import rosenbrock, rosenbrock_grad, rosenbrock_hess
from mlnotes.algorithms.registry import DemoResult


def newton(f, grad, hess, x0, tol=1e-12, max_iter=100, c=1e-4):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(max_iter):
        g = grad(x)
        if np.linalg.norm(g) < tol:
            break
        H = hess(x)
        tau = 0.0
        while True:  # shift the Hessian until it is positive definite (Cholesky succeeds)
            try:
                Lc = np.linalg.cholesky(H + tau * np.eye(len(x)))
                break
            except np.linalg.LinAlgError:
                tau = max(2 * tau, 1e-3 * np.abs(H).max() + 1e-8)
        p = -np.linalg.solve(Lc.T, np.linalg.solve(Lc, g))
        t = 1.0
        while f(x + t * p) > f(x) + c * t * g @ p and t > 1e-12:
            t *= 0.5
        x = x + t * p
        path.append(x.copy())
    return np.array(path)


def demo(x0: float = -1.2, y0: float = 1.0, dim: int = 2) -> DemoResult:
    from matplotlib.figure import Figure
    from scipy.optimize import minimize

    start = np.array([x0, y0] + [1.0] * (dim - 2))
    path = newton(rosenbrock, rosenbrock_grad, rosenbrock_hess, start)
    ref = minimize(rosenbrock, start, jac=rosenbrock_grad, hess=rosenbrock_hess, method="trust-exact")
    err = np.linalg.norm(path - 1.0, axis=1)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.semilogy(err + 1e-300, "o-")
    ax.set(xlabel="iteration", ylabel="||x_k - x*||", title="Newton on Rosenbrock: quadratic convergence at the end")
    return DemoResult(metrics={"iterations": float(len(path) - 1), "final_f": rosenbrock(path[-1]),
                               "dist_to_optimum": float(err[-1])},
                      reference={"iterations": float(ref.nit), "final_f": float(ref.fun),
                                 "dist_to_optimum": float(np.linalg.norm(ref.x - 1))},
                      figure=fig, reference_name="scipy.optimize.minimize(method='trust-exact')")
