r"""Apriori: frequent itemsets and association rules.

For transactions $T_1..T_N$ (sets of items), the support of an itemset is $\mathrm{supp}(I) = |\{n: I\subseteq T_n\}|/N$.
Apriori finds every itemset with support $\ge$ ``min_support`` level by level, using the **downward closure**
property: every subset of a frequent itemset is frequent, so

1. $L_1$ = frequent single items;
2. candidates $C_{k+1}$ = unions of two itemsets in $L_k$ that share their first $k-1$ items (in sorted order),
   **pruned** of any candidate with a $k$-subset not in $L_k$;
3. count the candidates' supports in one pass over the data, keep $L_{k+1}$; stop when it is empty.

Rules $X\Rightarrow Y$ ($X\cap Y=\emptyset$, $X\cup Y$ frequent) are scored by confidence
$\mathrm{supp}(X\cup Y)/\mathrm{supp}(X)$ and lift $\mathrm{conf}/\mathrm{supp}(Y)$ (lift > 1: positively associated).
Here transactions are stored as a boolean matrix so that one support count is a column-wise AND. FP-growth finds
the same itemsets without candidate generation.

References: [@agrawal1994fast], [@agrawal1993mining].
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _encode(transactions):
    if isinstance(transactions, (str, bytes)) or not all(isinstance(t, (set, frozenset, list, tuple))
                                                         for t in transactions):
        raise ValueError("transactions must be a list of sets/lists of items")
    items = sorted({i for t in transactions for i in t}, key=str)
    col = {item: j for j, item in enumerate(items)}
    M = np.zeros((len(transactions), len(items)), dtype=bool)
    for n, t in enumerate(transactions):
        M[n, [col[i] for i in t]] = True
    return M, items


def apriori(transactions, min_support: float = 0.1) -> dict[frozenset, float]:
    """All itemsets with support >= ``min_support``, mapped to their support."""
    if not 0 < min_support <= 1:
        raise ValueError(f"min_support must be in (0, 1], got {min_support}")
    M, items = _encode(transactions)
    N = M.shape[0]
    support = M.mean(axis=0)
    level = {(j,): support[j] for j in range(len(items)) if support[j] >= min_support}
    frequent = dict(level)
    while level:
        keys = sorted(level)
        candidates = set()
        for a, b in combinations(keys, 2):
            if a[:-1] == b[:-1]:  # join step: same prefix
                cand = a + (b[-1],) if a[-1] < b[-1] else b + (a[-1],)
                if all(sub in level for sub in combinations(cand, len(cand) - 1)):  # prune step
                    candidates.add(cand)
        level = {}
        for cand in candidates:
            s = np.all(M[:, cand], axis=1).sum() / N
            if s >= min_support:
                level[cand] = s
        frequent.update(level)
    return {frozenset(items[j] for j in key): float(s) for key, s in frequent.items()}


def association_rules(frequent: dict[frozenset, float], min_confidence: float = 0.5) -> list[dict]:
    """Rules X => Y with confidence >= ``min_confidence``: dicts with antecedent, consequent, support, confidence, lift."""
    rules = []
    for itemset, s in frequent.items():
        if len(itemset) < 2:
            continue
        for r in range(1, len(itemset)):
            for X in map(frozenset, combinations(sorted(itemset, key=str), r)):
                Y = itemset - X
                conf = s / frequent[X]
                if conf >= min_confidence:
                    rules.append({"antecedent": X, "consequent": Y, "support": s, "confidence": conf,
                                  "lift": conf / frequent[Y]})
    return sorted(rules, key=lambda d: (-d["lift"], -d["confidence"]))


def make_baskets(n: int = 500, seed: int = 0):
    """Synthetic shopping baskets with planted associations (bread-butter, beer-crisps)."""
    rng = np.random.default_rng(seed)
    items = ["bread", "butter", "milk", "beer", "crisps", "apples", "coffee", "eggs"]
    baskets = []
    for _ in range(n):
        b = {i for i in items if rng.random() < 0.15}
        if rng.random() < 0.4:
            b |= {"bread", "butter"} if rng.random() < 0.8 else {"bread"}
        if rng.random() < 0.25:
            b |= {"beer", "crisps"}
        baskets.append(b or {"milk"})
    return baskets


def brute_force_itemsets(transactions, min_support):
    """Every frequent itemset by enumerating all subsets of the item universe (the test oracle)."""
    M, items = _encode(transactions)
    out = {}
    for r in range(1, len(items) + 1):
        for cols in combinations(range(len(items)), r):
            s = np.all(M[:, cols], axis=1).mean()
            if s >= min_support:
                out[frozenset(items[j] for j in cols)] = float(s)
    return out


def demo(min_support: float = 0.05, min_confidence: float = 0.6) -> DemoResult:
    """Shopping baskets: frequent itemsets (checked against exhaustive enumeration) and the top rules by lift."""
    from mlnotes.algorithms.linear._viz import new_figure

    baskets = make_baskets()
    frequent = apriori(baskets, min_support)
    oracle = brute_force_itemsets(baskets, min_support)
    rules = association_rules(frequent, min_confidence)[:8]
    fig, ax = new_figure(width=8)
    labels = [f"{','.join(sorted(r['antecedent']))} => {','.join(sorted(r['consequent']))}" for r in rules]
    ax.barh(np.arange(len(rules)), [r["lift"] for r in rules])
    ax.set_yticks(np.arange(len(rules)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(1.0, color="k", ls="--", lw=0.8)
    ax.set_xlabel("lift")
    ax.set_title(f"top rules (support >= {min_support}, confidence >= {min_confidence})")
    return DemoResult(
        metrics={"n_frequent_itemsets": float(len(frequent)), "total_support": float(sum(frequent.values()))},
        reference={"n_frequent_itemsets": float(len(oracle)), "total_support": float(sum(oracle.values()))},
        figure=fig,
        reference_name="exhaustive enumeration of all itemsets",
        extra={"n_rules": len(rules)},
    )
