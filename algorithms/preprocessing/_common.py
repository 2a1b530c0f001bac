"""Checks shared by the categorical encoders: a 2-D array of categories with no missing entries."""

from __future__ import annotations

import numpy as np


def categorical_2d(X, name: str = "X") -> np.ndarray:
    """``X`` as a 2-D array (numeric or object) with at least one row and no missing values."""
    arr = np.asarray(X)
    if arr.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got a 1-D array of shape {arr.shape}; "
                         "reshape it with X.reshape(-1, 1) for a single feature")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples; at least 1 required")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity; encode missing values as an explicit category "
                             "(e.g. the string 'missing') first")
    elif arr.dtype.kind == "O":
        for v in arr.ravel():
            if v is None or (isinstance(v, float) and not np.isfinite(v)):
                raise ValueError(f"{name} contains None or NaN; encode missing values as an explicit category "
                                 "(e.g. the string 'missing') first")
    elif arr.dtype.kind not in "iubU":
        raise ValueError(f"{name} must hold numbers or strings, got dtype {arr.dtype}")
    return arr


def column_categories(col: np.ndarray, j: int) -> np.ndarray:
    """Sorted unique values of one column; mixed types (e.g. 1 and 'a') raise a ``ValueError``."""
    try:
        return np.unique(col)
    except TypeError:
        raise ValueError(f"column {j} mixes types that cannot be sorted (e.g. numbers and strings); "
                         "convert it to strings first") from None


def codes(col: np.ndarray, cats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value in the sorted ``cats`` and a mask of the values found there."""
    try:
        idx = np.searchsorted(cats, col)
    except TypeError:
        raise ValueError("values to encode are of a different type than the fitted categories") from None
    idx = np.clip(idx, 0, len(cats) - 1)
    known = cats[idx] == col
    return idx, np.asarray(known, dtype=bool)
