r"""Int8 quantization: affine (asymmetric) and symmetric, per tensor or per output channel.

An affine quantizer maps a real $x$ to an integer $q = \mathrm{clamp}(\mathrm{round}(x/s) + z, q_{\min}, q_{\max})$
and back to $\hat x = s\,(q - z)$ [@jacob2018quantization]. From the observed range $[a, b]$, widened to contain
0 so that zero (padding, ReLU outputs) is represented exactly:

$$ s = \frac{\max(b, 0) - \min(a, 0)}{q_{\max} - q_{\min}}, \qquad
   z = \mathrm{clamp}\Big(q_{\min} - \mathrm{round}\big(\tfrac{\min(a,0)}{s}\big), q_{\min}, q_{\max}\Big). $$

Symmetric quantization fixes $z = 0$ and $s = \max|x| / ((q_{\max} - q_{\min})/2)$, which wastes part of the
range for skewed data but makes integer matrix products cheaper (no zero-point cross terms). The rounding error of
values inside the range is at most $s/2$; values outside are clipped. Per-channel scales (one per output row of a
weight matrix) cut the error when rows have different ranges, and are the usual choice for weights.
Ranges from min/max are sensitive to outliers; percentile or MSE-optimal clipping trade clipping error for
rounding error.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult

QMIN, QMAX = -128, 127  # signed int8


def _finite(x, name="x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinity")
    return x


def qparams(x, symmetric: bool = False, qmin: int = QMIN, qmax: int = QMAX) -> tuple[float, int]:
    """Scale and zero point from the min/max of ``x`` (range widened to include 0)."""
    x = _finite(x)
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    eps = float(np.finfo(np.float32).eps)
    if symmetric:
        scale = max(max(-lo, hi) / ((qmax - qmin) / 2), eps)
        return scale, 0
    scale = max((hi - lo) / (qmax - qmin), eps)
    zero = int(np.clip(qmin - np.round(lo / scale), qmin, qmax))
    return scale, zero


def quantize(x, scale: float, zero_point: int, qmin: int = QMIN, qmax: int = QMAX) -> np.ndarray:
    """Integer codes ``clamp(round(x / scale) + zero_point)`` (round half to even, as PyTorch does)."""
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    return np.clip(np.round(_finite(x) / scale) + zero_point, qmin, qmax).astype(np.int32)


def dequantize(q, scale: float, zero_point: int) -> np.ndarray:
    return scale * (np.asarray(q, dtype=float) - zero_point)


def quantize_per_channel(w, symmetric: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row (output channel) int8 codes, scales and zero points of a 2-D weight matrix."""
    w = _finite(w, "w")
    if w.ndim != 2:
        raise ValueError(f"w must be 2-D (out_features, in_features), got shape {w.shape}")
    params = [qparams(row, symmetric) for row in w]
    scales = np.array([p[0] for p in params])
    zeros = np.array([p[1] for p in params])
    codes = np.stack([quantize(row, s, z) for row, s, z in zip(w, scales, zeros)])
    return codes, scales, zeros


def demo(symmetric: bool = False, seed: int = 0) -> DemoResult:
    """Quantize a digits classifier's weights to int8: codes against torch, accuracy and error per granularity."""
    import torch
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.5, random_state=seed, stratify=y)
    clf = LogisticRegression(max_iter=3000).fit(Xtr, ytr)
    W = clf.coef_

    s, z = qparams(W, symmetric)
    q = quantize(W, s, z)
    ref_q = torch.quantize_per_tensor(torch.tensor(W, dtype=torch.float32), s, z, torch.qint8).int_repr().numpy()
    W_tensor = dequantize(q, s, z)
    codes, scales, zeros = quantize_per_channel(W, symmetric=True)
    W_channel = scales[:, None] * (codes - zeros[:, None])

    def acc(w):
        return float(np.mean(np.argmax(Xte @ w.T + clf.intercept_, axis=1) == yte))

    fig, ax = new_figure()
    ax.hist((W_tensor - W).ravel(), bins=40, alpha=0.6, label="per-tensor")
    ax.hist((W_channel - W).ravel(), bins=40, alpha=0.6, label="per-channel (symmetric)")
    ax.axvline(s / 2, color="k", ls="--", lw=0.8, label="±scale/2 (per-tensor bound)")
    ax.axvline(-s / 2, color="k", ls="--", lw=0.8)
    ax.set_xlabel("dequantized - original weight")
    ax.set_title("Int8 weight quantization error")
    ax.legend()
    return DemoResult(
        metrics={"accuracy_int8_tensor": acc(W_tensor), "accuracy_int8_channel": acc(W_channel),
                 "max_abs_error_tensor": float(np.max(np.abs(W_tensor - W))),
                 "code_agreement": float(np.mean(q == ref_q))},
        reference={"accuracy_int8_tensor": acc(dequantize(ref_q, s, z)), "accuracy_float": acc(W),
                   "max_abs_error_tensor": float(np.max(np.abs(dequantize(ref_q, s, z) - W))),
                   "code_agreement": 1.0},
        figure=fig,
        reference_name="torch.quantize_per_tensor (qint8) with the same scale and zero point",
        notes=f"scale {s:.4g}, zero point {z}; torch rounds in float32, so a code can differ by one at a tie.",
    )
