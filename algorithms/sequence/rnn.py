"""A vanilla (Elman) recurrent network trained with backpropagation through time, in NumPy.

Forward, for inputs ``x_t (B, n_in)`` and hidden state ``h_t (B, H)`` [@elman1990finding]:

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h),     yhat_t = h_t W_hy + b_y,     L = mean((yhat - y)^2) / 2

Backward through time [@werbos1990backpropagation]: with ``dh_t`` the total gradient reaching ``h_t`` (from
its output and from step ``t+1``), ``da_t = dh_t * (1 - h_t^2)``; then ``dW_xh += x_t^T da_t``,
``dW_hh += h_{t-1}^T da_t``, ``db_h += sum_b da_t`` and ``dh_{t-1} += da_t W_hh^T``. Products of ``W_hh^T``
and ``diag(1 - h^2)`` over many steps shrink or grow geometrically: the vanishing/exploding gradient problem
[@bengio1994learning], which the demo's gradient-norm-per-step plot shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


@dataclass
class RNNConfig:
    n_in: int = 1
    n_hidden: int = 16
    n_out: int = 1


class RNN:
    def __init__(self, cfg: RNNConfig, seed: int = 0):
        rng = np.random.default_rng(seed)
        H = cfg.n_hidden
        s = 1 / np.sqrt(H)  # PyTorch's U(-1/sqrt(H), 1/sqrt(H)) initialisation
        self.p = {"W_xh": rng.uniform(-s, s, (cfg.n_in, H)), "W_hh": rng.uniform(-s, s, (H, H)),
                  "b_h": rng.uniform(-s, s, H), "W_hy": rng.uniform(-s, s, (H, cfg.n_out)),
                  "b_y": rng.uniform(-s, s, cfg.n_out)}

    def forward(self, x):
        """x: (B, T, n_in) -> outputs (B, T, n_out), hidden states (B, T+1, H) with h_0 = 0."""
        B, T, _ = x.shape
        p = self.p
        h = np.zeros((B, T + 1, p["W_hh"].shape[0]))
        for t in range(T):
            h[:, t + 1] = np.tanh(x[:, t] @ p["W_xh"] + h[:, t] @ p["W_hh"] + p["b_h"])
        return h[:, 1:] @ p["W_hy"] + p["b_y"], h

    def loss_and_grads(self, x, y):
        """Mean squared error / 2 and its gradients by BPTT; also returns ||dL/dh_t|| per step."""
        yhat, h = self.forward(x)
        B, T, _ = x.shape
        p = self.p
        n = yhat.size
        loss = 0.5 * np.sum((yhat - y) ** 2) / n
        dy = (yhat - y) / n  # (B, T, n_out)
        g = {k: np.zeros_like(v) for k, v in p.items()}
        g["W_hy"] = np.einsum("bth,bto->ho", h[:, 1:], dy)
        g["b_y"] = dy.sum((0, 1))
        dh_next = np.zeros((B, p["W_hh"].shape[0]))
        norms = np.zeros(T)
        for t in reversed(range(T)):
            dh = dy[:, t] @ p["W_hy"].T + dh_next  # gradient reaching h_t
            norms[t] = np.linalg.norm(dh)
            da = dh * (1 - h[:, t + 1] ** 2)  # through tanh
            g["W_xh"] += x[:, t].T @ da
            g["W_hh"] += h[:, t].T @ da
            g["b_h"] += da.sum(0)
            dh_next = da @ p["W_hh"].T
        return loss, g, norms


def sine_task(B: int, T: int, rng: np.random.Generator):
    """Predict sin(t + dt) from sin(t) with random phases: (B, T, 1) inputs and targets."""
    phase = rng.uniform(0, 2 * np.pi, (B, 1))
    t = phase + 0.3 * np.arange(T + 1)
    s = np.sin(t)[..., None]
    return s[:, :-1], s[:, 1:]


def to_torch_rnn(model: RNN):
    import torch

    H = model.p["W_hh"].shape[0]
    ref = torch.nn.RNN(model.p["W_xh"].shape[0], H, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(H, model.p["W_hy"].shape[1], dtype=torch.float64)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(model.p["W_xh"].T))
        ref.weight_hh_l0.copy_(torch.from_numpy(model.p["W_hh"].T))
        ref.bias_ih_l0.copy_(torch.from_numpy(model.p["b_h"]))
        ref.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(model.p["W_hy"].T))
        head.bias.copy_(torch.from_numpy(model.p["b_y"]))
    ref.bias_hh_l0.requires_grad_(False)  # our single bias b_h plays the role of b_ih + b_hh
    return ref, head


def demo(n_hidden: int = 16, seq_len: int = 20, steps: int = 200, lr: float = 0.5, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    model = RNN(RNNConfig(n_hidden=n_hidden), seed=seed)
    ref, head = to_torch_rnn(model)
    opt = torch.optim.SGD([q for q in ref.parameters() if q.requires_grad] + list(head.parameters()), lr=lr)
    ours, theirs = [], []
    norms0 = None
    for _ in range(steps):
        x, y = sine_task(32, seq_len, rng)
        loss, g, norms = model.loss_and_grads(x, y)
        if norms0 is None:
            norms0 = norms
        for k in model.p:
            model.p[k] -= lr * g[k]
        ours.append(loss)
        out, _ = ref(torch.from_numpy(x))
        tl = 0.5 * ((head(out) - torch.from_numpy(y)) ** 2).mean()
        opt.zero_grad()
        tl.backward()
        opt.step()
        theirs.append(tl.item())
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.semilogy(ours, label="NumPy BPTT")
    ax1.semilogy(theirs, "--", label="torch.nn.RNN + autograd")
    ax1.set(xlabel="SGD step", ylabel="loss", title="same init, same data")
    ax1.legend()
    ax2.semilogy(norms0, "o-")
    ax2.set(xlabel="time step t", ylabel="||dL/dh_t||", title="gradient reaching h_t (step 0)")
    return DemoResult(metrics={"final_loss": float(np.mean(ours[-10:]))},
                      reference={"final_loss": float(np.mean(theirs[-10:]))}, figure=fig,
                      reference_name="torch.nn.RNN trained with torch.optim.SGD from copied weights",
                      notes=f"max |loss difference| along the trajectory: {np.max(np.abs(np.subtract(ours, theirs))):.2e}")
