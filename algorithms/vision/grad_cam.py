r"""Grad-CAM: class-discriminative localization maps from gradients, on a tiny CNN in PyTorch.

For a convolutional layer with feature maps $A^k \in \mathbb{R}^{u \times v}$ ($k = 1..K$) and the score (logit)
$y^c$ of class $c$, Grad-CAM weights each map by its spatially averaged gradient and keeps the positive part:

$$ \alpha_k^c = \frac{1}{uv}\sum_{i,j} \frac{\partial y^c}{\partial A^k_{ij}}, \qquad
   L^c_{\text{Grad-CAM}} = \mathrm{ReLU}\Big(\sum_k \alpha_k^c A^k\Big), $$

then upsamples $L^c$ to the input size (bilinear) for display. The activations and gradients are captured with a
forward hook on the chosen layer and ``torch.autograd.grad`` (one backward pass). The ReLU keeps the regions that
raise the class score.

**A closed form to check against.** If the chosen layer is followed only by global average pooling and a linear
layer, $y^c = \sum_k w_{ck}\,\frac{1}{uv}\sum_{ij} A^k_{ij} + b_c$, so $\partial y^c/\partial A^k_{ij} = w_{ck}/(uv)$
everywhere and Grad-CAM reduces to the class activation map $\mathrm{ReLU}(\sum_k w_{ck} A^k)/(uv)$ of Zhou et
al. (2016) — no autograd needed. The tests use this, plus a hook-free autograd computation for deeper layers.
Cost: one forward and one backward pass.

References: [@selvaraju2017grad], [@goodfellow2016deep].
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mlnotes.algorithms.registry import DemoResult


class TinyCNN(nn.Module):
    """conv(1->c) -> ReLU -> conv(c->c) -> ReLU -> global average pool -> linear(c->n_classes)."""

    def __init__(self, channels: int = 8, n_classes: int = 2):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act2 = nn.ReLU()  # its output is the layer Grad-CAM explains
        self.head = nn.Linear(channels, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:  # (n, 1, H, W) -> (n, c, H, W)
        return self.act2(self.conv2(self.act1(self.conv1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def grad_cam(model: nn.Module, x, target_class: int, layer: nn.Module, upsample: bool = True) -> np.ndarray:
    """Grad-CAM maps ``(n, H, W)`` (input size if ``upsample``, else the layer's size) for ``target_class``."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if x.ndim != 4:
        raise ValueError(f"x must have shape (n, C, H, W), got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("x contains NaN or infinity")
    store = {}
    handle = layer.register_forward_hook(lambda mod, inp, out: store.__setitem__("A", out))
    try:
        logits = model(x)
    finally:
        handle.remove()
    if "A" not in store:
        raise ValueError("the hooked layer was not used in the forward pass; pass a layer of this model")
    if not 0 <= int(target_class) < logits.shape[1]:
        raise ValueError(f"target_class must be in [0, {logits.shape[1] - 1}], got {target_class}")
    A = store["A"]  # (n, K, u, v)
    (grads,) = torch.autograd.grad(logits[:, int(target_class)].sum(), A)
    alpha = grads.mean(dim=(2, 3), keepdim=True)  # (n, K, 1, 1)
    cam = F.relu((alpha * A).sum(dim=1, keepdim=True))  # (n, 1, u, v)
    if upsample and cam.shape[-2:] != x.shape[-2:]:
        cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)
    return cam[:, 0].detach().numpy().astype(np.float64)


def class_activation_map(model: TinyCNN, x, target_class: int) -> np.ndarray:
    """Closed form for a GAP + linear head: ReLU(sum_k w_ck A^k) / (u v), computed without autograd."""
    with torch.no_grad():
        A = model.features(torch.as_tensor(np.asarray(x, dtype=np.float32)))
        w = model.head.weight[int(target_class)]  # (K,)
        cam = F.relu(torch.einsum("k,nkuv->nuv", w, A)) / (A.shape[2] * A.shape[3])
    return cam.numpy().astype(np.float64)


def make_patch_images(n: int, size: int = 12, rng=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noisy images; label 1 images hold one bright 3x3 patch at a random place. Returns X, y, patch masks."""
    rng = np.random.default_rng(rng)
    X = 0.3 * rng.standard_normal((n, 1, size, size)).astype(np.float32)
    masks = np.zeros((n, size, size), dtype=bool)
    y = rng.integers(0, 2, n)
    for i in np.nonzero(y)[0]:
        r, c = rng.integers(0, size - 2, 2)
        X[i, 0, r:r + 3, c:c + 3] += 1.5
        masks[i, r:r + 3, c:c + 3] = True
    return X, y, masks


def demo(n_train: int = 96, steps: int = 60, seed: int = 0) -> DemoResult:
    """Train a tiny CNN to detect a bright patch; Grad-CAM (hooks) against the closed-form CAM."""
    from mlnotes.algorithms.linear._viz import new_figure

    torch.manual_seed(seed)
    X, y, _ = make_patch_images(n_train, rng=seed)
    Xte, yte, mte = make_patch_images(64, rng=seed + 1)
    model = TinyCNN()
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(xt), yt).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.as_tensor(Xte)).argmax(1).numpy() == yte).mean())
    pos = np.nonzero(yte == 1)[0]
    cams = grad_cam(model, Xte[pos], 1, model.act2)  # (n_pos, H, W): one forward and backward for all
    ref = class_activation_map(model, Xte[pos], 1)
    masks = mte[pos]

    def mass_in_patch(maps):
        tot = maps.sum(axis=(1, 2))
        inside = (maps * masks).sum(axis=(1, 2))
        return float(np.mean(np.divide(inside, tot, out=np.zeros_like(tot), where=tot > 0)))

    fig, axes = new_figure(ncols=3, width=3.2, height=3.2)
    axes[0].imshow(Xte[pos[0], 0], cmap="gray")
    axes[0].set_title("input with a bright patch")
    axes[1].imshow(cams[0], cmap="jet")
    axes[1].set_title("Grad-CAM (hooks + autograd)")
    axes[2].imshow(ref[0], cmap="jet")
    axes[2].set_title("closed-form CAM")
    for ax in axes:
        ax.set_axis_off()
    return DemoResult(
        metrics={"cam_mass_in_patch": mass_in_patch(cams), "max_abs_cam": float(np.abs(cams).max())},
        reference={"cam_mass_in_patch": mass_in_patch(ref), "max_abs_cam": float(np.abs(ref).max())},
        figure=fig, reference_name="closed-form CAM for a GAP + linear head (Zhou et al. 2016), no autograd",
        notes="cam_mass_in_patch is the share of the map inside the 3x3 patch; a uniform map would give "
              "patch_area_fraction.",
        extra={"test_accuracy": acc, "patch_area_fraction": float(masks.mean())},
    )
