"""word2vec skip-gram with negative sampling (SGNS), in NumPy.

For a centre word ``c`` with input vector ``v_c`` and an observed context word ``o`` with output vector
``u_o``, draw ``K`` negatives ``n_1..n_K`` from the unigram distribution raised to 3/4 and minimise
[@mikolov2013distributed]

    L = -log sigma(u_o . v_c) - sum_k log sigma(-u_{n_k} . v_c)

Gradients (``sigma'(z) = sigma(z)(1 - sigma(z))``): ``dL/du_o = (sigma(u_o . v_c) - 1) v_c``,
``dL/du_{n_k} = sigma(u_{n_k} . v_c) v_c``, ``dL/dv_c = (sigma(u_o . v_c) - 1) u_o + sum_k sigma(u_{n_k} . v_c) u_{n_k}``.
At the optimum SGNS factorises the shifted pointwise mutual information matrix, ``u_o . v_c = PMI(c, o) - log K``
[@levy2014neural]; the demo's reference is therefore the SVD of the positive PMI matrix of the same corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sgns_loss_and_grads(v_c: np.ndarray, u_o: np.ndarray, u_neg: np.ndarray):
    """v_c, u_o: (B, d); u_neg: (B, K, d). Returns the mean loss and gradients w.r.t. each input."""
    s_pos = sigmoid(np.sum(u_o * v_c, axis=1))  # (B,)
    s_neg = sigmoid(np.einsum("bkd,bd->bk", u_neg, v_c))  # (B, K)
    loss = float(np.mean(-np.log(s_pos) - np.sum(np.log(1 - s_neg), axis=1)))
    B = v_c.shape[0]
    d_uo = ((s_pos - 1)[:, None] * v_c) / B
    d_un = (s_neg[..., None] * v_c[:, None, :]) / B
    d_vc = ((s_pos - 1)[:, None] * u_o + np.einsum("bk,bkd->bd", s_neg, u_neg)) / B
    return loss, d_vc, d_uo, d_un


@dataclass
class SGNSConfig:
    dim: int = 16
    window: int = 2
    negatives: int = 5
    lr: float = 0.025  # per-pair SGD step, the original default
    epochs: int = 3
    batch_size: int = 64


def skipgram_pairs(corpus: list[list[int]], window: int) -> np.ndarray:
    pairs = []
    for sent in corpus:
        for i, c in enumerate(sent):
            for j in range(max(0, i - window), min(len(sent), i + window + 1)):
                if j != i:
                    pairs.append((c, sent[j]))
    return np.array(pairs)


def train_sgns(corpus: list[list[int]], vocab_size: int, cfg: SGNSConfig, seed: int = 0):
    rng = np.random.default_rng(seed)
    Vin = rng.uniform(-0.5, 0.5, (vocab_size, cfg.dim)) / cfg.dim
    Uout = np.zeros((vocab_size, cfg.dim))
    counts = np.bincount(np.concatenate(corpus), minlength=vocab_size).astype(float)
    noise = counts ** 0.75 / np.sum(counts ** 0.75)  # unigram^(3/4)
    pairs = skipgram_pairs(corpus, cfg.window)
    losses = []
    for _ in range(cfg.epochs):
        rng.shuffle(pairs)
        for s in range(0, len(pairs), cfg.batch_size):
            c, o = pairs[s:s + cfg.batch_size].T
            neg = rng.choice(vocab_size, size=(len(c), cfg.negatives), p=noise)
            loss, d_vc, d_uo, d_un = sgns_loss_and_grads(Vin[c], Uout[o], Uout[neg])
            B = len(c)  # scale back to per-example SGD steps
            np.add.at(Vin, c, -cfg.lr * B * d_vc)
            np.add.at(Uout, o, -cfg.lr * B * d_uo)
            np.add.at(Uout, neg.ravel(), -cfg.lr * B * d_un.reshape(-1, cfg.dim))
            losses.append(loss)
    return Vin, Uout, losses


def topic_corpus(n_topics: int = 4, words_per_topic: int = 10, n_sent: int = 600, sent_len: int = 8, seed: int = 0):
    """Sentences drawn from one topic each: words of a topic co-occur, words of different topics do not."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, n_topics, n_sent)
    return [list(t * words_per_topic + rng.integers(0, words_per_topic, sent_len)) for t in topics], \
        n_topics * words_per_topic


def neighbour_purity(E: np.ndarray, words_per_topic: int) -> float:
    """Fraction of words whose nearest neighbour (cosine) is in the same topic."""
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    S = En @ En.T
    np.fill_diagonal(S, -np.inf)
    nn = S.argmax(1)
    return float(np.mean(nn // words_per_topic == np.arange(len(E)) // words_per_topic))


def demo(dim: int = 16, epochs: int = 3, negatives: int = 5, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    wpt = 10
    corpus, V = topic_corpus(words_per_topic=wpt, seed=seed)
    cfg = SGNSConfig(dim=dim, epochs=epochs, negatives=negatives)
    Vin, _, losses = train_sgns(corpus, V, cfg, seed)
    # reference: positive PMI matrix of the same (centre, context) pairs, factorised by SVD
    pairs = skipgram_pairs(corpus, cfg.window)
    C = np.zeros((V, V))
    np.add.at(C, (pairs[:, 0], pairs[:, 1]), 1)
    pmi = np.log(C * C.sum() / (C.sum(1, keepdims=True) * C.sum(0, keepdims=True)) + 1e-12)
    U, S, _ = np.linalg.svd(np.maximum(pmi, 0))
    E_ref = U[:, :dim] * np.sqrt(S[:dim])
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.plot(np.convolve(losses, np.ones(20) / 20, mode="valid"))
    ax1.set(xlabel="minibatch", ylabel="SGNS loss", title="training")
    En = Vin / np.linalg.norm(Vin, axis=1, keepdims=True)
    ax2.imshow(En @ En.T, cmap="RdBu", vmin=-1, vmax=1)
    ax2.set(title="cosine similarity (4 topics x 10 words)")
    return DemoResult(metrics={"neighbour_topic_purity": neighbour_purity(Vin, wpt)},
                      reference={"neighbour_topic_purity": neighbour_purity(E_ref, wpt)}, figure=fig,
                      reference_name="SVD of the positive PMI matrix (Levy & Goldberg 2014)")
