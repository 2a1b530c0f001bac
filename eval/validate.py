"""Validate the gold sets against the current corpus: ``python -m mlnotes.eval.validate``.

Checks that every relevant id ``doc_id#section_id`` is the section of at least one chunk of the current corpus
(chunked exactly as the index does), that ids, questions and types are well formed, that each answerable
question has 1–3 relevant sections, that both splits are present, and that the set sizes meet the brief
(≥ 250 answerable, ≥ 30 unanswerable). Exit status 1 and one line per problem when something is wrong.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from mlnotes.eval.data import GOLD, SPLITS, TYPES, UNANSWERABLE, load_gold, load_unanswerable, section_key

MIN_ANSWERABLE = 250
MIN_UNANSWERABLE = 30


def corpus_sections(corpus_dir: Path) -> set[str]:
    from mlnotes.kb.chunker import chunk_corpus

    chunks, _ = chunk_corpus(Path(corpus_dir))
    return {section_key(c.doc_id, c.section_id) for c in chunks}


def validate(corpus_dir: Path, sections: set[str] | None = None) -> list[str]:
    """All problems found, one message each (empty when the gold sets are sound)."""
    problems: list[str] = []
    sections = corpus_sections(corpus_dir) if sections is None else sections
    gold, unans = load_gold(), load_unanswerable()
    ids = Counter(q.id for q in gold + unans)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    texts = Counter(q.question.strip().lower() for q in gold + unans)
    problems += [f"duplicate question {t!r}" for t, n in texts.items() if n > 1]
    for q in gold:
        where = f"{GOLD.name}:{q.id}"
        if q.type not in TYPES:
            problems.append(f"{where}: type {q.type!r} is not one of {TYPES}")
        if q.split not in SPLITS:
            problems.append(f"{where}: split {q.split!r} is not one of {SPLITS}")
        if not 1 <= len(q.relevant) <= 3:
            problems.append(f"{where}: needs 1-3 relevant sections, has {len(q.relevant)}")
        if len(set(q.relevant)) != len(q.relevant):
            problems.append(f"{where}: repeated relevant id")
        for r in q.relevant:
            if r not in sections:
                problems.append(f"{where}: {r} is not a chunk section of the current corpus")
        if not q.question.strip():
            problems.append(f"{where}: empty question")
    for q in unans:
        where = f"{UNANSWERABLE.name}:{q.id}"
        if q.relevant:
            problems.append(f"{where}: an unanswerable question must have no relevant sections")
        if q.split not in SPLITS:
            problems.append(f"{where}: split {q.split!r} is not one of {SPLITS}")
    if len(gold) < MIN_ANSWERABLE:
        problems.append(f"only {len(gold)} answerable questions; at least {MIN_ANSWERABLE} are required")
    if len(unans) < MIN_UNANSWERABLE:
        problems.append(f"only {len(unans)} unanswerable questions; at least {MIN_UNANSWERABLE} are required")
    for s in SPLITS:
        if not any(q.split == s for q in gold) or not any(q.split == s for q in unans):
            problems.append(f"split {s!r} is empty in one of the gold sets")
    for t in TYPES:
        if not any(q.type == t for q in gold):
            problems.append(f"no question of type {t!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    import argparse

    from mlnotes.assistant.settings import REPO_ROOT

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus")
    args = ap.parse_args(argv)
    problems = validate(args.corpus)
    gold, unans = load_gold(), load_unanswerable()
    for p in problems:
        print(p)
    counts = Counter(q.type for q in gold)
    splits = Counter(q.split for q in gold)
    print(f"{len(gold)} answerable ({', '.join(f'{t} {counts[t]}' for t in TYPES)}; "
          f"tune {splits['tune']}, heldout {splits['heldout']}), {len(unans)} unanswerable: "
          + ("OK" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
