"""Checks of the fourth fresh hand-judged question set (eval/datasets/judged_fresh4.jsonl): schema, the intended
mix of question types, and that every labelled section id exists in the chunked corpus."""

import json
from collections import Counter
from pathlib import Path

from mlnotes.kb.chunker import chunk_corpus

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "eval" / "datasets"
PATH = DATASETS / "judged_fresh4.jsonl"
FIELDS = {"id", "question", "type", "relevant", "answerable", "split", "source", "expect"}


def _rows():
    return [json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_schema_and_ids():
    rows = _rows()
    assert [r["id"] for r in rows] == [f"f4-{i:02d}" for i in range(1, 21)]
    for r in rows:
        assert set(r) == FIELDS, r["id"]
        assert r["split"] == "fresh4"
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
