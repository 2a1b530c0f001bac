r"""Student and Welch t-tests: one-sample, two-sample and paired.

With sample means $\bar x$, unbiased variances $s^2$ and sizes $n$:

* **one-sample**: $t = (\bar x - \mu_0)/(s/\sqrt n)$ with $n-1$ degrees of freedom;
* **paired**: the one-sample test on the differences $d_i = x_i - y_i$ against $\mu_0 = 0$;
* **Student (pooled)**: $s_p^2 = \frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1+n_2-2}$,
  $t = (\bar x_1 - \bar x_2)/\big(s_p\sqrt{1/n_1 + 1/n_2}\big)$ with $n_1+n_2-2$ degrees of freedom;
* **Welch**: $t = (\bar x_1 - \bar x_2)/\sqrt{s_1^2/n_1 + s_2^2/n_2}$ with the Welch-Satterthwaite degrees
  of freedom $\nu = \frac{(s_1^2/n_1 + s_2^2/n_2)^2}{(s_1^2/n_1)^2/(n_1-1) + (s_2^2/n_2)^2/(n_2-1)}$.

The p-value is a tail probability of Student's $t_\nu$: $2\,\Pr(T > |t|)$ two-sided, $\Pr(T > t)$ for
``alternative="greater"`` and $\Pr(T < t)$ for ``"less"``. Welch's version does not assume equal variances and
loses little power when they are equal, which is why it is the safer default for A/B comparisons. A sample whose
variance is zero makes $t$ undefined; we raise a ``ValueError`` rather than return NaN or infinity.
Cost: $O(n)$.

References: [@student1908probable], [@welch1947generalization], [@wasserman2004all].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.stats import t as t_dist

from mlnotes.algorithms.inference._common import alternative, p_from_stat, sample
from mlnotes.algorithms.registry import DemoResult


class TTestResult(NamedTuple):
    statistic: float
    df: float
    pvalue: float


def _finish(num: float, se: float, df: float, alt: str, what: str) -> TTestResult:
    if not se > 0:
        raise ValueError(f"{what} has zero variance, so the t statistic is undefined; the test needs spread")
    stat = num / se
    return TTestResult(float(stat), float(df), p_from_stat(stat, t_dist(df), alternative(alt)))


def ttest_1samp(x, popmean: float = 0.0, alternative: str = "two-sided") -> TTestResult:
    """One-sample t-test of ``mean(x) == popmean``."""
    x = sample(x, "x", 2)
    n = len(x)
    return _finish(x.mean() - popmean, x.std(ddof=1) / np.sqrt(n), n - 1, alternative, "x")


def ttest_rel(x, y, alternative: str = "two-sided") -> TTestResult:
    """Paired t-test: the one-sample test on ``x - y``."""
    x, y = sample(x, "x", 2), sample(y, "y", 2)
    if len(x) != len(y):
        raise ValueError(f"paired samples must have equal length, got {len(x)} and {len(y)}")
    d = x - y
    return _finish(d.mean(), d.std(ddof=1) / np.sqrt(len(d)), len(d) - 1, alternative, "x - y")


def ttest_ind(x, y, equal_var: bool = False, alternative: str = "two-sided") -> TTestResult:
    """Two-sample t-test: Welch's (default) or Student's pooled-variance test (``equal_var=True``)."""
    x, y = sample(x, "x", 2), sample(y, "y", 2)
    n1, n2 = len(x), len(y)
    v1, v2 = x.var(ddof=1), y.var(ddof=1)
    diff = x.mean() - y.mean()
    if equal_var:
        sp2 = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
        return _finish(diff, np.sqrt(sp2 * (1 / n1 + 1 / n2)), n1 + n2 - 2, alternative, "x and y")
    a, b = v1 / n1, v2 / n2
    if not a + b > 0:
        raise ValueError("x and y have zero variance, so the t statistic is undefined; the test needs spread")
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    return _finish(diff, np.sqrt(a + b), df, alternative, "x and y")


def demo(shift: float = 0.5, n_samples: int = 30, sd_ratio: float = 2.0) -> DemoResult:
    """Two groups with unequal spread: Welch, Student, one-sample and paired tests against scipy.stats."""
    from scipy import stats

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, n_samples)
    y = rng.normal(shift, sd_ratio, n_samples)
    ours = {"welch": ttest_ind(x, y), "student": ttest_ind(x, y, equal_var=True),
            "one_sample": ttest_1samp(y), "paired": ttest_rel(x, y)}
    theirs = {"welch": stats.ttest_ind(x, y, equal_var=False), "student": stats.ttest_ind(x, y),
              "one_sample": stats.ttest_1samp(y, 0.0), "paired": stats.ttest_rel(x, y)}
    fig, ax = new_figure()
    ax.hist(x, bins=15, alpha=0.6, label="group x")
    ax.hist(y, bins=15, alpha=0.6, label="group y")
    ax.set_title(f"Welch t = {ours['welch'].statistic:.2f}, p = {ours['welch'].pvalue:.3g}")
    ax.legend()
    metrics, reference = {}, {}
    for k in ours:
        metrics[f"{k}_t"], metrics[f"{k}_p"] = ours[k].statistic, ours[k].pvalue
        reference[f"{k}_t"], reference[f"{k}_p"] = float(theirs[k].statistic), float(theirs[k].pvalue)
    metrics["welch_df"], reference["welch_df"] = ours["welch"].df, float(theirs["welch"].df)
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="scipy.stats.ttest_ind / ttest_1samp / ttest_rel")
