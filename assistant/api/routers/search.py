from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query

from mlnotes.assistant.api.deps import AnswererDep, IndexDep
from mlnotes.assistant.api.schemas import Fusion, Mode, SearchRequest, SearchResponse
from mlnotes.kb.filters import check_filters
from mlnotes.kb.index import MAX_K, MAX_QUERY_CHARS, QueryError
from mlnotes.kb.search import Filters

router = APIRouter(tags=["search"])



def _search(index, answerer, query: str, k: int, mode: str, fusion: str | None,
            filters: Filters | None = None) -> SearchResponse:
    t0 = time.perf_counter()
    filters = check_filters(index, filters)
    hits = index.search(query, k=k, mode=mode, fusion=fusion, filters=filters)
    out = []
    for h in hits:
        d = h.to_dict(query)
        d["url"] = answerer.section_url(h.chunk.path, h.chunk.section_id)
        out.append(d)
    return SearchResponse(query=query, mode=mode, hits=out, took_ms=(time.perf_counter() - t0) * 1000)


@router.post("/search", response_model=SearchResponse, summary="Search the corpus")
def search_post(req: SearchRequest, index: IndexDep, answerer: AnswererDep) -> SearchResponse:
    return _search(index, answerer, req.query, req.k, req.mode, req.fusion, req.filters())


@router.get("/search", response_model=SearchResponse, summary="Search the corpus (query string)")
def search_get(
    index: IndexDep,
    answerer: AnswererDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="what to look for")],
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 5,
    mode: Mode = "hybrid",
    fusion: Fusion | None = None,
    kind: Annotated[str | None, Query(max_length=50, description="only chunks of this kind")] = None,
    topic: Annotated[str | None, Query(max_length=100, description="only documents with this topic")] = None,
    document: Annotated[str | None, Query(max_length=300, description="only this document (id or path)")] = None,
    doc: Annotated[str | None, Query(max_length=300, description="the same as document")] = None,
) -> SearchResponse:
    if document is not None and doc is not None and document != doc:
        raise QueryError("give the document filter once: 'document' and 'doc' differ")
    return _search(index, answerer, q, k, mode, fusion, Filters(kind=kind, topic=topic, document=document or doc))
