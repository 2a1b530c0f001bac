"""Run Python work in a child process with limits: the one runner behind the corpus code blocks
(:mod:`mlnotes.kb.coderun`) and the algorithm demos (:mod:`mlnotes.assistant.runner`).

Parent side, :func:`run_child`: starts ``python -m mlnotes.kb.childproc <module>`` in a new session
(``start_new_session=True``, so no ``preexec_fn`` runs in a threaded server), sends ``{"limits", "payload"}`` as
JSON on stdin, and on a wall-clock timeout kills the whole process group.

Child side, :func:`main`: applies the limits itself (``RLIMIT_AS``, ``RLIMIT_CPU``, a socket guard refusing every
non-loopback address), points ``sys.stdout`` at stderr so the work's prints cannot corrupt the protocol, and calls
``<module>.child_main(payload, emit)``; every ``emit(record)`` becomes one ``@@MLNOTES@@{json}`` line on the real
stdout. The parent gets the records back in order.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MARKER = "@@MLNOTES@@"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 120.0  # wall clock, enforced by the parent
    memory_mb: int | None = None  # address space, set by the child
    cpu_s: int | None = None  # CPU time, set by the child
    no_network: bool = False  # the child's sockets refuse non-loopback addresses


@dataclass
class ChildResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    returncode: int | None = None
    stderr: str = ""
    timed_out: bool = False
    seconds: float = 0.0


def child_env(overrides: dict[str, str] | None = None, defaults: dict[str, str] | None = None,
              drop_proxies: bool = False) -> dict[str, str]:
    """The parent's environment for a child: offline model hubs, Agg plotting, the project importable from any
    working directory; ``defaults`` only where unset, ``overrides`` always."""
    env = {k: v for k, v in os.environ.items() if not (drop_proxies and "proxy" in k.lower())}
    env.update({"MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONWARNINGS": "ignore"})
    for k, v in (defaults or {}).items():
        env.setdefault(k, v)
    env.update(overrides or {})
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_child(module: str, payload: Any, limits: Limits, cwd: Path, env: dict[str, str] | None = None) -> ChildResult:
    """Run ``module.child_main(payload, emit)`` in a child process under ``limits``; never raises on the child's
    failure (see ``returncode``, ``stderr``, ``timed_out``)."""
    request = json.dumps({"limits": asdict(limits), "payload": payload})
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mlnotes.kb.childproc", module], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(cwd),
                            env=env if env is not None else child_env(), start_new_session=True)
    res = ChildResult()
    try:
        out, res.stderr = proc.communicate(request, timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, res.stderr = proc.communicate()
        res.timed_out = True
    res.returncode = proc.returncode
    res.seconds = time.perf_counter() - t0
    res.records = [json.loads(line[len(MARKER):]) for line in (out or "").splitlines() if line.startswith(MARKER)]
    return res


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the child and everything it started (its session's process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


# ----------------------------------------------------------------------------- child side


def apply_limits(limits: dict[str, Any]) -> None:
    if os.name == "posix":
        import resource

        if limits.get("memory_mb"):
            mem = int(limits["memory_mb"]) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if limits.get("cpu_s"):
            cpu = int(limits["cpu_s"])
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    if limits.get("no_network"):
        _no_network()


def _no_network() -> None:
    import socket

    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) and address else ""
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError("network access is disabled in this child process")
        return real_connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    socket.socket.connect_ex = lambda self, address: guarded(self, address) or 0  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    import importlib

    module = (argv if argv is not None else sys.argv[1:])[0]
    request = json.loads(sys.stdin.read())
    apply_limits(request.get("limits") or {})
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # the work's prints must not interleave with the protocol lines

    def emit(record: dict[str, Any]) -> None:
        real_stdout.write(MARKER + json.dumps(record) + "\n")
        real_stdout.flush()

    child_main: Callable[[Any, Callable[[dict], None]], int] = importlib.import_module(module).child_main
    return int(child_main(request.get("payload"), emit) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
