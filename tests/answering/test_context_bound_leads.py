"""Leads and answer sentences that read on their own (round 13, lead16p: assistant/answering/scoring.py
ordinal_subject, assistant/answering/lead.py points_to_unseen, asks_if_wrong / states_cause and usable).

fresh11's answers showed four kinds of sentence that led or joined an answer although the reader cannot use them:
an ordinal standing for an item of a list the answer does not show (f11-02: "The fourth explains how to prepare for
each type of interview round."), a cross-reference to a neighbouring section (f11-18's lead "Run a learning-rate
range test (next section) rather than guessing."), a sentence that states no cause for a question that reports an
observation and asks whether something is wrong (f11-18), and the answer of a bold question label that was dropped
for its "?" (f11-08: "**Is there an official split, and should you use it?** Use the official split when ...").
Hand-built candidates with the learned ranker off and on, and slow properties over the development questions."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.answering import lead as lead_module
from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import (
    asks_if_wrong,
    lead_pool,
    observation_terms,
    pick_lead,
    points_to_unseen,
    standalone,
    states_cause,
    subject_terms,
    usable,
)
from mlnotes.assistant.answering.scoring import Scored, choose, dangles, ordinal_subject

from .test_part_coverage import dev_questions as part_coverage_dev_questions


def cand(text: str, rank: int, score: float, order: int = 0, line: int = 1, vec: int = 0) -> Scored:
    v = np.zeros(8, np.float32)
    v[vec] = 1.0
    return Scored(score, rank, Candidate(text, line, line, order), v)


# -- an ordinal that stands for an item of an unseen list ------------------------------------------------------------

def test_an_ordinal_followed_by_a_verb_stands_for_a_list_item_and_one_followed_by_a_noun_does_not():
    for text in ["The fourth explains how to prepare for each type of interview round.",
                 "The third covers study techniques with good evidence behind them.",
                 "The second gives three week-by-week study plans.",
                 "The first two are cheap to compute.",
                 "The last one is the hardest to tune.",
                 "The latter needs a GPU.", "The former is exact but slow.",
                 "**The second is** a sampled estimate."]:
        assert ordinal_subject(text), text
        assert dangles(text), text
        assert not standalone(cand(text, 0, 0.5)), text
    for text in ["The first layer learns edges and the later ones learn parts.",
                 "The first step is to split the data before any preprocessing.",
                 "The first layers learn edges.", "The second-order term is small near a minimum.",
                 "The last layer of a classifier outputs one logit per class.",
                 "The formerly popular sigmoid saturates.", "First, check the labels."]:
        assert not ordinal_subject(text), text


def test_a_list_item_sentence_is_not_chosen_to_support_an_answer_when_its_list_is_not_shown():
    lead = cand("The Feynman technique is a loop of four steps: choose a concept, explain it simply, find the gaps "
                "and go back to the source.", 0, 0.60, vec=0)
    parts = cand("It has four parts.", 1, 0.30, order=0, line=10, vec=1)
    third = cand("The third covers study techniques with good evidence behind them.", 1, 0.50, order=1, line=10,
                 vec=2)
    fourth = cand("The fourth explains how to prepare for each type of interview round.", 1, 0.48, order=2,
                  line=11, vec=3)
    use = cand("Use it on concepts that everyone can name but few can explain.", 0, 0.45, order=1, vec=4)
    got = choose([lead, third, fourth, use, parts], 4, already=[lead])
    texts = [t.candidate.text for t in got]
    assert fourth.candidate.text not in texts and third.candidate.text not in texts
    assert use.candidate.text in texts


# -- a cross-reference to a part of the notes the answer does not show -----------------------------------------------

def test_a_parenthesised_cross_reference_points_at_unseen_content():
    for text in ["Run a learning-rate range test (next section) rather than guessing.",
                 "Use the bound (see below) to choose the test-set size.",
                 "Scale the features first (see the previous section).",
                 "The derivation (above) assumes independent errors."]:
        assert points_to_unseen(text), text
    for text in ["Run a learning-rate range test rather than guessing.",
                 "The loss falls (in the next epoch) once the rate warms up.",
                 "A test set (see the appendix of the paper) is used once."]:
        assert not points_to_unseen(text), text


def test_a_lead_with_a_cross_reference_gives_way_to_one_without(ranker_mode):
    q = "How do I pick a learning rate for a new network?"
    xref = cand("Run a learning-rate range test (next section) rather than guessing a learning rate.", 0, 0.50)
    plain = cand("Pick the learning rate with a short sweep over several orders of magnitude and keep the largest "
                 "rate whose loss still falls smoothly.", 1, 0.45)
    assert pick_lead("why_how", q, [xref, plain], sections=["a#x", "b#y"]) is plain
    # nothing else: it still leads
    assert pick_lead("why_how", q, [xref], sections=["a#x"]) is xref


# -- a question that reports an observation and asks whether something is wrong --------------------------------------

OBSERVED = "my validation loss is lower than my training loss the whole run, which seems backwards. is something broken?"


def test_a_question_that_closes_by_asking_whether_something_is_wrong_reports_an_observation():
    assert asks_if_wrong(OBSERVED)
    assert {"valid", "loss", "lower"} <= observation_terms(OBSERVED)
    assert "broken" not in observation_terms(OBSERVED)
    assert asks_if_wrong("The model never gives two tags a high score at once. What's wrong?")
    assert asks_if_wrong("Accuracy is 99% on the test set, is that normal?")
    for q in ["What is wrong with using accuracy on imbalanced data?", "Is something broken?",
              "Why is my validation loss lower than my training loss?", "What is a broken stick model?"]:
        assert not asks_if_wrong(q), q
        assert observation_terms(q) == set() or not asks_if_wrong(q)


def test_a_cause_names_the_observation_and_gives_a_reason():
    cause = ("The training loss is averaged over the epoch while the weights change, so early on it lags behind "
             "the validation loss measured at the end of the epoch.")
    assert states_cause(OBSERVED, cause)
    # a reason about something else, and the observation without a reason, are no cause
    assert not states_cause(OBSERVED, "Clip the gradients, because exploding gradients make the updates diverge.")
    assert not states_cause(OBSERVED, "Plot the validation loss and the training loss on one shared axis.")
    # another question: no observation, no cause
    assert not states_cause("Why is my validation loss lower than my training loss?", cause)


def test_an_observed_problem_leads_with_its_cause_whenever_the_pool_holds_one(ranker_mode):
    sections = ["dl#loss-does-not-fall", "dl#loss-does-not-fall", "cv#training-loop"]
    advice = cand("Data bugs such as shuffled labels or wrong normalization are more common than model bugs.", 0, 0.50)
    other = cand("Overfitting a single small batch is the first test of a new training loop.", 1, 0.50)
    cause = cand("The training loss is averaged over the epoch while the weights change, so early on it lags behind "
                 "the validation loss measured at the end of the epoch.", 2, 0.45)
    subject = subject_terms(OBSERVED)
    assert lead_pool("why_how", OBSERVED, [advice, other, cause], subject) == [cause]
    assert pick_lead("why_how", OBSERVED, [advice, other, cause], sections=sections) is cause
    # no cause in the pool: the pool is unchanged
    assert lead_pool("why_how", OBSERVED, [advice, other], subject) == [advice, other]


# -- a bold question label and its answer -------------------------------------------------------------------------

def test_a_list_item_that_answers_its_bold_question_label_is_usable():
    item = cand("**Is there an official split, and should you use it?** Use the official split when comparing with "
                "published results, and build your own when it does not reflect deployment.", 0, 0.4)
    assert usable(item)
    for text in ["**Is there an official split?** Yes.",  # an answer too short to lead
                 "**Is there an official split?** Which one would you use?",  # a question after the label
                 "Is there an official split, and should you use it?",
                 "A dashboard answers \"is this run healthy?\" at a glance and more."]:
        assert not usable(cand(text, 0, 0.4)), text


def test_the_answer_to_a_bold_question_may_lead_a_how_to_choose_question(ranker_mode):
    q = "the dataset ships with an official train/test split. should i use that split or re-split it myself?"
    item = cand("**Is there an official split, and should you use it?** Use the official split when comparing with "
                "published results, and check it for duplicates across its parts.", 1, 0.33)
    kfold = cand("With little data, replace the fixed validation split by k-fold cross-validation on the training "
                 "portion.", 3, 0.36)
    fact = cand("Random splits are correct only when examples are independent and identically distributed.", 0, 0.49)
    assert item in lead_pool("how_to_choose", q, [fact, item, kfold], subject_terms(q))


# -- properties over the development questions ------------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)]


def dev_questions() -> list[tuple[str, str]]:
    """(id, question) of the gold tune split and the answerable external and fresh1-11 questions."""
    return part_coverage_dev_questions(FRESH)


@pytest.mark.slow
def test_no_development_answer_shows_a_list_items_ordinal_sentence_or_a_cross_reference_first(answerer):
    # measured on the 20 external ids and fresh1-11 with scripts/judge_answers.py: before this change f11-02 showed
    # "The fourth explains ..." and "The third covers ..."; after, no extractive development answer shows a sentence
    # that opens with an ordinal standing for a list item, and no lead holds a parenthesised cross-reference
    # (tolerance: none; both are rare in the corpus, so a new one is a regression to look at)
    from mlnotes.assistant.answering.lead import _CROSS_REF_RE

    shown, leads = [], []
    for qid, q in dev_questions():
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        texts = [getattr(s, "text", str(s)) for s in ans.sentences]
        shown += [(qid, t) for t in texts if ordinal_subject(t)]
        if _CROSS_REF_RE.search(texts[0]):
            leads.append((qid, texts[0]))
    assert not shown, shown
    assert not leads, leads


@pytest.mark.slow
def test_a_development_question_reporting_an_observed_problem_leads_with_a_cause_when_a_top_chunk_gives_one(answerer):
    # f11-18 and f4-18 are the development questions of this form (gold tune has none); f4-18's lead (a table row
    # whose "so two true labels cannot both get high probability" names the softmax and the labels) was already a
    # cause; f11-18's became one
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.answering.scoring import score_candidates

    observed = [(i, q) for i, q in dev_questions() if asks_if_wrong(q)]
    assert {"f11-18", "f4-18"} <= {i for i, _ in observed}
    checked = 0
    for qid, q in observed:
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive":
            continue
        r = retrieve(answerer.index, q, "hybrid", 6)
        per_chunk = [(rank, *answerer.sentences.get(h.chunk)) for rank, h in
                     enumerate(r.hits[: answerer.weights.top_chunks])]
        pool = score_candidates(q, r.qvec, per_chunk, answerer.weights)
        # since round 16 a later why ask ("... why does that happen?") takes its cause from the first chunk alone
        # (lead.lead_pool): f9-16's rank-2 dead-ReLU sentence names "every" and "zero" of its setting by chance
        ranks = lead_module.LEAD_POOL_RANKS if lead_module._WRONG_ASK_RE.search(q.strip()) else 1
        if not any(t.rank < ranks and usable(t) and standalone(t)
                   and states_cause(q, t.candidate.text) for t in pool):
            continue
        checked += 1
        first = getattr(ans.sentences[0], "text", str(ans.sentences[0]))
        assert states_cause(q, first), (qid, first)
    assert checked >= 1
