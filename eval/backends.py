"""The local and the Qdrant backend side by side on the gold and external sets: same index, questions, metrics.

The Qdrant collection is filled from the local index (its chunks and stored MiniLM embeddings) in qdrant-client's
embedded mode unless ``--url`` names a server, so the two differ only in the retrieval engine: BM25 through
Qdrant's sparse vectors with the IDF modifier vs bm25s, dense through Qdrant vs FAISS, fusion as configured.

    python -m mlnotes.eval.backends [--index .mlnotes/index] [--url :memory:] [--json]
    mlnotes eval --backends        (the same, as a section of eval/reports/eval.md)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mlnotes.eval.data import load_gold
from mlnotes.eval.retrieval import Config, mean_metric, run_config
from mlnotes.kb.fusion import DEFAULT_FUSION

CONFIGS = (
    Config("hybrid (default fusion)", "hybrid", DEFAULT_FUSION.fusion, DEFAULT_FUSION.rrf_k, DEFAULT_FUSION.w_dense),
    Config("hybrid rrf k=60", "hybrid", "rrf", 60.0),
    Config("bm25", "bm25"),
    Config("dense", "dense"),
)
METRICS = ("mrr@10", "recall@5", "ndcg@10")


def compare(local, remote, questions, configs=CONFIGS) -> dict:
    """Per config and backend: the mean metrics over ``questions`` and the median latency."""
    ids = [q.id for q in questions]
    out: dict = {"questions": len(questions), "chunks": {"local": len(local), "qdrant": len(remote)}, "configs": {}}
    for cfg in configs:
        row = {}
        for name, retriever in (("local", local), ("qdrant", remote)):
            run = run_config(retriever, questions, cfg)
            lat = sorted(run.latency_ms)
            row[name] = {m: mean_metric(run, ids, m) for m in METRICS} | {"p50_ms": lat[len(lat) // 2]}
        row["delta_mrr@10"] = row["qdrant"]["mrr@10"] - row["local"]["mrr@10"]
        out["configs"][cfg.name] = row
    return out


def backends_section(local, url: str = ":memory:", collection: str = "mlnotes-eval", sets: dict | None = None,
                     configs=CONFIGS, log=print) -> dict:
    """The local index and a Qdrant collection filled from it, side by side on each question set (default: every
    gold question and the answerable external ones): the ``backends`` part of ``mlnotes eval --backends``."""
    from mlnotes.eval.data import load_external
    from mlnotes.kb.qdrant import connect, open_qdrant, sync_from_index

    if sets is None:
        sets = {"gold": load_gold(), "external": load_external(answerable_only=True)}
    client = connect(url)
    t0 = time.perf_counter()
    sync_from_index(local, client, collection, force=True)
    upload_s = time.perf_counter() - t0
    remote = open_qdrant(client=client, url=url, collection=collection, embedder=local.embedder)
    out = {"url": url, "upload_s": upload_s, "sets": {}}
    for name, questions in sets.items():
        out["sets"][name] = compare(local, remote, questions, configs)
        worst = max(abs(r["delta_mrr@10"]) for r in out["sets"][name]["configs"].values())
        log(f"backends ({name}, {len(questions)} questions): largest |MRR@10 delta| qdrant - local {worst:.4f}")
    return out


def backends_markdown(res: dict) -> list[str]:
    """The report lines of :func:`backends_section`."""
    L = ["## Backends side by side (local vs Qdrant)", "",
         f"Qdrant ({res['url']}) filled from the local index in {res['upload_s']:.1f} s; the same questions, "
         "configurations and metrics on both.", ""]
    for name, part in res["sets"].items():
        L += [f"### {name} ({part['questions']} questions)", "",
              "| config | backend | " + " | ".join(METRICS) + " | p50 ms |",
              "|---|---|" + "---|" * (len(METRICS) + 1)]
        for cfg, row in part["configs"].items():
            for b in ("local", "qdrant"):
                r = row[b]
                L.append(f"| {cfg} | {b} | " + " | ".join(f"{r[m]:.4f}" for m in METRICS) + f" | {r['p50_ms']:.1f} |")
            L.append(f"| | delta MRR@10 | {row['delta_mrr@10']:+.4f} |" + " |" * len(METRICS))
        L.append("")
    return L


def main(argv: list[str] | None = None) -> None:
    from mlnotes.kb.index import Index

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path(".mlnotes/index"))
    ap.add_argument("--url", default=":memory:")
    ap.add_argument("--collection", default="mlnotes-eval")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    local = Index.load(a.index)
    res = backends_section(local, url=a.url, collection=a.collection, log=lambda m: None)
    if a.json:
        print(json.dumps(res, indent=2))
        return
    print(f"Qdrant ({a.url}) filled in {res['upload_s']:.1f} s from {len(local)} chunks")
    for set_name, part in res["sets"].items():
        print(f"\n{set_name}: {part['questions']} questions")
        print(f"{'config':26} {'backend':7} " + " ".join(f"{m:>9}" for m in METRICS) + f" {'p50 ms':>8}")
        for name, row in part["configs"].items():
            for b in ("local", "qdrant"):
                r = row[b]
                print(f"{name:26} {b:7} " + " ".join(f"{r[m]:9.4f}" for m in METRICS) + f" {r['p50_ms']:8.2f}")
            print(f"{'':26} {'delta':7} {row['delta_mrr@10']:+9.4f}")


if __name__ == "__main__":
    main()
