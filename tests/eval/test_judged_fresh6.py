"""Checks of the sixth fresh hand-judged question set (eval/datasets/judged_fresh6.jsonl): schema, the intended
mix of question types, and that every labelled section id exists in the chunked corpus."""

import json
from collections import Counter
from pathlib import Path

from mlnotes.kb.chunker import chunk_corpus

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "eval" / "datasets"
PATH = DATASETS / "judged_fresh6.jsonl"
FIELDS = {"id", "question", "type", "relevant", "answerable", "split", "source", "expect"}


def _rows():
    return [json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_schema_and_ids():
    rows = _rows()
    assert [r["id"] for r in rows] == [f"f6-{i:02d}" for i in range(1, 21)]
    for r in rows:
        assert set(r) == FIELDS, r["id"]
        assert r["split"] == "fresh6"
        assert r["answerable"] == bool(r["relevant"]), r["id"]
        assert len(r["expect"].split()) >= 8, r["id"]
        assert len(set(r["relevant"])) == len(r["relevant"]), r["id"]


def test_type_mix():
    want = {"definition": 3, "comparison": 3, "how-to-choose": 2, "complexity": 2, "formula": 2, "code": 2,
            "why-how": 3, "debugging": 2, "unanswerable": 1}
    assert Counter(r["type"] for r in _rows()) == want
    assert [r["id"] for r in _rows() if not r["answerable"]] == [r["id"] for r in _rows() if r["type"] == "unanswerable"]


def test_relevant_ids_exist_in_corpus():
    chunks, _ = chunk_corpus(ROOT / "corpus")
    valid = {c.citation for c in chunks}
    missing = [(r["id"], s) for r in _rows() for s in r["relevant"] if s not in valid]
    assert not missing, missing


def test_no_question_repeats_an_existing_set():
    def norm(q):
        return " ".join("".join(ch for ch in q.lower() if ch.isalnum() or ch.isspace()).split())

    seen = set()
    for p in DATASETS.glob("*.jsonl"):
        if p.name == PATH.name:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line).get("question")
                if isinstance(q, str):
                    seen.add(norm(q))
    assert not [r["id"] for r in _rows() if norm(r["question"]) in seen]


def _content_words(q):
    return {w for w in "".join(ch if ch.isalnum() else " " for ch in q.lower()).split() if len(w) > 2}


def test_no_near_duplicate_question():
    """Jaccard overlap of content words with every question of the other sets, and within this set, is below 0.5."""
    pool = []
    for p in sorted(DATASETS.glob("*.jsonl")):
        if p.name == PATH.name:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            q = json.loads(line).get("question") if line.strip() else None
            if isinstance(q, str):
                pool.append(_content_words(q))
    rows = _rows()
    mine = [_content_words(r["question"]) for r in rows]
    for i, words in enumerate(mine):
        others = pool + mine[:i] + mine[i + 1:]
        worst = max(len(words & o) / len(words | o) for o in others if words | o)
        assert worst < 0.5, (rows[i]["id"], round(worst, 3))


def test_unanswerable_topic_is_absent_from_the_corpus():
    text = " ".join(p.read_text(encoding="utf-8").lower() for p in (ROOT / "corpus").rglob("*.md"))
    assert "core ml" not in text and "coreml" not in text
