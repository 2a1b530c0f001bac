"""Features of a (key point, answer sentence) pair, and a logistic combination of them (issue #20, round 7).

The word rules of :mod:`mlnotes.assistant.interview.grader` act as hard vetoes: a sentence above the coverage
threshold is refused at the first rule that fires (a polarity mismatch, an opposite, a swapped term, a term
list, talk about words, no required term, no claim object). On hand-written answers each rule also refuses real
paraphrases, and the coverage threshold refuses many more. :func:`pair_features` computes every rule's verdict
*and* the similarity features for a pair, independently of each other, so that a calibrated model can weigh
them: ``p = sigmoid(b + w . x)``, fitted on hand-written development answers by ``python -m
mlnotes.eval.grader_combine`` (leave-one-set-out by author's set, see there) and stored in ``combine.json``.

A key point is credited when the model's highest probability over the answer's counted sentences reaches the
fitted threshold. Only sentences whose cosine with the key point is at least :data:`COS_FLOOR` are scored: a
sentence further away is not a statement of it (and the rules need not run on every pair). Constraints a fitted
model may carry: the rules' vetoes (``veto``), a floor on the rules' coverage probability (``min_coverage``), a
cap on how much closer the sentence is to another key point (``max_deficit``) and, round 11, a word-count floor
for sentences below the rules' coverage threshold (``below_min_words``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

COMBINE_PATH = Path(str(resources.files("mlnotes.assistant.interview").joinpath("combine.json")))  # package data

#: Every feature :func:`pair_features` computes, in this order. A fitted model uses a subset (its ``features``).
FEATURES = (
    "cos",  # MiniLM cosine of sentence and key point
    "overlap",  # share of the key point's terms (not in the question) that the sentence contains
    "margin",  # cos minus the highest cosine of the sentence with another key point of the question
    "cos_question",  # cosine of sentence and question
    "cos_support",  # max(cos, the highest cosine with the key point's support sentences in the model answer)
    "negation",  # contradiction(): parity of negations differs (and enough content shared)
    "contradiction",  # contradiction(): opposite, swapped or crossed terms, a substitution
    "replaced",  # replaced_term(): a near copy with one term replaced by an unrelated word
    "listed",  # only_listed(): the key point's terms only as list items
    "meta",  # meta_talk(): talk about the words, not a claim with them
    "required_share",  # share of the key point's required terms the sentence states (stem or synonym)
    "no_required",  # required-term rule fails (fewer than the required share, at least one)
    "no_object",  # claim-object rule fails
    "rules_pass",  # no rule fires
    "log_words",  # log of the sentence's word count
)
#: Sentences further than this cosine from the key point are not scored (probability 0). Below the lowest cosine
#: of any credited hand-written development paraphrase's best sentence (see ``grader_combine``'s report).
COS_FLOOR = 0.2


@dataclass(frozen=True)
class Combiner:
    """A fitted logistic model over a subset of :data:`FEATURES` (standardised with ``mean`` / ``scale``)."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    #: True: the word rules keep their vetoes (a sentence any rule refuses scores 0) and the model replaces only
    #: the coverage threshold; False: the rules' verdicts are features like the others
    veto: bool = False
    fitted: dict[str, Any] = field(default_factory=dict)
    #: round 8: a sentence whose rule-based coverage probability (the grader's own threshold model over cosine
    #: and overlap) is below this scores 0: the model may lower the rules' coverage threshold only down to here
    min_coverage: float = 0.0
    #: round 8: a sentence closer to another key point of the question than to this one by more than this
    #: (``margin`` below ``-max_deficit``) scores 0; None: no such cap
    max_deficit: float | None = None
    #: round 11: a sentence *below* the rules' coverage threshold with fewer words than this scores 0 (0: no
    #: such floor). On the development sets the vague and stuffing answers the model credited and the rules
    #: refused were all below that threshold, and most were short generic claims about the subject ("RAG is
    #: popular for enterprise chatbots"); a sentence above the threshold is scored as before.
    below_min_words: int = 0

    def probability(self, x: dict[str, float]) -> float:
        if self.veto and not x["rules_pass"]:
            return 0.0
        if self.min_coverage > 0.0 and coverage_probability(x) < self.min_coverage:
            return 0.0
        if self.below_min_words and x["log_words"] < math.log(self.below_min_words) - 1e-9 \
                and coverage_probability(x) < _rules_threshold():
            return 0.0
        if self.max_deficit is not None and x["margin"] < -self.max_deficit:
            return 0.0
        z = self.intercept + sum(c * (x[f] - m) / s for f, c, m, s in zip(self.features, self.coef, self.mean,
                                                                          self.scale))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path = COMBINE_PATH, which: str = "model") -> Combiner | None:
        """The stored model, or None when the file says the rules won (``"model": null``) or is missing.
        ``which="runner_up"``: the best learned candidate, stored whichever won (for tests and reports)."""
        if not path.exists():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        m = d.get(which)
        if not m:
            return None
        unknown = set(m["features"]) - set(FEATURES)
        if unknown:
            raise ValueError(f"{path}: unknown features {sorted(unknown)}; refit with python -m "
                             "mlnotes.eval.grader_combine")
        return cls(tuple(m["features"]), tuple(m["coef"]), float(m["intercept"]), tuple(m["mean"]),
                   tuple(m["scale"]), float(m["threshold"]), bool(m.get("veto", False)), d.get("fitted", {}),
                   float(m.get("min_coverage", 0.0)), m.get("max_deficit"), int(m.get("below_min_words", 0)))

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": [round(c, 6) for c in self.coef],
                "intercept": round(self.intercept, 6), "mean": [round(m, 6) for m in self.mean],
                "scale": [round(s, 6) for s in self.scale], "threshold": round(self.threshold, 4),
                "veto": self.veto, "min_coverage": round(self.min_coverage, 4),
                "max_deficit": self.max_deficit, "below_min_words": self.below_min_words}


def coverage_probability(x: dict[str, float], params: Any = None) -> float:
    """The rules' coverage probability of a pair (the grader's logistic model over cosine and overlap, whose
    threshold the word rules use), from its features."""
    if params is None:
        from mlnotes.assistant.interview.grader import default_params

        params = default_params()
    z = params.bias + params.w_cos * x["cos"] + params.w_overlap * x["overlap"]
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _rules_threshold() -> float:
    """The rules' coverage threshold (the grader's fitted ``threshold``)."""
    from mlnotes.assistant.interview.grader import default_params

    return default_params().threshold


#: A sentence of the model answer (short answer and explanation) supports the key point it is closest to among
#: its question's key points when their cosine is at least this (chosen before fitting, not tuned).
SUPPORT_FLOOR = 0.5


def support_sentences(q: Any, embed: Any) -> list[list[str]]:
    """Per key point of question ``q``: the sentences of its model answer (``q.short_answer`` and
    ``q.explanation``) that are closest to it among the question's key points, at cosine >=
    :data:`SUPPORT_FLOOR`: the key point said at length, in the words a reader of the chapter may use."""
    from mlnotes.assistant.interview.grader import split_sentences

    ss = split_sentences(q.short_answer or "") + split_sentences(getattr(q, "explanation", "") or "")
    if not ss or not q.key_points:
        return [[] for _ in q.key_points]
    C = np.asarray(embed(list(q.key_points)), dtype=np.float64) @ np.asarray(embed(ss), dtype=np.float64).T
    return [[ss[j] for j in range(len(ss)) if C[k, j] >= SUPPORT_FLOOR and int(C[:, j].argmax()) == k]
            for k in range(len(q.key_points))]


def support_vectors(q: Any, embed: Any) -> list[np.ndarray | None]:
    """:func:`support_sentences` embedded (None for a key point without any)."""
    return [np.asarray(embed(s), dtype=np.float64) if s else None for s in support_sentences(q, embed)]


@lru_cache(maxsize=1)
def default_combiner() -> Combiner | None:
    return Combiner.load()


def pair_features(key_point: str, question: str, sentence: str, *, cos: float, overlap: float, margin: float,
                  cos_question: float, cos_support: float, sent_tokens: tuple[list[str], list[str]], has: Any, params: Any,
                  required: set[str], obj: tuple[str, set[str]] | None) -> dict[str, float]:
    """Every feature of :data:`FEATURES` for one pair; each rule is evaluated on its own (not stopping at the
    first that fires). ``has`` is the grader's term matcher, ``required`` / ``obj`` the key point's required
    terms and claim object (from :func:`~mlnotes.assistant.interview.grader.required_terms` / ``claim_object``)."""
    from mlnotes.assistant.interview.contradiction import contradiction, meta_talk, only_listed, replaced_term
    from mlnotes.assistant.interview.grader import states_object, words

    why = contradiction(key_point, sentence, question)
    neg = why is not None and why.startswith("negation")
    rep = replaced_term(key_point, sentence, has.similarity,
                        lead_max_similarity=params.synonym_threshold) is not None
    listed = only_listed(key_point, sentence, question)
    meta = meta_talk(key_point, sentence)
    if required:
        n_found = len(has.found(key_point, required, sent_tokens))
        share = n_found / len(required)
        no_req = n_found < max(1, int(params.required_share * len(required)))
    else:
        share, no_req = 1.0, False
    no_obj = bool(obj) and not states_object(has.found(key_point, obj[1], sent_tokens), sent_tokens)
    fired = [neg, why is not None and not neg, rep, listed, meta, no_req, no_obj]
    return {"cos": cos, "overlap": overlap, "margin": margin, "cos_question": cos_question,
            "cos_support": max(cos, cos_support),
            "negation": float(neg), "contradiction": float(why is not None and not neg), "replaced": float(rep),
            "listed": float(listed), "meta": float(meta), "required_share": share, "no_required": float(no_req),
            "no_object": float(no_obj), "rules_pass": float(not any(fired)),
            "log_words": math.log(max(1, len(words(sentence))))}


def feature_matrix(rows: list[dict[str, float]], features: tuple[str, ...]) -> np.ndarray:
    return np.array([[r[f] for f in features] for r in rows], dtype=np.float64).reshape(len(rows), len(features))
