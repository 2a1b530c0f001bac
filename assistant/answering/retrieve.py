"""Step 1–2: retrieve, and decide whether the retrieved text supports an answer at all.

Two abstention signals, both calibrated on the tune split by ``python -m mlnotes.eval.calibrate``:

* the **support**: the best dense cosine between the question and a retrieved chunk (below ``abstain_threshold``:
  abstain);
* the **term coverage** of the top hits (:class:`TermCoverage`, :func:`hits_coverage`): the IDF-weighted share of
  the question's content terms that occur in a retrieved chunk (its breadcrumbs and text), the best of the first
  ``COVERAGE_HITS`` (two) chunks; the words of asking ("my", "should", "how", "bother", "haven't":
  :func:`asking_terms`) and quantities ("18", "50k") are no content terms. A question whose rare words the best two
  hits never use ("How does image registration work?", "What is the Turing test?") is about something the corpus
  does not cover even when its cosine is middling. :class:`CoverageRule` abstains when the coverage is
  below ``coverage`` *and* the support below ``support`` (a well-supported answer is never withheld for coverage).
  A symptom described in the asker's own words ("our live API scores this customer record differently from my
  notebook") is covered by a top hit that names the diagnosis retrieval read into it (training-serving skew).
  Under a support bound of its own (``UNFOUND_SUPPORT``, above the coverage's) the rule also abstains when the
  question uses ``absent_terms`` or more distinct unfound words: content words that no chunk of the corpus uses, or
  that one chunk uses and no retrieved chunk does (one-edit typos the search corrected and spelling variants of the
  retrieved chunks' words do not count) (:meth:`TermCoverage.unfound`): "federated learning with FedAvg across
  hospitals" names a method the corpus never mentions, and its incidental words ("hospitals", "data", "model") must
  not carry the coverage; "a Cox proportional hazards model for time-to-churn ... right-censored" shares its
  setting (churn, customers) with sections well enough for a support above the coverage's bound. A word the corpus
  spells with one vowel different ("grayscale", "greyscale") or with a hyphen ("email", "e-mail":
  :meth:`TermCoverage.spelled_df`) counts as used. A symptom question whose diagnosis a top hit covers
  (:func:`diagnosis_covered`: "... the same few images whatever noise I feed it", mode collapse) is not withheld for
  its unfound words, which describe the symptom in the asker's register ("spits", "pretty").
  Under the coverage's support bound the rule also abstains when the question names its subject by an acronym or
  compound that no chunk uses (:meth:`TermCoverage.unknown_names`: "two-stage least squares (2SLS)"), whatever
  the coverage of its other words.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.filters import check_filters
from mlnotes.kb.index import Hit
from mlnotes.kb.query import IDENTIFIER_DF, code_identifiers, diagnosis, osa_distance
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
_NAME_RE = re.compile(r"[A-Za-z0-9]+")  # the words that can be names (:meth:`TermCoverage.unknown_names`)


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
    "just really bother anyway please ok okay hey hi thanks stuff thing things get gets got getting "
    # what the tokenizer leaves of a contraction ("haven't" -> "haven", "we'll" -> "ll"): "haven" is used by one
    # chunk of the corpus, so in f9-20 ("most customers haven't churned yet") it weighed like a rare name
    "don doesn didn isn aren wasn weren haven hasn hadn wouldn shouldn couldn mustn ll ve"
)


@lru_cache(maxsize=1)
def asking_terms() -> frozenset[str]:
    """The stems of :data:`_ASKING_WORDS`: terms of a question that name no topic (left out by
    :func:`question_terms`)."""
    return frozenset(tokenize(_ASKING_WORDS, stopwords=False))


# a quantity: digits, optionally with a magnitude ("18", "2014", "50k", "2m", "65b"); "3d", "l1", "1x1" and
# "float16" are names and stay terms
_QUANTITY_RE = re.compile(r"\d+(?:[kmb]|bn)?")


def question_terms(question: str) -> set[str]:
    """The question's stemmed content terms; a Markdown link counts by its text, a bare URL not at all (its host
    and path are no words of the question), the words of asking (:func:`asking_terms`: "my", "should", "how",
    "bother", "haven't") not at all: they say who asks and how, not what the question is about; and quantities
    ("18", "50k": :data:`_QUANTITY_RE`) not at all: they are the asker's example values ("bin age into buckets
    (18-25, 26-35, ...)"), which no section that explains the method repeats."""
    asking = asking_terms()
    return {t for t in tokenize(_URL_RE.sub(" ", _MD_LINK_RE.sub(r"\1", question)))
            if t not in asking and not _QUANTITY_RE.fullmatch(t)}


class TermCoverage:
    """Document frequencies of every term over the chunks of an index, and the IDF-weighted coverage of a
    question's terms by a chunk. The IDF is BM25's (Lucene): ``log(1 + (N - df + 0.5) / (df + 0.5))``, so a term
    the corpus never uses (df = 0) weighs most."""

    def __init__(self, chunks: Iterable[Chunk], terms: Mapping[str, frozenset[str]] | None = None) -> None:
        """``terms``: each chunk's :func:`chunk_terms` by chunk id when the caller has them (a local index keeps
        them beside itself: :meth:`mlnotes.kb.index.Index.chunk_term_sets`), else the chunks are tokenized here."""
        df: Counter[str] = Counter()
        joined: Counter[str] = Counter()
        sections: dict[tuple[str, str], set[str]] = {}
        n = 0
        self._terms = terms
        for c in chunks:
            n += 1
            got = terms[c.id] if terms is not None and c.id in terms else chunk_terms(c)
            df.update(got)
            joined.update(hyphen_joined(c.text))
            key = section_of(c)
            if key is not None:
                sections.setdefault(key, set()).update(got)
        self.n = n
        self.df = df
        # the terms of each section, all its pieces together (:meth:`section_terms`)
        self._sections = sections
        # the chunks that write each term's word with a hyphen ("e-mail" for "email"), by the joined word's term
        self.joined_df = joined

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
        more is kept (before round 17 the correction read "federated" as "generated": a guess, and the corpus still
        lacks the word; the speller now keeps a word whose first letter or first vowel differs, kb/query.py
        same_onset)."""
        return {t for t in self._named_terms(question, read) if self.df.get(t, 0) == 0}

    def unfound(self, question: str, read: str, hits: Iterable[Hit]) -> set[str]:
        """The question's content terms (as :meth:`absent` reads them: typos and words with digits aside) that the
        corpus uses in at most ``RARE_DF`` chunks and that the section of none of ``hits`` uses
        (:meth:`section_terms`, round 20: the section, not only the retrieved piece of it), spelling variants of a
        term of those sections aside (:func:`spelling_variant`): the specific things a question names that the corpus never
        mentions, or mentions once in a section that retrieval did not find about the question. f9-20 "fit a Cox
        proportional hazards model ... right-censored": the corpus never uses "censored" and uses "hazard" once
        (not in a retrieved section), while its "churn", "customers" and "time" were found."""
        have: set[str] = set()
        for h in hits:
            have |= self.section_terms(h.chunk)
        return one_per_word({t for t in self._named_terms(question, read)
                             if self.spelled_df(t) <= RARE_DF and t not in have and not spelling_variant(t, have)
                             and not self.identifier_in_words(t, have)})

    def spelled_df(self, term: str) -> int:
        """The document frequency of ``term`` and of the terms that spell it with one vowel more, less or changed
        after its first letter (:func:`vowel_variants`), for a term of at least ``VARIANT_PREFIX`` letters: the
        corpus writes "greyscale" in one chunk and "grayscale" in another, so "grayscale" is a word it uses, not
        a name it lacks (f12-18). Shorter words keep their own count: at four to six letters a vowel apart is often
        another word ("rust" and "rest", "paint" and "point", "site" and "sit"). Round 15: the chunks that write the
        word with a hyphen count too, whatever its length (:func:`hyphen_joined`: the corpus writes "e-mail" three
        times and "email" once, and the tokenizer reads "e-mail" as "mail", so "email" looked like a word of one
        chunk, f10-16)."""
        d = self.df.get(term, 0) + self.joined_df.get(term, 0)
        if len(term) < VARIANT_PREFIX:
            return d
        return d + sum(self.df.get(v, 0) for v in vowel_variants(term))

    def unknown_names(self, question: str, read: str = "") -> set[str]:
        """The names in ``question`` that no chunk of the corpus uses: words written with a capital letter after
        their first character (acronyms and compounds: "2SLS", "WSL2", "FedAvg", "TransE", "GCN"), quantities
        ("50M", "13B") and one-edit typos that ``read`` corrected aside, each stemmed term of the word at document
        frequency 0. Such a word is what the asker calls the technique or thing the question is about; a sentence's
        first capital ("How", "Why") or a capitalised word ("Oxley", "Q4") is not read as one."""
        typos = self._typos(question, read)
        names: set[str] = set()
        for word in _NAME_RE.findall(_URL_RE.sub(" ", _MD_LINK_RE.sub(r"\1", question))):
            if not any(c.isupper() for c in word[1:]) or _QUANTITY_RE.fullmatch(word.lower()):
                continue
            terms = tokenize(word)
            if terms and not set(terms) & typos and all(self.df.get(t, 0) == 0 for t in terms):
                names.add(word)
        return names

    def _named_terms(self, question: str, read: str) -> set[str]:
        """``question``'s content terms less words with digits and the one-edit typos that ``read`` corrected."""
        typos = self._typos(question, read)
        return {t for t in question_terms(question) if t not in typos and not any(c.isdigit() for c in t)}

    @staticmethod
    def _typos(question: str, read: str) -> set[str]:
        """The terms of ``question``'s words that ``read`` (its spelling-corrected reading) changed by one edit."""
        words, fixed = _WORD_RE.findall(question), _WORD_RE.findall(read)
        typos: set[str] = set()
        if read and len(words) == len(fixed):
            for a, b in zip(words, fixed, strict=True):
                if a.lower() != b.lower() and osa_distance(a.lower(), b.lower(), cap=1) <= 1:
                    typos.update(tokenize(a))
        return typos

    def _chunk_terms(self, chunk: Chunk) -> frozenset[str] | set[str]:
        have = self._terms.get(chunk.id) if self._terms is not None else None
        return chunk_terms(chunk) if have is None else have

    def section_terms(self, chunk: Chunk) -> frozenset[str] | set[str]:
        """The terms of the section ``chunk`` is a piece of, all its pieces together (breadcrumbs and text), or the
        chunk's own terms for a chunk without a section (a test's stand-in) or from a reference list
        (:func:`section_of`). A long section is indexed in pieces, and the piece that retrieval ranks first is often
        its table or its code, whose words are terse ("kNN", "eigen"), while the section's prose around it says
        what the question says ("cost", "step", "features"); the answer is composed from the section, so the
        section is what covers the question (round 20, abst20b: f18-09 "is isomap feasable on 30,000 points ...
        which step blows up" was withheld with a coverage of .31 by the complexity table's Isomap row, .56 by its
        section; f18-07 was withheld for "somehow", which the sections retrieved for it write as "some" and
        "how" (:func:`spelling_variant`), though not the pieces retrieved)."""
        key = section_of(chunk)
        got = self._sections.get(key) if key is not None else None
        return self._chunk_terms(chunk) if got is None else got

    def _coverage(self, want: set[str], chunk: Chunk) -> float:
        if not want:
            return 1.0
        have = self.section_terms(chunk)
        total = sum(self.idf(t) for t in want)
        return sum(self.idf(t) for t in want if t in have or self.identifier_in_words(t, have)) / total

    def identifier_in_words(self, term: str, have: Iterable[str]) -> bool:
        """Whether ``term`` is a code identifier (words joined by underscores, "read_csv") that no chunk of the corpus
        writes and whose every word ``have`` uses ("read", "csv"): the corpus writes about the function in words
        ("read a CSV", "pd.read_parquet"), so a chunk that uses its words covers it, as a chunk that writes "e-mail"
        covers "email" (:func:`hyphen_joined`). BM25's tokenizer keeps an identifier as one term, and one the corpus
        never uses weighs most in the coverage: f17-10 ("12 GB CSV ... will pandas read_csv cope") was withheld
        although its first hit, on pandas and data that exceeds memory, answers it (round 19, abst19b)."""
        if "_" not in term or self.df.get(term, 0):
            return False
        words = tokenize(term.replace("_", " "))
        have = have if isinstance(have, (set, frozenset)) else set(have)
        return bool(words) and all(w in have for w in words)


def section_of(chunk: Chunk) -> tuple[str, str] | None:
    """The (document, section) that ``chunk`` is a piece of, for :meth:`TermCoverage.section_terms`; None for a
    chunk of a reference list (kind "reference": its pieces are separate entries, a bibliography of 86 pieces under
    one heading, not one text) or an object without a section (a test's stand-in)."""
    doc, section = getattr(chunk, "doc_id", None), getattr(chunk, "section_id", None)
    if doc is None or section is None or getattr(chunk, "kind", "") == "reference":
        return None
    return doc, section


# a word written with hyphens between letters ("e-mail", "pre-trained", "query-by-committee")
_HYPHENATED_RE = re.compile(r"\b[A-Za-z]+(?:-[A-Za-z]+)+\b")


def hyphen_joined(text: str) -> set[str]:
    """The terms of ``text``'s hyphenated words written as one word ("e-mail" -> "email", "pre-trained" ->
    "pretrain"): BM25's tokenizer splits a hyphenated word into its parts, so a question that writes it as one word
    ("email") uses a term that the chunks writing it with a hyphen never show (:meth:`TermCoverage.spelled_df`)."""
    return {t for w in _HYPHENATED_RE.findall(text) for t in tokenize(w.replace("-", ""))}


# a term the corpus uses in at most this many chunks is specific enough that the question names a thing when it uses
# it (:meth:`TermCoverage.unfound`): at document frequency 1 the IDF is 7.4 of at most 8.5 (no chunk), against 5.8 at
# "cox" (7 chunks, Box-Cox) and 3.8 at "proportional" (54); on the development questions no answerable question
# has two such terms that its retrieved sections miss below the support .517 (ml-16, "imagery" and "talk")
RARE_DF = 1
VARIANT_PREFIX = 7


_VOWELS = "aeiouy"


def vowel_variants(term: str) -> set[str]:
    """The strings that differ from ``term`` by one vowel inserted, dropped or changed for another after its first
    letter ("greyscal" of "grayscal", "behavior" of "behaviour"): the usual distance between two spellings of one
    word (American and British, or a stem's variants), unlike a consonant changed ("censor", "sensor", "tensor")."""
    out: set[str] = set()
    for i in range(1, len(term) + 1):
        out.update(term[:i] + v + term[i:] for v in _VOWELS)
        if i < len(term) and term[i] in _VOWELS:
            out.add(term[:i] + term[i + 1:])
            out.update(term[:i] + v + term[i + 1:] for v in _VOWELS)
    out.discard(term)
    return out


def spelling_variant(term: str, have: Iterable[str]) -> bool:
    """Whether the stemmed ``term`` is another spelling of a term in ``have``: longer than ``VARIANT_PREFIX``
    letters and sharing its first ``VARIANT_PREFIX`` with one ("reparametris" of "reparametrised" and
    "reparameter" of "reparameterization"), or two of them written as one word ("timestep": "time", "step")."""
    have = set(have)
    if len(term) > VARIANT_PREFIX and any(h.startswith(term[:VARIANT_PREFIX]) for h in have):
        return True
    return any(term[:i] in have and term[i:] in have for i in range(3, len(term) - 2))


def one_per_word(terms: set[str]) -> set[str]:
    """``terms`` less each term that is another of them with a plural ending ("skus" beside "sku"): the stemmer
    leaves "s" after a vowel ("SKUs" -> "skus", "SKU" -> "sku"), so a question that writes one unknown word in the
    singular and the plural counted it as two unknown words, which is the unfound-words rule's sign of a name the
    corpus lacks (round 16, f14-06: "one model per SKU ... for ~5,000 SKUs" was withheld although the corpus
    answers it)."""
    return {t for t in terms if not any(t != u and t in (u + "s", u + "es") for u in terms)}


# the support under which the unfound-words branch of :class:`CoverageRule` applies: above the coverage rule's bound
# (.424), since a question about a method the corpus lacks can share its setting with a well-written section (f9-20,
# a Cox model for churn: support .444 from the churn sections); the middle between f9-20 and the lowest support of an
# answerable development question with two unfound words (ml-16, .517)
UNFOUND_SUPPORT = 0.48


@dataclass(frozen=True)
class CoverageRule:
    """Abstain when the support is below ``support`` and the top hits' term coverage (:func:`hits_coverage`) is
    below ``coverage``, or when the support is below ``absent_support`` (or ``support`` when that is higher) and
    the question uses ``absent_terms`` or more unfound words (:meth:`TermCoverage.unfound`: words the corpus
    never uses, or uses once outside every retrieved chunk).

    ``absent_terms`` is 2, not 1: one unknown word is often a slip or a filler ("why bother?", "what am I doing
    wrong") that the spelling correction leaves alone; two are a name the corpus lacks ("federated", "FedAvg";
    "censored", "hazard"). 0 turns this branch off (the coverage alone decides). The branch spares a symptom question
    whose diagnosis one of the first two hits covers to at least ``coverage`` (:func:`diagnosis_covered`).

    Under ``support`` the rule also abstains when the question uses a name the corpus never uses
    (:meth:`TermCoverage.unknown_names`: an acronym or compound such as "2SLS", "GCN", "FedAvg", "TransE"), whatever
    the coverage: "an instrumental variable with two-stage least squares (2SLS)" shares "least", "squares",
    "variable" and "churn" with sections on OLS and churn (coverage .367) while the corpus never names the method
    (f12-20, round 14). ``unknown_names=False`` turns this branch off."""

    coverage: float
    support: float
    absent_terms: int = 2
    absent_support: float = UNFOUND_SUPPORT
    unknown_names: bool = True

    def abstains(self, r: Retrieved, cov: TermCoverage, question: str) -> bool:
        if not r.hits:
            return False  # nothing found is handled by should_abstain
        # the words as asked: the answerer passes the read (corrected) question, in which a two-edit guess
        # ("federated" read as "generated") hides the unknown word
        if self.absent_terms and r.support < max(self.support, self.absent_support) and \
                len(cov.unfound(r.asked or question, r.read, r.hits)) >= self.absent_terms and \
                not diagnosis_covered(cov, question, r.hits, self.coverage):
            return True
        if r.support >= self.support:
            return False  # a well-supported answer is never withheld for coverage
        if self.unknown_names and cov.unknown_names(r.asked or question, r.read):
            return True  # the question names its subject by a word the corpus never uses (f12-20, "2SLS")
        return hits_coverage(cov, question, r.hits) < self.coverage


def diagnosis_covered(cov: TermCoverage, question: str, hits: list[Hit], bound: float) -> bool:
    """Whether retrieval read a diagnosis into ``question`` (:func:`mlnotes.kb.query.diagnosis`: a symptom described
    in the asker's words, "my GAN ... only ever spits out 1s and 7s, pretty much the same few images whatever noise I
    feed it" -> mode collapse) and one of the first ``COVERAGE_HITS`` of ``hits`` covers the diagnosis' own terms to
    at least ``bound`` (the coverage rule's bound). Such a question is about something the corpus has, named by the
    diagnosis; its unfound words ("spits", "pretty") are how the asker describes the symptom, so the unfound-words
    branch of :class:`CoverageRule` does not withhold it (round 15, f13-19)."""
    named = diagnosis(question)
    if named is None:
        return False
    want = question_terms(named)
    return any(cov._coverage(want, h.chunk) >= bound for h in hits[:COVERAGE_HITS])


# the coverage signal reads the best of the first two hits: the reranker's first two are often a close call, and a
# question that the second hit covers is about something the corpus has (f8-07 "... Optuna or Ray Tune, or just
# write a for loop?": with the round-11 reranker a fine-tuning exercise ranked first, coverage .28, and the tools
# section that names Optuna and Ray Tune second, .62)
COVERAGE_HITS = 2


def identifier_hits(cov: TermCoverage, question: str, hits: Iterable[Hit]) -> list[Hit]:
    """The hits that use a code identifier ``question`` names (:func:`mlnotes.kb.query.code_identifiers`: words
    joined by underscores, "fetch_california_housing") that at most ``IDENTIFIER_DF`` chunks of the corpus use, in
    their order. Such a question is about the thing those hits document, however little the rest of its words say
    so: a question that is mostly an error message and a setting around a function ("our CI job dies at
    fetch_california_housing() with a URLError ... the CI runners are locked down, no outbound internet", round 18,
    f15-18) has a low dense support (.24, under the threshold) and words the corpus never uses ("URLError",
    "outbound", "runners"), yet the section on the ``fetch_*`` loaders answers it."""
    terms = {t for w in code_identifiers(question) for t in tokenize(w)}
    rare = {t for t in terms if 0 < cov.df.get(t, 0) <= IDENTIFIER_DF}
    return [h for h in hits if rare & cov._chunk_terms(h.chunk)] if rare else []


def identifier_found(cov: TermCoverage, question: str, hits: Iterable[Hit]) -> bool:
    """Whether one of ``hits`` uses a rare code identifier that ``question`` names (:func:`identifier_hits`):
    :meth:`Answerer.abstains` does not withhold such a question."""
    return bool(identifier_hits(cov, question, hits))


def identifier_first(cov: TermCoverage, r: Retrieved) -> Retrieved:
    """``r`` with the hits that use a rare code identifier its question names (:func:`identifier_hits`) moved to the
    front, the others in their order: the identifier is the most specific thing the question names, and the section
    that documents it is the one to answer from (f15-18: the CI-pipeline sections ranked above the one on the
    ``fetch_*`` loaders, and the CI sentences led). ``r`` itself when there is none."""
    first = identifier_hits(cov, r.asked or r.read, r.hits)
    if not first or first[0] is r.hits[0]:
        return r
    return replace(r, hits=first + [h for h in r.hits if all(h is not f for f in first)])


def hits_coverage(cov: TermCoverage, question: str, hits: list[Hit]) -> float:
    """The coverage signal of the abstention rule: the largest :meth:`TermCoverage.coverage` of ``question`` by
    the first ``COVERAGE_HITS`` of ``hits`` (1.0 without hits: nothing found is left to the support)."""
    return max((cov.coverage(question, h.chunk) for h in hits[:COVERAGE_HITS]), default=1.0)
