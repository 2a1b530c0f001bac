"""A name an ask is about gets a sentence that opens on it among the first sentences, and "am I supposed to" is no
term of an ask (issue #16, round 21, lead21).

f18-17 ("hyperband already saves a ton of compute, so why do people bother with BOHB on top of it? ...") led with
successive-halving background and had "BOHB replaces Hyperband's random sampling with a TPE-like model" only as its
fourth sentence; f18-01 ("... and how am I supposed to prepare?") read "am" and "supposed" as what the ask is
about, so "Prepare two projects in detail ..." did not answer it. The unit tests use hand-written questions,
sentences and chunks; the property reads the development questions (external, fresh1-18; never a held-out split)."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering.compose import (
    ASK_WITHIN,
    CLAUSE_WORDS,
    _reads_alone,
    _side_words,
    asked_names,
    cover_sides,
    spells,
    states_side,
)
from mlnotes.assistant.answering.lead import answers_ask, ask_terms
from mlnotes.assistant.answering.render import answer_units
from mlnotes.kb.index import Hit

from .pools import at, chunk
from .test_part_coverage import dev_questions as part_coverage_dev_questions


def names(question: str, hits=()) -> list[set[str]]:
    return [set(s.all_terms) for s in asked_names(question, hits)]


# -- the reader: the names the asks are about ---------------------------------------------------------------------

@pytest.mark.parametrize("question, expected", [
    ("hyperband already saves compute, so why do people bother with BOHB on top of it? and why does everyone "
     "say to use ASHA instead on a cluster", [{"bohb"}, {"asha"}]),
    # a hyphenated name and the name of a statement's context ("our CNN") left out
    ("our CNN flags photos as defects. is LIME or Grad-CAM the better choice?", [{"lime"}, {"grad", "cam", "gradcam"}]),
])
def test_the_names_an_ask_is_about_are_read_in_order(question, expected):
    assert names(question) == expected


@pytest.mark.parametrize("question", [
    "what is a moving average?",  # no name
    "why is my ML pipeline slow?",  # a name of two letters
    "we trained a model on a GPU. why is it slow?",  # named only by a statement
    "My CNN overfits badly on 500 images. how do I fix that?",
])
def test_other_questions_ask_about_no_name(question):
    assert names(question) == []


def test_a_name_the_top_sections_heading_holds_is_context():
    hits = [Hit(chunk=chunk(["LoRA freezes the weights."], sid="lora"), score=1.0, rank=0, mode="hybrid")]
    assert names("how does LoRA make fine-tuning cheaper?") == [{"lora"}]
    assert names("how does LoRA make fine-tuning cheaper?", hits) == []


def test_a_name_is_stated_by_a_sentence_that_opens_on_it_not_one_that_mentions_it():
    names_ = asked_names("so why do people bother with BOHB on top of hyperband?")
    bohb = names_[0]
    assert not states_side(bohb, names_, "Hyperband can be combined with Bayesian optimization, as in BOHB.")
    assert states_side(bohb, names_, "BOHB replaces Hyperband's random sampling with a TPE-like model (Falkner 2018).")


# -- "am I supposed to" says who asks, not what --------------------------------------------------------------------

def test_a_modal_ask_keeps_only_what_it_is_about():
    ask = ask_terms("and how am I supposed to prepare")
    assert ask == {"prepar"}
    assert answers_ask(ask, "Prepare two projects in detail with this structure: the problem and its metric, the data "
                            "and its quirks, the baseline.")
    assert ask_terms("what is supposed to be in a model package") == {"packag"}


# -- the composer -------------------------------------------------------------------------------------------------

HPO = [
    "Successive halving starts many configurations with a small budget, keeps the best fraction and repeats.",
    "Hyperband can be combined with Bayesian optimization, as in BOHB.",
    "Hyperband hedges by running several brackets with different trade-offs between configurations and budget.",
    "BOHB replaces Hyperband's random sampling with a TPE-like model fitted to the results so far.",
    "Random search is a strong baseline for hyperparameter search in high dimensions.",
]
Q = "hyperband already saves a ton of compute, so why do people bother with BOHB on top of it?"


def test_a_sentence_that_opens_on_an_asked_name_leads_when_the_lead_names_none():
    hits = [Hit(chunk=chunk(HPO), score=1.0, rank=0, mode="hybrid")]
    chosen = [at(x, 10 + i, i, order=i) for i, x in enumerate(HPO[:4])]
    got, n_lead = cover_sides(Q, chosen, 1, hits)
    assert [t.candidate.text for t in got] == [HPO[3], HPO[0], HPO[1], HPO[2]]
    assert n_lead == 2  # the old lead stays in the lead, after it


def test_a_missing_sentence_on_an_asked_name_joins_and_the_answer_is_no_longer():
    hits = [Hit(chunk=chunk(HPO), score=1.0, rank=0, mode="hybrid")]
    chosen = [at(HPO[0], 10, 0, order=0), at(HPO[1], 11, 1, order=1), at(HPO[4], 14, 2, order=4)]
    got, n_lead = cover_sides(Q, chosen, 1, hits)
    assert [t.candidate.text for t in got] == [HPO[3], HPO[0], HPO[1]]
    assert n_lead == 2
    # stated already by the lead: nothing changes
    chosen = [at(HPO[3], 13, 0, order=3), at(HPO[0], 10, 1, order=0)]
    assert cover_sides(Q, chosen, 1, hits) == (chosen, 1)


def test_a_lead_that_names_an_asked_name_keeps_its_place():
    hits = [Hit(chunk=chunk(HPO), score=1.0, rank=0, mode="hybrid")]
    # the lead mentions BOHB: the stating sentence comes right after it, not before it
    chosen = [at(HPO[1], 11, 0, order=1), at(HPO[0], 10, 1, order=0), at(HPO[2], 12, 2, order=2),
              at(HPO[3], 13, 3, order=3)]
    got, n_lead = cover_sides(Q, chosen, 1, hits)
    assert [t.candidate.text for t in got][:2] == [HPO[1], HPO[3]] and n_lead == 1


def test_a_lead_that_spells_out_an_acronym_names_it():
    assert spells("wgan", "The Wasserstein GAN replaces the discriminator by a critic.")
    assert spells("tpe", "a Tree-structured Parzen Estimator models the densities")
    assert not spells("bohb", "Successive halving starts many configurations with a small budget, and Hyperband "
                              "hedges by running brackets.")


# -- a property over the development questions --------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", *range(2, 19))]


def test_a_development_answer_states_each_asked_name_a_top_chunk_opens_a_sentence_on(answerer):
    """For each name a development question's asks are about (:func:`asked_names`) that a sentence of the top three
    hits' chunks opens on (at least CLAUSE_WORDS words, reads on its own and needs no sentence before it), one of
    the answer's first ASK_WITHIN + (number of names) units states it (or the question is a comparison, whose sides
    come first). On main 4f55a96 f18-17 (BOHB) fails it."""
    from mlnotes.assistant.answering.compose import chunk_candidates, comparison_sides
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.answering.scoring import dangles, needs_before

    checked, missed = 0, []
    for qid, q in part_coverage_dev_questions(FRESH):
        if comparison_sides(q):
            continue
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences or ans.sentences[0].kind != "sentence":
            continue  # the interview bank's reviewed answer, an abstention, or a table lead: not composed here
        hits = retrieve(answerer.index, q, "hybrid", 6).hits[:3]
        found = asked_names(q, hits)
        if not found:
            continue
        units = answer_units(ans.sentences)[: ASK_WITHIN + len(found)]
        texts = [c.text for h in hits for c in chunk_candidates(h) if c.kind == "sentence" and "?" not in c.text
                 and not needs_before(c) and not dangles(c.text)]
        for name in found:
            if not any(len(t.split()) >= CLAUSE_WORDS and _side_words(name, found, t) and _reads_alone(t)
                       for t in texts):
                continue
            checked += 1
            if not any(states_side(name, found, u) for u in units):
                missed.append((qid, sorted(name.all_terms)))
    assert checked >= 3, checked
    assert not missed, missed
