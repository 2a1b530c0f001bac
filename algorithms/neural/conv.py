"""2-D convolution and max pooling via im2col, forward and backward, in NumPy.

Convolution (cross-correlation, as in every deep-learning library) of ``X (N, C, H, W)`` with filters
``K (F, C, kh, kw)``, stride ``s`` and zero padding ``p``:

    Y[n, f, i, j] = b_f + sum_{c, u, v} K[f, c, u, v] X_pad[n, c, s i + u, s j + v]

with output size ``H_out = (H + 2p - kh) // s + 1``. im2col gathers every receptive field into a row,
``cols (N H_out W_out, C kh kw)``, so the convolution is one matrix product ``Y = cols K_flat^T + b``
[@chellapilla2006high]. Backward: ``dK_flat = dY_flat^T cols``, ``db = sum dY``, ``dcols = dY_flat K_flat``,
and ``dX`` is col2im of ``dcols`` (scatter-add each row back onto the pixels it was read from).

Max pooling with window ``k`` and stride ``k``: ``Y = max`` over each window; the backward pass sends the
gradient to the position of the maximum (first one on ties) and zero elsewhere.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mlnotes.algorithms.registry import DemoResult


def im2col(X, kh, kw, stride=1, pad=0):
    """X (N, C, H, W) -> cols (N, Ho, Wo, C, kh, kw) as a view-based copy."""
    Xp = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(Xp, (kh, kw), axis=(2, 3))  # (N, C, H', W', kh, kw)
    win = win[:, :, ::stride, ::stride]  # (N, C, Ho, Wo, kh, kw)
    return win.transpose(0, 2, 3, 1, 4, 5)


def col2im(dcols, X_shape, kh, kw, stride=1, pad=0):
    """Adjoint of im2col: dcols (N, Ho, Wo, C, kh, kw) -> dX (N, C, H, W)."""
    N, C, H, W = X_shape
    Ho, Wo = dcols.shape[1], dcols.shape[2]
    dXp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for u in range(kh):
        for v in range(kw):
            # every output (i, j) read pixel (s i + u, s j + v)
            dXp[:, :, u:u + stride * Ho:stride, v:v + stride * Wo:stride] += dcols[:, :, :, :, u, v].transpose(0, 3, 1, 2)
    return dXp[:, :, pad:pad + H, pad:pad + W]


def conv2d_forward(X, K, b, stride=1, pad=0):
    F, C, kh, kw = K.shape
    cols = im2col(X, kh, kw, stride, pad)  # (N, Ho, Wo, C, kh, kw)
    N, Ho, Wo = cols.shape[:3]
    Y = cols.reshape(N * Ho * Wo, -1) @ K.reshape(F, -1).T + b  # (N Ho Wo, F)
    return Y.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2), (X.shape, cols, K, stride, pad)


def conv2d_backward(dY, cache):
    X_shape, cols, K, stride, pad = cache
    F, C, kh, kw = K.shape
    N, _, Ho, Wo = dY.shape
    dYf = dY.transpose(0, 2, 3, 1).reshape(-1, F)  # (N Ho Wo, F)
    dK = (dYf.T @ cols.reshape(N * Ho * Wo, -1)).reshape(K.shape)
    db = dYf.sum(0)
    dcols = (dYf @ K.reshape(F, -1)).reshape(N, Ho, Wo, C, kh, kw)
    return col2im(dcols, X_shape, kh, kw, stride, pad), dK, db


def maxpool_forward(X, k=2):
    """Non-overlapping k x k max pooling; H and W must be multiples of k."""
    N, C, H, W = X.shape
    win = X.reshape(N, C, H // k, k, W // k, k).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H // k, W // k, k * k)
    arg = win.argmax(-1)  # first maximum on ties
    return np.take_along_axis(win, arg[..., None], -1)[..., 0], (X.shape, arg, k)


def maxpool_backward(dY, cache):
    (N, C, H, W), arg, k = cache
    dwin = np.zeros((N, C, H // k, W // k, k * k))
    np.put_along_axis(dwin, arg[..., None], dY[..., None], -1)
    return dwin.reshape(N, C, H // k, W // k, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H, W)


def demo(n_filters: int = 4, kernel: int = 3, stride: int = 1, pad: int = 1, seed: int = 0) -> DemoResult:
    import torch
    import torch.nn.functional as Fn
    from matplotlib.figure import Figure
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(seed)
    X = load_digits().images[:8, None] / 16.0  # (8, 1, 8, 8)
    K = rng.normal(size=(n_filters, 1, kernel, kernel))
    K[0, 0] = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]) if kernel == 3 else K[0, 0]  # a Sobel filter
    b = rng.normal(size=n_filters)
    Y, cache = conv2d_forward(X, K, b, stride, pad)
    dY = rng.normal(size=Y.shape)
    dX, dK, db = conv2d_backward(dY, cache)
    Xt, Kt, bt = (torch.tensor(a, requires_grad=True) for a in (X, K, b))
    Yt = Fn.conv2d(Xt, Kt, bt, stride=stride, padding=pad)
    (Yt * torch.tensor(dY)).sum().backward()
    Hc = (Y.shape[2] // 2) * 2
    P, pc = maxpool_forward(Y[:, :, :Hc, :Hc], 2)
    Pt = Fn.max_pool2d(torch.tensor(Y[:, :, :Hc, :Hc]), 2)
    fig = Figure(figsize=(8, 2.5))
    for j, (img, title) in enumerate([(X[0, 0], "input"), (Y[0, 0], "conv, filter 0"), (P[0, 0], "max-pooled")]):
        ax = fig.add_subplot(1, 3, j + 1)
        ax.imshow(img, cmap="gray")
        ax.set(title=title, xticks=[], yticks=[])
    e = lambda a, t: float(np.abs(a - t.detach().numpy()).max())
    return DemoResult(
        metrics={"conv_out_err": e(Y, Yt), "dX_err": e(dX, Xt.grad), "dK_err": e(dK, Kt.grad), "db_err": e(db, bt.grad),
                 "pool_out_err": e(P, Pt)},
        reference={"conv_out_err": 0.0, "dX_err": 0.0, "dK_err": 0.0, "db_err": 0.0, "pool_out_err": 0.0},
        figure=fig, reference_name="torch.nn.functional.conv2d / max_pool2d + autograd (float64)",
        notes="values are max |ours - torch|",
    )
