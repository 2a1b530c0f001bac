"""Input checks shared by the statistical tests (1-D samples, alternatives, levels), with actionable errors."""

from __future__ import annotations

import numpy as np

ALTERNATIVES = ("two-sided", "less", "greater")


def sample(x, name: str, min_size: int = 1) -> np.ndarray:
    """``x`` as a 1-D float array of finite values with at least ``min_size`` entries."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} values, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; drop or impute those values first")
    return arr


def alternative(value: str) -> str:
    if value not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {list(ALTERNATIVES)}, got {value!r}")
    return value


def level(value: float, name: str) -> float:
    """A probability strictly between 0 and 1 (a significance level, a power, a confidence)."""
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    return v


def p_from_stat(stat: float, dist, alt: str) -> float:
    """p-value of ``stat`` under a symmetric null distribution ``dist`` (a frozen scipy distribution)."""
    if alt == "two-sided":
        return float(min(1.0, 2.0 * dist.sf(abs(stat))))
    if alt == "greater":
        return float(dist.sf(stat))
    return float(dist.cdf(stat))
