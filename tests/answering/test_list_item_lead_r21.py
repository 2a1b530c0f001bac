"""A lead that is a list sentence whose one item answers is shown as that item (issue #16, round 21, items22).

f18-11 ("what should I initialise the output layer's bias to, and what's the loss at step 0 ...") led with four
imbalance remedies ("The remedies, in rough order of preference: evaluate with a metric ...; initialise the
final-layer bias to the log of the class prior so the initial loss is already at the base rate; weight the loss ...;
and choose the decision threshold ..."); the asked remedy was the second item. The unit tests use hand-written
questions and sentences; the properties read development questions (external, fresh1-18; never a held-out split)."""

from __future__ import annotations

import json

import pytest

from mlnotes.assistant.answering.compose import item_lead, list_item_lead
from mlnotes.assistant.answering.render import display_sentence, render_sentences
from mlnotes.assistant.answering.types import AnswerSentence
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.eval.answers import sentence_faithful

DATASETS = REPO_ROOT / "eval" / "datasets"
REMEDIES = ("The remedies, in rough order of preference: evaluate with a metric that reflects the goal rather than "
            "accuracy; initialise the final-layer bias to the log of the class prior so the initial loss is already "
            "at the base rate; weight the loss by inverse class frequency or resample the training set; and choose "
            "the decision threshold on validation data for the operating point you need.")
BIAS = "initialise the final-layer bias to the log of the class prior so the initial loss is already at the base rate"


# -- the reader ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, expected", [
    ("with 1% positives, what should the final-layer bias be initialised to?", BIAS),
    # another item of the same list, asked in other words
    ("which metric should I evaluate an imbalanced classifier with instead of accuracy?",
     "evaluate with a metric that reflects the goal rather than accuracy"),
    ("how do I choose the decision threshold for my operating point?",
     "choose the decision threshold on validation data for the operating point you need"),
])
def test_the_one_item_that_carries_the_ask_is_read_verbatim(question, expected):
    item = list_item_lead(question, REMEDIES)
    assert item == expected
    assert item in REMEDIES


@pytest.mark.parametrize("question, text", [
    # no item carries the ask: the list as a whole answers ("what are the remedies")
    ("what are the remedies for class imbalance?", REMEDIES),
    # two items carry it as much as each other
    ("should I weight the loss or initialise the bias?",
     "Two fixes: initialise the bias to the log prior of the class; weight the loss by the inverse class frequency; "
     "and nothing else at all needs to change here."),
    # two items are not a list
    ("what should the final-layer bias be initialised to?",
     "Two fixes: initialise the final-layer bias to the log of the class prior so the loss starts low; weight the "
     "loss by inverse class frequency."),
    # the head carries the ask: the item alone would drop what it is about
    ("how should the final-layer bias be initialised?",
     "Initialise the final-layer bias as follows: take the log of the class prior; compute it on the training split "
     "only; and keep the value fixed."),
    # the item is too short to read alone
    ("what should the final-layer bias be?",
     "Remedies: a final-layer bias at the log prior; reweighting; resampling."),
    # the item points back
    ("what should the final-layer bias be initialised to?",
     "Three rules: keep the metric; it initialises the final-layer bias to the log of the class prior as before; "
     "and resample the training set when it helps."),
    # no colon: not a list sentence
    ("what should the final-layer bias be initialised to?",
     "Evaluate with a metric; initialise the final-layer bias to the log of the class prior so the loss is low; "
     "weight the loss by inverse class frequency."),
])
def test_no_item_is_read_when_the_list_does_not_have_one_answering_item(question, text):
    assert list_item_lead(question, text) is None


def test_the_item_is_shown_as_a_sentence_citing_the_same_lines():
    lead = [AnswerSentence(REMEDIES, 1, 157, 161), AnswerSentence("Another sentence.", 2, 10, 10)]
    out = item_lead("what should I initialise the output layer's bias to?", lead)
    assert out[0].text == BIAS and out[0].item
    assert (out[0].source, out[0].line_start, out[0].line_end) == (1, 157, 161)
    assert out[1] == lead[1]
    assert display_sentence(out[0]) == "I" + BIAS[1:] + "."
    assert render_sentences(out).startswith("I" + BIAS[1:] + ". [1] Another sentence. [2]")
    # a sentence that is no item is shown as before, whatever its case
    plain = AnswerSentence("k-means needs Euclidean distances", 1, 1, 1)
    assert display_sentence(plain) == "k-means needs Euclidean distances"
    table = [AnswerSentence("| a | b |", 1, 1, 1, "table_row", "| x | y |")]
    assert item_lead("what should the bias be?", table) == table


# -- the answers -----------------------------------------------------------------------------------------------------

def dev_questions() -> list[tuple[str, str]]:
    out = []
    for name in ["external.jsonl", *(f"judged_fresh{i}.jsonl" for i in ("", *range(2, 19)))]:
        for line in (DATASETS / name).read_text().splitlines():
            d = json.loads(line) if line.strip() else None
            if d and d.get("answerable", True):
                out.append((d["id"], d["question"]))
    return out


def test_a_list_of_remedies_leads_with_the_remedy_asked(answerer):
    q = ("binary classifier where only 2% of the examples are positive. what should I initialise the output layer's "
         "bias to, and what's the loss at step 0 with that bias vs with the default bias of 0?")
    ans = answerer.answer(q, generator=None)
    first = ans.sentences[0]
    assert first.item and "bias" in first.text and "class prior" in first.text
    assert "evaluate with a metric" not in first.text and "decision threshold" not in first.text
    src = {s.n: s for s in ans.sources}[first.source]
    assert sentence_faithful(answerer.corpus_dir, src, first)
    assert display_sentence(first) in ans.text


def test_every_item_lead_is_a_verbatim_span_that_carries_the_ask(answerer):
    """Over the development answers: a lead shown as one item is found on the lines it cites, is shown with a
    capital, and holds more of the asks' terms than the rest of its list sentence would give an item."""
    seen = 0
    for qid, q in dev_questions():
        ans = answerer.answer(q, generator=None)
        for s in ans.sentences:
            if not s.item:
                continue
            seen += 1
            assert s is ans.sentences[0], qid
            src = {x.n: x for x in ans.sources}[s.source]
            assert sentence_faithful(answerer.corpus_dir, src, s), qid
            shown = display_sentence(s)
            assert shown[0].isupper() and shown.endswith("."), qid
    assert seen >= 1  # f18-11
