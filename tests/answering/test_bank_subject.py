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
