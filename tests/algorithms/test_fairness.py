"""Group fairness metrics against a brute-force group-by (pure Python loops and pandas) and hand cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnotes.algorithms.fairness.group_metrics import (
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    equalized_odds_ratio,
    group_rates,
)


def _rate(values):
    return sum(values) / len(values)


def _brute(y, p, g):
    groups = sorted(set(g))
    sel = [_rate([p[i] for i in range(len(g)) if g[i] == a]) for a in groups]
    tpr = [_rate([p[i] for i in range(len(g)) if g[i] == a and y[i] == 1]) for a in groups]
    fpr = [_rate([p[i] for i in range(len(g)) if g[i] == a and y[i] == 0]) for a in groups]

    def ratio(r):
        return 1.0 if max(r) == 0 else min(r) / max(r)

    return {"dp_diff": max(sel) - min(sel), "dp_ratio": ratio(sel),
            "eo_diff": max(max(tpr) - min(tpr), max(fpr) - min(fpr)), "eo_ratio": min(ratio(tpr), ratio(fpr)),
            "eop_diff": max(tpr) - min(tpr)}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_groups=st.integers(1, 4), n=st.integers(8, 80))
def test_fairness_metrics_match_brute_force(seed, n_groups, n):
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["w", "x", "y", "z"][:n_groups]), n)
    y = rng.integers(0, 2, n)
    p = rng.integers(0, 2, n)
    # make every group hold both labels so TPR and FPR exist
    labels, counts = np.unique(g, return_counts=True)
    largest = labels[np.argmax(counts)]  # n >= 8, so the largest group has at least 2 members
    for a, c in zip(labels, counts):
        if c < 2:
            g[g == a] = largest
    for a in np.unique(g):
        idx = np.nonzero(g == a)[0]
        y[idx[0]], y[idx[1]] = 0, 1
    b = _brute(y.tolist(), p.tolist(), g.tolist())
    assert demographic_parity_difference(p, g) == pytest.approx(b["dp_diff"], abs=1e-12)
    assert demographic_parity_ratio(p, g) == pytest.approx(b["dp_ratio"], abs=1e-12)
    assert equalized_odds_difference(y, p, g) == pytest.approx(b["eo_diff"], abs=1e-12)
    assert equalized_odds_ratio(y, p, g) == pytest.approx(b["eo_ratio"], abs=1e-12)
    assert equal_opportunity_difference(y, p, g) == pytest.approx(b["eop_diff"], abs=1e-12)


def test_group_rates_match_pandas_groupby():
    rng = np.random.default_rng(0)
    g = rng.choice([3, 1, 2], 500)  # integer group labels
    y, p = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    r = group_rates(y, p, g)
    df = pd.DataFrame({"g": g, "y": y, "p": p})
    np.testing.assert_array_equal(r["groups"], [1, 2, 3])
    np.testing.assert_allclose(r["selection_rate"], df.groupby("g")["p"].mean().to_numpy())
    np.testing.assert_allclose(r["tpr"], df[df.y == 1].groupby("g")["p"].mean().to_numpy())
    np.testing.assert_allclose(r["fpr"], df[df.y == 0].groupby("g")["p"].mean().to_numpy())
    np.testing.assert_allclose(r["count"], df.groupby("g").size().to_numpy())


def test_hand_case():
    # group a: preds 1,1,0,0 on labels 1,0,1,0 -> sel 0.5, TPR 0.5, FPR 0.5
    # group b: preds 1,0,0,0 on labels 1,1,0,0 -> sel 0.25, TPR 0.5, FPR 0
    g = ["a"] * 4 + ["b"] * 4
    y = [1, 0, 1, 0, 1, 1, 0, 0]
    p = [1, 1, 0, 0, 1, 0, 0, 0]
    assert demographic_parity_difference(p, g) == 0.25
    assert demographic_parity_ratio(p, g) == 0.5
    assert equalized_odds_difference(y, p, g) == 0.5
    assert equalized_odds_ratio(y, p, g) == 0.0
    assert equal_opportunity_difference(y, p, g) == 0.0


def test_edge_cases():
    # a single group: perfect parity by definition
    assert demographic_parity_difference([1, 0, 1], ["a", "a", "a"]) == 0.0
    assert demographic_parity_ratio([1, 0, 1], ["a", "a", "a"]) == 1.0
    # nobody selected in any group: ratio defined as 1
    assert demographic_parity_ratio([0, 0, 0, 0], ["a", "a", "b", "b"]) == 1.0
    with pytest.raises(ValueError, match="group 'b' has no positive label"):
        equalized_odds_difference([1, 0, 0, 0], [1, 0, 1, 0], ["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="group 'a' has no negative label"):
        equalized_odds_ratio([1, 1, 1, 0], [1, 0, 1, 0], ["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="empty"):
        demographic_parity_difference([], [])
    with pytest.raises(ValueError, match="NaN"):
        demographic_parity_difference([1, 0], [1.0, np.nan])
    with pytest.raises(ValueError, match="None or NaN"):
        demographic_parity_difference([1, 0], np.array(["a", None], dtype=object))
    with pytest.raises(ValueError, match="only 0 and 1"):
        demographic_parity_difference([0.3, 1], ["a", "b"])
    with pytest.raises(ValueError, match="same length"):
        equalized_odds_difference([1, 0, 1], [1, 0], ["a", "b"])
    with pytest.raises(ValueError, match="equal length"):
        demographic_parity_difference([1, 0, 1], ["a", "b"])
