"""Leads that state the verdict for the asker's case (round 15, lead16u: assistant/answering/lead.py given_numbers,
states_number, asks_verdict, read by lead_pool; scoring.describes_figure).

fresh12's answers led with a sentence about another case than the asker's (f12-10: "how many weights does a resnet
bottleneck block save at 512 channels ...?" led with the block's definition and its 256-channel example, while the
sentence "... at 512 channels, 278,528 against 4,718,592" came third) and with a caution before the verdict (f12-08:
"... should I still do that much cleaning?" led with "Each step is a decision, not a default: ..." over "For a model
trained on sub-words, such as a modern transformer, heavy normalization usually hurts, because ..."). f9-11 showed
"Look at how plain SGD zig-zags ...", the description of a figure the reader does not see. Hand-built candidates with
the learned ranker off and on, and slow properties over the development questions."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import (
    asks_verdict,
    given_numbers,
    lead_pool,
    pick_lead,
    specific_number,
    states_number,
    subject_terms,
)
from mlnotes.assistant.answering.scoring import Scored, choose, describes_figure

from .pools import cand
from .test_part_coverage import dev_questions as part_coverage_dev_questions

# -- numbers the asker gives ---------------------------------------------------------------------------------------

def test_a_given_number_is_specific_when_it_has_two_significant_digits_and_is_no_year():
    for token in ["512", "0.98", "1,500", "15000", "0.871", "99"]:
        assert specific_number(token), token
    for token in ["4", "10", "100", "0.01", "1000", "2019", "1999"]:
        assert not specific_number(token), token


def test_the_numbers_a_question_gives_are_its_specific_standalone_numbers():
    assert given_numbers("how many weights does a resnet bottleneck block save at 512 channels (expansion 4) "
                         "compared with two plain 3x3 convs at full width?") == {512.0}
    assert given_numbers("for discount gamma = 0.98, how many steps until less than 1% remains?") == {0.98}
    # glued to letters (a kernel size, a model name), a year, round numbers: none
    assert given_numbers("in 2019 we moved from B0 to gpt-4 with 3x3 kernels, 10 folds and 100 trees") == set()
    assert given_numbers("control converted 600 of 15,000 users") == {15000.0}


def test_a_sentence_states_a_given_number_whatever_its_thousands_separator():
    assert states_number("at 512 channels, 278{,}528 against 4,718,592", {512.0})
    assert states_number("The bottleneck has 278{,}528 weights.", {278528.0})
    assert states_number("For $\\gamma = 0.98$ the tail is small.", {0.98})
    # part of another number: no
    assert not states_number("a width of 5120 and a rate of 0.512", {512.0})
    assert not states_number("At 256 channels a bottleneck costs about 70K weights.", {512.0})


B512 = "how many weights does a resnet bottleneck block save at 512 channels compared with two plain 3x3 convs?"
DEFINES = cand("A bottleneck block reduces the channel count with a $1 \\times 1$ convolution, applies the expensive "
               "$3 \\times 3$ convolution at the reduced width, and expands back with another one.", 0, 0.70)
AT_256 = cand("At 256 channels a bottleneck costs about $256 \\cdot 64 + 9 \\cdot 64^2 + 64 \\cdot 256 \\approx 70$K "
              "weights, against about 1.18M for two full-width convolutions.", 0, 0.63, line=2, vec=1)
AT_512 = cand("In general, with $C$ channels reduced to $C/4$, the bottleneck has $17C^2/16$ weights against $18C^2$ "
              "for the two full-width convolutions: at 512 channels, 278,528 against 4,718,592.", 0, 0.64, line=3,
              vec=2)


def test_a_question_that_gives_a_number_leads_with_the_sentence_that_states_it(ranker_mode):
    sections = ["arch#bottleneck", "arch#bottleneck"]
    assert pick_lead("complexity", B512, [DEFINES, AT_256, AT_512], sections=sections) is AT_512
    # without such a sentence the lead is chosen as before
    without = pick_lead("complexity", B512, [DEFINES, AT_256], sections=sections)
    assert without is pick_lead("complexity", B512.replace("512", "many"), [DEFINES, AT_256], sections=sections)
    # a lower chunk's sentence that happens to state the number, and a fragment that states it, do not restrict the
    # pool (f5-09: "16 heads" and "16 bytes per parameter" of a memory table's section at rank 3)
    far = cand("Mixed-precision Adam needs 512 bytes of state for every block of 32 parameters it trains.", 3, 0.36,
               line=9, vec=3)
    bare = cand("For $C = 512$: $278{,}528$.", 0, 0.49, line=8, vec=4)
    pool = lead_pool("complexity", B512, [DEFINES, AT_256, far, bare], subject_terms(B512))
    assert {id(t) for t in pool} >= {id(DEFINES), id(AT_256)}
    # a question without numbers keeps every candidate in the pool
    q = "how many weights does a resnet bottleneck block save compared with two plain 3x3 convs?"
    assert {id(t) for t in lead_pool("complexity", q, [DEFINES, AT_256, AT_512], subject_terms(q))} == {
        id(DEFINES), id(AT_256), id(AT_512)}


# -- a verdict on the asker's own plan -----------------------------------------------------------------------------

CLEAN_Q = ("fine-tuning a multilingual transformer on customer emails (french + english). old tutorials lowercase "
           "everything, strip accents and remove urls/numbers first. should I still do that much cleaning?")


def test_a_should_i_ask_about_the_askers_plan_wants_a_verdict_and_a_choice_between_options_does_not():
    assert asks_verdict(CLEAN_Q)
    assert asks_verdict("my features are on different scales. do we really need to scale them for a random forest?")
    assert asks_verdict("labels disagree on 5% of the images. is it worth relabelling them?")
    assert not asks_verdict("should I use a paired t-test or a Wilcoxon signed-rank test?")  # a choice
    assert not asks_verdict("why should I scale features before k-means?")  # a why question
    assert not asks_verdict("what does text normalization do?")


CAUTION = cand('Each step is a decision, not a default: lower-casing merges "US" with "us", and removing accents merges '
               'French "côte" with "cote".', 0, 0.51)
VERDICT = cand("For a model trained on sub-words, such as a modern transformer, heavy normalization usually hurts, "
               "because the tokenizer already handles variation and the model can use case.", 0, 0.50, line=3, vec=1)
STEPS = cand("Typical steps: Unicode normalization, case folding, removing accents where they carry no meaning, and "
             "collapsing whitespace.", 0, 0.46, line=2, vec=2)


def test_a_should_i_question_leads_with_the_verdict_that_gives_its_reason(ranker_mode):
    sections = ["nlp#cleaning", "nlp#cleaning"]
    assert pick_lead("why_how", CLEAN_Q, [CAUTION, STEPS, VERDICT], sections=sections) is VERDICT
    # with no sentence that gives a reason, the pool is unchanged and the best candidate leads
    assert pick_lead("why_how", CLEAN_Q, [CAUTION, STEPS], sections=sections) in (CAUTION, STEPS)
    # a question that asks no verdict keeps the caution in its pool
    q = "what do lower-casing and removing accents do to customer emails?"
    assert CAUTION in lead_pool("why_how", q, [CAUTION, STEPS, VERDICT], subject_terms(q))


# -- a why question that reports what people say ---------------------------------------------------------------------

SAYING_Q = ("why do people keep saying a plain linear model on the input window can match fancy transformer "
            "forecasters? is attention just not useful for time series?")
EVIDENCE = cand("A caution backed by evidence: on standard long-horizon benchmarks, very simple linear models on the "
                "window were competitive with many transformer forecasters, and in the M4 competition hybrids won.",
                0, 0.53, line=2, vec=1)
MECHANISM = cand("Transformers treat the window as a sequence of tokens, add positional encodings because attention "
                 "is order-blind, and attend across the whole window.", 0, 0.55, line=1)
PAYS_OFF = cand("Deep models pay off with many related series, long histories and rich covariates.", 1, 0.44, vec=2)


def test_the_premise_of_a_reported_claim_is_the_claim_without_the_verb_of_saying_or_the_next_ask():
    from mlnotes.assistant.answering.lead import premise_terms

    assert premise_terms(SAYING_Q) == premise_terms(
        "why can a plain linear model on the input window match fancy transformer forecasters?")
    assert not premise_terms(SAYING_Q) & subject_terms("keep saying attention just time series")
    # a why question that reports nothing keeps its whole premise, later asks included
    q = "why is squared hinge the default loss in sklearn's LinearSVC instead of the normal hinge? what changes"
    assert "chang" in premise_terms(q)


def test_a_short_opening_label_before_a_colon_states_no_benefit():
    from mlnotes.assistant.answering.lead import states_benefit

    assert not states_benefit(EVIDENCE.candidate.text)
    assert states_benefit("Global average pooling averages each map, replacing large fully connected layers: far "
                          "fewer parameters, less overfitting.")
    assert states_benefit("It downsamples feature maps, reducing computation and enlarging the receptive field.")


def test_a_why_question_about_a_reported_claim_leads_with_the_sentence_about_that_claim(ranker_mode):
    # the evidence restates the claim and its chunk gives a reason: the lead speaks to the claim (lead_pool's premise
    # rule), not the mechanism of the first chunk nor the lower section's repeated sentence
    sections = ["ts#transformers", "bank#deep", "ts#other", "bank#deep"]
    assert pick_lead("why_how", SAYING_Q, [MECHANISM, EVIDENCE, PAYS_OFF], sections=sections) is EVIDENCE


# -- a sentence that tells the reader how to look at a figure --------------------------------------------------------

def test_a_sentence_that_tells_the_reader_how_to_look_at_a_figure_describes_it():
    assert describes_figure("Look at how plain SGD zig-zags along the steep axis, momentum overshoots and settles, and "
                            "the adaptive methods head diagonally towards the minimum.")
    assert describes_figure("Notice how the validation loss turns up after epoch 20.")
    assert not describes_figure("Note that the gradient of the hinge loss is zero for confident points.")
    assert not describes_figure("Looking at the residuals is the first diagnostic of a regression.")


def test_choose_skips_a_sentence_that_tells_the_reader_how_to_look_at_a_figure():
    look = cand("Look at how plain SGD zig-zags along the steep axis while momentum settles.", 1, 0.60, vec=3)
    rule = cand("Nesterov momentum evaluates the gradient at the look-ahead point the momentum carries the "
                "parameters to.", 0, 0.55, vec=4)
    got = choose([look, rule], 4)
    assert rule in got and look not in got


# -- properties over the development questions ------------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)]


def dev_questions() -> list[tuple[str, str]]:
    """(id, question) of the gold tune split and the answerable external and fresh1-12 questions."""
    return part_coverage_dev_questions(FRESH)


def _text(s) -> str:
    return getattr(s, "text", str(s))


@pytest.mark.slow
def test_development_answers_show_no_sentence_that_tells_the_reader_how_to_look_at_a_figure(answerer):
    # before this round f9-11's answer showed "Look at how plain SGD zig-zags along the steep axis, ..." as its
    # second sentence (a figure of the notes the reader does not see). Tolerance: none
    found = []
    for qid, q in dev_questions():
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive":
            continue
        found += [(qid, _text(s)[:80]) for s in ans.sentences if describes_figure(_text(s))]
    assert found == [], found


@pytest.mark.slow
def test_development_answers_that_give_numbers_lead_with_the_askers_number_when_a_top_chunk_states_it(answerer):
    # measured over the development questions (gold tune, external, fresh1-12; docs/answer-quality.md "Round 15
    # (lead16u)"): 40 give a specific number (lead.given_numbers). Of the extractive answers to them whose top
    # LEAD_RANKS retrieved chunks hold a sentence that may lead (usable, standalone, at least SHORT_WORDS words) and
    # states the number, those that lead with another sentence are listed. Tolerance: at most 3, for leads chosen by
    # another path than pick_lead (a bank entry's short answer, the complexity guide's row, a comparison or code
    # lead), which keep their own first sentence (measured on this branch: g686 (a bank answer), f8-14 (code, the
    # exercise prompt leads), f12-12 (a guide row))
    from mlnotes.assistant.answering.lead import LEAD_RANKS, SHORT_WORDS, standalone, usable
    from mlnotes.assistant.answering.retrieve import retrieve

    missing = []
    for qid, q in dev_questions():
        given = given_numbers(q)
        if not given:
            continue
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        hits = retrieve(answerer.index, q, "hybrid", 6).hits[:LEAD_RANKS]
        leads = [Scored(0.0, 0, c, np.zeros(1)) for h in hits for c in answerer.sentences.get(h.chunk)[0]]
        if any(usable(t) and standalone(t) and len(t.candidate.text.split()) >= SHORT_WORDS
               and states_number(t.candidate.text, given) for t in leads) and not states_number(
                _text(ans.sentences[0]), given):
            missing.append((qid, _text(ans.sentences[0])[:60]))
    assert len(missing) <= 3, missing


# -- a worked solution's sentence that opens on the values it is about ---------------------------------------------------

def test_a_solution_sentence_that_opens_on_its_own_values_stands_alone():
    from mlnotes.assistant.answering.scoring import solution_stands_alone

    exercise = ("Exercise 12.1: Discounting and the effective horizon. Show that a constant reward has discounted "
                "return r/(1-gamma) and find after how many steps the remaining rewards contribute less than a "
                "fraction epsilon.")
    q = "for discount gamma = 0.98, how many steps until the remaining rewards are less than 1% of the return?"

    def sol(text: str) -> Candidate:
        return Candidate(text, 1, 1, 0, exercise=exercise)

    assert solution_stands_alone(q, sol('For $\\gamma = 0.99$, $\\varepsilon = 0.01$: $T > 458.2$, so 459 steps; the '
                                        'rough rule "horizon $\\approx 1/(1-\\gamma)$" is the mean of the geometric '
                                        'lifetime.'))
    # "For" on something of the exercise or of an earlier step still leans on it, and so does a bare result
    assert not solution_stands_alone(q, sol("For $d = 512$: $1{,}050{,}624$."))
    assert not solution_stands_alone(q, sol("For this tail the sum is geometric as well."))
    assert not solution_stands_alone(q, sol("For $T$ steps the tail is $\\gamma^T G$."))
