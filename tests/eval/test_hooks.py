"""The CLI hooks exist, and the fast query-embedding path equals the sentence-transformers path."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from mlnotes.assistant.cli import app


def test_eval_and_bench_commands_are_registered():
    runner = CliRunner()
    r = runner.invoke(app, ["eval", "--help"])
    assert r.exit_code == 0 and "--skip-peer" in r.output
    r = runner.invoke(app, ["bench", "--help"])
    assert r.exit_code == 0
    for name in ("all", "api", "index", "search"):
        assert name in r.output


def test_fast_query_path_matches_sentence_transformers(monkeypatch):
    import mlnotes.kb.embedding

    monkeypatch.setitem(mlnotes.kb.embedding._CONFIG, "query_int8", False)
    from mlnotes.kb.embedding import EmbedderUnavailable, get_embedder

    try:
        e = get_embedder(runtime="onnx")  # float32 queries (the default, onnx-int8, is checked in kb/test_embedding)
    except EmbedderUnavailable as exc:
        pytest.skip(str(exc))
    for text in ("how does dropout regularize a network", "Adam bias correction " * 200):
        a = e.encode([text])[0]
        b = e.encode_query(text)
        assert b.dtype == np.float32 and b.shape == a.shape
        assert float(a @ b) > 0.99999
        assert np.abs(a - b).max() < 1e-5


def test_index_embed_query_uses_the_fast_path_when_present():
    from mlnotes.kb.index import Index

    class Fake:
        model_id = "fake"

        def __init__(self):
            self.calls = []

        def encode(self, texts, batch_size=64, show_progress=False):
            self.calls.append("encode")
            return np.ones((len(texts), 3), np.float32)

        def encode_query(self, text):
            self.calls.append("encode_query")
            return np.zeros(3, np.float32)

    idx = Index.__new__(Index)
    idx._embedder = Fake()
    idx._query_cache = {}
    v = idx.embed_query("q")
    assert idx._embedder.calls == ["encode_query"] and v.shape == (3,)
    idx.embed_query("q")  # cached
    assert idx._embedder.calls == ["encode_query"]


def test_ragas_id_metrics_when_installed():
    from mlnotes.eval.data import Question
    from mlnotes.eval.retrieval import Config, Run, _ragas_import_shim, ragas_id_metrics

    _ragas_import_shim()
    pytest.importorskip("ragas")

    run = Run(Config("x", "bm25"))
    run.rankings = {"q": ["a#1", "b#2", "c#3"]}
    res = ragas_id_metrics(run, [Question("q", "?", "definition", "tune", ("b#2", "z#9"))], k=10)
    if "skipped" in res:
        pytest.skip(res["skipped"])
    assert res["id_context_precision"]["mean"] == pytest.approx(1 / 3)
    assert res["id_context_recall"]["mean"] == pytest.approx(0.5)


def test_bench_search_peer_without_the_eval_extra_says_what_to_install():
    import importlib.util

    try:
        installed = importlib.util.find_spec("llama_index.retrievers.bm25") is not None
    except ModuleNotFoundError:
        installed = False
    if installed:
        pytest.skip("the eval extra is installed here (scripts/eval_extra_job.sh runs the peer benchmark's test)")
    from typer.testing import CliRunner

    from mlnotes.assistant.cli import app

    r = CliRunner().invoke(app, ["bench", "search", "--peer"])
    assert r.exit_code == 2 and "eval extra" in r.output and ".[eval]" in r.output and "Traceback" not in r.output
