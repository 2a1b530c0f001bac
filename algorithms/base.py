"""Shared conventions for the from-scratch estimators (scikit-learn's contract, without scikit-learn).

* ``__init__`` stores keyword-only hyperparameters and nothing else.
* ``fit`` validates its input, learns attributes whose names end in ``_`` and returns ``self``.
* ``get_params`` / ``set_params`` round-trip the hyperparameters.
* Using a learned attribute before ``fit`` raises :class:`NotFittedError` with a message that says what to do.
* Bad input raises ``ValueError`` with a message that names the argument and what was expected.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``."""


class BaseEstimator:
    """Base class giving ``get_params``/``set_params``/``__repr__`` from the ``__init__`` signature."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        names = []
        for name, p in sig.parameters.items():
            if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            names.append(name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for {type(self).__name__}; valid parameters are: {sorted(valid)}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def check_is_fitted(estimator: Any, attributes: str | list[str] | None = None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has its learned (``_``-suffixed) attributes."""
    if attributes is None:
        fitted = [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]
    else:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = [a for a in names if hasattr(estimator, a)]
        if len(fitted) != len(names):
            fitted = []
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet; call 'fit' with appropriate "
            "arguments before using this method."
        )


def check_array(X: Any, *, name: str = "X", ensure_2d: bool = True, allow_nan: bool = False,
                min_samples: int = 1, dtype: Any = np.float64) -> np.ndarray:
    """Convert ``X`` to a float array and validate its shape and values, with actionable errors."""
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric array-like; could not convert it: {exc}") from None
    if ensure_2d:
        if arr.ndim == 1:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_features), got a 1-D array of shape {arr.shape}; "
                "reshape it with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single sample."
            )
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}.")
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} samples; at least {min_samples} required.")
    if not allow_nan and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; impute or drop those values first.")
    return arr


def check_X_y(X: Any, y: Any, *, y_numeric: bool = True, min_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Validate a design matrix and a 1-D target of matching length."""
    X = check_array(X, min_samples=min_samples)
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D of length n_samples, got shape {y_arr.shape}.")
    if y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"X and y have inconsistent numbers of samples: {X.shape[0]} != {y_arr.shape[0]}.")
    if y_numeric:
        try:
            y_arr = y_arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("y must be numeric for this estimator.") from None
        if not np.all(np.isfinite(y_arr)):
            raise ValueError("y contains NaN or infinity.")
    return X, y_arr


def check_n_features(estimator: Any, X: np.ndarray) -> None:
    """Check that ``X`` has as many columns as the data the estimator was fitted on."""
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} was fitted with {expected} features."
        )


def check_random_state(seed: Any) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, an int, or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {type(seed).__name__}.")
