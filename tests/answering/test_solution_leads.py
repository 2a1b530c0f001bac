"""Worked solutions of exercises as answer candidates (round 13, sol16p: assistant/answering/candidates.py
candidates_for_chunk, assistant/answering/scoring.py solution_may_lead; round 14, sol16r: the exercise is also asked
by meaning, the cosine of the question and the exercise's embedding).

The sentences of an exercise's folded solution (``<details><summary>Solution</summary> ... </details>``) are
candidates that carry the exercise's title and prompt; one leads only when the question asks what the exercise asks
(a share of the question's terms in the title and prompt) and it does not open on a word that leans on the exercise
or on an earlier step of the solution ("So SGNS implicitly factorises ...", "When they are not, ...").
Hand-built documents and candidates, and a slow property over the development questions."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import (
    Candidate,
    SentenceStore,
    candidates_for_chunk,
    exercise_vector,
    remember_exercise_vectors,
)
from mlnotes.assistant.answering.lead import lead_pool, subject_terms
from mlnotes.assistant.answering.scoring import (
    SOLUTION_PROMPT_COSINE,
    SOLUTION_PROMPT_SHARE,
    SOLUTION_TOP_COSINE,
    Scored,
    score_candidates,
    solution_asked,
    solution_may_lead,
    solution_stands_alone,
)
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.markdown import parse_text

DOC = """---
id: t
title: T
kind: chapter
topics: [x]
---

# T

## Ridge

Ridge regression adds a squared penalty on the weights to the least-squares loss.

## Exercises

Some exercises on shrinkage.

### Exercise 1.1: Ridge shrinks towards zero

*Type: derivation · Difficulty: easy*

Derive the ridge estimate for an orthonormal design and say how much it shrinks each coefficient.

<details>
<summary>Solution</summary>

For an orthonormal design the ridge estimate is the least-squares estimate divided by one plus lambda. So every
coefficient shrinks by the same factor.

</details>

A remark after the solution that is not part of it.

### Exercise 1.2: No solution given

Explain why the lasso sets some coefficients to exactly zero.

## After

Cross-validation chooses the penalty strength.
"""


def _chunk(doc, start: int, end: int) -> Chunk:
    return Chunk(id="t#x", doc_id="t", section_id="x", title="T", heading="X", breadcrumbs=["T", "X"],
                 path="chapters/t.md", line_start=start, line_end=end, kind="chapter", text=doc.text_of(start, end))


def _whole(doc) -> list[Candidate]:
    return candidates_for_chunk(doc, _chunk(doc, 1, len(doc.lines)))


# -- candidates --------------------------------------------------------------------------------------------------------

def test_a_folded_solution_gives_candidates_that_carry_the_exercise_and_the_prompt_gives_none():
    doc = parse_text(DOC, "chapters/t.md")
    cands = _whole(doc)
    texts = [c.text for c in cands]
    solution = [c for c in cands if c.exercise]
    assert [c.text for c in solution] == [
        "For an orthonormal design the ridge estimate is the least-squares estimate divided by one plus lambda.",
        "So every coefficient shrinks by the same factor."]
    for c in solution:
        assert c.exercise.startswith("Exercise 1.1: Ridge shrinks towards zero")
        assert "Derive the ridge estimate for an orthonormal design" in c.exercise
        assert "Type:" not in c.exercise  # the type and difficulty line is not part of the prompt
    # the prompts, the intro of the Exercises section, the remark after </details> and the unsolved exercise stay out
    for skipped in ["Derive the ridge", "Some exercises", "A remark after", "Explain why the lasso"]:
        assert not any(t.startswith(skipped) for t in texts), skipped
    # text outside the exercises is a candidate as before, with no exercise
    assert {"Ridge regression adds a squared penalty on the weights to the least-squares loss.",
            "Cross-validation chooses the penalty strength."} <= set(texts)
    assert all(not c.exercise for c in cands if c not in solution)


def test_a_chunk_that_holds_only_the_solution_still_knows_its_exercise():
    doc = parse_text(DOC, "chapters/t.md")
    start = next(i for i, line in enumerate(doc.lines, 1) if line.startswith("For an orthonormal"))
    cands = candidates_for_chunk(doc, _chunk(doc, start, start + 1))
    assert cands and all(c.exercise.startswith("Exercise 1.1:") for c in cands)


# -- which solution sentence may lead ----------------------------------------------------------------------------------

EXERCISE = ("Exercise 1.1: Ridge shrinks towards zero Derive the ridge estimate for an orthonormal design and say how "
            "much it shrinks each coefficient.")


def test_a_sentence_outside_any_exercise_may_always_lead():
    assert solution_may_lead("what is the capital of France?", Candidate("So it goes.", 1, 1, 0))


def test_a_solution_sentence_leads_only_for_a_question_that_asks_what_the_exercise_asks():
    c = Candidate("The ridge estimate for an orthonormal design is the least-squares estimate divided by one plus "
                  "lambda.", 1, 1, 0, exercise=EXERCISE)
    assert solution_may_lead("how much does ridge shrink each coefficient with an orthonormal design?", c)
    assert not solution_may_lead("why does dropout help a deep network generalise?", c)


@pytest.mark.parametrize("text", [
    "So every coefficient shrinks by the same factor.",
    "When they are not, the estimate is no longer a rescaled least-squares fit.",
    "Hence the ridge estimate is a shrunken least-squares estimate.",
    "This gives the ridge estimate divided by one plus lambda.",
    "It shrinks each coefficient by the same factor.",
    "By the first step the ridge estimate is the least-squares estimate over one plus lambda.",
])
def test_a_solution_sentence_that_leans_on_an_earlier_step_never_leads(text):
    c = Candidate(text, 1, 1, 0, exercise=EXERCISE)
    assert not solution_may_lead("how much does ridge shrink each coefficient with an orthonormal design?", c)


def test_a_solution_sentence_that_opens_on_a_name_of_the_prompt_the_question_does_not_use_never_leads():
    ex = "Exercise 2.1: Two features A model uses feature alpha and feature beta; share their credit by Shapley values."
    c = Candidate("Beta gets more because moving it from its baseline switches the product on.", 1, 1, 0, exercise=ex)
    assert not solution_may_lead("how do shapley values share the credit between two features of a model?", c)
    assert solution_may_lead("how do shapley values share credit between feature alpha and feature beta?", c)


def test_the_share_bound_is_a_share_of_the_question_terms():
    assert 0 < SOLUTION_PROMPT_SHARE < 1
    ex = "Exercise 3.1: Alpha beta gamma delta"
    c = Candidate("Alpha beta gamma delta are four letters of the Greek alphabet.", 1, 1, 0, exercise=ex)
    assert solution_may_lead("alpha beta gamma delta", c)
    assert not solution_may_lead("alpha epsilon zeta eta theta iota kappa lambda", c)


def test_the_lead_pool_drops_a_leaning_solution_sentence_and_keeps_a_standalone_one():
    q = "how much does ridge shrink each coefficient with an orthonormal design?"
    v = np.zeros(8, np.float32)
    leaning = Scored(0.9, 0, Candidate("So every coefficient shrinks by the same factor of one plus lambda.", 5, 5, 1,
                                       exercise=EXERCISE), v)
    alone = Scored(0.8, 0, Candidate("The ridge estimate for an orthonormal design is the least-squares estimate "
                                     "divided by one plus lambda.", 4, 4, 0, exercise=EXERCISE), v)
    pool = lead_pool("explain", q, [leaning, alone], subject_terms(q))
    assert alone in pool and leaning not in pool


def test_scoring_drops_a_solution_sentence_the_question_does_not_ask_for_and_keeps_the_rest():
    plain = Candidate("Dropout zeros random activations during training.", 1, 1, 0)
    solution = Candidate("The ridge estimate for an orthonormal design is the least-squares estimate divided by one "
                         "plus lambda.", 2, 2, 1, exercise=EXERCISE)
    vecs = np.eye(2, dtype=np.float32)
    qvec = np.array([0.5, 0.5], np.float32)
    other = score_candidates("why does dropout help a deep network generalise?", qvec, [(0, [plain, solution], vecs)])
    assert [t.candidate for t in other] == [plain]
    same = score_candidates("how much does ridge shrink each coefficient with an orthonormal design?", qvec,
                            [(0, [plain, solution], vecs)])
    assert {t.candidate for t in same} == {plain, solution}


# -- a question that asks what the exercise asks in its own words (round 14, sol16r) ------------------------------------

class _AxisEmbed:
    """A fake embedder: each text is the unit vector of the first axis whose keyword it contains (a stand-in for
    meaning: texts that share a keyword are the same "topic"), the last axis otherwise; it counts the texts it embeds."""

    KEYWORDS = ("shrink", "dropout", "tree")

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.embedded += list(texts)
        out = np.zeros((len(texts), len(self.KEYWORDS) + 1), np.float32)
        for i, t in enumerate(texts):
            hit = [k for k, w in enumerate(self.KEYWORDS) if w in t.lower()]
            out[i, hit[0] if hit else len(self.KEYWORDS)] = 1.0
        return out


def _axis(k: int, n: int = 4) -> np.ndarray:
    v = np.zeros(n, np.float32)
    v[k] = 1.0
    return v


def test_a_question_that_shares_few_words_with_the_exercise_may_still_ask_it_by_meaning():
    ex = "Exercise 4.1: Shrinkage of the lasso Derive the lasso estimate under an orthonormal design."
    remember_exercise_vectors(_AxisEmbed(), [ex])
    c = Candidate("Soft-thresholding moves every least-squares coefficient towards zero.", 1, 1, 0, exercise=ex)
    q = "what coefficients come out of an l1 fit when X'X = I?"  # none of the prompt's terms
    assert not solution_asked(q, c)  # by terms alone it is not asked (the round-13 check) ...
    assert solution_asked(q, c, _axis(0)) and solution_may_lead(q, c, _axis(0))  # ... by meaning it is
    assert not solution_asked(q, c, _axis(1)) and not solution_may_lead(q, c, _axis(1))  # another topic
    # the "can stand alone" rules hold whatever the meaning match says
    leaning = Candidate("So each coefficient is soft-thresholded.", 1, 1, 0, exercise=ex)
    assert not solution_may_lead(q, leaning, _axis(0)) and not solution_stands_alone(q, leaning)


def test_the_cosine_bound_is_inclusive_and_between_the_development_cases():
    # round 14: f8-12 is 0.68 from its exercise (asked), f2-13 0.63 from Exercise 5.2 (its solution's sentence made
    # the answer worse in round 13), f2-05 0.645 from Exercise 9.6 (batch vs layer norm: a comparison the layer-norm
    # exercise does not answer)
    assert 0.632 < SOLUTION_PROMPT_COSINE < 0.678
    ex = "Exercise 4.2: Shrink once"
    remember_exercise_vectors(_AxisEmbed(), [ex])
    c = Candidate("Plain text.", 1, 1, 0, exercise=ex)
    at = np.array([SOLUTION_PROMPT_COSINE, np.sqrt(1 - SOLUTION_PROMPT_COSINE ** 2), 0, 0], np.float32)
    below = np.array([SOLUTION_PROMPT_COSINE - 0.02, np.sqrt(1 - (SOLUTION_PROMPT_COSINE - 0.02) ** 2), 0, 0],
                     np.float32)
    assert solution_asked("zzz qqq", c, at / np.linalg.norm(at))
    assert not solution_asked("zzz qqq", c, below / np.linalg.norm(below))


def test_an_exercise_no_store_embedded_is_matched_by_terms_only():
    c = Candidate("Plain text.", 1, 1, 0, exercise="Exercise 9.9: never embedded anywhere")
    assert exercise_vector(c.exercise, 4) is None
    assert not solution_asked("zzz qqq", c, _axis(0))


def test_the_sentence_store_embeds_each_exercise_it_serves_once(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "t.md").write_text(DOC)
    embed = _AxisEmbed()
    store = SentenceStore(tmp_path, embed)
    doc = parse_text(DOC, "chapters/t.md")
    whole = _chunk(doc, 1, len(doc.lines))
    cands, _ = store.get(whole)
    ex = next(c.exercise for c in cands if c.exercise)
    assert embed.embedded.count(ex) == 1
    np.testing.assert_allclose(exercise_vector(ex, 4), _axis(0))  # "Ridge shrinks towards zero": the shrink axis
    start = next(i for i, line in enumerate(doc.lines, 1) if line.startswith("For an orthonormal"))
    store.get(_chunk(doc, start, start + 1))  # another chunk of the same exercise: not embedded again
    assert embed.embedded.count(ex) == 1


def test_scoring_keeps_a_solution_sentence_asked_by_meaning_and_the_lead_pool_keeps_it_when_it_stands_alone():
    ex = "Exercise 4.3: Shrinkage of the lasso Derive the lasso estimate under an orthonormal design."
    remember_exercise_vectors(_AxisEmbed(), [ex])
    q = "what coefficients come out of an l1 fit when X'X = I?"
    alone = Candidate("Soft-thresholding moves every least-squares coefficient towards zero.", 2, 2, 0, exercise=ex)
    leaning = Candidate("So small coefficients become exactly zero.", 3, 3, 1, exercise=ex)
    vecs = np.stack([_axis(0), _axis(0)])
    scored = score_candidates(q, _axis(0), [(0, [alone, leaning], vecs)])
    assert [t.candidate for t in scored] == [alone]
    assert [t.candidate for t in lead_pool("explain", q, scored, subject_terms(q))] == [alone]
    assert score_candidates(q, _axis(1), [(0, [alone, leaning], vecs)]) == []


def test_the_first_ranked_exercise_is_asked_at_the_lower_cosine_bound_and_no_lower():
    # round 20, ex20: a first-ranked exercise is asked from SOLUTION_TOP_COSINE (f8-15, 0.52 from Exercise 8.2), a
    # lower-ranked one only from SOLUTION_PROMPT_COSINE; between the first-ranked exercises of fresh1-8 that the
    # question does not ask (f8-07, 0.40 from Exercise 10.7) and f8-15
    assert 0.40 < SOLUTION_TOP_COSINE < 0.52 and SOLUTION_TOP_COSINE < SOLUTION_PROMPT_COSINE
    ex = "Exercise 4.4: Shrink twice"
    remember_exercise_vectors(_AxisEmbed(), [ex])
    c = Candidate("Plain text.", 1, 1, 0, exercise=ex)

    def at(cos: float) -> np.ndarray:
        v = np.array([cos, np.sqrt(1 - cos ** 2), 0, 0], np.float32)
        return v / np.linalg.norm(v)

    mid = (SOLUTION_TOP_COSINE + SOLUTION_PROMPT_COSINE) / 2
    assert solution_asked("zzz qqq", c, at(mid), top=True) and not solution_asked("zzz qqq", c, at(mid))
    assert not solution_asked("zzz qqq", c, at(SOLUTION_TOP_COSINE - 0.02), top=True)
    vecs = np.stack([at(mid)])
    # scoring asks the lower bound of the first-ranked chunk's exercise only (rank 0), not of a lower chunk's
    assert [t.candidate for t in score_candidates("zzz qqq", at(mid), [(0, [c], vecs)])] == [c]
    assert score_candidates("zzz qqq", at(mid), [(1, [c], vecs)]) == []
    leaning = Candidate("So it shrinks.", 2, 2, 1, exercise=ex)  # a leaning sentence still never leads
    assert score_candidates("zzz qqq", at(mid), [(0, [leaning], vecs)]) == []


def test_a_solution_sentence_that_opens_on_a_part_label_of_its_prompt_does_not_stand_alone():
    # round 20, ex20: "(b) Mildly leaky: ..." answers a case of the exercise's prompt the reader has not seen (f9-18)
    ex = "Exercise 4.6: Where the leak is For each pipeline (a) ... (b) ... say whether it leaks."
    q = "where is the leak in a pipeline that scales before cross-validation?"
    for text in ("(b) Mildly leaky: the scaler's mean includes the validation folds.", "**(a)** Leaky: synthetic rows.",
                 "(ii) Trustworthy: every step is refitted."):
        assert not solution_stands_alone(q, Candidate(text, 1, 1, 0, exercise=ex)), text
    assert solution_stands_alone(q, Candidate("(Scaling leaks only a little.)", 1, 1, 0, exercise=ex))
    assert solution_stands_alone(q, Candidate("(b) A case of no exercise.", 1, 1, 0))


# -- property over the development questions ---------------------------------------------------------------------------

@pytest.mark.slow
def test_no_development_answer_leads_with_a_solution_sentence_that_cannot_stand_alone(answerer):
    # measured on fresh1-11 and the 20 external ids with scripts/judge_answers.py (docs/answer-quality.md, round 13
    # sol16p, round 14 sol16r); over all development questions no extractive answer's first sentence is a solution
    # sentence that solution_may_lead refuses, given the question's embedding (round 14: asked by terms or by
    # meaning), and none opens on a connective or leans on its exercise (solution_stands_alone) (tolerance: none:
    # both are hard filters, so one would be a bug)
    from tests.answering.test_context_bound_leads import dev_questions

    solution: dict[str, list[Candidate]] = {}
    for chunk in answerer.index.chunks:
        for c in answerer.sentences.get(chunk)[0]:
            if c.exercise:
                solution.setdefault(" ".join(c.text.split()), []).append(c)
    assert len(solution) > 100  # the corpus's 102 solutions give a few hundred sentences
    bad = []
    for qid, q in dev_questions():
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        first = " ".join(getattr(ans.sentences[0], "text", str(ans.sentences[0])).split())
        qvec = answerer.index.embed_query(q)
        # round 20 (ex20): the exercise of the answer's first source, the chunk the lead comes from, may be asked
        # at the first-ranked bound (SOLUTION_TOP_COSINE; the first source is where a first-ranked exercise's
        # solution sentence is cited)
        src = ans.sources[0] if ans.sources else None
        if first in solution and not any(
                (solution_may_lead(q, c, qvec) or (src is not None and src.line_start <= c.line_start <= src.line_end
                                                   and solution_may_lead(q, c, qvec, top=True)))
                and solution_stands_alone(q, c) for c in solution[first]):
            bad.append((qid, first))
    assert not bad, bad
