"""Print the current answers to the 40 hand-judged questions of docs/answer-quality.md, for judging them again.

The questions are read from the table in ``docs/answer-quality.md``: an external id (``ml-05``, ``nlp-02``) is
looked up in ``eval/datasets/external.jsonl`` for its full wording and its labelled relevant sections; an own
question (``own-07``) is taken as the table writes it. Each is answered by the default extractive pipeline over
the configured index (the served settings, no LLM), and printed with what a judge needs: the answer kind, the
first sentence and the section and lines it cites, whether that section is a labelled relevant one (external
questions only), the whole answer text, its numbered sources and the implementations Run would offer.

    PYTHONPATH=. python scripts/judge_answers.py                 # readable text
    PYTHONPATH=. python scripts/judge_answers.py --json out.json # the same as JSON
    PYTHONPATH=. python scripts/judge_answers.py --ids ml-41,own-17
    PYTHONPATH=. python scripts/judge_answers.py --fresh         # the 20 fresh questions (fr-01 ... fr-20)
    PYTHONPATH=. python scripts/judge_answers.py --fresh2        # the round-6 fresh questions (f2-01 ... f2-20)
    PYTHONPATH=. python scripts/judge_answers.py --fresh3        # the round-7 fresh questions (f3-01 ... f3-20)
    PYTHONPATH=. python scripts/judge_answers.py --fresh4        # the round-8 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh5        # the round-8b fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh6        # the round-8c fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh7        # the round-10 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh8        # the round-10b fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh9        # the round-11 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh10       # the round-12 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh11       # the round-13 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh12       # the round-14 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh13       # the round-15 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh14       # the round-16 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh15       # the round-17 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh16       # the round-18 fresh questions
    PYTHONPATH=. python scripts/judge_answers.py --fresh17       # the round-19 fresh questions

``--fresh`` answers the questions of ``eval/datasets/judged_fresh.jsonl`` instead: 20 questions written for the
second table of the note before the code they test was changed, with their labelled relevant sections.
``--fresh2`` does the same for ``eval/datasets/judged_fresh2.jsonl``, written the same way in round 6, and
``--fresh3`` for ``eval/datasets/judged_fresh3.jsonl``, written the same way in round 7, and ``--fresh4`` for
``eval/datasets/judged_fresh4.jsonl``, written in round 8 by another author, and ``--fresh5`` for
``eval/datasets/judged_fresh5.jsonl``, written after round 8 by another author, and ``--fresh6`` for
``eval/datasets/judged_fresh6.jsonl``, written in round 8c by another author, and ``--fresh7`` for
``eval/datasets/judged_fresh7.jsonl``, written in round 10 by another author, and ``--fresh8`` for
``eval/datasets/judged_fresh8.jsonl``, written in round 10's second cycle by another author, and ``--fresh9`` for
``eval/datasets/judged_fresh9.jsonl``, written in round 11 by another author, and ``--fresh10`` for
``eval/datasets/judged_fresh10.jsonl``, written in round 12 by another author, and ``--fresh11`` for
``eval/datasets/judged_fresh11.jsonl``, written in round 13 by another author, and ``--fresh12`` for
``eval/datasets/judged_fresh12.jsonl``, written in round 14 by another author, and ``--fresh13`` for
``eval/datasets/judged_fresh13.jsonl``, written in round 15 by another author, and ``--fresh14`` for
``eval/datasets/judged_fresh14.jsonl``, written in round 16 by another author, and ``--fresh15`` for
``eval/datasets/judged_fresh15.jsonl``, written in round 17 by another author, and ``--fresh16`` for
``eval/datasets/judged_fresh16.jsonl``, written in round 18 by another author, and ``--fresh17`` for
``eval/datasets/judged_fresh17.jsonl``, written in round 19 by another author; a question's ``expect`` field (what its
author expects a useful answer to say), when present, is printed with its answer for the judge.

The verdict columns of the table (correct, direct, complete, useful, reason) are left to the judge.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTE = ROOT / "docs" / "answer-quality.md"
FRESH = ROOT / "eval" / "datasets" / "judged_fresh.jsonl"
FRESH2 = ROOT / "eval" / "datasets" / "judged_fresh2.jsonl"
FRESH3 = ROOT / "eval" / "datasets" / "judged_fresh3.jsonl"
FRESH4 = ROOT / "eval" / "datasets" / "judged_fresh4.jsonl"
FRESH5 = ROOT / "eval" / "datasets" / "judged_fresh5.jsonl"
FRESH6 = ROOT / "eval" / "datasets" / "judged_fresh6.jsonl"
FRESH7 = ROOT / "eval" / "datasets" / "judged_fresh7.jsonl"
FRESH8 = ROOT / "eval" / "datasets" / "judged_fresh8.jsonl"
FRESH9 = ROOT / "eval" / "datasets" / "judged_fresh9.jsonl"
FRESH10 = ROOT / "eval" / "datasets" / "judged_fresh10.jsonl"
FRESH11 = ROOT / "eval" / "datasets" / "judged_fresh11.jsonl"
FRESH12 = ROOT / "eval" / "datasets" / "judged_fresh12.jsonl"
FRESH13 = ROOT / "eval" / "datasets" / "judged_fresh13.jsonl"
FRESH14 = ROOT / "eval" / "datasets" / "judged_fresh14.jsonl"
FRESH15 = ROOT / "eval" / "datasets" / "judged_fresh15.jsonl"
FRESH16 = ROOT / "eval" / "datasets" / "judged_fresh16.jsonl"
FRESH17 = ROOT / "eval" / "datasets" / "judged_fresh17.jsonl"
FRESH18 = ROOT / "eval" / "datasets" / "judged_fresh18.jsonl"
FRESH19 = ROOT / "eval" / "datasets" / "judged_fresh19.jsonl"
#: the fresh-set flags, newest first (the first one given wins): flag, the module constant holding its file (read
#: when the flag is used, so tests can point it elsewhere), its id prefix and when it was written
FRESH_SETS = (("fresh19", "FRESH19", "f19", "round-21"), ("fresh18", "FRESH18", "f18", "round-20"), ("fresh17", "FRESH17", "f17", "round-19"), ("fresh16", "FRESH16", "f16", "round-18"), ("fresh15", "FRESH15", "f15", "round-17"),
              ("fresh14", "FRESH14", "f14", "round-16"), ("fresh13", "FRESH13", "f13", "round-15"),
              ("fresh12", "FRESH12", "f12", "round-14"), ("fresh11", "FRESH11", "f11", "round-13"), ("fresh10", "FRESH10", "f10", "round-12"), ("fresh9", "FRESH9", "f9", "round-11"), ("fresh8", "FRESH8", "f8", "round-10b"), ("fresh7", "FRESH7", "f7", "round-10"), ("fresh6", "FRESH6", "f6", "round-8c"), ("fresh5", "FRESH5", "f5", "round-8b"),
              ("fresh4", "FRESH4", "f4", "round-8"), ("fresh3", "FRESH3", "f3", "round-7"),
              ("fresh2", "FRESH2", "f2", "round-6"), ("fresh", "FRESH", "fr", "round-5"))
_ROW_RE = re.compile(r"^\|\s*((?:ml|nlp|own)-[\w~]+)\s*\|\s*(.+?)\s*\|")


def table_questions(note: Path = NOTE) -> list[tuple[str, str]]:
    """``(id, question as written in the table)`` for every row of the hand-judged 40-question table, in order: the
    rows under the heading "The 40 questions ..." (later sections of the note judge the same external questions
    again and are not part of the table)."""
    out, inside = [], False
    for line in note.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = line.lstrip("#").strip().startswith("The 40 questions")
            continue
        m = _ROW_RE.match(line) if inside else None
        if m:
            out.append((m.group(1), re.sub(r"\s*\(unanswerable\)\s*$", "", m.group(2))))
    return out


def questions(ids: set[str] | None = None) -> list[dict[str, Any]]:
    """The table's questions with their full wording and, for external ones, their labels."""
    from mlnotes.eval.data import load_external

    ext = {q.id: q for q in load_external()}
    out = []
    for qid, text in table_questions():
        if ids and qid not in ids:
            continue
        q = ext.get(qid)
        out.append({"id": qid, "question": q.question if q else text,
                    "relevant": list(q.relevant) if q else None,
                    "answerable": q.answerable if q else True})
    return out


def fresh_questions(ids: set[str] | None = None, path: Path = FRESH) -> list[dict[str, Any]]:
    """The fresh questions (``fr-01`` ...) with their labelled relevant sections (and ``expect`` when given)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; write the fresh question set there first")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            if not ids or q["id"] in ids:
                item = {"id": q["id"], "question": q["question"], "relevant": list(q["relevant"]) if "relevant" in q else None,
                        "answerable": bool(q.get("answerable", True))}
                if q.get("expect"):
                    item["expect"] = q["expect"]
                out.append(item)
    return out


def judge_record(answerer: Any, item: dict[str, Any]) -> dict[str, Any]:
    """The answer to one table question with the fields a judge reads."""
    from mlnotes.assistant.answering.render import display_text
    from mlnotes.eval.data import section_key

    ans = answerer.answer(item["question"], generator=None)
    rec: dict[str, Any] = {**item, "kind": ans.kind, "abstained": ans.abstained,
                           "confidence": round(float(ans.confidence), 3), "text": ans.text,
                           "sources": [f"[{s.n}] {s.path}:{s.line_start}-{s.line_end} "
                                       f"{' > '.join(s.breadcrumbs)}" for s in ans.sources],
                           "run": [a["name"] for a in ans.algorithms],
                           "closest": [f"{s.path}:{s.line_start}-{s.line_end} {s.heading}" for s in ans.closest]}
    if ans.sentences:
        first = ans.sentences[0]
        src = next(s for s in ans.sources if s.n == first.source)
        key = section_key(src.doc_id, src.section_id)
        rec["first_sentence"] = display_text(first.text)  # as the answer shows it
        rec["first_cites"] = f"[{src.n}] {src.path}:{first.line_start}-{first.line_end} ({key})"
        rec["first_relevant"] = (key in item["relevant"]) if item["relevant"] is not None else None
    return rec


def render(rec: dict[str, Any]) -> str:
    rel = rec.get("first_relevant")
    lines = [f"## {rec['id']}: {rec['question']}",
             f"kind: {rec['kind']}   confidence: {rec['confidence']}"
             + ("" if rec["answerable"] else "   (labelled unanswerable by this corpus)")]
    if rec.get("expect"):
        lines.append(f"expected (by the question's author): {rec['expect']}")
    if rec["abstained"]:
        lines.append("ABSTAINED; closest: " + "; ".join(rec["closest"]))
    else:
        lines.append(f"first sentence: {rec.get('first_sentence', '')}")
        lines.append(f"  cites {rec.get('first_cites', '')}"
                     + ("" if rel is None else f"   labelled relevant: {'yes' if rel else 'no'}"))
        lines += ["", rec["text"], "", "sources:", *[f"  {s}" for s in rec["sources"]],
                  f"Run offers: {', '.join(rec['run']) or '(none)'}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="print the current answers to the hand-judged questions")
    ap.add_argument("--ids", help="comma-separated table ids to print (default: all 40)")
    ap.add_argument("--json", type=Path, help="also write the records to this JSON file")
    for name, const, _, when in FRESH_SETS:
        ap.add_argument(f"--{name}", action="store_true",
                        help=f"answer the {when} fresh questions of eval/datasets/{globals()[const].name} instead "
                             "(prints each question's 'expect' field when present)")
    args = ap.parse_args(argv)
    chosen = next(((name, globals()[const]) for name, const, _, _ in FRESH_SETS if getattr(args, name)), None)
    if chosen and not chosen[1].is_file():
        print(f"{chosen[1]} does not exist yet; --{chosen[0]} needs that question set", file=sys.stderr)
        return 2

    from mlnotes.assistant.settings import get_settings
    from mlnotes.eval.answers import make_answerer
    from mlnotes.kb.search import open_retriever

    s = get_settings()
    index = open_retriever(s.search_backend, index_dir=s.index_dir, corpus_dir=s.corpus_dir,
                           defaults=s.fusion_params)
    answerer = make_answerer(index, s.corpus_dir)
    ids = set(args.ids.split(",")) if args.ids else None
    items = fresh_questions(ids, chosen[1]) if chosen else questions(ids)
    if not items:
        hints = ", ".join(f"{prefix}-03 with --{name}" for name, _, prefix, _ in reversed(FRESH_SETS))
        print(f"no table questions matched {args.ids!r}; ids look like ml-05, nlp-02, own-07 ({hints})",
              file=sys.stderr)
        return 2
    records = [judge_record(answerer, it) for it in items]
    for rec in records:
        print(render(rec))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
