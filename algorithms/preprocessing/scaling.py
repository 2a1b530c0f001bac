r"""Feature scaling: standardization, min-max and robust scaling (with inverses).

Statistics are learned per column on the training data and reused on new data:

* **standard**: $z = (x - \mu)/\sigma$ with the population standard deviation $\sigma$ ($\mathrm{ddof} = 0$);
* **min-max**: $z = a + (x - x_{\min})\,\frac{b - a}{x_{\max} - x_{\min}}$ onto the range $[a, b]$ (default $[0, 1]$);
  new data can fall outside the range;
* **robust**: $z = (x - \mathrm{median})/\mathrm{IQR}$ with $\mathrm{IQR} = Q_{75} - Q_{25}$ (linear-interpolation
  quantiles), barely moved by outliers, which dominate the mean, the standard deviation and the range.

A constant column has zero spread; its scale is set to 1 (so it maps to 0 or to $a$), as scikit-learn does,
instead of dividing by zero. Scale-sensitive methods (k-NN, SVMs, PCA, regularized linear models, gradient
descent) need scaling; trees do not. Fit the scaler inside each cross-validation fold (a pipeline), never on
all data. Cost: $O(nd)$, $O(nd \log n)$ for the robust quantiles.

References: [@zheng2018feature], [@kuhn2019feature], [@hastie2009elements].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted, check_n_features
from mlnotes.algorithms.registry import DemoResult


def _nonzero(scale: np.ndarray) -> np.ndarray:
    """Replace (near-)zero spreads by 1 so constant columns are not divided by zero."""
    out = scale.copy()
    out[out < 10 * np.finfo(float).eps] = 1.0
    return out


class _Scaler(BaseEstimator):
    def _check(self, X, fitting=False):
        X = check_array(X)
        if not fitting:
            check_is_fitted(self, "scale_")
            check_n_features(self, X)
        return X

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X).transform(X)


class StandardScaler(_Scaler):
    """$z = (x - \\mu)/\\sigma$ per column."""

    def __init__(self, *, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None) -> StandardScaler:
        X = self._check(X, fitting=True)
        self.mean_ = X.mean(axis=0) if self.with_mean else np.zeros(X.shape[1])
        self.var_ = X.var(axis=0)
        self.scale_ = _nonzero(np.sqrt(self.var_)) if self.with_std else np.ones(X.shape[1])
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        X = self._check(X)
        return (X - self.mean_) / self.scale_

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._check(Z)
        return Z * self.scale_ + self.mean_


class MinMaxScaler(_Scaler):
    """Map each column's training range onto ``feature_range``."""

    def __init__(self, *, feature_range: tuple[float, float] = (0.0, 1.0), clip: bool = False):
        self.feature_range = feature_range
        self.clip = clip

    def fit(self, X, y=None) -> MinMaxScaler:
        a, b = (float(v) for v in self.feature_range)
        if not a < b:
            raise ValueError(f"feature_range must be (min, max) with min < max, got {self.feature_range!r}")
        X = self._check(X, fitting=True)
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        self.scale_ = (b - a) / _nonzero(self.data_max_ - self.data_min_)
        self.min_ = a - self.data_min_ * self.scale_
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        X = self._check(X)
        Z = X * self.scale_ + self.min_
        return np.clip(Z, *self.feature_range) if self.clip else Z

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._check(Z)
        return (Z - self.min_) / self.scale_


class RobustScaler(_Scaler):
    """$z = (x - \\mathrm{median})/(Q_{hi} - Q_{lo})$ per column."""

    def __init__(self, *, quantile_range: tuple[float, float] = (25.0, 75.0), with_centering: bool = True,
                 with_scaling: bool = True):
        self.quantile_range = quantile_range
        self.with_centering = with_centering
        self.with_scaling = with_scaling

    def fit(self, X, y=None) -> RobustScaler:
        lo, hi = (float(v) for v in self.quantile_range)
        if not 0 <= lo < hi <= 100:
            raise ValueError(f"quantile_range must satisfy 0 <= low < high <= 100, got {self.quantile_range!r}")
        X = self._check(X, fitting=True)
        self.center_ = np.median(X, axis=0) if self.with_centering else np.zeros(X.shape[1])
        q_lo, q_hi = np.percentile(X, [lo, hi], axis=0)
        self.scale_ = _nonzero(q_hi - q_lo) if self.with_scaling else np.ones(X.shape[1])
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        X = self._check(X)
        return (X - self.center_) / self.scale_

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._check(Z)
        return Z * self.scale_ + self.center_


SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}
ESTIMATOR = StandardScaler
EXAMPLE_DATA = "transform"


def demo(n_neighbors: int = 5, outlier_scale: float = 50.0) -> DemoResult:
    """k-NN on wine data with one outlier-contaminated feature, under each scaler; against sklearn's scalers."""
    from sklearn import preprocessing as skp
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_wine(return_X_y=True)
    X = X.copy()
    rng = np.random.default_rng(0)
    X[rng.choice(len(X), 5, replace=False), 0] *= outlier_scale  # a few gross outliers in one column
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    refs = {"standard": skp.StandardScaler, "minmax": skp.MinMaxScaler, "robust": skp.RobustScaler}
    metrics = {"accuracy_unscaled": float(KNeighborsClassifier(n_neighbors).fit(Xtr, ytr).score(Xte, yte))}
    reference = dict(metrics)
    fig, axes = new_figure(ncols=3, width=4.0)
    for ax, (name, cls) in zip(axes, SCALERS.items()):
        sc = cls().fit(Xtr)
        Ztr, Zte = sc.transform(Xtr), sc.transform(Xte)
        ref = refs[name]().fit(Xtr)
        metrics[f"accuracy_{name}"] = float(KNeighborsClassifier(n_neighbors).fit(Ztr, ytr).score(Zte, yte))
        reference[f"accuracy_{name}"] = float(
            KNeighborsClassifier(n_neighbors).fit(ref.transform(Xtr), ytr).score(ref.transform(Xte), yte))
        metrics[f"{name}_sum_abs"] = float(np.abs(Zte).sum())
        reference[f"{name}_sum_abs"] = float(np.abs(ref.transform(Xte)).sum())
        ax.scatter(Ztr[:, 0], Ztr[:, 1], c=ytr, s=10, cmap="viridis")
        ax.set_title(f"{name}: k-NN accuracy {metrics[f'accuracy_{name}']:.2f}")
        ax.set_xlabel("alcohol (with outliers)")
        ax.set_ylabel("malic acid")
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="sklearn.preprocessing.StandardScaler / MinMaxScaler / RobustScaler")
