"""The bank matcher's question vectors kept in a file beside the index (assistant/answering/bank.py:
BankMatcher.use_cache): read back equal without embedding, recomputed when the questions or the embedder change,
and a damaged or unwritable file only costs an embedding."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from mlnotes.assistant.answering.bank import BankMatcher


def bank(*questions: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=f"e{i}", question=q, doc_id="bank", section_id=f"s{i}")
            for i, q in enumerate(questions)]


class Embed:
    """A deterministic embedder that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        v = np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_vectors_are_written_then_read_back_without_embedding(tmp_path):
    path = tmp_path / "index.bank.vectors.npz"
    b = bank("What is dropout?", "How does k-means work?")
    first = BankMatcher(b, Embed(), 0.6)
    first.use_cache(path, "minilm")
    want = first.vectors()
    assert path.exists() and first._embed.calls == 1
    e1 = Embed()
    second = BankMatcher(b, e1, 0.6)
    second.use_cache(path, "minilm")
    np.testing.assert_array_equal(second.vectors(), want)
    assert e1.calls == 0


def test_other_questions_or_another_embedder_are_embedded_again(tmp_path):
    path = tmp_path / "v.npz"
    m = BankMatcher(bank("What is dropout?"), Embed(), 0.6)
    m.use_cache(path, "minilm")
    m.vectors()
    for questions, emb in ((("What is dropout?", "What is ReLU?"), "minilm"), (("What is dropout?",), "other-model")):
        e = Embed()
        again = BankMatcher(bank(*questions), e, 0.6)
        again.use_cache(path, emb)
        assert again.vectors().shape[0] == len(questions) and e.calls == 1


def test_a_damaged_or_unwritable_file_only_costs_an_embedding(tmp_path):
    path = tmp_path / "v.npz"
    path.write_bytes(b"garbage")
    e = Embed()
    m = BankMatcher(bank("What is dropout?"), e, 0.6)
    m.use_cache(path, "minilm")
    assert m.vectors().shape == (1, 3) and e.calls == 1
    e2 = Embed()
    m2 = BankMatcher(bank("What is dropout?"), e2, 0.6)
    m2.use_cache(tmp_path / "no-such-dir" / "v.npz", "minilm")
    assert m2.vectors().shape == (1, 3) and e2.calls == 1
