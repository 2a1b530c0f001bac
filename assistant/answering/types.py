"""The answer's data: sources, sentences, the answer, and the generator protocol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import chunk_location


@dataclass
class Source:
    """A cited chunk: :func:`mlnotes.kb.index.chunk_location`'s fields (the one hit/source schema) plus its number."""

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

    @classmethod
    def of(cls, n: int, chunk: Chunk, score: float, url: str) -> Source:
        return cls(n=n, score=round(float(score), 6), url=url, **chunk_location(chunk))


@dataclass
class AnswerSentence:
    text: str
    source: int  # Source.n
    line_start: int  # the sentence's own span in the file
    line_end: int
    kind: str = "sentence"  # sentence | table_row | key_point | short_answer
    table_header: str = ""
    # one item of a list sentence shown on its own (``compose.list_item_lead``): ``text`` is the item verbatim, so
    # the reader sees it with a capital and a full stop (``render.display_sentence``)
    item: bool = False


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
    generator: str = "extractive"  # what composed the text: "extractive" or the local model's name
    fell_back: bool = False  # a generator was asked but its answer cited nothing, so the extractive one is shown
    experimental: bool = False  # composed by a model under ~1B parameters (mlnotes.assistant.grounding.is_small_model)
    support: dict[str, Any] | None = None  # the sentence-level support check of a generated answer
    # computed lines above the text (answering.worked): a formula a cited source states, at the question's values;
    # not sentences, so the faithfulness check does not read them
    worked: list[dict[str, Any]] = field(default_factory=list)

    @property
    def abstained(self) -> bool:
        return self.kind == "abstain"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for s in d["sentences"]:  # ``item`` is said only where it holds: a sentence's keys are as they were
            if not s.get("item"):
                s.pop("item", None)
        d["abstained"] = self.abstained
        d["markdown"] = self.markdown()
        return d

    def markdown(self, link_prefix: str = "") -> str:
        """The answer and its numbered sources, as Markdown with clickable section links."""
        from mlnotes.assistant.answering.render import answer_markdown

        return answer_markdown(self, link_prefix)


class Generator(Protocol):
    """A text generator the answerer can hand numbered passages to (the local-LLM backends implement it)."""

    name: str

    def generate(self, question: str, passages: list[str], max_new_tokens: int = 256) -> Iterator[str]:
        """Yield pieces of an answer that cites passages as ``[n]`` (1-based)."""
        ...
