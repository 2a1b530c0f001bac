"""The gold sets are well formed and every relevant id is a chunk section of the current corpus."""

from __future__ import annotations

from collections import Counter

from assistant.settings import REPO_ROOT
from eval.data import TYPES, load_gold, load_unanswerable
from eval.validate import MIN_ANSWERABLE, MIN_UNANSWERABLE, validate


def test_gold_sets_validate_against_the_current_corpus():
    problems = validate(REPO_ROOT / "corpus")
    assert problems == [], "\n".join(problems[:50])


def test_sizes_types_and_splits():
    gold, unans = load_gold(), load_unanswerable()
    assert len(gold) >= MIN_ANSWERABLE and len(unans) >= MIN_UNANSWERABLE
    counts = Counter(q.type for q in gold)
    assert all(counts[t] >= 10 for t in TYPES), counts
    splits = Counter(q.split for q in gold)
    assert min(splits["tune"], splits["heldout"]) >= 100, splits
    # the split is fixed per question and stratified by type
    for t in TYPES:
        by = Counter(q.split for q in gold if q.type == t)
        assert abs(by["tune"] - by["heldout"]) <= 1, (t, by)


def test_validator_reports_a_missing_section():
    problems = validate(REPO_ROOT / "corpus", sections={"nothing#here"})
    assert any("is not a chunk section" in p for p in problems)
