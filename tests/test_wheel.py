"""The wheel works away from the checkout: the CI job for "install anywhere".

A copy of the checkout is put under the ``mlnotes`` namespace with ``scripts/namespace.py`` (a no-op once the tree
is renamed), an sdist is built from it and the wheel from the unpacked sdist (as ``python -m build`` does, with
setuptools' PEP 517 hooks; no network, no build isolation). The wheel goes into a fresh virtual environment in a
temporary folder; its dependencies are this environment's (a ``.pth`` line to its site-packages, so nothing is
downloaded) and the project itself comes only from the wheel. There, with no ``MLNOTES_*`` setting, no
``PYTHONPATH`` and the working directory outside the checkout: ``mlnotes --version``, ``mlnotes index`` (the
corpus shipped in the wheel, the index in the user's cache folder, seeded with the checkout's index when there is
one so that unchanged chunks reuse their vectors), ``search --json``, ``ask --json``, a
two-question ``mlnotes interview`` over a pipe, and ``mlnotes serve`` answering ``/api/health``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.browser_support import free_port
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
BACKEND = "from setuptools import build_meta as b; import sys; print(getattr(b, sys.argv[1])(sys.argv[2]))"


def _run(args, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 600)
    proc = subprocess.run(args, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _copy_checkout(dst: Path) -> None:
    files = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT).stdout
    for rel in filter(None, files.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv's bin folder, environment, working folder, wheel path, install seconds)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout (the files to package are git's)")
    tmp = tmp_path_factory.mktemp("wheel")
    src, dist, work = tmp / "src", tmp / "dist", tmp / "work"
    for d in (src, dist, work):
        d.mkdir()
    _copy_checkout(src)
    _run([sys.executable, "scripts/namespace.py", "--no-ruff"], cwd=src)
    sdist = src / "dist" / _run([sys.executable, "-c", BACKEND, "build_sdist", str(src / "dist")],
                                cwd=src).stdout.split()[-1]
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    wheel = dist / _run([sys.executable, "-c", BACKEND, "build_wheel", str(dist)], cwd=unpacked).stdout.split()[-1]

    venv = tmp / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "--quiet",
          str(wheel)])
    seconds = time.perf_counter() - t0

    env = {k: v for k, v in os.environ.items() if not k.startswith("MLNOTES_") and k not in ("PYTHONPATH",
                                                                                             "VIRTUAL_ENV")}
    env.update(HOME=str(tmp / "home"), XDG_CACHE_HOME=str(tmp / "cache"), XDG_DATA_HOME=str(tmp / "data"),
               XDG_CONFIG_HOME=str(tmp / "config"), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1",
               MLNOTES_SERVER_PROBE="0")  # answer from the wheel's own code, not a server someone runs on 7860
    try:  # reuse this machine's exported ONNX model (the export itself is tested in tests/kb)
        from mlnotes.kb.embedding import default_cache_dir

        if default_cache_dir().is_dir():
            shutil.copytree(default_cache_dir(), tmp / "cache" / "mlnotes" / "onnx")
    except ImportError:
        pass
    if (ROOT / ".mlnotes" / "index" / "embeddings.npy").is_file():  # vectors to reuse: the build stays short
        shutil.copytree(ROOT / ".mlnotes" / "index", tmp / "cache" / "mlnotes" / "index")
        # and the answer sentences beside it (reused per unchanged chunk): their precompute is tested elsewhere
        # (tests/assistant/test_sentence_cache.py) and took minutes here
        if (ROOT / ".mlnotes" / "index.sentences.npz").is_file():
            shutil.copy2(ROOT / ".mlnotes" / "index.sentences.npz", tmp / "cache" / "mlnotes" / "index.sentences.npz")
    return venv / "bin", env, work, wheel, seconds


def _mlnotes(installed, *args, **kw) -> subprocess.CompletedProcess:
    bin_dir, env, work, _, _ = installed
    return _run([str(bin_dir / "mlnotes"), *args], cwd=work, env=env, **kw)


def test_the_wheel_carries_code_data_and_corpus(installed):
    bin_dir, env, work, wheel, seconds = installed
    names = zipfile.ZipFile(wheel).namelist()
    corpus = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "corpus").rglob("*.md"))
    assert {f"mlnotes/{p}" for p in corpus} <= set(names)
    for needed in ("mlnotes/__init__.py", "mlnotes/kb/index.py", "mlnotes/assistant/calibration.json",
                   "mlnotes/assistant/interview/grader_params.json", "mlnotes/algorithms/registry.py"):
        assert needed in names
    assert any(n.startswith("mlnotes/eval/datasets/") and n.endswith(".jsonl") for n in names)
    assert not [n for n in names if n.split("/")[0] in ("kb", "assistant", "algorithms", "eval", "tests")]
    where = _run([str(bin_dir / "python"), "-c", "import mlnotes.kb, mlnotes.assistant.settings as s; "
                  "print(mlnotes.kb.__file__); print(s.get_settings().corpus_dir)"], cwd=work, env=env).stdout
    kb_file, corpus_dir = where.split()
    venv = bin_dir.parent.resolve()
    assert Path(kb_file).resolve().is_relative_to(venv) and Path(corpus_dir).resolve().is_relative_to(venv)
    print(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB, {len(names)} files; "
          f"pip install --no-deps {seconds:.1f} s")


def test_version_index_search_ask(installed):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert _mlnotes(installed, "--version").stdout.strip() == f"mlnotes {version}"
    # --force: chunk the wheel's corpus and write the index (vectors of unchanged chunks are reused when seeded)
    built = _mlnotes(installed, "index", "--force", timeout=1200)
    assert "indexed" in built.stdout
    _, env, _, _, _ = installed
    assert (Path(env["XDG_CACHE_HOME"]) / "mlnotes" / "index" / "manifest.json").is_file()
    hits = json.loads(_mlnotes(installed, "search", "ridge regression", "--json").stdout)["hits"]
    assert hits and any("ridge" in json.dumps(h).lower() for h in hits[:3])
    answer = json.loads(_mlnotes(installed, "ask", "What is ridge regression?", "--json").stdout)
    assert answer["sources"] and answer["sentences"] and not answer["abstained"]


def test_interview_over_a_pipe(installed):
    out = _mlnotes(installed, "interview", "-n", "2", "--seed", "1",
                   input="It adds an L2 penalty to the loss.\nI do not know.\n").stdout
    assert "over 2 answer(s)" in out and out.count("/10") >= 3, out[-2000:]  # two graded answers, the mean


def test_serve_answers_health(installed):
    bin_dir, env, work, _, _ = installed
    port = free_port()
    proc = subprocess.Popen([str(bin_dir / "mlnotes"), "serve", "--port", str(port)], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
                    health = json.load(r)
                break
            except OSError:
                assert time.monotonic() < deadline, "mlnotes serve did not answer /api/health in 300 s"
                time.sleep(1)
        assert health["status"] == "ok" and health["chunks"] > 0
    finally:
        stop(proc, 30)
