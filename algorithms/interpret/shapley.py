"""Exact Shapley values by enumerating feature subsets (the oracle for Kernel SHAP and TreeSHAP).

For a cooperative game ``v`` on features ``N = {1..M}`` the Shapley value of ``i`` is [@shapley1953value]

    phi_i = sum_{S subset N \\ {i}} |S|! (M - |S| - 1)! / M! * (v(S u {i}) - v(S)),

the unique attribution with efficiency (``sum_i phi_i = v(N) - v(empty)``), symmetry, dummy and additivity.
For explaining a prediction ``f(x)``, ``v(S)`` is an expectation of ``f`` with the features outside ``S`` unknown;
the interventional choice is ``v(S) = (1/|B|) sum_{b in B} f(x_S, b_{N \\ S})`` over a background set ``B``.
Cost ``O(2^M)`` evaluations of ``v``: fine for ``M <= 12``, which is what the tests need.
"""

from __future__ import annotations

from math import factorial

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def all_masks(M: int) -> np.ndarray:
    """(2^M, M) boolean masks; row k has feature i known iff bit i of k is set."""
    k = np.arange(2 ** M)[:, None]
    return (k >> np.arange(M)) & 1 == 1


def exact_shapley(v_batch, M: int) -> np.ndarray:
    """v_batch: callable mapping (K, M) boolean masks (True = feature known) to (K,) values. Returns phi (M,)."""
    masks = all_masks(M)
    vals = np.asarray(v_batch(masks), dtype=float)  # vals[k] = v(S_k), k the bit pattern of S
    sizes = masks.sum(1)
    weight = np.array([factorial(s) * factorial(M - s - 1) / factorial(M) if s < M else 0.0 for s in range(M + 1)])
    phi = np.zeros(M)
    for i in range(M):
        without = ~masks[:, i]  # subsets S not containing i
        k = np.flatnonzero(without)
        phi[i] = np.sum(weight[sizes[k]] * (vals[k | (1 << i)] - vals[k]))
    return phi


def interventional_value(predict, x, background):
    """Batched v(S) = mean over background rows of f with the features in S taken from x (one predict call)."""
    def v_batch(masks):
        masks = np.atleast_2d(masks)
        K, (nb, M) = len(masks), background.shape
        Z = np.where(masks[:, None, :], x, background[None])  # (K, nb, M)
        return predict(Z.reshape(K * nb, M)).reshape(K, nb).mean(1)
    return v_batch


def demo(n_features: int = 5, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    w = rng.normal(size=n_features)
    f = lambda Z: Z @ w  # linear model: phi_i = w_i (x_i - mean(b_i)) exactly
    B = rng.normal(size=(50, n_features))
    x = rng.normal(size=n_features)
    phi = exact_shapley(interventional_value(f, x, B), n_features)
    ref = w * (x - B.mean(0))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.bar(np.arange(n_features) - 0.2, phi, 0.4, label="subset enumeration")
    ax.bar(np.arange(n_features) + 0.2, ref, 0.4, label="w_i (x_i - E b_i)")
    ax.set(xlabel="feature", ylabel="Shapley value", title="linear model: closed form")
    ax.legend()
    return DemoResult(metrics={"max_abs_err": float(np.abs(phi - ref).max()), "efficiency_gap": float(abs(phi.sum() - (f(x) - f(B).mean())))},
                      reference={"max_abs_err": 0.0, "efficiency_gap": 0.0}, figure=fig,
                      reference_name="closed-form Shapley values of a linear model")
