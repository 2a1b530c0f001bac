"""Inverted dropout, in NumPy.

Training [@srivastava2014dropout]: draw ``m_i ~ Bernoulli(1 - p)`` independently and output
``y = m * x / (1 - p)``; scaling at training time keeps ``E[y] = x``, so inference is the identity (inverted
dropout, as PyTorch). ``Var[y_i] = x_i^2 p / (1 - p)``. Backward: ``dx = m * dy / (1 - p)`` with the same mask.
Dropout trains an implicit ensemble of sub-networks that share weights; at inference the identity approximates
the ensemble average (exactly for a linear layer).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


class Dropout:
    def __init__(self, p: float = 0.5, seed: int = 0):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p, self.training = p, True
        self.rng = np.random.default_rng(seed)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            self._mask = None
            return x
        self._mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self._mask

    def backward(self, dy):
        return dy if self._mask is None else dy * self._mask


def demo(p: float = 0.3, n: int = 200_000, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    x = np.full(n, 2.0)
    d = Dropout(p, seed)
    y = d.forward(x)
    torch.manual_seed(seed)
    yt = torch.nn.functional.dropout(torch.tensor(x), p=p, training=True).numpy()
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.bar(["ours kept", "torch kept"], [np.mean(y != 0), np.mean(yt != 0)])
    ax.axhline(1 - p, color="k", ls="--", label="1 - p")
    ax.legend()
    ax.set(title="fraction of units kept")
    return DemoResult(
        metrics={"mean": float(y.mean()), "variance": float(y.var()), "kept_fraction": float(np.mean(y != 0))},
        reference={"mean": float(yt.mean()), "variance": float(yt.var()), "kept_fraction": float(np.mean(yt != 0))},
        figure=fig, reference_name="torch.nn.functional.dropout (same p); analytic mean 2, variance 4p/(1-p)",
        notes=f"analytic: mean 2, variance {4 * p / (1 - p):.4f}, kept {1 - p:.3f}",
    )
