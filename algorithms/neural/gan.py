"""A generative adversarial network on 1-D data, on the autograd engine of this repository.

Generator ``G(z)``, ``z ~ N(0, 1)``, and discriminator ``D(x) = sigma(d(x))`` play [@goodfellow2014generative]

    min_G max_D  E_{x ~ p_data}[log D(x)] + E_z[log(1 - D(G(z)))]

For fixed ``G`` the optimal discriminator is ``D*(x) = p_data(x) / (p_data(x) + p_G(x))`` and the game's value
is ``-log 4 + 2 JS(p_data || p_G)``, minimised exactly when ``p_G = p_data``. In practice the generator uses the
non-saturating loss ``-E_z[log D(G(z))]`` (stronger gradients early on). With logits ``d``,
``-log sigma(d) = softplus(-d)`` and ``-log(1 - sigma(d)) = softplus(d)``. The two networks take alternating
Adam steps.

The demo learns a two-component Gaussian mixture and compares the generated samples with samples of the true
distribution (moments and the two-sample Kolmogorov-Smirnov statistic).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.neural.optimizers import Adam
from mlnotes.algorithms.registry import DemoResult


def mlp_params(sizes, rng):
    P = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        P += [Tensor(rng.normal(0, a ** -0.5, (a, b))), Tensor(np.zeros(b))]
    return P


def mlp(P, x: Tensor) -> Tensor:
    for i in range(0, len(P) - 2, 2):
        x = (x @ P[i] + P[i + 1]).tanh()
    return x @ P[-2] + P[-1]


def sample_data(n, rng):
    """Mixture 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2)."""
    return np.where(rng.random(n) < 0.5, -2.0, 2.0) + 0.5 * rng.normal(size=n)


def _step(P, loss, opt):
    for p in P:
        p.grad = np.zeros_like(p.data)
    loss.backward()
    opt.step([p.grad for p in P])


def demo(steps: int = 1500, batch: int = 128, hidden: int = 16, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from scipy import stats

    rng = np.random.default_rng(seed)
    G, D = mlp_params([1, hidden, hidden, 1], rng), mlp_params([1, hidden, hidden, 1], rng)
    optG = Adam([p.data for p in G], lr=1e-3, betas=(0.5, 0.999))
    optD = Adam([p.data for p in D], lr=1e-3, betas=(0.5, 0.999))
    for _ in range(steps):
        real = Tensor(sample_data(batch, rng)[:, None])
        fake = Tensor(mlp(G, Tensor(rng.normal(size=(batch, 1)))).data)  # detached for the D step
        lossD = (mlp(D, real) * -1.0).softplus().mean() + mlp(D, fake).softplus().mean()
        _step(D, lossD, optD)
        gen = mlp(G, Tensor(rng.normal(size=(batch, 1))))
        lossG = (mlp(D, gen) * -1.0).softplus().mean()  # non-saturating generator loss
        _step(G, lossG, optG)
    n = 4000
    xg = mlp(G, Tensor(rng.normal(size=(n, 1)))).data[:, 0]
    xr, xr2 = sample_data(n, rng), sample_data(n, rng)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    bins = np.linspace(-4, 4, 60)
    ax.hist(xr, bins, density=True, alpha=0.5, label="data")
    ax.hist(xg, bins, density=True, alpha=0.5, label="generator")
    ax.legend()
    ax.set(title=f"GAN after {steps} steps")
    return DemoResult(
        metrics={"mean": float(xg.mean()), "std": float(xg.std()), "ks_statistic": float(stats.ks_2samp(xg, xr).statistic),
                 "fraction_right_mode": float(np.mean(xg > 0))},
        reference={"mean": 0.0, "std": float(np.sqrt(4 + 0.25)), "ks_statistic": float(stats.ks_2samp(xr2, xr).statistic),
                   "fraction_right_mode": 0.5},
        figure=fig, reference_name="the true mixture (analytic moments; KS between two true samples)",
    )
