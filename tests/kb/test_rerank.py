"""The learned reranker (mlnotes.kb.rerank): features by hand, a reordering that keeps the candidates, the model file,
and (on the real index) a gold-tune question it fixes."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import Index, QueryError
from mlnotes.kb.rerank import (
    BASE_FEATURES,
    FEATURES,
    KINDS,
    MODEL_FILE,
    PathVectors,
    RerankData,
    Reranker,
    bibliography_last,
    features,
    heading_path,
    load_model,
)
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


def _chunk(cid: str, doc: str, section: str, kind: str, heading: str, text: str) -> Chunk:
    return Chunk(id=cid, doc_id=doc, section_id=section, title=doc.title(), heading=heading,
                 breadcrumbs=[doc.title(), heading], path=f"{doc}.md", line_start=1, line_end=2, kind=kind, text=text)


CHUNKS = [
    _chunk("bank#knn", "bank", "knn", "interview", "How does k-NN work?", "Neighbours vote on the label."),
    _chunk("cx#knn", "cx", "knn", "guide", "k-NN prediction cost", "Prediction is linear in the training set."),
    _chunk("cx#knn~1", "cx", "knn", "guide", "k-NN prediction cost", "Each query scans every training point."),
    _chunk("ch#ex", "ch", "ex", "chapter", "Exercise 3: kernels", "Prove the kernel trick."),
]


def col(name: str) -> int:
    return FEATURES.index(name)


def test_features_match_a_hand_computed_case():
    data = RerankData(CHUNKS)
    # IDF as BM25's: ln(1 + (N - df + 0.5) / (df + 0.5)) over the 4 chunks' indexed texts (stemmed, no stop words)
    idf = {t: math.log(1 + (4 - df + 0.5) / (df + 0.5)) for t, df in
           (("predict", 2), ("train", 2), ("cost", 2))}
    # "prediction cost training": stems predict, cost, train; chunk 0 has none, chunks 1-2 all three in text
    query = "prediction cost training"
    assert data.query_weights(query) == pytest.approx(idf)
    fused, bm25, dense, head = [2.0, 1.0, 0.0, -1.0], [0.0, 3.0, 1.5, 0.0], [0.5, 0.4, 0.3, 0.1], [0.2, 0.6, 0.6, 0.0]
    path = [0.1, 0.7, 0.7, 0.3]
    X = features(data, query, "complexity", CHUNKS, fused, bm25, dense, head, path)
    assert X.shape == (4, len(FEATURES))
    z = (np.array(fused) - 0.5) / math.sqrt(np.mean((np.array(fused) - 0.5) ** 2))
    np.testing.assert_allclose(X[:, col("fused")], fused)
    np.testing.assert_allclose(X[:, col("fused_z")], z)
    np.testing.assert_allclose(X[:, col("fused_logrank")], np.log([2, 3, 4, 5]))
    np.testing.assert_allclose(X[:, col("bm25_rel")], [0, 1, 0.5, 0])
    # BM25 ranks 3,1,2,4 (the tie of chunks 0 and 3 keeps the fused order)
    np.testing.assert_allclose(X[:, col("bm25_logrank")], np.log1p([3, 1, 2, 4]))
    np.testing.assert_allclose(X[:, col("dense_gap")], [0, -0.1, -0.2, -0.4])
    np.testing.assert_allclose(X[:, col("dense_logrank")], np.log1p([1, 2, 3, 4]))
    np.testing.assert_allclose(X[:, col("head_gap")], [-0.4, 0, 0, -0.6])
    np.testing.assert_allclose(X[:, col("path_cos")], path)
    np.testing.assert_allclose(X[:, col("path_gap")], [-0.6, 0, 0, -0.4])
    # text coverage: chunks 1 and 2 carry all three terms (breadcrumbs "Cx > k-NN prediction cost" + body)
    np.testing.assert_allclose(X[:, col("cov_text")], [0, 1, 1, 0])
    # heading unit of a guide: its breadcrumbs "Cx > k-NN prediction cost": predict and cost, not train
    share = (idf["predict"] + idf["cost"]) / sum(idf.values())
    np.testing.assert_allclose(X[:, col("cov_head")], [0, share, share, 0])
    np.testing.assert_array_equal(X[:, col("kind_interview"):col("kind_chapter") + 1],
                                  [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(X[:, col("is_exercise")], [0, 0, 0, 1])
    np.testing.assert_array_equal(X[:, col("same_section")], [0, 1, 1, 0])  # the two pieces of cx#knn
    np.testing.assert_array_equal(X[:, col("same_doc_top10")], [0, 1, 1, 0])
    inter = X[:, len(BASE_FEATURES):]
    assert inter.sum() == 4  # one intent x kind cell per chunk
    for i, kind in enumerate(("interview", "guide", "guide", "chapter")):
        assert X[i, col(f"complexity*{kind}")] == 1.0


def test_a_query_without_known_terms_has_zero_coverage_and_no_intent_cell_for_an_unknown_intent():
    X = features(RerankData(CHUNKS), "zzzz qqqq", "nonsense", CHUNKS[:2], [1, 0], [0, 0], [0.3, 0.3], [0.1, 0.1],
                 [0.2, 0.2])
    assert X[:, col("cov_text")].tolist() == [0, 0] and X[:, len(BASE_FEATURES):].sum() == 0
    assert X[:, col("bm25_rel")].tolist() == [0, 0] and X[:, col("fused_z")].tolist() == [1, -1]


def test_the_reranker_orders_by_its_linear_score_and_keeps_ties_in_fused_order():
    n = len(FEATURES)
    coef = np.zeros(n)
    coef[col("kind_guide")] = 1.0
    m = Reranker(FEATURES, np.zeros(n), np.ones(n), coef)
    X = np.zeros((4, n))
    X[[1, 3], col("kind_guide")] = 1.0
    assert m.order(X).tolist() == [1, 3, 0, 2]
    with pytest.raises(ValueError, match="retrain"):
        Reranker(FEATURES[:-1], np.zeros(n - 1), np.ones(n - 1), np.zeros(n - 1))


def test_the_shipped_model_loads_and_says_how_it_was_trained():
    m = load_model()
    d = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert m.features == FEATURES and m.depth == d["depth"] == 30
    assert "tune" in d["meta"]["trained_on"] and d["meta"]["command"] == "python -m mlnotes.eval.train_reranker"
    # the cross-validated choice follows the one-standard-error rule over the stored grid, as the script promises
    from mlnotes.eval.train_reranker import one_se_choice

    cv = d["meta"]["cv_tune"]
    assert one_se_choice(cv) == f"{d['meta']['kind']} C={d['meta']['C']:g}"
    best = max(cv.values(), key=lambda v: v["recall@5"])
    chosen = cv[f"{d['meta']['kind']} C={d['meta']['C']:g}"]
    assert 0 < best["recall@5_se"] < 0.05 and chosen["recall@5"] >= best["recall@5"] - best["recall@5_se"]
    with pytest.raises(FileNotFoundError, match="train_reranker"):
        load_model("/nonexistent/reranker.json")


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    d = tmp_path_factory.mktemp("rerank")
    shutil.copytree(FIXTURE, d / "corpus")
    index, _ = Index.build(d / "corpus", d / "index", embedder=HashingEmbedder())
    return index


QUERIES = ["time complexity of k-means", "bias variance trade-off", "ridge regression L2 penalty",
           "difference between L1 and L2 regularization", "kNN inference time", "regularization"]


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_reranking_only_reorders_the_fused_candidates(small_index, fusion):
    changed = 0
    for q in QUERIES:
        fused = small_index.search(q, k=30, fusion=fusion, rerank=False)
        rer = small_index.search(q, k=30, fusion=fusion, rerank=True)
        assert sorted(h.chunk.id for h in rer) == sorted(h.chunk.id for h in fused), q
        by_id = {h.chunk.id: h for h in fused}
        for h in rer:  # each hit keeps its fused and leg scores
            assert h.score == by_id[h.chunk.id].score and h.bm25_score == by_id[h.chunk.id].bm25_score
        # a shorter list is the head of the same reordering
        assert [h.chunk.id for h in small_index.search(q, k=5, fusion=fusion, rerank=True)] == [
            h.chunk.id for h in rer[:5]]
        changed += [h.chunk.id for h in rer] != [h.chunk.id for h in fused]
    assert changed  # it does reorder something


def test_reranking_is_the_default_for_hybrid_and_never_touches_a_single_mode(small_index):
    from mlnotes.kb.fusion import DEFAULT_FUSION

    assert DEFAULT_FUSION.rerank is True
    q = "difference between L1 and L2 regularization"
    assert [h.chunk.id for h in small_index.search(q, k=10)] == [
        h.chunk.id for h in small_index.search(q, k=10, rerank=True)]
    for mode in ("bm25", "dense"):
        assert [h.chunk.id for h in small_index.search(q, k=10, mode=mode, rerank=True)] == [
            h.chunk.id for h in small_index.search(q, k=10, mode=mode, rerank=False)]
    with pytest.raises(QueryError, match="rerank"):
        small_index.search(q, rerank="yes")


def test_training_is_deterministic_and_learns_a_planted_signal():
    """fit() twice on the same table gives the same file; a feature that marks the relevant chunk gets the
    largest weight and the reranked order puts that chunk first even when the fused order had it last."""
    from mlnotes.eval.train_reranker import evaluate, fit, model_json

    rng = np.random.default_rng(0)
    rows = []
    for qi in range(40):
        X = rng.normal(size=(8, len(FEATURES)))
        y = np.zeros(8, dtype=np.int64)
        y[7] = 1  # the relevant chunk is last in fused order
        X[:, col("cov_head")] = rng.normal(size=8) * 0.1
        X[7, col("cov_head")] += 3.0
        keys = [f"d{qi}#s{j}" for j in range(8)]
        rows.append({"id": str(qi), "X": X, "keys": keys, "y": y, "relevant": [keys[7]]})
    for kind in ("pointwise", "pairwise"):
        a, b = fit(rows, kind, 1.0), fit(rows, kind, 1.0)
        assert model_json(a) == model_json(b)
        assert int(np.argmax(np.abs(a.coef))) == col("cov_head") and a.coef[col("cov_head")] > 0
        assert evaluate(rows, a)["hit@1"] == 1.0 and evaluate(rows, None)["hit@1"] == 0.0


def test_the_choice_is_the_simplest_candidate_within_one_standard_error_of_the_best():
    from mlnotes.eval.train_reranker import one_se_choice

    def g(r5, se=0.01, mrr=0.9):
        return {"recall@5": r5, "recall@5_se": se, "mrr@10": mrr}

    grid = {"pointwise C=0.001": g(0.930), "pointwise C=0.01": g(0.942), "pairwise C=0.001": g(0.950),
            "pairwise C=0.01": g(0.945)}
    assert one_se_choice(grid) == "pointwise C=0.01"  # 0.942 >= 0.950 - 0.01; 0.930 is not
    grid["pairwise C=0.001"] = g(0.950, se=0.025)
    assert one_se_choice(grid) == "pointwise C=0.001"
    grid = {"a": g(0.90, se=0.0), "b": g(0.95, se=0.0, mrr=0.8), "c": g(0.95, se=0.0, mrr=0.9)}
    assert one_se_choice(grid) == "b"  # without spread only the best qualify; the first of them is taken


def test_the_bibliography_goes_after_every_other_candidate_and_each_group_keeps_its_order():
    ref = _chunk("refs#entries", "references", "entries", "reference", "Entries", "Biewald, L. Weights & Biases.")
    ref2 = _chunk("refs#entries~1", "references", "entries", "reference", "Entries", "TensorBoard whitepaper.")
    cands = [ref, CHUNKS[0], ref2, CHUNKS[1], CHUNKS[3]]
    assert bibliography_last(cands, [0, 1, 2, 3, 4]) == [1, 3, 4, 0, 2]
    assert bibliography_last(cands, [4, 2, 3, 0, 1]) == [4, 3, 1, 2, 0]
    assert bibliography_last(CHUNKS, [2, 0, 1]) == [2, 0, 1]  # no bibliography: unchanged
    assert bibliography_last([ref, ref2], [1, 0]) == [1, 0]  # only bibliography (a kind filter): unchanged


@settings(deadline=None, max_examples=80)
@given(st.lists(st.booleans(), min_size=0, max_size=12).flatmap(
    lambda kinds: st.tuples(st.just(kinds), st.permutations(range(len(kinds))))))
def test_bibliography_last_is_a_stable_partition_of_any_order(case):
    is_ref, order = case
    cands = [_chunk(f"c{i}", "references" if r else "doc", f"s{i}", "reference" if r else "guide", "H", "t")
             for i, r in enumerate(is_ref)]
    got = bibliography_last(cands, order)
    assert sorted(got) == sorted(order)  # a permutation: nothing added or dropped
    n_other = sum(not r for r in is_ref)
    assert all(not is_ref[j] for j in got[:n_other]) and all(is_ref[j] for j in got[n_other:])
    assert [j for j in got if not is_ref[j]] == [j for j in order if not is_ref[j]]  # each group in its order
    assert [j for j in got if is_ref[j]] == [j for j in order if is_ref[j]]


def test_kinds_are_the_chunker_kinds_the_features_know():
    assert set(KINDS) <= {"guide", "chapter", "interview", "reference"}


# ---------------------------------------------------------------- on the real index (built or loaded like the gate)
@pytest.fixture(scope="module")
def real_index():
    from mlnotes.assistant.settings import REPO_ROOT

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    return index


@pytest.mark.parametrize("qid,missed", [("g022", "algorithm-complexity#decision-trees-and-ensembles"),  # a guide
                                        ("g235", "ch05-classical-ml#logistic-regression")])  # a chapter section
def test_a_tune_question_whose_guide_or_chapter_section_was_ranked_6_to_10_now_has_it_in_the_top_5(real_index, qid,
                                                                                                  missed):
    """Chosen from the tune split (the reranker's training data), never from heldout: the relevant section that
    fused retrieval put at section rank 6-10 behind other hits moves into the top 5."""
    from mlnotes.eval.data import load_gold
    from mlnotes.eval.retrieval import Config, rank_sections

    q = next(q for q in load_gold("tune") if q.id == qid)
    assert missed in q.relevant
    fused = rank_sections(real_index, q.question, Config("fused", "hybrid", "weighted", w_dense=0.7, rerank=False))
    reranked = rank_sections(real_index, q.question, Config("rr", "hybrid", "weighted", w_dense=0.7, rerank=True))
    assert 6 <= fused.index(missed) + 1 <= 10
    assert missed in reranked[:5]
    assert sorted(fused) == sorted(reranked)  # the same sections, reordered


def test_an_exercise_with_a_worked_solution_can_answer_a_question(real_index):
    """Exercises are ranked like other sections (round 8 tried putting them last and reverted it): f5-18 of
    judged_fresh5 (development since it was judged) is answered only by a chapter exercise's worked solution."""
    import json

    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.retrieval import dedupe, section_key

    rows = [json.loads(line) for line in (REPO_ROOT / "eval" / "datasets" / "judged_fresh5.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    q = next(r for r in rows if r["id"] == "f5-18")
    assert q["relevant"] == ["ch11-mlops-production#exercise-114-sample-ratio-mismatch"]
    top = dedupe([section_key(h.chunk.doc_id, h.chunk.section_id) for h in real_index.search(q["question"], k=30)])
    assert q["relevant"][0] in top[:5], top[:5]


def test_on_the_development_questions_the_bibliography_never_takes_a_top_5_place(real_index):
    """Property over gold tune, external and fresh1-6: no labeller marked a bibliography section relevant, and the
    default search no longer ranks one in the top 5 ahead of content (before: 24 tune, 12 external, 4 fresh
    questions). g489 ("TensorBoard vs Weights and Biases") had the bibliography first and its relevant section
    second."""
    from mlnotes.eval.data import DATASETS, _load, load_external, load_gold
    from mlnotes.eval.retrieval import dedupe, section_key

    fresh = [q for n in ("", "2", "3", "4", "5", "6") for q in _load(DATASETS / f"judged_fresh{n}.jsonl", True)]
    qs = load_gold("tune") + load_external() + fresh
    assert not [q.id for q in qs if any(r.startswith("references#") for r in q.relevant)]
    for q in qs:
        top = dedupe([section_key(h.chunk.doc_id, h.chunk.section_id) for h in real_index.search(q.question, k=30)])
        assert not any(t.startswith("references#") for t in top[:5]), (q.id, top[:5])
        if q.id == "g489":
            assert top[0] == "visualization#tensorboard", top[:3]


def test_rerunning_the_training_script_reproduces_the_shipped_model(real_index, tmp_path):
    """``python -m mlnotes.eval.train_reranker`` on the same index and tune split gives kb/reranker.json again
    (the same choice of model and C, numbers equal to index-precision noise: see ``same_model``)."""
    from mlnotes.eval.data import load_gold
    from mlnotes.eval.train_reranker import collect, model_json, one_se_floor, same_model, train

    model, meta = train(collect(real_index, load_gold("tune")), log=lambda m: None)
    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    chosen = f"{shipped['meta']['kind']} C={shipped['meta']['C']:g}"
    if not same_model(shipped, json.loads(model_json(model))):
        # the grid is flat, so the one-standard-error choice can move with index-precision noise: on an AVX2-only
        # CPU (float32 index; the shipped model came from a bfloat16 one) pointwise C=0.001 had R@5 .9549 against a
        # floor of .9594 (best .9665 less its SE .0071) and C=0.01 was chosen. The shipped model is stale only if its
        # choice is not within that noise (0.005, as for the numbers below) of this run's one-SE floor
        grid = meta["cv_tune"]
        floor = one_se_floor(grid)
        assert grid[chosen]["recall@5"] >= floor - 0.005, ("kb/reranker.json is stale: rerun the script",
                                                         chosen, grid[chosen], floor)
    for metric, value in shipped["meta"]["cv_tune"][chosen].items():  # to index-precision noise (see same_model)
        assert abs(meta["cv_tune"][chosen][metric] - value) <= 0.005, (metric, meta["cv_tune"][chosen], value)


def test_the_rerank_setting_turns_it_off_for_every_caller(monkeypatch, small_index):
    from mlnotes.assistant.settings import Settings

    assert Settings(_env_file=None).fusion_params.rerank is True
    monkeypatch.setenv("MLNOTES_RERANK", "false")
    params = Settings(_env_file=None).fusion_params
    assert params.rerank is False
    q = "kNN inference time"
    view = small_index.with_defaults(params)
    assert [h.chunk.id for h in view.search(q, k=10)] == [h.chunk.id for h in small_index.search(q, k=10, rerank=False)]


# ---------------------------------------------------------------- the term-set cache beside the index


def _same_data(a: RerankData, b: RerankData) -> bool:
    return a.info == b.info and a.df == b.df and a.n == b.n


def test_term_cache_is_written_then_read_back_equal(tmp_path, monkeypatch):
    cache = tmp_path / "rerank_terms.npz"
    plain = RerankData(CHUNKS)
    written = RerankData(CHUNKS, cache=cache)
    assert cache.exists() and _same_data(plain, written)
    import mlnotes.kb.bm25 as bm25

    def no_tokenize(*a, **k):  # a read from the cache must not tokenize the corpus again
        raise AssertionError("tokenized although the cache is current")

    monkeypatch.setattr(bm25, "tokenize", no_tokenize)
    assert _same_data(plain, RerankData(CHUNKS, cache=cache))


def test_term_cache_of_other_chunks_is_ignored_and_replaced(tmp_path):
    cache = tmp_path / "rerank_terms.npz"
    RerankData(CHUNKS[:2], cache=cache)
    edited = [*CHUNKS[:-1], _chunk(CHUNKS[-1].id, "ch", "ex", "chapter", "Exercise 3: kernels", "Prove Mercer.")]
    fresh = RerankData(edited, cache=cache)
    assert _same_data(fresh, RerankData(edited))
    assert "mercer" in fresh.info[CHUNKS[-1].id][5]
    assert _same_data(RerankData(edited, cache=cache), fresh)  # the replaced file now serves the edited chunks


def test_term_cache_that_is_garbage_or_unwritable_only_costs_a_tokenize(tmp_path):
    cache = tmp_path / "rerank_terms.npz"
    cache.write_bytes(b"not an npz file")
    assert _same_data(RerankData(CHUNKS, cache=cache), RerankData(CHUNKS))
    missing_dir = tmp_path / "no-such-dir" / "rerank_terms.npz"
    assert _same_data(RerankData(CHUNKS, cache=missing_dir), RerankData(CHUNKS))
    assert not missing_dir.exists()


# ---------------------------------------------------------------- the heading path without the document title (round 11)
def _crumbs_chunk(cid: str, kind: str, title: str, crumbs: list[str]) -> Chunk:
    return Chunk(id=cid, doc_id="d", section_id=cid, title=title, heading=crumbs[-1], breadcrumbs=crumbs,
                 path="d.md", line_start=1, line_end=2, kind=kind, text="body")


def test_the_heading_path_drops_the_document_title_and_keeps_the_headings_below_it():
    title = "Interview questions: CNNs and computer vision"
    assert heading_path(_crumbs_chunk("a", "interview", title, [title, "How do ViTs differ from CNNs?"])) == \
        "How do ViTs differ from CNNs?"
    assert heading_path(_crumbs_chunk("b", "chapter", "Chapter 5", ["Chapter 5", "Part 2", "Learning curves"])) == \
        "Part 2 > Learning curves"
    assert heading_path(_crumbs_chunk("c", "guide", "Loss functions", ["Loss functions"])) == "Loss functions"


@settings(deadline=None, max_examples=80)
@given(st.text(min_size=1, max_size=12), st.lists(st.text(min_size=1, max_size=12), max_size=4))
def test_the_heading_path_never_contains_the_title_unless_it_is_all_there_is(title, below):
    c = _crumbs_chunk("x", "chapter", title, [title, *below])
    path = heading_path(c)
    rest = [b for b in below if b != title]
    assert path == (" > ".join(rest) if rest else title)


def test_path_vectors_embed_each_distinct_path_once_and_give_the_cosine_with_the_query():
    emb = HashingEmbedder()
    chunks = [*CHUNKS, _chunk("cx#knn~2", "cx", "knn", "guide", "k-NN prediction cost", "A third piece.")]
    pv = PathVectors(chunks, emb.encode)
    assert emb.calls == [3]  # 5 chunks, 3 distinct paths (the three pieces of cx#knn share one)
    q = emb.encode(["prediction cost of k-NN"])[0]
    want = [float(emb.encode([heading_path(c)])[0] @ q) for c in chunks]
    np.testing.assert_allclose(pv.cosines([c.id for c in chunks], q), want, rtol=1e-5, atol=1e-6)
    assert pv.cosines([], q).shape == (0,)


def test_path_vector_cache_is_read_back_and_only_new_headings_or_another_model_are_embedded(tmp_path):
    from mlnotes.kb.rerank import load_path_cache

    cache = tmp_path / "rerank_paths.npz"
    emb = HashingEmbedder()
    first = PathVectors(CHUNKS, emb.encode, cache=cache, model_id="m1")
    assert cache.exists() and emb.calls == [3]

    def no_embed(texts):
        raise AssertionError("embedded although the cache is current")

    again = PathVectors(CHUNKS, no_embed, cache=cache, model_id="m1")
    np.testing.assert_array_equal(again.vectors, first.vectors)
    PathVectors(CHUNKS, emb.encode, cache=cache, model_id="m2")  # another model: every path embedded again
    assert emb.calls == [3, 3]
    edited = [*CHUNKS[:-1], _chunk(CHUNKS[-1].id, "ch", "ex", "chapter", "Exercise 4: margins", "Prove it.")]
    PathVectors(edited, emb.encode, cache=cache, model_id="m2")  # one new heading: only it is embedded
    assert emb.calls == [3, 3, 1]
    cache.write_bytes(b"garbage")
    assert load_path_cache(cache, "m1") == {}
    assert PathVectors(CHUNKS, emb.encode, cache=cache, model_id="m1").vectors.shape == first.vectors.shape
    assert emb.calls == [3, 3, 1, 3]


def test_the_first_reranked_search_caches_the_path_vectors_beside_the_index_for_every_later_version(tmp_path):
    from mlnotes.kb.rerank import load_path_cache, paths_cache_file

    shutil.copytree(FIXTURE, tmp_path / "corpus")
    index, _ = Index.build(tmp_path / "corpus", tmp_path / "index", embedder=HashingEmbedder())
    cache = paths_cache_file(index.home)
    assert cache == tmp_path / "index.rerank_paths.npz" and not cache.exists()  # a build does not embed them
    index.search("kNN inference time", k=5, mode="bm25")
    assert not cache.exists()  # nor does a search that does not rerank
    index.search("kNN inference time", k=5)
    assert set(load_path_cache(cache, HashingEmbedder.model_id)) == {heading_path(c) for c in index.chunks}
    # a new version of the index (a rebuild after an edit) reads the same file: no path is embedded again
    f = tmp_path / "corpus" / "guides" / "ml-basics.md"
    f.write_text(f.read_text().replace("Lasso uses an L1 penalty", "Lasso uses an L1 penalty (changed)"))
    again, _ = Index.build(tmp_path / "corpus", tmp_path / "index", embedder=HashingEmbedder())
    assert again.directory != index.directory and again.home == index.home

    def no_embed(texts):
        raise AssertionError(f"embedded {len(texts)} heading paths although the cache beside the index has them")

    again.embed_texts = no_embed
    assert again.search("kNN inference time", k=5)


def test_the_built_index_feeds_the_path_cosine_of_each_candidate_to_the_reranker(small_index):
    chunks, X = small_index.rerank_features("kNN inference time")
    q = small_index.query_prep().dense_vector(small_index.query_prep().correct("kNN inference time"),
                                             small_index.embed_query)
    want = small_index.embed_texts([heading_path(c) for c in chunks]) @ q
    np.testing.assert_allclose(X[:, col("path_cos")], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(X[:, col("path_gap")], want - want.max(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("qid,sharer", [("g297", "ch11-mlops-production"), ("g500", "learning-guide")])
def test_a_tune_question_whose_relevant_section_lost_to_sections_sharing_a_title_word_has_all_in_the_top_5(
        real_index, qid, sharer):
    """Chosen from the tune split (the reranker's training data), never from heldout. g500 ("how do I read a
    learning curve ...") had ch05's learning-curves section 9th behind sections of the "Learning guide" (its
    title matches "learning" on every section) and g297 ("detecting data drift in production ...") the drift
    bank answer 6th behind four sections of "Chapter 11 — MLOps and production". The heading unit, which starts
    with the title, does not separate them (a title sharer's heading cosine is above a relevant section's); the
    title-free heading path does (every relevant section's path cosine is above every non-relevant title
    sharer's), and every labelled section is now in the top 5."""
    from mlnotes.eval.data import load_gold, section_key
    from mlnotes.eval.retrieval import Config, rank_sections

    q = next(q for q in load_gold("tune") if q.id == qid)
    chunks, X = real_index.rerank_features(q.question)
    keys = [section_key(c.doc_id, c.section_id) for c in chunks]
    rel = [j for j, k in enumerate(keys) if k in q.relevant]
    sharers = [j for j, c in enumerate(chunks) if c.doc_id == sharer and keys[j] not in q.relevant]
    assert rel and sharers
    assert min(X[rel, col("head_cos")]) < max(X[sharers, col("head_cos")])
    assert min(X[rel, col("path_cos")]) > max(X[sharers, col("path_cos")])
    top = rank_sections(real_index, q.question, Config("default", "hybrid", "weighted", w_dense=0.7))
    assert set(q.relevant) <= set(top[:5]), top[:5]
