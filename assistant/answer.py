"""Grounded answers with citations, composed from retrieved text (no LLM needed).

Pipeline for one question:

1. Retrieve chunks (hybrid by default) with the injected :class:`kb.index.Index`.
2. If the question closely matches an interview-bank question, answer with its short answer and key points.
3. Otherwise split the top chunks into candidate sentences (paragraph sentences, list items, table rows; never
   code or display math), score each by semantic similarity to the question (MiniLM), stemmed term overlap and
   the rank of its chunk, and keep the best few in document order, each citing its source ``[n]``.
4. If the retrieval signal is below the calibrated abstention threshold, abstain and show the closest sections.

Citations are data: every sentence carries the number of its source and the exact 1-based line span of the
file it was taken from; nothing is parsed back out of generated text.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.corpus import find_section, load_doc
from kb.bm25 import tokenize
from kb.chunker import Chunk, algorithm_path
from kb.index import Hit, Index
from kb.markdown import CITATION_RE

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"
DEFAULT_ABSTAIN_THRESHOLD = 0.30  # used only when calibration.json is missing; see eval/calibrate.py
DEFAULT_INTERVIEW_MATCH = 0.82


@lru_cache(maxsize=1)
def load_calibration() -> dict[str, Any]:
    if CALIBRATION_FILE.exists():
        return json.loads(CALIBRATION_FILE.read_text())
    return {"abstain_threshold": DEFAULT_ABSTAIN_THRESHOLD, "interview_match_threshold": DEFAULT_INTERVIEW_MATCH,
            "source": "default (no calibration file)"}


# ----------------------------------------------------------------------------- data


@dataclass
class Source:
    n: int
    chunk_id: str
    doc_id: str
    section_id: str
    title: str
    heading: str
    breadcrumbs: list[str]
    path: str
    line_start: int
    line_end: int
    kind: str
    score: float
    url: str
    algorithms: list[str] = field(default_factory=list)


@dataclass
class AnswerSentence:
    text: str
    source: int  # Source.n
    line_start: int  # the sentence's own span in the file
    line_end: int
    kind: str = "sentence"  # sentence | table_row | key_point | short_answer
    table_header: str = ""


@dataclass
class Answer:
    question: str
    kind: str  # extractive | interview | abstain | llm
    sentences: list[AnswerSentence]
    sources: list[Source]
    algorithms: list[dict[str, Any]] = field(default_factory=list)
    closest: list[Source] = field(default_factory=list)
    confidence: float = 0.0
    mode: str = "hybrid"
    interview_id: str | None = None
    follow_up: str | None = None
    notice: str = ""
    text: str = ""  # the answer as Markdown with [n] markers (without the sources list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return self.kind == "abstain"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["abstained"] = self.abstained
        d["markdown"] = self.markdown()
        return d

    def markdown(self, link_prefix: str = "") -> str:
        """The answer and its numbered sources, as Markdown with clickable section links."""
        parts = [self.text] if self.text else []
        if self.notice:
            parts.insert(0, f"*{self.notice}*")
        srcs = self.closest if self.abstained else self.sources
        if srcs:
            label = "Closest sections" if self.abstained else "Sources"
            lines = [f"**{label}**"]
            for s in srcs:
                crumb = " › ".join(s.breadcrumbs)
                lines.append(f"{s.n}. [{crumb}]({link_prefix}{s.url}) — `{s.path}:{s.line_start}-{s.line_end}`")
            parts.append("\n".join(lines))
        if self.algorithms:
            alg = ", ".join(f"`{a['name']}` ({a['path']})" for a in self.algorithms)
            parts.append(f"**Run the implementation:** {alg}")
        return "\n\n".join(parts)


class Generator(Protocol):
    """A text generator the answerer can hand numbered passages to (the local-LLM backends implement it)."""

    name: str

    def generate(self, question: str, passages: list[str], max_new_tokens: int = 256) -> Iterator[str]:
        """Yield pieces of an answer that cites passages as ``[n]`` (1-based)."""
        ...


# ----------------------------------------------------------------------------- sentence extraction

_ABBREV = r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bet al)(?<!\bFig)(?<!\bEq)(?<!\bcf)(?<!\bapprox)"
_SPLIT_RE = re.compile(_ABBREV + r"(?<=[.!?])\s+(?=[A-Z(\[$*`\"'0-9])")
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass
class _Candidate:
    text: str
    line_start: int
    line_end: int
    order: int
    kind: str = "sentence"
    table_header: str = ""


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT_RE.split(text) if s.strip()]


def _candidates_from_lines(lines: list[str], first_line: int) -> list[_Candidate]:
    """Candidate sentences from a chunk's file lines (``first_line`` is the 1-based number of lines[0])."""
    out: list[_Candidate] = []
    i, n = 0, len(lines)
    order = 0
    table_header = ""
    while i < n:
        line = lines[i]
        s = line.strip()
        if not s or s.startswith("#") or s.startswith("<!--"):
            i += 1
            continue
        if s.startswith("```") or s.startswith("~~~"):
            fence = s[:3]
            i += 1
            while i < n and not lines[i].strip().startswith(fence):
                i += 1
            i += 1
            continue
        if s.startswith("$$"):
            if not (len(s) > 4 and s.endswith("$$")):  # a multi-line display: skip to its closing $$
                i += 1
                while i < n and "$$" not in lines[i]:
                    i += 1
            i += 1
            continue
        if s.startswith("|"):
            # a table: header, delimiter, rows; every row is a candidate that carries the header
            header = s
            j = i + 1
            if j < n and re.match(r"^\|?\s*:?-{2,}", lines[j].strip()):
                table_header = header + "\n" + lines[j].strip()
                j += 1
            while j < n and lines[j].strip().startswith("|"):
                row = lines[j].strip()
                if len(tokenize(row)) >= 2:
                    out.append(_Candidate(row, first_line + j, first_line + j, order, "table_row", table_header))
                    order += 1
                j += 1
            i = j
            continue
        # a paragraph or a list item: gather its lines
        j = i + 1
        is_item = bool(_BULLET_RE.match(line))
        while j < n:
            nxt = lines[j]
            ns = nxt.strip()
            if not ns or ns.startswith(("#", "```", "~~~", "|", "$$")) or _BULLET_RE.match(nxt):
                break
            j += 1
        para_lines = lines[i:j]
        first = _BULLET_RE.sub("", para_lines[0]) if is_item else para_lines[0]
        # map character offsets in the joined paragraph back to file lines
        pieces = [first.strip()] + [pl.strip() for pl in para_lines[1:]]
        joined, starts = "", []
        for p in pieces:
            starts.append(len(joined) + (1 if joined else 0))
            joined = f"{joined} {p}" if joined else p
        pos = 0
        for sent in split_sentences(joined):
            k = joined.find(sent, pos)
            if k < 0:
                continue
            end_k = k + len(sent) - 1
            pos = k + len(sent)
            ls = max(idx for idx, st in enumerate(starts) if st <= k)
            le = max(idx for idx, st in enumerate(starts) if st <= end_k)
            if len(tokenize(sent)) >= 3:
                out.append(_Candidate(sent, first_line + i + ls, first_line + i + le, order))
                order += 1
        i = j
    return out


# ----------------------------------------------------------------------------- the answerer


class Answerer:
    """Composes grounded answers from an injected index (and, optionally, an interview bank and a generator)."""

    def __init__(self, index: Index, corpus_dir: Path, bank: list[Any] | None = None,
                 generator: Generator | None = None, abstain_threshold: float | None = None,
                 interview_threshold: float | None = None, link_base: str = "/") -> None:
        cal = load_calibration()
        self.index = index
        self.corpus_dir = Path(corpus_dir)
        self.bank = bank or []
        self.generator = generator
        self.abstain_threshold = cal["abstain_threshold"] if abstain_threshold is None else abstain_threshold
        self.interview_threshold = (cal.get("interview_match_threshold", DEFAULT_INTERVIEW_MATCH)
                                    if interview_threshold is None else interview_threshold)
        self.link_base = link_base
        self._bank_vecs: np.ndarray | None = None
        self._sent_cache: dict[str, tuple[list[_Candidate], np.ndarray]] = {}

    # -- helpers
    def _file_lines(self, path: str) -> list[str]:
        return load_doc(self.corpus_dir, path).lines

    def section_url(self, doc_path: str, section_id: str) -> str:
        from urllib.parse import quote

        return f"{self.link_base}?doc={quote(doc_path)}&section={quote(section_id)}"

    def _source(self, n: int, hit: Hit) -> Source:
        c = hit.chunk
        return Source(n=n, chunk_id=c.id, doc_id=c.doc_id, section_id=c.section_id, title=c.title,
                      heading=c.heading, breadcrumbs=c.breadcrumbs, path=c.path, line_start=c.line_start,
                      line_end=c.line_end, kind=c.kind, score=round(float(hit.score), 6),
                      url=self.section_url(c.path, c.section_id), algorithms=list(c.algorithms))

    def _candidates(self, chunk: Chunk) -> tuple[list[_Candidate], np.ndarray]:
        key = chunk.content_hash
        got = self._sent_cache.get(key)
        if got is None:
            lines = self._file_lines(chunk.path)[chunk.line_start - 1 : chunk.line_end]
            cands = _candidates_from_lines(lines, chunk.line_start)
            texts = [(" ".join(chunk.breadcrumbs[-1:]) + ": " + c.text) for c in cands]
            vecs = self.index.embedder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
            got = (cands, vecs)
            if len(self._sent_cache) > 4096:
                self._sent_cache.clear()
            self._sent_cache[key] = got
        return got

    def _bank_vectors(self) -> np.ndarray:
        if self._bank_vecs is None:
            texts = [q.question for q in self.bank]
            self._bank_vecs = self.index.embedder.encode(texts) if texts else np.zeros((0, 1), np.float32)
        return self._bank_vecs

    def match_interview(self, question: str, qvec: np.ndarray) -> tuple[Any, float] | None:
        if not self.bank:
            return None
        sims = self._bank_vectors() @ qvec
        best = int(np.argmax(sims))
        return (self.bank[best], float(sims[best])) if sims[best] >= self.interview_threshold else None

    def _algorithms(self, sources: list[Source]) -> list[dict[str, Any]]:
        from algorithms import registry

        out, seen = [], set()
        for s in sources:
            for path in s.algorithms:
                spec = registry.by_path(path)
                if spec and spec.name not in seen:
                    seen.add(spec.name)
                    out.append({"name": spec.name, "title": spec.title, "path": spec.path,
                                "params": [p.to_dict() for p in spec.params]})
        return out

    # -- main entry
    def answer(self, question: str, mode: str = "hybrid", k: int = 6, max_sentences: int = 4,
               on_piece=None) -> Answer:
        t0 = time.perf_counter()
        hits = self.index.search(question, k=k, mode=mode)  # validates the question
        t_search = time.perf_counter()
        qvec = self.index.embed_query(" ".join(question.split()))
        dense_sims = self.index.dense.vectors[[self.index._by_id[h.chunk.id] for h in hits]] @ qvec if hits else []
        support = float(np.max(dense_sims)) if len(dense_sims) else 0.0
        timings = {"search": (t_search - t0) * 1000}

        if not hits or support < self.abstain_threshold:
            closest = [self._source(i + 1, h) for i, h in enumerate(hits[:3])]
            ans = Answer(question=question, kind="abstain", sentences=[], sources=[], closest=closest,
                         confidence=support, mode=mode,
                         text="I could not find support for an answer to this in the knowledge base, so I will not "
                              "guess. The closest sections are listed below; try rephrasing with the terms they use.")
            ans.timings_ms = {**timings, "total": (time.perf_counter() - t0) * 1000}
            return ans

        if self.generator is not None:
            ans = self._generated_answer(question, hits, mode, support, on_piece=on_piece)
            ans.timings_ms = {**timings, **ans.timings_ms, "total": (time.perf_counter() - t0) * 1000}
            return ans

        match = self.match_interview(question, qvec)
        if match is not None:
            ans = self._interview_answer(question, match[0], match[1], hits, mode)
            ans.timings_ms = {**timings, "total": (time.perf_counter() - t0) * 1000}
            return ans

        # score candidate sentences of the top chunks
        q_terms = set(tokenize(question))
        scored: list[tuple[float, int, _Candidate, np.ndarray]] = []
        for rank, h in enumerate(hits[:5]):
            cands, vecs = self._candidates(h.chunk)
            if not cands:
                continue
            sims = vecs @ qvec
            for c, sim, v in zip(cands, sims, vecs):
                terms = set(tokenize(c.text))
                overlap = len(q_terms & terms) / max(1, len(q_terms))
                s = 0.65 * float(sim) + 0.25 * overlap + 0.10 * (1.0 / (1 + rank))
                if "?" in c.text or c.text.rstrip().endswith(":"):
                    s *= 0.6  # questions and lead-ins are rarely the answer
                scored.append((s, rank, c, v))
        scored.sort(key=lambda t: -t[0])
        chosen: list[tuple[float, int, _Candidate, np.ndarray]] = []
        words = 0
        for s, rank, c, v in scored:
            if len(chosen) >= max_sentences or words > 140:
                break
            if chosen and s < 0.6 * chosen[0][0]:
                break
            if any(float(v @ cv) > 0.92 for _, _, _, cv in chosen):
                continue
            chosen.append((s, rank, c, v))
            words += len(c.text.split())
        # readable order: by source rank, then position in the document
        chosen.sort(key=lambda t: (t[1], t[2].order))
        rank_to_n: dict[int, int] = {}
        sources: list[Source] = []
        sentences: list[AnswerSentence] = []
        for _, rank, c, _ in chosen:
            if rank not in rank_to_n:
                rank_to_n[rank] = len(sources) + 1
                sources.append(self._source(rank_to_n[rank], hits[rank]))
            sentences.append(AnswerSentence(c.text, rank_to_n[rank], c.line_start, c.line_end, c.kind,
                                            c.table_header))
        ans = Answer(question=question, kind="extractive", sentences=sentences, sources=sources,
                     confidence=support, mode=mode)
        ans.algorithms = self._algorithms(sources)
        ans.text = render_sentences(sentences)
        ans.timings_ms = {**timings, "total": (time.perf_counter() - t0) * 1000}
        return ans

    def _stream_generated(self, question: str, mode: str, k: int) -> Iterator[dict[str, Any]]:
        import queue
        import threading

        q: queue.Queue = queue.Queue()
        done = object()
        box: dict[str, Any] = {}
        cancel = threading.Event()

        def on_piece(piece: str) -> None:
            if cancel.is_set():  # the client went away (Stop button, closed stream): stop decoding
                raise _Cancelled
            q.put(piece)

        def work() -> None:
            try:
                box["answer"] = self.answer(question, mode=mode, k=k, on_piece=on_piece)
            except _Cancelled:
                box["cancelled"] = True
            except Exception as exc:  # noqa: BLE001 - surfaced as an error event
                box["error"] = exc
            finally:
                q.put(done)

        threading.Thread(target=work, daemon=True).start()
        try:
            while True:
                item = q.get()
                if item is done:
                    break
                yield {"event": "delta", "text": item}
        finally:
            cancel.set()  # runs when the consumer closes this generator early, too
        if "error" in box:
            raise box["error"]
        yield {"event": "answer", "answer": box["answer"].to_dict()}

    def _passages(self, hits: list[Hit], n: int = 4) -> list[Hit]:
        return hits[:n]

    def _generated_answer(self, question: str, hits: list[Hit], mode: str, support: float,
                          on_piece=None) -> Answer:
        """Ask the generator for an answer over numbered passages; keep it only if it cites real passages."""
        from assistant.grounding import filter_citations

        used = self._passages(hits)
        passages = [" > ".join(h.chunk.breadcrumbs) + "\n" + h.chunk.text for h in used]
        t0 = time.perf_counter()
        pieces = []
        for piece in self.generator.generate(question, passages):
            pieces.append(piece)
            if on_piece is not None:
                on_piece(piece)
        gen_ms = (time.perf_counter() - t0) * 1000
        text, cited = filter_citations("".join(pieces), len(passages))
        if not cited:
            ans = self._extractive_only(question, hits, mode, support)
            ans.notice = (f"The local model ({self.generator.name}) gave an answer that cited none of the passages, "
                          "so the extractive answer is shown instead.")
            ans.timings_ms["generate"] = gen_ms
            return ans
        renumber = {old: new for new, old in enumerate(cited, start=1)}
        text = re.sub(r"\[(\d+(?:\s*,\s*\d+)*)\]",
                      lambda m: "[" + ", ".join(str(renumber[int(x)]) for x in re.split(r"\s*,\s*", m.group(1))) + "]",
                      text)
        sources = [self._source(renumber[old], used[old - 1]) for old in cited]
        ans = Answer(question=question, kind="llm", sentences=[], sources=sources, confidence=support, mode=mode,
                     text=text)
        ans.algorithms = self._algorithms(sources)
        ans.timings_ms = {"generate": gen_ms}
        return ans

    def _extractive_only(self, question: str, hits: list[Hit], mode: str, support: float) -> Answer:
        gen, self.generator = self.generator, None
        try:
            return self.answer(question, mode=mode)
        finally:
            self.generator = gen

    def _interview_answer(self, question: str, q: Any, sim: float, hits: list[Hit], mode: str) -> Answer:
        doc = load_doc(self.corpus_dir, q.path)
        lines = doc.lines
        section = find_section(doc, q.section_id)
        src = Source(n=1, chunk_id=f"{q.doc_id}#{q.section_id}", doc_id=q.doc_id, section_id=q.section_id,
                     title=q.question, heading=q.question, breadcrumbs=[doc.title or q.doc_id, q.question],
                     path=q.path, line_start=section.line_start, line_end=section.line_end, kind="interview",
                     score=round(sim, 6), url=self.section_url(q.path, q.section_id))
        sentences = []
        short_span = _find_span(lines, q.short_answer, q.line)
        sentences.append(AnswerSentence(q.short_answer, 1, short_span[0], short_span[1], "short_answer"))
        for kp in q.key_points:
            span = _find_span(lines, kp, q.line)
            sentences.append(AnswerSentence(kp, 1, span[0], span[1], "key_point"))
        # algorithms linked from the question's "Learn more"
        src.algorithms = [a for _, href in q.links if (a := algorithm_path(href, q.path))]
        others = [self._source(i + 2, h) for i, h in enumerate([h for h in hits if h.chunk.doc_id != q.doc_id][:2])]
        ans = Answer(question=question, kind="interview", sentences=sentences, sources=[src] + others,
                     confidence=sim, mode=mode, interview_id=q.id,
                     follow_up=q.follow_ups[0] if q.follow_ups else None)
        ans.algorithms = self._algorithms([src] + others)
        ans.text = (f"{q.short_answer} [1]\n\n**Key points**\n\n" + "\n".join(f"- {kp} [1]" for kp in q.key_points))
        if ans.follow_up:
            ans.text += f"\n\n*An interviewer might follow up with:* {ans.follow_up}"
        return ans

    def stream(self, question: str, mode: str = "hybrid", k: int = 6) -> Iterator[dict[str, Any]]:
        """Events for server-sent streaming: ``delta`` pieces of text, then the full ``answer``.

        With a generator, deltas are the model's pieces as they are produced (the final answer event carries the
        text after the citation filter); without one, the composed answer is sent in small pieces.
        """
        from kb.index import validate_query

        validate_query(question)  # bad input raises here, before any event is sent
        if self.generator is not None:
            yield from self._stream_generated(question, mode, k)
            return
        ans = self.answer(question, mode=mode, k=k)
        pieces = re.split(r"(?<=\s)", ans.text)
        buf = ""
        for p in pieces:
            buf += p
            if len(buf) >= 24:
                yield {"event": "delta", "text": buf}
                buf = ""
        if buf:
            yield {"event": "delta", "text": buf}
        yield {"event": "answer", "answer": ans.to_dict()}


def readable_citations(text: str) -> str:
    """Turn bibliography markers ``[@smith2020deep; @lee2019x]`` into ``(Smith 2020; Lee 2019)`` for display."""

    def one(key: str) -> str:
        m = re.match(r"([a-z-]+?)(\d{4})", key)
        return f"{m.group(1).replace('-', ' ').title()} {m.group(2)}" if m else key

    return CITATION_RE.sub(lambda m: "(" + "; ".join(one(k.strip().lstrip("@")) for k in m.group(1).split(";")) + ")",
                        text)


_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def display_text(text: str) -> str:
    """A sentence ready for display: readable citations, and relative corpus links made harmless (link text kept,
    implementation links shown as their file name), since the answer is not shown next to the file it came from."""

    def link(m: re.Match) -> str:
        label, href = m.group(1), m.group(2)
        if re.match(r"^[a-z]+://", href):
            return m.group(0)
        if href.split("#")[0].endswith(".py"):
            return f"{label} (`{href.split('/')[-1].split('#')[0]}`)"
        return label

    return _LINK_RE.sub(link, readable_citations(text))


class _Cancelled(Exception):
    """Raised inside generation when the streaming client has gone away."""


def render_sentences(sentences: list[AnswerSentence]) -> str:
    """Sentences as Markdown paragraphs with ``[n]`` markers; table rows regrouped under their header."""
    out: list[str] = []
    para: list[str] = []
    i = 0
    while i < len(sentences):
        s = sentences[i]
        if s.kind == "table_row":
            if para:
                out.append(" ".join(para))
                para = []
            rows = [s]
            while i + 1 < len(sentences) and sentences[i + 1].kind == "table_row" and \
                    sentences[i + 1].table_header == s.table_header:
                i += 1
                rows.append(sentences[i])
            table = (s.table_header + "\n" if s.table_header else "") + "\n".join(r.text for r in rows)
            out.append(table + "\n\n" + "".join(sorted({f"[{r.source}]" for r in rows})))
        else:
            para.append(f"{display_text(s.text)} [{s.source}]")
        i += 1
    if para:
        out.append(" ".join(para))
    return "\n\n".join(out)


def _find_span(lines: list[str], text: str, after: int) -> tuple[int, int]:
    """1-based span of the lines that contain ``text`` (whitespace-normalised), searching from ``after``."""
    target = " ".join(text.split())
    head = target[:40]
    for i in range(after - 1, len(lines)):
        if head[:20] and head[:20] in " ".join(lines[i].split()):
            j = i
            acc = " ".join(lines[i].split())
            while target not in acc and j + 1 < len(lines) and lines[j + 1].strip():
                j += 1
                acc += " " + " ".join(lines[j].split())
            return i + 1, j + 1
    return after, after
