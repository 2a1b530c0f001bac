"""A deterministic, fast stand-in for the MiniLM embedder (hashing bag of words + random projection)."""

from __future__ import annotations

import hashlib

import numpy as np

from mlnotes.kb.bm25 import tokenize


class HashingEmbedder:
    model_id = "test/hashing-embedder"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.calls: list[int] = []  # number of texts per encode call

    def _vec(self, token: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def encode(self, texts, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            toks = tokenize(t) or ["\u2205"]
            v = sum(self._vec(tok) for tok in toks)
            out[i] = v / (np.linalg.norm(v) + 1e-12)
        return out

    @property
    def n_encoded(self) -> int:
        return sum(self.calls)
