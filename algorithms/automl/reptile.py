r"""Reptile: first-order meta-learning of an initialisation that adapts in a few gradient steps.

For each meta-iteration, sample a task $\tau$, start from the shared initialisation $\theta$, run $k$ steps of SGD on
that task's loss to get $\phi = U^k_\tau(\theta)$, and move the initialisation toward the adapted weights:
$\theta \leftarrow \theta + \epsilon\,(\phi - \theta)$ [@nichol2018first]. With $k = 1$ this is exactly SGD on the
expected task loss (joint training); with $k > 1$ the update's expansion contains a term that maximises the inner
product between gradients of different mini-batches of the same task, which is what makes the initialisation
adapt quickly, like first-order MAML but without a train/test split inside each task. The demo is the sine-wave
regression of the MAML and Reptile papers: amplitude in $[0.1, 5]$, phase in $[0, \pi]$, 10 points per task.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def make_net(hidden: int = 32, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(1, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, hidden),
                               torch.nn.Tanh(), torch.nn.Linear(hidden, 1))


def sine_task(rng: np.random.Generator):
    amp, phase = rng.uniform(0.1, 5.0), rng.uniform(0, np.pi)
    return lambda x: amp * np.sin(x + phase)


def adapt(net, x, y, steps: int, lr: float):
    """k steps of plain SGD on the task's mean squared error; returns the adapted copy."""
    import copy

    import torch

    fast = copy.deepcopy(net)
    xt = torch.as_tensor(x, dtype=torch.float32)[:, None]
    yt = torch.as_tensor(y, dtype=torch.float32)[:, None]
    for _ in range(steps):
        fast.zero_grad()
        ((fast(xt) - yt) ** 2).mean().backward()
        with torch.no_grad():
            for p in fast.parameters():
                p -= lr * p.grad
    return fast


def reptile_step(net, x, y, inner_steps: int, inner_lr: float, epsilon: float) -> None:
    """One Reptile meta-update of ``net`` in place: theta <- theta + epsilon * (phi - theta)."""
    import torch

    if not 0 < epsilon <= 1:
        raise ValueError(f"epsilon must be in (0, 1], got {epsilon}")
    if inner_steps < 1:
        raise ValueError(f"inner_steps must be >= 1, got {inner_steps}")
    fast = adapt(net, x, y, inner_steps, inner_lr)
    with torch.no_grad():
        for p, q in zip(net.parameters(), fast.parameters()):
            p += epsilon * (q - p)


def post_adaptation_mse(net, rng, n_tasks: int = 20, shots: int = 10, steps: int = 5, lr: float = 0.02) -> float:
    """Mean squared error on new tasks after ``steps`` SGD steps on ``shots`` points of each."""
    import torch

    errs = []
    grid = np.linspace(-5, 5, 100)
    for _ in range(n_tasks):
        f = sine_task(rng)
        x = rng.uniform(-5, 5, shots)
        fast = adapt(net, x, f(x), steps, lr)
        with torch.no_grad():
            pred = fast(torch.as_tensor(grid, dtype=torch.float32)[:, None]).numpy().ravel()
        errs.append(np.mean((pred - f(grid)) ** 2))
    return float(np.mean(errs))


def demo(meta_iters: int = 250, inner_steps: int = 5, seed: int = 0) -> DemoResult:
    """Meta-train on sine tasks; few-shot error on new tasks from the Reptile init vs a random init."""
    import torch

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    net = make_net(seed=seed)
    scratch = make_net(seed=seed)
    for it in range(meta_iters):
        f = sine_task(rng)
        x = rng.uniform(-5, 5, 10)
        reptile_step(net, x, f(x), inner_steps, inner_lr=0.02, epsilon=1.0 - 0.9 * it / meta_iters)
    eval_rng = np.random.default_rng(seed + 1)
    ours = post_adaptation_mse(net, np.random.default_rng(seed + 1))
    ref = post_adaptation_mse(scratch, np.random.default_rng(seed + 1))
    f = sine_task(eval_rng)
    x = eval_rng.uniform(-5, 5, 10)
    grid = np.linspace(-5, 5, 200)
    fig, ax = new_figure()
    ax.plot(grid, f(grid), "k", label="new task")
    ax.plot(x, f(x), "ko", label="10 shots")
    for name, model in (("Reptile init", net), ("random init", scratch)):
        fast = adapt(model, x, f(x), 5, 0.02)
        with torch.no_grad():
            ax.plot(grid, fast(torch.as_tensor(grid, dtype=torch.float32)[:, None]).numpy(),
                    label=f"{name}, after 5 steps")
    ax.set_title("Reptile on sine-wave regression")
    ax.legend()
    return DemoResult(
        metrics={"post_adaptation_mse": ours},
        reference={"post_adaptation_mse": ref},
        figure=fig,
        reference_name="the same network from a random initialisation, adapted with the same 5 SGD steps",
    )
