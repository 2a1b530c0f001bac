"""Start :mod:`tests.reliability.serve_fixture` in a child process and stop it (shared by the process-level tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser_support import free_port
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "corpus"


def get_json(url: str, headers: dict | None = None, method: str = "GET", body: dict | None = None,
             timeout: float = 30) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def server_log(proc: subprocess.Popen, tail: int = 6000) -> str:
    """The server's exit status (None while it runs) and the end of its output, for a failing test's message."""
    path = getattr(proc, "log_path", None)
    text = path.read_text(errors="replace")[-tail:] if path and path.exists() else ""
    return f"exit status {proc.poll()}; its output ends:\n{text}"


@contextmanager
def fixture_server(tmp: Path, key: str = "", read_timeout: float = 15.0) -> Iterator[tuple[str, subprocess.Popen,
                                                                                             Path]]:
    """Yields (base URL, the process, the corpus folder, which the test may edit)."""
    corpus = tmp / "corpus"
    if not corpus.exists():
        shutil.copytree(FIXTURE, corpus)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    # the server's output goes to a file, not a pipe nobody drains (a full pipe would stall the server), and
    # faulthandler prints every thread's stack if it dies of a signal: server_log() reports both
    log = tmp / f"server-{port}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "tests.reliability.serve_fixture",
                                 str(corpus), str(tmp / "index"), str(tmp / "data"), str(port), key,
                                 str(read_timeout)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True)
    proc.log_path = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the server exited: {server_log(proc)}")
            try:
                if get_json(f"{url}/api/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise AssertionError("the server did not start in 120 s")
            time.sleep(0.2)
        yield url, proc, corpus
    finally:
        stop(proc, 15)
