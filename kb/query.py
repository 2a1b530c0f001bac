"""Query-side preparation for retrieval: filler removal (normalisation) and a small synonym map (expansion).

People wrap a question in conversational filler ("do you know ...", "can you explain ... in your own words",
"what are possible options for ..."). For BM25 those words are evidence like any other: "know" pulls in the
section "When you do not know the answer". :func:`normalize_query` removes such phrases (whole phrases only, never
a lone content word such as "explain"), and leaves the query unchanged when fewer than two words would remain.

The corpus and the people asking do not always use the same word for the same thing. :func:`expand_query`
rewrites a few unambiguous short forms ("nets" → "neural networks": Snowball stems "nets" to "net", which
retrieves *elastic net*) and appends the other word of a few synonym pairs (weights/coefficients,
number of clusters/k-means) and the corpus' spelling of a few British/American pairs, which the stemmer keeps
apart. The rules were chosen on the gold tune split only (a rule that lowered BM25's MRR@10 there was dropped:
"-ization" → "-isation", "neighbour" ↔ "neighbor", "convnet" → "convolutional neural network"). Apart from the rewrites, expansion only adds
words, so a query that already used the corpus' word is unaffected apart from the extra terms.

:func:`bm25_query` = expansion of the normalised query: the text the BM25 leg scores. ``BM25Index.search``
calls it before scoring. The dense leg keeps the question as asked: feeding it the normalised question too left
the default hybrid unchanged (gold tune MRR@10 0.916, external 0.691) and moved dense alone by at most 0.004.

:class:`QueryPrep` adds two steps that need the corpus: spelling correction of words that neither the corpus nor
the embedder's word list knows (:class:`Speller`; the corrected query feeds both legs) and, for the dense query
only, acronyms the corpus defines written out beside the original (:func:`mine_acronyms`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")

# Filler: conversational wrappers that carry no topic. Order matters (longer phrases first).
_FILLER = [
    r"\bwhat (?:do|did) you know about\b",
    r"\b(?:do|did) you (?:happen to )?know(?: anything)?(?: about| of)?\b",
    r"\bhave you (?:ever )?heard (?:of|about)\b",
    r"\bwhat are (?:the |some )?possible options(?: for| to)?\b",
    r"\bwhat (?:are|would be) (?:the |your )?options(?: for| to)?\b",
    r"\b(?:can|could) you (?:please )?(?:briefly )?(?:explain|describe|tell me|walk me through|talk me through"
    r"|list|name|give(?: me)?|define|clarify|elaborate on)\b",
    r"\bin your own words\b",
    r"\bin (?:simple|plain|layman'?s?) (?:terms|words|english)\b",
    r"\b(?:in general|generally speaking|in a nutshell|roughly speaking)\b",
    r"\bi (?:was|am|'m) (?:just )?wondering(?: about| if| whether)?\b",
    r"\bi(?: would|'d) like to know\b",
    r"\bi want to (?:know|understand)\b",
    r"\bplease\b",
]
_FILLER_RE = re.compile("|".join(f"(?:{p})" for p in _FILLER), re.IGNORECASE)

# Rewrites: a short form replaced by the corpus' words (unambiguous in an ML question).
_REWRITES = [
    (re.compile(r"\bneural nets?\b", re.I), "neural network"),
    (re.compile(r"(?<![\w-])nets\b", re.I), "neural networks"),
    (re.compile(r"(?<![\w-])nns?(?![\w-])", re.I), "neural network"),  # "k-NN" and "kNN" are left alone
]

# Expansions: when the pattern occurs, the words after it are appended (the query keeps its own words).
_EXPANSIONS = [
    (re.compile(r"\bweights?\b", re.I), "coefficients"),
    (re.compile(r"\bcoefficients?\b", re.I), "weights"),
    (re.compile(r"\bnumber of clusters\b", re.I), "k-means"),
    (re.compile(r"\b(?:choose|choosing|pick|picking|select|selecting|value of|optimal|best|right) k\b"
                r"(?=.*\b(?:k-?means|clusters?|clustering)\b)", re.I), "number of clusters"),
    (re.compile(r"\bk-?means\b.*\b(?:choose|choosing|pick|picking|select|selecting|value of|optimal|best|right) k\b",
                re.I), "number of clusters"),
    # spellings: only towards the corpus' dominant form (834 "-ization" vs 34 "-isation"; "behaviour" 47 vs 2;
    # "modelling" 16 vs 8; "labelled" 48 vs 0). "neighbour"/"neighbor" are used about equally (96/85): no rule.
    (re.compile(r"\b(\w+)isation\b", re.I), r"\1ization"),
    (re.compile(r"\bbehavior\b", re.I), "behaviour"),
    (re.compile(r"\bmodeling\b", re.I), "modelling"),
    (re.compile(r"\blabeled\b", re.I), "labelled"),
]

# Symptoms: a question that describes what it sees ("99% on training but only 70% on validation") rather than
# naming the diagnosis gets the diagnosis appended. Each rule needs every one of its parts in the question.
_TRAIN = re.compile(r"\btrain(?:ing)?\b", re.I)
_HELDOUT = re.compile(r"\b(?:validation|val|test|held[- ]?out|dev)\b", re.I)
_TRAIN_FINE = re.compile(
    r"\b(?:9\d(?:\.\d+)?\s?%|100\s?%|perfect|near(?:ly)?\s+(?:100|perfect)|keeps?\s+(?:going\s+|getting\s+)?"
    r"(?:down|up|improving|better|climbing|falling|decreasing|dropping)|climb\w*|decreas\w*|falling|go(?:es|ing) down"
    r"|very (?:high|low))", re.I)
_HELDOUT_BAD = re.compile(
    r"\b(?:stall\w*|plateau\w*|stuck|go(?:es|ing) up|went up|ris(?:es|ing)|increas\w*|worse|bad|terrible|poor"
    r"|only\s+(?:about\s+|around\s+)?\d+\s?%|around\s+\d+\s?%|much lower|lower|gap)", re.I)
# the same input scored differently by two paths of one model: the deployed one and the one it was built in
_PREDICTION = re.compile(r"\b(?:scores?|scored|predictions?|predicted|predicts?|outputs?|results?|probabilit(?:y|ies)"
                         r"|answers?|forecasts?)\b", re.I)
_SERVED = re.compile(r"\b(?:live|production|prod|online|serving|served|deployed|deployment|api|endpoint"
                     r"|(?:web|prediction|inference|micro)[- ]?service|real[- ]time)\b", re.I)
_BUILT = re.compile(r"\b(?:notebook|jupyter|offline|locally|laptop|backtest\w*|(?:when|where|in which) (?:i|we) "
                    r"(?:trained|built|developed))\b", re.I)
_DIFFERS = re.compile(r"\b(?:differ|differs|differed|different(?:ly)?|mismatch\w*|inconsistent|discrepanc\w+"
                      r"|disagree\w*|(?:does ?n[o']t|do ?n[o']t|did ?n[o']t|not) (?:match|agree)|not the same"
                      r"|garbage|junk|nonsense)\b", re.I)
# a model that was fine while training or validating gives random or changing outputs on its own at prediction time
_PREDICT_TIME = re.compile(r"\b(?:predict(?:ion|ing)? (?:script|time|code|function|mode)|predict\.py|inference"
                           r"|at test time|single (?:image|example|input|sample|record)s?|one (?:image|example|input"
                           r"|sample) at a time|batch (?:size )?of (?:one|1))\b", re.I)
_RANDOM_OUT = re.compile(
    r"\b(?:junk|garbage|random|nonsense|meaningless)\s+(?:predictions?|outputs?|results?|answers?|labels?|classes"
    r"|scores?)\b|\b(?:predictions?|outputs?|answers?|results?)\s+(?:are|look|is|seem|become)\s+(?:\w+\s+)?"
    r"(?:junk|garbage|random|nonsense)\b|\bdifferent (?:answer|prediction|output|result|score|class)s?\b.{0,40}"
    r"\b(?:each|every) (?:time|run|call)\b", re.I)
# a served model that accepts input it should have refused: impossible values, categories it never saw, oversized text
_BAD_INPUT = re.compile(
    r"\b[a-z_]+\s?=\s?-\d|\bnegative (?:ages?|prices?|counts?|heights?|weights?)\b"
    r"|\b(?:categor(?:y|ies)|values?|levels?|codes?)\s+(?:that\s+)?(?:never (?:existed|appeared)|(?:it|we|the model) never saw)"
    r"|\b(?:unseen|unknown|non-?existent|invalid) (?:categor(?:y|ies)|values?|levels?|codes?)\b"
    r"|\b\d+k?[- ](?:characters?|chars?|bytes?|tokens?)\b.{0,80}\b(?:time[ds]? ?out|timeout|hang\w*|crash\w*)"
    r"|\b(?:malformed|garbage|invalid|nonsense) (?:inputs?|requests?|payloads?)\b", re.I)
# accuracy that stopped improving, and people who label the data disagreeing with each other
_PLATEAU = re.compile(r"\b(?:stuck|plateau\w*|stall\w*|flat|won'?t (?:improve|go up|budge)|(?:can'?t|cannot) get (?:past|above"
                      r"|beyond|over)|whatever (?:i|we) (?:tune|try|change)|no matter (?:what|how))\b", re.I)
_LABELS_DISAGREE = re.compile(
    r"\b(?:label(?:l)?ers?|annotators?|raters?|graders?|human labels?)\b.{0,60}\b(?:disagree\w*|inconsistent|differ)"
    r"|\binter-?(?:annotator|rater)\b|\b(?:annotator|label(?:l)?er|rater) (?:dis)?agreement\b", re.I)
# a model better on an aggregate metric and worse for one group of users, devices or regions: a slice it hides
_AGGREGATE = re.compile(r"\b(?:overall|on average|(?:the )?average|aggregate|global|in total|offline)\b", re.I)
_GROUP = re.compile(
    r"\b(?:users?|customers?|clients?|patients?|people|requests?)\s+(?:on|with|in|from|using)\b"
    r"|\b(?:some|certain|older|old|new|mobile|android|ios|rural|one)\s+(?:\w+\s+)?(?:users?|customers?|devices?"
    r"|phones?|regions?|countries|markets?|groups?|languages?)\b", re.I)
_GROUP_WORSE = re.compile(r"\b(?:worse|degrad\w*|drop(?:s|ped)?|poorer|complain\w*|fails? for)\b", re.I)
# two array shapes that differ by a trailing singleton axis, "(64, 1)" and "(64,)" (or "(N, 1)" and "(N)"), in either
# order: an (N, 1) prediction against an (N,) target broadcasts to an (N, N) matrix in an elementwise loss
_SINGLETON_PAIR = re.compile(
    r"\(\s*(?P<a>\w+)\s*,\s*1\s*\)(?=.*\(\s*(?P=a)\s*,?\s*\))|\(\s*(?P<b>\w+)\s*,?\s*\)(?=.*\(\s*(?P=b)\s*,\s*1\s*\))",
    re.S)
# a generative model whose samples lack variety: the same few images whatever the noise it is fed
_GENERATOR = re.compile(r"\b(?:gans?|generators?|generative adversarial|dcgan|wgan|stylegan)\b", re.I)
_FEW_DISTINCT = re.compile(
    r"\bsame (?:few |handful of |couple of |one |two |\w+ )?(?:images?|outputs?|samples?|pictures?|faces?|digits?"
    r"|results?)\b|\b(?:only|just) (?:ever )?(?:a few|a handful of|a couple of|one|two) (?:kinds?|types?|classes"
    r"|digits?|images?|outputs?|samples?|faces?)\b|\b(?:whatever|regardless of|no matter what|any|different) (?:the )?"
    r"(?:noise|latent|z|seed)\b|\b(?:no|little|low|lack of|without) (?:variety|diversity)\b"
    r"|\ball (?:look|looks) (?:the same|alike|identical)\b", re.I)
# a model whose outputs sit at the bound of a squashing output activation (all around 0.99, between 0 and 1, never
# above 1) while its targets lie outside that range: a regression, or targets given as a range of values or in a unit
# (the regression row of the output activation and loss pairing table: "ReLU or sigmoid on the output: targets outside
# its range can never be reached")
_AT_BOUND = re.compile(
    r"\b(?:predictions?|outputs?|predicts?|predicted values?)\b[^.?!]{0,40}?\b(?:around|near|close to|about|at|stuck at|"
    r"saturat\w* at|all|always)\s+(?:~\s*)?(?:0\.9\d*|1\.0+)\b|\b(?:predicts?|outputs?)\s+(?:~\s*)?(?:0\.9\d*|1\.0+)\b"
    r"|\b(?:predictions?|outputs?)\b[^.?!]{0,40}?\bbetween 0 and 1\b"
    r"|\b(?:predictions?|outputs?)\b[^.?!]{0,40}?\bnever (?:go(?:es)? )?(?:above|over|exceeds?|past|beyond) (?:1|one)\b",
    re.I)
_WIDE_TARGET = re.compile(
    r"\bregress\w*\b|\b(?:targets?|labels?|values?|y)\b[^.?!]{0,30}?\b\d+(?:\.\d+)?\s*(?:to|-|\u2013)\s*\d{2,}\b"
    r"|\bin (?:minutes|seconds|hours|days|dollars|euros|pounds|kg|kilograms|meters|metres|km|degrees)\b", re.I)
# an attribution method (Grad-CAM, a saliency or heat map, SHAP) that points at a cue outside the object of the task:
# a corner, a text marker or stamp, a watermark, a ruler, the background; the model is right for the wrong reason
_ATTRIBUTION = re.compile(r"\b(?:grad-?cam|saliency|heat ?maps?|attribution maps?|attributions?|shap (?:values?|plots?)"
                          r"|attention maps?|lime explanations?)\b", re.I)
_OFF_TARGET = re.compile(
    r"\b(?:light(?:s|ing|ed)? up|highlight\w*|focus(?:es|ed|ing)? on|attend\w* to|point(?:s|ed|ing)? (?:at|to)|"
    r"concentrat\w* on|peak\w* (?:at|on)|hot ?spots? (?:at|on|in))\b[^.?!]{0,80}?\b(?:corners?|markers?|stamps?"
    r"|watermarks?|logos?|rulers?|borders?|captions?|(?:text|name|date) (?:labels?|tags?|overlays?)|tags?|background"
    r"|edges? of the (?:image|picture|frame))\b", re.I)
# a prediction that moves against a feature it should follow, the other features held fixed ("predicted default risk
# goes DOWN when debt-to-income goes up, everything else equal"): a shape the model may be constrained to respect
_OPPOSITE_MOVE = re.compile(
    r"\b(?:go(?:es)?|went|going|drops?|dropped|falls?|fell|decreas\w*|increas\w*|ris(?:es|ing)|rose) (?:down|up)?\s*"
    r"(?:when|as|while|if|whenever)\b[^.?!]{0,60}?\b(?:go(?:es)?|went|goes|increas\w*|decreas\w*|ris(?:es|ing)"
    r"|rose|falls?|drops?) ?(?:up|down)?\b", re.I)
_OTHERS_FIXED = re.compile(r"\b(?:(?:everything|all) else (?:being )?(?:equal|fixed|the same|held (?:fixed|constant))"
                           r"|ceteris paribus|holding (?:everything|all|the other (?:features|inputs|variables)) "
                           r"(?:else )?(?:fixed|constant|equal)|other (?:features|inputs|variables) (?:held )?"
                           r"(?:fixed|constant|equal))\b", re.I)
# (parts, diagnosis, named): the diagnosis when every part matches, unless ``named`` says the question names it
_SYMPTOMS = [
    ((_TRAIN, _HELDOUT, _TRAIN_FINE, _HELDOUT_BAD), "overfitting",  # training fine, held-out data not
     re.compile(r"\boverfit", re.I)),
    ((_PREDICTION, _SERVED, _BUILT, _DIFFERS), "training-serving skew",  # live API vs the training notebook
     re.compile(r"\bskew", re.I)),
    ((_PREDICT_TIME, _RANDOM_OUT), "model.eval() forgotten: dropout stays active and batch normalization uses batch "
     "statistics",
     re.compile(r"\.eval\(|\beval(?:uation)? mode\b", re.I)),  # a predict script left in training mode
    ((_SERVED, _BAD_INPUT), "input validation: validate every request against the declared schema (types, ranges, "
     "lengths, allowed categories) and reject invalid input with a client error",
     re.compile(r"\bvalidat|\bschema\b", re.I)),  # a service that scores whatever it is sent
    ((_PLATEAU, _LABELS_DISAGREE), "label noise sets a ceiling: annotator disagreement bounds the achievable "
     "accuracy (human-level, irreducible error)",
     re.compile(r"\bceiling\b|\bhuman[- ]level\b|\bbayes error\b|\birreducible\b", re.I)),  # a plateau at the noise
    ((_AGGREGATE, _GROUP, _GROUP_WORSE), "slice analysis: an aggregate metric can hide a model that is much worse for "
     "a subgroup (a region, a device type); compute the metric on each important slice",
     re.compile(r"\bslic(?:e|es|ing)\b|\bsubgroups?\b|\bfairness\b|\bper[- ](?:group|segment)\b", re.I)),
    ((_GENERATOR, _FEW_DISTINCT), "mode collapse: the generator produces only a few distinct outputs (low sample "
     "diversity)",
     re.compile(r"\bcollaps", re.I)),  # a GAN that gives the same few images whatever the noise
    ((_AT_BOUND, _WIDE_TARGET), "output activation: a sigmoid (or ReLU) output layer squashes predictions into its "
     "range, so targets outside it can never be reached; regression needs a linear output (no activation) with MSELoss "
     "or HuberLoss (output activation and loss pairing)",
     re.compile(r"\bsigmoid|\bactivation|\bsquash|\blinear (?:output|layer|head)", re.I)),
    ((_SINGLETON_PAIR,), "silent broadcasting: a prediction of shape (N, 1) against a target of shape (N,) broadcasts "
     "to an (N, N) matrix in an elementwise loss; squeeze to matching shapes",
     re.compile(r"\bbroadcast", re.I)),  # an output and a target whose shapes differ by a singleton axis
    ((_ATTRIBUTION, _OFF_TARGET), "shortcut: the model is right for the wrong reason, a shortcut learned from a "
     "spurious cue of how the data were collected (leakage) instead of the task, so it fails on new data",
     re.compile(r"\bshortcut|\bspurious|\bclever hans\b|\bwrong reasons?\b|\bleak", re.I)),  # attribution off the object
    ((_OPPOSITE_MOVE, _OTHERS_FIXED), "monotonic constraints: constrain the model's prediction to be monotone in the "
     "feature (monotone_constraints in gradient boosting)",
     re.compile(r"\bmonoton", re.I)),  # a prediction that moves against a feature, the others held fixed
]

_SPACES = re.compile(r"\s+")
_LEFTOVER = re.compile(r"^[\s,;:.!?-]+|[\s,;:-]+$")
_ORPHAN = re.compile(r"\s*[,;:]\s*(?=[,;:.!?]|$)|\s+(?=[,;:.!?])")


def normalize_query(query: str) -> str:
    """``query`` without conversational filler phrases; unchanged when fewer than two words would remain."""
    out = _FILLER_RE.sub(" ", query)
    out = _LEFTOVER.sub("", _ORPHAN.sub("", _SPACES.sub(" ", out))).strip()
    return out if len(re.findall(r"\w\w+", out)) >= 2 else query


def diagnosis(query: str) -> str | None:
    """The diagnosis a symptom question describes without naming it, or None: no symptom rule matches, or the
    question already names it. The rules (:data:`_SYMPTOMS`, the first that matches wins): "overfitting" for "99%
    on training but only 70% on validation"; "training-serving skew" for one input scored differently by the live
    service and the notebook or offline run it was built in; a forgotten ``model.eval()`` (dropout and batch
    normalization left in training mode) for random, junk or run-to-run different outputs of a predict script or
    at inference; input validation for a served model that scores impossible values, categories it never saw or
    oversized text; the label-noise ceiling for accuracy that stopped improving while the labellers disagree with
    each other; slice analysis for a model that beat the old one on an aggregate (overall, average, offline) metric
    but is worse for one group of users, devices or regions; silent broadcasting for two array shapes that differ
    by a trailing singleton axis, "(64, 1)" and "(64,)" (an output against its target in an elementwise loss); mode
    collapse for a GAN or generator whose samples lack variety (the same few images, whatever the noise); the output
    activation for predictions stuck at a squashing bound ("every prediction comes out around 0.99", "between 0 and
    1") while the targets lie outside it (a regression, "targets 10 to 90", "in minutes"); a shortcut for an
    attribution map (Grad-CAM, saliency, SHAP) that lights up a cue off the object (a corner, a text marker, a
    watermark, the background); monotonic constraints for a prediction that moves against a feature with everything
    else held equal ("risk goes down when debt-to-income goes up, all else equal"; round 21). Both
    legs use it: BM25 through :func:`expand_query`,
    the dense leg through :meth:`QueryPrep.dense_texts`; the answerer's term coverage counts it too
    (:meth:`mlnotes.assistant.answering.retrieve.TermCoverage.coverage`)."""
    for parts, words, named in _SYMPTOMS:
        if all(p.search(query) for p in parts) and not named.search(query):
            return words
    return None


def with_diagnosis(query: str) -> str:
    """``query`` followed by its :func:`diagnosis` in brackets, when it has one (else unchanged)."""
    named = diagnosis(query)
    return query if named is None else f"{query} ({named})"


def expand_query(query: str) -> str:
    """``query`` with short forms rewritten and the partner of each matched synonym appended (once)."""
    out = query
    for pat, repl in _REWRITES:
        out = pat.sub(repl, out)
    extra: list[str] = []
    for pat, repl in _EXPANSIONS:
        for m in pat.finditer(out):
            words = m.expand(repl)
            if words.lower() not in out.lower() and words not in extra:
                extra.append(words)
    words = diagnosis(out)
    if words and words not in extra:
        extra.append(words)
    return f"{out} {' '.join(extra)}" if extra else out


# a code identifier written with underscores between its parts ("fetch_california_housing", "ccp_alpha", "y_t")
IDENTIFIER_RE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
# a code identifier that at most this many chunks use names one documented thing (a library function is described in
# one section, of up to a few chunks); "state_dict" (10 chunks) or "fit_transform" (19) are everyday API
IDENTIFIER_DF = 3


def code_identifiers(query: str) -> list[str]:
    """The code identifiers ``query`` names that join two or more words by underscores ("fetch_california_housing()",
    "ccp_alpha", "max_lr"), which no English word is; a part of one letter is notation, not a word ("y_t", "e_t",
    "d_model" and "Q4_K_M" join at most one word and are not listed)."""
    return [w for w in IDENTIFIER_RE.findall(query) if len(_words_joined(w)) >= 2]


def _words_joined(identifier: str) -> list[str]:
    return [p for p in identifier.split("_") if len(p) >= 2]


def identifier_weight(query: str, doc_freq: Callable[[str], int]) -> list[str]:
    """Each rare code identifier of ``query`` (its term used by 1 to ``IDENTIFIER_DF`` chunks, by ``doc_freq``),
    repeated once for each word (:func:`code_identifiers`) it joins beyond its first. BM25's tokenizer keeps
    "fetch_california_housing" as one term, so the function a question names weighed like one word, while the asker
    named three ("fetch", "california", "housing"); in a question that is mostly an error message around it ("our
    CI job dies at fetch_california_housing() with a URLError ... no outbound internet", round 18, f15-18) the words
    around it ("CI", "job", "runners") outweighed it and the section that documents it ranked 13th in BM25. An
    identifier many chunks use ("state_dict") names no one section."""
    from mlnotes.kb.bm25 import tokenize

    out: list[str] = []
    for w in code_identifiers(query):
        terms = tokenize(w)
        if len(terms) == 1 and 0 < doc_freq(terms[0]) <= IDENTIFIER_DF:
            out.extend([w] * (len(_words_joined(w)) - 1))
    return out


def bm25_query(query: str, doc_freq: Callable[[str], int] | None = None) -> str:
    """The text the BM25 leg scores: the normalised query, expanded; with ``doc_freq`` (a term's number of chunks),
    its rare code identifiers weighed as the words they join (:func:`identifier_weight`)."""
    out = expand_query(normalize_query(query))
    extra = identifier_weight(out, doc_freq) if doc_freq is not None else []
    return f"{out} {' '.join(extra)}" if extra else out


# ---------------------------------------------------------------- spelling correction
_WORD = re.compile(r"[A-Za-z]+")
_URL = re.compile(r"(\b(?:https?://|www\.)\S+)")
_SUFFIXES = ("s", "es", "ed", "ing", "er", "ers", "est", "ly")
MAX_WORD = 24  # longer words are never corrected


def _stem(word: str) -> list[str]:
    from mlnotes.kb.bm25 import tokenize

    return tokenize(word, stopwords=False)


def osa_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal-string-alignment edit distance (insertions, deletions, substitutions and transpositions of adjacent
    letters, each 1); anything above ``cap`` is reported as ``cap + 1``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cap:
            return cap + 1
        prev2, prev = prev, cur
    return min(prev[-1], cap + 1)


def _letter_counts(word: str) -> np.ndarray:
    """Counts of a-z in ``word`` and, in a 27th cell, of every other character."""
    out = np.zeros(27, dtype=np.int16)
    for ch in word:
        k = ord(ch) - 97
        out[k if 0 <= k < 26 else 26] += 1
    return out


_VOWELS = frozenset("aeiou")
# negative contractions typed without their apostrophe ("dont", "isnt"): words, not misspellings of "dot" or "int"
_CONTRACTIONS = frozenset({"aint", "arent", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
                           "isnt", "mightnt", "mustnt", "neednt", "shant", "shouldnt", "wasnt", "werent", "wont",
                           "wouldnt"})


def _onset(word: str) -> tuple[str, frozenset[str]]:
    """The first letter of ``word`` and the letters of its first vowel group ("should" -> ("s", {o, u}))."""
    i = next((k for k, ch in enumerate(word) if ch in _VOWELS), len(word))
    j = next((k for k in range(i, len(word)) if word[k] not in _VOWELS), len(word))
    return word[:1], frozenset(word[i:j])


def same_onset(word: str, other: str) -> bool:
    """Whether ``word`` and ``other`` share their first letter and the letters of their first vowel group. A
    misspelling keeps both ("regresion", "gradiant", "shuold", "explian", "enviroment"); a change of either
    makes another word ("splatting" -> "splitting", "legit" -> "logit", "jumpy" -> "numpy", "cert" -> "bert",
    "federated" -> "generated", "quora" -> "qlora"), which a speller must not read as a slip of the fingers."""
    return _onset(word) == _onset(other)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Speller:
    """Corrects query words that neither the corpus nor the embedder's word list knows to a corpus word.

    *Known* words are left alone: any word of the corpus (``counts``), any whole word of the MiniLM WordPiece
    vocabulary (``lexicon``: about 22,500 common English words, so an ordinary word the corpus happens not to use,
    like "combat", is never "corrected") and words shorter than ``min_len``. An unknown word gets the corpus word
    within edit distance 1 (2 for words of 8 letters or more; :func:`osa_distance`, a transposition counts 1) that
    is closest, then most frequent; a candidate must occur at least ``min_count`` times and keep the word's first
    letter and first vowel group (:func:`same_onset`: "splatting" is no misspelling of "splitting", round 17), and a
    tie between different words at the same distance and frequency leaves the word alone. Words over
    :data:`MAX_WORD` letters and negative contractions written without the apostrophe ("dont", "isnt") are left
    alone.

    Candidates come from a symmetric-delete index (every corpus word under each one-letter deletion) looked up with
    the query word and its one-letter deletions, then checked with the exact distance; distance-2 pairs that share
    no one-letter deletion (two insertions, say) are looked up through the query word's two-letter deletions. That
    still misses distance-2 pairs that need two deletions on *both* sides (a substitution plus a transposition), so
    when a long word has no candidate within distance 1, every corpus word of 6+ letters whose letter counts allow
    distance 2 (the bag distance, a lower bound of the edit distance, computed for all of them at once) is checked
    too: the suggestion then equals a brute-force scan's. The index is built on the first unknown word, so
    known-word queries cost one set lookup per word.
    """

    def __init__(self, counts: dict[str, int], lexicon: frozenset[str] | set[str] = frozenset(), min_len: int = 4,
                 min_count: int = 2) -> None:
        self.counts = {w.lower(): int(n) for w, n in counts.items()}
        self.lexicon = frozenset(w.lower() for w in lexicon)
        self.min_len, self.min_count = min_len, min_count
        self._index: dict[str, list[str]] | None = None
        self._long: tuple[list[str], np.ndarray, np.ndarray] | None = None  # words, lengths, letter counts
        self._stems: frozenset[str] | None = None

    @classmethod
    def from_texts(cls, texts, lexicon: frozenset[str] | set[str] | None = None, **kw) -> Speller:
        from collections import Counter

        counts: Counter[str] = Counter()
        for t in texts:
            counts.update(w.lower() for w in _WORD.findall(t))
        return cls(dict(counts), _minilm_words() if lexicon is None else lexicon, **kw)

    def known(self, word: str) -> bool:
        """A corpus word, a lexicon word, an inflection of either (same Snowball stem as a corpus word, or a
        corpus or lexicon word plus one of the suffixes -s, -es, -ed, -ing, -er, -ers, -est, -ly: "churners"),
        or too short to judge."""
        w = word.lower()
        if len(w) < self.min_len or w in self.counts or w in self.lexicon:
            return True
        if any(w.endswith(suf) and (w[: -len(suf)] in self.lexicon or w[: -len(suf)] in self.counts)
               for suf in _SUFFIXES):
            return True
        if self._stems is None:
            from mlnotes.kb.bm25 import tokenize

            self._stems = frozenset(tokenize(" ".join(self.counts), stopwords=False))
        return bool(set(_stem(w)) & self._stems)

    def _delete_index(self) -> dict[str, list[str]]:
        if self._index is None:
            idx: dict[str, list[str]] = {}
            for w, n in self.counts.items():
                if n >= self.min_count and len(w) >= self.min_len - 1:
                    idx.setdefault(w, []).append(w)
                    for d in _deletes(w):
                        idx.setdefault(d, []).append(w)
            self._index = idx
        return self._index

    def _long_words(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        if self._long is None:
            words = [w for w, n in self.counts.items() if n >= self.min_count and len(w) >= 6]
            self._long = (words, np.array([len(w) for w in words], dtype=np.int16).reshape(-1),
                          np.stack([_letter_counts(w) for w in words]) if words else np.zeros((0, 27), np.int16))
        return self._long

    def _bag_candidates(self, w: str, max_d: int) -> set[str]:
        """Corpus words of 6+ letters whose length and letter counts allow edit distance ``max_d`` from ``w``."""
        words, lens, bags = self._long_words()
        diff = bags - _letter_counts(w)
        bag = np.maximum(np.clip(diff, 0, None).sum(1), np.clip(-diff, 0, None).sum(1))
        ok = (np.abs(lens - len(w)) <= max_d) & (bag <= max_d)
        return {words[i] for i in np.flatnonzero(ok)}

    def suggest(self, word: str) -> str | None:
        """The corpus word ``word`` is most likely a misspelling of, or ``None`` (known word, no clear candidate)."""
        w = word.lower()
        if len(w) > MAX_WORD or self.known(w) or not w.isalpha() or w in _CONTRACTIONS:
            return None  # (a very long "word" is no typo, and its two-letter deletions would be many)
        max_d = 2 if len(w) >= 8 else 1
        idx = self._delete_index()
        keys = {w} | _deletes(w)
        if max_d >= 2:
            keys |= {d2 for d in _deletes(w) for d2 in _deletes(d)}
        cands = {c for key in keys for c in idx.get(key, ())}
        cands = {c for c in cands if same_onset(w, c)}
        scored = sorted((osa_distance(w, c, max_d), -self.counts[c], c) for c in cands)
        scored = [s for s in scored if s[0] <= max_d]
        if max_d >= 2 and (not scored or scored[0][0] >= 2):
            more = {c for c in self._bag_candidates(w, max_d) - cands if same_onset(w, c)}
            scored = sorted(scored + [t for t in ((osa_distance(w, c, max_d), -self.counts[c], c) for c in more)
                                      if t[0] <= max_d])
        if not scored:
            return None
        if len(scored) > 1 and scored[1][:2] == scored[0][:2]:
            return None  # two words equally likely: do not guess
        return scored[0][2]

    def correct(self, query: str) -> str:
        """``query`` with each unknown word replaced by its suggestion (other text unchanged). Words inside a URL
        and words with two or more capitals (acronyms such as "RCNNs", names in CamelCase) are left alone."""
        def fix(m: re.Match) -> str:
            word = m.group(0)
            if sum(ch.isupper() for ch in word) >= 2:
                return word
            s = self.suggest(word)
            return word if s is None else s

        parts = _URL.split(query)  # even items: text, odd items: URLs
        return "".join(p if i % 2 else _WORD.sub(fix, p) for i, p in enumerate(parts))


def _minilm_words() -> frozenset[str]:
    """Whole words of the embedder's WordPiece vocabulary (alphabetic, not ``##`` continuations)."""
    from mlnotes.kb.windows import minilm_tokenizer

    return frozenset(w for w in minilm_tokenizer().get_vocab() if w.isalpha())


# ---------------------------------------------------------------- acronyms (dense side)
_PAREN_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9]{1,7})\)")
_LEAD_WORDS = re.compile(r"[A-Za-z][\w'-]*")
_CLAUSE_BREAK = re.compile(r"[\n|.:;,()]")
_SMALL_WORDS = frozenset({"of", "and", "the", "for", "to", "a", "an", "in", "with", "by", "on"})
_ACRONYM = re.compile(r"\b([A-Z][A-Za-z0-9]{1,7}?)(s?)\b")


def _capitals(acronym: str) -> str:
    return "".join(ch.lower() for ch in acronym if ch.isupper())


def mine_acronyms(texts) -> dict[str, str]:
    """Acronyms the corpus defines, ``{"LSTM": "long short term memory", ...}``.

    A definition is "words (ACRONYM)" where the acronym has two or more capitals and the initials of the last
    words before the parenthesis (small words such as "of" and "and" skipped) spell its capitals in order, e.g.
    "long short-term memory (LSTM)" or "Population Stability Index (PSI)". The most frequent expansion wins
    (ties: the first seen)."""
    from collections import Counter, defaultdict

    found: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for m in _PAREN_ACRONYM.finditer(text):
            acronym = m.group(1)
            caps = _capitals(acronym)
            if len(caps) < 2:
                continue
            lead = text[max(0, m.start() - 160):m.start()]
            if not lead.endswith(" "):
                continue
            lead = _CLAUSE_BREAK.split(lead)[-1]  # the words since the last line, cell or clause boundary
            words = [p for w in _LEAD_WORDS.findall(lead) for p in w.split("-") if p]
            for take in range(len(caps), min(len(words), len(caps) + 3) + 1):
                cand = words[-take:]
                if cand[0].lower() in _SMALL_WORDS:
                    continue
                if "".join(w[0].lower() for w in cand if w.lower() not in _SMALL_WORDS) == caps:
                    found[acronym][" ".join(cand).lower()] += 1
                    break
    return {a: max(c, key=lambda e: (c[e], -list(c).index(e))) for a, c in found.items()}


def expand_acronyms(query: str, acronyms: dict[str, str]) -> str | None:
    """``query`` with each defined acronym written out before it ("Define LSTM." → "Define long short term memory
    (LSTM)."; a plural "RNNs" is looked up as "RNN"), or ``None`` when it has none."""
    changed = False

    def sub(m: re.Match) -> str:
        nonlocal changed
        word = m.group(0)
        exp = acronyms.get(word) or acronyms.get(m.group(1))
        if exp is None or exp.lower() in query.lower():
            return word
        changed = True
        return f"{exp} ({word})"

    out = _ACRONYM.sub(sub, query)
    return out if changed else None


PREP_CACHE_VERSION = 1


def _prep_key(texts: list[str]) -> str:
    """What the cached word counts and acronyms depend on: the version and every corpus text."""
    h = hashlib.sha256(f"query-prep {PREP_CACHE_VERSION}\0".encode())
    for t in texts:
        h.update(t.encode() + b"\0\0")
    return h.hexdigest()


def _write_json(path: Path, obj: dict) -> None:
    """Write ``obj`` atomically; a folder that cannot be written only costs the next process a recount."""
    from mlnotes.kb.cachefile import write_atomically

    write_atomically(path, lambda f: f.write(json.dumps(obj).encode("utf-8")))


class QueryPrep:
    """What every backend does to a query before it searches (the same steps, so the backends rank alike):

    1. :meth:`correct`: words unknown to the corpus and to the embedder's word list are spelling-corrected
       (:class:`Speller`); the corrected text goes to both legs (BM25 then applies :func:`bm25_query`).
    2. :meth:`dense_texts`: the texts whose embeddings are averaged into the dense query vector: the corrected
       query, plus, when it uses an acronym the corpus defines (:func:`mine_acronyms`), the query with the
       acronym written out. MiniLM knows "LSTM" less well than "long short-term memory"; the mean keeps both.
       A question that describes a symptom without naming it has the diagnosis appended to each text
       (:func:`diagnosis`: "overfitting" for training fine but validation stalling or rising), as BM25 does.

    Measured on the development sets with the default hybrid (questions fixed / broken, against no preparation;
    external: its 62 answerable questions before the corpus16 sections, ml-28's label completed):
    spelling on gold tune hit@1 +0/-1, hit@5 +1/-1, MRR@10 -.002 [-.005, +.001]; on external hit@5 +1/-0
    ("Bag-of-Worrds" found) and hit@1 +1/-0. Acronyms on gold tune hit@1 +2/-1, R@5 +2/-0, MRR@10 +.002
    [-.002, +.008]; on external R@5 +2/-0, hit@1 and hit@5 unchanged. Both together: gold tune hit@1 .879, hit@5
    .987, MRR@10 .923, R@5 .944 (unchanged within noise); external .758 / .919 / .821 / .763 (from .742 / .903 /
    .805 / .737). After the corpus16 sections (74 answerable external questions): external .838 / .973 / .891 /
    .802 without and .851 / .986 / .904 / .824 with the preparation (spelling +1/-0, acronyms R@5 +2/-0); gold
    tune .877 / .987 / .921 / .943 and .877 / .987 / .922 / .944. Scoring the two acronym phrasings separately and averaging the pooled scores changed one tune
    question more (MRR) than the mean vector used here; the mean is one vector, which Qdrant's MAX_SIM computes
    as the local index does, so it is the one kept. Taking the max of the two pooled scores instead broke two
    external questions (MRR -.67 in sum). Tried and not
    kept: repeating the heading in the BM25 text (external hit@5 -.03), a query-vs-heading-vector feature in the
    fusion (+.008 hit@1 on tune and +.032 on external, both CIs include 0, hit@5 and R@5 unchanged), at most N
    sections per document or per kind in the top 5 (R@5 on tune -.002 to +.001), other BM25 k1/b (flat), a bonus
    for sections of the documents the first hits link to (R@5 on tune +.002 at most, hit@1 down), and dense
    pseudo-relevance feedback (the query vector moved towards the first 1-5 fused hits: hit@5 and R@5 down on tune).

    Built from the corpus texts (the local index's chunks, or the Qdrant collection's) the first time a backend
    searches: about 0.5 s on this corpus; the candidate index of the speller is built on the first unknown word.
    """

    def __init__(self, speller: Speller, acronyms: dict[str, str]) -> None:
        self.speller, self.acronyms = speller, acronyms

    @classmethod
    def from_texts(cls, texts, lexicon: frozenset[str] | set[str] | None = None,
                   cache: Path | None = None) -> QueryPrep:
        """Built from the corpus ``texts``; with ``cache`` (a JSON file beside a local index), the word counts and
        acronyms are read from it when it was written for exactly these texts, and written after counting (best
        effort): counting costs ~0.2 s of a one-shot ``mlnotes ask``."""
        texts = list(texts)
        key = _prep_key(texts) if cache is not None else ""
        if cache is not None:
            try:
                data = json.loads(Path(cache).read_text(encoding="utf-8"))
                if data.get("key") == key:
                    lex = _minilm_words() if lexicon is None else lexicon
                    return cls(Speller(dict(data["counts"]), lex), dict(data["acronyms"]))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                pass
        prep = cls(Speller.from_texts(texts, lexicon=lexicon), mine_acronyms(texts))
        if cache is not None:
            _write_json(Path(cache), {"key": key, "counts": prep.speller.counts, "acronyms": prep.acronyms})
        return prep

    def correct(self, query: str) -> str:
        return self.speller.correct(query)

    def dense_texts(self, query: str) -> list[str]:
        expanded = expand_acronyms(query, self.acronyms)
        texts = [query] if expanded is None else [query, expanded]
        return [with_diagnosis(t) for t in texts]  # a symptom question is embedded with the diagnosis it describes

    def dense_vector(self, query: str, embed: Callable[[str], np.ndarray]) -> np.ndarray:
        """The dense leg's query vector: the normalised mean of ``embed`` over :meth:`dense_texts`."""
        return mean_unit([embed(t) for t in self.dense_texts(query)])


class Lazy(Generic[T]):
    """A value built on first use, once, thread-safe: a backend keeps one per derived structure (its
    :class:`QueryPrep`, the reranker's corpus statistics) and its ``with_defaults`` views (shallow copies) share
    it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self, build: Callable[[], T]) -> T:
        with self._lock:
            if self._value is None:
                self._value = build()
            return self._value


def mean_unit(vectors) -> np.ndarray:
    """The normalised mean of unit vectors (one row each): the query vector of several phrasings."""
    v = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    if len(v) == 1:
        return v[0]
    m = v.mean(axis=0)
    n = float(np.linalg.norm(m))
    return m / n if n > 0 else v[0]


__all__ = ["normalize_query", "expand_query", "bm25_query", "Speller", "osa_distance", "mine_acronyms",
           "expand_acronyms", "QueryPrep", "Lazy", "mean_unit"]
