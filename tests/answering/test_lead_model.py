"""The learned lead ranker (assistant/answering/lead_model.py): its features, its file, its place in pick_lead, and a
property of the shipped model on the hand-labelled development questions (eval/datasets/lead_labels_*.jsonl)."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest

from mlnotes.assistant.answering import lead as lead_module
from mlnotes.assistant.answering import lead_model
from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import pick_lead, subject_terms
from mlnotes.assistant.answering.lead_model import (
    FEATURES,
    MODEL_FILE,
    LeadModelError,
    LeadRanker,
    default_ranker,
    features,
    load_ranker,
)
from mlnotes.assistant.answering.scoring import Scored

N = len(FEATURES)


def cand(text: str, rank: int = 0, score: float = 0.5, order: int = 0, kind: str = "sentence",
         header: str = "") -> Scored:
    return Scored(score, rank, Candidate(text, 1, 1, order, kind, header), np.zeros(3, np.float32))


def feat(intent: str, question: str, t: Scored, top=("a#x",), **kw) -> dict[str, float]:
    return dict(zip(FEATURES, features(intent, question, t, subject_terms(question), list(top), **kw)))


def ranker_with(**weights: float) -> LeadRanker:
    """A ranker that adds ``weights[name]`` times each named (unstandardised) feature to the rules' value."""
    return LeadRanker(tuple(weights.get(n, 0.0) for n in FEATURES), (0.0,) * N, (1.0,) * N, top=8, default=True)


# -- features ------------------------------------------------------------------------------------------------------

def test_every_feature_has_a_finite_value():
    x = features("definition", "What is t-SNE?", cand("t-SNE is a method that embeds points in two dimensions."),
                 subject_terms("What is t-SNE?"), ["a#x"])
    assert len(x) == N and all(math.isfinite(v) for v in x)


def test_definition_features_tell_a_definition_from_a_claim_about_the_subject():
    q = "What is t-SNE?"
    defining = feat("definition", q, cand("t-SNE is a non-linear method that embeds high-dimensional points in 2-D."))
    about = feat("definition", q, cand("Distances between clusters in a t-SNE plot are not meaningful at all."))
    assert defining["subject_first"] == 1 and defining["subject_is"] == 1 and defining["defining"] == 1
    assert about["subject_first"] == 0 and about["subject_is"] == 0
    assert defining["subject_share"] == about["subject_share"] == 1


def test_length_kind_position_and_rank_features():
    short = feat("why_how", "Why does dropout help?", cand("Dropout is noise.", order=0))
    row = feat("complexity", "cost of k-means", cand("| k-means | $O(nkdT)$ | $O(kd)$ |", rank=2, order=7,
                                                   kind="table_row", header="| algorithm | time | memory |"))
    assert short["short"] == 1 and short["log_words"] == pytest.approx(math.log(3))
    assert row["table_row"] == 1 and row["big_o"] == 1 and row["rank"] == 2
    assert row["position"] == pytest.approx(math.log1p(7)) and short["position"] == 0
    assert feat("why_how", "q", cand("x y z w v u t s r."), rule_rank=3)["rule_rank"] == 3


def test_reason_premise_and_recommendation_features():
    q = "Why can you use a bigger learning rate once batch normalization is in the network?"
    restating = feat("why_how", q, cand("Batch normalization allows a bigger learning rate in the network in practice."))
    reason = feat("why_how", q, cand("The normalized layer output does not change when its weights are scaled, "
                                     "because the scale is divided out."))
    assert restating["restates"] == 1 and restating["reason"] == 0
    assert reason["restates"] == 0 and reason["reason"] == 1
    advice = feat("how_to_choose", "Which scaler should I use?", cand("Prefer a robust scaler when the data hold "
                                                                       "outliers."))
    assert advice["recommends"] == 1 and advice["advises"] == 1


def test_section_features_follow_the_top_chunks():
    q = "How does the kernel trick work?"
    top = ["svm#the-kernel-trick", "svm#the-kernel-trick", "other#intro"]
    x = feat("why_how", q, cand("A kernel computes inner products in a feature space.", rank=0), top=top)
    y = feat("why_how", q, cand("A kernel computes inner products in a feature space.", rank=2), top=top)
    assert x["repeats"] == 1 and y["repeats"] == 0
    assert x["heading_share"] == 1 and y["heading_share"] == 0


# -- the ranker in pick_lead ---------------------------------------------------------------------------------------

Q = "What is t-SNE?"
CLAIM = cand("Distances between clusters in a t-SNE plot are not meaningful at all.", rank=0, score=0.9)
DEFINITION = cand("t-SNE is a non-linear method that embeds high-dimensional points in 2-D.", rank=1, score=0.4)


def test_a_zero_ranker_chooses_what_the_rules_choose():
    rules = pick_lead("definition", Q, [CLAIM, DEFINITION], ["a#x", "b#y"], ranker=ranker_with())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lead_module, "lead_model", lambda: None)
        assert pick_lead("definition", Q, [CLAIM, DEFINITION], ["a#x", "b#y"]) is rules is CLAIM


# the ranker's tests below put both candidates in one section ("a#x" at ranks 0 and 1, the same repeat bonus for both):
# a lead from another section than the first gives way to a first-section candidate that outscores it by
# TOP_SECTION_MARGIN (lead.top_section_lead, tested in test_top_section_lead.py), and CLAIM outscores DEFINITION by 0.5
ONE_SECTION = ["a#x", "a#x"]


def test_a_ranker_reorders_the_rules_choice_by_its_weights():
    assert pick_lead("definition", Q, [CLAIM, DEFINITION], ONE_SECTION, ranker=ranker_with(subject_is=2.0)) \
        is DEFINITION
    # the value is the rules' value plus the weighted, standardised features
    r = LeadRanker((1.0,) + (0.0,) * (N - 1), (0.5,) + (0.0,) * (N - 1), (0.25,) + (1.0,) * (N - 1))
    assert r.value([0.75] + [9.0] * (N - 1), rule=0.1) == pytest.approx(0.1 + (0.75 - 0.5) / 0.25)


def test_a_reordering_that_gains_less_than_the_margin_keeps_the_rules_lead():
    weights = {"subject_is": 2.0}
    assert pick_lead("definition", Q, [CLAIM, DEFINITION], ONE_SECTION, ranker=ranker_with(**weights)) is DEFINITION
    wide = LeadRanker(ranker_with(**weights).weights, (0.0,) * N, (1.0,) * N, top=8, margin=5.0)
    assert pick_lead("definition", Q, [CLAIM, DEFINITION], ONE_SECTION, ranker=wide) is CLAIM


def test_a_why_lead_that_restates_the_premise_stays_for_its_reason():
    # the composition follows such a lead with the reason of its section (answer.py: _reason_after)
    q = "Why can you use a bigger learning rate once batch normalization is in the network?"
    restating = cand("Batch normalization allows a bigger learning rate in the network in practice.", score=0.9)
    reason = cand("The normalized output does not change when the weights are scaled, because the scale is divided "
                  "out.", rank=1, score=0.3)
    other = cand("Batch statistics are computed over the mini-batch during training of the network.", score=0.9)
    ranker = ranker_with(reason=5.0)
    assert pick_lead("why_how", q, [restating, reason], ONE_SECTION, ranker=ranker) is restating
    assert pick_lead("why_how", q, [other, reason], ONE_SECTION, ranker=ranker) is reason


def test_the_ranker_only_reorders_what_the_rules_allow():
    # a sentence that points back ("It ...") or is cut off never leads, whatever the weights
    pointer = cand("It is a non-linear method that embeds high-dimensional points in 2-D for t-SNE.", rank=0,
                   score=2.0)
    question = cand("What does t-SNE preserve when it embeds the high-dimensional points?", rank=0, score=2.0)
    got = pick_lead("definition", Q, [pointer, question, DEFINITION], ["a#x", "b#y"],
                    ranker=ranker_with(score=100.0, subject_share=100.0))
    assert got is DEFINITION


def test_the_ranker_looks_only_at_its_top_candidates_of_the_rules_order():
    many = [cand(f"Clusters in t-SNE plot number {i} are arranged on a plane for viewing.", rank=0, score=1.0 - i / 100)
            for i in range(10)]
    tail = many[-1]
    ranker = LeadRanker(tuple(-1.0 if n == "rule_rank" else 0.0 for n in FEATURES), (0.0,) * N, (1.0,) * N, top=3)
    assert pick_lead("definition", Q, [*many], ["a#x"], ranker=ranker) is many[0]
    bigger = LeadRanker(tuple(1.0 if n == "rule_rank" else 0.0 for n in FEATURES), (0.0,) * N, (1.0,) * N, top=3)
    got = pick_lead("definition", Q, [*many], ["a#x"], ranker=bigger)
    assert got is many[2] and got is not tail  # the third of the rules' order, not the last of the pool


# -- the file ------------------------------------------------------------------------------------------------------

def test_the_shipped_model_loads_and_matches_the_features():
    ranker = load_ranker(MODEL_FILE)
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES) and len(ranker.weights) == N
    assert any(ranker.weights) and ranker.top >= 1
    default_ranker.cache_clear()
    assert (default_ranker() is not None) == ranker.default


def test_a_round_trip_through_json_keeps_the_ranker():
    r = LeadRanker(tuple(float(i) for i in range(N)), (0.5,) * N, (2.0,) * N, top=5, default=True, margin=0.1)
    assert LeadRanker.from_json(json.loads(json.dumps(r.to_json()))) == r


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("{not json", "cannot read"),
    (json.dumps({"format": 99}), "format"),
    (json.dumps({"format": 1, "features": ["score"], "weights": [1.0], "mean": [0], "scale": [1]}), "FEATURES"),
    (json.dumps({"format": 1, "features": list(FEATURES), "weights": [1.0], "mean": [0.0] * N,
                 "scale": [1.0] * N}), "one per feature"),
    (json.dumps({"format": 1, "features": list(FEATURES), "weights": [0.0] * N, "mean": [0.0] * N,
                 "scale": [0.0] * N}), "positive"),
    (json.dumps({"format": 1, "features": list(FEATURES), "weights": [0.0] * N, "mean": [0.0] * N,
                 "scale": [1.0] * N, "margin": -1}), "margin"),
])
def test_a_missing_or_corrupt_model_is_a_clear_error_and_the_rules_decide(tmp_path, caplog, content, message):
    path = tmp_path / "lead_ranker.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(LeadModelError, match=message):
        load_ranker(path)
    default_ranker.cache_clear()
    with caplog.at_level(logging.WARNING, logger=lead_model.__name__):
        assert default_ranker(path) is None
    assert any("hand-tuned lead rules decide" in r.getMessage() and str(path) in r.getMessage()
               for r in caplog.records)
    with pytest.MonkeyPatch.context() as mp:  # pick_lead then falls back to the rules' choice
        mp.setattr(lead_module, "lead_model", lambda: default_ranker(path))
        assert pick_lead("definition", Q, [CLAIM, DEFINITION], ["a#x", "b#y"]) is CLAIM
    default_ranker.cache_clear()


def test_a_model_that_is_not_the_default_leaves_the_rules(tmp_path):
    path = tmp_path / "lead_ranker.json"
    r = ranker_with(subject_is=2.0)
    path.write_text(json.dumps({**r.to_json(), "default": False}), encoding="utf-8")
    default_ranker.cache_clear()
    assert default_ranker(path) is None and load_ranker(path).weights == r.weights
    default_ranker.cache_clear()


# -- the shipped model on the labelled development questions -------------------------------------------------------

MIN_SHARE = 0.5  # "most": the model reached about 0.63 in cross-validation, the rules 0.61, a random order ~0.2


@pytest.fixture(scope="module")
def labelled_pools():
    from mlnotes.eval import lead_ranker as lr

    default_ranker.cache_clear()
    return lr.collect(lr.dev_questions()), lr.load_labels()


@pytest.mark.slow
def test_the_shipped_models_lead_answers_most_labelled_questions(labelled_pools):
    """The lead that pick_lead chooses with its default (the shipped model) in the served pipeline is a candidate
    labelled as answering for more than half of the labelled development questions; a random order of the same
    labelled candidates would reach only the share of answering candidates among them (about a fifth) and fail.
    Answers about 170 questions (a few minutes)."""
    pools, labels = labelled_pools
    hits, n, random_share = 0, 0, []
    for qid, p in pools.items():
        ys = [labels.get((qid, c["text"])) for c in p["cands"]]
        if not ys or any(y is None for y in ys):
            continue
        n += 1
        random_share.append(sum(ys) / len(ys))
        hits += bool(labels.get((qid, p["chosen"])))
    # the labels still match the pools the pipeline builds: 145 on round 16's tree on an AVX2-only CPU (new
    # candidates, from that CPU's retrieval and round 16's lead rules, entered a few pools; labelling them in
    # eval/datasets/lead_labels_dev.jsonl restores the count)
    assert n >= 140
    assert np.mean(random_share) < MIN_SHARE - 0.2  # the threshold separates a model from a random order
    assert hits / n > MIN_SHARE, f"{hits} of {n}"
