"""The sides of an "A or B?" choice, a second side's other name in parentheses, and cost rows named by a word in
another sense (issue #16, round 15, side16u).

fresh12 showed three numeric/comparison questions led by the wrong thing: f12-06 ("chi square test or fisher's
exact test for a 2x2 table? feature flag on vs off, ...") was read as comparing "feature flag on" with "off", and
the side "off" found "a written sign-off by the model owner" in a governance section; f12-04 ("VGG vs Inception
(GoogLeNet) - how do the two designs differ? ...") had no pair at all, the parenthetical stopped the "vs" pattern;
f12-12 ("param count: 3 stacked 3x3 conv layers vs a single 7x7 layer, ...") led with the complexity guide's row on
ensemble *Stacking*, matched by the stem of "stacked". The unit tests use hand-written questions and rows; the
property tests read the development questions (gold tune, external, fresh1-12; never a held-out split)."""

from __future__ import annotations

import json

import pytest

from mlnotes.assistant.answering.lead import (
    Sides,
    TableRow,
    choice_sides,
    compared_items,
    complexity_rows,
    names_algorithm,
    names_word,
    sides,
)

HEADER = "| Algorithm | Training time | Inference time | Memory | Notes |\n| --- | --- | --- | --- | --- |"


def row(name: str, line: int = 1) -> TableRow:
    return TableRow(f"| {name} | $O(n)$ | $O(1)$ | $O(n)$ | a note |", line, HEADER)


# -- "A or B?": the alternatives asked about, not the asker's setting -----------------------------------------------

def test_an_asked_choice_gives_the_sides_before_a_pair_of_the_setting():
    q = "t-test or Welch's test for two small groups? new checkout on vs off, 3 of 12 bought in one arm and 8 of 13"
    assert choice_sides(q) == Sides("t-test", "Welch's test")
    assert sides(q) == Sides("t-test", "Welch's test")
    assert compared_items(q) == ["t-test", "Welch's test"]


def test_choice_forms_that_name_two_things():
    assert sides("should I use cosine or euclidean distance for text embeddings?") == \
        Sides("cosine", "euclidean distance")
    assert sides("random forest or XGBoost, which to choose?") == Sides("random forest", "XGBoost")
    assert sides("Adam or SGD with momentum, which optimizer should I choose?") == Sides("Adam", "SGD with momentum")
    assert sides("t-test or Mann-Whitney U test: which one should I use?") == Sides("t-test", "Mann-Whitney U test")


def test_a_clause_or_a_negation_is_no_choice():
    # an auxiliary or a question word makes a clause of an alternative; "or not" names no second thing
    assert choice_sides("should i just use the official split or re-split the data myself randomly?") is None
    assert choice_sides("what causes gradients to vanish or explode?") is None
    assert choice_sides("should I remove stop words or not?") is None
    assert choice_sides("For logistic regression is newton's method feasible or should i stick with lbfgs?") is None
    # only an asking sentence (one that ends with a question mark) and only at its opening
    assert choice_sides("List different activation neurons or functions.") is None
    assert choice_sides("how many parses are there if a phrase can attach to the verb or any earlier noun?") is None


def test_without_a_choice_the_other_patterns_stand():
    assert sides("bagging vs boosting - how do they differ in variance?") == Sides("bagging", "boosting")
    assert sides("What is the difference between LSTM and GRU?") == Sides("LSTM", "GRU")


# -- a parenthetical that closes the second side is its other name --------------------------------------------------

def test_a_closing_parenthetical_ends_the_second_side():
    assert sides("ResNet vs DenseNet (densely connected nets) - which reuses features better?") == \
        Sides("ResNet", "DenseNet")
    assert sides("wald interval vs wilson interval for a proportion (say a small test set) - what differs?") == \
        Sides("wald interval", "wilson interval")
    # one inside the side ("normal (Lloyd) k-means") ends no side: the pattern finds no pair, as before
    assert sides("mini-batch k-means vs normal (Lloyd) k-means: what do I give up for the speed?") is None


# -- a cost row is named by its algorithm's words as such, not by another form of their stem -----------------------

def test_a_word_names_itself_its_plural_or_its_abbreviation():
    assert names_word(["convs"], "conv")
    assert names_word(["layer"], "layers")
    assert names_word(["conv"], "convolution")
    assert not names_word(["stacked"], "stacking")
    assert not names_word(["con"], "convolution")  # too short to abbreviate
    assert not names_word(["word"], "word2vec")  # only an alphabetic word is abbreviated


def test_a_participle_does_not_name_an_ensemble_row():
    stacking = row("Stacking with $K$-fold out-of-fold predictions", 1)
    conv = row("2-D convolution", 2)
    q = "parameters of 3 stacked 3x3 conv layers against one 5x5 layer, 64 channels?"
    assert not names_algorithm(q, stacking.text)
    assert names_algorithm(q, conv.text)
    assert complexity_rows(q, [stacking, conv]) == [conv]
    # the ensemble itself is still named
    assert complexity_rows("training cost of stacking with 5 base models?", [stacking, conv]) == [stacking]


def test_the_algorithm_rows_matched_before_are_kept():
    naive, queue = row("Agglomerative, naive", 1), row("Agglomerative, priority queue (general linkage)", 2)
    assert complexity_rows("Can I run agglomerative (hierarchical) clustering on a million points? memory?",
                           [naive, queue]) == [naive, queue]
    ols = row("OLS, normal equations", 3)
    assert complexity_rows("complexity of solving OLS with the normal equations", [ols]) == [ols]


def test_a_row_is_not_named_by_its_parenthetical():
    from mlnotes.assistant.answering.candidates import Candidate
    from mlnotes.assistant.answering.lead import rows_to_show

    header = "| Layer | Forward FLOPs per example | Parameters |\n| --- | --- | --- |"
    conv = Candidate("| 2-D convolution | $2C_{in}K^2C_{out}HW$ | $C_{in}K^2C_{out} + C_{out}$ |", 5, 5, 0,
                     "table_row", header)
    ffn = Candidate("| Feed-forward block (two dense layers) | $16nd^2$ | $8d^2$ |", 6, 6, 1, "table_row", header)
    dense = Candidate("| Dense layer | $2mn$ | $mn + m$ |", 4, 4, 2, "table_row", header)
    q = "param count: 3 stacked 3x3 conv layers vs a single 7x7 layer?"
    # "layers" names the dense layer's row by its name, not the feed-forward block by its parenthetical
    assert rows_to_show(q, conv, [dense, conv, ffn]) == [dense, conv]


# -- properties over the development questions ----------------------------------------------------------------------

def development_questions() -> list[dict]:
    from mlnotes.assistant.settings import REPO_ROOT

    datasets = REPO_ROOT / "eval" / "datasets"
    rows = [json.loads(x) for x in (datasets / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [q for q in rows if q["split"] == "tune"]
    for name in ["external.jsonl", *(f"judged_fresh{n}.jsonl" for n in ["", *range(2, 13)])]:
        qs += [json.loads(x) for x in (datasets / name).read_text(encoding="utf-8").splitlines() if x.strip()]
    return qs


def test_choice_sides_of_development_questions_are_things_the_question_asks():
    """Every choice pair of a development question is two of the question's own phrases from an asking sentence,
    neither a clause; measured on this branch: 7 questions (g396, g411, g433, g544, g554, g607, f12-06 and none
    other); a new one or a lost one shows here (tolerance: none, the set is exact)."""
    got = {}
    for q in development_questions():
        pair = choice_sides(q["question"])
        if pair is None:
            continue
        got[q["id"]] = pair
        asked = " ".join(q["question"].split()).lower()
        for side in (pair.a, pair.b):
            assert side.lower() in asked, (q["id"], side)
    assert set(got) == {"g396", "g411", "g433", "g544", "g554", "g607", "f12-06"}, sorted(got)
    assert got["f12-06"] == Sides("chi square test", "fisher's exact test")


def test_cost_rows_of_development_questions_are_named_as_such():
    """Every complexity row matched by its algorithm's name alone (the weakest of :func:`complexity_rows`' three
    ways) is named by the question word for word, by a plural or an abbreviation; over the development questions
    that read as cost questions only f12-12's row changes (Stacking -> 2-D convolution), the others keep theirs."""
    from mlnotes.assistant.answering.lead import COMPLEXITY_DOC, asks_cost, first_cell, table_rows
    from mlnotes.assistant.corpus import load_doc
    from mlnotes.assistant.intent import classify_intent
    from mlnotes.assistant.settings import REPO_ROOT

    rows = table_rows(load_doc(REPO_ROOT / "corpus", COMPLEXITY_DOC))
    firsts = {}
    for q in development_questions():
        t = q["question"]
        if classify_intent(t).intent != "complexity" and not asks_cost(t):
            continue
        got = complexity_rows(t, rows)
        if got:
            firsts[q["id"]] = first_cell(got[0].text)
    assert firsts["f12-12"] == "2-D convolution"
    assert "Stacking" not in " ".join(firsts.values())
    # the rows matched on main (round 14) are kept: one per question that had one
    assert firsts["f6-09"] == "Agglomerative, naive"
    assert firsts["g027"] == "OLS, normal equations"
    assert firsts["g032"].startswith("Matrix factorization")
    assert len(firsts) == 21, sorted(firsts)


@pytest.mark.slow
def test_comparison_answers_name_both_sides_in_their_first_two_sentences(answerer):
    """Over the development questions answered as comparisons with two sides (:func:`sides`), the share whose
    first two answer sentences name both sides (:func:`mentions`): 46 of 60 on main (923e119), 49 of 62 on this
    branch (f5-05 and f12-04 get a pair and name both, f12-06's pair is now the asked tests and named); the floor
    is this branch's count less two (a corpus or index change may move two), at least as many questions."""
    from mlnotes.assistant.answering.lead import mentions, reads_as_comparison
    from mlnotes.assistant.intent import classify_intent

    n = good = 0
    for q in development_questions():
        t = q["question"]
        if not q.get("answerable", True) or not reads_as_comparison(classify_intent(t).intent, t):
            continue
        pair = sides(t)
        if pair is None or len(compared_items(t)) != 2:
            continue
        ans = answerer.answer(t, generator=None)
        if ans.abstained:
            continue
        first = " ".join(s.text for s in ans.sentences[:2])
        n += 1
        good += mentions(first, pair.a, pair.b) and mentions(first, pair.b, pair.a)
    assert n >= BOTH_SIDES_N, n
    assert good >= BOTH_SIDES_GOOD - 2, (good, n)


BOTH_SIDES_N = 62
BOTH_SIDES_GOOD = 49
