"""Gated recurrent unit (GRU) forward pass in NumPy, in PyTorch's parameterisation.

Per step [@cho2014learning], with reset gate ``r``, update gate ``z`` and candidate ``n``:

    r = sigma(x W_xr + b_xr + h W_hr + b_hr)
    z = sigma(x W_xz + b_xz + h W_hz + b_hz)
    n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn))
    h' = (1 - z) * n + z * h

Note where the reset gate acts: on ``h W_hn + b_hn`` (PyTorch and cuDNN), not on ``h`` before the product
(the original paper); the two variants differ, so the bias ``b_hn`` cannot be folded into ``b_xn``.
The GRU has 3 weight blocks against the LSTM's 4 and no separate cell state; the update gate interpolates
between keeping ``h`` and overwriting it, which is what lets gradients survive many steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from algorithms.registry import DemoResult


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class GRUConfig:
    n_in: int = 3
    n_hidden: int = 8


class GRU:
    def __init__(self, cfg: GRUConfig, seed: int = 0):
        rng = np.random.default_rng(seed)
        H, s = cfg.n_hidden, 1 / np.sqrt(cfg.n_hidden)
        self.H = H
        # blocks in PyTorch's order [r, z, n]
        self.W_x = rng.uniform(-s, s, (cfg.n_in, 3 * H))
        self.W_h = rng.uniform(-s, s, (H, 3 * H))
        self.b_x = rng.uniform(-s, s, 3 * H)
        self.b_h = rng.uniform(-s, s, 3 * H)

    def forward(self, x, h0=None):
        """x: (B, T, n_in) -> all hidden states (B, T, H) and the last one (B, H)."""
        B, T, _ = x.shape
        H = self.H
        h = np.zeros((B, H)) if h0 is None else h0
        out = np.zeros((B, T, H))
        for t in range(T):
            gx = x[:, t] @ self.W_x + self.b_x  # (B, 3H)
            gh = h @ self.W_h + self.b_h  # (B, 3H)
            r = sigmoid(gx[:, :H] + gh[:, :H])
            z = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
            n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
            h = (1 - z) * n + z * h
            out[:, t] = h
        return out, h


def to_torch(model: GRU):
    import torch

    ref = torch.nn.GRU(model.W_x.shape[0], model.H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(model.W_x.T))
        ref.weight_hh_l0.copy_(torch.from_numpy(model.W_h.T))
        ref.bias_ih_l0.copy_(torch.from_numpy(model.b_x))
        ref.bias_hh_l0.copy_(torch.from_numpy(model.b_h))
    return ref


def demo(n_hidden: int = 8, seq_len: int = 50, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    model = GRU(GRUConfig(n_in=3, n_hidden=n_hidden), seed=seed)
    x = rng.normal(size=(4, seq_len, 3))
    ours, _ = model.forward(x)
    with torch.no_grad():
        theirs, _ = to_torch(model)(torch.from_numpy(x))
    err = float(np.abs(ours - theirs.numpy()).max())
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(ours[0, :, :4])
    ax.plot(theirs.numpy()[0, :, :4], "k:", lw=1)
    ax.set(xlabel="t", ylabel="h_t (first 4 units)", title="NumPy GRU (colour) vs torch.nn.GRU (dotted)")
    return DemoResult(metrics={"hidden_max_abs_err": err, "mean_abs_hidden": float(np.abs(ours).mean())},
                      reference={"hidden_max_abs_err": 0.0, "mean_abs_hidden": float(np.abs(theirs.numpy()).mean())},
                      figure=fig, reference_name="torch.nn.GRU (float64, copied weights)")
