"""Greedy decoding with a KV cache, and greedy speculative decoding on top of it (token ids only, no text).

Both loops call the model directly (``model(input_ids, past_key_values=cache)``) instead of ``generate()``, so a
step costs one forward pass and a few tensor operations.

Invariant of both loops: the cache holds every token of the sequence except the last one, whose logits have not
been computed yet.

* Plain greedy feeds the last token and takes the argmax: one forward pass per token.
* Speculative greedy asks a *drafter* for up to ``k`` tokens, feeds ``[last, d_1..d_k]`` in ONE forward pass,
  accepts the longest prefix of drafts that equal the target's argmax at their position, emits the target's own
  argmax after that prefix (the correction, or the bonus token when every draft was accepted), and crops the
  cache back to the accepted length. Every emitted token is the target's argmax given the tokens before it, so
  the output is the greedy output token for token (up to floating-point differences between a one-row and a
  multi-row forward pass, which the benchmark checks for).

Drafters (all deterministic): :class:`PromptLookupDrafter` (n-gram match in the prompt and the text so far, no
model) and :class:`ModelDrafter` (a smaller model that shares the tokenizer, with its own cropped cache).
:func:`from_scratch_decode` runs the NumPy reference loop of ``algorithms/sequence/speculative_decoding.py``
with cached logits functions, for comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch


@dataclass
class DecodeStats:
    """Counters of one decoding run (a speculative run fills the draft counters)."""

    new_tokens: int = 0
    forward_calls: int = 0
    drafted: int = 0
    accepted: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    accept_hist: list[int] = field(default_factory=list)

    @property
    def acceptance_rate(self) -> float:
        """Accepted draft tokens / proposed draft tokens (0 when nothing was proposed)."""
        return self.accepted / self.drafted if self.drafted else 0.0

    @property
    def tokens_per_call(self) -> float:
        return self.new_tokens / self.forward_calls if self.forward_calls else 0.0


class Drafter(Protocol):
    name: str

    def reset(self, prompt_ids: list[int]) -> None: ...

    def propose(self, ids: list[int], k: int) -> list[int]: ...

    def feedback(self, proposed: int, accepted: int) -> None: ...


# ---------------------------------------------------------------------------------- row-exact attention

ROWWISE_MAX_QUERIES = 32
ROWWISE_NAME = "mlnotes_rowwise"


def rowwise_attention(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                      attention_mask: Any, dropout: float = 0.0, scaling: float | None = None,
                      **kwargs: Any) -> tuple[torch.Tensor, None]:
    """Causal attention that computes every query row exactly as a one-token decoding step would.

    A float32 ``(M, D) x (D, L)`` product picks a different kernel (and summation order) for M = 1 than for
    M = 5, so a verification pass over ``[last, d_1..d_k]`` gives logits that differ in the last bits from the
    one-token steps of plain greedy, and a near-tie can flip an argmax. Here query row ``i`` (position
    ``L - M + i``) attends to keys ``0..L - M + i`` in its own ``(G, D) x (D, L_i)`` product per key-value head
    (G query heads share a key-value head), which is the same computation a single-token step does. Used for
    short inputs (decoding, verification, batch 1); longer ones (the prefill, identical for every decoder) go to
    PyTorch's fused SDPA.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    b, h, m, d = query.shape
    if m > ROWWISE_MAX_QUERIES or b != 1 or dropout:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    kvh, length = key.shape[1], key.shape[2]
    g = h // kvh
    scale = scaling if scaling is not None else d ** -0.5
    q = query.reshape(b, kvh, g, m, d)  # heads are grouped consecutively over their key-value head
    outs = []
    for i in range(m):
        li = length - m + i + 1
        qi = q[:, :, :, i, :]  # (1, kvh, g, d)
        scores = torch.matmul(qi, key[:, :, :li].transpose(-1, -2)) * scale  # (1, kvh, g, li)
        probs = torch.softmax(scores.float(), dim=-1).to(value.dtype)
        outs.append(torch.matmul(probs, value[:, :, :li]).reshape(b, h, 1, d))
    out = torch.cat(outs, dim=2)  # (1, h, m, d)
    return out.transpose(1, 2).contiguous(), None


def use_rowwise_attention(model: Any) -> bool:
    """Switch a transformers model to :func:`rowwise_attention` (returns False when that is not possible)."""
    try:
        from transformers import AttentionInterface

        AttentionInterface.register(ROWWISE_NAME, rowwise_attention)
        try:
            model.set_attn_implementation(ROWWISE_NAME)
        except Exception:  # noqa: BLE001 - older transformers: set the config field directly
            model.config._attn_implementation = ROWWISE_NAME
        return True
    except Exception:  # noqa: BLE001
        return False


# ----------------------------------------------------------------------------------------------- the cache


def new_cache(model: Any) -> Any:
    if getattr(model, "is_fast_llama", False):
        return model.new_cache()
    from transformers import DynamicCache

    try:
        return DynamicCache(config=model.config)
    except TypeError:  # older signature
        return DynamicCache()


def crop_cache(cache: Any, length: int) -> None:
    """Keep the first ``length`` positions (recent transformers caches and fast_llama.KVCache take the number of
    tokens to remove, negated; older transformers caches the length to keep)."""
    remove = cache.get_seq_length() - length
    if remove <= 0:
        return
    try:
        cache.crop(-remove)
    except ValueError:
        cache.crop(length)


def _forward(model: Any, ids: list[int], cache: Any, keep: int) -> torch.Tensor:
    """Logits (keep, V) of the last ``keep`` of the fed tokens; the cache grows by ``len(ids)``."""
    if getattr(model, "is_fast_llama", False):
        return model.forward_ids(ids, cache, keep)
    x = torch.tensor([ids], dtype=torch.long)
    out = model(input_ids=x, past_key_values=cache, use_cache=True, logits_to_keep=keep)
    return out.logits[0, -keep:]


def max_verify_rows(model: Any) -> int:
    """The most tokens one verification pass may hold and stay row-exact (see fast_llama.row_exact_limit)."""
    return int(getattr(model, "max_rows", ROWWISE_MAX_QUERIES))


def _verify(model: Any, fed: list[int], drafts: list[int], cache: Any) -> list[int]:
    """The target's greedy token after each fed token, as far as the drafts can still be accepted.

    One forward pass over ``fed`` (the cache grows by ``len(fed)``). Models that expose their hidden states
    (:class:`~mlnotes.assistant.generation.fast_llama.FastLlama`) get the output layer lazily: the first row alone, and
    the other rows only if the first draft was accepted (most rejected drafts fail at their first token, and
    the output layer over a 49k vocabulary is the largest matrix of a small model).
    """
    if hasattr(model, "hidden_ids"):
        hs = model.hidden_ids(fed, cache)
        best = [int(torch.argmax(model.head(hs[:1])[0]))]
        if drafts and drafts[0] == best[0]:
            best += torch.argmax(model.head(hs[1:]), dim=-1).tolist()
        return best
    return torch.argmax(_forward(model, fed, cache, len(fed)), dim=-1).tolist()


def _stop_index(tokens: list[int], eos: frozenset[int]) -> int | None:
    for i, t in enumerate(tokens):
        if t in eos:
            return i
    return None


# ------------------------------------------------------------------------------------------------ decoding


@torch.inference_mode()
def greedy_stream(model: Any, prompt_ids: list[int], max_new_tokens: int, eos_ids: Iterable[int] = (),
                  stats: DecodeStats | None = None) -> Iterator[list[int]]:
    """Plain greedy decoding; yields the new token(s) of every step (the EOS token is not yielded)."""
    import time

    stats = stats if stats is not None else DecodeStats()
    eos = frozenset(eos_ids)
    cache = new_cache(model)
    t0 = time.perf_counter()
    logits = _forward(model, prompt_ids, cache, 1)
    stats.forward_calls += 1
    stats.prefill_s += time.perf_counter() - t0
    t1 = time.perf_counter()
    try:
        while stats.new_tokens < max_new_tokens:
            tok = int(torch.argmax(logits[-1]))
            if tok in eos:
                break
            stats.new_tokens += 1
            yield [tok]
            if stats.new_tokens >= max_new_tokens:
                break
            logits = _forward(model, [tok], cache, 1)
            stats.forward_calls += 1
    finally:
        stats.decode_s += time.perf_counter() - t1


@torch.inference_mode()
def speculative_stream(model: Any, prompt_ids: list[int], drafter: Drafter, max_new_tokens: int,
                       eos_ids: Iterable[int] = (), num_draft: int = 8,
                       stats: DecodeStats | None = None) -> Iterator[list[int]]:
    """Greedy speculative decoding; yields the accepted tokens of every verification step."""
    import time

    stats = stats if stats is not None else DecodeStats()
    eos = frozenset(eos_ids)
    num_draft = min(num_draft, max_verify_rows(model) - 1)
    cache = new_cache(model)
    drafter.reset(list(prompt_ids))
    t0 = time.perf_counter()
    logits = _forward(model, prompt_ids, cache, 1)
    stats.forward_calls += 1
    stats.prefill_s += time.perf_counter() - t0
    t1 = time.perf_counter()
    ids = list(prompt_ids)
    try:
        first = int(torch.argmax(logits[-1]))
        if first in eos or max_new_tokens <= 0:
            return
        ids.append(first)
        stats.new_tokens = 1
        yield [first]
        while stats.new_tokens < max_new_tokens:
            room = max_new_tokens - stats.new_tokens - 1  # the step always adds one token of the target's own
            drafts = drafter.propose(ids, min(num_draft, room)) if room > 0 else []
            drafts = drafts[: max(room, 0)]
            fed = [ids[-1]] + drafts
            best = _verify(model, fed, drafts, cache)  # best[i]: the target's token after fed[i]
            stats.forward_calls += 1
            n_acc = 0
            while n_acc < len(drafts) and drafts[n_acc] == best[n_acc]:
                n_acc += 1
            out = drafts[:n_acc] + [best[n_acc]]
            stats.drafted += len(drafts)
            stats.accepted += n_acc
            stats.accept_hist.append(n_acc)
            drafter.feedback(len(drafts), n_acc)
            # keep the cache for ids[-1] and the accepted drafts; the new last token is not in it
            crop_cache(cache, len(ids) + n_acc)
            stop = _stop_index(out, eos)
            if stop is not None:
                out = out[:stop]
            out = out[: max_new_tokens - stats.new_tokens]
            ids.extend(out)
            stats.new_tokens += len(out)
            if out:
                yield out
            if stop is not None:
                break
    finally:
        stats.decode_s += time.perf_counter() - t1


# ------------------------------------------------------------------------------------------------- drafters


class PromptLookupDrafter:
    """Propose the continuation of the longest recent n-gram match of the sequence's suffix.

    Grounded answers copy phrases from the passages, so the last ``n`` tokens usually occurred in the prompt and
    what followed them there is a good guess. Tries ``n = max_ngram .. min_ngram`` and takes the most recent
    earlier occurrence. An index from n-gram to positions is kept up to date as tokens are appended, so a
    proposal costs a few dictionary look-ups instead of a scan of the prompt.
    """

    name = "prompt-lookup"

    def __init__(self, max_ngram: int = 3, min_ngram: int = 1, adaptive: bool = True, start_k: int = 1,
                 grow: int = 2) -> None:
        self.max_ngram, self.min_ngram = max_ngram, min_ngram
        self.adaptive, self.start_k, self.grow = adaptive, start_k, grow
        self.k = start_k
        self._ids: list[int] = []
        self._index: dict[tuple[int, ...], int] = {}  # n-gram -> end (exclusive) of its latest occurrence

    def reset(self, prompt_ids: list[int]) -> None:
        self._ids = []
        self._index = {}
        self.k = self.start_k
        self._sync(list(prompt_ids))

    def _sync(self, ids: list[int]) -> None:
        n_old = len(self._ids)
        if n_old and (len(ids) < n_old or ids[:n_old] != self._ids):  # not an extension: rebuild
            self._index = {}
            n_old = 0
        self._ids = list(ids)
        # an n-gram ending at `end` (exclusive) has a continuation when end < len(ids); later ends overwrite
        # earlier ones, so the index holds the most recent occurrence
        for end in range(max(n_old, 1), len(ids)):
            for n in range(self.min_ngram, self.max_ngram + 1):
                if end - n >= 0:
                    self._index[tuple(ids[end - n:end])] = end

    def propose(self, ids: list[int], k: int) -> list[int]:
        if self.adaptive:
            k = min(k, self.k)
        if k <= 0:
            return []
        self._sync(ids)
        for n in range(min(self.max_ngram, len(ids) - 1), self.min_ngram - 1, -1):
            end = self._index.get(tuple(ids[-n:]))
            if end is not None and end < len(ids):
                return list(ids[end:end + k])
        return []

    def feedback(self, proposed: int, accepted: int) -> None:
        """Adaptive length: the answer alternates between copying a passage (long drafts pass whole) and
        writing its own words (drafts fail at once), so grow the length after a fully accepted draft and fall
        back to what was accepted (plus one) after a rejection."""
        if not self.adaptive or proposed == 0:
            return
        self.k = self.k + self.grow if accepted == proposed else max(1, accepted + 1)


class ModelDrafter:
    """A smaller causal LM sharing the target's tokenizer drafts greedily, with its own KV cache.

    ``k`` adapts like Hugging Face assisted generation: +2 after a fully accepted draft, -1 otherwise.
    """

    name = "draft-model"

    def __init__(self, model: Any, adaptive: bool = True, max_k: int = 12) -> None:
        self.model = model
        self.adaptive, self.max_k = adaptive, max_k
        self.k: int | None = None
        self._cache: Any = None
        self._seen: list[int] = []  # the tokens the draft cache holds

    def reset(self, prompt_ids: list[int]) -> None:
        self._cache = new_cache(self.model)
        self._seen = []
        self.k = None

    @torch.inference_mode()
    def propose(self, ids: list[int], k: int) -> list[int]:
        if k <= 0:
            return []
        if self.k is None:
            self.k = k
        k = min(k, self.k)
        common = 0
        limit = min(len(self._seen), len(ids) - 1)
        while common < limit and self._seen[common] == ids[common]:
            common += 1
        crop_cache(self._cache, common)
        self._seen = self._seen[:common]
        feed = ids[common:]
        drafts: list[int] = []
        for _ in range(k):
            logits = _forward(self.model, feed, self._cache, 1)
            self._seen.extend(feed)
            tok = int(torch.argmax(logits[-1]))
            drafts.append(tok)
            feed = [tok]
        return drafts

    def feedback(self, proposed: int, accepted: int) -> None:
        if not self.adaptive or self.k is None:
            return
        self.k = min(self.max_k, self.k + 2) if accepted == proposed and proposed > 0 else max(1, self.k - 1)


# ------------------------------------------------------------------------- the from-scratch reference loop


class _Rows:
    """Logits of the positions ``start..`` of a sequence, indexable like the full ``(T, V)`` array."""

    def __init__(self, start: int, rows: Any) -> None:
        self.start, self.rows = start, rows

    def __getitem__(self, key: Any) -> Any:
        total = self.start + len(self.rows)
        if isinstance(key, int):
            key = key + total if key < 0 else key
            if key < self.start:
                raise IndexError(f"logits of position {key} were not computed (cached from {self.start})")
            return self.rows[key - self.start]
        if isinstance(key, slice) and key.step in (None, 1):
            lo = 0 if key.start is None else (key.start + total if key.start < 0 else key.start)
            hi = total if key.stop is None else (key.stop + total if key.stop < 0 else key.stop)
            if lo < self.start:
                raise IndexError(f"logits from position {lo} were not computed (cached from {self.start})")
            return self.rows[lo - self.start:hi - self.start]
        raise TypeError(f"unsupported index {key!r}")


class CachedLogitsFn:
    """``ids -> logits`` for the NumPy reference loop, reusing a KV cache across calls.

    The reference loop calls ``fn(ids)`` with the full sequence every time. This keeps the tokens it has seen,
    crops the cache to the longest common prefix with the new call, feeds only the rest and returns the logits
    of the fed positions (earlier positions are not recomputed; asking for them raises).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.cache = new_cache(model)
        self.seen: list[int] = []
        self.last_row: Any = None  # logits at position len(seen) - 1
        self.calls = 0

    @torch.inference_mode()
    def __call__(self, ids: list[int]) -> _Rows:
        ids = [int(t) for t in ids]
        common = 0
        limit = min(len(self.seen), len(ids))
        while common < limit and self.seen[common] == ids[common]:
            common += 1
        if common == len(ids) == len(self.seen) and self.last_row is not None:
            return _Rows(len(ids) - 1, self.last_row[None])
        common = min(common, len(ids) - 1)  # always feed at least one token
        crop_cache(self.cache, common)
        feed = ids[common:]
        rows = _forward(self.model, feed, self.cache, len(feed)).float().numpy()
        self.calls += 1
        start = common
        if common == len(self.seen) and self.last_row is not None:  # the row before the fed ones is known
            rows = np.concatenate([self.last_row[None], rows])
            start = common - 1
        self.seen, self.last_row = ids, rows[-1]
        return _Rows(start, rows)


def from_scratch_decode(model: Any, prompt_ids: list[int], max_new_tokens: int, eos_ids: Iterable[int] = (),
                        draft_model: Any = None, num_draft: int = 8, stats: DecodeStats | None = None
                        ) -> list[int]:
    """Greedy speculative decoding with ``mlnotes.algorithms.sequence.speculative_decoding`` (drafters and loop).

    Prompt lookup by default, the draft model when given. The reference loop generates exactly
    ``max_new_tokens`` tokens; the result is cut at the first EOS.
    """
    import time

    from mlnotes.algorithms.sequence.speculative_decoding import ModelDrafter as RefModelDrafter
    from mlnotes.algorithms.sequence.speculative_decoding import PromptLookupDrafter as RefPromptLookup
    from mlnotes.algorithms.sequence.speculative_decoding import speculative_generate

    stats = stats if stats is not None else DecodeStats()
    num_draft = min(num_draft, max_verify_rows(model) - 1)
    target = CachedLogitsFn(model)
    if draft_model is not None:
        drafter = RefModelDrafter(CachedLogitsFn(draft_model), num_tokens=min(num_draft, 4), temperature=0.0)
    else:
        drafter = RefPromptLookup(max_ngram_size=3, num_tokens=num_draft)
    t0 = time.perf_counter()
    target(list(prompt_ids))  # prefill the prompt alone, exactly as plain greedy does
    target.calls = 0
    out, st = speculative_generate(target, drafter, list(prompt_ids), max_new_tokens, temperature=0.0)
    new = [int(t) for t in out[len(prompt_ids):]]
    stop = _stop_index(new, frozenset(eos_ids))
    if stop is not None:
        new = new[:stop]
    stats.decode_s += time.perf_counter() - t0
    stats.new_tokens += len(new)
    stats.forward_calls += target.calls
    stats.drafted += st.drafted
    stats.accepted += st.accepted
    return new


def decode(model: Any, prompt_ids: list[int], max_new_tokens: int, eos_ids: Iterable[int] = (),
           method: str = "greedy", draft_model: Any = None, num_draft: int = 8,
           stats: DecodeStats | None = None) -> list[int]:
    """All new tokens of one run: ``method`` is greedy | prompt-lookup | draft | from-scratch."""
    if method == "from-scratch":
        return from_scratch_decode(model, prompt_ids, max_new_tokens, eos_ids, draft_model, num_draft, stats)
    return [t for piece in stream_tokens(model, prompt_ids, max_new_tokens, eos_ids, method, draft_model,
                                         num_draft, stats) for t in piece]


def stream_tokens(model: Any, prompt_ids: list[int], max_new_tokens: int, eos_ids: Iterable[int] = (),
                  method: str = "greedy", draft_model: Any = None, num_draft: int = 8,
                  stats: DecodeStats | None = None) -> Iterator[list[int]]:
    """The streaming form of :func:`decode` (from-scratch yields everything in one piece at the end)."""
    if method == "greedy":
        yield from greedy_stream(model, prompt_ids, max_new_tokens, eos_ids, stats)
    elif method == "prompt-lookup":
        yield from speculative_stream(model, prompt_ids, PromptLookupDrafter(), max_new_tokens, eos_ids,
                                      num_draft, stats)
    elif method == "draft":
        if draft_model is None:
            raise ValueError("method 'draft' needs a draft model (MLNOTES_LLM_DRAFT)")
        yield from speculative_stream(model, prompt_ids, ModelDrafter(draft_model), max_new_tokens, eos_ids,
                                      num_draft, stats)
    elif method == "from-scratch":
        toks = from_scratch_decode(model, prompt_ids, max_new_tokens, eos_ids, draft_model, num_draft, stats)
        if toks:
            yield toks
    else:
        raise ValueError(f"unknown decoding method {method!r} (greedy, prompt-lookup, draft, from-scratch)")


METHODS = ("greedy", "prompt-lookup", "draft", "from-scratch")
