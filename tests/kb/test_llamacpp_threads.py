"""The llama.cpp backend uses every core by default and takes an explicit thread count (fake llama_cpp module)."""

from __future__ import annotations

import os
import sys
import types

import pytest

from mlnotes.assistant.generation import llamacpp_backend as L
from mlnotes.assistant.generation.transformers_backend import GenerationUnavailable


@pytest.fixture()
def fake_llama(monkeypatch, tmp_path):
    made = []

    class Llama:
        def __init__(self, **kw):
            made.append(kw)

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=Llama))
    monkeypatch.setattr(L, "available", lambda: True)
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF")
    return made, gguf


def test_default_is_every_core_this_process_may_use(fake_llama, monkeypatch):
    made, gguf = fake_llama
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # an OpenMP setting for other libraries does not cap llama.cpp
    g = L.LlamaCppGenerator(gguf)
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert g.n_threads == expected == L.default_threads()
    assert made[-1]["n_threads"] == made[-1]["n_threads_batch"] == expected


def test_explicit_thread_count_overrides(fake_llama):
    made, gguf = fake_llama
    g = L.LlamaCppGenerator(gguf, n_threads=3)
    assert g.n_threads == 3 and made[-1]["n_threads"] == 3 and made[-1]["n_threads_batch"] == 3
    with pytest.raises(GenerationUnavailable, match="positive integer"):
        L.LlamaCppGenerator(gguf, n_threads=0)
