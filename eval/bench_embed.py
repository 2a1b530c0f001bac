"""Bulk embedding A/B: the bfloat16 forwards and batch sizes, interleaved on one fixed sample of corpus units.

The machine this runs on is usually shared, so variants are timed in turn on the same texts, several rounds, and
the report gives medians of wall-clock word pieces per second and of word pieces per CPU-second of this process
(the second moves less with other processes' load), with the load average before and after. Each variant's
vectors are compared with float32 (the onnxruntime batch session, itself checked equal to sentence-transformers
by ``tests/kb/test_embedding.py``) on every unit of the sample: the lowest cosine must be >= 0.9999.

    python -m mlnotes.eval.bench_embed                      # ~1/3 of the units (every 3rd chunk), 3 rounds
    python -m mlnotes.eval.bench_embed --every 1 --repeats 1 --variants fused-32   # every unit of the corpus
    python -m mlnotes.eval.bench_embed --cold 2 --variants autocast-64,fused-32    # full cold builds, A/B

A variant is ``KERNEL-BATCH``: kernel ``fused`` (:class:`mlnotes.kb.embedding.FusedBert`) or ``autocast`` (the
transformers model under torch.autocast, round 5's path), and the texts per batch; batches run one per core with
one thread each, as in an index build. Needs a CPU where the bfloat16 path is chosen (AMX); elsewhere it says so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_VARIANTS = ("autocast-64", "fused-64", "fused-32", "fused-16")


def parse_variant(text: str) -> tuple[str, int]:
    """``"fused-32"`` -> ("fused", 32); a clear ValueError otherwise."""
    from mlnotes.kb.embedding import BULK_KERNELS

    kernel, _, size = text.strip().partition("-")
    if kernel not in BULK_KERNELS or not size.isdigit() or not 1 <= int(size) <= 1024:
        raise ValueError(f"a variant is KERNEL-BATCH with KERNEL one of {list(BULK_KERNELS)} and BATCH 1-1024, "
                         f"e.g. fused-32; got {text!r}")
    return kernel, int(size)


def sample_units(index_dir: Path, every: int) -> list[str]:
    """The distinct embedding units (windows and heading units) of every ``every``-th chunk of the index."""
    from mlnotes.kb.index import Index
    from mlnotes.kb.windows import chunk_units, minilm_tokenizer

    index = Index.load(index_dir, verify_corpus=None)
    tok = minilm_tokenizer()
    chunks = list(index.iter_chunks())[:: max(1, every)]
    return list(dict.fromkeys(u for c in chunks for u in chunk_units(c, tok)))


def run(index_dir: Path, every: int = 3, repeats: int = 3, variants: tuple[str, ...] = DEFAULT_VARIANTS,
        log=print) -> dict[str, Any]:
    from mlnotes.kb.embedding import BULK_MIN_TEXTS, Embedder, bulk_job, model_dir

    parsed = [parse_variant(v) for v in variants]
    units = sample_units(index_dir, every)
    if len(units) < BULK_MIN_TEXTS:
        raise ValueError(f"the sample has {len(units)} units; bulk embedding needs {BULK_MIN_TEXTS}: lower --every")
    cache = index_dir.parent / "onnx"
    ref_e = Embedder(model_dir(), runtime="onnx", cache_dir=cache, bulk="fp32")
    encs = ref_e._tokenize(units)
    pieces = sum(len(e.ids) for e in encs)
    log(f"{len(units)} units, {pieces} word pieces; float32 reference ...")
    t0 = time.perf_counter()
    ref = ref_e._encode_onnx(units, 16, encs)
    fp32_s = time.perf_counter() - t0
    res: dict[str, Any] = {"units": len(units), "word_pieces": pieces, "every": every, "repeats": repeats,
                           "loadavg_start": os.getloadavg(), "fp32_onnx_seconds": fp32_s,
                           "fp32_onnx_wp_per_s": pieces / fp32_s, "variants": {}}
    embedders = {}
    for name, (kernel, size) in zip(variants, parsed):
        e = Embedder(model_dir(), runtime="onnx", cache_dir=cache, bulk="bf16", bulk_kernel=kernel)
        with bulk_job():  # (the first texts alone have fewer word pieces than a list outside a job needs)
            e.encode(units[:BULK_MIN_TEXTS])  # loads the model and runs the run-time check against float32
        if e.bulk != "bf16" or e.bulk_kernel != kernel:
            raise RuntimeError(f"{name}: the bfloat16 {kernel} forward was not chosen on this machine "
                               f"(bulk={e.bulk}, kernel={e.bulk_kernel}); see the log")
        e.bulk_batch = size
        embedders[name] = e
        res["variants"][name] = {"wall": [], "cpu": []}
    for r in range(repeats):
        names = list(embedders)
        names = names[r % len(names):] + names[: r % len(names)]  # rotate the order round by round
        for name in names:
            e = embedders[name]
            c0, t0 = time.process_time(), time.perf_counter()
            got = e._bulk_batches(encs)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            v = res["variants"][name]
            v["wall"].append(wall)
            v["cpu"].append(cpu)
            cos = (got * ref).sum(1)
            v["min_cosine"] = min(v.get("min_cosine", 1.0), float(cos.min()))
            log(f"round {r + 1} {name}: {pieces / wall:,.0f} wp/s wall, {pieces / cpu:,.0f} wp/CPU-s, "
                f"lowest cosine {float(cos.min()):.6f}")
    for v in res["variants"].values():
        v["wp_per_s_median"] = pieces / statistics.median(v["wall"])
        v["wp_per_cpu_s_median"] = pieces / statistics.median(v["cpu"])
        v["passes"] = v["min_cosine"] >= 0.9999
    res["loadavg_end"] = os.getloadavg()
    return res


def cold_builds(corpus: Path, variants: tuple[str, ...], rounds: int = 1, log=print) -> dict[str, Any]:
    """Full cold index builds of ``corpus``, one per variant per round, in rotating order: total seconds, the
    build's phases, word pieces embedded and the embedding phase's word pieces per second. Each build starts
    from an empty index folder with a fresh embedder (the ONNX export is cached across builds and, as in
    ``mlnotes bench index``, loaded before the clock starts; loading the PyTorch model and the run-time check
    against float32 are inside the build)."""
    import shutil
    import tempfile

    import mlnotes.kb.embedding as E
    from mlnotes.kb.index import Index, _MiniLM

    parsed = {v: parse_variant(v) for v in variants}
    saved = dict(E._CONFIG)
    out: dict[str, Any] = {"rounds": rounds, "loadavg_start": os.getloadavg(), "variants": {v: [] for v in variants}}
    try:
        with tempfile.TemporaryDirectory(prefix="mlnotes-cold-") as tmp:
            tmp = Path(tmp)
            shutil.copytree(corpus, tmp / "corpus")
            for r in range(rounds):
                names = list(variants)
                names = names[r % len(names):] + names[: r % len(names)]
                for name in names:
                    kernel, size = parsed[name]
                    E._CONFIG.update(bulk="bf16", bulk_kernel=kernel, bulk_batch=size)
                    E.clear_embedders()
                    emb = _MiniLM(tmp / "onnx")
                    inner = emb._e
                    out_dir = tmp / f"index-{r}-{name}"
                    la = os.getloadavg()
                    t0 = time.perf_counter()
                    _, stats = Index.build(tmp / "corpus", out_dir, embedder=emb)
                    total = time.perf_counter() - t0
                    shutil.rmtree(out_dir, ignore_errors=True)
                    row = {"seconds": total, "phases": stats.phases, "units": stats.units,
                           "distinct_units": stats.distinct_units, "word_pieces": inner.tokens_embedded,
                           "wp_per_s": inner.tokens_embedded / max(stats.phases.get("embed", 0.0), 1e-9),
                           "kernel": inner.bulk_kernel, "check_cosine": inner.bulk_check_cosine, "loadavg": la}
                    out["variants"][name].append(row)
                    log(f"cold build {r + 1} {name}: {total:.1f} s, embed {stats.phases.get('embed', 0):.1f} s, "
                        f"{row['wp_per_s']:,.0f} wp/s (kernel {row['kernel']}, load {la[0]:.2f})")
    finally:
        E._CONFIG.clear()
        E._CONFIG.update(saved)
        E.clear_embedders()
    out["loadavg_end"] = os.getloadavg()
    return out


def cold_markdown(res: dict[str, Any]) -> str:
    la0 = ", ".join(f"{x:.2f}" for x in res["loadavg_start"])
    la1 = ", ".join(f"{x:.2f}" for x in res["loadavg_end"])
    L = [f"Cold builds, {res['rounds']} round(s), rotating order; load average {la0} at start, {la1} at end.", "",
         "| variant | total s (median) | embed s | units s | chunk s | bm25 s | write s | load s | wp/s |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, rows in res["variants"].items():
        total = statistics.median(x["seconds"] for x in rows)
        ph = [statistics.median(x["phases"].get(k, 0.0) for x in rows)
              for k in ("embed", "units", "chunk", "bm25", "write", "load")]
        L.append(f"| {name} | {total:.1f} | " + " | ".join(f"{v:.1f}" for v in ph)
                 + f" | {statistics.median(x['wp_per_s'] for x in rows):,.0f} |")
    return "\n".join(L)


def markdown(res: dict[str, Any]) -> str:
    la0 = ", ".join(f"{x:.2f}" for x in res["loadavg_start"])
    la1 = ", ".join(f"{x:.2f}" for x in res["loadavg_end"])
    L = [f"{res['units']} units ({res['word_pieces']} word pieces, every {res['every']}. chunk), "
         f"{res['repeats']} interleaved rounds; load average {la0} at start, {la1} at end. "
         f"float32 onnxruntime reference: {res['fp32_onnx_wp_per_s']:,.0f} wp/s.", "",
         "| variant | wp/s (median) | wp per CPU-second (median) | lowest cosine vs float32 |",
         "|---|---:|---:|---:|"]
    for name, v in res["variants"].items():
        L.append(f"| {name} | {v['wp_per_s_median']:,.0f} | {v['wp_per_cpu_s_median']:,.0f} | "
                 f"{v['min_cosine']:.6f} |")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    from mlnotes.assistant.settings import get_settings

    ap = argparse.ArgumentParser(description="bulk embedding variants, interleaved on one sample")
    ap.add_argument("--every", type=int, default=3, help="units of every N-th chunk (1: the whole corpus)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default=",".join(DEFAULT_VARIANTS), help="comma-separated KERNEL-BATCH")
    ap.add_argument("--index", default=None, help="index folder (default: the configured one)")
    ap.add_argument("--json", default=None, help="also write the results to this file")
    ap.add_argument("--cold", type=int, default=0, metavar="ROUNDS",
                    help="instead of the sample: ROUNDS full cold index builds of the corpus per variant")
    args = ap.parse_args(argv)
    try:
        variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
        for v in variants:
            parse_variant(v)
        if args.every < 1 or args.repeats < 1:
            raise ValueError("--every and --repeats must be at least 1")
        if args.cold:
            res = cold_builds(get_settings().corpus_dir, variants, args.cold,
                              log=lambda m: print(m, file=sys.stderr, flush=True))
            print(cold_markdown(res))
            if args.json:
                Path(args.json).write_text(json.dumps(res, indent=2))
            return 0
        index_dir = Path(args.index) if args.index else get_settings().index_dir
        res = run(index_dir, args.every, args.repeats, variants, log=lambda m: print(m, file=sys.stderr))
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(markdown(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0 if all(v["passes"] for v in res["variants"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
