"""The grader checks added in issue #20 round 6: talk about words instead of a claim (``meta_talk``), the new
contrast and confusable pairs, and formulas as relations in the term-list test.

Each rule is checked for what it must refuse (sentences written for these tests, or development answers of
``eval/datasets/grader_dev_hand.jsonl`` that the round-5 rules credited) and, over every credit answer of the
development sets, for what it must not refuse. The independent held-out sets (heldout3, heldout4) are not read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlnotes.assistant.interview import contradiction as C
from mlnotes.assistant.interview.contradiction import contradiction, meta_talk, only_listed
from mlnotes.kb.interview import load_bank

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "eval" / "datasets"
DEV_FILES = ("grader_adversarial.jsonl", "grader_heldout2.jsonl", "grader_dev_hand.jsonl")
#: how many groups round 6 appended at the end of each lexicon (the rest is the round-5 lexicon)
NEW_OPPOSED, NEW_SWAPS = 9, 4


def _dev_cases() -> list[dict]:
    out = []
    for name in DEV_FILES:
        out += [json.loads(line) for line in (DATASETS / name).read_text(encoding="utf-8").splitlines() if line]
    return out


@pytest.fixture(scope="module")
def dev_cases() -> list[dict]:
    return _dev_cases()


# ------------------------------------------------------------------------------------------------ meta talk


@pytest.mark.parametrize("sentence", [
    "Cost, complexity and pruning are words from the tree chapter.",
    "The TD error, one step and the advantage are all in the actor-critic slides.",
    "Momentum and past gradients come up in every optimisation lecture.",
    "Bagging and variance are both buzzwords in ensemble talks.",
    "You'll see dropout and inverted scaling in any deep learning course.",
])
def test_talk_about_words_is_refused(sentence):
    assert meta_talk("Momentum accumulates an exponentially weighted sum of past gradients", sentence)


@pytest.mark.parametrize("sentence", [
    "Momentum keeps an exponentially decaying sum of the past gradients and steps along it.",
    "The words of a document are counted, and the counts form its bag-of-words vector.",
    "Pruning removes subtrees whose error reduction is too small for their size.",
])
def test_claims_are_not_talk_about_words(sentence):
    assert not meta_talk("Momentum accumulates an exponentially weighted sum of past gradients", sentence)


def test_a_key_point_that_talks_about_words_switches_the_rule_off():
    kp = "Stop words are words that appear in most documents"
    assert not meta_talk(kp, "Stop words are the words that appear in almost every document.")


def test_no_development_paraphrase_is_taken_for_talk_about_words(dev_cases):
    hits = [c["id"] for c in dev_cases if c["label"] == "credit" and meta_talk(c["key_point"], c["answer"])]
    assert not hits, hits[:5]


# ------------------------------------------------------------------------------------ new contrasts and swaps


@pytest.mark.parametrize("kp,sentence,kind", [
    ("The same filter weights are shared across all spatial positions",
     "Each spatial position of a conv layer learns its own filter weights.", "opposite claim"),
    ("Squared distances to all centroids are computed at once with broadcasting",
     "The squared distances are computed one centroid at a time in a Python loop.", "opposite claim"),
    ("Two-tower models embed users and items separately and score with a dot product",
     "Two-tower models embed the user and the item jointly in one network.", "opposite claim"),
    ("The additive cell path lets gradients flow across many time steps when the forget gate is near one",
     "Gradients flow across many time steps when the forget gate is near zero.", "opposite claim"),
    ("Impurity importance is computed on training data",
     "Permutation importance is computed on training data.", "swapped terms"),
    ("Global explanations summarize model behaviour across the whole data distribution",
     "Global explanations describe a single prediction in detail.", "opposite claim"),
    ("Weak stationarity means constant mean and constant variance",
     "Weak stationarity means the mean and the variance change over time.", "opposite claim"),
    ("Agglomerative clustering merges the closest pair of clusters until one remains",
     "Divisive clustering merges the closest pair of clusters until one remains.", "swapped terms"),
    ("F1 is the harmonic mean of precision and recall",
     "F1 is the arithmetic mean of precision and recall.", "swapped terms"),
    ("At prediction time the encoding is computed from all training data",
     "At training time the encoding is computed from all training data.", "swapped terms"),
])
def test_new_pairs_are_contradictions(kp, sentence, kind):
    why = contradiction(kp, sentence)
    assert why is not None and why.startswith(kind), why


def test_the_new_pairs_refuse_no_development_paraphrase_the_old_rules_credited(dev_cases, monkeypatch):
    """Over every credit answer of the development sets: a contradiction found with the round-6 lexicon was
    found without it too (the new groups add refusals only where the answer is wrong)."""
    assert len(C.OPPOSED) > NEW_OPPOSED and len(C.SWAPS) > NEW_SWAPS
    credit = [c for c in dev_cases if c["label"] == "credit"]
    assert len(credit) > 900
    new = [contradiction(c["key_point"], c["answer"]) for c in credit]
    C._opposite_pairs.cache_clear()
    monkeypatch.setattr(C, "OPPOSED", C.OPPOSED[:-NEW_OPPOSED])
    monkeypatch.setattr(C, "SWAPS", C.SWAPS[:-NEW_SWAPS])
    try:
        old = [contradiction(c["key_point"], c["answer"]) for c in credit]
    finally:
        C._opposite_pairs.cache_clear()
    added = [c["id"] for c, n, o in zip(credit, new, old) if n is not None and o is None]
    assert not added, added


# --------------------------------------------------------------------------------------------- formulas


def test_a_formula_relates_its_terms():
    kp = "F1 is two times precision times recall divided by their sum"
    assert only_listed(kp, "Precision, recall, sums and products are all important.")
    assert not only_listed(kp, "Precision, recall, sums and products: F1 = 2 * P * R / (P + R).")


# ------------------------------------------------------------------------------------------ inside grading


@pytest.fixture(scope="module")
def real_bank():
    return {q.id: q for q in load_bank(ROOT / "corpus")}


@pytest.mark.parametrize("qid,idx,wrong,reason", [
    ("cv-why-convolution", 1, "Each spatial position of a conv layer learns its own separate filter weights.",
     "opposite claim"),
    ("eval-f1-score", 0, "F1 uses precision and recall, two and the sum are numbers you see in its formula.",
     "talks about the key point's words"),
    ("clus-hierarchical-linkage", 0, "Divisive clustering merges the closest pair of clusters until one remains.",
     "swapped terms"),
])
def test_grading_refuses_the_wrong_answer_and_says_why(grader, real_bank, qid, idx, wrong, reason):
    q = real_bank[qid]
    kp = grader.grade(q, wrong).key_points[idx]
    assert not kp.covered
    assert kp.reason is not None and kp.reason.startswith(reason), kp.reason


def test_grading_still_credits_the_formula(grader, real_bank):
    q = real_bank["eval-f1-score"]
    kp = grader.grade(q, "F1 = 2PR / (P + R), the harmonic mean of precision and recall.").key_points[0]
    assert kp.covered, kp.reason
