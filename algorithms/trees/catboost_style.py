r"""CatBoost-style boosting: ordered target statistics, oblivious trees and ordered boosting.

**Ordered target statistics (TS).** A categorical feature is replaced by a smoothed mean of the target over
rows with the same category. Computing that mean over *all* rows leaks each row's own label into its feature
(target leakage: on training data the encoding is optimistic, and a rare category encodes its own label almost
exactly). CatBoost draws a random permutation $\sigma$ of the training rows and encodes row $\sigma_p$ using only
the rows before it:

$$ \hat x_{\sigma_p} = \frac{\sum_{q<p} \mathbb 1[x_{\sigma_q} = x_{\sigma_p}]\, y_{\sigma_q} + a\,P}
                             {\sum_{q<p} \mathbb 1[x_{\sigma_q} = x_{\sigma_p}] + a}, $$

with prior $P$ (the mean target) and prior weight $a > 0$. At prediction time all training rows are used.

**Oblivious trees.** Every node of a level uses the same split (feature, border), so a depth-$D$ tree is a
lookup table with $2^D$ leaves indexed by $D$ bits. The split of each level maximises the summed second-order
gain over all current leaves (the XGBoost score $\sum G^2/(H+\lambda)$). Numeric features are bucketed into at
most ``border_count`` quantile borders.

**Ordered boosting.** Gradients for row $\sigma_p$ computed from a model that was fitted on that same row are
biased (prediction shift). With one permutation, CatBoost keeps a second set of "ordered" predictions
$M(\sigma_p)$ in which the contribution of each tree to row $\sigma_p$ is the leaf value estimated only from rows
$\sigma_q$, $q<p$, in the same leaf: $\delta_{\sigma_p} = -\sum_{q<p,\ \ell} g_{\sigma_q} / (\sum_{q<p,\ \ell} h_{\sigma_q} + \lambda)$.
Gradients for the next tree are taken at $M$, while the model that is returned uses leaf values from all rows.
This module implements that single-permutation scheme (the library's default uses several permutations and
a logarithmic set of supporting models).

References: [@prokhorenkova2018catboost], [@micci2001preprocessing].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def ordered_target_statistic(codes: np.ndarray, y: np.ndarray, perm: np.ndarray, prior: float, a: float) -> np.ndarray:
    """Ordered TS of integer category ``codes`` (n,), each row encoded from the rows before it in ``perm``."""
    n_cat = int(codes.max()) + 1
    sums, counts = np.zeros(n_cat), np.zeros(n_cat)
    out = np.empty(len(codes))
    for i in perm:  # visit rows in permutation order; statistics so far exclude row i itself
        c = codes[i]
        out[i] = (sums[c] + a * prior) / (counts[c] + a)
        sums[c] += y[i]
        counts[c] += 1
    return out


def _prefix_leaf_values(leaf: np.ndarray, g: np.ndarray, h: np.ndarray, perm: np.ndarray, lam: float) -> np.ndarray:
    """For each row, $-G/(H+\\lambda)$ over earlier rows (in ``perm``) of the same leaf, shape (n,)."""
    out = np.zeros(len(leaf))
    G, H = {}, {}
    for i in perm:
        k = leaf[i]
        out[i] = -G.get(k, 0.0) / (H.get(k, 0.0) + lam)
        G[k] = G.get(k, 0.0) + g[i]
        H[k] = H.get(k, 0.0) + h[i]
    return out


class CatBoostStyleClassifier(ClassifierMixin, BaseEstimator):
    """Binary classifier with ordered TS for categorical columns, oblivious trees and ordered boosting.

    Parameters
    ----------
    n_estimators : int
    learning_rate : float
    depth : int
        Depth of the oblivious trees ($2^{depth}$ leaves).
    reg_lambda : float
        L2 penalty on leaf values.
    border_count : int
        Quantile borders per numeric feature.
    cat_features : tuple of int
        Indices of categorical columns (integer-coded).
    prior_weight : float
        Prior weight $a$ of the target statistics.
    ordered : bool
        Use ordered TS and ordered boosting (``False``: greedy TS over all rows and plain boosting).
    random_state : int or None

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    trees_ : list of (splits, leaf_values)
        ``splits`` is a list of (feature, border) per level.
    ts_tables_ : dict
        Per categorical column, the (sum, count) tables used at prediction time.
    """

    def __init__(self, *, n_estimators=100, learning_rate=0.1, depth=4, reg_lambda=3.0, border_count=32,
                 cat_features=(), prior_weight=1.0, ordered=True, random_state=0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.depth = depth
        self.reg_lambda = reg_lambda
        self.border_count = border_count
        self.cat_features = cat_features
        self.prior_weight = prior_weight
        self.ordered = ordered
        self.random_state = random_state

    def _encode_train(self, X, y, perm):
        Z = X.copy()
        self.prior_ = float(y.mean())
        self.ts_tables_ = {}
        for j in self.cat_features:
            codes = X[:, j].astype(int)
            if np.any(codes < 0) or np.any(codes != X[:, j]):
                raise ValueError(f"categorical column {j} must hold non-negative integer codes")
            n_cat = int(codes.max()) + 1
            sums = np.bincount(codes, y, minlength=n_cat)
            counts = np.bincount(codes, minlength=n_cat).astype(float)
            self.ts_tables_[j] = (sums, counts)
            if self.ordered:
                Z[:, j] = ordered_target_statistic(codes, y, perm, self.prior_, self.prior_weight)
            else:  # greedy TS: leaks each row's own label
                Z[:, j] = (sums[codes] + self.prior_weight * self.prior_) / (counts[codes] + self.prior_weight)
        return Z

    def _encode_test(self, X):
        Z = X.copy()
        for j, (sums, counts) in self.ts_tables_.items():
            codes = X[:, j].astype(int)
            known = (codes >= 0) & (codes < len(sums))
            s = np.where(known, sums[np.clip(codes, 0, len(sums) - 1)], 0.0)
            c = np.where(known, counts[np.clip(codes, 0, len(sums) - 1)], 0.0)
            Z[:, j] = (s + self.prior_weight * self.prior_) / (c + self.prior_weight)
        return Z

    def _leaf_index(self, Z, splits):
        leaf = np.zeros(Z.shape[0], dtype=int)
        for j, border in splits:
            leaf = 2 * leaf + (Z[:, j] > border)
        return leaf

    def _grow_oblivious(self, Z, bins, g, h):
        """Choose one (feature, border) per level; ``bins[:, j]`` is the border bucket of Z[:, j]."""
        lam, leaf, splits = self.reg_lambda, np.zeros(Z.shape[0], dtype=int), []
        for level in range(self.depth):
            n_leaves = 2**level
            best = (-np.inf, None)
            for j, borders in enumerate(self.borders_):
                nb = len(borders) + 1
                if nb < 2:
                    continue
                # (leaf, bucket) histograms of g and h; x <= borders[b]  <=>  bucket <= b
                Gh = np.bincount(leaf * nb + bins[:, j], g, minlength=n_leaves * nb).reshape(n_leaves, nb)
                Hh = np.bincount(leaf * nb + bins[:, j], h, minlength=n_leaves * nb).reshape(n_leaves, nb)
                GL, HL = np.cumsum(Gh, 1)[:, :-1], np.cumsum(Hh, 1)[:, :-1]  # (n_leaves, nb - 1)
                GR, HR = Gh.sum(1, keepdims=True) - GL, Hh.sum(1, keepdims=True) - HL
                score = np.sum(GL**2 / (HL + lam) + GR**2 / (HR + lam), axis=0)  # summed over all leaves
                b = int(np.argmax(score))
                if score[b] > best[0] + 1e-12:
                    best = (score[b], (j, float(borders[b])))
            if best[1] is None:
                break
            splits.append(best[1])
            leaf = 2 * leaf + (Z[:, best[1][0]] > best[1][1])
        return splits, leaf

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        y = (y_raw == self.classes_[1]).astype(float)
        n, d = X.shape
        self.n_features_in_ = d
        rng = check_random_state(self.random_state)
        perm = rng.permutation(n)
        Z = self._encode_train(X, y, perm)  # (n, d) numeric design
        self.borders_ = [np.unique(np.quantile(Z[:, j], np.linspace(0, 1, self.border_count + 2)[1:-1]))
                         for j in range(d)]
        bins = np.column_stack([np.searchsorted(b, Z[:, j], side="left") for j, b in enumerate(self.borders_)])
        p0 = np.clip(y.mean(), 1e-6, 1 - 1e-6)
        self.init_ = float(np.log(p0 / (1 - p0)))
        F = np.full(n, self.init_)  # model predictions
        M = F.copy()  # ordered predictions (each row sees only earlier rows' leaf statistics)
        self.trees_, self.train_loss_ = [], []
        for _ in range(self.n_estimators):
            base = M if self.ordered else F
            p = 1.0 / (1.0 + np.exp(-base))
            g, h = p - y, np.maximum(p * (1 - p), 1e-16)
            splits, leaf = self._grow_oblivious(Z, bins, g, h)
            n_leaves = 2 ** len(splits)
            G = np.bincount(leaf, g, minlength=n_leaves)
            H = np.bincount(leaf, h, minlength=n_leaves)
            values = -G / (H + self.reg_lambda)  # (2^depth,)
            F += self.learning_rate * values[leaf]
            if self.ordered:
                M += self.learning_rate * _prefix_leaf_values(leaf, g, h, perm, self.reg_lambda)
            else:
                M = F
            self.trees_.append((splits, values))
            self.train_loss_.append(float(np.mean(np.logaddexp(0, F) - y * F)))
        return self

    def decision_function(self, X):
        """Log-odds, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        Z = self._encode_test(X)
        F = np.full(X.shape[0], self.init_)
        for splits, values in self.trees_:
            F += self.learning_rate * values[self._leaf_index(Z, splits)]
        return F

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, 2)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.c_[1 - p, p]

    def predict(self, X):
        """Predicted labels."""
        F = self.decision_function(X)
        return self.classes_[(F > 0).astype(int)]


ESTIMATOR = CatBoostStyleClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_estimators": 3, "depth": 2, "border_count": 4}


def make_categorical_data(n: int, n_categories: int, seed: int = 0):
    """Binary task with one high-cardinality categorical column (0) whose categories carry random effects."""
    rng = np.random.default_rng(seed)
    cat = rng.integers(0, n_categories, n)
    effect = rng.normal(0, 1.0, n_categories)
    num = rng.normal(size=(n, 3))
    logit = effect[cat] + num[:, 0] - 0.5 * num[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.c_[cat, num], y


def demo(n_estimators: int = 60, depth: int = 4, n_categories: int = 200) -> DemoResult:
    """High-cardinality categories: ordered vs greedy target statistics, against scikit-learn's native categorical HGB."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import log_loss

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_categorical_data(3000, n_categories)
    Xtr, ytr, Xte, yte = X[:2000], y[:2000], X[2000:], y[2000:]
    kw = dict(n_estimators=n_estimators, depth=depth, cat_features=(0,))
    ordered = CatBoostStyleClassifier(ordered=True, **kw).fit(Xtr, ytr)
    greedy = CatBoostStyleClassifier(ordered=False, **kw).fit(Xtr, ytr)
    ref = HistGradientBoostingClassifier(max_iter=n_estimators, max_depth=depth, categorical_features=[0],
                                         max_bins=255, early_stopping=False, random_state=0)
    Xtr_ref = Xtr.copy()
    Xte_ref = Xte.copy()
    if n_categories > 255:  # scikit-learn's native support caps the cardinality at max_bins
        Xtr_ref[:, 0] %= 255
        Xte_ref[:, 0] %= 255
    ref.fit(Xtr_ref, ytr)
    fig, ax = new_figure()
    for model, name in ((ordered, "ordered TS + ordered boosting"), (greedy, "greedy TS (leaky)")):
        test_curve, F = [], np.full(len(yte), model.init_)
        Z = model._encode_test(Xte)
        for splits, values in model.trees_:
            F += model.learning_rate * values[model._leaf_index(Z, splits)]
            test_curve.append(float(np.mean(np.logaddexp(0, F) - yte * F)))
        line, = ax.plot(model.train_loss_, "--")
        ax.plot(test_curve, color=line.get_color(), label=name)
    ax.set_xlabel("round (dashed: train, solid: test)")
    ax.set_ylabel("log-loss")
    ax.set_title(f"{n_categories} categories: target leakage")
    ax.legend(fontsize=8)
    return DemoResult(
        metrics={"test_log_loss": float(log_loss(yte, ordered.predict_proba(Xte)[:, 1])),
                 "test_accuracy": ordered.score(Xte, yte)},
        reference={"test_log_loss": float(log_loss(yte, ref.predict_proba(Xte_ref)[:, 1])),
                   "test_accuracy": float(ref.score(Xte_ref, yte))},
        figure=fig,
        reference_name="sklearn HistGradientBoostingClassifier(categorical_features=[0])",
        extra={"greedy_ts_test_log_loss": float(log_loss(yte, greedy.predict_proba(Xte)[:, 1]))},
    )
