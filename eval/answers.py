"""Answer-quality metrics for the extractive assistant (no LLM anywhere).

* **citation precision** — the share of an answer's cited sections that are among the question's relevant
  sections (and *citation hit rate*: the share of answers citing at least one relevant section);
* **reference similarity** against the interview bank's reference answers (short answer + key points) for the
  gold questions whose relevant set contains an interview question: cosine similarity of MiniLM embeddings and
  ROUGE-L F1. ragas' ``RougeScore`` needs the ``rouge_score`` package, which is not installed here, and its
  ``SemanticSimilarity`` needs a LangChain embeddings wrapper; both are therefore computed here directly
  (ROUGE-L as the longest-common-subsequence F-measure over lower-cased word tokens, Lin 2004);
* **abstention** precision and recall on the unanswerable set, at a given threshold;
* :func:`answer_quality` — of the answers the default pipeline gives: the **answer-first rate** (the first
  sentence cites a relevant section), **citation faithfulness** (each cited sentence is found on the lines it
  cites, inside the cited source), **abstention** precision/recall from the answers themselves and the
  **interview-match precision** (bank answers whose entry is relevant); :func:`pairs_match_precision` — match
  precision on the close-but-different pairs of ``eval/datasets/interview_pairs.jsonl``.

Extractive answers are measured with interview matching switched off (``interview_threshold=2``), so every
answer is composed from retrieved sentences; the default pipeline is reported beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mlnotes.eval.data import Question, section_key
from mlnotes.eval.metrics import bootstrap_ci

_TOKEN = re.compile(r"[a-z0-9]+")
_CITE = re.compile(r"\[@[^\]]*\]|\[\d+\]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(_CITE.sub(" ", text.lower()))


def lcs_len(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (beta = 1) over word tokens."""
    c, r = tokens(candidate), tokens(reference)
    lcs = lcs_len(c, r)
    if lcs == 0:
        return 0.0
    p, rec = lcs / len(c), lcs / len(r)
    return 2 * p * rec / (p + rec)


def make_answerer(index, corpus_dir: Path, abstain_threshold: float | None = None,
                  interview_threshold: float | None = None):
    from mlnotes.assistant.answer import Answerer
    from mlnotes.kb.interview import load_bank

    try:
        bank = load_bank(Path(corpus_dir))
    except Exception:  # noqa: BLE001 - answers still work without the bank
        bank = []
    answerer = Answerer(index, Path(corpus_dir), bank=bank, abstain_threshold=abstain_threshold,
                        interview_threshold=interview_threshold)
    home = getattr(index, "home", None)  # a local index's folder: its precomputed sentences, as the server reads them
    if home is not None:
        from mlnotes.assistant.services import use_index_files

        use_index_files(answerer, Path(home), log=lambda m: None)
    return answerer


def support(answerer, question: str, mode: str = "hybrid", k: int = 6) -> float:
    """The confidence the answerer compares with its abstention threshold (max dense cosine of the top-k)."""
    idx = answerer.index
    hits = idx.search(question, k=k, mode=mode)
    if not hits:
        return 0.0
    qvec = idx.embed_query(" ".join(question.split()))
    return float(np.max(idx.chunk_vectors([h.chunk.id for h in hits]) @ qvec))


def coverage_signal(answerer, question: str, mode: str = "hybrid", k: int = 6) -> tuple[float, float]:
    """``(support, coverage)`` of ``question`` as the answerer sees them: the best dense cosine of its top ``k``
    and the IDF-weighted term coverage of its top hits as the abstention rule reads it
    (:func:`mlnotes.assistant.answering.retrieve.hits_coverage`; 1.0 without hits, where the support alone decides)."""
    from mlnotes.assistant.answering.retrieve import hits_coverage, retrieve

    r = retrieve(answerer.index, question, mode, k)
    cov = hits_coverage(answerer.term_coverage(), question, r.hits)
    return r.support, cov


def abstention_scores(supports_answerable: Sequence[float], supports_unanswerable: Sequence[float],
                      threshold: float) -> dict[str, float]:
    """Abstention as the positive class: abstain when support < threshold."""
    a = np.asarray(supports_answerable)
    u = np.asarray(supports_unanswerable)
    tp = int((u < threshold).sum())
    fp = int((a < threshold).sum())
    fn = int((u >= threshold).sum())
    tn = int((a >= threshold).sum())
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    tnr = tn / (tn + fp) if tn + fp else 0.0
    return {"threshold": float(threshold), "precision": prec, "recall": rec, "f1": f1,
            "balanced_accuracy": (rec + tnr) / 2, "false_abstention_rate": fp / max(1, fp + tn),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def reference_answers(bank: Sequence[Any]) -> dict[str, str]:
    """Section key -> the bank's reference answer text (short answer plus key points)."""
    return {section_key(q.doc_id, q.section_id): " ".join([q.short_answer, *q.key_points]) for q in bank}


def evaluate_answers(answerer, questions: Sequence[Question], embedder=None) -> dict[str, Any]:
    """Citation precision and reference similarity of the answers to ``questions`` (all answerable)."""
    refs = reference_answers(answerer.bank)
    embedder = embedder or answerer.index.embedder
    cit_prec, cit_hit, rouge, cos, kinds, latency = [], [], [], [], {}, []
    for q in questions:
        ans = answerer.answer(q.question)
        kinds[ans.kind] = kinds.get(ans.kind, 0) + 1
        latency.append(ans.timings_ms.get("total", float("nan")))
        if ans.kind == "abstain":
            cit_prec.append(0.0)
            cit_hit.append(0.0)
            continue
        cited = {section_key(s.doc_id, s.section_id) for s in ans.sources}
        rel = set(q.relevant)
        cit_prec.append(len(cited & rel) / len(cited) if cited else 0.0)
        cit_hit.append(1.0 if cited & rel else 0.0)
        ref_key = next((r for r in q.relevant if r in refs), None)
        if ref_key is not None and ans.text:
            text = _CITE.sub("", ans.text)
            rouge.append(rouge_l(text, refs[ref_key]))
            v = embedder.encode([text, refs[ref_key]])
            cos.append(float(v[0] @ v[1]))

    def s(vals):
        return {"mean": float(np.mean(vals)) if vals else float("nan"), "ci": bootstrap_ci(vals), "n": len(vals)}

    return {"citation_precision": s(cit_prec), "citation_hit_rate": s(cit_hit), "rouge_l_f1": s(rouge),
            "semantic_similarity": s(cos), "kinds": kinds,
            "latency_ms_p50": float(np.median(latency)) if latency else float("nan")}


# -- interview-bank matching --------------------------------------------------------------------------------------

PAIRS = Path(__file__).resolve().parent / "datasets" / "interview_pairs.jsonl"


def load_interview_pairs(split: str | None = None) -> list[dict[str, Any]]:
    """Close-but-different question pairs for the bank match: each row has a ``question``, the ``bank_id`` of the
    bank entry that asks the same question (``None`` when none does), the ``close_bank_id`` of an entry that looks
    alike but asks something else, and a ``split`` (``tune`` may choose the threshold; ``heldout`` is reported)."""
    import json

    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def match_outcomes(answerer, items: Sequence[tuple[str, Any]], mode: str = "hybrid",
                   k: int = 6) -> list[tuple[float, bool, str | None]]:
    """``(score, correct, matched id)`` of the answerer's gated bank match for each ``(question, truth)``: the score
    is the cosine of the best eligible bank entry (``-1`` when none is eligible); ``truth`` is either a set of
    relevant section keys (gold), a bank id or ``None`` (pairs: the entry that asks the same question)."""
    from mlnotes.assistant.answering.retrieve import retrieve

    out = []
    for question, truth in items:
        r = retrieve(answerer.index, question, mode, k)
        got = answerer.bank_matcher.best_retrieved(question, r.qvec, r.hits)
        if got is None:
            out.append((-1.0, False, None))
            continue
        b, sim = got
        ok = (section_key(b.doc_id, b.section_id) in truth) if isinstance(truth, (set, frozenset)) \
            else (truth is not None and b.id == truth)
        out.append((sim, ok, b.id))
    return out


def match_precision(outcomes: Sequence[tuple[float, bool, Any]], threshold: float,
                    n_should_match: int | None = None) -> dict[str, float]:
    """Precision (share of matches at ``threshold`` that are right), the number matched and, given the number of
    questions that have a right bank entry, recall."""
    matched = [ok for s, ok, _ in outcomes if s >= threshold]
    tp = sum(matched)
    out = {"threshold": float(threshold), "matched": len(matched), "correct": tp,
           "precision": tp / len(matched) if matched else float("nan"), "n": len(outcomes)}
    if n_should_match:
        out["recall"] = tp / n_should_match
    return out


# -- answer-first rate, citation faithfulness, abstention, interview-match precision --------------------------------

_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _norm(text: str) -> str:
    return " ".join(text.split())


def sentence_faithful(corpus_dir: Path, src: Any, s: Any) -> bool:
    """Whether an answer sentence is found, whitespace-normalised, on the file lines it cites and those lines lie
    inside its cited source's span (list markers ignored)."""
    from mlnotes.assistant.corpus import load_doc

    if not (src.line_start <= s.line_start <= s.line_end <= src.line_end):
        return False
    lines = load_doc(Path(corpus_dir), src.path).lines[s.line_start - 1 : s.line_end]
    return _norm(s.text) in _norm(" ".join(_BULLET.sub("", ln) for ln in lines))


def answer_quality(answerer, answerable: Sequence[Question], unanswerable: Sequence[Question]) -> dict[str, Any]:
    """On ``answerable`` questions: the **answer-first rate** (the answer's first sentence cites a relevant
    section; an abstention counts as a miss), **citation faithfulness** (the share of cited sentences found on the
    lines they cite, inside the cited source), the **interview-match precision** (the share of bank answers whose
    entry is a relevant section); with ``unanswerable``: **abstention** precision and recall (positive = abstain),
    from the answers the default pipeline gives."""
    first_ok, faithful, bank_ok, kinds = [], [], [], {}
    abstained_a = 0
    for q in answerable:
        ans = answerer.answer(q.question, generator=None)
        kinds[ans.kind] = kinds.get(ans.kind, 0) + 1
        if ans.abstained or not ans.sentences:
            abstained_a += int(ans.abstained)
            first_ok.append(0.0)
            continue
        by_n = {s.n: s for s in ans.sources}
        first = by_n[ans.sentences[0].source]
        rel = set(q.relevant)
        first_ok.append(1.0 if section_key(first.doc_id, first.section_id) in rel else 0.0)
        faithful += [1.0 if sentence_faithful(answerer.corpus_dir, by_n[s.source], s) else 0.0 for s in ans.sentences]
        if ans.kind == "interview":
            bank_ok.append(1.0 if section_key(first.doc_id, first.section_id) in rel else 0.0)
    abstained_u = sum(1 for q in unanswerable if answerer.answer(q.question, generator=None).abstained)
    tp, fp, fn = abstained_u, abstained_a, len(unanswerable) - abstained_u

    def s(vals):
        return {"mean": float(np.mean(vals)) if vals else float("nan"), "ci": bootstrap_ci(vals), "n": len(vals)}

    return {"answer_first_rate": s(first_ok), "citation_faithfulness": s(faithful),
            "interview_match_precision": s(bank_ok), "kinds": kinds,
            "abstention": {"precision": tp / (tp + fp) if tp + fp else float("nan"),
                           "recall": tp / (tp + fn) if tp + fn else float("nan"),
                           "tp": tp, "fp": fp, "fn": fn, "n_answerable": len(answerable),
                           "n_unanswerable": len(unanswerable)}}


def pairs_match_precision(answerer, split: str = "heldout") -> dict[str, Any]:
    """Interview-match precision and recall of the served matcher on the close-but-different pairs of ``split``."""
    pairs = load_interview_pairs(split)
    got = match_outcomes(answerer, [(p["question"], p["bank_id"]) for p in pairs])
    return match_precision(got, answerer.interview_threshold, sum(p["bank_id"] is not None for p in pairs))
