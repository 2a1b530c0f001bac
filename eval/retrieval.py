"""Retrieval evaluation: every mode and fusion over the gold set, per question, with CIs and per-type tables.

A *config* is ``(name, mode, fusion, params)``. For each question the index returns ``CANDIDATES`` chunks;
they are reduced to distinct sections (first occurrence wins) and scored with :mod:`mlnotes.eval.metrics`.
``tune_weighted`` chooses ``w_dense`` (and ``tune_rrf`` the RRF constant) on the **tune split only**.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlnotes.eval.data import TYPES, Question, section_key
from mlnotes.eval.metrics import METRICS, dedupe, per_question, summarize

CANDIDATES = 30  # chunks retrieved per question before collapsing to sections
W_GRID = tuple(round(x, 2) for x in np.arange(0.0, 1.0001, 0.05))
RRF_K_GRID = (5.0, 10.0, 20.0, 30.0, 60.0, 100.0)


@dataclass
class Config:
    name: str
    mode: str
    fusion: str = "rrf"
    rrf_k: float = 60.0
    w_dense: float = 0.5
    # hybrid only: reorder the fused candidates with the learned reranker (mlnotes.kb.rerank); None = the backend's
    # default (FusionParams.rerank), and then the keyword is not passed
    rerank: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Run:
    config: Config
    rankings: dict[str, list[str]] = field(default_factory=dict)  # question id -> ranked section keys
    rows: dict[str, dict[str, float]] = field(default_factory=dict)  # question id -> metrics
    latency_ms: list[float] = field(default_factory=list)


def rank_sections(index, question: str, cfg: Config, k: int = CANDIDATES) -> list[str]:
    extra = {} if cfg.rerank is None else {"rerank": cfg.rerank}
    hits = index.search(question, k=k, mode=cfg.mode, fusion=cfg.fusion, rrf_k=cfg.rrf_k, w_dense=cfg.w_dense,
                        **extra)
    return dedupe([section_key(h.chunk.doc_id, h.chunk.section_id) for h in hits])


def run_config(index, questions: Sequence[Question], cfg: Config) -> Run:
    run = Run(cfg)
    for q in questions:
        t0 = time.perf_counter()
        ranking = rank_sections(index, q.question, cfg)
        run.latency_ms.append((time.perf_counter() - t0) * 1000)
        run.rankings[q.id] = ranking
        run.rows[q.id] = per_question(ranking, q.relevant)
    return run


def mean_metric(run: Run, ids: Sequence[str], metric: str) -> float:
    return float(np.mean([run.rows[i][metric] for i in ids])) if ids else float("nan")


def tune_weighted(index, tune: Sequence[Question], objective: str = "mrr@10") -> tuple[float, dict[float, float]]:
    """The ``w_dense`` maximizing ``objective`` on the tune split (ties: closest to 0.5)."""
    scores = {}
    for w in W_GRID:
        run = run_config(index, tune, Config(f"weighted w={w}", "hybrid", "weighted", w_dense=w, rerank=False))
        scores[w] = mean_metric(run, [q.id for q in tune], objective)
    best = max(scores, key=lambda w: (round(scores[w], 6), -abs(w - 0.5)))
    return best, scores


def tune_rrf(index, tune: Sequence[Question], objective: str = "mrr@10") -> tuple[float, dict[float, float]]:
    """The RRF constant maximizing ``objective`` on the tune split (ties: closest to 60)."""
    scores = {}
    for k in RRF_K_GRID:
        run = run_config(index, tune, Config(f"rrf k={k}", "hybrid", "rrf", rrf_k=k, rerank=False))
        scores[k] = mean_metric(run, [q.id for q in tune], objective)
    best = max(scores, key=lambda k: (round(scores[k], 6), -abs(k - 60)))
    return best, scores


def report(run: Run, questions: Sequence[Question], n_boot: int = 1000) -> dict[str, Any]:
    """Overall and per-type summaries (mean and 95% CI) of a run over ``questions``."""
    rows = [run.rows[q.id] for q in questions]
    by_type: dict[str, list[dict[str, float]]] = defaultdict(list)
    for q in questions:
        by_type[q.type].append(run.rows[q.id])
    return {
        "config": run.config.to_dict(),
        "overall": summarize(rows, n_boot=n_boot),
        "by_type": {t: summarize(by_type[t], n_boot=n_boot) for t in TYPES if by_type.get(t)},
        "latency_ms_p50": float(np.median([run.latency_ms[i] for i in range(len(run.latency_ms))]))
        if run.latency_ms else float("nan"),
    }


def _ragas_import_shim() -> None:
    """ragas 0.4.1 imports ``langchain_community.chat_models.vertexai``, which langchain-community 0.4.2 removed.

    Only its name is needed (an isinstance check for a Vertex AI chat model we never use), so an empty stand-in
    module is registered when the real one is missing. Also turns ragas' usage analytics off (no network).
    """
    import os
    import sys
    import types

    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
    name = "langchain_community.chat_models.vertexai"
    if name in sys.modules:
        return
    try:
        import importlib

        importlib.import_module(name)
    except ImportError:
        mod = types.ModuleType(name)

        class ChatVertexAI:  # never instantiated
            """Stand-in for the removed LangChain Vertex AI chat model."""

        mod.ChatVertexAI = ChatVertexAI
        sys.modules[name] = mod


def ragas_id_metrics(run: Run, questions: Sequence[Question], k: int = 10) -> dict[str, Any]:
    """ragas' ID-based context precision and recall on the top-``k`` sections (skipped if ragas is missing)."""
    try:
        _ragas_import_shim()
        from ragas.dataset_schema import SingleTurnSample
        from ragas.metrics import IDBasedContextPrecision, IDBasedContextRecall
    except Exception as exc:  # noqa: BLE001 - ragas is an optional extra
        return {"skipped": f"ragas not importable ({type(exc).__name__}: {exc}); pip install 'mlnotes[eval]'"}
    prec, rec = IDBasedContextPrecision(), IDBasedContextRecall()
    p_vals, r_vals = [], []
    for q in questions:
        sample = SingleTurnSample(retrieved_context_ids=run.rankings[q.id][:k],
                                  reference_context_ids=list(q.relevant))
        p_vals.append(float(prec.single_turn_score(sample)))
        r_vals.append(float(rec.single_turn_score(sample)))
    from mlnotes.eval.metrics import bootstrap_ci

    return {"k": k,
            "id_context_precision": {"mean": float(np.mean(p_vals)), "ci": bootstrap_ci(p_vals)},
            "id_context_recall": {"mean": float(np.mean(r_vals)), "ci": bootstrap_ci(r_vals)}}


# ---------------------------------------------------------------- gold and external sets side by side
HIT_METRICS = ("hit@1", "hit@5", "mrr@10")
SET_METRICS = HIT_METRICS + ("recall@5",)  # R@5: every relevant section among the first 5


def hit_row(ranking: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    """hit@k: 1 when any relevant section is among the first k; MRR@10 of the first relevant section."""
    from mlnotes.eval.metrics import mrr_at

    rel = set(relevant)
    return {"hit@1": float(bool(rel & set(ranking[:1]))), "hit@5": float(bool(rel & set(ranking[:5]))),
            "mrr@10": mrr_at(ranking, relevant, 10)}


def standard_configs(default: Config) -> list[Config]:
    """The default first, then every mode: bm25, dense, hybrid weighted without and with the learned reranker
    (:mod:`mlnotes.kb.rerank`) and hybrid RRF (the default's constants).

    One of the hybrids repeats the default's settings; it is kept so that every table has the same rows."""
    return [default, Config("bm25", "bm25"), Config("dense", "dense"),
            Config(f"hybrid-weighted (w_dense={default.w_dense:g})", "hybrid", "weighted", w_dense=default.w_dense,
                   rerank=False),
            Config(f"hybrid-weighted (w_dense={default.w_dense:g}) + rerank", "hybrid", "weighted",
                   w_dense=default.w_dense, rerank=True),
            Config(f"hybrid-rrf (k={default.rrf_k:g})", "hybrid", "rrf", rrf_k=default.rrf_k, rerank=False)]


def compare_sets(index, sets: dict[str, Sequence[Question]], configs: Sequence[Config], n_boot: int = 1000,
                 log=print) -> dict[str, Any]:
    """hit@1, hit@5, MRR@10 and R@5 (mean, 95% bootstrap CI) of every config on every named question set, and the
    paired bootstrap CI of (first config − each other config) per set. Unanswerable questions are skipped."""
    from mlnotes.eval.metrics import bootstrap_ci, paired_bootstrap_delta, recall_at

    def row(ranking: list[str], relevant: Sequence[str]) -> dict[str, float]:
        return {**hit_row(ranking, relevant), "recall@5": recall_at(ranking, relevant, 5)}

    rows: dict[str, dict[str, dict[str, float]]] = {}
    allq = {q.id: q for qs in sets.values() for q in qs if q.answerable}
    for cfg in configs:
        rows[cfg.name] = {qid: row(rank_sections(index, q.question, cfg), q.relevant) for qid, q in allq.items()}
    out: dict[str, Any] = {"configs": [c.to_dict() for c in configs], "default": configs[0].name, "sets": {}}
    for set_name, qs in sets.items():
        ids = [q.id for q in qs if q.answerable]
        res: dict[str, Any] = {"n": len(ids), "n_unanswerable": len(qs) - len(ids), "configs": {}, "default_minus": {}}
        for cfg in configs:
            summ = {}
            for m in SET_METRICS:
                vals = [rows[cfg.name][i][m] for i in ids]
                lo, hi = bootstrap_ci(vals, n_boot=n_boot)
                summ[m] = {"mean": float(np.mean(vals)) if vals else float("nan"), "lo": lo, "hi": hi}
            res["configs"][cfg.name] = summ
        base = configs[0].name
        for cfg in configs[1:]:
            res["default_minus"][cfg.name] = {
                m: paired_bootstrap_delta([rows[base][i][m] for i in ids], [rows[cfg.name][i][m] for i in ids],
                                          n_boot=n_boot) for m in SET_METRICS}
        out["sets"][set_name] = res
        d = res["configs"][base]
        log(f"{set_name:22s} n={len(ids):3d} default hit@1 {d['hit@1']['mean']:.3f} hit@5 {d['hit@5']['mean']:.3f} "
            f"MRR@10 {d['mrr@10']['mean']:.3f} R@5 {d['recall@5']['mean']:.3f}")
    out["rows"] = rows  # config name -> question id -> hit@1, hit@5, MRR@10 (for paired comparisons across runs)
    out["misses_top5"] = {name: [qid for qid in (q.id for q in qs if q.answerable)
                                 if rows[configs[0].name][qid]["hit@5"] == 0.0] for name, qs in sets.items()}
    return out


def sets_markdown(res: dict[str, Any]) -> list[str]:
    """Markdown tables for :func:`compare_sets`."""
    L = []
    for set_name, r in res["sets"].items():
        L += ["", f"**{set_name}** ({r['n']} answerable questions"
                  + (f", {r['n_unanswerable']} unanswerable not scored" if r["n_unanswerable"] else "") + ")", "",
              "| config | " + " | ".join(SET_METRICS) + " |", "|---|" + "---|" * len(SET_METRICS)]
        for name, s in r["configs"].items():
            L.append(f"| {name} | " + " | ".join(f"{s[m]['mean']:.3f} [{s[m]['lo']:.3f}, {s[m]['hi']:.3f}]"
                                                for m in SET_METRICS) + " |")
        for name, d in r["default_minus"].items():
            L.append(f"| default − {name} | " + " | ".join(
                f"{d[m]['mean']:+.3f} [{d[m]['lo']:+.3f}, {d[m]['hi']:+.3f}]" for m in SET_METRICS) + " |")
    return L


__all__ = ["Config", "Run", "run_config", "tune_weighted", "tune_rrf", "report", "ragas_id_metrics", "METRICS",
           "HIT_METRICS", "SET_METRICS", "hit_row", "standard_configs", "compare_sets", "sets_markdown"]
