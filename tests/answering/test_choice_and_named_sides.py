"""Both sides of a comparison or a choice (issue #16, round 15, side16v).

fresh13 showed three comparison/choice questions whose second side was never described: f13-08 ("is AdaGrad a good
pick or should I use RMSProp?") had no choice pair, so RMSProp was never named; f13-04 ("masked autoencoders (MAE)
vs contrastive pretraining like simclr for a ViT - ...") and f13-05 ("bidirectional LSTM vs a normal one-direction
LSTM - what's ...") had no pair at all: a first side's own parenthetical and a second side ending at a dash stopped
the "vs" pattern. The unit tests use hand-written questions and stand-in sentences; the property tests read the
development questions (gold tune, external, fresh1-13; never a held-out split)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import Sides, choice_sides, sides
from mlnotes.assistant.answering.scoring import Scored

# -- "is A a good pick or should I use B?" ---------------------------------------------------------------------------


def test_a_judged_first_alternative_and_the_other_one_are_the_sides():
    assert choice_sides("is AdaGrad a good pick or should I use RMSProp?") == Sides("AdaGrad", "RMSProp")
    assert choice_sides("we train for weeks. is lasso the right choice here or should we go with ridge regression?") \
        == Sides("lasso", "ridge regression")
    assert choice_sides("Is k-means a sensible default, or would you use a Gaussian mixture instead?") == \
        Sides("k-means", "Gaussian mixture")
    # the pair is what sides() gives too
    assert sides("is the t-test a safe bet or should I use the Mann-Whitney U test?") == \
        Sides("t-test", "Mann-Whitney U test")


def test_a_judged_form_without_a_second_thing_is_no_choice():
    assert choice_sides("Is random forest a good idea or not?") is None
    assert choice_sides("is it a good pick or should I use something else?") is None
    # a statement, not an asking sentence
    assert choice_sides("is AdaGrad a good pick or should I use RMSProp. it's a long run") is None


# -- a first side's own other name, a second side that ends at a dash -----------------------------------------------


def test_a_first_side_may_close_with_its_other_name():
    assert sides("masked autoencoders (MAE) vs contrastive pretraining like simclr for a ViT - whats different?") \
        == Sides("masked autoencoders", "contrastive")
    assert sides("Inception (GoogLeNet) vs VGG: how do the designs differ?") == Sides("Inception", "VGG")


def test_a_second_side_ends_at_a_dash_that_opens_the_question():
    # "normal" before a side that ends on the other side's head is dropped (round 16, side16w)
    assert sides("bidirectional LSTM vs a normal one-direction LSTM - what's actualy different?") == \
        Sides("bidirectional LSTM", "one-direction LSTM")
    # a hyphen inside a word is no dash
    assert sides("one-stage vs two-stage detectors?") == Sides("one-stage", "two-stage detectors")


def test_an_example_or_a_pretraining_word_is_trimmed_from_a_side():
    assert sides("BERT-style pretraining vs autoregressive models like GPT?") == Sides("BERT-style", "autoregressive")


def test_the_earlier_side_readings_stand():
    assert sides("VGG vs Inception (GoogLeNet) - how do the two designs differ?") == Sides("VGG", "Inception")
    assert sides("mini-batch k-means vs normal (Lloyd) k-means: what do I give up for the speed?") is None
    assert sides("bagging vs boosting - how do they differ in variance?") == Sides("bagging", "boosting")


# -- the choice lead: a sentence about the alternative the lead does not name ----------------------------------------


def scored(text: str, vec: list[float], score: float = 0.5) -> Scored:
    v = np.asarray(vec, dtype=np.float32)
    return Scored(score, 0, Candidate(text, 1, 1, 0), v / np.linalg.norm(v))


def choice_lead(lead: list[Scored], pool: list[Scored], pair: Sides, following: list[Scored] = (),
                hits: list = ()) -> list[Scored]:
    from mlnotes.assistant.answer import Answerer

    stub = SimpleNamespace(_side_pool=lambda side, other, hits, mode, filters: pool,
                           weights=SimpleNamespace(redundancy=0.9, top_chunks=3))
    return Answerer._choice_lead(stub, lead, pair, list(hits), "hybrid", None, following=following)


PAIR = Sides("AdaGrad", "RMSProp")
ADA = scored("AdaGrad gives larger steps to infrequent features, which suits sparse problems.", [1, 0, 0])
RMS = scored("RMSProp replaces the sum by an exponential moving average, so the rate does not vanish.", [0, 1, 0])
BOTH = scored("Unlike AdaGrad, RMSProp keeps a moving average of squared gradients in the denominator.", [0, 0, 1])


def test_the_unnamed_alternative_gets_the_second_sentence():
    other = scored("Adam combines momentum with a moving average of squared gradients for every weight.", [1, 1, 0])
    assert choice_lead([ADA], [other, RMS], PAIR) == [ADA, RMS]
    assert choice_lead([ADA, other], [RMS], PAIR) == [ADA, RMS, other]


def test_nothing_changes_when_both_are_named_or_none_or_no_sentence_fits():
    assert choice_lead([BOTH], [RMS], PAIR) == [BOTH]  # the first names both
    assert choice_lead([ADA, RMS], [BOTH], PAIR) == [ADA, RMS]  # the second names the other
    assert choice_lead([ADA], [BOTH], PAIR, following=[RMS]) == [ADA]  # ... the first sentence after the lead does
    neither = scored("Adaptive methods scale each weight's step by its own gradient history.", [1, 1, 1])
    # nothing to anchor on, and no sentence about AdaGrad from the question's sections (round 16: then both lead)
    assert choice_lead([neither], [RMS], PAIR) == [neither]
    assert choice_lead([ADA], [], PAIR) == [ADA]
    # a sentence that repeats the lead (redundant) or cannot open an answer is not added
    same = scored("RMSProp, like AdaGrad before it, gives larger steps to infrequent features.", [1, 0.01, 0])
    assert choice_lead([ADA], [same], PAIR) == [ADA]
    back = scored("It replaces RMSProp's sum by an exponential moving average of the squares.", [0, 1, 0])
    assert choice_lead([ADA], [back], PAIR) == [ADA]


# -- properties over the development questions ----------------------------------------------------------------------

def development_questions() -> list[dict]:
    from mlnotes.assistant.settings import REPO_ROOT

    datasets = REPO_ROOT / "eval" / "datasets"
    rows = [json.loads(x) for x in (datasets / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [q for q in rows if q["split"] == "tune"]
    for name in ["external.jsonl", *(f"judged_fresh{n}.jsonl" for n in ["", *range(2, 14)])]:
        qs += [json.loads(x) for x in (datasets / name).read_text(encoding="utf-8").splitlines() if x.strip()]
    return qs


def test_development_pairs_are_the_questions_own_phrases():
    """Over the development questions (fresh13 included), every pair is made of the question's own words; the
    choice pairs are exactly those of round 15 (side16u) plus f13-08; 101 question records have a pair on main
    (ml-66 is in two sets) and four more here (f13-04, f13-05, f11-10's "transition based vs graph based ... - ..."
    and the choice f13-08; none of main's pairs changed when measured), measured on this branch (tolerance: none,
    the sets are exact)."""
    pairs, choices = {}, {}
    for q in development_questions():
        t = " ".join(q["question"].split()).lower().replace("vs.", "vs")
        pair, choice = sides(q["question"]), choice_sides(q["question"])
        if choice is not None:
            choices[q["id"]] = choice
        if pair is not None:
            pairs[q["id"]] = pair
            for side in (pair.a, pair.b):  # a chain's links are the question's words joined by "vs"
                assert all(w in t for w in side.lower().split(" vs ")), (q["id"], pair)
    assert set(choices) == {"g396", "g411", "g433", "g544", "g554", "g607", "f12-06", "f13-08"}, sorted(choices)
    assert choices["f13-08"] == Sides("AdaGrad", "RMSProp")
    assert pairs["f13-04"] == Sides("masked autoencoders", "contrastive")
    assert pairs["f13-05"] == Sides("bidirectional LSTM", "one-direction LSTM")  # "normal" dropped (side16w)
    assert pairs["f12-04"] == Sides("VGG", "Inception")
    assert len(pairs) == PAIRS_ON_MAIN + 4, len(pairs)  # f13-04, f13-05, f11-10 and the choice f13-08


# question records with a pair (sides) among the development questions on main 5405438, fresh13 included (ml-66
# is in gold tune and external alike and counts twice)
PAIRS_ON_MAIN = 101


@pytest.mark.slow
def test_choice_answers_name_both_alternatives_in_their_first_two_sentences(answerer):
    """Over the development questions with a choice pair (:func:`choice_sides`) that are not composed as
    comparisons (7: g396, g411, g433, g544, g554, g607 and f13-08; f12-06 reads as a comparison), the
    answers whose first two sentences name both alternatives: 6 of 7 on main 5405438 (f13-08 never named RMSProp),
    7 of 7 here; the floor is this branch's count less one (a corpus or index change may move one)."""
    from mlnotes.assistant.answering.lead import mentions, reads_as_comparison
    from mlnotes.assistant.intent import classify_intent

    n = good = 0
    for q in development_questions():
        t = q["question"]
        pair = choice_sides(t)
        if pair is None or reads_as_comparison(classify_intent(t).intent, t):
            continue
        ans = answerer.answer(t, generator=None)
        if ans.abstained:
            continue
        first = " ".join(s.text for s in ans.sentences[:2])
        n += 1
        good += mentions(first, pair.a, pair.b) and mentions(first, pair.b, pair.a)
    assert n == CHOICE_N, n
    assert good >= CHOICE_BOTH - 1, (good, n)


CHOICE_N = 7
CHOICE_BOTH = 7
