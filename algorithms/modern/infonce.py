r"""InfoNCE: the contrastive loss behind CPC, SimCLR and CLIP, with its gradient written out.

For a batch of $N$ pairs $(u_i, v_i)$ of L2-normalised embeddings, the logits are the scaled cosine similarities
$s_{ij} = u_i^\top v_j / \tau$ with temperature $\tau$. Each anchor $u_i$ must pick its own partner $v_i$ out of the
$N$ candidates (the other $N-1$ are negatives):

$$ \mathcal{L} = -\frac{1}{N}\sum_i \log \frac{e^{s_{ii}}}{\sum_j e^{s_{ij}}}, $$

i.e. cross-entropy with labels $i$ on the rows of $S$ [@oord2018representation]. The symmetric version (CLIP)
averages the row loss and the column loss. With $P = \mathrm{softmax}(S)$ row-wise and $Y = I$,
$\partial\mathcal{L}/\partial S = (P - I)/N$, so $\partial\mathcal{L}/\partial U = (P - I)V/(N\tau)$ and
$\partial\mathcal{L}/\partial V = (P - I)^\top U/(N\tau)$ (for the unnormalised inputs, chain through the
normalisation). $\log N - \mathcal{L}$ is a lower bound on the mutual information between the two views, which is
why larger batches (more negatives) help. Small $\tau$ sharpens the softmax and focuses the gradient on hard
negatives. Cost: $O(N^2 d)$ for the similarity matrix.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _normalise(x: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n_pairs, dim), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinity")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"{name} has an all-zero row, which has no direction to normalise")
    return x / norms, norms


def _log_softmax(s: np.ndarray) -> np.ndarray:
    m = s.max(axis=1, keepdims=True)
    return s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))


def _normalise_backward(g: np.ndarray, xn: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Gradient through x -> x/||x||: (g - (g . xn) xn) / ||x||."""
    return (g - np.sum(g * xn, axis=1, keepdims=True) * xn) / norms


def info_nce(u, v, temperature: float = 0.1, symmetric: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """InfoNCE loss of paired embeddings ``u[i] <-> v[i]`` and its gradients with respect to ``u`` and ``v``.

    Inputs are normalised inside (as SimCLR and CLIP do); returns ``(loss, dL/du, dL/dv)``.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    un, nu = _normalise(u, "u")
    vn, nv = _normalise(v, "v")
    if un.shape != vn.shape:
        raise ValueError(f"u and v must have the same shape, got {un.shape} and {vn.shape}")
    n = un.shape[0]
    s = un @ vn.T / temperature  # (n, n)
    eye = np.eye(n)
    lp_rows = _log_softmax(s)
    loss = -np.trace(lp_rows) / n
    g_s = (np.exp(lp_rows) - eye) / n  # dL/dS for the row loss
    if symmetric:
        lp_cols = _log_softmax(s.T)
        loss = 0.5 * (loss - np.trace(lp_cols) / n)
        g_s = 0.5 * g_s + 0.5 * ((np.exp(lp_cols) - eye) / n).T
    g_un = g_s @ vn / temperature
    g_vn = g_s.T @ un / temperature
    return float(loss), _normalise_backward(g_un, un, nu), _normalise_backward(g_vn, vn, nv)


def demo(temperature: float = 0.1, batch: int = 64, noise: float = 0.3, seed: int = 0) -> DemoResult:
    """Two noisy views of the same points: our loss and gradients against PyTorch autograd, and loss vs tau."""
    import torch
    import torch.nn.functional as F

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    z = rng.normal(size=(batch, 16))
    u, v = z + noise * rng.normal(size=z.shape), z + noise * rng.normal(size=z.shape)
    loss, gu, gv = info_nce(u, v, temperature)

    tu = torch.tensor(u, requires_grad=True)
    tv = torch.tensor(v, requires_grad=True)
    logits = F.normalize(tu, dim=1) @ F.normalize(tv, dim=1).T / temperature
    tloss = F.cross_entropy(logits, torch.arange(batch))
    tloss.backward()

    taus = np.geomspace(0.02, 2.0, 25)
    curve = [info_nce(u, v, t)[0] for t in taus]
    shuffled = [info_nce(u, v[rng.permutation(batch)], t)[0] for t in taus]
    fig, ax = new_figure()
    ax.semilogx(taus, curve, label="matched pairs")
    ax.semilogx(taus, shuffled, label="shuffled pairs (no signal)")
    ax.axhline(np.log(batch), color="gray", ls="--", label=r"$\log N$ (chance)")
    ax.axvline(temperature, color="r", lw=0.8, label=rf"$\tau$ = {temperature}")
    ax.set_xlabel(r"temperature $\tau$")
    ax.set_ylabel("InfoNCE loss")
    ax.set_title(rf"InfoNCE, N = {batch}: $\log N - L$ bounds the mutual information")
    ax.legend()
    return DemoResult(
        metrics={"loss": loss, "grad_u_norm": float(np.linalg.norm(gu)), "grad_v_norm": float(np.linalg.norm(gv)),
                 "mi_lower_bound_nats": float(np.log(batch) - loss)},
        reference={"loss": float(tloss), "grad_u_norm": float(tu.grad.norm()), "grad_v_norm": float(tv.grad.norm()),
                   "mi_lower_bound_nats": float(np.log(batch) - float(tloss))},
        figure=fig,
        reference_name="torch.nn.functional.cross_entropy on normalised similarities (autograd gradients)",
        notes="The gradients are written out by hand; PyTorch's autograd gives the same numbers.",
    )
