r"""One-hot encoding of categorical columns, with unknown categories handled.

For column $j$ with sorted categories $c_{j,1} < \dots < c_{j,K_j}$ learned in ``fit``, a value $x$ becomes the
indicator vector $e_k \in \{0, 1\}^{K_j}$ with $c_{j,k} = x$; the columns of all features are concatenated
($\sum_j K_j$ outputs). ``drop="first"`` removes each feature's first indicator ($K_j - 1$ outputs, a full-rank
design for unregularized linear models; the dropped category is the all-zero pattern).

A category never seen in ``fit`` raises a ``ValueError`` naming it (``handle_unknown="error"``) or becomes the
all-zero row (``"ignore"``); with ``drop="first"`` the all-zero row is then ambiguous with the first category,
which is why scikit-learn warns in that case. Missing values must be made an explicit category first
(scikit-learn would treat NaN as its own category; we raise a ``ValueError`` instead). High-cardinality features
blow up the width: use target or frequency encoding, hashing, or embeddings there. Cost: $O(n d \log K)$.

References: [@zheng2018feature], [@kuhn2019feature].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.preprocessing._common import categorical_2d, codes, column_categories
from mlnotes.algorithms.registry import DemoResult


class OneHotEncoder(BaseEstimator):
    """Dense one-hot encoder.

    Parameters
    ----------
    handle_unknown : {"error", "ignore"}
    drop : {None, "first"}
    """

    def __init__(self, *, handle_unknown: str = "error", drop: str | None = None):
        self.handle_unknown = handle_unknown
        self.drop = drop

    def fit(self, X, y=None) -> OneHotEncoder:
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(f"handle_unknown must be 'error' or 'ignore', got {self.handle_unknown!r}")
        if self.drop not in (None, "first"):
            raise ValueError(f"drop must be None or 'first', got {self.drop!r}")
        X = categorical_2d(X)
        self.categories_ = [column_categories(X[:, j], j) for j in range(X.shape[1])]
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "categories_")
        X = categorical_2d(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but OneHotEncoder was fitted with "
                             f"{self.n_features_in_} features.")
        blocks = []
        for j, cats in enumerate(self.categories_):
            idx, known = codes(X[:, j], cats)
            if not known.all() and self.handle_unknown == "error":
                bad = X[~known, j][0]
                bad = bad.item() if isinstance(bad, np.generic) else bad
                raise ValueError(f"column {j} has category {bad!r} not seen in fit; "
                                 "pass handle_unknown='ignore' to encode it as all zeros")
            block = np.zeros((len(X), len(cats)))  # (n, K_j)
            block[np.nonzero(known)[0], idx[known]] = 1.0
            blocks.append(block[:, 1:] if self.drop == "first" else block)
        return np.hstack(blocks)

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).transform(X)

    def get_feature_names_out(self) -> list[str]:
        check_is_fitted(self, "categories_")
        start = 1 if self.drop == "first" else 0
        return [f"x{j}_{c}" for j, cats in enumerate(self.categories_) for c in cats[start:]]


ESTIMATOR = OneHotEncoder
EXAMPLE_DATA = "transform"


def demo(n_samples: int = 200, unknown_rate: float = 0.1) -> DemoResult:
    """Colours and sizes, with unseen categories at transform time; against sklearn.preprocessing.OneHotEncoder."""
    from sklearn.preprocessing import OneHotEncoder as SkOneHot

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    train = np.c_[rng.choice(["red", "green", "blue"], n_samples), rng.choice(["S", "M", "L", "XL"], n_samples)]
    test = train[: max(10, n_samples // 4)].copy()
    test[rng.random(len(test)) < unknown_rate, 0] = "purple"  # unseen colour
    enc = OneHotEncoder(handle_unknown="ignore").fit(train)
    Z = enc.transform(test)
    ref = SkOneHot(handle_unknown="ignore", sparse_output=False).fit(train)
    R = ref.transform(test)
    fig, ax = new_figure()
    ax.imshow(Z[:20], cmap="Greys", aspect="auto")
    ax.set_xticks(range(Z.shape[1]), enc.get_feature_names_out(), rotation=45, ha="right")
    ax.set_ylabel("test row")
    ax.set_title("one-hot rows (an unseen colour has no 1 in the colour block)")
    return DemoResult(
        metrics={"n_columns": float(Z.shape[1]), "n_ones": float(Z.sum()),
                 "n_unknown_rows": float(np.sum(Z[:, :3].sum(axis=1) == 0))},
        reference={"n_columns": float(R.shape[1]), "n_ones": float(R.sum()),
                   "n_unknown_rows": float(np.sum(R[:, :3].sum(axis=1) == 0))},
        figure=fig, reference_name="sklearn.preprocessing.OneHotEncoder(handle_unknown='ignore')",
        extra={"identical_matrix": float(np.array_equal(Z, R))},
    )
