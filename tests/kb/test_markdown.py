from mlnotes.kb.markdown import (
    parse_text,
    prose_word_count,
    slugify,
    split_sentences,
    unique_slugs,
    validate_meta,
)

DOC = """---
id: demo
title: Demo
kind: guide
topics: [x]
level: beginner
---

# Demo

Intro with a [link](other.md#part) and a citation [@key1; @key2].

```python norun
# a comment that looks like a heading
print("hi")
```

## Part: one

- item with [algo](../../algorithms/linear/ridge.py)

## Part: one
"""


def test_front_matter_and_body_start():
    doc = parse_text(DOC, "guides/demo.md")
    assert doc.id == "demo" and doc.kind == "guide"
    assert doc.body_start == 8
    assert validate_meta(doc) == []


def test_heading_in_fence_is_not_a_heading():
    doc = parse_text(DOC)
    assert [h.text for h in doc.headings] == ["Demo", "Part: one", "Part: one"]
    assert [h.slug for h in doc.headings] == ["demo", "part-one", "part-one-1"]
    assert all(doc.lines[h.line - 1].lstrip().startswith("#") for h in doc.headings)
    assert doc.code_blocks[0].norun and doc.code_blocks[0].lang == "python"
    assert doc.code_blocks[0].start == 13


def test_links_and_citations_have_lines():
    doc = parse_text(DOC)
    assert [(l.href, l.line) for l in doc.links] == [("other.md#part", 11), ("../../algorithms/linear/ridge.py", 20)]
    assert [(c.key, c.line) for c in doc.citations] == [("key1", 11), ("key2", 11)]


def test_slugify_matches_github_rules():
    assert slugify("Bias–variance trade-off") == "biasvariance-trade-off"
    assert slugify("What is $L_2$ regularization?") == "what-is-l_2-regularization"
    assert slugify("  C++ & Python: 2 ways ") == "c--python-2-ways"
    assert unique_slugs(["A", "A", "A-1", "A"]) == ["a", "a-1", "a-1-1", "a-2"]


def test_missing_front_matter_is_reported():
    doc = parse_text("# Title\n\ntext\n", "x.md")
    assert validate_meta(doc) and "front matter" in validate_meta(doc)[0]


def test_prose_word_count_excludes_code_and_tables():
    doc = parse_text("# T\n\none two three\n\n```python\na b c d e\n```\n\n| a | b |\n|---|---|\n| c | d |\n")
    assert prose_word_count(doc) == 3


def test_citation_wrapped_over_two_lines_is_found():
    doc = parse_text("Bound [@johnson1984extensions;\n@dasgupta2003elementary] holds.\n")
    assert [(c.key, c.line) for c in doc.citations] == [("johnson1984extensions", 1), ("dasgupta2003elementary", 1)]


def test_a_sentence_boundary_inside_a_parenthesis_is_none():
    """Round 19 (code19): ch09's ``fails on abbreviations ("Dr. Smith") and decimals, so ...`` split after "Dr." and
    left ``Smith") and decimals, ...`` as a sentence that opens inside the parenthesis."""
    text = ('The naive rule fails on abbreviations ("Dr. Smith") and decimals, so real splitters keep lists. '
            "A second sentence (see Fig. 3. Then more) ends here. Not closed (yet. Next sentence.")
    assert split_sentences(text) == [
        'The naive rule fails on abbreviations ("Dr. Smith") and decimals, so real splitters keep lists.',
        "A second sentence (see Fig. 3. Then more) ends here.",
        "Not closed (yet.",  # a bracket never closed does not swallow the sentences after it
        "Next sentence.",
    ]
    for s in split_sentences(text):
        assert not s.startswith(("Smith", "Then")), s
