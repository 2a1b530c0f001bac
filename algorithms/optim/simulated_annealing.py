"""Simulated annealing for the travelling-salesman problem, checked against brute-force enumeration.

State: a tour (permutation of cities); energy ``E`` = tour length. A move reverses a random segment (2-opt move).
A move with energy change ``dE`` is accepted with the Metropolis probability ``min(1, exp(-dE / T))``
[@kirkpatrick1983optimization; @metropolis1953equation]; the temperature follows a geometric schedule
``T_k = T_0 alpha^k``. At high ``T`` the walk explores, uphill moves become rare as ``T`` falls; with a slow
enough (logarithmic) schedule the chain finds a global minimum with probability one, while a geometric schedule
is the practical compromise. For ``n <= 9`` cities the exact optimum is found by enumerating all ``(n-1)!/2`` tours.
"""

from __future__ import annotations

import itertools

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def tour_length(tour, D) -> float:
    return float(D[tour, np.roll(tour, -1)].sum())


def simulated_annealing(D, n_iter=20_000, T0=1.0, alpha=None, T_end=1e-3, seed=0):
    rng = np.random.default_rng(seed)
    n = len(D)
    alpha = (T_end / T0) ** (1 / n_iter) if alpha is None else alpha
    tour = rng.permutation(n)
    E = tour_length(tour, D)
    best, best_E, T, trace = tour.copy(), E, T0, []
    for _ in range(n_iter):
        i, j = sorted(rng.integers(1, n, 2))  # city tour[0] stays first
        if i == j:
            continue
        a, b, c, d = tour[i - 1], tour[i], tour[j], tour[(j + 1) % n]
        dE = D[a, c] + D[b, d] - D[a, b] - D[c, d]  # 2-opt: reverse tour[i..j]
        if dE <= 0 or rng.random() < np.exp(-dE / T):
            tour[i:j + 1] = tour[i:j + 1][::-1]
            E += dE
            if E < best_E - 1e-12:
                best, best_E = tour.copy(), E
        trace.append(E)
        T *= alpha
    return best, tour_length(best, D), np.array(trace)


def brute_force_tsp(D):
    n = len(D)
    best = np.inf
    for perm in itertools.permutations(range(1, n)):
        if perm[0] > perm[-1]:
            continue  # each tour and its reverse once
        best = min(best, tour_length(np.array((0, *perm)), D))
    return best


def demo(n_cities: int = 8, n_iter: int = 20_000, T0: float = 1.0, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    P = rng.random((n_cities, 2))
    D = np.linalg.norm(P[:, None] - P[None], axis=-1)
    tour, E, trace = simulated_annealing(D, n_iter, T0, seed=seed)
    exact = brute_force_tsp(D)
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.plot(trace, lw=0.5)
    ax1.axhline(exact, color="k", ls="--", label="exact optimum")
    ax1.set(xlabel="iteration", ylabel="tour length", title="annealing trace")
    ax1.legend()
    cyc = np.append(tour, tour[0])
    ax2.plot(P[cyc, 0], P[cyc, 1], "o-")
    ax2.set(title=f"best tour, length {E:.4f}", xticks=[], yticks=[])
    return DemoResult(metrics={"tour_length": E}, reference={"tour_length": exact}, figure=fig,
                      reference_name="brute-force enumeration of all (n-1)!/2 tours")
