"""CI quality gate: retrieval on the tune split with the default mode and fusion must stay above thresholds.

Builds (or loads, when current) the real index of ``corpus/`` in ``.mlnotes/index`` — about 90 s to build on
2 cores — then ranks the tune-split gold questions with the defaults of :class:`assistant.settings.Settings`
and with plain ``bm25`` and ``dense`` (about 10 s each).

Thresholds are set a margin below the numbers measured with the current defaults (weighted fusion with z-score
legs, w_dense 0.6, BM25 queries prepared by kb.query) on the tune split of the current corpus, 373 questions
including the 126 natural-phrasing ones: Recall@5 0.933, MRR@10 0.919 and nDCG@10 0.899 (bm25 0.879 / 0.854 /
0.837, dense 0.905 / 0.871 / 0.861); the margin of 0.04 absorbs ordinary corpus edits (a few questions moving)
while catching a broken chunker, embedder or fusion. The default must also not fall below either single mode there.

The same defaults are gated on the natural-phrasing questions of the tune split (126; measured hit@1 0.905,
hit@5 0.992, MRR@10 0.938; margin 0.04; w_dense was chosen on the whole tune split, these included) and on the
external set of public questions by other people, never tuned on (62 answerable; measured hit@1 0.629, hit@5
0.839, MRR@10 0.723; margin 0.05, about 3 questions). These are regression gates a stated margin below what was
measured, not targets: on the external set the default is still below dense alone at hit@5 (0.855), which is why
no "beats each single mode" check is made there.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.settings import REPO_ROOT, Settings
from eval.data import load_gold
from eval.retrieval import Config, run_config

MEASURED = {"recall@5": 0.933, "mrr@10": 0.919, "ndcg@10": 0.899}
MARGIN = 0.04
THRESHOLDS = {m: round(v - MARGIN, 3) for m, v in MEASURED.items()}
HIT_GATES = {  # set name: (measured, margin)
    "natural tune": ({"hit@1": 0.905, "hit@5": 0.992, "mrr@10": 0.938}, 0.04),
    "external": ({"hit@1": 0.629, "hit@5": 0.839, "mrr@10": 0.723}, 0.05),
}


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


@pytest.mark.parametrize("set_name", list(HIT_GATES))
def test_default_retrieval_meets_the_gate_on_natural_and_external_questions(real_index, set_name):
    from eval.data import load_external
    from eval.retrieval import hit_row, rank_sections

    s = Settings(_env_file=None)
    cfg = Config("default", s.default_mode, s.fusion, rrf_k=s.rrf_k, w_dense=s.w_dense)
    if set_name == "external":
        qs = load_external(answerable_only=True)
    else:
        qs = [q for q in load_gold("tune") if q.style == "natural"]
    assert len(qs) >= 60
    rows = [hit_row(rank_sections(real_index, q.question, cfg), q.relevant) for q in qs]
    measured, margin = HIT_GATES[set_name]
    got = {m: float(np.mean([r[m] for r in rows])) for m in measured}
    failed = {m: (round(got[m], 3), round(v - margin, 3)) for m, v in measured.items() if got[m] < v - margin}
    assert not failed, f"{set_name} gate failed (metric: (measured, threshold)): {failed}"
