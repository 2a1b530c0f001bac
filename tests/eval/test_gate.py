"""CI quality gate: retrieval on the tune split with the default mode and fusion must stay above thresholds.

Builds (or loads, when current) the real index of ``corpus/`` in ``.mlnotes/index`` — about 90 s to build on
2 cores — then ranks the tune-split gold questions with the defaults of :class:`assistant.settings.Settings`
and with plain ``bm25`` and ``dense`` (about 10 s each).

Thresholds are set a margin below the numbers measured by ``mlnotes eval`` on the tune split with the current
defaults (weighted fusion, w_dense 0.35; see eval/reports/eval.md): Recall@5 0.949, MRR@10 0.921 and nDCG@10
0.910 (tune, 247 questions); the margin of 0.04 absorbs ordinary corpus edits (a few questions moving)
while catching a broken chunker, embedder or fusion. The default must also not fall below either single mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.settings import REPO_ROOT, Settings
from eval.data import load_gold
from eval.retrieval import Config, run_config

MEASURED = {"recall@5": 0.949, "mrr@10": 0.921, "ndcg@10": 0.910}
MARGIN = 0.04
THRESHOLDS = {m: round(v - MARGIN, 3) for m, v in MEASURED.items()}


@pytest.fixture(scope="module")
def real_index():
    from kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    return index


def _mean(run, metric):
    return float(np.mean([r[metric] for r in run.rows.values()]))


def test_default_retrieval_meets_the_gate(real_index):
    s = Settings(_env_file=None)
    tune = load_gold("tune")
    cfg = Config("default", s.default_mode, s.fusion, rrf_k=s.rrf_k, w_dense=s.w_dense)
    run = run_config(real_index, tune, cfg)
    got = {m: _mean(run, m) for m in THRESHOLDS}
    failed = {m: (round(got[m], 3), t) for m, t in THRESHOLDS.items() if got[m] < t}
    assert not failed, f"retrieval gate failed (metric: (measured, threshold)): {failed}"
    singles = {m: run_config(real_index, tune, Config(m, m)) for m in ("bm25", "dense")}
    best_single = max(_mean(r, "mrr@10") for r in singles.values())
    assert got["mrr@10"] >= best_single - 0.005, (got["mrr@10"], best_single)
