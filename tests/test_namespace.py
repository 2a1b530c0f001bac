"""scripts/namespace.py on a small tree: every kind of reference is rewritten, nothing else is, a second run changes
nothing, and the rewritten tree imports as ``mlnotes.*`` from a plain checkout (``PYTHONPATH=<root>``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_script():
    spec = importlib.util.spec_from_file_location("namespace_script", ROOT / "scripts" / "namespace.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ns = _load_script()

FILES = {
    "kb/__init__.py": "",
    "kb/index.py": '''\
        """The index. See :class:`kb.index.Index`; results go to results.eval.json."""
        import logging

        log = logging.getLogger("kb.index")


        class Index:
            def search(self):
                return "hit"
        ''',
    "kb/helper.py": '''\
        import kb.index


        def make(kb_dir="kb"):
            model = object()
            return kb.index.Index(), kb_dir, model
        ''',
    "assistant/__init__.py": "",
    "assistant/cli.py": '''\
        import subprocess
        import sys

        from kb.index import Index  # see kb.index
        from . import other


        def main():
            assistant = other.Thing()
            assistant.cli = 1  # a local variable named like a package: left alone
            eval("1 + 1")
            return Index().search(), assistant


        def child():
            return [sys.executable, "-m", "assistant.other"]
        ''',
    "assistant/other.py": '''\
        import importlib


        class Thing:
            cli = 0


        def registry(name):
            return importlib.import_module(f"algorithms.{name}._registry")
        ''',
    "algorithms/__init__.py": "",
    "algorithms/lin/__init__.py": "",
    "algorithms/lin/_registry.py": 'SPECS = ["algorithms.lin.ols"]\n',
    "algorithms/lin/ols.py": "X = 1\n",
    "eval/__init__.py": "",
    "eval/run.py": '''\
        import kb.index as I, assistant.cli


        def go():
            out = "eval.md"
            return I.Index(), assistant.cli.main, out
        ''',
    "tests/test_x.py": '''\
        from unittest import mock


        def test_patch():
            with mock.patch("kb.index.Index.search", return_value="stub"):
                pass
            try: import algorithms.lin.ols as ols
            except ImportError: ols = None
            return ols
        ''',
    "corpus/chapters/a.md": "# A\n\nRun `python -m eval.run`; the file is eval.md.\n\n```python\nfrom kb.index import Index\n```\n",
    "README.md": "Run `python -m kb.index` and `mlnotes search`; see assistant/cli.py.\n",
    "Makefile": "check:\n\tpython -m eval.run --fast\n",
    "Dockerfile": "FROM python:3.11-slim\nCOPY kb ./kb\nCOPY eval ./eval\n# hadolint ignore=DL3013\n"
                  "RUN pip install --no-deps .\n"
                  "COPY corpus ./corpus\nRUN mlnotes index\n",
    "pyproject.toml": '''\
        [project]
        name = "mlnotes"
        version = "0.1.0"

        [project.scripts]
        mlnotes = "assistant.cli:main"

        [tool.setuptools.packages.find]
        include = ["kb*", "assistant*", "algorithms*", "eval*"]

        [tool.setuptools.package-data]
        assistant = ["calibration.json"]

        [tool.ruff.lint]
        select = ["E", "F", "I"]
        ''',
}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def _read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def test_rewrites_every_kind_of_reference_and_nothing_else(tree):
    assert ns.main(["--root", str(tree), "--no-ruff"]) == 0
    helper = _read(tree, "kb/helper.py")
    assert "import mlnotes.kb.index\n" in helper
    assert "return mlnotes.kb.index.Index(), kb_dir, model" in helper  # attribute use of the unaliased import
    assert 'def make(kb_dir="kb"):' in helper  # a bare "kb" string and a name containing kb: untouched
    index = _read(tree, "kb/index.py")
    assert ":class:`mlnotes.kb.index.Index`" in index and "results.eval.json" in index
    assert 'getLogger("mlnotes.kb.index")' in index
    cli = _read(tree, "assistant/cli.py")
    assert "from mlnotes.kb.index import Index  # see mlnotes.kb.index" in cli
    assert "from . import other" in cli
    assert "assistant.cli = 1" in cli and 'eval("1 + 1")' in cli  # locals and builtins untouched
    assert '"-m", "mlnotes.assistant.other"' in cli
    assert 'import_module(f"mlnotes.algorithms.{name}._registry")' in _read(tree, "assistant/other.py")
    assert _read(tree, "algorithms/lin/_registry.py") == 'SPECS = ["mlnotes.algorithms.lin.ols"]\n'
    run = _read(tree, "eval/run.py")
    assert "import mlnotes.kb.index as I, mlnotes.assistant.cli" in run
    assert "return I.Index(), mlnotes.assistant.cli.main, out" in run and '"eval.md"' in run
    test = _read(tree, "tests/test_x.py")
    assert 'mock.patch("mlnotes.kb.index.Index.search"' in test
    assert "try: import mlnotes.algorithms.lin.ols as ols" in test
    md = _read(tree, "corpus/chapters/a.md")
    assert "`python -m mlnotes.eval.run`; the file is eval.md." in md and "from mlnotes.kb.index import Index" in md
    assert _read(tree, "README.md") == ("Run `python -m mlnotes.kb.index` and `mlnotes search`; "
                                        "see assistant/cli.py.\n")
    assert "python -m mlnotes.eval.run --fast" in _read(tree, "Makefile")
    docker = _read(tree, "Dockerfile").splitlines()
    assert docker.index("COPY mlnotes ./mlnotes") < docker.index("COPY kb ./kb")
    assert docker.index("COPY corpus ./corpus") < docker.index("RUN pip install --no-deps .")
    assert docker[docker.index("RUN pip install --no-deps .") - 1] == "# hadolint ignore=DL3013"
    py = _read(tree, "pyproject.toml")
    assert f'name = "{ns.DISTRIBUTION}"' in py and 'mlnotes = "mlnotes.assistant.cli:main"' in py
    assert "[tool.setuptools.packages.find]" not in py
    assert '"mlnotes.kb" = "kb"' in py and '"mlnotes.corpus" = "corpus"' in py
    for pkg in ("mlnotes", "mlnotes.algorithms.lin", "mlnotes.eval", "mlnotes.corpus.chapters"):
        assert f'  "{pkg}",' in py
    assert '"mlnotes.assistant" = ["calibration.json"]' in py and '"mlnotes.corpus" = ["*.md", "**/*.md"]' in py
    assert 'known-first-party = ["mlnotes"]' in py
    import tomllib

    parsed = tomllib.loads(py)  # still valid TOML
    assert parsed["tool"]["setuptools"]["package-dir"]["mlnotes.eval"] == "eval"


def test_second_run_changes_nothing_and_check_says_so(tree, capsys):
    assert ns.main(["--root", str(tree), "--check"]) == 1  # before: a run would change files
    assert "would change kb/helper.py" in capsys.readouterr().out
    ns.main(["--root", str(tree), "--no-ruff"])
    snapshot = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    assert ns.main(["--root", str(tree), "--check"]) == 0
    ns.main(["--root", str(tree), "--no-ruff"])
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == snapshot


def test_a_new_subpackage_makes_check_fail(tree):
    ns.main(["--root", str(tree), "--no-ruff"])
    (tree / "algorithms" / "trees").mkdir()
    (tree / "algorithms" / "trees" / "__init__.py").write_text("")
    assert ns.main(["--root", str(tree), "--check"]) == 1
    ns.main(["--root", str(tree), "--no-ruff"])
    assert '  "mlnotes.algorithms.trees",' in _read(tree, "pyproject.toml")


def test_rewritten_tree_runs_under_the_namespace(tree):
    """From a plain checkout: mlnotes/__init__.py finds the packages at the root; the old names are not used."""
    ns.main(["--root", str(tree), "--no-ruff"])
    code = textwrap.dedent("""
        import sys
        from mlnotes.eval.run import go
        from mlnotes.kb.helper import make
        from mlnotes.assistant.cli import main, child
        import mlnotes.assistant.other as other
        index, run_main, out = go()
        assert index.search() == "hit" and out == "eval.md"
        assert run_main()[0] == "hit" and make()[1] == "kb"
        assert child()[-1] == "mlnotes.assistant.other"
        assert other.registry("lin").SPECS == ["mlnotes.algorithms.lin.ols"]
        stale = sorted(m for m in sys.modules if m.split(".")[0] in ("kb", "assistant", "algorithms", "eval"))
        assert stale == [], stale
        print("ok")
        """)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    proc = subprocess.run([sys.executable, "-m", "mlnotes.assistant.other"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_refuses_a_tree_without_the_packages(tmp_path):
    with pytest.raises(SystemExit, match="none of the packages"):
        ns.main(["--root", str(tmp_path)])
