"""Speculative greedy decoding must give the plain greedy tokens, for every drafter."""

from __future__ import annotations

import random

import pytest
import torch

from mlnotes.assistant.generation.speculative import (
    DecodeStats,
    ModelDrafter,
    PromptLookupDrafter,
    crop_cache,
    decode,
    new_cache,
)
from mlnotes.assistant.generation.transformers_backend import Int8Linear, quantize_int8


def _prompts(vocab: int = 260, n: int = 5) -> list[list[int]]:
    rng = random.Random(0)
    out = []
    for i in range(n):
        base = [rng.randrange(vocab) for _ in range(12 + 3 * i)]
        out.append(base + base[:8] + [rng.randrange(vocab) for _ in range(5)] + base)  # repeats for lookups
    return out


@pytest.mark.parametrize("method", ["prompt-lookup", "draft", "from-scratch", "from-scratch-draft"])
def test_speculative_equals_greedy(target, other_model, method):
    drafted = accepted = 0
    for prompt in _prompts():
        plain = decode(target, prompt, 40)
        st = DecodeStats()
        draft = other_model if method in ("draft", "from-scratch-draft") else None
        got = decode(target, prompt, 40, method=method.replace("-draft", ""), draft_model=draft, stats=st)
        assert got == plain, method
        assert len(got) == 40
        drafted += st.drafted
        accepted += st.accepted
    assert drafted > 0
    if draft is not None:
        assert accepted < drafted  # a different random model: rejections happen


def test_self_draft_accepts_everything_and_saves_forward_passes(target):
    prompt = _prompts()[0]
    st = DecodeStats()
    got = decode(target, prompt, 40, method="draft", draft_model=target, stats=st)
    assert got == decode(target, prompt, 40)
    assert st.acceptance_rate == 1.0
    assert st.forward_calls < 40 / 2


def test_eos_stops_every_method_at_the_same_token(target, other_model):
    prompt = _prompts()[1]
    plain = decode(target, prompt, 40)
    eos = plain[17]
    want = plain[: plain.index(eos)]
    for method, draft in [("greedy", None), ("prompt-lookup", None), ("draft", other_model),
                          ("draft", target), ("from-scratch", None)]:
        assert decode(target, prompt, 40, eos_ids=[eos], method=method, draft_model=draft) == want, method


def test_max_new_tokens_respected_when_drafts_run_long(target):
    prompt = _prompts()[2]
    for n in (1, 2, 5, 13):
        assert decode(target, prompt, n, method="draft", draft_model=target, num_draft=8) == decode(target, prompt, n)


def test_prompt_lookup_proposes_continuation_of_latest_match():
    d = PromptLookupDrafter(max_ngram=3, adaptive=False)
    ids = [1, 2, 3, 4, 5, 9, 2, 3, 7, 8, 2, 3]
    d.reset(ids[:5])
    assert d.propose(ids, 3) == [7, 8, 2]  # the latest earlier "2 3" is followed by 7 8
    assert d.propose(ids + [4], 2) == [5, 9]  # "2 3 4" only occurs at the start
    assert d.propose([5, 6], 4) == []  # no earlier occurrence (index rebuilt for a new sequence)


def test_model_drafter_reuses_its_cache(target):
    d = ModelDrafter(target, adaptive=False)
    prompt = _prompts()[0]
    d.reset(prompt)
    first = d.propose(prompt, 4)
    again = d.propose(prompt + first[:2], 2)
    assert again == first[2:4]


def test_crop_cache_matches_a_fresh_prefix(target):
    ids = _prompts()[0]
    with torch.inference_mode():
        cache = new_cache(target)
        target(input_ids=torch.tensor([ids]), past_key_values=cache, use_cache=True)
        crop_cache(cache, 10)
        assert cache.get_seq_length() == 10
        a = target(input_ids=torch.tensor([ids[10:12]]), past_key_values=cache, use_cache=True).logits
        b = target(input_ids=torch.tensor([ids[:12]])).logits[:, 10:12]
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_int8_linear_is_close_and_row_independent():
    torch.manual_seed(0)
    lin = torch.nn.Linear(64, 48)
    q = Int8Linear(lin)
    x = torch.randn(5, 64)
    torch.testing.assert_close(q(x), lin(x), rtol=0.05, atol=0.05)
    assert torch.equal(q(x[:1])[0], q(x)[0])


def test_int8_model_speculative_equals_greedy():
    from tests.generation.conftest import tiny_llama

    model = quantize_int8(tiny_llama(3))
    for prompt in _prompts(n=3):
        plain = decode(model, prompt, 30)
        assert decode(model, prompt, 30, method="prompt-lookup") == plain
        assert decode(model, prompt, 30, method="draft", draft_model=model) == plain
