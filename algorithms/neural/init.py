"""Weight initialisation: Xavier/Glorot and He/Kaiming, and why they keep activations at a stable scale.

For a layer ``z = W a`` with ``fan_in`` inputs, i.i.d. zero-mean weights of variance ``s^2`` and inputs of
second moment ``q``: ``Var[z] = fan_in s^2 q``.

* Xavier/Glorot [@glorot2010understanding] balances forward and backward variance for tanh-like units:
  ``s^2 = 2 / (fan_in + fan_out)``; uniform version ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``.
* He/Kaiming [@he2015delving]: ReLU zeroes half the pre-activations, so ``E[a^2] = Var[z]/2`` and
  ``s^2 = 2 / fan_in`` keeps ``Var[z]`` constant with depth; uniform bound ``sqrt(6 / fan_in)``.

The demo pushes data through a deep stack of layers and plots the activation standard deviation per layer:
a too-small scale vanishes geometrically, a too-large one explodes, He keeps ReLU stable, Xavier keeps tanh stable.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, (fan_out, fan_in))


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    return rng.normal(0, gain * np.sqrt(2.0 / (fan_in + fan_out)), (fan_out, fan_in))


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, (fan_out, fan_in))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0, np.sqrt(2.0 / fan_in), (fan_out, fan_in))


def activation_stds(init, act, depth: int, width: int, rng: np.random.Generator) -> list[float]:
    a = rng.normal(size=(256, width))  # 256 inputs
    stds = []
    for _ in range(depth):
        a = act(a @ init(width, width, rng).T)
        stds.append(float(a.std()))
    return stds


def demo(depth: int = 30, width: int = 256, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    relu = lambda z: np.maximum(z, 0)
    small = lambda fi, fo, r: r.normal(0, 0.5 / np.sqrt(fi), (fo, fi))
    curves = {"He + ReLU": activation_stds(he_normal, relu, depth, width, rng),
              "Xavier + ReLU": activation_stds(xavier_normal, relu, depth, width, rng),
              "Xavier + tanh": activation_stds(xavier_normal, np.tanh, depth, width, rng),
              "0.5/sqrt(fan_in) + tanh": activation_stds(small, np.tanh, depth, width, rng)}
    # reference: empirical std of torch.nn.init draws against ours, for a 256 x 256 weight
    torch.manual_seed(seed)
    W = torch.empty(width, width, dtype=torch.float64)
    ref = {"xavier_uniform_std": float(torch.nn.init.xavier_uniform_(W).std()),
           "he_normal_std": float(torch.nn.init.kaiming_normal_(W, nonlinearity="relu").std())}
    ours = {"xavier_uniform_std": float(xavier_uniform(width, width, rng).std()),
            "he_normal_std": float(he_normal(width, width, rng).std())}
    ours["he_relu_last_layer_std"] = curves["He + ReLU"][-1]
    ref["he_relu_last_layer_std"] = curves["He + ReLU"][0]
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    for k, v in curves.items():
        ax.semilogy(range(1, depth + 1), v, label=k)
    ax.set(xlabel="layer", ylabel="activation std", title=f"{depth} layers of width {width}")
    ax.legend(fontsize=7)
    return DemoResult(metrics=ours, reference=ref, figure=fig,
                      reference_name="torch.nn.init.xavier_uniform_ / kaiming_normal_; first-layer std",
                      notes=f"analytic stds: Xavier {np.sqrt(1 / width):.4f}, He {np.sqrt(2 / width):.4f}")
