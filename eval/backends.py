"""The local and the Qdrant backend side by side on the gold set: same index, same questions, same metrics.

The Qdrant collection is filled from the local index (its chunks and stored MiniLM embeddings) in qdrant-client's
embedded mode unless ``--url`` names a server, so the two differ only in the retrieval engine: BM25 through
Qdrant's sparse vectors with the IDF modifier vs bm25s, dense through Qdrant vs FAISS, fusion as configured.

    PYTHONPATH=. python -m mlnotes.eval.backends [--index .mlnotes/index] [--url :memory:] [--json]
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


def main(argv: list[str] | None = None) -> None:
    from mlnotes.kb.index import Index
    from mlnotes.kb.qdrant import connect, open_qdrant, sync_from_index

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path(".mlnotes/index"))
    ap.add_argument("--url", default=":memory:")
    ap.add_argument("--collection", default="mlnotes-eval")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    local = Index.load(a.index)
    client = connect(a.url)
    t0 = time.perf_counter()
    sync_from_index(local, client, a.collection, force=True)
    upload_s = time.perf_counter() - t0
    remote = open_qdrant(client=client, url=a.url, collection=a.collection, embedder=local.embedder)
    res = compare(local, remote, load_gold()) | {"upload_s": upload_s}
    if a.json:
        print(json.dumps(res, indent=2))
        return
    print(f"{res['questions']} gold questions, {res['chunks']['local']} chunks; Qdrant ({a.url}) filled in "
          f"{upload_s:.1f} s")
    print(f"{'config':26} {'backend':7} " + " ".join(f"{m:>9}" for m in METRICS) + f" {'p50 ms':>8}")
    for name, row in res["configs"].items():
        for b in ("local", "qdrant"):
            r = row[b]
            print(f"{name:26} {b:7} " + " ".join(f"{r[m]:9.4f}" for m in METRICS) + f" {r['p50_ms']:8.2f}")
        print(f"{'':26} {'delta':7} {row['delta_mrr@10']:+9.4f}")


if __name__ == "__main__":
    main()
