"""Shared conventions for the from-scratch estimators (scikit-learn's contract, without scikit-learn).

* ``__init__`` stores keyword-only hyperparameters and nothing else.
* ``fit`` validates its input, learns attributes whose names end in ``_`` and returns ``self``.
* ``get_params`` / ``set_params`` round-trip the hyperparameters.
* Using a learned attribute before ``fit`` raises :class:`NotFittedError` with a message that says what to do.
* Bad input raises ``ValueError`` with a message that names the argument and what was expected:
  :func:`check_array` / :func:`check_X_y` for data (finite values, 2-D shapes), :func:`check_scalar` /
  :func:`check_params` for hyperparameter ranges (messages in the registry's style,
  ``parameter 'C' must be > 0, got 0``).
* Iterative estimators report convergence as scikit-learn does: ``n_iter_``, a ``converged_`` flag, and a
  :class:`ConvergenceWarning` when they stop at ``max_iter`` (see :func:`report_convergence`).
* ``score`` comes from :class:`ClassifierMixin` (accuracy) or :class:`RegressorMixin` ($R^2$).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before meeting its tolerance."""


# Hyperparameters that mean the same thing in every estimator that has them, with their valid ranges (the rules of
# :func:`check_params`). ``BaseEstimator`` checks them at the start of every ``fit``; estimators check their own
# specific parameters (a kernel's gamma > 0, a solver's name) in ``fit`` as well.
COMMON_PARAM_RULES: dict[str, dict[str, Any]] = {
    "max_iter": dict(kind=int, low=1),
    "tol": dict(low=0),
    "n_estimators": dict(kind=int, low=1),
    "learning_rate": dict(low=0, low_open=True),
    "n_init": dict(kind=int, low=1),
    "n_clusters": dict(kind=int, low=1),
    "n_components": dict(kind=int, low=1, optional=True),
    "n_neighbors": dict(kind=int, low=1),
    "min_samples_leaf": dict(kind=int, low=1),
    "min_samples_split": dict(kind=int, low=2),
    "max_depth": dict(kind=int, low=0, optional=True),  # 0: a single leaf (the boosting tests use it)
    "C": dict(low=0, low_open=True),
    "alpha": dict(low=0, optional=True),
    "l1_ratio": dict(low=0, high=1),
    "subsample": dict(low=0, high=1, low_open=True),
    "reg_covar": dict(low=0),
    "reg_lambda": dict(low=0),
    "var_smoothing": dict(low=0),
    "perplexity": dict(low=0, low_open=True),
    "early_exaggeration": dict(low=0, low_open=True),
    "contamination": dict(low=0, high=0.5, low_open=True),
    "batch_size": dict(kind=int, low=1),
    "n_epochs": dict(kind=int, low=1),
    "max_epochs": dict(kind=int, low=1),
    "eps": dict(low=0, low_open=True),
    "min_samples": dict(kind=int, low=1),
    "bandwidth": dict(low=0, low_open=True, optional=True),
    "tau": dict(low=0, low_open=True),
    "epsilon": dict(low=0),
    "num_leaves": dict(kind=int, low=2),
    "max_bins": dict(kind=int, low=2),
    "top_rate": dict(low=0, high=1),
    "other_rate": dict(low=0, high=1),
    "n_states": dict(kind=int, low=1),
    "self_transition": dict(low=0, high=1),
}


def check_common_params(estimator: Any) -> None:
    """Apply :data:`COMMON_PARAM_RULES` to whichever of those hyperparameters ``estimator`` has."""
    names = set(estimator._param_names()) if hasattr(estimator, "_param_names") else set(vars(estimator))
    check_params(estimator, **{n: r for n, r in COMMON_PARAM_RULES.items() if n in names})


def _validating_fit(fit):
    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        check_common_params(self)
        return fit(self, *args, **kwargs)

    wrapper._checks_common_params = True
    return wrapper


class BaseEstimator:
    """Base class giving ``get_params``/``set_params``/``__repr__`` from the ``__init__`` signature.

    Every subclass's ``fit`` first validates the common hyperparameters (:func:`check_common_params`).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fit = cls.__dict__.get("fit")
        if fit is not None and not getattr(fit, "_checks_common_params", False):
            cls.fit = _validating_fit(fit)

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


def check_scalar(value: Any, name: str, *, kind: type = float, low: float | None = None,
                 high: float | None = None, low_open: bool = False, high_open: bool = False) -> Any:
    """Validate one hyperparameter: its type (``int`` or ``float``), finiteness and range.

    ``low_open``/``high_open`` exclude the bound itself (``> low`` instead of ``>= low``). The messages follow the
    registry's: ``parameter 'C' must be > 0, got 0``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        what = "an integer" if kind is int else "a number"
        raise ValueError(f"parameter {name!r} must be {what}, got {value!r}")
    if kind is int and not float(value).is_integer():
        raise ValueError(f"parameter {name!r} must be an integer, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"parameter {name!r} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"parameter {name!r} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"parameter {name!r} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return int(value) if kind is int else value


def check_choice(value: Any, name: str, choices: tuple[Any, ...] | list[Any]) -> Any:
    """Validate a categorical hyperparameter."""
    if value not in choices:
        raise ValueError(f"parameter {name!r} must be one of {list(choices)}, got {value!r}")
    return value


def check_params(estimator: Any, **rules: dict[str, Any]) -> None:
    """Validate several hyperparameters of ``estimator`` at once: ``check_params(self, C=dict(low=0, low_open=True))``.

    A rule with ``choices`` checks membership; one with ``optional=True`` lets ``None`` through; any other is passed
    to :func:`check_scalar`.
    """
    for name, rule in rules.items():
        value = getattr(estimator, name)
        rule = dict(rule)
        if rule.pop("optional", False) and value is None:
            continue
        if "choices" in rule:
            check_choice(value, name, rule["choices"])
        else:
            check_scalar(value, name, **rule)


def report_convergence(estimator: Any, n_iter: int, converged: bool, *, max_iter: int | None = None,
                       what: str = "the solver") -> None:
    """Set ``n_iter_`` and ``converged_``; warn with :class:`ConvergenceWarning` when not converged."""
    estimator.n_iter_ = int(n_iter)
    estimator.converged_ = bool(converged)
    if not converged:
        limit = f" max_iter={max_iter}" if max_iter is not None else " its iteration limit"
        warnings.warn(
            f"{type(estimator).__name__}: {what} stopped at{limit} before reaching tol; the result may be "
            "inaccurate. Increase max_iter, loosen tol, or scale the data.",
            ConvergenceWarning,
            stacklevel=3,
        )


def check_finite_output(values: np.ndarray, what: str = "output") -> np.ndarray:
    """Raise a clear error instead of returning NaN or infinity (numerical breakdown on this input)."""
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"the {what} is not finite (NaN or infinity): the input is numerically degenerate for this "
            "estimator; rescale it, remove constant or duplicate columns, or increase regularisation."
        )
    return values


def check_positive_definite(S: np.ndarray, what: str, fix: str, rcond: float = 1e-12) -> None:
    """Raise a clear ``ValueError`` if the symmetric matrix ``S`` is singular to working precision."""
    evals = np.linalg.eigvalsh(S)
    if not np.all(np.isfinite(evals)) or evals[0] <= rcond * max(abs(evals[-1]), np.finfo(float).tiny):
        raise ValueError(f"{what} is singular (smallest/largest eigenvalue {evals[0]:.3g}/{evals[-1]:.3g}); {fix}")


@contextlib.contextmanager
def singular_as_value_error(what: str, fix: str) -> Iterator[None]:
    """Turn a raw ``LinAlgError`` (singular or non-positive-definite matrix) inside the block into a clear
    ``ValueError`` that says what failed and how to fix the input or the hyperparameters."""
    try:
        yield
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"{what} is singular or not positive definite ({exc}); {fix}") from None


class ClassifierMixin:
    """``score(X, y)``: mean accuracy of ``predict(X)`` against ``y``."""

    _estimator_type = "classifier"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy (weighted by ``sample_weight`` if given)."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        correct = np.asarray(self.predict(X) == y, dtype=float)  # type: ignore[attr-defined]
        if correct.shape != (len(y),):
            raise ValueError(f"y must be 1-D with one label per row of X, got shape {np.shape(y)}")
        return float(np.average(correct, weights=sample_weight))


class RegressorMixin:
    """``score(X, y)``: the coefficient of determination $R^2 = 1 - \\sum(y-\\hat y)^2 / \\sum(y-\\bar y)^2$."""

    _estimator_type = "regressor"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """$R^2$ of ``predict(X)`` (weighted by ``sample_weight`` if given); 1 for a perfect fit."""
        y = np.asarray(y, dtype=float)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        pred = np.asarray(self.predict(X), dtype=float)  # type: ignore[attr-defined]
        if pred.shape != y.shape:
            raise ValueError(f"y must have shape {pred.shape} to match the predictions, got {y.shape}")
        w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        ss_res = float(np.sum(w * (y - pred) ** 2))
        ss_tot = float(np.sum(w * (y - np.average(y, weights=w)) ** 2))
        if ss_tot == 0.0:  # constant target: scikit-learn's convention
            return 1.0 if ss_res == 0.0 else 0.0
        return 1.0 - ss_res / ss_tot
