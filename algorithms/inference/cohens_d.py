r"""Cohen's d and Hedges' g: standardized mean differences.

For two independent samples, with the pooled standard deviation
$s_p = \sqrt{\frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1+n_2-2}}$,

$$ d = \frac{\bar x_1 - \bar x_2}{s_p}, \qquad g = J\,d,\quad J = \frac{\Gamma(\nu/2)}{\sqrt{\nu/2}\,\Gamma((\nu-1)/2)}
   \approx 1 - \frac{3}{4\nu - 1},\ \nu = n_1 + n_2 - 2 . $$

$d$ is tied to Student's pooled t statistic by $d = t\sqrt{1/n_1 + 1/n_2}$, which is how the test checks it.
Hedges' $g$ removes the small-sample upward bias of $d$ (we use the exact gamma-function factor $J$). For
equal-variance normal groups, $\Pr(X_1 > X_2) = \Phi(d/\sqrt2)$ (the "common-language" effect size). Cohen's
rough guide reads 0.2 as small, 0.5 medium, 0.8 large, but the field's own baseline matters more. For paired
data the usual choice is $d_z = \bar d / s_d$ on the differences. Zero pooled variance raises a ``ValueError``.

References: [@cohen1988statistical], [@wasserman2004all].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import gammaln
from scipy.stats import norm

from mlnotes.algorithms.inference._common import sample
from mlnotes.algorithms.registry import DemoResult


class EffectSize(NamedTuple):
    d: float
    hedges_g: float
    prob_superiority: float


def hedges_correction(df: float) -> float:
    """Exact small-sample factor $J(\\nu)$ (computed in log space for large $\\nu$)."""
    if df < 2:
        raise ValueError(f"Hedges' correction needs at least 2 degrees of freedom, got {df}")
    return float(np.exp(gammaln(df / 2) - 0.5 * np.log(df / 2) - gammaln((df - 1) / 2)))


def cohens_d(x, y) -> EffectSize:
    """Cohen's d of ``x`` versus ``y`` (pooled SD), Hedges' g and $\\Phi(d/\\sqrt 2)$."""
    x, y = sample(x, "x", 2), sample(y, "y", 2)
    n1, n2 = len(x), len(y)
    sp = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    if not sp > 0:
        raise ValueError("x and y are both constant (zero pooled standard deviation); d is undefined")
    d = float((x.mean() - y.mean()) / sp)
    g = d * hedges_correction(n1 + n2 - 2) if n1 + n2 - 2 >= 2 else d
    return EffectSize(d, float(g), float(norm.cdf(d / np.sqrt(2))))


def cohens_dz(x, y) -> float:
    """Paired effect size: mean difference over the standard deviation of the differences."""
    x, y = sample(x, "x", 2), sample(y, "y", 2)
    if len(x) != len(y):
        raise ValueError(f"paired samples must have equal length, got {len(x)} and {len(y)}")
    diff = x - y
    sd = diff.std(ddof=1)
    if not sd > 0:
        raise ValueError("the differences x - y are constant; d_z is undefined")
    return float(diff.mean() / sd)


def demo(true_d: float = 0.5, n_per_group: int = 50) -> DemoResult:
    """Estimate d and P(X1 > X2) on normal groups; the reference is d from scipy's t and a pair count."""
    from scipy.stats import ttest_ind

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x, y = rng.normal(true_d, 1.0, n_per_group), rng.normal(0.0, 1.0, n_per_group)
    es = cohens_d(x, y)
    t = ttest_ind(x, y).statistic
    pairs = float(np.mean(x[:, None] > y[None, :]))
    fig, ax = new_figure()
    grid = np.linspace(-4, 4 + true_d, 400)
    ax.plot(grid, norm.pdf(grid), label="group 2: N(0, 1)")
    ax.plot(grid, norm.pdf(grid - true_d), label=f"group 1: N({true_d}, 1)")
    ax.set_title(f"estimated d = {es.d:.2f} (g = {es.hedges_g:.2f}), true d = {true_d}")
    ax.legend()
    return DemoResult(
        metrics={"d": es.d, "prob_superiority": es.prob_superiority},
        reference={"d": float(t * np.sqrt(2 / n_per_group)), "prob_superiority": pairs},
        figure=fig, reference_name="d = t * sqrt(1/n1 + 1/n2) from scipy.stats.ttest_ind; pair count",
        notes="prob_superiority: ours is Phi(d/sqrt 2) (normal model), the reference counts x_i > y_j pairs.",
    )
