"""Calibrate the assistant's thresholds on the **tune** split: ``python -m mlnotes.eval.calibrate``.

* ``abstain_threshold``: the answerer abstains when the best dense cosine among its retrieved chunks is below
  it. Chosen to maximize the F1 of abstention, ties broken by balanced accuracy (answerable tune questions against unanswerable tune
  questions), among the thresholds that refuse at most 1 % of the answerable questions
  (``MAX_FALSE_ABSTENTION_RATE``; the combined rule below keeps to it too); the threshold is placed midway
  between the two neighbouring observed supports.
* ``interview_match_threshold``: a question is answered from the interview bank when a bank entry among the top
  retrieved sections asks the same kind of question and its cosine with the question reaches the threshold
  (:mod:`mlnotes.assistant.answering.bank`). Chosen as the best recall among thresholds whose precision of *correct*
  matches reaches 0.97 on the tune split (a wrong bank answer is shown with full confidence), a match being
  correct when the matched bank question is one of the question's relevant sections, or for the close-but-different
  pairs of ``eval/datasets/interview_pairs.jsonl`` the pair's ``bank_id``; unanswerable
  questions only count as false matches. ``--interview-only`` recalibrates just this one.

* ``abstain_coverage``: a second abstention rule on the questions the support threshold lets through: abstain when
  the IDF-weighted coverage of the question's terms by the top two hits (the better one) is below ``coverage`` *and* the support below
  ``support`` (:class:`mlnotes.assistant.answering.retrieve.CoverageRule`). Chosen on the tune split by the F1 of
  the combined rule (ties: balanced accuracy); the tune split's unanswerable questions are off-topic and leave a
  wide band of equally good rules, so among the tied rules the median support bound and, at it, the median
  coverage bound are taken (the middle of the band, not its edge next to an answerable question).

Writes ``assistant/calibration.json`` with the thresholds, their tune-split scores and the heldout scores
(heldout is only reported, never used to choose).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from mlnotes.eval.answers import (
    abstention_scores,
    coverage_signal,
    load_interview_pairs,
    make_answerer,
    match_outcomes,
)
from mlnotes.eval.data import load_gold, load_unanswerable

CALIBRATION_PATH = Path(__file__).resolve().parent.parent / "assistant" / "calibration.json"


def _candidates(values: list[float]) -> list[float]:
    v = sorted(set(round(x, 6) for x in values))
    return [(a + b) / 2 for a, b in zip(v, v[1:])] or v


# A refusal of an answerable question costs the user the answer the corpus has; at most this share of the
# answerable tune questions may be refused by either abstention rule (round 6: with int8 query vectors the
# unconstrained F1 optimum refused 5 of 373, where the earlier calibrations had refused 1-2).
MAX_FALSE_ABSTENTION_RATE = 0.01


def choose_abstain(sup_a: list[float], sup_u: list[float]) -> dict[str, float]:
    """The support threshold with the best F1 of abstention (ties: balanced accuracy, then the lower threshold)
    among those that refuse at most :data:`MAX_FALSE_ABSTENTION_RATE` of the answerable questions."""
    best = None
    for t in _candidates(sup_a + sup_u):
        s = abstention_scores(sup_a, sup_u, t)
        if s["false_abstention_rate"] > MAX_FALSE_ABSTENTION_RATE and best is not None:
            continue  # (the lowest candidate is always kept, so there is a choice)
        key = (round(s["f1"], 6), round(s["balanced_accuracy"], 6), -t)
        if best is None or key > best[0]:
            best = (key, s)
    return best[1]


def coverage_scores(sig_a: list[tuple[float, float]], sig_u: list[tuple[float, float]], threshold: float,
                    coverage: float, support_bound: float) -> dict[str, float]:
    """Abstention scores of the combined rule: support < ``threshold``, or coverage < ``coverage`` and support <
    ``support_bound``; ``sig_*`` are ``(support, coverage)`` pairs."""
    def abstains(s: float, c: float) -> bool:
        return s < threshold or (s < support_bound and c < coverage)

    # abstention_scores abstains below its threshold: feed it 0 for "abstains" and 1 for "answers"
    a = [0.0 if abstains(s, c) else 1.0 for s, c in sig_a]
    u = [0.0 if abstains(s, c) else 1.0 for s, c in sig_u]
    out = abstention_scores(a, u, 0.5)
    out.update(threshold=float(threshold), coverage=float(coverage), support=float(support_bound))
    return out


def _upto(values: list[float], top: float) -> list[float]:
    """``values`` (sorted) up to and including the first one above ``top``."""
    out = []
    for v in values:
        out.append(v)
        if v > top:
            break
    return out


def choose_coverage(sig_a: list[tuple[float, float]], sig_u: list[tuple[float, float]],
                    threshold: float) -> dict[str, float]:
    """The coverage rule with the best F1 of the combined abstention on these (tune) signals (ties: balanced
    accuracy); among tied rules the median support bound and, at it, the median coverage bound."""
    # bounds above every unanswerable question's value only add false abstentions: stop at the first one above
    sups = _upto([x for x in _candidates([s for s, _ in sig_a + sig_u]) if x > threshold],
                 max((s for s, _ in sig_u), default=threshold))
    covs = _upto(_candidates([c for _, c in sig_a + sig_u]), max((c for _, c in sig_u), default=0.0))
    scored = []
    for sb in sups:
        for c in covs:
            r = coverage_scores(sig_a, sig_u, threshold, c, sb)
            if r["false_abstention_rate"] > MAX_FALSE_ABSTENTION_RATE:
                continue
            scored.append(((round(r["f1"], 6), round(r["balanced_accuracy"], 6)), sb, c))
    if not scored:
        return coverage_scores(sig_a, sig_u, threshold, 0.0, threshold)
    best = max(k for k, _, _ in scored)
    tied = [(sb, c) for k, sb, c in scored if k == best]
    sb_all = sorted({sb for sb, _ in tied})
    sb = sb_all[len(sb_all) // 2]
    c_all = sorted(c for s_, c in tied if s_ == sb)
    return coverage_scores(sig_a, sig_u, threshold, c_all[len(c_all) // 2], sb)


def interview_matches(answerer, questions, pairs=()) -> list[tuple[float, bool]]:
    """(score, correct) of the gated bank match (:meth:`BankMatcher.best_retrieved`) per gold or unanswerable
    question (correct when the matched entry is a relevant section) and per close-but-different pair (correct when
    it is the pair's ``bank_id``); the score is ``-1`` when no bank entry is eligible."""
    items = [(q.question, set(q.relevant)) for q in questions] + [(p["question"], p["bank_id"]) for p in pairs]
    return [(s, ok) for s, ok, _ in match_outcomes(answerer, items)]


def match_scores(pairs: list[tuple[float, bool]], t: float, beta: float = 0.5) -> dict[str, float]:
    tp = sum(1 for s, ok in pairs if s >= t and ok)
    fp = sum(1 for s, ok in pairs if s >= t and not ok)
    fn = sum(1 for s, ok in pairs if s < t and ok)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 0.0
    b2 = beta * beta
    f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
    return {"threshold": float(t), "precision": p, "recall": r, "f0.5": f, "matched": tp + fp}


MIN_MATCH_PRECISION = 0.97  # a wrong bank answer is shown with full confidence: precision comes first


def choose_match(pairs: list[tuple[float, bool]], min_precision: float = MIN_MATCH_PRECISION) -> dict[str, float]:
    """The threshold with the best recall among those whose precision reaches ``min_precision`` (ties: the
    higher threshold); when none does, the best F0.5."""
    best = None
    for t in _candidates([s for s, _ in pairs if s >= 0]):
        s = match_scores(pairs, t)
        key = (s["precision"] >= min_precision, round(s["recall"] if s["precision"] >= min_precision
                                                      else s["f0.5"], 6), t)
        if best is None or key > best[0]:
            best = (key, s)
    return best[1]


def calibrate(index, corpus_dir: Path, write: bool = True, path: Path = CALIBRATION_PATH,
              interview_only: bool = False) -> dict[str, Any]:
    """Both thresholds, or with ``interview_only`` just the interview match (the abstention entries of the
    existing file are kept as they are)."""
    answerer = make_answerer(index, corpus_dir, abstain_threshold=0.0, interview_threshold=2.0)
    data = {}
    for split in ("tune", "heldout"):
        gold, unans = load_gold(split), load_unanswerable(split)
        data[split] = {
            "sig_a": [] if interview_only else [coverage_signal(answerer, q.question) for q in gold],
            "sig_u": [] if interview_only else [coverage_signal(answerer, q.question) for q in unans],
            "match": interview_matches(answerer, list(gold) + list(unans), load_interview_pairs(split))
            if answerer.bank else [],
        }
    tune, held = data["tune"], data["heldout"]
    for d in (tune, held):
        d["sup_a"], d["sup_u"] = [s for s, _ in d["sig_a"]], [s for s, _ in d["sig_u"]]
    if interview_only:
        out = json.loads(path.read_text()) if path.exists() else {}
        out.update(_interview_entries(tune, held))
        return _write(out, path) if write else out
    ab = choose_abstain(tune["sup_a"], tune["sup_u"])
    t_ab = round(ab["threshold"], 4)
    out: dict[str, Any] = {
        "abstain_threshold": t_ab,
        "source": "eval/calibrate.py: maximize F1 of abstention (ties: balanced accuracy), refusing at most "
                  f"{MAX_FALSE_ABSTENTION_RATE:.0%} of the answerable questions, on the tune split "
                  f"({len(tune['sup_a'])} answerable, {len(tune['sup_u'])} unanswerable questions); "
                  "heldout is reported only",
        "abstain_tune": abstention_scores(tune["sup_a"], tune["sup_u"], t_ab),
        "abstain_heldout": abstention_scores(held["sup_a"], held["sup_u"], t_ab),
        "support_quantiles": {
            "answerable_tune": [float(x) for x in np.quantile(tune["sup_a"], [0.0, 0.05, 0.5])],
            "unanswerable_tune": [float(x) for x in np.quantile(tune["sup_u"], [0.5, 0.95, 1.0])],
        },
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    cov = choose_coverage(tune["sig_a"], tune["sig_u"], t_ab)
    c_cov, s_cov = round(cov["coverage"], 4), round(cov["support"], 4)
    out["abstain_coverage"] = {"coverage": c_cov, "support": s_cov}
    out["abstain_coverage_source"] = (
        "eval/calibrate.py: also abstain when the top two hits' IDF-weighted term coverage is below 'coverage' and "
        "the support below 'support'; the best F1 of the combined rule on the tune split (ties: balanced "
        "accuracy, then the middle of the tied band); heldout is reported only")
    out["abstain_combined_tune"] = coverage_scores(tune["sig_a"], tune["sig_u"], t_ab, c_cov, s_cov)
    out["abstain_combined_heldout"] = coverage_scores(held["sig_a"], held["sig_u"], t_ab, c_cov, s_cov)
    out.update(_interview_entries(tune, held))
    return _write(out, path) if write else out


def _write(out: dict[str, Any], path: Path) -> dict[str, Any]:
    path.write_text(json.dumps(out, indent=2) + "\n")
    try:
        from mlnotes.assistant.answer import load_calibration

        load_calibration.cache_clear()
    except Exception:  # noqa: BLE001
        pass
    return out


def _interview_entries(tune: dict[str, Any], held: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if tune["match"]:
        m = choose_match(tune["match"])
        t_m = round(m["threshold"], 4)
        out["interview_match_threshold"] = t_m
        out["interview_match_tune"] = match_scores(tune["match"], t_m)
        out["interview_match_heldout"] = match_scores(held["match"], t_m)
        out["interview_match_created_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        out["interview_match_source"] = (
            f"the best recall with precision >= {MIN_MATCH_PRECISION} of correct bank matches on the tune split of gold + unanswerable + "
            "eval/datasets/interview_pairs.jsonl; only a bank entry among the top retrieved sections that asks the "
            "same kind of question is eligible (assistant/answering/bank.py); a match is correct when the entry "
            "is a relevant section (gold) or the pair's bank_id (pairs)")
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    from mlnotes.assistant.settings import get_settings
    from mlnotes.kb.search import open_retriever

    s = get_settings()
    ap = argparse.ArgumentParser(description="calibrate the abstention and interview-match thresholds")
    ap.add_argument("--corpus", type=Path, default=s.corpus_dir)
    ap.add_argument("--index", type=Path, default=s.index_dir)
    ap.add_argument("--dry-run", action="store_true", help="print, do not write assistant/calibration.json")
    ap.add_argument("--interview-only", action="store_true",
                    help="recalibrate only the interview-match threshold, keeping the abstention entries")
    args = ap.parse_args(argv)
    index = open_retriever(s.search_backend, index_dir=args.index, corpus_dir=args.corpus, defaults=s.fusion_params,
                           log=print)
    out = calibrate(index, args.corpus, write=not args.dry_run, interview_only=args.interview_only)
    print(json.dumps(out, indent=2))
    if not args.dry_run:
        print(f"wrote {CALIBRATION_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
