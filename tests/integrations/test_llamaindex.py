"""The llama-index retriever over our index: a plain retrieve equals our own search, hit for hit, with the
citation as node metadata; and a stock QueryFusionRetriever (no LLM: one query, MockLLM, synchronous) over it
fuses it with a second retriever of a different mode."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_index.core", reason="the llamaindex extra is not installed")

from llama_index.core.llms import MockLLM  # noqa: E402
from llama_index.core.retrievers import QueryFusionRetriever  # noqa: E402

from mlnotes.kb.llamaindex import MLNotesRetriever  # noqa: E402
from mlnotes.kb.search import Filters  # noqa: E402


def test_plain_retrieve_matches_our_search_with_citations(services, corpus_dir):
    index = services.index
    q = "bias variance trade-off"
    ours = index.search(q, k=3, mode="hybrid")
    nodes = MLNotesRetriever(index, k=3).retrieve(q)
    assert [n.node.node_id for n in nodes] == [h.chunk.id for h in ours]
    assert [n.score for n in nodes] == pytest.approx([h.score for h in ours])
    top = nodes[0].node
    m = top.metadata
    assert m["citation"] == "ml-basics#biasvariance-trade-off" and m["path"] == "guides/ml-basics.md"
    lines = (corpus_dir / m["path"]).read_text(encoding="utf-8").splitlines()[m["line_start"] - 1:m["line_end"]]
    assert "variance" in "\n".join(lines).lower()
    assert "line_start" not in top.get_content(metadata_mode="embed")  # locators stay out of embeddings


def test_filters_and_bad_arguments(services):
    nodes = MLNotesRetriever(services.index, k=5, filters=Filters(kind="interview")).retrieve("regularization")
    assert nodes and {n.node.metadata["kind"] for n in nodes} == {"interview"}
    with pytest.raises(ValueError, match="unknown mode"):
        MLNotesRetriever(services.index, mode="nope")
    with pytest.raises(ValueError, match="k must be"):
        MLNotesRetriever(services.index, k=0)


def test_query_fusion_retriever_over_ours_offline(services):
    index = services.index
    bm25 = MLNotesRetriever(index, k=4, mode="bm25")
    dense = MLNotesRetriever(index, k=4, mode="dense")
    fusion = QueryFusionRetriever([bm25, dense], llm=MockLLM(), num_queries=1, use_async=False,
                                  similarity_top_k=4, mode="reciprocal_rerank")
    q = "L1 L2 regularization penalty"
    fused = fusion.retrieve(q)
    ids_b = [n.node.node_id for n in bm25.retrieve(q)]
    ids_d = [n.node.node_id for n in dense.retrieve(q)]
    got = [n.node.node_id for n in fused]
    assert got and set(got) <= set(ids_b) | set(ids_d) and len(got) == len(set(got))
    # reciprocal rank fusion computed by hand (k=60, as llama-index does) ranks the same chunks first
    scores: dict[str, float] = {}
    for ids in (ids_b, ids_d):
        for rank, cid in enumerate(ids):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (60 + rank)
    expected = sorted(scores, key=lambda c: -scores[c])[:4]
    assert got == expected
    assert all("citation" in n.node.metadata for n in fused)
