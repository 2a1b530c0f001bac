"""The hand-written held-out grader set ``eval/datasets/grader_heldout3.jsonl`` (see ``eval/datasets/README.md``).

Checks the file itself, not the grader: the exact schema, that each case type has its fixed label, the counts the
set promises (cases, key points, topics, cases per type, paraphrases and no-credit types per key point), unique and
well-formed ids, and that every (question_id, key_point_index, key_point, topic) is the interview bank's own.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from mlnotes.kb.interview import load_bank

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "eval" / "datasets" / "grader_heldout3.jsonl"

FIELDS = {"id", "question_id", "key_point_index", "key_point", "topic", "answer", "type", "label", "source", "split"}
LABELS = {"paraphrase": "credit", "partial": "credit", "negation": "no_credit", "opposite": "no_credit",
          "term_swap": "no_credit", "stuffing": "no_credit", "vague": "no_credit"}
NO_CREDIT = {t for t, lab in LABELS.items() if lab == "no_credit"}
ID_RE = re.compile(r"^(?P<qid>[a-z0-9-]+)#(?P<idx>\d+)/(?P<type>[a-z_]+)/hand3/(?P<n>[1-9]\d*)$")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    out = []
    for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"line {n} is blank"
        out.append(json.loads(line))
    return out


@pytest.fixture(scope="module")
def bank() -> dict:
    return {q.id: q for q in load_bank(ROOT / "corpus")}


def test_schema_and_labels(rows):
    for r in rows:
        assert set(r) == FIELDS, (r.get("id"), set(r) ^ FIELDS)
        assert r["type"] in LABELS, r["id"]
        assert r["label"] == LABELS[r["type"]], r["id"]
        assert r["source"] == "hand3" and r["split"] == "heldout3", r["id"]
        assert isinstance(r["key_point_index"], int) and not isinstance(r["key_point_index"], bool), r["id"]
        for f in ("id", "question_id", "key_point", "topic", "answer"):
            assert isinstance(r[f], str) and r[f].strip() == r[f] and r[f], (r["id"], f)


def test_ids_unique_and_match_fields(rows):
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]
    for r in rows:
        m = ID_RE.match(r["id"])
        assert m, r["id"]
        assert m["qid"] == r["question_id"] and int(m["idx"]) == r["key_point_index"] and m["type"] == r["type"], r["id"]


def test_key_points_match_the_bank(rows, bank):
    for r in rows:
        q = bank.get(r["question_id"])
        assert q is not None, f"{r['id']}: no bank question {r['question_id']!r}"
        assert 0 <= r["key_point_index"] < len(q.key_points), r["id"]
        assert q.key_points[r["key_point_index"]] == r["key_point"], r["id"]
        assert r["topic"] == q.topics[0], r["id"]


def test_counts(rows):
    assert len(rows) >= 300
    kps = {(r["question_id"], r["key_point_index"]) for r in rows}
    assert len(kps) >= 90
    assert len({r["topic"] for r in rows}) >= 20
    per_type = Counter(r["type"] for r in rows)
    assert set(per_type) == set(LABELS), per_type
    assert all(c >= 30 for c in per_type.values()), per_type


def test_each_key_point_has_two_paraphrases_and_two_kinds_of_wrong(rows):
    by_kp: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        by_kp[(r["question_id"], r["key_point_index"])].append(r)
    for kp, cases in by_kp.items():
        types = Counter(c["type"] for c in cases)
        assert types["paraphrase"] >= 2, (kp, types)
        assert len(NO_CREDIT & set(types)) >= 2, (kp, types)


def test_answers_are_written_not_copied(rows):
    """No answer repeats its key point or another answer (case and punctuation ignored)."""
    def norm(s: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", s.lower()))

    answers = Counter(norm(r["answer"]) for r in rows)
    assert not [a for a, c in answers.items() if c > 1]
    assert not [r["id"] for r in rows if norm(r["answer"]) == norm(r["key_point"])]


def test_the_checks_catch_a_broken_row(rows, bank):
    """The bank check is not vacuous: a row with a key point from the wrong index is rejected."""
    r = dict(rows[0])
    q = bank[r["question_id"]]
    r["key_point_index"] = (r["key_point_index"] + 1) % len(q.key_points)
    with pytest.raises(AssertionError):
        test_key_points_match_the_bank([r], bank)
