""""here" binds a sentence to its page only where the sentence's claim rests on it (round 17, ctx17:
assistant/answering/candidates.py bound_by_here).

fresh14 f14-18 ("... OneCycleLR(opt, max_lr=0.01, total_steps=epochs*len(train_loader)) and I call scheduler.step()
at the end of every epoch ...") was answered with "Stepping a per-batch scheduler per epoch, or the reverse, is a
common silent bug." and filler, because the corpus sentence that answers it, "The scheduler here is `OneCycleLR`,
which must be stepped after every optimizer step; epoch-based schedulers ... are stepped once per epoch instead.",
was never a candidate: every sentence with "here" was dropped."""

from __future__ import annotations

import re

import pytest

from mlnotes.assistant.answering.candidates import bound_by_here, is_answer_sentence

BOUND = [
    "The labels here carry no information that generalises to a new patient, so the honest answer is chance.",
    "To make kNN concrete, here is a from-scratch version.",
    "Here $\\Phi$ and $\\varphi$ are the standard normal CDF and density.",
    "Precision equals true positives over predicted positives, here two of three.",
    "The threshold here is above 0.5.",
    # a second clause that leans on the first (a pronoun) or on the page ("this", "these") states nothing alone
    "The printed accuracies compare the two runs, and here augmentation does not help; it costs about two points.",
    "Every later chapter refines one of these steps; here the goal is to see the whole loop once.",
    "With scikit-learn this is usually done with `joblib.dump`; we do not write files here.",
]
FREE = [
    "Both are ways of combining many base learners (here, trees) into one predictor.",
    "A credible interval is the one that does carry \"95% probability the parameter is in here\", given the prior.",
    "Stand-ins such as `answer here` are defects.",
    "The scheduler here is `OneCycleLR`, which must be stepped after every optimizer step; epoch-based schedulers "
    "such as `CosineAnnealingLR` with `T_max` in epochs are stepped once per epoch instead.",
    "Checkpoints store the model's `state_dict` together with the optimizer state and the epoch, so that training "
    "can resume exactly; here they are written to an in-memory buffer.",
    "Dropout zeroes each activation with probability p during training.",
]


def test_here_binds_a_sentence_unless_it_sits_in_an_aside_or_a_clause_states_something_alone():
    for text in BOUND:
        assert bound_by_here(text), text
        assert not is_answer_sentence(text), text
    for text in FREE:
        assert not bound_by_here(text), text
        assert is_answer_sentence(text), text
    # a semicolon inside math or a code span separates no clauses
    assert bound_by_here("The loss here is $a; b$ for every batch of the run.")


ONE_CYCLE = ("my lr barely moves and training is crazy slow. using OneCycleLR(opt, max_lr=0.01, "
             "total_steps=epochs*len(train_loader)) and I call scheduler.step() at the end of every epoch. the logged "
             "lr sits around 4e-4 the whole run")


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    ONE_CYCLE,
    "Should scheduler.step() for OneCycleLR go inside the batch loop or after each epoch?",
])
def test_a_question_on_when_a_named_scheduler_steps_is_told_how_often_it_steps(answerer, question):
    """The answer's first two prose sentences name the scheduler and say how often it is stepped (after every
    optimizer step or batch)."""
    ans = answerer.answer(question, generator=None)
    assert ans.kind == "extractive"
    first = " ".join(getattr(s, "text", str(s)) for s in ans.sentences[:2])
    assert "OneCycleLR" in first, first
    assert re.search(r"stepped (?:after every|once per|per) (?:optimizer step|batch)", first), first


def test_a_sentence_opening_on_the_pages_example_is_no_lead_but_one_with_a_free_opening_is():
    """A kept "here" sentence whose first clause holds the "here" (its opening claim is about the page's example)
    leads only when nothing else can (lead_pool, best_about and the comparison's two-sided sentence); one whose
    "here" comes after a claim that stands alone may lead."""
    from mlnotes.assistant.answering.candidates import opens_on_here

    assert opens_on_here("LSTM and GRU behave alike here; on real data the GRU is slightly cheaper.")
    assert opens_on_here("Checkpoints go to a temporary directory here; in a real project they go to a run directory.")
    assert not opens_on_here("Checkpoints store the model's `state_dict` together with the optimizer state and the "
                             "epoch, so that training can resume exactly; here they are written to an in-memory buffer.")
    assert not opens_on_here("Both are ways of combining many base learners (here, trees) into one predictor.")
    assert not opens_on_here("Dropout zeroes each activation with probability p during training.")
