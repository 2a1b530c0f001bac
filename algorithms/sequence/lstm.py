"""Long short-term memory (LSTM) in NumPy, forward and backward through time.

Per step, with gates in PyTorch's order (input, forget, cell candidate, output) [@hochreiter1997long;
@gers2000learning]:

    [i, f, g, o] = [sigma, sigma, tanh, sigma](x_t W_x + h_{t-1} W_h + b)      (each (B, H))
    c_t = f * c_{t-1} + i * g,     h_t = o * tanh(c_t)

Backward: with ``dh_t`` (from the output and step t+1) and ``dc_t`` (from step t+1),
``do = dh * tanh(c_t)``, ``dc = dc_next + dh * o * (1 - tanh(c_t)^2)``, ``di = dc * g``, ``dg = dc * i``,
``df = dc * c_{t-1}``, ``dc_{t-1} = dc * f``; then through the nonlinearities
(``sigma' = s (1 - s)``, ``tanh' = 1 - t^2``) to the pre-activations ``dz``, and
``dW_x += x_t^T dz``, ``dW_h += h_{t-1}^T dz``, ``dh_{t-1} = dz W_h^T``. The additive cell path
``c_t = f * c_{t-1} + ...`` carries gradients across many steps when ``f`` is near 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@dataclass
class LSTMConfig:
    n_in: int = 1
    n_hidden: int = 16
    n_out: int = 1


class LSTM:
    def __init__(self, cfg: LSTMConfig, seed: int = 0):
        rng = np.random.default_rng(seed)
        H, s = cfg.n_hidden, 1 / np.sqrt(cfg.n_hidden)
        self.H = H
        self.p = {"W_x": rng.uniform(-s, s, (cfg.n_in, 4 * H)), "W_h": rng.uniform(-s, s, (H, 4 * H)),
                  "b": rng.uniform(-s, s, 4 * H), "W_y": rng.uniform(-s, s, (H, cfg.n_out)),
                  "b_y": rng.uniform(-s, s, cfg.n_out)}

    def forward(self, x):
        """x: (B, T, n_in) -> yhat (B, T, n_out); caches gates for backward."""
        B, T, _ = x.shape
        H, p = self.H, self.p
        h = np.zeros((B, T + 1, H))
        c = np.zeros((B, T + 1, H))
        gates = np.zeros((B, T, 4 * H))  # post-nonlinearity [i, f, g, o]
        for t in range(T):
            z = x[:, t] @ p["W_x"] + h[:, t] @ p["W_h"] + p["b"]  # (B, 4H)
            i, f, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), sigmoid(z[:, 3 * H:])
            g = np.tanh(z[:, 2 * H:3 * H])
            c[:, t + 1] = f * c[:, t] + i * g
            h[:, t + 1] = o * np.tanh(c[:, t + 1])
            gates[:, t] = np.concatenate([i, f, g, o], axis=1)
        self._cache = (x, h, c, gates)
        return h[:, 1:] @ p["W_y"] + p["b_y"]

    def backward(self, dyhat):
        """dyhat: (B, T, n_out) = dL/dyhat -> parameter gradients (dict) and dL/dx."""
        x, h, c, gates = self._cache
        B, T, _ = x.shape
        H, p = self.H, self.p
        g_ = {k: np.zeros_like(v) for k, v in p.items()}
        g_["W_y"] = np.einsum("bth,bto->ho", h[:, 1:], dyhat)
        g_["b_y"] = dyhat.sum((0, 1))
        dx = np.zeros_like(x)
        dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
        for t in reversed(range(T)):
            i, f, g, o = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
            tc = np.tanh(c[:, t + 1])
            dh = dyhat[:, t] @ p["W_y"].T + dh_next
            do = dh * tc
            dc = dc_next + dh * o * (1 - tc ** 2)
            di, dg, df = dc * g, dc * i, dc * c[:, t]
            dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1)
            g_["W_x"] += x[:, t].T @ dz
            g_["W_h"] += h[:, t].T @ dz
            g_["b"] += dz.sum(0)
            dx[:, t] = dz @ p["W_x"].T
            dh_next, dc_next = dz @ p["W_h"].T, dc * f
        return g_, dx


def to_torch(model: LSTM):
    """torch.nn.LSTM + Linear head with the same weights (b_hh frozen at 0: our b is b_ih + b_hh)."""
    import torch

    n_in, H = model.p["W_x"].shape[0], model.H
    ref = torch.nn.LSTM(n_in, H, batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(H, model.p["W_y"].shape[1], dtype=torch.float64)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(model.p["W_x"].T))
        ref.weight_hh_l0.copy_(torch.from_numpy(model.p["W_h"].T))
        ref.bias_ih_l0.copy_(torch.from_numpy(model.p["b"]))
        ref.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(model.p["W_y"].T))
        head.bias.copy_(torch.from_numpy(model.p["b_y"]))
    ref.bias_hh_l0.requires_grad_(False)
    return ref, head


def demo(n_hidden: int = 16, seq_len: int = 20, steps: int = 150, lr: float = 0.5, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    model = LSTM(LSTMConfig(n_hidden=n_hidden), seed=seed)
    ref, head = to_torch(model)
    opt = torch.optim.SGD([q for q in ref.parameters() if q.requires_grad] + list(head.parameters()), lr=lr)
    ours, theirs = [], []
    for _ in range(steps):
        # task: output the running mean of a noisy input (needs memory of the whole prefix)
        x = rng.normal(size=(32, seq_len, 1))
        y = np.cumsum(x, axis=1) / np.arange(1, seq_len + 1)[None, :, None]
        yhat = model.forward(x)
        n = y.size
        ours.append(0.5 * np.sum((yhat - y) ** 2) / n)
        grads, _ = model.backward((yhat - y) / n)
        for k in model.p:
            model.p[k] -= lr * grads[k]
        out, _ = ref(torch.from_numpy(x))
        tl = 0.5 * ((head(out) - torch.from_numpy(y)) ** 2).mean()
        opt.zero_grad()
        tl.backward()
        opt.step()
        theirs.append(tl.item())
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.semilogy(ours, label="NumPy LSTM")
    ax.semilogy(theirs, "--", label="torch.nn.LSTM")
    ax.set(xlabel="SGD step", ylabel="loss", title="running-mean task, identical init and data")
    ax.legend()
    return DemoResult(metrics={"final_loss": float(np.mean(ours[-10:]))},
                      reference={"final_loss": float(np.mean(theirs[-10:]))}, figure=fig,
                      reference_name="torch.nn.LSTM trained with torch.optim.SGD from copied weights",
                      notes=f"max |loss difference| along the trajectory: {np.max(np.abs(np.subtract(ours, theirs))):.2e}")
