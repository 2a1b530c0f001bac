"""Bad answers are graded or refused with a clear reason, never a crash or a 500: another language, only
code, only LaTeX, 100,000 characters, emoji; and the REST status of each refusal comes from the error type."""

from __future__ import annotations

import pytest

from mlnotes.assistant.interview.api import STATUS_OF, http_status
from mlnotes.assistant.interview.grader import AnswerTooLongError, GradeInputError, grade_answer
from mlnotes.assistant.interview.service import InterviewInputError, SessionFinished
from mlnotes.assistant.interview.store import AuthError, ConflictError, NotFoundError, StoreError

GRADED = {
    "french": "La précision est le nombre de vrais positifs divisé par le nombre de prédictions positives.",
    "code_only": "def precision(tp, fp):\n    return tp / (tp + fp)",
    "latex_only": r"$\mathrm{precision} = \frac{TP}{TP + FP}$, $\mathrm{recall} = \frac{TP}{TP + FN}$",
    "emoji_with_words": "Precision 🎯 is true positives over predicted positives 👍",
}
REFUSED = {
    "emoji_only": ("🎯🤔👍🔥", "no English words"),
    "chinese": ("精确率是真正例除以所有预测为正的样本。", "no English words"),
    "digits_and_symbols": ("0.95 >= 0.9 && 1/2 + 3", "no English words"),
    "whitespace": ("   \n\t ", "empty"),
}


@pytest.mark.parametrize("name", sorted(GRADED))
def test_odd_answers_are_graded(grader, pr_question, name):
    r = grade_answer(pr_question.question, pr_question.key_points, GRADED[name], grader.embed, grader.params)
    assert 0.0 <= r.score <= 10.0 and len(r.key_points) == len(pr_question.key_points)


def test_code_and_latex_alone_earn_no_credit(grader, pr_question):
    for name in ("code_only", "latex_only"):
        r = grade_answer(pr_question.question, pr_question.key_points, GRADED[name], grader.embed, grader.params)
        assert r.score == 0.0, name


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_answers_without_words_are_refused_with_a_reason(grader, pr_question, name):
    text, reason = REFUSED[name]
    with pytest.raises(GradeInputError, match=reason):
        grade_answer(pr_question.question, pr_question.key_points, text, grader.embed, grader.params)


def test_status_table_maps_types_not_messages():
    assert http_status(AuthError("x")) == 401
    assert http_status(NotFoundError("x")) == 404
    assert http_status(ConflictError("x")) == 409 and http_status(SessionFinished("x")) == 409
    assert http_status(AnswerTooLongError("anything")) == 413
    assert http_status(GradeInputError("the limit is")) == 422  # the message does not matter
    assert http_status(InterviewInputError("x")) == 422 and http_status(StoreError("x")) == 400
    assert http_status(ValueError("x")) is None
    assert all(not hasattr(t, "status") for t, _ in STATUS_OF)


def test_bad_answers_over_rest(make_client):
    c = make_client()
    token = c.post("/api/interview/users").json()["token"]
    h = {"X-Interview-Token": token}
    sid = c.post("/api/interview/sessions", json={"n": 5, "seed": 0}, headers=h).json()["session_id"]
    url = f"/api/interview/sessions/{sid}/answer"
    r = c.post(url, json={"answer": "x " * 50_000}, headers=h)
    assert r.status_code == 413 and "limit is" in r.json()["error"]
    r = c.post(url, json={"answer": "🎯🤔👍🔥"}, headers=h)
    assert r.status_code == 422 and "English" in r.json()["error"]
    r = c.post(url, json={"answer": 12}, headers=h)
    assert r.status_code == 422
    # nothing was recorded by the refusals; odd but wordy answers are graded
    for text in GRADED.values():
        r = c.post(url, json={"answer": text}, headers=h)
        assert r.status_code == 200, r.text
        assert 0 <= r.json()["score"] <= 10
    assert c.get(f"/api/interview/sessions/{sid}", headers=h).json()["answered"] == len(GRADED)
