"""CI quality gate: retrieval on the tune split with the default mode and fusion must stay above thresholds.

Builds (or loads, when current) the real index of ``corpus/`` in ``.mlnotes/index`` — about 90 s to build on
2 cores — then ranks the tune-split gold questions with the defaults of :class:`mlnotes.assistant.settings.Settings`
and with plain ``bm25`` and ``dense`` (about 10 s each).

Thresholds are set a margin below the numbers measured with the current defaults (multi-vector dense retrieval
over embedding windows with max pooling, mlnotes.kb.windows; weighted fusion of z-scored legs that scores every
candidate in both legs, w_dense 0.7; queries prepared by mlnotes.kb.query: filler removal and synonyms for BM25,
spelling correction for both legs, corpus-defined acronyms written out for the dense query) on the tune split, 373
questions including the 126 natural-phrasing ones: Recall@5 0.944, MRR@10 0.923 and nDCG@10 0.907 (bm25 0.882 /
0.858 / 0.840, dense 0.907 / 0.897 / 0.879), measured before the corpus16 sections were merged (after it: 0.944 /
0.922 / 0.906; bm25 0.881 / 0.860 / 0.841, dense 0.906 / 0.897 / 0.879); the margin of 0.04 absorbs ordinary corpus edits
(a few questions moving) while catching a broken chunker, embedder or fusion. The default must also not fall below
either single mode there.

The same defaults are gated on the natural-phrasing questions of the tune split (126; floors from hit@1 0.929,
hit@5 0.984, MRR@10 0.952 measured before the spelling correction and acronyms, margin 0.04; now 0.913 / 0.984 /
0.943: the typo questions g732 and g733 are now ranked like their correctly spelt forms, which is one place lower
or out of the top 5, and "SVD" written out moved g661's first hit to second; w_dense was chosen on the whole tune
split, these included) and on the external set of public questions by other people (74 answerable since the
corpus16 sections made 10 more answerable and gave 4 a fitting section; measured hit@1 0.851, hit@5 0.986, MRR@10
0.904; margin 0.05, about 4 questions). The external set was a development set for the choice of pooling, w_dense
and the query preparation (with gold tune), so these are regression gates a stated margin below what was measured,
not unbiased estimates. On the external set the default must not fall below either single mode in MRR@10 (dense
alone measured 0.859, bm25 0.753; at hit@5 dense 0.973, bm25 0.838).

Since the learned reranker (mlnotes.kb.rerank, on by default) the tune floors and the external ones were raised to
what the default measures with it: tune R@5 0.951, MRR@10 0.940, nDCG@10 0.928 (0.944 / 0.922 / 0.906 without
it); external hit@1 0.878, hit@5 0.986, MRR@10 0.920 (0.851 / 0.986 / 0.904 without). The reranker was trained on
the tune split, so its tune numbers are in-sample (its 5-fold cross-validated ones on tune: R@5 0.951, hit@1 0.903,
MRR@10 0.939; kb/reranker.json). The natural-tune floors stay as they were (with the reranker 0.897 / 0.992 /
0.938: hit@1 one question lower, hit@5 one higher, within the paired CI).
"""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.settings import REPO_ROOT, Settings
from mlnotes.eval.data import load_gold
from mlnotes.eval.retrieval import Config, run_config

MEASURED = {"recall@5": 0.951, "mrr@10": 0.940, "ndcg@10": 0.928}
MARGIN = 0.04
THRESHOLDS = {m: round(v - MARGIN, 3) for m, v in MEASURED.items()}
HIT_GATES = {  # set name: (measured, margin)
    "natural tune": ({"hit@1": 0.929, "hit@5": 0.984, "mrr@10": 0.952}, 0.04),
    "external": ({"hit@1": 0.878, "hit@5": 0.986, "mrr@10": 0.920}, 0.05),
}


@pytest.fixture(scope="module")
def real_index():
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    return index


def _mean(run, metric):
    return float(np.mean([r[metric] for r in run.rows.values()]))


def test_default_retrieval_meets_the_gate(real_index):
    s = Settings(_env_file=None)
    tune = load_gold("tune")
    cfg = Config("default", s.default_mode, s.fusion, rrf_k=s.rrf_k, w_dense=s.w_dense)
    run = run_config(real_index, tune, cfg)
    got = {m: _mean(run, m) for m in THRESHOLDS}
    failed = {m: (round(got[m], 3), t) for m, t in THRESHOLDS.items() if got[m] < t}
    assert not failed, f"retrieval gate failed (metric: (measured, threshold)): {failed}"
    singles = {m: run_config(real_index, tune, Config(m, m)) for m in ("bm25", "dense")}
    best_single = max(_mean(r, "mrr@10") for r in singles.values())
    assert got["mrr@10"] >= best_single - 0.005, (got["mrr@10"], best_single)


@pytest.mark.parametrize("set_name", list(HIT_GATES))
def test_default_retrieval_meets_the_gate_on_natural_and_external_questions(real_index, set_name):
    from mlnotes.eval.data import load_external
    from mlnotes.eval.retrieval import hit_row, rank_sections

    s = Settings(_env_file=None)
    cfg = Config("default", s.default_mode, s.fusion, rrf_k=s.rrf_k, w_dense=s.w_dense)
    if set_name == "external":
        qs = load_external(answerable_only=True)
    else:
        qs = [q for q in load_gold("tune") if q.style == "natural"]
    assert len(qs) >= (70 if set_name == "external" else 60)
    rows = [hit_row(rank_sections(real_index, q.question, cfg), q.relevant) for q in qs]
    measured, margin = HIT_GATES[set_name]
    got = {m: float(np.mean([r[m] for r in rows])) for m in measured}
    failed = {m: (round(got[m], 3), round(v - margin, 3)) for m, v in measured.items() if got[m] < v - margin}
    assert not failed, f"{set_name} gate failed (metric: (measured, threshold)): {failed}"
    if set_name == "external":
        singles = {m: float(np.mean([hit_row(rank_sections(real_index, q.question, Config(m, m)), q.relevant)["mrr@10"]
                                     for q in qs])) for m in ("bm25", "dense")}
        assert got["mrr@10"] >= max(singles.values()) - 0.005, (got["mrr@10"], singles)


# ---------------------------------------------------------------- ranking properties on the real corpus (issue 16)
def _default_hits(index, question: str, k: int = 5):
    s = Settings(_env_file=None)
    return index.search(question, k=k, mode=s.default_mode, fusion=s.fusion, rrf_k=s.rrf_k, w_dense=s.w_dense)


@pytest.mark.parametrize("question", ["Do you know what gradient clipping is?",
                                      "Do you know how batch normalization works?",
                                      "Do you know what the vanishing gradient problem is?",
                                      "Do you know anything about label smoothing?"])
def test_do_you_know_questions_do_not_retrieve_the_section_on_not_knowing(real_index, question):
    """The issue: BM25's top hit for "know" (the interview-preparation section "When you do not know the answer")
    got a fused floor with no dense support. Two fixes hold this independently (measured): filler removal before
    BM25 (mlnotes.kb.query), and fusion scoring every candidate's real dense support (mlnotes.kb.index.Index._complete); with
    neither, three of these four questions retrieve that section."""
    headings = [h.chunk.heading.lower() for h in _default_hits(real_index, question, k=10)]
    assert not any("do not know" in h for h in headings), headings


@pytest.mark.parametrize("question", ["Are local minima a problem for deep nets?",
                                      "Why do deep nets need nonlinear activation functions?",
                                      "How does dropout regularize nets?"])
def test_nets_means_neural_networks_not_elastic_net(real_index, question):
    """Checked on the BM25 leg alone as well: without the "nets" rewrite (Snowball: nets -> net) BM25 puts the
    elastic-net sections in its top 10 for two of these (measured), which the dense leg then has to outvote."""
    for hits in (_default_hits(real_index, question, k=10), real_index.search(question, k=10, mode="bm25")):
        assert not any("elastic net" in (h.chunk.heading + " " + h.chunk.title).lower() for h in hits), \
            [h.chunk.id for h in hits]


@pytest.mark.parametrize("question,word", [
    ("How do you interpret the weights of a logistic regression model?", "coefficient"),
    ("Why does lasso set some coefficients to exactly zero?", "weight"),
])
def test_weights_meet_coefficients(real_index, question, word):
    """The synonym map lets BM25 match the corpus' other word; the first hit uses it."""
    top = _default_hits(real_index, question, k=3)
    assert any(word in h.chunk.text.lower() for h in top), [h.chunk.id for h in top]


@pytest.mark.parametrize("question", ["How do I choose k in k-means?", "How to pick the number of clusters?"])
def test_choosing_k_finds_the_number_of_clusters(real_index, question):
    top = _default_hits(real_index, question, k=5)
    assert any(("number of clusters" in h.chunk.text.lower() or "elbow" in h.chunk.text.lower()) for h in top), \
        [h.chunk.id for h in top]


@pytest.mark.parametrize("question,sections", [  # the labelled relevant sections (external nlp-09, gold g733)
    ("What is Bag-of-Worrds model?", {"ch09-nlp-fundamentals#bag-of-words-and-tf-idf",
                                      "interview-nlp-transformers#what-is-tf-idf-and-why-does-it-often-beat-raw-bag-of-words-counts"}),
    ("what is a confusion matix and how do I read it", {"visualization#confusion-matrix",
                                                        "ch01-getting-started#part-5-evaluating-the-models"}),
])
def test_a_misspelt_word_is_corrected_before_both_legs(real_index, question, sections):
    """The external set's "Bag-of-Worrds": BM25 knew no "worrds" and matched "bag" (bagging), dense read the
    typo too; with the spelling corrected against the corpus vocabulary (mlnotes.kb.query.Speller) the section
    is in the top 5 of the default and of each single mode. Without the correction it ranked 12th (default)."""
    assert real_index.query_prep().correct(question) != question
    for mode in ("hybrid", "bm25", "dense"):
        hits = real_index.search(question, k=5, mode=mode) if mode != "hybrid" else _default_hits(real_index, question)
        assert {f"{h.chunk.doc_id}#{h.chunk.section_id}" for h in hits} & sections, (mode, [h.chunk.id for h in hits])


def test_a_corpus_defined_acronym_is_embedded_written_out_as_well(real_index):
    """ "Define LSTM.": the dense query vector is the mean of the question's and its written-out form's
    embeddings (mlnotes.kb.query.QueryPrep.dense_texts), so it sits closer to the written-out form than the
    question alone does."""
    prep = real_index.query_prep()
    texts = prep.dense_texts("Define LSTM.")
    assert texts[1] == "Define long short term memory (LSTM)."
    plain, written = real_index.embed_query(texts[0]), real_index.embed_query(texts[1])
    hits = real_index.search("Define LSTM.", k=5, mode="dense")
    from mlnotes.kb.query import mean_unit

    q = mean_unit([plain, written])
    best = max(float(np.max(v @ q)) for v in real_index.chunk_unit_vectors([hits[0].chunk.id]))
    assert hits[0].score == pytest.approx(best, rel=1e-5)
