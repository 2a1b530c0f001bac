"""Run a chapter's ``python`` blocks at site-build time and keep every matplotlib figure they draw, as PNG files.

Blocks run in order in one namespace, like a notebook, in a child process (``python -m mlnotes.assistant.site.figures``)
with the Agg backend and a time budget: the same rules as :mod:`mlnotes.kb.coderun` (``norun`` blocks never run, blocks
whose ``requires=`` modules are missing are skipped). ``plt.show()`` is replaced by a function that saves the open
figures, so a block that shows and then closes its figure still yields it, and figures still open when a block ends
are saved too.

Results are cached under ``cache_dir`` by content hash: the key of a block is the hash of its own code and of every
earlier runnable block of the document (the namespace a block sees depends on them), plus the Python and
matplotlib versions. A document whose blocks all hit the cache is not run at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from mlnotes.kb.coderun import missing_modules, runnable_blocks
from mlnotes.kb.markdown import CodeBlock, Document

CACHE_VERSION = "1"
_PROTOCOL = "@@MLNOTES-FIG@@"


@dataclass
class Figure:
    file: str  # file name inside the figures folder
    alt: str


@dataclass
class DocFigures:
    """Figures per block (keyed by the block's opening-fence line) and what happened when running."""

    by_block: dict[int, list[Figure]] = field(default_factory=dict)
    ran: bool = False  # False: everything came from the cache
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _versions() -> str:
    import matplotlib

    return f"{CACHE_VERSION}|{sys.version_info[:2]}|{matplotlib.__version__}"


def block_keys(blocks: list[CodeBlock]) -> list[str]:
    """Cumulative content hash of each block: its code and every earlier block's code."""
    h = hashlib.sha256(_versions().encode())
    keys = []
    for b in blocks:
        h.update(b"\0" + " ".join(b.attrs).encode() + b"\0" + b.code.encode())
        keys.append(h.hexdigest()[:20])
    return keys


def first_comment(code: str) -> str:
    """The first comment of a block (consecutive ``#`` lines joined), without the ``#``."""
    lines: list[str] = []
    for line in code.splitlines():
        s = line.strip()
        if s.startswith("#") and not s.startswith("#!"):
            lines.append(s.lstrip("#").strip())
        elif lines:
            break
    return " ".join(x for x in lines if x)


_CAPTION_RE = re.compile(r"^\s*(?:\*|_)?(Figure|Fig\.)\s*[^:]*:\s*(.+?)(?:\*|_)?\s*$")


def caption_after(doc: Document, block: CodeBlock) -> str:
    """A caption paragraph right after the block (``*Figure: ...*`` or ``Figure 3: ...``), if there is one."""
    i = block.end  # 0-based index of the line after the closing fence
    while i < len(doc.lines) and not doc.lines[i].strip():
        i += 1
    if i < len(doc.lines):
        m = _CAPTION_RE.match(doc.lines[i])
        if m:
            return m.group(2).strip()
    return ""


def alt_text(doc: Document, block: CodeBlock, titles: str, index: int, count: int) -> str:
    """Alt text: the caption after the block, else the block's first comment, with the figure's own titles."""
    base = caption_after(doc, block) or first_comment(block.code)
    parts = [p for p in (base, titles) if p]
    if not parts:
        parts = [f"Figure drawn by the code block at line {block.start} of {doc.rel_path}"]
    text = " - ".join(parts)
    if count > 1:
        text += f" (figure {index + 1} of {count})"
    return " ".join(text.split())


def doc_figures(doc: Document, cache_dir: Path, timeout: float = 300.0) -> DocFigures:
    """Figures for each runnable block of ``doc``, from the cache or by running the document's blocks."""
    blocks = runnable_blocks(doc)
    result = DocFigures()
    if not blocks:
        return result
    keys = block_keys(blocks)
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifests = [cache_dir / f"{k}.json" for k in keys]
    runnable = [b for b in blocks if not b.norun and not missing_modules(b)]
    if all(m.exists() for m, b in zip(manifests, blocks) if b in runnable):
        for m, b in zip(manifests, blocks):
            if b in runnable:
                _load(m, b, result)
        return result
    payload = [{"start": b.start, "code": b.code, "key": k} for b, k in zip(blocks, keys) if b in runnable]
    result.ran = True
    t0 = time.perf_counter()
    env = {**os.environ, "MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONHASHSEED": "0", "PYTHONWARNINGS": "ignore"}
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    repo_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = repo_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    records: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mlnotes-fig-") as tmp:
        try:
            proc = subprocess.run([sys.executable, "-m", "mlnotes.assistant.site.figures", str(cache_dir)],
                                  input=json.dumps(payload), capture_output=True, text=True, timeout=timeout,
                                  cwd=tmp, env=env)
            stdout = proc.stdout
            if proc.returncode not in (0, 1):
                result.problems.append(f"{doc.rel_path}: the figure runner exited with {proc.returncode}: "
                                       f"{proc.stderr.strip()[-300:]}")
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            result.problems.append(f"{doc.rel_path}: code blocks did not finish within {timeout:g} s; figures of "
                                   "the blocks that did not run are missing")
    result.seconds = time.perf_counter() - t0
    for line in stdout.splitlines():
        if line.startswith(_PROTOCOL):
            rec = json.loads(line[len(_PROTOCOL):])
            records[rec["start"]] = rec
    for b, m in zip(blocks, manifests):
        rec = records.get(b.start)
        if rec is None:
            continue
        if rec["status"] != "ok":
            result.problems.append(f"{doc.rel_path}:{b.start}: python block failed: {rec.get('error', '')[:300]}")
            continue
        figs = [{"file": f["file"], "alt": alt_text(doc, b, f["titles"], i, len(rec["figures"]))}
                for i, f in enumerate(rec["figures"])]
        m.write_text(json.dumps({"start": b.start, "figures": figs}), encoding="utf-8")
        _load(m, b, result)
    return result


def cached_figures(doc: Document, cache_dir: Path) -> dict[int, list[Figure]]:
    """The figures of ``doc``'s blocks that the site build already cached (keyed by the block's opening-fence
    line); nothing is run, so a block whose figures are not cached (or whose code changed) has none."""
    blocks = runnable_blocks(doc)
    result = DocFigures()
    if not blocks or not Path(cache_dir).is_dir():
        return {}
    for b, k in zip(blocks, block_keys(blocks)):
        m = Path(cache_dir) / f"{k}.json"
        if m.exists():
            try:
                _load(m, b, result)
            except (OSError, ValueError, KeyError):
                continue
    return result.by_block


def _load(manifest: Path, block: CodeBlock, result: DocFigures) -> None:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    figs = [Figure(f["file"], f["alt"]) for f in data["figures"] if (manifest.parent / f["file"]).exists()]
    if figs:
        result.by_block[block.start] = figs


def _child_main(out_dir: str) -> int:
    """Child: exec the blocks from stdin in one namespace; save figures on ``plt.show()`` and at each block's end."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    blocks = json.loads(sys.stdin.read())
    namespace: dict = {"__name__": "__main__"}
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # the blocks' prints must not interleave with the protocol lines
    saved: list[dict] = []
    current: dict = {}

    def save_open_figures(*_args, **_kwargs) -> None:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if getattr(fig, "_mlnotes_saved", False):
                continue
            fig._mlnotes_saved = True
            name = f"{current['key']}-{len(saved)}.png"
            fig.savefig(out / name, dpi=80, bbox_inches="tight")
            titles = [t for t in [fig._suptitle.get_text() if fig._suptitle else ""]
                      + [ax.get_title() for ax in fig.axes] if t]
            saved.append({"file": name, "titles": "; ".join(dict.fromkeys(titles))[:300]})

    plt.show = save_open_figures
    status = 0
    for b in blocks:
        current["key"] = b["key"]
        saved.clear()
        t0 = time.perf_counter()
        rec: dict = {"start": b["start"], "status": "ok"}
        try:
            exec(compile(b["code"], f"<block at line {b['start']}>", "exec", dont_inherit=True), namespace)
            save_open_figures()
        except BaseException as exc:  # noqa: BLE001 - report every failure, including SystemExit
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
            rec["status"] = "error"
            rec["error"] = (f"{type(exc).__name__}: {exc}\n" + "".join(tb[-3:]))[-1500:]
            status = 1
        plt.close("all")
        rec["figures"] = list(saved)
        rec["seconds"] = round(time.perf_counter() - t0, 3)
        real_stdout.write(_PROTOCOL + json.dumps(rec) + "\n")
        real_stdout.flush()
        if status:
            break
    return status


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1]))
