r"""Image augmentations with their box and label arithmetic: flip, crop, mixup, cutmix.

Images are arrays ``(H, W)`` or ``(H, W, C)``; boxes are $(x_1, y_1, x_2, y_2)$ in pixel-edge coordinates (pixel
column $j$ spans $[j, j+1)$), labels are one-hot or soft vectors.

* **Horizontal flip**: pixel column $j \mapsto W - 1 - j$; a box maps to $(W - x_2,\ y_1,\ W - x_1,\ y_2)$. Labels
  are unchanged (for symmetric classes; a "left arrow" class would not be).
* **Crop** to the window $[l, l + w) \times [t, t + h)$: boxes shift by $(-l, -t)$ and are clipped to the window;
  a box keeping less than ``min_visibility`` of its area is dropped with its label.
* **Mixup**: $\tilde x = \lambda x_a + (1 - \lambda) x_b$, $\tilde y = \lambda y_a + (1 - \lambda) y_b$ with
  $\lambda \sim \mathrm{Beta}(\alpha, \alpha)$; it regularizes toward linear behaviour between examples.
* **CutMix**: paste a rectangle of $x_b$ into $x_a$. The rectangle has side ratio $\sqrt{1 - \lambda}$ and a
  uniform random centre, clipped at the border; the label uses the *actual* pasted area,
  $\lambda' = 1 - \frac{\text{pasted pixels}}{HW}$, $\tilde y = \lambda' y_a + (1 - \lambda') y_b$, so the label
  weights equal the pixel shares exactly even after clipping.

In a batch, mixup and cutmix pair each example with a random permutation of the batch. All randomness comes from
a seeded ``numpy.random.Generator``. Cost: $O(HWC)$ per image.

References: [@zhang2018mixup], [@yun2019cutmix], [@shorten2019survey], [@krizhevsky2012imagenet].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import check_random_state
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.vision.boxes import box_area, check_boxes


def _image(x, name="image"):
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array") from None
    if arr.ndim not in (2, 3) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must have shape (H, W) or (H, W, C) with H, W >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity")
    return arr


def _labels(y, name):
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinity")
    return y


def hflip(image, boxes=None):
    """Mirror left-right; returns the image and (if given) the mirrored boxes."""
    img = _image(image)
    W = img.shape[1]
    out = img[:, ::-1].copy()
    if boxes is None:
        return out, None
    b = check_boxes(boxes)
    return out, np.c_[W - b[:, 2], b[:, 1], W - b[:, 0], b[:, 3]]


def crop(image, boxes, top: int, left: int, height: int, width: int, min_visibility: float = 0.0):
    """Crop a window; returns ``(image, boxes, kept_index)`` with boxes shifted, clipped and filtered."""
    img = _image(image)
    H, W = img.shape[:2]
    for name, v in (("top", top), ("left", left), ("height", height), ("width", width)):
        if isinstance(v, bool) or int(v) != v:
            raise ValueError(f"{name} must be an integer, got {v!r}")
    if not (0 <= top and 0 <= left and height >= 1 and width >= 1 and top + height <= H and left + width <= W):
        raise ValueError(f"crop window top={top}, left={left}, height={height}, width={width} must lie inside the "
                         f"{H}x{W} image with height, width >= 1")
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be in [0, 1], got {min_visibility!r}")
    out = img[top:top + height, left:left + width].copy()
    b = check_boxes(boxes)
    shifted = b - np.array([left, top, left, top], dtype=float)
    clipped = np.c_[np.clip(shifted[:, [0, 2]], 0, width), np.clip(shifted[:, [1, 3]], 0, height)][:, [0, 2, 1, 3]]
    area, new_area = box_area(b), box_area(clipped)
    vis = np.divide(new_area, area, out=np.zeros_like(area), where=area > 0)
    keep = np.nonzero((new_area > 0) & (vis >= min_visibility))[0]
    return out, clipped[keep], keep


def random_crop(image, boxes, height: int, width: int, rng=None, min_visibility: float = 0.0):
    img = _image(image)
    H, W = img.shape[:2]
    if not (1 <= height <= H and 1 <= width <= W):
        raise ValueError(f"crop size {height}x{width} must be between 1x1 and the image size {H}x{W}")
    rng = check_random_state(rng)
    top, left = int(rng.integers(0, H - height + 1)), int(rng.integers(0, W - width + 1))
    return crop(img, boxes, top, left, height, width, min_visibility)


def mixup(x_a, y_a, x_b, y_b, lam: float):
    """Convex combination of two examples and of their labels with weight ``lam`` on ``a``."""
    if not 0.0 <= float(lam) <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam!r}")
    xa, xb = _image(x_a, "x_a"), _image(x_b, "x_b")
    ya, yb = _labels(y_a, "y_a"), _labels(y_b, "y_b")
    if xa.shape != xb.shape or ya.shape != yb.shape:
        raise ValueError(f"examples must match in shape: {xa.shape} vs {xb.shape}, labels {ya.shape} vs {yb.shape}")
    return lam * xa + (1 - lam) * xb, lam * ya + (1 - lam) * yb


def cutmix_box(H: int, W: int, lam: float, rng=None) -> tuple[int, int, int, int]:
    """The pasted rectangle ``(top, left, bottom, right)`` (exclusive ends) for mixing weight ``lam``."""
    if not 0.0 <= float(lam) <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam!r}")
    rng = check_random_state(rng)
    cut = np.sqrt(1.0 - lam)
    ch, cw = int(round(H * cut)), int(round(W * cut))
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    top, bottom = int(np.clip(cy - ch // 2, 0, H)), int(np.clip(cy + ch - ch // 2, 0, H))
    left, right = int(np.clip(cx - cw // 2, 0, W)), int(np.clip(cx + cw - cw // 2, 0, W))
    return top, left, bottom, right


def cutmix(x_a, y_a, x_b, y_b, lam: float, rng=None):
    """Paste a rectangle of ``x_b`` into ``x_a``; returns ``(image, label, lam_effective, box)``."""
    xa, xb = _image(x_a, "x_a"), _image(x_b, "x_b")
    ya, yb = _labels(y_a, "y_a"), _labels(y_b, "y_b")
    if xa.shape != xb.shape or ya.shape != yb.shape:
        raise ValueError(f"examples must match in shape: {xa.shape} vs {xb.shape}, labels {ya.shape} vs {yb.shape}")
    H, W = xa.shape[:2]
    top, left, bottom, right = cutmix_box(H, W, lam, rng)
    out = xa.copy()
    out[top:bottom, left:right] = xb[top:bottom, left:right]
    lam_eff = 1.0 - (bottom - top) * (right - left) / (H * W)
    return out, lam_eff * ya + (1 - lam_eff) * yb, lam_eff, (top, left, bottom, right)


def mix_batch(X, Y, alpha: float = 1.0, method: str = "mixup", rng=None):
    """Mixup or CutMix over a batch ``X (n, H, W[, C])``, ``Y (n, K)`` paired with a random permutation."""
    if method not in ("mixup", "cutmix"):
        raise ValueError(f"method must be 'mixup' or 'cutmix', got {method!r}")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha!r}")
    X, Y = np.asarray(X, dtype=float), _labels(Y, "Y")
    if X.ndim not in (3, 4) or Y.ndim != 2 or len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"X must be (n, H, W[, C]) and Y (n, K) with n >= 1, got {X.shape} and {Y.shape}")
    rng = check_random_state(rng)
    perm = rng.permutation(len(X))
    Xo, Yo, lams = np.empty_like(X), np.empty_like(Y), np.empty(len(X))
    for i, j in enumerate(perm):
        lam = float(rng.beta(alpha, alpha))
        if method == "mixup":
            Xo[i], Yo[i] = mixup(X[i], Y[i], X[j], Y[j], lam)
            lams[i] = lam
        else:
            Xo[i], Yo[i], lams[i], _ = cutmix(X[i], Y[i], X[j], Y[j], lam, rng)
    return Xo, Yo, lams, perm


def demo(alpha: float = 1.0, seed: int = 0) -> DemoResult:
    """Digits: flip, crop, mixup and cutmix; the label weights are checked against brute-force pixel counts."""
    from sklearn.datasets import load_digits

    from mlnotes.algorithms.linear._viz import new_figure

    digits = load_digits()
    X = digits.images[:64] / 16.0
    Y = np.eye(10)[digits.target[:64]]
    rng = np.random.default_rng(seed)
    # cutmix: paste from an all-ones marker image into an all-zeros one and count pixels (brute force)
    marks, weights = [], []
    for _ in range(200):
        lam = float(rng.beta(alpha, alpha))
        img, lab, lam_eff, _ = cutmix(np.zeros((8, 8)), [1.0, 0.0], np.ones((8, 8)), [0.0, 1.0], lam, rng)
        marks.append(img.mean())
        weights.append(lab[1])
    Xm, Ym, lams, perm = mix_batch(X, Y, alpha, "mixup", rng)
    Xc, Yc, lams_c, perm_c = mix_batch(X, Y, alpha, "cutmix", rng)
    flipped, _ = hflip(X[0])
    boxes = np.array([[1.0, 1.0, 5.0, 7.0]])
    _, fb = hflip(X[0], boxes)
    fig, axes = new_figure(ncols=4, width=3.0, height=3.2)
    for ax, (img, title) in zip(axes, ((X[0], f"digit {digits.target[0]}"), (flipped, "horizontal flip"),
                                       (Xm[0], f"mixup, lam={lams[0]:.2f}"), (Xc[0], f"cutmix, lam'={lams_c[0]:.2f}"))):
        ax.imshow(img, cmap="gray_r")
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    return DemoResult(
        metrics={"cutmix_label_weight_mean": float(np.mean(weights)),
                 "mixup_label_mass": float(Ym.sum(axis=1).mean()),
                 "mixup_pixel_residual": float(np.abs(Xm - (lams[:, None, None] * X + (1 - lams[:, None, None])
                                                            * X[perm])).max()),
                 "flipped_box_x1": float(fb[0, 0])},
        reference={"cutmix_label_weight_mean": float(np.mean(marks)), "mixup_label_mass": 1.0,
                   "mixup_pixel_residual": 0.0, "flipped_box_x1": 8.0 - 5.0},
        figure=fig, reference_name="brute-force pixel counts; label mass 1; hand box arithmetic",
    )
