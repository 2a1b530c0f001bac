"""Property sweep over every registered estimator: degenerate and random inputs give a correct (finite) result or a
clear ``ValueError`` raised by our own validation — never NaN output, never a raw exception.

"Raw" means any other exception type (ZeroDivisionError, LinAlgError, IndexError, RecursionError...) or a
ValueError raised inside NumPy/SciPy rather than by our code (e.g. "zero-size array to reduction operation"). The
deterministic cases cover float32 input, one and two samples, constant columns, one feature, NaN and inf, and
extreme scales; Hypothesis then draws random shapes and values, bounded in examples so the file runs in well under
a minute on one core.
"""

from __future__ import annotations

import importlib
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlnotes.algorithms.registry import all_specs

# estimators the registry does not name as a module's ESTIMATOR, but which share its data contract
EXTRA = [
    ("mlnotes.algorithms.trees.cart", "DecisionTreeRegressor", "regression"),
    ("mlnotes.algorithms.trees.gradient_boosting", "GradientBoostingClassifier", "classification"),
    ("mlnotes.algorithms.neighbors.knn", "KNeighborsRegressor", "regression"),
]
OUTPUT_METHODS = ("predict", "transform", "predict_proba", "decision_function", "score_samples")
# learned attributes whose NaN entries are by design (no threshold at a leaf)
NAN_BY_DESIGN = {"threshold_"}


def _estimators():
    out, seen = [], set()
    for spec in all_specs():
        mod = importlib.import_module(spec.module)
        cls = getattr(mod, "ESTIMATOR", None)
        if cls is not None and cls not in seen:
            seen.add(cls)
            out.append((cls, mod.EXAMPLE_DATA, dict(getattr(mod, "EXAMPLE_PARAMS", {}))))
    for module, name, kind in EXTRA:
        mod = importlib.import_module(module)
        out.append((getattr(mod, name), kind, dict(getattr(mod, "EXAMPLE_PARAMS", {}))))
    return out


ESTIMATORS = _estimators()
IDS = [cls.__name__ for cls, _, _ in ESTIMATORS]


def _target(kind: str, X: np.ndarray, rng: np.random.Generator):
    n = X.shape[0]
    if kind == "classification":
        y = (X[:, 0] > np.median(X[:, 0])).astype(int)
        if n >= 2:
            y[:2] = [0, 1]  # both classes present
        return y
    if kind == "regression":
        return 1.0 + np.abs(X).sum(1) / X.shape[1] + 0.1 * rng.random(n)  # positive: Poisson accepts it
    return None


def _is_raw(exc: BaseException) -> bool:
    """True unless ``exc`` is a ValueError raised by code in this repository."""
    if not isinstance(exc, ValueError) or isinstance(exc, np.linalg.LinAlgError) or not str(exc).strip():
        return True
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return "site-packages" in tb.tb_frame.f_code.co_filename or "/lib/python" in tb.tb_frame.f_code.co_filename


def _check(cls, kind, params, X, y, *, must_fail=False, must_pass=False) -> None:
    """Fit and call every output method; assert finite outputs or a clear ValueError."""
    est = cls(**params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning and the like are legitimate here
            est.fit(X) if y is None else est.fit(X, y)
            outputs = {m: np.asarray(getattr(est, m)(X)) for m in OUTPUT_METHODS if hasattr(est, m)}
    except Exception as exc:  # noqa: BLE001 (the point is to classify every exception)
        if _is_raw(exc):
            raise AssertionError(f"{cls.__name__} raised a raw {type(exc).__name__}: {exc}") from exc
        assert not must_pass, f"{cls.__name__} refused valid input: {exc}"
        return
    assert not must_fail, f"{cls.__name__} accepted invalid input (NaN or inf) without an error"
    for method, out in outputs.items():
        if out.dtype.kind in "fc":
            assert np.all(np.isfinite(out)), f"{cls.__name__}.{method} returned NaN or inf"
        assert out.shape[0] == X.shape[0], f"{cls.__name__}.{method} returned {out.shape[0]} rows for {X.shape[0]}"
    for name, value in vars(est).items():
        if name.endswith("_") and name not in NAN_BY_DESIGN and isinstance(value, np.ndarray) \
                and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise AssertionError(f"{cls.__name__}.{name} has NaN or inf")


def _cases(kind):
    rng = np.random.default_rng(0)
    X = rng.random((30, 3))
    const_col = X.copy()
    const_col[:, 1] = 0.7
    nan, inf = X.copy(), X.copy()
    nan[2, 1], inf[2, 1] = np.nan, np.inf
    return {
        "float32": (X.astype(np.float32), "pass"),
        "one_sample": (X[:1], None),
        "two_samples": (X[:2], None),
        "constant_column": (const_col, None),
        "all_constant": (np.full((30, 3), 0.7), None),
        "one_feature": (X[:, :1], None),
        "large_scale": (X * 1e6, None),
        "small_scale": (X * 1e-6, None),
        "nan": (nan, "fail"),
        "inf": (inf, "fail"),
    }


CASE_NAMES = list(_cases("transform"))


@pytest.mark.parametrize("case", CASE_NAMES)
@pytest.mark.parametrize("cls, kind, params", ESTIMATORS, ids=IDS)
def test_degenerate_inputs(cls, kind, params, case):
    X, expect = _cases(kind)[case]
    y = _target(kind, np.nan_to_num(X, posinf=1.0), np.random.default_rng(1))
    _check(cls, kind, params, X, y, must_fail=expect == "fail", must_pass=expect == "pass")


N_EXAMPLES = int(os.environ.get("SWEEP_EXAMPLES", "4"))


@pytest.mark.parametrize("cls, kind, params", ESTIMATORS, ids=IDS)
def test_random_inputs(cls, kind, params):
    @settings(max_examples=N_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(n=st.integers(1, 25), d=st.integers(1, 4), scale=st.sampled_from([1e-3, 1.0, 1e3]),
           n_distinct=st.integers(1, 25), seed=st.integers(0, 2**16))
    def prop(n, d, scale, n_distinct, seed):
        rng = np.random.default_rng(seed)
        pool = rng.normal(0, scale, (min(n, n_distinct), d))  # repeated rows when n_distinct < n
        X = pool[rng.integers(0, len(pool), n)]
        if kind in ("transform", "clustering") and cls.__name__ in ("NMF", "MultinomialNB"):
            X = np.abs(X)
        _check(cls, kind, params, X, _target(kind, X, rng))

    prop()


CLASSIFIERS = [(c, p) for c, k, p in ESTIMATORS if k == "classification" and hasattr(c, "score")]
REGRESSORS = [(c, p) for c, k, p in ESTIMATORS if k == "regression" and hasattr(c, "score")
              and c.__name__ != "PoissonRegression"]


@pytest.mark.parametrize("cls, params", CLASSIFIERS + REGRESSORS,
                         ids=[c.__name__ for c, _ in CLASSIFIERS + REGRESSORS])
def test_score_from_mixins_equals_sklearn_metrics(cls, params):
    from sklearn.metrics import accuracy_score, r2_score

    from mlnotes.algorithms.base import ClassifierMixin, RegressorMixin

    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    is_clf = (cls, params) in CLASSIFIERS
    y = _target("classification" if is_clf else "regression", X, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cls(**params).fit(X, y)
    assert isinstance(est, ClassifierMixin if is_clf else RegressorMixin)
    assert "score" not in vars(cls), "score should come from the mixin"
    metric = accuracy_score if is_clf else r2_score
    assert est.score(X, y) == pytest.approx(metric(y, est.predict(X)), abs=1e-12)


def _invalid_values(rule):
    if rule.get("low") is not None:
        yield rule["low"] if rule.get("low_open") else rule["low"] - 1
    if rule.get("high") is not None:
        yield rule["high"] if rule.get("high_open") else rule["high"] + 1
    if rule.get("kind") is int:
        yield 2.5
    yield float("nan")


@pytest.mark.parametrize("cls, kind, params", ESTIMATORS, ids=IDS)
def test_common_hyperparameters_are_validated_in_fit(cls, kind, params):
    from mlnotes.algorithms.base import COMMON_PARAM_RULES

    rng = np.random.default_rng(0)
    X = rng.random((30, 3))
    y = _target(kind, X, rng)
    names = [n for n in cls._param_names() if n in COMMON_PARAM_RULES]
    for name in names:
        for bad in _invalid_values(COMMON_PARAM_RULES[name]):
            est = cls(**{**params, name: bad})
            with pytest.raises(ValueError, match=f"parameter '{name}' must be"):
                est.fit(X) if y is None else est.fit(X, y)


# t-SNE runs its iteration budget and reports n_iter_/converged_ without a warning (as scikit-learn does); the
# autoencoder's and the MLP's max_iter is a fixed number of epochs, with no tolerance to converge to
NO_TOLERANCE = {"TSNE", "Autoencoder", "MLPClassifier"}
ITERATIVE = [(c, k, p) for c, k, p in ESTIMATORS if "max_iter" in c._param_names() and c.__name__ not in NO_TOLERANCE]


@pytest.mark.parametrize("cls, kind, params", ITERATIVE, ids=[c.__name__ for c, _, _ in ITERATIVE])
def test_iterative_estimators_report_convergence(cls, kind, params):
    from mlnotes.algorithms.base import ConvergenceWarning

    rng = np.random.default_rng(1)  # seed 1: k-medoids' greedy BUILD start is not already a SWAP optimum
    X = np.abs(rng.normal(size=(40, 3))) + 0.1
    y = _target(kind, X, rng)
    if cls.__name__ == "KMedoids":
        params = {**params, "n_clusters": 5}
    stopped = {**params, "max_iter": 1, **({"tol": 1e-300} if "tol" in cls._param_names() else {})}
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        est = cls(**stopped).fit(X) if y is None else cls(**stopped).fit(X, y)
    assert est.converged_ is False and est.n_iter_ == 1
