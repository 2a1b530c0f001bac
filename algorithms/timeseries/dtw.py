r"""Dynamic time warping distance.

Align two sequences $a_{1..n}$ and $b_{1..m}$ by a monotone warping path of index pairs
$(1,1) = (i_1,j_1), \dots, (i_K,j_K) = (n,m)$ with steps $(1,0), (0,1)$ or $(1,1)$, minimising the summed local
cost $c(a_i, b_j) = |a_i - b_j|^q$ (here $q = 2$, and the distance is reported as the square root, so that for
equal-length sequences DTW $\le$ Euclidean distance, the diagonal path being one candidate). Dynamic programming
over the cumulative cost matrix,

$$ D_{i,j} = c(a_i, b_j) + \min\big(D_{i-1,j},\ D_{i,j-1},\ D_{i-1,j-1}\big), \qquad D_{0,0} = 0,\ D_{i,0}=D_{0,j}=\infty, $$

gives $\mathrm{DTW}(a,b) = \sqrt{D_{n,m}}$ in $O(nm)$ time. A Sakoe-Chiba band $|i - j| \le w$ forbids pathological
warps and cuts the cost to $O(n w)$. DTW is symmetric and zero for identical sequences but is not a metric
(the triangle inequality can fail). It makes 1-nearest-neighbour classification robust to phase shifts and
local speed changes.

References: [@sakoe1978dynamic], [@berndt1994using].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def dtw_distance(a, b, window: int | None = None, return_path: bool = False):
    """DTW distance between 1-D sequences (and the optimal path when ``return_path``)."""
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if len(a) == 0 or len(b) == 0:
        raise ValueError("sequences must be non-empty")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("sequences contain NaN or infinity")
    n, m = len(a), len(b)
    w = max(window, abs(n - m)) if window is not None else max(n, m)
    cost = (a[:, None] - b[None, :]) ** 2  # (n, m) local costs
    D = np.full((n + 1, m + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        lo, hi = max(1, i - w), min(m, i + w)
        for j in range(lo, hi + 1):
            D[i, j] = cost[i - 1, j - 1] + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    dist = float(np.sqrt(D[n, m]))
    if not return_path:
        return dist
    path, i, j = [(n - 1, m - 1)], n, m
    while (i, j) != (1, 1):
        steps = {(i - 1, j - 1): D[i - 1, j - 1], (i - 1, j): D[i - 1, j], (i, j - 1): D[i, j - 1]}
        i, j = min(steps, key=steps.get)
        path.append((i - 1, j - 1))
    return dist, path[::-1]


def make_shifted_patterns(n_per_class: int = 20, length: int = 40, seed: int = 0):
    """Three shapes (bump, step, two bumps) at random positions and speeds, with noise."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, length)
    X, y = [], []
    for label in range(3):
        for _ in range(n_per_class):
            c, s = rng.uniform(0.25, 0.75), rng.uniform(0.03, 0.06)
            if label == 0:
                x = np.exp(-((t - c) / s) ** 2)
            elif label == 1:
                x = 1 / (1 + np.exp(-(t - c) / (s / 4)))
            else:
                x = np.exp(-((t - c + 0.15) / s) ** 2) + np.exp(-((t - c - 0.15) / s) ** 2)
            X.append(x + rng.normal(0, 0.05, length))
            y.append(label)
    return np.array(X), np.array(y)


def demo(window: int = 8, n_per_class: int = 10) -> DemoResult:
    """1-NN classification of shifted shapes: DTW vs Euclidean (scikit-learn's KNeighborsClassifier)."""
    from sklearn.neighbors import KNeighborsClassifier

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_shifted_patterns(n_per_class, seed=0)
    Xt, yt = make_shifted_patterns(6, seed=1)
    pred = [y[np.argmin([dtw_distance(q, x, window) for x in X])] for q in Xt]
    ref = KNeighborsClassifier(n_neighbors=1).fit(X, y)
    dist, path = dtw_distance(X[0], X[1], window, return_path=True)
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.plot(X[0], label="a")
    ax0.plot(X[1] + 1.2, label="b (shifted up)")
    for i, j in path[::3]:
        ax0.plot([i, j], [X[0][i], X[1][j] + 1.2], color="0.7", lw=0.5)
    ax0.set_title(f"warping path, DTW = {dist:.2f}")
    ax0.legend(fontsize=8)
    ax1.plot(*zip(*path))
    ax1.set_xlabel("index in a")
    ax1.set_ylabel("index in b")
    ax1.set_title(f"alignment (band w={window})")
    return DemoResult(
        metrics={"test_accuracy_1nn": float(np.mean(np.array(pred) == yt))},
        reference={"test_accuracy_1nn": float(ref.score(Xt, yt))},
        figure=fig,
        reference_name="Euclidean 1-NN (sklearn.neighbors.KNeighborsClassifier): the baseline DTW improves on",
    )
