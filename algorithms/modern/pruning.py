r"""Magnitude pruning: zero the weights of smallest absolute value.

Unstructured magnitude pruning [@han2015learning] keeps a binary mask $M$ with
$M_{ij} = \mathbb{1}[|W_{ij}| > \theta]$, where the threshold $\theta$ is the $s$-quantile of $|W|$ for a target
sparsity $s$: exactly $\lfloor s \cdot |W| \rceil$ entries are removed (ties broken by position, as PyTorch's
``l1_unstructured`` does with ``topk``). *Layer-wise* pruning picks a threshold per tensor; *global* pruning picks one
threshold over all tensors together, so layers with many small weights lose more. Han et al. prune, then fine-tune
with the mask fixed, and iterate; one-shot pruning without fine-tuning (shown here) degrades sooner.
Structured pruning removes whole rows, channels or heads instead (real speed-ups on dense hardware); unstructured
sparsity needs sparse kernels to pay off. Cost: $O(|W|)$ with a selection algorithm (``np.argpartition``).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _amount(n: int, sparsity: float) -> int:
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    return int(round(sparsity * n))


def magnitude_mask(weights, sparsity: float) -> np.ndarray:
    """Boolean keep-mask of ``weights`` with the ``round(sparsity * size)`` smallest |w| removed."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        raise ValueError("weights is empty")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contains NaN or infinity")
    k = _amount(w.size, sparsity)
    keep = np.ones(w.size, dtype=bool)
    if k:
        # stable order: among equal magnitudes the earlier position is pruned first
        order = np.argsort(np.abs(w).ravel(), kind="stable")
        keep[order[:k]] = False
    return keep.reshape(w.shape)


def global_magnitude_masks(weights: list, sparsity: float) -> list[np.ndarray]:
    """One threshold over all tensors: masks that together remove ``round(sparsity * total)`` weights."""
    if not weights:
        raise ValueError("weights is an empty list")
    flat = np.concatenate([np.asarray(w, dtype=float).ravel() for w in weights])
    keep = magnitude_mask(flat, sparsity)
    out, start = [], 0
    for w in weights:
        size = np.asarray(w).size
        out.append(keep[start:start + size].reshape(np.shape(w)))
        start += size
    return out


def demo(max_sparsity: float = 0.95, seed: int = 0) -> DemoResult:
    """Prune a digits classifier's weights at growing sparsity; masks checked against torch.nn.utils.prune."""
    import torch
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from torch.nn.utils import prune

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.5, random_state=seed, stratify=y)
    clf = LogisticRegression(max_iter=3000).fit(Xtr, ytr)
    W = clf.coef_.copy()  # (10, 64)

    levels = np.linspace(0.0, max_sparsity, 12)
    acc, acc_ref, same = [], [], []
    for s in levels:
        mask = magnitude_mask(W, s)
        lin = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W))
        prune.l1_unstructured(lin, name="weight", amount=int(round(s * W.size)))
        ref_mask = lin.weight_mask.numpy().astype(bool)
        same.append(float(np.mean(mask == ref_mask)))
        acc.append(float(np.mean(np.argmax(Xte @ (W * mask).T + clf.intercept_, axis=1) == yte)))
        acc_ref.append(float(np.mean(np.argmax(Xte @ (W * ref_mask).T + clf.intercept_, axis=1) == yte)))

    fig, ax = new_figure()
    ax.plot(levels, acc, "o-", label="ours")
    ax.plot(levels, acc_ref, "x--", label="torch prune.l1_unstructured")
    ax.set_xlabel("sparsity (fraction of weights removed)")
    ax.set_ylabel("test accuracy (no fine-tuning)")
    ax.set_title("One-shot magnitude pruning of a linear digits classifier")
    ax.legend()
    half = int(np.argmin(np.abs(levels - 0.5)))
    return DemoResult(
        metrics={"accuracy_dense": acc[0], "accuracy_at_half": acc[half], "accuracy_at_max": acc[-1],
                 "mask_agreement": float(np.min(same))},
        reference={"accuracy_dense": acc_ref[0], "accuracy_at_half": acc_ref[half], "accuracy_at_max": acc_ref[-1],
                   "mask_agreement": 1.0},
        figure=fig,
        reference_name="torch.nn.utils.prune.l1_unstructured",
        notes="mask_agreement is the smallest fraction of identical mask entries over all sparsity levels.",
    )
