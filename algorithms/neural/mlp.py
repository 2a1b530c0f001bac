"""A multilayer perceptron classifier trained with backpropagation and mini-batch Adam, in NumPy.

Forward for layers ``l = 1..L`` [@rumelhart1986learning]: ``z_l = a_{l-1} W_l + b_l``, ``a_l = relu(z_l)`` for
hidden layers, and ``p = softmax(z_L)`` at the output; loss
``J = -(1/N) sum_i log p_{i, y_i} + (alpha / 2N) sum_l ||W_l||_F^2`` (the L2 scaling of scikit-learn's
``MLPClassifier``).

Backward: softmax with cross-entropy gives ``delta_L = (p - Y) / N`` (``Y`` one-hot); then for each layer
``dW_l = a_{l-1}^T delta_l + (alpha/N) W_l``, ``db_l = sum_i delta_l``, and
``delta_{l-1} = (delta_l W_l^T) * [z_{l-1} > 0]``. Weights start with He/Glorot-uniform scaling; Adam
[@kingma2015adam] updates them.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def forward(params, X):
    """params: list of (W, b). Returns the activations a_0 = X, ..., a_{L-1} and the output probabilities."""
    acts = [X]
    for W, b in params[:-1]:
        acts.append(np.maximum(acts[-1] @ W + b, 0.0))
    W, b = params[-1]
    return acts, softmax(acts[-1] @ W + b)


def backward(params, acts, P, Y, alpha):
    """Gradients of the mean cross-entropy + (alpha/2N)||W||^2 for every (W, b)."""
    N = Y.shape[0]
    delta = (P - Y) / N  # (N, K)
    grads = []
    for l in range(len(params) - 1, -1, -1):
        W, _ = params[l]
        grads.append((acts[l].T @ delta + alpha / N * W, delta.sum(0)))
        if l > 0:
            delta = (delta @ W.T) * (acts[l] > 0)  # relu' evaluated at z_{l-1}, same sign as a_{l-1}
    return grads[::-1]


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Softmax-output MLP with ReLU hidden layers.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
    alpha : float, L2 penalty (scikit-learn's scaling)
    learning_rate : float, Adam step size
    batch_size : int
    max_iter : int, epochs
    random_state : int or None
    """

    def __init__(self, *, hidden_layer_sizes=(64,), alpha=1e-4, learning_rate=1e-3, batch_size=64, max_iter=50,
                 random_state=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y):
        X, y = check_X_y(X, y, y_numeric=False, min_samples=2)
        rng = check_random_state(self.random_state)
        self.classes_, yi = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        Y = np.eye(K)[yi]
        sizes = [X.shape[1], *self.hidden_layer_sizes, K]
        params = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            bound = np.sqrt(6.0 / (a + b))  # Glorot uniform, as scikit-learn
            params.append((rng.uniform(-bound, bound, (a, b)), rng.uniform(-bound, bound, b)))
        m = [[np.zeros_like(W), np.zeros_like(b)] for W, b in params]
        v = [[np.zeros_like(W), np.zeros_like(b)] for W, b in params]
        t, self.loss_curve_ = 0, []
        for _ in range(self.max_iter):
            order = rng.permutation(len(X))
            total = 0.0
            for s in range(0, len(X), self.batch_size):
                idx = order[s:s + self.batch_size]
                acts, P = forward(params, X[idx])
                grads = backward(params, acts, P, Y[idx], self.alpha)
                total += -np.sum(np.log(P[np.arange(len(idx)), yi[idx]] + 1e-300))
                t += 1
                new = []
                for l, ((W, b), (gW, gb)) in enumerate(zip(params, grads)):
                    upd = []
                    for j, (p, g) in enumerate(((W, gW), (b, gb))):
                        m[l][j] = 0.9 * m[l][j] + 0.1 * g
                        v[l][j] = 0.999 * v[l][j] + 0.001 * g * g
                        mh, vh = m[l][j] / (1 - 0.9 ** t), v[l][j] / (1 - 0.999 ** t)
                        upd.append(p - self.learning_rate * mh / (np.sqrt(vh) + 1e-8))
                    new.append(tuple(upd))
                params = new
            self.loss_curve_.append(total / len(X))
        self.coefs_ = [W for W, _ in params]
        self.intercepts_ = [b for _, b in params]
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "coefs_")
        X = check_array(X)
        check_n_features(self, X)
        return forward(list(zip(self.coefs_, self.intercepts_)), X)[1]

    def predict(self, X):
        check_is_fitted(self, "coefs_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


ESTIMATOR = MLPClassifier
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"hidden_layer_sizes": (8,), "max_iter": 5}


def demo(hidden: int = 64, max_iter: int = 30, alpha: float = 1e-4, seed: int = 0) -> DemoResult:
    import warnings

    from matplotlib.figure import Figure
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    ours = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, max_iter=max_iter, random_state=seed).fit(Xtr, ytr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkMLP(hidden_layer_sizes=(hidden,), alpha=alpha, max_iter=max_iter, batch_size=64,
                    learning_rate_init=1e-3, random_state=seed).fit(Xtr, ytr)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ax.plot(ours.loss_curve_, label="ours")
    ax.plot(ref.loss_curve_, "--", label="sklearn MLPClassifier")
    ax.set(xlabel="epoch", ylabel="training cross-entropy", title="digits")
    ax.legend()
    return DemoResult(metrics={"test_accuracy": ours.score(Xte, yte)},
                      reference={"test_accuracy": float(ref.score(Xte, yte))}, figure=fig,
                      reference_name="sklearn.neural_network.MLPClassifier (adam, same sizes)")
