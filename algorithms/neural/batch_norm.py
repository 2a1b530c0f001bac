"""Batch normalisation, forward (training and inference) and backward, in NumPy.

Training mode, for a mini-batch ``x (N, D)`` [@ioffe2015batch]:

    mu = (1/N) sum_i x_i,   var = (1/N) sum_i (x_i - mu)^2,   xhat = (x - mu) / sqrt(var + eps),   y = gamma xhat + beta

Backward (the compact form, obtained by differentiating through ``mu`` and ``var``):

    dbeta = sum_i dy_i,   dgamma = sum_i dy_i xhat_i,
    dx = (gamma / (N sqrt(var + eps))) (N dy - sum_i dy_i - xhat sum_i dy_i xhat_i)

Running statistics ``m <- (1 - momentum) m + momentum mu`` and ``v <- (1 - momentum) v + momentum var_unbiased``
(PyTorch stores the unbiased ``N/(N-1)`` variance) are used at inference: ``y = gamma (x - m)/sqrt(v + eps) + beta``.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


class BatchNorm1d:
    def __init__(self, D: int, eps: float = 1e-5, momentum: float = 0.1):
        self.gamma, self.beta = np.ones(D), np.zeros(D)
        self.running_mean, self.running_var = np.zeros(D), np.ones(D)
        self.eps, self.momentum, self.training = eps, momentum, True

    def forward(self, x):
        if not self.training:
            return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + self.eps) + self.beta
        N = x.shape[0]
        mu, var = x.mean(0), x.var(0)
        xhat = (x - mu) / np.sqrt(var + self.eps)
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * N / (N - 1)
        self._cache = (xhat, var)
        return self.gamma * xhat + self.beta

    def backward(self, dy):
        xhat, var = self._cache
        N = dy.shape[0]
        self.dgamma, self.dbeta = (dy * xhat).sum(0), dy.sum(0)
        return self.gamma / (N * np.sqrt(var + self.eps)) * (N * dy - self.dbeta - xhat * self.dgamma)


def demo(batch: int = 32, dim: int = 6, steps: int = 20, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    bn = BatchNorm1d(dim)
    ref = torch.nn.BatchNorm1d(dim, dtype=torch.float64)
    bn.gamma = rng.normal(1, 0.2, dim)
    bn.beta = rng.normal(0, 0.2, dim)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(bn.gamma))
        ref.bias.copy_(torch.tensor(bn.beta))
    errs = {"train_out_err": 0.0, "dx_err": 0.0, "dgamma_err": 0.0}
    for _ in range(steps):
        x = rng.normal(3, 2, (batch, dim))
        y = bn.forward(x)
        dy = rng.normal(size=y.shape)
        dx = bn.backward(dy)
        xt = torch.tensor(x, requires_grad=True)
        ref.weight.grad = None
        yt = ref(xt)
        (yt * torch.tensor(dy)).sum().backward()
        errs["train_out_err"] = max(errs["train_out_err"], float(np.abs(y - yt.detach().numpy()).max()))
        errs["dx_err"] = max(errs["dx_err"], float(np.abs(dx - xt.grad.numpy()).max()))
        errs["dgamma_err"] = max(errs["dgamma_err"], float(np.abs(bn.dgamma - ref.weight.grad.numpy()).max()))
    bn.training = False
    ref.eval()
    xe = rng.normal(3, 2, (5, dim))
    errs["eval_out_err"] = float(np.abs(bn.forward(xe) - ref(torch.tensor(xe)).detach().numpy()).max())
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.hist(x[:, 0], bins=15, alpha=0.6, label="input feature 0")
    ax.hist(bn.gamma[0] * (x[:, 0] - x[:, 0].mean()) / np.sqrt(x[:, 0].var() + bn.eps) + bn.beta[0], bins=15,
            alpha=0.6, label="batch-normalised")
    ax.legend()
    ax.set(title="batch normalisation of one feature")
    return DemoResult(metrics=errs, reference={k: 0.0 for k in errs}, figure=fig,
                      reference_name="torch.nn.BatchNorm1d (float64, copied affine parameters)",
                      notes="values are max |ours - torch| over all steps")
