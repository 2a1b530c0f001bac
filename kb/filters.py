"""Checking search filters against what the index holds, so an unknown value is an error that lists the valid
ones instead of a silently empty result.

:func:`filter_values` collects the kinds, topics and documents of a retriever's chunks (topics from the index's
per-document metadata where the backend has it); :func:`check_filters` raises :class:`FilterError` (a
:class:`mlnotes.kb.index.QueryError`, so every caller that reports bad queries reports it too) naming the field, the
value and the valid values. The REST API answers it with a 422 and the valid values as data; the CLI exits 2.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from mlnotes.kb.index import QueryError
from mlnotes.kb.search import Filters, Retriever

MAX_LISTED = 40  # documents can number in the hundreds: the message lists this many, the data all of them

_cache: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class FilterError(QueryError):
    """A filter names a kind, topic or document the index does not hold; ``valid`` lists the allowed values."""

    def __init__(self, field: str, value: str, valid: list[str]) -> None:
        shown = ", ".join(valid[:MAX_LISTED]) + (f", … ({len(valid)} in all)" if len(valid) > MAX_LISTED else "")
        super().__init__(f"unknown {field} {value!r}; valid: {shown or '(none in this index)'}")
        self.field = field
        self.value = value
        self.valid = valid


def filter_values(retriever: Retriever) -> dict[str, list[str]]:
    """``{"kind": [...], "topic": [...], "document": [...]}``: the values each filter can take in ``retriever``
    (documents by id and by corpus path). Cached per retriever object."""
    try:
        with _lock:
            hit = _cache.get(retriever)
    except TypeError:  # not weak-referenceable: compute every time
        hit = None
    if hit is not None:
        return hit
    kinds: set[str] = set()
    docs: set[str] = set()
    for c in retriever.iter_chunks():
        kinds.add(c.kind)
        docs.add(c.doc_id)
        docs.add(c.path)
    meta = getattr(retriever, "docs", None) or {}
    topics = {str(t) for m in meta.values() for t in (m.get("topics") or [])}
    values = {"kind": sorted(kinds), "topic": sorted(topics), "document": sorted(docs)}
    try:
        with _lock:
            _cache[retriever] = values
    except TypeError:
        pass
    return values


def check_filters(retriever: Retriever, filters: Filters | None) -> Filters | None:
    """``filters`` with blank values dropped, or :class:`FilterError` for a value the index does not hold.
    A topic is only checked where the backend exposes document metadata (the local index does)."""
    if filters is None:
        return None
    clean = Filters(*(v.strip() if isinstance(v, str) and v.strip() else None
                      for v in (filters.kind, filters.topic, filters.document)))
    if not clean:
        return None
    values = filter_values(retriever)
    for field in ("kind", "topic", "document"):
        value = getattr(clean, field)
        if value is None:
            continue
        if field == "topic" and not values["topic"] and getattr(retriever, "docs", None) is None:
            continue  # no metadata to check against; the backend reports it if it cannot filter
        if value not in values[field]:
            raise FilterError(field, value, values[field])
    return clean
