"""Grounding rules for generated answers (pure functions, no model).

* The prompt numbers the retrieved passages ``[1]..[n]`` and asks for answers that cite them.
* :func:`filter_citations` removes citation markers that point at no passage (``[0]``, ``[7]`` of 5, ...).
* An answer that cites nothing after filtering is not shown: the caller falls back to the extractive answer and
  says so.
"""

from __future__ import annotations

import re

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
