r"""Byte-pair encoding (BPE) subword tokenizer: training and encoding.

**Training.** Pre-tokenise the corpus into words (runs of Unicode word characters, combining marks included, or
runs of punctuation) and count them. Start from the alphabet: every word is a sequence of characters. Repeat until the vocabulary has
``vocab_size`` symbols: count every adjacent symbol pair, weighted by word frequency; merge the most frequent
pair $(a, b)$ into the new symbol $ab$ everywhere; record the merge. Ties go to the pair whose symbols entered the vocabulary
first (characters in sorted order, then merges in creation order), the rule Hugging Face's trainer uses. Each merge is the greedy step that most reduces the number of symbols needed to write the
corpus, so frequent words end up as single tokens and rare words as a few subwords — an open vocabulary without
unknown tokens (for characters seen in training).

**Encoding** a new word applies the learned merges greedily in the order they were learned: repeatedly merge
the adjacent pair with the lowest merge rank until no learned pair remains. Learning costs $O(M\cdot W)$ here for
$M$ merges over $W$ distinct words (production tokenizers update pair counts incrementally).

References: [@sennrich2016neural], [@gage1994new].
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import groupby

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.text.tfidf import _check_docs

# Alphabetic characters outside the letter, mark and letter-number categories (Other_Alphabetic symbols): circled
# and squared Latin letters. With them, the word class below is Unicode's \w (UTS #18: Alphabetic, Mark,
# Decimal_Number, Connector_Punctuation, Join_Control), the class Hugging Face's Whitespace pre-tokenizer uses.
_OTHER_ALPHABETIC = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))
_SPACE, _WORD, _PUNCT = 0, 1, 2


@lru_cache(maxsize=65536)
def _char_class(ch: str) -> int:
    if ch.isspace() and not "\x1c" <= ch <= "\x1f":  # Unicode White_Space (Python adds the separators 1C-1F)
        return _SPACE
    cat = unicodedata.category(ch)
    if ch.isalpha() or cat[0] == "M" or cat in ("Nd", "Nl", "Pc") or ch in "\u200c\u200d":
        return _WORD
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _OTHER_ALPHABETIC):
        return _WORD
    return _PUNCT


def pretokenize(text: str) -> list[str]:
    """Runs of word characters and runs of other non-space characters, split on whitespace.

    Word characters are Unicode's: letters, combining marks, decimal digits, connector punctuation and the
    zero-width (non-)joiners. Python's ``re`` ``\\w`` leaves out combining marks, which would cut Hindi words at
    every vowel sign and NFD-accented words at every accent (``cafe`` + ``\u0301``), and it counts ``²`` and ``¾``
    as word characters; this class matches Hugging Face's ``Whitespace`` pre-tokenizer (``\\w+|[^\\w\\s]+``).
    """
    return ["".join(run) for cls, run in groupby(text, key=_char_class) if cls != _SPACE]


def _merge_word(symbols: tuple, pair: tuple, new: str) -> tuple:
    out, k = [], 0
    while k < len(symbols):
        if k + 1 < len(symbols) and (symbols[k], symbols[k + 1]) == pair:
            out.append(new)
            k += 2
        else:
            out.append(symbols[k])
            k += 1
    return tuple(out)


class BPETokenizer(BaseEstimator):
    """Byte-pair-encoding tokenizer over characters.

    Parameters
    ----------
    vocab_size : int
        Target vocabulary size (alphabet plus merges).
    min_frequency : int
        Stop when the best pair occurs fewer times.

    Attributes
    ----------
    alphabet_ : list of str
    merges_ : list of tuple
        Learned merges in order.
    vocab_ : dict
        Symbol -> id.
    """

    def __init__(self, *, vocab_size=200, min_frequency=2):
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency

    def fit(self, documents, y=None):
        docs = _check_docs(documents)
        words = Counter(w for d in docs for w in pretokenize(d))
        if not words:
            raise ValueError("no words found in the documents")
        corpus = {tuple(w): c for w, c in words.items()}  # word as a tuple of symbols -> frequency
        self.alphabet_ = sorted({ch for w in words for ch in w})
        self.merges_ = []
        vocab = list(self.alphabet_)
        while len(vocab) < self.vocab_size:
            pairs = Counter()
            for symbols, c in corpus.items():
                for a, b in zip(symbols, symbols[1:]):
                    pairs[(a, b)] += c
            if not pairs:
                break
            ids = {sym: k for k, sym in enumerate(vocab)}
            best = min(pairs, key=lambda p: (-pairs[p], ids[p[0]], ids[p[1]]))  # most frequent; ties: older ids
            if pairs[best] < self.min_frequency:
                break
            new = best[0] + best[1]
            corpus = {_merge_word(s, best, new): c for s, c in corpus.items()}
            self.merges_.append(best)
            if new not in vocab:
                vocab.append(new)
        self.vocab_ = {s: i for i, s in enumerate(vocab)}
        self._ranks = {pair: r for r, pair in enumerate(self.merges_)}
        return self

    def encode_word(self, word: str, n_merges: int | None = None) -> list[str]:
        """Subword symbols of one pre-tokenised word (using only the first ``n_merges`` merges if given)."""
        check_is_fitted(self)
        limit = len(self.merges_) if n_merges is None else n_merges
        symbols = tuple(word)
        while len(symbols) > 1:
            ranked = [(self._ranks.get(p, float("inf")), p) for p in zip(symbols, symbols[1:])]
            rank, pair = min(ranked)
            if rank >= limit:
                break
            symbols = _merge_word(symbols, pair, pair[0] + pair[1])
        return list(symbols)

    def tokenize(self, text: str, n_merges: int | None = None) -> list[str]:
        """Subword tokens of a text (a model trained to a smaller vocabulary uses the first ``n_merges``)."""
        return [s for w in pretokenize(text) for s in self.encode_word(w, n_merges)]

    def encode(self, text: str) -> list[int]:
        """Token ids (characters outside the alphabet are dropped)."""
        return [self.vocab_[s] for s in self.tokenize(text) if s in self.vocab_]


def demo(vocab_size: int = 150, text: str = "gradient boosting builds an ensemble of trees") -> DemoResult:
    """Train on the built-in corpus; merges and token counts against Hugging Face tokenizers' BPE trainer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from mlnotes.algorithms.linear._viz import new_figure
    from mlnotes.algorithms.text._corpus import DOCUMENTS

    ours = BPETokenizer(vocab_size=vocab_size, min_frequency=1).fit(DOCUMENTS)
    ref = Tokenizer(models.BPE())
    ref.pre_tokenizer = pre_tokenizers.Whitespace()
    ref.train_from_iterator(DOCUMENTS, trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=1,
                                                          special_tokens=[], show_progress=False))
    corpus_tokens = sum(len(ours.tokenize(d)) for d in DOCUMENTS)
    ref_tokens = sum(len(ref.encode(d).tokens) for d in DOCUMENTS)
    # training is greedy and deterministic, so a smaller vocabulary's model is a prefix of the merge list
    n_merges = [m for m in (0, 10, 25, 50, 100) if m <= len(ours.merges_)]
    sizes = [len(ours.alphabet_) + m for m in n_merges]
    curve = [sum(len(ours.tokenize(d, n_merges=m)) for d in DOCUMENTS) for m in n_merges]
    fig, ax = new_figure()
    ax.plot(sizes, curve, marker="o")
    ax.set_xlabel("vocabulary size")
    ax.set_ylabel("tokens needed for the corpus")
    ax.set_title("BPE: " + " | ".join(ours.tokenize(text))[:60])
    return DemoResult(
        metrics={"corpus_tokens": float(corpus_tokens), "vocab_size": float(len(ours.vocab_)),
                 "text_tokens": float(len(ours.tokenize(text)))},
        reference={"corpus_tokens": float(ref_tokens), "vocab_size": float(ref.get_vocab_size()),
                   "text_tokens": float(len(ref.encode(text).tokens))},
        figure=fig,
        reference_name="tokenizers (Hugging Face) BpeTrainer",
        extra={"tokens": ours.tokenize(text)},
    )
