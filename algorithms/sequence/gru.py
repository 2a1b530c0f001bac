"""Gated recurrent unit (GRU) forward and backward pass in NumPy, in PyTorch's parameterisation.

Per step [@cho2014learning], with reset gate ``r``, update gate ``z`` and candidate ``n``:

    r = sigma(x W_xr + b_xr + h W_hr + b_hr)
    z = sigma(x W_xz + b_xz + h W_hz + b_hz)
    n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn))
    h' = (1 - z) * n + z * h

Note where the reset gate acts: on ``h W_hn + b_hn`` (PyTorch and cuDNN), not on ``h`` before the product
(the original paper); the two variants differ, so the bias ``b_hn`` cannot be folded into ``b_xn``.
The GRU has 3 weight blocks against the LSTM's 4 and no separate cell state; the update gate interpolates
between keeping ``h`` and overwriting it, which is what lets gradients survive many steps.

Backward (backpropagation through time), with ``dh`` the gradient reaching ``h'`` (from the output at step t plus
from step t + 1), ``a_r, a_z, a_n`` the pre-activations and ``g_n = h W_hn + b_hn``:

    dn = dh * (1 - z),  dz = dh * (h - n),  dh_prev = dh * z          (from h' = (1 - z) n + z h)
    da_n = dn * (1 - n^2),  dr = da_n * g_n                          (n = tanh(a_n), a_n = x W_xn + b_xn + r g_n)
    da_r = dr * r (1 - r),  da_z = dz * z (1 - z)                    (sigmoid derivatives)
    d(x W_x + b_x) = [da_r, da_z, da_n],  d(h W_h + b_h) = [da_r, da_z, da_n * r]

so ``dW_x += x^T [da_r, da_z, da_n]``, ``dW_h += h^T [da_r, da_z, da_n r]``, ``dx = [..] W_x^T`` and
``dh_prev += [..] W_h^T``. The tests and the demo check every gradient against ``torch.autograd``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


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
        x = np.asarray(x, dtype=float)
        if x.ndim != 3 or x.shape[2] != self.W_x.shape[0]:
            raise ValueError(f"x must have shape (batch, time, {self.W_x.shape[0]}), got {x.shape}")
        B, T, _ = x.shape
        H = self.H
        h = np.zeros((B, H)) if h0 is None else np.asarray(h0, dtype=float)
        if h.shape != (B, H):
            raise ValueError(f"h0 must have shape ({B}, {H}), got {h.shape}")
        out = np.zeros((B, T, H))
        h_prev, gates, g_n = np.zeros((B, T, H)), np.zeros((B, T, 3 * H)), np.zeros((B, T, H))
        for t in range(T):
            gx = x[:, t] @ self.W_x + self.b_x  # (B, 3H)
            gh = h @ self.W_h + self.b_h  # (B, 3H)
            r = sigmoid(gx[:, :H] + gh[:, :H])
            z = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
            n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
            h_prev[:, t], gates[:, t], g_n[:, t] = h, np.concatenate([r, z, n], axis=1), gh[:, 2 * H:]
            h = (1 - z) * n + z * h
            out[:, t] = h
        self._cache = (x, h_prev, gates, g_n)
        return out, h

    def backward(self, d_out, d_h_last=None):
        """Gradients after :meth:`forward`: ``d_out`` (B, T, H) = dL/d(every hidden state), plus optionally
        ``d_h_last`` (B, H) for the returned last state. Returns ``(grads, dx, dh0)`` where ``grads`` holds
        ``W_x, W_h, b_x, b_h``."""
        x, h_prev, gates, g_n = self._cache
        B, T, _ = x.shape
        H = self.H
        grads = {"W_x": np.zeros_like(self.W_x), "W_h": np.zeros_like(self.W_h),
                 "b_x": np.zeros_like(self.b_x), "b_h": np.zeros_like(self.b_h)}
        dx = np.zeros_like(x)
        dh_next = np.zeros((B, H)) if d_h_last is None else np.asarray(d_h_last, dtype=float).copy()
        for t in reversed(range(T)):
            r, z, n = gates[:, t, :H], gates[:, t, H:2 * H], gates[:, t, 2 * H:]
            dh = d_out[:, t] + dh_next  # (B, H)
            dn, dz = dh * (1 - z), dh * (h_prev[:, t] - n)
            da_n = dn * (1 - n**2)
            da_r = da_n * g_n[:, t] * r * (1 - r)
            da_z = dz * z * (1 - z)
            dgx = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H): gradient of x W_x + b_x
            dgh = np.concatenate([da_r, da_z, da_n * r], axis=1)  # gradient of h W_h + b_h
            grads["W_x"] += x[:, t].T @ dgx
            grads["b_x"] += dgx.sum(0)
            grads["W_h"] += h_prev[:, t].T @ dgh
            grads["b_h"] += dgh.sum(0)
            dx[:, t] = dgx @ self.W_x.T
            dh_next = dh * z + dgh @ self.W_h.T
        return grads, dx, dh_next


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
    h0 = rng.normal(size=(4, n_hidden))
    ours, _ = model.forward(x, h0)
    d_out = rng.normal(size=ours.shape)  # a random upstream gradient: L = sum(d_out * outputs)
    grads, dx, dh0 = model.backward(d_out)
    ref = to_torch(model)
    xt, h0t = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(h0)[None].requires_grad_(True)
    theirs_t, _ = ref(xt, h0t)
    (theirs_t * torch.from_numpy(d_out)).sum().backward()
    theirs = theirs_t.detach()
    err = float(np.abs(ours - theirs.numpy()).max())
    torch_grads = {"W_x": ref.weight_ih_l0.grad.numpy().T, "W_h": ref.weight_hh_l0.grad.numpy().T,
                   "b_x": ref.bias_ih_l0.grad.numpy(), "b_h": ref.bias_hh_l0.grad.numpy()}
    grad_err = max(float(np.abs(grads[k] - v).max()) for k, v in torch_grads.items())
    input_grad_err = max(float(np.abs(dx - xt.grad.numpy()).max()), float(np.abs(dh0 - h0t.grad.numpy()[0]).max()))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(ours[0, :, :4])
    ax.plot(theirs.numpy()[0, :, :4], "k:", lw=1)
    ax.set(xlabel="t", ylabel="h_t (first 4 units)", title="NumPy GRU (colour) vs torch.nn.GRU (dotted)")
    return DemoResult(metrics={"hidden_max_abs_err": err, "mean_abs_hidden": float(np.abs(ours).mean()),
                               "weight_grad_max_abs_err": grad_err, "input_grad_max_abs_err": input_grad_err},
                      reference={"hidden_max_abs_err": 0.0, "mean_abs_hidden": float(np.abs(theirs.numpy()).mean()),
                                 "weight_grad_max_abs_err": 0.0, "input_grad_max_abs_err": 0.0},
                      figure=fig, reference_name="torch.nn.GRU (float64, copied weights) and torch.autograd",
                      notes="gradient errors are |hand-written BPTT - torch.autograd| over W_x, W_h, b_x, b_h and "
                            "over dx, dh0; the reference column is the exact target 0")
