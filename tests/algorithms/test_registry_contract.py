"""The registry contract, checked for every registered algorithm (all families).

See algorithms/README.md for the ``ESTIMATOR`` / ``EXAMPLE_DATA`` / ``EXAMPLE_PARAMS`` convention.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from mlnotes.algorithms.base import BaseEstimator, NotFittedError
from mlnotes.algorithms.registry import REPO_ROOT, AlgorithmSpec, Param, all_specs, by_path, get

SPECS = all_specs()
KINDS = {"classification", "regression", "clustering", "transform"}


def _example(kind: str):
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    if kind == "classification":
        y = (X[:, 0] + 0.5 * X[:, 1] > 0.75).astype(int)
        y[:2] = [0, 1]
        return X, y
    if kind == "regression":
        return X, 1.0 + X @ np.array([1.0, 2.0, 0.5]) + 0.1 * rng.standard_normal(40)  # positive
    return X, None


def _fit(est, X, y):
    return est.fit(X) if y is None else est.fit(X, y)


def test_registry_is_not_empty_and_names_unique():
    names = [s.name for s in SPECS]
    assert len(names) == len(set(names))
    assert len(names) >= 50


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_contract(spec: AlgorithmSpec):
    # --- fields -------------------------------------------------------------------------------------------
    assert spec.name and spec.name == spec.name.strip() and " " not in spec.name
    assert spec.title.strip() and spec.summary.strip() and spec.reference.strip()
    assert spec.module == f"mlnotes.algorithms.{spec.family}.{spec.module.rsplit('.', 1)[-1]}"
    assert (REPO_ROOT / spec.path).is_file(), spec.path
    assert by_path(spec.path) is not None
    assert get(spec.name) is spec
    assert spec.to_dict()["path"] == spec.path
    # --- params: defaults validate and round-trip through their string form -----------------------------------
    assert len({p.name for p in spec.params}) == len(spec.params)
    for p in spec.params:
        assert isinstance(p, Param)
        assert p.validate(p.default) == p.default
        text = str(p.default).lower() if p.type is bool else str(p.default)
        assert p.validate(text) == p.default
        if p.type in (int, float) and p.choices is None:
            assert p.low is not None and p.high is not None, f"{spec.name}.{p.name} must be bounded"
    assert spec.validate_params(None) == spec.defaults()
    # --- module and demo --------------------------------------------------------------------------------------
    mod = importlib.import_module(spec.module)
    demo_mod = importlib.import_module(spec.demo_module or spec.module)
    fn = getattr(demo_mod, spec.demo)
    assert callable(fn)
    sig = inspect.signature(fn)
    accepts_kwargs = any(q.kind is q.VAR_KEYWORD for q in sig.parameters.values())
    for p in spec.params:
        assert accepts_kwargs or p.name in sig.parameters, f"demo does not accept {p.name!r}"
    assert (mod.__doc__ or "").strip(), "module docstring (the math) is missing"
    # --- estimator contract -----------------------------------------------------------------------------------
    est_cls = getattr(mod, "ESTIMATOR", None)
    if est_cls is None:
        return
    kind = getattr(mod, "EXAMPLE_DATA", None)
    assert kind in KINDS, f"EXAMPLE_DATA must be one of {sorted(KINDS)}"
    assert issubclass(est_cls, BaseEstimator)
    kwargs = dict(getattr(mod, "EXAMPLE_PARAMS", {}))
    est = est_cls(**kwargs)
    params = est.get_params()
    init_names = [n for n in inspect.signature(est_cls.__init__).parameters if n != "self"]
    assert sorted(params) == sorted(init_names)
    for name, q in inspect.signature(est_cls.__init__).parameters.items():
        if name != "self":
            assert q.kind is q.KEYWORD_ONLY, f"{name} must be keyword-only"
    assert est.set_params(**params) is est and est.get_params() == params
    with pytest.raises(ValueError):
        est.set_params(no_such_parameter_xyz=1)

    X, y = _example(kind)
    method = next((m for m in ("predict", "transform", "predict_proba", "decision_function") if hasattr(est, m)), None)
    if method is not None:
        with pytest.raises(NotFittedError):
            getattr(est_cls(**kwargs), method)(X)
    assert _fit(est_cls(**kwargs), X, y) is not None
    fitted = est_cls(**kwargs)
    assert _fit(fitted, X, y) is fitted
    assert any(k.endswith("_") and not k.startswith("_") for k in vars(fitted)), "no learned attributes"
    if method is not None:
        out = np.asarray(getattr(fitted, method)(X))
        assert out.shape[0] == X.shape[0]
    # bad shapes and values raise ValueError with a message
    with pytest.raises(ValueError, match=r".+"):
        _fit(est_cls(**kwargs), X[:, 0], y)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match=r".+"):
        _fit(est_cls(**kwargs), X_nan, y)
    if y is not None:
        with pytest.raises(ValueError, match=r".+"):
            est_cls(**kwargs).fit(X, y[:-1])
