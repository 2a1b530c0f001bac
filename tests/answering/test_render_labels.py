"""The worked-answer template's labels ("**Answer.** *Definition*:", "*Math*:", "*Intuition*:") are left out of a
shown sentence; labels that name the subject stay (issue #16: ml-37's answer opened with "**Answer.** *Definition*:")."""

import re
from pathlib import Path

import pytest

from mlnotes.assistant.answering.render import display_text, render_sentences, without_template_labels
from mlnotes.assistant.answering.types import AnswerSentence
from mlnotes.kb.markdown import split_sentences

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text,shown", [
    ("**Answer.** *Definition*: precision $= TP/(TP+FP)$ is the fraction of predicted positives that are positive.",
     "Precision $= TP/(TP+FP)$ is the fraction of predicted positives that are positive."),
    ("*Math*: both depend on the decision threshold.", "Both depend on the decision threshold."),
    ("*Intuition*: a wide margin leaves room for noise.", "A wide margin leaves room for noise."),
])
def test_template_labels_are_left_out_and_the_sentence_starts_with_a_capital(text, shown):
    assert without_template_labels(text) == shown
    assert display_text(text) == shown


@pytest.mark.parametrize("text", [
    "*Demographic parity*: the positive rate is equal across groups.",  # the label is the subject
    "**SGD**: one example per step.",
    "*Example*: a screening model set to 95% recall.",  # says what kind of sentence follows
    "**Bagging** reduces variance by averaging.",
    "The answer is *Definition*: not a label here.",  # not at the start
    "*Math*:",  # nothing after the label: unchanged
])
def test_other_labels_and_plain_sentences_are_unchanged(text):
    assert without_template_labels(text) == text


def test_a_rendered_answer_keeps_its_marker_and_loses_the_label():
    s = AnswerSentence("**Answer.** *Definition*: recall is TP/(TP+FN).", 1, 10, 10)
    assert render_sentences([s]) == "Recall is TP/(TP+FN). [1]"


def test_property_every_template_label_in_the_corpus_is_removed_and_the_rest_is_kept():
    """For every corpus sentence that opens (after a list marker) with a template label, the shown text is the
    sentence's own remainder, capitalised, with no label left."""
    seen = 0
    for path in (ROOT / "corpus").rglob("*.md"):
        for sent in split_sentences(path.read_text(encoding="utf-8").replace("\n", " ")):
            body = re.sub(r"^\s*(?:[-*+]\s+)?", "", sent)
            line = sent
            if not re.match(r"(\*\*Answer\.\*\*|\*(Definition|Math|Intuition)\*:)", body):
                continue
            seen += 1
            shown = without_template_labels(body)
            assert not re.match(r"(\*\*Answer\.\*\*|\*(Definition|Math|Intuition)\*:)", shown), line
            assert body.endswith(shown[1:]) and shown[0] == shown[0].upper(), line
    assert seen >= 10  # the six worked answers of chapter 00, each a definition, most with math and intuition


def test_answer_units_group_one_tables_rows_and_leave_out_code():
    from mlnotes.assistant.answering.render import answer_units

    rows = [AnswerSentence("lead.", 1, 1, 1),
            AnswerSentence("| a | 1 |", 1, 2, 2, kind="table_row", table_header="| x | y |\n|---|---|"),
            AnswerSentence("| b | 2 |", 1, 3, 3, kind="table_row", table_header="| x | y |\n|---|---|"),
            AnswerSentence("print(1)", 1, 4, 5, kind="code"),
            AnswerSentence("| c | 3 |", 1, 6, 6, kind="table_row", table_header="| x | y |\n|---|---|"),
            AnswerSentence("after.", 1, 7, 7)]
    assert answer_units(rows) == ["lead.", "| a | 1 |\n| b | 2 |", "| c | 3 |", "after."]
