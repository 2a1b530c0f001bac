from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from assistant.api.deps import AnswererDep
from assistant.api.schemas import AnswerOut, AskRequest

router = APIRouter(tags=["ask"])


@router.post("/ask", response_model=AnswerOut, summary="Answer a question with citations")
def ask(req: AskRequest, answerer: AnswererDep) -> dict:
    return answerer.answer(req.question, mode=req.mode, k=req.k,
                           generator=answerer.pick_generator(req.generator), filters=req.filters()).to_dict()


@router.post("/ask/stream", summary="Answer a question, streamed as server-sent events",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "events `delta` (text pieces) then `answer` (the full answer), or "
                                             "`error`"}})
def ask_stream(req: AskRequest, answerer: AnswererDep) -> StreamingResponse:
    # validate and retrieve before streaming starts, so bad input still gets a proper 4xx status
    events = answerer.stream(req.question, mode=req.mode, k=req.k, generator=answerer.pick_generator(req.generator),
                             filters=req.filters())
    first = next(events)

    def sse() -> Iterator[str]:
        try:
            for ev in _chain(first, events):
                name = ev.pop("event")
                yield f"event: {name}\ndata: {json.dumps(ev, ensure_ascii=False)}\n\n"
        except Exception as exc:  # noqa: BLE001 - a stream cannot change its status any more
            yield f"event: error\ndata: {json.dumps({'error': str(exc)[:300]})}\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _chain(first, rest):
    yield first
    yield from rest
