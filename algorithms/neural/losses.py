"""Loss functions with their gradients written out: cross-entropy, focal, Huber, hinge and KL divergence.

All are means over ``N`` examples; gradients are with respect to the model outputs (logits or predictions).

* Cross-entropy on logits ``z (N, K)``: ``L = -(1/N) sum_i log softmax(z_i)_{y_i}``;
  ``dL/dz = (softmax(z) - onehot(y)) / N``.
* Binary focal loss [@lin2017focal] on logits ``z``, labels ``y in {0, 1}``, ``p = sigma(z)``,
  ``p_t = p`` if ``y = 1`` else ``1 - p``, ``alpha_t`` likewise: ``L = -(1/N) sum alpha_t (1 - p_t)^g log p_t``.
  With ``s = +1`` for ``y = 1`` and ``-1`` otherwise, ``dp_t/dz = s p (1 - p)`` and
  ``dL/dz = -(alpha_t / N) [ -g (1 - p_t)^(g-1) log(p_t) + (1 - p_t)^g / p_t ] s p (1 - p)``. ``g = 0`` and
  ``alpha = 0.5`` give half the binary cross-entropy.
* Huber [@huber1964robust] with threshold ``delta`` on residual ``r = yhat - y``: ``r^2/2`` if ``|r| <= delta``
  else ``delta (|r| - delta/2)``; gradient ``clip(r, -delta, delta) / N``.
* Hinge for ``y in {-1, +1}`` and score ``f``: ``max(0, 1 - y f)``; subgradient ``-y [y f < 1] / N``.
* KL divergence ``KL(p || q)`` with target distribution ``p`` and ``q = softmax(z)``:
  ``(1/N) sum_i sum_k p_ik (log p_ik - log q_ik)``; ``dL/dz = (q - p) / N`` (for rows of ``p`` summing to one).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def cross_entropy(z, y):
    N = len(y)
    lsm = log_softmax(z)
    g = np.exp(lsm)
    g[np.arange(N), y] -= 1
    return float(-lsm[np.arange(N), y].mean()), g / N


def focal(z, y, gamma=2.0, alpha=0.25):
    N = len(y)
    p = 1 / (1 + np.exp(-z))
    s = np.where(y == 1, 1.0, -1.0)
    pt = np.where(y == 1, p, 1 - p)
    at = np.where(y == 1, alpha, 1 - alpha)
    loss = -at * (1 - pt) ** gamma * np.log(pt)
    dL_dpt = -at * (-gamma * (1 - pt) ** (gamma - 1) * np.log(pt) + (1 - pt) ** gamma / pt)
    return float(loss.mean()), dL_dpt * s * p * (1 - p) / N


def huber(yhat, y, delta=1.0):
    r = yhat - y
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return float(loss.mean()), np.clip(r, -delta, delta) / len(r)


def hinge(f, y):
    margin = y * f
    return float(np.maximum(0, 1 - margin).mean()), np.where(margin < 1, -y, 0.0) / len(y)


def kl_divergence(z, p):
    lq = log_softmax(z)
    lp = np.log(np.where(p > 0, p, 1.0))  # 0 log 0 = 0
    return float(np.sum(p * (lp - lq)) / len(p)), (np.exp(lq) - p) / len(p)


def torch_losses(z, y, zb, yb, yhat, yr, f, ypm, P, gamma, alpha, delta):
    """Each loss and gradient from PyTorch (built-ins where they exist, autograd of the formula otherwise)."""
    import torch
    import torch.nn.functional as F

    out = {}
    t = lambda a: torch.tensor(a, requires_grad=True)
    zt = t(z)
    F.cross_entropy(zt, torch.tensor(y)).backward()
    out["cross_entropy"] = zt
    zbt = t(zb)
    p = torch.sigmoid(zbt)
    ybt = torch.tensor(yb, dtype=torch.float64)
    pt = p * ybt + (1 - p) * (1 - ybt)
    at = alpha * ybt + (1 - alpha) * (1 - ybt)
    lf = (-at * (1 - pt) ** gamma * torch.log(pt)).mean()
    lf.backward()
    out["focal"] = zbt
    yht = t(yhat)
    F.huber_loss(yht, torch.tensor(yr), delta=delta).backward()
    out["huber"] = yht
    ft = t(f)
    torch.clamp(1 - torch.tensor(ypm) * ft, min=0).mean().backward()
    out["hinge"] = ft
    zk = t(z)
    F.kl_div(F.log_softmax(zk, 1), torch.tensor(P), reduction="batchmean").backward()
    out["kl"] = zk
    vals = {"cross_entropy": F.cross_entropy(torch.tensor(z), torch.tensor(y)).item(), "focal": lf.item(),
            "huber": F.huber_loss(torch.tensor(yhat), torch.tensor(yr), delta=delta).item(),
            "hinge": torch.clamp(1 - torch.tensor(ypm * f), min=0).mean().item(),
            "kl": F.kl_div(F.log_softmax(torch.tensor(z), 1), torch.tensor(P), reduction="batchmean").item()}
    return vals, {k: v.grad.numpy() for k, v in out.items()}


def make_inputs(N, K, rng):
    z = rng.normal(0, 2, (N, K))
    return dict(z=z, y=rng.integers(0, K, N), zb=rng.normal(0, 2, N), yb=rng.integers(0, 2, N),
                yhat=rng.normal(0, 2, N), yr=rng.normal(0, 1, N), f=rng.normal(0, 1.5, N),
                ypm=rng.choice([-1.0, 1.0], N), P=rng.dirichlet(np.ones(K), N))


def demo(n: int = 64, n_classes: int = 5, gamma: float = 2.0, alpha: float = 0.25, delta: float = 1.0,
         seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    d = make_inputs(n, n_classes, np.random.default_rng(seed))
    ours = {"cross_entropy": cross_entropy(d["z"], d["y"]), "focal": focal(d["zb"], d["yb"], gamma, alpha),
            "huber": huber(d["yhat"], d["yr"], delta), "hinge": hinge(d["f"], d["ypm"]), "kl": kl_divergence(d["z"], d["P"])}
    vals, grads = torch_losses(**d, gamma=gamma, alpha=alpha, delta=delta)
    metrics = {k: v[0] for k, v in ours.items()}
    metrics.update({f"{k}_grad_max_abs_err": float(np.abs(v[1] - grads[k]).max()) for k, v in ours.items()})
    reference = dict(vals)
    reference.update({f"{k}_grad_max_abs_err": 0.0 for k in ours})
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    pt = np.linspace(0.01, 1, 200)
    for g in (0, 1, 2, 5):
        ax1.plot(pt, -(1 - pt) ** g * np.log(pt), label=f"gamma={g}")
    ax1.set(xlabel="p_t", ylabel="loss", title="focal loss down-weights easy examples")
    ax1.legend(fontsize=7)
    r = np.linspace(-3, 3, 200)
    ax2.plot(r, 0.5 * r ** 2, label="squared / 2")
    ax2.plot(r, np.where(np.abs(r) <= delta, 0.5 * r * r, delta * (np.abs(r) - delta / 2)), label=f"Huber delta={delta}")
    ax2.plot(r, np.maximum(0, 1 - r), label="hinge (margin y f)")
    ax2.set(xlabel="residual or margin", ylim=(0, 4.5))
    ax2.legend(fontsize=7)
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="torch.nn.functional (cross_entropy, huber_loss, kl_div) and autograd")
