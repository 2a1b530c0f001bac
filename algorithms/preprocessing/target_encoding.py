r"""Out-of-fold target encoding with smoothing (a.k.a. mean encoding).

Replace category $c$ of a feature by a shrunken mean of the target over the rows with that category:

$$ \mathrm{enc}(c) = \frac{\sum_{i: x_i = c} y_i + m\,\bar y}{n_c + m}, $$

a weighted average of the category mean (weight $n_c$) and the global mean $\bar y$ (weight $m$, the smoothing
strength): rare categories are pulled toward $\bar y$, frequent ones keep their own mean. This is the
Bayesian-flavoured estimate of Micci-Barreca with a fixed prior weight.

**Leakage and cross-fitting.** Encoding the training rows with statistics that include their own target lets a
model memorize noise (a category seen once encodes its own label). ``fit_transform`` therefore encodes each
training row with statistics computed on the *other* folds only ($K$-fold cross-fitting, with that fold's
$\bar y$); ``transform`` on new data uses the statistics of the full training set. Categories unseen in the
training data (or in a fold's training part) get $\bar y$. This is scikit-learn's ``TargetEncoder`` with a
numeric ``smooth=m`` for a binary or continuous target; we do not implement its ``smooth="auto"`` (empirical
Bayes) nor its one-vs-rest multiclass encoding, and our default folds are plain shuffled K-fold (scikit-learn
stratifies for a binary target) — pass ``folds`` to use any split. CatBoost's ordered target statistics are a
related way to avoid the same leakage. Cost: $O(K n d)$.

References: [@micci2001preprocessing], [@prokhorenkova2018catboost], [@kuhn2019feature].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted, check_random_state
from mlnotes.algorithms.preprocessing._common import categorical_2d, codes, column_categories
from mlnotes.algorithms.registry import DemoResult


def _target(y, n):
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("y must be numeric (a continuous target or 0/1 labels)") from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if len(y) != n:
        raise ValueError(f"X and y have inconsistent numbers of samples: {n} != {len(y)}.")
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinity.")
    return y


def _encodings(col_codes, y, n_cats, smooth, mean):
    sums = np.bincount(col_codes, weights=y, minlength=n_cats)
    counts = np.bincount(col_codes, minlength=n_cats).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        enc = (sums + smooth * mean) / (counts + smooth)
    return np.where(counts + smooth > 0, enc, mean)  # smooth = 0 and no rows: fall back to the mean


class TargetEncoder(BaseEstimator):
    """Smoothed target-mean encoder with out-of-fold ``fit_transform``.

    Parameters
    ----------
    smooth : float >= 0
        Prior weight $m$ of the global mean.
    cv : int >= 2
        Number of folds for cross-fitting in ``fit_transform``.
    random_state : int, Generator or None
        Seed of the fold shuffle.
    """

    def __init__(self, *, smooth: float = 10.0, cv: int = 5, random_state=0):
        self.smooth = smooth
        self.cv = cv
        self.random_state = random_state

    def _check_params(self):
        if isinstance(self.smooth, bool) or not (np.isfinite(float(self.smooth)) and float(self.smooth) >= 0):
            raise ValueError(f"smooth must be a finite number >= 0, got {self.smooth!r}")
        if isinstance(self.cv, bool) or int(self.cv) != self.cv or not 2 <= self.cv:
            raise ValueError(f"cv must be an integer >= 2, got {self.cv!r}")

    def fit(self, X, y) -> TargetEncoder:
        X = categorical_2d(X)
        y = _target(y, len(X))
        self._check_params()
        self.categories_ = [column_categories(X[:, j], j) for j in range(X.shape[1])]
        self.target_mean_ = float(y.mean())
        self.encodings_ = []
        for j, cats in enumerate(self.categories_):
            idx, _ = codes(X[:, j], cats)
            self.encodings_.append(_encodings(idx, y, len(cats), float(self.smooth), self.target_mean_))
        self.n_features_in_ = X.shape[1]
        return self

    def _apply(self, X, encodings, mean, rows, out):
        for j, cats in enumerate(self.categories_):
            idx, known = codes(X[rows, j], cats)
            out[rows, j] = np.where(known, encodings[j][idx], mean)

    def transform(self, X) -> np.ndarray:
        """Encode new data with the full-training-set statistics (unknown categories -> global mean)."""
        check_is_fitted(self, "encodings_")
        X = categorical_2d(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but TargetEncoder was fitted with "
                             f"{self.n_features_in_} features.")
        out = np.empty(X.shape)
        self._apply(X, self.encodings_, self.target_mean_, np.arange(len(X)), out)
        return out

    def make_folds(self, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Shuffled K-fold ``(train_idx, test_idx)`` pairs (the first ``n % cv`` folds get one extra row)."""
        perm = check_random_state(self.random_state).permutation(n)
        parts = np.array_split(perm, int(self.cv))
        return [(np.sort(np.concatenate(parts[:k] + parts[k + 1:])), np.sort(parts[k])) for k in range(len(parts))]

    def fit_transform(self, X, y, folds=None) -> np.ndarray:
        """Fit on all rows, and return out-of-fold encodings of the training rows.

        ``folds`` is an optional iterable of ``(train_idx, test_idx)`` whose test parts cover every row once.
        """
        self.fit(X, y)
        X, y = categorical_2d(X), _target(y, len(categorical_2d(X)))
        if folds is None and self.cv > len(X):
            raise ValueError(f"cv = {self.cv} folds need at least {self.cv} samples, got {len(X)}")
        folds = self.make_folds(len(X)) if folds is None else [(np.asarray(a), np.asarray(b)) for a, b in folds]
        seen = np.zeros(len(X), dtype=int)
        for _, te in folds:
            seen[te] += 1
        if not np.all(seen == 1):
            raise ValueError("folds must put every row in exactly one test part")
        out = np.empty(X.shape)
        for tr, te in folds:
            mean = float(y[tr].mean())
            encs = []
            for j, cats in enumerate(self.categories_):
                idx, _ = codes(X[tr, j], cats)
                encs.append(_encodings(idx, y[tr], len(cats), float(self.smooth), mean))
            self._apply(X, encs, mean, te, out)
        return out


ESTIMATOR = TargetEncoder
EXAMPLE_DATA = "regression"
EXAMPLE_PARAMS = {"cv": 3}


def demo(n_categories: int = 300, n_samples: int = 3000, smooth: float = 10.0) -> DemoResult:
    """High-cardinality feature: in-sample vs out-of-fold encoding; against sklearn's TargetEncoder (same folds)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score
    from sklearn.preprocessing import TargetEncoder as SkTE

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    effect = rng.normal(0, 1, n_categories)
    cat = rng.integers(0, n_categories, 2 * n_samples)
    y_all = effect[cat] + rng.normal(0, 2, 2 * n_samples)
    Xtr, Xte = cat[:n_samples, None].astype(str), cat[n_samples:, None].astype(str)
    ytr, yte = y_all[:n_samples], y_all[n_samples:]
    enc = TargetEncoder(smooth=smooth, cv=5, random_state=0)
    oof = enc.fit_transform(Xtr, ytr)
    folds = enc.make_folds(n_samples)
    naive = enc.transform(Xtr)  # in-sample: leaks each row's own target
    ref = SkTE(smooth=smooth, target_type="continuous", cv=folds)
    ref_oof = ref.fit_transform(Xtr, ytr)
    metrics, reference = {}, {}
    for tr_enc, te_enc, d in ((oof, enc.transform(Xte), metrics),
                              (ref_oof, ref.transform(Xte), reference)):
        lr = LinearRegression().fit(tr_enc, ytr)
        d["train_r2"] = float(r2_score(ytr, lr.predict(tr_enc)))
        d["test_r2"] = float(r2_score(yte, lr.predict(te_enc)))
    lr = LinearRegression().fit(naive, ytr)
    naive_train, naive_test = r2_score(ytr, lr.predict(naive)), r2_score(yte, lr.predict(enc.transform(Xte)))
    fig, ax = new_figure()
    x = np.arange(2)
    ax.bar(x - 0.2, [naive_train, naive_test], 0.4, label="in-sample encoding (leaky)")
    ax.bar(x + 0.2, [metrics["train_r2"], metrics["test_r2"]], 0.4, label="out-of-fold encoding")
    ax.set_xticks(x, ["train R^2", "test R^2"])
    ax.set_title("leakage: in-sample encoding overstates the train fit")
    ax.legend()
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="sklearn.preprocessing.TargetEncoder(smooth=m, cv=<our folds>)",
                      extra={"naive_train_r2": float(naive_train), "naive_test_r2": float(naive_test)})
