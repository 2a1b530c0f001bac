"""Every corpus file: valid front matter, links and anchors that resolve, citations in the bibliography, no
placeholder text; and corpus-wide: unique ids, every bibliography entry cited, no duplicate keys."""

from __future__ import annotations

import pytest

from mlnotes.kb.check import (
    DEFAULT_CORPUS,
    check_citations,
    check_headings,
    check_links,
    check_placeholders,
    corpus_wide_problems,
    get_doc,
    load_bibliography,
)
from mlnotes.kb.markdown import iter_corpus_files, validate_meta

FILES = iter_corpus_files(DEFAULT_CORPUS)
IDS = [p.relative_to(DEFAULT_CORPUS).as_posix() for p in FILES]


def test_corpus_is_not_empty():
    assert FILES, "corpus/ has no Markdown files"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_file_is_well_formed(path):
    doc = get_doc(path, DEFAULT_CORPUS)
    problems = validate_meta(doc) + check_headings(doc) + check_links(doc, DEFAULT_CORPUS)
    problems += check_citations(doc, load_bibliography(DEFAULT_CORPUS)) + check_placeholders(doc)
    assert not problems, "\n".join(problems)


def test_corpus_wide_rules():
    problems = corpus_wide_problems(DEFAULT_CORPUS)
    assert not problems, "\n".join(problems[:50])


def test_bibliography_entries_are_complete():
    """Each entry names authors, a year in parentheses, a title, and something after the title (venue)."""
    import re

    bib = load_bibliography(DEFAULT_CORPUS)
    bad = [f"references.md:{e.line}: [{k}]" for k, e in bib.items()
           if not re.search(r"\((?:accessed )?(1[89]|20)\d\d[a-z]?\)|\(n\.d\.\)", e.text) or len(e.text) < 40]
    assert not bad, "entries without a year or too short to name authors, title and venue:\n" + "\n".join(bad)


def test_front_matter_algorithms_are_registered():
    """`algorithms:` in front matter names registry entries (the assistant offers to run them)."""
    from mlnotes.algorithms import registry

    names = {s.name for s in registry.all_specs()}
    bad = []
    for p in FILES:
        doc = get_doc(p, DEFAULT_CORPUS)
        for name in doc.meta.get("algorithms") or []:
            if name not in names:
                bad.append(f"{doc.rel_path}: algorithms lists {name!r}, which is not registered")
    assert not bad, "\n".join(bad)
