"""The hand-written held-out grader sets ``eval/datasets/grader_heldout3.jsonl``, ``grader_heldout4.jsonl``,
``grader_heldout5.jsonl``, ``grader_heldout6.jsonl``, ``grader_heldout7.jsonl``, ``grader_heldout8.jsonl``,
``grader_heldout9.jsonl``, ``grader_heldout10.jsonl`` and ``grader_heldout11.jsonl`` (see
``eval/datasets/README.md``).

Checks each file itself, not the grader: the exact schema, that each case type has its fixed label, the counts the
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
DATASETS = ROOT / "eval" / "datasets"
#: split name -> source tag of each held-out file
SETS = {"heldout3": "hand3", "heldout4": "hand4", "heldout5": "hand5", "heldout6": "hand6", "heldout7": "hand7",
        "heldout8": "hand8", "heldout9": "hand9", "heldout10": "hand10", "heldout11": "hand11"}
#: the fewest key points each file promises (heldout4 and heldout6 to heldout11 were asked for at least 60, heldout5
#: for 70)
MIN_KEY_POINTS = {"heldout3": 90, "heldout4": 60, "heldout5": 70, "heldout6": 60, "heldout7": 60,
                  "heldout8": 60, "heldout9": 60, "heldout10": 60, "heldout11": 60}
#: the fewest cases per type and topics each file promises (heldout5: >= 35 per type, heldout6 to heldout11: >= 30;
#: heldout5 to heldout9 cover every primary topic of the bank; heldout10 and heldout11 cover the 22 primary topics that
#: still had a key point no other grader file used, see test_covers_every_topic_with_an_unused_key_point)
MIN_PER_TYPE = {"heldout3": 30, "heldout4": 30, "heldout5": 35, "heldout6": 30, "heldout7": 30,
                "heldout8": 30, "heldout9": 30, "heldout10": 30, "heldout11": 30}
MIN_TOPICS = {"heldout3": 20, "heldout4": 20, "heldout5": 23, "heldout6": 23, "heldout7": 23,
              "heldout8": 23, "heldout9": 23, "heldout10": 22, "heldout11": 22}

FIELDS = {"id", "question_id", "key_point_index", "key_point", "topic", "answer", "type", "label", "source", "split"}
LABELS = {"paraphrase": "credit", "partial": "credit", "negation": "no_credit", "opposite": "no_credit",
          "term_swap": "no_credit", "stuffing": "no_credit", "vague": "no_credit"}
NO_CREDIT = {t for t, lab in LABELS.items() if lab == "no_credit"}
ID_RE = re.compile(r"^(?P<qid>[a-z0-9-]+)#(?P<idx>\d+)/(?P<type>[a-z_]+)/(?P<src>hand\d+)/(?P<n>[1-9]\d*)$")


def _read(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name} line {n} is blank"
        out.append(json.loads(line))
    return out


@pytest.fixture(scope="module", params=sorted(SETS))
def rows(request) -> list[dict]:
    return _read(DATASETS / f"grader_{request.param}.jsonl")


@pytest.fixture(scope="module")
def bank() -> dict:
    return {q.id: q for q in load_bank(ROOT / "corpus")}


def test_schema_and_labels(rows):
    for r in rows:
        assert set(r) == FIELDS, (r.get("id"), set(r) ^ FIELDS)
        assert r["type"] in LABELS, r["id"]
        assert r["label"] == LABELS[r["type"]], r["id"]
        assert r["split"] in SETS and r["source"] == SETS[r["split"]], r["id"]
        assert len({x["split"] for x in rows}) == 1, "one split per file"
        assert isinstance(r["key_point_index"], int) and not isinstance(r["key_point_index"], bool), r["id"]
        for f in ("id", "question_id", "key_point", "topic", "answer"):
            assert isinstance(r[f], str) and r[f].strip() == r[f] and r[f], (r["id"], f)


def test_ids_unique_and_match_fields(rows):
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]
    for r in rows:
        m = ID_RE.match(r["id"])
        assert m, r["id"]
        assert m["src"] == r["source"], r["id"]
        assert m["qid"] == r["question_id"] and int(m["idx"]) == r["key_point_index"] and m["type"] == r["type"], r["id"]


def test_key_points_match_the_bank(rows, bank):
    for r in rows:
        q = bank.get(r["question_id"])
        assert q is not None, f"{r['id']}: no bank question {r['question_id']!r}"
        assert 0 <= r["key_point_index"] < len(q.key_points), r["id"]
        assert q.key_points[r["key_point_index"]] == r["key_point"], r["id"]
        assert r["topic"] == q.topics[0], r["id"]


def test_counts(rows):
    split = rows[0]["split"]
    assert len(rows) >= 300
    kps = {(r["question_id"], r["key_point_index"]) for r in rows}
    assert len(kps) >= MIN_KEY_POINTS[split]
    assert len({r["topic"] for r in rows}) >= MIN_TOPICS[split]
    per_type = Counter(r["type"] for r in rows)
    assert set(per_type) == set(LABELS), per_type
    assert all(c >= MIN_PER_TYPE[split] for c in per_type.values()), per_type


@pytest.mark.parametrize("split", ["heldout5", "heldout6", "heldout7", "heldout8", "heldout9"])
def test_covers_every_primary_topic_of_the_bank(bank, split):
    """heldout5 to heldout9 promise all topics: every first topic of a bank question has a case."""
    topics = {r["topic"] for r in _read(DATASETS / f"grader_{split}.jsonl")}
    assert topics == {q.topics[0] for q in bank.values()}


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


def test_heldout4_is_independent_of_every_earlier_set():
    """heldout4's key points appear in no development set and not in heldout3, so no rule or model designed on
    those sets has seen them."""
    new = {(r["question_id"], r["key_point_index"]) for r in _read(DATASETS / "grader_heldout4.jsonl")}
    for name in ("grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                 "grader_dev_hand.jsonl"):
        if (DATASETS / name).exists():
            old = {(r["question_id"], r["key_point_index"]) for r in _read(DATASETS / name)}
            assert not new & old, (name, sorted(new & old)[:5])


def _key_points(path: Path) -> set[tuple[str, int]]:
    return {(r["question_id"], r["key_point_index"]) for r in _read(path)}


def test_heldout5_is_independent_of_every_other_grader_set():
    """No key point of heldout5 appears in any other grader file (development, tune or an earlier held-out set), so
    no rule, threshold or model designed or measured on those files has seen them."""
    new = _key_points(DATASETS / "grader_heldout5.jsonl")
    others = sorted(p for p in DATASETS.glob("grader_*.jsonl") if p.name != "grader_heldout5.jsonl")
    assert {p.name for p in others} >= {"grader_adversarial.jsonl", "grader_heldout3.jsonl",
                                          "grader_heldout4.jsonl", "grader_dev_hand.jsonl"}
    for path in others:
        shared = new & _key_points(path)
        assert not shared, (path.name, sorted(shared)[:5])


def _shared_with_other_grader_sets(name: str, new: set[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """For each ``grader_*.jsonl`` file other than ``name``: the (question_id, key_point_index) pairs of ``new`` it
    also holds (files that share none are left out)."""
    out = {}
    for path in sorted(DATASETS.glob("grader_*.jsonl")):
        if path.name != name:
            shared = sorted(new & _key_points(path))
            if shared:
                out[path.name] = shared
    return out


def test_heldout6_is_independent_of_every_other_grader_set():
    """No key point of heldout6 appears in any other grader file (development, tune, heldout2-5 or a file added
    later), so no rule, threshold or model designed or measured on those files has seen them."""
    others = {p.name for p in DATASETS.glob("grader_*.jsonl")} - {"grader_heldout6.jsonl"}
    assert others >= {"grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                      "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_dev_hand.jsonl"}
    shared = _shared_with_other_grader_sets("grader_heldout6.jsonl",
                                            _key_points(DATASETS / "grader_heldout6.jsonl"))
    assert not shared, {name: kps[:5] for name, kps in shared.items()}


def test_heldout7_is_independent_of_every_other_grader_set():
    """No key point of heldout7 appears in any other grader file (development, tune, heldout2-6 or a file added
    later): it was written by a new author after the grader had been tuned on all of those."""
    others = {p.name for p in DATASETS.glob("grader_*.jsonl")} - {"grader_heldout7.jsonl"}
    assert others >= {"grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                      "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
                      "grader_dev_hand.jsonl"}
    shared = _shared_with_other_grader_sets("grader_heldout7.jsonl",
                                            _key_points(DATASETS / "grader_heldout7.jsonl"))
    assert not shared, {name: kps[:5] for name, kps in shared.items()}


def test_heldout8_is_independent_of_every_other_grader_set():
    """No key point of heldout8 appears in any other grader file (development, tune, heldout2-7 or a file added
    later): it was written by a new author while another helper changed the grader."""
    others = {p.name for p in DATASETS.glob("grader_*.jsonl")} - {"grader_heldout8.jsonl"}
    assert others >= {"grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                      "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
                      "grader_heldout7.jsonl", "grader_dev_hand.jsonl"}
    shared = _shared_with_other_grader_sets("grader_heldout8.jsonl",
                                            _key_points(DATASETS / "grader_heldout8.jsonl"))
    assert not shared, {name: kps[:5] for name, kps in shared.items()}


def test_heldout9_is_independent_of_every_other_grader_set():
    """No key point of heldout9 appears in any other grader file (development, tune, heldout2-8 or a file added
    later): it was written by a new author, who read none of the grader's code, after heldout8 became development
    data."""
    others = {p.name for p in DATASETS.glob("grader_*.jsonl")} - {"grader_heldout9.jsonl"}
    assert others >= {"grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                      "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
                      "grader_heldout7.jsonl", "grader_heldout8.jsonl", "grader_dev_hand.jsonl"}
    shared = _shared_with_other_grader_sets("grader_heldout9.jsonl",
                                            _key_points(DATASETS / "grader_heldout9.jsonl"))
    assert not shared, {name: kps[:5] for name, kps in shared.items()}


def test_heldout10_is_independent_of_every_other_grader_set():
    """No key point of heldout10 appears in any other grader file (development, tune, heldout2-9 or a file added
    later): it was written by a new author, who read none of the grader's code, after heldout9 was written."""
    others = {p.name for p in DATASETS.glob("grader_*.jsonl")} - {"grader_heldout10.jsonl"}
    assert others >= {"grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                      "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
                      "grader_heldout7.jsonl", "grader_heldout8.jsonl", "grader_heldout9.jsonl",
                      "grader_dev_hand.jsonl"}
    shared = _shared_with_other_grader_sets("grader_heldout10.jsonl",
                                            _key_points(DATASETS / "grader_heldout10.jsonl"))
    assert not shared, {name: kps[:5] for name, kps in shared.items()}


def test_heldout11_is_independent_of_every_other_grader_set():
    """No key point of heldout11 appears in any other grader file (development, tune, heldout2-10 or a file added
    later): it was written by a new author, who read none of the grader's code, after heldout10 was measured."""
    others = {p.name for p in DATASETS.glob("grader_*.jsonl")} - {"grader_heldout11.jsonl"}
    assert others >= {"grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_heldout3.jsonl",
                      "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
                      "grader_heldout7.jsonl", "grader_heldout8.jsonl", "grader_heldout9.jsonl",
                      "grader_heldout10.jsonl", "grader_dev_hand.jsonl"}
    shared = _shared_with_other_grader_sets("grader_heldout11.jsonl",
                                            _key_points(DATASETS / "grader_heldout11.jsonl"))
    assert not shared, {name: kps[:5] for name, kps in shared.items()}


def _free_topics(bank: dict, used: set[tuple[str, int]]) -> set[str]:
    """The primary topics of the bank that have at least one key point not in ``used``."""
    return {q.topics[0] for q in bank.values() for i in range(len(q.key_points)) if (q.id, i) not in used}


def _topics_with_an_unused_key_point(bank: dict, name: str) -> set[str]:
    """The primary topics of the bank that have at least one key point held by no ``grader_*.jsonl`` other than
    ``name``."""
    used: set[tuple[str, int]] = set()
    for path in DATASETS.glob("grader_*.jsonl"):
        if path.name != name:
            used |= _key_points(path)
    return _free_topics(bank, used)


@pytest.mark.parametrize("split", ["heldout10", "heldout11"])
def test_covers_every_topic_with_an_unused_key_point(bank, split):
    """heldout10 and heldout11 were asked to cover all 23 primary topics, but every key point of the topic
    ``probability`` was already used by an earlier grader file, and reusing one would break independence. So each
    covers exactly the primary topics that still had a key point no other grader file holds (22 when it was
    written)."""
    name = f"grader_{split}.jsonl"
    topics = {r["topic"] for r in _read(DATASETS / name)}
    assert topics == _topics_with_an_unused_key_point(bank, name)
    assert {q.topics[0] for q in bank.values()} - topics == {"probability"}


@pytest.mark.parametrize("split", ["heldout7", "heldout8", "heldout9", "heldout10", "heldout11"])
def test_every_key_point_has_three_kinds_of_wrong(split):
    """The briefs for heldout7 to heldout11 asked for two paraphrases and three no-credit cases of distinct types per
    key point."""
    by_kp: dict[tuple, Counter] = defaultdict(Counter)
    for r in _read(DATASETS / f"grader_{split}.jsonl"):
        by_kp[(r["question_id"], r["key_point_index"])][r["type"]] += 1
    for kp, types in by_kp.items():
        assert types["paraphrase"] == 2 and len(NO_CREDIT & set(types)) >= 3, (kp, types)


def test_the_independence_check_catches_a_shared_key_point():
    """The check is not vacuous: one key point of the development file added to heldout6's (heldout7's to
    heldout11's) is reported, and so is one of heldout6 added to heldout7's, one of heldout7 added to heldout8's, one
    of heldout8 added to heldout9's, one of heldout9 added to heldout10's and one of heldout10 added to
    heldout11's."""
    dev = _read(DATASETS / "grader_dev_hand.jsonl")[0]
    for name in ("grader_heldout6.jsonl", "grader_heldout7.jsonl", "grader_heldout8.jsonl", "grader_heldout9.jsonl",
                 "grader_heldout10.jsonl", "grader_heldout11.jsonl"):
        new = _key_points(DATASETS / name) | {(dev["question_id"], dev["key_point_index"])}
        shared = _shared_with_other_grader_sets(name, new)
        assert (dev["question_id"], dev["key_point_index"]) in shared["grader_dev_hand.jsonl"]
    h6 = _read(DATASETS / "grader_heldout6.jsonl")[0]
    new = _key_points(DATASETS / "grader_heldout7.jsonl") | {(h6["question_id"], h6["key_point_index"])}
    assert (h6["question_id"], h6["key_point_index"]) in _shared_with_other_grader_sets(
        "grader_heldout7.jsonl", new)["grader_heldout6.jsonl"]
    h7 = _read(DATASETS / "grader_heldout7.jsonl")[0]
    new = _key_points(DATASETS / "grader_heldout8.jsonl") | {(h7["question_id"], h7["key_point_index"])}
    assert (h7["question_id"], h7["key_point_index"]) in _shared_with_other_grader_sets(
        "grader_heldout8.jsonl", new)["grader_heldout7.jsonl"]
    h8 = _read(DATASETS / "grader_heldout8.jsonl")[0]
    new = _key_points(DATASETS / "grader_heldout9.jsonl") | {(h8["question_id"], h8["key_point_index"])}
    assert (h8["question_id"], h8["key_point_index"]) in _shared_with_other_grader_sets(
        "grader_heldout9.jsonl", new)["grader_heldout8.jsonl"]
    h9 = _read(DATASETS / "grader_heldout9.jsonl")[0]
    new = _key_points(DATASETS / "grader_heldout10.jsonl") | {(h9["question_id"], h9["key_point_index"])}
    assert (h9["question_id"], h9["key_point_index"]) in _shared_with_other_grader_sets(
        "grader_heldout10.jsonl", new)["grader_heldout9.jsonl"]
    h10 = _read(DATASETS / "grader_heldout10.jsonl")[0]
    new = _key_points(DATASETS / "grader_heldout11.jsonl") | {(h10["question_id"], h10["key_point_index"])}
    assert (h10["question_id"], h10["key_point_index"]) in _shared_with_other_grader_sets(
        "grader_heldout11.jsonl", new)["grader_heldout10.jsonl"]


def test_the_topic_check_sees_a_used_topic(bank):
    """The topic check is not vacuous: a topic counts as free only while one of its key points is unused."""
    everything = {(q.id, i) for q in bank.values() for i in range(len(q.key_points))}
    q = next(q for q in bank.values() if q.topics[0] == "statistics")
    assert _free_topics(bank, everything) == set()
    assert _free_topics(bank, everything - {(q.id, 0)}) == {"statistics"}
    assert "probability" in _free_topics(bank, set())
