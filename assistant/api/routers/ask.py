"""``/api/ask`` and ``/api/ask/stream``: a question (and, optionally, the conversation so far) in, a cited answer
out. A follow-up is read against the earlier turns (:mod:`mlnotes.assistant.conversation`) before retrieval: from the
request's ``history`` when given, else from the server's memory of ``conversation_id``. The response says how the
question was read (``resolved_question``, ``read_as``) and which conversation id continues it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from mlnotes.assistant.api.deps import AnswererDep, SettingsDep
from mlnotes.assistant.api.schemas import AnswerOut, AskRequest
from mlnotes.assistant.conversation import (
    ConversationStore,
    Reading,
    annotate,
    resolve,
    turn_after,
    turns_from_history,
)

router = APIRouter(tags=["ask"])
_store_lock = threading.Lock()


def _store(request: Request, settings) -> ConversationStore:
    st = request.app.state
    store = getattr(st, "conversations", None)
    if store is None:
        with _store_lock:
            store = getattr(st, "conversations", None)
            if store is None:
                store = st.conversations = ConversationStore(settings.conversations, settings.conversation_ttl_s)
    return store


def _read(req: AskRequest, store: ConversationStore) -> tuple[Reading, str]:
    cid = req.conversation_id or store.new_id()
    if req.history is not None:
        turns = turns_from_history(m.model_dump() for m in req.history)
    else:
        turns = store.get(cid) if req.conversation_id else []
    return resolve(req.question, turns), cid


def _remember(store: ConversationStore, cid: str, reading: Reading, answer: dict) -> dict:
    store.append(cid, turn_after(reading, answer))
    return annotate(answer, reading, cid)


@router.post("/ask", response_model=AnswerOut, summary="Answer a question with citations")
def ask(req: AskRequest, answerer: AnswererDep, settings: SettingsDep, request: Request) -> dict:
    store = _store(request, settings)
    reading, cid = _read(req, store)
    ans = answerer.answer(reading.question, mode=req.mode, k=req.k, generator=answerer.pick_generator(req.generator),
                          filters=req.filters())
    return _remember(store, cid, reading, ans.to_dict())


@router.post("/ask/stream", summary="Answer a question, streamed as server-sent events",
             response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "events `delta` (text pieces) then `answer` (the full answer, with "
                                             "`resolved_question` and `conversation_id`), or `error`; the first "
                                             "event also carries `reading` (`resolved_question`, `is_follow_up`, "
                                             "`read_as`, `resolution_rule`, `conversation_id`), so a client can "
                                             "show how a follow-up was read before the answer is complete"}})
def ask_stream(req: AskRequest, answerer: AnswererDep, settings: SettingsDep, request: Request) -> StreamingResponse:
    store = _store(request, settings)
    reading, cid = _read(req, store)
    # validate and retrieve before streaming starts, so bad input still gets a proper 4xx status
    events = answerer.stream(reading.question, mode=req.mode, k=req.k,
                             generator=answerer.pick_generator(req.generator),
                             filters=req.filters())
    first = next(events)

    first = {**first, "reading": {**reading.to_dict(), "conversation_id": cid}}

    def sse() -> Iterator[str]:
        try:
            for ev in _chain(first, events):
                name = ev.pop("event")
                if name == "answer":
                    ev["answer"] = _remember(store, cid, reading, ev["answer"])
                yield f"event: {name}\ndata: {json.dumps(ev, ensure_ascii=False)}\n\n"
        except Exception as exc:  # noqa: BLE001 - a stream cannot change its status any more
            yield f"event: error\ndata: {json.dumps({'error': str(exc)[:300]})}\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _chain(first, rest):
    yield first
    yield from rest
