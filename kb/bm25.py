"""Sparse retrieval: BM25 (Lucene variant by default) with bm25s, English stop words and Snowball stemming.

Tokenisation is one pure function (:func:`tokenize`) used for documents and queries alike, so a test can feed
the very same tokens to rank-bm25 as an oracle.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from mlnotes.kb.query import bm25_query

TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
METHODS = ("lucene", "robertson", "atire", "bm25l", "bm25+")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(text: str, stem: bool = True, stopwords: bool = True) -> list[str]:
    """Lower-case word tokens of two or more characters, English stop words removed, Snowball-stemmed."""
    words = TOKEN_RE.findall(text.lower())
    if stopwords:
        sw = _stopwords()
        words = [w for w in words if w not in sw]
    if stem and words:
        words = _stemmer().stemWords(words)
    return words


class BM25Index:
    """A bm25s retriever over a list of texts, with save/load through bm25s' pickle-free files."""

    def __init__(self, method: str = "lucene", k1: float = 1.5, b: float = 0.75, delta: float = 0.5) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown BM25 method {method!r}; valid methods: {list(METHODS)}")
        self.method, self.k1, self.b, self.delta = method, k1, b, delta
        self._retriever = None
        self.n_docs = 0

    def index(self, texts: list[str]) -> BM25Index:
        import bm25s

        tokens = [tokenize(t) for t in texts]
        # bm25s needs at least one token per document; an empty document gets a token no query produces
        tokens = [t if t else ["\u2205empty"] for t in tokens]
        self._retriever = bm25s.BM25(method=self.method, k1=self.k1, b=self.b, delta=self.delta)
        self._retriever.index(tokens, show_progress=False)
        self.n_docs = len(texts)
        return self

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros when no query term is in the vocabulary)."""
        if self._retriever is None:
            raise RuntimeError("BM25Index is empty; call index() or load() first")
        vocab = self._retriever.vocab_dict
        q = [t for t in tokenize(query) if t in vocab]
        if not q:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(q), dtype=np.float32)

    def doc_freq(self, term: str) -> int:
        """The number of documents that use the stemmed ``term`` (0 for a term outside the vocabulary)."""
        if self._retriever is None:
            raise RuntimeError("BM25Index is empty; call index() or load() first")
        t = self._retriever.vocab_dict.get(term)
        if t is None:
            return 0
        indptr = self._retriever.scores["indptr"]
        return int(indptr[t + 1] - indptr[t])

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (indices, scores), best first; documents with score 0 are not returned.

        The query is first stripped of conversational filler and expanded with a few synonyms
        (:func:`mlnotes.kb.query.bm25_query`); :meth:`scores` scores the text exactly as given."""
        return self.top(self.scores(bm25_query(query, self.doc_freq)), k)

    @staticmethod
    def top(s: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The top-``k`` (indices, scores) of a full score vector ``s``, best first (ties: lower index), score 0
        left out: what :meth:`search` returns, for a caller that keeps ``s`` for other lookups."""
        k = min(k, len(s))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.argpartition(-s, k - 1)[:k] if k < len(s) else np.arange(len(s))
        idx = idx[np.lexsort((idx, -s[idx]))]
        keep = s[idx] > 0
        return idx[keep], s[idx][keep]

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, n_docs: int) -> BM25Index:
        import json

        import bm25s

        params = json.loads((Path(directory) / "params.index.json").read_text())
        obj = cls(method=params.get("method", "lucene"), k1=params.get("k1", 1.5), b=params.get("b", 0.75),
                  delta=params.get("delta", 0.5))
        obj._retriever = bm25s.BM25.load(str(directory), allow_pickle=False, mmap=False)
        obj.n_docs = n_docs
        return obj
