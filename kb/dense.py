"""Dense retrieval: normalised MiniLM vectors in a FAISS inner-product index (exact, ``IndexFlatIP``).

Vectors are stored as a plain ``.npy`` array and the FAISS index is rebuilt from it at load time (a flat
index is just the array), so persistence needs neither pickle nor FAISS' own file format. Single queries use one
FAISS thread: at this size threading costs more than it saves.
"""

from __future__ import annotations

import numpy as np


class DenseIndex:
    def __init__(self, vectors: np.ndarray) -> None:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        self.vectors = vectors
        self.dim = vectors.shape[1]
        self._index = faiss.IndexFlatIP(self.dim)
        if len(vectors):
            self._index.add(vectors)

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def search(self, query_vec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (indices, inner products), best first."""
        import faiss

        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query_vec, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.dim:
            raise ValueError(f"query vector has dimension {q.shape[1]}, index has {self.dim}")
        faiss.omp_set_num_threads(1)
        scores, idx = self._index.search(q, k)
        keep = idx[0] >= 0
        return idx[0][keep].astype(np.int64), scores[0][keep]


def brute_force(vectors: np.ndarray, query_vec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The NumPy oracle for :meth:`DenseIndex.search`."""
    s = vectors @ query_vec.reshape(-1)
    order = np.lexsort((np.arange(len(s)), -s))[:k]
    return order, s[order]
