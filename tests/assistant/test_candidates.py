"""Candidate sentences come from the parsed document's blocks: the same as the old line scanner wherever a
chunk holds whole blocks, and right where it did not (a chunk holding only the later rows of a long table)."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlnotes.assistant.answering.candidates import (
    candidates_for_chunk,
    candidates_from_lines,
    is_answer_sentence,
)
from mlnotes.kb.chunker import Chunk, chunk_corpus
from mlnotes.kb.markdown import parse_text

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"

DOC = """---
id: t
title: T
kind: guide
topics: [x]
---

# T

## Costs

Training a large model is expensive. Inference is cheap and fast.

| Model | Training time | Notes |
| --- | --- | --- |
| alpha model | slow training | first row |
| beta model | fast training | second row |
| gamma model | medium training | third row |

```python
x = 1  # code is never a candidate
```

$$
E = mc^2 \\quad \\text{display math is never a candidate}
$$

- A list item that says something useful.
- Another list item with enough words.
"""


def _key(cands):
    return [(c.text, c.line_start, c.line_end, c.kind, c.table_header) for c in cands]


def _chunk(doc, start, end):
    return Chunk(id="t#costs", doc_id="t", section_id="costs", title="T", heading="Costs", breadcrumbs=["T", "Costs"],
                 path="guides/t.md", line_start=start, line_end=end, kind="guide", text=doc.text_of(start, end))


def test_whole_blocks_give_what_the_line_scanner_gives(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    from mlnotes.assistant.answering.candidates import is_answer_sentence, not_answer_heading
    from mlnotes.kb.markdown import parse_document

    def under_non_answer_heading(doc, line_no):
        # the nearest heading above, and every heading of a lower level above that, decide
        level_seen = 99
        for ln in range(line_no, 0, -1):
            text = doc.lines[ln - 1]
            if text.startswith("#"):
                level = len(text) - len(text.lstrip("#"))
                if level < level_seen:
                    if not_answer_heading(text.lstrip("#").strip().lower()):
                        return True
                    level_seen = level
        return False

    chunks, _ = chunk_corpus(tmp_path / "corpus")
    for c in chunks:
        doc = parse_document(tmp_path / "corpus" / c.path, tmp_path / "corpus")
        old = candidates_from_lines(doc.lines[c.line_start - 1 : c.line_end], c.line_start)
        new = candidates_for_chunk(doc, c)
        assert set(_key(new)) <= set(_key(old)), c.id
        # what the block scanner leaves out is exactly what is never an answer sentence
        kept = set(_key(new))
        for cand, key in zip(old, _key(old)):
            if key not in kept:
                assert (c.kind == "reference" or not is_answer_sentence(cand.text)
                        or under_non_answer_heading(doc, cand.line_start)), (c.id, cand.text)
    doc = parse_text(DOC, "guides/t.md")
    whole = _chunk(doc, 10, len(doc.lines))
    got = candidates_for_chunk(doc, whole)
    assert _key(got) == _key(candidates_from_lines(doc.lines[9:], 10))
    texts = [c.text for c in got]
    assert "Training a large model is expensive." in texts and not any("x = 1" in t or "mc^2" in t for t in texts)
    assert sum(c.kind == "table_row" for c in got) == 3


def test_a_chunk_with_the_later_rows_of_a_table_keeps_every_row_and_the_real_header():
    doc = parse_text(DOC, "guides/t.md")
    first = next(i for i, line in enumerate(doc.lines, 1) if line.startswith("| beta"))
    piece = _chunk(doc, first, first + 1)  # "| beta ... |" and "| gamma ... |" only
    got = candidates_for_chunk(doc, piece)
    assert [c.text.split("|")[1].strip() for c in got] == ["beta model", "gamma model"]
    assert all(c.table_header.startswith("| Model | Training time") for c in got)
    old = candidates_from_lines(doc.lines[first - 1 : first + 1], first)  # the old scanner lost the first row
    assert [c.text.split("|")[1].strip() for c in old] == ["gamma model"]


EXERCISE_DOC = """---
id: e
title: E
kind: chapter
topics: [x]
---

# E

## Exercises

Work these through before reading the solutions.

### Exercise 1.1: The tail of a discounted sum

*Type: derivation · Difficulty: easy*

Show that the tail after T steps is a fraction gamma to the T of the return.

<details><summary>Solution</summary>

The tail is gamma to the T times the return, because every later reward is discounted T more times.

</details>

A closing remark after the solution is not part of it.

## Common mistakes

- Reading one over one minus gamma as the point where rewards stop mattering.

## Summary

Discounting keeps returns finite.
"""


def _sentences_by_rule(text: str, heading: str) -> set[str]:
    from mlnotes.assistant.answering.candidates import answer_lines
    lines = text.split("\n")
    ok = answer_lines(lines, heading)
    return {c.text for c in candidates_from_lines(lines, 1) if ok[c.line_start - 1]}


def test_answer_lines_skips_prompts_mistakes_and_text_after_a_solution_but_keeps_the_solution():
    body = EXERCISE_DOC.split("---\n", 2)[2]
    got = _sentences_by_rule(body, "")
    assert "The tail is gamma to the T times the return, because every later reward is discounted T more times." in got
    assert "Discounting keeps returns finite." in got
    assert not any(s.startswith(("Show that", "Work these", "A closing remark", "Reading one")) for s in got), got
    # a chunk that starts inside the exercise, below its heading, reads its heading from the chunk's
    start = body.index("Show that")
    assert not any(s.startswith("Show that") for s in _sentences_by_rule(body[start:], "Exercise 1.1: The tail"))


def test_answer_lines_agrees_with_the_sentence_store_on_a_parsed_document(tmp_path):
    # the two readers of the rule (the store's block walk and a chunk's raw text) keep the same sentences
    path = tmp_path / "e.md"
    path.write_text(EXERCISE_DOC)
    chunks, _ = chunk_corpus(tmp_path)
    doc = parse_text(EXERCISE_DOC, "e.md")
    assert len(chunks) >= 3
    for ch in chunks:
        store = {c.text for c in candidates_for_chunk(doc, ch)}
        raw = {s for s in _sentences_by_rule(ch.text, ch.heading) if is_answer_sentence(s)}
        assert store == raw, (ch.citation, store, raw)
