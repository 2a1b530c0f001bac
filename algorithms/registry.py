"""The registry of from-scratch algorithms and their runnable demos.

Each family package ``algorithms/<family>/`` owns a light module ``algorithms/<family>/_registry.py`` that
defines ``SPECS: list[AlgorithmSpec]``. Those modules import nothing heavy (no numpy work, no torch): the
algorithm module itself is imported only when its demo runs. :func:`all_specs` collects every family.

A demo is a function ``demo(**params) -> DemoResult`` in the algorithm's module (or another module named by
``AlgorithmSpec.demo``). It fits on bundled or synthetic data with a fixed seed, and returns the metrics of the
from-scratch implementation, the same metrics from the reference implementation, and a matplotlib figure.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


class ParamError(ValueError):
    """A demo parameter is unknown, of the wrong type, or out of bounds."""


class UnknownAlgorithmError(KeyError):
    """No algorithm is registered under that name."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else "unknown algorithm"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Param:
    """A typed demo parameter with a default and optional bounds or choices."""

    name: str
    type: type  # int, float, bool or str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    help: str = ""

    def __post_init__(self) -> None:
        if self.type not in (int, float, bool, str):
            raise TypeError(f"Param {self.name!r}: type must be int, float, bool or str, not {self.type!r}")
        # the default must itself be valid: a registry bug should fail loudly in the contract test
        self.validate(self.default)

    def validate(self, value: Any) -> Any:
        """Coerce ``value`` (possibly a string from a CLI or form) to the declared type and check bounds."""
        v = self._coerce(value)
        if self.choices is not None and v not in self.choices:
            raise ParamError(f"parameter {self.name!r} must be one of {list(self.choices)}, got {value!r}")
        if self.type in (int, float):
            if self.low is not None and v < self.low:
                raise ParamError(f"parameter {self.name!r} must be >= {self.low}, got {v}")
            if self.high is not None and v > self.high:
                raise ParamError(f"parameter {self.name!r} must be <= {self.high}, got {v}")
        return v

    def _coerce(self, value: Any) -> Any:
        t, name = self.type, self.name
        if t is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise ParamError(f"parameter {name!r} must be a boolean (true/false), got {value!r}")
        if t is int:
            if isinstance(value, bool):
                raise ParamError(f"parameter {name!r} must be an integer, got a boolean")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except ValueError:
                    pass
            raise ParamError(f"parameter {name!r} must be an integer, got {value!r}")
        if t is float:
            if isinstance(value, bool):
                raise ParamError(f"parameter {name!r} must be a number, got a boolean")
            try:
                v = float(value.strip()) if isinstance(value, str) else float(value)
            except (TypeError, ValueError):
                raise ParamError(f"parameter {name!r} must be a number, got {value!r}") from None
            if not math.isfinite(v):
                raise ParamError(f"parameter {name!r} must be finite, got {value!r}")
            return v
        if not isinstance(value, str):
            raise ParamError(f"parameter {name!r} must be a string, got {value!r}")
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.__name__,
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "choices": list(self.choices) if self.choices is not None else None,
            "help": self.help,
        }


@dataclass
class DemoResult:
    """What a demo returns: our metrics, the reference's metrics (same keys where comparable), a figure."""

    metrics: dict[str, float]
    reference: dict[str, float]
    figure: Any = None  # a matplotlib Figure, or None
    reference_name: str = ""
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlgorithmSpec:
    """One registered algorithm: what it is, where it lives, what teaches it, and how to demo it."""

    name: str  # unique slug, e.g. "kmeans"
    title: str  # human title, e.g. "k-means with k-means++ initialisation"
    family: str  # the folder under algorithms/, e.g. "clustering"
    summary: str  # one line
    module: str  # import path, e.g. "mlnotes.algorithms.clustering.kmeans"
    reference: str  # what it is verified against, e.g. "sklearn.cluster.KMeans"
    params: tuple[Param, ...] = ()
    sections: tuple[str, ...] = ()  # corpus sections that teach it, "doc_id#section_id"
    demo: str = "demo"  # name of the demo function in ``module``
    demo_module: str | None = None  # defaults to ``module``
    tags: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """Repository-relative path of the implementation file, e.g. ``algorithms/clustering/kmeans.py``."""
        # relative to REPO_ROOT, the folder above algorithms/ (also once installed as mlnotes.algorithms)
        return self.module.removeprefix("mlnotes.").replace(".", "/") + ".py"

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Return the full parameter dict (defaults filled in) or raise :class:`ParamError`."""
        params = dict(params or {})
        by_name = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(by_name))
        if unknown:
            valid = sorted(by_name) or ["(none)"]
            raise ParamError(f"unknown parameter(s) {unknown} for {self.name!r}; valid parameters: {valid}")
        out = self.defaults()
        for key, value in params.items():
            out[key] = by_name[key].validate(value)
        return out

    def load_demo(self) -> Callable[..., DemoResult]:
        mod = importlib.import_module(self.demo_module or self.module)
        fn = getattr(mod, self.demo, None)
        if fn is None:
            raise AttributeError(f"{self.demo_module or self.module} has no demo function {self.demo!r}")
        return fn

    def run(self, **params: Any) -> DemoResult:
        """Validate parameters and run the demo in this process (the assistant's runner isolates it)."""
        values = self.validate_params(params)
        result = self.load_demo()(**values)
        if not isinstance(result, DemoResult):
            raise TypeError(f"demo of {self.name!r} returned {type(result).__name__}, expected DemoResult")
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "family": self.family,
            "summary": self.summary,
            "module": self.module,
            "path": self.path,
            "reference": self.reference,
            "params": [p.to_dict() for p in self.params],
            "sections": list(self.sections),
            "tags": list(self.tags),
        }


@lru_cache(maxsize=1)
def _load() -> dict[str, AlgorithmSpec]:
    specs: dict[str, AlgorithmSpec] = {}
    for info in sorted(pkgutil.iter_modules([str(PACKAGE_DIR)]), key=lambda i: i.name):
        if not info.ispkg:
            continue
        if not (PACKAGE_DIR / info.name / "_registry.py").exists():
            continue
        mod = importlib.import_module(f"mlnotes.algorithms.{info.name}._registry")
        for spec in getattr(mod, "SPECS", []):
            if spec.name in specs:
                raise ValueError(f"duplicate algorithm name {spec.name!r} in algorithms/{info.name}")
            specs[spec.name] = spec
    return specs


def all_specs() -> list[AlgorithmSpec]:
    """Every registered algorithm, sorted by family then name."""
    return sorted(_load().values(), key=lambda s: (s.family, s.name))


def get(name: str) -> AlgorithmSpec:
    """The spec registered under ``name``; raises :class:`UnknownAlgorithmError` listing close names."""
    specs = _load()
    if name in specs:
        return specs[name]
    # names are matched with '-' and '_' treated alike, so 'tiny_gpt' finds 'tiny-gpt'
    canon = {k.replace("_", "-"): k for k in specs}
    if isinstance(name, str) and name.replace("_", "-") in canon:
        return specs[canon[name.replace("_", "-")]]
    import difflib

    close = difflib.get_close_matches(name, list(specs), n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else " Run 'mlnotes run --list' to see them."
    raise UnknownAlgorithmError(f"unknown algorithm {name!r}.{hint}")


def by_path(path: str) -> AlgorithmSpec | None:
    """The spec whose implementation file is ``path`` (repository-relative, forward slashes), if any."""
    norm = path.replace("\\", "/").lstrip("./")
    for spec in _load().values():
        if spec.path == norm:
            return spec
    return None
