"""The things a question names and asks about (issue #16, round 12): a quoted rule, an acronym, the two sides of
"A or B?", the things a "why does that happen?" points back to. Unit tests on hand-written questions, sentences
and tables; properties over the development questions (gold tune, external, judged_fresh 1-9; never gold
heldout nor a later fresh set) on the real index."""

from __future__ import annotations

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.compose import (
    ASK_RANKS,
    ASK_WITHIN,
    _ask_sentence,
    _reads_alone,
    answers_item_ask,
    asked_rows,
    choice_items,
    cover_asks,
    item_asks,
    named_items,
)
from mlnotes.assistant.answering.lead import ask_of, asks_why, first_cell
from mlnotes.assistant.answering.render import answer_units
from mlnotes.assistant.answering.scoring import Scored

from .test_part_coverage import answer_of, at, chunk, dev_questions, hit, vec

F9_02 = ("what is the 'four-fifths rule' people cite in fairness audits? our loan model approves 30% of male "
         "applicants and 21% of female applicants, do we fail it? and is that the same thing as equal opportunity")
F9_10 = ("my dataset is 2M rows x 3000 dense features. For logistic regression is newton's method / IRLS feasible "
         "or should i stick with lbfgs? ballpark cost per iteration of each")
F9_16 = ("trained a demand model with L1 / MAE loss and it predicts 0 for almost every product-day. about 60% of "
         "our rows have zero sales. why does that happen?")


def spellings(items) -> list[list[list[str]]]:
    return [sorted(sorted(s) for s in i.spellings) for i in items]


# -- the things a question names -------------------------------------------------------------------------------

def test_a_quoted_phrase_an_acronym_and_a_possessive_name_are_named_items_and_slashes_join_spellings():
    assert spellings(named_items("what is the 'four-fifths rule' people cite?")) == [[["fifth", "four"]]]
    # "L1 / MAE" is one thing with two spellings; the kind word "loss" is not part of the name
    assert spellings(named_items("trained with L1 / MAE loss")) == [[["l1"], ["mae"]]]
    assert spellings(named_items("is Newton's method fast here?")) == [[["newton"]]]
    # "I", "ML" and "AI" name nothing
    assert named_items("I work in ML and AI") == []


def test_the_two_sides_of_a_decision_are_cut_at_the_verbs_of_choosing_and_the_judgement():
    assert spellings(choice_items(F9_10)) == [[["irl"], ["newton"]], [["lbfgs"]]]
    # the words both sides share say what kind of thing both are
    assert spellings(choice_items("Should I use label encoding or one-hot encoding for a random forest?")) == [
        [["label"]], [["hot"]]]
    assert spellings(choice_items("should i bother with Optuna or Ray Tune, or just write a for loop?")) == [
        [["optuna"]], [["ray", "tune"]]]
    # no question mark, or "more or less": no decision
    assert choice_items("I use Adam or SGD.") == []
    assert choice_items("is the loss more or less flat?") == []


def test_each_ask_keeps_the_things_it_is_about_and_a_why_that_points_back_takes_the_statements_things():
    asks = item_asks(F9_02)
    assert [bool(items) for _, _, items in asks] == [True, False, False]
    assert spellings(asks[0][2]) == [[["fifth", "four"]]]
    # "why does that happen?" asks about the L1 / MAE loss of the statement before it
    (part, _, items), = item_asks(F9_16)
    assert part == "why does that happen" and spellings(items) == [[["l1"], ["mae"]]]
    # a named thing that only says where is not what the ask is about: the variance is
    assert all(not items for _, _, items in item_asks("What is the variance of an AR(1) process, and is it "
                                                      "stationary?"))
    # a question of one piece that asks "A or B?" gets one ask: the two sides
    (part, _, items), = item_asks(F9_10)
    assert part == "" and len(items) == 2


def test_an_ask_about_named_things_is_answered_only_by_a_sentence_that_names_them_as_whole_terms():
    (part, ask, items), = item_asks(F9_16)
    why = asks_why(ask_of(part) or "")
    assert why
    # MAPE is not MAE; a sentence that names MAE but is about RMSE does not say why MAE does it
    assert not answers_item_ask(ask, items, "Choosing a model by MAPE favours forecasts that are biased low.", why)
    assert not answers_item_ask(ask, items, "RMSE >= MAE always, and a large ratio signals a few big errors.", why)
    assert answers_item_ask(ask, items, "MAE is in the units of the data and is minimized by the median.", why)
    # "L-BFGS" names lbfgs; one side alone does not answer "A or B?"
    (_, ask, sides), = item_asks(F9_10)
    assert answers_item_ask(ask, sides, "Newton (IRLS) costs O(nd^2) per step, L-BFGS only O(nd).")
    assert not answers_item_ask(ask, sides, "Newton's method converges in a handful of iterations.")


def test_below_a_number_is_a_comparison_not_a_pointer():
    assert _reads_alone('US guidance treats a ratio below $0.8$ (the "four-fifths rule") as adverse impact.')
    assert not _reads_alone("The table below lists the rates.")


# -- the answer follows the question's asks --------------------------------------------------------------------

FAIR = [
    "*Equal opportunity* requires equal true positive rates across groups.",  # 10
    "The *disparate impact ratio* is the lower selection rate divided by the higher; a ratio below 0.8 (the "
    "'four-fifths rule') is evidence of adverse impact.",  # 11
    "Calibration within groups means equal scores imply equal outcome probabilities.",  # 12
    "Report every metric per group with confidence intervals.",  # 13
]


def test_a_named_ask_the_lead_leaves_out_gets_its_sentence_first_and_the_answer_is_no_longer():
    hits = [hit(chunk(FAIR))]
    chosen = [at(FAIR[0], 10), at(FAIR[2], 12, 1), at(FAIR[3], 13, 2)]
    got, n_lead = cover_asks(F9_02, chosen, 1, hits)
    texts = [t.candidate.text for t in got]
    # the four-fifths rule is asked first and the lead (equal opportunity) does not name it: its sentence leads,
    # then the old lead; the last supporting sentence goes
    assert texts == [FAIR[1], FAIR[0], FAIR[2]], texts
    assert n_lead == 2
    # a lead that names the rule keeps its place; the sentence is not repeated
    ok = [at(FAIR[1], 11), at(FAIR[0], 10, 1), at(FAIR[2], 12, 2)]
    assert cover_asks(F9_02, ok, 1, hits) == (ok, 1)


MAE = [
    "With non-negative forecasts, choosing a model by MAPE favours forecasts that are biased low.",  # 10
    "RMSE >= MAE always, and a large ratio signals a few big errors.",  # 11
    "MAE is in the units of the data and is minimized by the median forecast.",  # 12
    "Train with a loss consistent with the evaluation metric.",  # 13
]


def test_a_why_about_a_named_thing_gets_a_sentence_about_that_thing_not_one_that_names_it_in_passing():
    hits = [hit(chunk(MAE))]
    chosen = [at(MAE[0], 10), at(MAE[1], 11, 1), at(MAE[3], 13, 2)]
    got, n_lead = cover_asks(F9_16, chosen, 1, hits)
    texts = [t.candidate.text for t in got]
    assert texts[0] == MAE[2] and n_lead == 2 and len(got) == len(chosen), texts


# -- table rows about the asked things -------------------------------------------------------------------------

COST_HEADER = "| Algorithm | Training time |\n| --- | --- |"
COST = [
    "| Logistic regression, gradient descent / L-BFGS | O(ndT) |",  # 50
    "| Logistic regression, Newton / IRLS | O((nd^2 + d^3)T) |",  # 51
    "| Softmax (multinomial) regression | O(ndkT) |",  # 52
    "| Poisson / GLM via IRLS | O((nd^2 + d^3)T) |",  # 53
    "| Logistic regression, SAG/SAGA | O(nnz) per epoch |",  # 54
]


def cost_row(k: int, rank: int = 0) -> Scored:
    return Scored(1.0, rank, Candidate(COST[k], 50 + k, 50 + k, k, "table_row", COST_HEADER), vec(0))


def test_a_table_answer_to_a_or_b_shows_the_rows_of_a_and_b_in_the_questions_order_and_no_others():
    chosen = [cost_row(1), cost_row(2), cost_row(3), cost_row(4), cost_row(0), at("IRLS is Newton's method.", 9)]
    got, n_lead = asked_rows(F9_10, chosen, 5)
    texts = [t.candidate.text for t in got]
    # Newton/IRLS first (asked first), then L-BFGS; the Poisson row names IRLS but not logistic regression, the
    # question's other subject, so it goes with the softmax and SAG rows
    assert texts == [COST[1], COST[0], "IRLS is Newton's method."], texts
    assert n_lead == 2
    # when one side has no row, the table is left as it is
    only_newton = [cost_row(1), cost_row(2), cost_row(3)]
    assert asked_rows(F9_10, only_newton, 3) == (only_newton, 3)
    # a question that names fewer than two things: unchanged
    assert asked_rows("What does logistic regression cost to train?", chosen, 5) == (chosen, 5)


# -- properties over the development questions -----------------------------------------------------------------

def test_every_named_asked_thing_is_in_the_first_sentences_when_a_top_chunk_states_it(answerer):
    """For each ask of a development question that names things (:func:`item_asks`), when a readable sentence
    of a top-3 chunk answers it (:func:`_ask_sentence` with :func:`answers_item_ask`), one of the answer's first
    ``ASK_WITHIN`` units (a table's rows shown together are one) names them all (and, for a why ask about one
    thing, opens on it): the step can be blocked only by a lead and antecedents that fill the first units."""
    from mlnotes.assistant.answering.retrieve import retrieve

    checked, missed = 0, []
    for qid, q in dev_questions():
        asks = [(p, a, items) for p, a, items in item_asks(q) if items]
        if not asks:
            continue
        ans = answer_of(answerer, q)
        if ans.kind != "extractive":
            continue
        r = retrieve(answerer.index, q, "hybrid", 6)
        units = answer_units(ans.sentences)[:ASK_WITHIN]
        for part, ask, items in asks:
            why = bool(part) and asks_why(ask_of(part) or "")

            def answers(text: str, ask=ask, items=items, why=why) -> bool:
                return answers_item_ask(ask, items, text, why)

            if _ask_sentence(ask, r.hits, ASK_RANKS, [], vec(0), answers) is None:
                continue
            checked += 1
            if not any(answers(u) for u in units):
                missed.append((qid, part))
    assert checked >= 10, checked
    assert len(missed) <= checked // 10, missed


def test_a_table_answer_shows_no_row_about_an_unasked_thing_when_rows_about_the_asked_ones_are_shown(answerer):
    """A development question that names two or more things (the sides of "A or B?", else its named things),
    answered with rows of a table among which every asked thing has a row, shows only rows whose first cell names
    an asked thing."""
    seen = 0
    for qid, q in dev_questions():
        items = choice_items(q) or named_items(q)
        if len(items) < 2:
            continue
        ans = answer_of(answerer, q)
        if ans.kind != "extractive":
            continue
        tables: dict[tuple[int, str], list[str]] = {}
        for s in ans.sentences:
            if s.kind == "table_row":
                tables.setdefault((s.source, s.table_header), []).append(s.text)
        for shown in tables.values():
            named = [next((k for k, it in enumerate(items) if it.named_by(first_cell(t))), None) for t in shown]
            if len(shown) < 2 or {k for k in named if k is not None} != set(range(len(items))):
                continue
            seen += 1
            assert None not in named, (qid, q, shown)
    assert seen >= 1
