"""The chapters' exercises can be drawn as interview questions (topic ``exercises``) and are graded against the
statements of their worked solutions."""

from __future__ import annotations

from mlnotes.assistant.interview.service import InterviewService
from mlnotes.assistant.interview.store import Store
from mlnotes.assistant.services import load_exercise_questions
from mlnotes.assistant.settings import REPO_ROOT, Settings
from mlnotes.kb.exercises import load_exercises, solution_statements


def test_every_exercise_becomes_an_interview_question_with_key_points():
    exercises = load_exercises(REPO_ROOT / "corpus")
    questions = load_exercise_questions(Settings(_env_file=None, corpus_dir=REPO_ROOT / "corpus"))
    assert len(questions) == len(exercises) >= 75  # 15 chapters x at least 5
    for q in questions:
        assert "exercises" in q.topics and any(t.startswith("exercises-ch") for t in q.topics)
        assert 1 <= len(q.key_points) <= 4 and q.difficulty in ("easy", "medium", "hard")
        for point in q.key_points:  # no code, no pointer to a block the candidate cannot see
            assert "```" not in point and "below" not in point.lower()


def test_solution_statements_skip_code_and_context_bound_sentences():
    text = ("Scaling changes distances, so k-NN predictions change with it.\n\n"
            "The check below confirms it.\n\n```python\nassert 1 + 1 == 2\n```\n\n"
            "Trees split on thresholds of single features, which no monotone rescaling moves.")
    assert solution_statements(text) == [
        "Scaling changes distances, so k-NN predictions change with it.",
        "Trees split on thresholds of single features, which no monotone rescaling moves."]


def test_an_exercise_session_grades_the_solution_above_an_off_topic_answer(bank, grader, tmp_path, clock):
    questions = load_exercise_questions(Settings(_env_file=None, corpus_dir=REPO_ROOT / "corpus"))
    svc = InterviewService(list(bank) + questions, Store(tmp_path, clock=clock), grader)
    try:
        assert svc.topics()["exercises"] == len(questions)
        token = svc.create_user()["token"]
        start = svc.start(token, topics=["exercises"], n=2, seed=1)
        first = start["question"]
        assert first["id"].startswith("ex-") and "exercises" in first["topics"]
        q = svc.bank[first["id"]]
        good = svc.answer(token, start["session_id"], " ".join(q.key_points))
        second = svc.current(token, start["session_id"])["question"]
        bad = svc.answer(token, start["session_id"], "I would bake sourdough bread at a high oven temperature.")
        assert good["score"] >= 7.0, good["score"]
        assert bad["score"] <= 2.0, (second["id"], bad["score"])
    finally:
        svc.close()
