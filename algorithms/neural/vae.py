"""A variational autoencoder with the reparameterisation trick, on the autograd engine of this repository.

Model [@kingma2014auto]: prior ``p(z) = N(0, I)``, decoder ``p(x | z) = prod_d Bernoulli(x_d; sigma(f(z)_d))``,
encoder ``q(z | x) = N(mu(x), diag(exp(logvar(x))))``. Maximise the evidence lower bound

    ELBO(x) = E_{q(z|x)}[log p(x | z)] - KL(q(z | x) || p(z)) <= log p(x),
    KL = -(1/2) sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j))      (closed form for Gaussians)

Reparameterisation: ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)`` makes the sample a differentiable
function of the encoder outputs, so one Monte Carlo sample gives an unbiased, low-variance gradient of the ELBO.
The Bernoulli log-likelihood on logits ``l`` is ``x l - softplus(l)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.neural.optimizers import Adam
from mlnotes.algorithms.registry import DemoResult


@dataclass
class VAEConfig:
    d_in: int = 64
    d_hidden: int = 128
    d_latent: int = 2


def init_params(cfg: VAEConfig, rng):
    s = lambda a: a ** -0.5
    shapes = {"We": (cfg.d_in, cfg.d_hidden), "be": (cfg.d_hidden,), "Wmu": (cfg.d_hidden, cfg.d_latent),
              "bmu": (cfg.d_latent,), "Wlv": (cfg.d_hidden, cfg.d_latent), "blv": (cfg.d_latent,),
              "Wd": (cfg.d_latent, cfg.d_hidden), "bd": (cfg.d_hidden,), "Wo": (cfg.d_hidden, cfg.d_in), "bo": (cfg.d_in,)}
    return {k: Tensor(rng.normal(0, s(v[0]), v) if len(v) == 2 else np.zeros(v)) for k, v in shapes.items()}


def negative_elbo(P, x: np.ndarray, eps: np.ndarray):
    """Mean over the batch of -ELBO, with the reconstruction and KL terms; x: (B, D) in [0, 1], eps: (B, k)."""
    X = Tensor(x)
    h = (X @ P["We"] + P["be"]).tanh()  # (B, H)
    mu, logvar = h @ P["Wmu"] + P["bmu"], h @ P["Wlv"] + P["blv"]  # (B, k) each
    z = mu + (logvar * 0.5).exp() * eps  # reparameterisation
    logits = (z @ P["Wd"] + P["bd"]).tanh() @ P["Wo"] + P["bo"]  # (B, D)
    recon = (logits.softplus() - X * logits).sum(axis=1).mean()  # -E log p(x|z), one sample
    kl = ((mu ** 2 + logvar.exp() - logvar - 1.0) * 0.5).sum(axis=1).mean()
    return recon + kl, recon, kl, mu, logvar


def demo(latent: int = 2, epochs: int = 30, lr: float = 1e-2, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(seed)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    cfg = VAEConfig(d_latent=latent)
    P = init_params(cfg, rng)
    opt = Adam([p.data for p in P.values()], lr=lr)
    curve = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(X), 128):
            xb = X[order[s:s + 128]]
            loss, *_ = negative_elbo(P, xb, rng.normal(size=(len(xb), latent)))
            for p in P.values():
                p.grad = np.zeros_like(p.data)
            loss.backward()
            opt.step([p.grad for p in P.values()])
        curve.append(float(negative_elbo(P, X, rng.normal(size=(len(X), latent)))[0].data))
    loss, recon, kl, mu, logvar = negative_elbo(P, X, rng.normal(size=(len(X), latent)))
    # reference 1: the KL term by Monte Carlo, E_q[log q(z|x) - log p(z)], 200 samples per example
    m, lv = mu.data, logvar.data
    sd = np.exp(lv / 2)
    zs = m + sd * rng.normal(size=(200, *m.shape))
    logq = -0.5 * (((zs - m) / sd) ** 2 + lv + np.log(2 * np.pi)).sum(-1)
    logp = -0.5 * (zs ** 2 + np.log(2 * np.pi)).sum(-1)
    kl_mc = float((logq - logp).mean())
    # reference 2: an independent-pixel Bernoulli model (the best model that ignores z)
    pbar = np.clip(X.mean(0), 1e-6, 1 - 1e-6)
    base = float(-(X * np.log(pbar) + (1 - X) * np.log(1 - pbar)).sum(1).mean())
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.plot(curve, label="-ELBO")
    ax1.axhline(base, color="k", ls="--", label="independent pixels (no z)")
    ax1.set(xlabel="epoch", ylabel="nats per image")
    ax1.legend()
    ax2.scatter(m[:, 0], m[:, 1 % latent], c=y, s=5, cmap="tab10")
    ax2.set(title="posterior means mu(x)")
    return DemoResult(metrics={"kl": float(kl.data), "negative_elbo": float(loss.data)},
                      reference={"kl": kl_mc, "negative_elbo": base}, figure=fig,
                      reference_name="Monte Carlo KL (200 samples); independent-Bernoulli pixel model",
                      notes=f"reconstruction term {float(recon.data):.2f} nats")
