r"""DARTS, differentiable architecture search, on a one-edge toy search space.

DARTS [@liu2019darts] relaxes the discrete choice among candidate operations $o \in \mathcal{O}$ on an edge into a
softmax mixture, $\bar o(x) = \sum_o \frac{e^{\alpha_o}}{\sum_{o'} e^{\alpha_{o'}}}\, o(x)$, and learns the
architecture weights $\alpha$ by gradient descent on the validation loss while the operations' own weights $w$
descend the training loss: the bilevel problem
$\min_\alpha \mathcal{L}_{val}(w^*(\alpha), \alpha)$ s.t. $w^*(\alpha) = \arg\min_w \mathcal{L}_{train}(w, \alpha)$,
approximated here by alternating one step on each (the first-order variant). The discrete architecture is the
$\arg\max_o \alpha_o$. Known failure modes: parameter-free operations (skip connections) win because they train
faster (a warm-up that trains only $w$ at first helps), and the mixture's optimum need not be the best discrete choice, which is why the result is retrained
from scratch. Here each operation is $o(x) = a_o\,f_o(b_o x + c_o)$ for $f \in$ {identity, sin, square, tanh,
abs} and one edge maps $x$ to $y$; the exhaustive alternative trains every operation alone.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult

OPS = ("identity", "sin", "square", "tanh", "abs")


def _apply(name: str, z):
    import torch

    return {"identity": lambda v: v, "sin": torch.sin, "square": lambda v: v**2, "tanh": torch.tanh,
            "abs": torch.abs}[name](z)


def _ops_params(n_ops: int, gen):
    import torch

    p = torch.randn(n_ops, 3, generator=gen) * 0.5
    p[:, 1] += 1.0  # scale of the input near 1
    return p.requires_grad_(True)


def darts_search(x_train, y_train, x_val, y_val, ops=OPS, steps: int = 800, lr_w: float = 0.05,
                 lr_alpha: float = 0.05, warmup: float = 0.3, seed: int = 0):
    """First-order DARTS on one edge. Returns (alpha, chosen op name, alpha history).

    During the first ``warmup`` fraction of the steps only the operations' weights train (alpha stays uniform),
    the usual remedy for DARTS's bias toward operations that fit fastest early on.
    """
    import torch

    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.as_tensor(x_train, dtype=torch.float32), torch.as_tensor(y_train, dtype=torch.float32)
    xv, yv = torch.as_tensor(x_val, dtype=torch.float32), torch.as_tensor(y_val, dtype=torch.float32)
    w = _ops_params(len(ops), gen)
    alpha = torch.zeros(len(ops), requires_grad=True)
    opt_w = torch.optim.Adam([w], lr=lr_w)
    opt_a = torch.optim.Adam([alpha], lr=lr_alpha)

    def mixed(x):
        outs = torch.stack([w[i, 0] * _apply(o, w[i, 1] * x + w[i, 2]) for i, o in enumerate(ops)])  # (n_ops, n)
        return (torch.softmax(alpha, 0)[:, None] * outs).sum(0)

    history = []
    for step in range(steps):
        opt_w.zero_grad()
        ((mixed(xt) - yt) ** 2).mean().backward()
        opt_w.step()
        if step < warmup * steps:
            history.append(torch.softmax(alpha.detach(), 0).numpy().copy())
            continue
        opt_a.zero_grad()
        ((mixed(xv) - yv) ** 2).mean().backward()
        opt_a.step()
        history.append(torch.softmax(alpha.detach(), 0).numpy().copy())
    a = alpha.detach().numpy()
    return a, ops[int(np.argmax(a))], np.array(history)


def exhaustive_search(x_train, y_train, x_val, y_val, ops=OPS, steps: int = 800, lr: float = 0.05,
                      seed: int = 0) -> dict[str, float]:
    """Train each operation alone (same parametrisation) and return its validation loss."""
    import torch

    out = {}
    xt, yt = torch.as_tensor(x_train, dtype=torch.float32), torch.as_tensor(y_train, dtype=torch.float32)
    xv, yv = torch.as_tensor(x_val, dtype=torch.float32), torch.as_tensor(y_val, dtype=torch.float32)
    for i, o in enumerate(ops):
        gen = torch.Generator().manual_seed(seed)
        w = _ops_params(len(ops), gen)[i].detach().clone().requires_grad_(True)
        opt = torch.optim.Adam([w], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            ((w[0] * _apply(o, w[1] * xt + w[2]) - yt) ** 2).mean().backward()
            opt.step()
        with torch.no_grad():
            out[o] = float(((w[0] * _apply(o, w[1] * xv + w[2]) - yv) ** 2).mean())
    return out


def make_task(target: str, n: int = 200, noise: float = 0.05, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    f = {"sin": lambda v: 1.5 * np.sin(1.3 * v), "square": lambda v: 0.8 * v**2 - 0.5,
         "tanh": lambda v: 2 * np.tanh(2 * v), "abs": lambda v: np.abs(v) - 1}[target]
    y = f(x) + noise * rng.normal(size=n)
    return x[: n // 2], y[: n // 2], x[n // 2:], y[n // 2:]


def demo(target: str = "sin", steps: int = 600, seed: int = 0) -> DemoResult:
    """Search the operation that generated the data; DARTS's pick against exhaustive training of every op."""
    from mlnotes.algorithms.linear._viz import new_figure

    data = make_task(target, seed=seed)
    alpha, chosen, history = darts_search(*data, steps=steps, seed=seed)
    losses = exhaustive_search(*data, steps=steps, seed=seed)
    best = min(losses, key=losses.get)
    fig, ax = new_figure()
    for i, o in enumerate(OPS):
        ax.plot(history[:, i], label=o)
    ax.set_xlabel("search step")
    ax.set_ylabel(r"softmax($\alpha$)")
    ax.set_title(f"DARTS on y = f(x), f = {target}: picks {chosen}")
    ax.legend()
    return DemoResult(
        metrics={"chosen_val_loss": losses[chosen], "picked_best": float(chosen == best),
                 "top_weight": float(np.exp(alpha).max() / np.exp(alpha).sum())},
        reference={"chosen_val_loss": losses[best], "picked_best": 1.0},
        figure=fig,
        reference_name="exhaustive search: each operation trained alone, lowest validation loss",
        notes="exhaustive validation losses: " + ", ".join(f"{k} {v:.3f}" for k, v in losses.items()),
    )
