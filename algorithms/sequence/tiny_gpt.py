"""A tiny decoder-only transformer (GPT) in PyTorch, with a key/value cache.

Math. Tokens ``x_1..x_T`` are embedded, ``h^0_t = E[x_t] + P[t]``, then each of ``L`` pre-norm blocks computes

    a = h + MHA(LN(h)),     h' = a + MLP(LN(a)),     MLP(z) = W_2 GELU(W_1 z)

where causal multi-head attention for head ``j`` is ``softmax(Q_j K_j^T / sqrt(d_k) + M) V_j`` with the mask
``M_{ts} = -inf`` for ``s > t`` [@vaswani2017attention]. The logits are ``LN(h^L) W_E^T`` (weight tying), and
training minimises the next-token cross-entropy ``-(1/T) sum_t log p(x_{t+1} | x_{<=t})`` as in GPT-2
[@radford2019language].

KV cache. At generation time the keys and values of past positions never change (causality), so the model
stores them per layer and, for each new token, computes only its own query/key/value: one step costs
``O(T d)`` attention work instead of recomputing the whole prefix ``O(T^2 d)``. ``forward(idx, past_kv)``
returns the new cache; the cached and uncached logits agree to float precision (tested).

The module is small on purpose: it is the target and draft model of ``speculative_decoding.py``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mlnotes.algorithms.registry import DemoResult

# A short training text written for this demo (characters are the tokens).
TEXT = (
    "the cat sat on the mat. the dog sat on the log. the cat saw the dog and the dog saw the cat. "
    "a model that predicts the next token learns which letters follow which, then which words follow which. "
    "the mat was red and the log was brown. the cat ran to the log and the dog ran to the mat. "
)


@dataclass
class GPTConfig:
    vocab_size: int = 32
    block_size: int = 64  # maximum context length T_max
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 32  # d_model; head size d_k = n_embd // n_head


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        assert cfg.n_embd % cfg.n_head == 0
        self.n_head, self.d = cfg.n_head, cfg.n_embd
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x, past=None):
        B, T, C = x.shape  # x: (B, T, C)
        H, dk = self.n_head, C // self.n_head
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        q, k, v = (t.view(B, T, H, dk).transpose(1, 2) for t in (q, k, v))  # (B, H, T, dk)
        if past is not None:  # prepend cached keys/values of the S earlier positions
            k = torch.cat([past[0], k], dim=2)  # (B, H, S+T, dk)
            v = torch.cat([past[1], v], dim=2)
        S = k.shape[2] - T
        att = q @ k.transpose(-2, -1) / math.sqrt(dk)  # (B, H, T, S+T)
        # query at absolute position S+t may see keys at positions <= S+t
        mask = torch.ones(T, S + T, dtype=torch.bool, device=x.device).tril(diagonal=S)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.proj(y), (k, v)


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.n_embd), nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(),
                                 nn.Linear(4 * cfg.n_embd, cfg.n_embd))

    def forward(self, x, past=None):
        a, kv = self.attn(self.ln1(x), past)
        x = x + a
        return x + self.mlp(self.ln2(x)), kv


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02 if isinstance(m, nn.Linear) else 0.3)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, idx, past_kv=None):
        """idx: (B, T) token ids -> logits (B, T, V) and the new cache (one (k, v) per layer)."""
        B, T = idx.shape
        start = 0 if past_kv is None else past_kv[0][0].shape[2]
        if start + T > self.cfg.block_size:
            raise ValueError(f"sequence length {start + T} exceeds block_size {self.cfg.block_size}")
        pos = torch.arange(start, start + T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)  # (B, T, C)
        new_kv = []
        for i, blk in enumerate(self.blocks):
            x, kv = blk(x, None if past_kv is None else past_kv[i])
            new_kv.append(kv)
        logits = self.ln_f(x) @ self.wte.weight.T  # (B, T, V), tied embeddings
        return logits, new_kv

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, *, use_cache: bool = True, temperature: float = 0.0,
                 generator: torch.Generator | None = None):
        """Greedy (temperature 0) or sampled continuation of idx (1, T)."""
        past, nxt = None, idx
        for _ in range(max_new_tokens):
            if use_cache:
                logits, past = self(nxt, past)
            else:
                logits, _ = self(idx)
            last = logits[:, -1, :]
            if temperature == 0.0:
                nxt = last.argmax(dim=-1, keepdim=True)
            else:
                nxt = torch.multinomial((last / temperature).softmax(-1), 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        return idx


class CharTokenizer:
    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.chars)}

    def encode(self, s: str) -> list[int]:
        return [self.stoi[c] for c in s]

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def train_gpt(cfg: GPTConfig, data: torch.Tensor, *, steps: int = 200, batch_size: int = 16, lr: float = 3e-3,
              seed: int = 0) -> tuple[GPT, list[float]]:
    """Train with AdamW on random windows of ``data`` (1-D token tensor); returns the model and loss curve."""
    torch.manual_seed(seed)
    model = GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    g = torch.Generator().manual_seed(seed)
    T = cfg.block_size
    losses = []
    for _ in range(steps):
        ix = torch.randint(0, len(data) - T - 1, (batch_size,), generator=g)
        x = torch.stack([data[i:i + T] for i in ix])  # (B, T)
        y = torch.stack([data[i + 1:i + T + 1] for i in ix])  # (B, T) next tokens
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def demo(steps: int = 150, n_layer: int = 2, n_embd: int = 32, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    torch.set_num_threads(1)
    tok = CharTokenizer(TEXT)
    data = torch.tensor(tok.encode(TEXT * 4))
    cfg = GPTConfig(vocab_size=len(tok.chars), block_size=32, n_layer=n_layer, n_head=2, n_embd=n_embd)
    model, losses = train_gpt(cfg, data, steps=steps, seed=seed)
    model.eval()
    # reference 1: the attention against PyTorch's fused scaled_dot_product_attention on the same input
    x = torch.tensor([tok.encode("the cat sat on the ")])
    with torch.no_grad():
        h = model.blocks[0].ln1(model.wte(x) + model.wpe(torch.arange(x.shape[1])))
        att = model.blocks[0].attn
        ours, _ = att(h)
        B, T, C = h.shape
        q, k, v = (t.view(B, T, cfg.n_head, -1).transpose(1, 2) for t in att.qkv(h).split(C, 2))
        ref = att.proj(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C))
        attn_err = (ours - ref).abs().max().item()
        # reference 2: cached generation equals full recomputation
        t0 = time.perf_counter()
        out_cache = model.generate(x, 12, use_cache=True)
        t1 = time.perf_counter()
        out_full = model.generate(x, 12, use_cache=False)
        t2 = time.perf_counter()
    # bigram baseline loss on the same text, the reference for the learned loss
    V = cfg.vocab_size
    counts = np.ones((V, V))
    d = data.numpy()
    np.add.at(counts, (d[:-1], d[1:]), 1)
    P = counts / counts.sum(1, keepdims=True)
    bigram_loss = float(-np.log(P[d[:-1], d[1:]]).mean())
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(losses, label="tiny GPT")
    ax.axhline(bigram_loss, color="k", ls="--", label="bigram model")
    ax.set(xlabel="step", ylabel="cross-entropy (nats)", title="tiny GPT training")
    ax.legend()
    return DemoResult(
        metrics={"final_train_loss": float(np.mean(losses[-10:])), "attention_max_abs_err_vs_sdpa": attn_err,
                 "cache_equals_full": float(torch.equal(out_cache, out_full)),
                 "generate_ms_cached": 1e3 * (t1 - t0), "generate_ms_full": 1e3 * (t2 - t1)},
        reference={"final_train_loss": bigram_loss, "attention_max_abs_err_vs_sdpa": 0.0, "cache_equals_full": 1.0},
        figure=fig, reference_name="bigram count model; torch scaled_dot_product_attention",
        notes=f"sample: {tok.decode(out_cache[0].tolist())!r}",
    )
