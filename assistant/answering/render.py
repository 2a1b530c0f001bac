"""Rendering: answers and sentences as Markdown, bibliography markers and corpus links made readable."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mlnotes.kb.markdown import CITATION_RE

if TYPE_CHECKING:  # pragma: no cover
    from mlnotes.assistant.answering.types import Answer, AnswerSentence

_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MARKS_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
#: the labels of the worked-answer template of chapter 00 ("**Answer.** *Definition*: precision = ...", "*Math*: ...",
#: "*Intuition*: ..."): they structure the page, and an answer sentence that opens with them reads as a form, so they
#: are left out when the sentence is shown. Only these template words: a bold or italic label that names the subject
#: ("*Demographic parity*: ...", "**SGD**: ...") is part of the sentence and stays, as does "*Example*:"
_TEMPLATE_LABEL_RE = re.compile(r"^(?:(?:\*\*Answer\.\*\*|\*(?:Definition|Math|Intuition)\*:)\s+)+")


def readable_citations(text: str) -> str:
    """Turn bibliography markers ``[@smith2020deep; @lee2019x]`` into ``(Smith 2020; Lee 2019)`` for display."""

    def one(key: str) -> str:
        m = re.match(r"([a-z-]+?)(\d{4})", key)
        return f"{m.group(1).replace('-', ' ').title()} {m.group(2)}" if m else key

    return CITATION_RE.sub(lambda m: "(" + "; ".join(one(k.strip().lstrip("@")) for k in m.group(1).split(";")) + ")",
                           text)


def without_template_labels(text: str) -> str:
    """``text`` without the worked-answer template's leading labels (:data:`_TEMPLATE_LABEL_RE`), its first letter
    capitalised when a label was removed: "**Answer.** *Definition*: precision = ..." -> "Precision = ..."."""
    rest = _TEMPLATE_LABEL_RE.sub("", text)
    if rest == text or not rest:
        return text
    return rest[0].upper() + rest[1:]


def display_text(text: str) -> str:
    """A sentence ready for display: the worked-answer template's labels left out (:func:`without_template_labels`),
    readable citations, and relative corpus links made harmless (link text kept, implementation links shown as their
    file name), since the answer is not shown next to the file it came from."""
    text = without_template_labels(text)

    def link(m: re.Match) -> str:
        label, href = m.group(1), m.group(2)
        if re.match(r"^[a-z]+://", href):
            return m.group(0)
        if href.split("#")[0].endswith(".py"):
            return f"{label} (`{href.split('/')[-1].split('#')[0]}`)"
        return label

    return _LINK_RE.sub(link, readable_citations(text))


def display_sentence(s: AnswerSentence) -> str:
    """:func:`display_text` of a sentence; an item of a list sentence shown on its own (``s.item``; its text is the
    item verbatim, "initialise the final-layer bias to ...") opens with a capital and ends with a full stop."""
    text = display_text(s.text)
    if s.item and text:
        text = text[0].upper() + text[1:]
        text = text if text[-1] in ".!?" else text + "."
    return text


def render_sentences(sentences: list[AnswerSentence]) -> str:
    """Sentences as Markdown paragraphs with ``[n]`` markers; table rows regrouped under their header."""
    out: list[str] = []
    para: list[str] = []
    i = 0
    while i < len(sentences):
        s = sentences[i]
        if s.kind == "table_row":
            if para:
                out.append(" ".join(para))
                para = []
            rows = [s]
            while i + 1 < len(sentences) and sentences[i + 1].kind == "table_row" and \
                    sentences[i + 1].table_header == s.table_header:
                i += 1
                rows.append(sentences[i])
            table = (s.table_header + "\n" if s.table_header else "") + "\n".join(r.text for r in rows)
            out.append(table + "\n\n" + "".join(sorted({f"[{r.source}]" for r in rows})))
        else:
            para.append(f"{display_sentence(s)} [{s.source}]")
        i += 1
    if para:
        out.append(" ".join(para))
    return "\n\n".join(out)


def answer_units(sentences: list[AnswerSentence]) -> list[str]:
    """The answer's units in the order shown: each sentence, the rows of one table shown together as one unit (as
    :func:`render_sentences` groups them), code blocks left out."""
    out: list[str] = []
    header = None
    for s in sentences:
        if s.kind == "code":
            header = None
            continue
        if s.kind == "table_row" and s.table_header == header and out:
            out[-1] += "\n" + s.text
            continue
        out.append(s.text)
        header = s.table_header if s.kind == "table_row" else None
    return out


def renumber_citations(text: str, renumber: dict[int, int]) -> str:
    """Rewrite every ``[a, b]`` marker through ``renumber`` (every number in the text must be a key)."""
    return _MARKS_RE.sub(
        lambda m: "[" + ", ".join(str(renumber[int(x)]) for x in re.split(r"\s*,\s*", m.group(1))) + "]", text)


def answer_markdown(ans: Answer, link_prefix: str = "") -> str:
    """The answer and its numbered sources, as Markdown with clickable section links."""
    parts = [ans.text] if ans.text else []
    if ans.notice:
        parts.insert(0, f"*{ans.notice}*")
    srcs = ans.closest if ans.abstained else ans.sources
    if srcs:
        label = "Closest sections" if ans.abstained else "Sources"
        lines = [f"**{label}**"]
        for s in srcs:
            crumb = " › ".join(s.breadcrumbs)
            lines.append(f"{s.n}. [{crumb}]({link_prefix}{s.url}) — `{s.path}:{s.line_start}-{s.line_end}`")
        parts.append("\n".join(lines))
    if ans.algorithms:
        alg = ", ".join(f"`{a['name']}` ({a['path']})" for a in ans.algorithms)
        parts.append(f"**Run the implementation:** {alg}")
    return "\n\n".join(parts)


def chunked(text: str, min_chars: int = 24) -> list[str]:
    """``text`` in pieces of at least ``min_chars`` characters, cut after whitespace (for streaming a composed
    answer)."""
    out, buf = [], ""
    for p in re.split(r"(?<=\s)", text):
        buf += p
        if len(buf) >= min_chars:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out
