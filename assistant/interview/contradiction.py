"""Does a sentence that is close to a key point in meaning actually *say* it, or deny it?

MiniLM embeds a claim and its negation, its opposite or its swapped terms almost at the same point ("recall
matters when false negatives are costly" vs "precision matters when false negatives are costly": cosine above
0.9), so the grader checks each (key point, sentence) pair for three kinds of contradiction before crediting:

* **polarity**: the parity of negation cues differs (``not``, ``no``, ``never``, ``n't``, ``cannot``, ``without``,
  ``non-``, and the negative verbs ``ignore``, ``lack``, ``fail``, ``unaffected``);
* **opposite**: the key point uses one side of an antonym group (``OPPOSED``: up/down, fast/slow, early/late,
  maximize/minimize ...) and the sentence only the other side;
* **term swap**: the same test for confusable technical pairs (precision/recall, L1/L2, bias/variance, type
  I/II, bagging/boosting ...), and, when both terms of a pair occur in both texts, a binding test: each mention
  is bound to its nearest content words on the left and the right (direction words mapped to up/down); if the
  sentence's bindings match the key point's better crossed than straight ("increases recall and decreases
  precision" against "increases precision and decreases recall"), the terms were swapped.

A fourth check, :func:`only_listed`, finds *keyword stuffing*: the key point's terms occur in the sentence only
as items of a list ("recall, queries and methods are all important"), never in a relation.

All checks are word-level rules on Snowball stems, deliberately simple so that each refusal can be explained
to the user ("you wrote 'lower variance' where the key point says 'higher variance'").
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:\.\d+)?")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(text)]


@lru_cache(maxsize=1)
def _stem_fn():
    from kb.bm25 import _stemmer

    st = _stemmer()
    return lambda ws: st.stemWords(ws)


def tokens(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` and their Snowball stems, aligned one to one."""
    ws = [w for w in (w.strip("'-") for w in words(text)) if w]
    return ws, list(_stem_fn()(ws))


def stems(text: str) -> list[str]:
    return tokens(text)[1]


NEGATION_STEMS = {"not", "no", "never", "cannot", "none", "neither", "nor", "noth", "without", "ignor", "lack",
              "fail"}


def negations(text: str) -> int:
    n = 0
    for w in words(text):
        if w.endswith("n't") or w.startswith("non-"):
            n += 1
    return n + sum(s in NEGATION_STEMS for s in stems(text))


_SURFACE: dict[tuple[str, ...], str] = {}


def _group(*terms: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for t in terms:
        st = tuple(stems(t))
        _SURFACE.setdefault(st, t)
        out.append(st)
    return tuple(out)


#: Antonym groups: (name, side A, side B); each side a tuple of stemmed (possibly multi-word) terms.
OPPOSED: tuple[tuple[str, tuple, tuple], ...] = (
    ("up/down", _group("increase", "increases", "increased", "increasing", "raise", "raises", "grow", "grows",
                       "higher", "high", "more", "greater", "upward", "rise", "rises", "boost", "amplify",
                       "amplifies", "inflate", "inflates"),
     _group("decrease", "decreases", "decreased", "decreasing", "reduce", "reduces", "lower", "lowers", "low",
            "shrink", "shrinks", "fewer", "less", "downward", "drop", "drops", "diminish", "diminishes", "cut",
            "cuts")),
    ("large/small", _group("large", "larger", "big", "bigger", "huge", "wide", "wider"),
     _group("small", "smaller", "tiny", "narrow", "narrower")),
    ("fast/slow", _group("fast", "faster", "quick", "quickly", "rapid"), _group("slow", "slower", "slowly")),
    ("early/late", _group("early", "earlier", "before", "first"), _group("late", "later", "after", "last")),
    ("max/min", _group("maximize", "maximizes", "maximum", "max"), _group("minimize", "minimizes", "minimum", "min")),
    ("always/never", _group("always"), _group("never")),
    ("cheap/expensive", _group("cheap", "cheaply", "inexpensive"), _group("expensive", "costly")),
    ("same/different", _group("same", "identical"), _group("different", "differ", "differs")),
    ("stable/unstable", _group("stable", "stabilizes"), _group("unstable", "destabilizes")),
    ("sparse/dense", _group("sparse", "sparsity"), _group("dense")),
    ("smooth/rough", _group("smooth", "smoother"), _group("wiggly", "jagged", "rough")),
    ("helps/hurts", _group("help", "helps", "improve", "improves"), _group("hurt", "hurts", "worsen", "worsens",
                                                                          "harm", "harms", "degrade", "degrades")),
    ("above/below", _group("above"), _group("below")),
    ("independent/dependent", _group("independent"), _group("dependent", "depends")),
    ("biased/unbiased", _group("unbiased"), _group("biased")),
    ("short/long", _group("short", "shorter"), _group("long", "longer")),
    ("adds/removes", _group("add", "adds"), _group("remove", "removes")),
    ("frequent/rare", _group("frequent", "common"), _group("rare", "infrequent")),
    ("most/least", _group("highest", "largest", "most", "best"), _group("lowest", "smallest", "least", "worst")),
)

#: Confusable technical terms: swapping one for the other turns a true statement into a false one.
SWAPS: tuple[tuple[str, tuple, tuple], ...] = tuple(
    (f"{a}/{b}", _group(*a.split("|")), _group(*b.split("|"))) for a, b in (
        ("false positive|false positives|false alarm|false alarms", "false negative|false negatives"),
        ("precision", "recall"), ("L1|lasso", "L2|ridge"), ("bias", "variance"), ("type I", "type II"),
        ("bagging", "boosting"), ("training set|training data", "test set|test data"),
        ("overfitting|overfit|overfits", "underfitting|underfit|underfits"), ("encoder|encoder-only",
                                                                           "decoder|decoder-only"),
        ("supervised", "unsupervised"), ("generative", "discriminative"), ("on-policy", "off-policy"),
        ("PCA", "LDA"), ("sensitivity", "specificity"), ("exploration", "exploitation"), ("actor", "critic"),
        ("ACF", "PACF"), ("BERT", "GPT"), ("student", "teacher"), ("Gaussian", "Laplace"),
        ("row|rows", "column|columns"), ("bidirectional", "causal"), ("Poisson", "binomial"),
        ("AR", "MA"), ("TPR|true positive rate", "FPR|false positive rate"), ("sigmoid", "softmax"),
        ("underflow", "overflow"), ("numerator", "denominator"), ("mean", "median"),
        ("input|inputs", "output|outputs"), ("user|users", "item|items"), ("query|queries", "key|keys"),
        ("k-means", "k-NN"), ("local", "global"), ("MAP", "MLE"), ("SGD", "Adam"), ("ReLU", "tanh"),
        ("batch norm|batch normalization", "layer norm|layer normalization"),
    ))


def _find(seq: list[str], term: tuple[str, ...]) -> list[tuple[int, int]]:
    n = len(term)
    return [(i, i + n) for i in range(len(seq) - n + 1) if tuple(seq[i: i + n]) == term]


def _mentions(seq: list[str], side: tuple) -> list[tuple[int, int]]:
    out = [span for t in side for span in _find(seq, t)]
    # a longer term hides the shorter ones inside it ("false positive rate" is not "false positive")
    return [s for s in out if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in out)]


_UP = {t[0] for t in OPPOSED[0][1] if len(t) == 1}
_DOWN = {t[0] for t in OPPOSED[0][2] if len(t) == 1}
_GLUE_STEMS = None


def glue_stems() -> set[str]:
    global _GLUE_STEMS
    if _GLUE_STEMS is None:
        from assistant.interview.grader import GLUE_WORDS

        _GLUE_STEMS = set(_stem_fn()(sorted(GLUE_WORDS))) - _UP - _DOWN
    return _GLUE_STEMS


def _canon(s: str) -> str:
    return "+UP" if s in _UP else "+DOWN" if s in _DOWN else s


def _context(seq: list[str], span: tuple[int, int], exclude: set[int]) -> set[str]:
    glue = glue_stems()
    out = set()
    for rng in (range(span[0] - 1, -1, -1), range(span[1], len(seq))):
        for i in rng:
            if i in exclude or seq[i] in glue:
                continue
            out.add(_canon(seq[i]))
            break
    return out


def _mention_contexts(seq: list[str], a: tuple, b: tuple) -> list[tuple[str, set[str]]]:
    """Each mention of either side ("a" or "b") with its context: the nearest content word on each side."""
    ma, mb = _mentions(seq, a), _mentions(seq, b)
    excl = {i for s, e in ma + mb for i in range(s, e)}
    return [("a", _context(seq, m, excl)) for m in ma] + [("b", _context(seq, m, excl)) for m in mb]


def _label(seq: list[str], side: tuple, surface: list[str] | None = None) -> str:
    """The first mention of ``side`` in ``seq`` as written in the text (``surface``, aligned with ``seq``), or
    as written in the lexicon."""
    for t in side:
        found = _find(seq, t)
        if found:
            if surface is not None and len(surface) == len(seq):
                i, j = found[0]
                return " ".join(surface[i:j])
            return _SURFACE.get(t, " ".join(t))
    return _SURFACE.get(side[0], " ".join(side[0]))


def _check(kp: list[str], s: list[str], a: tuple, b: tuple, kind: str, kw: list[str] | None = None,
           sw: list[str] | None = None) -> str | None:
    ka, kb_ = bool(_mentions(kp, a)), bool(_mentions(kp, b))
    sa, sb = bool(_mentions(s, a)), bool(_mentions(s, b))
    if not (ka or kb_) or not (sa or sb):
        return None
    if ka and not kb_ and sb and not sa:
        return f"{kind}: the key point says '{_label(kp, a, kw)}' where the answer says '{_label(s, b, sw)}'"
    if kb_ and not ka and sa and not sb:
        return f"{kind}: the key point says '{_label(kp, b, kw)}' where the answer says '{_label(s, a, sw)}'"
    if (ka and kb_) or (sa and sb):
        # both sides occur somewhere: a mention of the answer that is bound to the same words as a mention of
        # the OTHER side in the key point (and less so to its own side) is flipped
        kms = _mention_contexts(kp, a, b)
        for side, ctx in _mention_contexts(s, a, b):
            same = max((len(ctx & c) for sd, c in kms if sd == side), default=0)
            other = max((len(ctx & c) for sd, c in kms if sd != side), default=0)
            if other > same:
                if ka and kb_ and sa and sb:
                    return (f"{kind}: '{_label(kp, a, kw)}' and '{_label(kp, b, kw)}' are the other way round "
                            "in the answer")
                said, meant = (a, b) if side == "a" else (b, a)
                return (f"{kind}: the answer says '{_label(s, said, sw)}' where the key point says "
                        f"'{_label(kp, meant, kw)}'")
    return None


_CLAUSE_SEP = re.compile(r"\s*(?:[,;:]|\s-\s|\b(?:and|but|while|whereas|so|because|since|although|though)\b)\s*",
                         re.I)


def _clauses(text: str) -> list[tuple[set[str], int]]:
    out = []
    for c in _CLAUSE_SEP.split(text):
        if c and c.strip():
            out.append((set(stems(c)) - glue_stems() - NEGATION_STEMS, negations(c)))
    return out


def polarity_mismatch(key_point: str, sentence: str) -> bool:
    """Clause by clause: each clause of the key point is aligned with the clause of the sentence that shares
    most of its content words; an aligned pair that disagrees in the parity of its negations is a mismatch.
    When no clause aligns, the whole texts are compared."""
    kcs, scs = _clauses(key_point), _clauses(sentence)
    aligned = False
    for kt, kn in kcs:
        if not kt:
            continue
        best = max(scs, key=lambda c: len(c[0] & kt), default=None)
        if best is None or not best[0] & kt:
            continue
        aligned = True
        if best[1] % 2 != kn % 2:
            return True
    return not aligned and negations(key_point) % 2 != negations(sentence) % 2


def contradiction(key_point: str, sentence: str) -> str | None:
    """Why ``sentence`` contradicts ``key_point`` (None when no rule fires)."""
    if polarity_mismatch(key_point, sentence):
        return "negation: the answer denies what the key point asserts, or asserts what it denies"
    kw, kp = tokens(key_point)
    sw, s = tokens(sentence)
    for _name, a, b in SWAPS:
        r = _check(kp, s, a, b, "swapped terms", kw, sw)
        if r:
            return r
    for _name, a, b in OPPOSED:
        r = _check(kp, s, a, b, "opposite claim", kw, sw)
        if r:
            return r
    return None


_LIST_SEP = re.compile(r"\s*(?:[,;:&]|\band\b|\bor\b)\s*", re.I)


def only_listed(key_point: str, sentence: str, question: str = "", max_item_words: int = 2) -> bool:
    """True when the key point's own terms occur in ``sentence`` only as items of a list.

    The sentence is cut at commas, semicolons, colons, "and" and "or". A run of pieces of at most
    ``max_item_words`` words, together with the last word of the piece before it and the first word of the
    piece after it, is a list when it has two items or more ("This is about *recall*, *queries* and
    *methods*, which ..."). If at least two of the key point's terms (those not in the question) occur in the
    sentence and none of them occurs outside the lists, the sentence names the terms without relating them.
    """
    kp_terms = set(stems(key_point)) - glue_stems() - set(stems(question))
    pieces = [words(p) for p in _LIST_SEP.split(sentence)]
    pieces = [p for p in pieces if p]
    short = [len(p) <= max_item_words for p in pieces]
    listed_words: list[str] = []
    free_words: list[str] = []
    taken: set[tuple[int, int]] = set()  # (piece, word) positions that are list items
    i = 0
    while i < len(pieces):
        if not short[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(pieces) and short[j + 1]:
            j += 1
        items = {(k, w) for k in range(i, j + 1) for w in range(len(pieces[k]))}
        n_items = j - i + 1
        if i > 0:
            items.add((i - 1, len(pieces[i - 1]) - 1))
            n_items += 1
        if j + 1 < len(pieces):
            items.add((j + 1, 0))
            n_items += 1
        if n_items >= 2:
            taken |= items
        i = j + 1
    for k, p in enumerate(pieces):
        for w, word in enumerate(p):
            (listed_words if (k, w) in taken else free_words).append(word)
    listed = set(_stem_fn()(listed_words)) & kp_terms
    free = set(_stem_fn()(free_words)) & kp_terms
    return len(listed) >= 2 and not free
