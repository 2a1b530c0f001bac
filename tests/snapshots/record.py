"""Record the ranking and answer snapshots over the fixture corpus (tests/fixtures/corpus).

The snapshots were recorded on ``main`` *before* the retrieval seam and the answer pipeline were refactored
(commit bf3d020, with that commit's version of this script, which set ``index.fusion`` etc. instead of passing
them per call), so the tests that compare against them check that the refactoring changed no result. Rerun this
only when a change of rankings or answers is intended, and say so in the commit (re-recorded once since, for
the answers issue's intended retrieval change: z-scored weighted fusion, BM25 query preparation, w_dense 0.6;
and again for issue 16's: multi-vector embedding windows with max pooling, weighted fusion over both legs'
real scores, w_dense 0.7; and for issue 16's learned reranker of the fused candidates, kb/rerank.py, which
reorders the hybrid rankings while each hit keeps its fused score; and when that reranker was retrained,
pairwise this time, on int8 query vectors, the new default query runtime; and when round 11 (rank16i) gave the
reranker the title-free heading path's cosine, mlnotes.kb.rerank.heading_path, and retrained it; and the
answers only when round 19 (filler19, assistant/answering/support.py) dropped supporting sentences off the
question's subject: the kNN-inference question keeps its table row and loses two ridge sentences and their Run
entry; the rankings file was left as it was)::

    PYTHONPATH=$PWD python tests/snapshots/record.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "corpus"

QUERIES = [
    "time complexity of k-means",
    "bias variance trade-off",
    "ridge regression L2 penalty",
    "lasso sets coefficients to zero",
    "difference between L1 and L2 regularization",
    "nearest centroid assignment",
    "irreducible noise in squared error",
    "kNN inference time",
    "what is a linear model",
    "gradient descent learning rate",
    "how do I bake sourdough bread",
    "regularization",
]
# (name, mode, fusion, rrf_k, w_dense): the served default first
CONFIGS = [
    ("served", "hybrid", "weighted", 5.0, 0.7),
    ("rrf60", "hybrid", "rrf", 60.0, 0.5),
    ("weighted50", "hybrid", "weighted", 5.0, 0.5),
    ("bm25", "bm25", "weighted", 5.0, 0.35),
    ("dense", "dense", "weighted", 5.0, 0.35),
]
QUESTIONS = [
    "What does ridge regression do to coefficients?",
    "Explain the bias variance trade-off",
    "How does k-means work?",
    "ridge regression L2 penalty shrinks coefficients",
    "What is the time complexity of kNN inference?",
    "What is the difference between L1 and L2 regularization?",
    "How do I bake sourdough bread?",
]

# (abstain threshold, interview-match threshold): extractive answers, interview matches, abstentions
THRESHOLDS = [(0.05, 1.01), (0.05, 0.5), (0.6, 1.01)]


def build_index(tmp: Path):
    sys.path.insert(0, str(ROOT))
    from mlnotes.kb.index import Index
    from tests.kb.fakes import HashingEmbedder

    corpus = tmp / "corpus"
    shutil.copytree(FIXTURE, corpus)
    index, _ = Index.build(corpus, tmp / "index", embedder=HashingEmbedder())
    return index, corpus


def ranking(index, query: str, mode: str, fusion: str, rrf_k: float, w_dense: float) -> list[list]:
    hits = index.search(query, k=10, mode=mode, fusion=fusion, rrf_k=rrf_k, w_dense=w_dense)
    return [[h.chunk.id, round(float(h.score), 9)] for h in hits]


def answer_dict(answerer, question: str) -> dict:
    d = answerer.answer(question, mode="hybrid", k=6).to_dict()
    # timings vary; the other keys were added afterwards (and are empty on these extractive answers)
    for key in ("timings_ms", "generator", "fell_back", "experimental", "support", "worked"):
        d.pop(key, None)
    return d


def main() -> None:
    from mlnotes.kb.interview import load_bank

    with tempfile.TemporaryDirectory() as t:
        index, corpus = build_index(Path(t))
        rankings = {}
        for name, mode, fusion, rrf_k, w in CONFIGS:
            rankings[name] = {q: ranking(index, q, mode, fusion, rrf_k, w) for q in QUERIES}
        from mlnotes.assistant.answer import Answerer

        answers = {}
        for abstain, thr in THRESHOLDS:
            a = Answerer(index, corpus, bank=load_bank(corpus), abstain_threshold=abstain, interview_threshold=thr)
            for q in QUESTIONS:
                answers[f"{abstain}|{thr}|{q}"] = answer_dict(a, q)
    (HERE / "fixture_rankings.json").write_text(json.dumps({"configs": CONFIGS, "rankings": rankings}, indent=1))
    (HERE / "fixture_answers.json").write_text(json.dumps(answers, indent=1, sort_keys=True, ensure_ascii=False))
    print("wrote", HERE / "fixture_rankings.json", HERE / "fixture_answers.json")


if __name__ == "__main__":
    main()
