r"""Okapi BM25 ranking.

For a query $q$ and a document $d$ of length $|d|$ (in tokens), with average length $\overline{|d|}$ over the corpus,

$$ \mathrm{score}(q, d) = \sum_{t\in q} \mathrm{idf}(t)\cdot
   \frac{f(t,d)\,(k_1+1)}{f(t,d) + k_1\big(1 - b + b\,|d|/\overline{|d|}\big)} , \qquad
   \mathrm{idf}(t) = \ln\frac{N - \mathrm{df}(t) + 0.5}{\mathrm{df}(t) + 0.5} . $$

* **Term-frequency saturation** ($k_1\approx 1.2$–$2$): the contribution of a term grows with its count but
  levels off at $(k_1+1)\,\mathrm{idf}$, unlike raw TF-IDF; repeating a word forty times does not make a
  document forty times as relevant.
* **Length normalisation** ($b\in[0,1]$, typically 0.75): long documents need more occurrences for the same
  score; $b=0$ switches it off.
* **idf** (Robertson-Spärck Jones): a term in more than half of the documents gets a negative idf; following
  the ``rank_bm25`` package we replace negative values by $\epsilon$ times the mean idf ($\epsilon = 0.25$),
  so common words contribute a little rather than penalise.

Repeated query terms count once per occurrence. Scoring all documents costs $O(|q|\cdot N)$ here; inverted
indexes make it proportional to the posting lists.

References: [@robertson2009probabilistic], [@robertson1994some].
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.text.tfidf import _check_docs


def whitespace_tokenize(text: str) -> list[str]:
    """Lower-case and split on whitespace (what the rank_bm25 examples do)."""
    return text.lower().split()


class BM25(BaseEstimator):
    """Okapi BM25 scorer over a fixed corpus.

    Parameters
    ----------
    k1 : float
        Term-frequency saturation.
    b : float
        Length normalisation.
    epsilon : float
        Floor for negative idf, as a share of the mean idf.

    Attributes
    ----------
    idf_ : dict
        Term -> idf.
    doc_len_ : ndarray of shape (n_documents,)
    avgdl_ : float
    """

    def __init__(self, *, k1=1.5, b=0.75, epsilon=0.25):
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon

    def fit(self, documents, y=None):
        """Index a list of strings (tokenised by whitespace) or of token lists."""
        if not documents:
            raise ValueError("documents is empty")
        corpus = [whitespace_tokenize(d) for d in _check_docs(documents)] if isinstance(documents[0], str) \
            else [list(d) for d in documents]
        self.term_freqs_ = [Counter(toks) for toks in corpus]
        self.doc_len_ = np.array([len(toks) for toks in corpus], dtype=float)
        self.avgdl_ = float(self.doc_len_.mean())
        df = Counter(t for tf in self.term_freqs_ for t in tf)
        N = len(corpus)
        idf = {t: float(np.log(N - n + 0.5) - np.log(n + 0.5)) for t, n in df.items()}
        floor = self.epsilon * (sum(idf.values()) / len(idf))
        self.idf_ = {t: (v if v >= 0 else floor) for t, v in idf.items()}
        return self

    def get_scores(self, query):
        """BM25 score of every document for a query string or token list, shape (n_documents,)."""
        check_is_fitted(self)
        tokens = whitespace_tokenize(query) if isinstance(query, str) else list(query)
        norm = self.k1 * (1 - self.b + self.b * self.doc_len_ / self.avgdl_)  # (N,)
        scores = np.zeros(len(self.doc_len_))
        for t in tokens:
            f = np.array([tf.get(t, 0) for tf in self.term_freqs_], dtype=float)
            scores += self.idf_.get(t, 0.0) * f * (self.k1 + 1) / (f + norm)
        return scores


def demo(query: str = "how does gradient boosting fit trees", k1: float = 1.5, b: float = 0.75) -> DemoResult:
    """Rank the built-in corpus for a query; scores compared with the rank_bm25 package."""
    from rank_bm25 import BM25Okapi

    from mlnotes.algorithms.linear._viz import new_figure
    from mlnotes.algorithms.text._corpus import DOCUMENTS

    ours = BM25(k1=k1, b=b).fit(DOCUMENTS).get_scores(query)
    ref = BM25Okapi([whitespace_tokenize(d) for d in DOCUMENTS], k1=k1, b=b).get_scores(whitespace_tokenize(query))
    top = np.argsort(-ours)[:5]
    fig, ax = new_figure(width=8)
    ax.barh(np.arange(5), ours[top])
    ax.set_yticks(np.arange(5), [DOCUMENTS[i][:45] + "…" for i in top], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("BM25 score")
    ax.set_title(f"BM25 (k1={k1}, b={b}) for: {query!r}")
    return DemoResult(
        metrics={"top1_score": float(ours.max()), "sum_of_scores": float(ours.sum())},
        reference={"top1_score": float(np.max(ref)), "sum_of_scores": float(np.sum(ref))},
        figure=fig,
        reference_name="rank_bm25.BM25Okapi",
        extra={"top_documents": [int(i) for i in top]},
    )
