r"""ROC curve and the area under it (AUC).

Sort examples by decreasing score $s$. Each distinct threshold $\tau$ (predict positive when $s \ge \tau$) gives a
point $(\mathrm{FPR}, \mathrm{TPR}) = (FP/N, TP/P)$; the curve starts at $(0, 0)$ (threshold $+\infty$) and ends at
$(1, 1)$. Tied scores are one threshold, so the curve moves diagonally through a tie. The AUC is the trapezoid
area under the curve, and equals the Mann-Whitney probability that a random positive outscores a random negative,
ties counting one half:

$$ \mathrm{AUC} = \frac{1}{PN}\sum_{i: y_i=1}\sum_{j: y_j=0}\Big([s_i > s_j] + \tfrac12[s_i = s_j]\Big)
   = \frac{R_+ - P(P+1)/2}{PN}, $$

with $R_+$ the sum of the positives' mid-ranks. It is threshold-free and invariant to any increasing transform
of the scores, but it ignores calibration and, under heavy class imbalance, can look good while precision is
poor (then read the PR curve). A single class makes AUC undefined and raises a ``ValueError``.
Cost: $O(n \log n)$.

References: [@fawcett2006introduction], [@hastie2009elements].
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from mlnotes.algorithms.metrics._common import binary_counts, binary_labels, both_classes, scores
from mlnotes.algorithms.registry import DemoResult


def roc_curve(y_true, y_score) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)`` with one point per distinct score, starting at threshold ``inf``."""
    y = binary_labels(y_true)
    both_classes(y, "the ROC curve")
    tps, fps, thr = binary_counts(y, y_score)
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thr]


def auc(x, y) -> float:
    """Trapezoid area under a curve given by monotone ``x``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 2:
        raise ValueError(f"x and y must be 1-D of equal length >= 2, got {x.shape} and {y.shape}")
    dx = np.diff(x)
    if np.all(dx >= 0):
        return float(np.sum(dx * (y[1:] + y[:-1]) / 2))
    if np.all(dx <= 0):
        return float(-np.sum(dx * (y[1:] + y[:-1]) / 2))
    raise ValueError("x must be monotone (increasing or decreasing) to integrate the curve")


def roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve (trapezoids through tied scores)."""
    fpr, tpr, _ = roc_curve(y_true, y_score)
    return auc(fpr, tpr)


def auc_mann_whitney(y_true, y_score) -> float:
    """AUC from the rank-sum (Mann-Whitney U) formula with mid-ranks for ties."""
    y = binary_labels(y_true)
    both_classes(y, "AUC")
    s = scores(y_score, len(y))
    P, N = int(y.sum()), int(len(y) - y.sum())
    r = rankdata(s)  # mid-ranks
    return float((r[y == 1].sum() - P * (P + 1) / 2) / (P * N))


def demo(C: float = 1.0, test_size: float = 0.3) -> DemoResult:
    """Logistic regression on the breast-cancer data: ROC curve and AUC against sklearn.metrics."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.metrics import roc_curve as sk_roc
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000)).fit(Xtr, ytr)
    s = model.decision_function(Xte)
    fpr, tpr, _ = roc_curve(yte, s)
    ref_fpr, ref_tpr, _ = sk_roc(yte, s, drop_intermediate=False)
    fig, ax = new_figure()
    ax.plot(fpr, tpr, label=f"ours, AUC = {roc_auc(yte, s):.4f}")
    ax.plot(ref_fpr, ref_tpr, ":", label="sklearn roc_curve")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend()
    return DemoResult(
        metrics={"auc": roc_auc(yte, s), "auc_mann_whitney": auc_mann_whitney(yte, s), "n_points": float(len(fpr))},
        reference={"auc": float(roc_auc_score(yte, s)), "auc_mann_whitney": float(roc_auc_score(yte, s)),
                   "n_points": float(len(ref_fpr))},
        figure=fig, reference_name="sklearn.metrics.roc_curve(drop_intermediate=False) / roc_auc_score",
    )
