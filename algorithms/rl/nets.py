"""Small policy and value networks for the RL family, on the NumPy autograd engine (not an algorithm itself).

``init_mlp(sizes)`` gives tanh MLP parameters; ``mlp(P, x)`` the forward pass as a :class:`Tensor`;
``log_softmax`` and ``adam`` are the pieces the actor-critic methods share.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.neural.optimizers import Adam


def init_mlp(sizes, rng, last_scale=1.0):
    P = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        scale = last_scale if i == len(sizes) - 2 else 1.0
        P += [Tensor(rng.normal(0, scale / np.sqrt(a), (a, b))), Tensor(np.zeros(b))]
    return P


def mlp(P, x) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor(x)
    for i in range(0, len(P) - 2, 2):
        x = (x @ P[i] + P[i + 1]).tanh()
    return x @ P[-2] + P[-1]


def mlp_np(P, x: np.ndarray) -> np.ndarray:
    """Forward pass without building a graph (for acting)."""
    for i in range(0, len(P) - 2, 2):
        x = np.tanh(x @ P[i].data + P[i + 1].data)
    return x @ P[-2].data + P[-1].data


def log_softmax(logits: Tensor) -> Tensor:
    return logits - logits.logsumexp(axis=1)


def make_adam(P, lr):
    return Adam([p.data for p in P], lr=lr)


def adam_step(P, loss: Tensor, opt, max_norm: float | None = 0.5):
    for p in P:
        p.grad = np.zeros_like(p.data)
    loss.backward()
    grads = [p.grad for p in P]
    if max_norm is not None:  # global gradient-norm clipping
        norm = np.sqrt(sum(float((g ** 2).sum()) for g in grads))
        if norm > max_norm:
            grads = [g * (max_norm / norm) for g in grads]
    opt.step(grads)
