"""SIGKILL of the server mid-interview loses no acknowledged answer (issue #18, fault list): answers acknowledged
with 200 are all there, with their scores, after a restart on the same data folder."""

from __future__ import annotations

import signal

from tests.reliability.server_proc import fixture_server, get_json

H = "X-Interview-Token"
ANSWER = "Ridge adds an L2 penalty that shrinks the weights; lasso's L1 penalty sets some weights to zero."


def test_sigkill_mid_interview_keeps_every_acknowledged_answer(tmp_path):
    with fixture_server(tmp_path) as (url, proc, _):
        status, user = get_json(f"{url}/api/interview/users", method="POST", body={})
        assert status == 201
        h = {H: user["token"]}
        acked = []
        for _ in range(3):
            status, s = get_json(f"{url}/api/interview/sessions", method="POST", body={"n": 2}, headers=h)
            assert status == 201
            status, _ = get_json(f"{url}/api/interview/sessions/{s['session_id']}/answer", method="POST",
                                 body={"answer": ANSWER}, headers=h)
            assert status == 200
            acked.append(s["session_id"])
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    with fixture_server(tmp_path) as (url, _, _):  # same corpus, index and data folders
        for sid in acked:
            status, summary = get_json(f"{url}/api/interview/sessions/{sid}/summary", headers=h)
            assert status == 200 and summary["answered"] == 1, summary
            assert len(summary["answers"]) == 1 and summary["answers"][0]["score"] > 0
            assert summary["finished"] == (summary["n"] == 1)  # the fixture bank holds one question
