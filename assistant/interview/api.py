"""REST routes of the mock interview, mounted under ``/api/interview``.

Authentication: ``POST /api/interview/users`` returns a token once; send it in the ``X-Interview-Token`` header
on every other route. Sessions belong to the token that created them; another token gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from mlnotes.assistant.interview.anki import ExportError
from mlnotes.assistant.interview.grader import AnswerTooLongError, GradeInputError
from mlnotes.assistant.interview.service import (
    MAX_QUESTIONS,
    InterviewInputError,
    InterviewService,
    InterviewUnavailable,
    SessionFinished,
    service_for_app,
)
from mlnotes.assistant.interview.store import (
    AuthError,
    ConflictError,
    NotFoundError,
    StoreError,
    StoreUnavailable,
)

router = APIRouter(prefix="/interview", tags=["interview"])

TokenHeader = Annotated[str | None, Header(alias="X-Interview-Token", description="your interview token")]


def _svc(request: Request) -> InterviewService:
    return service_for_app(request.app)


#: The one place where interview errors become HTTP statuses: the first matching type wins.
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (AuthError, 401),
    (NotFoundError, 404),
    (ConflictError, 409),
    (SessionFinished, 409),
    (AnswerTooLongError, 413),
    (GradeInputError, 422),
    (InterviewInputError, 422),
    (ExportError, 422),
    (InterviewUnavailable, 503),
    (StoreUnavailable, 503),
    (StoreError, 400),
)


def http_status(exc: BaseException) -> int | None:
    return next((code for typ, code in STATUS_OF if isinstance(exc, typ)), None)


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        status = http_status(exc)
        if status is None:
            raise
        headers = ({"WWW-Authenticate": "X-Interview-Token"} if status == 401
                   else {"Retry-After": "5"} if status == 503 else None)
        raise HTTPException(status_code=status, detail=str(exc), headers=headers) from exc


# ------------------------------------------------------------------------------------------------ models


class UserCreated(BaseModel):
    token: str = Field(description="keep it secret; it is shown only once and identifies you")
    user: int


class StartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: list[str] = Field(default_factory=list, max_length=30, description="topics to draw from (empty: all)")
    difficulty: Literal["easy", "medium", "hard", "any"] = "any"
    n: int = Field(default=5, ge=1, le=MAX_QUESTIONS, description="number of questions")
    weakest: bool = Field(default=False, description="draw what you are weakest at (due and low-scored first)")
    seed: int | None = Field(default=None, description="fix the order of new questions")


class QuestionView(BaseModel):
    position: int
    id: str
    text: str
    difficulty: str
    topics: list[str]
    key_points: int = Field(description="how many key points a complete answer covers")
    hints_used: int


class SessionView(BaseModel):
    session_id: str
    n: int
    answered: int
    finished: bool
    params: dict[str, Any]
    question: QuestionView | None


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(description="your answer in a few sentences")


class HintResponse(BaseModel):
    level: int
    hint: str
    remaining: int


class Citation(BaseModel):
    title: str
    breadcrumbs: list[str]
    path: str
    line_start: int
    line_end: int
    section_id: str
    url: str
    snippet: str


class Covered(BaseModel):
    key_point: str
    evidence: str | None = Field(description="the sentence of your answer that states it")
    probability: float


class Missed(BaseModel):
    key_point: str
    probability: float
    closest: str | None = Field(description="your sentence that came closest")
    contradicted: bool = Field(description="a sentence of your answer states the opposite, a negation or swaps terms")
    your_sentence: str | None = Field(description="the sentence of your answer that was wrong (quoted)")
    what_was_wrong: str
    citation: Citation


class ModelAnswer(BaseModel):
    short_answer: str
    key_points: list[str]


class Feedback(BaseModel):
    question_id: str
    question: str
    position: int
    n: int
    score: float = Field(ge=0, le=10)
    skipped: bool
    flags: list[str]
    ignored: list[dict[str, str]]
    covered: list[Covered]
    missed: list[Missed]
    model_answer: ModelAnswer
    common_mistakes: list[str]
    follow_up: str | None
    source: dict[str, Any]
    next_review_in_days: float
    hints_used: int
    session: dict[str, Any]


class SummaryItem(BaseModel):
    position: int
    question_id: str
    question: str
    score: float
    skipped: bool
    hints: int
    covered: int
    key_points: int
    missed: list[str]


class Summary(BaseModel):
    session_id: str
    params: dict[str, Any]
    n: int
    answered: int
    finished: bool
    mean_score: float | None
    answers: list[SummaryItem]


class TopicProgress(BaseModel):
    topic: str
    answers: int
    skipped: int
    mean_score: float
    last_score: float
    questions_seen: int
    due_now: int


class DueItem(BaseModel):
    question_id: str
    question: str
    due_in_days: float
    recall_probability: float | None = Field(description="FSRS's predicted probability that you recall it now")
    stability_days: float | None
    difficulty: float | None
    last_score: float | None


class DueTopic(BaseModel):
    topic: str
    due_now: list[DueItem]
    upcoming: list[DueItem]


class DueQueue(BaseModel):
    scheduler: str
    desired_retention: float
    due_now: int
    topics: list[DueTopic]


class Progress(BaseModel):
    answers: int
    topics: list[TopicProgress]
    over_time: list[dict[str, Any]]
    weakest_topics: list[str]
    due: list[dict[str, Any]]


# ------------------------------------------------------------------------------------------------ routes


@router.post("/users", response_model=UserCreated, status_code=201, summary="Create a user and its token")
def create_user(request: Request) -> Any:
    return _call(_svc(request).create_user)


@router.get("/topics", summary="Topics of the interview bank with question counts")
def topics(request: Request) -> dict[str, int]:
    return _call(lambda: _svc(request).topics())


@router.post("/sessions", response_model=SessionView, status_code=201, summary="Start a mock interview")
def start(req: StartRequest, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).start, token, topics=req.topics, difficulty=req.difficulty, n=req.n,
                 weakest=req.weakest, seed=req.seed)


@router.get("/sessions", summary="Your sessions")
def sessions(request: Request, token: TokenHeader = None) -> list[dict[str, Any]]:
    return _call(_svc(request).sessions, token)


@router.get("/sessions/{session_id}", response_model=SessionView, summary="The session and its current question")
def current(session_id: str, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).current, token, session_id)


@router.get("/sessions/{session_id}/question", response_model=SessionView, summary="The next question to answer")
def next_question(session_id: str, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).current, token, session_id)


@router.post("/sessions/{session_id}/hint", response_model=HintResponse, summary="A hint for the current question")
def hint(session_id: str, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).hint, token, session_id)


@router.post("/sessions/{session_id}/answer", response_model=Feedback, summary="Answer and get graded feedback")
def answer(session_id: str, req: AnswerRequest, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).answer, token, session_id, req.answer)


@router.post("/sessions/{session_id}/skip", response_model=Feedback, summary="Skip (scores 0, comes back soon)")
def skip(session_id: str, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).skip, token, session_id)


@router.get("/sessions/{session_id}/summary", response_model=Summary, summary="Scores of a session")
def summary(session_id: str, request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).summary, token, session_id)


@router.get("/progress", response_model=Progress, summary="Progress per topic, over time, and what is due")
def progress(request: Request, token: TokenHeader = None) -> Any:
    return _call(_svc(request).progress, token)


@router.get("/progress.csv", response_class=PlainTextResponse, summary="Every answer as CSV")
def progress_csv(request: Request, token: TokenHeader = None) -> PlainTextResponse:
    text = _call(_svc(request).progress_csv, token)
    return PlainTextResponse(text, media_type="text/csv",
                             headers={"Content-Disposition": 'attachment; filename="interview-progress.csv"'})


@router.get("/due", response_model=DueQueue, summary="FSRS due queue per topic")
def due(request: Request, topic: str | None = None, token: TokenHeader = None) -> Any:
    return _call(_svc(request).due_queue, token, topic)


@router.get("/export.apkg", summary="Anki deck of the bank, a topic, or your weak questions",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def export_apkg(request: Request, topic: str | None = None, weak: bool = False, token: TokenHeader = None) -> Response:
    import tempfile
    from pathlib import Path

    svc = _svc(request)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "deck.apkg"
        _call(svc.export_anki, path, topic=topic, token=token, weak=weak)
        data = path.read_bytes()
    name = "mlnotes-interview" + (f"-{topic}" if topic else "") + ("-weak" if weak else "") + ".apkg"
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
