"""Multi-part questions whose explicit ask was never answered, and table answers that showed one row (issue #16,
round 10b). Unit tests on hand-made questions, candidates and chunks; properties over the development questions
(gold tune, external, judged_fresh 1-9, fresh9 since round 12; never gold heldout nor a later fresh set) on the
real index."""

from __future__ import annotations

import json

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.compose import ASK_WITHIN, cover_asks, with_table_rows
from mlnotes.assistant.answering.lead import answers_ask, ask_of, asks_yes_no, question_asks, rows_to_show
from mlnotes.assistant.answering.render import answer_units
from mlnotes.assistant.answering.scoring import Scored
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import Hit

DATASETS = REPO_ROOT / "eval" / "datasets"


def vec(axis: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[axis] = 1.0
    return v


def chunk(lines: list[str], start: int = 10) -> Chunk:
    return Chunk(id="x#s", doc_id="x", section_id="s", title="X", heading="S", breadcrumbs=["X", "S"],
                 path="guides/x.md", line_start=start, line_end=start + len(lines) - 1, kind="guide",
                 text="\n".join(lines))


def hit(c: Chunk) -> Hit:
    return Hit(chunk=c, score=1.0, rank=0, mode="hybrid")


def at(text: str, line: int, axis: int = 0, rank: int = 0, order: int = 0) -> Scored:
    return Scored(1.0, rank, Candidate(text, line, line, order), vec(axis))


# -- the asks of a question ------------------------------------------------------------------------------------

def test_a_question_is_split_into_its_asks_and_each_ask_keeps_only_what_it_is_about():
    asks = question_asks("For an AR(1) process with phi = 0.5 and unit noise, what is the variance of y and what's "
                         "the autocorrelation at lag 2?")
    assert [sorted(t) for _, t in asks] == [["varianc"], ["autocorrel", "lag"]]
    # the ask starts at its question word: the context before it ("For an AR(1) process ...") is not asked
    assert ask_of("For an AR(1) process with phi = 0.5, what is the variance of y") == "what is the variance of y"
    # a statement is no ask; "what would I use each one for" names nothing of its own
    assert ask_of("my detector is stuck at 80% recall whatever I change") is None
    asks = question_asks("LoRA vs prefix tuning: both adapt a frozen LLM, but what does each one actually train, and "
                         "what would I use each one for?")
    assert [t for _, t in asks] == [{"train"}]
    # "How is it trained" keeps the training it asks about
    assert any({"train", "label"} <= t for _, t in question_asks("Explain SimCLR briefly. How is it trained with no "
                                                                  "labels, and why does it need large batches?"))
    # a question of one piece has no asks; "vs." does not end a sentence
    assert question_asks("When should I use bagging vs. Boosting for tabular data?") == []
    assert question_asks("What is dropout?") == []


def test_exactly_is_asked_only_by_a_yes_no_ask():
    yes_no = question_asks("Beam search vs greedy decoding, whats the difference? and do I get exactly the same "
                           "output as greedy decoding?")
    assert yes_no[-1][1] == {"exact", "greedi", "decod"} or "exact" in yes_no[-1][1]
    assert asks_yes_no(yes_no[-1][0])
    stress = question_asks("you said layer norm differs from batch norm, what exactly changes?")
    assert all("exact" not in t for _, t in stress)


def test_an_ask_is_answered_by_a_sentence_that_names_its_terms_or_an_extension_of_them():
    assert answers_ask({"train"}, "It makes a trainable copy of the encoder blocks.")
    assert answers_ask({"varianc"}, "The stationary variance is sigma^2 / (1 - phi^2).")
    assert not answers_ask({"varianc"}, "The autocorrelation at lag k is phi^k.")
    # every one of up to three terms, two thirds of more
    assert not answers_ask({"stratifi", "cross", "valid"}, "Nested cross-validation has an inner loop.")
    assert answers_ask({"stratifi", "cross", "valid"}, "Stratified cross-validation keeps class shares per fold.")
    assert answers_ask({"a1", "b1", "c1", "d1"}, "a1 b1 c1") and not answers_ask({"a1", "b1", "c1", "d1"}, "a1 b1")
    assert not answers_ask({"autocorrel", "lag"}, "The autocorrelation decays.")


# -- part coverage in the composed answer ----------------------------------------------------------------------

LINES = [
    "An AR(1) model predicts a value from the one before it.",  # 10
    "Its autocorrelation at lag k is phi^k.",  # 11: dangles ("Its")
    "The stationary variance of the process is sigma^2 / (1 - phi^2), larger as phi nears one.",  # 12
    "Seasonal differencing removes a yearly pattern.",  # 13
    "Forecasts revert to the mean over a few steps.",  # 14
]


def test_an_unanswered_ask_gets_the_sentence_of_a_top_chunk_that_answers_it_right_after_the_lead():
    hits = [hit(chunk(LINES))]
    lead = at(LINES[0], 10)
    rest = [at(LINES[3], 13, 1, order=3), at(LINES[4], 14, 2, order=4)]
    q = "For an AR(1) process, what is the variance of y and what is the autocorrelation at lag 3?"
    got, n_lead = cover_asks(q, [lead, *rest], 1, hits)
    texts = [t.candidate.text for t in got]
    # the lag sentence needs the lead ("Its ..."): it joins the lead right after it; the variance sentence reads
    # on its own and comes right after the lead
    assert texts[:3] == [LINES[0], LINES[1], LINES[2]], texts
    assert n_lead == 2
    assert len(got) == 3  # the answer is no longer: the last supporting sentences went
    # every ask is answered among the first ASK_WITHIN sentences
    for _, terms in question_asks(q):
        assert any(answers_ask(terms, t) for t in texts[:ASK_WITHIN])


def test_an_ask_answered_by_a_chosen_supporting_sentence_moves_it_up_and_an_answered_question_is_unchanged():
    hits = [hit(chunk(LINES))]
    chosen = [at(LINES[0], 10), at(LINES[3], 13, 1), at(LINES[4], 14, 2), at(LINES[2], 12, 3)]
    got, _ = cover_asks("What is an AR(1) model, and what is its variance?", chosen, 1, hits)
    assert [t.candidate.text for t in got] == [LINES[0], LINES[2], LINES[3], LINES[4]]
    # the lead already answers both asks: nothing moves
    ok = [at(LINES[2], 12), at(LINES[3], 13, 1)]
    got, n = cover_asks("What is the variance of an AR(1) process, and is it stationary?", ok, 1, hits)
    assert got == ok and n == 1
    # a question of one ask: nothing changes
    assert cover_asks("What is an AR(1) model?", chosen, 1, hits)[0] == chosen


# -- table rows ------------------------------------------------------------------------------------------------

TABLE = [
    "| family | examples | good for |",  # 20
    "| --- | --- | --- |",  # 21
    "| grid worlds | FrozenLake, Taxi | tabular Q-learning by hand |",  # 22
    "| classic control | CartPole, Acrobot | first DQN agents |",  # 23
    "| pixels | Pong, Breakout | deep RL from pixels, later |",  # 24
]
HEADER = TABLE[0] + "\n" + TABLE[1]


def rows() -> list[Candidate]:
    return [Candidate(TABLE[i], 20 + i, 20 + i, i, "table_row", HEADER) for i in (2, 3, 4)]


def test_a_question_choosing_among_a_tables_items_gets_the_rows_it_needs_with_the_header():
    grid, control, pixels = rows()
    # which ones: every row of a small table with an advice column
    assert rows_to_show("which environments should I start with and which should I leave for later?", pixels,
                        rows()) == [grid, control, pixels]
    # two named items: their rows
    assert rows_to_show("grid worlds vs classic control: which first?", control, rows()) == [grid, control]
    # a question that chooses nothing: the row alone
    assert rows_to_show("What are the examples of classic control?", control, rows()) == [control]


def test_a_table_without_an_advice_column_or_with_many_rows_shows_only_the_named_row():
    header = "| algorithm | time |\n| --- | --- |"
    table = [Candidate(f"| algo{i} | O(n^{i}) |", 30 + i, 30 + i, i, "table_row", header) for i in range(3)]
    assert rows_to_show("which is faster?", table[1], table) == [table[1]]
    many = [Candidate(f"| thing{i} | good {i} |", 40 + i, 40 + i, i, "table_row", "| x | good for |\n| --- | --- |")
            for i in range(9)]
    assert rows_to_show("which thing should I use?", many[3], many) == [many[3]]


def test_the_rows_join_the_chosen_row_in_table_order_in_its_place():
    hits = [hit(chunk(["Environments for RL.", "", *TABLE], start=18))]
    pixels = Scored(1.0, 0, rows()[2], vec(0))
    after = at("Atari needs a GPU.", 30, 1)
    got, n_lead = with_table_rows("which environments should I start with?", [pixels, after], 1, hits)
    assert [t.candidate.text for t in got] == [TABLE[2], TABLE[3], TABLE[4], "Atari needs a GPU."]
    assert n_lead == 3 and all(t.candidate.table_header == HEADER for t in got[:3])



# a table whose items the asker cannot name: what each is good for is in its advice column (round 18, f15-08)
SERIES = [
    "| dataset | size | task | good for |",
    "| --- | --- | --- | --- |",
    "| sunspots | 309 yearly values | univariate forecasting | autoregressive models, long cycles |",
    "| co2 | 2,284 weekly values | univariate forecasting | trend plus seasonality, missing values |",
    "| nile | 100 yearly flows | structural breaks | change-point and state-space models |",
    "| macrodata | 203 quarters, 12 series | multivariate | VAR models, differencing, cointegration |",
    "| Air passengers | 144 monthly values | univariate forecasting | the classic multiplicative seasonality example |",
    "| M4 competition | 100,000 series | forecasting at scale | benchmarking methods across frequencies |",
    "| M5 competition | 42,840 hierarchical sales series | hierarchical, intermittent demand | retail forecasting |",
]
SERIES_HEADER = SERIES[0] + "\n" + SERIES[1]
PARTS = ("which datasets would you pick for (a) multiplicative seasonality, (b) a multivariate VAR model, (c) "
         "intermittent retail forecasting?")


def series_rows() -> list[Candidate]:
    return [Candidate(SERIES[i], 60 + i, 60 + i, i, "table_row", SERIES_HEADER) for i in range(2, len(SERIES))]


def test_a_choice_among_a_tables_items_by_what_they_are_good_for_shows_the_rows_whose_advice_names_the_case():
    from mlnotes.assistant.answering.lead import advice_cells, advises, advises_on_case
    from mlnotes.assistant.answering.lead import subject_terms as subject_of

    table = series_rows()
    sunspots, co2, nile, macro, air, m4, m5 = table
    assert advice_cells(air) == "the classic multiplicative seasonality example"
    assert advice_cells(Candidate(air.text, 1, 1, 0, "table_row", "| a | b | c | d |\n| --- |")) == ""
    subject = subject_of(PARTS)
    # an advice cell naming two of the question's terms advises on its case; one shared word ("models") does not
    assert [advises_on_case(c, subject) for c in table] == [False, False, False, True, True, False, True]
    assert advises(Scored(0.4, 0, air, vec(0)), subject) and not advises(Scored(0.4, 0, nile, vec(0)), subject)
    # seven rows are more than a table shows whole, and no first cell names a subject term: the rows whose advice
    # names the asker's case are shown, in table order, whichever of them was chosen
    assert rows_to_show(PARTS, m5, table) == [macro, air, m5]
    assert rows_to_show(PARTS, air, table) == [macro, air, m5]
    # a chosen row whose advice does not name the case keeps its place among them
    assert rows_to_show(PARTS, m4, table) == [macro, air, m4, m5]
    # a question that chooses nothing shows the row alone
    assert rows_to_show("what does the air passengers dataset show about multiplicative seasonality", air,
                        table) == [air]


def test_a_later_chosen_row_of_the_shown_rows_joins_the_leads_table_once():
    hits = [hit(chunk(["Time-series datasets.", "", *SERIES], start=58))]
    table = series_rows()
    m5, after, air = Scored(1.0, 0, table[6], vec(0)), at("Seasonal swings grow with the level.", 75, 1), \
        Scored(0.5, 0, table[4], vec(2))
    got, n_lead = with_table_rows(PARTS, [m5, after, air], 1, hits)
    # the chosen Air passengers row moves into the lead's table in table order, and is not shown a second time
    assert [t.candidate.text for t in got] == [SERIES[5], SERIES[6], SERIES[8], "Seasonal swings grow with the level."]
    assert n_lead == 3 and got[1] is air


# -- properties over the development questions -----------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", 2, 3, 4, 5, 6, 7, 8, 9)]


def dev_questions(fresh: list[str] = FRESH) -> list[tuple[str, str]]:
    """(id, question) of the gold tune split and the answerable external and fresh questions (``fresh``: file
    names under eval/datasets)."""
    out = []
    for line in (DATASETS / "gold.jsonl").read_text().splitlines():
        d = json.loads(line)
        if d.get("split") == "tune":
            out.append((d["id"], d["question"]))
    for name in ["external.jsonl", *fresh]:
        for line in (DATASETS / name).read_text().splitlines():
            d = json.loads(line) if line.strip() else None
            if d and d.get("answerable", True):
                out.append((d["id"], d["question"]))
    return out


_ANSWERS: dict[str, object] = {}


def answer_of(answerer, question: str):
    """The served extractive pipeline's answer to ``question``, once per test module (both properties read it)."""
    if question not in _ANSWERS:
        _ANSWERS[question] = answerer.answer(question, generator=None)
    return _ANSWERS[question]


def test_every_ask_of_a_development_question_that_a_top_chunk_answers_is_answered_in_the_first_sentences(answerer):
    from mlnotes.assistant.answering.compose import _ask_sentence
    from mlnotes.assistant.answering.retrieve import retrieve

    multi = [(i, q) for i, q in dev_questions() if question_asks(q)]
    assert len(multi) > 50
    checked, missed = 0, []
    for qid, q in multi:
        ans = answer_of(answerer, q)
        if ans.kind != "extractive":
            continue  # the interview bank's reviewed answer or an abstention: not composed here
        r = retrieve(answerer.index, q, "hybrid", 6)
        first = answer_units(ans.sentences)[:ASK_WITHIN]
        for part, terms in question_asks(q):
            # an ask that a readable sentence of a top chunk answers
            if _ask_sentence(terms, r.hits, 3, [], vec(0)) is None:
                continue
            checked += 1
            if not any(answers_ask(terms, u) for u in first):
                missed.append((qid, part))
    assert checked >= 30  # 43 asks on main at 02f575a + round 10b
    # a lead of two sentences or more (a comparison's two sides, a formula and its display) and an antecedent can
    # push the ask's sentence past the third: a few, not more; the known ones are listed, so a new miss or a fixed
    # one shows
    assert {qid for qid, _ in missed} == KNOWN_LATE_ASKS, missed


# the development asks answered later than the first sentences on main after round 12's merge (3 of 57 checked; the
# property allowed one in twenty before fresh9 joined it, and lists them since): g634 "how do the gates help with
# vanishing gradients" (the GRU/LSTM definitions lead; "That is how the LSTM mitigates vanishing gradients" is the
# fourth sentence); f7-07 "what should just be a ticket" (thresholds and alert hygiene lead; the page/ticket
# sentence is the fourth); f9-01 "i dont get what its output even means" (round 12's lead says what the critic
# estimates, W1 under a Lipschitz constraint, but no sentence of the first three speaks of its output: lead16k's
# lead and parts16k's ask order, merged, miss it; each branch alone passed)
KNOWN_LATE_ASKS = {"g634", "f7-07", "f9-01"}


def table_size(path: str, line: int) -> int:
    """The number of body rows of the table that holds ``line`` (1-based) of corpus file ``path``, read from the
    file itself."""
    lines = (REPO_ROOT / "corpus" / path).read_text(encoding="utf-8").splitlines()
    lo = hi = line - 1
    while lo > 0 and lines[lo - 1].lstrip().startswith("|"):
        lo -= 1
    while hi + 1 < len(lines) and lines[hi + 1].lstrip().startswith("|"):
        hi += 1
    return hi - lo + 1 - 2  # less the header and delimiter rows


def test_a_development_question_choosing_among_table_items_shows_more_than_one_row(answerer):
    """A question that chooses among or compares items (``_CHOOSES_RE``), answered with a row of a table that has
    an advice column and two to six rows in the corpus, shows at least two rows of that table."""
    from mlnotes.assistant.answering.lead import _ADVICE_HEADER_RE, _CHOOSES_RE

    seen = 0
    for qid, q in dev_questions():
        if not _CHOOSES_RE.search(q):
            continue
        ans = answer_of(answerer, q)
        rows_shown = [s for s in ans.sentences if s.kind == "table_row"]
        if not rows_shown or ans.kind != "extractive":
            continue
        first = rows_shown[0]
        src = next(x for x in ans.sources if x.n == first.source)
        if not _ADVICE_HEADER_RE.search(first.table_header.split("\n")[0]):
            continue
        if not 2 <= table_size(src.path, first.line_start) <= 6:
            continue
        seen += 1
        same = [s for s in rows_shown if s.table_header == first.table_header]
        assert len(same) >= 2, (qid, q, [s.text for s in same])
    assert seen >= 2


def test_a_choice_by_lettered_parts_is_led_by_one_table_whose_rows_cover_every_part(answerer):
    """f15-08 (round 18): "which ones would you pick for (a) multiplicative seasonality, (b) a multivariate VAR model,
    (c) hierarchical intermittent retail demand?" names no dataset; the datasets table's advice column names each
    part. The answer opens with that table (no history sentence first), shown once, and every lettered part shares a
    term with the task or advice cells of one of its rows."""
    import re

    from mlnotes.assistant.answering.lead import terms

    q = next(json.loads(line)["question"] for line in (DATASETS / "judged_fresh15.jsonl").read_text().splitlines()
             if line.strip() and json.loads(line)["id"] == "f15-08")
    ans = answer_of(answerer, q)
    assert ans.sentences[0].kind == "table_row"
    header = ans.sentences[0].table_header
    first_table = []
    for s in ans.sentences:
        if s.kind != "table_row" or s.table_header != header:
            break
        first_table.append(s)
    parts = [p for p in re.split(r"\([a-c]\)", q)[1:]]
    assert len(parts) == 3
    for part in parts:
        assert any(terms(part) & terms(" ".join(s.text.split("|")[3:])) for s in first_table), (part, first_table)
    # a row is shown once
    texts = [s.text for s in ans.sentences if s.kind == "table_row"]
    assert len(texts) == len(set(texts))
