"""Scaled dot-product attention and multi-head attention in NumPy, forward and backward.

Scaled dot-product attention [@vaswani2017attention] for queries ``Q (T, d_k)``, keys ``K (S, d_k)`` and
values ``V (S, d_v)``:

    S = Q K^T / sqrt(d_k) + M,     A = softmax_rows(S),     O = A V

with an additive mask ``M`` (``-inf`` where attention is forbidden, e.g. ``s > t`` for causal attention). A query
whose every key is masked gets zero attention weights, hence output 0 and no gradient, as PyTorch's
``scaled_dot_product_attention`` does (the plain formula gives 0/0 = NaN there, which the backward pass would
spread into ``dK`` and ``dV`` of every query).
Backward, with upstream ``dO``: ``dV = A^T dO``, ``dA = dO V^T``, the row-wise softmax Jacobian gives
``dS = A * (dA - rowsum(dA * A))``, then ``dQ = dS K / sqrt(d_k)`` and ``dK = dS^T Q / sqrt(d_k)``.

Multi-head attention projects ``x (T, d)`` to ``h`` heads, ``Q_j = x W_q[:, j]``, ..., runs attention per head,
concatenates and projects: ``MHA(x) = concat_j(O_j) W_o + b_o``. The tests copy the weights into
``torch.nn.MultiheadAttention`` and compare outputs and gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; a row that is entirely ``-inf`` (a fully masked query) gives all zeros, not NaN."""
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isneginf(m), 0.0, m)  # exp(-inf - 0) = 0 instead of exp(-inf + inf) = NaN
    e = np.exp(z - m)
    s = e.sum(axis=axis, keepdims=True)
    return np.divide(e, s, out=np.zeros_like(e), where=s > 0)


def causal_mask(T: int, S: int | None = None) -> np.ndarray:
    """(T, S) additive mask: 0 where query t may attend key s (s <= t + S - T), -inf elsewhere."""
    S = T if S is None else S
    allowed = np.tril(np.ones((T, S), dtype=bool), k=S - T)
    return np.where(allowed, 0.0, -np.inf)


def attention_forward(Q, K, V, mask=None):
    """Q: (..., T, dk), K: (..., S, dk), V: (..., S, dv) -> O (..., T, dv) and a cache for backward."""
    dk = Q.shape[-1]
    S = Q @ np.swapaxes(K, -1, -2) / np.sqrt(dk)  # (..., T, S)
    if mask is not None:
        S = S + mask
    A = softmax(S, axis=-1)  # (..., T, S)
    return A @ V, (Q, K, V, A)


def attention_backward(dO, cache):
    """Gradients of the loss w.r.t. Q, K, V given dO = dL/dO."""
    Q, K, V, A = cache
    dk = Q.shape[-1]
    dV = np.swapaxes(A, -1, -2) @ dO  # (..., S, dv)
    dA = dO @ np.swapaxes(V, -1, -2)  # (..., T, S)
    dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))  # softmax Jacobian-vector product
    dQ = dS @ K / np.sqrt(dk)
    dK = np.swapaxes(dS, -1, -2) @ Q / np.sqrt(dk)
    return dQ, dK, dV


@dataclass
class MHAConfig:
    d_model: int = 16
    n_head: int = 4


class MultiHeadAttention:
    """Self-attention with packed projection weights W_in (d, 3d) = [W_q | W_k | W_v] and W_o (d, d)."""

    def __init__(self, cfg: MHAConfig, seed: int = 0):
        rng = np.random.default_rng(seed)
        d = cfg.d_model
        self.cfg = cfg
        self.W_in = rng.normal(0, d ** -0.5, (d, 3 * d))
        self.b_in = np.zeros(3 * d)
        self.W_o = rng.normal(0, d ** -0.5, (d, d))
        self.b_o = np.zeros(d)

    def _split(self, z):  # (B, T, d) -> (B, h, T, d/h)
        B, T, d = z.shape
        return z.reshape(B, T, self.cfg.n_head, d // self.cfg.n_head).transpose(0, 2, 1, 3)

    def forward(self, x, mask=None):
        """x: (B, T, d) -> (B, T, d)."""
        B, T, d = x.shape
        qkv = x @ self.W_in + self.b_in  # (B, T, 3d)
        q, k, v = (self._split(t) for t in np.split(qkv, 3, axis=-1))
        O, att_cache = attention_forward(q, k, v, mask)  # (B, h, T, d/h)
        Oc = O.transpose(0, 2, 1, 3).reshape(B, T, d)  # concat heads
        self._cache = (x, att_cache, Oc)
        return Oc @ self.W_o + self.b_o

    def backward(self, dy):
        """dy: (B, T, d) -> dx; stores parameter gradients in self.grads."""
        x, att_cache, Oc = self._cache
        B, T, d = x.shape
        g = {"W_o": np.einsum("btd,bte->de", Oc, dy), "b_o": dy.sum((0, 1))}
        dOc = dy @ self.W_o.T
        dO = self._split(dOc)
        dq, dk, dv = attention_backward(dO, att_cache)
        merge = lambda t: t.transpose(0, 2, 1, 3).reshape(B, T, d)
        dqkv = np.concatenate([merge(dq), merge(dk), merge(dv)], axis=-1)  # (B, T, 3d)
        g["W_in"] = np.einsum("btd,bte->de", x, dqkv)
        g["b_in"] = dqkv.sum((0, 1))
        self.grads = g
        return dqkv @ self.W_in.T


def demo(seq_len: int = 12, d_model: int = 16, n_head: int = 4, causal: bool = True, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    if d_model % n_head:
        raise ValueError(f"d_model ({d_model}) must be divisible by n_head ({n_head})")
    rng = np.random.default_rng(seed)
    mha = MultiHeadAttention(MHAConfig(d_model, n_head), seed=seed)
    x = rng.normal(size=(2, seq_len, d_model))
    mask = causal_mask(seq_len) if causal else None
    y = mha.forward(x, mask)
    dy = rng.normal(size=y.shape)
    dx = mha.backward(dy)
    ref = torch.nn.MultiheadAttention(d_model, n_head, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.from_numpy(mha.W_in.T))
        ref.in_proj_bias.copy_(torch.from_numpy(mha.b_in))
        ref.out_proj.weight.copy_(torch.from_numpy(mha.W_o.T))
        ref.out_proj.bias.copy_(torch.from_numpy(mha.b_o))
    xt = torch.from_numpy(x).requires_grad_(True)
    tm = None if mask is None else torch.from_numpy(mask)
    yt, At = ref(xt, xt, xt, attn_mask=tm, need_weights=True, average_attn_weights=False)
    (yt * torch.from_numpy(dy)).sum().backward()
    A = mha._cache[1][3]
    fig = Figure(figsize=(7, 2.2))
    for j in range(n_head):
        ax = fig.add_subplot(1, n_head, j + 1)
        ax.imshow(A[0, j], cmap="viridis")
        ax.set(title=f"head {j}", xticks=[], yticks=[])
    return DemoResult(
        metrics={"output_max_abs_err": float(np.abs(y - yt.detach().numpy()).max()),
                 "attn_weights_max_abs_err": float(np.abs(A - At.detach().numpy()).max()),
                 "dx_max_abs_err": float(np.abs(dx - xt.grad.numpy()).max()),
                 "dW_in_max_abs_err": float(np.abs(mha.grads["W_in"] - ref.in_proj_weight.grad.numpy().T).max())},
        reference={"output_max_abs_err": 0.0, "attn_weights_max_abs_err": 0.0, "dx_max_abs_err": 0.0,
                   "dW_in_max_abs_err": 0.0},
        figure=fig, reference_name="torch.nn.MultiheadAttention (float64, copied weights)",
        notes="errors are |ours - torch|; the reference column is the exact target 0",
    )
