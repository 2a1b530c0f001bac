r"""TF-IDF document vectors (term frequency times smoothed inverse document frequency).

Tokenise (lower-case, tokens of two or more word characters), build the vocabulary, and count
$\mathrm{tf}(t,d)$. With $n$ documents and document frequency $\mathrm{df}(t)$, the smoothed inverse document
frequency (scikit-learn's default; as if one extra document contained every term) is

$$ \mathrm{idf}(t) = \ln\frac{1+n}{1+\mathrm{df}(t)} + 1 , $$

and the vector of document $d$ has entries $w_{t,d} = \mathrm{tf}(t,d)\cdot\mathrm{idf}(t)$ (or
$(1+\ln\mathrm{tf})\cdot\mathrm{idf}$ with sublinear tf), scaled to unit Euclidean norm so that the dot product of
two vectors is their cosine similarity. Frequent-everywhere words ("the") get low weight; words concentrated in
few documents get high weight. Queries are transformed with the same vocabulary and idf (unknown words are
dropped).

References: [@sparck1972statistical], [@salton1988term], [@manning2008introduction] ch. 6.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult

TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens of two or more word characters."""
    return TOKEN_RE.findall(text.lower())


def _check_docs(docs, name="documents") -> list[str]:
    if isinstance(docs, str) or not all(isinstance(d, str) for d in docs):
        raise ValueError(f"{name} must be a list of strings")
    return list(docs)


class TfidfVectorizer(BaseEstimator):
    """TF-IDF with smoothed idf and L2-normalised rows.

    Parameters
    ----------
    sublinear_tf : bool
        Use $1 + \\ln\\mathrm{tf}$ instead of raw counts.
    norm : {"l2", None}

    Attributes
    ----------
    vocabulary_ : dict
        Term -> column index (alphabetical order).
    idf_ : ndarray of shape (n_terms,)
    """

    def __init__(self, *, sublinear_tf=False, norm="l2"):
        self.sublinear_tf = sublinear_tf
        self.norm = norm

    def fit(self, documents, y=None):
        docs = _check_docs(documents)
        if not docs:
            raise ValueError("documents is empty")
        tokens = [tokenize(d) for d in docs]
        terms = sorted(set().union(*tokens))
        if not terms:
            raise ValueError("no tokens found; the documents may contain only stop characters")
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        df = np.zeros(len(terms))
        for toks in tokens:
            for t in set(toks):
                df[self.vocabulary_[t]] += 1
        self.idf_ = np.log((1 + len(docs)) / (1 + df)) + 1.0
        return self

    def transform(self, documents):
        """TF-IDF matrix, shape (n_documents, n_terms) (dense)."""
        check_is_fitted(self)
        docs = _check_docs(documents)
        M = np.zeros((len(docs), len(self.vocabulary_)))
        for i, d in enumerate(docs):
            for t, c in Counter(tokenize(d)).items():
                j = self.vocabulary_.get(t)
                if j is not None:
                    M[i, j] = 1 + np.log(c) if self.sublinear_tf else c
        M *= self.idf_
        if self.norm == "l2":
            M /= np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-300)
        return M

    def fit_transform(self, documents, y=None):
        """Fit and transform the same documents."""
        return self.fit(documents).transform(documents)


def demo(query: str = "how does gradient boosting fit trees", sublinear_tf: bool = False) -> DemoResult:
    """Rank the built-in corpus by cosine similarity to a query, against scikit-learn's TfidfVectorizer."""
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    from mlnotes.algorithms.linear._viz import new_figure
    from mlnotes.algorithms.text._corpus import DOCUMENTS

    vec = TfidfVectorizer(sublinear_tf=sublinear_tf).fit(DOCUMENTS)
    D, q = vec.transform(DOCUMENTS), vec.transform([query])[0]
    ref = SkTfidf(sublinear_tf=sublinear_tf).fit(DOCUMENTS)
    Dr, qr = ref.transform(DOCUMENTS).toarray(), ref.transform([query]).toarray()[0]
    sims, sims_ref = D @ q, Dr @ qr
    top = np.argsort(-sims)[:5]
    fig, ax = new_figure(width=8)
    ax.barh(np.arange(5), sims[top])
    ax.set_yticks(np.arange(5), [DOCUMENTS[i][:45] + "…" for i in top], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("cosine similarity")
    ax.set_title(f"TF-IDF ranking for: {query!r}")
    return DemoResult(
        metrics={"top1_similarity": float(sims[top[0]]), "vocabulary_size": float(len(vec.vocabulary_))},
        reference={"top1_similarity": float(sims_ref.max()), "vocabulary_size": float(len(ref.vocabulary_))},
        figure=fig,
        reference_name="sklearn.feature_extraction.text.TfidfVectorizer",
        extra={"top_documents": [int(i) for i in top]},
    )
