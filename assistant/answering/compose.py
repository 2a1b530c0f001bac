"""Step 6: build the :class:`Answer` of each kind from the earlier steps' results (no I/O but the parsed-document
cache and the algorithm registry)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.answering.render import render_sentences, renumber_citations
from assistant.answering.retrieve import Retrieved
from assistant.answering.scoring import Scored
from assistant.answering.types import Answer, AnswerSentence, Source
from assistant.corpus import find_section, load_doc
from assistant.grounding import filter_citations
from kb.chunker import algorithm_path
from kb.index import Hit

SourceFn = Callable[[int, Hit], Source]  # (number, hit) -> Source, with the deep link

ABSTAIN_TEXT = ("I could not find support for an answer to this in the knowledge base, so I will not guess. The "
                "closest sections are listed below; try rephrasing with the terms they use.")


def algorithms_of(sources: Sequence[Source]) -> list[dict[str, Any]]:
    """The registered implementations the sources link to, first mention first, each once."""
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


def abstain(question: str, r: Retrieved, mode: str, source: SourceFn) -> Answer:
    closest = [source(i + 1, h) for i, h in enumerate(r.hits[:3])]
    return Answer(question=question, kind="abstain", sentences=[], sources=[], closest=closest,
                  confidence=r.support, mode=mode, text=ABSTAIN_TEXT)


def extractive(question: str, r: Retrieved, chosen: Sequence[Scored], mode: str, source: SourceFn) -> Answer:
    """Chosen sentences (in reading order) with sources numbered by first citation."""
    rank_to_n: dict[int, int] = {}
    sources: list[Source] = []
    sentences: list[AnswerSentence] = []
    for t in chosen:
        c = t.candidate
        if t.rank not in rank_to_n:
            rank_to_n[t.rank] = len(sources) + 1
            sources.append(source(rank_to_n[t.rank], r.hits[t.rank]))
        sentences.append(AnswerSentence(c.text, rank_to_n[t.rank], c.line_start, c.line_end, c.kind,
                                        c.table_header))
    return Answer(question=question, kind="extractive", sentences=sentences, sources=sources,
                  confidence=r.support, mode=mode, algorithms=algorithms_of(sources),
                  text=render_sentences(sentences))


def interview(question: str, q: Any, sim: float, r: Retrieved, mode: str, corpus_dir: Path,
              url: Callable[[str, str], str], source: SourceFn) -> Answer:
    """The bank question's short answer and key points, citing its section, plus two other retrieved sources."""
    doc = load_doc(corpus_dir, q.path)
    section = find_section(doc, q.section_id)
    src = Source(n=1, chunk_id=f"{q.doc_id}#{q.section_id}", doc_id=q.doc_id, section_id=q.section_id,
                 title=q.question, heading=q.question, breadcrumbs=[doc.title or q.doc_id, q.question],
                 path=q.path, line_start=section.line_start, line_end=section.line_end, kind="interview",
                 score=round(sim, 6), url=url(q.path, q.section_id))
    short_span = find_span(doc.lines, q.short_answer, q.line)
    sentences = [AnswerSentence(q.short_answer, 1, short_span[0], short_span[1], "short_answer")]
    for kp in q.key_points:
        span = find_span(doc.lines, kp, q.line)
        sentences.append(AnswerSentence(kp, 1, span[0], span[1], "key_point"))
    # algorithms linked from the question's "Learn more"
    src.algorithms = [a for _, href in q.links if (a := algorithm_path(href, q.path))]
    others = [source(i + 2, h) for i, h in enumerate([h for h in r.hits if h.chunk.doc_id != q.doc_id][:2])]
    follow_up = q.follow_ups[0] if q.follow_ups else None
    text = f"{q.short_answer} [1]\n\n**Key points**\n\n" + "\n".join(f"- {kp} [1]" for kp in q.key_points)
    if follow_up:
        text += f"\n\n*An interviewer might follow up with:* {follow_up}"
    return Answer(question=question, kind="interview", sentences=sentences, sources=[src] + others,
                  confidence=sim, mode=mode, interview_id=q.id, follow_up=follow_up,
                  algorithms=algorithms_of([src] + others), text=text)


def passages_for(hits: Sequence[Hit], n: int = 4) -> tuple[list[Hit], list[str]]:
    """The hits handed to a generator and their numbered passage texts (breadcrumbs, then the chunk)."""
    used = list(hits[:n])
    return used, [" > ".join(h.chunk.breadcrumbs) + "\n" + h.chunk.text for h in used]


def generated(question: str, raw: str, used: Sequence[Hit], r: Retrieved, mode: str, source: SourceFn,
              generator_name: str) -> Answer | None:
    """The generator's text with citations renumbered to its cited passages, or ``None`` if it cites none."""
    text, cited = filter_citations(raw, len(used))
    if not cited:
        return None
    renumber = {old: new for new, old in enumerate(cited, start=1)}
    text = renumber_citations(text, renumber)
    sources = [source(renumber[old], used[old - 1]) for old in cited]
    return Answer(question=question, kind="llm", sentences=[], sources=sources, confidence=r.support, mode=mode,
                  text=text, algorithms=algorithms_of(sources), generator=generator_name)


def fallback_notice(generator_name: str) -> str:
    return (f"The local model ({generator_name}) gave an answer that cited none of the passages, so the extractive "
            "answer is shown instead.")


def find_span(lines: list[str], text: str, after: int) -> tuple[int, int]:
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
