r"""Latent Dirichlet allocation (topic model) by collapsed Gibbs sampling.

Generative model: each topic $k$ is a distribution $\phi_k\sim\mathrm{Dir}(\beta)$ over the $V$ words; each document
$d$ has topic proportions $\theta_d\sim\mathrm{Dir}(\alpha)$; each token picks a topic $z\sim\theta_d$ and then a word
$w\sim\phi_z$. Integrating out $\theta$ and $\phi$ (Dirichlet-multinomial conjugacy) leaves a distribution over the
topic assignments alone, whose full conditional for token $i$ (word $w$ in document $d$) is

$$ p(z_i = k\mid z_{-i}, w) \propto \big(n_{dk}^{-i} + \alpha\big)\,\frac{n_{kw}^{-i} + \beta}{n_k^{-i} + V\beta} , $$

with $n_{dk}$ the tokens of document $d$ in topic $k$, $n_{kw}$ the count of word $w$ in topic $k$, $n_k$ the
topic totals, all excluding token $i$. A sweep resamples every token from this conditional; after burn-in,
$\hat\phi_{kw} = (n_{kw}+\beta)/(n_k + V\beta)$ and $\hat\theta_{dk} = (n_{dk}+\alpha)/(n_d + K\alpha)$. Each sweep costs
$O(NK)$ for $N$ tokens. Topics are identified only up to permutation (compare them by matching).

References: [@blei2003latent], [@griffiths2004finding].
"""

from __future__ import annotations

import random

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_array, check_is_fitted
from mlnotes.algorithms.registry import DemoResult


class LDAGibbs(BaseEstimator):
    """LDA fitted by collapsed Gibbs sampling on a document-term count matrix.

    Parameters
    ----------
    n_topics : int
    alpha, beta : float
        Symmetric Dirichlet priors on document-topic and topic-word distributions.
    n_iter : int
        Gibbs sweeps.
    random_state : int or None

    Attributes
    ----------
    components_ : ndarray of shape (n_topics, n_words)
        $\\hat\\phi$ (rows sum to one).
    doc_topic_ : ndarray of shape (n_documents, n_topics)
        $\\hat\\theta$.
    log_likelihood_curve_ : list of float
        $\\log p(w\\mid z)$ (collapsed over $\\phi$) after each sweep, up to a constant.
    """

    def __init__(self, *, n_topics=3, alpha=0.1, beta=0.01, n_iter=100, random_state=0):
        self.n_topics = n_topics
        self.alpha = alpha
        self.beta = beta
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit on counts X (n_documents, n_words) of non-negative integers."""
        X = check_array(X)
        if np.any(X < 0) or np.any(X != np.round(X)):
            raise ValueError("X must hold non-negative integer word counts")
        D, V = X.shape
        K, a, b = int(self.n_topics), float(self.alpha), float(self.beta)
        self.n_features_in_ = V
        rng = random.Random(self.random_state)
        docs = [np.repeat(np.arange(V), X[d].astype(int)).tolist() for d in range(D)]  # token word ids
        z = [[rng.randrange(K) for _ in doc] for doc in docs]
        ndk = [[0] * K for _ in range(D)]
        nkw = [[0] * V for _ in range(K)]
        nk = [0] * K
        for d, doc in enumerate(docs):
            for w, k in zip(doc, z[d]):
                ndk[d][k] += 1
                nkw[k][w] += 1
                nk[k] += 1
        Vb = V * b
        self.log_likelihood_curve_ = []
        for _ in range(self.n_iter):
            for d, doc in enumerate(docs):
                nd, zd = ndk[d], z[d]
                for i, w in enumerate(doc):
                    k = zd[i]
                    nd[k] -= 1
                    nkw[k][w] -= 1
                    nk[k] -= 1
                    weights = [(nd[j] + a) * (nkw[j][w] + b) / (nk[j] + Vb) for j in range(K)]
                    r = rng.random() * sum(weights)
                    k = 0
                    while r > weights[k] and k < K - 1:
                        r -= weights[k]
                        k += 1
                    zd[i] = k
                    nd[k] += 1
                    nkw[k][w] += 1
                    nk[k] += 1
            self.log_likelihood_curve_.append(self._collapsed_loglik(np.array(nkw), V, b))
        nkw_arr, ndk_arr = np.array(nkw, dtype=float), np.array(ndk, dtype=float)
        self.components_ = (nkw_arr + b) / (nkw_arr.sum(1, keepdims=True) + Vb)
        self.doc_topic_ = (ndk_arr + a) / (ndk_arr.sum(1, keepdims=True) + K * a)
        self.topic_word_counts_ = nkw_arr
        self.doc_topic_counts_ = ndk_arr
        return self

    @staticmethod
    def _collapsed_loglik(nkw, V, b):
        from scipy.special import gammaln

        return float(np.sum(gammaln(nkw + b)) - np.sum(gammaln(nkw.sum(1) + V * b))
                     + nkw.shape[0] * (gammaln(V * b) - V * gammaln(b)))

    def transform(self, X):
        """Document-topic proportions for new counts by a few fixed-point (EM) steps with $\\phi$ fixed."""
        check_is_fitted(self)
        X = check_array(X)
        theta = np.full((X.shape[0], self.components_.shape[0]), 1.0 / self.components_.shape[0])
        for _ in range(50):
            r = theta[:, :, None] * self.components_[None]  # (n, K, V) responsibilities before normalising
            r /= r.sum(1, keepdims=True)
            theta = np.einsum("nkv,nv->nk", r, X) + self.alpha
            theta /= theta.sum(1, keepdims=True)
        return theta


def make_corpus(n_docs: int = 60, doc_len: int = 40, n_topics: int = 3, n_words: int = 30, seed: int = 0):
    """Counts drawn from an LDA model with well-separated topics; returns (X, true topic-word matrix)."""
    rng = np.random.default_rng(seed)
    phi = np.full((n_topics, n_words), 0.01)
    block = n_words // n_topics
    for k in range(n_topics):
        phi[k, k * block:(k + 1) * block] += 1.0
    phi /= phi.sum(1, keepdims=True)
    theta = rng.dirichlet(np.full(n_topics, 0.3), n_docs)
    X = np.array([rng.multinomial(doc_len, th @ phi) for th in theta], dtype=float)
    return X, phi


def matched_topic_similarity(est: np.ndarray, true: np.ndarray) -> float:
    """Mean cosine similarity between true and estimated topics after optimal one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    A = est / np.linalg.norm(est, axis=1, keepdims=True)
    B = true / np.linalg.norm(true, axis=1, keepdims=True)
    S = B @ A.T
    rows, cols = linear_sum_assignment(-S)
    return float(S[rows, cols].mean())


def demo(n_topics: int = 3, n_iter: int = 40, n_docs: int = 60) -> DemoResult:
    """Synthetic corpus with known topics: recovery by Gibbs sampling vs scikit-learn's variational LDA."""
    from sklearn.decomposition import LatentDirichletAllocation

    from mlnotes.algorithms.linear._viz import new_figure

    X, phi = make_corpus(n_docs=n_docs)
    ours = LDAGibbs(n_topics=n_topics, n_iter=n_iter).fit(X)
    ref = LatentDirichletAllocation(n_components=n_topics, doc_topic_prior=0.1, topic_word_prior=0.01,
                                    learning_method="batch", max_iter=50, random_state=0).fit(X)
    ref_phi = ref.components_ / ref.components_.sum(1, keepdims=True)
    fig, (ax0, ax1) = new_figure(ncols=2)
    ax0.imshow(ours.components_, aspect="auto", cmap="Blues")
    ax0.set_xlabel("word")
    ax0.set_ylabel("topic")
    ax0.set_title("Gibbs topics (phi)")
    ax1.plot(ours.log_likelihood_curve_)
    ax1.set_xlabel("sweep")
    ax1.set_ylabel("log p(w | z)")
    ax1.set_title("sampler trace")
    return DemoResult(
        metrics={"topic_recovery_cosine": matched_topic_similarity(ours.components_, phi)},
        reference={"topic_recovery_cosine": matched_topic_similarity(ref_phi, phi)},
        figure=fig,
        reference_name="sklearn.decomposition.LatentDirichletAllocation (variational Bayes)",
    )
