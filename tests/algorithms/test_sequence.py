"""Sequence family: every forward/backward against PyTorch, speculative decoding against its guarantees."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy import stats

from mlnotes.algorithms.sequence import (
    attention,
    decoding,
    gru,
    lora,
    lstm,
    moe,
    positional_encoding,
    rnn,
    word2vec,
)
from mlnotes.algorithms.sequence import speculative_decoding as sd
from mlnotes.algorithms.sequence.tiny_gpt import GPT, GPTConfig

torch.set_num_threads(1)


# ----------------------------------------------------------------------------------- speculative decoding
def _random_gpt(seed, V=11, n_layer=2, n_embd=32, n_head=2):
    torch.manual_seed(seed)
    m = GPT(GPTConfig(vocab_size=V, block_size=64, n_layer=n_layer, n_head=n_head, n_embd=n_embd)).double()
    # larger weights than the training init so the random model has peaked, varied distributions
    with torch.no_grad():
        for prm in m.parameters():
            if prm.dim() > 1:
                prm.normal_(0, 0.3)
    return m.eval()


def _perturbed(model, seed, scale=0.05):
    import copy

    torch.manual_seed(seed)
    m = copy.deepcopy(model)
    with torch.no_grad():
        for prm in m.parameters():
            prm.add_(scale * torch.randn_like(prm))
    return m


@pytest.mark.parametrize("drafter_kind", ["same", "different", "perturbed", "lookup", "tiny"])
@pytest.mark.parametrize("gamma", [1, 3, 5])
def test_greedy_speculative_equals_greedy_target(drafter_kind, gamma):
    target = _random_gpt(0)
    f_t = sd.torch_logits_fn(target)
    if drafter_kind == "same":
        drafter = sd.ModelDrafter(f_t, num_tokens=gamma)
    elif drafter_kind == "different":
        drafter = sd.ModelDrafter(sd.torch_logits_fn(_random_gpt(1)), num_tokens=gamma)
    elif drafter_kind == "perturbed":
        drafter = sd.ModelDrafter(sd.torch_logits_fn(_perturbed(target, 7)), num_tokens=gamma)
    elif drafter_kind == "tiny":
        drafter = sd.ModelDrafter(sd.torch_logits_fn(_random_gpt(2, n_layer=1, n_embd=8, n_head=1)),
                                  num_tokens=gamma, dynamic=True)
    else:
        drafter = sd.PromptLookupDrafter(num_tokens=gamma)
    prompt = [1, 2, 3, 1, 2, 3, 4, 1, 2]
    out, st = sd.speculative_generate(f_t, drafter, prompt, 25)
    assert out == sd.autoregressive_generate(f_t, prompt, 25)
    assert st.target_calls <= 25
    if drafter_kind == "same":
        assert st.acceptance_rate == 1.0
    if drafter_kind == "different":
        assert st.accepted < st.drafted  # a different random model: rejections do happen
    if drafter_kind == "perturbed":
        assert 0 < st.accepted < st.drafted  # some accepted, some rejected


def test_speculative_generation_fills_the_context_window_exactly():
    target = _random_gpt(8)
    f_t = sd.torch_logits_fn(target)
    prompt = [1, 2, 3, 4]
    for drafter in (sd.ModelDrafter(sd.torch_logits_fn(_perturbed(target, 9)), num_tokens=8, max_tokens=16),
                    sd.PromptLookupDrafter(num_tokens=8)):
        out, _ = sd.speculative_generate(f_t, drafter, prompt, 60)  # 4 + 60 = block_size 64
        assert len(out) == 64 and out == sd.autoregressive_generate(f_t, prompt, 60)
    out, _ = sd.speculative_generate(f_t, sd.ModelDrafter(f_t, num_tokens=8, temperature=1.0), prompt, 60,
                                     temperature=1.0)
    assert len(out) == 64


def test_gpt_greedy_generate_matches_logits_fn_loop_and_cache():
    m = _random_gpt(3)
    prompt = torch.tensor([[1, 2, 3]])
    ours = sd.autoregressive_generate(sd.torch_logits_fn(m), [1, 2, 3], 15)
    assert m.generate(prompt, 15, use_cache=True)[0].tolist() == ours
    assert m.generate(prompt, 15, use_cache=False)[0].tolist() == ours


def test_kv_cache_logits_equal_full_forward():
    m = _random_gpt(4)
    ids = torch.randint(0, 11, (2, 20), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        full, _ = m(ids)
        _, past = m(ids[:, :12])
        step, past = m(ids[:, 12:15], past)  # several new tokens at once
        step2, _ = m(ids[:, 15:], past)
    np.testing.assert_allclose(torch.cat([step, step2], 1).numpy(), full[:, 12:].numpy(), rtol=0, atol=1e-10)


def _rand_dist(rng, V, conc=0.5):
    return rng.dirichlet(np.full(V, conc))


def test_acceptance_rule_gives_exact_target_distribution():
    rng = np.random.default_rng(0)
    for _ in range(50):
        V = rng.integers(2, 8)
        p, q = _rand_dist(rng, V), _rand_dist(rng, V)
        np.testing.assert_allclose(sd.first_token_distribution(p, q), p, atol=1e-12)
    # q with zeros where p is not, and p == q
    p = np.array([0.5, 0.3, 0.2, 0.0])
    q = np.array([0.0, 0.0, 0.1, 0.9])
    np.testing.assert_allclose(sd.first_token_distribution(p, q), p, atol=1e-12)
    np.testing.assert_allclose(sd.first_token_distribution(p, p), p, atol=1e-12)


def _exact_step_distribution(p, q):
    """Enumerate every draft and every accept/reject outcome of speculative_sampling_step for gamma=2."""
    V = p.shape[1]
    out = {}
    for x in itertools.product(range(V), repeat=2):
        px = q[0, x[0]] * q[1, x[1]]
        if px == 0:
            continue
        a0 = min(1.0, p[0, x[0]] / q[0, x[0]])
        a1 = min(1.0, p[1, x[1]] / q[1, x[1]])
        r0 = np.maximum(0, p[0] - q[0])
        r1 = np.maximum(0, p[1] - q[1])
        for y in range(V):  # reject at position 0: first token from residual 0
            if r0.sum() > 0:
                out[(y,)] = out.get((y,), 0) + px * (1 - a0) * r0[y] / r0.sum()
            if r1.sum() > 0:  # accept 0, reject 1
                k = (x[0], y)
                out[k] = out.get(k, 0) + px * a0 * (1 - a1) * r1[y] / r1.sum()
            k = (x[0], x[1], y)  # accept both, bonus from p[2]
            out[k] = out.get(k, 0) + px * a0 * a1 * p[2, y]
    return out


def test_two_step_exact_marginals_equal_target():
    rng = np.random.default_rng(1)
    V = 4
    p = np.stack([_rand_dist(rng, V) for _ in range(3)])
    q = np.stack([_rand_dist(rng, V) for _ in range(2)])
    dist = _exact_step_distribution(p, q)
    assert abs(sum(dist.values()) - 1) < 1e-12
    first = np.zeros(V)
    for k, v in dist.items():
        first[k[0]] += v
    np.testing.assert_allclose(first, p[0], atol=1e-12)
    # second token, given that one exists (context-free p: should be p[1])
    second = np.zeros(V)
    for k, v in dist.items():
        if len(k) >= 2:
            second[k[1]] += v
    np.testing.assert_allclose(second / second.sum(), p[1], atol=1e-12)


def test_sampling_step_chi_square_against_target():
    rng = np.random.default_rng(2)
    V, gamma, n = 5, 3, 20000
    p = np.stack([_rand_dist(rng, V, 1.0) for _ in range(gamma + 1)])
    q = np.stack([_rand_dist(rng, V, 1.0) for _ in range(gamma)])
    draw = np.random.default_rng(3)
    firsts, seconds, accepted = np.zeros(V), np.zeros(V), 0
    for _ in range(n):
        x = np.array([draw.choice(V, p=q[i]) for i in range(gamma)])
        out, _ = sd.speculative_sampling_step(p, q, x, draw)
        firsts[out[0]] += 1
        if len(out) > 1:
            seconds[out[1]] += 1
        accepted += len(out) - 1
    assert stats.chisquare(firsts, n * p[0]).pvalue > 1e-3
    assert stats.chisquare(seconds, seconds.sum() * p[1]).pvalue > 1e-3
    # position i is accepted with probability alpha_i = sum_x min(p_i, q_i) (Leviathan et al., beta), so the
    # expected number of accepted drafts is alpha_0 + alpha_0 alpha_1 + alpha_0 alpha_1 alpha_2
    alpha = np.minimum(p[:gamma], q).sum(1)
    expected = np.cumprod(alpha).sum()
    assert abs(accepted / n - expected) < 4 * np.sqrt(gamma ** 2 / 4 / n)


def test_sampling_generation_with_model_drafter_statistics():
    """End to end: the first generated token of speculative sampling is distributed as the target's."""
    target, draft = _random_gpt(5, V=6), _random_gpt(6, V=6)
    f_t, f_d = sd.torch_logits_fn(target), sd.torch_logits_fn(draft)
    prompt = [1, 2]
    p = sd._softmax(f_t(prompt)[-1], 1.0)
    counts = np.zeros(6)
    n = 800
    for s in range(n):
        d = sd.ModelDrafter(f_d, num_tokens=2, temperature=1.0, dynamic=False, seed=s)
        out, _ = sd.speculative_generate(f_t, d, prompt, 1 + 2, temperature=1.0, seed=10_000 + s)
        counts[out[2]] += 1
    assert stats.chisquare(counts, n * p).pvalue > 1e-3


def test_deterministic_drafter_sampling_uses_point_mass():
    rng = np.random.default_rng(0)
    p = np.stack([_rand_dist(rng, 4) for _ in range(2)])
    q = np.zeros((1, 4))
    q[0, 2] = 1.0
    np.testing.assert_allclose(sd.first_token_distribution(p[0], q[0]), p[0], atol=1e-12)


def test_greedy_verification_step_rules():
    p = np.eye(4)[[1, 2, 3]]  # argmax 1, 2, 3
    assert sd.greedy_verification_step(p, np.array([1, 2])) == ([1, 2, 3], True)
    assert sd.greedy_verification_step(p, np.array([1, 0])) == ([1, 2], False)
    assert sd.greedy_verification_step(p, np.array([0, 2])) == ([1], False)


def test_prompt_lookup_drafter():
    d = sd.PromptLookupDrafter(max_ngram_size=2, num_tokens=3)
    drafts, q = d.get_candidates([5, 6, 7, 8, 9, 5, 6])
    assert drafts.tolist() == [7, 8, 9] and q is None
    assert d.get_candidates([1, 2, 3])[0].size == 0


def test_dynamic_gamma_schedule():
    d = sd.ModelDrafter(lambda ids: np.zeros((len(ids), 3)), num_tokens=4, max_tokens=6)
    d.update_candidate_strategy(4)
    assert d.num_tokens == 6
    d.update_candidate_strategy(2)
    assert d.num_tokens == 5


# --------------------------------------------------------------------------------------------- attention
def test_attention_forward_backward_vs_torch_and_finite_differences():
    rng = np.random.default_rng(0)
    Q, K, V = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 7, 3))
    mask = attention.causal_mask(5, 7)
    O, cache = attention.attention_forward(Q, K, V, mask)
    dO = rng.normal(size=O.shape)
    grads = attention.attention_backward(dO, cache)
    Qt, Kt, Vt = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    Ot = torch.nn.functional.scaled_dot_product_attention(Qt, Kt, Vt, attn_mask=torch.tensor(mask))
    (Ot * torch.tensor(dO)).sum().backward()
    np.testing.assert_allclose(O, Ot.detach().numpy(), atol=1e-12)
    for g, t in zip(grads, (Qt, Kt, Vt)):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-12)
    # finite differences on one entry of Q
    eps = 1e-6
    Qp = Q.copy()
    Qp[1, 2, 3] += eps
    Qm = Q.copy()
    Qm[1, 2, 3] -= eps
    fd = (np.sum(attention.attention_forward(Qp, K, V, mask)[0] * dO)
          - np.sum(attention.attention_forward(Qm, K, V, mask)[0] * dO)) / (2 * eps)
    assert abs(fd - grads[0][1, 2, 3]) < 1e-7


@pytest.mark.parametrize("causal", [True, False])
def test_mha_demo_matches_torch(causal):
    r = attention.demo(causal=causal)
    assert all(v < 1e-12 for v in r.metrics.values())


# ------------------------------------------------------------------------------------------ recurrences
def test_rnn_bptt_grads_equal_autograd():
    rng = np.random.default_rng(0)
    m = rnn.RNN(rnn.RNNConfig(n_in=2, n_hidden=5, n_out=3))
    x, y = rng.normal(size=(4, 6, 2)), rng.normal(size=(4, 6, 3))
    loss, g, _ = m.loss_and_grads(x, y)
    ref, head = rnn.to_torch_rnn(m)
    out, _ = ref(torch.tensor(x))
    tl = 0.5 * ((head(out) - torch.tensor(y)) ** 2).mean()
    tl.backward()
    assert abs(loss - tl.item()) < 1e-12
    np.testing.assert_allclose(g["W_xh"], ref.weight_ih_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(g["W_hh"], ref.weight_hh_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(g["b_h"], ref.bias_ih_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(g["W_hy"], head.weight.grad.numpy().T, atol=1e-12)


def test_lstm_forward_backward_equal_torch():
    rng = np.random.default_rng(1)
    m = lstm.LSTM(lstm.LSTMConfig(n_in=3, n_hidden=4, n_out=2))
    x = rng.normal(size=(2, 7, 3))
    yhat = m.forward(x)
    dy = rng.normal(size=yhat.shape)
    g, dx = m.backward(dy)
    ref, head = lstm.to_torch(m)
    xt = torch.tensor(x, requires_grad=True)
    out, _ = ref(xt)
    yt = head(out)
    (yt * torch.tensor(dy)).sum().backward()
    np.testing.assert_allclose(yhat, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(g["W_x"], ref.weight_ih_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(g["W_h"], ref.weight_hh_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(g["b"], ref.bias_ih_l0.grad.numpy(), atol=1e-12)


def test_gru_forward_equals_torch_with_initial_state():
    rng = np.random.default_rng(2)
    m = gru.GRU(gru.GRUConfig(n_in=3, n_hidden=5))
    x, h0 = rng.normal(size=(3, 9, 3)), rng.normal(size=(3, 5))
    out, hT = m.forward(x, h0)
    with torch.no_grad():
        ot, ht = gru.to_torch(m)(torch.tensor(x), torch.tensor(h0)[None])
    np.testing.assert_allclose(out, ot.numpy(), atol=1e-12)
    np.testing.assert_allclose(hT, ht[0].numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------- position codes
def test_positional_encodings():
    pe = positional_encoding.sinusoidal_encoding(50, 16)
    assert pe[0, 1] == 1.0 and pe[0, 0] == 0.0
    np.testing.assert_allclose(pe[3:], pe[:-3] @ positional_encoding.sinusoidal_shift_matrix(3, 16).T, atol=1e-12)
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(1, 8)), rng.normal(size=(1, 8))
    rope = positional_encoding.rope
    s1 = rope(q, np.array([3]))[0] @ rope(k, np.array([10]))[0]
    s2 = rope(q, np.array([20]))[0] @ rope(k, np.array([27]))[0]
    assert abs(s1 - s2) < 1e-12
    x = rng.normal(size=(4, 8))
    np.testing.assert_allclose(np.linalg.norm(rope(x, np.arange(4)), axis=1), np.linalg.norm(x, axis=1))


# ------------------------------------------------------------------------------------------- decoding
def test_beam_search_exact_with_full_width_and_greedy_with_width_one():
    for seed in range(5):
        f = decoding.markov_lm(4, seed, sharpness=1.0)
        best = max(itertools.product(range(4), repeat=3), key=lambda c: decoding.sequence_logprob(f, [0], list(c)))
        beams = decoding.beam_search(f, [0], 3, beam_width=16)
        assert beams[0][0] == list(best)
        assert abs(beams[0][1] - decoding.sequence_logprob(f, [0], list(best))) < 1e-12
        assert decoding.beam_search(f, [0], 3, beam_width=1)[0][0] == decoding.greedy(f, [0], 3)[1:]


def test_top_k_top_p_match_transformers():
    from transformers.generation.logits_process import TopKLogitsWarper, TopPLogitsWarper

    rng = np.random.default_rng(0)
    for _ in range(30):
        z = rng.normal(0, 2, 10)
        k, p = int(rng.integers(1, 10)), float(rng.uniform(0.05, 0.99))
        zt = torch.tensor(z)[None]
        ref_k = TopKLogitsWarper(top_k=k)(None, zt.clone())[0].numpy()
        ref_p = TopPLogitsWarper(top_p=p)(None, zt.clone())[0].numpy()
        np.testing.assert_array_equal(np.isfinite(decoding.top_k_filter(z, k)), np.isfinite(ref_k))
        np.testing.assert_array_equal(np.isfinite(decoding.top_p_filter(z, p)), np.isfinite(ref_p))


def test_top_k_sampling_frequencies():
    f = decoding.markov_lm(6, 0)
    z = decoding.top_k_filter(f([0]), 3)
    probs = np.exp(decoding.log_softmax(z))
    rng = np.random.default_rng(0)
    draws = [decoding.sample(f, [0], 1, top_k=3, rng=rng)[1] for _ in range(4000)]
    counts = np.bincount(draws, minlength=6)
    keep = probs > 0
    assert counts[~keep].sum() == 0
    assert stats.chisquare(counts[keep], 4000 * probs[keep]).pvalue > 1e-3


# --------------------------------------------------------------------------------------------- LoRA, MoE
def test_lora_grads_equal_autograd_and_merge():
    rng = np.random.default_rng(0)
    cfg = lora.LoRAConfig(d_in=6, d_out=5, r=2, alpha=4.0)
    layer = lora.LoRALinear(rng.normal(size=(5, 6)), cfg)
    layer.B = rng.normal(size=layer.B.shape)  # non-zero so that dA is non-trivial
    x = rng.normal(size=(7, 6))
    h = layer.forward(x)
    dh = rng.normal(size=h.shape)
    dx = layer.backward(dh)
    A, B, xt = (torch.tensor(a, requires_grad=True) for a in (layer.A, layer.B, x))
    ht = xt @ torch.tensor(layer.W0).T + 2.0 * (xt @ A.T) @ B.T
    (ht * torch.tensor(dh)).sum().backward()
    np.testing.assert_allclose(h, ht.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.dA, A.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.dB, B.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(x @ layer.merged().T, h, atol=1e-12)
    fresh = lora.LoRALinear(layer.W0, cfg)
    np.testing.assert_allclose(fresh.forward(x), x @ layer.W0.T)  # B = 0: starts at the pretrained map


def test_lora_demo_reaches_optimal_rank_r_loss():
    r = lora.demo(rank=2)
    assert r.metrics["mse"] <= 1.01 * r.reference["mse"]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_moe_forward_backward_equal_autograd(k):
    rng = np.random.default_rng(k)
    m = moe.MoE(moe.MoEConfig(d=5, d_hidden=7, n_experts=4, k=k), seed=k)
    x = rng.normal(size=(30, 5))
    y = m.forward(x)
    dy = rng.normal(size=y.shape)
    dx = m.backward(dy)
    y_ref, g_ref, dx_ref = moe.torch_reference(m, x, dy)
    np.testing.assert_allclose(y, y_ref, atol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, atol=1e-12)
    for name in g_ref:
        np.testing.assert_allclose(m.grads[name], g_ref[name], atol=1e-12)


# --------------------------------------------------------------------------------------------- word2vec
def test_sgns_gradients_equal_autograd():
    rng = np.random.default_rng(0)
    v, u, un = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 5, 4))
    loss, dv, du, dun = word2vec.sgns_loss_and_grads(v, u, un)
    vt, ut, unt = (torch.tensor(a, requires_grad=True) for a in (v, u, un))
    lt = (-torch.nn.functional.logsigmoid((ut * vt).sum(1))
          - torch.nn.functional.logsigmoid(-torch.einsum("bkd,bd->bk", unt, vt)).sum(1)).mean()
    lt.backward()
    assert abs(loss - lt.item()) < 1e-12
    for a, t in ((dv, vt), (du, ut), (dun, unt)):
        np.testing.assert_allclose(a, t.grad.numpy(), atol=1e-12)


def test_sgns_embeddings_separate_topics():
    assert word2vec.demo(epochs=2).metrics["neighbour_topic_purity"] >= 0.95


# --------------------------------------------------------------------------------------------- KV cache
def test_kv_cache_decoding_equals_full_attention_and_chunked_prefill():
    from mlnotes.algorithms.sequence import kv_cache

    rng = np.random.default_rng(0)
    att = kv_cache.CausalSelfAttention(d_model=16, n_head=4, seed=1)
    x = rng.normal(size=(20, 16))
    full = att.forward_full(x)
    cache = kv_cache.KVCache(4, 4, 20)
    out = np.vstack([att.forward_step(x[:7], cache)] + [att.forward_step(x[t:t + 1], cache) for t in range(7, 20)])
    np.testing.assert_allclose(out, full, atol=1e-12)
    assert cache.nbytes() == 2 * 20 * 16 * 8
    with pytest.raises(ValueError):
        cache.append(np.zeros((4, 1, 4)), np.zeros((4, 1, 4)))
