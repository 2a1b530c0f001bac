"""The rooms of docs/ARCHITECTURE.md and what each may import, checked over the source with ``ast``.

Every ``import``/``from ... import`` of a project package (top level or inside a function, so lazy imports count
too) is checked against the room of the importing module. Also checked: no module outside ``kb`` reads a private
field of the index or sets its fusion parameters, and no module outside the settings reads ``MLNOTES_*`` from the
environment.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("algorithms", "kb", "assistant", "eval")
# the installed namespace (scripts/namespace.py): ``mlnotes.kb.index`` is checked as ``mlnotes.kb.index``
NAMESPACE = "mlnotes."

WEB = ("mlnotes.assistant.api", "mlnotes.assistant.ui", "mlnotes.assistant.interview.api", "mlnotes.assistant.interview.ui")
CLI = ("mlnotes.assistant.cli", "mlnotes.assistant.interview.cli")

# room -> (module prefixes that belong to it, module prefixes it may import)
ROOMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "algorithms": (("algorithms",), ("algorithms",)),
    "kb": (("kb",), ("kb",)),
    "cli": (CLI, ("kb", "algorithms", "assistant")),
    "web": (WEB, ("kb", "algorithms", "assistant")),
    "assistant": (("assistant",), ("kb", "algorithms", "assistant")),
    "eval": (("eval",), ("kb", "algorithms", "assistant", "eval")),
}
# below the web and CLI layers, nothing imports them
FORBIDDEN_FROM_CORE = WEB + CLI


def _module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    name = name.removeprefix(NAMESPACE)
    return any(name == p or name.startswith(p + ".") for p in (q.removeprefix(NAMESPACE) for q in prefixes))


def room_of(module: str) -> str:
    for room in ("cli", "web", "algorithms", "kb", "assistant", "eval"):  # most specific first
        if _within(module, ROOMS[room][0]):
            return room
    raise AssertionError(f"{module} is in no room; add it to ROOMS and docs/ARCHITECTURE.md")


def _sources(root: Path = ROOT) -> list[Path]:
    return sorted(p for pkg in PROJECT for p in (root / pkg).rglob("*.py"))


def _imports(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """``(line, imported module or name)`` for every project import; ``package`` resolves relative imports."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
            out += [(node.lineno, f"{name}.{a.name}") for a in node.names if a.name != "*"]
    return [(line, n) for line, n in out if n.removeprefix(NAMESPACE).split(".")[0] in PROJECT]


def violations(root: Path = ROOT) -> list[str]:
    """Every import that breaks the rooms' rules in the project tree at ``root`` (the repository by default)."""
    bad = []
    for path in _sources(root):
        module = _module_name(path, root)
        room = room_of(module)
        allowed = ROOMS[room][1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for line, name in _imports(tree, package):
            where = f"{path.relative_to(root).as_posix()}:{line}"
            if not _within(name, allowed):
                bad.append(f"{where}: the {room} room may not import {name}")
            elif room in ("assistant", "kb", "algorithms") and _within(name, FORBIDDEN_FROM_CORE):
                bad.append(f"{where}: {name} is the web/CLI layer, above the {room} room")
            elif room == "web" and _within(name, CLI):
                bad.append(f"{where}: {name} is the CLI, above the web room")
    return bad


def test_every_import_respects_the_rooms():
    assert violations() == []


def _not_python(folder: str, names: list[str]) -> list[str]:
    """copytree's ignore: everything but folders and .py files."""
    return [n for n in names if n == "__pycache__" or (not n.endswith(".py") and not Path(folder, n).is_dir())]


def test_the_checker_catches_a_violation(tmp_path):
    """The rule is live: an upward import in kb is reported (in a copy of the rooms, so the real tree, which other
    tests scan at the same time, is never touched)."""
    for pkg in PROJECT:
        if (ROOT / pkg).is_dir():
            shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=_not_python)
    assert violations(tmp_path) == []
    (tmp_path / "kb" / "_import_rule_probe.py").write_text("from mlnotes.assistant.settings import Settings\n")
    assert any("kb/_import_rule_probe.py:1: the kb room may not import mlnotes.assistant.settings" in v
               for v in violations(tmp_path))


INDEX_NAMES = {"index", "idx", "retriever"}
FUSION_FIELDS = {"fusion", "rrf_k", "w_dense"}


def _is_index_expr(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id in INDEX_NAMES) or (
        isinstance(node, ast.Attribute) and node.attr in INDEX_NAMES)


@pytest.mark.parametrize("pkg", ["assistant", "eval", "algorithms"])
def test_nothing_outside_kb_touches_the_index_internals(pkg):
    bad = []
    for path in sorted((ROOT / pkg).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and _is_index_expr(node.value):
                private = node.attr.startswith("_") and not node.attr.startswith("__")
                sets_fusion = node.attr in FUSION_FIELDS and isinstance(node.ctx, ast.Store)
                if private or sets_fusion or node.attr in ("dense", "bm25", "chunks", "manifest"):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert bad == []


ENV_EXEMPT = {"assistant/settings.py"}


def _reads_environment(node: ast.AST) -> bool:
    """``os.environ.get(...)``, ``os.environ[...]`` (load), ``os.getenv(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        f = node.func
        if f.attr == "getenv" and isinstance(f.value, ast.Name) and f.value.id == "os":
            return True
        if f.attr == "get" and isinstance(f.value, ast.Attribute) and f.value.attr == "environ":
            return True
    return (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Attribute) and node.value.attr == "environ")


def test_no_mlnotes_setting_is_read_from_the_environment_outside_the_settings():
    bad = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ENV_EXEMPT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _reads_environment(node) and "MLNOTES_" in ast.unparse(node):
                bad.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    assert bad == []
