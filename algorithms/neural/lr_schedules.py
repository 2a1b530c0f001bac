"""Learning-rate schedules: step decay, cosine annealing, linear warm-up and one-cycle.

For base rate ``eta_0`` and step ``t`` (counted from 0):

* Step decay: ``eta_t = eta_0 gamma^floor(t / s)``.
* Cosine annealing [@loshchilov2017sgdr]: ``eta_t = eta_min + (eta_0 - eta_min)(1 + cos(pi t / T)) / 2``.
* Linear warm-up then cosine (the transformer recipe): ``eta_t = eta_0 (t + 1) / W`` for ``t < W``, then cosine
  from ``eta_0`` to ``eta_min`` over the remaining ``T - W`` steps. Warm-up keeps early Adam updates small while
  its second-moment estimate is still noisy.
* One-cycle [@smith2019super]: rise from ``eta_max / d`` to ``eta_max`` over the first ``pct T`` steps, then fall to
  ``eta_max / (d * f)``, both with cosine interpolation (PyTorch's ``OneCycleLR`` with ``anneal_strategy='cos'``:
  ``d = div_factor``, ``f = final_div_factor``, phase ends at steps ``pct T - 1`` and ``T - 1``).
"""

from __future__ import annotations

import math

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def step_decay(t: int, lr0: float, step_size: int, gamma: float = 0.1) -> float:
    return lr0 * gamma ** (t // step_size)


def cosine(t: int, lr0: float, T: int, lr_min: float = 0.0) -> float:
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)) / 2


def warmup_cosine(t: int, lr0: float, warmup: int, T: int, lr_min: float = 0.0) -> float:
    if t < warmup:
        return lr0 * (t + 1) / warmup
    return cosine(t - warmup, lr0, T - warmup, lr_min)


def one_cycle(t: int, max_lr: float, total: int, pct_start: float = 0.3, div_factor: float = 25.0,
              final_div_factor: float = 1e4) -> float:
    lo, end = max_lr / div_factor, max_lr / div_factor / final_div_factor
    peak = float(pct_start * total) - 1  # step at which the rate reaches max_lr
    cos_interp = lambda a, b, frac: b + (a - b) * (1 + math.cos(math.pi * frac)) / 2
    if t <= peak:
        return cos_interp(lo, max_lr, t / peak)
    return cos_interp(max_lr, end, (t - peak) / (total - 1 - peak))


def torch_schedules(T: int, lr0: float, step_size: int, warmup: int):
    """Rates from torch.optim.lr_scheduler for the same settings (one optimizer step per scheduler step)."""
    import torch

    out = {}
    makers = {
        "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=step_size, gamma=0.1),
        "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T),
        "warmup_cosine": lambda o: torch.optim.lr_scheduler.SequentialLR(o, [
            torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1),
            torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T - warmup)], milestones=[warmup]),
        "one_cycle": lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=lr0, total_steps=T),
    }
    for name, make in makers.items():
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr0)
        sch = make(opt)
        rates = []
        for _ in range(T):
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            sch.step()
        out[name] = np.array(rates)
    return out


def demo(total_steps: int = 100, lr0: float = 0.1, warmup: int = 10, step_size: int = 30) -> DemoResult:
    import warnings

    from matplotlib.figure import Figure

    T = total_steps
    ours = {
        "step": np.array([step_decay(t, lr0, step_size) for t in range(T)]),
        "cosine": np.array([cosine(t, lr0, T) for t in range(T)]),
        "warmup_cosine": np.array([warmup_cosine(t, lr0, min(max(warmup, 2), T - 1), T) for t in range(T)]),
        "one_cycle": np.array([one_cycle(t, lr0, T) for t in range(T)]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = torch_schedules(T, lr0, step_size, min(max(warmup, 2), T - 1))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    for k, v in ours.items():
        ax.plot(v, label=k)
    ax.set(xlabel="step", ylabel="learning rate", title="schedules (lines = ours; torch identical)")
    ax.legend(fontsize=7)
    return DemoResult(metrics={f"{k}_max_abs_err": float(np.abs(v - ref[k]).max()) for k, v in ours.items()},
                      reference={f"{k}_max_abs_err": 0.0 for k in ours}, figure=fig,
                      reference_name="torch.optim.lr_scheduler (StepLR, CosineAnnealingLR, LinearLR + SequentialLR, OneCycleLR)",
                      notes="values are max |ours - torch| over all steps")
