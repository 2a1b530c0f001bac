"""Grounding rules for generated answers (pure functions, no model).

* The prompt numbers the retrieved passages ``[1]..[n]`` and asks for answers that cite them.
* :func:`filter_citations` removes citation markers that point at no passage (``[0]``, ``[7]`` of 5, ...).
* An answer that cites nothing after filtering is not shown: the caller falls back to the extractive answer and
  says so.
* :func:`check_support` checks every generated sentence against the passage it cites (numbers, named terms,
  lexical and semantic overlap, no contradiction); unsupported sentences are dropped, and an answer with too
  little support falls back to the extractive answer with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MARK_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")

SYSTEM_PROMPT = (
    "You are ML/AI Notes, a careful teaching assistant for machine learning. Answer the question using only the "
    "numbered passages. After every sentence, cite the passage(s) it comes from as [1], [2]. If the passages do not "
    "contain the answer, say that you cannot answer from the notes. Be concise: at most five sentences."
)


def build_prompt(question: str, passages: list[str], max_chars_per_passage: int = 700) -> str:
    """The user message: numbered passages, then the question."""
    parts = []
    for i, p in enumerate(passages, start=1):
        text = " ".join(p.split())
        if len(text) > max_chars_per_passage:
            text = text[:max_chars_per_passage].rsplit(" ", 1)[0] + " …"
        parts.append(f"[{i}] {text}")
    return "Passages:\n" + "\n".join(parts) + f"\n\nQuestion: {question}\nAnswer with citations:"


def filter_citations(text: str, n_passages: int) -> tuple[str, list[int]]:
    """Drop citation numbers outside ``1..n_passages``; return the cleaned text and the cited numbers in order."""
    cited: list[int] = []

    def repl(m: re.Match) -> str:
        nums = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
        keep = [x for x in nums if 1 <= x <= n_passages]
        for x in keep:
            if x not in cited:
                cited.append(x)
        return "[" + ", ".join(map(str, keep)) + "]" if keep else ""

    cleaned = _MARK_RE.sub(repl, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return cleaned, cited


# ------------------------------------------------------------------------------------ sentence-level support
#
# A generated sentence counts as supported by the passage(s) it cites when all of these hold against the best
# cited passage (any one cited passage may support it):
#
# * numbers: every number in the sentence occurs in the passage;
# * named terms: every acronym or mid-sentence capitalised word (MSE, ReLU, Adam, Gaussian) occurs there;
# * lexical overlap: at least ``min_lexical`` of the sentence's content-word stems occur in one sentence of the
#   passage (a claim assembled from words of different sentences is not supported);
# * semantic overlap: the sentence's embedding is within ``min_semantic`` cosine of the closest sentence of the
#   passage, the cited span;
# * no contradiction: the closest span does not disagree with it in negation or by a swapped/opposite term
#   (:func:`mlnotes.assistant.interview.contradiction.contradiction`, the interview grader's rules).
#
# A sentence without its own [n] is unsupported. Repeated sentences are dropped as loops.

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_LEADING_MARKS = re.compile(r"^((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)\s*")
_NUM_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:%)?")
_TERM_RE = re.compile(r"\b(?:[A-Z]{2,}[a-z]?s?|[A-Z][a-z]+[A-Z]\w*|[a-z]+[A-Z]\w*)\b")  # MSE, ReLU, tSNE
_CAP_RE = re.compile(r"(?<=[a-z,;:()] )[A-Z][a-z]{2,}\b")  # a capitalised word inside a sentence: Adam, Gaussian
_MD_RE = re.compile(r"[*_`#>|]+")

DEFAULT_MIN_LEXICAL = 0.8
DEFAULT_MIN_SEMANTIC = 0.55
DEFAULT_MIN_SHARE = 0.5  # below this share of supported sentences the answer falls back to the extractive one


@dataclass
class SentenceSupport:
    text: str  # the sentence as generated, with its markers
    cites: list[int]
    supported: bool
    reason: str  # why not ("" when supported)
    lexical: float = 0.0
    semantic: float = 0.0
    passage: int | None = None  # the cited passage that supports it best
    span: str = ""  # the closest sentence of that passage


@dataclass
class SupportReport:
    sentences: list[SentenceSupport] = field(default_factory=list)

    @property
    def kept(self) -> list[SentenceSupport]:
        return [s for s in self.sentences if s.supported]

    @property
    def share(self) -> float:
        return len(self.kept) / len(self.sentences) if self.sentences else 0.0

    def text(self) -> str:
        """The supported sentences, in order, one paragraph."""
        return " ".join(s.text.strip() for s in self.kept)

    def to_dict(self) -> dict:
        return {"share": round(self.share, 4), "sentences": len(self.sentences), "supported": len(self.kept),
                "dropped": [{"text": s.text, "reason": s.reason} for s in self.sentences if not s.supported]}


def split_sentences(text: str) -> list[str]:
    """Sentences of generated text, each keeping the [n] markers that follow it (a marker that opens a segment,
    as in ``... error. [1] Next``, belongs to the sentence before)."""
    out: list[str] = []
    for seg in _SENT_SPLIT.split(text):
        seg = seg.strip()
        if not seg:
            continue
        m = _LEADING_MARKS.match(seg)
        if m and out:
            out[-1] = out[-1] + " " + m.group(1).strip()
            seg = seg[m.end():].strip()
        if seg and re.search(r"[A-Za-z0-9]", _MARK_RE.sub("", seg)):
            out.append(seg)
        elif seg and out:
            out[-1] += " " + seg
    return out


def _plain(text: str) -> str:
    return " ".join(_MD_RE.sub(" ", _MARK_RE.sub(" ", text)).split())


def _content_stems(text: str) -> set[str]:
    from mlnotes.assistant.interview.contradiction import glue_stems, stems

    glue = glue_stems()
    return {s for s in stems(text) if len(s) > 1 and s not in glue}


def _numbers(text: str) -> set[str]:
    return {n.rstrip("%").replace(",", "") for n in _NUM_RE.findall(text)}


def _terms(text: str) -> set[str]:
    return {t.lower().rstrip("s") for t in _TERM_RE.findall(text) + _CAP_RE.findall(text)}


def _spans(passage: str) -> list[str]:
    """The passage's sentences (lines of a table or list count as sentences). Spans are single sentences on
    purpose: joining two would let "MSE is the mean absolute error" pass on a passage defining both."""
    return [s for s in (_plain(x) for x in split_sentences(_unwrap(passage))) if len(s) > 3]


_BLOCK_START = re.compile(r"^\s*(?:[|#>]|[-*+]\s|\d+[.)]\s|```|\$\$)")


def _unwrap(text: str) -> str:
    """Join the hard-wrapped lines of each Markdown paragraph (a table row, list item or heading stays a line)."""
    out: list[str] = []
    for line in text.splitlines():
        if out and line.strip() and out[-1].strip() and not _BLOCK_START.match(line) \
                and not _BLOCK_START.match(out[-1]):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def check_support(text: str, passages: list[str], embed, min_lexical: float = DEFAULT_MIN_LEXICAL,
                  min_semantic: float = DEFAULT_MIN_SEMANTIC) -> SupportReport:
    """Check each sentence of ``text`` against the passages it cites (1-based numbers into ``passages``);
    ``embed`` maps a list of texts to unit vectors (the index's MiniLM)."""
    import numpy as np

    from mlnotes.assistant.interview.contradiction import contradiction

    report = SupportReport()
    seen: set[str] = set()
    spans_of: dict[int, list[str]] = {}
    vecs_of: dict[int, np.ndarray] = {}
    stems_of: dict[int, list[set[str]]] = {}
    for raw in split_sentences(text):
        cites = [int(x) for m in _MARK_RE.finditer(raw) for x in re.split(r"\s*,\s*", m.group(1))]
        cites = [c for c in dict.fromkeys(cites) if 1 <= c <= len(passages)]
        plain = _plain(raw)
        key = " ".join(plain.lower().split())
        if key in seen:
            report.sentences.append(SentenceSupport(raw, cites, False, "repeats an earlier sentence"))
            continue
        seen.add(key)
        if not cites:
            report.sentences.append(SentenceSupport(raw, cites, False, "cites no passage"))
            continue
        svec = np.asarray(embed([plain]), dtype=np.float32)[0]
        best: SentenceSupport | None = None
        words = _content_stems(plain)
        for c in cites:
            ptext = _plain(passages[c - 1])
            if c not in spans_of:
                spans_of[c] = _spans(passages[c - 1]) or [ptext]
                vecs_of[c] = np.asarray(embed(spans_of[c]), dtype=np.float32)
                stems_of[c] = [_content_stems(x) for x in spans_of[c]]
            sims = vecs_of[c] @ svec
            j = int(np.argmax(sims))
            span, sem = spans_of[c][j], float(sims[j])
            overlaps = [len(words & st) / len(words) if words else 0.0 for st in stems_of[c]]
            jl = int(np.argmax(overlaps))
            lex = overlaps[jl]
            low = ptext.lower()
            reason = ""
            missing_nums = sorted(n for n in _numbers(plain) if n not in _numbers(ptext))
            missing_terms = sorted(t for t in _terms(plain) if t not in low)
            if missing_nums:
                reason = f"numbers not in passage [{c}]: {', '.join(missing_nums)}"
            elif missing_terms:
                reason = f"terms not in passage [{c}]: {', '.join(missing_terms)}"
            elif lex < min_lexical:
                reason = f"no sentence of passage [{c}] holds enough of its words ({lex:.2f} < {min_lexical})"
            elif sem < min_semantic:
                reason = f"not close in meaning to passage [{c}] (cosine {sem:.2f} < {min_semantic})"
            else:
                why = contradiction(span, plain) or contradiction(spans_of[c][jl], plain)
                if why:
                    reason = f"contradicts passage [{c}] ({why})"
            cand = SentenceSupport(raw, cites, not reason, reason, round(lex, 4), round(sem, 4), c, span)
            if best is None or (cand.supported and not best.supported) or \
                    (cand.supported == best.supported and cand.semantic > best.semantic):
                best = cand
        report.sentences.append(best)
    return report


_SIZE_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*([mMbB])(?![a-zA-Z])")


def model_params(generator) -> float | None:
    """The generator's parameter count: its ``n_params`` attribute, else read from its name ("SmolLM2-135M",
    "qwen2.5:0.5b", "Llama-3.1-8B"); None when unknown."""
    n = getattr(generator, "n_params", None)
    if isinstance(n, int | float) and n > 0:
        return float(n)
    m = _SIZE_RE.search(str(getattr(generator, "name", "")))
    if m is None:
        return None
    return float(m.group(1)) * (1e6 if m.group(2).lower() == "m" else 1e9)


def is_small_model(generator, limit: float = 1e9) -> bool:
    """True for a model known to be under ``limit`` parameters: its answers are marked experimental."""
    n = model_params(generator)
    return n is not None and n < limit
