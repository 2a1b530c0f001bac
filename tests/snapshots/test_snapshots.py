"""Refactorings change no result: rankings and answers over the fixture corpus equal the snapshots recorded on
``main`` before the retrieval seam and the answer pipeline were introduced (see record.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.snapshots.record import CONFIGS, QUERIES, QUESTIONS, THRESHOLDS, answer_dict, build_index, ranking

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("snap"))


def test_snapshot_covers_every_config_and_query():
    snap = json.loads((HERE / "fixture_rankings.json").read_text())
    assert [tuple(c) for c in snap["configs"]] == [tuple(c) for c in CONFIGS]
    for name, *_ in CONFIGS:
        assert set(snap["rankings"][name]) == set(QUERIES)


@pytest.mark.parametrize("config", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_rankings_equal_the_pre_refactoring_snapshot(built, config):
    index, _ = built
    snap = json.loads((HERE / "fixture_rankings.json").read_text())["rankings"][config[0]]
    for q in QUERIES:
        got = ranking(index, q, *config[1:])
        assert [c for c, _ in got] == [c for c, _ in snap[q]], q  # same ids, same order
        assert [s for _, s in got] == pytest.approx([s for _, s in snap[q]], abs=1e-6), q


def test_served_defaults_are_the_snapshot_served_config(built):
    """``Index.load()``/``build()`` without any fusion argument ranks like the served configuration."""
    index, _ = built
    snap = json.loads((HERE / "fixture_rankings.json").read_text())["rankings"]["served"]
    for q in QUERIES:
        assert [h.chunk.id for h in index.search(q, k=10)] == [c for c, _ in snap[q]], q


def test_answers_equal_the_pre_refactoring_snapshot(built):
    from mlnotes.assistant.answer import Answerer
    from mlnotes.kb.interview import load_bank

    index, corpus = built
    snap = json.loads((HERE / "fixture_answers.json").read_text())
    kinds = set()
    for abstain, thr in THRESHOLDS:
        a = Answerer(index, corpus, bank=load_bank(corpus), abstain_threshold=abstain, interview_threshold=thr)
        for q in QUESTIONS:
            got = json.loads(json.dumps(answer_dict(a, q)))
            assert got == snap[f"{abstain}|{thr}|{q}"], q
            kinds.add(got["kind"])
    assert kinds == {"extractive", "interview", "abstain"}  # the snapshot exercises every composed kind
