"""Scoring and choosing candidate sentences (pure functions; the weights in one frozen object)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.kb.bm25 import tokenize


@dataclass(frozen=True)
class ScoreWeights:
    """``score = similarity·cos(q, s) + overlap·|terms(q) ∩ terms(s)|/|terms(q)| + rank·1/(1 + chunk rank)``,
    times ``lead_in_penalty`` for questions and lead-ins ending in ':'; then the best ``max_sentences`` within
    ``max_words``, none below ``relative_cutoff`` × the best score, none closer than ``redundancy`` (cosine) to one
    already chosen. Set by hand when the extractive answerer was written; the fixture answer snapshot
    (tests/snapshots/fixture_answers.json) pins the answers they give."""

    similarity: float = 0.65
    overlap: float = 0.25
    rank: float = 0.10
    lead_in_penalty: float = 0.6
    top_chunks: int = 5
    max_words: int = 140
    relative_cutoff: float = 0.6
    redundancy: float = 0.92


DEFAULT_WEIGHTS = ScoreWeights()


@dataclass(frozen=True)
class Scored:
    score: float
    rank: int  # rank of the candidate's chunk among the hits, 0-based
    candidate: Candidate
    vector: np.ndarray


def score_candidates(question: str, qvec: np.ndarray,
                     per_chunk: Sequence[tuple[int, Sequence[Candidate], np.ndarray]],
                     w: ScoreWeights = DEFAULT_WEIGHTS) -> list[Scored]:
    """Every candidate of every ``(chunk rank, candidates, vectors)``, scored and sorted best first (stable)."""
    q_terms = set(tokenize(question))
    scored: list[Scored] = []
    for rank, cands, vecs in per_chunk:
        if not cands:
            continue
        sims = vecs @ qvec
        for c, sim, v in zip(cands, sims, vecs):
            overlap = len(q_terms & set(tokenize(c.text))) / max(1, len(q_terms))
            s = w.similarity * float(sim) + w.overlap * overlap + w.rank * (1.0 / (1 + rank))
            if "?" in c.text or c.text.rstrip().endswith(":"):
                s *= w.lead_in_penalty  # questions and lead-ins are rarely the answer
            scored.append(Scored(s, rank, c, v))
    scored.sort(key=lambda t: -t.score)
    return scored


# a sentence that opens in lower case with "where", "with", "and", "or" or "but" continues one before it: the
# explanation of a display formula's symbols ("where $n$ is the number of documents ...") means nothing on its own
_CONTINUATION_RE = re.compile(r"^(?:where|with|and|or|but)\b")


def continues_before(text: str) -> bool:
    """Whether ``text`` is the cut-off continuation of an earlier sentence or formula (:data:`_CONTINUATION_RE`)."""
    return bool(_CONTINUATION_RE.match(text.lstrip("*_ ")))


# the last word of a sentence that a display equation or a list continues ("... is Gaussian with", "... is")
_DANGLING_END_RE = re.compile(r"\b(?:with|is|are|was|were|be|of|by|as|to|and|or|the|a|an|for|from|in|on|that|"
                              r"gives?|becomes?|reads?|equals?|where|then|via|yields?|satisfies|solves?|minimi[sz]es|"
                              r"maximi[sz]es|computes?|using|at|than|between)$", re.I)


def cut_off(t: Candidate) -> bool:
    """Whether a prose sentence stops mid-clause: it ends in a comma, or in a word such as "with" or "is" with no
    closing punctuation, because a display equation or a list continues it ("... the posterior at a query point is
    Gaussian with", f5-11; "... and the previous level,", f5-06). Bullet items that simply lack a full stop, table
    rows, key points and short answers are not cut off."""
    if t.kind != "sentence":
        return False
    end = t.text.rstrip().rstrip("*_`")
    return end.endswith(",") or bool(_DANGLING_END_RE.search(end))


# a description of a figure the reader of an answer does not see ("In the tree panel training accuracy climbs to
# 1.0 ...", "In the right panel, training error falls forever ...", "the dashed line marks the checkpoint ...":
# f3-18, f3-19), what a figure or printed table shows ("The figure shows one test digit and ...", g077) or the rest
# of a distribution the reader has not seen ("The rest is spread over filler words ...", f3-17 and g071), and what
# to look for in a plot or a printout ("Look for the bright cells: ...", "The printed number quantifies it", f3-17)
_FIGURE_RE = re.compile(r"^(?:in|on) the (?:[\w-]+ ){0,2}(?:panel|figure|plot|chart|subplot|heatmap)s?\b|"
                        r"\b(?:the (?:left|right|top|bottom|middle|first|second|third) (?:panel|plot|figure)|"
                        r"in the (?:figure|plots?|charts?)|the (?:dashed|dotted|solid) (?:lines?|curves?))\b|"
                        r"^(?:the|this) (?:figure|plot|chart|heatmap|histogram|printout|output|table|cell) "
                        r"(?:above |below )?(?:shows?|lists?|plots?|compares?|prints?|gives?|displays?)\b|"
                        r"^the rest (?:is|are)\b|^(?:the|this) printed\b|"
                        r"^look (?:for|at) the (?:(?:bright|dark|colou?red|highlighted|red|blue|green|largest|tallest) )?"
                        r"(?:cells?|bars?|peaks?|curves?|plots?|figure|panels?|heatmap|diagonal|spikes?)\b", re.I)


def describes_figure(text: str) -> bool:
    """Whether ``text`` describes a figure next to it (:data:`_FIGURE_RE`)."""
    return bool(_FIGURE_RE.search(text.lstrip("*_ ")))


def choose(scored: Sequence[Scored], max_sentences: int, w: ScoreWeights = DEFAULT_WEIGHTS,
           already: Sequence[Scored] = ()) -> list[Scored]:
    """The best non-redundant sentences, in reading order (by chunk rank, then position in the chunk); with
    ``already`` (a lead chosen before), fewer sentences, none equal or too close to those."""
    chosen: list[Scored] = []
    words = sum(len(a.candidate.text.split()) for a in already)
    top = scored[0].score if scored else 0.0  # the cutoff is relative to the best candidate, lead or not
    for t in scored:
        if len(chosen) + len(already) >= max_sentences or words > w.max_words:
            break
        text = t.candidate.text
        if (any(t.candidate is a.candidate for a in already) or continues_before(text) or describes_figure(text)
                or cut_off(t.candidate)):
            continue
        if (chosen or already) and t.score < w.relative_cutoff * top:
            break
        if any(float(t.vector @ c.vector) > w.redundancy for c in [*already, *chosen]):
            continue
        chosen.append(t)
        words += len(t.candidate.text.split())
    return sorted(chosen, key=lambda t: (t.rank, t.candidate.order))
