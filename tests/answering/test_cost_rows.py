"""Round 21 (num21): a complexity-table row worked at the sizes the question gives (`cost_rows.read_cost_row`).
Values are checked against direct computations at sizes other than the development questions'; declines on
same-topic questions with missing, extra or ambiguous sizes, on rows that state alternatives, and on a row for
another variant than the one asked."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

from mlnotes.assistant.answering import cost_rows as C
from mlnotes.assistant.settings import REPO_ROOT


@lru_cache(maxsize=1)
def sections() -> dict[str, str]:
    from mlnotes.assistant.corpus import section_chunk_texts

    return {k: "\n".join(v) for k, v in section_chunk_texts(REPO_ROOT / "corpus").items()}


CLUSTERING = "algorithm-complexity#clustering"
REDUCTION = "algorithm-complexity#dimensionality-reduction-and-matrix-factorization"


def read(q: str, key: str) -> C.CostReading | None:
    return C.read_cost_row(q, sections()[key])


def _sci(x: float) -> str:
    e = math.floor(math.log10(x))
    return f"{x / 10 ** e:.1f}×10^{e}"


def test_table_rows_read_the_guides_cost_tables():
    rows = C.table_rows(sections()[CLUSTERING])
    pam = [r for r in rows if r["name"].startswith("k-medoids")]
    assert pam == [{"name": "k-medoids (PAM)", "time": "$O(k(n-k)^2)$ per iteration",
                    "memory": "$O(n^2)$ with a distance matrix"}]
    assert not any(set(r["name"]) <= set("-: ") or r["name"] == "Algorithm" for r in rows)
    assert C.terms("$O(a)$ kNN + $O(b^2)$ shortest paths") == [("a", "kNN"), ("b^2", "shortest paths")]
    assert C.terms(r"$O(n\log n)$ average with an index, $O(n^2)$ worst") is None  # alternatives, not a sum
    assert C.terms("$O(n)$ plus neighbourhoods") is None


@pytest.mark.parametrize("n,k", [(5000, 4), (1200, 7)])
def test_pam_cost_and_memory_match_a_direct_count(n, k):
    q = f"how expensive is k-medoids (PAM) on {n:,} points with k = {k}?"
    got = read(q, CLUSTERING)
    assert got is not None and got.values == {"n": n, "k": k}
    # a PAM swap phase tries every (medoid, non-medoid) pair and re-scores every non-medoid point
    swaps = sum(1 for _ in range(k)) * (n - k) * (n - k)
    assert f"≈ {_sci(swaps)}" in got.text
    entries = np.zeros((200, 200)).nbytes / 8 * (n / 200) ** 2  # a float64 n×n matrix, scaled from a real one
    assert f"≈ {_sci(entries)} entries" in got.text
    gb = 8 * n * n / 1e9
    assert (f"{gb:.2g} GB" if gb >= 1 else f"{8 * n * n / 1e6:.2g} MB") in got.text or f"{8 * n * n / 1e6:,.0f} MB" \
        in got.text


def test_isomap_terms_match_math_and_name_the_dominant_step():
    q = "is isomap feasible on 2,000 points with 10 features and 5 neighbours? how much time and memory?"
    got = read(q, REDUCTION)
    assert got is not None and got.values == {"n": 2000, "d": 10, "k_nb": 5}
    n, d, k = 2000, 10, 5
    for v in (d * n * math.log(n) * k, n * n * (k + math.log(n)), n ** 3):
        assert f"≈ {_sci(v)}" in got.text
    assert "the O(n³) eigen term dominates" in got.text and "log = ln" in got.text
    assert f"{8 * n * n / 1e6:.2g} MB" in got.text


def test_gmm_row_needs_its_variant_named():
    q = "gaussian mixture with full covariances, EM on 200k points, 20 dims, 8 components: cost per iteration?"
    got = read(q, CLUSTERING)
    assert got is not None and got.values == {"n": 200_000, "d": 20, "k": 8}
    assert f"≈ {_sci(200_000 * 8 * 400 + 8 * 8000)}" in got.text
    # the row states full covariances: a diagonal-covariance question does not get it
    assert read("gaussian mixture with diagonal covariances on 200k points, 20 dims, 8 components: EM cost?",
                CLUSTERING) is None


@pytest.mark.parametrize("q,key", [
    ("how does k-medoids (PAM) scale with the number of points?", CLUSTERING),  # no sizes
    ("PAM on 20,000 points with k = 10 and T = 30 iterations: what does it cost?", CLUSTERING),  # T unread by the row
    ("PAM on 20,000 points or 40,000 points with k = 10: cost?", CLUSTERING),  # two values of n
    ("what does dbscan cost on 50,000 points?", CLUSTERING),  # the row states alternatives (average, worst)
    ("mini-batch k-means on 1M points, k = 100, 50 features: cost per pass?", CLUSTERING),  # b, T unbound
    ("t-SNE on 20,000 points with 50 features: how long?", REDUCTION),  # two t-SNE rows (exact, Barnes-Hut)
    ("isomap on 30,000 points with 50 features: what does it cost?", REDUCTION),  # k_nb missing
    ("k-medoids (PAM) with k = 10 on 20k customers: which is more robust to outliers?", CLUSTERING),  # no cost asked
])
def test_declines_on_same_topic_questions(q, key):
    assert read(q, key) is None, q


def test_several_rows_named_the_one_in_the_asking_clause_is_worked():
    q = "k-means or k-medoids (PAM) for 8,000 points? and what would PAM cost with k = 5"
    got = read(q, CLUSTERING)
    assert got is not None and got.row == "k-medoids (PAM)"
    assert read("k-means or k-medoids (PAM): which costs more on 8,000 points with k = 5?", CLUSTERING) is None


def test_the_answer_shows_the_row_worked_and_cites_it(answerer):
    q = "what would k-medoids (PAM) clustering cost per iteration on 5,000 points with k = 4, and how much memory?"
    ans = answerer.answer(q, generator=None)
    cost = [w for w in ans.worked if w["formula"].startswith("cost:")]
    assert cost and cost[0]["formula"] == "cost:k-medoids (PAM)"
    assert ans.text.startswith("**On your numbers** (computed from the complexity row in [")
    assert f"≈ {_sci(4 * 4996 ** 2)}" in ans.text.split("\n\n")[0]
    src = next(s for s in ans.sources if s.n == cost[0]["source"])
    assert f"{src.doc_id}#{src.section_id}" == CLUSTERING
