"""Step 3: match a question to the interview bank by cosine similarity of question embeddings."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class BankMatcher:
    """The bank's question vectors (embedded once, on first use, thread-safe) and the match threshold."""

    def __init__(self, bank: Sequence[Any], embed: Callable[[list[str]], np.ndarray], threshold: float) -> None:
        self.bank = list(bank)
        self.threshold = threshold
        self._embed = embed
        self._vecs: np.ndarray | None = None
        self._lock = threading.Lock()

    def vectors(self) -> np.ndarray:
        """One row per bank question (``(0, 1)`` for an empty bank)."""
        if self._vecs is None:
            with self._lock:
                if self._vecs is None:
                    texts = [q.question for q in self.bank]
                    self._vecs = self._embed(texts) if texts else np.zeros((0, 1), np.float32)
        return self._vecs

    def best(self, qvec: np.ndarray) -> tuple[Any, float] | None:
        """The most similar bank question and its cosine, whatever the threshold (``None`` for an empty bank)."""
        if not self.bank:
            return None
        sims = self.vectors() @ qvec
        i = int(np.argmax(sims))
        return self.bank[i], float(sims[i])

    def match(self, qvec: np.ndarray, threshold: float | None = None) -> tuple[Any, float] | None:
        """The best bank question when its similarity reaches the threshold, else ``None``."""
        got = self.best(qvec)
        thr = self.threshold if threshold is None else threshold
        return got if got is not None and got[1] >= thr else None
