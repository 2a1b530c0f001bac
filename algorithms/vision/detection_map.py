r"""Mean average precision (mAP) for object detection: VOC all-point and COCO 101-point.

For one class, pool the detections of all images and sort them by decreasing score. Walk down the list and
match each detection to a ground-truth box of the same image and class with $\mathrm{IoU} \ge t$ that is not
matched yet: a match is a true positive, anything else a false positive (a duplicate detection of an already
found object is a false positive, which is what punishes missing NMS). After $k$ detections,
$P_k = TP_k/k$ and $R_k = TP_k/G$ with $G$ the number of ground-truth boxes of the class.

* **Matching.** ``"voc"`` takes the ground truth of *highest* IoU and counts a false positive if that one is
  already matched (the PASCAL devkit rule); ``"coco"`` takes the best *unmatched* ground truth above the
  threshold (the COCO rule). They differ only when boxes of one class overlap. A match needs
  $\mathrm{IoU} \ge t$ in both modes (the VOC devkit's strict $>$ differs only at exact equality).
* **VOC all-point AP** (VOC 2010 onward): make precision monotone, $\tilde P(r) = \max_{r' \ge r} P(r')$, and sum
  the area under this envelope at every recall change, $\mathrm{AP} = \sum_k (R_k - R_{k-1})\,\tilde P(R_k)$.
* **COCO 101-point AP**: average $\tilde P$ at the 101 recalls $r \in \{0, 0.01, \dots, 1\}$, with $\tilde P(r) = 0$
  for a recall never reached. COCO's headline number, AP@[.5:.95], averages this over the IoU thresholds
  $0.50, 0.55, \dots, 0.95$ (we do not model COCO's crowd boxes, area ranges or 100-detection cap).

mAP is the mean AP over classes that have ground truth; a class with ground truth but no detection has AP 0,
detections of a class without ground truth are ignored. Equal scores keep input order (a stable sort).
Cost: $O(D \log D + D\,G_{img})$.

References: [@everingham2010pascal], [@lin2014microsoft].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.vision.boxes import box_iou, check_boxes

METHODS = ("voc", "coco")


def _images(items, kind):
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"{kind} must be a list with one dict per image")
    out = []
    for i, d in enumerate(items):
        need = ("boxes", "labels", "scores") if kind == "detections" else ("boxes", "labels")
        if not isinstance(d, dict) or any(k not in d for k in need):
            raise ValueError(f"{kind}[{i}] must be a dict with keys {list(need)}")
        b = check_boxes(d["boxes"], f"{kind}[{i}]['boxes']")
        lab = np.asarray(d["labels"]).reshape(-1)
        if len(lab) != len(b):
            raise ValueError(f"{kind}[{i}]: {len(b)} boxes but {len(lab)} labels")
        s = None
        if kind == "detections":
            s = np.asarray(d["scores"], dtype=float).reshape(-1)
            if len(s) != len(b) or not np.all(np.isfinite(s)):
                raise ValueError(f"detections[{i}]: scores must be finite, one per box")
        out.append((b, lab, s))
    return out


def pr_curve_for_class(detections, ground_truths, label, iou_threshold=0.5, matching="voc"):
    """Cumulative precision and recall over the score-sorted detections of one class, and ``G``."""
    dets, gts = _images(detections, "detections"), _images(ground_truths, "ground_truths")
    if len(dets) != len(gts):
        raise ValueError(f"detections and ground_truths must list the same images, got {len(dets)} and {len(gts)}")
    if matching not in METHODS:
        raise ValueError(f"matching must be one of {list(METHODS)}, got {matching!r}")
    gt_boxes = [g[0][g[1] == label] for g in gts]
    n_gt = int(sum(len(g) for g in gt_boxes))
    rows = [(img, s, k) for img, (b, lab, sc) in enumerate(dets) for k, s in enumerate(sc) if lab[k] == label]
    rows.sort(key=lambda r: -r[1])  # stable: equal scores keep input order
    matched = [np.zeros(len(g), dtype=bool) for g in gt_boxes]
    tp = np.zeros(len(rows))
    for r, (img, _, k) in enumerate(rows):
        if len(gt_boxes[img]) == 0:
            continue
        ious = box_iou(dets[img][0][k:k + 1], gt_boxes[img])[0]
        if matching == "voc":
            j = int(np.argmax(ious))
            if ious[j] >= iou_threshold and not matched[img][j]:
                tp[r], matched[img][j] = 1, True
        else:
            cand = np.where(~matched[img] & (ious >= iou_threshold), ious, -1.0)
            j = int(np.argmax(cand))
            if cand[j] >= 0:
                tp[r], matched[img][j] = 1, True
    ctp = np.cumsum(tp)
    precision = ctp / np.arange(1, len(rows) + 1)
    recall = ctp / n_gt if n_gt else np.zeros(len(rows))
    return precision, recall, n_gt


def ap_all_point(precision, recall) -> float:
    """VOC 2010+ AP: area under the monotone precision envelope."""
    mrec = np.r_[0.0, recall, 1.0]
    mpre = np.r_[0.0, precision, 0.0]
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    idx = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


def ap_101_point(precision, recall) -> float:
    """COCO AP: mean interpolated precision at recalls 0, 0.01, ..., 1."""
    if len(precision) == 0:
        return 0.0
    env = np.maximum.accumulate(np.asarray(precision)[::-1])[::-1]
    thresholds = np.linspace(0, 1, 101)
    idx = np.searchsorted(recall, thresholds, side="left")  # first detection reaching each recall
    q = np.where(idx < len(env), env[np.minimum(idx, len(env) - 1)], 0.0)
    return float(q.mean())


def mean_average_precision(detections, ground_truths, iou_threshold: float = 0.5, method: str = "voc"):
    """``(mAP, {label: AP})`` with VOC all-point (``"voc"``) or COCO 101-point (``"coco"``) AP and matching."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if not 0.0 < float(iou_threshold) <= 1.0:
        raise ValueError(f"iou_threshold must be in (0, 1], got {iou_threshold!r}")
    gts = _images(ground_truths, "ground_truths")
    labels = np.unique(np.concatenate([g[1] for g in gts])) if gts else np.array([])
    labels = [lab for lab in labels if sum(np.sum(g[1] == lab) for g in gts) > 0]
    if not labels:
        raise ValueError("ground_truths hold no box; mAP needs at least one ground-truth object")
    aps = {}
    for lab in labels:
        p, r, _ = pr_curve_for_class(detections, ground_truths, lab, iou_threshold, method)
        aps[lab.item() if isinstance(lab, np.generic) else lab] = (
            ap_all_point(p, r) if method == "voc" else ap_101_point(p, r))
    return float(np.mean(list(aps.values()))), aps


def coco_map(detections, ground_truths) -> float:
    """AP@[.5:.95]: COCO-style mAP averaged over IoU thresholds 0.50, 0.55, ..., 0.95."""
    return float(np.mean([mean_average_precision(detections, ground_truths, t, "coco")[0]
                          for t in np.linspace(0.5, 0.95, 10)]))


def demo(n_images: int = 30, noise: float = 3.0, false_rate: float = 0.3) -> DemoResult:
    """A simulated detector on random scenes: VOC and COCO AP, checked against a plain-Python recomputation."""
    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    dets, gts = [], []
    for _ in range(n_images):
        k = rng.integers(1, 4)
        xy = rng.uniform(0, 80, (k, 2))
        g = np.c_[xy, xy + rng.uniform(10, 20, (k, 2))]
        glab = rng.integers(0, 2, k)
        d = g + rng.normal(0, noise, g.shape)
        d = np.c_[np.minimum(d[:, :2], d[:, 2:]), np.maximum(d[:, :2], d[:, 2:])]
        sc = rng.uniform(0.3, 1.0, k)
        n_false = rng.binomial(3, false_rate)
        fxy = rng.uniform(0, 80, (n_false, 2))
        d = np.r_[d, np.c_[fxy, fxy + 15]]
        sc = np.r_[sc, rng.uniform(0.0, 0.8, n_false)]
        dets.append({"boxes": d, "scores": sc, "labels": np.r_[glab, rng.integers(0, 2, n_false)]})
        gts.append({"boxes": g, "labels": glab})
    voc, voc_per = mean_average_precision(dets, gts, 0.5, "voc")
    coco50, _ = mean_average_precision(dets, gts, 0.5, "coco")

    def ref_ap(label, t, coco):  # independent plain-Python recomputation (loops, lists)
        rows = sorted([(s, i, k) for i, d in enumerate(dets) for k, s in enumerate(d["scores"])
                       if d["labels"][k] == label], key=lambda r: -r[0])
        used, tps = set(), []
        n_gt = sum(int(np.sum(g["labels"] == label)) for g in gts)
        for _, i, k in rows:
            best, best_j = -1.0, None
            for j, gb in enumerate(gts[i]["boxes"]):
                if gts[i]["labels"][j] != label or (coco and (i, j) in used):
                    continue
                a, b = dets[i]["boxes"][k], gb
                iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
                ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
                u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih
                if iw * ih / u > best:
                    best, best_j = iw * ih / u, j
            ok = best >= t and (i, best_j) not in used
            if ok:
                used.add((i, best_j))
            tps.append(1 if ok else 0)
        prec = [sum(tps[:n + 1]) / (n + 1) for n in range(len(tps))]
        rec = [sum(tps[:n + 1]) / n_gt for n in range(len(tps))]
        if coco:
            total = 0.0
            for r in [x / 100 for x in range(101)]:
                total += max([p for p, q in zip(prec, rec) if q >= r - 1e-12], default=0.0)
            return total / 101
        area, prev = 0.0, 0.0
        for n in range(len(tps)):
            if rec[n] > prev:
                area += (rec[n] - prev) * max(prec[n:])
                prev = rec[n]
        return area

    ref_voc = float(np.mean([ref_ap(lab, 0.5, False) for lab in (0, 1)]))
    ref_coco = float(np.mean([ref_ap(lab, 0.5, True) for lab in (0, 1)]))
    fig, ax = new_figure()
    for lab in (0, 1):
        p, r, _ = pr_curve_for_class(dets, gts, lab, 0.5, "voc")
        ax.plot(r, p, label=f"class {lab}: AP = {voc_per[lab]:.3f}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(f"VOC mAP@0.5 = {voc:.3f}, COCO AP@0.5 = {coco50:.3f}")
    ax.legend()
    return DemoResult(metrics={"voc_map50": voc, "coco_ap50": coco50},
                      reference={"voc_map50": ref_voc, "coco_ap50": ref_coco},
                      figure=fig, reference_name="plain-Python recomputation of VOC / COCO AP",
                      extra={"coco_map_50_95": coco_map(dets, gts)})
