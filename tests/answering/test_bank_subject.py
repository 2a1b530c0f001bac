"""The bank rule for a question that sets its subject against another thing (round 11 fix-up, fr-13)."""

from mlnotes.assistant.answering.bank import asks_about_another_subject
from mlnotes.assistant.answering.lead import asked_subject, contrasted_subject, terms


def test_the_asked_subject_is_the_thing_after_the_auxiliary():
    assert asked_subject("Why does a random forest usually overfit less than a single decision tree?") == \
        terms("random forest")
    assert asked_subject("How do you prevent a decision tree from overfitting?") == set()  # a pronoun
    assert asked_subject("What is a random forest?") == set()  # no why/how opening


def test_only_a_question_that_sets_its_subject_against_another_thing_has_a_contrasted_subject():
    assert contrasted_subject("Why does a random forest usually overfit less than a single decision tree?")
    assert terms("Adam") <= contrasted_subject("How does Adam behave compared with plain SGD?")
    assert contrasted_subject("how does an acquisition function pick the next trial in Bayesian optimization?") \
        == set()


def test_an_entry_about_the_other_thing_does_not_answer():
    q = "Why does a random forest usually overfit less than a single decision tree?"
    assert asks_about_another_subject(q, "How do you prevent a decision tree from overfitting?")  # fr-13
    assert not asks_about_another_subject(q, "Why do random forests use deep unpruned trees?")
    # g345 (gold tune): a paraphrase that names the subject otherwise is left alone
    assert not asks_about_another_subject("how does an acquisition function pick the next trial in Bayesian "
                                          "optimization?", "How does Bayesian optimization choose the next "
                                          "hyperparameters to try?")


def test_a_lead_for_such_a_question_opens_on_its_subject():
    import numpy as np

    from mlnotes.assistant.answering.candidates import Candidate
    from mlnotes.assistant.answering.lead import opens_on, pick_lead
    from mlnotes.assistant.answering.scoring import Scored

    def cand(text, rank, score, order):
        return Scored(score=score, rank=rank, candidate=Candidate(text=text, line_start=1, line_end=1, order=order),
                      vector=np.zeros(3, np.float32))

    q = "Why does a random forest usually overfit less than a single decision tree?"
    # fr-13: the neighbouring entry's sentence names the subject only in passing, at its end
    passing = cand("Limit its growth with a maximum depth and prune it afterwards, or average many trees in a random "
                   "forest.", 0, 0.9, 0)
    about = cand("Random forests decorrelate their trees by sampling features at every split.", 1, 0.5, 1)
    assert not opens_on(passing.candidate.text, contrasted_subject(q))
    assert opens_on(about.candidate.text, contrasted_subject(q))
    sections = ["bank#tree", "ch#forests", "ch#forests", "x#1", "x#2"]
    assert pick_lead("why_how", q, [passing, about], sections, ranker=None) is about
    # a question that sets nothing against its subject keeps the value's choice
    q2 = "Why does a random forest usually overfit so little?"
    assert pick_lead("why_how", q2, [passing, about], sections, ranker=None) is passing
