"""Leads that answer although the right section is cited: a verdict on named tools, and a code answer's lead that
says what the block does (issue #16, round 20, lead20).

f17-08 ("one small ONNX gradient-boosting model on CPU: a colleague wants Triton, I'd wrap it in FastAPI with
onnxruntime. which makes more sense?") led with what ONNX Runtime is; the verdict was the Triton row's "reach for
something else when: a single small CPU model (a plain web service is simpler)" further down. f17-10 ("12 GB CSV,
32 GB of RAM: will pandas read_csv cope") led with an ANN-search estimate above the pandas row "... | data exceeds
memory (Polars, DuckDB, Spark)". f17-13 ("write a function that fingerprints a few numpy arrays") showed
``data_fingerprint`` under an MLflow sentence that shares no word with it.

Unit tests on hand-written questions, rows and blocks for ``lead.asks_tool_verdict``, ``lead.row_item_named``,
``compose.holds_asked`` and ``compose.describes_code``; properties over the development questions (gold tune,
external, fresh1-17)."""

from __future__ import annotations

import re

import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.compose import code_object, describes_code, holds_asked
from mlnotes.assistant.answering.lead import asks_tool_verdict, recommends, row_item_named
from mlnotes.assistant.intent import classify_intent

from .test_part_coverage import dev_questions as part_coverage_dev_questions

HEADER = "| tool | good for | reach for something else when |\n| --- | --- | --- |"
PANDAS = ("| pandas | labelled tables, joins, group-bys, time indexes, reading CSV and Parquet | data exceeds memory "
          "(Polars, DuckDB, Spark) or inner loops need speed (NumPy) |")
TRITON = ("| NVIDIA Triton Inference Server | high-throughput GPU serving of many models and frameworks; dynamic "
          "batching; model ensembles | a single small CPU model (a plain web service is simpler) |")


def row(text: str, header: str = HEADER) -> Candidate:
    return Candidate(text, 10, 10, 0, "table_row", header)


# -- a verdict on named tools ------------------------------------------------------------------------------------------


def test_a_question_about_the_askers_plan_or_tools_asks_for_a_verdict():
    assert asks_tool_verdict("why_how", "a colleague wants Triton, I'd just wrap it in FastAPI. which makes more sense?")
    assert asks_tool_verdict("why_how", "got a 12 GB CSV and 32 GB of RAM. will pandas read_csv cope?")
    assert asks_tool_verdict("how_to_choose", "what should I use for a large CSV file")
    assert not asks_tool_verdict("why_how", "why does pandas use so much memory when reading a CSV?")
    assert not asks_tool_verdict("definition", "what is NVIDIA Triton?")


def test_a_row_is_named_by_the_first_word_of_its_items_name_in_an_advice_table_only():
    assert row_item_named("will pandas read_csv cope with 12 GB?", row(PANDAS))
    assert row_item_named("a colleague wants NVIDIA Triton, I'd use FastAPI", row(TRITON))
    assert not row_item_named("will polars cope with 12 GB?", row(PANDAS))  # named in a cell, not as the item
    plain = "| tool | year |\n| --- | --- |"
    assert not row_item_named("will pandas cope?", row("| pandas | 2008 |", plain))
    assert not row_item_named("will pandas cope?", Candidate("pandas reads CSV files.", 1, 1, 0))


# -- a code answer's lead says what its block does --------------------------------------------------------------------

FINGERPRINT_Q = "write a function that fingerprints a few numpy arrays (X_train, y_train) into a short hash"
FINGERPRINT = '''import hashlib

import numpy as np


def data_fingerprint(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]
'''
MLFLOW = ("MLflow is the most common open-source tracker: `mlflow.start_run()` opens a run, `log_param` and "
          "`log_metric` record into a backend store (files, a database), and a web UI lists and compares runs.")


def test_a_block_that_defines_a_function_named_by_the_asked_object_holds_it():
    obj = code_object(FINGERPRINT_Q)
    assert "fingerprint" in obj
    assert holds_asked(obj, FINGERPRINT)
    assert not holds_asked(obj, "def log_run(params):\n    return params\n")


def test_a_sentence_describes_a_block_by_the_asked_objects_terms_or_the_blocks_own_words():
    obj = code_object(FINGERPRINT_Q)
    assert not describes_code(obj, FINGERPRINT, MLFLOW)  # "database" is not "data", "run" is no word of the block
    assert describes_code(obj, FINGERPRINT, "A fingerprint of the data is a hash of its bytes.")
    assert describes_code(obj, FINGERPRINT, "Hash the contiguous bytes of each array with SHA-256.")  # sha256, array
    detect = "def detection_ap(predictions, ground_truths, iou_threshold=0.5):\n    return 0.0\n"
    assert describes_code(code_object("Write code that computes average precision for an object detector"), detect,
                          "Sort the detections by score; a detection matching a ground-truth box at IoU above the "
                          "threshold is a true positive.")


# -- properties over the development questions ------------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", *range(2, 18))]


def _text(s) -> str:
    return getattr(s, "text", str(s))


@pytest.mark.slow
def test_a_verdict_on_named_tools_opens_with_their_advice_row_or_advice_on_one_of_them(answerer):
    # a question that asks for a verdict on tools it names (asks_tool_verdict), whose answer shows a row of an advice
    # table about one of them (row_item_named), opens with such a row or with a sentence that recommends and names
    # one of them. On main e6c0bc3 f17-08 ("ONNX Runtime runs models exported ...") and f17-10 (an ANN-search
    # estimate) failed. Tolerance: none
    bad = []
    for qid, q in part_coverage_dev_questions(FRESH):
        if not asks_tool_verdict(classify_intent(q).intent, q):
            continue
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        rows = [Candidate(s.text, 0, 0, 0, s.kind, s.table_header) for s in ans.sentences if s.kind == "table_row"]
        named = [r for r in rows if row_item_named(q, r)]
        if not named:
            continue
        first = ans.sentences[0]
        if first.kind == "table_row" and row_item_named(q, Candidate(first.text, 0, 0, 0, first.kind,
                                                                         first.table_header)):
            continue
        if first.kind != "table_row" and recommends(first.text) and any(row_item_named(first.text, r) for r in named):
            continue
        bad.append((qid, _text(first)[:70]))
    assert bad == [], bad


@pytest.mark.slow
def test_a_code_answer_whose_block_holds_the_asked_function_opens_with_it_or_a_sentence_about_it(dev_code_answers):
    # a code answer whose block defines a function named by a term of the asked object (holds_asked) opens with the
    # block or with a sentence that names the asked object or a word of the block (describes_code). On main
    # e6c0bc3 f17-13 opened with "MLflow ... is the most common open-source tracker ..." above data_fingerprint.
    # Tolerance: none
    bad = []
    for qid, (q, ans) in sorted(dev_code_answers.items()):
        obj = code_object(q)
        if ans.kind != "extractive" or not ans.sentences or not obj:
            continue
        blocks = [s.text for s in ans.sentences if s.kind == "code"]
        if not blocks or not any(holds_asked(obj, b) for b in blocks):
            continue
        first = ans.sentences[0]
        code = "\n".join(blocks)
        if first.kind == "code" or describes_code(obj, code, first.text):
            continue
        bad.append((qid, first.text[:70]))
    assert bad == [], bad


@pytest.mark.slow
def test_the_fingerprint_answer_opens_with_the_function_that_answers_it(answerer):
    q = ("for our homemade experiment tracker I want each run to record exactly which training data it saw, without "
         "copying the data. write a function that fingerprints a few numpy arrays (X_train, y_train) into a short "
         "hash")
    ans = answerer.answer(q, generator=None)
    assert re.match(r"```python\n", ans.text), ans.text[:200]
    assert "def data_fingerprint" in ans.text.split("```")[1]
