"""The lead sentence is chosen from the best-supported of the top chunks (assistant/answering/lead.py: pick_lead), as
properties of the choice on hand-built candidates; each expected pick is checked against a brute-force evaluation
of the documented value (score + intent bonus + repeat bonus - rank penalty) over every candidate."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import (
    LEAD_POOL_RANKS,
    RANK_PENALTY,
    SECTION_REPEAT_BONUS,
    lead_bonus,
    pick_lead,
    standalone,
    subject_terms,
    usable,
)
from mlnotes.assistant.answering.scoring import Scored

Q = "Why do ensembles reduce error compared with one model?"


def cand(text: str, rank: int, score: float, order: int = 0) -> Scored:
    return Scored(score, rank, Candidate(text, 1, 1, order), np.zeros(3, np.float32))


def brute_force(intent: str, question: str, scored: list[Scored], sections: list[str]) -> Scored | None:
    """The documented value, computed independently for every usable candidate of the pool."""
    subject = subject_terms(question)
    best, best_key = None, None
    for t in scored:
        if t.rank >= LEAD_POOL_RANKS or not usable(t) or not standalone(t):
            continue
        repeats = sum(1 for j in range(min(len(sections), LEAD_POOL_RANKS))
                      if j != t.rank and t.rank < len(sections) and sections[j] == sections[t.rank])
        value = t.score + lead_bonus(intent, question, t, subject) + SECTION_REPEAT_BONUS * repeats - RANK_PENALTY * t.rank
        key = (value, -t.rank)
        if best_key is None or key > best_key:
            best, best_key = t, key
    return best


def test_a_section_that_several_top_chunks_come_from_beats_a_lone_first_hit():
    lone = cand("Averaging many models cancels part of their independent errors out.", 0, 0.70)
    repeated = cand("Ensembles average models whose errors are partly independent, so variance falls.", 1, 0.62)
    other = cand("Each of these models is trained on a bootstrap sample of the data.", 2, 0.40)
    sections = ["a#lone", "b#ensembles", "b#ensembles", "c#x", "b#ensembles"]
    got = pick_lead("why_how", Q, [lone, repeated, other], sections)
    assert got is repeated  # two other top chunks of its section: +0.6 beats a 0.08 score gap and one rank step
    assert got is brute_force("why_how", Q, [lone, repeated, other], sections)


def test_without_sections_no_candidate_gets_the_repeat_bonus():
    lone = cand("Averaging many models cancels part of their independent errors out.", 0, 0.70)
    repeated = cand("Ensembles average models whose errors are partly independent, so variance falls.", 1, 0.62)
    assert pick_lead("why_how", Q, [lone, repeated]) is lone
    assert pick_lead("why_how", Q, [lone, repeated], ["a#1", "b#2", "c#3"]) is lone  # no repeats: same as none


def test_chunks_below_the_pool_never_lead_and_unusable_sentences_never_lead():
    deep = cand("Ensembles of models reduce variance when the members' errors are independent.", LEAD_POOL_RANKS, 5.0)
    question = cand("Why would an ensemble help here at all, in your view?", 0, 3.0)  # a question is no answer
    ok = cand("Bagging averages bootstrap models, which lowers the variance of the prediction.", 3, 0.3)
    assert pick_lead("why_how", Q, [deep, question, ok], ["s"] * 6) is ok
    assert pick_lead("why_how", Q, [deep, question]) is None


def test_a_rank_step_costs_the_documented_penalty():
    a = cand("Averaging many models cancels part of their independent errors out.", 0, 0.50)
    just_over = cand("Ensembles average models whose errors are partly independent, so variance falls.", 2,
                     0.50 + 2 * RANK_PENALTY + 0.01)
    just_under = cand("Ensembles average models whose errors are partly independent, so variance falls.", 2,
                      0.50 + 2 * RANK_PENALTY - 0.01)
    secs = ["a", "b", "c"]
    assert pick_lead("why_how", Q, [a, just_over], secs) is just_over
    assert pick_lead("why_how", Q, [a, just_under], secs) is a


@pytest.mark.parametrize("seed", range(30))
def test_random_pools_agree_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    texts = ["Ensembles average many models so that independent errors cancel out.",
             "Boosting fits each new model to the errors of the ones before it.",
             "What does an ensemble gain over one model?",
             "Random forests decorrelate trees by sampling features at every split.",
             "The variance of an average of n independent models falls as 1/n.",
             "It lowers the variance most when the members' errors are uncorrelated.",
             "Stacking:"]
    scored = [cand(t, int(rng.integers(0, 7)), float(rng.uniform(0.1, 0.9)), i)
              for i, t in enumerate(itertools.islice(itertools.cycle(texts), int(rng.integers(1, 12))))]
    sections = [f"s#{int(x)}" for x in rng.integers(0, 3, size=7)]
    for intent in ("why_how", "definition", "how_to_choose"):
        assert pick_lead(intent, Q, scored, sections) is brute_force(intent, Q, scored, sections)


def test_a_definition_leads_with_a_sentence_about_its_subject():
    from mlnotes.assistant.answering.lead import starts_with

    q = "Define LSTM."
    subject = subject_terms(q)
    about_other = cand("DeepAR is the best-known industrial design: an autoregressive LSTM trained on many series.",
                       0, 0.59)
    about_subject = cand("An LSTM keeps a cell state that is updated additively through its gates.", 1, 0.51)
    assert starts_with(about_subject.candidate.text, subject)
    assert not starts_with(about_other.candidate.text, subject)
    assert pick_lead("definition", q, [about_other, about_subject], ["a#deepar", "b#lstm"]) is about_subject
    # "t-SNE is ..." (the subject, then what it is) beats "Distances ... in t-SNE are ..." despite a lower score
    q = "What is t-SNE?"
    says_what = cand("t-SNE is mainly for visualization and does not provide a mapping for new data.", 3, 0.48)
    about = cand("Distances between well-separated clusters in t-SNE are not meaningful.", 0, 0.62)
    secs = ["p#pitfalls", "p#pitfalls", "v#viz", "d#differ", "d#differ"]
    assert pick_lead("definition", q, [about, says_what], secs) is says_what
    # only for definitions: the same pool for a why/how question keeps the better-scored sentence
    assert pick_lead("why_how", q, [about, says_what], secs) is about
    for intent in ("definition", "why_how"):
        assert pick_lead(intent, q, [about, says_what], secs) is brute_force(intent, q, [about, says_what], secs)


def test_a_passive_is_not_a_definition():
    from mlnotes.assistant.answering.lead import defining_verb

    assert defining_verb("Learning rates are searched on a logarithmic scale") is None
    assert defining_verb("Recall is defined as TP/(TP+FN)").group(0) == "is"
    assert defining_verb("The learning rate is the step size of each update").group(0) == "is"
    q = "Define Learning Rate."
    passive = cand("Learning rates are searched on a logarithmic scale between 1e-5 and 1.", 0, 0.60)
    defining = cand("The learning rate is the step size that scales each gradient update of the weights.", 1, 0.52)
    assert pick_lead("definition", q, [passive, defining], ["a#lr", "b#lr"]) is defining


def test_a_lead_reads_on_its_own():
    q = "When to use a label encoding vs one-hot encoding?"
    pointing = cand("It makes no assumption about order and is the default for linear models.", 0, 0.9)
    aside = cand("(In scikit-learn, `LabelEncoder` is meant for targets; `OrdinalEncoder` encodes features.)", 0, 0.8)
    plain = cand("Ordinal encoding maps levels to integers and suits ordered categories.", 1, 0.5)
    assert not standalone(pointing) and not standalone(aside) and standalone(plain)
    assert pick_lead("how_to_choose", q, [pointing, aside, plain], ["a", "a", "b"]) is plain
    # a sentence that merely contains such a word later is fine
    assert standalone(cand("One-hot encoding is the default because it assumes no order.", 0, 0.5))
