"""How many development questions give their own numbers, and which get an "On your numbers" line.

Reads the development sets only (gold ``tune`` split, ``external.jsonl``, ``judged_fresh.jsonl`` to
``judged_fresh14.jsonl``), answers each question that states a number (a digit in its text) with the default
pipeline, and prints every worked line with its question for hand-checking, then the counts::

    PYTHONPATH=. python scripts/worked_coverage.py [--json OUT]

With ``--survey`` it reads only the corpus: every section whose text (code included) contains a worked computation
(:data:`WORKED`: a number, an operator, a number, then ``=``, ``≈`` or ``\\approx`` and a number), with the sections
the registry ties, and which formula covers each (``S`` marks a section the pattern found). The pattern also finds
code checks that are not formulas on given values; the survey in docs/answer-quality.md (round 15, num16v) sorts
those out by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "eval" / "datasets"


def dev_questions() -> list[dict]:
    out = []
    for line in (DATA / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("split") == "tune":
            out.append({"set": "gold-tune", **q})
    for line in (DATA / "external.jsonl").read_text(encoding="utf-8").splitlines():
        out.append({"set": "external", **json.loads(line)})
    for n in ["", *range(2, 15)]:
        path = DATA / f"judged_fresh{n}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append({"set": f"fresh{n or 1}", **json.loads(line)})
    return out


WORKED = re.compile(r"\d[\d.,]*\s*(?:\\times|\\cdot|\*|×|·|/|\+|-|\^)\s*\(?\d[^$\n]{0,60}?(?:==?|\\approx|≈)\s*\\?\$?\s*-?\d")


def survey() -> list[tuple[str, bool, str]]:
    """(section key, found by :data:`WORKED`, covering formula id or "") for every section the pattern finds or the
    registry ties."""
    from mlnotes.assistant.answering.worked import FORMULAS
    from mlnotes.assistant.corpus import section_chunk_texts

    texts = section_chunk_texts(ROOT / "corpus")
    found = {k for k, v in texts.items() if WORKED.search("\n".join(v))}
    tied = {k: f.id for f in FORMULAS for k in f.sections}
    return [(k, k in found, tied.get(k, "")) for k in sorted(found | set(tied))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--survey", action="store_true", help="list the corpus's worked computations and their coverage")
    args = ap.parse_args(argv)
    if args.survey:
        rows = survey()
        for key, hit, fid in rows:
            print(f"{'S' if hit else '-'} {fid or '.':<26} {key}")
        print(f"sections: {len(rows)} (found by the pattern: {sum(h for _, h, _ in rows)}); "
              f"tied to a formula: {sum(bool(f) for _, _, f in rows)}")
        return 0
    from mlnotes.assistant.settings import get_settings
    from mlnotes.eval.answers import make_answerer
    from mlnotes.kb.search import open_retriever

    s = get_settings()
    index = open_retriever(s.search_backend, index_dir=s.index_dir, corpus_dir=s.corpus_dir, defaults=s.fusion_params)
    answerer = make_answerer(index, s.corpus_dir)
    qs = dev_questions()
    numeric = [q for q in qs if re.search(r"\d", q["question"])]
    rows = []
    for q in numeric:
        ans = answerer.answer(q["question"], generator=None)
        rows.append({"set": q["set"], "id": q["id"], "question": q["question"], "worked": ans.worked})
        for w in ans.worked:
            print(f"{q['id']} [{w['formula']}] {q['question']}\n    -> {w['text']}\n")
    got = [r for r in rows if r["worked"]]
    print(f"development questions: {len(qs)}; stating a number: {len(numeric)}; with a worked line: {len(got)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
