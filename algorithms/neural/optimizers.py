"""First-order optimisers: SGD with momentum and Nesterov, AdaGrad, RMSProp, Adam and AdamW, in NumPy.

Each optimiser updates parameters ``theta`` from gradients ``g_t`` (with L2 weight decay ``lambda`` folded into
the gradient, ``g_t <- g_t + lambda theta``, except for AdamW). Update rules, in PyTorch's conventions:

* SGD + momentum [@polyak1964some; @sutskever2013importance]: ``b_t = mu b_{t-1} + g_t`` (``b_1 = g_1``);
  ``theta -= eta b_t``; Nesterov uses ``theta -= eta (g_t + mu b_t)``.
* AdaGrad [@duchi2011adaptive]: ``G_t = G_{t-1} + g_t^2``; ``theta -= eta g_t / (sqrt(G_t) + eps)``.
* RMSProp [@tieleman2012lecture]: ``v_t = a v_{t-1} + (1 - a) g_t^2``; ``theta -= eta g_t / (sqrt(v_t) + eps)``.
* Adam [@kingma2015adam]: ``m_t = b1 m + (1 - b1) g``, ``v_t = b2 v + (1 - b2) g^2``,
  ``mhat = m_t / (1 - b1^t)``, ``vhat = v_t / (1 - b2^t)``, ``theta -= eta mhat / (sqrt(vhat) + eps)``.
* AdamW [@loshchilov2019decoupled]: decoupled decay ``theta <- theta (1 - eta lambda)`` then the Adam step on
  the raw gradient; with adaptive denominators this is not the same as L2 regularisation.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


class Optimizer:
    def __init__(self, params: list[np.ndarray], lr: float, weight_decay: float = 0.0):
        self.params, self.lr, self.wd = params, lr, weight_decay
        self.state = [{} for _ in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        for p, g, s in zip(self.params, grads, self.state):
            self._update(p, g, s)  # in place

    def _update(self, p, g, s):
        raise NotImplementedError


class SGD(Optimizer):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum, self.nesterov = momentum, nesterov

    def _update(self, p, g, s):
        g = g + self.wd * p
        if self.momentum:
            s["b"] = g.copy() if "b" not in s else self.momentum * s["b"] + g
            g = g + self.momentum * s["b"] if self.nesterov else s["b"]
        p -= self.lr * g


class AdaGrad(Optimizer):
    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.eps = eps

    def _update(self, p, g, s):
        g = g + self.wd * p
        s["G"] = s.get("G", 0.0) + g * g
        p -= self.lr * g / (np.sqrt(s["G"]) + self.eps)


class RMSProp(Optimizer):
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.alpha, self.eps = alpha, eps

    def _update(self, p, g, s):
        g = g + self.wd * p
        s["v"] = self.alpha * s.get("v", 0.0) + (1 - self.alpha) * g * g
        p -= self.lr * g / (np.sqrt(s["v"]) + self.eps)


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.b1, self.b2 = betas
        self.eps = eps

    def _update(self, p, g, s):
        if self.decoupled:
            p *= 1 - self.lr * self.wd
        else:
            g = g + self.wd * p
        s["m"] = self.b1 * s.get("m", 0.0) + (1 - self.b1) * g
        s["v"] = self.b2 * s.get("v", 0.0) + (1 - self.b2) * g * g
        mhat = s["m"] / (1 - self.b1 ** self.t)
        vhat = s["v"] / (1 - self.b2 ** self.t)
        p -= self.lr * mhat / (np.sqrt(vhat) + self.eps)


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


def rosenbrock_grad(x):
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


# (our class, torch class, keyword arguments shared by both)
CONFIGS = {
    "sgd": ("SGD", {"lr": 1e-3}),
    "momentum": ("SGD", {"lr": 1e-3, "momentum": 0.9}),
    "nesterov": ("SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "adagrad": ("AdaGrad", {"lr": 0.5}),
    "rmsprop": ("RMSProp", {"lr": 0.01}),
    "adam": ("Adam", {"lr": 0.05}),
    "adamw": ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
}
TORCH_NAMES = {"SGD": "SGD", "AdaGrad": "Adagrad", "RMSProp": "RMSprop", "Adam": "Adam", "AdamW": "AdamW"}


def run_both(name: str, steps: int, x0=(-1.5, 2.0)):
    """Trajectories of ours and torch.optim's on the Rosenbrock function from x0."""
    import torch

    cls, kw = CONFIGS[name]
    x = np.array(x0, dtype=float)
    opt = globals()[cls]([x], **kw)
    xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, TORCH_NAMES[cls])([xt], **kw)
    ours, theirs = [x.copy()], [x.copy()]
    for _ in range(steps):
        opt.step([rosenbrock_grad(x)])
        ours.append(x.copy())
        topt.zero_grad()
        a, b = xt[0], xt[1]
        ((1 - a) ** 2 + 100 * (b - a * a) ** 2).backward()
        topt.step()
        theirs.append(xt.detach().numpy().copy())
    return np.array(ours), np.array(theirs)


def demo(steps: int = 200, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    A, B = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
    ax.contour(A, B, np.log1p((1 - A) ** 2 + 100 * (B - A * A) ** 2), 20, cmap="gray", linewidths=0.5)
    metrics, reference, notes = {}, {}, []
    for name in CONFIGS:
        ours, theirs = run_both(name, steps)
        f = lambda x: float((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)
        metrics[f"{name}_final_f"] = f(ours[-1])
        reference[f"{name}_final_f"] = f(theirs[-1])
        notes.append(f"{name}: max |traj diff| {np.abs(ours - theirs).max():.1e}")
        ax.plot(ours[:, 0], ours[:, 1], lw=1, label=name)
    ax.plot(1, 1, "k*", ms=10)
    ax.set(xlim=(-2, 2), ylim=(-1, 3), title=f"Rosenbrock, {steps} steps")
    ax.legend(fontsize=7)
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="torch.optim (same hyperparameters, float64)", notes="; ".join(notes))
