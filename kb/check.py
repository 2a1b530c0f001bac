"""Corpus checks: front matter, links and anchors, citations, placeholders, and executable code.

Run on files while writing: ``python -m mlnotes.kb.check corpus/guides/loss-functions.md`` prints every problem as
``path:line: message`` and a summary (prose words, code blocks, run time). With no arguments it checks the
whole corpus, including the corpus-wide rules (unique ids, every bibliography entry cited).
The same functions back the tests in ``tests/corpus/``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from mlnotes.kb.markdown import Document, cached_document, iter_corpus_files, prose_word_count, validate_meta

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT / "corpus"

BIB_ENTRY_RE = re.compile(r"^- \[([a-z0-9][a-z0-9-]*)\] (.+)$")
PLACEHOLDER_RE = re.compile(
    r"\b(TODO|TBD|FIXME|lorem ipsum|answer here|coming soon|to be written|fill (this|me) in)\b",
    re.IGNORECASE,
)


@dataclass
class BibEntry:
    key: str
    text: str
    line: int


@dataclass
class FileReport:
    path: str
    problems: list[str] = field(default_factory=list)
    words: int = 0
    code_blocks: int = 0
    code_seconds: float = 0.0


def load_bibliography(corpus_dir: Path = DEFAULT_CORPUS) -> dict[str, BibEntry]:
    """Entries of ``references.md`` keyed by citation key."""
    path = Path(corpus_dir) / "references.md"
    entries: dict[str, BibEntry] = {}
    if not path.exists():
        return entries
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = BIB_ENTRY_RE.match(line)
        if m:
            entries.setdefault(m.group(1), BibEntry(m.group(1), m.group(2), i))
    return entries


def duplicate_bib_keys(corpus_dir: Path = DEFAULT_CORPUS) -> list[str]:
    path = Path(corpus_dir) / "references.md"
    seen: dict[str, int] = {}
    dups = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = BIB_ENTRY_RE.match(line)
        if m:
            if m.group(1) in seen:
                dups.append(f"references.md:{i}: duplicate key {m.group(1)!r} (first at line {seen[m.group(1)]})")
            seen.setdefault(m.group(1), i)
    return dups


def get_doc(path: Path, corpus_dir: Path) -> Document:
    return cached_document(path, corpus_dir)


def check_links(doc: Document, corpus_dir: Path) -> list[str]:
    """Every relative link resolves to a file, and every ``#anchor`` to a section id of its target."""
    problems = []
    base = doc.path.resolve().parent
    for link in doc.links:
        href = link.href.strip()
        if not href or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):  # http:, mailto:, ...
            continue
        where = f"{doc.rel_path}:{link.line}"
        target, _, anchor = href.partition("#")
        target = unquote(target)
        if target == "":
            target_doc = doc
        else:
            if target.startswith("/"):
                problems.append(f"{where}: link {href!r} is absolute; use a relative path")
                continue
            tpath = (base / target).resolve()
            if not tpath.exists():
                problems.append(f"{where}: link target {href!r} does not exist")
                continue
            if tpath.is_dir() or tpath.suffix != ".md":
                if anchor and tpath.suffix != ".md":
                    continue  # e.g. a line anchor into a .py file on a Git host
                continue
            try:
                target_doc = get_doc(tpath, corpus_dir)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{where}: link target {href!r} could not be parsed: {exc}")
                continue
        if anchor and unquote(anchor) not in target_doc.section_ids:
            problems.append(f"{where}: anchor #{anchor} does not exist in {target or doc.rel_path}")
    return problems


def check_citations(doc: Document, bib: dict[str, BibEntry]) -> list[str]:
    return [
        f"{doc.rel_path}:{c.line}: citation [@{c.key}] is not in references.md"
        for c in doc.citations
        if c.key not in bib
    ]


def check_placeholders(doc: Document) -> list[str]:
    problems = []
    for i, line in enumerate(doc.lines, start=1):
        m = PLACEHOLDER_RE.search(re.sub(r"`[^`]*`", "", line))
        if m:
            problems.append(f"{doc.rel_path}:{i}: placeholder text {m.group(0)!r}")
    return problems


def check_headings(doc: Document) -> list[str]:
    problems = []
    for h in doc.headings:
        if not h.text.strip():
            problems.append(f"{doc.rel_path}:{h.line}: empty heading")
    return problems


def check_file(path: Path, corpus_dir: Path = DEFAULT_CORPUS, run_code: bool = True,
               timeout: float = 180.0) -> FileReport:
    """All per-file checks for one corpus file."""
    doc = get_doc(path, corpus_dir)
    rep = FileReport(path=doc.rel_path)
    rep.problems += validate_meta(doc)
    rep.problems += check_headings(doc)
    rep.problems += check_links(doc, corpus_dir)
    rep.problems += check_citations(doc, load_bibliography(corpus_dir))
    rep.problems += check_placeholders(doc)
    rep.words = prose_word_count(doc)
    if run_code:
        from mlnotes.kb.coderun import run_document, runnable_blocks

        rep.code_blocks = len(runnable_blocks(doc))
        if rep.code_blocks:
            run = run_document(doc, timeout=timeout)
            rep.code_seconds = run.seconds
            rep.problems += run.problems()
    return rep


def corpus_wide_problems(corpus_dir: Path = DEFAULT_CORPUS) -> list[str]:
    """Rules that need the whole corpus: unique document ids, every bibliography entry cited, no duplicate keys."""
    problems = []
    ids: dict[str, str] = {}
    cited: set[str] = set()
    for p in iter_corpus_files(corpus_dir):
        doc = get_doc(p, corpus_dir)
        if doc.id in ids:
            problems.append(f"{doc.rel_path}:1: id {doc.id!r} is already used by {ids[doc.id]}")
        ids[doc.id] = doc.rel_path
        cited.update(c.key for c in doc.citations)
    # citations in algorithm module docstrings count too
    alg_dir = Path(corpus_dir).resolve().parent / "algorithms"
    if alg_dir.is_dir():
        from mlnotes.kb.markdown import CITATION_RE, CITE_KEY_RE

        for py in alg_dir.rglob("*.py"):
            for m in CITATION_RE.finditer(py.read_text(encoding="utf-8", errors="replace")):
                cited.update(CITE_KEY_RE.findall(m.group(1)))
    bib = load_bibliography(corpus_dir)
    for key, entry in bib.items():
        if key not in cited:
            problems.append(f"references.md:{entry.line}: entry [{key}] is never cited")
    problems += duplicate_bib_keys(corpus_dir)
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mlnotes.kb.check", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="corpus files (default: the whole corpus)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-run", action="store_true", help="do not execute python blocks")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds allowed for one file's code")
    args = ap.parse_args(argv)
    files = args.files or iter_corpus_files(args.corpus)
    n_problems = 0
    for f in files:
        if not Path(f).exists():
            print(f"{f}: no such file")
            n_problems += 1
            continue
        rep = check_file(Path(f), args.corpus, run_code=not args.no_run, timeout=args.timeout)
        for p in rep.problems:
            print(p)
        n_problems += len(rep.problems)
        status = "ok" if not rep.problems else f"{len(rep.problems)} problem(s)"
        print(f"== {rep.path}: {rep.words} prose words, {rep.code_blocks} python blocks "
              f"({rep.code_seconds:.1f} s) -> {status}")
    if not args.files:
        for p in corpus_wide_problems(args.corpus):
            print(p)
            n_problems += 1
    print(f"{len(files)} file(s) checked, {n_problems} problem(s)")
    return 1 if n_problems else 0


if __name__ == "__main__":
    sys.exit(main())
