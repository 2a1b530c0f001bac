"""Speculative decoding: a cheap drafter proposes gamma tokens, the target model verifies them in one pass.

Drafting and verification are separate. A *drafter* implements

* ``get_candidates(input_ids, max_new) -> (draft_tokens, q)``: up to ``min(gamma, max_new)`` proposed tokens and the draft
  distributions ``q`` (shape ``(gamma, V)``) they were drawn from, or ``q=None`` for a deterministic drafter;
* ``update_candidate_strategy(num_accepted, num_drafted)``: adapt ``gamma`` after verification.

Two drafters: :class:`ModelDrafter` (a small language model, here a tiny GPT) and :class:`PromptLookupDrafter`
(an n-gram match against the text so far [@saxena2023prompt]; no model at all).

Verification runs the target once on ``prefix + drafts`` and gets ``p_1..p_{gamma+1}``.

* Greedy: accept drafts while ``x_i == argmax p_i``; at the first mismatch emit ``argmax p_i`` instead; if all
  ``gamma`` are accepted, emit the bonus token ``argmax p_{gamma+1}``. The output is token-for-token the greedy
  output of the target.
* Sampling [@leviathan2023fast; @chen2023accelerating]: accept draft ``x_i ~ q_i`` with probability
  ``min(1, p_i(x_i) / q_i(x_i))``; on the first rejection emit a token from the residual
  ``norm(max(0, p_i - q_i))`` and stop; if all are accepted emit a bonus token from ``p_{gamma+1}``. For every
  token ``P(emit y) = q(y) min(1, p(y)/q(y)) + (1 - sum_x min(q(x), p(x))) norm(max(0, p-q))(y)
  = min(q(y), p(y)) + max(0, p(y) - q(y)) = p(y)``: the output is distributed exactly as the target's.
  A deterministic drafter is the case ``q = onehot(x)``.

Each verification call yields between 1 and ``gamma + 1`` tokens; the expected number with i.i.d. acceptance
rate ``alpha`` is ``(1 - alpha^{gamma+1}) / (1 - alpha)`` [@leviathan2023fast].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


# ----------------------------------------------------------------------------------------------- acceptance
def speculative_sampling_step(p: np.ndarray, q: np.ndarray, x: np.ndarray, rng: np.random.Generator
                              ) -> tuple[list[int], bool]:
    """The acceptance rule of Leviathan et al. (2023), Algorithm 1, as one pure function.

    p: (gamma+1, V) target probabilities at the gamma draft positions and the position after them.
    q: (gamma, V) draft probabilities the drafts were sampled from.
    x: (gamma,) draft tokens.
    Returns the emitted tokens (accepted drafts, then one corrected or bonus token) and whether all were accepted.
    """
    gamma = len(x)
    out: list[int] = []
    for i in range(gamma):
        r = rng.random()
        if r < min(1.0, p[i, x[i]] / q[i, x[i]]):  # accept x_i with prob min(1, p/q)
            out.append(int(x[i]))
            continue
        residual = np.maximum(0.0, p[i] - q[i])  # norm(max(0, p - q))
        residual /= residual.sum()
        out.append(int(rng.choice(len(residual), p=residual)))
        return out, False
    out.append(int(rng.choice(p.shape[1], p=p[gamma])))  # bonus token from p_{gamma+1}
    return out, True


def greedy_verification_step(p: np.ndarray, x: np.ndarray) -> tuple[list[int], bool]:
    """Greedy variant: keep drafts that equal the target's argmax; then the target's own argmax token."""
    out: list[int] = []
    for i in range(len(x)):
        best = int(np.argmax(p[i]))
        if best != int(x[i]):
            out.append(best)
            return out, False
        out.append(best)
    out.append(int(np.argmax(p[len(x)])))
    return out, True


def first_token_distribution(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Exact distribution of the first emitted token for one position (p, q: (V,)); equals p (the theorem)."""
    accept = np.minimum(q, p)  # q(y) * min(1, p(y)/q(y))
    residual = np.maximum(0.0, p - q)
    reject_mass = 1.0 - accept.sum()
    return accept + (reject_mass * residual / residual.sum() if residual.sum() > 0 else 0.0)


def _softmax(z: np.ndarray, temperature: float) -> np.ndarray:
    z = z / temperature
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


# ---------------------------------------------------------------------------------------------------- drafters
class ModelDrafter:
    """Draft with a small model, autoregressively. ``logits_fn(ids) -> (T, V)`` logits for a list of ids."""

    def __init__(self, logits_fn, *, num_tokens: int = 4, temperature: float = 0.0, dynamic: bool = True,
                 max_tokens: int = 16, seed: int = 0):
        self.logits_fn, self.num_tokens, self.temperature = logits_fn, num_tokens, temperature
        self.dynamic, self.max_tokens = dynamic, max_tokens
        self.rng = np.random.default_rng(seed)

    def get_candidates(self, input_ids: list[int], max_new: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        ids, drafts, qs = list(input_ids), [], []
        n = self.num_tokens if max_new is None else min(self.num_tokens, max_new)
        for _ in range(n):
            logits = self.logits_fn(ids)[-1]  # (V,)
            if self.temperature == 0.0:
                tok = int(np.argmax(logits))
            else:
                qi = _softmax(logits, self.temperature)
                tok = int(self.rng.choice(len(qi), p=qi))
                qs.append(qi)
            drafts.append(tok)
            ids.append(tok)
        return np.array(drafts, dtype=int), (np.array(qs) if qs else None)

    def update_candidate_strategy(self, num_accepted: int, num_drafted: int | None = None) -> None:
        """The heuristic of Hugging Face assisted generation: +2 after a full accept, -1 otherwise."""
        if not self.dynamic:
            return
        if num_accepted == (self.num_tokens if num_drafted is None else num_drafted):
            self.num_tokens = min(self.max_tokens, self.num_tokens + 2)
        else:
            self.num_tokens = max(1, self.num_tokens - 1)


class PromptLookupDrafter:
    """Propose the tokens that followed the most recent earlier occurrence of the last n-gram."""

    def __init__(self, *, max_ngram_size: int = 3, num_tokens: int = 4):
        self.max_ngram_size, self.num_tokens = max_ngram_size, num_tokens

    def get_candidates(self, input_ids: list[int], max_new: int | None = None) -> tuple[np.ndarray, None]:
        ids = list(input_ids)
        k = self.num_tokens if max_new is None else min(self.num_tokens, max_new)
        if k <= 0:
            return np.array([], dtype=int), None
        for n in range(min(self.max_ngram_size, len(ids) - 1), 0, -1):
            pattern = ids[-n:]
            for start in range(len(ids) - n - 1, -1, -1):  # most recent match first, excluding the suffix
                if ids[start:start + n] == pattern:
                    cont = ids[start + n:start + n + k]
                    if cont:
                        return np.array(cont), None
        return np.array([], dtype=int), None

    def update_candidate_strategy(self, num_accepted: int, num_drafted: int | None = None) -> None:
        return None  # fixed lookahead


# ------------------------------------------------------------------------------------------------ generation
@dataclass
class SpecStats:
    drafted: int = 0
    accepted: int = 0
    target_calls: int = 0

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.drafted if self.drafted else 0.0


def speculative_generate(target_logits_fn, drafter, prompt: list[int], max_new_tokens: int, *,
                         temperature: float = 0.0, seed: int = 0) -> tuple[list[int], SpecStats]:
    """Generate with draft-then-verify. ``target_logits_fn(ids) -> (T, V)`` logits for every position."""
    rng = np.random.default_rng(seed)
    ids, stats = list(prompt), SpecStats()
    while len(ids) - len(prompt) < max_new_tokens:
        # leave room for the one token every verification adds
        drafts, q = drafter.get_candidates(ids, max_new_tokens - (len(ids) - len(prompt)) - 1)
        gamma = len(drafts)
        logits = target_logits_fn(ids + [int(t) for t in drafts])  # one target pass
        stats.target_calls += 1
        z = logits[len(ids) - 1:]  # (gamma+1, V): p_1 .. p_{gamma+1}
        if temperature == 0.0:
            out, _ = greedy_verification_step(z, drafts)
        else:
            p = _softmax(z, temperature)
            if q is None or gamma == 0:  # deterministic drafter: q is a point mass on each draft
                q = np.zeros((gamma, p.shape[1]))
                q[np.arange(gamma), drafts] = 1.0
            out, _ = speculative_sampling_step(p, q, drafts, rng)
        n_acc = len(out) - 1
        stats.drafted += gamma
        stats.accepted += n_acc
        drafter.update_candidate_strategy(n_acc, gamma)
        ids.extend(out)
    return ids[: len(prompt) + max_new_tokens], stats


def autoregressive_generate(target_logits_fn, prompt: list[int], max_new_tokens: int, *,
                            temperature: float = 0.0, seed: int = 0) -> list[int]:
    """The baseline: one target call per token."""
    rng = np.random.default_rng(seed)
    ids = list(prompt)
    for _ in range(max_new_tokens):
        z = target_logits_fn(ids)[-1]
        ids.append(int(np.argmax(z)) if temperature == 0.0 else int(rng.choice(len(z), p=_softmax(z, temperature))))
    return ids


def torch_logits_fn(model):
    """Wrap a tiny GPT as ``ids -> (T, V)`` NumPy logits (no cache: each call recomputes the prefix)."""
    import torch

    @torch.no_grad()
    def fn(ids):
        logits, _ = model(torch.tensor([ids]))
        return logits[0].double().numpy()

    return fn


def demo(gamma: int = 4, max_new_tokens: int = 30, temperature: float = 0.0, train_steps: int = 200,
         seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure

    from mlnotes.algorithms.sequence.tiny_gpt import TEXT, CharTokenizer, GPTConfig, train_gpt

    torch.set_num_threads(1)
    tok = CharTokenizer(TEXT)
    data = torch.tensor(tok.encode(TEXT * 4))
    V = len(tok.chars)
    # lr 1e-2: at the default 3e-3 a 120-step target still spells "sathe sathe"; 200 steps at 1e-2 reach a
    # training loss near 0.2 and the target writes the corpus' words ("cat sat on the mat. the cat ...")
    target, _ = train_gpt(GPTConfig(vocab_size=V, block_size=64, n_layer=2, n_head=2, n_embd=48), data,
                          steps=train_steps, lr=1e-2, seed=seed)
    small, _ = train_gpt(GPTConfig(vocab_size=V, block_size=64, n_layer=1, n_head=1, n_embd=16), data,
                         steps=train_steps, lr=1e-2, seed=seed + 1)
    target.eval()
    small.eval()
    f_target, f_small = torch_logits_fn(target), torch_logits_fn(small)
    prompt = tok.encode("the cat sat on the mat. the ")  # 28 tokens; 28 + 36 <= block_size
    baseline = autoregressive_generate(f_target, prompt, max_new_tokens, temperature=temperature, seed=seed)
    drafters = {
        "small model": ModelDrafter(f_small, num_tokens=gamma, temperature=temperature, dynamic=False, seed=seed),
        "prompt lookup": PromptLookupDrafter(num_tokens=gamma),
    }
    metrics, results = {}, {}
    for name, d in drafters.items():
        out, st = speculative_generate(f_target, d, prompt, max_new_tokens, temperature=temperature, seed=seed)
        key = name.replace(" ", "_")
        metrics[f"acceptance_rate_{key}"] = st.acceptance_rate
        metrics[f"target_calls_{key}"] = float(st.target_calls)
        if temperature == 0.0:
            metrics[f"equals_greedy_{key}"] = float(out == baseline)
        results[name] = st
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    names = ["autoregressive"] + list(results)
    ax.bar(names, [max_new_tokens] + [results[n].target_calls for n in results])
    ax.set(ylabel="target forward passes", title=f"{max_new_tokens} new tokens, gamma={gamma}")
    ref = {"target_calls_small_model": float(max_new_tokens), "target_calls_prompt_lookup": float(max_new_tokens)}
    if temperature == 0.0:
        ref.update({"equals_greedy_small_model": 1.0, "equals_greedy_prompt_lookup": 1.0})
        notes = (f"greedy (temperature 0) target text: {tok.decode(baseline[len(prompt):])!r}; both drafters "
                 "reproduce it token for token")
    else:
        notes = (f"target text sampled at temperature {temperature:g}: {tok.decode(baseline[len(prompt):])!r}; "
                 "speculative sampling draws from the same distribution as the target, so its tokens need not "
                 "equal this sample")
    return DemoResult(metrics=metrics, reference=ref, figure=fig,
                      reference_name="plain autoregressive decoding with the target model", notes=notes,
                      extra={"target_text": tok.decode(baseline[len(prompt):])})
