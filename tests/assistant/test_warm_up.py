"""The served app warms its models before it reports ready: one answer is composed at start-up."""

from __future__ import annotations

from mlnotes.assistant.services import warm_up


def test_warm_up_answers_once_and_caches_the_query(services):
    services.index.clear_query_cache()
    logs: list[str] = []
    warm_up(services, log=logs.append)
    assert logs and logs[-1].startswith("models warmed up in"), logs
    assert "What is the bias-variance trade-off?" in services.index._query_cache


def test_warm_up_never_raises(services):
    class Broken:
        def answer(self, *a, **k):
            raise RuntimeError("no model here")

    broken = type(services)(index=services.index, answerer=Broken(), runner=services.runner)
    logs: list[str] = []
    warm_up(broken, log=logs.append)
    assert logs == ["warm-up skipped: no model here"]
