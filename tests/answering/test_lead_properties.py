"""Properties of the leads of development questions (issue #16, round 11), over the real corpus and index with the
served extractive pipeline (as tests/assistant/test_answer_first.py): no lead is a sentence about a demo, experiment
or template the reader has not seen, or the sentence right after one in its paragraph (the report of that run's
outcome). The questions are the fresh8 questions whose judged leads had this fault (eval/datasets/judged_fresh8.jsonl:
f8-01 led with "The template computes ...", f8-12 with "The lasso ... recovers most of the signal", the sentence after
"In the second experiment ...") and questions whose top sections hold a demo, a simulation or an experiment; every
check reads the answer's first sentence and the corpus lines before it, none compares with recorded answer text."""

from __future__ import annotations

import json

import pytest

from mlnotes.assistant.answering.lead import about_unseen_run
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.kb.markdown import split_sentences

CORPUS = REPO_ROOT / "corpus"
DATASETS = REPO_ROOT / "eval" / "datasets"


def dev_question(qid: str) -> str:
    name = {"f9-": "judged_fresh9.jsonl", "f8-": "judged_fresh8.jsonl"}.get(qid[:3], "judged_fresh7.jsonl")
    for line in (DATASETS / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["id"] == qid:
            return json.loads(line)["question"]
    raise KeyError(qid)


def lead_of(answerer, question: str):
    ans = answerer.answer(question, generator=None)
    assert not ans.abstained and ans.sentences, question
    return ans, ans.sentences[0]


# f8-01 (a template's output), f8-12 (an experiment's outcome), and development questions whose top sections hold a
# demo, a simulation or an experiment (learning curves, label noise, calibration, the lasso, the bias-variance demo)
RUN_QUESTIONS = [dev_question("f8-01"), dev_question("f8-12"),
                 "How do I read learning curves to tell high bias from high variance?",
                 "How do you check that predicted probabilities are calibrated?",
                 "When does the lasso beat ridge regression?",
                 "How can I detect that test images leaked into the training set?"]


def sentence_before(ans, s) -> str:
    """The sentence before answer sentence ``s`` in its paragraph of the corpus file ('' when it opens one)."""
    src = next(src for src in ans.sources if src.n == s.source)
    lines = (CORPUS / src.path).read_text(encoding="utf-8").splitlines()
    start = s.line_start - 1
    while start > 0 and lines[start - 1].strip() and not lines[start - 1].lstrip().startswith(("#", "```", "|")):
        start -= 1
    para = " ".join(ln.strip() for ln in lines[start: s.line_end])
    head = para[: para.find(s.text[:40])] if s.text[:40] in para else ""
    previous = split_sentences(head.strip())
    return previous[-1] if previous else ""


@pytest.mark.parametrize("question", RUN_QUESTIONS)
def test_no_lead_is_about_an_unseen_demo_experiment_or_template(answerer, question):
    ans, first = lead_of(answerer, question)
    assert not about_unseen_run(first.text), first.text
    # nor the sentence right after one in its paragraph (the report of that run's outcome)
    assert not about_unseen_run(sentence_before(ans, first)), (sentence_before(ans, first), first.text)


# -- round 12: no lead points at content the answer does not show; a choice is answered by naming an option ---------
# f9-01 led with "A "critic" network f (no sigmoid) is trained to maximize this difference ...", whose difference is
# the sentence before it in the corpus; the top sections of f9-08, f9-14 and f9-15 (development, fresh9) hold "Look at
# the off-diagonal cells ...", "Look at the shapes: ..." and "PPO's popularity comes from this robustness ..."
UNSEEN_QUESTIONS = [dev_question("f9-01"), dev_question("f9-08"), dev_question("f9-14"), dev_question("f9-15"),
                    "How do I read learning curves to tell high bias from high variance?"]


@pytest.mark.parametrize("question", UNSEEN_QUESTIONS)
def test_no_lead_points_at_content_the_answer_does_not_show(answerer, question):
    from mlnotes.assistant.answering.lead import points_to_unseen

    _, first = lead_of(answerer, question)
    assert not points_to_unseen(first.text), first.text


# a question that asks which of two named options to use: the lead names one of them (f9-04 led with "Choose by the
# question (means or stochastic ordering) and by the data ...", naming neither test; the Wilcoxon recommendation came
# third). Each option as the words of its name.
CHOICE_QUESTIONS = [(dev_question("f9-04"), ("wilcoxon", "t-test")),
                    ("Should I use a paired t-test or a Wilcoxon signed-rank test to compare two classifiers on ten "
                     "data sets?", ("wilcoxon", "t-test"))]


@pytest.mark.parametrize(("question", "options"), CHOICE_QUESTIONS)
def test_the_lead_of_a_choice_between_named_options_names_one_of_them(answerer, question, options):
    _, first = lead_of(answerer, question)
    assert any(o in first.text.lower() for o in options), first.text
