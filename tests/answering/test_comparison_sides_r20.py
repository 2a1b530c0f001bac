"""Every side of a comparison gets a clause about it among the first sentences (issue #16, round 20, parts20).

f16-05 ("BERT uses WordPiece, GPT-2 uses byte level BPE, T5 uses sentencepiece unigram. are these really different
algorithms ...?") stated WordPiece and Unigram but never how BPE builds its vocabulary; its only clause on BPE was
"byte-level BPE can encode any string". f10-01 ("the actual difference between joint, marginal and conditional
probability") had conditioning but not marginalisation. The unit tests use hand-written questions, sentences and
chunks; the property reads the development questions (gold tune, external, fresh1-17; never a held-out split)."""

from __future__ import annotations

import pytest

from mlnotes.assistant.answering.compose import (
    ASK_WITHIN,
    CLAUSE_WORDS,
    _reads_alone,
    _side_words,
    comparison_sides,
    cover_sides,
    states_side,
)
from mlnotes.assistant.answering.render import answer_units
from mlnotes.kb.index import Hit

from .pools import at, chunk
from .test_part_coverage import dev_questions as part_coverage_dev_questions


def side_terms(question: str) -> list[set[str]]:
    return [set(s.all_terms) for s in comparison_sides(question)]


# -- the reader: the sides a comparison names ---------------------------------------------------------------------

@pytest.mark.parametrize("question, sides", [
    # a chain of "vs", less the head the last side carries for all
    ("simple vs weighted vs centred moving average, whats the difference?", [{"simpl"}, {"weight"}, {"centr"}]),
    ("readiness vs liveness vs startup probe, which one fixes this?", [{"readi"}, {"live"}, {"startup"}]),
    # ... but not when the head is another side
    ("ELU vs ReLU vs leaky ReLU, is there any reason not to use relu?", [{"elu"}, {"relu"}, {"leaki", "relu"}]),
    # a list after "between"
    ("what's the difference between joint, marginal and conditional probability?",
     [{"joint"}, {"margin"}, {"condit"}]),
    # three statements "X uses A"
    ("BERT uses WordPiece, GPT-2 uses byte level BPE, T5 uses sentencepiece unigram. are they different?",
     [{"wordpiec"}, {"byte", "level", "bpe"}, {"sentencepiec", "unigram"}]),
    # two sides when the question asks how they differ
    ("AlphaZero vs MuZero - whats the actual diffrence? both do tree search", [{"alphazero"}, {"muzero"}]),
    ("forward KL vs reverse KL: what does each direction do?", [{"forward"}, {"revers"}]),
])
def test_the_sides_of_a_comparison_are_read_in_order(question, sides):
    assert side_terms(question) == sides


@pytest.mark.parametrize("question", [
    # two sides and no ask for how they differ: a setting or a choice, not a comparison
    "we run a KS test each day, training data vs ~2M production rows. why is every p-value tiny?",
    "Holm vs Bonferroni correction: which one should I use?",
    # nothing named at the "vs"
    "chi square or fisher for a 2x2 table? feature flag on vs off, what's the difference in conversion?",
    # a side of more than SIDE_WORDS words
    "what is the difference between the model that my team trained last year vs a fresh one?",
    "what is a moving average?",
])
def test_other_questions_name_no_comparison(question):
    assert comparison_sides(question) == []


def test_a_side_is_stated_by_a_clause_of_at_least_clause_words_that_opens_on_it():
    sides = comparison_sides("BERT uses WordPiece, GPT-2 uses byte level BPE, T5 uses sentencepiece unigram. same?")
    bpe = sides[1]
    # in passing, six words: not what BPE does
    assert not states_side(bpe, sides, "WordPiece and Unigram LM are variants; byte-level BPE can encode any string.")
    # named but not the subject
    assert not states_side(bpe, sides, "Sennrich et al. introduced BPE for neural machine translation in 2016.")
    assert states_side(bpe, sides, "BPE starts from characters (or bytes) and repeatedly merges the most frequent "
                                   "adjacent pair into a new symbol.")
    # a later clause that opens on the side
    assert states_side(sides[2], sides, "WordPiece chooses merges by likelihood gain; SentencePiece's Unigram model "
                                        "prunes a large vocabulary by likelihood.")
    assert CLAUSE_WORDS == 8


def test_a_sentence_on_a_longer_side_is_not_about_the_shorter_one():
    sides = comparison_sides("ELU vs ReLU vs leaky ReLU, what's the difference?")
    relu, leaky = sides[1], sides[2]
    text = "Leaky ReLU keeps a small slope on the negative side so that every unit receives some gradient."
    assert states_side(leaky, sides, text) and not states_side(relu, sides, text)
    # a compound that holds the side's word is another thing ("Self-supervised" is not "supervised")
    sides = comparison_sides("the differences between supervised, unsupervised, and reinforcement learning?")
    assert not states_side(sides[0], sides, "Self-supervised learning creates labels from the data itself, such as "
                                            "predicting masked words.")
    assert states_side(sides[0], sides, "Supervised learning uses labelled input–output pairs.")  # a whole sentence
    # the kind the side names is not the side: "extra trees" opens on "extra", not on "Trees"
    sides = comparison_sides("extra trees vs random forest: what's actually different?")
    assert not states_side(sides[0], sides, "Trees are low-bias, high-variance learners: a small change in the data "
                                            "can change the top split.")
    assert states_side(sides[0], sides, "Extra-Trees go further, drawing random thresholds too.")
    # a side named by an adjective and a sentence on its noun ("marginal", "Marginalisation")
    sides = comparison_sides("what's the difference between joint, marginal and conditional probability?")
    assert _side_words(sides[1], sides, "*Marginalisation* sums out a variable, $p(x) = \\sum_y p(x, y)$.")


# -- the composer -------------------------------------------------------------------------------------------------

TOKENIZERS = [
    "WordPiece (BERT) chooses merges by likelihood gain; the Unigram model of SentencePiece prunes a large "
    "vocabulary by likelihood.",
    "Sennrich et al. introduced BPE for neural machine translation in 2016.",
    "BPE starts from characters and repeatedly merges the most frequent adjacent pair into a new symbol.",
    "Modern language models all use subword tokenizers of one of these kinds.",
    "Rare words split into known pieces, so there are no unknown tokens.",
]
Q = "BERT uses WordPiece, GPT-2 uses byte level BPE, T5 uses sentencepiece unigram. are these different algorithms?"


def test_a_side_no_first_sentence_states_gets_its_sentence_after_the_lead():
    hits = [Hit(chunk=chunk(TOKENIZERS), score=1.0, rank=0, mode="hybrid")]
    lead = at(TOKENIZERS[0], 10, order=0)
    rest = [at(TOKENIZERS[1], 11, 1, order=1), at(TOKENIZERS[3], 13, 2, order=3), at(TOKENIZERS[4], 14, 3, order=4)]
    got, n_lead = cover_sides(Q, [lead, *rest], 1, hits)
    texts = [t.candidate.text for t in got]
    assert texts[0] == TOKENIZERS[0] and texts[1] == TOKENIZERS[2], texts
    assert n_lead == 1 and len(got) == 4  # the lead stays, and the answer is no longer


def test_stated_sides_change_nothing():
    hits = [Hit(chunk=chunk(TOKENIZERS), score=1.0, rank=0, mode="hybrid")]
    chosen = [at(TOKENIZERS[0], 10, order=0), at(TOKENIZERS[2], 12, 1, order=2), at(TOKENIZERS[1], 11, 2, order=1)]
    got, n_lead = cover_sides(Q, chosen, 1, hits)
    assert got == chosen and n_lead == 1
    # and a question that compares nothing is left alone
    got, _ = cover_sides("what is byte-pair encoding?", chosen[:1], 1, hits)
    assert got == chosen[:1]


# -- a property over the development questions --------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", *range(2, 18))]


def test_the_development_questions_hold_comparisons():
    n = sum(1 for _, q in part_coverage_dev_questions(FRESH) if comparison_sides(q))
    assert n >= 20, n  # 26 at round 20


def test_a_development_comparison_states_every_side_a_top_chunk_opens_a_sentence_on(answerer):
    """For each side of a development comparison that a sentence of the top three hits' chunks opens on (at least
    CLAUSE_WORDS words, reads on its own and needs no sentence before it), one of the answer's first ASK_WITHIN + (number of sides) units states
    it. On main 4f65843 g316 (complete linkage), f10-01 (marginal) and f16-05 (BPE) fail it."""
    from mlnotes.assistant.answering.compose import chunk_candidates
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.answering.scoring import dangles, needs_before

    checked, missed = 0, []
    for qid, q in part_coverage_dev_questions(FRESH):
        sides = comparison_sides(q)
        if not sides:
            continue
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive":
            continue  # the interview bank's reviewed answer or an abstention: not composed here
        units = answer_units(ans.sentences)[: ASK_WITHIN + len(sides)]
        hits = retrieve(answerer.index, q, "hybrid", 6).hits[:3]
        texts = [c.text for h in hits for c in chunk_candidates(h) if c.kind == "sentence" and "?" not in c.text
                 and not needs_before(c) and not dangles(c.text)]
        for side in sides:
            if not any(len(t.split()) >= CLAUSE_WORDS and _side_words(side, sides, t) and _reads_alone(t)
                       for t in texts):
                continue
            checked += 1
            if not any(states_side(side, sides, u) for u in units):
                missed.append((qid, sorted(side.all_terms)))
    assert checked >= 10, checked
    assert not missed, missed


def test_a_sentence_whose_later_clause_states_a_missing_side_moves_up():
    lines = ["Pre-norm trains more stably than the original post-norm at depth.",
             "LayerNorm does not depend on batch size and behaves identically at training and inference.",
             "Transformers use layer normalization throughout the stack of blocks.",
             "Pre-norm keeps an identity path through the whole stack; post-norm transformers depend heavily on a "
             "learning-rate warm-up."]
    hits = [Hit(chunk=chunk(lines), score=1.0, rank=0, mode="hybrid")]
    chosen = [at(x, 10 + i, i, order=i) for i, x in enumerate(lines)]
    got, n_lead = cover_sides("pre-norm vs post-norm blocks - where does the layernorm go in each?", chosen, 1, hits)
    assert [t.candidate.text for t in got] == [lines[0], lines[3], lines[1], lines[2]]
    assert n_lead == 1
