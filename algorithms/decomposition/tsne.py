r"""t-distributed stochastic neighbour embedding (exact, $O(n^2)$ per iteration).

**Input affinities.** For each point $i$, a Gaussian over its neighbours,
$p_{j\mid i} = \exp(-\beta_i\lVert x_i-x_j\rVert^2)/\sum_{k\ne i}\exp(-\beta_i\lVert x_i-x_k\rVert^2)$, with the precision
$\beta_i$ found by bisection so that the perplexity $2^{H(P_i)}$ — here $e^{H(P_i)}$ with $H$ in nats — equals the
user's ``perplexity`` (an effective number of neighbours). Symmetrise: $p_{ij} = (p_{j\mid i} + p_{i\mid j})/(2n)$.

**Output affinities.** A Student-t with one degree of freedom in the embedding:
$q_{ij} = (1+\lVert y_i-y_j\rVert^2)^{-1}/\sum_{k\ne l}(1+\lVert y_k-y_l\rVert^2)^{-1}$. Its heavy tail lets moderately
distant points sit far apart, curing the crowding problem of SNE.

**Objective and gradient.** $C = \mathrm{KL}(P\Vert Q) = \sum_{i\ne j}p_{ij}\log(p_{ij}/q_{ij})$ and

$$ \frac{\partial C}{\partial y_i} = 4\sum_j (p_{ij}-q_{ij})\,(y_i-y_j)\,(1+\lVert y_i-y_j\rVert^2)^{-1} . $$

**Optimisation** (as in the paper and scikit-learn): gradient descent with momentum (0.5 for the first 250
iterations, then 0.8), per-coordinate adaptive gains (+0.2 when the gradient opposes the previous step, ×0.8 otherwise; momentum and
gains restart when the exaggeration ends),
"early exaggeration" ($P$ multiplied by 12 for the first 250 iterations, which forms tight, well-separated
clusters early), learning rate $\max(n/12/4, 50)$, and a PCA initialisation scaled to a standard deviation of
$10^{-4}$ (when the data have fewer directions of variance than ``n_components`` — one feature, or constant
input — the missing coordinates are drawn at random with the same scale from ``random_state``). It stops early when
the gradient norm falls below $10^{-7}$, as scikit-learn does. Distances between clusters in the result are not meaningful; local neighbourhoods are.

References: [@van2008visualizing], [@hinton2002stochastic].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_params, check_random_state
from mlnotes.algorithms.registry import DemoResult


def squared_distances(X: np.ndarray) -> np.ndarray:
    sq = np.sum(X**2, 1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)


def joint_probabilities(D2: np.ndarray, perplexity: float, tol: float = 1e-5, max_steps: int = 100) -> np.ndarray:
    """Symmetric input affinities P (n, n) from squared distances, by bisection on each row's precision."""
    n = D2.shape[0]
    target = np.log(perplexity)  # desired entropy in nats
    P = np.zeros((n, n))
    for i in range(n):
        d = np.delete(D2[i], i)
        lo, hi, beta = -np.inf, np.inf, 1.0
        for _ in range(max_steps):
            w = np.exp(-d * beta)
            s = max(w.sum(), 1e-8)
            p = w / s
            H = np.log(s) + beta * np.sum(d * p)  # entropy of p_{.|i}
            if abs(H - target) <= tol:
                break
            if H > target:  # too flat: increase the precision
                lo = beta
                beta = beta * 2 if hi == np.inf else (beta + hi) / 2
            else:
                hi = beta
                beta = beta / 2 if lo == -np.inf else (beta + lo) / 2
        P[i, np.arange(n) != i] = p
    P = (P + P.T) / (2 * n)
    return np.maximum(P, np.finfo(float).eps)


def kl_divergence_and_grad(Y: np.ndarray, P: np.ndarray, compute_kl: bool = True) -> tuple[float, np.ndarray]:
    """$\\mathrm{KL}(P\\Vert Q)$ (``nan`` unless ``compute_kl``) and its gradient with respect to Y (n, k)."""
    num = 1.0 / (1.0 + squared_distances(Y))  # (n, n) Student-t kernel
    np.fill_diagonal(num, 0.0)
    Q = np.maximum(num / num.sum(), np.finfo(float).eps)
    kl = float("nan")
    if compute_kl:
        mask = ~np.eye(len(Y), dtype=bool)
        kl = float(np.sum(P[mask] * np.log(P[mask] / Q[mask])))
    W = (P - Q) * num  # (n, n)
    np.fill_diagonal(W, 0.0)
    grad = 4.0 * (W.sum(1)[:, None] * Y - W @ Y)
    return kl, grad


class TSNE(BaseEstimator):
    """Exact t-SNE.

    Parameters
    ----------
    n_components : int
    perplexity : float
    early_exaggeration : float
    max_iter : int
    random_state : int or None
        Seeds the random part of the initialisation (only used when PCA has too few directions of variance).

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kl_divergence_ : float
    kl_curve_ : list of float
        KL divergence (against the un-exaggerated P) every 50 iterations.
    n_iter_ : int
        Iterations run.
    converged_ : bool
        Whether the gradient norm fell below $10^{-7}$ before ``max_iter`` (like scikit-learn, t-SNE usually runs
        to its iteration budget, so no warning is issued when it does not).
    """

    def __init__(self, *, n_components=2, perplexity=30.0, early_exaggeration=12.0, max_iter=1000, random_state=0):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = check_array(X, min_samples=3)
        n = X.shape[0]
        check_params(self, n_components=dict(kind=int, low=1), early_exaggeration=dict(low=1),
                     max_iter=dict(kind=int, low=1))
        if not 1 <= self.perplexity < n:
            raise ValueError(f"parameter 'perplexity' must be in [1, n_samples={n}), got {self.perplexity}")
        self.n_features_in_ = X.shape[1]
        P = joint_probabilities(squared_distances(X), self.perplexity)
        Xc = X - X.mean(0)
        _, sv, Vt = np.linalg.svd(Xc, full_matrices=False)
        # directions that actually vary: relative to the data's magnitude, so rounding noise of a constant
        # column (X - mean is ~1e-17, not 0) does not count
        k = int(np.sum(sv > 1e-10 * max(sv.max(initial=0.0), np.abs(X).max() * np.sqrt(n), 1e-300)))
        k = min(k, self.n_components)
        Y = check_random_state(self.random_state).normal(0.0, 1e-4, (n, self.n_components))
        if k > 0:  # PCA initialisation, tiny scale; the columns PCA cannot fill stay random
            Y[:, :k] = Xc @ Vt[:k].T / np.std(Xc @ Vt[0]) * 1e-4
        lr = max(n / self.early_exaggeration / 4, 50.0)
        update, gains = np.zeros_like(Y), np.ones_like(Y)
        self.kl_curve_ = []
        explore = 250
        converged, it = False, -1
        for it in range(self.max_iter):  # noqa: B007 (the last value is the iteration count)
            exaggerate = it < explore
            momentum = 0.5 if exaggerate else 0.8
            if it == explore:  # the second phase starts afresh, as in the reference implementation
                update, gains = np.zeros_like(Y), np.ones_like(Y)
            _, grad = kl_divergence_and_grad(Y, P * self.early_exaggeration if exaggerate else P, compute_kl=False)
            if not exaggerate and np.linalg.norm(grad) < 1e-7:
                converged = True
                break
            flipped = update * grad < 0.0  # the gradient turned against the last step: grow the gain
            gains = np.where(flipped, gains + 0.2, gains * 0.8)
            np.clip(gains, 0.01, None, out=gains)
            update = momentum * update - lr * gains * grad
            Y = Y + update
            if it % 50 == 49:
                self.kl_curve_.append(kl_divergence_and_grad(Y, P)[0])
        self.n_iter_, self.converged_ = it + 1, converged
        self.embedding_ = Y
        self.kl_divergence_ = kl_divergence_and_grad(Y, P)[0]
        return self

    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``."""
        return self.fit(X).embedding_


ESTIMATOR = TSNE
EXAMPLE_DATA = "transform"
EXAMPLE_PARAMS = {"perplexity": 5.0, "max_iter": 50}


def demo(perplexity: float = 30.0, n_samples: int = 200, max_iter: int = 500) -> DemoResult:
    """Digits: the embedding, KL divergence and trustworthiness, against scikit-learn's exact t-SNE."""
    import matplotlib
    from sklearn.datasets import load_digits
    from sklearn.manifold import TSNE as SkTSNE
    from sklearn.manifold import trustworthiness

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_digits(return_X_y=True)
    X, y = X[:n_samples], y[:n_samples]
    perplexity = min(perplexity, (n_samples - 1) / 3)
    ours = TSNE(perplexity=perplexity, max_iter=max_iter).fit(X)
    ref = SkTSNE(perplexity=perplexity, method="exact", max_iter=max_iter, random_state=0, init="pca").fit(X)
    fig, ax = new_figure(width=6)
    colors = matplotlib.colormaps["tab10"]
    for digit in np.unique(y):
        ax.scatter(*ours.embedding_[y == digit].T, color=colors(int(digit)), s=8, label=str(digit))
    ax.legend(title="digit", fontsize=7, title_fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5),
              markerscale=1.5)
    ax.set_title(f"t-SNE of {n_samples} digits, perplexity {perplexity:g}")
    return DemoResult(
        metrics={"kl_divergence": ours.kl_divergence_,
                 "trustworthiness": float(trustworthiness(X, ours.embedding_, n_neighbors=10))},
        reference={"kl_divergence": float(ref.kl_divergence_),
                   "trustworthiness": float(trustworthiness(X, ref.embedding_, n_neighbors=10))},
        figure=fig,
        reference_name="sklearn.manifold.TSNE(method='exact')",
    )
