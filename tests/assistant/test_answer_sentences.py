"""Answer sentences never come from the bank's metadata line, its "Common mistakes" / "Follow-ups" / "Learn more"
sub-sections, exercise prompts, link-only lines or sentences bound to their context ("below", "this chapter")."""

from __future__ import annotations

from mlnotes.assistant.answering.candidates import candidates_for_chunk, is_answer_sentence
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.markdown import parse_text

BANK = """---
id: interview-test
title: "Interview questions: test"
kind: interview
topics: [evaluation]
---

# Interview questions: test

## What is recall?

**ID:** `t-recall` · **Difficulty:** easy · **Topics:** evaluation

### Short answer
Recall is the share of actual positives that the model finds.

### Key points
- Recall divides true positives by all actual positives

### Common mistakes
- Reporting accuracy alone on a heavily imbalanced problem
- Mixing up the denominators of precision and recall

### Follow-ups
- How would you pick a threshold that guarantees a target recall?

### Learn more
- [Evaluation chapter](../chapters/05-classical-ml.md)

## What is precision?

Precision is the share of predicted positives that are correct.

### Exercise 1.1: Compute precision by hand
Given four predictions, compute the precision of the classifier on them.

<details>
<summary>Solution</summary>

Precision equals true positives over predicted positives, here two of three.

</details>

The code below checks the value.
"""


def _chunk(doc, start, end):
    return Chunk(id="interview-test#x", doc_id="interview-test", section_id="x", title="t", heading="h",
                 breadcrumbs=["t"], path="interview/test.md", line_start=start, line_end=end, kind="interview",
                 text="")


def test_candidates_skip_metadata_mistakes_followups_links_and_exercise_prompts():
    doc = parse_text(BANK, "interview/test.md")
    texts = [c.text for c in candidates_for_chunk(doc, _chunk(doc, 1, len(doc.lines)))]
    assert "Recall is the share of actual positives that the model finds." in texts
    assert "Recall divides true positives by all actual positives" in texts
    assert "Precision is the share of predicted positives that are correct." in texts
    assert "Precision equals true positives over predicted positives, here two of three." not in texts  # "here"
    joined = " ".join(texts)
    for banned in ("ID:", "Difficulty", "Reporting accuracy alone", "Mixing up the denominators",
                   "pick a threshold", "Evaluation chapter", "compute the precision of the classifier",
                   "The code below"):
        assert banned not in joined, banned


def test_a_chunk_that_starts_inside_a_mistakes_list_stays_skipped():
    doc = parse_text(BANK, "interview/test.md")
    start = next(i for i, line in enumerate(doc.lines, 1) if line.startswith("- Mixing up"))
    assert candidates_for_chunk(doc, _chunk(doc, start, start + 2)) == []


def test_is_answer_sentence():
    assert is_answer_sentence("Dropout zeroes each activation with probability p during training.")
    assert not is_answer_sentence("**ID:** `x` · **Difficulty:** easy · **Topics:** a")
    assert not is_answer_sentence("*Last verified: PyTorch 2.13, scikit-learn 1.9.*")  # a version stamp
    assert is_answer_sentence("The last verified checkpoint is the one to resume from.")
    assert not is_answer_sentence("- [Getting started](../chapters/01-getting-started.md)")
    assert not is_answer_sentence("From-scratch versions: [kmeans.py](../../algorithms/clustering/kmeans.py), "
                                  "[gmm.py](../../algorithms/clustering/gmm.py), [dbscan.py](x.py) (k-means++ seeding).")
    assert not is_answer_sentence("Code: [ridge.py](../../algorithms/linear/ridge.py).")
    assert is_answer_sentence("Ridge shrinks every coefficient towards zero; see [ridge.py](../ridge.py) for the code.")
    assert not is_answer_sentence("As shown in this chapter, the loss goes down.")
    assert not is_answer_sentence("The figure below plots it.")


def test_bibliography_chunks_give_no_answer_sentences():
    doc = parse_text("# References\n\n- [hastie2009elements] Hastie, T., Tibshirani, R., Friedman, J. (2009). "
                     "*The Elements of Statistical Learning*. Springer.\n", "references.md")
    chunk = _chunk(doc, 1, len(doc.lines))
    chunk.kind = "reference"
    assert candidates_for_chunk(doc, chunk) == []


def test_split_sentences_keeps_abbreviations_inside_sentences():
    from mlnotes.kb.markdown import split_sentences

    text = ("Shrink the rate, e.g. Adam with 1e-3 works. Trees (i.e. CART) split greedily. Adam vs. SGD is a "
            "choice. Smith et al. (2020) showed it. See Fig. 3 for the curve. It costs approx. 3 GB. Done.")
    assert split_sentences(text) == [
        "Shrink the rate, e.g. Adam with 1e-3 works.", "Trees (i.e. CART) split greedily.",
        "Adam vs. SGD is a choice.", "Smith et al. (2020) showed it.", "See Fig. 3 for the curve.",
        "It costs approx. 3 GB.", "Done."]


def test_find_span_finds_the_whole_text_and_never_a_heading_line():
    from mlnotes.assistant.answering.compose import find_span

    lines = ["## What is recall?", "", "### Short answer", "Recall is the share of actual positives",
             "that the model finds. It ignores false positives.", "", "### Key points",
             "- Recall divides true positives by all actual positives", "- Recall ignores false positives", ""]
    # a key point whose first words also open the heading's sentence is found on its own bullet line
    assert find_span(lines, "Recall ignores false positives", 1, 10) == (9, 9)
    assert find_span(lines, "Recall divides true positives by all actual positives", 1, 10) == (8, 8)
    # text spread over two lines: both, starting where the text starts
    assert find_span(lines, "that the model finds. It ignores false positives.", 1, 10) == (5, 5)
    assert find_span(lines, "Recall is the share of actual positives that the model finds.", 1, 10) == (4, 5)
    # not found: the body after the heading, never the heading line itself
    start, end = find_span(lines, "Something the section never says", 1, 10)
    assert start == 2 and end == 10


def test_sides_of_comparison_questions():
    from mlnotes.assistant.answering.lead import mentions, sides

    got = sides("Difference between LSTM and GRU")
    assert (got.a, got.b) == ("LSTM", "GRU")
    assert mentions("GRUs merge the gates into update and reset gates.", got.b)  # an acronym's plural names it
    assert not mentions("LSTMs keep a cell state.", got.b)
    got = sides("whats the diffrence between baging and boosting in ensembles")
    assert (got.a, got.b) == ("baging", "boosting")
    assert mentions("Bagging trains each learner on a bootstrap sample.", got.a)  # a typo still names bagging
    assert not mentions("Boosting trains learners one after another.", got.a)
    got = sides("How does a GMM differ from k-means?")
    assert (got.a, got.b) == ("GMM", "k-means")
    assert mentions("Lloyd's k means algorithm alternates two steps.", got.b)  # k-means / k means: one name
    assert sides("What is dropout?") is None


def test_sides_keep_a_variant_and_drop_a_setting_clause():
    """A side named with a short "with" phrase is a variant and keeps it ("SGD with momentum", the third fresh
    set's f3-05, was cut to "SGD"); a long "with" clause, a "for ..." clause, a leading "plain" and a verb before
    "differently" are no part of a side; a long second side after "versus" is found (f3-06 found no pair)."""
    from mlnotes.assistant.answering.lead import sides

    cases = {
        "How does SGD with momentum behave differently from plain stochastic gradient descent?":
            ("SGD with momentum", "stochastic gradient descent"),
        "One-hot encoding versus target encoding for a categorical column with thousands of distinct values: how "
        "do they compare?": ("One-hot encoding", "target encoding"),
        "What is the difference between Adam with weight decay and AdamW?": ("Adam with weight decay", "AdamW"),
        "How is ridge regression with many correlated features different from lasso?": ("ridge regression", "lasso"),
        "How do CNNs work differently from MLPs?": ("CNNs", "MLPs"),
    }
    for question, want in cases.items():
        got = sides(question)
        assert got is not None and (got.a, got.b) == want, (question, got)


def test_no_corpus_version_stamp_is_a_candidate():
    """Every "*Last verified: ...*" line of the corpus (62 when written) is kept out of the candidates."""
    import re

    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.markdown import iter_indexed_files, parse_document

    stamps = 0
    for _, path in iter_indexed_files(REPO_ROOT / "corpus"):
        text = path.read_text(encoding="utf-8")
        if "Last verified" not in text:
            continue
        doc = parse_document(path, REPO_ROOT / "corpus")
        lines = [ln for ln in doc.lines if re.match(r"\s*\*Last verified:", ln)]
        stamps += len(lines)
        chunk = _chunk(doc, 1, len(doc.lines))
        chunk.kind, chunk.path = "guide", str(path.relative_to(REPO_ROOT / "corpus"))
        assert not [c.text for c in candidates_for_chunk(doc, chunk) if "Last verified" in c.text], path
    assert stamps >= 50

