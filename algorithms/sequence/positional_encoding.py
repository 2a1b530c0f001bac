"""Position encodings: sinusoidal (added) and rotary (RoPE, multiplied), in NumPy.

Sinusoidal [@vaswani2017attention], for position ``pos`` and dimension pair ``i`` of ``d``:
``PE[pos, 2i] = sin(pos * w_i)``, ``PE[pos, 2i+1] = cos(pos * w_i)`` with ``w_i = 10000^(-2i/d)``.
For every offset ``k`` there is a fixed block-diagonal rotation ``M_k`` with ``PE[pos + k] = M_k PE[pos]``
(angle-addition formulas), so relative offsets are linear functions of the encoding.

Rotary [@su2021roformer]: rotate each pair ``(x_{2i}, x_{2i+1})`` of a query or key at position ``m`` by the
angle ``m * theta_i`` with ``theta_i = 10000^(-2i/d)``:

    RoPE(x, m)_{2i}   = x_{2i} cos(m theta_i) - x_{2i+1} sin(m theta_i)
    RoPE(x, m)_{2i+1} = x_{2i} sin(m theta_i) + x_{2i+1} cos(m theta_i)

Because rotations compose, ``<RoPE(q, m), RoPE(k, n)> = q^T R_{n-m} k`` depends on positions only through
``n - m``: attention scores become relative. Equivalently, viewing pairs as complex numbers,
``RoPE(x, m) = x * exp(i m theta)`` (the reference implementation in the tests and demo).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def sinusoidal_encoding(n_pos: int, d: int, base: float = 10000.0) -> np.ndarray:
    """(n_pos, d) matrix of sinusoidal encodings; d must be even."""
    if d % 2:
        raise ValueError(f"d must be even, got {d}")
    pos = np.arange(n_pos)[:, None]  # (P, 1)
    w = base ** (-np.arange(0, d, 2) / d)  # (d/2,)
    pe = np.zeros((n_pos, d))
    pe[:, 0::2] = np.sin(pos * w)
    pe[:, 1::2] = np.cos(pos * w)
    return pe


def sinusoidal_shift_matrix(k: int, d: int, base: float = 10000.0) -> np.ndarray:
    """M_k with PE[pos + k] = M_k @ PE[pos]: a 2x2 rotation by k w_i per pair (sin, cos)."""
    w = base ** (-np.arange(0, d, 2) / d)
    M = np.zeros((d, d))
    for i, wi in enumerate(w):
        c, s = np.cos(k * wi), np.sin(k * wi)
        # sin(a + b) = sin a cos b + cos a sin b ; cos(a + b) = cos a cos b - sin a sin b
        M[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [-s, c]]
    return M


def rope(x: np.ndarray, positions: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Apply rotary embedding. x: (..., T, d) with d even; positions: (T,) integers."""
    d = x.shape[-1]
    if d % 2:
        raise ValueError(f"the last dimension must be even, got {d}")
    theta = base ** (-np.arange(0, d, 2) / d)  # (d/2,)
    ang = np.asarray(positions)[:, None] * theta  # (T, d/2)
    cos, sin = np.cos(ang), np.sin(ang)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x1 * cos - x2 * sin
    out[..., 1::2] = x1 * sin + x2 * cos
    return out


def rope_complex(x: np.ndarray, positions: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Reference: pairs as complex numbers multiplied by exp(i m theta)."""
    d = x.shape[-1]
    theta = base ** (-np.arange(0, d, 2) / d)
    z = x[..., 0::2] + 1j * x[..., 1::2]
    z = z * np.exp(1j * np.asarray(positions)[:, None] * theta)
    out = np.empty_like(x)
    out[..., 0::2], out[..., 1::2] = z.real, z.imag
    return out


def demo(d: int = 64, n_pos: int = 128, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    if d % 2:
        raise ValueError(f"d must be even, got {d}")
    rng = np.random.default_rng(seed)
    pe = sinusoidal_encoding(n_pos, d)
    k = 5
    shift_err = float(np.abs(pe[k:] - pe[:-k] @ sinusoidal_shift_matrix(k, d).T).max())
    q, kk = rng.normal(size=(1, d)), rng.normal(size=(1, d))
    # score between a query at m and a key at n, for several (m, n) with the same offset n - m = 7
    scores = [float(rope(q, np.array([m]))[0] @ rope(kk, np.array([m + 7]))[0]) for m in range(0, 100, 9)]
    rel_err = float(np.ptp(scores))
    x = rng.normal(size=(3, 10, d))
    cplx_err = float(np.abs(rope(x, np.arange(10)) - rope_complex(x, np.arange(10))).max())
    fig = Figure(figsize=(9, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.imshow(pe.T, aspect="auto", cmap="RdBu")
    ax1.set(xlabel="position", ylabel="dimension", title="sinusoidal encoding")
    offs = np.arange(-60, 61)
    s = [float(rope(q, np.array([60]))[0] @ rope(q, np.array([60 + o]))[0]) for o in offs]
    ax2.plot(offs, s)
    ax2.set(xlabel="offset n - m", ylabel="<RoPE(q,m), RoPE(q,n)>", title="RoPE score depends on n - m")
    return DemoResult(
        metrics={"shift_matrix_max_err": shift_err, "rope_relative_score_spread": rel_err,
                 "rope_vs_complex_max_err": cplx_err},
        reference={"shift_matrix_max_err": 0.0, "rope_relative_score_spread": 0.0, "rope_vs_complex_max_err": 0.0},
        figure=fig, reference_name="analytic identities; complex-multiplication RoPE",
    )
