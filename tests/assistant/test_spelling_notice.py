"""A query word that retrieval read with another spelling is shown to the user (issue 16): in the answer's notice
(and so its Markdown), through the REST API and in the CLI, over the fixture corpus."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mlnotes.assistant.answer import spelling_notice
from mlnotes.assistant.cli import app
from mlnotes.kb.query import osa_distance
from tests.assistant.test_cli_chat import cli_env  # noqa: F401 - the CLI over the fixture corpus

TYPO = "What does ridge regresion do to the coefficients?"


def test_the_notice_names_each_corrected_word():
    assert spelling_notice([]) == ""
    assert spelling_notice([("regresion", "regression"), ("coeficients", "coefficients")]) == \
        'Read "regresion" as "regression", "coeficients" as "coefficients" (spelling).'


def test_the_answerer_reports_the_words_retrieval_corrected(services, corpus_dir):
    answerer = services.answerer
    pairs = answerer.spelling_corrections(TYPO)
    assert pairs == [("regresion", "regression")]
    # independent checks: the read word is a corpus word one edit away, and a correctly spelled question has none
    assert osa_distance("regresion", "regression") == 1
    assert any("regression" in p.read_text(encoding="utf-8").lower() for p in corpus_dir.rglob("*.md"))
    assert answerer.spelling_corrections("What does ridge regression do to the coefficients?") == []
    ans = answerer.answer(TYPO, generator=None)
    assert ans.notice.startswith('Read "regresion" as "regression" (spelling).')
    assert ans.markdown().startswith('*Read "regresion" as "regression" (spelling).')
    assert "(spelling)" not in answerer.answer("What does ridge regression do to the coefficients?",
                                               generator=None).notice


def test_the_api_and_the_cli_show_the_correction(client, cli_env):  # noqa: F811
    r = client.post("/api/ask", json={"question": TYPO})
    assert r.status_code == 200, r.text
    body = r.json()
    assert '"regresion" as "regression"' in body["notice"] and '"regresion" as "regression"' in body["markdown"]
    plain = client.post("/api/ask", json={"question": "What does ridge regression do to the coefficients?"}).json()
    assert "(spelling)" not in plain["notice"]
    out = CliRunner().invoke(app, ["ask", TYPO, "--json"])
    assert out.exit_code == 0, out.output
    assert '"regresion" as "regression"' in json.loads(out.output)["notice"]
    shown = CliRunner().invoke(app, ["ask", TYPO])
    assert shown.exit_code == 0 and 'Read "regresion" as "regression"' in shown.output


def test_a_corrected_word_counts_as_its_correction_for_support_and_abstention(services):
    """The support (dense cosine of the question with its hits), the abstention rules and the composition read
    the question as retrieval does: a typo must not pull the support of a well-found section down."""
    from mlnotes.assistant.answering.retrieve import read_as, retrieve

    answerer = services.answerer
    right = "What does ridge regression do to the coefficients?"
    assert read_as(answerer.index, TYPO) == right
    typo, fixed = (retrieve(answerer.index, q, "hybrid", 6) for q in (TYPO, right))
    assert [h.chunk.id for h in typo.hits] == [h.chunk.id for h in fixed.hits]
    assert abs(typo.support - fixed.support) < 1e-6
    a, b = answerer.answer(TYPO, generator=None), answerer.answer(right, generator=None)
    assert a.abstained == b.abstained and a.question == TYPO
    assert [s.text for s in a.sentences] == [s.text for s in b.sentences]
