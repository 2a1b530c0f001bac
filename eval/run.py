"""The evaluation suite: ``mlnotes eval`` (or ``python -m mlnotes.eval.run``).

1. Retrieval on the gold set for ``bm25``, ``dense``, ``hybrid`` with RRF (k = 60 and k tuned) and ``hybrid``
   with weighted fusion (``w_dense`` tuned); tuning uses the **tune split only**, numbers are quoted on
   **heldout**. Recall@1/5/10, MRR@10 and nDCG@10 with 95% bootstrap CIs, per question type, plus ragas'
   ID-based context precision/recall (when ragas imports).
2. The peer pipeline (stock llama-index, same chunks/embedder) side by side on heldout, as ratios.
3. Answers: citation precision, similarity to the interview bank's reference answers (MiniLM cosine, ROUGE-L),
   abstention precision/recall on heldout at the calibrated threshold (``assistant/calibration.json``).

Writes ``eval/reports/eval.md``, ``eval.json`` and ``retrieval.png``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from mlnotes.eval.data import REPORTS, TYPES, load_external, load_gold, load_unanswerable
from mlnotes.eval.metrics import METRICS, paired_bootstrap_delta, summarize
from mlnotes.eval.retrieval import (
    Config,
    compare_sets,
    ragas_id_metrics,
    report,
    run_config,
    sets_markdown,
    standard_configs,
    tune_rrf,
    tune_weighted,
)
from mlnotes.kb.fusion import DEFAULT_FUSION


def _fmt(s: dict[str, float]) -> str:
    return f"{s['mean']:.3f} [{s['lo']:.3f}, {s['hi']:.3f}]"


def retrieval_section(index, log=print) -> dict[str, Any]:
    gold = load_gold()
    tune = [q for q in gold if q.split == "tune"]
    held = [q for q in gold if q.split == "heldout"]
    t0 = time.perf_counter()
    best_w, w_scores = tune_weighted(index, tune)
    best_k, k_scores = tune_rrf(index, tune)
    log(f"tuned on {len(tune)} tune questions: w_dense={best_w}, rrf_k={best_k} ({time.perf_counter() - t0:.0f} s)")
    w_rr = DEFAULT_FUSION.w_dense  # the reranker (mlnotes.kb.rerank) was trained on this fusion's candidates
    configs = [
        Config("bm25", "bm25"),
        Config("dense", "dense"),
        Config("hybrid-rrf (k=60)", "hybrid", "rrf", rrf_k=60.0, rerank=False),
        Config(f"hybrid-rrf (k={best_k:g}, tuned)", "hybrid", "rrf", rrf_k=best_k, rerank=False),
        Config(f"hybrid-weighted (w_dense={best_w:g}, tuned)", "hybrid", "weighted", w_dense=best_w, rerank=False),
        Config(f"hybrid-weighted (w_dense={w_rr:g}) + rerank", "hybrid", "weighted", w_dense=w_rr, rerank=True),
    ]
    runs, out = {}, {"tuning": {"objective": "mrr@10 on the tune split", "w_dense": best_w,
                                "w_dense_scores": {str(k): v for k, v in w_scores.items()},
                                "rrf_k": best_k, "rrf_k_scores": {str(k): v for k, v in k_scores.items()}},
                     "configs": {}}
    for cfg in configs:
        run = run_config(index, gold, cfg)
        runs[cfg.name] = run
        out["configs"][cfg.name] = {"tune": report(run, tune), "heldout": report(run, held),
                                    "ragas_heldout": ragas_id_metrics(run, held)}
        s = out["configs"][cfg.name]["heldout"]["overall"]
        log(f"{cfg.name:40s} heldout R@5 {s['recall@5']['mean']:.3f} MRR@10 {s['mrr@10']['mean']:.3f}")
    hybrids = [c for c in configs if c.mode == "hybrid"]
    chosen = max(hybrids, key=lambda c: (out["configs"][c.name]["tune"]["overall"]["mrr@10"]["mean"],
                                         out["configs"][c.name]["tune"]["overall"]["ndcg@10"]["mean"]))
    out["chosen"] = {"name": chosen.name, **chosen.to_dict(),
                     "why": "highest MRR@10 (ties: nDCG@10) on the tune split among the hybrid configurations (the "
                            "reranked one's tune numbers are in-sample, its reranker was trained there; its 5-fold "
                            "cross-validated ones are in kb/reranker.json)"}
    deltas = {}
    for other in ("bm25", "dense"):
        deltas[other] = {m: paired_bootstrap_delta([runs[chosen.name].rows[q.id][m] for q in held],
                                                   [runs[other].rows[q.id][m] for q in held]) for m in METRICS}
    out["chosen_minus"] = deltas
    crun = runs[chosen.name]
    out["chosen_misses_top5"] = [
        {"id": q.id, "split": q.split, "type": q.type, "question": q.question, "relevant": list(q.relevant),
         "top3": crun.rankings[q.id][:3]}
        for q in gold if crun.rows[q.id]["recall@5"] == 0.0]
    return out


def question_sets() -> dict[str, list]:
    """The named question sets reported side by side: gold tune/heldout, their natural-phrasing subsets, external."""
    gold = load_gold()
    sets = {"gold tune": [q for q in gold if q.split == "tune"],
            "gold heldout": [q for q in gold if q.split == "heldout"],
            "natural tune": [q for q in gold if q.split == "tune" and q.style == "natural"],
            "natural heldout": [q for q in gold if q.split == "heldout" and q.style == "natural"],
            "external": load_external()}
    return {k: v for k, v in sets.items() if v}


def sets_section(index, log=print) -> dict[str, Any]:
    """Every mode on gold and on the external set (hit@1, hit@5, MRR@10 with CIs; default minus each mode)."""
    from mlnotes.assistant.settings import Settings

    s = Settings(_env_file=None)
    default = Config("default", s.default_mode, s.fusion, rrf_k=s.rrf_k, w_dense=s.w_dense,
                     rerank=s.fusion_params.rerank)
    return compare_sets(index, question_sets(), standard_configs(default), log=log)


def sets_report(sets: dict[str, Any]) -> list[str]:
    """The markdown section for :func:`sets_section`."""
    dflt = next(c for c in sets["configs"] if c["name"] == sets["default"])
    L = ["", "## Gold and external sets, every mode", "",
         f"The default is the shipped setting (mode {dflt['mode']}, fusion {dflt['fusion']}, w_dense "
         f"{dflt['w_dense']:g}, rrf_k {dflt['rrf_k']:g}, learned reranker {'on' if dflt.get('rerank') else 'off'})."
         " hit@k = a relevant section among the first k; R@5 = every relevant section among the first 5; cells "
         "are mean [95% bootstrap CI]; 'default − X' rows are paired bootstrap CIs over the same questions. "
         "The external set (public questions by other people, eval/datasets/external.jsonl) is never tuned "
         "on; 'natural' rows are the gold questions phrased as people ask (style natural)."]
    return L + sets_markdown(sets)


def peer_section(index, log=print) -> dict[str, Any]:
    try:
        from mlnotes.eval.peer import side_by_side
    except Exception as exc:  # noqa: BLE001
        return {"skipped": f"llama-index not importable ({exc})"}
    held = load_gold("heldout")
    try:
        r = side_by_side(index, held)
    except ImportError as exc:
        return {"skipped": f"llama-index pipeline unavailable ({exc}); pip install 'mlnotes[eval]'"}
    ours = summarize(list(r["ours_rows"].values()))
    peer = summarize(list(r["peer_rows"].values()))
    o50, p50 = float(np.median(r["ours_ms"])), float(np.median(r["peer_ms"]))
    res = {"peer": r["peer"], "n": len(held), "ours": ours, "peer_metrics": peer,
           "ratios": {m: ours[m]["mean"] / peer[m]["mean"] if peer[m]["mean"] else float("nan") for m in METRICS},
           "ours_p50_ms": o50, "peer_p50_ms": p50, "speedup_p50": p50 / o50 if o50 else float("nan"),
           "ours_p99_ms": float(np.quantile(r["ours_ms"], 0.99)), "peer_p99_ms": float(np.quantile(r["peer_ms"], 0.99)),
           "peer_build_seconds": r["peer_build_seconds"],
           "delta": {m: paired_bootstrap_delta([r["ours_rows"][q.id][m] for q in held],
                                               [r["peer_rows"][q.id][m] for q in held]) for m in METRICS}}
    log(f"peer: ours MRR@10 {ours['mrr@10']['mean']:.3f} vs {peer['mrr@10']['mean']:.3f}; "
        f"p50 {o50:.1f} ms vs {p50:.1f} ms")
    return res


def answer_section(index, corpus_dir: Path, log=print) -> dict[str, Any]:
    from mlnotes.assistant.answer import load_calibration
    from mlnotes.eval.answers import abstention_scores, evaluate_answers, make_answerer, support

    load_calibration.cache_clear()
    cal = load_calibration()
    held = load_gold("heldout")
    unans = load_unanswerable("heldout")
    extractive = make_answerer(index, corpus_dir, interview_threshold=2.0)
    default = make_answerer(index, corpus_dir)
    out: dict[str, Any] = {"calibration": {k: cal.get(k) for k in ("abstain_threshold", "interview_match_threshold",
                                                                     "source")}}
    out["extractive"] = evaluate_answers(extractive, held)
    out["default_pipeline"] = evaluate_answers(default, held)
    sa = [support(default, q.question) for q in held]
    su = [support(default, q.question) for q in unans]
    out["abstention_heldout"] = abstention_scores(sa, su, default.abstain_threshold)
    from mlnotes.eval.answers import answer_quality, pairs_match_precision
    from mlnotes.eval.data import load_external

    ext = load_external()
    out["quality"] = {
        "gold heldout": answer_quality(default, held, unans),
        "external": answer_quality(default, [q for q in ext if q.answerable], [q for q in ext if not q.answerable]),
    }
    out["pairs_match_heldout"] = pairs_match_precision(default, "heldout")
    for name, qd in out["quality"].items():
        log(f"answers ({name}): answer-first {qd['answer_first_rate']['mean']:.3f}, citation faithfulness "
            f"{qd['citation_faithfulness']['mean']:.3f}, interview-match precision "
            f"{qd['interview_match_precision']['mean']:.3f}")
    log(f"answers: extractive citation precision {out['extractive']['citation_precision']['mean']:.3f}; "
        f"abstention P {out['abstention_heldout']['precision']:.2f} R {out['abstention_heldout']['recall']:.2f}")
    return out


def plot(ret: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(ret["configs"])
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / len(names)
    x = np.arange(len(METRICS))
    for i, n in enumerate(names):
        s = ret["configs"][n]["heldout"]["overall"]
        means = [s[m]["mean"] for m in METRICS]
        err = [[s[m]["mean"] - s[m]["lo"] for m in METRICS], [s[m]["hi"] - s[m]["mean"] for m in METRICS]]
        ax.bar(x + i * width - 0.4 + width / 2, means, width, yerr=err, capsize=2, label=n)
    ax.set_xticks(x, METRICS)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("heldout mean (95% bootstrap CI)")
    ax.set_title("Retrieval quality by mode (heldout split)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(res: dict[str, Any]) -> str:
    """The report eval.md from the results: a linear template, section after section (long, but flat)."""
    ret = res["retrieval"]
    n_t = int(next(iter(ret["configs"].values()))["tune"]["overall"]["n"]["mean"])
    n_h = int(next(iter(ret["configs"].values()))["heldout"]["overall"]["n"]["mean"])
    L = ["# Evaluation report", "",
         f"Generated {res['created_at']} over {res['n_chunks']} chunks. Gold set: {n_t} tune + {n_h} heldout "
         f"answerable questions, {res['n_unanswerable']} unanswerable. Tuning (fusion weight, RRF constant, "
         "thresholds) used the tune split only; every number below is on **heldout** unless marked. "
         "Cells are mean [95% bootstrap CI]. Rankings are distinct sections in first-retrieved order.", "",
         "## Retrieval (heldout)", "",
         "| config | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for n, c in ret["configs"].items():
        L.append(f"| {n} | " + " | ".join(_fmt(c["heldout"]["overall"][m]) for m in METRICS) + " |")
    L += ["", "Tune split (used for choosing):", "", "| config | " + " | ".join(METRICS) + " |",
          "|---|" + "---|" * len(METRICS)]
    for n, c in ret["configs"].items():
        L.append(f"| {n} | " + " | ".join(f"{c['tune']['overall'][m]['mean']:.3f}" for m in METRICS) + " |")
    t = ret["tuning"]
    L += ["", f"Tuned on the tune split ({t['objective']}): w_dense = {t['w_dense']:g} "
              f"(grid {', '.join(f'{k}: {v:.3f}' for k, v in t['w_dense_scores'].items())}); "
              f"rrf_k = {t['rrf_k']:g} (grid {', '.join(f'{k}: {v:.3f}' for k, v in t['rrf_k_scores'].items())}).",
          "", f"**Chosen default: {ret['chosen']['name']}** — {ret['chosen']['why']}.", "",
          "Chosen minus bm25 / dense on heldout (paired bootstrap):", "",
          "| vs | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for other, d in ret["chosen_minus"].items():
        L.append(f"| {other} | " + " | ".join(f"{d[m]['mean']:+.3f} [{d[m]['lo']:+.3f}, {d[m]['hi']:+.3f}]"
                                              for m in METRICS) + " |")
    misses = ret.get("chosen_misses_top5", [])
    L += ["", f"Questions (both splits) with no relevant section in the chosen config's top 5: {len(misses)} "
              "(listed in eval.json under retrieval.chosen_misses_top5 for label review)."]
    L += ["", "### By question type (heldout, chosen config)", "",
          "| type | n | " + " | ".join(METRICS) + " |", "|---|---|" + "---|" * len(METRICS)]
    ch = ret["configs"][ret["chosen"]["name"]]["heldout"]["by_type"]
    for ty in TYPES:
        if ty in ch:
            L.append(f"| {ty} | {int(ch[ty]['n']['mean'])} | " + " | ".join(_fmt(ch[ty][m]) for m in METRICS) + " |")
    L += ["", "### By question type, MRR@10 for every config (heldout)", "",
          "| config | " + " | ".join(TYPES) + " |", "|---|" + "---|" * len(TYPES)]
    for n, c in ret["configs"].items():
        L.append(f"| {n} | " + " | ".join(f"{c['heldout']['by_type'][ty]['mrr@10']['mean']:.3f}"
                                         if ty in c["heldout"]["by_type"] else "" for ty in TYPES) + " |")
    L += ["", "### ragas ID-based context precision / recall (top 10 sections, heldout)", ""]
    first = next(iter(ret["configs"].values()))["ragas_heldout"]
    if "skipped" in first:
        L.append(f"Skipped: {first['skipped']}")
    else:
        L += ["| config | id context precision | id context recall |", "|---|---|---|"]
        for n, c in ret["configs"].items():
            r = c["ragas_heldout"]
            L.append(f"| {n} | {r['id_context_precision']['mean']:.3f} | {r['id_context_recall']['mean']:.3f} |")
        L += ["", "ragas (the eval extra: 0.4.3 with langchain-community 0.3.31) imports as released; with "
                  "langchain-community 0.4.x it needs `langchain_community.chat_models.vertexai`, which 0.4 removed, "
                  "and eval/retrieval.py then registers an empty stand-in before importing ragas. Context precision "
                  "counts every retrieved id, so with 1–3 relevant sections among 10 it is bounded far below 1."]
    if res.get("sets"):
        L += sets_report(res["sets"])
    p = res.get("peer", {})
    L += ["", "## Peer pipeline side by side (heldout, one run)", ""]
    if "skipped" in p:
        L.append(f"Skipped: {p['skipped']}")
    else:
        L += [f"Peer: {p['peer']}; same chunks, same stored MiniLM document vectors, same query model.", "",
              "| metric | ours (chosen hybrid) | llama-index | ratio ours/peer | ours − peer [95% CI] |",
              "|---|---|---|---|---|"]
        for m in METRICS:
            d = p["delta"][m]
            L.append(f"| {m} | {p['ours'][m]['mean']:.3f} | {p['peer_metrics'][m]['mean']:.3f} | "
                     f"{p['ratios'][m]:.3f} | {d['mean']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}] |")
        L += ["", f"Latency per query including query embedding: ours p50 {p['ours_p50_ms']:.1f} ms "
                  f"(p99 {p['ours_p99_ms']:.1f}), llama-index p50 {p['peer_p50_ms']:.1f} ms "
                  f"(p99 {p['peer_p99_ms']:.1f}); speed-up {p['speedup_p50']:.2f}x. "
                  f"llama-index index construction: {p['peer_build_seconds']:.1f} s."]
    a = res.get("answers", {})
    L += ["", "## Answers (heldout)", ""]
    if "skipped" in a:
        L.append(f"Skipped: {a['skipped']}")
    else:
        cal = a["calibration"]
        L += [f"Calibration: abstain_threshold = {cal['abstain_threshold']}, interview_match_threshold = "
              f"{cal['interview_match_threshold']} ({cal['source']}).", "",
              "| pipeline | citation precision | cites a relevant section | ROUGE-L F1 vs bank answer | "
              "MiniLM cosine vs bank answer | answer kinds | p50 ms |", "|---|---|---|---|---|---|---|"]
        for name in ("extractive", "default_pipeline"):
            e = a[name]
            L.append(f"| {name} | {e['citation_precision']['mean']:.3f} | {e['citation_hit_rate']['mean']:.3f} | "
                     f"{e['rouge_l_f1']['mean']:.3f} (n={e['rouge_l_f1']['n']}) | "
                     f"{e['semantic_similarity']['mean']:.3f} | "
                     + ", ".join(f"{k} {v}" for k, v in sorted(e["kinds"].items())) + f" | {e['latency_ms_p50']:.0f} |")
        ab = a["abstention_heldout"]
        L += ["", f"Abstention on heldout (positive = abstain; {ab['tp'] + ab['fn']} unanswerable, "
                  f"{ab['fp'] + ab['tn']} answerable): precision {ab['precision']:.3f}, recall {ab['recall']:.3f}, "
                  f"F1 {ab['f1']:.3f}, false abstention rate on answerable questions {ab['false_abstention_rate']:.3f}.",
              ""]
        if "quality" in a:
            L += ["### Answer quality of the default pipeline (eval/answers.py: answer_quality)", "",
                  "| set | answer-first rate | citation faithfulness | interview-match precision (bank answers) | "
                  "abstention precision | abstention recall | answer kinds |", "|---|---|---|---|---|---|---|"]
            for name, qd in a["quality"].items():
                af, cf, im, ab_ = (qd["answer_first_rate"], qd["citation_faithfulness"],
                                   qd["interview_match_precision"], qd["abstention"])
                L.append(f"| {name} | {af['mean']:.3f} [{af['ci'][0]:.3f}, {af['ci'][1]:.3f}] (n={af['n']}) | "
                         f"{cf['mean']:.3f} (n={cf['n']} sentences) | {im['mean']:.3f} (n={im['n']}) | "
                         f"{ab_['precision']:.3f} | {ab_['recall']:.3f} ({ab_['n_unanswerable']} unanswerable) | "
                         + ", ".join(f"{k} {v}" for k, v in sorted(qd["kinds"].items())) + " |")
            pm = a["pairs_match_heldout"]
            L += ["", f"Interview-match precision on the heldout close-but-different pairs "
                      f"(eval/datasets/interview_pairs.jsonl): {pm['precision']:.3f} ({pm['correct']}/{pm['matched']} "
                      f"matches right; recall {pm.get('recall', float('nan')):.3f}).", ""]
        L += ["ROUGE-L and cosine similarity are computed in eval/answers.py: ragas' RougeScore needs the "
                  "`rouge_score` package (not installed) and its SemanticSimilarity needs a LangChain embeddings "
                  "wrapper. The 'default_pipeline' row answers bank-matched questions with the bank's own short "
                  "answer, so its similarity to the reference is inflated by construction; the 'extractive' row "
                  "(interview matching off) is the honest measure of composed answers."]
    L.append("")
    if "backends" in res:
        from mlnotes.eval.backends import backends_markdown

        L += backends_markdown(res["backends"])
    return "\n".join(L)


def run_eval(index, corpus_dir: Path, out_dir: Path = REPORTS, skip_peer: bool = False,
             skip_answers: bool = False, backends: bool = False, log=print) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res: dict[str, Any] = {"created_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                           "n_chunks": len(index), "n_unanswerable": len(load_unanswerable())}
    res["retrieval"] = retrieval_section(index, log=log)
    res["sets"] = sets_section(index, log=log)
    ch = res["retrieval"]["chosen"]
    from mlnotes.kb.fusion import FusionParams

    index = index.with_defaults(FusionParams(ch["fusion"], ch["rrf_k"], ch["w_dense"], bool(ch.get("rerank"))))
    res["peer"] = {"skipped": "--skip-peer"} if skip_peer else peer_section(index, log=log)
    res["answers"] = {"skipped": "--skip-answers"} if skip_answers else answer_section(index, corpus_dir, log=log)
    if backends:  # local vs Qdrant (embedded) on gold and external: opt-in, about 6 min on 2 cores
        from mlnotes.eval.backends import backends_section

        res["backends"] = backends_section(index, log=log)
    res["seconds"] = time.perf_counter() - t0
    (out_dir / "eval.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (out_dir / "eval.md").write_text(markdown(res))
    plot(res["retrieval"], out_dir / "retrieval.png")
    log(f"wrote {out_dir / 'eval.md'}, eval.json, retrieval.png in {res['seconds']:.0f} s")
    return res


def main(argv: list[str] | None = None) -> int:
    import argparse

    from mlnotes.assistant.settings import get_settings
    from mlnotes.kb.search import open_retriever

    s = get_settings()
    ap = argparse.ArgumentParser(description="run the evaluation suite")
    ap.add_argument("--corpus", type=Path, default=s.corpus_dir)
    ap.add_argument("--index", type=Path, default=s.index_dir)
    ap.add_argument("--out", type=Path, default=REPORTS)
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--skip-answers", action="store_true")
    ap.add_argument("--sets-only", action="store_true",
                    help="only every mode on gold and external (hit@1, hit@5, MRR@10); prints, writes nothing")
    args = ap.parse_args(argv)
    index = open_retriever(s.search_backend, index_dir=args.index, corpus_dir=args.corpus, defaults=s.fusion_params,
                           log=print)
    if args.sets_only:
        print("\n".join(sets_markdown(sets_section(index))))
        return 0
    run_eval(index, args.corpus, args.out, skip_peer=args.skip_peer, skip_answers=args.skip_answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
