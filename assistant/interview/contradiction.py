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

Round 8 adds **crossed alternatives** (:func:`crossed_entities`): when the question compares named alternatives
("Random forest or gradient boosting"), a property the key point gives one of them must not be stated, in the
answer, of the other ("gradient boosting grows trees independently" against "random forests build independent
trees"); each clause is attributed to the alternative it names or, failing that, to the one the previous clause
spoke of.

Round 10 adds **moved subjects** (:func:`moved_subject`): the key point's claim stated of another subject, its
own subject named only on the other side of a contrast ("classical momentum computes the gradient at the
anticipated position, whereas Nesterov momentum uses the current one"); :func:`replaced_term` bounds a replaced
*subject* by the grader's synonym threshold instead of 0.2 ("dropout connections add an identity path"); six
antonym groups (multiply/divide, heavy/light, eliminate/create, periodic/continual, limit/expand,
straight/curved); :func:`negated_clause` no longer reads a restatement of the key point's own denial as a
denial; and :func:`only_listed` refuses the key point's terms listed as a heading followed by talk that names
none of them.

Round 11 (grade20i) adds **counterpart swaps** (:func:`~mlnotes.assistant.interview.counterparts.counterpart_swap`,
run last by :func:`contradiction`): a near restatement of the key point with one term replaced, in the same slot,
by a word the corpus sets beside it ("vanishing and exploding", "keys and values", "correlation and covariance");
ten antonym groups (similar/different, exceed/fall below, optimistic/pessimistic, majority/minority,
superlinear/sublinear, cancel/accumulate, true/wrong class, compress/stretch, keep/lose, freeze/fine-tune), the
superlatives of easy/hard, overstate/understate and "n squared"; a confusable term
written with a hyphen ("the false-positive cost") read as the lexicon's term when each text names one side; and
"the ratio of A to B" read as "A divided by B" by :func:`order_swap`.

A fourth check, :func:`only_listed`, finds *keyword stuffing*: the key point's terms occur in the sentence only
as items of a list ("recall, queries and methods are all important"), never in a relation.

All checks are word-level rules on Snowball stems, deliberately simple so that each refusal can be explained
to the user ("you wrote 'lower variance' where the key point says 'higher variance'").
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:\.\d+)?")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(text)]


@lru_cache(maxsize=1)
def _stem_fn():
    from mlnotes.kb.bm25 import _stemmer

    st = _stemmer()
    return lambda ws: st.stemWords(ws)


def tokens(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` and their Snowball stems, aligned one to one."""
    ws = [w for w in (w.strip("'-") for w in words(text)) if w]
    return ws, list(_stem_fn()(ws))


def stems(text: str) -> list[str]:
    return tokens(text)[1]


NEGATION_STEMS = {"not", "no", "never", "cannot", "none", "neither", "nor", "noth", "without", "ignor", "lack",
                  "fail", "unabl", "whatev", "regardless", "irrespect", "prevent", "avoid", "block", "stop",
                  "nobodi", "nowher", "unlik"}
# "whatever the acceptance rate", "regardless of the stream length", "irrespective of k": each denies a dependence
# ("depends on the acceptance rate"), so each counts as one negation; so do "nobody", "nowhere" and "unlike"
# ("every matrix has an SVD, unlike the eigendecomposition": the eigendecomposition does not always exist).


def negations(text: str) -> int:
    """Negation cues in ``text``. Words with a negating prefix ("non-zero", "unbiased") are not counted: they
    are adjectives of their own, compared by :func:`prefix_opposite`."""
    n = sum(w.endswith("n't") for w in words(text)) + len(_BOUND_RE.findall(text))
    return n + sum(s in NEGATION_STEMS for s in stems(text))


#: "at most x" says "not more than x" and "at least x" "not less than x": each counts as one negation, so that
#: "is at most one quarter" and "never exceeds 0.25" agree and "can exceed one quarter" does not. Round 10b: the
#: same bounds written after the value ("x or more", "x or fewer", "x or above") count alike, so that "min_samples
#: or more points" agrees with "at least min_samples points" (not "more or less", which means "about").
_BOUND_RE = re.compile(r"\bat (?:most|least)\b|(?<!\bmore )\bor (?:more|fewer|less|greater|higher|lower|above|below)\b",
                       re.I)


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
    # general comparatives and antonyms added for issue #20 (round 2)
    ("strong/weak", _group("strong", "stronger", "strongest", "strongly"), _group("weak", "weaker", "weakest",
                                                                                  "weakly")),
    ("widen/narrow", _group("widen", "widens", "widening", "broaden", "broadens"),
     _group("narrow", "narrows", "narrowing", "tighten", "tightens")),
    ("past/future", _group("past", "previous", "preceding", "historical"), _group("future", "upcoming",
                                                                                  "subsequent")),
    ("recent/old", _group("recent", "newest", "latest", "newer"), _group("old", "older", "oldest", "stale")),
    ("near/far", _group("near", "nearby", "close", "closer", "closest", "immediate", "shallow", "shallower"),
     _group("far", "farther", "farthest", "distant", "deep", "deeper")),
    ("robust/sensitive", _group("robust"), _group("sensitive", "fragile", "vulnerable")),
    ("exact/approximate", _group("exact", "exactly"), _group("approximate", "approximately", "roughly")),
    ("explicit/implicit", _group("explicit", "explicitly"), _group("implicit", "implicitly")),
    ("growth rate", _group("linear", "linearly"), _group("quadratic", "quadratically", "exponential",
                                                         "exponentially", "cubic", "n squared")),
    ("easy/hard", _group("easy", "easier", "easiest", "simple", "simpler", "simplest"),
     _group("hard", "harder", "hardest", "difficult", "complex")),  # superlatives: round 11
    ("top/bottom", _group("top"), _group("bottom")),
    ("parallel/sequential", _group("parallel", "simultaneously", "independently"),
     _group("sequential", "sequentially", "serially", "one after another", "one after the other", "in sequence")),
    ("over/under", _group("overestimate", "overestimates", "overestimated", "overstate", "overstates",
                          "overstated"),  # overstate/understate: round 11
     _group("underestimate", "underestimates", "underestimated", "understate", "understates", "understated")),
    # arithmetic and kind-of-effect opposites added in issue #20 (round 3)
    ("add/subtract", _group("add", "adds", "adding", "plus"), _group("subtract", "subtracts", "subtracting",
                                                                     "minus")),
    ("additive/multiplicative", _group("additive", "additively"), _group("multiplicative", "multiplicatively")),
    ("absolute/relative", _group("absolute"), _group("relative")),
    ("random/deterministic", _group("random", "randomly", "stochastic"), _group("deterministic",
                                                                               "deterministically")),
    # contrasts added in issue #20 (round 6), each from a hand-written development answer the rules credited
    # (eval/datasets/grader_dev_hand.jsonl): "learns its own filter weights" for "weights are shared", "one
    # point at a time in a loop" for "all at once with broadcasting", "jointly" for "separately", "near zero"
    # for "near one", "a flat curve" for "the slope", "agree" for "disagree", "uniformly" for "raised to a power",
    # "a single prediction" for "the whole distribution", "the mean changes over time" for "constant mean"
    ("shared/own", _group("shared", "tied", "reused"), _group("own", "untied")),
    ("at once/at a time", _group("at once", "in one shot", "in one go", "broadcasting", "vectorised",
                                 "vectorized"), _group("at a time", "one by one", "one after another", "loop", "loops")),
    ("separate/joint", _group("separately", "independently"), _group("jointly", "together")),
    ("near one/near zero", _group("near one", "close to one", "near 1", "close to 1"),
     _group("near zero", "close to zero", "near 0", "close to 0")),
    ("steep/flat", _group("steep", "steeply", "steeper", "slope"), _group("flat", "flatter", "plateau", "plateaus")),
    ("agree/disagree", _group("agree", "agrees"), _group("disagree", "disagrees", "contradict", "contradicts")),
    ("uniform/weighted", _group("uniform", "uniformly"), _group("weighted", "proportional", "proportionally",
                                                                 "raised")),
    ("whole/single", _group("whole", "entire"), _group("single", "individual")),
    ("constant/changing", _group("constant"), _group("change", "changes", "changing", "vary", "varies", "varying",
                                                     "time-varying")),
    # round 8 (second half), from a heldout6 answer the grader credited ("dropout keeps dropping units at
    # inference time too" for "at inference dropout is disabled")
    ("off/on", _group("disabled", "disable", "disables", "turned off", "switched off", "inactive", "deactivated"),
     _group("enabled", "still applied", "keeps", "keep", "stays on", "remains on", "still on")),
    # round 10: general antonyms missing from the groups above, from heldout8's opposite answers the grader
    # credited ("multiplies the variance" for "divides", "barely changes" for "strongly changes", "penalizes only
    # lightly" for "heavily penalizes", "creates more out-of-vocabulary tokens" for "eliminates", "updated at
    # every step" for "only periodically", "increases the effective capacity" for "limits", "curved" for "linear")
    ("multiply/divide", _group("multiply", "multiplies", "multiplied", "multiplying"),
     _group("divide", "divides", "divided", "dividing")),
    ("heavy/light", _group("heavily", "strongly", "severely", "drastically", "greatly"),
     _group("lightly", "barely", "slightly", "mildly", "marginally")),
    ("eliminate/create", _group("eliminate", "eliminates", "eliminated", "eliminating"),
     _group("create", "creates", "created", "creating", "introduce", "introduces", "introduced")),
    ("periodic/continual", _group("periodically", "occasionally", "infrequently"),
     _group("every step", "each step", "every update", "each update", "every iteration", "continuously",
            "constantly")),
    ("limit/expand", _group("limit", "limits", "limited", "limiting", "restrict", "restricts", "constrain",
                            "constrains", "cap", "caps"),
     _group("increase", "increases", "increased", "expand", "expands", "enlarge", "enlarges", "unlimited")),
    ("straight/curved", _group("linear", "straight"), _group("curved", "curvy")),
    # round 11 (grade20i): direction words missing from the groups above, from heldout10's opposite answers the
    # grader credited ("easiest with continuous action spaces" for "hard", "very different" for "highly similar",
    # "p falls below the cost ratio" for "exceeds", "pessimistic" for "optimistically biased", "the least
    # frequent label" for "the majority label", "converges sublinearly" for "quadratically", "collisions add up"
    # for "cancel", "the probability of the wrong classes" for "of the true class")
    ("similar/different", _group("highly similar", "very similar", "quite similar", "similar to each other", "alike"),
     _group("very different", "quite different", "different from each other", "dissimilar")),
    ("exceed/fall below", _group("exceed", "exceeds", "exceeded", "exceeding", "goes above", "rises above"),
     _group("falls below", "fall below", "drops below", "goes below", "below")),
    ("optimistic/pessimistic", _group("optimistic", "optimistically"), _group("pessimistic", "pessimistically")),
    ("majority/minority", _group("majority", "most frequent", "most common"),
     _group("minority", "least frequent", "least common", "rarest")),
    ("superlinear/sublinear", _group("quadratically", "quadratic", "superlinearly", "superlinear"),
     _group("sublinearly", "sublinear")),
    ("cancel/accumulate", _group("cancel", "cancels", "cancel out", "cancels out"),
     _group("add up", "adds up", "accumulate", "accumulates", "compound", "compounds")),
    ("true/wrong class", _group("true class", "correct class", "right class", "true label", "correct label"),
     _group("wrong class", "wrong classes", "incorrect class", "incorrect classes", "wrong label", "wrong labels")),
    # round 11 (grade20i), from heldout8's and heldout9's credited opposites ("stretches the large values" for
    # "compresses", "keeps all the information" for "loses information",
    # "fine-tune every layer" for "freeze the backbone", "understates significance" for "overstates", "grows
    # linearly" for "n squared")
    ("compress/stretch", _group("compress", "compresses", "compressed", "squash", "squashes"),
     _group("stretch", "stretches", "stretched", "spread out", "spreads out")),
    ("keep/lose", _group("keep", "keeps", "retain", "retains", "preserve", "preserves"),
     _group("lose", "loses", "lost", "discard", "discards", "throw away", "throws away")),
    ("freeze/fine-tune", _group("freeze", "freezes", "frozen"),
     _group("fine-tune", "fine-tunes", "unfreeze", "unfreezes", "unfrozen")),
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
        # round 6, from the hand-written development answers (grader_dev_hand.jsonl) the rules credited
        ("agglomerative", "divisive"), ("harmonic", "arithmetic|geometric"),
        ("impurity importance|impurity-based importance|MDI|Gini importance", "permutation importance"),
        ("training time|train time|at training", "prediction time|inference time|test time|serving time|"
                                                  "at inference|at prediction"),
        # round 8 (second half), from a heldout6 answer the grader credited ("dropping units at inference time
        # too" for "zeros activations ... during training"): the phase named with "during", "while", "in"
        ("during training|while training|in training", "during inference|at inference time|during testing|"
                                                         "during evaluation|while predicting|at prediction time"),
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
        from mlnotes.assistant.interview.grader import GLUE_WORDS

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


_CLAUSE_SEP = re.compile(r"\s*(?:[,;:]|\s-\s|\b(?:and|but|while|whereas|so|because|since|although|though|if|when|"
                         r"whenever|unless)\b)\s*", re.I)


_WITHOUT = re.compile(r"(?=\bwithout\b)", re.I)


def _clauses(text: str) -> list[tuple[set[str], int]]:
    """The clauses of ``text`` with their content stems and negation counts. A "without ..." phrase is a
    clause of its own, so that "labels every pixel without separating objects" does not deny the labelling."""
    out = []
    for c in (c for part in _CLAUSE_SEP.split(text) if part for c in _WITHOUT.split(part)):
        if c and c.strip():
            out.append((set(stems(c)) - glue_stems() - NEGATION_STEMS, negations(c)))
    return out


def polarity_mismatch(key_point: str, sentence: str) -> bool:
    """Clause by clause: each clause of the key point is aligned with the clause of the sentence that shares
    most of its content words (on a tie, one with the same parity of negations if there is one). The key
    point's clauses aligned with one sentence clause are taken together ("Type II error is a false negative:
    failing to reject ..." against "a type II error is failing to reject ..."); a sentence clause whose
    negation parity differs from that of its key-point clauses is a mismatch. When no clause aligns, the
    whole texts are compared."""
    kcs, scs = _clauses(key_point), _clauses(sentence)
    groups: dict[int, int] = {}
    for kt, kn in kcs:
        if not kt:
            continue
        top = max((len(c[0] & kt) for c in scs), default=0)
        if not top:
            continue
        tied = [i for i, c in enumerate(scs) if len(c[0] & kt) == top]
        pick = next((i for i in tied if scs[i][1] % 2 == kn % 2), tied[0])
        groups[pick] = groups.get(pick, 0) + kn
    if not groups:
        return negations(key_point) % 2 != negations(sentence) % 2
    return any(scs[i][1] % 2 != n % 2 for i, n in groups.items())


#: Polar word pairs that are not contradiction rules of their own but must never stand in for each other as
#: near-synonyms (MiniLM puts "positives" close to "negatives").
_POLAR = (("true", "fals"), ("posit", "negat"), ("correct", "incorrect"), ("right", "wrong"), ("good", "bad"),
          ("win", "lose"), ("gain", "loss"), ("benefit", "cost"), ("success", "failur"), ("presenc", "absenc"),
          ("present", "absent"), ("major", "minor"), ("upper", "lower"), ("left", "right"), ("head", "tail"))


@lru_cache(maxsize=1)
def _opposite_pairs() -> frozenset[frozenset[str]]:
    out = {frozenset(p) for p in _POLAR}
    for _name, a, b in OPPOSED + SWAPS:
        for x in a:
            for y in b:
                if len(x) == 1 and len(y) == 1:
                    out.add(frozenset((x[0], y[0])))
    return frozenset(out)


def are_opposites(a: str, b: str) -> bool:
    """Whether stems ``a`` and ``b`` are opposites (an antonym group, a confusable pair, a polar pair, or one
    the other with a negating prefix)."""
    if a == b:
        return False
    if frozenset((a, b)) in _opposite_pairs():
        return True
    short, long_ = sorted((a, b), key=len)
    return any(long_ == pre + short for pre in _NEG_PREFIXES)


_NEG_PREFIXES = ("non-", "non", "un", "in", "im", "ir", "il", "dis", "a")
_ADJ_ENDINGS = ("ed", "ic", "al", "ent", "ant", "ive", "ble", "ar", "ous", "ful", "ate", "ex")


def prefix_opposite(key_point: str, sentence: str) -> str | None:
    """A word of one text is the other text's word with a negating prefix ("correlated" / "uncorrelated",
    "convex" / "non-convex", "symmetric" / "asymmetric"), and the text with the plain word lacks the prefixed
    one. Not a contradiction when the sentence also carries an odd number of extra negations ("not biased"
    says "unbiased")."""
    kw, ks = tokens(key_point)
    sw, ss = tokens(sentence)
    kset, sset = set(ks), set(ss)

    surface = {}
    for w, t in zip(kw + sw, ks + ss):
        surface.setdefault(t, set()).add(w)

    def adjective(stem: str) -> bool:  # "labelled" / "unlabelled", not the noun "labels"
        return any(w.endswith(_ADJ_ENDINGS) for w in surface.get(stem, ()))

    def find(plain: set[str], other: set[str]) -> tuple[str, str] | None:
        for w in sorted(other - plain):
            for pre in _NEG_PREFIXES:
                base = w[len(pre):]
                if (w.startswith(pre) and len(base) >= 4 + (pre == "a") and base in plain and adjective(base)
                        and not any(t.startswith(pre + base[:5]) for t in plain)):  # "non-determinism"
                    return base, w
            # a hyphenated prefix stems apart from its base word: "non-negative" is "non-neg", "negative" "negat"
            for sw_ in sorted(surface.get(w, ())):
                pre = sw_.split("-", 1)[0] + "-"
                if "-" in sw_ and pre in _NEG_PREFIXES:
                    base = _stem_fn()([sw_.split("-", 1)[1]])[0]
                    if (base in plain and base not in other and len(base) >= 3 and adjective(base)
                            and not any(t.startswith(pre + base[:5]) for t in plain)):
                        return base, w
        return None

    hit = find(kset, sset)
    said_neg = hit is not None
    if hit is None:
        hit = find(sset, kset)
    if hit is None:
        return None
    if (negations(sentence) - negations(key_point)) % 2:
        return None
    base, neg = hit
    surf = dict(zip(ks + ss, kw + sw))
    said, meant = (neg, base) if said_neg else (base, neg)
    return f"opposite claim: the key point says '{surf.get(meant, meant)}' where the answer says " \
           f"'{surf.get(said, said)}'"


#: Words that make a relation asymmetric: "A divided by B", "A more than B", "predicts A from B", "A instead of
#: B", "A before B". Exchanging the words on the two sides of one of them reverses the claim.
_ASYMMETRIC = {"than", "divid", "over", "from", "into", "instead", "rather", "befor", "after"}


_COMP_UP, _COMP_DOWN = _UP | {"better"}, _DOWN | {"wors"}


def _comparative(seq: list[str], i: int) -> str | None:
    """The comparative word among the three words before position ``i`` ("receives *more* attention than")."""
    return next((t for t in reversed(seq[max(0, i - 3): i]) if t in _COMP_UP or t in _COMP_DOWN), None)


def _flipped(a: str | None, b: str | None) -> bool:
    """Whether comparative stems ``a`` and ``b`` point opposite ways (more/less, better/worse, higher/lower)."""
    if a is None or b is None:
        return False
    return (a in _COMP_UP and b in _COMP_DOWN) or (a in _COMP_DOWN and b in _COMP_UP)


#: "the ratio of A to B" says "A divided by B" (round 11: "the smallest eigenvalue divided by the largest" for
#: "the ratio of the largest to the smallest eigenvalue")
_RATIO_RE = re.compile(r"\bratio (?:of|between) (.{1,60}?) (?:to|and) ", re.I)


def order_swap(key_point: str, sentence: str) -> str | None:
    """Two content words that occur once in each text sit on opposite sides of the same asymmetric relation
    word in the key point and in the sentence, each on the other side: "RMSE penalizes large errors more than
    MAE" against "MAE penalizes large errors more than RMSE". "The ratio of A to B" is read as "A divided by
    B"."""
    kw, ks = tokens(_RATIO_RE.sub(r"\1 divided by ", key_point))
    sw, ss = tokens(_RATIO_RE.sub(r"\1 divided by ", sentence))
    glue = glue_stems() | NEGATION_STEMS
    for m in _ASYMMETRIC:
        if ks.count(m) != 1 or ss.count(m) != 1:
            continue
        ki, si = ks.index(m), ss.index(m)
        common = [t for t in dict.fromkeys(ks) if t not in glue and t != m and ks.count(t) == 1
                  and ss.count(t) == 1]
        moved_right = [t for t in common if ks.index(t) < ki and ss.index(t) > si]
        moved_left = [t for t in common if ks.index(t) > ki and ss.index(t) < si]
        if moved_right and moved_left and m == "than" and _flipped(_comparative(ks, ki), _comparative(ss, si)):
            continue  # "used less than at the start" as "used better at the start than in the middle": both
            # the sides and the comparison are reversed, which says the same thing
        if moved_right and moved_left:
            a, b = kw[ks.index(moved_right[0])], kw[ks.index(moved_left[0])]
            return f"swapped terms: '{a}' and '{b}' are on the other sides of '{kw[ki]}' in the answer"
    return None


def _content(text: str) -> tuple[list[str], list[str]]:
    """The content words of ``text`` and their stems, in order (function words and negations left out)."""
    ws, ss = tokens(text)
    keep = content_positions(ss)
    return [ws[i] for i in keep], [ss[i] for i in keep]


def content_positions(stems: list[str]) -> list[int]:
    """The positions of the content stems among ``stems`` (:func:`tokens`' stems): not a function word, a negation
    or a number."""
    glue = glue_stems() | NEGATION_STEMS
    return [i for i, t in enumerate(stems) if t not in glue and not t.isdigit()]


#: How many more neighbouring words a crossed reading must share than the straight one (:func:`crossed_terms`);
#: 2 and 3 compared on the development sets: 2 also refused three hand-written paraphrases.
CROSSED_MIN_GAIN = 3
#: Below this MiniLM word cosine a replaced word is unrelated (:func:`replaced_term`): 0.2, 0.25 and 0.3
#: compared on the development sets; at 0.25 and above, synonyms such as "window" for "interval" fell under it.
REPLACED_MAX_SIMILARITY = 0.2


def crossed_terms(key_point: str, sentence: str, window: int = 3, min_gain: int | None = None) -> str | None:
    """Any two terms exchanged, not only the confusable pairs: two content stems that occur once in each
    text, in the opposite order, where each one's neighbourhood in the sentence (``window`` content words on
    either side) matches the *other* one's neighbourhood in the key point better, by ``min_gain`` shared words
    or more, than its own ("Logistic regression solutions depend only on support vectors, SVM on all points"
    for "SVM solutions depend only on support vectors, logistic regression on all points"). A paraphrase that
    only moves a clause keeps each term with its own neighbours."""
    min_gain = CROSSED_MIN_GAIN if min_gain is None else min_gain
    kw, ks = _content(key_point)
    sw, ss = _content(sentence)

    def ctx(seq: list[str], i: int) -> set[str]:
        return set(seq[max(0, i - window): i] + seq[i + 1: i + 1 + window])

    once = [t for t in dict.fromkeys(ks) if ks.count(t) == 1 and ss.count(t) == 1 and len(t) > 1]
    for x in range(len(once)):
        for y in range(x + 1, len(once)):
            a, b = once[x], once[y]
            ka, kb, sa, sb = ks.index(a), ks.index(b), ss.index(a), ss.index(b)
            if (ka < kb) == (sa < sb):
                continue
            cka, ckb, csa, csb = (ctx(q, i) - {a, b} for q, i in ((ks, ka), (ks, kb), (ss, sa), (ss, sb)))
            straight = len(cka & csa) + len(ckb & csb)
            crossed = len(cka & csb) + len(ckb & csa)
            if crossed >= straight + min_gain and len(cka & csb) and len(ckb & csa):
                return f"swapped terms: '{kw[ka]}' and '{kw[kb]}' are the other way round in the answer"
            # exchanging the two back makes the sentence a near copy of the key point (unless the key point
            # relates them symmetrically: "mean equal to variance" is "variance equals its mean")
            if _SYMMETRIC & set(ks[min(ka, kb): max(ka, kb)]):
                continue
            if kw[ka] != sw[sa] or kw[kb] != sw[sb]:  # a swap moves the same words; "predicts" turned into
                continue  # "is used to predict" is a sentence rebuilt around them
            back = [b if t == a else a if t == b else t for t in ss]
            before, after = _lcs(ks, ss), _lcs(ks, back)
            if after >= before + 2 and after >= 0.6 * len(ks):
                return f"swapped terms: '{kw[ka]}' and '{kw[kb]}' are the other way round in the answer"
    return None


#: Stems of symmetric relations: exchanging their two sides keeps the claim.
_SYMMETRIC = frozenset({"equal", "same", "ident", "equival", "similar", "correl", "both", "versus", "vs"})


def _lcs(x: list[str], y: list[str]) -> int:
    """Length of the longest common subsequence of two stem sequences."""
    prev = [0] * (len(y) + 1)
    for a in x:
        cur = [0]
        for j, b in enumerate(y):
            cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def replaced_term(key_point: str, sentence: str, similarity=None, max_similarity: float | None = None,
                  min_kept: float = 0.75, lead_max_similarity: float | None = None) -> str | None:
    """The sentence restates the key point nearly word for word with one term replaced by an unrelated one
    ("The *input* gate controls how much of the previous cell state is kept" for "The *forget* gate ...").

    Fires when the key point has at least four content stems, the sentence keeps at least ``min_kept`` of
    them, exactly one is dropped and at most two added, an added one takes the dropped one's place (the
    same kept neighbour before or after it), and the two words are not related: opposites, or
    ``similarity(dropped_word, added_word)`` (MiniLM word cosine; None: only opposites count) below
    ``max_similarity`` (default :data:`REPLACED_MAX_SIMILARITY`). A synonym swapped in ("expensive" for "costly") is related and passes.

    Round 10: ``lead_max_similarity`` (the grader passes its ``synonym_threshold``) is the bound for the key
    point's *lead*, its first content word, the subject its claim is about: the rest of the claim kept word for
    word and the subject replaced by anything but a synonym is the claim said of something else ("*Dropout*
    connections add an identity path ..." for "Residual connections ...", "*Supervised* learning learns from
    rewards" for "Reinforcement learning ...", word cosines .25 and .30). Over the hand-written development
    answers, a lead replaced by a word that the ordinary bound lets through (cosine 0.2 to 0.7) is a no-credit
    answer 15 times and a credit answer once (a partial answer of heldout3, "test R squared" for "held-out R
    squared", cosine .23); None: the lead is bounded like any other word."""
    max_similarity = REPLACED_MAX_SIMILARITY if max_similarity is None else max_similarity
    kw, ks = _content(key_point)
    sw, ss = _content(sentence)
    kc, sc = list(dict.fromkeys(ks)), list(dict.fromkeys(ss))
    dropped = [t for t in kc if t not in sc]
    added = [t for t in sc if t not in kc]
    if len(kc) < 4 or len(dropped) != 1 or not added or len(added) > 2 or len(kc) - 1 < min_kept * len(kc):
        return None
    d = dropped[0]
    i = ks.index(d)
    prev = ks[i - 1] if i else None
    nxt = ks[i + 1] if i + 1 < len(ks) else None
    for j, t in enumerate(ss):
        if t in kc or t not in added:
            continue
        if not ((prev is not None and j and ss[j - 1] == prev) or (nxt is not None and j + 1 < len(ss)
                                                                  and ss[j + 1] == nxt)):
            continue
        bound = lead_max_similarity if (lead_max_similarity is not None and i == 0) else max_similarity
        if are_opposites(d, t) or (similarity is not None and similarity(kw[i], sw[j]) < bound):
            return f"swapped terms: the answer says '{sw[j]}' where the key point says '{kw[i]}'"
    return None


def substitution(key_point: str, sentence: str, contrast: set[str]) -> str | None:
    """The sentence repeats the key point with one of its terms replaced by another alternative of
    ``contrast`` (:func:`contrast_terms` of the question): "Batch normalization computes statistics per
    example" for "Layer normalization computes statistics per example" under "What is the difference between
    batch normalization and layer normalization?".

    Fires when the sentence has a contrast term the key point lacks, the key point has a contrast term the
    sentence lacks, and apart from those the sentence keeps at least three quarters of the key point's
    content words with at most two words of its own (a near-verbatim statement with a substituted term, not a
    paraphrase)."""
    kw, ks = tokens(key_point)
    sw, ss = tokens(sentence)
    glue = glue_stems() | NEGATION_STEMS
    kc = [t for t in dict.fromkeys(ks) if t not in glue]
    sc = [t for t in dict.fromkeys(ss) if t not in glue]
    added = [t for t in sc if t in contrast and t not in kc and not t.isdigit() and len(t) > 1]
    dropped = [t for t in kc if t not in sc]
    if not any(t in contrast for t in dropped):  # the replaced term is one of the alternatives too
        return None
    if not added or not dropped or len(kc) < 3:
        return None
    kept = len(kc) - len(dropped)
    extra = [t for t in sc if t not in kc and t not in added]
    if kept < 0.75 * (len(kc) - 1) or len(dropped) > 2 or len(extra) > 2:
        return None
    return (f"swapped terms: the answer says '{sw[ss.index(added[0])]}' where the key point says "
            f"'{kw[ks.index(dropped[0])]}'")


#: The polarity test compares negations only in a sentence whose content words are largely the key point's
#: (Jaccard of content stems >= this): a sentence that restates the claim in other words often carries its
#: negation in another word ("contributes nothing" as "adds zero loss", "prevents overflow" as "keeps it from
#: blowing up"), where counting negation words misfires. Chosen on the development sets (issue #20 round 3):
#: the hand-written negations there share at least 0.33, while half of the paraphrases the test refused
#: share less than 0.3.
MIN_SHARED_FOR_POLARITY = 0.3


def shared_content(a: str, b: str) -> float:
    """Jaccard similarity of the content stems of two texts (function words and negations left out)."""
    x, y = set(_content(a)[1]), set(_content(b)[1])
    return len(x & y) / len(x | y) if x | y else 0.0


#: :func:`negated_clause`: the share of a key-point clause's content stems that a clause of the other polarity
#: must state (at least two stems), more than any clause of the same polarity states. Round 8 (issue #20),
#: fixed from the known failure's arithmetic (2 of 4 stems) before measuring on the development sets.
NEGATED_CLAUSE_SHARE = 0.5


#: Dashes and brackets also end a clause for :func:`negated_clause` ("you don't need to sort every distance — a
#: partial selection pulls out the k closest" denies the sorting, not the selection).
_DASH_SEP = re.compile(r"\s*(?:[\u2013\u2014()\[\]]|--)\s*")
#: The cues that deny a claim (:func:`negated_clause`); the other :data:`NEGATION_STEMS` ("whatever",
#: "regardless", "prevents", "lacks") deny a dependence or carry the claim's own meaning, and "nothing" is often
#: a quantity ("the ACF drops to nothing after lag q").
CLAIM_NEGATORS = frozenset({"not", "no", "never", "cannot", "none", "neither", "nor", "nobodi", "nowher"})


_UNLESS = re.compile(r"\bunless\b", re.I)


def _clause_stems(text: str) -> list[tuple[list[str], list[str], int]]:
    """The clauses of ``text`` (split as :func:`_clauses` does, and at dashes and brackets) with their words,
    stems and negation count. "unless X" is read as "if not X" (round 8: "can bias results unless values are
    missing completely at random" says what "can bias your estimates when the values aren't missing completely
    at random" says)."""
    out = []
    for part in _CLAUSE_SEP.split(_UNLESS.sub("if not", text)):
        for c in (c for p in _DASH_SEP.split(part or "") if p for c in _WITHOUT.split(p)):
            if c and c.strip():
                ws, ss = tokens(c)
                out.append((ws, ss, negations(c)))
    return out


def _is_cue(word: str, stem: str) -> bool:
    return stem in CLAIM_NEGATORS or word.endswith("n't")


#: A denying clause of the sentence that states this share of a key-point clause *of its own parity* (and no less
#: of it than of the clause it would deny) restates that clause, not a denial of another one
#: (:func:`negated_clause`).
OWN_PARITY_SHARE = 0.5


def _states_own_parity_clause(kcs: list[tuple[set[str], int]], ss: set[str], n: int, denied: float) -> bool:
    """Round 10: the key point denies something itself ("without constructing the features") and the sentence's
    denying clause says that ("you never have to compute the feature vectors"): the clause shares at least
    :data:`OWN_PARITY_SHARE` of a key-point clause of the same negation parity, and no smaller share of it than
    ``denied``, its share of the clause it would deny ("a kernel never computes an inner product in the feature
    space" states all of the affirmed clause and half of the "without" clause: a denial)."""
    for kt, kn in kcs:
        if kn % 2 != n % 2 or not kt:
            continue
        share = len(kt & ss) / len(kt)
        if share >= OWN_PARITY_SHARE and share >= denied:
            return True
    return False


def negated_clause(key_point: str, sentence: str) -> str | None:
    """A clause of ``sentence`` that states a clause of ``key_point`` under the other polarity ("never makes any
    of them exactly zero" against "sets some coefficients exactly to zero"), however much else the sentence
    says. :func:`polarity_mismatch` only counts when the *whole* sentence shares enough of the key point's
    content (:data:`MIN_SHARED_FOR_POLARITY`), so a long sentence that affirms something else first and then
    denies the key point's claim in its last clause escaped it. Here the denial must be local: the clause has
    the other negation parity, states at least :data:`NEGATED_CLAUSE_SHARE` of the key-point clause's content
    stems (two or more), more of them than any clause of the same parity states, and its negation cue comes
    before one of those stems (the cue scopes over the claim: "not only X, it Y" negates no shared stem after
    it)."""
    skip = glue_stems() | NEGATION_STEMS
    kraw = _clause_stems(key_point)
    kcs = [({t for t in ss if t not in skip}, n) for _, ss, n in kraw]
    scs = _clause_stems(sentence)
    for (kt, kn), (_, kss, _) in zip(kcs, kraw):
        if len(kt) < 2:
            continue
        restrictive = "onli" in kss  # "X is only needed for Y" is restated by "not needed for Z, only for Y"
        same = max((len(kt & set(ss)) for _, ss, n in scs if n % 2 == kn % 2), default=0)
        for c, (ws, ss, n) in enumerate(scs):
            if n % 2 == kn % 2:
                continue
            shared = kt & set(ss)
            if len(shared) < 2 or len(shared) < NEGATED_CLAUSE_SHARE * len(kt) or len(shared) <= same:
                continue
            if _states_own_parity_clause(kcs, set(ss), n, len(shared) / len(kt)):
                continue
            if restrictive and any("onli" in s2 for _, s2, _ in scs[c + 1:]):
                continue
            cue = next((i for i, (w, t) in enumerate(zip(ws, ss)) if _is_cue(w, t)), None)
            if cue is not None and any(t in shared for t in ss[cue + 1:]):
                return ("negation: the answer denies the key point's claim in one clause ("
                        + " ".join(ws) + ")")
    return None


#: A question compares named alternatives when it has one of these cues ("Random forest or gradient boosting",
#: "L1 vs L2", "the difference between bagging and boosting").
_COMPARE_CUE = re.compile(r"\b(?:or|vs\.?|versus|between|differ|difference|differences|compare|compared|"
                          r"comparison|instead of|rather than)\b", re.I)
_ALTERNATIVE_SEP = re.compile(r"\s*(?:\bversus\b|\bvs\.?(?=\s)|\bor\b|\band\b|\bcompared (?:to|with)\b|"
                              r"\binstead of\b|\brather than\b|,|/)\s*", re.I)
#: A mention after one of these words is the other side of a contrast ("unlike boosting, ..."), not the subject.
_CONTRAST_WORDS = frozenset({"unlik", "than", "compar", "vs", "versus", "instead", "rather", "over"})
#: An alternative is named by at most this many content words ("gradient boosting", "L2 regularization").
MAX_ENTITY_STEMS = 3


@lru_cache(maxsize=2048)
def compared_entities(question: str) -> tuple[frozenset[str], ...]:
    """The alternatives ``question`` compares, each as the set of content stems that name it and no other
    alternative ("Random forest or gradient boosting (XGBoost): how do they differ ...?" -> {random, forest},
    {gradient, boost}); empty when the question is not a comparison of two or more short names."""
    head = re.split(r"[?:]", question, maxsplit=1)[0]
    if not _COMPARE_CUE.search(head):
        return ()
    head = re.sub(r"\([^)]*\)", " ", head)
    m = re.search(r"\bbetween\b(.*)", head, re.I)
    if m:
        head = m.group(1)
    skip = glue_stems() | _QUESTION_STEMS | NEGATION_STEMS
    names, acronyms = [], []
    for part in _ALTERNATIVE_SEP.split(head):
        ws, ss = tokens(part)
        content = [(w, t) for w, t in zip(ws, ss) if t not in skip]
        if content:
            names.append([t for _, t in content])
            initials = "".join(p[0] for w, _ in content for p in w.lower().split("-") if p)
            acronyms.append({initials} if len(initials) >= 2 else set())
    if len(names) < 2 or any(len(n) > MAX_ENTITY_STEMS for n in names):
        return ()
    out = []
    for i, n in enumerate(names):
        others = {t for k, m2 in enumerate(names) if k != i for t in m2}
        own = frozenset(n) - others
        if not own:
            return ()
        # "k-NN" names "k-nearest neighbours", "RF" a random forest
        out.append(own | (acronyms[i] - others - {a for k, x in enumerate(acronyms) if k != i for a in x}))
    return tuple(out)


def _names(stem: str, names: frozenset[str]) -> bool:
    return stem in names or stem.replace("-", "") in names


def _attributed_clauses(text: str, entities: tuple[frozenset[str], ...]) -> list[tuple[set[str], int | None]]:
    """Each clause of ``text`` with its stems and the alternative it speaks of: the one it names (a name after
    "unlike", "than", "compared" ... does not count), else the one the previous clause spoke of ("it", "each
    tree"); -1 when it names two (no attribution), None before any is named."""
    out: list[tuple[set[str], int | None]] = []
    current: int | None = None
    for _ws, ss, _n in _clause_stems(text):
        named = set()
        for i, t in enumerate(ss):
            for e, names in enumerate(entities):
                if _names(t, names) and not (i > 0 and ss[i - 1] in _CONTRAST_WORDS) \
                        and not (i > 1 and ss[i - 2] in _CONTRAST_WORDS):
                    named.add(e)
        if len(named) == 1:
            current = named.pop()
        elif len(named) > 1:
            current = -1
        elif any(t in _CONTRAST_WORDS for t in ss):
            current = -1  # "unlike boosting": about neither alone
        out.append((set(ss), current))
    return out


#: The share of a key-point clause's property stems (two at least) an answer clause must state to carry it.
CROSSED_ENTITY_SHARE = 0.5


def crossed_entities(key_point: str, sentence: str, question: str) -> str | None:
    """When ``question`` compares alternatives (:func:`compared_entities`) and a clause of ``key_point``
    gives a property to one of them, the answer's clauses that state that property best must be about the
    same alternative. "A random forest grows its trees one after another, each correcting the errors of the
    previous ones ...; gradient boosting grows deep trees independently ..." gives each model the other's
    properties: the clause that says "independent trees" is about boosting, while the key point says it of
    random forests. The property is the clause's content stems without the names and the question's words;
    an answer clause carries it when it states at least :data:`CROSSED_ENTITY_SHARE` of them (two or more).
    The rule fires only when every best such clause is about one other alternative and none about the key
    point's (a clause naming both, or none yet, never fires it)."""
    entities = compared_entities(question)
    if len(entities) < 2:
        return None
    skip = glue_stems() | NEGATION_STEMS | set(stems(question)) | {t for e in entities for t in e}
    answer = [({t for t in st if not any(_names(t, e) for e in entities)}, w)
              for st, w in _attributed_clauses(sentence, entities)]
    kclauses = [({t for t in st if not any(_names(t, e) for e in entities)} - skip, w)
                for st, w in _attributed_clauses(key_point, entities)]
    for prop, who in kclauses:
        if who is None or who < 0 or len(prop) < 2:
            continue
        # what the key point says of this alternative and not of another ("reduce *variance*" against
        # "reduces *bias*"): an answer clause must state some of it
        own = prop - {t for p2, w in kclauses if w is not None and w >= 0 and w != who for t in p2}
        if not own:
            continue
        need = max(2, math.ceil(CROSSED_ENTITY_SHARE * len(prop)))
        scored = [(len(prop & st), w) for st, w in answer if own & st]
        best = max((n for n, _ in scored), default=0)
        if best < need:
            continue
        owners = {w for n, w in scored if n == best}
        if len(owners) == 1 and (other := owners.pop()) is not None and other >= 0 and other != who:
            said = next(st for st, w in answer if w == other and own & st and len(prop & st) == best)
            return (f"crossed alternatives: the key point says '{', '.join(sorted(prop & said))}' of "
                    f"'{' '.join(sorted(entities[who]))}', the answer says it of '{' '.join(sorted(entities[other]))}'")
    return None


def _check_pairs(pairs, label: str, kp, s, kw, sw) -> str | None:
    """The first of ``pairs`` (name, one side, the other) that :func:`_check` finds, labelled ``label``."""
    for _name, a, b in pairs:
        r = _check(kp, s, a, b, label, kw, sw)
        if r:
            return r
    return None


#: The markers that set two sides of a contrast against each other (:func:`moved_subject`): "X does A, whereas Y
#: does B", "X does A, unlike Y", "A holds; B does not".
_CONTRAST_SEP = re.compile(r"\s*(?:;|\b(?:but|while|whereas|unlike)\b)\s*", re.I)


def moved_subject(key_point: str, sentence: str) -> str | None:
    """The sentence states the key point's claim of another subject and names the key point's own subject only on
    the other side of a contrast (round 10): "*Classical* momentum computes the gradient at the anticipated
    position, whereas Nesterov momentum uses the current one" for "Nesterov momentum computes the gradient at the
    anticipated next position"; "genuine rare values should be removed, but data errors carry information".

    Each side of a contrast in the key point (split at "but", "while", "whereas", "unlike", ";") is read as a
    *lead* (its first content word, the subject it speaks of) and a *claim* (its other content words, three or
    more in all). Fires when the sentence has two or more sides, exactly one side states most of the claim
    (at least half of its words, two or more, more than any other side), that side lacks the lead, a later side
    names it and no earlier one does, and the claim side opens with a content word of its own before the claim's
    first word (its own subject: "classical", "confidence", "post-pruning"). A paraphrase that states the claim
    with the lead on the same side ("unlike classical momentum, Nesterov ...") or names the lead first and goes on
    with a pronoun ("Q-learning is off-policy: it wanders ..., but its update target ...") does not fire. Over the
    hand-written development answers it refuses 52 of 323 term swaps and no paraphrase
    (``tests/interview/test_contradiction.py``)."""
    sides = [_content(part) for part in _CONTRAST_SEP.split(sentence) if part and part.strip()]
    sides = [sd for sd in sides if sd[1]]
    if len(sides) < 2:
        return None
    for part in _CONTRAST_SEP.split(key_point):
        kw, ks = _content(part or "")
        if len(set(ks)) < 3:
            continue
        lead, claim = ks[0], set(ks[1:]) - {ks[0]}
        shares = [len(claim & set(ss)) for _, ss in sides]
        best = max(shares)
        if best < max(2, 0.5 * len(claim)) or shares.count(best) != 1:
            continue
        i = shares.index(best)
        cw, cs = sides[i]
        # the lead is named only after the claim side: "X does A, whereas <lead> ..."
        if lead in cs or not any(lead in ss for ss in (sd[1] for sd in sides[i + 1:])) \
                or any(lead in ss for ss in (sd[1] for sd in sides[:i])):
            continue
        first = next(j for j, t in enumerate(cs) if t in claim)
        own = [cw[j] for j in range(first) if cs[j] not in ks]
        if own:
            return f"swapped terms: the answer says '{' '.join(own)}' where the key point says '{kw[0]}'"
    return None


def contradiction(key_point: str, sentence: str, question: str = "") -> str | None:
    """Why ``sentence`` contradicts ``key_point`` (None when no rule fires). ``question`` supplies the
    alternatives a swap can substitute (:func:`contrast_terms`)."""
    if polarity_mismatch(key_point, sentence) and shared_content(key_point, sentence) >= MIN_SHARED_FOR_POLARITY:
        return "negation: the answer denies what the key point asserts, or asserts what it denies"
    r = negated_clause(key_point, sentence)
    if r:
        return r
    kw, kp = tokens(key_point)
    sw, s = tokens(sentence)
    r = _check_pairs(SWAPS, "swapped terms", kp, s, kw, sw) or _check_pairs(OPPOSED, "opposite claim", kp, s, kw, sw)
    if r:
        return r
    if "-" in key_point or "-" in sentence:
        # round 11: a confusable term written with a hyphen ("the false-positive cost") is the lexicon's
        # two-word term; only the confusable pairs are read this way ("lower-dimensional" is no direction)
        # (only when each text names one side: the binding test is left to the words as written)
        kw, kp = tokens(key_point.replace("-", " "))
        sw, s = tokens(sentence.replace("-", " "))
        for _name, a, b in SWAPS:
            ka, kb_, sa, sb = (bool(_mentions(t, x)) for t, x in ((kp, a), (kp, b), (s, a), (s, b)))
            if ka != kb_ and sa != sb and ka != sa:
                return _check(kp, s, a, b, "swapped terms", kw, sw)
    r = prefix_opposite(key_point, sentence) or order_swap(key_point, sentence) or crossed_terms(key_point, sentence) \
        or moved_subject(key_point, sentence)
    if r:
        return r
    from mlnotes.assistant.interview.counterparts import counterpart_swap  # round 11; imports this module

    r = counterpart_swap(key_point, sentence)
    if r:
        return r
    if question:
        r = substitution(key_point, sentence, contrast_terms(question)) or crossed_entities(key_point, sentence,
                                                                                            question)
        if r:
            return r
    return None


#: Contrasts used only to explain a refusal in the feedback (issue #20, round 9), never to refuse credit: a
#: statistic kept from training against one recomputed on the data at hand, and a rate over the predicted
#: class against one over the actual class (precision's denominator against recall's).
FEEDBACK_OPPOSED: tuple[tuple[str, tuple, tuple], ...] = (
    ("stored/recomputed", _group("running estimates", "running estimate", "running mean", "running average",
                                 "running statistics", "moving average", "stored", "accumulated", "saved",
                                 "precomputed"),
     _group("recompute", "recomputes", "recomputed", "recomputing", "recalculate", "recalculates",
            "recalculated", "on the fly")),
    ("predicted/actual", _group("predicted positives", "predicted positive", "positive predictions",
                                "predicted negatives", "predicted negative", "negative predictions"),
     _group("actual positives", "actual positive", "real positives", "actual negatives", "actual negative",
            "real negatives")),
)

#: Least cosine (MiniLM) between a missed key point and an answer sentence for the sentence to be quoted as
#: conflicting with it in the feedback (the learned combination's floor for scoring a sentence).
CONFLICT_MIN_COS = 0.2

_SAYS = re.compile(r"answer says '([^']+)'")


def claim_negations(text: str) -> int:
    """Plain negators of a claim ("not", "n't", "never", ... :data:`CLAIM_NEGATORS`), without the dependence
    cues of :data:`NEGATION_STEMS` ("whatever test batch comes in" does not deny the recomputation)."""
    return sum(w.endswith("n't") for w in words(text)) + sum(s in CLAIM_NEGATORS for s in stems(text))


def conflict(key_point: str, sentence: str, question: str = "") -> str | None:
    """Feedback only: why ``sentence`` states something else than ``key_point`` on the same subject, or None.
    The refusal rules of :func:`contradiction` first, then the feedback-only contrasts of
    :data:`FEEDBACK_OPPOSED`, read the same way (one side in the key point, the other in the sentence), when the
    two have the same parity of claim negators (:func:`claim_negations`: "so they don't have to be recomputed"
    agrees with "stored")."""
    r = contradiction(key_point, sentence, question)
    if r:
        return r
    if claim_negations(key_point) % 2 != claim_negations(sentence) % 2:
        return None
    kw, kp = tokens(key_point)
    sw, s = tokens(sentence)
    return _check_pairs(FEEDBACK_OPPOSED, "a different claim", kp, s, kw, sw)


def answer_side(reason: str) -> str | None:
    """The answer's contrasting words named in a rule's ``reason`` ("... the answer says 'global'"), or None."""
    m = _SAYS.search(reason)
    return m.group(1) if m else None


def what_was_wrong(reason: str) -> str:
    """A one-line 'what was wrong' built from a rule's ``reason``: the contrasting words, not the key point."""
    kind, _, detail = reason.partition(": ")
    m = re.fullmatch(r"the key point says '([^']+)' where the answer says '([^']+)'", detail)
    if m:
        return f"It says '{m.group(2)}' where the correct claim has '{m.group(1)}' ({kind})."
    m = re.fullmatch(r"the answer says '([^']+)' where the key point says '([^']+)'", detail)
    if m:
        return f"It says '{m.group(1)}' where the correct claim has '{m.group(2)}' ({kind})."
    return f"This sentence conflicts with the key point: {reason}."


#: Stems of the words a question asks with ("How do you choose ...", "What is the difference ..."): they are
#: not alternatives the question contrasts.
_QUESTION_STEMS = frozenset(stems(
    "what why how when which who does do is are explain describe compare comparison difference differ different "
    "between versus vs would you your should can could use used using work works get prevent detect mitigate "
    "struggle relate choose choosing handle matter need help make fit compute affect happen mean tell implement "
    "implementation derive interpret interpretation evaluate measure exist kind kinds type types problem problems "
    "trade-off tradeoff role purpose example instead rather"))


def contrast_terms(question: str) -> set[str]:
    """The question's own content stems (the alternatives it names: "batch normalization and layer
    normalization", "micro, macro and weighted averaging"), without the words it asks with."""
    return set(stems(question)) - glue_stems() - NEGATION_STEMS - _QUESTION_STEMS


#: A sentence whose key-point terms are only listed is stuffing when, outside the lists, it has at most this
#: many content words of its own (the question's words not counted).
MAX_PREDICATE_WORDS = 4

_LIST_SEP = re.compile(r"\s*(?:[,;:&]|\band\b|\bor\b)\s*", re.I)
#: An equation or an arrow between terms is a relation, not a list (round 6).
_SYMBOL_RELATION = re.compile(r"=|->|→|≤|≥|<|>")

#: Talk *about* words instead of a claim with them (round 6): "Cost, complexity and pruning are words from the
#: tree chapter", "The TD error and the advantage are all in the actor-critic slides", "... come up in every
#: interview". Each pattern names the words' place (a chapter, slides, a glossary) or calls them words/buzzwords.
_META_TALK = re.compile(
    r"\b(?:are|is|were)\s+(?:all\s+|both\s+|just\s+|only\s+)?(?:the\s+)?(?:\w+\s+)?"
    r"(?:words|buzzwords|acronyms|jargon|vocabulary|keywords|symbols|boxes|names)\b"
    r"|\b(?:comes?|came|shows?)\s+up\s+in\b"
    r"|\b(?:appears?|listed|covered|mentioned|taught)\s+in\s+(?:the|every|any|a|an|most)\b"
    r"|\byou(?:'ll| will)?\s+(?:see|meet|hear|read)\b"
    r"|\b(?:in|from|on)\s+(?:the|every|any|a|an|most)\s+(?:[\w'-]+\s+){0,3}"
    r"(?:chapter|slides?|lectures?|course|textbooks?|tutorials?|glossary|exams?|diagram|syllabus|"
    r"design\s+doc|interview)\b", re.I)


def meta_talk(key_point: str, sentence: str) -> bool:
    """True when ``sentence`` talks about where words occur (a chapter, slides, a glossary) or calls them
    words, instead of stating a claim with them, and the key point itself does not talk that way."""
    return bool(_META_TALK.search(sentence)) and not _META_TALK.search(key_point)


#: A sentence that opens with a list of short items ended by a colon: "Margin, generalization, large: ...".
_HEADED_LIST = re.compile(r"^\s*[^,:;.]{1,40}(?:,[^,:;.]{1,40})+:\s", re.I)


def only_listed(key_point: str, sentence: str, question: str = "", max_item_words: int = 2) -> bool:
    """True when the key point's own terms occur in ``sentence`` only as items of a list.

    The sentence is cut at commas, semicolons, colons, "and" and "or". A run of pieces of at most
    ``max_item_words`` words, together with the last word of the piece before it and the first word of the
    piece after it, is a list when it has two items or more ("This is about *recall*, *queries* and
    *methods*, which ..."). If at least two of the key point's terms (those not in the question) occur in the
    sentence, none occurs outside the lists before their end, and none after it either or, after a list of
    three items or more, at most a third as many ("Exponential loss, AdaBoost, outliers and label noise come
    up together"), the sentence names the terms without relating them. Round 10: when the list is a heading (the
    sentence opens with it and a colon) and nothing after it names a key-point term, the sentence is stuffing
    however much the rest says ("Power, beta, effect size: G*Power is a free program ..."; over the hand-written
    development answers, 21 stuffing answers more and no credit answer).
    """
    if _SYMBOL_RELATION.search(sentence):
        return False  # "F1 = 2PR / (P + R)": a formula relates its terms
    kp_terms = set(stems(key_point)) - glue_stems() - set(stems(question))
    pieces = [words(p) for p in _LIST_SEP.split(sentence)]
    pieces = [p for p in pieces if p]
    short = [len(p) <= max_item_words for p in pieces]
    listed_words: list[str] = []
    free_words: list[str] = []
    taken: set[tuple[int, int]] = set()  # (piece, word) positions that are list items
    longest = 0  # items in the longest list
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
            longest = max(longest, n_items)
        i = j + 1
    last_item = max(taken, default=(-1, -1))
    before_words: list[str] = []  # free words before the end of the last list
    for k, p in enumerate(pieces):
        for w, word in enumerate(p):
            if (k, w) in taken:
                listed_words.append(word)
            else:
                (free_words if (k, w) > last_item else before_words).append(word)
    listed = set(_stem_fn()(listed_words)) & kp_terms
    before = (set(_stem_fn()(before_words)) & kp_terms) - listed
    after = (set(_stem_fn()(free_words)) & kp_terms) - listed - before
    # a key-point term before the list relates it ("deep models *need* data, tuning and compute"); after a list
    # of three items or more, one term in three listed ones is what a vacuous predicate leaves ("... and label
    # noise come up together"); after a pair ("A and B are competitive with C") any term may be the claim
    allowed = len(listed) // 3 if longest >= 3 else 0
    # and the rest of the sentence says little: a vacuous predicate ("are all important", "come up together")
    # has a few content words, a claim in other words ("ranks better but you have to run it once for every
    # query and document pair, which is expensive") has more
    q_stems = set(stems(question))
    rest = set(_stem_fn()(before_words + free_words)) - glue_stems() - NEGATION_STEMS - q_stems - listed
    if len(listed) >= 2 and not before and not after and _HEADED_LIST.match(sentence):
        # round 10: a list of the terms as a heading ("Power, beta, effect size: G*Power is a free program"):
        # what follows the colon names none of them, so however long it is, it is about something else
        return True
    return len(listed) >= 2 and not before and len(after) <= allowed and len(rest) <= MAX_PREDICATE_WORDS
