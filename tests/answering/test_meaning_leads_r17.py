"""A question that asks what a term means is led by the term's definition (round 17, lead17:
assistant/answering/lead.py meaning_part, read by lead_reading).

fresh14's f14-03 ("what do people mean by 'structured prediction logging' for a model API? right now our service just
prints 'predicted 0.73' to stdout") was read as a why/how question over all its words, and its lead was a drift
sentence of the structured-logging section ("Nothing is 'broken' from the system's point of view ...") that names
none of the asked term's words, while "Every prediction should be logged in a structured form (JSON lines) ..."
defines it. Unit checks of the reading, and a slow property over the development questions."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering.lead import lead_reading, meaning_part, subject_terms, terms

from .test_part_coverage import dev_questions as part_coverage_dev_questions


@pytest.mark.parametrize("question,part", [
    ("what do people mean by 'structured prediction logging' for a model API? right now our service prints",
     "What is structured prediction logging?"),
    ("What do people mean by \u201cdata drift\u201d? our dashboards show it", "What is data drift?"),
    ("what does 'exposure bias' mean for sequence models trained with teacher forcing? and is there a fix",
     "What is exposure bias?"),
    ("what do people mean by the winner's curse when you pick the best of many configs?",
     "What is the winner's curse?"),
    ("so what is meant by label smoothing in classification?", "What is label smoothing?"),
    ("what does our platform team mean by 'model package'?", "What is model package?"),
])
def test_a_question_about_what_a_term_means_asks_for_its_definition(question, part):
    assert meaning_part(question) == part
    # whatever intent it was read as, the lead answers the definition of the term
    for intent in ("why_how", "definition", "how_to_choose", "comparison"):
        assert lead_reading(intent, question) == ("definition", part)


@pytest.mark.parametrize("question", [
    "what do you mean by that?",                                     # a pronoun, no term
    "what does it mean when my validation loss goes up?",            # an observation, not a term
    "what does a p-value of 0.03 mean for my A/B test?",             # unquoted: the quoted form only
    "why do people mean-center features before PCA?",                # not "what ... mean by"
    "What is the difference between L1 and L2?",                     # no meaning question at all
    "what do people mean by the difference between bias and variance?",  # names a kind of answer, not a thing
])
def test_other_questions_are_not_read_as_asking_what_a_term_means(question):
    assert meaning_part(question) is None


FRESH = [f"judged_fresh{i}.jsonl" for i in ("", *range(2, 15))]


@pytest.mark.slow
def test_development_answers_to_what_a_term_means_lead_with_a_sentence_naming_the_term(answerer):
    # the development questions (gold tune, external, fresh1-14) that ask what a term means: f4-03, f8-02, f13-02,
    # f13-03 and f14-03 (before round 17, f14-03 led with a drift sentence naming no word of its term, and f13-03
    # with the definition of teacher forcing). The lead of each extractive answer names every term word of the term
    # (stems; "logged" names "logging"): it fails when the lead is any other sentence of the retrieved sections.
    asked = [(qid, q, meaning_part(q)) for qid, q in part_coverage_dev_questions(FRESH) if meaning_part(q)]
    assert len(asked) >= 4, asked
    missing = []
    for qid, q, part in asked:
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        first = getattr(ans.sentences[0], "text", str(ans.sentences[0]))
        want = subject_terms(part)
        if not want <= terms(first):
            missing.append((qid, sorted(want - terms(first)), first[:100]))
    assert not missing, missing
