r"""A transformer encoder block in NumPy: multi-head self-attention and a feed-forward network, each wrapped in a
residual connection and layer normalisation, in the post-norm (original) and pre-norm arrangements.

For a sequence $X \in \mathbb{R}^{n \times d}$ [@vaswani2017attention]:

$$ \mathrm{Attn}(X) = \mathrm{concat}_h\Big(\mathrm{softmax}\big(\tfrac{Q_h K_h^\top}{\sqrt{d_h}} + M\big)V_h\Big) W_O,
   \quad Q_h = X W_{Q,h},\ K_h = X W_{K,h},\ V_h = X W_{V,h}, $$

with $d_h = d / H$ and a mask $M$ ($-\infty$ at padded keys). $\mathrm{FFN}(x) = \mathrm{act}(x W_1 + b_1) W_2 + b_2$
with inner width $d_{ff}$ (usually $4d$). Post-norm: $Y = \mathrm{LN}(X + \mathrm{Attn}(X))$,
$Z = \mathrm{LN}(Y + \mathrm{FFN}(Y))$. Pre-norm: $Y = X + \mathrm{Attn}(\mathrm{LN}(X))$,
$Z = Y + \mathrm{FFN}(\mathrm{LN}(Y))$, which keeps an identity path from input to output and trains deep
stacks without learning-rate warm-up (Xiong et al., 2020); LayerNorm itself is from [@ba2016layer]. Cost per block: $O(n^2 d + n d\,d_{ff})$ time and
$O(n^2 H)$ memory for the attention weights; parameters $4d^2 + 4d$ (attention) $+ 2 d\,d_{ff} + d_{ff} + d$
(FFN) $+ 4d$ (two LayerNorms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


@dataclass
class EncoderWeights:
    """Weights in PyTorch's layout (``y = x @ W.T + b``), so they can be copied to and from nn.TransformerEncoderLayer."""

    in_proj_weight: np.ndarray  # (3d, d): rows for Q, K, V
    in_proj_bias: np.ndarray  # (3d,)
    out_proj_weight: np.ndarray  # (d, d)
    out_proj_bias: np.ndarray
    linear1_weight: np.ndarray  # (d_ff, d)
    linear1_bias: np.ndarray
    linear2_weight: np.ndarray  # (d, d_ff)
    linear2_bias: np.ndarray
    norm1_weight: np.ndarray
    norm1_bias: np.ndarray
    norm2_weight: np.ndarray
    norm2_bias: np.ndarray

    @classmethod
    def random(cls, d: int, d_ff: int, seed: int = 0) -> EncoderWeights:
        rng = np.random.default_rng(seed)

        def lin(o, i):
            return rng.uniform(-1, 1, (o, i)) / np.sqrt(i), rng.uniform(-1, 1, o) / np.sqrt(i)

        w_in, b_in = lin(3 * d, d)
        w_o, b_o = lin(d, d)
        w1, b1 = lin(d_ff, d)
        w2, b2 = lin(d, d_ff)
        return cls(w_in, b_in, w_o, b_o, w1, b1, w2, b2, 1 + 0.1 * rng.normal(size=d), 0.1 * rng.normal(size=d),
                   1 + 0.1 * rng.normal(size=d), 0.1 * rng.normal(size=d))


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def self_attention(x: np.ndarray, w: EncoderWeights, n_heads: int, key_padding_mask=None):
    """Multi-head self-attention on (batch, n, d); returns (output, attention weights (batch, heads, n, n))."""
    b, n, d = x.shape
    dh = d // n_heads
    qkv = x @ w.in_proj_weight.T + w.in_proj_bias  # (b, n, 3d)
    q, k, v = (qkv[..., i * d:(i + 1) * d].reshape(b, n, n_heads, dh).transpose(0, 2, 1, 3) for i in range(3))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh)  # (b, H, n, n)
    if key_padding_mask is not None:
        scores = np.where(np.asarray(key_padding_mask, dtype=bool)[:, None, None, :], -np.inf, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)
    att = np.exp(scores)
    att /= att.sum(axis=-1, keepdims=True)
    out = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
    return out @ w.out_proj_weight.T + w.out_proj_bias, att


def encoder_block(x, w: EncoderWeights, n_heads: int, norm_first: bool = False, activation: str = "relu",
                  key_padding_mask=None) -> np.ndarray:
    """One encoder block on (batch, n, d) input (no dropout: inference mode)."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"x must be (batch, seq_len, d_model), got shape {x.shape}")
    d = x.shape[-1]
    if n_heads < 1 or d % n_heads:
        raise ValueError(f"d_model {d} must be divisible by n_heads {n_heads}")
    if key_padding_mask is not None and np.any(np.all(key_padding_mask, axis=-1)):
        raise ValueError("a sequence in the batch is fully padded: its attention would be undefined")
    if activation == "relu":
        def act(z):
            return np.maximum(z, 0)
    elif activation == "gelu":
        from scipy.special import erf

        def act(z):
            return 0.5 * z * (1 + erf(z / np.sqrt(2)))
    else:
        raise ValueError(f"activation must be 'relu' or 'gelu', got {activation!r}")

    def ffn(z):
        return act(z @ w.linear1_weight.T + w.linear1_bias) @ w.linear2_weight.T + w.linear2_bias

    def attn(z):
        return self_attention(z, w, n_heads, key_padding_mask)[0]

    ln1 = lambda z: layer_norm(z, w.norm1_weight, w.norm1_bias)  # noqa: E731
    ln2 = lambda z: layer_norm(z, w.norm2_weight, w.norm2_bias)  # noqa: E731
    if norm_first:
        y = x + attn(ln1(x))
        return y + ffn(ln2(y))
    y = ln1(x + attn(x))
    return ln2(y + ffn(y))


def to_torch(w: EncoderWeights, d: int, n_heads: int, d_ff: int, norm_first: bool, activation: str = "relu"):
    """An nn.TransformerEncoderLayer (batch_first, no dropout) holding the same weights."""
    import torch

    layer = torch.nn.TransformerEncoderLayer(d, n_heads, d_ff, dropout=0.0, activation=activation,
                                             batch_first=True, norm_first=norm_first, dtype=torch.float64)
    params = {"self_attn.in_proj_weight": w.in_proj_weight, "self_attn.in_proj_bias": w.in_proj_bias,
              "self_attn.out_proj.weight": w.out_proj_weight, "self_attn.out_proj.bias": w.out_proj_bias,
              "linear1.weight": w.linear1_weight, "linear1.bias": w.linear1_bias,
              "linear2.weight": w.linear2_weight, "linear2.bias": w.linear2_bias,
              "norm1.weight": w.norm1_weight, "norm1.bias": w.norm1_bias,
              "norm2.weight": w.norm2_weight, "norm2.bias": w.norm2_bias}
    layer.load_state_dict({k: torch.tensor(v) for k, v in params.items()})
    return layer.eval()


def demo(d_model: int = 32, n_heads: int = 4, seq_len: int = 10, norm_first: bool = False, seed: int = 0) -> DemoResult:
    """Our block against nn.TransformerEncoderLayer with copied weights, with a padded batch; attention map."""
    import torch

    from mlnotes.algorithms.linear._viz import new_figure

    if d_model % n_heads:
        raise ValueError(f"d_model {d_model} must be divisible by n_heads {n_heads}")
    d_ff = 4 * d_model
    rng = np.random.default_rng(seed)
    w = EncoderWeights.random(d_model, d_ff, seed)
    x = rng.normal(size=(2, seq_len, d_model))
    pad = np.zeros((2, seq_len), dtype=bool)
    pad[1, seq_len // 2:] = True  # the second sequence is half padding
    ours = encoder_block(x, w, n_heads, norm_first, key_padding_mask=pad)
    layer = to_torch(w, d_model, n_heads, d_ff, norm_first)
    with torch.no_grad():
        ref = layer(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)).numpy()
    _, att = self_attention(x, w, n_heads, pad)
    valid = ~pad[1]
    n_params = sum(p.numel() for p in layer.parameters())
    fig, axes = new_figure(ncols=2, width=4.2)
    axes[0].imshow(att[0, 0], cmap="viridis")
    axes[0].set_title("head 1 attention, sequence 1")
    axes[1].imshow(att[1, 0], cmap="viridis")
    axes[1].set_title("sequence 2 (second half padded)")
    for ax in axes:
        ax.set_xlabel("key")
        ax.set_ylabel("query")
    return DemoResult(
        metrics={"max_abs_diff_valid": float(np.max(np.abs(ours[0] - ref[0]))),
                 "max_abs_diff_padded_seq": float(np.max(np.abs(ours[1][valid] - ref[1][valid]))),
                 "n_params": float(4 * d_model**2 + 4 * d_model + 2 * d_model * d_ff + d_ff + d_model + 4 * d_model)},
        reference={"max_abs_diff_valid": 0.0, "max_abs_diff_padded_seq": 0.0, "n_params": float(n_params)},
        figure=fig,
        reference_name="torch.nn.TransformerEncoderLayer (batch_first, dropout 0) with the same weights",
        notes="Outputs at padded positions are not compared: they depend on how each implementation fills them.",
    )
