"""Supporting sentences and table rows off the question's subject (issue #16, round 19, filler19). After a good lead,
a sentence of a chunk the question only brushes is about another subject (f16-04: "DARTS relaxes the choice of
operations ..." after AlphaZero vs MuZero), a row of the lead's cost table is another algorithm's (f16-09: the DQN
and SAC rows after the MCTS row), and a neighbour's rows come before the asked row (f16-10: the matrix-factorization
rows above the factorization-machine row). Unit tests on hand-built candidates; an end-to-end property on the
round-18 questions that showed the class."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering.support import drop_off_subject, matching_rows_first, on_subject
from tests.answering.pools import cand
from tests.answering.test_siblings_and_prose import sc

MUZERO_Q = "AlphaZero vs MuZero - whats the actual diffrence? both do tree search with a neural net"
MUZERO_LEAD = "AlphaZero plans with the true game rules; MuZero learns a latent model that predicts reward and value."
DARTS = "DARTS relaxes the choice of operations to a softmax and optimizes it by gradient descent."
SAME_CHUNK = "It was introduced in 2019 and later extended to stochastic environments."
RULES = "Planning with a learned model lets it play where no simulator of the rules is available."


def test_a_sentence_of_another_chunk_that_names_nothing_of_the_question_or_the_lead_goes():
    lead = [cand(MUZERO_LEAD, 0, 0.9)]
    rest = [cand(SAME_CHUNK, 0, 0.5, line=2), cand(DARTS, 2, 0.5), cand(RULES, 1, 0.5)]
    got = [t.candidate.text for t in drop_off_subject(MUZERO_Q, lead, rest)]
    # the lead's own chunk is its context; "rules" is the lead's term; DARTS names neither side
    assert got == [SAME_CHUNK, RULES]


def test_nothing_goes_without_a_lead_and_a_number_is_no_subject():
    assert len(drop_off_subject(MUZERO_Q, [], [cand(DARTS, 2, 0.5)])) == 1
    q = "800 simulations per move and one forward pass takes 4 ms: how long does a move take?"
    lead = [cand("Tree search costs one network evaluation per simulation.", 0, 0.9)]
    assert not on_subject(q, lead, cand(r"With $\gamma = 4$ this gives $3.36/1.2 \approx 2.80$.", 3, 0.4))
    assert on_subject(q, lead, cand("Each simulation walks one path and expands one node.", 3, 0.4))


HEADER = "| Algorithm | Training time | Inference time |"
MCTS = "| Monte Carlo tree search | $O(N_{sim} d c_f)$ per move | (planning) |"
DQN = "| DQN | $c_f$ per env step | $c_f$ |"
SAC = "| SAC / DDPG / TD3 | 3-5x DQN per update | $c_f$ |"
MCTS_Q = "AlphaZero style agent: 800 MCTS simulations per move. how does the cost per move of monte carlo tree search scale?"


def test_a_supporting_row_is_about_its_first_cell_even_from_the_leads_own_table():
    lead = [sc(MCTS, 413, 0, rank=0, kind="table_row", header=HEADER)]
    rest = [sc(DQN, 410, 1, rank=0, kind="table_row", header=HEADER),
            sc(SAC, 411, 2, rank=0, kind="table_row", header=HEADER)]
    assert drop_off_subject(MCTS_Q, lead, rest) == []


MF_SGD = "| Matrix factorization, SGD | $O(|\\Omega|kT)$ | $O(k)$ per pair |"
MF_ALS = "| Matrix factorization, ALS (explicit) | $O((|\\Omega|k^2 + (U + I)k^3)T)$ | $O(k)$ |"
FM = "| Factorization machine (degree 2) | $O(nnz(x) k)$ per example | $O(nnz(x) k)$ |"
FM_Q = "factorization machine for CTR: 200k one-hot features, k = 16. whats the cost of one prediction?"


def test_a_neighbours_rows_go_from_a_cost_answer_so_the_asked_row_comes_first():
    rows = [sc(MF_SGD, 386, 0, kind="table_row", header=HEADER), sc(MF_ALS, 387, 1, kind="table_row", header=HEADER),
            sc(FM, 390, 2, kind="table_row", header=HEADER)]
    after = sc("Symbols: $k$ latent factors.", 379, 3, rank=1)
    got, n_lead = matching_rows_first(FM_Q, [*rows, after], 3)
    assert [t.candidate.text for t in got] == [FM, after.candidate.text] and n_lead == 1


RIDGE = "| Ridge, closed form | $O(nd^2 + d^3)$ | $O(d)$ |"
DUAL = "| Ridge, dual / kernel form ($d > n$) | $O(n^2 d + n^3)$ | $O(d)$ |"


@pytest.mark.parametrize("question, rows", [
    # a choice among items is asked_rows' to cut
    ("matrix factorization vs factorization machines: which costs less per prediction?", [MF_SGD, FM]),
    # no row names the question's terms
    ("how do recommender training costs compare?", [MF_SGD, FM]),
    # not a cost question
    ("what is a factorization machine?", [MF_SGD, FM]),
    # variants of one thing under one name
    ("2,000 samples, 100k features: is closed-form ridge regression feasible, which way is cheaper?", [DUAL, RIDGE]),
])
def test_rows_stay_where_the_rule_does_not_apply(question, rows):
    chosen = [sc(r, 386 + i, i, kind="table_row", header=HEADER) for i, r in enumerate(rows)]
    got, n_lead = matching_rows_first(question, chosen, len(rows))
    assert [t.candidate.text for t in got] == rows and n_lead == len(rows)


# -- end to end: the round-18 answers that showed the class ----------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("question, off", [
    ("AlphaZero vs MuZero - whats the actual diffrence? both do tree search with a neural net as far as i can tell",
     "DARTS"),
    ("AlphaZero style agent for a board game: 800 MCTS simulations per move and one forward pass of the policy/value "
     "net takes 4 ms on our GPU. how does the cost per move scale and roughly how long does a move take if the "
     "evaluations run one after another?", "| DQN"),
    ("factorization machine for CTR: 200k one-hot features, k = 16 latent dims, about 30 non-zero features per row. "
     "whats the cost of one prediction if you compute the pairwise interactions naively vs with rendle's trick?",
     "| Matrix factorization"),
])
def test_the_answer_shows_no_sentence_or_row_of_another_subject(answerer, question, off):
    ans = answerer.answer(question, generator=None)
    assert ans.kind == "extractive" and ans.sentences
    assert not any(s.text.startswith(off) for s in ans.sentences), [s.text[:60] for s in ans.sentences]
