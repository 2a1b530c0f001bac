"""A reverse-mode automatic differentiation engine over NumPy arrays (micrograd, but for tensors).

Each :class:`Tensor` records the tensors it was computed from and a closure that, given the gradient of the
final scalar ``L`` with respect to its output, adds the gradients with respect to its inputs (the vector-Jacobian
product, VJP) [@baydin2018automatic]. ``backward()`` sorts the graph topologically and runs the closures from
the output back, so ``L`` and all ``dL/dx`` cost a small constant times one forward pass.

VJPs used (``g = dL/dout``):
``a + b: (g, g)``; ``a * b: (g b, g a)``; ``a @ b: (g b^T, a^T g)``; ``a ** k: g k a^(k-1)``;
``exp: g e^a``; ``log: g / a``; ``tanh: g (1 - t^2)``; ``relu: g [a > 0]``; ``sigmoid: g s (1 - s)``;
``softplus: g sigma(a)``;
``sum: g broadcast back``; ``logsumexp(a): g softmax(a)``. Broadcasting in the forward pass becomes summation
over the broadcast axes in the backward pass (``_unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum g over the axes that broadcasting added or stretched, so it has ``shape``."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, s in enumerate(shape):
        if s == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


class Tensor:
    def __init__(self, data, _prev=(), _op=""):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._prev, self._op = _prev, _op
        self._backward = lambda: None

    shape = property(lambda self: self.data.shape)

    def __repr__(self):
        return f"Tensor(shape={self.data.shape}, op={self._op!r})"

    @staticmethod
    def _lift(x):
        return x if isinstance(x, Tensor) else Tensor(x)

    # ------------------------------------------------------------------ binary ops
    def __add__(self, other):
        other = self._lift(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += _unbroadcast(out.grad, self.shape)
            other.grad += _unbroadcast(out.grad, other.shape)

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += _unbroadcast(out.grad * other.data, self.shape)
            other.grad += _unbroadcast(out.grad * self.data, other.shape)

        out._backward = _backward
        return out

    def __matmul__(self, other):
        other = self._lift(other)
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward():  # 2-D operands
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float):
        out = Tensor(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += out.grad * k * self.data ** (k - 1)

        out._backward = _backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __truediv__(self, other):
        return self * self._lift(other) ** -1.0

    def __rtruediv__(self, other):
        return self._lift(other) * self ** -1.0

    # ------------------------------------------------------------------- unary ops
    def _unary(self, value, local_grad, op):
        out = Tensor(value, (self,), op)

        def _backward():
            self.grad += out.grad * local_grad()

        out._backward = _backward
        return out

    def exp(self):
        e = np.exp(self.data)
        return self._unary(e, lambda: e, "exp")

    def log(self):
        return self._unary(np.log(self.data), lambda: 1.0 / self.data, "log")

    def tanh(self):
        t = np.tanh(self.data)
        return self._unary(t, lambda: 1 - t ** 2, "tanh")

    def relu(self):
        return self._unary(np.maximum(self.data, 0), lambda: (self.data > 0).astype(float), "relu")

    def sigmoid(self):
        s = 1 / (1 + np.exp(-self.data))
        return self._unary(s, lambda: s * (1 - s), "sigmoid")

    def softplus(self):
        """log(1 + e^a), computed stably; derivative sigmoid(a)."""
        return self._unary(np.logaddexp(0.0, self.data), lambda: 1 / (1 + np.exp(-self.data)), "softplus")

    def sum(self, axis=None, keepdims=False):
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward():
            g = out.grad
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            self.grad += np.broadcast_to(g, self.shape)

        out._backward = _backward
        return out

    def mean(self, axis=None):
        n = self.data.size if axis is None else self.data.shape[axis]
        return self.sum(axis) * (1.0 / n)

    def logsumexp(self, axis=-1):
        """log sum_j exp(a_j) along ``axis`` (kept), computed stably; its VJP is g * softmax(a)."""
        m = self.data.max(axis=axis, keepdims=True)
        lse = m + np.log(np.exp(self.data - m).sum(axis=axis, keepdims=True))
        out = Tensor(lse, (self,), "logsumexp")

        def _backward():
            self.grad += out.grad * np.exp(self.data - lse)

        out._backward = _backward
        return out

    def pick(self, idx):
        """Row-wise gather ``a[i, idx[i]]`` (for cross-entropy); the VJP scatters g back."""
        rows = np.arange(self.shape[0])
        out = Tensor(self.data[rows, idx], (self,), "pick")

        def _backward():
            np.add.at(self.grad, (rows, idx), out.grad)

        out._backward = _backward
        return out

    # -------------------------------------------------------------------- backprop
    def backward(self):
        topo, seen = [], set()

        def build(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v._prev:
                    build(p)
                topo.append(v)

        build(self)
        self.grad = np.ones_like(self.data)
        for v in reversed(topo):
            v._backward()


def cross_entropy(logits: Tensor, y: np.ndarray) -> Tensor:
    """Mean of -log softmax(logits)[y]: logsumexp minus the picked logit."""
    return (logits.logsumexp(axis=1).sum(axis=1) - logits.pick(y)).mean()


def demo(n_hidden: int = 16, steps: int = 300, lr: float = 0.5, seed: int = 0) -> DemoResult:
    import torch
    from matplotlib.figure import Figure
    from sklearn.datasets import make_moons

    X, y = make_moons(300, noise=0.15, random_state=seed)
    rng = np.random.default_rng(seed)
    init = {"W1": rng.normal(0, 1, (2, n_hidden)), "b1": np.zeros((1, n_hidden)),
            "W2": rng.normal(0, n_hidden ** -0.5, (n_hidden, 2)), "b2": np.zeros((1, 2))}
    P = {k: Tensor(v.copy()) for k, v in init.items()}
    T = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in init.items()}
    ours, theirs = [], []
    for _ in range(steps):
        loss = cross_entropy((Tensor(X) @ P["W1"] + P["b1"]).tanh() @ P["W2"] + P["b2"], y)
        for p in P.values():
            p.grad = np.zeros_like(p.data)
        loss.backward()
        for p in P.values():
            p.data -= lr * p.grad
        ours.append(float(loss.data))
        tl = torch.nn.functional.cross_entropy(torch.tanh(torch.tensor(X) @ T["W1"] + T["b1"]) @ T["W2"] + T["b2"],
                                               torch.tensor(y))
        for t in T.values():
            t.grad = None
        tl.backward()
        with torch.no_grad():
            for t in T.values():
                t -= lr * t.grad
        theirs.append(tl.item())
    logits = np.tanh(X @ P["W1"].data + P["b1"].data) @ P["W2"].data + P["b2"].data
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.plot(ours, label="our engine")
    ax1.plot(theirs, "--", label="torch autograd")
    ax1.set(xlabel="step", ylabel="cross-entropy", title="same net, same init")
    ax1.legend()
    ax2.scatter(X[:, 0], X[:, 1], c=logits.argmax(1), s=8, cmap="coolwarm")
    ax2.set(title="predicted class (two moons)")
    return DemoResult(metrics={"final_loss": ours[-1], "train_accuracy": float(np.mean(logits.argmax(1) == y))},
                      reference={"final_loss": theirs[-1]}, figure=fig,
                      reference_name="PyTorch autograd on the same network and initialisation",
                      notes=f"max |loss difference| over the run: {np.max(np.abs(np.subtract(ours, theirs))):.1e}")
