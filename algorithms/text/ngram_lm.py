r"""n-gram language model with add-k or interpolated Kneser-Ney smoothing.

An $n$-gram model factorises $p(w_1..w_T) = \prod_t p(w_t\mid w_{t-n+1}^{t-1})$: each word depends on the $n-1$
previous words $h$ (sentences are padded with $n-1$ start symbols ``<s>`` and closed by ``</s>``). Maximum
likelihood, $c(h,w)/c(h)$, gives zero probability to any unseen $n$-gram, so the model must be smoothed:

* **add-k (Lidstone)**: $p(w\mid h) = \dfrac{c(h,w) + k}{c(h) + k|V|}$ ($k = 1$: Laplace). Simple, but it moves too
  much mass to unseen events when $|V|$ is large.
* **interpolated Kneser-Ney**: subtract a discount $d\in(0,1)$ from every seen count and give the freed mass to a
  lower-order distribution,

  $$ p_{KN}(w\mid h) = \frac{\max(c(h,w) - d, 0)}{c(h)} + \frac{d\,N_{1+}(h\,\bullet)}{c(h)}\,p_{KN}(w\mid h') , $$

  where $h'$ drops the oldest word and $N_{1+}(h\,\bullet)$ counts distinct words seen after $h$. The key idea is
  that lower orders use **continuation counts** $N_{1+}(\bullet\,h'w)$ — in how many distinct contexts $w$
  appears — instead of raw counts, so a word frequent only in one fixed phrase ("Francisco") gets little
  unigram mass. The recursion ends in the continuation unigram interpolated with the uniform distribution, and
  a context never seen falls back entirely to the lower order. Every level sums to one over the vocabulary.

Perplexity on held-out text, $\exp(-\frac1N\sum\log p(w_t\mid h_t))$, measures the model (lower is better).

References: [@kneser1995improved], [@chen1999empirical], [@jurafsky2024speech] ch. 3.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.text.tfidf import _check_docs, tokenize

BOS, EOS = "<s>", "</s>"


class NGramLanguageModel(BaseEstimator):
    """n-gram language model over word tokens.

    Parameters
    ----------
    order : int
        $n$ (2: bigram, 3: trigram).
    smoothing : {"kneser_ney", "add_k"}
    discount : float
        Kneser-Ney discount $d$.
    k : float
        Add-k pseudo-count.

    Attributes
    ----------
    vocab_ : list of str
        Predictable symbols (training words, ``</s>`` and an ``<unk>`` for unseen words).
    """

    def __init__(self, *, order=2, smoothing="kneser_ney", discount=0.75, k=1.0):
        self.order = order
        self.smoothing = smoothing
        self.discount = discount
        self.k = k

    def _sentences(self, documents):
        n = int(self.order)
        for d in _check_docs(documents):
            yield [BOS] * (n - 1) + [w if w in self._known else "<unk>" for w in tokenize(d)] + [EOS]

    def fit(self, documents, y=None):
        n = int(self.order)
        if n < 1:
            raise ValueError(f"order must be >= 1, got {self.order}")
        if self.smoothing not in ("kneser_ney", "add_k"):
            raise ValueError(f"smoothing must be 'kneser_ney' or 'add_k', got {self.smoothing!r}")
        if not 0 < self.discount < 1:
            raise ValueError(f"discount must be in (0, 1), got {self.discount}")
        self._known = {w for d in _check_docs(documents) for w in tokenize(d)}
        self.vocab_ = sorted(self._known) + [EOS, "<unk>"]
        # counts[m][(context, word)] for every order m = 1..n (context is a tuple of m-1 words)
        self._counts = [None] + [Counter() for _ in range(n)]
        for sent in self._sentences(documents):
            for t in range(n - 1, len(sent)):
                for m in range(1, n + 1):
                    self._counts[m][(tuple(sent[t - m + 1: t]), sent[t])] += 1
        # continuation counts N1+(. h w) for the lower orders, and per-context totals
        self._cont = [None] + [Counter() for _ in range(n)]
        for m in range(2, n + 1):
            for (ctx, w) in self._counts[m]:
                self._cont[m - 1][(ctx[1:], w)] += 1
        self._ctx_total, self._ctx_types = [None], [None]
        for m in range(1, n + 1):
            table = self._counts[m] if m == n else self._cont[m]
            total, types = defaultdict(float), defaultdict(int)
            for (ctx, _w), c in table.items():
                total[ctx] += c
                types[ctx] += 1
            self._ctx_total.append(total)
            self._ctx_types.append(types)
        return self

    def _kn(self, word, ctx):
        m = len(ctx) + 1
        table = self._counts[m] if m == int(self.order) else self._cont[m]
        if m == 1:  # continuation unigram interpolated with the uniform distribution
            total = self._ctx_total[1][()]
            lower = 1.0 / len(self.vocab_)
        else:
            total = self._ctx_total[m].get(ctx, 0.0)
            lower = self._kn(word, ctx[1:])
        if total == 0:
            return lower
        d = self.discount
        return max(table.get((ctx, word), 0) - d, 0.0) / total + d * self._ctx_types[m][ctx] / total * lower

    def prob(self, word: str, context=()) -> float:
        """$p(w\\mid h)$ with h the last ``order - 1`` words of ``context``."""
        check_is_fitted(self)
        n = int(self.order)
        word = word if word in self._known or word == EOS else "<unk>"
        ctx = tuple(w if (w in self._known or w == BOS) else "<unk>" for w in ([BOS] * (n - 1) + list(context)))
        ctx = ctx[len(ctx) - (n - 1):] if n > 1 else ()
        if self.smoothing == "kneser_ney":
            return self._kn(word, ctx)
        c = self._counts[n].get((ctx, word), 0)
        total = sum(self._counts[n].get((ctx, w), 0) for w in self.vocab_)
        return (c + self.k) / (total + self.k * len(self.vocab_))

    def perplexity(self, documents) -> float:
        """$\\exp$ of the mean negative log-probability per predicted token (including ``</s>``)."""
        check_is_fitted(self)
        n, logp, count = int(self.order), 0.0, 0
        for d in _check_docs(documents):
            words = tokenize(d) + [EOS]
            for t, w in enumerate(words):
                logp += np.log(self.prob(w, words[max(0, t - n + 1): t]))
                count += 1
        return float(np.exp(-logp / count))


def demo(order: int = 2, smoothing: str = "kneser_ney", discount: float = 0.75) -> DemoResult:
    """Leave-one-out perplexity on the built-in corpus, against the add-one (Laplace) model of the same order."""
    from mlnotes.algorithms.linear._viz import new_figure
    from mlnotes.algorithms.text._corpus import DOCUMENTS

    def loo(**kw):
        return float(np.mean([NGramLanguageModel(**kw).fit(DOCUMENTS[:j] + DOCUMENTS[j + 1:]).perplexity([DOCUMENTS[j]])
                              for j in range(len(DOCUMENTS))]))

    ours = loo(order=order, smoothing=smoothing, discount=discount)
    laplace = loo(order=order, smoothing="add_k", k=1.0)
    ds = [0.1, 0.3, 0.5, 0.75, 0.9]
    curve = [loo(order=order, smoothing="kneser_ney", discount=x) for x in ds]
    fig, ax = new_figure()
    ax.plot(ds, curve, marker="o", label="Kneser-Ney")
    ax.axhline(laplace, color="k", ls="--", label="add-one")
    ax.set_xlabel("discount d")
    ax.set_ylabel("held-out perplexity (leave one sentence out)")
    ax.set_title(f"{order}-gram language model")
    ax.legend()
    return DemoResult(
        metrics={"heldout_perplexity": ours},
        reference={"heldout_perplexity": laplace},
        figure=fig,
        reference_name="add-one (Laplace) smoothing of the same order (no reference library installed)",
    )
