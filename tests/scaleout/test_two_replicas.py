"""Two ``mlnotes serve`` processes on different loopback ports share one PostgreSQL database and one index, as
two app replicas behind a load balancer would (docs/SCALING.md): a user and an interview session made on one
continue on the other, and SIGKILL of one replica mid-session loses no answer it acknowledged.

Each replica has its own, empty data dir, so nothing can be shared through a local SQLite file. The corpus is
the fixture corpus with a generated 12-question bank; the index is built once, before the replicas start."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.browser_support import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "corpus"
H = "X-Interview-Token"
N_QUESTIONS = 12

pytestmark = pytest.mark.slow


def bank_md(n: int) -> str:
    parts = ["---\nid: interview-replica-bank\ntitle: \"Interview questions: replica bank\"\nkind: interview\n"
             "topics: [ml-fundamentals]\nlevel: intermediate\n---\n\n# Interview questions: replica bank\n"]
    for i in range(n):
        parts.append(f"""
## What does regularization strength {i} do to a linear model?

**ID:** `replica-q{i:02d}` · **Difficulty:** easy · **Topics:** ml-fundamentals

### Short answer
A stronger penalty shrinks the weights toward zero, trading variance for bias.

### Key points
- A larger penalty shrinks the coefficients toward zero
- Shrinking the coefficients lowers variance and raises bias
- The penalty is usually chosen by cross-validation

### Explanation
Ridge regression adds the squared norm of the weights to the loss.

### Common mistakes
- Believing regularization always lowers the training error

### Follow-ups
- How would you choose the penalty by cross-validation?

### Learn more
- [Basics](../guides/ml-basics.md)
""")
    return "".join(parts)


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLNOTES_")}
    env.update(PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1",
               TOKENIZERS_PARALLELISM="false", GRADIO_ANALYTICS_ENABLED="False",
               MLNOTES_CORPUS_DIR=str(tmp / "corpus"), MLNOTES_INDEX_DIR=str(tmp / "index"),
               MLNOTES_GENERATOR="extractive", **extra)
    return env


class Replica:
    def __init__(self, tmp: Path, name: str, database_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{name}.log"
        data = tmp / f"data-{name}"
        # cwd is the temp folder: no .env of a developer's checkout is read
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlnotes.assistant.cli", "serve", "--port", str(self.port)], cwd=tmp,
            env=_env(tmp, MLNOTES_DATA_DIR=str(data), MLNOTES_DATABASE_URL=database_url),
            stdout=self.log.open("w"), stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 240.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"replica exited:\n{self.log.read_text()[-3000:]}"
            try:
                r = httpx.get(self.url + "/api/interview/topics", timeout=5)
            except httpx.HTTPError:
                r = None  # not listening yet
            if r is not None:
                assert r.status_code == 200, f"interview mode did not start:\n{self.log.read_text()[-3000:]}"
                return
            time.sleep(0.5)
        raise AssertionError(f"replica not ready in {timeout_s} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture()
def replicas(tmp_path, pg_server):
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    (tmp_path / "corpus" / "interview" / "replica-bank.md").write_text(bank_md(N_QUESTIONS))
    r = subprocess.run([sys.executable, "-m", "mlnotes.assistant.cli", "index"], cwd=tmp_path, env=_env(tmp_path),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    url = pg_server.create_database()
    made = [Replica(tmp_path, "a", url), Replica(tmp_path, "b", url)]
    try:
        for rep in made:
            rep.wait_ready()
        yield made
    finally:
        for rep in made:
            rep.stop()


def test_a_session_moves_between_replicas_and_survives_sigkill(replicas):
    a, b = replicas
    ca, cb = httpx.Client(base_url=a.url, timeout=60), httpx.Client(base_url=b.url, timeout=60)
    r = ca.post("/api/interview/users")
    assert r.status_code == 201, r.text
    h = {H: r.json()["token"]}
    assert cb.get("/api/interview/sessions", headers=h).json() == []  # B knows A's user
    r = ca.post("/api/interview/sessions", json={"n": N_QUESTIONS, "seed": 3}, headers=h)
    assert r.status_code == 201, r.text
    sid = r.json()["session_id"]
    base = f"/api/interview/sessions/{sid}"

    # alternate: answer on A, continue on B (which sees A's answer and the hint it gave), and back
    fb = ca.post(base + "/answer", json={"answer": "A stronger penalty shrinks the coefficients to zero."}, headers=h)
    assert fb.status_code == 200, fb.text
    v = cb.get(base, headers=h).json()
    assert v["answered"] == 1 and v["question"]["position"] == 2
    assert cb.post(base + "/hint", headers=h).json()["level"] == 1
    assert ca.get(base + "/question", headers=h).json()["question"]["hints_used"] == 1
    assert cb.post(base + "/skip", headers=h).status_code == 200
    assert ca.get(base, headers=h).json()["answered"] == 2

    # A answers as fast as it can; SIGKILL it after it has acknowledged a few, with a request in flight
    acked: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=a.url, timeout=60) as c:
            while not stop.is_set():
                try:
                    r = c.post(base + "/answer", json={"answer": "It lowers variance and raises the bias."},
                               headers=h)
                except httpx.HTTPError:
                    return  # the replica is gone
                if r.status_code == 200:
                    acked.append(r.json()["position"])
                elif r.status_code != 409:
                    return

    t = threading.Thread(target=hammer)
    t.start()
    deadline = time.monotonic() + 120
    while len(acked) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    a.proc.kill()  # SIGKILL: no shutdown hook runs
    a.proc.wait()
    stop.set()
    t.join(timeout=60)
    assert len(acked) >= 3, f"A acknowledged too few answers: {acked}\n{a.log.read_text()[-2000:]}"

    # B has every answer A acknowledged, positions without a gap, and the session where the answers end
    summ = cb.get(base + "/summary", headers=h).json()
    stored = [x["position"] for x in summ["answers"]]
    assert stored == list(range(1, len(stored) + 1))
    assert set(acked) <= set(stored) and {1, 2} <= set(stored)
    assert len(stored) - len(acked) - 2 in (0, 1)  # at most the answer in flight at the kill is extra
    print(f"A acknowledged {len(acked)} answers before SIGKILL; B holds {len(stored)} (2 from before)")
    v = cb.get(base, headers=h).json()
    assert v["answered"] == len(stored)
    # and B finishes the session
    while not v["finished"]:
        assert cb.post(base + "/skip", headers=h).status_code == 200
        v = cb.get(base, headers=h).json()
    assert v["answered"] == N_QUESTIONS
    csv_rows = cb.get("/api/interview/progress.csv", headers=h).text.strip().splitlines()
    assert len(csv_rows) == 1 + N_QUESTIONS
    assert not any((Path(a.log).parent / f"data-{n}" / "interview.sqlite3").exists() for n in ("a", "b"))
