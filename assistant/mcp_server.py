"""ML/AI Notes as a Model Context Protocol server (``mlnotes mcp``), for editors and desktop assistants.

Tools: ``search``, ``ask``, ``get_section``, ``list_algorithms``, ``run_algorithm``, ``interview_question`` and
``grade_answer``; every corpus file is a resource at ``mlnotes://corpus/<path>``. Citations come back as
structured data (path, lines, section id, breadcrumbs, link) in each tool's structured content, beside a short
text rendering for clients that only read text.

A user error (an empty query, an unknown algorithm, a bad parameter, a missing section) raises
:class:`ToolError` with the message that says what to fix: the client gets ``isError`` and the text, and the
server keeps serving. Services (the index, the answerer, the interview bank and grader) are built on the first
tool call that needs them, so a client's handshake and ``tools/list`` are instant.

Uses the ``mcp`` SDK 2.x (``MCPServer``, formerly ``FastMCP``); it is in the ``mcp`` extra.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

if TYPE_CHECKING:  # pragma: no cover
    from mcp.server.mcpserver import MCPServer

    from mlnotes.assistant.services import Services
    from mlnotes.assistant.settings import Settings

URI_PREFIX = "mlnotes://corpus/"
INSTRUCTIONS = (
    "ML/AI Notes: an offline ML/AI knowledge base (a curriculum, guides, an interview bank and from-scratch "
    "algorithms). Use `search` to find passages, `ask` for a cited answer, `get_section` to read a cited section "
    "in full, `list_algorithms`/`run_algorithm` to run a from-scratch algorithm against its reference library, and "
    "`interview_question`/`grade_answer` for interview practice. Cite passages by their path and lines."
)

Mode = Literal["bm25", "dense", "hybrid"]


class ServiceHolder:
    """Builds the services once, on first use, from a factory (thread-safe: sync tools run in worker threads)."""

    def __init__(self, factory: Callable[[], Services]) -> None:
        self._factory = factory
        self._services: Services | None = None
        self._lock = threading.Lock()

    def get(self) -> Services:
        if self._services is None:
            with self._lock:
                if self._services is None:
                    self._services = self._factory()
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


def _tool_error(exc: BaseException) -> Exception:
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(str(exc) or type(exc).__name__)


def _user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions whose message tells the caller what to fix (answered as a tool error, not a crash)."""
    from mlnotes.algorithms.registry import ParamError, UnknownAlgorithmError
    from mlnotes.assistant.corpus import CorpusPathError
    from mlnotes.assistant.interview.grader import GradeInputError
    from mlnotes.assistant.runner import RunFailed, RunnerBusy
    from mlnotes.kb.index import IndexUnavailableError, QueryError

    return (QueryError, IndexUnavailableError, CorpusPathError, UnknownAlgorithmError, ParamError, RunFailed,
            RunnerBusy, GradeInputError, ValueError)


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except _user_errors() as exc:
        raise _tool_error(exc) from exc


def citation(path: str, line_start: int, line_end: int, section_id: str, breadcrumbs: list[str], title: str,
             url: str, **extra: Any) -> dict[str, Any]:
    """The one citation shape of every tool: where the passage is, and how to open it."""
    return {"path": path, "line_start": line_start, "line_end": line_end, "section_id": section_id,
            "title": title, "breadcrumbs": list(breadcrumbs), "url": url, "resource": URI_PREFIX + path, **extra}


def build_server(holder: ServiceHolder, corpus_dir: Path, name: str = "mlnotes") -> MCPServer:
    """The MCP server over the services ``holder`` builds; ``corpus_dir`` lists the resources."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.resources import FunctionResource

    from mlnotes.assistant.corpus import corpus_tree, find_section, load_doc
    from mlnotes.kb.filters import check_filters
    from mlnotes.kb.search import Filters

    mcp = MCPServer(name=name, title="ML/AI Notes", instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING")

    @mcp.tool(description="Search the knowledge base (hybrid BM25 + dense by default). Each hit is a citation: "
                          "path, lines, section id, breadcrumbs, a snippet and a resource URI.")
    def search(query: Annotated[str, Field(description="what to look for", min_length=1, max_length=2000)],
               k: Annotated[int, Field(ge=1, le=50, description="number of hits")] = 5,
               mode: Mode = "hybrid",
               kind: Annotated[str | None, Field(description="only chunks of this kind (guide, chapter, "
                                                             "interview, reference, notes)")] = None,
               topic: Annotated[str | None, Field(description="only documents with this front-matter topic")] = None,
               document: Annotated[str | None, Field(description="only this document (id or corpus path)")] = None,
               ) -> dict[str, Any]:
        svc = holder.get()
        filters = _call(check_filters, svc.index, Filters(kind=kind, topic=topic, document=document))
        hits = _call(svc.index.search, query, k=k, mode=mode, filters=filters)
        out = []
        for h in hits:
            c = h.chunk
            out.append(citation(c.path, c.line_start, c.line_end, c.section_id, c.breadcrumbs, c.title,
                                svc.answerer.section_url(c.path, c.section_id), rank=h.rank,
                                score=round(float(h.score), 6), kind=c.kind, snippet=h.snippet(query)))
        return {"query": query, "mode": mode, "hits": out}

    @mcp.tool(description="Answer a question from the corpus with numbered citations [n]; `citations` lists "
                          "each [n] with its path and lines. Extractive (no LLM) unless the server loaded one.")
    def ask(question: Annotated[str, Field(description="the question", min_length=1, max_length=2000)],
            k: Annotated[int, Field(ge=1, le=20, description="chunks to read")] = 6,
            mode: Mode = "hybrid",
            kind: Annotated[str | None, Field(description="answer only from chunks of this kind")] = None,
            topic: Annotated[str | None, Field(description="only from documents with this topic")] = None,
            document: Annotated[str | None, Field(description="only from this document (id or path)")] = None,
            ) -> dict[str, Any]:
        svc = holder.get()
        ans = _call(svc.answerer.answer, question, mode=mode, k=k,
                    filters=Filters(kind=kind, topic=topic, document=document))
        cites = [citation(s.path, s.line_start, s.line_end, s.section_id, s.breadcrumbs, s.title, s.url,
                          n=s.n, kind=s.kind) for s in ans.sources]
        return {"question": question, "answer": ans.text, "kind": ans.kind, "abstained": ans.abstained,
                "confidence": round(float(ans.confidence), 4), "generator": ans.generator,
                "notice": ans.notice, "citations": cites,
                "sentences": [{"text": s.text, "source": s.source, "line_start": s.line_start,
                               "line_end": s.line_end} for s in ans.sentences]}

    @mcp.tool(description="Read one section of a corpus file (a heading and its body) as Markdown, e.g. the "
                          "section a citation points at.")
    def get_section(path: Annotated[str, Field(description="corpus-relative path, e.g. guides/loss-functions.md",
                                               min_length=1, max_length=300)],
                    section_id: Annotated[str | None, Field(description="the section's id (heading slug); "
                                                            "omit for the list of sections")] = None,
                    ) -> dict[str, Any]:
        svc = holder.get()
        doc = _call(load_doc, svc.answerer.corpus_dir, path)
        sections = [{"id": h.slug, "heading": h.text, "level": h.level, "line": h.line} for h in doc.headings]
        if not section_id:
            return {"path": doc.rel_path, "title": doc.title, "sections": sections}
        s = _call(find_section, doc, section_id)
        return {"markdown": s.markdown, "heading": s.heading,
                "citation": citation(s.path, s.line_start, s.line_end, s.section_id, [doc.title, s.heading],
                                     s.title, svc.answerer.section_url(s.path, s.section_id))}

    @mcp.tool(description="Every registered from-scratch algorithm: name, family, summary, reference library and "
                          "its parameters.")
    def list_algorithms(family: Annotated[str | None, Field(description="only this family")] = None,
                        ) -> dict[str, Any]:
        from mlnotes.algorithms import registry

        specs = [s.to_dict() for s in registry.all_specs()]
        if family:
            families = sorted({s["family"] for s in specs})
            if family not in families:
                raise _tool_error(ValueError(f"unknown family {family!r}; valid: {', '.join(families)}"))
            specs = [s for s in specs if s["family"] == family]
        return {"algorithms": specs}

    @mcp.tool(description="Run an algorithm's demo in a sandboxed process: our metrics beside the reference "
                          "library's (the figure is left out).")
    def run_algorithm(name: Annotated[str, Field(description="a name from list_algorithms", min_length=1,
                                                 max_length=100)],
                      params: Annotated[dict[str, Any] | None, Field(description="demo parameters")] = None,
                      ) -> dict[str, Any]:
        svc = holder.get()
        result = _call(svc.runner.run, name, params or {})
        return result.to_dict(include_figure=False)

    @mcp.tool(description="Draw an interview question (by id, or at random by topic and difficulty). The key "
                          "points are withheld: answer it, then call grade_answer with its id.")
    def interview_question(
            question_id: Annotated[str | None, Field(description="a question id (omit to draw one)")] = None,
            topic: Annotated[str | None, Field(description="draw from this topic")] = None,
            difficulty: Literal["easy", "medium", "hard", "any"] = "any",
            seed: Annotated[int | None, Field(description="fix the draw")] = None) -> dict[str, Any]:
        svc = holder.get()
        q = _question(svc, question_id, topic, difficulty, seed)
        return {"id": q.id, "question": q.question, "topics": list(q.topics), "difficulty": q.difficulty,
                "key_points": len(q.key_points),
                "source": citation(q.path, q.line, q.line, q.section_id, [q.question], q.question,
                                   svc.answerer.section_url(q.path, q.section_id))}

    @mcp.tool(description="Grade an answer to an interview question: the score, each key point covered or "
                          "missed (with the corpus section that teaches a missed one), and the model answer.")
    def grade_answer(question_id: Annotated[str, Field(description="the id from interview_question",
                                                       min_length=1, max_length=200)],
                     answer: Annotated[str, Field(description="your answer in a few sentences", min_length=1)],
                     ) -> dict[str, Any]:
        svc = holder.get()
        q = _question(svc, question_id, None, "any", None)
        interview = _interview(svc)
        result = _call(interview.grader.grade, q, answer)
        points = []
        for kp in result.key_points:
            item = {"key_point": kp.key_point, "covered": kp.covered, "probability": round(float(kp.probability), 4),
                    "evidence": kp.evidence, "contradicted": kp.contradicted}
            if not kp.covered:
                cite = interview.cite(q, kp.key_point)
                item["citation"] = citation(cite["path"], cite["line_start"], cite["line_end"], cite["section_id"],
                                            cite["breadcrumbs"], cite["title"], cite["url"])
            points.append(item)
        return {"question_id": q.id, "question": q.question, "score": round(float(result.score), 4),
                "flags": list(result.flags), "key_points": points,
                "model_answer": {"short_answer": q.short_answer, "key_points": list(q.key_points)},
                "common_mistakes": list(q.mistakes)}

    for entry in corpus_tree(corpus_dir):
        mcp.add_resource(FunctionResource.from_function(
            fn=_reader(Path(corpus_dir), entry.path), uri=URI_PREFIX + entry.path, name=entry.path,
            title=entry.title, description=f"{entry.kind or 'corpus'} file: {entry.title}",
            mime_type="text/markdown"))
    return mcp


def _reader(corpus_dir: Path, rel: str) -> Callable[[], str]:
    from mlnotes.assistant.corpus import load_doc

    def read() -> str:
        return "\n".join(load_doc(corpus_dir, rel).lines) + "\n"

    return read


def _interview(svc: Services):
    if svc.interview is None:
        raise _tool_error(ValueError("the interview mode is unavailable (the bank or the grader did not load; "
                                     "the server log says why)"))
    return svc.interview


def _question(svc: Services, question_id: str | None, topic: str | None, difficulty: str, seed: int | None):
    interview = _interview(svc)
    if question_id:
        q = interview.bank.get(question_id)
        if q is None:
            raise _tool_error(ValueError(f"no interview question {question_id!r}; draw one with interview_question"))
        return q
    topics = interview.topics()
    if topic and topic not in topics:
        raise _tool_error(ValueError(f"unknown topic {topic!r}; valid: {', '.join(topics)}"))
    pool = [q for q in interview.bank.values()
            if (not topic or topic in q.topics) and (difficulty == "any" or q.difficulty == difficulty)]
    if not pool:
        raise _tool_error(ValueError(f"no questions with topic={topic or 'any'} and difficulty={difficulty}"))
    return random.Random(seed).choice(pool)


def build_from_settings(settings: Settings, log: Callable[[str], None]) -> tuple[MCPServer, ServiceHolder]:
    """The served MCP server: services from the settings (index, answerer, bank, grader), built on first use."""
    from mlnotes.assistant.services import build_services

    holder = ServiceHolder(lambda: build_services(settings, log_fn=log))
    return build_server(holder, settings.corpus_dir), holder


def serve(settings: Settings, http: bool = False, host: str = "127.0.0.1", port: int = 8765,
          log: Callable[[str], None] | None = None) -> None:
    """Serve over stdio (the default; stdout is the protocol, so logs go to stderr) or streamable HTTP at /mcp."""
    import sys

    log = log or (lambda m: print(m, file=sys.stderr))
    server, holder = build_from_settings(settings, log)
    try:
        if http:
            server.run("streamable-http", host=host, port=port)
        else:
            server.run("stdio")
    finally:
        holder.close()


def main() -> None:
    """``python -m mlnotes.assistant.mcp_server``: the stdio server with the configured settings."""
    from mlnotes.assistant.settings import get_settings

    serve(get_settings())


if __name__ == "__main__":
    main()
