"""Measure how often a local model's sentences are supported by the passage they cite.

For a sample of the gold and external questions: retrieve, hand the passages to the generator (the bank match
is skipped here on purpose, so every question exercises generation), and run :func:`mlnotes.assistant.grounding.
check_support` on the answer. Prints, per set, the sentences generated, the share supported before filtering,
the answers that would fall back to the extractive one, and writes every sentence with its verdict to a JSON
file for reading by hand (the share *after* filtering is 1 by construction; whether the kept sentences are
really true is what the hand check answers).

    PYTHONPATH=. python scripts/measure_support.py --n 12 --out /tmp/support.json [--backend llamacpp]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sample(path: Path, n: int, seed: int) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("split", "heldout") == "heldout"] or rows
    return random.Random(seed).sample(rows, min(n, len(rows)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=12, help="questions per set")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backend", default="llamacpp", choices=["llamacpp", "transformers"])
    ap.add_argument("--max-new-tokens", type=int, default=160)
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: every core; use 1 on "
                                                               "a busy shared machine, where more spin and crawl)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/support.json"))
    args = ap.parse_args()

    from mlnotes.assistant.answering.compose import passages_for
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.generation import load_generator
    from mlnotes.assistant.grounding import DEFAULT_MIN_SHARE, check_support, filter_citations
    from mlnotes.assistant.services import open_index
    from mlnotes.assistant.settings import GenerationConfig, get_settings

    settings = get_settings()
    index = open_index(settings, progress=False, log=lambda m: None)
    if args.backend == "llamacpp":
        from mlnotes.assistant.generation.llamacpp_backend import LlamaCppGenerator

        gen = LlamaCppGenerator(None, n_threads=args.threads)  # greedy, the bundled SmolLM2 GGUF
    else:
        gen = load_generator(GenerationConfig(backend=args.backend))
    out: dict = {"generator": gen.name, "sets": {}}
    for name in ("gold", "external"):
        rows = sample(ROOT / "eval" / "datasets" / f"{name}.jsonl", args.n, args.seed)
        total = kept = fallbacks = 0
        items = []
        t0 = time.perf_counter()
        for row in rows:
            r = retrieve(index, row["question"], "hybrid", 6)
            used, passages = passages_for(r.hits)
            raw = "".join(gen.generate(row["question"], passages, max_new_tokens=args.max_new_tokens))
            print(f"  {row['id']}: {len(raw)} chars", flush=True)
            text, _ = filter_citations(raw, len(used))
            rep = check_support(text, passages, index.embed_texts)
            total += len(rep.sentences)
            kept += len(rep.kept)
            fell = not rep.kept or rep.share < DEFAULT_MIN_SHARE
            fallbacks += fell
            items.append({"id": row["id"], "question": row["question"], "raw": raw, "fell_back": fell,
                          "sentences": [{"text": s.text, "supported": s.supported, "reason": s.reason,
                                         "lexical": s.lexical, "semantic": s.semantic, "passage": s.passage,
                                         "span": s.span} for s in rep.sentences]})
        seconds = time.perf_counter() - t0
        out["sets"][name] = {"questions": len(rows), "sentences": total, "supported": kept,
                             "share_before_filtering": round(kept / total, 4) if total else None,
                             "fallbacks": fallbacks, "seconds": round(seconds, 1), "items": items}
        print(f"{name}: {len(rows)} questions, {total} generated sentences, {kept} supported "
              f"({kept / max(total, 1):.2%} before filtering), {fallbacks} answers fall back; {seconds:.0f} s")
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
