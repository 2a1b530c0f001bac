"""Execute the ``python`` code blocks of a corpus document in order, in one namespace, like a notebook.

Blocks marked ``norun`` are never executed; blocks marked ``requires=a,b`` run only when every named module
imports, and are reported as skipped otherwise. Execution happens in a child process (:mod:`mlnotes.kb.childproc`, the
runner shared with the algorithm demos) with the Agg backend, a temporary working directory and a wall-clock
budget, so a hanging or crashing block cannot take the caller down.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from mlnotes.kb.childproc import Limits, child_env, run_child
from mlnotes.kb.markdown import CodeBlock, Document


@dataclass
class BlockOutcome:
    start: int  # 1-based line of the opening fence
    status: str  # "ok", "error", "skipped", "norun", "not-run" (an earlier block failed or time ran out)
    seconds: float = 0.0
    error: str = ""
    reason: str = ""


@dataclass
class RunReport:
    path: str
    outcomes: list[BlockOutcome] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    crashed: str = ""

    @property
    def ok(self) -> bool:
        return not self.timed_out and not self.crashed and all(o.status != "error" for o in self.outcomes) and not any(
            o.status == "not-run" for o in self.outcomes
        )

    def problems(self) -> list[str]:
        out = []
        for o in self.outcomes:
            if o.status == "error":
                out.append(f"{self.path}:{o.start}: python block failed: {o.error}")
        if self.timed_out:
            out.append(f"{self.path}: code blocks did not finish within the time budget ({self.seconds:.0f} s)")
        if self.crashed:
            out.append(f"{self.path}: the code runner crashed: {self.crashed}")
        return out


def missing_modules(block: CodeBlock) -> list[str]:
    return [m for m in block.requires if importlib.util.find_spec(m) is None]


def runnable_blocks(doc: Document) -> list[CodeBlock]:
    return [b for b in doc.code_blocks if b.lang in ("python", "py", "python3")]


def run_document(doc: Document, timeout: float = 120.0, cwd: Path | None = None) -> RunReport:
    """Run every ``python`` block of ``doc`` in a child process; return per-block outcomes."""
    blocks = runnable_blocks(doc)
    report = RunReport(path=doc.rel_path)
    payload = []
    for b in blocks:
        if b.norun:
            report.outcomes.append(BlockOutcome(b.start, "norun"))
            continue
        missing = missing_modules(b)
        if missing:
            report.outcomes.append(BlockOutcome(b.start, "skipped", reason=f"missing {', '.join(missing)}"))
            continue
        payload.append({"start": b.start, "code": b.code})
    if not payload:
        return report
    env = child_env(overrides={"PYTHONHASHSEED": "0"}, defaults={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    with tempfile.TemporaryDirectory(prefix="mlnotes-code-") as tmp:
        res = run_child("mlnotes.kb.coderun", payload, Limits(timeout_s=timeout), cwd=Path(cwd or tmp), env=env)
    report.seconds = res.seconds
    report.timed_out = res.timed_out
    if not res.timed_out and res.returncode not in (0, 1):
        report.crashed = f"exit code {res.returncode}: {res.stderr.strip()[-800:]}"
    done = {rec["start"]: rec for rec in res.records}
    for item in payload:
        rec = done.get(item["start"])
        if rec is None:
            report.outcomes.append(BlockOutcome(item["start"], "not-run"))
        else:
            report.outcomes.append(
                BlockOutcome(item["start"], rec["status"], seconds=rec["seconds"], error=rec.get("error", ""))
            )
    report.outcomes.sort(key=lambda o: o.start)
    return report


def child_main(blocks: list[dict], emit) -> int:
    """Child process (:mod:`mlnotes.kb.childproc`): exec the blocks in one namespace, in order, and ``emit`` each outcome;
    stops at the first failure (exit status 1)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "__main__"}
    status = 0
    for b in blocks:
        t0 = time.perf_counter()
        rec = {"start": b["start"], "status": "ok"}
        try:
            code = compile(b["code"], f"<block at line {b['start']}>", "exec", dont_inherit=True)
            exec(code, namespace)
        except BaseException as exc:  # noqa: BLE001 - report every failure, including SystemExit
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
            rec["status"] = "error"
            rec["error"] = (f"{type(exc).__name__}: {exc}\n" + "".join(tb[-3:]))[-1500:]
            status = 1
        rec["seconds"] = round(time.perf_counter() - t0, 3)
        emit(rec)
        if len(plt.get_fignums()) > 20:
            plt.close("all")
        if status:
            break
    plt.close("all")
    return status
