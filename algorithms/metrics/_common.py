"""Input checks shared by the evaluation metrics (binary labels, scores), with actionable errors."""

from __future__ import annotations

import numpy as np


def binary_labels(y_true, name: str = "y_true") -> np.ndarray:
    """``y_true`` as a 1-D int array of 0/1 (bool accepted); anything else raises a ``ValueError``."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty; the metric needs at least one example")
    if y.dtype == bool:
        return y.astype(np.int64)
    try:
        yf = y.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold 0/1 labels; map your classes to 0 (negative) and 1 (positive)") from None
    if not np.all(np.isin(yf, (0.0, 1.0))):
        raise ValueError(f"{name} must hold only 0 and 1 (NaN is not a label); got values {np.unique(y)[:5]}")
    return yf.astype(np.int64)


def scores(y_score, n: int, name: str = "y_score") -> np.ndarray:
    """``y_score`` as a 1-D finite float array of length ``n``."""
    try:
        s = np.asarray(y_score, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers") from None
    if s.ndim != 1 or len(s) != n:
        raise ValueError(f"{name} must be 1-D with one score per label ({n}), got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinity; every example needs a finite score")
    return s


def both_classes(y: np.ndarray, metric: str) -> None:
    if y.min() == y.max():
        raise ValueError(f"{metric} is undefined when y_true holds a single class (all {int(y[0])}); "
                         "evaluate on data with both positives and negatives")


def binary_counts(y_true, y_score):
    """Cumulative true and false positives at each distinct threshold, thresholds in decreasing order.

    Returns ``(tps, fps, thresholds)``: predicting positive for ``score >= thresholds[i]`` gives ``tps[i]``
    true positives and ``fps[i]`` false positives. Tied scores form one threshold, so the curve is the same
    for every order of tied examples.
    """
    y = binary_labels(y_true)
    s = scores(y_score, len(y))
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # last index of each run of equal scores
    tps = np.cumsum(y)[last]
    fps = (last + 1) - tps
    return tps.astype(float), fps.astype(float), s[last]
