"""A lead from a lower-ranked section gives way to the first retrieved section's best candidate when that one's score
is clearly higher (round 12, lead16m: assistant/answering/lead.py, top_section_lead). f10-08's top section "Secrets"
held "Keep credentials ... out of code" (score 0.49); three chunks of a Kubernetes section at ranks 2-4 got the
repeat bonus twice each and their probe sentence (score 0.22) led. Hand-built candidates, with the learned ranker
switched off and on (the ranker's own value may not bring the outscored lead back)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlnotes.assistant.answering import lead as lead_module
from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import TOP_SECTION_MARGIN, pick_lead, top_section_lead
from mlnotes.assistant.answering.scoring import Scored

Q = "Where should the database password and the cloud keys of a model service be kept?"
SECTIONS = ["deploy#secrets", "ops#probes", "ops#orchestration", "ops#orchestration", "ops#orchestration"]
TOP = ("Keep credentials such as database passwords and cloud keys out of code and images, and inject them at run "
       "time from a secrets manager.")
LOW = ("The startup probe allows two minutes for the model to load before the liveness probe may restart the "
       "container.")


def cand(text: str, rank: int, score: float, order: int = 0) -> Scored:
    return Scored(score, rank, Candidate(text, 1, 1, order), np.zeros(3, np.float32))


def test_repeat_bonus_of_a_lower_section_does_not_beat_a_clearly_better_top_section_sentence(ranker_mode):
    # ranks 3 and 4 share a section with rank 2: +0.6 each from the repeat bonus
    top, low = cand(TOP, 0, 0.49), cand(LOW, 3, 0.22)
    assert lead_module.rule_value("why_how", Q, low, lead_module.subject_terms(Q), SECTIONS) > \
        lead_module.rule_value("why_how", Q, top, lead_module.subject_terms(Q), SECTIONS)  # the rules alone pick low
    assert pick_lead("why_how", Q, [top, low], sections=SECTIONS) is top


def test_a_close_lower_section_lead_stays():
    first = cand(LOW, 3, 0.30)
    own = cand(TOP, 0, 0.30 + TOP_SECTION_MARGIN - 0.01)
    assert top_section_lead(first, [first, own], SECTIONS, lambda c: c[0]) is first
    own = cand(TOP, 0, 0.30 + TOP_SECTION_MARGIN)
    assert top_section_lead(first, [first, own], SECTIONS, lambda c: c[0]) is own


def test_only_the_first_section_is_preferred():
    first = cand(LOW, 3, 0.20)
    second = cand(TOP, 1, 0.90)  # rank 1 is another section than rank 0: no preference
    assert top_section_lead(first, [first, second], SECTIONS, lambda c: c[0]) is first
    # a lead of the first section (rank 0, or a later chunk of the same section) always stays
    same = ["a#x", "b#y", "a#x"]
    lead_of_top = cand(LOW, 2, 0.10)
    assert top_section_lead(lead_of_top, [lead_of_top, cand(TOP, 0, 0.9)], same, lambda c: c[0]) is lead_of_top


def test_the_choice_within_the_top_section_is_the_choosers():
    first = cand(LOW, 3, 0.20)
    a, b = cand(TOP, 0, 0.50), cand("Rotate every key that was ever committed to the repository.", 0, 0.40)
    assert top_section_lead(first, [first, a, b], SECTIONS, lambda c: c[-1]) is b  # b: the chooser's pick
    # the chooser only sees the top section's candidates
    seen = []
    top_section_lead(first, [first, a, b], SECTIONS, lambda c: seen.append(c) or c[0])
    assert seen == [[a, b]]


def test_without_sections_nothing_changes():
    first = cand(LOW, 3, 0.20)
    assert top_section_lead(first, [first, cand(TOP, 0, 0.9)], [], lambda c: c[0]) is first



# -- round 14 (lead16r): a lead that won only by its section's repeat bonus ------------------------------------------
# f11-07: the first section "What a good training dashboard shows" (rank 0) held "For production monitoring the panels
# change to ..." (score 0.479); three chunks of a lower section (ranks 1-3) gave its "Dash suits the dashboards ..."
# (score 0.375) the repeat bonus twice, and the margin (0.104) is under TOP_SECTION_MARGIN.
DASH_Q = ("setting up a shared training dashboard for the team. which charts should be on it by default, and should "
          "it look different once the model is in production?")
DASH_SECTIONS = ["viz#what-a-good-training-dashboard-shows", "viz#plotly-dash", "viz#plotly-dash", "viz#plotly-dash",
                 "viz#weights-biases"]
PANELS = ("For production monitoring the panels change to input-feature distributions and drift statistics, prediction "
          "distributions, latency percentiles, error rates, and delayed ground-truth metrics.")
DASH = ("Dash suits the dashboards a generic tool does not give: a model-health page joining production metrics from a "
        "database with delayed labels, a slice explorer for error analysis, a labelling or review tool.")


def dash_value(intent: str, question: str, sections: list[str]):
    subject = lead_module.subject_terms(question)
    return lambda t: lead_module.rule_value(intent, question, t, subject, sections)


def test_a_lead_that_won_only_by_its_repeat_bonus_gives_way_to_the_first_section(ranker_mode):
    top, low = cand(PANELS, 0, 0.479), cand(DASH, 1, 0.375)
    value = dash_value("comparison", DASH_Q, DASH_SECTIONS)
    assert value(low) > value(top)  # the rules alone pick the lower section's sentence ...
    assert value(low) - 2 * lead_module.SECTION_REPEAT_BONUS < value(top)  # ... only by its two repeats
    # the round-12 margin does not bring the top one back; the round-14 one does
    assert lead_module.REPEAT_LEAD_MARGIN <= top.score - low.score < TOP_SECTION_MARGIN
    assert pick_lead("comparison", DASH_Q, [top, low], sections=DASH_SECTIONS) is top
    # without the rules' value (the round-12 rule alone) the lower lead stays
    assert top_section_lead(low, [low, top], DASH_SECTIONS, lambda c: c[0]) is low
    assert top_section_lead(low, [low, top], DASH_SECTIONS, lambda c: c[0], value=value) is top


def test_the_repeat_rule_needs_a_clearly_higher_score_and_a_repeat_advantage():
    value = dash_value("comparison", DASH_Q, DASH_SECTIONS)
    # a first-section sentence less than REPEAT_LEAD_MARGIN better, or worse, does not take over, whatever the repeats
    low = cand(DASH, 1, 0.40)
    for score in (0.40 + lead_module.REPEAT_LEAD_MARGIN - 0.005, 0.39):
        top = cand(PANELS, 0, score)
        assert top_section_lead(low, [low, top], DASH_SECTIONS, lambda c: c[0], value=value) is low
    top = cand(PANELS, 0, 0.40 + lead_module.REPEAT_LEAD_MARGIN)
    assert top_section_lead(low, [low, top], DASH_SECTIONS, lambda c: c[0], value=value) is top
    # a lower section with no more repeats than the first section keeps its lead (its value did not come from them)
    flat = ["viz#what-a-good-training-dashboard-shows", "viz#plotly-dash", "viz#other", "viz#more", "viz#last"]
    low, top = cand(DASH, 1, 0.375), cand(PANELS, 0, 0.48)
    flat_value = dash_value("comparison", DASH_Q, flat)
    assert top_section_lead(low, [low, top], flat, lambda c: c[0], value=flat_value) is low
    # with the repeats, a first-section sentence whose value is still lower once they are discounted loses too
    big = lambda t: value(t) + (0.0 if t.rank == 0 else 1.0)  # the lower sentence is better by more than its repeats
    low, top = cand(DASH, 1, 0.375), cand(PANELS, 0, 0.48)
    assert top_section_lead(low, [low, top], DASH_SECTIONS, lambda c: c[0], value=big) is low
    assert top_section_lead(low, [low, top], DASH_SECTIONS, lambda c: c[0], value=value) is top


# -- property over development questions (real corpus and index, the served extractive pipeline) --------------------
# gold tune, the external set and fresh1-10 (never gold heldout). For every question whose lead pick_lead chooses
# while the first retrieved section is labelled relevant and the lead pool holds a candidate of it, the lead should
# come from a labelled section. Measured when this was written (docs/answer-quality.md, round 12 lead16m): 250 of 275
# before top_section_lead, 251 of 275 with it (f10-08). Tolerance: at least 90 % (a couple of leads may move with a
# corpus or index change without this rule being broken).
MIN_SHARE_FROM_LABELLED = 0.90


def development_questions() -> list[dict]:
    from mlnotes.assistant.settings import REPO_ROOT

    datasets = REPO_ROOT / "eval" / "datasets"
    rows = [json.loads(x) for x in (datasets / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [q for q in rows if q["split"] == "tune"]
    for name in ["external.jsonl", *sorted(p.name for p in datasets.glob("judged_fresh*.jsonl"))]:
        qs += [json.loads(x) for x in (datasets / name).read_text(encoding="utf-8").splitlines() if x.strip()]
    return [q for q in qs if q.get("relevant")]


@pytest.fixture(scope="module")
def pick_lead_calls():
    """For each development question whose answer ``pick_lead`` chose the lead of: the question and the arguments and
    result of that last call. Both properties below read the same calls: answering the ~680 questions once takes
    minutes, and they used to do it once each."""
    from mlnotes.assistant import answer as answer_module
    from mlnotes.assistant.settings import REPO_ROOT
    from tests.answer_memo import served_answerer

    answerer = served_answerer(REPO_ROOT)
    calls = []
    real_pick = answer_module.pick_lead

    def recording(intent, question, scored, sections=None, **kw):
        got = real_pick(intent, question, scored, sections=sections, **kw)
        calls.append((intent, question, scored, sections, kw, got))
        return got

    patch = pytest.MonkeyPatch()
    patch.setattr(answer_module, "pick_lead", recording)
    out = []
    try:
        for q in development_questions():
            calls.clear()
            answerer.answer(q["question"], generator=None)  # not remembered: pick_lead is patched (answer_memo)
            if calls:  # else a bank answer, a comparison or a complexity lead: pick_lead did not choose
                out.append((q, calls[-1]))
    finally:
        patch.undo()
    return out


@pytest.mark.slow
def test_a_labelled_first_section_with_a_candidate_gives_the_lead(pick_lead_calls):
    n = from_labelled = 0
    for q, (intent, question, scored, sections, _, got) in pick_lead_calls:
        top = list(sections or [])[: lead_module.LEAD_POOL_RANKS]
        pool = lead_module.lead_pool(intent, question, scored, lead_module.subject_terms(question))
        has_own = bool(top) and any(t.rank < len(top) and top[t.rank] == top[0] for t in pool)
        if got is None or not has_own or top[0] not in q["relevant"] or got.rank >= len(top):
            continue
        n += 1
        from_labelled += top[got.rank] in q["relevant"]
    assert n >= 100  # the property is measured on enough questions
    assert from_labelled / n >= MIN_SHARE_FROM_LABELLED, (from_labelled, n)


# round 14 (lead16r): the leads that the repeat rule of top_section_lead moves, over the same development questions
# (gold tune, external, fresh1-11; never gold heldout). Measured when it was written (docs/answer-quality.md, "Round
# 14 (lead16r)"): 5 of the 373 leads that pick_lead chooses move (f11-07, f11-16, f2-16, g174, ml-23), 2 from an
# unlabelled section to a labelled one, 3 between labelled sections, none away from a labelled one. Tolerance: the
# moved leads come from a labelled section at least as often as the leads they replace, and at most 3 % of the leads
# move (the rule is for leads that won only by a repeat bonus, not a new ordering).
MAX_SHARE_MOVED = 0.03


def _without_the_rules_value(intent, question, scored, sections, short_answers, head):
    """The top sections and the lead that ``pick_lead`` would choose without the round-14 rule: top_section_lead
    without the rules' value, followed by the same later steps as ``pick_lead`` (the diagnosis, a reported claim
    and a quoted term), so that only the rule's own moves count."""
    subject = lead_module.subject_terms(question)
    pool = lead_module.lead_pool(intent, question, scored, subject)
    top = list(sections or [])[: lead_module.LEAD_POOL_RANKS]
    if not pool:
        return top, None
    ranked = sorted(pool, key=lambda t: (-lead_module.rule_value(intent, question, t, subject, top, short_answers,
                                                                 head), t.rank))
    model = lead_module.lead_model()

    def choose(c):
        return c[0] if model is None else model.choose(intent, question, c, subject, top, short_answers, head)

    def by_value(c):
        return choose(sorted(c, key=lambda t: (-lead_module.rule_value(intent, question, t, subject, top,
                                                                         short_answers, head), t.rank)))

    first = top_section_lead(choose(ranked), ranked, top, choose)
    first = lead_module.diagnosis_lead(question, first, ranked, choose, scored)
    first = lead_module.claim_lead(question, first, ranked, scored, by_value)
    return top, lead_module.quoted_lead(question, first, ranked, scored, by_value)


@pytest.mark.slow
def test_the_repeat_rule_moves_few_leads_and_towards_labelled_sections(pick_lead_calls):
    n = moved = old_labelled = new_labelled = 0
    for q, (intent, question, scored, sections, kw, got) in pick_lead_calls:
        top, old = _without_the_rules_value(intent, question, scored, sections, kw.get("short_answers", frozenset()),
                                            kw.get("head"))
        n += 1
        if old is got:
            continue
        moved += 1
        old_labelled += old.rank < len(top) and top[old.rank] in q["relevant"]
        new_labelled += got.rank < len(top) and top[got.rank] in q["relevant"]
    assert n >= 300  # measured on enough questions
    assert moved <= MAX_SHARE_MOVED * n, (moved, n)
    assert new_labelled >= old_labelled, (new_labelled, old_labelled, moved)
