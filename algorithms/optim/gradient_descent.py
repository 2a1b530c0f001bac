"""Gradient descent, heavy-ball momentum and Nesterov's accelerated gradient on test functions.

* Gradient descent: ``x_{k+1} = x_k - eta grad f(x_k)``. On an ``L``-smooth, ``mu``-strongly convex quadratic with
  ``eta = 2/(L + mu)`` the error contracts by ``(kappa - 1)/(kappa + 1)`` per step, ``kappa = L/mu``
  [@nesterov2004introductory].
* Heavy ball [@polyak1964some]: ``x_{k+1} = x_k - eta grad f(x_k) + beta (x_k - x_{k-1})``; with
  ``eta = 4/(sqrt(L) + sqrt(mu))^2`` and ``beta = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2`` the rate on quadratics is
  ``(sqrt(kappa) - 1)/(sqrt(kappa) + 1)``: the square-root dependence on the condition number.
* Nesterov [@nesterov1983method]: ``y_k = x_k + beta_k (x_k - x_{k-1})``, ``x_{k+1} = y_k - eta grad f(y_k)``
  (the gradient at the look-ahead point); for smooth convex ``f`` with ``eta = 1/L``, ``beta_k = (k-1)/(k+2)``,
  ``f(x_k) - f* = O(1/k^2)`` against ``O(1/k)`` for gradient descent.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.optim.functions import quadratic, rosenbrock, rosenbrock_grad
from mlnotes.algorithms.registry import DemoResult


def gradient_descent(grad, x0, lr, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(x.copy())
    return np.array(path)


def heavy_ball(grad, x0, lr, beta, steps):
    x, prev = np.array(x0, dtype=float), np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x, prev = x - lr * grad(x) + beta * (x - prev), x
        path.append(x.copy())
    return np.array(path)


def nesterov(grad, x0, lr, steps, beta=None):
    """beta=None uses the convex schedule (k - 1)/(k + 2); a number uses a constant momentum."""
    x, prev = np.array(x0, dtype=float), np.array(x0, dtype=float)
    path = [x.copy()]
    for k in range(1, steps + 1):
        b = (k - 1) / (k + 2) if beta is None else beta
        y = x + b * (x - prev)
        x, prev = y - lr * grad(y), x
        path.append(x.copy())
    return np.array(path)


def demo(kappa: float = 100.0, steps: int = 200, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from scipy.optimize import minimize

    f, g, A = quadratic(kappa, d=10, seed=seed)
    L, mu = kappa, 1.0
    x0 = np.ones(10)
    gd = gradient_descent(g, x0, 2 / (L + mu), steps)
    sk = np.sqrt(kappa)
    hb = heavy_ball(g, x0, 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((sk - 1) / (sk + 1)) ** 2, steps)
    nag = nesterov(g, x0, 1 / L, steps, beta=(sk - 1) / (sk + 1))
    rate = lambda p: float(np.exp(np.polyfit(np.arange(steps // 2, steps), np.log(np.linalg.norm(p[steps // 2:steps], axis=1) + 1e-300), 1)[0]))
    # Rosenbrock: plain GD needs a small step; compare final values with SciPy's BFGS optimum
    rb = nesterov(rosenbrock_grad, [-1.2, 1.0], 1e-3, 5000)
    ref = minimize(rosenbrock, [-1.2, 1.0], method="BFGS")
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for p, lab in ((gd, "gradient descent"), (hb, "heavy ball"), (nag, "Nesterov")):
        ax1.semilogy(np.linalg.norm(p, axis=1), label=lab)
    ax1.set(xlabel="iteration", ylabel="||x_k - x*||", title=f"quadratic, kappa = {kappa:g}")
    ax1.legend(fontsize=7)
    X, Y = np.meshgrid(np.linspace(-1.5, 1.5, 200), np.linspace(-0.5, 1.5, 200))
    ax2.contour(X, Y, np.log1p(100 * (Y - X ** 2) ** 2 + (1 - X) ** 2), 20, cmap="gray", linewidths=0.5)
    ax2.plot(rb[:, 0], rb[:, 1], lw=1)
    ax2.set(title="Nesterov on Rosenbrock")
    return DemoResult(
        metrics={"gd_rate": rate(gd), "heavy_ball_rate": rate(hb), "rosenbrock_final_f": rosenbrock(rb[-1])},
        reference={"gd_rate": (kappa - 1) / (kappa + 1), "heavy_ball_rate": float((sk - 1) / (sk + 1)),
                   "rosenbrock_final_f": float(ref.fun)},
        figure=fig, reference_name="theoretical contraction factors; scipy.optimize.minimize (BFGS) on Rosenbrock",
        notes=f"Nesterov (constant momentum) measured rate {rate(nag):.4f}",
    )
