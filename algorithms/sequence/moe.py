"""A mixture-of-experts layer with top-k routing, in NumPy with the backward pass written out.

For a token ``x (d,)``, router logits ``l = x W_g (E,)``; keep the ``k`` largest (set ``T``), gate weights
``g_i = softmax_{j in T}(l_j)`` for ``i in T`` and 0 otherwise; experts ``E_i(x) = relu(x W1_i) W2_i``;
output ``y = sum_{i in T} g_i E_i(x)`` [@shazeer2017outrageously]. Only ``k`` of ``E`` experts run per token,
so parameters grow with ``E`` while compute grows with ``k``.

Backward: ``dE_i = g_i dy``; ``dg_i = <dy, E_i(x)>``; the softmax over the kept set gives
``dl_i = g_i (dg_i - sum_{j in T} g_j dg_j)`` for ``i in T`` and 0 elsewhere (the top-k selection itself is
piecewise constant). Load-balancing loss (Switch Transformer [@fedus2022switch]):
``L_aux = E * sum_i f_i P_i`` with ``f_i`` the fraction of tokens whose top-1 expert is ``i`` and ``P_i`` the
mean router probability (softmax over all experts) of expert ``i``; it equals 1 under perfect balance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@dataclass
class MoEConfig:
    d: int = 8
    d_hidden: int = 16
    n_experts: int = 4
    k: int = 2


class MoE:
    def __init__(self, cfg: MoEConfig, seed: int = 0):
        rng = np.random.default_rng(seed)
        E, d, h = cfg.n_experts, cfg.d, cfg.d_hidden
        self.cfg = cfg
        self.p = {"W_g": rng.normal(0, 1, (d, E)), "W1": rng.normal(0, d ** -0.5, (E, d, h)),
                  "W2": rng.normal(0, h ** -0.5, (E, h, d))}

    def forward(self, x):
        """x: (N, d) -> y (N, d). Loops over experts, each processing only the tokens routed to it."""
        N = x.shape[0]
        cfg, p = self.cfg, self.p
        logits = x @ p["W_g"]  # (N, E)
        top = np.argsort(-logits, axis=1, kind="stable")[:, :cfg.k]  # (N, k)
        mask = np.zeros_like(logits, dtype=bool)
        mask[np.arange(N)[:, None], top] = True
        gates = softmax(np.where(mask, logits, -np.inf))  # (N, E), zero outside the top-k
        y = np.zeros_like(x)
        hidden, outs = {}, {}
        for e in range(cfg.n_experts):
            idx = np.nonzero(mask[:, e])[0]
            if idx.size == 0:
                continue
            a = np.maximum(0, x[idx] @ p["W1"][e])  # (n_e, h)
            o = a @ p["W2"][e]  # (n_e, d)
            y[idx] += gates[idx, e:e + 1] * o
            hidden[e], outs[e] = (idx, a), o
        self._cache = (x, logits, mask, gates, hidden, outs)
        return y

    def backward(self, dy):
        x, logits, mask, gates, hidden, outs = self._cache
        p = self.p
        g = {k: np.zeros_like(v) for k, v in p.items()}
        dx = np.zeros_like(x)
        dgate = np.zeros_like(gates)
        for e, (idx, a) in hidden.items():
            dgate[idx, e] = np.sum(dy[idx] * outs[e], axis=1)
            do = gates[idx, e:e + 1] * dy[idx]  # (n_e, d)
            g["W2"][e] = a.T @ do
            da = (do @ p["W2"][e].T) * (a > 0)
            g["W1"][e] = x[idx].T @ da
            dx[idx] += da @ p["W1"][e].T
        dlogits = gates * (dgate - np.sum(gates * dgate, axis=1, keepdims=True))
        dlogits[~mask] = 0.0
        g["W_g"] = x.T @ dlogits
        dx += dlogits @ p["W_g"].T
        self.grads = g
        return dx

    def load_balancing_loss(self, x):
        probs = softmax(x @ self.p["W_g"])  # (N, E)
        E = self.cfg.n_experts
        f = np.bincount(np.argmax(probs, axis=1), minlength=E) / x.shape[0]
        return float(E * np.sum(f * probs.mean(0)))


def torch_reference(model: MoE, x: np.ndarray, dy: np.ndarray):
    """The same layer written densely in PyTorch; returns y and the gradients from autograd."""
    import torch

    P = {k: torch.tensor(v, requires_grad=True) for k, v in model.p.items()}
    xt = torch.tensor(x, requires_grad=True)
    logits = xt @ P["W_g"]
    top = torch.topk(logits, model.cfg.k, dim=1).indices
    mask = torch.zeros_like(logits, dtype=torch.bool).scatter(1, top, True)
    gates = torch.softmax(logits.masked_fill(~mask, float("-inf")), dim=1)
    expert_out = torch.einsum("neh,ehd->ned", torch.relu(torch.einsum("nd,edh->neh", xt, P["W1"])), P["W2"])
    y = torch.einsum("ne,ned->nd", gates, expert_out)
    (y * torch.tensor(dy)).sum().backward()
    return y.detach().numpy(), {k: v.grad.numpy() for k, v in P.items()}, xt.grad.numpy()


def demo(n_tokens: int = 256, n_experts: int = 4, k: int = 2, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    k = min(k, n_experts)  # cannot route to more experts than exist
    rng = np.random.default_rng(seed)
    model = MoE(MoEConfig(n_experts=n_experts, k=k), seed)
    x = rng.normal(size=(n_tokens, model.cfg.d))
    y = model.forward(x)
    dy = rng.normal(size=y.shape)
    dx = model.backward(dy)
    y_ref, g_ref, dx_ref = torch_reference(model, x, dy)
    grad_err = max(float(np.abs(model.grads[k_] - g_ref[k_]).max()) for k_ in g_ref)
    load = model._cache[2].sum(0) / n_tokens
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.bar(range(n_experts), load)
    ax.axhline(k / n_experts, color="k", ls="--", label="balanced")
    ax.set(xlabel="expert", ylabel="fraction of tokens routed", title=f"top-{k} routing load")
    ax.legend()
    return DemoResult(
        metrics={"output_max_abs_err": float(np.abs(y - y_ref).max()), "param_grad_max_abs_err": grad_err,
                 "dx_max_abs_err": float(np.abs(dx - dx_ref).max()), "load_balancing_loss": model.load_balancing_loss(x)},
        reference={"output_max_abs_err": 0.0, "param_grad_max_abs_err": 0.0, "dx_max_abs_err": 0.0,
                   "load_balancing_loss": 1.0},
        figure=fig, reference_name="dense PyTorch re-implementation + autograd; perfect balance gives L_aux = 1",
    )
