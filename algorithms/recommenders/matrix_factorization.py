r"""Matrix factorisation for explicit ratings, trained by SGD (Funk) or alternating least squares.

Predict user $u$'s rating of item $i$ as $\hat r_{ui} = \mu + b_u + b_i + p_u^\top q_i$ with global mean $\mu$,
biases $b_u, b_i$ and $k$-dimensional factors $p_u, q_i$, fitted on the observed ratings $\mathcal K$ only:

$$ \min\ \sum_{(u,i)\in\mathcal K}(r_{ui} - \hat r_{ui})^2 + \lambda\Big(\sum_u \lVert p_u\rVert^2 + b_u^2 + \sum_i\lVert q_i\rVert^2 + b_i^2\Big). $$

* **SGD**: for each observed rating in random order, with error $e = r_{ui} - \hat r_{ui}$:
  $b_u \mathrel{+}= \eta(e - \lambda b_u)$, $b_i \mathrel{+}= \eta(e - \lambda b_i)$,
  $p_u \mathrel{+}= \eta(e\,q_i - \lambda p_u)$, $q_i \mathrel{+}= \eta(e\,p_u - \lambda q_i)$ (using the old $p_u$).
  Because the shrinkage is applied once per observed rating, SGD effectively penalises each user's and item's
  parameters in proportion to their number of ratings, so good values of $\lambda$ are much smaller than for
  ALS (about 0.02-0.1 versus 1-10 here).
* **ALS**: with the items fixed, each user's $(p_u, b_u)$ is a ridge regression of $r_{ui} - \mu - b_i$ on
  $(q_i, 1)$ over the items the user rated, solved exactly: $(A^\top A + \lambda I)^{-1}A^\top t$; then the same for
  items with users fixed. Each half-step minimises the objective exactly in its block, so the objective never
  increases; each sweep costs $O(|\mathcal K|k^2 + (n_u + n_i)k^3)$ and parallelises over users/items.

The rank $k$ and $\lambda$ trade fit against overfitting; held-out RMSE picks them.

References: [@koren2009matrix], [@funk2006netflix], [@zhou2008large].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_random_state, check_X_y
from mlnotes.algorithms.registry import DemoResult


def _ids(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_ratings, 2) holding (user id, item id), got {X.shape}")
    ids = X.astype(int)
    if np.any(ids != X) or np.any(ids < 0):
        raise ValueError("user and item ids must be non-negative integers")
    return ids[:, 0], ids[:, 1]


class MatrixFactorization(BaseEstimator):
    """Biased matrix factorisation for rating prediction.

    Parameters
    ----------
    n_factors : int
    reg : float
        $\\lambda$.
    solver : {"als", "sgd"}
    n_epochs : int
        ALS sweeps or SGD passes.
    learning_rate : float
        SGD step $\\eta$.
    random_state : int or None

    Attributes
    ----------
    global_mean_ : float
    user_factors_, item_factors_ : ndarray of shape (n_users, k), (n_items, k)
    user_bias_, item_bias_ : ndarray
    loss_curve_ : list of float
        Regularised objective after each epoch.
    """

    def __init__(self, *, n_factors=10, reg=0.1, solver="als", n_epochs=20, learning_rate=0.01, random_state=0):
        self.n_factors = n_factors
        self.reg = reg
        self.solver = solver
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.random_state = random_state

    def _objective(self, u, i, r):
        e = r - self._predict_ids(u, i)
        lam = self.reg
        return float(e @ e + lam * (np.sum(self.user_factors_**2) + np.sum(self.item_factors_**2)
                                    + np.sum(self.user_bias_**2) + np.sum(self.item_bias_**2)))

    def _predict_ids(self, u, i):
        return (self.global_mean_ + self.user_bias_[u] + self.item_bias_[i]
                + np.sum(self.user_factors_[u] * self.item_factors_[i], axis=1))

    def _als_half_step(self, rows, cols, target, fixed_f, fixed_b, own_f, own_b):
        """Exact ridge solve of (own factors, own bias) for every row entity given the other side."""
        k = own_f.shape[1]
        order = np.argsort(rows, kind="stable")
        rows, cols, target = rows[order], cols[order], target[order]
        starts = np.searchsorted(rows, np.arange(own_f.shape[0] + 1))
        for e in range(own_f.shape[0]):
            sl = slice(starts[e], starts[e + 1])
            if sl.start == sl.stop:
                continue
            A = np.c_[fixed_f[cols[sl]], np.ones(sl.stop - sl.start)]  # (n_e, k+1)
            t = target[sl] - fixed_b[cols[sl]]
            sol = np.linalg.solve(A.T @ A + self.reg * np.eye(k + 1), A.T @ t)
            own_f[e], own_b[e] = sol[:k], sol[k]

    def fit(self, X, y):
        X, r = check_X_y(X, y)
        u, i = _ids(X)
        if self.solver not in ("als", "sgd"):
            raise ValueError(f"solver must be 'als' or 'sgd', got {self.solver!r}")
        n_users, n_items, k = u.max() + 1, i.max() + 1, int(self.n_factors)
        rng = check_random_state(self.random_state)
        self.global_mean_ = float(r.mean())
        self.user_factors_ = rng.normal(0, 0.1, (n_users, k))
        self.item_factors_ = rng.normal(0, 0.1, (n_items, k))
        self.user_bias_, self.item_bias_ = np.zeros(n_users), np.zeros(n_items)
        self.loss_curve_ = []
        centred = r - self.global_mean_
        for _ in range(self.n_epochs):
            if self.solver == "als":
                self._als_half_step(u, i, centred, self.item_factors_, self.item_bias_, self.user_factors_,
                                    self.user_bias_)
                self._als_half_step(i, u, centred, self.user_factors_, self.user_bias_, self.item_factors_,
                                    self.item_bias_)
            else:
                eta, lam = self.learning_rate, self.reg
                P, Q, bu, bi = self.user_factors_, self.item_factors_, self.user_bias_, self.item_bias_
                for n in rng.permutation(len(r)):
                    uu, ii = u[n], i[n]
                    e = r[n] - (self.global_mean_ + bu[uu] + bi[ii] + P[uu] @ Q[ii])
                    bu[uu] += eta * (e - lam * bu[uu])
                    bi[ii] += eta * (e - lam * bi[ii])
                    P[uu], Q[ii] = P[uu] + eta * (e * Q[ii] - lam * P[uu]), Q[ii] + eta * (e * P[uu] - lam * Q[ii])
            self.loss_curve_.append(self._objective(u, i, r))
        return self

    def predict(self, X):
        """Predicted ratings for (user, item) rows; unknown ids fall back to the known parts."""
        check_is_fitted(self)
        X = check_array(X)
        u, i = _ids(X)
        known_u, known_i = u < len(self.user_bias_), i < len(self.item_bias_)
        uu, ii = np.where(known_u, u, 0), np.where(known_i, i, 0)
        pred = self.global_mean_ + np.where(known_u, self.user_bias_[uu], 0) + np.where(known_i, self.item_bias_[ii], 0)
        both = known_u & known_i
        pred[both] += np.sum(self.user_factors_[uu[both]] * self.item_factors_[ii[both]], axis=1)
        return pred


def make_ratings(n_users: int = 200, n_items: int = 100, rank: int = 3, density: float = 0.15, seed: int = 0):
    """Synthetic ratings from a low-rank model plus biases and noise, observed at random."""
    rng = np.random.default_rng(seed)
    P, Q = rng.normal(0, 0.7, (n_users, rank)), rng.normal(0, 0.7, (n_items, rank))
    full = 3.5 + rng.normal(0, 0.3, (n_users, 1)) + rng.normal(0, 0.3, (1, n_items)) + P @ Q.T
    mask = rng.random((n_users, n_items)) < density
    u, i = np.nonzero(mask)
    r = np.clip(full[u, i] + rng.normal(0, 0.3, len(u)), 1, 5)
    return np.c_[u, i], r


def demo(n_factors: int = 5, reg: float = 1.0, solver: str = "als", n_epochs: int = 10) -> DemoResult:
    """Held-out RMSE on synthetic low-rank ratings, against a truncated SVD of the mean-imputed matrix."""
    from sklearn.decomposition import TruncatedSVD

    from mlnotes.algorithms.linear._viz import new_figure

    X, r = make_ratings()
    rng = np.random.default_rng(1)
    test = rng.random(len(r)) < 0.2
    model = MatrixFactorization(n_factors=n_factors, reg=reg, solver=solver, n_epochs=n_epochs).fit(X[~test], r[~test])
    rmse = lambda p: float(np.sqrt(np.mean((p - r[test]) ** 2)))
    # reference: rank-k SVD of the user x item matrix with missing entries filled by the training mean
    mu = r[~test].mean()
    M = np.full((X[:, 0].max() + 1, X[:, 1].max() + 1), mu)
    M[X[~test, 0], X[~test, 1]] = r[~test]
    svd = TruncatedSVD(n_components=n_factors, random_state=0).fit(M - mu)
    approx = svd.inverse_transform(svd.transform(M - mu)) + mu
    fig, ax = new_figure()
    ax.plot(np.arange(1, n_epochs + 1), model.loss_curve_, marker=".")
    ax.set_xlabel("epoch")
    ax.set_ylabel("regularised training objective")
    ax.set_title(f"{solver.upper()} matrix factorisation, k={n_factors}")
    return DemoResult(
        metrics={"test_rmse": rmse(model.predict(X[test]))},
        reference={"test_rmse": rmse(approx[X[test, 0], X[test, 1]])},
        figure=fig,
        reference_name="sklearn TruncatedSVD of the mean-imputed rating matrix",
        extra={"global_mean_rmse": rmse(np.full(test.sum(), mu))},
    )
