"""The embedding runtimes: ONNX equals sentence-transformers, the export cache, the fallback, the query cache.

The equality tests compare against sentence-transformers itself (the independent reference) on the packaged
all-MiniLM-L6-v2: every chunk of the fixture corpus and a sample of the real corpus. The cache, fallback and
concurrency tests use a tiny BERT built from a config (random weights, the MiniLM tokenizer), so they are fast.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import mlnotes.kb.embedding as E
from mlnotes.kb.chunker import chunk_corpus

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "corpus"
EDGE_TEXTS = [
    "",
    "   padded with spaces and a tab\t",
    "Adam bias correction " * 200,  # longer than 256 tokens: truncated
    "ünïcödé — naïve Bayes, 深度学习 and emoji 🙂",
    "$\\nabla_\\theta J(\\theta) = \\mathbb{E}[\\nabla_\\theta \\log \\pi_\\theta(a|s) Q(s,a)]$",
    "x",
]


def _minilm_dir() -> Path:
    try:
        return E.model_dir()
    except E.EmbedderUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def real_pair(tmp_path_factory):
    """(onnx, torch) embedders over the packaged MiniLM; the ONNX export goes to a temporary cache."""
    d = _minilm_dir()
    cache = tmp_path_factory.mktemp("onnx-cache")
    onnx = E.Embedder(d, runtime="onnx", cache_dir=cache, bulk="fp32")  # float32 everywhere (bf16: tests below)
    torch_ = E.Embedder(d, runtime="torch")
    assert onnx.runtime == "onnx" and torch_.runtime == "torch"
    return onnx, torch_


def _assert_same_vectors(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == np.float32 and a.shape == b.shape
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = (a * b).sum(1)
    assert cos.min() >= 0.9999, f"lowest cosine {cos.min():.6f} at row {int(cos.argmin())}"
    assert np.abs(a - b).max() < 1e-4


def test_onnx_equals_sentence_transformers_on_every_fixture_chunk(real_pair):
    onnx, torch_ = real_pair
    chunks, _ = chunk_corpus(FIXTURE)
    texts = [c.index_text for c in chunks] + EDGE_TEXTS
    assert len(texts) >= len(EDGE_TEXTS) + 5
    ref = torch_.model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    _assert_same_vectors(onnx.encode(texts, batch_size=8), ref.astype(np.float32))
    # one text at a time (no padding) gives the same vectors as batches (padding must be masked out)
    for t, r in zip(texts[-len(EDGE_TEXTS):], ref[-len(EDGE_TEXTS):]):
        q = onnx.encode_query(t)
        assert q.dtype == np.float32 and float(q @ r) >= 0.9999


def test_onnx_equals_sentence_transformers_on_a_real_corpus_sample(real_pair):
    onnx, torch_ = real_pair
    chunks, _ = chunk_corpus(REPO / "corpus")
    # every 40th chunk, plus the 8 longest (they hit the 256-token truncation)
    pick = sorted(set(range(0, len(chunks), 40)) | set(sorted(range(len(chunks)),
                                                            key=lambda i: -len(chunks[i].index_text))[:8]))
    texts = [chunks[i].index_text for i in pick]
    assert len(texts) >= 40
    ref = torch_.model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    _assert_same_vectors(onnx.encode(texts), ref.astype(np.float32))


def test_tokenizer_matches_the_transformers_tokenizer(real_pair):
    onnx, torch_ = real_pair
    chunks, _ = chunk_corpus(FIXTURE)
    texts = [c.index_text for c in chunks] + EDGE_TEXTS
    hf = torch_.model.tokenizer
    for t in texts:
        ours = onnx._tokenize([t])[0].ids
        ref = hf(t.strip(), truncation=True, max_length=torch_.model.max_seq_length)["input_ids"]
        assert ours == ref
    assert onnx.max_seq_length == torch_.model.max_seq_length == 256


# ---------------------------------------------------------------------------------------------- a tiny model
def _tiny_model(dst: Path, seed: int = 0) -> Path:
    """A 2-layer BERT with random weights and MiniLM's tokenizer, saved like a sentence-transformers model."""
    torch = pytest.importorskip("torch")
    from transformers import BertConfig, BertModel

    src = _minilm_dir()
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    BertModel(cfg).save_pretrained(dst)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json",
                 "modules.json", "sentence_bert_config.json"):
        shutil.copy(src / name, dst / name)
    (dst / "1_Pooling").mkdir(exist_ok=True)
    pool = json.loads((src / "1_Pooling" / "config.json").read_text())
    pool["word_embedding_dimension"] = 32
    (dst / "1_Pooling" / "config.json").write_text(json.dumps(pool))
    return dst


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny-bert"))


def test_tiny_model_onnx_equals_torch(tiny, tmp_path):
    onnx = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    torch_ = E.Embedder(tiny, runtime="torch")
    chunks, _ = chunk_corpus(FIXTURE)
    texts = [c.index_text for c in chunks] + EDGE_TEXTS
    assert onnx.dim == torch_.dim == 32
    _assert_same_vectors(onnx.encode(texts, batch_size=4), torch_.encode(texts))


def test_export_is_cached_by_the_checksum_of_the_weights(tiny, tmp_path, monkeypatch):
    calls = []
    real_export = E.export_onnx
    monkeypatch.setattr(E, "export_onnx", lambda d, out: calls.append(out) or real_export(d, out))
    cache = tmp_path / "cache"
    a = E.Embedder(tiny, runtime="onnx", cache_dir=cache)
    assert len(calls) == 1 and a.onnx_file == calls[0] and a.onnx_file.exists()
    assert E.weights_checksum(tiny)[:16] in a.onnx_file.name
    meta = json.loads(a.onnx_file.with_suffix(".json").read_text())
    assert meta["sha256"] == E.weights_checksum(tiny)
    b = E.Embedder(tiny, runtime="onnx", cache_dir=cache)  # second load: no export
    assert len(calls) == 1 and b.onnx_file == a.onnx_file
    # changed weights: a new checksum, so a new export, and the vectors follow the new weights
    changed = _tiny_model(tmp_path / "changed", seed=1)
    c = E.Embedder(changed, runtime="onnx", cache_dir=cache)
    assert len(calls) == 2 and c.onnx_file != a.onnx_file
    t = ["gradient descent with momentum"]
    assert float(c.encode(t)[0] @ a.encode(t)[0]) < 0.999
    _assert_same_vectors(c.encode(t), E.Embedder(changed, runtime="torch").encode(t))
    assert not [p for p in cache.iterdir() if p.name.startswith(".")], "temporary export file left behind"


def test_auto_falls_back_to_torch_with_one_log_line_when_export_fails(tiny, tmp_path, monkeypatch, caplog):
    def broken(d, out):
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(E, "export_onnx", broken)
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.embedding"):
        e = E.Embedder(tiny, runtime="auto", cache_dir=tmp_path)
    assert e.runtime == "torch"
    lines = [r for r in caplog.records if r.name == "mlnotes.kb.embedding"]
    assert len(lines) == 1 and "PyTorch" in lines[0].getMessage() and "exporter exploded" in lines[0].getMessage()
    assert e.encode(["a test sentence"]).shape == (1, 32)
    with pytest.raises(E.EmbedderUnavailable, match="MLNOTES_EMBED_RUNTIME=torch"):
        E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)


def test_auto_falls_back_to_torch_when_onnxruntime_is_missing(tiny, tmp_path, monkeypatch, caplog):
    import sys

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` raise ImportError
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.embedding"):
        e = E.Embedder(tiny, runtime="auto", cache_dir=tmp_path)
    assert e.runtime == "torch"
    assert any("onnxruntime" in r.getMessage() for r in caplog.records if r.name == "mlnotes.kb.embedding")


def test_torch_runtime_prints_no_loading_bars(tiny, capfd):
    E.Embedder(tiny, runtime="torch").encode(["x"])
    out, err = capfd.readouterr()
    assert "Loading weights" not in out + err and "it/s" not in out + err


def test_runtime_choice_and_errors(monkeypatch):
    monkeypatch.setitem(E._CONFIG, "runtime", None)
    assert E.resolve_runtime() == "auto" and E.resolve_runtime("torch") == "torch"
    monkeypatch.setitem(E._CONFIG, "runtime", "ONNX")
    assert E.resolve_runtime() == "onnx"
    monkeypatch.setitem(E._CONFIG, "runtime", "tensorrt")
    with pytest.raises(E.EmbedderUnavailable, match="MLNOTES_EMBED_RUNTIME"):
        E.resolve_runtime()
    with pytest.raises(E.EmbedderUnavailable, match="not a runtime"):
        E.configure(runtime="tensorrt")


def test_settings_reach_the_embedder(monkeypatch):
    from mlnotes.assistant.services import configure_embeddings
    from mlnotes.assistant.settings import Settings

    monkeypatch.setattr(E, "_CONFIG", dict(E._CONFIG))
    monkeypatch.setenv("MLNOTES_EMBED_RUNTIME", "torch")
    monkeypatch.setenv("MLNOTES_QUERY_THREADS", "1")
    configure_embeddings(Settings(_env_file=None))
    assert E.resolve_runtime() == "torch" and E._CONFIG["query_threads"] == 1
    with pytest.raises(E.EmbedderUnavailable, match="unknown embedding runtime"):
        E.Embedder(Path("."), runtime="cuda-magic")


# ---------------------------------------------------------------------------------------------- concurrency
def test_get_embedder_loads_once_under_concurrent_first_calls(monkeypatch):
    made = []

    class Slow:
        def __init__(self, directory=None, runtime="auto", cache_dir=None) -> None:
            made.append(self)
            time.sleep(0.2)  # a model load; other threads arrive meanwhile

    monkeypatch.setattr(E, "Embedder", Slow)
    E.clear_embedders()
    try:
        start = threading.Barrier(8)
        got = []

        def first_request():
            start.wait()
            got.append(E.get_embedder(runtime="onnx"))

        threads = [threading.Thread(target=first_request) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(made) == 1 and len(got) == 8 and all(g is made[0] for g in got)
        assert E.get_embedder(runtime="torch") is not made[0] and len(made) == 2  # another runtime, another model
    finally:
        E.clear_embedders()


def test_concurrent_encodes_match_sequential(tiny, tmp_path):
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, threads=3)
    texts = [f"sentence number {i} about {'regularization ' * (i % 7)}" for i in range(40)]
    ref = np.stack([e.encode_query(t) for t in texts])
    np.testing.assert_allclose(e.encode(texts, batch_size=4), ref, atol=1e-5)  # 10 batches on 3 threads
    out: dict[int, np.ndarray] = {}

    def worker(i):
        out[i] = e.encode_query(texts[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_allclose(np.stack([out[i] for i in range(len(texts))]), ref, atol=1e-6)


def test_query_cache_is_an_lru():
    c = E.QueryCache(maxsize=3)
    for k in "abc":
        c[k] = np.array([ord(k)])
    assert c.get("a") is not None  # a is now the most recent
    c["d"] = np.array([0])  # evicts b, the least recently used
    assert "b" not in c and all(k in c for k in "acd") and len(c) == 3
    assert c.get("b") is None and c.hits == 1 and c.misses == 1
    c.clear()
    assert len(c) == 0
    with pytest.raises(ValueError):
        E.QueryCache(0)


def test_query_cache_under_threads_keeps_its_bound_and_values():
    c = E.QueryCache(maxsize=50)

    def worker(w):
        for i in range(2000):
            k = f"q{(i * 7 + w) % 120}"
            v = c.get(k)
            if v is None:
                c[k] = np.array([int(k[1:])])
            else:
                assert int(v[0]) == int(k[1:])

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(c) == 50 and c.hits + c.misses == 16000


def test_index_embed_query_uses_the_lru(tmp_path):
    from mlnotes.kb.index import Index
    from tests.kb.fakes import HashingEmbedder

    class Counting(HashingEmbedder):
        def __init__(self):
            super().__init__()
            self.queries = 0

        def encode_query(self, text):
            self.queries += 1
            return self.encode([text])[0]

    emb = Counting()
    idx, _ = Index.build(FIXTURE, tmp_path / "idx", embedder=emb)
    assert isinstance(idx._query_cache, E.QueryCache)
    a = idx.embed_query("k-means centroid")
    b = idx.embed_query("k-means centroid")
    assert emb.queries == 1 and a is b
    idx._query_cache.clear()
    idx.embed_query("k-means centroid")
    assert emb.queries == 2


def test_build_progress_restores_row_order_and_says_the_first_build_takes_a_while(tmp_path, monkeypatch):
    import mlnotes.kb.index as I
    from tests.kb.fakes import HashingEmbedder

    monkeypatch.setattr(I, "FIRST_BUILD_NOTICE", 1)
    said = []
    emb = HashingEmbedder()
    idx, stats = I.Index.build(FIXTURE, tmp_path / "idx", embedder=emb, progress=True, log=said.append)
    assert len(said) == 1 and "first build" in said[0] and str(stats.embedded) in said[0]
    # rows were embedded longest-first in slices, but each row still holds its own unit's vector
    from mlnotes.kb.windows import chunk_units

    direct = HashingEmbedder().encode([u for c in idx.chunks for u in chunk_units(c)])
    np.testing.assert_allclose(idx.dense.vectors, direct, atol=1e-6)
    texts = [f"text {'x ' * (i * 13 % 50)}{i}" for i in range(300)]
    np.testing.assert_allclose(I._encode_with_progress(HashingEmbedder(), texts, progress=False, step=64),
                               HashingEmbedder().encode(texts), atol=1e-6)


def test_int8_queries_are_opt_in_and_documents_stay_float32(real_pair, tmp_path_factory):
    onnx, _ = real_pair
    q8 = E.Embedder(onnx.directory, runtime="onnx-int8", cache_dir=onnx.cache_dir)
    assert q8.runtime == "onnx-int8" and q8.onnx_file == onnx.onnx_file  # the float32 export is reused
    assert q8.query_graph == "int8"  # quantized, one scale per channel, from the fused graph
    assert (onnx.cache_dir / onnx.onnx_file.name.replace("-fp32.", "-int8pc-fused.")).exists()
    chunks, _ = chunk_corpus(FIXTURE)
    texts = [c.index_text for c in chunks]
    np.testing.assert_allclose(q8.encode(texts), onnx.encode(texts), atol=1e-6)  # documents: float32
    a = np.stack([q8.encode_query(t) for t in texts])
    b = np.stack([onnx.encode_query(t) for t in texts])
    cos = (a * b).sum(1)
    # int8 queries approximate the float32 ones (0.986 lowest over the 822 gold and external questions, one
    # scale per channel; 0.921 with one per tensor) but are not them
    assert cos.min() > 0.97 and np.abs(a - b).max() > 1e-3
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_the_default_runtime_embeds_queries_in_int8_and_documents_in_float32(tiny, tmp_path):
    """``auto`` serves queries from the per-channel int8 graph (quantized from the fused one) and embeds documents
    with the float32 batch session, exactly as the ``onnx`` runtime does."""
    auto = E.Embedder(tiny, runtime="auto", cache_dir=tmp_path)
    fp32 = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    assert (auto.runtime, auto.query_graph) == ("onnx-int8", "int8")
    assert (fp32.runtime, fp32.query_graph) == ("onnx", "fused")
    assert auto.onnx_file == fp32.onnx_file and (tmp_path / auto.onnx_file.name.replace("-fp32.", "-int8pc-fused.")).exists()
    texts = [c.index_text for c in chunk_corpus(FIXTURE)[0]][:12]
    np.testing.assert_allclose(auto.encode(texts), fp32.encode(texts), atol=1e-6)
    a = np.stack([auto.encode_query(t) for t in texts])
    b = np.stack([fp32.encode_query(t) for t in texts])
    assert np.abs(a - b).max() > 1e-4  # really another graph
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_a_failed_quantization_leaves_auto_on_float32_queries_and_fails_onnx_int8(tiny, tmp_path, monkeypatch,
                                                                                  caplog):
    def broken(src, out):
        raise RuntimeError("no quantizer here")

    monkeypatch.setattr(E, "quantize_int8", broken)
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.embedding"):
        e = E.Embedder(tiny, runtime="auto", cache_dir=tmp_path)
    assert (e.runtime, e.query_graph) == ("onnx", "fused")
    assert any("float32" in r.getMessage() and "no quantizer here" in r.getMessage() for r in caplog.records)
    with pytest.raises(E.EmbedderUnavailable, match="no quantizer here"):
        E.Embedder(tiny, runtime="onnx-int8", cache_dir=tmp_path)


def test_int8_queries_come_from_the_plain_graph_when_the_fused_file_is_damaged(tiny, tmp_path):
    good = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    (tmp_path / good.onnx_file.name.replace("-fp32.", "-fp32-fused.")).write_bytes(b"not an onnx model")
    e = E.Embedder(tiny, runtime="auto", cache_dir=tmp_path)
    assert e.query_graph == "int8" and (tmp_path / good.onnx_file.name.replace("-fp32.", "-int8pc.")).exists()
    cos = float(e.encode_query("lasso") @ good.encode_query("lasso"))
    assert 0.95 < cos < 1.0


# ---------------------------------------------------------------------------------------------- the query session
def test_queries_run_the_fused_graph_and_equal_pytorch_on_a_corpus_sample(real_pair):
    """The query session's fused graph (Attention, SkipLayerNorm, BiasGelu fused by onnxruntime) against
    sentence-transformers on PyTorch: every embedding unit of every 60th real chunk (windows and heading units
    included) and short questions, one text per run as queries are. ``mlnotes.eval.bench.check_query_graph`` runs
    the same comparison over every unit of the corpus."""
    from mlnotes.kb.windows import chunk_units, minilm_tokenizer

    onnx, torch_ = real_pair
    assert onnx.query_graph == "fused" and onnx._qsession is not onnx.session
    assert (onnx.cache_dir / onnx.onnx_file.name.replace("-fp32.", "-fp32-fused.")).exists()
    assert onnx.query_threads == min(E.QUERY_THREADS, E._cores())
    sess_opts = onnx._qsession.get_session_options()
    assert sess_opts.intra_op_num_threads == onnx.query_threads
    assert onnx.session.get_session_options().intra_op_num_threads == 1
    chunks, _ = chunk_corpus(REPO / "corpus")
    tok = minilm_tokenizer()
    texts = [u for c in chunks[::60] for u in chunk_units(c, tok)]
    texts += ["What is dropout?", "difference between LSTM and GRU", "Adam vs SGD", "k-NN complexity"] + EDGE_TEXTS
    assert len(texts) >= 60
    ref = torch_.model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    got = np.stack([onnx.encode_query(t) for t in texts])
    _assert_same_vectors(got, ref.astype(np.float32))


def test_tiny_model_fused_queries_equal_torch(tiny, tmp_path):
    onnx = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    torch_ = E.Embedder(tiny, runtime="torch")
    assert onnx.query_graph == "fused"
    texts = [c.index_text for c in chunk_corpus(FIXTURE)[0]][:12] + EDGE_TEXTS
    _assert_same_vectors(np.stack([onnx.encode_query(t) for t in texts]), torch_.encode(texts))


def test_fusing_failure_falls_back_to_the_plain_graph_with_a_log_line(tiny, tmp_path, monkeypatch, caplog):
    def broken(*a, **k):
        raise RuntimeError("no optimizer here")

    monkeypatch.setattr(E, "fuse_graph", broken)
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.embedding"):
        e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    assert e.runtime == "onnx" and e.query_graph == "plain"
    assert any("unfused" in r.getMessage() and "no optimizer here" in r.getMessage() for r in caplog.records)
    torch_ = E.Embedder(tiny, runtime="torch")
    _assert_same_vectors(e.encode_query("gradient descent")[None], torch_.encode(["gradient descent"]))
    plain = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path / "p", fuse=False)
    assert plain.query_graph == "plain" and not list((tmp_path / "p").glob("*fused*"))


def test_a_damaged_fused_file_falls_back_to_the_plain_graph(tiny, tmp_path, caplog):
    good = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    fused = tmp_path / good.onnx_file.name.replace("-fp32.", "-fp32-fused.")
    assert good.query_graph == "fused" and fused.exists()
    fused.write_bytes(b"not an onnx model")
    with caplog.at_level(logging.WARNING, logger="mlnotes.kb.embedding"):
        e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    assert e.runtime == "onnx" and e.query_graph == "plain"
    assert any("unfused" in r.getMessage() for r in caplog.records)
    np.testing.assert_allclose(e.encode_query("lasso"), good.encode_query("lasso"), atol=1e-5)


def test_query_threads_come_from_the_configuration(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(E, "_CONFIG", dict(E._CONFIG))
    E.configure(query_threads=1)
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path)
    assert e.query_threads == 1 and e._qsession.get_session_options().intra_op_num_threads == 1
    assert E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, query_threads=64).query_threads == E._cores()
    E.configure()
    assert E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path).query_threads == min(E.QUERY_THREADS, E._cores())



# ---------------------------------------------------------------------------------------------- the build path
def test_build_embeds_each_distinct_unit_once_and_reports_its_phases(tmp_path):
    """A copied document repeats every unit text (heading units and windows): the build embeds each distinct text
    once, and every unit row still equals the direct embedding of its text."""
    from mlnotes.kb.index import Index
    from mlnotes.kb.windows import chunk_units
    from tests.kb.fakes import HashingEmbedder

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE, corpus)
    src = corpus / "guides" / "ml-basics.md"
    shutil.copy(src, corpus / "guides" / "ml-basics-copy.md")
    emb = HashingEmbedder()
    idx, stats = Index.build(corpus, tmp_path / "idx", embedder=emb)
    flat = [u for c in idx.chunks for u in chunk_units(c)]
    assert stats.units == len(flat) == len(idx.dense.vectors)
    assert stats.distinct_units == len(set(flat)) < stats.units
    assert emb.n_encoded == stats.distinct_units
    np.testing.assert_allclose(idx.dense.vectors, HashingEmbedder().encode(flat), atol=1e-6)
    assert {"chunk", "units", "embed", "bm25", "write", "load"} <= set(stats.phases)
    assert all(v >= 0 for v in stats.phases.values())


def test_encode_embeds_repeated_texts_once_and_counts_word_pieces(real_pair):
    onnx, _ = real_pair
    texts = ["ridge regression", "lasso", "ridge regression", "  lasso", "lasso"]
    n0, t0 = onnx.texts_embedded, onnx.tokens_embedded
    v = onnx.encode(texts)
    assert onnx.texts_embedded - n0 == 3  # "  lasso" is a different string (stripped only when tokenized)
    assert onnx.tokens_embedded - t0 == sum(len(onnx._tokenize([t])[0].ids) for t in dict.fromkeys(texts))
    np.testing.assert_array_equal(v[0], v[2])
    np.testing.assert_array_equal(v[1], v[4])
    np.testing.assert_allclose(v[3], v[1], atol=1e-6)
    np.testing.assert_allclose(v, np.stack([onnx.encode([t])[0] for t in texts]), atol=1e-6)


# ---------------------------------------------------------------------------------------------- bulk bfloat16
def _corpus_texts(step: int) -> list[str]:
    chunks, _ = chunk_corpus(REPO / "corpus")
    return [chunks[i].index_text for i in range(0, len(chunks), step)]


def test_bf16_bulk_equals_float32_pytorch_on_a_real_corpus_sample(real_pair):
    onnx, torch_ = real_pair
    e = E.Embedder(onnx.directory, runtime="onnx", cache_dir=onnx.cache_dir, bulk="bf16")
    texts = _corpus_texts(25)
    assert len(texts) >= E.BULK_MIN_TEXTS
    n0 = e.tokens_embedded
    with E.bulk_job():  # the sample has fewer than BULK_MIN_PIECES word pieces: as an index build embeds it
        got = e.encode(texts)
    assert e.bulk == "bf16" and e.bulk_check_cosine >= E.BULK_MIN_COSINE
    assert e.tokens_embedded - n0 == sum(len(x.ids) for x in e._tokenize(texts))  # the build's rate counts them
    ref = torch_.model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = (got * ref).sum(1)
    assert got.dtype == np.float32 and cos.min() >= 0.9999, f"lowest cosine {cos.min():.6f}"
    # a short list (a query with its written-out acronyms, a re-index of a few chunks) stays on float32 onnxruntime
    with E.bulk_job():
        np.testing.assert_allclose(e.encode(texts[:3]), onnx.encode(texts[:3]), atol=1e-6)


def test_bulk_lists_below_the_threshold_never_load_pytorch(tiny, tmp_path):
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="bf16")
    with E.bulk_job():
        e.encode([f"text number {i}" for i in range(E.BULK_MIN_TEXTS - 1)])
    assert e.bulk is None and e._bulk_model is None


def test_outside_a_bulk_job_only_lists_of_many_word_pieces_load_pytorch(tiny, tmp_path, monkeypatch):
    """The bank's questions at a server's warm-up or in a one-shot ``mlnotes ask`` (many texts, few word pieces)
    stay on float32 onnxruntime: loading PyTorch would cost more than it saves."""
    texts = [f"question {i} about the learning rate" for i in range(E.BULK_MIN_TEXTS + 10)]
    ref = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="fp32").encode(texts)
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="bf16")
    np.testing.assert_array_equal(e.encode(texts), ref)
    assert e.bulk is None and e._bulk_model is None
    pieces = sum(len(x.ids) for x in e._tokenize(texts))
    monkeypatch.setattr(E, "BULK_MIN_PIECES", pieces)  # now the same list is long enough
    np.testing.assert_allclose(e.encode(texts), ref, atol=1e-2)
    assert e.bulk == "bf16" and e._bulk_model is not None


def test_bulk_job_is_per_thread_and_restores_on_exit():
    import threading

    seen = []
    assert not E.in_bulk_job()
    with E.bulk_job():
        with E.bulk_job():
            assert E.in_bulk_job()
        assert E.in_bulk_job()  # the inner block does not end the outer one
        t = threading.Thread(target=lambda: seen.append(E.in_bulk_job()))
        t.start()
        t.join()
    assert seen == [False] and not E.in_bulk_job()
    with pytest.raises(RuntimeError), E.bulk_job():
        raise RuntimeError("boom")
    assert not E.in_bulk_job()


def test_index_builds_embed_inside_a_bulk_job_and_the_sentence_precompute_outside(tmp_path):
    """Round 17: the answer sentences are embedded as on first use (never the bulk bfloat16 forward), so an answer
    does not depend on whether they were precomputed (tests/assistant/test_sentence_cache.py)."""
    from mlnotes.assistant.answering.candidates import SentenceStore
    from mlnotes.kb.index import _encode_with_progress

    inside = []

    class Recorder:
        def encode(self, texts, batch_size=None, show_progress=False):
            inside.append(E.in_bulk_job())
            return np.ones((len(texts), 4), np.float32)

    _encode_with_progress(Recorder(), [f"text {i}" for i in range(300)], False)
    assert inside and all(inside) and not E.in_bulk_job()
    inside.clear()
    store = SentenceStore(REPO / "corpus", lambda texts: Recorder().encode(texts))
    chunks, _ = chunk_corpus(REPO / "corpus")
    store.precompute(chunks[:5], "recorder")
    assert inside and not any(inside) and not E.in_bulk_job()


def test_auto_bulk_stays_float32_without_amx(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(E, "cpu_has_amx", lambda: False)
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="auto")
    ref = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="fp32")
    texts = [f"sentence {i} about gradient descent" for i in range(E.BULK_MIN_TEXTS + 5)]
    with E.bulk_job():
        np.testing.assert_array_equal(e.encode(texts), ref.encode(texts))
    assert e.bulk == "fp32" and e._bulk_model is None and ref.bulk == "fp32"


def test_bf16_that_differs_from_float32_falls_back_with_a_warning(tiny, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(E, "BULK_MIN_COSINE", 1.5)  # no vector can pass: the check must reject bfloat16
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="bf16")
    ref = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="fp32")
    texts = [f"sentence {i} about the learning rate" for i in range(E.BULK_MIN_TEXTS)]
    with caplog.at_level("WARNING", logger="mlnotes.kb.embedding"), E.bulk_job():
        got = e.encode(texts)
    assert e.bulk == "fp32" and e.bulk_check_cosine is not None and e._bulk_model is None
    assert any("stays in float32" in r.getMessage() for r in caplog.records)
    np.testing.assert_array_equal(got, ref.encode(texts))


def test_bulk_setting_is_checked_and_reaches_the_embedder(monkeypatch):
    from mlnotes.assistant.services import configure_embeddings
    from mlnotes.assistant.settings import Settings

    monkeypatch.setattr(E, "_CONFIG", dict(E._CONFIG))
    with pytest.raises(E.EmbedderUnavailable, match="MLNOTES_EMBED_BULK"):
        E.configure(bulk="int4")
    monkeypatch.setenv("MLNOTES_EMBED_BULK", "fp32")
    configure_embeddings(Settings(_env_file=None))
    assert E._CONFIG["bulk"] == "fp32"


def test_the_index_command_applies_the_embedding_settings(monkeypatch, tmp_path):
    """``mlnotes index`` hands MLNOTES_EMBED_* to the embedder before it builds (it used to build with defaults)."""
    from typer.testing import CliRunner

    from mlnotes.assistant.cli import app
    from mlnotes.assistant.settings import get_settings

    monkeypatch.setattr(E, "_CONFIG", dict(E._CONFIG))
    monkeypatch.setenv("MLNOTES_EMBED_BULK", "fp32")
    monkeypatch.setenv("MLNOTES_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["index", "--corpus", str(tmp_path / "no-such-corpus")])
    finally:
        get_settings.cache_clear()
    assert out.exit_code != 0 and "Traceback" not in out.output  # no corpus there: a clear error, after configuring
    assert E._CONFIG["bulk"] == "fp32"


# ---------------------------------------------------------------------------------------------- the fused forward
def _hf_and_fused(e: E.Embedder, texts: list[str], dtype_name: str):
    """transformers' BertModel forward (float32, the reference) and FusedBert's on the same padded batch."""
    torch = pytest.importorskip("torch")
    from transformers import AutoModel

    ids, mask, types = (torch.from_numpy(a) for a in e._pad(e._tokenize(texts)))
    bert = AutoModel.from_pretrained(str(e.directory)).eval()
    with torch.inference_mode():
        ref = bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        got = E.FusedBert(bert, getattr(torch, dtype_name))(ids, mask, types)
    keep = mask.bool()
    return ref[keep].numpy(), got[keep].numpy()


def test_fused_forward_in_float32_equals_transformers_on_the_tiny_model(tiny, tmp_path):
    """Same layout in float32: the fused QKV product, the GELU epilogue, the head split and the masks must give
    transformers' own hidden states (padding and a no-padding batch included)."""
    e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="fp32")
    texts = EDGE_TEXTS + ["a second text about attention heads and masks"] * 3
    ref, got = _hf_and_fused(e, texts, "float32")
    assert got.dtype == np.float32 and got.shape == ref.shape
    np.testing.assert_allclose(got, ref, atol=2e-5)
    ref, got = _hf_and_fused(e, ["the same length"] * 4, "float32")  # no padding: no mask
    np.testing.assert_allclose(got, ref, atol=2e-5)


def test_fused_forward_in_float32_equals_transformers_on_minilm(real_pair):
    onnx, _ = real_pair
    texts = _corpus_texts(150) + EDGE_TEXTS
    ref, got = _hf_and_fused(onnx, texts, "float32")
    np.testing.assert_allclose(got, ref, atol=1e-4)


def test_fused_forward_refuses_a_model_it_does_not_know(tiny, tmp_path):
    pytest.importorskip("torch")
    from transformers import AutoModel, BertConfig, BertModel

    with pytest.raises(ValueError, match="hidden_act"):
        E.FusedBert(BertModel(BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                         intermediate_size=64, hidden_act="relu")))
    with pytest.raises(ValueError, match="not a BERT encoder"):
        E.FusedBert(AutoModel.from_pretrained(str(tiny)).encoder)


@pytest.mark.parametrize("kernel", E.BULK_KERNELS)
def test_each_bf16_forward_equals_float32_pytorch_on_a_real_corpus_sample(real_pair, kernel):
    onnx, torch_ = real_pair
    e = E.Embedder(onnx.directory, runtime="onnx", cache_dir=onnx.cache_dir, bulk="bf16", bulk_kernel=kernel)
    e.bulk_batch = 16  # several batches, run on the worker threads
    texts = _corpus_texts(20)
    with E.bulk_job():
        got = e.encode(texts)
    # without AMX (an AVX2-only EPYC, round 17) oneDNN has no bfloat16 inner product for the fused forward's
    # products ("could not create a primitive descriptor"), and the choice falls back to autocast, as designed
    fell_back = kernel == "fused" and not E.cpu_has_amx() and e.bulk_kernel == "autocast"
    assert e.bulk == "bf16" and (e.bulk_kernel == kernel or fell_back) and e.bulk_check_cosine >= E.BULK_MIN_COSINE
    assert isinstance(e._bulk_model, E.FusedBert) == (e.bulk_kernel == "fused")
    ref = torch_.model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    cos = (got * ref).sum(1)
    assert got.dtype == np.float32 and cos.min() >= 0.9999, f"lowest cosine {cos.min():.6f}"


def test_fused_forward_that_fails_or_differs_falls_back_to_autocast(tiny, tmp_path, monkeypatch, caplog):
    texts = [f"sentence {i} about the bias of an estimator" for i in range(E.BULK_MIN_TEXTS)]
    with E.bulk_job():
        ref = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="bf16", bulk_kernel="autocast").encode(texts)

    class Broken:
        def __init__(self, bert, dtype=None) -> None:
            raise RuntimeError("no oneDNN here")

    class Wrong(E.FusedBert):
        def __call__(self, ids, mask, types):
            return super().__call__(ids, mask, types).flip(-1)  # a plausible-looking but wrong hidden state

    for fake, said in ((Broken, "no oneDNN here"), (Wrong, "lowest cosine")):
        monkeypatch.setattr(E, "FusedBert", fake)
        e = E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk="bf16")
        caplog.clear()
        with caplog.at_level("INFO", logger="mlnotes.kb.embedding"), E.bulk_job():
            got = e.encode(texts)
        assert e.bulk == "bf16" and e.bulk_kernel == "autocast" and not isinstance(e._bulk_model, E.FusedBert)
        assert any("autocast forward" in r.getMessage() and said in r.getMessage() for r in caplog.records)
        np.testing.assert_allclose(got, ref, atol=1e-6)


def test_an_unknown_bulk_kernel_is_refused(tiny, tmp_path):
    with pytest.raises(E.EmbedderUnavailable, match="bulk kernel"):
        E.Embedder(tiny, runtime="onnx", cache_dir=tmp_path, bulk_kernel="int4")


def test_bench_embed_variants_are_parsed_or_refused_clearly():
    from mlnotes.eval.bench_embed import parse_variant

    assert parse_variant("fused-32") == ("fused", 32) and parse_variant("autocast-64") == ("autocast", 64)
    for bad in ("fused", "fused-0", "flash-32", "fused-x"):
        with pytest.raises(ValueError, match="KERNEL-BATCH"):
            parse_variant(bad)
