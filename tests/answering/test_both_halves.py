"""Both halves of a two-part question (issue #16, round 14): an ask that elides its question word after ", and"
("what's the max learning rate before it diverges, and the best fixed one?"), an ask whose sentence is in a hit
below the top three, and a sentence that closes with a link aside. Unit tests on hand-written questions, chunks and
sentences; a property over the development questions (gold tune, external, judged_fresh 1-11; never gold heldout
nor a later fresh set) on the real index."""

from __future__ import annotations

from dataclasses import replace

from mlnotes.assistant.answering.compose import (
    ASK_FAR_RANKS,
    ASK_RANKS,
    ASK_WITHIN,
    _ask_sentence,
    _elliptic_asks,
    _far_ask_sentence,
    answers_item_ask,
    cover_asks,
    item_asks,
)
from mlnotes.assistant.answering.lead import ask_of, asks_why, question_asks
from mlnotes.assistant.answering.render import answer_units
from mlnotes.kb.index import Hit

from .test_part_coverage import FRESH, answer_of, at, chunk, dev_questions, hit, vec

F11_12 = ("gradient descent on a quadratic whose hessian has eigenvalues 0.5 and 50: what's the max learning rate "
          "before it diverges, and the best fixed one? formula pls")
F11_04 = ("extra trees vs random forest: what's actually different, and is extremely randomized trees ever the "
          "better pick?")


# -- an ask that elides its question word after ", and" ---------------------------------------------------------

def test_a_bare_noun_phrase_after_and_is_an_ask_of_its_own_with_the_question_word_before_it():
    (head, head_terms), = question_asks(F11_12)[:1]
    got = _elliptic_asks(head, head_terms)
    assert [p for p, _ in got] == [head[: head.index(", and")], "the best fixed one"]
    assert got[1][1] == {"best", "fix"}  # "one" says nothing of what is asked
    assert "best" not in got[0][1] and {"max", "diverg"} <= got[0][1]
    # item_asks reads the two asks in the question's order
    assert [p for p, _, _ in item_asks(F11_12)][1] == "the best fixed one"


def test_a_clause_with_a_verb_a_long_phrase_or_an_ask_without_what_is_not_split():
    for part in ("what is the loss of the model, and the gradient is zero",  # a verb: a statement
                 "what is the loss, and the gradient of the loss with respect to every weight of the net",  # long
                 "how do I tune it, and the learning rate",  # "how": the phrase may not ask "how the learning rate"
                 "what is the loss, and then the gradient"):  # no determiner right after "and"
        terms = question_asks(part + "? ok")[0][1]
        assert _elliptic_asks(part, terms) == [(part, terms)], part


GD = [
    "For a quadratic with largest Hessian eigenvalue L, gradient descent diverges when the learning rate exceeds "
    "2/L.",  # 10
    "Gradient descent steps against the gradient with a learning rate eta.",  # 11
    "Momentum adds a velocity term to the update.",  # 12
    "With the best fixed step 2/(mu + L), gradient descent converges at a rate (k-1)/(k+1) per step.",  # 13
    "Adam adapts the step per coordinate.",  # 14
]


def test_the_elided_ask_gets_its_sentence_among_the_first_and_the_answer_is_no_longer():
    hits = [hit(chunk(GD))]
    chosen = [at(GD[0], 10), at(GD[1], 11, 1), at(GD[2], 12, 2), at(GD[4], 14, 3)]
    got, n_lead = cover_asks(F11_12, chosen, 1, hits)
    texts = [t.candidate.text for t in got]
    assert GD[3] in texts[:ASK_WITHIN], texts
    assert texts[0] == GD[0] and n_lead == 1 and len(got) == len(chosen)


# -- an ask whose sentence is in a hit below the top three ------------------------------------------------------

def far_hits(answer: list[str], same_section: bool = False) -> list[Hit]:
    top = [hit(chunk(["Random forests average many decorrelated trees.", "Bagging trains trees on bootstrap "
                      "samples."]))] * ASK_RANKS
    other = chunk(["Adding trees never overfits a random forest."], start=40)
    far = chunk(answer, start=60)
    if not same_section:
        other = replace(other, id="y#t", doc_id="y", section_id="t")
        far = replace(far, id="z#u", doc_id="z", section_id="u")
    return [*top, hit(other), hit(far)]


ET = ("*Extremely randomized trees* go one step further and draw split thresholds at random, trading a little bias "
      "for lower variance and much faster training ([extra trees from scratch](../../algorithms/trees/"
      "extra_trees.py)).")


def test_an_ask_no_top_chunk_answers_takes_a_sentence_of_another_section_further_down():
    ask = {"extrem", "random", "tree", "better"}
    have = [at("Extra-Trees go further, drawing random thresholds too.", 5)]
    # the top three chunks do not answer it
    assert _ask_sentence(ask, far_hits([ET]), ASK_RANKS, have, vec(0)) is None
    found = _far_ask_sentence(ask, far_hits([ET]), have, lambda text: answers_item_ask(ask, [], text))
    assert found is not None and found[0].candidate.text == ET
    assert found[0].rank == ASK_RANKS + 1 < ASK_FAR_RANKS  # its rank among all the hits, for its citation
    # a section the top hits already showed is not read again; a sentence that is only a pointer is not taken
    assert _far_ask_sentence(ask, far_hits([ET], same_section=True), have,
                             lambda text: answers_item_ask(ask, [], text)) is None
    ptr = "Extremely randomized trees are in [extra trees](../../algorithms/trees/extra_trees.py)."
    assert _far_ask_sentence(ask, far_hits([ptr]), have, lambda text: answers_item_ask(ask, [], text)) is None


def test_cover_asks_puts_the_far_sentence_right_after_the_lead_and_keeps_the_length():
    hits = far_hits([ET])
    lead = at("Extra-Trees go further, drawing random thresholds too.", 10)
    chosen = [lead, at("Random forests average many decorrelated trees.", 10, 1),
              at("Bagging trains trees on bootstrap samples.", 11, 2)]
    got, n_lead = cover_asks(F11_04, chosen, 1, hits)
    assert [t.candidate.text for t in got] == [lead.candidate.text, ET, chosen[1].candidate.text]
    assert n_lead == 1 and got[1].rank == ASK_RANKS + 1
    # the question's first piece is the lead's to answer: an ask there takes no far sentence
    first = "is extremely randomized trees ever the better pick? I train on 10k rows"
    assert [p for p, _, _ in item_asks(first)] == ["is extremely randomized trees ever the better pick"]
    assert cover_asks(first, chosen, 1, hits) == (chosen, 1)


# -- property over the development questions --------------------------------------------------------------------

def test_the_asks_this_round_reaches_are_answered_among_the_first_sentences(answerer):
    """For each explicit ask of a development question (:func:`item_asks`, no named things) that the round-14
    steps reach (an ask split off after ", and" that a top-``ASK_RANKS`` chunk answers, or a later piece's ask that
    no top chunk answers and a sentence of another section of the next hits does, :func:`_far_ask_sentence`), one of
    the answer's first ``ASK_WITHIN`` units answers it. Tolerance: at most one in five missed (a lead of two
    sentences and antecedents can fill the first units). On main before round 14, f11-04 and f11-12 (2 of these 5)
    were missed."""
    from mlnotes.assistant.answering.retrieve import retrieve

    fresh = [*FRESH, "judged_fresh10.jsonl", "judged_fresh11.jsonl"]
    checked, missed = [], []
    for qid, q in dev_questions(fresh):
        asks = item_asks(q)
        tails = {p for p0, t0 in question_asks(" ".join(q.split())) for p, _ in _elliptic_asks(p0, t0)[1:]}
        if not asks:
            continue
        r = None
        for part, ask, items in asks:
            if items or not part:
                continue
            why = asks_why(ask_of(part) or "")

            def answers(text: str, ask=ask, why=why) -> bool:
                return answers_item_ask(ask, [], text, why)

            if r is None:
                r = retrieve(answerer.index, q, "hybrid", 6)
            if part in tails or " ".join(q.split()).startswith(part):
                # an elided ask is read in the top chunks only; the first piece takes no far sentence
                reached = part in tails and _ask_sentence(ask, r.hits, ASK_RANKS, [], vec(0), answers) is not None
            else:
                reached = (_ask_sentence(ask, r.hits, ASK_RANKS, [], vec(0), answers) is None
                           and _far_ask_sentence(ask, r.hits, [at("x", 1)], answers) is not None)
            if not reached:
                continue
            ans = answer_of(answerer, q)
            if ans.kind != "extractive":
                continue
            checked.append((qid, part))
            if not any(answers(u) for u in answer_units(ans.sentences)[:ASK_WITHIN]):
                missed.append((qid, part))
    print(f"checked {len(checked)}: {checked}; missed {len(missed)}: {missed}")
    # how many asks retrieval lets this reach depends on the CPU (docs/answer-quality.md, "Round 16: tests that broke
    # on another CPU"): five or more on the AMX machine this was written on, only f11-04's on an AVX2-only one; the
    # share of misses is bounded on whatever is reached
    assert len(checked) >= 1, checked
    assert len(missed) * 5 <= len(checked), (missed, checked)


def test_an_exercise_prompt_read_from_a_chunk_is_no_candidate_its_worked_solution_is():
    """Sentences read straight from a chunk's text (the ask and far-section sentences) never come from an
    "Exercise ..." prompt (f12-11 showed Exercise 12.1's prompt as an answer sentence); the prose above the exercise
    and the folded worked solution are candidates."""
    from mlnotes.assistant.answering.compose import chunk_candidates

    c = chunk(["The return weights a reward k steps ahead by gamma to the power k.", "",
               "### Exercise 1.1: Discounting", "", "*Type: derivation · Difficulty: easy*", "",
               "Show that a constant reward has return r/(1-gamma), and find after how many steps the tail is small.",
               "", "<details>", "<summary>Solution</summary>", "",
               "The geometric series gives the return r/(1-gamma) for any reward r.", "", "</details>"])
    texts = [x.text for x in chunk_candidates(hit(c))]
    assert texts == ["The return weights a reward k steps ahead by gamma to the power k.",
                     "The geometric series gives the return r/(1-gamma) for any reward r."]
    # a chunk that starts inside an exercise, its summary line in an earlier chunk, is taken as prompt
    inside = replace(c, heading="Exercise 1.1: Discounting", text="\n".join(c.text.split("\n")[6:8]),
                     line_start=16, line_end=17)
    assert chunk_candidates(hit(inside)) == []
