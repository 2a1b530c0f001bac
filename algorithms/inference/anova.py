r"""One-way analysis of variance (ANOVA).

For $k$ groups with sizes $n_j$, means $\bar x_j$, grand mean $\bar x$ and $N = \sum_j n_j$:

$$ SS_B = \sum_j n_j(\bar x_j - \bar x)^2,\quad SS_W = \sum_j \sum_i (x_{ij} - \bar x_j)^2,\quad
   F = \frac{SS_B/(k-1)}{SS_W/(N-k)} \sim F_{k-1,\,N-k} \text{ under } H_0: \mu_1 = \dots = \mu_k . $$

The p-value is $\Pr(F_{k-1,N-k} > F)$. The effect size $\eta^2 = SS_B/(SS_B + SS_W)$ is the share of variance
explained by group membership. With two groups $F = t^2$ for Student's pooled t-test. ANOVA assumes independent,
roughly normal groups with equal variances; it says that some mean differs, not which (follow up with
corrected pairwise tests). Fewer than two groups, an empty group, or zero within-group variance raise a
``ValueError``. Cost: $O(N)$.

References: [@fisher1925statistical], [@wasserman2004all].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.stats import f as f_dist

from mlnotes.algorithms.inference._common import sample
from mlnotes.algorithms.registry import DemoResult


class AnovaResult(NamedTuple):
    statistic: float
    pvalue: float
    df_between: int
    df_within: int
    eta_squared: float


def one_way_anova(*groups) -> AnovaResult:
    """F test that all group means are equal; each argument is one group's 1-D sample."""
    if len(groups) < 2:
        raise ValueError(f"one-way ANOVA needs at least 2 groups, got {len(groups)}")
    gs = [sample(g, f"group {i}", 1) for i, g in enumerate(groups)]
    k, N = len(gs), sum(len(g) for g in gs)
    if N - k < 1:
        raise ValueError("ANOVA needs more observations than groups (some group must have 2 or more values)")
    grand = np.concatenate(gs).mean()
    ssb = float(sum(len(g) * (g.mean() - grand) ** 2 for g in gs))
    ssw = float(sum(np.sum((g - g.mean()) ** 2) for g in gs))
    if not ssw > 0:
        raise ValueError("every group is constant (zero within-group variance); the F statistic is undefined")
    F = (ssb / (k - 1)) / (ssw / (N - k))
    return AnovaResult(float(F), float(f_dist.sf(F, k - 1, N - k)), k - 1, N - k, ssb / (ssb + ssw))


def demo(spread: float = 0.4, n_groups: int = 4, n_per_group: int = 25) -> DemoResult:
    """Groups whose means step by ``spread``: F and p against scipy.stats.f_oneway."""
    from scipy.stats import f_oneway

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    groups = [rng.normal(spread * j, 1.0, n_per_group) for j in range(n_groups)]
    res = one_way_anova(*groups)
    ref = f_oneway(*groups)
    fig, ax = new_figure()
    ax.boxplot(groups)
    ax.set_xlabel("group")
    ax.set_title(f"F = {res.statistic:.2f}, p = {res.pvalue:.3g}, eta^2 = {res.eta_squared:.2f}")
    return DemoResult(metrics={"statistic": res.statistic, "p_value": res.pvalue},
                      reference={"statistic": float(ref.statistic), "p_value": float(ref.pvalue)},
                      figure=fig, reference_name="scipy.stats.f_oneway")
