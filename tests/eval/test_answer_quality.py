"""The answer-quality metrics of eval/answers.py on hand-built answers, with the expected values counted by hand."""

from __future__ import annotations

from mlnotes.assistant.answering.types import Answer, AnswerSentence, Source
from mlnotes.eval.answers import answer_quality, match_precision, sentence_faithful
from mlnotes.eval.data import Question

DOC = """# Title

## Recall

- Recall is the share of positives found
Precision is the share of predicted positives
that are right.
"""

def _src(n, section, lo=3, hi=7):
    return Source(n=n, chunk_id=f"d#{section}", doc_id="d", section_id=section, title="t", heading="h",
                  breadcrumbs=["t"], path="d.md", line_start=lo, line_end=hi, kind="guide", score=1.0, url="/")

def _ans(q, sentences, sources, kind="extractive"):
    return Answer(question=q, kind=kind, sentences=sentences, sources=sources)

class FakeAnswerer:
    def __init__(self, corpus_dir, answers):
        self.corpus_dir = corpus_dir
        self.answers = answers

    def answer(self, question, generator=None):
        return self.answers[question]

def test_sentence_faithful_reads_the_cited_lines(tmp_path):
    (tmp_path / "d.md").write_text(DOC)
    ok = AnswerSentence("Recall is the share of positives found", 1, 5, 5)
    wrapped = AnswerSentence("Precision is the share of predicted positives that are right.", 1, 6, 7)
    wrong_line = AnswerSentence("Recall is the share of positives found", 1, 6, 6)
    outside = AnswerSentence("Recall is the share of positives found", 1, 5, 5)
    assert sentence_faithful(tmp_path, _src(1, "recall"), ok)
    assert sentence_faithful(tmp_path, _src(1, "recall"), wrapped)
    assert not sentence_faithful(tmp_path, _src(1, "recall"), wrong_line)
    assert not sentence_faithful(tmp_path, _src(1, "recall", lo=6, hi=7), outside)  # outside the cited source

def test_answer_quality_counts(tmp_path):
    (tmp_path / "d.md").write_text(DOC)
    good = AnswerSentence("Recall is the share of positives found", 1, 5, 5)
    bad = AnswerSentence("Recall is never computed", 2, 5, 5)
    answers = {
        "q1": _ans("q1", [good], [_src(1, "recall")], kind="interview"),  # first from a relevant section
        "q2": _ans("q2", [bad, good], [_src(2, "other"), _src(1, "recall")]),  # first from an irrelevant one
        "q3": Answer(question="q3", kind="abstain", sentences=[], sources=[]),  # answerable but abstained
        "u1": Answer(question="u1", kind="abstain", sentences=[], sources=[]),
        "u2": _ans("u2", [good], [_src(1, "recall")]),
    }
    qa = [Question(q, q, "definition", "heldout", ("d#recall",)) for q in ("q1", "q2", "q3")]
    qu = [Question(q, q, "unanswerable", "heldout") for q in ("u1", "u2")]
    r = answer_quality(FakeAnswerer(tmp_path, answers), qa, qu)
    assert r["answer_first_rate"]["mean"] == 1 / 3
    assert r["citation_faithfulness"]["mean"] == 2 / 3 and r["citation_faithfulness"]["n"] == 3
    assert r["interview_match_precision"]["mean"] == 1.0 and r["interview_match_precision"]["n"] == 1
    ab = r["abstention"]
    assert (ab["tp"], ab["fp"], ab["fn"]) == (1, 1, 1) and ab["precision"] == 0.5 and ab["recall"] == 0.5

def test_match_precision():
    outcomes = [(0.9, True, "a"), (0.7, False, "b"), (0.5, True, "c"), (-1.0, False, None)]
    got = match_precision(outcomes, 0.6, n_should_match=3)
    assert got["matched"] == 2 and got["correct"] == 1 and got["precision"] == 0.5 and got["recall"] == 1 / 3
