"""Layer normalisation and RMSNorm, forward and backward, in NumPy.

LayerNorm normalises each row ``x (D,)`` over its features [@ba2016layer]:
``mu = mean(x)``, ``var = mean((x - mu)^2)``, ``xhat = (x - mu)/sqrt(var + eps)``, ``y = gamma xhat + beta``.
Backward, per row: ``dxhat = dy gamma``,
``dx = (1/sqrt(var + eps)) (dxhat - mean(dxhat) - xhat mean(dxhat xhat))``.

RMSNorm drops the centring [@zhang2019root]: ``r = sqrt(mean(x^2) + eps)``, ``y = gamma x / r``. Backward:
``dxhat = dy gamma``, ``dx = (1/r) (dxhat - x mean(dxhat x) / r^2)``. No statistics across the batch are
involved, so both behave identically in training and inference and for batch size 1.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return gamma * xhat + beta, (xhat, var, gamma, eps)


def layer_norm_backward(dy, cache):
    xhat, var, gamma, eps = cache
    dxhat = dy * gamma
    dx = (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True)) / np.sqrt(var + eps)
    axes = tuple(range(dy.ndim - 1))
    return dx, (dy * xhat).sum(axes), dy.sum(axes)


def rms_norm_forward(x, gamma, eps=1e-6):
    r = np.sqrt((x ** 2).mean(-1, keepdims=True) + eps)
    return gamma * x / r, (x, r, gamma)


def rms_norm_backward(dy, cache):
    x, r, gamma = cache
    dxhat = dy * gamma
    dx = (dxhat - x * (dxhat * x).mean(-1, keepdims=True) / r ** 2) / r
    return dx, (dy * x / r).sum(tuple(range(dy.ndim - 1)))


def demo(dim: int = 16, batch: int = 8, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    x = rng.normal(2, 3, (batch, dim))
    gamma, beta = rng.normal(1, 0.3, dim), rng.normal(0, 0.3, dim)
    dy = rng.normal(size=x.shape)
    y, c = layer_norm_forward(x, gamma, beta)
    dx, dg, db = layer_norm_backward(dy, c)
    z, c2 = rms_norm_forward(x, gamma)
    dx2, dg2 = rms_norm_backward(dy, c2)
    ln = torch.nn.LayerNorm(dim, eps=1e-5, dtype=torch.float64)
    rms = torch.nn.RMSNorm(dim, eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(gamma))
        ln.bias.copy_(torch.tensor(beta))
        rms.weight.copy_(torch.tensor(gamma))
    xt, xt2 = torch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yt, zt = ln(xt), rms(xt2)
    (yt * torch.tensor(dy)).sum().backward()
    (zt * torch.tensor(dy)).sum().backward()
    e = lambda a, t: float(np.abs(a - t.detach().numpy()).max())
    m = {"ln_out_err": e(y, yt), "ln_dx_err": e(dx, xt.grad), "ln_dgamma_err": e(dg, ln.weight.grad),
         "ln_dbeta_err": e(db, ln.bias.grad), "rms_out_err": e(z, zt), "rms_dx_err": e(dx2, xt2.grad),
         "rms_dgamma_err": e(dg2, rms.weight.grad)}
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(x[0], "o-", label="x (one row)")
    ax.plot(y[0], "s-", label="LayerNorm(x)")
    ax.plot(z[0], "^-", label="RMSNorm(x)")
    ax.set(xlabel="feature", title="per-row normalisation")
    ax.legend()
    return DemoResult(metrics=m, reference={k: 0.0 for k in m}, figure=fig,
                      reference_name="torch.nn.LayerNorm / torch.nn.RMSNorm (float64)",
                      notes="values are max |ours - torch|")
