r"""Frequency (count) encoding of categorical columns.

Replace category $c$ of a feature by how often it occurs in the training data, $n_c$, or by its share
$n_c / n$ (``normalize=True``). One numeric column per feature, whatever the cardinality, and no use of the
target (so no target leakage). Two categories with the same frequency become indistinguishable, and the
encoding only helps when frequency relates to the target (rare merchants, popular items). Categories unseen in
``fit`` encode as 0, their training frequency. Missing values must be an explicit category first (we raise a
``ValueError`` on NaN or None). Cost: $O(n d \log K)$.

References: [@zheng2018feature], [@kuhn2019feature].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.preprocessing._common import categorical_2d, codes, column_categories
from mlnotes.algorithms.registry import DemoResult


class FrequencyEncoder(BaseEstimator):
    """Map each category to its training count (or share, with ``normalize=True``); unseen -> 0."""

    def __init__(self, *, normalize: bool = True):
        self.normalize = normalize

    def fit(self, X, y=None) -> FrequencyEncoder:
        X = categorical_2d(X)
        self.categories_, self.frequencies_ = [], []
        for j in range(X.shape[1]):
            cats = column_categories(X[:, j], j)
            idx, _ = codes(X[:, j], cats)
            counts = np.bincount(idx, minlength=len(cats)).astype(float)
            self.categories_.append(cats)
            self.frequencies_.append(counts / len(X) if self.normalize else counts)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "frequencies_")
        X = categorical_2d(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but FrequencyEncoder was fitted with "
                             f"{self.n_features_in_} features.")
        out = np.empty(X.shape)
        for j, (cats, freq) in enumerate(zip(self.categories_, self.frequencies_)):
            idx, known = codes(X[:, j], cats)
            out[:, j] = np.where(known, freq[idx], 0.0)
        return out

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).transform(X)


ESTIMATOR = FrequencyEncoder
EXAMPLE_DATA = "transform"


def demo(n_samples: int = 2000, zipf_a: float = 1.5) -> DemoResult:
    """Zipf-distributed merchant ids; the reference is pandas ``value_counts`` mapped back onto the rows."""
    import pandas as pd

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    merchants = np.minimum(rng.zipf(zipf_a, n_samples), 500).astype(str)
    train, test = merchants[: n_samples // 2, None], merchants[n_samples // 2:, None]
    enc = FrequencyEncoder(normalize=True).fit(train)
    Z = enc.transform(test)
    share = pd.Series(train[:, 0]).value_counts(normalize=True)
    R = pd.Series(test[:, 0]).map(share).fillna(0.0).to_numpy()
    fig, ax = new_figure()
    ax.hist(Z[:, 0], bins=40)
    ax.set_yscale("log")
    ax.set_xlabel("encoded frequency")
    ax.set_title("frequency encoding of a long-tailed id")
    return DemoResult(
        metrics={"sum": float(Z.sum()), "n_unseen": float(np.sum(Z[:, 0] == 0)), "max": float(Z.max())},
        reference={"sum": float(R.sum()), "n_unseen": float(np.sum(R == 0)), "max": float(R.max())},
        figure=fig, reference_name="pandas value_counts(normalize=True) mapped onto the rows",
    )
