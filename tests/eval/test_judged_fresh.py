"""Checks of the fresh hand-judged question sets written in round 8 (eval/datasets/judged_fresh4.jsonl,
judged_fresh5.jsonl, judged_fresh6.jsonl), round 10 (judged_fresh7.jsonl, judged_fresh8.jsonl), round 11
(judged_fresh9.jsonl), round 12 (judged_fresh10.jsonl), round 13 (judged_fresh11.jsonl), round 14
(judged_fresh12.jsonl), round 15 (judged_fresh13.jsonl), round 16 (judged_fresh14.jsonl), round 17
(judged_fresh15.jsonl), round 18 (judged_fresh16.jsonl), round 19 (judged_fresh17.jsonl), round 20
(judged_fresh18.jsonl) and round 21 (judged_fresh19.jsonl): schema, the intended mix of question types, that every
labelled section id exists in the chunked corpus, that no question repeats or nearly repeats one of another set, and
that the unanswerable question's topic is absent from the corpus."""

import json
from collections import Counter
from pathlib import Path

import pytest

from mlnotes.kb.chunker import chunk_corpus

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "eval" / "datasets"
FIELDS = {"id", "question", "type", "relevant", "answerable", "split", "source", "expect"}
SETS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
TYPE_MIX = {"definition": 3, "comparison": 3, "how-to-choose": 2, "complexity": 2, "formula": 2, "code": 2,
            "why-how": 3, "debugging": 2, "unanswerable": 1}
#: per set: the words of its unanswerable question's topic that no corpus page may contain, and whether the
#: bibliography counts (a reference title may name a topic the corpus does not teach)
ABSENT = {5: (("whisper", "word error rate"), False), 6: (("core ml", "coreml"), True),
          7: (("federated", "fedavg"), True), 8: (("graph neural", "message passing"), True),
          9: (("proportional hazards", "survival analysis", "censored"), True),
          10: (("active learning", "active-learning", "uncertainty sampling", "query-by-committee", "query by committee"),
               True),
          11: (("knowledge graph", "transe", "link prediction"), True),
          12: (("instrumental variable", "two-stage least squares", "2sls"), True),
          13: (("spiking", "neuromorphic", "integrate-and-fire", "loihi"), True),
          14: (("splat", "3dgs", "novel view"), True),
          15: (("hawkes", "self-exciting", "branching ratio"), True),
          16: (("benford", "first-digit", "first digit", "leading digit", "leading-digit"), True),
          17: (("capsule", "capsnet", "dynamic routing", "routing-by-agreement", "routing by agreement"), True),
          18: (("echo state", "reservoir computing", "liquid state machine"), True),
          19: (("kolmogorov-arnold", "kolmogorov–arnold", "kolmogorov arnold", "arnold", "b-spline", "learnable activation"),
               True)}


def _path(n: int) -> Path:
    return DATASETS / f"judged_fresh{n}.jsonl"


def _rows(n: int) -> list[dict]:
    return [json.loads(line) for line in _path(n).read_text(encoding="utf-8").splitlines() if line.strip()]


def _other_questions(n: int) -> list[str]:
    """The questions of every other dataset file."""
    out = []
    for p in sorted(DATASETS.glob("*.jsonl")):
        if p.name == _path(n).name:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            q = json.loads(line).get("question") if line.strip() else None
            if isinstance(q, str):
                out.append(q)
    return out


@pytest.fixture(scope="module")
def citations() -> set[str]:
    chunks, _ = chunk_corpus(ROOT / "corpus")
    return {c.citation for c in chunks}


@pytest.mark.parametrize("n", SETS)
def test_schema_and_ids(n):
    rows = _rows(n)
    assert [r["id"] for r in rows] == [f"f{n}-{i:02d}" for i in range(1, 21)]
    for r in rows:
        assert set(r) == FIELDS, r["id"]
        assert r["split"] == f"fresh{n}"
        assert r["answerable"] == bool(r["relevant"]), r["id"]
        assert len(r["expect"].split()) >= 8, r["id"]
        assert len(set(r["relevant"])) == len(r["relevant"]), r["id"]


@pytest.mark.parametrize("n", SETS)
def test_type_mix(n):
    rows = _rows(n)
    assert Counter(r["type"] for r in rows) == TYPE_MIX
    assert [r["id"] for r in rows if not r["answerable"]] == [r["id"] for r in rows if r["type"] == "unanswerable"]


@pytest.mark.parametrize("n", SETS)
def test_relevant_ids_exist_in_corpus(n, citations):
    missing = [(r["id"], s) for r in _rows(n) for s in r["relevant"] if s not in citations]
    assert not missing, missing


def _norm(q: str) -> str:
    return " ".join("".join(ch for ch in q.lower() if ch.isalnum() or ch.isspace()).split())


def _words(q: str) -> set[str]:
    return {w for w in "".join(ch if ch.isalnum() else " " for ch in q.lower()).split() if len(w) > 2}


@pytest.mark.parametrize("n", SETS)
def test_no_question_repeats_an_existing_set(n):
    seen = {_norm(q) for q in _other_questions(n)}
    assert not [r["id"] for r in _rows(n) if _norm(r["question"]) in seen]


@pytest.mark.parametrize("n", SETS)
def test_no_near_duplicate_of_an_existing_question(n):
    """Word-set overlap (Jaccard) with every question of the other sets, and within this set, stays below 0.5."""
    others = [_words(q) for q in _other_questions(n)]
    rows = _rows(n)
    mine = [_words(r["question"]) for r in rows]
    for i, a in enumerate(mine):
        pool = others + mine[:i] + mine[i + 1:]
        worst = max(len(a & b) / len(a | b) for b in pool if a | b)
        assert worst < 0.5, (rows[i]["id"], round(worst, 3))


@pytest.mark.parametrize("n", sorted(ABSENT))
def test_unanswerable_topic_is_absent_from_the_corpus(n):
    words, with_references = ABSENT[n]
    text = "\n".join(p.read_text(encoding="utf-8").lower() for p in (ROOT / "corpus").rglob("*.md")
                     if with_references or p.name != "references.md")
    assert not [w for w in words if w in text]
