r"""F1 score (binary, micro, macro, weighted) and choosing a decision threshold.

Per class $c$, with true positives $TP_c$, false positives $FP_c$ and false negatives $FN_c$,

$$ F_{1,c} = \frac{2\,TP_c}{2\,TP_c + FP_c + FN_c} = \frac{2 P_c R_c}{P_c + R_c}, $$

the harmonic mean of precision and recall; a class that is never predicted nor present scores 0 (scikit-learn's
``zero_division=0``). *Binary* reports the positive class, *macro* the unweighted mean over classes, *weighted*
the mean weighted by support, and *micro* pools the counts (for single-label multiclass data it equals accuracy).

**Threshold choice.** A scorer plus a threshold $\tau$ makes a classifier. Sweeping $\tau$ over the distinct
scores (one pass over the sorted scores gives every confusion matrix in $O(n \log n)$) and keeping the best value
of a criterion gives: the F1-optimal threshold; Youden's $J = \mathrm{TPR} - \mathrm{FPR}$; or the threshold of
minimal expected cost $c_{FP}\,FP + c_{FN}\,FN$ (for calibrated probabilities the Bayes threshold is
$c_{FP}/(c_{FP} + c_{FN})$). Choose it on validation data, never on the test set. Ties in the criterion go to the
highest threshold.

References: [@manning2008introduction], [@fawcett2006introduction], [@saito2015precision].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.metrics._common import binary_counts, binary_labels, both_classes, scores
from mlnotes.algorithms.registry import DemoResult

AVERAGES = ("binary", "micro", "macro", "weighted")
CRITERIA = ("f1", "youden", "cost")


def f1_score(y_true, y_pred, average: str = "binary", pos_label=1) -> float:
    """F1 of label vectors; ``average`` in ``("binary", "micro", "macro", "weighted")``."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {list(AVERAGES)}, got {average!r}")
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.ndim != 1 or yt.shape != yp.shape:
        raise ValueError(f"y_true and y_pred must be 1-D of equal length, got {yt.shape} and {yp.shape}")
    if len(yt) == 0:
        raise ValueError("y_true is empty; F1 needs at least one example")
    for name, arr in (("y_true", yt), ("y_pred", yp)):
        if arr.dtype.kind == "f" and np.any(np.isnan(arr)):
            raise ValueError(f"{name} contains NaN; labels must be defined for every example")

    def f1_of(c):
        tp = np.sum((yt == c) & (yp == c))
        denom = 2 * tp + np.sum((yt != c) & (yp == c)) + np.sum((yt == c) & (yp != c))
        return 2 * tp / denom if denom > 0 else 0.0

    if average == "binary":
        labels = np.unique(np.r_[yt, yp])
        if len(labels) > 2:
            raise ValueError(f"average='binary' needs at most 2 labels, got {len(labels)}; use 'macro' or 'micro'")
        if len(labels) == 2 and pos_label not in labels.tolist():
            raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels.tolist()}; "
                             "pass the positive class as pos_label")
        return float(f1_of(pos_label))
    classes = np.unique(np.r_[yt, yp])
    if average == "micro":
        tp = sum(np.sum((yt == c) & (yp == c)) for c in classes)
        return float(2 * tp / (2 * len(yt))) if len(yt) else 0.0  # FP total = FN total = n - TP
    f1s = np.array([f1_of(c) for c in classes])
    if average == "macro":
        return float(f1s.mean())
    support = np.array([np.sum(yt == c) for c in classes], dtype=float)
    return float(np.sum(f1s * support) / support.sum())


def threshold_curve(y_true, y_score) -> dict[str, np.ndarray]:
    """Confusion counts at each distinct threshold (decreasing): keys ``thresholds, tp, fp, fn, tn``."""
    y = binary_labels(y_true)
    tps, fps, thr = binary_counts(y, scores(y_score, len(y)))
    P, N = float(y.sum()), float(len(y) - y.sum())
    return {"thresholds": thr, "tp": tps, "fp": fps, "fn": P - tps, "tn": N - fps}


def best_threshold(y_true, y_score, criterion: str = "f1", cost_fp: float = 1.0,
                   cost_fn: float = 1.0) -> tuple[float, float]:
    """``(threshold, value)`` maximizing F1 or Youden's J, or minimizing expected cost (value = the cost)."""
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {list(CRITERIA)}, got {criterion!r}")
    if criterion == "cost" and not (cost_fp >= 0 and cost_fn >= 0 and cost_fp + cost_fn > 0):
        raise ValueError(f"cost_fp and cost_fn must be >= 0 and not both 0, got {cost_fp} and {cost_fn}")
    y = binary_labels(y_true)
    if criterion in ("f1", "youden"):
        both_classes(y, f"the {criterion} threshold")
    c = threshold_curve(y, y_score)
    if criterion == "f1":
        values = 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"])
        k = int(np.argmax(values))
    elif criterion == "youden":
        values = c["tp"] / (c["tp"] + c["fn"]) - c["fp"] / (c["fp"] + c["tn"])
        k = int(np.argmax(values))
    else:
        values = cost_fp * c["fp"] + cost_fn * c["fn"]
        k = int(np.argmin(values))
        if cost_fn * y.sum() <= values[k]:  # predicting nothing positive is cheaper still
            return float("inf"), float(cost_fn * y.sum())
    return float(c["thresholds"][k]), float(values[k])


def demo(imbalance: float = 0.2, cost_fn: float = 5.0) -> DemoResult:
    """F1-, Youden- and cost-optimal thresholds on validation scores; oracle: sklearn.metrics.f1_score per threshold."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score as sk_f1
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=1500, n_features=8, n_informative=3, weights=[1 - imbalance],
                               flip_y=0.05, random_state=0)
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    s = LogisticRegression().fit(Xtr, ytr).predict_proba(Xva)[:, 1]
    t_f1, f1 = best_threshold(yva, s, "f1")
    t_j, _ = best_threshold(yva, s, "youden")
    t_c, _ = best_threshold(yva, s, "cost", 1.0, cost_fn)
    grid = np.unique(s)
    pred = s[None, :] >= grid[:, None]  # (n_thresholds, n): brute force, one confusion matrix per threshold
    tp = np.sum(pred & (yva == 1), axis=1)
    brute = 2 * tp / (tp + pred.sum(axis=1) + yva.sum())  # 2TP / (2TP + FP + FN)
    fig, ax = new_figure()
    ax.plot(grid, brute, label="F1 at every threshold (brute force)")
    ax.axvline(t_f1, color="r", label=f"F1-optimal {t_f1:.2f}")
    ax.axvline(t_j, color="g", ls="--", label=f"Youden {t_j:.2f}")
    ax.axvline(t_c, color="m", ls=":", label=f"cost-optimal (FN costs {cost_fn:g}) {t_c:.2f}")
    ax.axvline(0.5, color="k", lw=0.5, label="default 0.5")
    ax.set_xlabel("threshold")
    ax.set_ylabel("F1")
    ax.legend(fontsize=8)
    return DemoResult(
        metrics={"best_f1": f1, "best_f1_threshold": t_f1, "f1_at_0.5": f1_score(yva, (s >= 0.5).astype(int))},
        reference={"best_f1": float(sk_f1(yva, (s >= t_f1).astype(int))), "best_f1_threshold": float(grid[len(grid) - 1 - np.argmax(brute[::-1])]),
                   "f1_at_0.5": float(sk_f1(yva, (s >= 0.5).astype(int)))},
        figure=fig, reference_name="brute-force F1 at every distinct threshold; sklearn.metrics.f1_score at the chosen one",
        extra={"youden_threshold": t_j, "cost_threshold": t_c},
    )
