"""How many development questions give their own numbers, and which get an "On your numbers" line.

Reads the development sets only (gold ``tune`` split, ``external.jsonl``, ``judged_fresh.jsonl`` to
``judged_fresh13.jsonl``), answers each question that states a number (a digit in its text) with the default
pipeline, and prints every worked line with its question for hand-checking, then the counts::

    PYTHONPATH=. python scripts/worked_coverage.py [--json OUT]
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
    for n in ["", *range(2, 14)]:
        path = DATA / f"judged_fresh{n}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append({"set": f"fresh{n or 1}", **json.loads(line)})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
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
