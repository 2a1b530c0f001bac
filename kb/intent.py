"""Question intent: what kind of answer a question asks for, by ordered rules over its wording.

Intents (:data:`INTENTS`): ``definition`` (what X is), ``comparison`` (X versus Y), ``how_to_choose`` (which X to
use, how to set a parameter), ``complexity`` (time, memory, FLOPs, parameter counts), ``formula`` (an equation, a
derivation, a computation), ``code`` (an implementation), ``why_how`` (a mechanism or a reason) and
``debugging`` (something in the asker's own training or model goes wrong).

The rules are tried in a fixed order and the first that matches wins; the order resolves overlaps: "What is the
time complexity of k-NN?" is a ``complexity`` question although it starts like a definition, "How would you
implement k-means in Python?" is ``code`` although it starts like a ``why_how``, and "my validation loss goes up"
is ``debugging`` before anything else. A question no rule matches is a ``definition`` when it is short or starts
with a noun phrase, and ``why_how`` otherwise. :class:`Intent` names the cue (the matched words) so that an
answer can say how it read the question.

The rules were written from the corpus' topics and the gold tune split; the held-out gold split and the external
set are only used to report agreement with their ``type`` labels (:data:`INTENT_TYPES` maps each intent to the
types it agrees with), see ``tests/assistant/test_intent.py``. The extractive answerer composes by it
(:mod:`mlnotes.assistant.answering.lead`) and the bank match compares the intents of the two questions; the
learned reranker (:mod:`mlnotes.kb.rerank`) uses it as a feature, which is why it lives in ``kb`` (a pure rule
module: no project imports); :mod:`mlnotes.assistant.intent` re-exports it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

INTENTS = ("definition", "comparison", "how_to_choose", "complexity", "formula", "code", "why_how", "debugging")

# which ``type`` labels of eval/datasets/*.jsonl each intent agrees with
INTENT_TYPES: dict[str, frozenset[str]] = {
    "definition": frozenset({"definition"}),
    "comparison": frozenset({"comparison"}),
    "how_to_choose": frozenset({"comparison", "how_why"}),
    "complexity": frozenset({"complexity"}),
    "formula": frozenset({"formula"}),
    "code": frozenset({"code"}),
    "why_how": frozenset({"how_why"}),
    "debugging": frozenset({"how_why"}),
}

_I = re.IGNORECASE


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), _I)


_CODE = _rx(
    r"\b(?:write|give|show)(?: me)?(?: some| a| the)? (?:python|numpy|pytorch|code|snippet|function|class|script"
    r"|implementation)\b",
    r"\bwrite (?:a|an|the) \w+(?: \w+)? (?:in|with|using) (?:python|numpy|pytorch)\b",
    r"\bimplement(?:ing|ation of)?\b",
    r"\bcode (?:for|of|example|to|that)\b",
    r"\b(?:python|numpy|pytorch|sklearn|scikit-learn) (?:code|snippet|function|implementation|example)\b",
    r"\b(?:snippet|pseudo-?code)\b",
    r"\bshow (?:me )?(?:the )?code\b",
    r"\bfrom scratch in (?:python|numpy)\b",
    r"\bwrite (?:a )?function\b",
    r"\b(?:in|with) (?:a few lines of )?(?:python|numpy|pytorch|code)\b", r",\s*code\b", r"\bcode$",
    r"\bimplementations?\b", r"\brunnable example\b",
    r"\b(?:write|code|build|program)\b[^?]{0,50}\bfrom scratch\b", r"^\s*code\b",
)
_COMPLEXITY = _rx(
    r"\b(?:time|space|memory|computational|training|inference|prediction|query) (?:complexity|complexities|costs?)\b",
    r"\bcomplexity of\b",
    r"\bbig[- ]o\b",
    r"\bO\([^)]*\)",
    r"\bflops?\b",
    r"\bhow (?:expensive|costly|much (?:memory|compute|time|ram|vram))\b",
    r"\bhow many (?:parameters|params|weights|operations|multiplications)\b",
    r"\b(?:cost|time|memory|runtime) (?:scales?|grows?)\b",
    r"\bscales? (?:with|linearly|quadratically)\b",
    r"\bhow (?:does|do) (?:the )?(?:\w+ ){0,3}(?:cost|runtime|memory)\b",
    r"\b(?:parameter|param) count\b",
    r"\b(?:compute|computational) (?:costs?|savings)\b", r"\bcost of\b", r"\bmemory (?:needed|required|for)\b",
    r"\bcounting (?:its |the )?parameters\b",
    r"\bcosts? in (?:time|memory|compute|flops|ram)\b", r"\bin terms of (?:time|memory|compute|runtime)\b",
    r"\bhow (?:long|much time) does (?:it take to )?(?:train|predict|fit|run|compute|score)\w*\b",
    r"\b(?:running|run|training|inference|prediction) time of\b",
)
_DEBUG = _rx(
    r"\bmy (?:\w+ ){0,2}(?:model|loss|training|network|net|classifier|accuracy|validation|gradients?|predictions?"
    r"|gan|generator|rnn|lstm|cnn|pipeline|forecast|residuals?)\b.{0,60}\b(?:not|n't|stuck|goes up|going up|"
    r"increas|explod|vanish|nan|diverg|plateau|terrible|bad|worse|garbage|same|drops?|dropped|fall|keeps?|fails?|"
    r"overfit|underfit|wrong|zero|fan)",
    r"\b(?:nan|inf) (?:loss|values?|gradients?)\b", r"\bloss (?:is |becomes? |goes |went )?(?:nan|inf)\b",
    r"\bget(?:ting)? nans?\b",
    r"\bwhat should i check\b", r"\bhow (?:do|can) i (?:debug|fix|find out what broke)\b", r"\bdebug(?:ging)?\b",
    r"\b(?:doesn't|does not|don't|do not|won't|isn't|is not) (?:decrease|converge|learn|improve|go down|fall)\b",
    r"\bwhat(?:'s| is) (?:wrong|going on)\b", r"\bwhat broke\b", r"\b(?:accuracy|performance) dropped\b",
    r"\bpredicts? the same\b", r"\bkeeps? producing the same\b",
    r"\b(?:validation|val|test) loss (?:goes|is going|went|keeps going) up\b",
    r"\bgradients? explode\b", r"\bhow can i fix\b", r"\bhow do i fix\b",
    r"\bwhat (?:am|are) (?:i|we) doing wrong\b", r"\bwhat (?:did|do) (?:i|we) (?:do|get) wrong\b",
)
_FORMULA = _rx(
    r"\bformulas?\b", r"\bequations?\b", r"\bderive\b", r"\bderivations?\b", r"\bderivative of\b",
    r"\bclosed[- ]form\b", r"\bupdate (?:rule|equations?|step)\b",
    r"\bhow (?:do|can|would|should) (?:you|i|we|one) (?:calculate|compute)\b",
    r"\bhow is (?:the |a |an )?[\w -]{1,40} (?:computed|calculated)\b",
    r"\b(?:calculate|compute) the\b", r"\bgradient of\b", r"\bwrite down\b", r"\bthe math(?:s|ematics)? (?:behind|of)\b",
    r"\bexpected (?:number|value)\b", r"\bprobability (?:that|of)\b",
    r"\bupdate rules?\b", r"\bobjective\b", r"\bderivatives\b", r"\boutput size\b",
)
_CHOOSE = _rx(
    r"\bhow (?:do|should|would|can|to) (?:i |you |we |one )?(?:choose|pick|select|decide|set|tune|determine)\b",
    r"\bwhich (?:\w+ ){0,3}(?:should|would|do) (?:i|you|we)\b",
    r"\bwhich (?:one|is better|to use|to choose)\b",
    r"\bshould (?:i|we) (?:use|choose|pick|go with|prefer)\b",
    r"\bwhen (?:should|would|do) (?:i|you|we) (?:use|choose|pick|prefer)\b",
    r"\bwhen to use\b", r"\bchoos(?:e|ing) between\b", r"\bhow many (?:\w+ ){0,2}(?:should|do) (?:i|you|we)\b",
    r"\bwhat (?:\w+ ){0,2}should (?:i|we) (?:use|pick|choose)\b",
    r"\bor\b[^?]{1,60}\?.{0,40}\b(?:which|choose)\b", r"\bor\b[^,?]{1,50}, which\b",
    r"\b(?:should|would|do) (?:i|we|you) (?!\w+ (?:or not|either)\b)[^?,]{1,80}\bor\b",
    r"\bwhen (?:is|are|would) [^?]{1,60}\b(?:the )?(?:better|best|right) (?:pick|choice|option|tool|model)\b",
)
_COMPARE = _rx(
    r"\bdifferen(?:ce|ces|t)\b", r"\bdif+e?r+[ae]nces?\b", r"\bdiffer(?:s)?\b", r"\bvs\.?\b", r"\bversus\b", r"\bcompar(?:e|ed|ison|ing)\b",
    r"\bb/w\b", r"\b(?:better|worse|simpler|faster|slower) than\b", r"\bsimilarit(?:y|ies) between\b",
    r"\bpros and cons\b", r"\bsame as\b",
    r"\b(?:behave|behaves|work|works|perform|performs|act|acts)\s+differently\s+(?:from|than|to)\b",
)
_WHYHOW = _rx(
    r"^\s*(?:and )?(?:why|how)\b", r"\bwhy\b", r"\bhow (?:does|do|is|are|did|can|would|could)\b",
    r"\bwhat happens\b", r"\bwalk me through\b", r"\bstep by step\b", r"\bexplain how\b", r"\bwhat causes\b",
    r"\bwhen (?:does|do|would|is|are)\b", r"\bhow to\b",
)
_DEFINITION = _rx(
    r"^\s*(?:what(?:'s| is| are)|define|definition of|meaning of|explain what|what does the term)\b",
    r"\bwhat (?:is|are) (?:a |an |the )?\w+", r"\bdo you know what\b", r"\bwhat does [\w -]{1,30} mean\b",
)

_ORDER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("debugging", _DEBUG),
    ("code", _CODE),
    ("complexity", _COMPLEXITY),
    ("formula", _FORMULA),
    ("how_to_choose", _CHOOSE),
    ("comparison", _COMPARE),
    ("why_how", _WHYHOW),
    ("definition", _DEFINITION),
)


@dataclass(frozen=True)
class Intent:
    intent: str
    cue: str  # the words that decided it ("" when no rule matched and the default was used)


def classify_intent(question: Any) -> Intent:
    """The intent of ``question`` and the words that decided it."""
    if not isinstance(question, str):
        raise TypeError(f"question must be a string, got {type(question).__name__}")
    q = " ".join(question.split())
    if not q:
        raise ValueError("question is empty; type a question")
    for name, rx in _ORDER:
        m = rx.search(q)
        if m:
            return Intent(name, m.group(0).strip())
    return Intent("definition" if len(q.split()) <= 6 else "why_how", "")


def intent_accuracy(questions: Sequence[Any]) -> dict[str, Any]:
    """Share of questions (objects with ``question`` and ``type``) whose intent agrees with their type label."""
    rows = [(q.type, classify_intent(q.question).intent) for q in questions]
    ok = [t in INTENT_TYPES[i] for t, i in rows]
    confusion: dict[str, dict[str, int]] = {}
    for t, i in rows:
        confusion.setdefault(t, {}).setdefault(i, 0)
        confusion[t][i] += 1
    return {"n": len(rows), "accuracy": sum(ok) / len(ok) if ok else float("nan"), "confusion": confusion}


__all__ = ["INTENTS", "INTENT_TYPES", "Intent", "classify_intent", "intent_accuracy"]
