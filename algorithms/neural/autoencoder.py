"""An autoencoder on the digits, built on this repository's autograd engine, compared with PCA.

Encoder ``h = f(x W_1 + b_1)`` with ``k`` hidden units, decoder ``xhat = h W_2 + b_2``; minimise the mean squared
reconstruction error ``(1/(N D)) sum_i ||x_i - xhat_i||^2`` with Adam. With the identity activation the optimum
spans the same subspace as the top-``k`` principal components, so its error cannot beat PCA's and approaches it
[@baldi1989neural]: PCA is the exact reference for the linear autoencoder. A nonlinear (tanh) encoder can do
better than PCA on curved data, and a bottleneck of ``k = 2`` gives a 2-D embedding to plot.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
)
from mlnotes.algorithms.neural.autograd import Tensor
from mlnotes.algorithms.neural.optimizers import Adam
from mlnotes.algorithms.registry import DemoResult


class Autoencoder(BaseEstimator):
    """Single-hidden-layer autoencoder; ``transform`` returns the code ``h``.

    Parameters
    ----------
    n_components : int, code size k
    activation : "linear" or "tanh"
    learning_rate, max_iter, batch_size : Adam settings (max_iter = epochs)
    random_state : int or None
    """

    def __init__(self, *, n_components=2, activation="linear", learning_rate=0.01, max_iter=100, batch_size=128,
                 random_state=0):
        self.n_components = n_components
        self.activation = activation
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    def _encode(self, X: Tensor, P) -> Tensor:
        z = X @ P[0] + P[1]
        return z.tanh() if self.activation == "tanh" else z

    def fit(self, X, y=None):
        X = check_array(X, min_samples=2)
        if self.activation not in ("linear", "tanh"):
            raise ValueError(f"activation must be 'linear' or 'tanh', got {self.activation!r}")
        rng = check_random_state(self.random_state)
        D, k = X.shape[1], self.n_components
        self.mean_ = X.mean(0)
        Xc = X - self.mean_
        P = [Tensor(rng.normal(0, D ** -0.5, (D, k))), Tensor(np.zeros(k)),
             Tensor(rng.normal(0, k ** -0.5, (k, D))), Tensor(np.zeros(D))]
        opt = Adam([p.data for p in P], lr=self.learning_rate)
        self.loss_curve_ = []
        for _ in range(self.max_iter):
            order = rng.permutation(len(X))
            for s in range(0, len(X), self.batch_size):
                xb = Tensor(Xc[order[s:s + self.batch_size]])  # (B, D)
                loss = ((self._encode(xb, P) @ P[2] + P[3] - xb) ** 2).mean()
                for p in P:
                    p.grad = np.zeros_like(p.data)
                loss.backward()
                opt.step([p.grad for p in P])
            self.loss_curve_.append(self._mse(Xc, P))
        self.params_ = [p.data for p in P]
        self.n_features_in_ = D
        return self

    def _mse(self, Xc, P):
        h = self._encode(Tensor(Xc), P).data
        return float(np.mean((h @ P[2].data + P[3].data - Xc) ** 2))

    def transform(self, X):
        check_is_fitted(self, "params_")
        X = check_array(X)
        check_n_features(self, X)
        return self._encode(Tensor(X - self.mean_), [Tensor(p) for p in self.params_]).data

    def reconstruction_error(self, X):
        X = check_array(X)
        check_n_features(self, X)
        h = self.transform(X)
        return float(np.mean((h @ self.params_[2] + self.params_[3] + self.mean_ - X) ** 2))


ESTIMATOR = Autoencoder
EXAMPLE_DATA = "transform"
EXAMPLE_PARAMS = {"max_iter": 3}


def demo(n_components: int = 2, activation: str = "linear", epochs: int = 100, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    ae = Autoencoder(n_components=n_components, activation=activation, max_iter=epochs, random_state=seed).fit(X)
    pca = PCA(n_components).fit(X)
    pca_err = float(np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2))
    H = ae.transform(X)
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.semilogy(ae.loss_curve_, label="autoencoder")
    ax1.axhline(pca_err, color="k", ls="--", label=f"PCA, k={n_components}")
    ax1.set(xlabel="epoch", ylabel="reconstruction MSE")
    ax1.legend()
    ax2.scatter(H[:, 0], H[:, 1 % n_components], c=y, s=5, cmap="tab10")
    ax2.set(title="code (first two units)")
    return DemoResult(metrics={"reconstruction_mse": ae.reconstruction_error(X)},
                      reference={"reconstruction_mse": pca_err}, figure=fig,
                      reference_name="sklearn.decomposition.PCA with the same number of components")
