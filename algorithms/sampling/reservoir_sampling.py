"""Reservoir sampling: a uniform sample of k items from a stream of unknown length, in one pass.

Algorithm R [@vitter1985random]: keep the first ``k`` items; for item ``t > k`` (1-based) draw ``j`` uniformly in
``1..t`` and, if ``j <= k``, replace slot ``j`` with it. By induction every item seen so far is in the reservoir
with probability ``k / t``: item ``t`` enters with ``k/t``; an earlier item survives step ``t`` with
``1 - (k/t)(1/k) = (t-1)/t``, and ``(k/(t-1)) (t-1)/t = k/t``. Memory ``O(k)``, time ``O(1)`` per item.

Weighted variant (Efraimidis-Spirakis A-Res) [@efraimidis2006weighted]: give item ``i`` the key ``u_i^(1/w_i)``
with ``u_i ~ U(0, 1)`` and keep the ``k`` largest keys; for ``k = 1`` item ``i`` is chosen with probability
``w_i / sum_j w_j``.
"""

from __future__ import annotations

import heapq

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def reservoir_sample(stream, k, rng):
    res = []
    for t, item in enumerate(stream, start=1):
        if t <= k:
            res.append(item)
        else:
            j = int(rng.integers(1, t + 1))
            if j <= k:
                res[j - 1] = item
    return res


def weighted_reservoir(stream_with_weights, k, rng):
    heap = []  # min-heap of (key, item)
    for item, w in stream_with_weights:
        key = rng.random() ** (1.0 / w)
        if len(heap) < k:
            heapq.heappush(heap, (key, item))
        elif key > heap[0][0]:
            heapq.heapreplace(heap, (key, item))
    return [item for _, item in heap]


def demo(stream_len: int = 100, k: int = 10, trials: int = 2000, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from scipy import stats

    k = min(k, stream_len)
    rng = np.random.default_rng(seed)
    counts = np.zeros(stream_len)
    for _ in range(trials):
        for item in reservoir_sample(range(stream_len), k, rng):
            counts[item] += 1
    chi = stats.chisquare(counts) if k < stream_len else None
    w = np.arange(1, 6, dtype=float)
    wc = np.zeros(5)
    for _ in range(trials):
        wc[weighted_reservoir(zip(range(5), w), 1, rng)[0]] += 1
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.bar(range(stream_len), counts / trials, width=1.0)
    ax1.axhline(k / stream_len, color="k", ls="--", label="k / n")
    ax1.set(xlabel="stream position", ylabel="inclusion frequency", title="Algorithm R")
    ax1.legend()
    ax2.bar(range(5), wc / trials, label="A-Res, k = 1")
    ax2.plot(range(5), w / w.sum(), "ko", label="w / sum w")
    ax2.legend()
    return DemoResult(
        metrics={"mean_inclusion": float(counts.mean() / trials), "max_abs_dev": float(np.abs(counts / trials - k / stream_len).max()),
                 "chi2_pvalue": float(chi.pvalue) if chi is not None else 1.0,
                 "weighted_first_item_freq": float(wc[0] / trials)},
        reference={"mean_inclusion": k / stream_len, "max_abs_dev": 0.0, "weighted_first_item_freq": float(w[0] / w.sum())},
        figure=fig, reference_name="exact inclusion probability k/n; w_i / sum w for weighted k = 1")
