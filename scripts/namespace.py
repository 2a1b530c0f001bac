"""Move the code into one installed namespace: ``kb`` -> ``mlnotes.kb`` (and ``assistant``, ``algorithms``, ``eval``).

The repository layout stays (``corpus/``, ``kb/``, ``assistant/``, ``algorithms/``, ``eval/`` at the top); what
changes is how the code names itself:

* every import of a project package (``from kb.index import Index``, ``import kb.index``, ``import kb.index as I``,
  at any depth, lazy ones included) gets the ``mlnotes.`` prefix; after an unaliased ``import kb.x`` the name ``kb``
  is no longer bound, so its attribute uses (``kb.x.f()``) are rewritten in that file too;
* dotted module paths in strings, comments and docs (``"assistant.cli:main"``, ``-m eval.run``,
  ``"kb.index.Index"`` in ``mock.patch``/``monkeypatch``, ``f"algorithms.{family}._registry"``) get it as well.
  A dotted name is rewritten only when its first two parts name a real module or package of the tree, so
  ``results.eval.json`` or ``model.eval()`` are left alone;
* ``mlnotes/__init__.py`` is written: in a source checkout it adds the repository root to the package's search
  path, so ``PYTHONPATH=.`` (or an editable install) finds ``mlnotes.kb`` in ``kb/``; in a wheel the packages sit
  inside ``mlnotes/`` and it does nothing;
* ``pyproject.toml``: the distribution name (free on PyPI: ``mlnotes`` is taken), the package-dir mapping with the
  list of every package (generated from the tree), package data under the new names, and the corpus shipped as
  ``mlnotes/corpus`` (so ``Path(mlnotes.__file__).parent / "corpus"`` is the default corpus of an installed wheel);
* ``Dockerfile``: ``mlnotes/`` and ``corpus/`` are copied before the project is installed.

Idempotent: a second run changes nothing. ``--check`` changes nothing and exits 1 if a run would change a file
(a CI guard: a new subpackage needs a run to be listed in ``pyproject.toml``). Usage, from the repository root::

    python scripts/namespace.py [--root .] [--check] [--no-ruff]

After rewriting, ``ruff check --select I --fix`` re-sorts the imports of the changed Python files when ruff is found
(the longer names can push an import over the line length, which isort then wraps).
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

NAMESPACE = "mlnotes"
DISTRIBUTION = "ml-ai-notes"  # free on PyPI (checked against the registry's name list); the command stays mlnotes
TOPS = ("kb", "assistant", "algorithms", "eval")
DATA_DIRS = {"corpus": ["*.md", "**/*.md"]}  # folders shipped as package data: NAMESPACE.<dir>

SKIP_DIRS = {".git", ".venv", "venv", ".mlnotes", "build", "dist", "node_modules", "__pycache__", ".pytest_cache",
             ".ruff_cache", ".hypothesis", NAMESPACE}
SKIP_PATHS = ("eval/reports/", "site/")  # generated output
TEXT_SUFFIXES = {".py", ".md", ".toml", ".sh", ".yml", ".yaml", ".cfg", ".ini", ".txt", ".json", ".rst"}
TEXT_NAMES = {"Makefile", "Dockerfile", "run", "Containerfile"}
SELF = {"scripts/namespace.py", "tests/test_namespace.py"}  # they spell the old names on purpose

INIT = f'''"""ML/AI Notes: one import namespace, ``{NAMESPACE}.kb``, ``{NAMESPACE}.assistant``, \
``{NAMESPACE}.algorithms``, ``{NAMESPACE}.eval``.

An installed wheel holds those packages (and the corpus, as package data) inside this folder. A source checkout
keeps them at the repository root (``kb/``, ``assistant/``, ...), beside this folder: then the root is added to the
package's search path, so that ``{NAMESPACE}.kb`` is ``<root>/kb`` with ``PYTHONPATH=<root>`` or an editable
install. Written by ``scripts/namespace.py``.
"""

from pathlib import Path as _Path

_HERE = _Path(__file__).resolve().parent
if not (_HERE / "kb").is_dir() and (_HERE.parent / "kb" / "__init__.py").is_file():
    __path__.append(str(_HERE.parent))  # noqa: F821 (a package's own __path__)
'''

_TOP_ALT = "|".join(TOPS)
# a dotted name starting with a project package, not itself part of a longer name or a path
DOTTED = re.compile(rf"(?<![\w.\-/\\])({_TOP_ALT})((?:\.[A-Za-z_]\w*)+)")
FSTRING_DOT = re.compile(rf"(?<![\w.\-/\\])({_TOP_ALT})\.(?=\{{)")  # f"algorithms.{name}._registry"
TEXT_IMPORT = re.compile(rf"^(\s*(?:>>> )?(?:from|import)\s+)({_TOP_ALT})\b(?!\s*=)", re.M)


def modules_of(root: Path) -> set[str]:
    """Every module and package of the project packages, as dotted names (``kb``, ``kb.index``, ...)."""
    mods: set[str] = set()
    for top in TOPS:
        base = root / top
        if not (base / "__init__.py").is_file():
            continue
        for path in base.rglob("*.py"):
            if any(part in SKIP_DIRS for part in path.relative_to(root).parts):
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            for i in range(1, len(parts) + 1):
                mods.add(".".join(parts[:i]))
    return mods


def packages_of(root: Path) -> list[str]:
    """Every package (folder with ``__init__.py``) of the project packages, as dotted names."""
    pkgs = []
    for top in TOPS:
        for init in sorted((root / top).rglob("__init__.py")):
            rel = init.parent.relative_to(root)
            if not any(part in SKIP_DIRS for part in rel.parts):
                pkgs.append(".".join(rel.parts))
    return sorted(pkgs)


def _is_module_ref(dotted: str, modules: set[str]) -> bool:
    parts = dotted.split(".")
    return len(parts) >= 2 and ".".join(parts[:2]) in modules


def rewrite_text(text: str, modules: set[str], *, fstring: bool = False, imports: bool = False) -> str:
    """Prefix the dotted module names in free text (a string, a comment, a Markdown file, a shell script)."""

    def dotted(m: re.Match) -> str:
        name = m.group(1) + m.group(2)
        return f"{NAMESPACE}.{name}" if _is_module_ref(name, modules) else name

    text = DOTTED.sub(dotted, text)
    if fstring:
        text = FSTRING_DOT.sub(lambda m: f"{NAMESPACE}.{m.group(1)}.", text)
    if imports:  # code shown in Markdown: ``from kb import x``, ``import kb``
        text = TEXT_IMPORT.sub(lambda m: f"{m.group(1)}{NAMESPACE}.{m.group(2)}", text)
    return text


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in io.StringIO(text):
        starts.append(starts[-1] + len(line))
    return starts


STATEMENT_START = {"NEWLINE", "INDENT", "DEDENT"}


def rewrite_python(text: str, modules: set[str]) -> str:
    """Rewrite one Python source: imports, the attribute uses of unaliased imports, strings and comments."""
    toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    starts = _offsets(text)

    def pos(rc: tuple[int, int]) -> int:
        return starts[rc[0] - 1] + rc[1]

    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    code = [t for t in toks if t.type not in (tokenize.NL, tokenize.COMMENT)]
    unaliased: set[str] = set()
    import_name_tokens: set[int] = set()  # indices into code of names already handled as imports

    def at_statement_start(i: int) -> bool:
        if i == 0:
            return True
        prev = code[i - 1]
        return tokenize.tok_name[prev.type] in STATEMENT_START or prev.string in (";", ":")

    i = 0
    while i < len(code):
        t = code[i]
        if t.type == tokenize.NAME and t.string == "from" and at_statement_start(i):
            j = i + 1
            if code[j].type == tokenize.NAME and code[j].string in TOPS:
                edits.append((pos(code[j].start), pos(code[j].start), NAMESPACE + "."))
                import_name_tokens.add(j)
        elif t.type == tokenize.NAME and t.string == "import" and at_statement_start(i):
            j = i + 1
            while j < len(code):  # dotted names separated by commas, each with an optional "as name"
                first = code[j]
                k = j
                while k + 2 < len(code) and code[k + 1].string == "." and code[k + 2].type == tokenize.NAME:
                    k += 2
                aliased = k + 1 < len(code) and code[k + 1].string == "as"
                if first.type == tokenize.NAME and first.string in TOPS:
                    edits.append((pos(first.start), pos(first.start), NAMESPACE + "."))
                    import_name_tokens.add(j)
                    if not aliased:
                        unaliased.add(first.string)
                k = k + 3 if aliased else k + 1
                if k < len(code) and code[k].string == ",":
                    j = k + 1
                    continue
                break
        i += 1

    for idx, t in enumerate(code):
        if (t.type == tokenize.NAME and t.string in unaliased and idx not in import_name_tokens
                and (idx == 0 or code[idx - 1].string != ".")
                and idx + 1 < len(code) and code[idx + 1].string == "."):
            edits.append((pos(t.start), pos(t.start), NAMESPACE + "."))

    # strings (an f-string is one token before Python 3.12, a start..end run of tokens from 3.12) and comments
    n = 0
    fstart = getattr(tokenize, "FSTRING_START", None)
    fend = getattr(tokenize, "FSTRING_END", None)
    while n < len(toks):
        t = toks[n]
        if t.type in (tokenize.STRING, tokenize.COMMENT):
            prefix = re.match(r"[A-Za-z]*", t.string).group(0).lower() if t.type == tokenize.STRING else ""
            a, b = pos(t.start), pos(t.end)
            new = rewrite_text(text[a:b], modules, fstring="f" in prefix)
            if new != text[a:b]:
                edits.append((a, b, new))
        elif fstart is not None and t.type == fstart:
            depth, m = 1, n + 1
            while m < len(toks) and depth:
                depth += (toks[m].type == fstart) - (toks[m].type == fend)
                m += 1
            a, b = pos(t.start), pos(toks[m - 1].end)
            new = rewrite_text(text[a:b], modules, fstring=True)
            if new != text[a:b]:
                edits.append((a, b, new))
            n = m
            continue
        n += 1

    out, last = [], 0
    for a, b, new in sorted(edits):
        if a < last:  # an insertion inside a string already rewritten whole: cannot happen with valid code
            continue
        out += [text[last:a], new]
        last = b
    out.append(text[last:])
    return "".join(out)


PYPROJECT_BEGIN = "# >>> scripts/namespace.py: generated from the tree, rerun it after adding a package"
PYPROJECT_END = "# <<< scripts/namespace.py"


def rewrite_pyproject(text: str, root: Path, modules: set[str]) -> str:
    text = re.sub(r'(?m)^name = "[^"]*"', f'name = "{DISTRIBUTION}"', text, count=1)
    text = rewrite_text(text, modules)
    pkgs = [NAMESPACE] + [f"{NAMESPACE}.{p}" for p in packages_of(root)]
    data_pkgs = []
    for d in DATA_DIRS:
        if (root / d).is_dir():
            data_pkgs.append(f"{NAMESPACE}.{d}")
            for sub in sorted(p for p in (root / d).rglob("*") if p.is_dir()):
                data_pkgs.append(f"{NAMESPACE}.{d}." + ".".join(sub.relative_to(root / d).parts))
    dirs = {NAMESPACE: NAMESPACE, **{f"{NAMESPACE}.{t}": t for t in TOPS},
            **{f"{NAMESPACE}.{d}": d for d in DATA_DIRS if (root / d).is_dir()}}
    block = "\n".join([
        PYPROJECT_BEGIN,
        "[tool.setuptools]",
        "package-dir = {" + ", ".join(f'"{k}" = "{v}"' for k, v in dirs.items()) + "}",
        "packages = [",
        *[f'  "{p}",' for p in pkgs + data_pkgs],
        "]",
        PYPROJECT_END,
    ])
    marked = re.compile(rf"(?ms)^{re.escape(PYPROJECT_BEGIN)}\n.*?^{re.escape(PYPROJECT_END)}$")
    find = re.compile(r"(?ms)^\[tool\.setuptools\.packages\.find\]\n.*?(?=^\[)")
    if marked.search(text):
        text = marked.sub(lambda m: block, text)
    elif find.search(text):
        text = find.sub(lambda m: block + "\n\n", text, count=1)
    else:
        raise SystemExit("pyproject.toml: no [tool.setuptools.packages.find] table to replace; add the package "
                         "list by hand or restore that table")

    def data_section(m: re.Match) -> str:
        body = re.sub(rf'(?m)^({_TOP_ALT})(\s*=)', rf'"{NAMESPACE}.\1"\2', m.group(0))
        for d, globs in DATA_DIRS.items():
            key = f'"{NAMESPACE}.{d}"'
            if (root / d).is_dir() and key not in body:
                body = body.rstrip("\n") + f"\n{key} = [" + ", ".join(f'"{g}"' for g in globs) + "]\n\n"
        return body

    text = re.sub(r"(?ms)^\[tool\.setuptools\.package-data\]\n.*?(?=^\[|\Z)", data_section, text, count=1)
    # ruff looks for mlnotes/kb/... under the source root to call an import first-party: name the namespace
    first_party = f'known-first-party = ["{NAMESPACE}"]'
    if first_party not in text:
        if re.search(r"(?m)^\[tool\.ruff\.lint\.isort\]$", text):
            text = re.sub(r"(?m)^\[tool\.ruff\.lint\.isort\]$", lambda m: m.group(0) + "\n" + first_party, text)
        elif re.search(r"(?m)^\[tool\.ruff\.lint\]$", text):
            text = re.sub(r"(?m)^(\[tool\.ruff\.lint\]\n(?:(?!\[).*\n)*)",
                          lambda m: m.group(1).rstrip("\n") + f"\n\n[tool.ruff.lint.isort]\n{first_party}\n\n",
                          text, count=1)
    return text


def rewrite_dockerfile(text: str, modules: set[str]) -> str:
    text = rewrite_text(text, modules)
    lines = text.splitlines(keepends=True)
    if not any(re.match(rf"COPY\s+{NAMESPACE}\s", line) for line in lines):
        first = next((i for i, line in enumerate(lines) if re.match(rf"COPY\s+({_TOP_ALT})\s", line)), None)
        if first is not None:
            lines.insert(first, f"COPY {NAMESPACE} ./{NAMESPACE}\n")
    install = next((i for i, line in enumerate(lines) if re.match(r"RUN pip install --no-deps", line)), None)
    while install is not None and install > 0 and lines[install - 1].startswith("#"):
        install -= 1  # above the comments on the install step (a "# hadolint ignore=" must stay next to it)
    for d in DATA_DIRS:  # package data must be in place before the project is installed
        at = next((i for i, line in enumerate(lines) if re.match(rf"COPY\s+{d}\s", line)), None)
        if install is not None and at is not None and at > install:
            lines.insert(install, lines.pop(at))
            install += 1
    return "".join(lines)


def _candidates(root: Path):
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or (part.startswith(".") and part != ".ci") for part in rel.parts[:-1]):
            continue
        if not path.is_file() or rel.as_posix() in SELF or rel.as_posix().startswith(SKIP_PATHS):
            continue
        if path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
            yield path


def transform(root: Path) -> dict[Path, str]:
    """The new text of every file that changes (``mlnotes/__init__.py`` included); nothing is written."""
    modules = modules_of(root)
    if not modules:
        raise SystemExit(f"{root}: none of the packages {', '.join(TOPS)} found; pass --root REPOSITORY")
    changed: dict[Path, str] = {}
    for path in _candidates(root):
        try:
            old = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(root).as_posix()
        if rel == "pyproject.toml":
            new = rewrite_pyproject(old, root, modules)
        elif path.name == "Dockerfile":
            new = rewrite_dockerfile(old, modules)
        elif path.suffix == ".py":
            try:
                new = rewrite_python(old, modules)
            except (tokenize.TokenError, SyntaxError, IndentationError) as e:
                raise SystemExit(f"{rel}: cannot tokenize ({e}); fix the file and rerun") from e
        else:
            new = rewrite_text(old, modules, imports=path.suffix in (".md", ".rst", ".txt"))
        if new != old:
            changed[path] = new
    init = root / NAMESPACE / "__init__.py"
    if not init.is_file() or init.read_text(encoding="utf-8") != INIT:
        changed[init] = INIT
    return changed


def _ruff() -> str | None:
    local = Path(sys.executable).parent / "ruff"
    return str(local) if local.is_file() else shutil.which("ruff")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path("."), help="the repository root (default: .)")
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a run would change a file")
    ap.add_argument("--no-ruff", action="store_true", help="do not re-sort the imports of changed files")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    changed = transform(root)
    if args.check:
        for path in sorted(changed):
            print(f"would change {path.relative_to(root)}")
        return 1 if changed else 0
    for path, text in changed.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    py = [str(p) for p in changed if p.suffix == ".py"]
    ruff = None if args.no_ruff else _ruff()
    if py and ruff:
        subprocess.run([ruff, "check", "--quiet", "--select", "I", "--fix", *py], cwd=root, check=False)
    print(f"{len(changed)} files changed" + (f"; imports re-sorted with {ruff}" if py and ruff else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
