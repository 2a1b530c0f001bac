"""Run a registered algorithm demo in a separate process with limits.

* Only names in :mod:`mlnotes.algorithms.registry` can run; parameters are validated against the demo's declared types
  and bounds before anything starts. No code or module path ever comes from the request.
* The child process (:mod:`mlnotes.kb.childproc`, the runner shared with the corpus code blocks) starts in its own
  session and sets its own limits: an address-space limit (``RLIMIT_AS``), a CPU-time limit, no network (its
  socket ``connect`` refuses every non-loopback address, and proxies are unset); it gets a wall-clock timeout
  (its process group is killed when exceeded) and a temporary working directory.
* The demo's ``extra`` diagnostics (e.g. kernel-SVM's decision-function difference) come back with its metrics.
* At most ``max_concurrent`` runs at once; a run beyond that is refused at once with :class:`RunnerBusy` (HTTP 429)
  instead of queueing without bound.
* Free-text parameters are at most :data:`MAX_TEXT_CHARS` characters of valid Unicode (no unpaired surrogates);
  otherwise :class:`~mlnotes.algorithms.registry.ParamError` (HTTP 422) before anything starts.
* A failure is classified (:class:`RunFailed` ``reason``): ``timeout`` (HTTP 408), ``memory`` and ``input`` (422:
  the demo rejected its parameters with a ``ValueError``, an arithmetic error or a Unicode error) and ``error``
  (500: anything else, a bug). The API logs every one.
"""

from __future__ import annotations

import base64
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlnotes.algorithms import registry
from mlnotes.kb.childproc import Limits, child_env, run_child


class RunnerBusy(RuntimeError):
    """Too many demo runs at once."""


MAX_TEXT_CHARS = 2000  # the longest free-text demo parameter (a query or a text to tokenize)

# RunFailed.reason -> HTTP status
STATUS = {"timeout": 408, "memory": 422, "input": 422, "error": 500}


class RunFailed(RuntimeError):
    """The demo did not finish: ``reason`` is ``timeout``, ``memory``, ``input`` or ``error`` (see :data:`STATUS`)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class RunResult:
    name: str
    params: dict[str, Any]
    metrics: dict[str, float]
    reference: dict[str, float]
    reference_name: str
    seconds: float
    figure_png: bytes | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, include_figure: bool = True) -> dict[str, Any]:
        d = {
            "name": self.name,
            "params": self.params,
            "metrics": self.metrics,
            "reference": self.reference,
            "reference_name": self.reference_name,
            "seconds": round(self.seconds, 4),
            "notes": self.notes,
            "extra": self.extra,
        }
        if include_figure:
            d["figure_png_base64"] = base64.b64encode(self.figure_png).decode() if self.figure_png else None
        return d


def check_text(name: str, value: str) -> None:
    """A free-text parameter: at most :data:`MAX_TEXT_CHARS` characters, encodable as UTF-8."""
    if len(value) > MAX_TEXT_CHARS:
        raise registry.ParamError(f"parameter {name[:50]!r} is {len(value)} characters long; the limit is "
                                  f"{MAX_TEXT_CHARS}. Shorten it.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise registry.ParamError(f"parameter {name[:50]!r} is not valid text (an unpaired surrogate at position "
                                  f"{exc.start}); send valid UTF-8") from None


class DemoRunner:
    def __init__(self, max_concurrent: int = 2, timeout_s: float = 30.0, memory_mb: int = 4096,
                 cpu_s: int = 120) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.cpu_s = cpu_s
        self.max_concurrent = max_concurrent
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def validate(self, name: str, params: dict[str, Any] | None) -> tuple[registry.AlgorithmSpec, dict[str, Any]]:
        spec = registry.get(name)  # UnknownAlgorithmError
        for key, value in (params or {}).items():
            if isinstance(value, str):
                check_text(str(key), value)
        return spec, spec.validate_params(params or {})  # ParamError

    def run(self, name: str, params: dict[str, Any] | None = None, timeout_s: float | None = None) -> RunResult:
        spec, values = self.validate(name, params)
        if not self._slots.acquire(blocking=False):
            raise RunnerBusy(f"{self.max_concurrent} demo runs are already in progress; try again in a few seconds")
        try:
            return self._run_child(spec.name, values, timeout_s or self.timeout_s)
        finally:
            self._slots.release()

    def _run_child(self, name: str, values: dict[str, Any], timeout_s: float) -> RunResult:
        env = child_env(overrides={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, drop_proxies=True)
        limits = Limits(timeout_s=timeout_s, memory_mb=self.memory_mb, cpu_s=self.cpu_s, no_network=True)
        with tempfile.TemporaryDirectory(prefix="mlnotes-run-") as tmp:
            res = run_child("mlnotes.assistant.runner_child", {"name": name, "params": values}, limits, Path(tmp), env)
        if res.timed_out:
            raise RunFailed(f"demo {name!r} exceeded its time limit of {timeout_s:g} s and was stopped; "
                            "try smaller parameters", "timeout")
        payload = res.records[-1] if res.records else None
        errs = res.stderr
        if payload is None:
            if res.returncode and res.returncode < 0 or "MemoryError" in errs or "Cannot allocate" in errs:
                raise RunFailed(f"demo {name!r} exceeded its memory limit of {self.memory_mb} MB and was stopped; "
                                "try smaller parameters", "memory")
            tail = errs.strip().splitlines()[-1:] or ["no output"]
            raise RunFailed(f"demo {name!r} failed: {tail[0][:300]}", "error")
        if payload.get("error"):
            memory_signs = ("failed to map segment", "Cannot allocate memory", "std::bad_alloc", "out of memory")
            reason = ("memory" if payload.get("memory") or any(m in payload["error"] for m in memory_signs)
                      else "input" if payload.get("input") else "error")
            msg = (f"demo {name!r} exceeded its memory limit of {self.memory_mb} MB and was stopped"
                   if reason == "memory" else
                   f"demo {name!r} rejected its parameters: {payload['error']}" if reason == "input" else
                   f"demo {name!r} failed: {payload['error']}")
            raise RunFailed(msg, reason)
        png = base64.b64decode(payload["figure"]) if payload.get("figure") else None
        return RunResult(name=name, params=values, metrics=payload["metrics"], reference=payload["reference"],
                         reference_name=payload.get("reference_name", ""), seconds=res.seconds, figure_png=png,
                         notes=payload.get("notes", ""), extra=payload.get("extra") or {})
