r"""Simple imputation of missing values: mean, median, most frequent, or a constant.

For each column $j$, the fill value is computed from the observed entries $O_j = \{i : x_{ij} \text{ not NaN}\}$
of the *training* data:

* mean $\frac{1}{|O_j|}\sum_{i \in O_j} x_{ij}$; median; most frequent value (ties go to the smallest value,
  as in scikit-learn); or a user constant.

``transform`` replaces every NaN of a column by its fill value, in new data as well, so the statistics never
leak from validation or test rows. Mean/median imputation shrinks the variance and the correlations of the
column, and hides the missingness pattern; keep an indicator column (``add_indicator=True``) when missingness
itself is informative, and prefer model-based imputation (MICE) when it depends on other features.
A column with no observed value has no statistic: scikit-learn silently drops it, we raise a ``ValueError``
that names the column (use ``strategy="constant"`` for it). Infinity is not treated as missing and is rejected.
Cost: $O(n d)$ ($O(n d \log n)$ for median and most frequent).

References: [@rubin1976inference], [@little2019statistical], [@vanbuuren2011mice].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_n_features
from mlnotes.algorithms.registry import DemoResult

STRATEGIES = ("mean", "median", "most_frequent", "constant")


def _most_frequent(col: np.ndarray) -> float:
    vals, counts = np.unique(col, return_counts=True)
    return float(vals[np.argmax(counts)])  # np.unique sorts, argmax takes the first: smallest among ties


class SimpleImputer(BaseEstimator):
    """Fill NaN entries column by column with a statistic learned in ``fit``.

    Parameters
    ----------
    strategy : {"mean", "median", "most_frequent", "constant"}
    fill_value : float
        The constant for ``strategy="constant"``.
    add_indicator : bool
        Append one 0/1 column per feature that had missing values in ``fit``.
    """

    def __init__(self, *, strategy: str = "mean", fill_value: float = 0.0, add_indicator: bool = False):
        self.strategy = strategy
        self.fill_value = fill_value
        self.add_indicator = add_indicator

    def _validate(self, X, fitting):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {list(STRATEGIES)}, got {self.strategy!r}")
        X = check_array(X, allow_nan=True)
        if np.any(np.isinf(X)):
            raise ValueError("X contains infinity; only NaN marks a missing value")
        if not fitting:
            check_n_features(self, X)
        return X

    def fit(self, X, y=None) -> SimpleImputer:
        X = self._validate(X, True)
        if self.strategy == "constant" and not np.isfinite(float(self.fill_value)):
            raise ValueError(f"fill_value must be a finite number, got {self.fill_value!r}")
        stats = np.empty(X.shape[1])  # (d,)
        for j in range(X.shape[1]):
            observed = X[~np.isnan(X[:, j]), j]
            if self.strategy == "constant":
                stats[j] = float(self.fill_value)
            elif observed.size == 0:
                raise ValueError(f"column {j} has no observed value, so its {self.strategy} is undefined; "
                                 "drop the column or use strategy='constant'")
            elif self.strategy == "mean":
                stats[j] = observed.mean()
            elif self.strategy == "median":
                stats[j] = np.median(observed)
            else:
                stats[j] = _most_frequent(observed)
        self.statistics_ = stats
        self.n_features_in_ = X.shape[1]
        self.indicator_features_ = np.nonzero(np.isnan(X).any(axis=0))[0]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "statistics_")
        X = self._validate(X, False)
        mask = np.isnan(X)
        out = np.where(mask, self.statistics_[None, :], X)
        if self.add_indicator:
            out = np.hstack([out, mask[:, self.indicator_features_].astype(float)])
        return out

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).transform(X)


def demo(missing_rate: float = 0.2, strategy: str = "median") -> DemoResult:
    """Diabetes data with values removed at random: our imputer against sklearn.impute.SimpleImputer."""
    from sklearn.datasets import load_diabetes
    from sklearn.impute import SimpleImputer as SkImputer

    from mlnotes.algorithms.linear._viz import new_figure

    X, _ = load_diabetes(return_X_y=True)
    X = X[:, [0, 2, 3, 8]]  # age, bmi, bp, s5: continuous columns
    rng = np.random.default_rng(0)
    Xm = X.copy()
    Xm[rng.random(X.shape) < missing_rate] = np.nan
    metrics, reference = {}, {}
    for s in STRATEGIES[:3]:
        ours = SimpleImputer(strategy=s).fit(Xm).transform(Xm)
        ref = SkImputer(strategy=s).fit(Xm).transform(Xm)
        miss = np.isnan(Xm)
        metrics[f"{s}_rmse_to_truth"] = float(np.sqrt(np.mean((ours[miss] - X[miss]) ** 2)))
        reference[f"{s}_rmse_to_truth"] = float(np.sqrt(np.mean((ref[miss] - X[miss]) ** 2)))
    imp = SimpleImputer(strategy=strategy).fit(Xm)
    filled = imp.transform(Xm)
    fig, ax = new_figure()
    ax.hist(X[:, 1], bins=30, alpha=0.5, label="bmi, complete data")
    ax.hist(filled[:, 1], bins=30, alpha=0.5, label=f"bmi after {strategy} imputation")
    ax.set_title(f"{missing_rate:.0%} missing: imputation piles mass on one value")
    ax.legend()
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="sklearn.impute.SimpleImputer",
                      extra={"std_complete": float(X[:, 1].std()), "std_imputed": float(filled[:, 1].std())})
