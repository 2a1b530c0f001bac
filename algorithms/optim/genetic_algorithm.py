"""A genetic algorithm for the 0/1 knapsack problem, checked against the dynamic-programming optimum.

Individuals are bit strings ``x in {0,1}^n`` (item taken or not). Fitness is the total value, with infeasible
strings (weight over capacity) penalised to ``value - lambda * overweight`` [@holland1975adaptation;
@goldberg1989genetic]. Each generation: tournament selection (best of ``k`` random individuals), uniform
crossover with probability ``p_c``, independent bit-flip mutation with probability ``1/n`` per bit, and elitism
(the best individual survives unchanged). The exact optimum comes from the ``O(n C)`` dynamic programme
``V[i, c] = max(V[i-1, c], V[i-1, c - w_i] + v_i)`` for integer weights.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def knapsack_dp(values, weights, capacity) -> float:
    V = np.zeros(capacity + 1)  # V[c]: best value with capacity c using the items seen so far
    for v, w in zip(values, weights):
        prev = V.copy()  # each item at most once: read the previous row
        V[w:] = np.maximum(prev[w:], prev[: capacity + 1 - w] + v)
    return float(V[capacity])


def fitness(pop, values, weights, capacity, penalty):
    val, wt = pop @ values, pop @ weights
    return val - penalty * np.maximum(0, wt - capacity)


def genetic_algorithm(values, weights, capacity, pop_size=100, generations=200, p_cross=0.9, tournament=3, seed=0):
    rng = np.random.default_rng(seed)
    n = len(values)
    penalty = values.max() / weights.min() + 1  # any overweight costs more than it could gain
    pop = (rng.random((pop_size, n)) < 0.2).astype(int)
    best_curve = []
    for _ in range(generations):
        fit = fitness(pop, values, weights, capacity, penalty)
        elite = pop[np.argmax(fit)].copy()
        best_curve.append(float(fit.max()))
        idx = rng.integers(0, pop_size, (pop_size, tournament))
        parents = pop[idx[np.arange(pop_size), np.argmax(fit[idx], axis=1)]]
        mates = parents[rng.permutation(pop_size)]
        do_cross = rng.random(pop_size) < p_cross
        mask = rng.random((pop_size, n)) < 0.5
        children = np.where(do_cross[:, None] & mask, mates, parents)
        children ^= (rng.random((pop_size, n)) < 1.0 / n).astype(int)
        children[0] = elite
        pop = children
    fit = fitness(pop, values, weights, capacity, penalty)
    best = pop[np.argmax(fit)]
    return best, best_curve


def demo(n_items: int = 40, generations: int = 200, pop_size: int = 100, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 30, n_items)
    values = (weights + rng.integers(0, 15, n_items)).astype(float)
    capacity = int(weights.sum() // 3)
    best, curve = genetic_algorithm(values, weights, capacity, pop_size, generations, seed=seed)
    exact = knapsack_dp(values, weights, capacity)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(curve, label="best fitness")
    ax.axhline(exact, color="k", ls="--", label="DP optimum")
    ax.set(xlabel="generation", ylabel="value", title=f"knapsack, {n_items} items")
    ax.legend()
    return DemoResult(metrics={"value": float(best @ values), "feasible": float(best @ weights <= capacity)},
                      reference={"value": exact, "feasible": 1.0}, figure=fig,
                      reference_name="exact dynamic programming over capacities")
