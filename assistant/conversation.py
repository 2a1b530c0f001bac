"""Follow-up questions: read a message against the earlier turns of a conversation, rule-based.

A message such as "and why does that matter?", "what about at inference time?", "show me the code" or "and its
complexity?" has no topic of its own; retrieval on it alone finds nothing useful. :func:`resolve` decides whether a
message is such a follow-up and, if so, rewrites it into a stand-alone query that carries the topic of the previous
turn ("dropout at inference time"). The rules, in order:

1. no earlier turn, or no topic to carry: the message is read as it is;
2. a message that names a topic of its own (two or more content words, or one that is not a generic word such as
   "code", "complexity", "example") is stand-alone, unless it starts with "what about"/"how about" (then the new
   topic replaces the old one in the previous question: "How does dropout work?" + "what about batch norm?" reads
   "How does batch norm work?") or it refers back with a pronoun and names at most two content words ("how does it
   compare to L2 regularization?"), none of them before the pronoun ("what is stationarity and how do I test for
   it?" is stand-alone);
3. otherwise it is a follow-up: a referring pronoun ("it", "that", "this method", "its X") is replaced by the
   topic; a phrase that starts with a preposition ("at inference time") is appended to the topic; a generic
   request ("show me the code", "complexity?", "why?", "tell me more") is completed with the topic.

A conversation is a sequence of :class:`Turn` (the stand-alone question, its topic, the headings its answer cited).
:func:`turns_from_history` rebuilds them from ``{role, content}`` messages by resolving each user message against
the ones before it, so a client that only keeps the raw messages gets the same readings as one that keeps turns.
:class:`ConversationStore` is the server's bounded, expiring memory of turns per conversation id.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConversationStore", "Reading", "Turn", "annotate", "resolve", "topic_of", "turn_after",
           "turns_from_history"]

MAX_TURNS = 10  # turns kept per conversation (only the last one or two matter for resolution)
MAX_TOPIC_WORDS = 12  # a carried topic longer than this is cut (a long question's "topic" is mostly context)
MAX_RESOLVED_CHARS = 2000  # = mlnotes.kb.index.MAX_QUERY_CHARS: a rewrite that would be longer is not made

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#.\-']*")

STOP = frozenset("""
a an the and or but so also then of to in on at for with without by from into over under about as than vs versus
is are was were be been being do does did doing done has have had having can could would should will shall may might
must i me my we our you your he she him her they them their it its this that these those there here what which who
whom whose why how when where whether if not no yes please ok okay thanks thank just really very more most much many
some any all one ones other same such own only again too let lets let's tell show give explain describe say said
mean means meant like get got go goes going make makes use used using uses well now
""".split())

# words that ask something about a topic without naming one ("show me the code", "and its complexity?")
GENERIC = frozenset("""
code implementation implement implemented example examples complexity time memory space cost costs speed slow fast
faster slower matter matters important importance work works working intuition formula formulas equation math
maths derivation derive proof prove pros cons advantage advantages disadvantage disadvantages benefit benefits
drawback drawbacks limitation limitations problem problems issue issues difference differences detail details
python numpy pytorch scratch simple simpler terms words practice practical real world case cases purpose point
help helps why step steps part parts bit definition define defined compare compared comparison trade-off tradeoff
tradeoffs trade-offs choose choice alternative alternatives version variant variants instead else sense happen
happens happened wrong mistake mistakes wait elaborate continue further need needed necessary inference training
test testing train prediction predict
""".split())

# a message that begins with one of these continues the conversation ("and at inference time?")
_CONTINUE = re.compile(r"^(?:(?:and|but|so|also|then|ok(?:ay)?|right|hmm+|well)\b[,\s]*)+", re.I)
_WHAT_ABOUT = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+", re.I)
_PREPOSITION = re.compile(r"^(?:at|in|during|for|with|without|on|under|when|after|before|while|compared|versus|vs\.?"
                          r"|inside|within|across|via|through|from)\b", re.I)
# referring expressions, longest first; "its X" is handled separately
_REFERENT = re.compile(r"\b(?:(?:this|that|the|these|those)\s+(?:method|methods|algorithm|algorithms|model|models|"
                       r"technique|techniques|approach|approaches|idea|trick|concept|layer|loss|metric|one|ones|"
                       r"thing|things|term|topic)|it|that|this|they|them|these|those)\b", re.I)
_POSSESSIVE = re.compile(r"\b(?:its|their)\s+((?:[\w-]+\s+){0,2}?[\w-]+)(?=\s+(?:at|in|for|during|with|when|on|"
                         r"compared|vs|versus|and|or)\b|\s*[?.!,;:]|\s*$)", re.I)

# the question frame around a topic: stripped to find the topic of a stand-alone question
_LEAD = [re.compile(p, re.I) for p in (
    r"^(?:hi|hello|hey)\b[,!\s]*",
    r"^(?:please|kindly)\s+",
    r"^(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell\s+me|explain|describe|define|show\s+me|give\s+me)?\s*",
    r"^(?:do\s+you\s+know|i\s+(?:want|would\s+like)\s+to\s+(?:know|understand|learn))\s*(?:about|what|how|why)?\s*",
    r"^(?:tell\s+me|teach\s+me|remind\s+me)\s+(?:about|what|how|why)?\s*",
    r"^(?:explain|describe|define|summari[sz]e|introduce|discuss)\s+(?:to\s+me\s+)?",
    r"^(?:what|who)(?:'s|\s+is|\s+are|\s+was|\s+were|\s+does|\s+do)\s+(?:meant\s+by\s+)?",
    r"^how\s+(?:does|do|did|is|are|would|can|should)\s+(?:you|we|i|one)?\s*(?:implement|use|apply|choose|compute|"
    r"calculate|train|tune|pick|set|code|build|interpret)\s+",
    r"^how\s+(?:does|do|is|are)\s+",
    r"^why\s+(?:do|does|is|are|would|should)\s+(?:we|you|i|one|people)?\s*(?:use|need|prefer|apply)?\s*",
    r"^when\s+(?:do|does|is|are|should)\s+(?:we|you|i|one)?\s*(?:use|prefer|apply|choose)?\s*",
    r"^(?:write|show|give)\s+(?:me\s+)?(?:the\s+|some\s+|a\s+)?(?:python\s+)?(?:code|implementation|example)\s+"
    r"(?:for|of)\s+",
    r"^(?:implement|code)\s+",
    r"^(?:is|are)\s+it\s+true\s+that\s+",
    r"^(?:a|an|the)\s+",
)]
_DOES_TO = re.compile(r"\s+(?:do|does)\s+(?:to|with|for|in)\s+.*$", re.I)  # "what does X do to Y" -> X
# an aspect asked about a topic ("the time complexity of k-NN"): kept apart so that "its X" does not stack aspects
_ASPECT = re.compile(r"^(?:the\s+)?(?:(?:(?:time|space|memory|computational|training|inference)\s+)?(?:complexity|cost)|"
                     r"formula|intuition|definition|purpose|role|goal|limitations?|advantages?|disadvantages?|"
                     r"pros\s+and\s+cons|benefits?|drawbacks?|differences?|assumptions?)\s+(?:of|for|behind|between|"
                     r"in|with)\s+", re.I)
_TRAIL = re.compile(r"(?:\s+(?:work|works|mean|means|do|does|used\s+for|for|in\s+(?:machine\s+learning|ml|deep\s+"
                    r"learning|practice|python)|from\s+scratch|in\s+simple\s+terms|exactly|in\s+general))+$", re.I)


@dataclass(frozen=True)
class Turn:
    """One answered turn: the stand-alone question that was answered, its topic, and the headings its answer cited
    (the first one is the fallback topic when the question has none of its own)."""

    question: str
    topic: str = ""
    headings: tuple[str, ...] = ()
    aspect: str = ""

    @property
    def subject(self) -> str:
        return self.topic or (self.headings[0] if self.headings else "")


@dataclass(frozen=True)
class Reading:
    """How a message was read: ``question`` is what is retrieved and answered."""

    original: str
    question: str
    follow_up: bool = False
    topic: str = ""
    rule: str = "stand-alone"
    aspect: str = ""
    previous: str = field(default="", repr=False)

    @property
    def read_as(self) -> str | None:
        """The line shown to the user when the message was rewritten ("Read as: dropout at inference time")."""
        return f"Read as: {self.question}" if self.follow_up else None

    def to_dict(self) -> dict[str, Any]:
        return {"resolved_question": self.question, "is_follow_up": self.follow_up, "read_as": self.read_as,
                "resolution_rule": self.rule}


def _words(text: str) -> list[str]:
    return [w.strip(".'-").lower() for w in _WORD.findall(text) if w.strip(".'-")]


def content_words(text: str) -> list[str]:
    """Words that could name a topic: not function words and not generic request words."""
    return [w for w in _words(text) if w not in STOP and w not in GENERIC]


def _strip_end(text: str) -> str:
    return text.strip().rstrip("?!.;:, ").strip()


def topic_of(question: str) -> str:
    """The topic of a stand-alone question: the question with its frame and aspect removed ("How does dropout
    work?" -> "dropout", "What is the time complexity of k-NN?" -> "k-NN"); "" when nothing is left."""
    return _split(question)[1]


def _split(question: str) -> tuple[str, str]:
    """(aspect, topic) of a stand-alone question: ("time complexity of ", "k-NN") or ("", "dropout")."""
    t = _strip_end(question)
    for _ in range(4):  # frames nest: "can you explain what is a ..."
        before = t
        for p in _LEAD:
            t = p.sub("", t, count=1).strip()
        if t == before:
            break
    t = _strip_end(_TRAIL.sub("", _DOES_TO.sub("", t)))
    aspect = ""
    m = _ASPECT.match(t)
    if m and content_words(t[m.end():]):
        aspect, t = t[:m.end()], t[m.end():]
        if aspect.lower().startswith("the "):
            aspect = aspect[4:]
    t = " ".join(t.split()[:MAX_TOPIC_WORDS])
    return (aspect, t) if content_words(t) else ("", "")


def _has_referent(text: str) -> bool:
    return bool(_REFERENT.search(text) or _POSSESSIVE.search(text))


def _referent_start(text: str) -> int:
    starts = [m.start() for m in (_REFERENT.search(text), _POSSESSIVE.search(text)) if m]
    return min(starts) if starts else len(text)


def _substitute(text: str, topic: str) -> str:
    """Replace the first referring expression with the topic ("its complexity" -> "the complexity of k-NN")."""
    m_pos, m_ref = _POSSESSIVE.search(text), _REFERENT.search(text)
    if m_pos and (m_ref is None or m_pos.start() <= m_ref.start()):
        return text[:m_pos.start()] + f"the {m_pos.group(1)} of {topic}" + text[m_pos.end():]
    if m_ref:
        return text[:m_ref.start()] + topic + text[m_ref.end():]
    return text


def _complete(rest: str, topic: str, aspect: str = "") -> tuple[str, str]:
    """A generic request without a referent, completed with the topic; returns (question, rule name)."""
    words = _words(rest)
    low = " ".join(words)
    if not words:
        return topic, "bare continuation"
    if _PREPOSITION.match(rest):
        return f"{aspect}{topic} {rest}", "modifier"
    if low in ("why", "why so", "why not", "how come"):
        return f"why {topic}", "why"
    if low in ("how", "how so"):
        return f"how does {topic} work", "how"
    if re.search(r"\b(?:more|elaborate|continue|further|detail|details|go on)\b", low) and len(words) <= 5:
        return f"{topic} in more detail", "more detail"
    if re.search(r"\b(?:code|implement|implementation|python|numpy|pytorch|scratch)\b", low):
        return f"{rest} for {topic}", "code"
    if words[0] in ("show", "give", "write", "explain", "describe", "tell", "list", "derive", "prove", "compute"):
        return f"{rest} for {topic}", "request"
    if len(words) <= 4 and all(w in GENERIC or w in ("the", "a", "an", "and", "its") for w in words):
        return f"{rest} of {topic}", "aspect"
    return f"{topic}: {rest}", "context"


def resolve(message: str, turns: Sequence[Turn]) -> Reading:
    """Read ``message`` against the earlier ``turns`` (oldest first); see the module docstring for the rules. A
    rewrite longer than ``MAX_RESOLVED_CHARS`` is not made (the message is read as it is)."""
    reading = _resolve(message, turns)
    if len(reading.question) > MAX_RESOLVED_CHARS:
        return Reading(reading.original, reading.original, rule="too long to rewrite")
    return reading


def _resolve(message: str, turns: Sequence[Turn]) -> Reading:
    original = message.strip()
    prev = turns[-1] if turns else None
    topic = prev.subject if prev else ""
    if not original or prev is None or not topic:
        return Reading(original, original, rule="no earlier turn" if prev is None else "stand-alone")
    qmark = "?" if original.endswith("?") else ""
    body = _strip_end(original)

    m = _WHAT_ABOUT.match(body)
    if m:
        rest = body[m.end():].strip()
        if rest and content_words(rest) and not _PREPOSITION.match(rest) and not _has_referent(rest):
            # a new topic in the previous question's frame
            new = _strip_end(rest)
            if prev.topic and prev.topic.lower() in prev.question.lower():
                i = prev.question.lower().index(prev.topic.lower())
                q = prev.question[:i] + new + prev.question[i + len(prev.topic):]
            else:
                q = new
            return Reading(original, q, True, new, "new topic in the previous frame", previous=prev.question)
        body = rest
        marker = True
    else:
        m = _CONTINUE.match(body)
        marker = bool(m and m.end() < len(body))
        if marker:
            body = body[m.end():].strip()

    own = content_words(body)
    referent = _has_referent(body)
    n_words = len(_words(body))
    if referent and content_words(body[:_referent_start(body)]):
        return Reading(original, original)  # the pronoun refers back within the message ("what is X and why...it")
    if referent and len(own) <= 2 and n_words <= 12:
        q = _substitute(body, topic) + qmark
        return Reading(original, q, True, topic, "pronoun", previous=prev.question)
    if own and not (marker and _PREPOSITION.match(body)):
        return Reading(original, original)
    if not own and not marker and n_words > 8:
        return Reading(original, original)
    q, rule = _complete(body, topic, prev.aspect if prev.topic else "")
    return Reading(original, q + qmark, True, topic, rule, aspect=prev.aspect if rule == "modifier" else "",
                   previous=prev.question)


def turn_after(reading: Reading, answer: Mapping[str, Any] | None = None) -> Turn:
    """The turn to remember after answering ``reading``. A follow-up keeps the topic it carried (so "show me the
    code" after "what about at inference time?" still means dropout); a new topic, the question's own topic and
    aspect. The headings the answer cited stand in when the question names no topic."""
    headings: tuple[str, ...] = ()
    if answer:
        headings = tuple(s.get("heading", "") for s in answer.get("sources", []) if s.get("heading"))[:3]
    if reading.follow_up and reading.rule != "new topic in the previous frame":
        return Turn(reading.question, reading.topic, headings, reading.aspect)
    aspect, topic = _split(reading.question)
    return Turn(reading.question, topic, headings, aspect)


def turns_from_history(history: Iterable[Mapping[str, Any]]) -> list[Turn]:
    """Turns rebuilt from ``{role, content}`` messages (oldest first): each user message is resolved against the
    ones before it. Assistant messages carry no topic here (only the server's own memory keeps cited headings)."""
    turns: list[Turn] = []
    for msg in history:
        if msg.get("role") != "user":
            continue
        content = str(msg.get("content") or "").strip()
        if content:
            turns.append(turn_after(resolve(content, turns)))
    return turns[-MAX_TURNS:]


def annotate(answer: dict[str, Any], reading: Reading, conversation_id: str | None = None) -> dict[str, Any]:
    """The answer dict with the user's own words as ``question`` and how they were read."""
    answer = dict(answer)
    answer["question"] = reading.original
    answer.update(reading.to_dict())
    answer["conversation_id"] = conversation_id
    return answer


class ConversationStore:
    """Recent turns per conversation id: at most ``max_conversations`` conversations (least recently used dropped
    first), each forgotten ``ttl_s`` seconds after its last turn, at most ``MAX_TURNS`` turns each. Thread-safe."""

    def __init__(self, max_conversations: int = 1000, ttl_s: float = 3600.0, clock=time.monotonic) -> None:
        if max_conversations < 1 or ttl_s <= 0:
            raise ValueError("max_conversations must be >= 1 and ttl_s > 0")
        self.max_conversations, self.ttl_s, self._clock = max_conversations, ttl_s, clock
        self._data: OrderedDict[str, tuple[float, list[Turn]]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(12)

    def _expire(self, now: float) -> None:
        while self._data:
            key, (stamp, _) = next(iter(self._data.items()))
            if now - stamp <= self.ttl_s:
                break
            del self._data[key]

    def get(self, cid: str) -> list[Turn]:
        with self._lock:
            now = self._clock()
            self._expire(now)
            entry = self._data.get(cid)
            return list(entry[1]) if entry else []

    def append(self, cid: str, turn: Turn) -> None:
        with self._lock:
            now = self._clock()
            self._expire(now)
            turns = self._data.pop(cid, (now, []))[1]
            self._data[cid] = (now, (turns + [turn])[-MAX_TURNS:])
            while len(self._data) > self.max_conversations:
                self._data.popitem(last=False)

    def reset(self, cid: str) -> None:
        with self._lock:
            self._data.pop(cid, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._data)
