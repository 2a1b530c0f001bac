"""Embedding units (mlnotes.kb.windows) and multi-vector dense search (mlnotes.kb.index).

Word pieces are counted independently with transformers' pure-Python ``BertTokenizer`` over the model's
``vocab.txt`` (not the Rust ``tokenizers`` file mlnotes.kb.windows uses); dense search is checked against NumPy brute
force over every unit vector.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import Index
from mlnotes.kb.search import Filters
from mlnotes.kb.windows import MAX_TOKENS, OVERLAP, chunk_units, count_pieces, heading_text, windows
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
WORDS = ("gradient descent updates the weights along the negative gradient of the loss; momentum accumulates a "
         "velocity, Adam rescales each coordinate by a running estimate of its second moment (RMS), and "
         "learning-rate warm-up avoids early divergence. ").split()


@pytest.fixture(scope="module")
def reference_tokenizer():
    from transformers import BertTokenizer

    from mlnotes.kb.embedding import model_dir

    return BertTokenizer(str(model_dir() / "vocab.txt"), do_lower_case=True)


def _ref_count(tok, text: str) -> int:
    return len(tok.encode(text.strip(), add_special_tokens=True))


def _long_body(n_words: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n_words)]
    words = [f"{w}{i}" if i % 37 == 0 else w for i, w in enumerate(words)]  # some unique, multi-piece words
    return " ".join(words)


def test_counts_agree_with_an_independent_tokenizer(reference_tokenizer):
    for text in ("Bias–variance trade-off", "k-NN prediction costs O(nd) per query.", _long_body(300)):
        assert count_pieces(text) == _ref_count(reference_tokenizer, text)


def test_a_text_that_fits_is_one_unit_equal_to_the_indexed_text():
    assert windows("Doc > Section", "short body") == ["Doc > Section\nshort body"]


@pytest.mark.parametrize("n_words,seed", [(180, 1), (400, 2), (1500, 3)])
def test_long_text_becomes_prefixed_overlapping_windows_that_fit_and_cover_it(reference_tokenizer, n_words, seed):
    prefix, body = "Optimisation guide > Optimisers > Adam", _long_body(n_words, seed)
    units = windows(prefix, body)
    if count_pieces(prefix + "\n" + body) <= MAX_TOKENS:
        assert units == [prefix + "\n" + body]
        return
    assert len(units) >= 2
    parts = []
    for u in units:
        assert _ref_count(reference_tokenizer, u) <= MAX_TOKENS  # fits, counted independently
        assert u.startswith(prefix + "\n")
        part = u[len(prefix) + 1:]
        assert part in body  # a contiguous slice of the body, cut at word boundaries (BERT's: whitespace or
        at = body.index(part)  # punctuation, which its basic tokenizer splits off as a word of its own)
        assert re.match(r"\S", part) and (at == 0 or not (body[at - 1].isalnum() and part[0].isalnum()))
        end = at + len(part)
        assert end == len(body) or not (body[end - 1].isalnum() and body[end].isalnum())
        parts.append(part)
    # the windows cover the body in order, each overlapping the next
    at = 0
    for a, b in zip(parts, parts[1:]):
        sa, sb = body.index(a, at), body.index(b, at)
        assert sa < sb < sa + len(a), "consecutive windows must overlap"
        at = sa
    assert body.startswith(parts[0]) and body.endswith(parts[-1])
    # and the overlap is about OVERLAP pieces, not the whole window
    assert count_pieces(parts[0]) - 2 > OVERLAP


def test_heading_unit_is_the_question_for_the_interview_bank():
    base = dict(doc_id="d", section_id="s", title="Interview questions: linear models", path="interview/x.md",
                line_start=1, line_end=2, text="body")
    q = Chunk(id="d#s", heading="What is L1?", breadcrumbs=["Interview questions: linear models", "What is L1?"],
              kind="interview", **base)
    g = Chunk(id="d#s", heading="Ridge", breadcrumbs=["ML basics", "Regularization", "Ridge"], kind="guide",
              **base)
    assert heading_text(q) == "Interview questions: linear models: What is L1?"
    assert heading_text(g) == "ML basics > Regularization > Ridge"
    assert chunk_units(g) == ["ML basics > Regularization > Ridge\nbody", "ML basics > Regularization > Ridge"]


@pytest.fixture(scope="module")
def long_index(tmp_path_factory):
    """The fixture corpus plus a guide with one very long section, indexed with the hashing embedder."""
    d = tmp_path_factory.mktemp("windows")
    shutil.copytree(FIXTURE, d / "corpus")
    tail = "Nesterov lookahead evaluates the gradient at the extrapolated point."
    body = _long_body(700, 7) + " " + tail
    (d / "corpus" / "guides" / "optim.md").write_text(
        "---\nid: optim\ntitle: Optimisers\nkind: guide\ntopics: [optimization]\n---\n\n# Optimisers\n\n"
        f"## Momentum and friends\n\n{body}\n", encoding="utf-8")
    index, _ = Index.build(d / "corpus", d / "index", embedder=HashingEmbedder(), budget=10_000)
    return index


def test_every_chunk_has_windows_and_a_heading_vector(long_index):
    idx = long_index
    for c in idx.chunks:
        units = idx.chunk_unit_vectors([c.id])[0]
        assert len(units) == len(chunk_units(c)) >= 2
        np.testing.assert_allclose(units, idx.embed_texts(chunk_units(c)), atol=1e-6)
        np.testing.assert_allclose(idx.chunk_vectors([c.id])[0], units[0])
    long = next(c for c in idx.chunks if c.doc_id == "optim")
    assert len(chunk_units(long)) > 3  # far beyond one window


def _same(got: dict[int, float], ref: list[tuple[int, float]]) -> None:
    ranked = sorted(got.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [r for r, _ in ranked] == [r for r, _ in ref]
    np.testing.assert_allclose([s for _, s in ranked], [s for _, s in ref], rtol=1e-5, atol=1e-6)


def _brute(idx: Index, q: np.ndarray, n: int, rows=None) -> list[tuple[int, float]]:
    rows = range(len(idx.chunks)) if rows is None else rows
    best = {r: float(np.max(idx.chunk_unit_vectors([idx.chunks[r].id])[0] @ q)) for r in rows}
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


@pytest.mark.parametrize("query", ["Nesterov lookahead extrapolated point", "ridge regression L2 penalty",
                                   "difference between L1 and L2 regularization", "Adam second moment"])
@pytest.mark.parametrize("n", [1, 3, 50])
def test_dense_scores_are_the_max_over_each_chunks_units(long_index, query, n):
    idx = long_index
    q = idx.embed_query(query)
    got = idx._dense(q, n, None)
    ref = _brute(idx, q, n)
    _same(got, ref)
    allowed = np.array([r for r, c in enumerate(idx.chunks) if c.kind == "guide"])
    got_f = idx._dense(q, n, allowed)
    ref_f = _brute(idx, q, n, allowed)
    _same(got_f, ref_f)
    hits = idx.search(query, k=min(n, 5), mode="dense", filters=Filters(kind="guide"))
    assert [h.chunk.kind for h in hits] == ["guide"] * len(hits)


def test_text_past_the_first_window_is_found(long_index):
    """The issue: 53 % of chunks were cut off when embedded. The last sentence of a 700-word section sits in its
    last window only; its score comes from that window, and it ranks the section higher than the first
    (formerly the only) vector does."""
    idx = long_index
    long = next(c for c in idx.chunks if c.doc_id == "optim")
    units = chunk_units(long)
    assert "Nesterov" not in units[0] and "Nesterov" in units[-2]
    query = "Nesterov lookahead evaluates the gradient at the extrapolated point"
    q = idx.embed_query(query)
    unit_scores = idx.chunk_unit_vectors([long.id])[0] @ q
    assert int(np.argmax(unit_scores)) == len(units) - 2 and unit_scores.max() > unit_scores[0] + 0.05
    pooled = [h.chunk.id for h in idx.search(query, k=len(idx), mode="dense")]
    first_only = {c.id: float(idx.chunk_vectors([c.id])[0] @ q) for c in idx.chunks}
    truncated = sorted(first_only, key=lambda c: -first_only[c])
    assert pooled.index(long.id) < truncated.index(long.id)


@pytest.mark.parametrize("query", ["Nesterov lookahead extrapolated point", "ridge regression L2 penalty",
                                   "Do you know the difference between L1 and L2 regularization?"])
def test_weighted_hybrid_scores_every_candidate_in_both_legs(long_index, query):
    """No floor: a chunk only one leg retrieved gets its real score in the other (BM25 over the prepared query,
    max-pooled cosine), and the fused score is w·z(dense) + (1−w)·z(bm25) over the union, recomputed here with
    NumPy from full score vectors."""
    from mlnotes.kb.query import bm25_query

    idx = long_index
    w = idx.defaults.w_dense
    hits = idx.search(query, k=len(idx), mode="hybrid", fusion="weighted", candidates=3)
    union = list(hits)
    assert len(union) > 3  # the legs disagree: some chunks came from one leg only
    bm = idx.bm25.scores(bm25_query(query))
    q = idx.embed_query(query)
    for h in union:
        r = idx._by_id[h.chunk.id]
        assert h.bm25_score == pytest.approx(float(bm[r]), abs=1e-6)
        assert h.dense_score == pytest.approx(float(np.max(idx.chunk_unit_vectors([h.chunk.id])[0] @ q)), abs=1e-6)
    d = np.array([h.dense_score for h in union])
    s = np.array([h.bm25_score for h in union])
    z = lambda x: (x - x.mean()) / x.std() if x.std() > 0 else np.zeros_like(x)  # noqa: E731
    np.testing.assert_allclose([h.score for h in union], w * z(d) + (1 - w) * z(s), atol=1e-9)
