"""Step 1–2: retrieve, and decide whether the retrieved text supports an answer at all.

Two abstention signals, both calibrated on the tune split by ``python -m mlnotes.eval.calibrate``:

* the **support**: the best dense cosine between the question and a retrieved chunk (below ``abstain_threshold``:
  abstain);
* the **term coverage** of the top hits (:class:`TermCoverage`, :func:`hits_coverage`): the IDF-weighted share of
  the question's content terms that occur in a retrieved chunk (its breadcrumbs and text), the best of the first
  ``COVERAGE_HITS`` (two) chunks; the words of asking ("my", "should",
  "how", "bother": :func:`asking_terms`) are no content terms. A question whose rare words the best
  two hits never use ("How does image registration work?", "What is the Turing test?") is about something the
  corpus does not cover even when its cosine is middling. :class:`CoverageRule` abstains when the coverage is
  below ``coverage`` *and* the support below ``support`` (a well-supported answer is never withheld for coverage).
  A symptom described in the asker's own words ("our live API scores this customer record differently from my
  notebook") is covered by a top hit that names the diagnosis retrieval read into it (training-serving skew).
  Under the same support bound the rule also abstains when the question uses ``absent_terms`` or more distinct
  content words that no chunk of the corpus uses (one-edit typos the search corrected do not count)
  (:meth:`TermCoverage.absent`): "federated learning with FedAvg across hospitals" names a method the corpus never
  mentions, and its incidental words ("hospitals", "data", "model") must not carry the coverage.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.filters import check_filters
from mlnotes.kb.index import Hit
from mlnotes.kb.query import diagnosis, osa_distance
from mlnotes.kb.search import Filters, Retriever


@dataclass(frozen=True)
class Retrieved:
    hits: list[Hit]
    qvec: np.ndarray  # the question's embedding
    support: float  # the best dense cosine between the question and a retrieved chunk (0 without hits)
    search_ms: float
    read: str = ""  # the question as the search read it (spelling corrected, :func:`read_as`)
    asked: str = ""  # the question as asked (the unknown-words rule compares it with ``read``)


def retrieve(retriever: Retriever, question: str, mode: str, k: int, filters: Filters | None = None) -> Retrieved:
    """The top ``k`` hits (the retriever validates the question; ``filters`` are checked against the index by
    :func:`mlnotes.kb.filters.check_filters`), the question vector and the support."""
    t0 = time.perf_counter()
    filters = check_filters(retriever, filters)
    hits = retriever.search(question, k=k, mode=mode, filters=filters) if filters else \
        retriever.search(question, k=k, mode=mode)
    search_ms = (time.perf_counter() - t0) * 1000
    read = read_as(retriever, question)
    qvec = retriever.embed_query(" ".join(read.split()))
    sims = retriever.chunk_vectors([h.chunk.id for h in hits]) @ qvec if hits else []
    support = float(np.max(sims)) if len(sims) else 0.0
    return Retrieved(hits, qvec, support, search_ms, read, question)


def read_as(retriever: Retriever, question: str) -> str:
    """``question`` as the retriever's search reads it (spelling corrected by its query preparation,
    :meth:`mlnotes.kb.query.QueryPrep.correct`), so the support and the sentence scores use the same words as the
    search: an uncorrected "worrds" pulled the support of a well-found section below the abstention threshold.
    ``question`` itself for a backend without query preparation."""
    prep = getattr(retriever, "query_prep", None)
    if prep is None:
        return question
    try:
        return prep().correct(question)
    except Exception:  # noqa: BLE001 - the correction is a courtesy; never fail an answer for it
        return question


def should_abstain(r: Retrieved, threshold: float) -> bool:
    """Abstain when nothing was found or the best support is below the calibrated threshold."""
    return not r.hits or r.support < threshold


_MD_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_WORD_RE = re.compile(r"[A-Za-z]+")  # the words kb.query's spelling correction looks at


def chunk_terms(chunk: Chunk) -> set[str]:
    """The stemmed terms of a chunk as BM25 sees it: its breadcrumbs and its text."""
    return set(tokenize(" ".join([*chunk.breadcrumbs, chunk.text])))


# Words that say who asks and how, not what about: pronouns, question words, auxiliaries and a few conversational
# words. BM25's stop list (Lucene's short one) keeps them, and the corpus, written in the third person, rarely uses
# them, so their IDF is high: "should I bother with Optuna or Ray Tune ... on my workstation" lost more coverage to
# "my", "should", "just" and "bother" than the top hit gained from "Optuna" and "Ray". Words that stem to a content
# term ("actually" -> "actual", "basically" -> "basic") are not listed.
_ASKING_WORDS = (
    "i me my mine myself we us our ours ourselves you your yours yourself he him his she her hers them its "
    "someone somebody anyone anybody anything something everything everyone nothing "
    "what whats when where which who whom whose why how whether "
    "do does did doing done can could should would will shall may might must am is are was were be been being "
    "have has had having "
    "just really bother anyway please ok okay hey hi thanks stuff thing things get gets got getting"
)


@lru_cache(maxsize=1)
def asking_terms() -> frozenset[str]:
    """The stems of :data:`_ASKING_WORDS`: terms of a question that name no topic (left out by
    :func:`question_terms`)."""
    return frozenset(tokenize(_ASKING_WORDS, stopwords=False))


def question_terms(question: str) -> set[str]:
    """The question's stemmed content terms; a Markdown link counts by its text, a bare URL not at all (its host
    and path are no words of the question), and the words of asking (:func:`asking_terms`: "my", "should", "how",
    "bother") not at all: they say who asks and how, not what the question is about."""
    asking = asking_terms()
    return {t for t in tokenize(_URL_RE.sub(" ", _MD_LINK_RE.sub(r"\1", question))) if t not in asking}


class TermCoverage:
    """Document frequencies of every term over the chunks of an index, and the IDF-weighted coverage of a
    question's terms by a chunk. The IDF is BM25's (Lucene): ``log(1 + (N - df + 0.5) / (df + 0.5))``, so a term
    the corpus never uses (df = 0) weighs most."""

    def __init__(self, chunks: Iterable[Chunk], terms: Mapping[str, frozenset[str]] | None = None) -> None:
        """``terms``: each chunk's :func:`chunk_terms` by chunk id when the caller has them (a local index keeps
        them beside itself: :meth:`mlnotes.kb.index.Index.chunk_term_sets`), else the chunks are tokenized here."""
        df: Counter[str] = Counter()
        n = 0
        self._terms = terms
        for c in chunks:
            n += 1
            df.update(terms[c.id] if terms is not None and c.id in terms else chunk_terms(c))
        self.n = n
        self.df = df

    def idf(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5))

    def coverage(self, question: str, chunk: Chunk) -> float:
        """The IDF-weighted share of ``question``'s content terms that ``chunk`` contains (1.0 for a question
        without content terms: nothing to miss).

        A question that describes a symptom in its own words ("the live API scores a customer record differently
        from my notebook") shares few words with the section that names its diagnosis; when retrieval read a
        diagnosis into it (:func:`mlnotes.kb.query.diagnosis`: "training-serving skew"), the coverage is the larger
        of the question's and the diagnosis' own, so a top hit that names the diagnosis covers the question."""
        named = diagnosis(question)
        own = self._coverage(question_terms(question), chunk)
        return own if named is None else max(own, self._coverage(question_terms(named), chunk))

    def absent(self, question: str, read: str = "") -> set[str]:
        """The question's content terms that no chunk uses (document frequency 0), numbers and words with digits
        ("200k", "50k") left out: the things a question names that the corpus never mentions.

        ``read`` is the question as the search read it (:func:`read_as`): a word its spelling correction changed by
        one edit ("gradiant" -> "gradient") is a typo, not an unknown name, and does not count; a word it changed by
        more is kept (the correction read "federated" as "generated": a guess, and the corpus still lacks the word)."""
        words, fixed = _WORD_RE.findall(question), _WORD_RE.findall(read)
        typos: set[str] = set()
        if read and len(words) == len(fixed):
            for a, b in zip(words, fixed, strict=True):
                if a.lower() != b.lower() and osa_distance(a.lower(), b.lower(), cap=1) <= 1:
                    typos.update(tokenize(a))
        return {t for t in question_terms(question)
                if self.df.get(t, 0) == 0 and t not in typos and not any(c.isdigit() for c in t)}

    def _coverage(self, want: set[str], chunk: Chunk) -> float:
        if not want:
            return 1.0
        have = self._terms.get(chunk.id) if self._terms is not None else None
        have = chunk_terms(chunk) if have is None else have
        total = sum(self.idf(t) for t in want)
        return sum(self.idf(t) for t in want if t in have) / total


@dataclass(frozen=True)
class CoverageRule:
    """Abstain when the support is below ``support`` and either the top hits' term coverage (:func:`hits_coverage`)
    is below ``coverage``
    or the question (as read) uses ``absent_terms`` or more content words the corpus never uses.

    ``absent_terms`` is 2, not 1: one unknown word is often a slip or a filler ("why bother?", "what am I doing
    wrong") that the spelling correction leaves alone; two are a name the corpus lacks ("federated", "FedAvg").
    0 turns this branch off (the coverage alone decides)."""

    coverage: float
    support: float
    absent_terms: int = 2

    def abstains(self, r: Retrieved, cov: TermCoverage, question: str) -> bool:
        if not r.hits or r.support >= self.support:
            return False  # no coverage needed: nothing found is handled by should_abstain; high support answers
        # the words as asked: the answerer passes the read (corrected) question, in which a two-edit guess
        # ("federated" read as "generated") hides the unknown word
        if self.absent_terms and len(cov.absent(r.asked or question, r.read)) >= self.absent_terms:
            return True
        return hits_coverage(cov, question, r.hits) < self.coverage


# the coverage signal reads the best of the first two hits: the reranker's first two are often a close call, and a
# question that the second hit covers is about something the corpus has (f8-07 "... Optuna or Ray Tune, or just
# write a for loop?": with the round-11 reranker a fine-tuning exercise ranked first, coverage .28, and the tools
# section that names Optuna and Ray Tune second, .62)
COVERAGE_HITS = 2


def hits_coverage(cov: TermCoverage, question: str, hits: list[Hit]) -> float:
    """The coverage signal of the abstention rule: the largest :meth:`TermCoverage.coverage` of ``question`` by
    the first ``COVERAGE_HITS`` of ``hits`` (1.0 without hits: nothing found is left to the support)."""
    return max((cov.coverage(question, h.chunk) for h in hits[:COVERAGE_HITS]), default=1.0)
