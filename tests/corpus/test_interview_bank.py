"""The interview bank (``corpus/interview/*.md``) and its parser (:mod:`mlnotes.kb.interview`).

Checks: every file parses; IDs unique; vocabulary respected; 3-6 key points; the required sections non-empty;
at least 300 questions with a sane difficulty mix; every relative link resolves; the parser is not fooled by
code fences; and no two questions are near-duplicates by MiniLM embedding.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from mlnotes.kb.interview import (
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
        assert q.links, f"{where}: 'Learn more' has no link"


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

#: Cosine similarity (MiniLM, "question + short answer") above which two questions count as near-duplicates.
DUPLICATE_THRESHOLD = 0.85


def _texts(qs):
    return [f"{q.question} {q.short_answer}" for q in qs]


@pytest.fixture(scope="module")
def bank_vectors(bank):
    from mlnotes.kb.embedding import get_embedder

    return np.asarray(get_embedder().encode(_texts(bank)), dtype=np.float32)


def test_no_near_duplicate_questions(bank, bank_vectors):
    """No two questions ask the same thing.

    Each question is embedded as "question + short answer" with all-MiniLM-L6-v2 (normalised vectors, so the inner
    product is the cosine similarity). Calibration, measured on the 320-question bank when the threshold was set:

    - distinct questions: median pair 0.11, 99.9th percentile 0.59, maximum 0.833 (``clus-kmeans`` against
      ``clus-kmeans-plus-plus``: same algorithm, different question); the next ones are 0.755 (SHAP values vs how
      SHAP is computed) and 0.747 (SHAP vs impurity importance);
    - light rewordings (a new question wording followed by the same short answer, see ``_REWORDINGS``):
      0.870-0.986 against the original;
    - heavy rewrites (question and answer both rewritten in other words, eight hand-made examples): 0.74-0.96,
      five of eight above 0.85.

    0.85 lies above every distinct pair and below every light rewording, so a copied or lightly edited question
    fails the test; a complete rewrite of an existing question may slip through, which review has to catch.
    Embedding the question text alone separates worse (distinct pairs reach 0.82, e.g. IoU/NMS in cnn-vision and
    coding), which is why the short answer is included.
    """
    S = bank_vectors @ bank_vectors.T
    iu = np.triu_indices(len(bank), 1)
    sims = S[iu]
    order = np.argsort(-sims)[:5]
    top = [(float(sims[k]), bank[iu[0][k]].id, bank[iu[1][k]].id) for k in order]
    report = "\n".join(f"{s:.3f}  {a}  <->  {b}" for s, a, b in top)
    print("top-5 most similar pairs:\n" + report)
    assert top[0][0] <= DUPLICATE_THRESHOLD, "near-duplicate questions (top-5 pairs):\n" + report


#: Light rewordings of bank questions: a different question wording, to be followed by the original short answer.
_REWORDINGS = {
    "fund-bias-variance": "Can you explain the bias-variance tradeoff?",
    "nlp-attention-scaling": "Why do we divide attention scores by sqrt(d_k)?",
    "eval-roc-auc": "How should ROC AUC be interpreted?",
    "stat-p-value": "What is the definition of a p-value?",
    "opt-adam-bias-correction": "Explain the Adam optimizer and its bias correction.",
    "lin-l1-vs-l2": "How do L1 and L2 penalties differ?",
    "clus-kmeans": "Explain the k-means algorithm. Is it guaranteed to converge?",
    "dl-dropout": "What is dropout and how does it behave at test time?",
    "tree-rf-vs-gbm": "Compare random forests with gradient boosted trees.",
    "llm-lora": "Explain LoRA and why it is parameter-efficient.",
}


def test_threshold_catches_reworded_duplicates(bank, bank_vectors):
    """A reworded copy of a bank question would be flagged: its similarity to the original exceeds the threshold."""
    from mlnotes.kb.embedding import get_embedder

    by_id = {q.id: i for i, q in enumerate(bank)}
    missing = [k for k in _REWORDINGS if k not in by_id]
    assert not missing, f"calibration questions removed from the bank: {missing}"
    texts = [f"{new} {bank[by_id[qid]].short_answer}" for qid, new in _REWORDINGS.items()]
    P = np.asarray(get_embedder().encode(texts), dtype=np.float32)
    sims = {qid: float(P[k] @ bank_vectors[by_id[qid]]) for k, qid in enumerate(_REWORDINGS)}
    low = {k: round(v, 3) for k, v in sims.items() if v <= DUPLICATE_THRESHOLD}
    assert not low, f"rewordings not caught by the threshold: {low}"


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


# ---------------------------------------------------------------- the parsed-bank cache beside the index


def test_bank_cache_round_trip_and_invalidation(tmp_path, monkeypatch):
    import shutil

    from mlnotes.kb import interview as iv

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus" / "interview", corpus / "interview")
    cache = iv.bank_cache_file(tmp_path / ".mlnotes" / "index")
    assert cache.name == "index.bank.json"
    parsed = iv.load_bank(corpus)
    assert iv.load_bank(corpus, cache=cache) == parsed and cache.exists()

    calls = []
    real = iv.parse_interview_text
    monkeypatch.setattr(iv, "parse_interview_text", lambda *a, **k: calls.append(1) or real(*a, **k))
    cached = iv.load_bank(corpus, cache=cache)
    assert cached == parsed and not calls  # read back, equal field by field (tuples stay tuples), no parse
    assert all(isinstance(q.links, tuple) and all(isinstance(link, tuple) for link in q.links) for q in cached)

    # an edited file is parsed again, and the edit is served
    f = sorted((corpus / "interview").glob("*.md"))[0]
    first = next(q for q in parsed if q.path.endswith(f.name))
    f.write_text(f.read_text(encoding="utf-8").replace(first.question, first.question + " (edited)", 1),
                 encoding="utf-8")
    edited = iv.load_bank(corpus, cache=cache)
    assert calls and any(q.question == first.question + " (edited)" for q in edited)

    # a damaged cache file is ignored
    cache.write_text("{not json", encoding="utf-8")
    assert iv.load_bank(corpus, cache=cache) == edited
