"""Run a registered algorithm demo in a separate process with limits.

* Only names in :mod:`algorithms.registry` can run; parameters are validated against the demo's declared types
  and bounds before anything starts. No code or module path ever comes from the request.
* The child process gets a wall-clock timeout (killed when exceeded), an address-space limit (``RLIMIT_AS``),
  a CPU-time limit, no network (its socket ``connect`` refuses every non-loopback address, and proxies are
  unset), and a temporary working directory.
* At most ``max_concurrent`` runs at once; a run beyond that is refused at once with :class:`RunnerBusy` (HTTP 429)
  instead of queueing without bound.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from algorithms import registry


class RunnerBusy(RuntimeError):
    """Too many demo runs at once."""


class RunFailed(RuntimeError):
    """The demo did not finish: ``reason`` is ``timeout``, ``memory`` or ``error``."""

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
        }
        if include_figure:
            d["figure_png_base64"] = base64.b64encode(self.figure_png).decode() if self.figure_png else None
        return d


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
        return spec, spec.validate_params(params or {})  # ParamError

    def run(self, name: str, params: dict[str, Any] | None = None, timeout_s: float | None = None) -> RunResult:
        spec, values = self.validate(name, params)
        if not self._slots.acquire(blocking=False):
            raise RunnerBusy(f"{self.max_concurrent} demo runs are already in progress; try again in a few seconds")
        try:
            return self._run_child(spec.name, values, timeout_s or self.timeout_s)
        finally:
            self._slots.release()

    def _limits(self):  # runs in the child between fork and exec
        import resource

        mem = self.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_s, self.cpu_s + 5))
        os.setsid()

    def _run_child(self, name: str, values: dict[str, Any], timeout_s: float) -> RunResult:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update({"MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"})
        repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = repo_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="mlnotes-run-") as tmp:
            proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.runner_child"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                cwd=tmp, env=env, preexec_fn=self._limits if os.name == "posix" else None,
            )
            try:
                out, errs = proc.communicate(json.dumps({"name": name, "params": values}), timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.communicate()
                raise RunFailed(f"demo {name!r} exceeded its time limit of {timeout_s:g} s and was stopped; "
                                "try smaller parameters", "timeout") from None
        seconds = time.perf_counter() - t0
        payload = None
        for line in out.splitlines():
            if line.startswith("@@RESULT@@"):
                payload = json.loads(line[len("@@RESULT@@"):])
        if payload is None:
            if proc.returncode and proc.returncode < 0 or "MemoryError" in errs or "Cannot allocate" in errs:
                raise RunFailed(f"demo {name!r} exceeded its memory limit of {self.memory_mb} MB and was stopped; "
                                "try smaller parameters", "memory")
            tail = errs.strip().splitlines()[-1:] or ["no output"]
            raise RunFailed(f"demo {name!r} failed: {tail[0][:300]}", "error")
        if payload.get("error"):
            memory_signs = ("failed to map segment", "Cannot allocate memory", "std::bad_alloc", "out of memory")
            reason = "memory" if payload.get("memory") or any(m in payload["error"] for m in memory_signs) else "error"
            msg = (f"demo {name!r} exceeded its memory limit of {self.memory_mb} MB and was stopped"
                   if reason == "memory" else f"demo {name!r} failed: {payload['error']}")
            raise RunFailed(msg, reason)
        png = base64.b64decode(payload["figure"]) if payload.get("figure") else None
        return RunResult(name=name, params=values, metrics=payload["metrics"], reference=payload["reference"],
                         reference_name=payload.get("reference_name", ""), seconds=seconds, figure_png=png,
                         notes=payload.get("notes", ""))


def _kill_group(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
