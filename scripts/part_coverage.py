"""Part coverage of the extractive answers to the multi-part development questions (round 10b).

For each development question of several asks (:func:`~mlnotes.assistant.answering.lead.question_asks`: gold
``tune``, the external set and ``judged_fresh*.jsonl`` 1-9; never the gold ``heldout`` split nor a fresh set not
yet judged), the answer of the
default extractive pipeline (no interview-bank answers, as ``scripts/judge_answers.py``'s served settings would
give) is read and each ask is counted:

* **answerable**: a sentence of the chunks of the top three hits names the ask's terms
  (:func:`~mlnotes.assistant.answering.lead.answers_ask`), so a retrieved section states it (lexically);
* **answered**: one of the answer's first three units names them (a unit is a sentence; the rows of one table
  shown together are one unit; a code block is skipped).

Since round 12 each ask is also counted by the test ``cover_asks`` now uses (:func:`~mlnotes.assistant.answering.
compose.item_asks`, :func:`~mlnotes.assistant.answering.compose.answers_item_ask`): an ask that names things (a
quoted rule, an acronym, the two sides of "A or B?", the things a "why does that happen?" points back to) is
answered only by a unit that names them all as whole terms, and a why ask about one thing by one that opens on it;
the sides of "A or B?" are one more ask.

The first test is lexical and is the one :func:`~mlnotes.assistant.answering.compose.cover_asks` used, so the
numbers say whether that step does what it says; whether the sentence really answers the ask is for a reader (the
``--show`` option prints each ask and its first matching unit, or none).

    PYTHONPATH=. python scripts/part_coverage.py                    # the counts
    PYTHONPATH=. python scripts/part_coverage.py --show 20 --json out.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "eval" / "datasets"
FRESH = ["judged_fresh.jsonl", *(f"judged_fresh{i}.jsonl" for i in range(2, 10))]


def dev_questions() -> list[dict[str, Any]]:
    """Every development question: gold ``tune``, external, fresh 1-9 (not a later fresh set nor gold heldout)."""
    out = []
    for line in (DATASETS / "gold.jsonl").read_text().splitlines():
        d = json.loads(line)
        if d.get("split") == "tune":
            out.append({"id": d["id"], "set": "gold-tune", "question": d["question"]})
    for name in ["external.jsonl", *FRESH]:
        path = DATASETS / name
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                if d.get("answerable", True):
                    out.append({"id": d["id"], "set": name.removesuffix(".jsonl"), "question": d["question"]})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="write one record per ask to this file")
    ap.add_argument("--show", type=int, default=0, help="print this many asks, drawn at random (seed 0)")
    args = ap.parse_args(argv)

    from mlnotes.assistant.answering.compose import answers_item_ask, chunk_candidates, item_asks
    from mlnotes.assistant.answering.lead import answers_ask, ask_of, asks_why, question_asks
    from mlnotes.assistant.answering.render import answer_units
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.settings import get_settings
    from mlnotes.eval.answers import make_answerer
    from mlnotes.kb.search import open_retriever

    s = get_settings()
    index = open_retriever(s.search_backend, index_dir=s.index_dir, corpus_dir=s.corpus_dir,
                           defaults=s.fusion_params)
    answerer = make_answerer(index, s.corpus_dir)
    records = []
    item_records = []
    for q in dev_questions():
        asks = question_asks(q["question"])
        named = item_asks(q["question"])
        if not asks and not named:
            continue
        r = retrieve(answerer.index, q["question"], "hybrid", 6, None)
        ans = answerer.answer(q["question"])
        first = answer_units(ans.sentences)[:3]
        top = []
        for h in r.hits[:3]:
            top += [c.text for c in chunk_candidates(h)]
        for part, terms in asks:
            hit = next((u for u in first if answers_ask(terms, u)), None)
            records.append({"id": q["id"], "set": q["set"], "question": q["question"], "ask": part,
                            "terms": sorted(terms), "kind": ans.kind,
                            "answerable": any(answers_ask(terms, t) for t in top),
                            "answered": hit is not None, "by": hit})
        for part, terms, items in named:
            why = bool(part) and asks_why(ask_of(part) or "")
            hit = next((u for u in first if answers_item_ask(terms, items, u, why)), None)
            item_records.append({"id": q["id"], "set": q["set"], "ask": part or "(A or B)",
                                 "items": [sorted(sorted(s) for s in i.spellings) for i in items],
                                 "answerable": any(answers_item_ask(terms, items, t, why) for t in top),
                                 "answered": hit is not None, "by": hit})
    n = len(records)
    answered = sum(r["answered"] for r in records)
    able = [r for r in records if r["answerable"]]
    print(f"questions with several asks: {len({(r['set'], r['id']) for r in records})}, asks: {n}")
    print(f"asks answered among the first 3 units: {answered}/{n}")
    print(f"asks a top-3 chunk answers (lexically): {len(able)}; of those answered: "
          f"{sum(r['answered'] for r in able)}/{len(able)}")
    by_set: dict[str, list[int]] = {}
    for r in records:
        c = by_set.setdefault(r["set"], [0, 0])
        c[0] += r["answered"]
        c[1] += 1
    for name, (a, t) in sorted(by_set.items()):
        print(f"  {name}: {a}/{t}")
    print("\nthe round-12 test (asks that name things answered only by units that name them):")
    for label, recs in (("all asks", item_records), ("asks that name things", [r for r in item_records if r["items"]])):
        able = [r for r in recs if r["answerable"]]
        print(f"  {label}: {len(recs)}, answered among the first 3 units: {sum(r['answered'] for r in recs)}; "
              f"a top-3 chunk answers: {len(able)}, of those answered: {sum(r['answered'] for r in able)}")
    if args.show:
        for r in random.Random(0).sample(records, min(args.show, n)):
            print(f"\n{r['set']} {r['id']}: {r['question']}\n  ask: {r['ask']} {r['terms']}\n  by: {r['by']}")
    if args.json:
        args.json.write_text(json.dumps({"asks": records, "item_asks": item_records}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
