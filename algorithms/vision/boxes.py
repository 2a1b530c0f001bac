r"""Bounding-box IoU and greedy non-maximum suppression (NMS).

Boxes are $(x_1, y_1, x_2, y_2)$ with $x_1 \le x_2$, $y_1 \le y_2$ (continuous coordinates, area
$(x_2 - x_1)(y_2 - y_1)$, the convention of torchvision). For boxes $a$ and $b$,

$$ \mathrm{IoU}(a, b) = \frac{|a \cap b|}{|a| + |b| - |a \cap b|}, \quad
   |a \cap b| = \max(0, \min(x_2^a, x_2^b) - \max(x_1^a, x_1^b)) \cdot \max(0, \min(y_2^a, y_2^b) - \max(y_1^a, y_1^b)); $$

two zero-area boxes have union 0 and we define their IoU as 0. ``box_iou`` computes the full $N \times M$ matrix
by broadcasting in $O(NM)$.

**Greedy NMS**: sort the boxes by decreasing score; repeatedly keep the highest remaining box and discard every
remaining box whose IoU with it is *greater than* the threshold. It returns the kept indices in decreasing
score order. Equal scores are broken by the lower index first (a stable sort; torchvision leaves the order of ties
unspecified). ``batched_nms`` runs NMS separately per class, so boxes of different classes never suppress each
other. Cost: $O(N^2)$ for the IoU matrix and the sweep. Detectors such as Faster R-CNN and YOLO apply it to
their dense candidate boxes.

References: [@ren2015faster], [@redmon2016you].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def check_boxes(boxes, name: str = "boxes") -> np.ndarray:
    """``boxes`` as a finite ``(N, 4)`` float array with ``x1 <= x2`` and ``y1 <= y2``."""
    try:
        b = np.asarray(boxes, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an (N, 4) array of numbers") from None
    if b.size == 0:
        return b.reshape(0, 4)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4) as (x1, y1, x2, y2), got {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError(f"{name} contains NaN or infinity")
    if np.any(b[:, 2] < b[:, 0]) or np.any(b[:, 3] < b[:, 1]):
        raise ValueError(f"{name} must satisfy x1 <= x2 and y1 <= y2 (corner format x1, y1, x2, y2)")
    return b


def box_area(boxes) -> np.ndarray:
    b = check_boxes(boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Pairwise IoU, shape ``(len(boxes_a), len(boxes_b))``."""
    a, b = check_boxes(boxes_a, "boxes_a"), check_boxes(boxes_b, "boxes_b")
    lt = np.maximum(a[:, None, :2], b[None, :, :2])  # (N, M, 2)
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def nms(boxes, scores, iou_threshold: float = 0.5) -> np.ndarray:
    """Indices of the boxes kept by greedy NMS, in decreasing score order."""
    b = check_boxes(boxes)
    s = np.asarray(scores, dtype=float)
    if s.shape != (len(b),):
        raise ValueError(f"scores must be 1-D with one score per box ({len(b)}), got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contains NaN or infinity")
    if not 0.0 <= float(iou_threshold) <= 1.0:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold!r}")
    order = np.argsort(-s, kind="stable")
    iou = box_iou(b, b)
    suppressed = np.zeros(len(b), dtype=bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes, scores, labels, iou_threshold: float = 0.5) -> np.ndarray:
    """NMS within each label; kept indices in decreasing score order (ties: lower index first)."""
    b = check_boxes(boxes)
    s = np.asarray(scores, dtype=float)
    lab = np.asarray(labels)
    if lab.shape != (len(b),):
        raise ValueError(f"labels must be 1-D with one label per box ({len(b)}), got shape {lab.shape}")
    keep = [np.nonzero(lab == c)[0][nms(b[lab == c], s[lab == c], iou_threshold)] for c in np.unique(lab)]
    kept = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    return kept[np.lexsort((kept, -s[kept]))] if len(kept) else kept


def demo(n_objects: int = 3, boxes_per_object: int = 8, iou_threshold: float = 0.5) -> DemoResult:
    """Jittered candidate boxes around a few objects; NMS against a brute-force pure-Python NMS."""
    from matplotlib.patches import Rectangle

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    centers = rng.uniform(20, 80, (n_objects, 2))
    sizes = rng.uniform(12, 25, (n_objects, 2))
    gt = np.c_[centers - sizes / 2, centers + sizes / 2]
    cand = np.repeat(gt, boxes_per_object, axis=0) + rng.normal(0, 2.5, (n_objects * boxes_per_object, 4))
    cand = np.c_[np.minimum(cand[:, :2], cand[:, 2:]), np.maximum(cand[:, :2], cand[:, 2:])]
    scores = rng.random(len(cand))
    keep = nms(cand, scores, iou_threshold)

    def iou_py(p, q):  # one pair, plain Python
        iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
        ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
        inter = iw * ih
        union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter
        return inter / union if union > 0 else 0.0

    remaining = sorted(range(len(cand)), key=lambda i: (-scores[i], i))
    ref_keep = []
    while remaining:
        i = remaining.pop(0)
        ref_keep.append(i)
        remaining = [j for j in remaining if iou_py(cand[i], cand[j]) <= iou_threshold]
    best = box_iou(cand[keep], gt).max(axis=0)
    fig, ax = new_figure()
    for k, bx in enumerate(cand):
        ax.add_patch(Rectangle(bx[:2], *(bx[2:] - bx[:2]), fill=False, color="0.7", lw=0.6,
                               label="candidates" if k == 0 else None))
    for k, bx in enumerate(cand[keep]):
        ax.add_patch(Rectangle(bx[:2], *(bx[2:] - bx[:2]), fill=False, color="r", lw=1.5,
                               label="kept by NMS" if k == 0 else None))
    ax.set_xlim(0, 100)
    ax.set_ylim(100, 0)
    ax.set_title(f"NMS at IoU {iou_threshold}: {len(cand)} -> {len(keep)} boxes")
    ax.legend()
    return DemoResult(
        metrics={"n_kept": float(len(keep)), "kept_index_checksum": float(np.sum((np.arange(len(keep)) + 1) * keep))},
        reference={"n_kept": float(len(ref_keep)),
                   "kept_index_checksum": float(sum((k + 1) * i for k, i in enumerate(ref_keep)))},
        figure=fig, reference_name="brute-force greedy NMS in plain Python (torchvision is not installed)",
        extra={"mean_best_iou_to_objects": float(best.mean())},
    )
