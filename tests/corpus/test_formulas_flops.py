"""FLOP formulas of corpus/guides/algorithm-complexity.md, checked against explicit counts.

Convention of the guide: one multiply-add counts as 2 FLOPs. Each formula is checked two ways on tiny shapes:
(1) an explicit loop (or einsum shape arithmetic) that counts every scalar multiplication and addition, and
(2) torch.utils.flop_counter.FlopCounterMode, which counts 2 FLOPs per multiply-accumulate of matmul/conv and
does NOT count bias additions (reconciled below: for y = Wx + b the m(n-1) dot-product additions plus the m bias
additions equal mn, so explicit count and FlopCounterMode both give 2mn).
"""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

# ----------------------------------------------------------------------------- formulas as written in the guide


def dense_flops(m, n):
    return 2 * m * n


def conv_out(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def conv2d_flops(c_in, c_out, k_h, k_w, h_out, w_out, groups=1):
    return 2 * c_in * k_h * k_w * c_out * h_out * w_out // groups


def depthwise_separable_flops(c_in, c_out, k_h, k_w, h_out, w_out):
    return 2 * c_in * k_h * k_w * h_out * w_out + 2 * c_in * c_out * h_out * w_out


def mhsa_flops(n, d):
    return 8 * n * d * d + 4 * n * n * d


def ffn_flops(n, d, d_ff):
    return 4 * n * d * d_ff


def block_flops(n, d):  # d_ff = 4d
    return 24 * n * d * d + 4 * n * n * d


def decode_step_flops(t, d):  # one new token, t cached tokens, per block, d_ff = 4d
    return 24 * d * d + 4 * t * d


def rnn_flops(d_in, h):
    return 2 * h * (d_in + h)


def lstm_flops(d_in, h):
    return 8 * h * (d_in + h)


def gru_flops(d_in, h):
    return 6 * h * (d_in + h)


def kv_cache_bytes(layers, kv_heads, head_dim, tokens, batch=1, bytes_per=2):
    return 2 * layers * kv_heads * head_dim * tokens * batch * bytes_per


def count_flops(fn, *args):
    with FlopCounterMode(display=False) as fc:
        fn(*args)
    return fc.get_total_flops()


# ----------------------------------------------------------------------------- dense


@pytest.mark.parametrize("m,n", [(1, 1), (3, 5), (7, 2), (16, 9)])
def test_dense_explicit_count(m, n):
    W = torch.randn(m, n)
    b = torch.randn(m)
    x = torch.randn(n)
    muls = adds = 0
    y = torch.zeros(m)
    for i in range(m):
        acc = W[i, 0] * x[0]
        muls += 1
        for j in range(1, n):
            acc = acc + W[i, j] * x[j]
            muls += 1
            adds += 1
        y[i] = acc + b[i]
        adds += 1
    torch.testing.assert_close(y, W @ x + b)
    assert muls + adds == dense_flops(m, n)
    # FlopCounterMode counts 2 per MAC and ignores the bias: the same number
    assert count_flops(F.linear, x[None], W, b) == dense_flops(m, n)


def test_dense_batch_scales_linearly():
    lin = nn.Linear(6, 4)
    assert count_flops(lin, torch.randn(32, 6)) == 32 * dense_flops(4, 6)


# ----------------------------------------------------------------------------- convolution


def explicit_conv_macs(x, w, stride, pad, groups):
    c_in, h, wd = x.shape
    c_out, c_in_g, k_h, k_w = w.shape
    h_out, w_out = conv_out(h, k_h, stride, pad), conv_out(wd, k_w, stride, pad)
    xp = F.pad(x, (pad, pad, pad, pad))
    out = torch.zeros(c_out, h_out, w_out)
    macs = 0
    per_group_out = c_out // groups
    for co in range(c_out):
        g = co // per_group_out
        for i, j in itertools.product(range(h_out), range(w_out)):
            acc = 0.0
            for ci in range(c_in_g):
                for a, b in itertools.product(range(k_h), range(k_w)):
                    acc += xp[g * c_in_g + ci, i * stride + a, j * stride + b] * w[co, ci, a, b]
                    macs += 1
            out[co, i, j] = acc
    return out, macs, h_out, w_out


@pytest.mark.parametrize(
    "c_in,c_out,k,stride,pad,groups,size",
    [(1, 1, 1, 1, 0, 1, 3), (2, 3, 3, 1, 1, 1, 5), (3, 4, 3, 2, 1, 1, 6), (4, 4, 3, 1, 1, 4, 4), (4, 6, 2, 2, 0, 2, 5)],
)
def test_conv2d_formula(c_in, c_out, k, stride, pad, groups, size):
    torch.manual_seed(0)
    x = torch.randn(c_in, size, size)
    w = torch.randn(c_out, c_in // groups, k, k)
    out, macs, h_out, w_out = explicit_conv_macs(x, w, stride, pad, groups)
    ref = F.conv2d(x[None], w, stride=stride, padding=pad, groups=groups)[0]
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)
    assert ref.shape[1:] == (h_out, w_out)
    formula = conv2d_flops(c_in, c_out, k, k, h_out, w_out, groups)
    assert 2 * macs == formula
    assert count_flops(F.conv2d, x[None], w, None, stride, pad, 1, groups) == formula


def test_depthwise_separable_formula():
    c_in, c_out, k, size = 4, 8, 3, 6
    dw = nn.Conv2d(c_in, c_in, k, padding=1, groups=c_in, bias=False)
    pw = nn.Conv2d(c_in, c_out, 1, bias=False)
    got = count_flops(lambda x: pw(dw(x)), torch.randn(1, c_in, size, size))
    assert got == depthwise_separable_flops(c_in, c_out, k, k, size, size)
    full = conv2d_flops(c_in, c_out, k, k, size, size)
    assert got < full


def test_resnet_stem_example():
    """The guide's worked example: 7x7, 3->64, stride 2, 224->112 is 2.36e8 FLOPs."""
    assert conv_out(224, 7, 2, 3) == 112
    f = conv2d_flops(3, 64, 7, 7, 112, 112)
    assert f == 236_027_904
    conv = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
    with torch.no_grad():
        assert count_flops(conv, torch.randn(1, 3, 224, 224)) == f


# ----------------------------------------------------------------------------- attention and transformer


class TinyMHSA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, cache_k=None, cache_v=None):
        n, d = x.shape
        dh = d // self.h
        q = self.q(x).view(n, self.h, dh)
        k = self.k(x).view(n, self.h, dh)
        v = self.v(x).view(n, self.h, dh)
        if cache_k is not None:
            k = torch.cat([cache_k, k])
            v = torch.cat([cache_v, v])
        scores = torch.einsum("qhe,khe->hqk", q, k) / dh**0.5
        att = scores.softmax(-1)
        out = torch.einsum("hqk,khe->qhe", att, v).reshape(n, d)
        return self.o(out)


def einsum_macs(spec, *shapes):
    """Multiply-adds of a contraction: product of the sizes of all distinct indices."""
    ins, _ = spec.split("->")
    sizes = {}
    for sub, shape in zip(ins.split(","), shapes):
        for c, s in zip(sub, shape):
            sizes[c] = s
    total = 1
    for s in sizes.values():
        total *= s
    return total


@pytest.mark.parametrize("n,d,h", [(3, 4, 1), (5, 8, 2), (7, 12, 3), (16, 8, 4)])
def test_mhsa_formula(n, d, h):
    dh = d // h
    proj = 4 * n * d * d  # four d x d dense layers: MACs
    scores = einsum_macs("qhe,khe->hqk", (n, h, dh), (n, h, dh))
    values = einsum_macs("hqk,khe->qhe", (h, n, n), (n, h, dh))
    assert scores == values == n * n * d
    assert 2 * (proj + scores + values) == mhsa_flops(n, d)
    with torch.no_grad():
        assert count_flops(TinyMHSA(d, h), torch.randn(n, d)) == mhsa_flops(n, d)


@pytest.mark.parametrize("n,d", [(4, 8), (9, 16)])
def test_transformer_block_formula(n, d):
    attn = TinyMHSA(d, 2)
    ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
    ln1, ln2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def block(x):
        x = x + attn(ln1(x))
        return x + ffn(ln2(x))

    with torch.no_grad():
        got = count_flops(block, torch.randn(n, d))
        assert count_flops(ffn, torch.randn(n, d)) == ffn_flops(n, d, 4 * d)
    assert got == block_flops(n, d) == mhsa_flops(n, d) + ffn_flops(n, d, 4 * d)
    # parameters in weight matrices: 12 d^2
    mats = sum(p.numel() for m in (attn, ffn) for name, p in m.named_parameters() if p.dim() == 2)
    assert mats == 12 * d * d


@pytest.mark.parametrize("t,d", [(1, 8), (5, 8), (11, 16)])
def test_decode_step_with_kv_cache(t, d):
    h = 2
    attn = TinyMHSA(d, h)
    ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
    ck = torch.randn(t, h, d // h)
    cv = torch.randn(t, h, d // h)

    def step(x):
        return ffn(x + attn(x, ck, cv))

    with torch.no_grad():
        got = count_flops(step, torch.randn(1, d))
    # the new token attends to t cached tokens plus itself: t + 1 keys
    assert got == decode_step_flops(t + 1, d)


def test_pytorch_transformer_layer_matches_formula():
    """nn.TransformerEncoderLayer (training-mode path, dropout 0) reconciled with 24 n d^2 + 4 n^2 d."""
    n, d = 6, 16
    layer = nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=4 * d, dropout=0.0, batch_first=True)
    layer.train()
    got = count_flops(layer, torch.randn(1, n, d))
    # The layer calls the fused scaled_dot_product_attention kernel. Whether FlopCounterMode has a formula for the
    # kernel the CPU build dispatches to depends on the PyTorch version, so measure what it counts for SDPA alone
    # (0 or the guide's 4 n^2 d) and reconcile: projections and FFN are 24 n d^2 in every case.
    q = torch.randn(1, 4, n, d // 4)
    sdpa = count_flops(F.scaled_dot_product_attention, q, q, q)
    assert sdpa in (0, 4 * n * n * d)
    assert got == 24 * n * d * d + sdpa
    assert 24 * n * d * d + 4 * n * n * d == block_flops(n, d)


def test_wrong_attention_formula_would_fail():
    """A formula that forgets AV (2 n^2 d instead of 4 n^2 d) disagrees with the count."""
    n, d = 7, 12
    with torch.no_grad():
        got = count_flops(TinyMHSA(d, 3), torch.randn(n, d))
    assert got != 8 * n * d * d + 2 * n * n * d


# ----------------------------------------------------------------------------- recurrent cells


@pytest.mark.parametrize("d_in,h", [(3, 2), (6, 4), (10, 7)])
def test_recurrent_cells(d_in, h):
    x = torch.randn(1, d_in)
    with torch.no_grad():
        assert count_flops(nn.RNNCell(d_in, h), x) == rnn_flops(d_in, h)
        assert count_flops(nn.LSTMCell(d_in, h), x) == lstm_flops(d_in, h)
        assert count_flops(nn.GRUCell(d_in, h), x) == gru_flops(d_in, h)
    lstm_params = sum(p.numel() for p in nn.LSTMCell(d_in, h).parameters())
    assert lstm_params == 4 * h * (d_in + h) + 8 * h  # PyTorch keeps two bias vectors (4h each)


# ----------------------------------------------------------------------------- KV cache and worked numbers


def test_kv_cache_bytes_match_tensors():
    layers, kv_heads, head_dim, tokens, batch = 3, 2, 4, 5, 2
    cache = [
        (torch.zeros(batch, kv_heads, tokens, head_dim, dtype=torch.float16),
         torch.zeros(batch, kv_heads, tokens, head_dim, dtype=torch.float16))
        for _ in range(layers)
    ]
    nbytes = sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in cache)
    assert nbytes == kv_cache_bytes(layers, kv_heads, head_dim, tokens, batch, bytes_per=2)


def test_worked_numbers_in_guide():
    assert kv_cache_bytes(32, 32, 128, 1) == 524_288
    assert kv_cache_bytes(80, 8, 128, 1) == 327_680
    assert kv_cache_bytes(32, 32, 128, 4096) == 2 * 1024**3
    bert = 12 * block_flops(512, 768)
    assert abs(bert / 1e9 - 96.6) < 0.05
    linear_part = 2 * (12 * 12 * 768**2) * 512
    assert abs(linear_part / 1e9 - 87.0) < 0.05
    vit = 12 * block_flops(197, 768)
    assert abs(vit / 2e9 - 17.45) < 0.01
    assert dense_flops(4096, 4096) * 32 == 1_073_741_824
