"""Hyperparameter search under a budget: random search, successive halving and Hyperband.

The benchmark is a synthetic learning-curve model: configuration ``c`` has a final loss ``L_c`` and after a budget of
``r`` epochs shows ``loss(c, r) = L_c + a_c r^{-1/2} + noise`` (decreasing, with crossing curves possible).

* Random search [@bergstra2012random]: draw configurations, train each with the full budget ``R``, keep the best.
* Successive halving [@jamieson2016non]: start ``n`` configurations at budget ``r``; keep the best ``1/eta`` of them
  and multiply their budget by ``eta``; repeat until one remains. Most of the budget goes to promising
  configurations, at the risk of discarding slow starters.
* Hyperband [@li2018hyperband]: hedge over that risk by running successive halving brackets
  ``s = s_max..0`` with ``n = ceil((s_max + 1) eta^s / (s + 1))`` configurations starting at ``r = R eta^{-s}``:
  aggressive early stopping in some brackets, none (plain random search) in the last.
Every method is charged the epochs it trains (training resumes from the previous budget, so a promoted
configuration costs only the extra epochs).
"""

from __future__ import annotations

import math

import numpy as np

from mlnotes.algorithms.registry import DemoResult


class LearningCurveBenchmark:
    def __init__(self, n_configs=2000, seed=0, noise=0.01):
        rng = np.random.default_rng(seed)
        self.final = rng.gamma(2.0, 0.05, n_configs)  # L_c: final loss
        self.speed = rng.uniform(0.1, 1.0, n_configs)  # a_c: how slowly it converges
        self.noise, self.rng, self.n = noise, rng, n_configs
        self.spent = 0.0

    def loss(self, c, r, already=0.0):
        """Train config c up to budget r (paying r - already epochs); noisy loss after r epochs."""
        self.spent += r - already
        return self.final[c] + self.speed[c] / math.sqrt(r) + self.noise * self.rng.normal()

    def true_final(self, c):
        return float(self.final[c])


def random_search(bench, n, R, rng):
    cs = rng.choice(bench.n, n, replace=False)
    losses = [bench.loss(c, R) for c in cs]
    return int(cs[int(np.argmin(losses))])


def successive_halving(bench, configs, r, R, eta=3):
    configs, budget, prev = list(configs), r, {c: 0.0 for c in configs}
    while True:
        losses = {c: bench.loss(c, budget, prev[c]) for c in configs}
        for c in configs:
            prev[c] = budget
        if budget >= R:  # the survivors have been trained with the full budget
            return min(configs, key=losses.get)
        keep = max(1, len(configs) // eta)
        configs = sorted(configs, key=losses.get)[:keep]
        budget = min(R, budget * eta)


def hyperband(bench, R, eta, rng):
    s_max = int(math.floor(math.log(R, eta) + 1e-9))
    best, best_loss = None, np.inf
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) * eta ** s / (s + 1)))
        r = R * eta ** (-s)
        winner = successive_halving(bench, rng.choice(bench.n, n, replace=False), r, R, eta)
        l = bench.loss(winner, R, R)  # its loss at full budget was already paid for
        if l < best_loss:
            best, best_loss = winner, l
    return best


def demo(max_budget: int = 81, eta: int = 3, seeds: int = 20) -> DemoResult:
    from matplotlib.figure import Figure

    res = {"hyperband": [], "random_search": [], "successive_halving": []}
    spent = {k: [] for k in res}
    for s in range(seeds):
        rng = np.random.default_rng(s)
        b = LearningCurveBenchmark(seed=s)
        best_possible = b.final.min()
        c = hyperband(b, max_budget, eta, rng)
        budget = b.spent
        res["hyperband"].append(b.true_final(c) - best_possible)
        spent["hyperband"].append(budget)
        b2 = LearningCurveBenchmark(seed=s)
        c = random_search(b2, max(1, int(budget // max_budget)), max_budget, rng)
        res["random_search"].append(b2.true_final(c) - best_possible)
        spent["random_search"].append(b2.spent)
        b3 = LearningCurveBenchmark(seed=s)
        n0 = eta ** int(math.floor(math.log(max_budget, eta) + 1e-9))
        c = successive_halving(b3, rng.choice(b3.n, n0, replace=False), 1, max_budget, eta)
        res["successive_halving"].append(b3.true_final(c) - best_possible)
        spent["successive_halving"].append(b3.spent)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.boxplot([res[k] for k in res], tick_labels=list(res))
    ax.set(ylabel="regret of chosen config (final loss)", title=f"R = {max_budget}, eta = {eta}, {seeds} seeds")
    return DemoResult(
        metrics={"hyperband_regret": float(np.mean(res["hyperband"])),
                 "successive_halving_regret": float(np.mean(res["successive_halving"])),
                 "hyperband_epochs": float(np.mean(spent["hyperband"]))},
        reference={"random_search_regret": float(np.mean(res["random_search"])),
                   "random_search_epochs": float(np.mean(spent["random_search"]))},
        figure=fig, reference_name="random search given the same number of epochs as Hyperband",
    )
