"""Every chapter ends with 5-10 exercises in the documented format, each with a worked solution.

The code in the solutions runs with the rest of each chapter in ``test_code_blocks.py``; here we check structure:
type, difficulty, a non-empty solution, and that coding exercises carry a Python block with an ``assert``.
"""

from __future__ import annotations

import pytest

from mlnotes.kb.check import DEFAULT_CORPUS, get_doc
from mlnotes.kb.exercises import (
    DIFFICULTIES,
    TYPES,
    ExerciseFormatError,
    load_exercises,
    parse_exercises,
    parse_exercises_text,
)

CHAPTERS = sorted((DEFAULT_CORPUS / "chapters").glob("*.md"))


def test_there_are_fifteen_chapters():
    assert [p.name[:2] for p in CHAPTERS] == [f"{i:02d}" for i in range(15)]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_exercises(path):
    doc = get_doc(path, DEFAULT_CORPUS)
    exercises = parse_exercises(doc)
    assert 5 <= len(exercises) <= 10, f"{doc.rel_path}: {len(exercises)} exercises, want 5-10"
    chapter = int(path.name[:2])
    for ex in exercises:
        where = f"{doc.rel_path}:{ex.start}"
        assert ex.chapter == chapter and ex.chapter_id == doc.id
        assert ex.type in TYPES and ex.difficulty in DIFFICULTIES, where
        assert ex.title and ex.prompt.strip() and ex.solution.strip(), where
        if ex.type == "coding":
            assert ex.python_blocks, f"{where}: coding exercise without a python block in its solution"
            assert ex.has_checked_code, f"{where}: coding solution has no assert that checks it"
            assert not any(b.norun for b in ex.python_blocks), f"{where}: solution code must run in the tests"
    # Exercises is the last section before References
    heads = [h for h in doc.headings if h.level <= 2]
    names = [h.text for h in heads]
    i = names.index("Exercises")
    assert names[i + 1 :] in ([], ["References"]), f"{doc.rel_path}: Exercises must come right before References"
    coding = sum(ex.type == "coding" for ex in exercises)
    if any(b.lang == "python" for b in doc.code_blocks if b.start < exercises[0].start):
        assert coding >= 2, f"{doc.rel_path}: only {coding} coding exercise(s); the chapter has code, want >= 2"


def test_load_exercises_ids_unique_and_questions():
    exs = load_exercises(DEFAULT_CORPUS)
    ids = [e.id for e in exs]
    assert len(ids) == len(set(ids))
    q = exs[0].as_question()
    assert q["question"] and q["answer"] and q["path"].startswith("chapters/")
    doc = get_doc(DEFAULT_CORPUS / q["path"], DEFAULT_CORPUS)
    assert q["section_id"] in doc.section_ids


GOOD = """---
id: ch05-x
title: x
kind: chapter
topics: [x]
level: beginner
---

# Chapter

## Exercises

### Exercise 5.1: First

*Type: coding · Difficulty: easy*

Compute it.

```python
# ### Exercise 9.9: not a heading, this is code
```

<details>
<summary>Solution</summary>

Here.

```python
assert 1 + 1 == 2
```

</details>

### Exercise 5.2: Second

*Type: conceptual · Difficulty: hard*

Why?

<details>
<summary>Solution</summary>

Because.

</details>

## References

- none
"""


def test_parser_on_a_small_document():
    exs = parse_exercises_text(GOOD, "chapters/05-x.md")
    assert [e.number for e in exs] == ["5.1", "5.2"]
    a, b = exs
    assert (a.title, a.type, a.difficulty) == ("First", "coding", "easy")
    assert a.prompt.startswith("Compute it.") and "not a heading" in a.prompt
    assert a.solution.startswith("Here.") and a.has_checked_code and len(a.python_blocks) == 1
    assert (b.solution, b.type, b.difficulty) == ("Because.", "conceptual", "hard")
    lines = GOOD.split("\n")
    assert lines[a.start - 1] == "### Exercise 5.1: First" and lines[a.end - 1] == "</details>"
    assert lines[b.end - 1] == "</details>" and a.section_id == "exercise-51-first"
    assert parse_exercises_text(GOOD.replace("## Exercises", "## Practice"), "chapters/05-x.md") == []


@pytest.mark.parametrize(
    "old,new,msg",
    [
        ("Exercise 5.2: Second", "Exercise 5.3: Second", "no gaps"),
        ("Exercise 5.1: First", "Exercise 4.1: First", "is in chapter 5"),
        ("Exercise 5.1: First", "Problem one", "must read"),
        ("Difficulty: hard", "Difficulty: brutal", "difficulty 'brutal'"),
        ("*Type: coding · Difficulty: easy*", "Type coding", "the line after the heading"),
        ("Because.\n\n</details>", "Because.\n", "never closed"),
        ("Why?\n\n<details>\n<summary>Solution</summary>\n\nBecause.\n\n</details>", "Why?", "no '<details>'"),
        ("Because.\n", "", "solution is empty"),
    ],
)
def test_parser_rejects_malformed(old, new, msg):
    bad = GOOD.replace(old, new, 1)
    assert bad != GOOD
    with pytest.raises(ExerciseFormatError, match=msg):
        parse_exercises_text(bad, "chapters/05-x.md")
