r"""A tiny denoising diffusion probabilistic model (DDPM) on 2-D data.

Forward process [@ho2020denoising]: $q(x_t | x_{t-1}) = \mathcal{N}(\sqrt{1-\beta_t}\,x_{t-1}, \beta_t I)$ with a
variance schedule $\beta_1..\beta_T$. With $\alpha_t = 1-\beta_t$ and $\bar\alpha_t = \prod_{s\le t}\alpha_s$ it has
the closed form $q(x_t | x_0) = \mathcal{N}(\sqrt{\bar\alpha_t}\,x_0, (1-\bar\alpha_t) I)$, so
$x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon$ in one step. The posterior is Gaussian,
$q(x_{t-1}|x_t, x_0) = \mathcal{N}(\tilde\mu_t, \tilde\beta_t I)$ with

$$ \tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t}x_0
   + \frac{\sqrt{\alpha_t}\,(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t, \qquad
   \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t. $$

A network $\epsilon_\theta(x_t, t)$ is trained with the simplified loss
$\mathbb{E}_{t, x_0, \epsilon}\|\epsilon - \epsilon_\theta(x_t, t)\|^2$, and sampling runs the reverse chain
$x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon_\theta(x_t,t)\big)
+ \sigma_t z$ with $\sigma_t^2 = \beta_t$ (or $\tilde\beta_t$). Cost: one network call per step, $T$ steps
per sample.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def linear_schedule(T: int = 100, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    """The linear variance schedule of Ho et al. (rescaled to ``T`` steps)."""
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(f"need 0 < beta_start <= beta_end < 1, got {beta_start}, {beta_end}")
    return np.linspace(beta_start, beta_end, T)


def q_sample(x0, t: np.ndarray, betas: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Sample $x_t$ given $x_0$ in one step (``t`` is 0-based: t=0 is the first noising step)."""
    abar = np.cumprod(1.0 - betas)[t]
    return np.sqrt(abar)[:, None] * x0 + np.sqrt(1.0 - abar)[:, None] * noise


def posterior(x0, xt, t: int, betas: np.ndarray) -> tuple[np.ndarray, float]:
    """Mean and variance of $q(x_{t-1} | x_t, x_0)$ for 0-based step ``t >= 1``."""
    if not 1 <= t < len(betas):
        raise ValueError(f"t must be in [1, {len(betas) - 1}], got {t}")
    abar = np.cumprod(1.0 - betas)
    beta, alpha = betas[t], 1.0 - betas[t]
    mean = (np.sqrt(abar[t - 1]) * beta * np.asarray(x0) + np.sqrt(alpha) * (1 - abar[t - 1]) * np.asarray(xt)) \
        / (1 - abar[t])
    return mean, float((1 - abar[t - 1]) / (1 - abar[t]) * beta)


def make_two_moons(n: int, rng: np.random.Generator) -> np.ndarray:
    from sklearn.datasets import make_moons

    X, _ = make_moons(n, noise=0.06, random_state=int(rng.integers(1 << 31)))
    return (X - X.mean(axis=0)) / X.std(axis=0)


def train(data: np.ndarray, betas: np.ndarray, steps: int = 600, hidden: int = 48, seed: int = 0,
          batch: int = 128):
    """Train a small MLP epsilon-predictor with the simplified loss; returns (model, loss history)."""
    import torch

    torch.manual_seed(seed)
    T = len(betas)
    net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                              torch.nn.SiLU(), torch.nn.Linear(hidden, 2))
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    abar = torch.tensor(np.cumprod(1.0 - betas), dtype=torch.float32)
    x = torch.tensor(data, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        t = torch.randint(0, T, (batch,), generator=gen)
        eps = torch.randn(batch, 2, generator=gen)
        a = abar[t][:, None]
        xt = a.sqrt() * x[idx] + (1 - a).sqrt() * eps
        pred = net(torch.cat([xt, (t[:, None].float() / T)], dim=1))
        loss = ((pred - eps) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(float(loss.detach()))
    return net, history


def sample(net, betas: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Ancestral sampling with $\\sigma_t^2 = \\beta_t$."""
    import torch

    T = len(betas)
    alphas, abar = 1.0 - betas, np.cumprod(1.0 - betas)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=gen)
    with torch.no_grad():
        for t in reversed(range(T)):
            eps = net(torch.cat([x, torch.full((n, 1), t / T)], dim=1))
            x = (x - betas[t] / np.sqrt(1 - abar[t]) * eps) / np.sqrt(alphas[t])
            if t > 0:
                x = x + np.sqrt(betas[t]) * torch.randn(n, 2, generator=gen)
    return x.numpy().astype(float)


def demo(T: int = 60, train_steps: int = 400, seed: int = 0) -> DemoResult:
    """Learn two moons with 60 diffusion steps; compare moments of generated samples with the data's."""
    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    betas = linear_schedule(T, 1e-4, 0.2)  # fewer steps need larger betas to reach noise
    data = make_two_moons(2000, rng)
    net, history = train(data, betas, steps=train_steps, seed=seed)
    gen = sample(net, betas, 1000, seed=seed)
    abar_T = float(np.cumprod(1 - betas)[-1])

    fig, axes = new_figure(ncols=2, width=4.2)
    axes[0].scatter(data[:1000, 0], data[:1000, 1], s=3, alpha=0.5, label="data")
    axes[0].scatter(gen[:, 0], gen[:, 1], s=3, alpha=0.5, label="DDPM samples")
    axes[0].legend()
    axes[0].set_title("two moons: data vs generated")
    axes[1].plot(history)
    axes[1].set_xlabel("training step")
    axes[1].set_ylabel(r"$\|\epsilon - \epsilon_\theta\|^2$")
    axes[1].set_title(rf"simplified loss ($\bar\alpha_T$ = {abar_T:.1e})")
    return DemoResult(
        metrics={"mean_x": float(gen[:, 0].mean()), "mean_y": float(gen[:, 1].mean()),
                 "std_x": float(gen[:, 0].std()), "std_y": float(gen[:, 1].std()),
                 "corr_xy": float(np.corrcoef(gen.T)[0, 1])},
        reference={"mean_x": float(data[:, 0].mean()), "mean_y": float(data[:, 1].mean()),
                   "std_x": float(data[:, 0].std()), "std_y": float(data[:, 1].std()),
                   "corr_xy": float(np.corrcoef(data.T)[0, 1])},
        figure=fig,
        reference_name="the training data's moments (a generative model should reproduce them)",
        notes="The closed forms q(x_t|x_0) and q(x_{t-1}|x_t,x_0) are checked in the tests against the step-by-step "
              "chain and direct Gaussian conditioning.",
    )
