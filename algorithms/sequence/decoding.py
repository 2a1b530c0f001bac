"""Decoding strategies for an autoregressive model: greedy, beam search, top-k and top-p (nucleus) sampling.

The model is any function ``logits_fn(prefix) -> (V,)`` next-token logits; the sequence score is
``log p(y_1..y_L) = sum_t log softmax(logits_fn(y_<t))[y_t]``.

* Greedy: ``y_t = argmax_v p(v | y_<t)``; locally optimal, not the most probable sequence in general.
* Beam search with width ``B``: keep the ``B`` highest-scoring prefixes; extend each by every token; keep the
  best ``B`` of the ``B V`` candidates. With ``B >= V^(L-1)`` nothing is pruned and beam search is exact
  (the test compares with brute-force enumeration); ``B = 1`` is greedy. An optional length penalty divides
  the score by ``L^alpha`` [@wu2016google].
* Top-k sampling [@fan2018hierarchical]: keep the ``k`` largest logits, renormalise, sample.
* Top-p / nucleus sampling [@holtzman2020curious]: sort probabilities descending and keep the smallest prefix
  whose mass reaches ``p`` (the token that crosses ``p`` is kept), renormalise, sample.
Temperature ``tau`` divides the logits before either filter.
"""

from __future__ import annotations

import itertools

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def greedy(logits_fn, prefix: list[int], steps: int) -> list[int]:
    ids = list(prefix)
    for _ in range(steps):
        ids.append(int(np.argmax(logits_fn(ids))))
    return ids


def sequence_logprob(logits_fn, prefix: list[int], continuation: list[int]) -> float:
    ids, total = list(prefix), 0.0
    for t in continuation:
        total += log_softmax(logits_fn(ids))[t]
        ids.append(t)
    return float(total)


def beam_search(logits_fn, prefix: list[int], steps: int, beam_width: int = 3,
                length_penalty: float = 0.0) -> list[tuple[list[int], float]]:
    """Fixed-length beam search; returns the final beams (continuation, log-prob) best first."""
    beams = [([], 0.0)]
    for _ in range(steps):
        cands = []
        for seq, score in beams:
            lp = log_softmax(logits_fn(list(prefix) + seq))  # (V,)
            for v in np.argsort(-lp)[:beam_width]:  # only the top B per beam can survive
                cands.append((seq + [int(v)], score + float(lp[v])))
        cands.sort(key=lambda c: -c[1] / (len(c[0]) ** length_penalty))
        beams = cands[:beam_width]
    return beams


def top_k_filter(logits: np.ndarray, k: int) -> np.ndarray:
    """Set all but the k largest logits to -inf (ties at the threshold are kept)."""
    if k >= len(logits):
        return logits.copy()
    kth = np.sort(logits)[-k]
    return np.where(logits < kth, -np.inf, logits)


def top_p_filter(logits: np.ndarray, p: float) -> np.ndarray:
    """Keep the smallest set of most probable tokens whose probability mass is >= p."""
    probs = np.exp(log_softmax(logits))
    order = np.argsort(-probs, kind="stable")
    cum = np.cumsum(probs[order])
    # a token is removed if the mass strictly before it already reaches p
    remove_sorted = (cum - probs[order]) >= p
    out = logits.copy()
    out[order[remove_sorted]] = -np.inf
    return out


def sample(logits_fn, prefix: list[int], steps: int, *, temperature: float = 1.0, top_k: int | None = None,
           top_p: float | None = None, rng: np.random.Generator) -> list[int]:
    ids = list(prefix)
    for _ in range(steps):
        z = logits_fn(ids) / temperature
        if top_k is not None:
            z = top_k_filter(z, top_k)
        if top_p is not None:
            z = top_p_filter(z, top_p)
        pr = np.exp(log_softmax(z))
        ids.append(int(rng.choice(len(pr), p=pr)))
    return ids


def markov_lm(V: int = 8, seed: int = 0, sharpness: float = 2.0):
    """A toy bigram language model: logits depend on the last token only."""
    W = np.random.default_rng(seed).normal(0, sharpness, (V, V))
    return lambda ids: W[ids[-1]].copy()


def demo(vocab: int = 6, steps: int = 4, beam_width: int = 3, top_k: int = 3, top_p: float = 0.8,
         seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure
    from transformers.generation.logits_process import TopKLogitsWarper, TopPLogitsWarper

    f = markov_lm(vocab, seed)
    prefix = [0]
    g = greedy(f, prefix, steps)[1:]
    beams = beam_search(f, prefix, steps, beam_width)
    best = max(itertools.product(range(vocab), repeat=steps), key=lambda c: sequence_logprob(f, prefix, list(c)))
    z = f([1])
    ours_k, ours_p = top_k_filter(z, top_k), top_p_filter(z, top_p)
    zt = torch.from_numpy(z)[None]
    ref_k = TopKLogitsWarper(top_k=top_k)(None, zt.clone())[0].numpy()
    ref_p = TopPLogitsWarper(top_p=top_p)(None, zt.clone())[0].numpy()
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    pr = np.exp(log_softmax(z))
    order = np.argsort(-pr)
    ax.bar(range(vocab), pr[order], color=["C1" if np.isfinite(ours_p[i]) else "C7" for i in order])
    ax.set(xlabel="token (sorted by probability)", ylabel="p", title=f"nucleus (top-p={top_p}) keeps the orange bars")
    return DemoResult(
        metrics={"greedy_logprob": sequence_logprob(f, prefix, g), "beam_logprob": beams[0][1],
                 "top_k_kept": float(np.isfinite(ours_k).sum()), "top_p_kept": float(np.isfinite(ours_p).sum())},
        reference={"greedy_logprob": sequence_logprob(f, prefix, g),
                   "beam_logprob": sequence_logprob(f, prefix, list(best)),
                   "top_k_kept": float(np.isfinite(ref_k).sum()), "top_p_kept": float(np.isfinite(ref_p).sum())},
        figure=fig, reference_name="brute-force argmax over all sequences; transformers TopK/TopP warpers",
        notes=f"greedy {g}, beam {beams[0][0]}, exhaustive best {list(best)}",
    )
