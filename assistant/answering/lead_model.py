"""A learned reordering of the lead candidates (issue #16, part 2): features of a candidate and a pairwise ranker.

:func:`mlnotes.assistant.answering.lead.pick_lead` ranks the candidates that may lead (its hard filters:
:func:`~mlnotes.assistant.answering.lead.lead_pool`) by the hand-tuned value
(:func:`~mlnotes.assistant.answering.lead.rule_value`). A :class:`LeadRanker` then reorders the first ``top`` of
them: each gets ``rule value + w . (features - mean) / scale``, and the best leads (ties: the rules' order) when it
beats the rules' lead by at least a margin, and unless the rules' lead is a why question's restated premise (which
the composition follows with its reason: :func:`keeps_rules_lead`). The
weights come from a pairwise logistic regression on hand labels of development questions
(``eval/datasets/lead_labels_*.jsonl``, fitted by ``eval/lead_ranker.py``) and are shipped as package data in
``lead_ranker.json``. With all weights zero the ranker chooses exactly what the rules choose.

:func:`lead_model` loads that file once. The file says whether the model is the default (``"default": true``; it is
only when it beat the rules in grouped cross-validation, see docs/answer-quality.md); when it is not, or when the
file is missing or unreadable (a warning is logged), ``pick_lead`` keeps the rules.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mlnotes.assistant.answering.lead import (
    _MATH_RE,
    SHORT_WORDS,
    advises,
    asks_why,
    defining_verb,
    gives_reason,
    heading_share,
    lhs_share,
    mentions,
    recommends,
    restates_premise,
    rule_value,
    section_repeats,
    sides,
    starts_with,
    subject_is,
    terms,
)
from mlnotes.assistant.answering.scoring import Scored

log = logging.getLogger(__name__)

MODEL_FILE = Path(str(resources.files("mlnotes.assistant.answering").joinpath("lead_ranker.json")))
MODEL_FORMAT = 1

#: the features of a lead candidate, in the order of the weight vector
FEATURES = (
    "score",            # the candidate's retrieval-and-sentence score (scoring.score_candidates)
    "rank",             # rank of its chunk among the hits
    "repeats",          # other top chunks of the same section
    "heading_share",    # share of the subject terms the section heading names
    "subject_share",    # share of the subject terms the sentence names
    "subject_first",    # opens with the subject
    "defining",         # a defining verb ("is", "means", "measures") within its first 12 words
    "subject_is",       # the subject, then a defining verb
    "recommends",       # recommends what to use (any intent)
    "advises",          # how_to_choose: advises on the subject
    "math",             # inline math or an equation
    "lhs_share",        # share of the subject terms on the left-hand side of its equation
    "big_o",            # names a Big-O cost
    "both_sides",       # comparison: names both sides
    "reason",           # gives a reason (causal word, purpose, mechanism)
    "restates",         # why question: only restates the premise
    "short",            # fewer than SHORT_WORDS words
    "log_words",        # log of its length in words
    "short_answer",     # definition: a sentence of its section's bank short answer
    "head_named",       # definition: names the subject's most specific term
    "position",         # log(1 + its order in its section)
    "table_row",        # a table row
    "bold_open",        # opens with a bold term (a list item of methods)
    "citation",         # carries a citation [@...]
    "parenthesis",      # holds a parenthetical aside
    "rule_rank",        # its place among the candidates by the rules' value (0 = the rules' lead)
)

_BIG_O_RE = re.compile(r"\$?O\(|\bO\(")
_CITE_RE = re.compile(r"\[@[^\]]+\]")


def features(intent: str, question: str, t: Scored, subject: set[str], top: Sequence[str],
             short_answers: frozenset[int] = frozenset(), head: str | None = None,
             rule_rank: int = 0) -> list[float]:
    """The :data:`FEATURES` of candidate ``t`` as the lead of ``question`` (read as ``intent``), in order: what
    :func:`~mlnotes.assistant.answering.lead.pick_lead` has (the scored candidate, the section keys ``top`` of the
    top chunks, the ids of the bank short-answer sentences, the head term) and its place ``rule_rank`` in the rules'
    order."""
    c = t.candidate
    text = c.text.strip()
    cand_terms = terms(text)
    m = defining_verb(text)
    before = text[: m.start()] if m else ""
    pair = sides(question) if intent == "comparison" else None
    words = len(text.split())
    return [
        float(t.score),
        float(t.rank),
        float(section_repeats(top, t.rank)),
        heading_share(subject, top, t.rank),
        len(subject & cand_terms) / len(subject) if subject else 0.0,
        float(bool(subject) and starts_with(text, subject)),
        float(bool(m) and len(before.split()) <= 12),
        float(subject_is(text, subject, m)),
        float(recommends(text)),
        float(intent == "how_to_choose" and advises(t, subject)),
        float(bool(_MATH_RE.search(text))),
        lhs_share(text, subject),
        float(bool(_BIG_O_RE.search(text))),
        float(bool(pair) and mentions(text, pair.a, pair.b) and mentions(text, pair.b, pair.a)),
        float(gives_reason(text)),
        float(asks_why(question) and restates_premise(question, text)),
        float(words < SHORT_WORDS),
        math.log(max(words, 1)),
        float(intent == "definition" and id(c) in short_answers),
        float(intent == "definition" and head is not None and head in cand_terms),
        math.log1p(max(c.order, 0)),
        float(c.kind == "table_row"),
        float(text.startswith("**")),
        float(bool(_CITE_RE.search(text))),
        float("(" in text and ")" in text),
        float(rule_rank),
    ]


_RESTATES = FEATURES.index("restates")


def keeps_rules_lead(intent: str, first: Sequence[float]) -> bool:
    """Whether the rules' lead (features ``first``) stays whatever the model says: a why question's lead that only
    restates the premise, which the answer composition follows with the reason from the same section
    (``Answerer._reason_after``, round 8). The labels judge a first sentence alone and call such a lead not
    answering, but the answer's lead is then that sentence and its reason; the model has no feature for that."""
    return intent == "why_how" and first[_RESTATES] == 1


class LeadModelError(ValueError):
    """The lead ranker file is missing, unreadable or does not match :data:`FEATURES`."""


@dataclass(frozen=True)
class LeadRanker:
    """Reorders the first ``top`` candidates of the rules' order by ``rule value + weights . standardised
    features``; ``mean`` and ``scale`` standardise each feature (fitted on the training pairs). The rules' lead
    stays unless another candidate's value beats its own by at least ``margin`` (an uncertain reordering is not
    worth a change), and always when :func:`keeps_rules_lead`."""

    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    top: int = 8
    default: bool = False
    margin: float = 0.0

    def __post_init__(self) -> None:
        n = len(FEATURES)
        if not (len(self.weights) == len(self.mean) == len(self.scale) == n):
            raise LeadModelError(f"a lead ranker needs {n} weights, means and scales (one per feature)")
        if any(s <= 0 for s in self.scale) or not all(math.isfinite(x) for x in (*self.weights, *self.mean)):
            raise LeadModelError("a lead ranker's scales must be positive and its numbers finite")
        if self.top < 1 or not (math.isfinite(self.margin) and self.margin >= 0):
            raise LeadModelError("a lead ranker's top must be at least 1 and its margin a number >= 0")

    def value(self, x: Sequence[float], rule: float) -> float:
        """The learned value of a candidate with features ``x`` and rule value ``rule``."""
        return rule + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale))

    def pick(self, intent: str, xs: Sequence[Sequence[float]], rules: Sequence[float]) -> int:
        """The index of the lead among candidates in the rules' order with features ``xs`` and rule values
        ``rules`` (only the first :attr:`top` are looked at): the best by :meth:`value` (ties: the rules' order),
        unless it beats the rules' first by less than :attr:`margin` or :func:`keeps_rules_lead`; then 0."""
        n = min(len(xs), self.top)
        if n == 0 or not any(self.weights) or keeps_rules_lead(intent, xs[0]):
            return 0
        values = [self.value(xs[i], rules[i]) for i in range(n)]
        best = max(range(n), key=lambda i: (values[i], -i))
        return best if values[best] - values[0] >= self.margin else 0

    def choose(self, intent: str, question: str, ranked: Sequence[Scored], subject: set[str], top: Sequence[str],
               short_answers: frozenset[int] = frozenset(), head: str | None = None) -> Scored:
        """The lead among ``ranked`` (the pool in the rules' order, best first; not empty): :meth:`pick` over
        its first :attr:`top`."""
        if not any(self.weights):
            return ranked[0]
        first = ranked[: self.top]
        xs = [features(intent, question, t, subject, top, short_answers, head, rule_rank=i) for i, t in enumerate(first)]
        rules = [rule_value(intent, question, t, subject, top, short_answers, head) for t in first]
        return first[self.pick(intent, xs, rules)]

    def to_json(self) -> dict[str, Any]:
        return {"format": MODEL_FORMAT, "features": list(FEATURES), "weights": list(self.weights),
                "mean": list(self.mean), "scale": list(self.scale), "top": self.top, "margin": self.margin,
                "default": self.default}

    @classmethod
    def from_json(cls, data: Any) -> LeadRanker:
        """A ranker from the parsed JSON of :meth:`to_json`; :class:`LeadModelError` when it does not fit."""
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise LeadModelError(f"not a lead ranker of format {MODEL_FORMAT}")
        if list(data.get("features", [])) != list(FEATURES):
            raise LeadModelError("the lead ranker's features are not this code's FEATURES (refit it with "
                                 "eval/lead_ranker.py --write)")
        try:
            return cls(tuple(float(w) for w in data["weights"]), tuple(float(m) for m in data["mean"]),
                       tuple(float(s) for s in data["scale"]), int(data.get("top", 8)), bool(data.get("default")),
                       float(data.get("margin", 0.0)))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, LeadModelError):
                raise
            raise LeadModelError(f"a malformed lead ranker: {e}") from e


def load_ranker(path: Path = MODEL_FILE) -> LeadRanker:
    """The ranker stored at ``path``; :class:`LeadModelError` (with the path) when it is missing or malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise LeadModelError(f"cannot read the lead ranker {path}: {e}") from e
    try:
        return LeadRanker.from_json(data)
    except LeadModelError as e:
        raise LeadModelError(f"{path}: {e}") from e


@lru_cache(maxsize=4)
def default_ranker(path: Path = MODEL_FILE) -> LeadRanker | None:
    """The shipped ranker when it is the default, loaded once; ``None`` (the rules) when the file says it is not
    the default, or when it is missing or malformed: then a warning is logged once."""
    try:
        ranker = load_ranker(path)
    except LeadModelError as e:
        log.warning("lead ranker not used, the hand-tuned lead rules decide: %s", e)
        return None
    return ranker if ranker.default else None
