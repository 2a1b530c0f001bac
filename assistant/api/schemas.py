"""Request and response models of the REST API (separate models for requests and responses)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from mlnotes.kb.index import MAX_K, MAX_QUERY_CHARS

Mode = Literal["bm25", "dense", "hybrid"]
Fusion = Literal["rrf", "weighted"]


def _not_blank(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be empty or whitespace; type a question or some keywords")
    return v


class FilterFields(BaseModel):
    """The search filters of /api/search and /api/ask; a value the index does not hold is a 422 that lists the
    valid ones (:mod:`mlnotes.kb.filters`)."""

    kind: str | None = Field(default=None, max_length=50,
                             description="only chunks of this kind: guide, chapter, interview, reference, or notes "
                                         "(extra corpus folders)")
    topic: str | None = Field(default=None, max_length=100, description="only documents with this front-matter topic")
    document: str | None = Field(default=None, max_length=300, validation_alias=AliasChoices("document", "doc"),
                                 description="only this document (id or corpus path); also accepted as 'doc'")

    def filters(self):
        from mlnotes.kb.search import Filters

        return Filters(kind=self.kind, topic=self.topic, document=self.document)


class SearchRequest(FilterFields):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="what to look for")
    k: int = Field(default=5, ge=1, le=MAX_K, description="number of hits")
    mode: Mode = "hybrid"
    fusion: Fusion | None = None

    _blank = field_validator("query")(_not_blank)


class ChunkRef(BaseModel):
    """Where a chunk is and what it is (``mlnotes.kb.index.chunk_location``), its score and its deep link: the fields
    every search hit and answer source shares."""

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
    algorithms: list[str]
    score: float
    url: str


class Hit(ChunkRef):
    rank: int
    bm25_score: float | None = None
    dense_score: float | None = None
    snippet: str


class SearchResponse(BaseModel):
    query: str
    mode: Mode
    hits: list[Hit]
    took_ms: float


MAX_HISTORY = 20  # messages of ``history`` accepted per request (only the last few user turns matter)
MAX_HISTORY_CHARS = 20_000  # per message: an assistant answer may be long, a user message is a question


class ChatMessage(BaseModel):
    """One earlier message of the conversation, oldest first."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_HISTORY_CHARS)


class AskRequest(FilterFields):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    history: list[ChatMessage] | None = Field(
        default=None, max_length=MAX_HISTORY,
        description="earlier messages of this conversation, oldest first; a follow-up question ('and why does that "
                    "matter?') is read against the user messages. Takes precedence over conversation_id's memory")
    conversation_id: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
        description="continue a conversation the server remembers (recent turns, expiring); the response carries "
                    "the id to send next time (a new one when none was sent)")
    mode: Mode = "hybrid"
    k: int = Field(default=6, ge=1, le=20)
    generator: Literal["extractive", "llm"] | None = Field(
        default=None, description="who composes the text: the served default (null), 'extractive', or the loaded "
                                  "local 'llm'")

    _blank = field_validator("question")(_not_blank)


class SourceOut(ChunkRef):
    n: int


class SentenceOut(BaseModel):
    text: str
    source: int
    line_start: int
    line_end: int
    kind: str
    table_header: str = ""


class AlgorithmRef(BaseModel):
    name: str
    title: str
    path: str
    params: list[dict[str, Any]]


class AnswerOut(BaseModel):
    question: str
    kind: Literal["extractive", "interview", "abstain", "llm"]
    abstained: bool
    text: str
    markdown: str
    sentences: list[SentenceOut]
    sources: list[SourceOut]
    closest: list[SourceOut]
    algorithms: list[AlgorithmRef]
    confidence: float
    mode: Mode
    interview_id: str | None = None
    follow_up: str | None = None
    notice: str = ""
    resolved_question: str = Field(description="the question as answered: a follow-up rewritten with the topic of "
                                               "the earlier turns, otherwise the question itself")
    is_follow_up: bool = Field(default=False, description="the question was read as a follow-up of earlier turns")
    read_as: str | None = Field(default=None, description="'Read as: ...' when the question was rewritten")
    resolution_rule: str = Field(default="stand-alone", description="which rule read the question")
    conversation_id: str | None = Field(default=None, description="send it back to continue this conversation")
    generator: str = Field(description="what composed the text: 'extractive' or the local model's name")
    fell_back: bool = Field(description="a local model was asked but cited none of the passages, so the "
                                        "extractive answer is shown")
    experimental: bool = Field(default=False, description="composed by a local model under ~1B parameters: "
                                                          "read it as a draft and check the citations")
    support: dict[str, Any] | None = Field(default=None, description="the sentence-level support check of a "
                                           "generated answer: share supported, and each dropped sentence with why")
    worked: list[dict[str, Any]] = Field(default_factory=list, description="computed 'On your numbers' lines shown "
                                         "above the text: a formula a cited source states, at the question's values "
                                         "(formula id, values, text, source number); not corpus sentences")
    timings_ms: dict[str, float]


class CorpusEntry(BaseModel):
    path: str
    title: str
    kind: str
    doc_id: str


class SectionOut(BaseModel):
    doc_id: str
    section_id: str
    title: str
    heading: str
    path: str
    line_start: int
    line_end: int
    markdown: str
    html: str


class ParamOut(BaseModel):
    name: str
    type: str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: list[Any] | None = None
    help: str = ""


class AlgorithmOut(BaseModel):
    name: str
    title: str
    family: str
    summary: str
    module: str
    path: str
    reference: str
    params: list[ParamOut]
    tags: list[str]


class AlgorithmDetail(AlgorithmOut):
    docstring: str
    taught_in: list[dict[str, Any]] = Field(default_factory=list, description="corpus sections linking here")


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    params: dict[str, bool | int | float | str] = Field(default_factory=dict)


class RunOut(BaseModel):
    name: str
    params: dict[str, Any]
    metrics: dict[str, float | None]
    reference: dict[str, float | None]
    reference_name: str
    seconds: float
    notes: str
    extra: dict[str, Any] = Field(default_factory=dict, description="the demo's further diagnostics, e.g. a "
                                                                     "difference to the reference's internals")
    figure_png_base64: str | None
