"""Follow-up questions over REST: ``history`` and ``conversation_id`` on /api/ask and /api/ask/stream, validated,
and the answer says how the question was read."""

from __future__ import annotations

import json

import pytest

from mlnotes.assistant.api.schemas import MAX_HISTORY


def _sse_answer(client, body: dict) -> dict:
    with client.stream("POST", "/api/ask/stream", json=body) as r:
        assert r.status_code == 200
        text = "".join(r.iter_text())
    last = [blk for blk in text.split("\n\n") if blk.strip()][-1]
    assert last.startswith("event: answer")
    return json.loads(last.split("\n", 1)[1].removeprefix("data: "))["answer"]


def test_stand_alone_question_is_read_as_it_is_and_gets_a_conversation_id(client):
    r = client.post("/api/ask", json={"question": "What is k-means clustering?"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["question"] == d["resolved_question"] == "What is k-means clustering?"
    assert d["is_follow_up"] is False and d["read_as"] is None
    assert d["conversation_id"]


def test_history_turns_a_follow_up_into_a_stand_alone_question(client):
    history = [{"role": "user", "content": "What is k-means clustering?"},
               {"role": "assistant", "content": "k-means assigns points to the nearest centroid [1]."}]
    d = client.post("/api/ask", json={"question": "and its complexity?", "history": history}).json()
    assert d["is_follow_up"] and d["question"] == "and its complexity?"
    assert d["resolved_question"] == "the complexity of k-means clustering?"
    assert d["read_as"] == "Read as: the complexity of k-means clustering?"
    # the resolved question is what was answered: the same sources as asking it directly
    direct = client.post("/api/ask", json={"question": d["resolved_question"]}).json()
    assert [s["chunk_id"] for s in d["sources"]] == [s["chunk_id"] for s in direct["sources"]]
    # without history the same words are not rewritten
    alone = client.post("/api/ask", json={"question": "and its complexity?"}).json()
    assert not alone["is_follow_up"] and alone["resolved_question"] == "and its complexity?"


def test_conversation_id_remembers_the_previous_turn(client):
    first = client.post("/api/ask", json={"question": "How does ridge regression work?"}).json()
    cid = first["conversation_id"]
    d = client.post("/api/ask", json={"question": "and why does that matter?", "conversation_id": cid}).json()
    assert d["conversation_id"] == cid
    assert d["resolved_question"] == "why does ridge regression matter?"
    # a stream continues the same conversation, and the topic carries over a modifier
    s = _sse_answer(client, {"question": "what about at inference time?", "conversation_id": cid})
    assert s["resolved_question"] == "ridge regression at inference time?" and s["conversation_id"] == cid
    # an id the server never saw starts a new conversation under that id
    fresh = client.post("/api/ask", json={"question": "and why does that matter?", "conversation_id": "new-1"}).json()
    assert not fresh["is_follow_up"] and fresh["conversation_id"] == "new-1"


def test_stream_reads_history_too(client):
    history = [{"role": "user", "content": "Explain the bias-variance trade-off"}]
    s = _sse_answer(client, {"question": "show me the code", "history": history})
    assert s["resolved_question"] == "show me the code for bias-variance trade-off" and s["is_follow_up"]


@pytest.mark.parametrize("body, where", [
    ({"question": "why?", "history": [{"role": "system", "content": "x"}]}, "history.0.role"),
    ({"question": "why?", "history": [{"role": "user"}]}, "history.0.content"),
    ({"question": "why?", "history": [{"role": "user", "content": "a", "extra": 1}]}, "history.0.extra"),
    ({"question": "why?", "history": "What is dropout?"}, "history"),
    ({"question": "why?", "history": [{"role": "user", "content": "q"}] * (MAX_HISTORY + 1)}, "history"),
    ({"question": "why?", "history": [{"role": "user", "content": "x" * 20_001}]}, "history.0.content"),
    ({"question": "why?", "conversation_id": "../etc"}, "conversation_id"),
    ({"question": "why?", "conversation_id": ""}, "conversation_id"),
    ({"question": "why?", "conversation_id": "x" * 65}, "conversation_id"),
])
@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_bad_history_or_id_is_a_422_that_names_the_field(client, body, where, path):
    r = client.post(path, json=body)
    assert r.status_code == 422, r.text
    assert f"'{where}'" in r.json()["error"]


def test_the_first_stream_event_already_says_how_the_question_was_read(client):
    history = [{"role": "user", "content": "What is k-means clustering?"},
               {"role": "assistant", "content": "k-means assigns points to the nearest centroid [1]."}]
    with client.stream("POST", "/api/ask/stream", json={"question": "and its complexity?", "history": history}) as r:
        assert r.status_code == 200
        blocks = [b for b in "".join(r.iter_text()).split("\n\n") if b.strip()]
    events = [(b.split("\n", 1)[0].removeprefix("event: "), json.loads(b.split("\n", 1)[1].removeprefix("data: ")))
              for b in blocks]
    name, first = events[0]
    answer = events[-1][1]["answer"]
    assert name != "answer" and len(events) > 1  # sent before the answer, not with it
    reading = first["reading"]
    assert reading["is_follow_up"] is True
    assert reading["resolved_question"] == answer["resolved_question"] == "the complexity of k-means clustering?"
    assert reading["read_as"] == answer["read_as"] and reading["conversation_id"] == answer["conversation_id"]
    assert all("reading" not in data for _, data in events[1:])  # only the first event carries it
