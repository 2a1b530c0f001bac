"""A real server process (uvicorn, loopback): slow clients are cut off, SIGHUP and the admin call reload the index
while the old one keeps serving, and health reports the version served (issue #18, items 3 and 5)."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from tests.reliability.server_proc import fixture_server, get_json

READ_TIMEOUT = 2.0
NEW_DOC = ("---\nid: quasar\ntitle: Quasar optimiser\nkind: guide\ntopics: [optimization]\n---\n# Quasar optimiser\n\n"
           "## Idea\n\nThe zorblax schedule warms the learning rate up, then decays it.\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with fixture_server(tmp_path_factory.mktemp("srv"), read_timeout=READ_TIMEOUT) as s:
        yield s


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    t0 = time.monotonic()
    sock.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data, time.monotonic() - t0


def test_half_sent_headers_are_answered_408_and_closed(server):
    url, _, _ = server
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # the blank line never comes
        data, took = _read_until_closed(s, READ_TIMEOUT + 5)
    assert data.startswith(b"HTTP/1.1 408") and took < READ_TIMEOUT + 2, (data[:200], took)


def test_a_silent_connection_and_a_dripped_body_are_closed(server):
    url, _, _ = server
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
        data, took = _read_until_closed(s, READ_TIMEOUT + 5)
    assert took < READ_TIMEOUT + 2 and data.startswith(b"HTTP/1.1 408")
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
        s.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                  b"content-length: 1000\r\n\r\n{\"query\": ")
        t0 = time.monotonic()
        closed = False
        s.settimeout(0.5)
        while time.monotonic() - t0 < READ_TIMEOUT + 4:
            try:
                s.sendall(b" ")
                if s.recv(4096) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        assert closed and time.monotonic() - t0 < READ_TIMEOUT + 3


def _response(sock: socket.socket) -> bytes:
    """One whole response (head and a Content-Length body) from a kept-alive connection."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(4096)
    return head + b"\r\n\r\n" + body


def test_whole_requests_still_work_and_keep_alive(server):
    url, _, _ = server
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
        for _ in range(2):
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _response(s).startswith(b"HTTP/1.1 200")
            time.sleep(READ_TIMEOUT + 0.5)  # idle between requests: keep-alive's timeout (5 s), not the read one
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _response(s).startswith(b"HTTP/1.1 200")


def test_a_head_growing_past_64_kb_is_refused_at_once(server):
    url, _, _ = server
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000)  # still no end of head
        data, took = _read_until_closed(s, 10)
    assert data.startswith(b"HTTP/1.1 4") and took < READ_TIMEOUT, (data[:100], took)


def _wait_version(url: str, old: str, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        h = get_json(f"{url}/api/health")[1]
        if h["index_version"] != old and not h["reloading"]:
            return h
        time.sleep(0.2)
    raise AssertionError(f"the index version stayed {old}")


def test_sighup_and_the_admin_call_reload_the_index(server):
    url, proc, corpus = server
    before = get_json(f"{url}/api/health")[1]
    assert before["index_version"].startswith("index@v")
    assert get_json(f"{url}/api/search?q=zorblax&mode=bm25")[1]["hits"] == []
    (corpus / "guides" / "quasar.md").write_text(NEW_DOC)
    os.kill(proc.pid, signal.SIGHUP)
    after = _wait_version(url, before["index_version"])
    assert after["chunks"] > before["chunks"] and after["last_reload"]["ok"]
    hits = get_json(f"{url}/api/search?q=zorblax&mode=bm25")[1]["hits"]
    assert hits and hits[0]["doc_id"] == "quasar"
    assert proc.poll() is None  # SIGHUP did not end the server
    # the admin call: no key set, server and client on loopback -> allowed
    (corpus / "guides" / "quasar.md").unlink()
    status, body = get_json(f"{url}/api/admin/reload", method="POST", body={})
    assert status == 202 and body["status"] in ("reloading", "already reloading")
    final = _wait_version(url, after["index_version"])
    assert final["chunks"] == before["chunks"]
    assert get_json(f"{url}/api/search?q=zorblax&mode=bm25")[1]["hits"] == []
