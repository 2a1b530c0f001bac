"""A key/value cache for autoregressive attention, in NumPy.

In a causal decoder the keys ``k_s = x_s W_k`` and values ``v_s = x_s W_v`` of past positions never change, so
at step ``t`` the model only needs the new query, key and value [@pope2023efficiently]:

    K_{1:t} = [K_{1:t-1}; k_t],   V_{1:t} = [V_{1:t-1}; v_t],   o_t = softmax(q_t K_{1:t}^T / sqrt(d_k)) V_{1:t}

Generating ``T`` tokens then costs ``O(T^2 d)`` attention work in total instead of ``O(T^3 d)`` for recomputing
every prefix, and the projections ``O(T d^2)`` instead of ``O(T^2 d^2)``. The price is memory: per layer
``2 T d`` numbers (keys and values for every head), i.e. ``2 L T d`` values per sequence for ``L`` layers, which
dominates serving memory for long contexts and large batches. Preallocating the buffers (``max_len``) avoids
re-copying on every step.
"""

from __future__ import annotations

import time

import numpy as np

from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.sequence.attention import attention_forward, causal_mask


class KVCache:
    """Preallocated per-head key/value buffers for one attention layer."""

    def __init__(self, n_head: int, d_head: int, max_len: int):
        self.k = np.zeros((n_head, max_len, d_head))
        self.v = np.zeros((n_head, max_len, d_head))
        self.length = 0

    def append(self, k_new: np.ndarray, v_new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """k_new, v_new: (n_head, T_new, d_head). Returns views of all cached keys and values."""
        T = k_new.shape[1]
        if self.length + T > self.k.shape[1]:
            raise ValueError(f"cache full: {self.length} + {T} > max_len {self.k.shape[1]}")
        self.k[:, self.length:self.length + T] = k_new
        self.v[:, self.length:self.length + T] = v_new
        self.length += T
        return self.k[:, :self.length], self.v[:, :self.length]

    def nbytes(self) -> int:
        return 2 * self.k[:, :self.length].nbytes


class CausalSelfAttention:
    """Single-layer multi-head causal self-attention with optional cached decoding."""

    def __init__(self, d_model: int = 32, n_head: int = 4, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.h, self.dk = n_head, d_model // n_head
        self.Wq, self.Wk, self.Wv, self.Wo = (rng.normal(0, d_model ** -0.5, (d_model, d_model)) for _ in range(4))

    def _heads(self, z):  # (T, d) -> (h, T, dk)
        return z.reshape(z.shape[0], self.h, self.dk).transpose(1, 0, 2)

    def forward_full(self, x):
        """x: (T, d) -> (T, d), recomputing everything with a causal mask."""
        q, k, v = (self._heads(x @ W) for W in (self.Wq, self.Wk, self.Wv))
        o, _ = attention_forward(q, k, v, causal_mask(x.shape[0]))
        return o.transpose(1, 0, 2).reshape(x.shape[0], -1) @ self.Wo

    def forward_step(self, x_new, cache: KVCache):
        """x_new: (T_new, d) new positions; attends to the cache plus themselves (causally)."""
        q, k, v = (self._heads(x_new @ W) for W in (self.Wq, self.Wk, self.Wv))
        K, V = cache.append(k, v)
        o, _ = attention_forward(q, K, V, causal_mask(x_new.shape[0], K.shape[1]))
        return o.transpose(1, 0, 2).reshape(x_new.shape[0], -1) @ self.Wo


def demo(seq_len: int = 256, d_model: int = 64, n_head: int = 4, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    n_head = n_head if d_model % n_head == 0 else 1
    rng = np.random.default_rng(seed)
    att = CausalSelfAttention(d_model, n_head, seed)
    x = rng.normal(size=(seq_len, d_model))
    t0 = time.perf_counter()
    full = att.forward_full(x)
    t_full_once = time.perf_counter() - t0
    cache = KVCache(n_head, d_model // n_head, seq_len)
    t0 = time.perf_counter()
    steps = np.vstack([att.forward_step(x[t:t + 1], cache) for t in range(seq_len)])
    t_cached = time.perf_counter() - t0
    # the uncached generation loop would recompute every prefix: time a sample of prefixes and extrapolate
    lengths = np.unique(np.linspace(1, seq_len, 8).astype(int))
    per_len = []
    for L in lengths:
        t0 = time.perf_counter()
        att.forward_full(x[:L])
        per_len.append(time.perf_counter() - t0)
    t_uncached = float(np.trapezoid(per_len, lengths))  # ~ sum over all prefix lengths
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(lengths, np.array(per_len) * 1e3, "o-", label="recompute prefix of length t")
    ax.axhline(t_cached / seq_len * 1e3, color="C1", label="cached step (average)")
    ax.set(xlabel="t", ylabel="ms per generated token", title=f"KV cache, d={d_model}, {n_head} heads")
    ax.legend()
    return DemoResult(
        metrics={"max_abs_err_vs_full": float(np.abs(steps - full).max()), "cached_total_ms": 1e3 * t_cached,
                 "cache_kib": cache.nbytes() / 1024},
        reference={"max_abs_err_vs_full": 0.0, "uncached_total_ms_estimate": 1e3 * t_uncached,
                   "cache_kib": 2 * seq_len * d_model * 8 / 1024},
        figure=fig, reference_name="full causal recomputation; analytic cache size 2 T d (float64)",
        notes=f"one full forward of all {seq_len} positions: {1e3 * t_full_once:.1f} ms",
    )
