"""Composition failures outside the lead choice (issue #16, part 2, round 10): sentences that need the one before
them, code for questions that ask for code in their own words, and the cost row of the asked algorithm. Unit tests on
hand-made candidates and chunks; the properties on development questions are in tests/assistant/test_answer_first.py."""

from __future__ import annotations

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.compose import asks_for_code, code_for, with_antecedents
from mlnotes.assistant.answering.lead import TableRow, complexity_rows, row_algorithm
from mlnotes.assistant.answering.scoring import DEFAULT_WEIGHTS, Scored, antecedent, choose, dangles
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import Hit


def vec(axis: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[axis] = 1.0  # orthogonal vectors: nothing is dropped as redundant
    return v


def sc(text: str, score: float, order: int, line: int, axis: int, rank: int = 0) -> Scored:
    return Scored(score, rank, Candidate(text, line, line, order), vec(axis))


def chunk(lines: list[str], start: int = 10, path: str = "guides/x.md") -> Chunk:
    return Chunk(id="x#s", doc_id="x", section_id="s", title="X", heading="S", breadcrumbs=["X", "S"], path=path,
                 line_start=start, line_end=start + len(lines) - 1, kind="guide", text="\n".join(lines))


def test_dangling_references_are_told_from_sentences_that_stand_alone():
    for text in ("It checks that the inverted file computes exactly the cosine scores.",  # ml-13
                 "The cross-entropy with these targets equals (1 - eps) times the usual cross-entropy.",  # f6-03
                 "The Wald interval's coverage collapses to well under 95% in this regime.",  # f5-05
                 "The non-saturating loss has derivative sigma(a) - 1 in the same regime, so it keeps learning.",
                 "Without the softmax, retention is a linear attention with exponential decay.",  # f6-05
                 "These estimates are biased upward.", "Such models need far more data."):
        assert dangles(text), text
    for text in ("Permutation importance measures how much a score drops when one feature is shuffled.",
                 "A tree is grown on a bootstrap sample, and this tree sees about 63% of the rows.",
                 "Those with a high score are kept and the rest are dropped.",
                 "Without regularization, a flexible model fits the noise of its training set."):
        assert not dangles(text), text


def test_a_dangling_support_sentence_comes_with_its_adjacent_antecedent_or_not_at_all():
    intro = sc("Early in training the discriminator easily rejects fakes and the gradient vanishes.", 0.5, 0, 1, 0)
    dang = sc("The non-saturating loss has derivative -1 in the same regime, so the generator keeps learning.",
              0.9, 1, 1, 1)
    other = sc("The minimax loss is log(1 - D(G(z))) per fake sample.", 0.8, 2, 2, 2)
    assert antecedent(dang, [intro, dang, other]) is intro
    got = choose([dang, other, intro], 4, DEFAULT_WEIGHTS)
    assert got[:2] == [intro, dang] and other in got  # the pair in reading order, both counted
    # the sentence before it is missing from the pool, or it is itself dangling, or too far above: dropped
    assert dang not in choose([dang, other], 4, DEFAULT_WEIGHTS)
    bad = sc("It is what everyone uses in practice for image models.", 0.5, 0, 1, 0)
    assert dang not in choose([dang, other, bad], 4, DEFAULT_WEIGHTS)
    far = Scored(0.5, 0, Candidate(intro.candidate.text, -5, -5, 0), vec(0))
    assert dang not in choose([dang, other, far], 4, DEFAULT_WEIGHTS)
    # no room for two more sentences: the dangling one is not shown without its antecedent
    assert choose([dang, other, intro], 1, DEFAULT_WEIGHTS) == [other]


def test_a_dangling_lead_gets_the_sentence_before_it_from_its_chunk_or_moves_behind_a_standalone_one():
    lines = ["Label smoothing mixes the one-hot target with the uniform distribution over the classes.",
             "The cross-entropy with these targets equals (1 - eps) times the usual cross-entropy plus eps times "
             "the cross-entropy to the uniform."]
    hits = [Hit(chunk(lines), 1.0, 0, "hybrid")]
    lead = Scored(0.9, 0, Candidate(lines[1], 11, 11, 1), vec(1))
    out, n = with_antecedents([lead], 1, hits, "What is label smoothing?")
    assert n == 2 and out[0].candidate.text == lines[0] and out[0].candidate.line_start == 10 and out[1] is lead
    # a display between them (f6-03 in guides/advanced-deep-learning.md): no adjacent sentence, so the lead moves
    # behind the supporting sentence that names the most of the question's subject
    lines2 = [lines[0][:-1] + ":", "", "$$q = (1-\\varepsilon) y + \\varepsilon / K$$", "", lines[1]]
    hits = [Hit(chunk(lines2), 1.0, 0, "hybrid"), Hit(chunk(["x"], 100, "guides/y.md"), 0.5, 1, "hybrid")]
    lead = Scored(0.9, 0, Candidate(lines[1], 14, 14, 1), vec(1))
    paper = Scored(0.8, 1, Candidate("The original paper used eps = 0.1 on ImageNet.", 100, 100, 0), vec(2))
    defin = Scored(0.7, 1, Candidate("Label smoothing replaces the one-hot target with a softened target vector.",
                                     101, 101, 1), vec(3))
    out, n = with_antecedents([lead, paper, defin], 1, hits, "Explain label smoothing and its target vector.")
    assert out[0] is defin and out[1] is lead and n == 2 and paper in out[2:]
    # a dangling supporting sentence whose antecedent did not come with it is dropped
    it = Scored(0.6, 1, Candidate("It checks that the inverted file computes the cosine scores.", 102, 102, 2),
                vec(4))
    out, n = with_antecedents([defin, it], 1, hits, "How does CBIR work?")
    assert it not in out and n == 1


def test_a_question_that_asks_for_code_in_its_words_gets_the_block_that_names_its_subject():
    assert asks_for_code("Show me how to code permutation feature importance myself, without sklearn.inspection.")
    assert asks_for_code("Implement connected components on an image.")
    assert not asks_for_code("How does permutation feature importance work?")
    fence = ["Some prose about the method.", "", "```python", "def my_permutation_importance(model, X, y):",
             "    base = model.score(X, y)", "    return base", "```", "", "```python norun",
             "def permutation_importance_gpu(model, X, y):", "    pass", "```"]
    demo = ["```python", "def knn_demo(X):", "    return X", "```"]
    hits = [Hit(chunk(demo, 5, "guides/a.md"), 1.0, 0, "hybrid"), Hit(chunk(fence, 20), 0.9, 1, "hybrid")]
    q = "Show me how to code permutation feature importance myself."
    rank, cb = code_for(q, hits)
    assert rank == 1 and "my_permutation_importance" in cb.code and "gpu" not in cb.code
    assert (cb.start, cb.end) == (22, 26)  # the block's own file lines (the fence lines)
    assert code_for("How does permutation feature importance work?", hits) is None
    assert code_for("Show me code for a transformer encoder.", hits) is None  # no block names the subject


def test_a_cost_question_that_names_an_algorithm_but_no_variant_gets_that_algorithms_row():
    header = "| Algorithm | Training time | Memory |\n| --- | --- | --- |"
    rows = [TableRow("| Gaussian mixture, EM, full covariances | $O(nkd^2)$ | $O(kd^2 + nk)$ |", 30, header),
            TableRow("| Agglomerative, naive | $O(n^3)$ | $O(n^2)$ |", 26, header),
            TableRow("| Agglomerative, priority queue (general linkage) | $O(n^2 \\log n)$ | $O(n^2)$ |", 27, header),
            TableRow("| PCA via full SVD | $O(nd^2)$ | $O(d^2)$ |", 40, header)]
    assert row_algorithm(rows[1].text) == row_algorithm(rows[2].text) == {"agglom"}
    assert row_algorithm(rows[0].text) == {"gaussian", "mixtur"} and row_algorithm(rows[3].text) == {"pca"}
    got = complexity_rows("Can I run agglomerative (hierarchical) clustering on a million points? Roughly how much "
                          "memory and time would that need?", rows)  # f6-09
    assert {r.line for r in got} == {26, 27}
    assert [r.line for r in complexity_rows("How much memory does PCA need on a million points?", rows)] == [40]
    # a question naming neither algorithm whole gets no row ("Gaussian process" is not "Gaussian mixture")
    assert complexity_rows("How does Gaussian process regression scale with n?", rows) == []


def test_a_supporting_sentence_that_opens_by_naming_a_sibling_method_is_dropped():
    from mlnotes.assistant.answering.compose import names_another_thing

    q = "inverse RL - what is it, in plain words?"  # f5-03
    assert names_another_thing(q, "*Multi-agent RL* has several learning agents in one environment.")
    assert names_another_thing(q, "*Hierarchical RL* decomposes long tasks into sub-policies.")
    assert not names_another_thing(q, "*Inverse RL* recovers a reward function from expert behaviour.")
    mean = "Why does filling missing values with the column mean make that column's variance smaller?"  # f5-15
    assert names_another_thing(mean, "**k-nearest-neighbour imputation** fills a value with the mean of k rows.")
    assert not names_another_thing(mean, "**Mean or median imputation** replaces a missing value with the mean.")
    # a label of a paragraph, a modifier and a one-word name are not names of another thing
    assert not names_another_thing("How does CBIR work?", "**Indexing.** Sparse visual-word histograms use ...")
    assert not names_another_thing("What do you know about dependency parsing?", "**Graph-based** parsers score arcs.")
    assert not names_another_thing("What is gradient descent?", "*Stochastic* gradient descent uses one example.")
    hits = [Hit(chunk(["x"], 100, "guides/y.md"), 0.5, 0, "hybrid")]
    lead = Scored(0.9, 0, Candidate("Inverse RL recovers a reward function from expert behaviour.", 100, 100, 0),
                  vec(0))
    multi = Scored(0.5, 0, Candidate("*Multi-agent RL* has several learning agents in one environment.", 101, 101,
                                     1), vec(1))
    out, n = with_antecedents([lead, multi], 1, hits, q)
    assert out == [lead] and n == 1


def test_a_subtype_or_an_alias_of_the_asked_thing_is_no_sibling_method():
    from mlnotes.assistant.answering.compose import names_another_thing

    # gold tune questions (development) whose supporting sentences an earlier version of the rule dropped
    assert not names_another_thing("duplicates leaking between train and test",
                                   "*Exact duplicates* inflate the weight of some rows and leak between sets.")
    assert not names_another_thing("Explain covariate shift vs label shift vs concept drift",
                                   "*Data drift* (covariate shift) is a change in the input distribution.")
    assert not names_another_thing("weight sharing one-shot NAS",
                                   "*One-shot* methods train a single *supernet* that contains every architecture.")


def test_a_dangling_first_lead_sentence_goes_behind_a_second_that_reads_alone_and_nothing_is_lost():
    # g476 (gold tune, development): "ZeRO ... removes the redundancy by partitioning these ..." led a comparison
    # whose second lead sentence (FSDP) reads alone; that second sentence was once lost when the first was moved
    hits = [Hit(chunk(["x"], 100, "guides/y.md"), 0.5, 0, "hybrid")]
    zero = Scored(0.9, 0, Candidate("ZeRO removes the redundancy by partitioning these across the GPUs.", 100, 100,
                                    5), vec(0))
    fsdp = Scored(0.8, 0, Candidate("FSDP shards parameters, gradients and optimizer state per unit.", 101, 101, 9),
                  vec(1))
    extra = Scored(0.5, 0, Candidate("Activations, temporary buffers and fragmentation are extra.", 102, 102, 12),
                   vec(2))
    out, n = with_antecedents([zero, fsdp, extra], 2, hits, "ZeRO vs FSDP sharding")
    assert out == [fsdp, zero, extra] and n == 2
    # alone, with no supporting sentence naming the subject, the dangling lead stays first
    out, n = with_antecedents([zero, extra], 1, hits, "ZeRO vs FSDP sharding")
    assert out == [zero, extra] and n == 1


def test_the_sentence_after_a_sibling_method_goes_with_it():
    # f5-03 (development): "Each agent's environment becomes non-stationary ..." stayed after its "*Multi-agent RL*"
    # item was dropped
    lines = ["*Multi-agent RL* has several learning agents in one environment.",
             "Each agent's environment becomes non-stationary because the others are learning.",
             "Inverse RL is used to learn rewards from demonstrations in robotics."]
    hits = [Hit(chunk(lines), 1.0, 0, "hybrid")]
    lead = Scored(0.9, 0, Candidate("Inverse RL recovers a reward function from expert behaviour.", 10, 10, 0),
                  vec(0))  # a lead from elsewhere; the chunk's own lines do not matter to it
    multi, each, inv = (Scored(0.5, 0, Candidate(t, 10 + i, 10 + i, i), vec(1 + i)) for i, t in enumerate(lines))
    out, n = with_antecedents([lead, multi, each, inv], 1, hits, "inverse RL - what is it, in plain words?")
    assert out == [lead, inv] and n == 1
