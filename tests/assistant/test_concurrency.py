"""Many simultaneous LLM-mode requests through the real FastAPI app share one answerer safely.

The fake generator goes through the :class:`mlnotes.assistant.answer.Generator` protocol; it cites nothing for every
question that contains "uncited", and sleeps between pieces so that requests overlap. Before the pipeline became
stateless, the fallback set ``answerer.generator = None`` on the shared answerer: an overlapping request then
called ``None.generate`` (a 500) and the LLM stayed off for the rest of the process.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from mlnotes.assistant.answer import Answerer
from mlnotes.assistant.api.app import create_app
from mlnotes.assistant.services import Services

QUESTIONS = ["What does ridge regression do to coefficients?", "Explain the bias variance trade-off",
             "How does k-means work?", "What is the time complexity of kNN inference?"]


class FakeLLM:
    name = "fake-llm"

    def __init__(self) -> None:
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def generate(self, question, passages, max_new_tokens=256):
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            # a faithful model: it restates the first sentence of passage [1] (the support check keeps it)
            lines = [x.strip() for x in passages[0].split("\n")[1:]
                     if x.strip() and not x.startswith("#") and "---" not in x]
            first = lines[-1] if lines[0].startswith("|") else " ".join(lines).split(". ")[0].rstrip(".")
            words = first.split(" ")
            for i in range(0, len(words), 4):
                time.sleep(0.01)
                yield " ".join(words[i:i + 4]) + " "
            yield "." if "uncited" in question else " [1]."
        finally:
            with self._lock:
                self.active -= 1


def test_simultaneous_llm_requests_never_fail_and_say_when_they_fell_back(settings, services):
    llm = FakeLLM()
    answerer = Answerer(services.index, settings.corpus_dir, bank=services.answerer.bank, generator=llm,
                        abstain_threshold=0.05, interview_threshold=0.95)
    svc = Services(index=services.index, answerer=answerer, runner=services.runner, generator_name=llm.name,
                   generator=llm)
    # (question, k): every third question makes the generator cite nothing; k varies from 2 to 5
    jobs = [(QUESTIONS[i % len(QUESTIONS)] + (" uncited" if i % 3 == 0 else ""), 2 + i % 4) for i in range(48)]
    with TestClient(create_app(settings, services=svc, with_ui=False), raise_server_exceptions=False) as client:
        def ask(job):
            question, k = job
            return job, client.post("/api/ask", json={"question": question, "k": k})

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(ask, jobs))
        assert llm.max_active > 1, "the requests did not overlap, so the test proved nothing"
        for (question, k), r in results:
            assert r.status_code == 200, (question, r.status_code, r.text[:300])
            ans = r.json()
            uncited = "uncited" in question
            assert ans["fell_back"] is uncited, question
            assert ans["kind"] == ("extractive" if uncited else "llm"), question
            assert ans["generator"] == ("extractive" if uncited else "fake-llm")
            if uncited:
                assert "cited none" in ans["notice"] and ans["sentences"]
                # the fallback keeps the caller's k: the same answer as asking extractively with that k
                plain = client.post("/api/ask", json={"question": question, "k": k, "generator": "extractive"})
                assert plain.json()["text"] == ans["text"] and not plain.json()["fell_back"]
        assert llm.calls == len(jobs)
        # the generator is still the served one afterwards
        after = client.post("/api/ask", json={"question": QUESTIONS[0]}).json()
        assert after["kind"] == "llm" and after["generator"] == "fake-llm" and llm.calls == len(jobs) + 1
        assert answerer.generator is llm


def test_generator_is_chosen_per_request(client):
    """No LLM loaded: 'llm' is refused with a clear 422, 'extractive' and the default work."""
    r = client.post("/api/ask", json={"question": "What is ridge regression?", "generator": "llm"})
    assert r.status_code == 422 and "MLNOTES_GENERATOR=llm" in r.json()["error"]
    r = client.post("/api/ask", json={"question": "What is ridge regression?", "generator": "extractive"})
    assert r.status_code == 200 and r.json()["generator"] == "extractive" and not r.json()["fell_back"]


class FailingLLM:
    """Streams a few pieces, then fails the way a remote server does (GenerationUnavailable)."""

    name = "failing-llm"

    def generate(self, question, passages, max_new_tokens=256):
        from mlnotes.assistant.generation.transformers_backend import GenerationUnavailable

        yield "Per the notes, "
        raise GenerationUnavailable("the OpenAI-compatible server at http://127.0.0.1:9 stopped answering")


def test_a_generator_that_fails_mid_answer_falls_back_without_a_500(settings, services):
    llm = FailingLLM()
    answerer = Answerer(services.index, settings.corpus_dir, bank=services.answerer.bank, generator=llm,
                        abstain_threshold=0.05, interview_threshold=0.95)
    svc = Services(index=services.index, answerer=answerer, runner=services.runner, generator_name=llm.name,
                   generator=llm)
    with TestClient(create_app(settings, services=svc, with_ui=False), raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": QUESTIONS[0]})
        assert r.status_code == 200, r.text[:300]
        ans = r.json()
        assert ans["fell_back"] and ans["kind"] == "extractive" and ans["sentences"]
        assert "failed while answering" in ans["notice"] and "stopped answering" in ans["notice"]
        streamed = client.post("/api/ask/stream", json={"question": QUESTIONS[0]})
        assert streamed.status_code == 200 and '"fell_back": true' in streamed.text.replace("\\n", "")
