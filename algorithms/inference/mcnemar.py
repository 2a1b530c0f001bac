r"""McNemar's test for two classifiers evaluated on the same test set.

Cross the two models' correctness on each of the $n$ test examples into a $2\times2$ table
$\begin{pmatrix} a & b \\ c & d \end{pmatrix}$: $a$ both right, $b$ only model A right, $c$ only model B right,
$d$ both wrong. Under $H_0$ (equal error rates) the discordant pairs split evenly, $b \sim \mathrm{Bin}(b + c, 1/2)$.

* **exact**: two-sided p-value $\min\big(1,\ 2\,\Pr(\mathrm{Bin}(b+c, 1/2) \le \min(b, c))\big)$;
* **chi-squared** (with continuity correction): $X^2 = (|b - c| - 1)^2/(b + c) \sim \chi^2_1$;
  without correction $X^2 = (b - c)^2/(b + c)$. (Taken literally, the corrected formula gives $1/(b+c)$, not 0,
  when $b = c$; we keep it literal, as Dietterich and statsmodels do.)

Only the discordant cells matter. Use the exact test when $b + c$ is small (say below 25). With no discordant
pairs the models never disagree: the p-value is 1 and we report $X^2 = 0$ (statsmodels returns NaN there).
Dietterich recommends this test when models can be trained only once. Cost: $O(n)$ to build the table.

References: [@mcnemar1947note], [@dietterich1998approximate].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.stats import binom, chi2

from mlnotes.algorithms.registry import DemoResult


class McNemarResult(NamedTuple):
    statistic: float
    pvalue: float


def mcnemar_table(y_true, pred_a, pred_b) -> np.ndarray:
    """The 2x2 table [[both right, only A right], [only B right, both wrong]]."""
    y, a, b = np.asarray(y_true), np.asarray(pred_a), np.asarray(pred_b)
    if not (y.ndim == a.ndim == b.ndim == 1) or not (len(y) == len(a) == len(b)):
        raise ValueError(f"y_true, pred_a and pred_b must be 1-D of equal length, got {y.shape}, {a.shape}, {b.shape}")
    if len(y) == 0:
        raise ValueError("y_true is empty; McNemar's test needs predictions on a test set")
    ra, rb = a == y, b == y
    return np.array([[np.sum(ra & rb), np.sum(ra & ~rb)], [np.sum(~ra & rb), np.sum(~ra & ~rb)]], dtype=np.int64)


def mcnemar(table, exact: bool = True, correction: bool = True) -> McNemarResult:
    """McNemar's test on a 2x2 table; ``exact=True`` gives the binomial test (statistic = min(b, c))."""
    t = np.asarray(table, dtype=float)
    if t.shape != (2, 2):
        raise ValueError(f"table must be 2x2, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.mod(t, 1) != 0):
        raise ValueError("table must hold non-negative whole counts")
    b, c = t[0, 1], t[1, 0]
    n = b + c
    if exact:
        k = min(b, c)
        return McNemarResult(float(k), float(min(1.0, 2 * binom.cdf(k, n, 0.5))) if n > 0 else 1.0)
    if n == 0:
        return McNemarResult(0.0, 1.0)
    num = abs(b - c) - 1.0 if correction else abs(b - c)  # literal formula, as in the papers
    stat = num**2 / n
    return McNemarResult(float(stat), float(chi2.sf(stat, 1)))


def demo(n_test: int = 300, seed: int = 0) -> DemoResult:
    """Logistic regression vs a shallow tree on one held-out split; against statsmodels' mcnemar."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier
    from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=n_test * 2, n_features=10, n_informative=4, random_state=seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=seed)
    pa = LogisticRegression().fit(Xtr, ytr).predict(Xte)
    pb = DecisionTreeClassifier(max_depth=2, random_state=seed).fit(Xtr, ytr).predict(Xte)
    table = mcnemar_table(yte, pa, pb)
    ex, ch = mcnemar(table, exact=True), mcnemar(table, exact=False)
    rex, rch = sm_mcnemar(table, exact=True), sm_mcnemar(table, exact=False, correction=True)
    fig, ax = new_figure()
    ax.imshow(table, cmap="Blues")
    for (i, j), v in np.ndenumerate(table):
        ax.text(j, i, str(v), ha="center", va="center")
    ax.set_xticks([0, 1], ["tree right", "tree wrong"])
    ax.set_yticks([0, 1], ["logreg right", "logreg wrong"])
    ax.set_title(f"McNemar exact p = {ex.pvalue:.3g}, chi2 p = {ch.pvalue:.3g}")
    return DemoResult(
        metrics={"exact_p": ex.pvalue, "chi2_statistic": ch.statistic, "chi2_p": ch.pvalue},
        reference={"exact_p": float(rex.pvalue), "chi2_statistic": float(rch.statistic), "chi2_p": float(rch.pvalue)},
        figure=fig, reference_name="statsmodels.stats.contingency_tables.mcnemar",
        extra={"accuracy_logreg": float(np.mean(pa == yte)), "accuracy_tree": float(np.mean(pb == yte))},
    )
