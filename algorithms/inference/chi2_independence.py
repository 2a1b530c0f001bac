r"""Pearson's chi-squared test of independence for an $r \times c$ contingency table.

With observed counts $O_{ij}$, row totals $R_i$, column totals $C_j$ and $N = \sum O_{ij}$, independence predicts
$E_{ij} = R_i C_j / N$, and

$$ X^2 = \sum_{i,j} \frac{(O_{ij} - E_{ij})^2}{E_{ij}} \;\dot\sim\; \chi^2_{(r-1)(c-1)} . $$

For a $2\times2$ table (one degree of freedom) Yates' continuity correction shrinks every $|O - E|$ by
$\min(0.5, |O - E|)$, as ``scipy.stats.chi2_contingency`` does by default. The approximation wants expected counts
of about 5 or more; we return the smallest expected count so the caller can check. Cramér's $V =
\sqrt{X^2 / (N(\min(r, c) - 1))}$ is the matching effect size. A row or column of zeros has no expected count and
a table with a single row or column has no degrees of freedom: both raise a ``ValueError``. Cost: $O(rc)$.

References: [@pearson1900criterion], [@wasserman2004all].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.stats import chi2

from mlnotes.algorithms.registry import DemoResult


class Chi2Result(NamedTuple):
    statistic: float
    pvalue: float
    dof: int
    expected: np.ndarray
    cramers_v: float
    min_expected: float


def contingency_table(a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-tabulate two label arrays: counts ``(len(rows), len(cols))`` and the sorted labels of each."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 1 or b.ndim != 1 or len(a) != len(b):
        raise ValueError(f"a and b must be 1-D of equal length, got shapes {a.shape} and {b.shape}")
    if len(a) == 0:
        raise ValueError("a and b are empty; the table needs observations")
    rows, ia = np.unique(a, return_inverse=True)
    cols, ib = np.unique(b, return_inverse=True)
    table = np.zeros((len(rows), len(cols)), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)
    return table, rows, cols


def chi2_independence(table, correction: bool = True) -> Chi2Result:
    """Chi-squared test of independence on a table of non-negative counts."""
    try:
        O = np.asarray(table, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("table must be a 2-D array of counts") from None
    if O.ndim != 2:
        raise ValueError(f"table must be 2-D (rows x columns), got shape {O.shape}")
    if min(O.shape) < 2:
        raise ValueError(f"table needs at least 2 rows and 2 columns, got shape {O.shape}; "
                         "a single category has no degrees of freedom")
    if not np.all(np.isfinite(O)) or np.any(O < 0):
        raise ValueError("table must hold finite, non-negative counts")
    R, C, N = O.sum(axis=1), O.sum(axis=0), O.sum()
    if np.any(R == 0) or np.any(C == 0):
        raise ValueError("table has a row or column of zeros; drop empty categories first")
    E = np.outer(R, C) / N  # (r, c)
    dof = (O.shape[0] - 1) * (O.shape[1] - 1)
    diff = np.abs(O - E)
    if correction and dof == 1:
        diff = diff - np.minimum(0.5, diff)
    stat = float(np.sum(diff**2 / E))
    v = float(np.sqrt(np.sum((O - E) ** 2 / E) / (N * (min(O.shape) - 1))))
    return Chi2Result(stat, float(chi2.sf(stat, dof)), dof, E, v, float(E.min()))


def demo(effect: float = 0.15, n_samples: int = 400) -> DemoResult:
    """Is a 3-level feature associated with a binary label? Against scipy.stats.chi2_contingency."""
    from scipy.stats import chi2_contingency

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    group = rng.integers(0, 3, n_samples)
    label = (rng.random(n_samples) < 0.3 + effect * (group - 1)).astype(int)
    table, rows, cols = contingency_table(group, label)
    res = chi2_independence(table)
    ref = chi2_contingency(table)
    fig, ax = new_figure()
    width = 0.35
    for j, c in enumerate(cols):
        ax.bar(np.arange(len(rows)) + j * width, table[:, j], width, label=f"observed label={c}")
        ax.scatter(np.arange(len(rows)) + j * width, res.expected[:, j], color="k", zorder=3,
                   label="expected under independence" if j == 0 else None)
    ax.set_xticks(np.arange(len(rows)) + width / 2, [f"group {r}" for r in rows])
    ax.set_title(f"chi2 = {res.statistic:.2f}, dof = {res.dof}, p = {res.pvalue:.3g}")
    ax.legend()
    return DemoResult(
        metrics={"statistic": res.statistic, "p_value": res.pvalue, "dof": float(res.dof)},
        reference={"statistic": float(ref.statistic), "p_value": float(ref.pvalue), "dof": float(ref.dof)},
        figure=fig, reference_name="scipy.stats.chi2_contingency",
        extra={"cramers_v": res.cramers_v, "min_expected": res.min_expected},
    )
