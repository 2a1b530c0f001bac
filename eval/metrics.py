"""Ranking metrics over section keys, with bootstrap confidence intervals.

A ranking is the list of distinct sections (``doc_id#section_id``) in the order their first chunk was
retrieved; a section counts as relevant when it is in the question's gold set. Gains are binary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

K_RECALL = (1, 5, 10)


def dedupe(keys: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for k in keys:
        if k not in seen:
            seen.add(k)
            out.append(k)
    return out


def recall_at(ranking: Sequence[str], relevant: Sequence[str], k: int) -> float:
    rel = set(relevant)
    return len(rel & set(ranking[:k])) / len(rel) if rel else 0.0


def mrr_at(ranking: Sequence[str], relevant: Sequence[str], k: int = 10) -> float:
    rel = set(relevant)
    for i, key in enumerate(ranking[:k], start=1):
        if key in rel:
            return 1.0 / i
    return 0.0


def ndcg_at(ranking: Sequence[str], relevant: Sequence[str], k: int = 10) -> float:
    rel = set(relevant)
    dcg = sum(1.0 / math.log2(i + 1) for i, key in enumerate(ranking[:k], start=1) if key in rel)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), k) + 1))
    return dcg / ideal if ideal else 0.0


def per_question(ranking: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    out = {f"recall@{k}": recall_at(ranking, relevant, k) for k in K_RECALL}
    out["mrr@10"] = mrr_at(ranking, relevant, 10)
    out["ndcg@10"] = ndcg_at(ranking, relevant, 10)
    return out


METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def bootstrap_ci(values: Sequence[float], n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
                 stat: Callable[[np.ndarray], float] = np.mean) -> tuple[float, float]:
    """Percentile bootstrap CI of ``stat`` over questions (resampled with replacement)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(n_boot, len(x)))
    boots = x[idx].mean(axis=1) if stat is np.mean else np.array([stat(x[i]) for i in idx])
    lo, hi = np.quantile(boots, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def summarize(rows: Sequence[dict[str, float]], n_boot: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
    """Mean and 95% bootstrap CI of every metric over per-question rows."""
    out = {}
    for m in METRICS:
        vals = [r[m] for r in rows]
        lo, hi = bootstrap_ci(vals, n_boot=n_boot, seed=seed)
        out[m] = {"mean": float(np.mean(vals)) if vals else float("nan"), "lo": lo, "hi": hi}
    out["n"] = {"mean": float(len(rows)), "lo": float(len(rows)), "hi": float(len(rows))}
    return out


def paired_bootstrap_delta(a: Sequence[float], b: Sequence[float], n_boot: int = 1000,
                           seed: int = 0) -> dict[str, float]:
    """Mean of ``a - b`` over the same questions with a paired bootstrap 95% CI."""
    d = np.asarray(a, float) - np.asarray(b, float)
    lo, hi = bootstrap_ci(d, n_boot=n_boot, seed=seed)
    return {"mean": float(d.mean()) if len(d) else float("nan"), "lo": lo, "hi": hi}
