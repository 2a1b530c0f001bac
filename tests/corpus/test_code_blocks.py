"""Every ``python`` block of every guide and chapter runs, in order, in one namespace per document.

Chapters run like notebooks within a per-chapter budget; the whole set of chapters must stay within 10 minutes
on the CI machine (2 cores).
"""

from __future__ import annotations

import pytest

from mlnotes.kb.check import DEFAULT_CORPUS, get_doc
from mlnotes.kb.coderun import run_document, runnable_blocks

GUIDE_BUDGET_S = 120
CHAPTER_BUDGET_S = 120

DOCS = sorted((DEFAULT_CORPUS / "guides").glob("*.md")) + sorted((DEFAULT_CORPUS / "chapters").glob("*.md"))
DOCS = [p for p in DOCS if runnable_blocks(get_doc(p, DEFAULT_CORPUS))]


@pytest.mark.parametrize("path", DOCS, ids=[p.relative_to(DEFAULT_CORPUS).as_posix() for p in DOCS])
def test_python_blocks_run(path):
    doc = get_doc(path, DEFAULT_CORPUS)
    budget = CHAPTER_BUDGET_S if doc.kind == "chapter" else GUIDE_BUDGET_S
    report = run_document(doc, timeout=budget)
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    for o in skipped:
        print(f"{doc.rel_path}:{o.start}: skipped ({o.reason})")
    assert report.ok, "\n".join(report.problems()) or "some blocks did not run"
    print(f"{doc.rel_path}: {len(report.outcomes)} blocks in {report.seconds:.1f} s")


def test_norun_blocks_are_rare():
    """Blocks that cannot run here (GPU, server, network) carry `norun`; keep them under 10% of all blocks."""
    total = norun = 0
    for p in sorted(DEFAULT_CORPUS.rglob("*.md")):
        blocks = runnable_blocks(get_doc(p, DEFAULT_CORPUS))
        total += len(blocks)
        norun += sum(b.norun for b in blocks)
    assert total == 0 or norun / total < 0.10, f"{norun} of {total} python blocks are norun"
