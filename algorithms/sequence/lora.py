"""LoRA: low-rank adaptation of a frozen linear layer, in NumPy with the backward pass written out.

A pretrained weight ``W_0 (d_out, d_in)`` stays frozen; the update is restricted to rank ``r`` [@hu2022lora]:

    h = x W_0^T + (alpha / r) x A^T B^T,     A (r, d_in) ~ N(0, sigma^2),  B (d_out, r) = 0

so training starts exactly at the pretrained function. With ``s = alpha / r`` and upstream ``dh (N, d_out)``:
``dB = s dh^T (x A^T)``, ``dA = s (dh B)^T x``, ``dx = dh (W_0 + s B A)``; ``W_0`` gets no gradient.
Trainable parameters drop from ``d_out d_in`` to ``r (d_in + d_out)``. After training the update merges into
the weight, ``W = W_0 + s B A``, so inference costs nothing extra.

The demo adapts a linear model to a task whose true weight differs from ``W_0`` by a rank-``k`` matrix and
compares LoRA's loss with the best possible rank-``r`` update (Eckart-Young: the truncated SVD of the
least-squares update when the inputs are whitened).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


@dataclass
class LoRAConfig:
    d_in: int = 32
    d_out: int = 16
    r: int = 4
    alpha: float = 8.0


class LoRALinear:
    def __init__(self, W0: np.ndarray, cfg: LoRAConfig, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.W0, self.cfg = W0, cfg  # W0: (d_out, d_in), frozen
        self.A = rng.normal(0, 1 / np.sqrt(cfg.d_in), (cfg.r, cfg.d_in))
        self.B = np.zeros((cfg.d_out, cfg.r))
        self.s = cfg.alpha / cfg.r

    def forward(self, x):
        """x: (N, d_in) -> (N, d_out)."""
        self._x = x
        return x @ self.W0.T + self.s * (x @ self.A.T) @ self.B.T

    def backward(self, dh):
        x = self._x
        self.dB = self.s * dh.T @ (x @ self.A.T)  # (d_out, r)
        self.dA = self.s * (dh @ self.B).T @ x  # (r, d_in)
        return dh @ (self.W0 + self.s * self.B @ self.A)

    def merged(self):
        return self.W0 + self.s * self.B @ self.A


def demo(rank: int = 4, true_rank: int = 4, steps: int = 300, lr: float = 0.05, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    cfg = LoRAConfig(r=rank)
    W0 = rng.normal(0, 1 / np.sqrt(cfg.d_in), (cfg.d_out, cfg.d_in))
    delta = rng.normal(size=(cfg.d_out, true_rank)) @ rng.normal(size=(true_rank, cfg.d_in)) / cfg.d_in
    N = 2000
    X = rng.normal(size=(N, cfg.d_in))
    Y = X @ (W0 + delta).T + 0.01 * rng.normal(size=(N, cfg.d_out))
    layer = LoRALinear(W0, cfg, seed)
    m = {k: 0.0 for k in ("A", "B")}
    v = {k: 0.0 for k in ("A", "B")}
    losses = []
    for t in range(1, steps + 1):  # Adam on (A, B)
        H = layer.forward(X)
        losses.append(float(np.mean((H - Y) ** 2)))
        layer.backward(2 * (H - Y) / H.size)
        for k, gk in (("A", layer.dA), ("B", layer.dB)):
            m[k] = 0.9 * m[k] + 0.1 * gk
            v[k] = 0.999 * v[k] + 0.001 * gk ** 2
            step = lr * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)
            setattr(layer, k, getattr(layer, k) - step)
    final = float(np.mean((X @ layer.merged().T - Y) ** 2))
    # reference: best rank-r update. Whiten X (X = Q R), solve least squares, truncate in the whitened basis.
    Q, R = np.linalg.qr(X)
    D_full = np.linalg.lstsq(X, Y - X @ W0.T, rcond=None)[0]  # (d_in, d_out)
    U, S, Vt = np.linalg.svd(R @ D_full, full_matrices=False)
    D_r = np.linalg.solve(R, (U[:, :rank] * S[:rank]) @ Vt[:rank])
    best = float(np.mean((X @ (W0.T + D_r) - Y) ** 2))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.semilogy(losses, label=f"LoRA r={rank}")
    ax.axhline(best, color="k", ls="--", label="best rank-r update (SVD)")
    ax.set(xlabel="Adam step", ylabel="MSE", title="adapting a frozen linear layer")
    ax.legend()
    trainable = rank * (cfg.d_in + cfg.d_out)
    return DemoResult(metrics={"mse": final, "trainable_params": float(trainable)},
                      reference={"mse": best, "trainable_params": float(cfg.d_in * cfg.d_out)}, figure=fig,
                      reference_name="Eckart-Young optimal rank-r least-squares update; full fine-tuning size")
