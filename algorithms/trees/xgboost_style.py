r"""XGBoost-style boosting: second-order (Newton) trees with regularised leaf weights.

At round $t$ expand the loss to second order around the current prediction $F_{t-1}$, with per-sample gradient
$g_i = \partial_F L(y_i, F)$ and Hessian $h_i = \partial_F^2 L(y_i, F)$. A tree $f$ with $T$ leaves and leaf weights
$w_j$ then has the regularised objective

$$ \tilde{\mathcal L}(f) = \sum_{j=1}^T\Big[G_j w_j + \tfrac12(H_j+\lambda)w_j^2\Big] + \gamma T,
   \qquad G_j = \sum_{i\in I_j} g_i,\ H_j = \sum_{i\in I_j} h_i . $$

For a fixed structure the optimal weight and objective are

$$ w_j^\* = -\frac{G_j}{H_j+\lambda}, \qquad \tilde{\mathcal L}^\* = -\frac12\sum_j\frac{G_j^2}{H_j+\lambda} + \gamma T, $$

so splitting a leaf into $L, R$ gains

$$ \mathrm{Gain} = \frac12\left[\frac{G_L^2}{H_L+\lambda} + \frac{G_R^2}{H_R+\lambda} - \frac{(G_L+G_R)^2}{H_L+H_R+\lambda}\right] - \gamma . $$

The exact greedy algorithm sorts each feature at each node and scans the split points with prefix sums of
$g$ and $h$; a split is made only if its gain is positive and both children have Hessian mass
$\ge$ ``min_child_weight``. Losses: squared error ($g = F-y$, $h = 1$) and logistic ($g = p - y$,
$h = p(1-p)$). $\lambda$ shrinks leaf weights, $\gamma$ prunes weak splits, and the shrinkage $\eta$ scales each
tree. With $\lambda = \gamma = 0$ and squared error this is exactly least-squares gradient boosting.

References: [@chen2016xgboost], [@friedman2001greedy].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class SecondOrderTree:
    """A regression tree grown on (gradient, Hessian) pairs by exact greedy search (flat-array storage)."""

    def __init__(self, max_depth, reg_lambda, gamma, min_child_weight):
        self.max_depth, self.reg_lambda, self.gamma = max_depth, reg_lambda, gamma
        self.min_child_weight = min_child_weight

    def fit(self, X, g, h):
        self.X, self.g, self.h = X, g, h
        self.feature, self.threshold, self.left, self.right, self.value = [], [], [], [], []
        self._grow(np.arange(len(g)), 0)
        for name in ("feature", "threshold", "left", "right", "value"):
            setattr(self, name, np.array(getattr(self, name)))
        del self.X, self.g, self.h
        return self

    def _grow(self, idx, depth):
        node = len(self.feature)
        G, H = self.g[idx].sum(), self.h[idx].sum()
        self.feature.append(-1)
        self.threshold.append(np.nan)
        self.left.append(-1)
        self.right.append(-1)
        self.value.append(-G / (H + self.reg_lambda))  # w* = -G / (H + lambda)
        if depth >= self.max_depth or len(idx) < 2:
            return node
        lam, best = self.reg_lambda, (0.0, None, None)
        parent = G**2 / (H + lam)
        for j in range(self.X.shape[1]):
            xs = self.X[idx, j]
            order = np.argsort(xs, kind="stable")
            xs_s = xs[order]
            GL = np.cumsum(self.g[idx][order])[:-1]  # left sums for "first k+1 samples go left"
            HL = np.cumsum(self.h[idx][order])[:-1]
            GR, HR = G - GL, H - HL
            ok = (xs_s[:-1] < xs_s[1:]) & (HL >= self.min_child_weight) & (HR >= self.min_child_weight)
            if not np.any(ok):
                continue
            gain = 0.5 * (GL**2 / (HL + lam) + GR**2 / (HR + lam) - parent) - self.gamma
            gain = np.where(ok, gain, -np.inf)
            k = int(np.argmax(gain))
            if gain[k] > best[0] + 1e-12:
                t = 0.5 * (xs_s[k] + xs_s[k + 1])
                best = (float(gain[k]), j, t if t < xs_s[k + 1] else xs_s[k])
        if best[1] is None:
            return node
        _, j, t = best
        go_left = self.X[idx, j] <= t
        self.feature[node], self.threshold[node] = j, t
        self.left[node] = self._grow(idx[go_left], depth + 1)
        self.right[node] = self._grow(idx[~go_left], depth + 1)
        return node

    def predict(self, X):
        node = np.zeros(X.shape[0], dtype=int)
        while True:
            inner = self.left[node] != -1
            if not np.any(inner):
                return self.value[node]
            i = np.flatnonzero(inner)
            go_left = X[i, self.feature[node[i]]] <= self.threshold[node[i]]
            node[i] = np.where(go_left, self.left[node[i]], self.right[node[i]])


class XGBoostStyleRegressor(RegressorMixin, BaseEstimator):
    """Second-order gradient boosting with regularised leaves (squared error or logistic loss).

    Parameters
    ----------
    n_estimators : int
    learning_rate : float
        Shrinkage $\\eta$.
    max_depth : int
    reg_lambda : float
        L2 penalty $\\lambda$ on leaf weights.
    gamma : float
        Minimum gain (per-leaf penalty) $\\gamma$.
    min_child_weight : float
        Minimum Hessian mass in a child.
    objective : {"squared_error", "logistic"}

    Attributes
    ----------
    base_score_ : float
    estimators_ : list of SecondOrderTree
    train_loss_ : list of float
    """

    def __init__(self, *, n_estimators=100, learning_rate=0.3, max_depth=3, reg_lambda=1.0, gamma=0.0,
                 min_child_weight=1.0, objective="squared_error"):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.reg_lambda = reg_lambda
        self.gamma = gamma
        self.min_child_weight = min_child_weight
        self.objective = objective

    def _grad_hess(self, y, F):
        if self.objective == "squared_error":
            return F - y, np.ones_like(F)
        p = 1.0 / (1.0 + np.exp(-F))
        return p - y, np.maximum(p * (1 - p), 1e-16)

    def _loss(self, y, F):
        if self.objective == "squared_error":
            return float(0.5 * np.mean((y - F) ** 2))
        return float(np.mean(np.logaddexp(0, F) - y * F))

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.objective not in ("squared_error", "logistic"):
            raise ValueError(f"objective must be 'squared_error' or 'logistic', got {self.objective!r}")
        if self.objective == "logistic":
            if not np.all(np.isin(y, (0.0, 1.0))):
                raise ValueError("the logistic objective needs y in {0, 1}")
            p = np.clip(y.mean(), 1e-6, 1 - 1e-6)
            self.base_score_ = float(np.log(p / (1 - p)))
        else:
            self.base_score_ = float(y.mean())
        self.n_features_in_ = X.shape[1]
        F = np.full(len(y), self.base_score_)
        self.estimators_, self.train_loss_ = [], []
        for _ in range(self.n_estimators):
            g, h = self._grad_hess(y, F)  # (n,), (n,)
            tree = SecondOrderTree(self.max_depth, self.reg_lambda, self.gamma, self.min_child_weight).fit(X, g, h)
            F += self.learning_rate * tree.predict(X)
            self.estimators_.append(tree)
            self.train_loss_.append(self._loss(y, F))
        return self

    def decision_function(self, X):
        """Raw additive score $F(x)$ (log-odds for the logistic objective)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        F = np.full(X.shape[0], self.base_score_)
        for tree in self.estimators_:
            F += self.learning_rate * tree.predict(X)
        return F

    def predict(self, X):
        """Predicted targets (squared error) or probabilities of class 1 (logistic)."""
        F = self.decision_function(X)
        return F if self.objective == "squared_error" else 1.0 / (1.0 + np.exp(-F))


ESTIMATOR = XGBoostStyleRegressor
EXAMPLE_DATA = "regression"
EXAMPLE_PARAMS = {"n_estimators": 5}


def demo(n_estimators: int = 100, learning_rate: float = 0.3, max_depth: int = 3, reg_lambda: float = 1.0,
         gamma: float = 0.0) -> DemoResult:
    """Breast cancer with the logistic objective; against scikit-learn's HistGradientBoostingClassifier."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = XGBoostStyleRegressor(n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth,
                                 reg_lambda=reg_lambda, gamma=gamma, objective="logistic").fit(Xtr, ytr)
    ref = HistGradientBoostingClassifier(max_iter=n_estimators, learning_rate=learning_rate, max_depth=max_depth,
                                         l2_regularization=reg_lambda, early_stopping=False,
                                         random_state=0).fit(Xtr, ytr)
    p = ours.predict(Xte)
    leaves = [int(np.sum(t.left == -1)) for t in ours.estimators_]
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.plot(np.arange(1, n_estimators + 1), ours.train_loss_)
    ax0.set_yscale("log")
    ax0.set_xlabel("round")
    ax0.set_ylabel("training log-loss")
    ax0.set_title("objective per round")
    ax1.plot(np.arange(1, n_estimators + 1), leaves, ".")
    ax1.set_xlabel("round")
    ax1.set_ylabel("leaves")
    ax1.set_title(rf"leaves per tree ($\gamma$={gamma}, $\lambda$={reg_lambda})")
    return DemoResult(
        metrics={"test_accuracy": float(np.mean((p > 0.5) == yte)), "test_log_loss": float(log_loss(yte, p))},
        reference={"test_accuracy": float(ref.score(Xte, yte)),
                   "test_log_loss": float(log_loss(yte, ref.predict_proba(Xte)[:, 1]))},
        figure=fig,
        reference_name="sklearn.ensemble.HistGradientBoostingClassifier",
    )
