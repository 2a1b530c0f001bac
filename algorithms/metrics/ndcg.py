r"""Normalized discounted cumulative gain at rank $k$ (NDCG@k).

For one query, rank items by decreasing predicted score and sum their graded relevance $r_i$, discounted by
position:

$$ \mathrm{DCG@}k = \sum_{i=1}^{k} \frac{g(r_{(i)})}{\log_2(i + 1)}, \qquad
   \mathrm{NDCG@}k = \frac{\mathrm{DCG@}k}{\mathrm{IDCG@}k}, $$

where IDCG is the DCG of the ideal order (by true relevance) and the gain is $g(r) = r$ (``"linear"``, as in
scikit-learn) or $2^r - 1$ (``"exponential"``, which rewards highly relevant items more). **Ties** in the predicted
score have no defined order; like scikit-learn we average over all orders of a tie, which amounts to giving
every tied item the tie's mean gain at each of the tie's positions. A query with no relevant item has
IDCG = 0; its NDCG is defined as 0 (scikit-learn's choice). NDCG is averaged over queries.
Cost: $O(m \log m)$ per query of $m$ items.

References: [@jarvelin2002cumulated], [@burges2005learning], [@manning2008introduction].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult

GAINS = ("linear", "exponential")


def _check(y_true, y_score, k):
    try:
        yt, ys = np.asarray(y_true, dtype=float), np.asarray(y_score, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("y_true and y_score must be numeric arrays") from None
    if yt.ndim == 1:
        yt, ys = yt[None, :], ys.reshape(1, -1) if ys.ndim == 1 else ys
    if yt.ndim != 2 or yt.shape != ys.shape:
        raise ValueError(f"y_true and y_score must both be (n_queries, n_items), got {yt.shape} and {ys.shape}")
    if yt.shape[0] == 0 or yt.shape[1] < 1:
        raise ValueError(f"need at least one query with at least one item, got shape {yt.shape}")
    if not (np.all(np.isfinite(yt)) and np.all(np.isfinite(ys))):
        raise ValueError("y_true and y_score must not contain NaN or infinity")
    if np.any(yt < 0):
        raise ValueError("relevance y_true must be non-negative")
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise ValueError(f"k must be None or an integer >= 1, got {k!r}")
    return yt, ys, (yt.shape[1] if k is None else int(k))


def dcg(y_true, y_score, k: int | None = None, gain: str = "linear") -> np.ndarray:
    """Tie-averaged DCG@k of each query (rows)."""
    if gain not in GAINS:
        raise ValueError(f"gain must be one of {list(GAINS)}, got {gain!r}")
    yt, ys, k = _check(y_true, y_score, k)
    g = yt if gain == "linear" else 2.0**yt - 1
    n_q, m = yt.shape
    kk = min(k, m)
    discount = np.zeros(m)
    discount[:kk] = 1 / np.log2(np.arange(2, kk + 2))
    order = np.argsort(-ys, axis=1, kind="stable")  # (n_q, m): each query's items by decreasing score
    s_sorted = np.take_along_axis(ys, order, axis=1)
    g_sorted = np.take_along_axis(g, order, axis=1)
    # a tie group starts at position 0 of each query and wherever the sorted score changes
    starts = np.ones((n_q, m), dtype=bool)
    starts[:, 1:] = s_sorted[:, 1:] != s_sorted[:, :-1]
    gid = np.cumsum(starts.ravel()) - 1  # global id of the tie group of each (query, position)
    n_groups = gid[-1] + 1
    size = np.bincount(gid, minlength=n_groups)
    mean_gain = np.bincount(gid, weights=g_sorted.ravel(), minlength=n_groups) / size
    disc = np.bincount(gid, weights=np.tile(discount, n_q), minlength=n_groups)  # discount of the group's slots
    query_of_group = np.repeat(np.arange(n_q), starts.sum(axis=1))
    return np.bincount(query_of_group, weights=mean_gain * disc, minlength=n_q)


def ndcg(y_true, y_score, k: int | None = None, gain: str = "linear", per_query: bool = False):
    """Mean NDCG@k over queries (or one value per query); queries without relevant items score 0."""
    yt, ys, kk = _check(y_true, y_score, k)
    actual = dcg(yt, ys, kk, gain)
    ideal = dcg(yt, yt, kk, gain)  # sorting by the truth itself; ties there share equal gains, so no effect
    out = np.zeros(len(yt))
    np.divide(actual, ideal, out=out, where=ideal > 0)
    return out if per_query else float(out.mean())


def demo(n_queries: int = 50, n_items: int = 20, k: int = 5, noise: float = 1.0) -> DemoResult:
    """Noisy scores for graded relevance (0-3) with ties: NDCG@k against sklearn.metrics.ndcg_score."""
    from sklearn.metrics import ndcg_score

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    rel = rng.integers(0, 4, (n_queries, n_items)).astype(float)
    score = np.round(rel + noise * rng.normal(0, 1, rel.shape), 1)  # rounding creates ties
    ks = np.unique(np.linspace(1, n_items, min(n_items, 20)).astype(int))  # at most 20 cut-offs to plot
    ours = [ndcg(rel, score, int(kk)) for kk in ks]
    fig, ax = new_figure()
    ax.plot(ks, ours, "o-", label="ours (linear gain)")
    ax.plot(ks, [ndcg(rel, score, int(kk), "exponential") for kk in ks], "s-", label="ours (exponential gain)")
    ax.plot(ks, [ndcg_score(rel, score, k=int(kk)) for kk in ks], "k:", label="sklearn ndcg_score")
    ax.axvline(k, color="r", lw=0.6, label=f"k = {k}")
    ax.set_xlabel("k")
    ax.set_ylabel("mean NDCG@k")
    ax.legend()
    k = min(k, n_items)
    return DemoResult(
        metrics={"ndcg_at_k": ndcg(rel, score, k), "ndcg_full": ndcg(rel, score)},
        reference={"ndcg_at_k": float(ndcg_score(rel, score, k=k)), "ndcg_full": float(ndcg_score(rel, score))},
        figure=fig, reference_name="sklearn.metrics.ndcg_score",
    )
