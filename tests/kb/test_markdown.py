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


# ---- round 20 (split20): a sentence that opens with a lower-case name is a sentence of its own


def _corpus_paragraphs() -> list[str]:
    """The text of every paragraph block of the corpus (prose, no code, tables or lists)."""
    from pathlib import Path

    from mlnotes.kb.markdown import iter_corpus_files, parse_document

    corpus = Path(__file__).resolve().parents[2] / "corpus"
    out = []
    for path in iter_corpus_files(corpus):
        doc = parse_document(path, corpus)
        for b in doc.blocks:
            if b.type == "paragraph":
                out.append("\n".join(doc.lines[b.start - 1:b.end]))
    assert len(out) > 1000
    return out


def test_a_lower_case_name_opens_a_sentence():
    text = ("NumPy is the single biggest speed-up most newcomers find. pandas adds labelled tables. "
            "It scales well [@x]. scikit-learn's `TargetEncoder` does this. Neighbours matter. kNN depends on "
            "distances. The mantissa is short. bf16 keeps the range! tanh saturates? k-NN keeps every row.")
    assert split_sentences(text) == [
        "NumPy is the single biggest speed-up most newcomers find.", "pandas adds labelled tables.",
        "It scales well [@x].", "scikit-learn's `TargetEncoder` does this.", "Neighbours matter.",
        "kNN depends on distances.", "The mantissa is short.", "bf16 keeps the range!", "tanh saturates?",
        "k-NN keeps every row.",
    ]


def test_an_abbreviation_before_a_lower_case_word_keeps_its_sentence():
    from mlnotes.kb.markdown import LOWER_ABBREVIATIONS

    abbreviations = [a + "." for a in sorted(LOWER_ABBREVIATIONS)] + [
        "e.g.", "i.e.", "i.i.d.", "w.r.t.", "(i.i.d.", "<e.g.", "Fig.", "Eq.", "et al.", "E.", "3-4.", "1.", "x..."]
    for abbr in abbreviations:
        text = f"Some words {abbr} then more words follow."
        assert split_sentences(text) == [text], abbr
    for ident in ("arXiv:1706.03762.", "doi:10.1007/978-3-319-91578-4.", "https://fastapi.tiangolo.com/."):
        text = f"Neural Information Processing Systems (NeurIPS). {ident}"
        assert split_sentences(text) == [text], ident


def test_every_lower_case_start_of_the_corpus_is_its_own_sentence():
    """No sentence of a corpus paragraph carries, after a period that ends a plain word, a lower-case word that opens
    the next sentence: every such period is an abbreviation's or precedes a scheme-like identifier (arXiv:, doi:)."""
    import re

    from mlnotes.kb.markdown import LOWER_ABBREVIATIONS

    glued = re.compile(r"(?<![\w.])([A-Za-z][\w'-]*[a-z0-9]|\[@[\w:-]+\]|\$[^$]+\$|`[^`]+`)\.\s+([a-z][\w'-]*)(?=[\s,])")
    bad = []
    for para in _corpus_paragraphs():
        for s in split_sentences(para):
            for m in glued.finditer(s):
                if m.group(1).lower() not in LOWER_ABBREVIATIONS:
                    bad.append(s[max(0, m.start() - 30):m.end() + 10])
    assert not bad, bad[:10]


def test_splitting_loses_no_character():
    import re

    for para in _corpus_paragraphs():
        assert re.sub(r"\s+", "", "".join(split_sentences(para))) == re.sub(r"\s+", "", para)
