"""Step 3: match a question to the interview bank.

A bank entry answers the question only when (1) its section is itself among the top ``top_n`` retrieved sections,
(2) it asks the same *kind* of question (:func:`same_kind`: "implement k-means" is a ``code`` question, "what are
the limitations of k-means" a ``definition``; they are different questions however close their embeddings) and
(3) the cosine between the question and the bank question reaches the calibrated threshold
(``interview_match_threshold`` in ``assistant/calibration.json``, chosen by ``eval/calibrate.py`` on the tune
split of the gold set and of ``eval/datasets/interview_pairs.jsonl``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlnotes.assistant.intent import classify_intent

# intents that ask for the same kind of answer ("How does X work?" and "What is X?" both want an explanation)
# ("How do I pick k?" and "k-means versus k-NN" do not: how-to-choose and comparison are kept apart)
_SAME_KIND = (frozenset({"definition", "why_how"}), frozenset({"why_how", "debugging"}),
              frozenset({"formula", "why_how"}))
DEFAULT_TOP_N = 3


def same_kind(intent_a: str, intent_b: str) -> bool:
    """Whether two question intents ask for the same kind of answer."""
    return intent_a == intent_b or any({intent_a, intent_b} <= g for g in _SAME_KIND)


class BankMatcher:
    """The bank's question vectors and intents (computed once, on first use, thread-safe) and the threshold."""

    def __init__(self, bank: Sequence[Any], embed: Callable[[list[str]], np.ndarray], threshold: float,
                 top_n: int = DEFAULT_TOP_N) -> None:
        self.bank = list(bank)
        self.threshold = threshold
        self.top_n = top_n
        self._embed = embed
        self._vecs: np.ndarray | None = None
        self._intents = [classify_intent(q.question).intent for q in self.bank]
        self._by_section = {(q.doc_id, q.section_id): i for i, q in enumerate(self.bank)}
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
        """The most similar bank question and its cosine, whatever the threshold and retrieval
        (``None`` for an empty bank)."""
        if not self.bank:
            return None
        sims = self.vectors() @ qvec
        i = int(np.argmax(sims))
        return self.bank[i], float(sims[i])

    def eligible(self, question: str, hits: Sequence[Any]) -> list[int]:
        """Indices of the bank entries among the top ``top_n`` retrieved sections that ask the same kind of
        question as ``question``, in retrieval order."""
        intent = classify_intent(question).intent
        seen: list[tuple[str, str]] = []
        for h in hits:
            key = (h.chunk.doc_id, h.chunk.section_id)
            if key not in seen:
                seen.append(key)
            if len(seen) >= self.top_n:
                break
        out = []
        for key in seen:
            i = self._by_section.get(key)
            if i is not None and same_kind(intent, self._intents[i]):
                out.append(i)
        return out

    def best_retrieved(self, question: str, qvec: np.ndarray, hits: Sequence[Any]) -> tuple[Any, float] | None:
        """The eligible bank entry (:meth:`eligible`) most similar to the question, whatever the threshold."""
        idx = self.eligible(question, hits)
        if not idx:
            return None
        sims = self.vectors()[idx] @ qvec
        j = int(np.argmax(sims))
        return self.bank[idx[j]], float(sims[j])

    def match(self, question: str, qvec: np.ndarray, hits: Sequence[Any],
              threshold: float | None = None) -> tuple[Any, float] | None:
        """The bank entry that answers ``question`` (retrieved, same kind, cosine at least the threshold),
        else ``None``."""
        got = self.best_retrieved(question, qvec, hits)
        thr = self.threshold if threshold is None else threshold
        return got if got is not None and got[1] >= thr else None
