"""The fast CPU engine: same architecture as transformers' Llama/Qwen2 code, exact speculative greedy."""

from __future__ import annotations

import pytest
import torch

from mlnotes.assistant.generation.fast_llama import (
    INT4_GROUP,
    FastLlama,
    KVCache,
    Linear,
    fast_model,
    row_exact_limit,
)
from mlnotes.assistant.generation.speculative import (
    DecodeStats,
    PromptLookupDrafter,
    crop_cache,
    decode,
    new_cache,
)
from mlnotes.assistant.generation.transformers_backend import TransformersGenerator, load_model
from tests.generation.conftest import tiny_llama
from tests.generation.test_speculative import _prompts

PASSAGES = ["Regularization > Dropout\nDropout zeroes each activation with probability p during training."]


@pytest.fixture(scope="module", params=["int4", "int8", "bf16"])
def fast(request, target):
    return FastLlama(target, weights=request.param, head="int8" if request.param == "int4" else request.param)


@pytest.fixture(scope="module")
def fast_other(other_model):
    return FastLlama(other_model, weights="int4")


def _hf_logits(model, ids):
    with torch.inference_mode():
        return model(torch.tensor([ids])).logits[0].float()


def test_logits_follow_the_transformers_model(target):
    """bfloat16 weights and products: the logits stay within bfloat16 rounding of transformers' float32 ones,
    for the prefill path (many rows) and the row path (one token at a time)."""
    fm = FastLlama(target, weights="bf16", head="bf16")
    ids = _prompts()[3]
    ref = _hf_logits(target, ids)
    scale = float(ref.abs().max())
    cache = fm.new_cache()
    prefill = fm.forward_ids(ids, cache, len(ids))
    torch.testing.assert_close(prefill, ref, atol=0.03 * scale, rtol=0)
    cache = fm.new_cache()
    rows = torch.cat([fm.forward_ids([t], cache, 1) for t in ids])
    torch.testing.assert_close(rows, ref, atol=0.03 * scale, rtol=0)
    assert float((rows.argmax(-1) == ref.argmax(-1)).float().mean()) > 0.9


def test_qwen2_with_biases_and_more_heads_follows_transformers():
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(3)
    cfg = Qwen2Config(vocab_size=260, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=512)
    model = Qwen2ForCausalLM(cfg).eval()
    with torch.no_grad():  # non-zero biases, so a dropped bias would show
        for layer in model.model.layers:
            for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                proj.bias.normal_(0, 0.5)
    fm = fast_model(model, "bf16", "bf16")
    assert fm is not None
    ids = _prompts()[1]
    ref = _hf_logits(model, ids)
    got = fm.forward_ids(ids, fm.new_cache(), len(ids))
    torch.testing.assert_close(got, ref, atol=0.03 * float(ref.abs().max()), rtol=0)


def test_other_architectures_are_left_to_transformers(tmp_path, tokenizer):
    from transformers import GPT2Config, GPT2LMHeadModel

    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=260, n_embd=32, n_layer=1, n_head=2, n_positions=256)).eval()
    assert fast_model(gpt2) is None
    gpt2.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    tok, model = load_model(tmp_path)  # engine "fast" by default: falls back to transformers' code
    assert not getattr(model, "is_fast_llama", False)
    assert decode(model, [5, 6, 7], 4) == decode(model, [5, 6, 7], 4, method="prompt-lookup")


@pytest.mark.parametrize("method", ["prompt-lookup", "draft", "self-draft", "from-scratch"])
def test_speculative_equals_greedy_on_the_fast_engine(fast, fast_other, method):
    drafted = 0
    for prompt in _prompts():
        plain = decode(fast, prompt, 40)
        st = DecodeStats()
        draft = {"draft": fast_other, "self-draft": fast}.get(method)
        got = decode(fast, prompt, 40, method="draft" if draft is not None else method, draft_model=draft,
                     stats=st)
        assert got == plain, (method, fast.weights)
        drafted += st.drafted
        if method == "self-draft":
            assert st.acceptance_rate == 1.0
    assert drafted > 0


def test_eos_and_length_limits_on_the_fast_engine(fast):
    prompt = _prompts()[1]
    plain = decode(fast, prompt, 40)
    eos = plain[11]
    want = plain[: plain.index(eos)]
    for method, draft in [("greedy", None), ("prompt-lookup", None), ("draft", fast), ("from-scratch", None)]:
        assert decode(fast, prompt, 40, eos_ids=[eos], method=method, draft_model=draft) == want, method
    for n in (1, 2, 7):
        assert decode(fast, prompt, n, method="draft", draft_model=fast) == plain[:n]


def test_generator_streams_the_same_text_as_greedy(tokenizer, fast):
    plain = TransformersGenerator(fast, tokenizer, method="greedy", shape=False)
    spec = TransformersGenerator(fast, tokenizer, method="prompt-lookup", shape=False)
    a = list(plain.generate("What is dropout?", PASSAGES, 30))
    b = list(spec.generate("What is dropout?", PASSAGES, 30))
    assert "".join(a) == "".join(b) and len(b) >= 1


def test_cache_crop_and_growth_keep_the_prefix(target):
    fm = FastLlama(target, weights="int4")
    ids = (_prompts()[4] * 30)[:600]  # longer than the first allocation of 512 positions
    cache = fm.new_cache()
    fm.forward_ids(ids[:505], cache, 1)
    a = fm.forward_ids(ids[505:515], cache, 10)  # grows the cache past 512
    assert cache.get_seq_length() == 515 and cache.kt.shape[-1] >= 1024
    crop_cache(cache, 510)
    assert cache.get_seq_length() == 510
    b = fm.forward_ids(ids[510:515], cache, 5)
    assert torch.equal(a[5:], b)  # row-exact: the same rows after a crop, recomputed in a shorter pass
    fresh = fm.new_cache()
    assert isinstance(fresh, KVCache) and new_cache(fm).get_seq_length() == 0


def test_row_exactness_is_checked_not_assumed(target):
    fm = FastLlama(target, weights="int4")
    assert fm.max_rows >= 2  # these kernels are row-exact here, so speculation can verify several drafts

    class Drifting(Linear):
        """A kernel whose rows depend on how many rows share the call (as float32 GEMMs do)."""

        def __call__(self, x):
            return super().__call__(x) + 1e-3 * x.shape[0]

    bad = Drifting(torch.randn(64, 32), None, "bf16")
    assert row_exact_limit([bad]) == 1


def test_int4_recovers_q4_1_style_weights():
    """A weight of the GGUF Q4_1 form (codes 0..15 per block of 32 times a scale plus the block minimum) comes
    back from the int4 layer up to the bfloat16 rounding of its scale and offset."""
    torch.manual_seed(0)
    n, k = 48, 96
    codes = torch.randint(0, 16, (n, k // INT4_GROUP, INT4_GROUP))
    codes[..., 0], codes[..., 1] = 0, 15  # every block holds its minimum and maximum
    d = torch.rand(n, k // INT4_GROUP, 1) * 0.02 + 0.001
    m = torch.randn(n, k // INT4_GROUP, 1) * 0.05
    w = (codes * d + m).reshape(n, k)
    lin = Linear(w, None, "int4")
    unpacked = torch.stack([lin.codes & 15, lin.codes >> 4], dim=-1).reshape(n, k)
    assert torch.equal(unpacked.long(), codes.reshape(n, k))  # the 4-bit codes themselves come back exactly
    err = (lin.dense().float() - w).abs().max()
    assert float(err) < 1e-2 * float(w.abs().max())  # scale, offset and result rounded to bfloat16
    x = torch.randn(5, k).to(torch.bfloat16)
    torch.testing.assert_close(lin(x), x.float() @ w.t(), atol=0.05, rtol=0.02)
    torch.testing.assert_close(lin(x), lin.prefill(x), atol=0.05, rtol=0.02)


def test_adaptive_prompt_lookup_grows_after_full_accepts_and_shrinks_after_misses():
    d = PromptLookupDrafter(start_k=1, grow=2)
    ids = list(range(20)) + list(range(10))
    d.reset(ids)
    assert len(d.propose(ids, 8)) == 1
    d.feedback(1, 1)
    assert len(d.propose(ids, 8)) == 3
    d.feedback(3, 3)
    assert len(d.propose(ids, 8)) == 5
    d.feedback(5, 1)
    assert len(d.propose(ids, 8)) == 2  # what was accepted, plus one
    fixed = PromptLookupDrafter(adaptive=False)
    fixed.reset(ids)
    assert len(fixed.propose(ids, 8)) == 8


def test_different_model_drafts_are_rejected_but_output_is_unchanged(fast):
    other = FastLlama(tiny_llama(7), weights=fast.weights)
    prompt = _prompts()[0]
    st = DecodeStats()
    assert decode(fast, prompt, 30, method="draft", draft_model=other, stats=st) == decode(fast, prompt, 30)
    assert st.accepted < st.drafted
