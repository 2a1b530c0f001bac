r"""Precision-recall curve and average precision (AP).

At each distinct score threshold $\tau$ (predict positive when $s \ge \tau$), precision $= TP/(TP + FP)$ and recall
$= TP/P$. Following scikit-learn's convention, the curve is returned in order of increasing threshold and closed
with the point (precision 1, recall 0). Average precision is the step-wise (not trapezoidal) area

$$ \mathrm{AP} = \sum_n (R_n - R_{n-1})\,P_n , $$

the precision at each threshold weighted by the recall gained there; it avoids the optimistic linear
interpolation between PR points, which is not achievable by any classifier. The baseline of a random scorer is
the positive rate $P/(P+N)$, not 0.5, so PR curves are the better lens under heavy imbalance. With no positive
example, recall is undefined and we raise a ``ValueError``. Cost: $O(n \log n)$.

References: [@davis2006relationship], [@saito2015precision], [@manning2008introduction].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.metrics._common import binary_counts, binary_labels
from mlnotes.algorithms.registry import DemoResult


def precision_recall_curve(y_true, y_score) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, thresholds)``, thresholds increasing; the last point is (1, 0) with no threshold."""
    y = binary_labels(y_true)
    if y.sum() == 0:
        raise ValueError("y_true has no positive example, so recall is undefined; the PR curve needs positives")
    tps, fps, thr = binary_counts(y, y_score)
    precision = tps / (tps + fps)  # tps + fps >= 1 at every threshold
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thr[::-1]


def average_precision(y_true, y_score) -> float:
    """$\\sum_n (R_n - R_{n-1}) P_n$ over the thresholds."""
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def demo(imbalance: float = 0.1, n_samples: int = 2000) -> DemoResult:
    """Imbalanced synthetic data: PR curve and AP against sklearn.metrics."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    from sklearn.metrics import precision_recall_curve as sk_pr
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=n_samples, n_features=10, n_informative=3, weights=[1 - imbalance],
                               flip_y=0.02, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    s = LogisticRegression().fit(Xtr, ytr).predict_proba(Xte)[:, 1]
    p, r, _ = precision_recall_curve(yte, s)
    rp, rr, _ = sk_pr(yte, s)
    fig, ax = new_figure()
    ax.step(r, p, where="post", label=f"ours, AP = {average_precision(yte, s):.4f}")
    ax.plot(rr, rp, ":", label="sklearn precision_recall_curve")
    ax.axhline(yte.mean(), color="k", ls="--", lw=0.8, label=f"random scorer ({yte.mean():.2f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend()
    return DemoResult(
        metrics={"average_precision": average_precision(yte, s), "n_points": float(len(p))},
        reference={"average_precision": float(average_precision_score(yte, s)), "n_points": float(len(rp))},
        figure=fig, reference_name="sklearn.metrics.precision_recall_curve / average_precision_score",
    )
