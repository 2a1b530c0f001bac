"""Optional llama.cpp backend (the ``llamacpp`` extra), behind the same generator interface.

``llama_cpp`` is imported only when this backend is built. llama.cpp runs the GGUF file in its own quantized
format (Q4_1 for the default SmolLM2-135M), so its greedy output can differ from the transformers backend, which
dequantizes the same file to float.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mlnotes.assistant.generation.transformers_backend import (
    AnswerShaper,
    GenerationUnavailable,
    chat_messages,
    resolve_model,
    shaped,
)

PIP_LLAMACPP = 'pip install -e ".[llamacpp]"   (or: pip install llama-cpp-python)'


def available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def default_threads() -> int:
    """Every core this process may run on (its CPU affinity, which honours taskset and cpusets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def safe_cpu_kwargs(llama_cls: Any) -> dict[str, Any]:
    """``use_extra_bufts=False`` where the installed llama-cpp-python's ``Llama`` takes it as a parameter: the
    extra buffer types repack weights for AMX, which crashes some CPUs with "Illegal instruction". Versions that
    only swallow unknown keywords (0.3.x's ``**kwargs``) would ignore it, so it is not passed to them (see
    :func:`without_extra_bufts`)."""
    import inspect

    try:
        params = inspect.signature(llama_cls.__init__).parameters
    except (TypeError, ValueError):
        return {}
    return {"use_extra_bufts": False} if "use_extra_bufts" in params else {}


_PATCH_LOCK = threading.Lock()


@contextmanager
def without_extra_bufts(llama_cls: Any) -> Iterator[dict[str, Any]]:
    """Keyword arguments for ``Llama(...)`` that turn the extra buffer types off; on versions whose ``Llama`` has
    no such parameter but whose model-parameter struct has the field, the struct's defaults are patched (for the
    duration of the ``with``) so that the model loads with ``use_extra_bufts = false``."""
    kw = safe_cpu_kwargs(llama_cls)
    if kw:
        yield kw
        return
    try:
        import llama_cpp.llama_cpp as low
    except ImportError:
        yield {}
        return
    orig = getattr(low, "llama_model_default_params", None)
    fields = {f[0] for f in getattr(getattr(low, "llama_model_params", None), "_fields_", [])}
    if orig is None or "use_extra_bufts" not in fields:
        yield {}
        return

    def defaults():
        p = orig()
        p.use_extra_bufts = False
        return p

    with _PATCH_LOCK:
        low.llama_model_default_params = defaults
        try:
            yield {}
        finally:
            low.llama_model_default_params = orig


class LlamaCppGenerator:
    """Greedy generation with llama-cpp-python; optional prompt-lookup drafting through its own decoder.

    ``n_threads`` (decoding and prompt processing) defaults to every core (:func:`default_threads`); llama.cpp's
    own default would leave some idle. Pass a number to override it.
    """

    def __init__(self, spec: str | os.PathLike | None = None, n_threads: int | None = None, n_ctx: int = 4096,
                 prompt_lookup: bool = False, num_draft: int = 8, few_shot: bool = True) -> None:
        if not available():
            raise GenerationUnavailable(f"the llama.cpp backend needs llama-cpp-python; run: {PIP_LLAMACPP}")
        import llama_cpp

        folder, gguf = resolve_model(spec)
        if gguf is None:
            raise GenerationUnavailable(f"llama.cpp needs a GGUF file, and {folder} is a Hugging Face directory")
        kw: dict[str, Any] = {}
        if prompt_lookup:
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

            kw["draft_model"] = LlamaPromptLookupDecoding(num_pred_tokens=num_draft)
        if n_threads is not None and (not isinstance(n_threads, int) or n_threads < 1):
            raise GenerationUnavailable(f"n_threads must be a positive integer, got {n_threads!r}")
        self.n_threads = n_threads or default_threads()
        with without_extra_bufts(llama_cpp.Llama) as safe:
            self.llm = llama_cpp.Llama(model_path=str(folder / gguf), n_ctx=n_ctx, n_threads=self.n_threads,
                                       n_threads_batch=self.n_threads, verbose=False,
                                       logits_all=prompt_lookup, **kw, **safe)  # drafts read every position
        self.few_shot = few_shot
        self.name = f"llama.cpp {gguf}" + (" (prompt lookup)" if prompt_lookup else "")
        self.last_tokens = 0

    def generate(self, question: str, passages: list[str], max_new_tokens: int = 256) -> Iterator[str]:
        msgs = chat_messages(question, passages, self.few_shot)
        # the answer-shaping rules of the other generators (echo and loop stops, citations attached by overlap)
        yield from shaped(self.generate_messages(msgs, max_new_tokens), AnswerShaper(passages))

    def generate_messages(self, messages: list[dict[str, str]], max_new_tokens: int = 256) -> Iterator[str]:
        self.last_tokens = 0
        stream = self.llm.create_chat_completion(messages=messages, max_tokens=max_new_tokens, temperature=0.0,
                                                 top_k=1, top_p=1.0, repeat_penalty=1.0, stream=True)
        for chunk in stream:
            delta = chunk["choices"][0].get("delta", {}).get("content")
            if delta:
                self.last_tokens += 1
                yield delta
