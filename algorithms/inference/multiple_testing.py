r"""Multiple-testing corrections: Bonferroni, Holm and Benjamini-Hochberg.

Given $m$ p-values $p_1..p_m$ and a level $\alpha$, with $p_{(1)} \le \dots \le p_{(m)}$ sorted:

* **Bonferroni** (family-wise error rate, FWER): reject $H_i$ when $p_i \le \alpha/m$; adjusted
  $\tilde p_i = \min(1, m p_i)$.
* **Holm** (step-down, FWER, uniformly more powerful than Bonferroni): adjusted
  $\tilde p_{(i)} = \max_{j \le i} \min\big(1, (m - j + 1)\,p_{(j)}\big)$.
* **Benjamini-Hochberg** (false discovery rate, FDR, for independent or positively dependent tests): reject the
  $k$ smallest where $k = \max\{i : p_{(i)} \le i\alpha/m\}$; adjusted
  $\tilde p_{(i)} = \min_{j \ge i} \min\big(1, m\,p_{(j)}/j\big)$.

Every method rejects exactly the hypotheses with $\tilde p_i \le \alpha$ (up to rounding: ``reject`` applies the
step rules to the raw p-values, so exact ties with the threshold count as rejections). Ties are harmless (the running max/min
makes tied p-values share one adjusted value). Empty input gives empty output; NaN p-values or values outside
$[0, 1]$ raise a ``ValueError``. Cost: $O(m \log m)$ for the sort.

References: [@holm1979simple], [@benjamini1995controlling], [@demsar2006statistical].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.inference._common import level
from mlnotes.algorithms.registry import DemoResult

METHODS = ("bonferroni", "holm", "bh")


def adjust_pvalues(pvalues, method: str = "bh") -> np.ndarray:
    """Adjusted p-values in the input order for ``method`` in ``("bonferroni", "holm", "bh")``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    try:
        p = np.asarray(pvalues, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("pvalues must be a 1-D array of numbers") from None
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-D, got shape {p.shape}")
    if np.any(np.isnan(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("pvalues must lie in [0, 1] and contain no NaN")
    m = len(p)
    if m == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, m * p)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    i = np.arange(1, m + 1)
    if method == "holm":
        adj_sorted = np.maximum.accumulate(np.minimum(1.0, (m - i + 1) * ps))
    else:
        adj_sorted = np.minimum.accumulate(np.minimum(1.0, m * ps / i)[::-1])[::-1]
    out = np.empty(m)
    out[order] = adj_sorted
    return out


def reject(pvalues, alpha: float = 0.05, method: str = "bh") -> tuple[np.ndarray, np.ndarray]:
    """Boolean rejections and adjusted p-values at level ``alpha``."""
    alpha = level(alpha, "alpha")
    adj = adjust_pvalues(pvalues, method)
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    # decide with the step rules on the raw p-values (as the textbooks state them): comparing adjusted values
    # with alpha would flip decisions at exact ties such as 3 * 0.05 / 3 > 0.05 in floating point
    if m == 0:
        return np.zeros(0, dtype=bool), adj
    if method == "bonferroni":
        return p <= alpha / m, adj
    order = np.argsort(p, kind="stable")
    i = np.arange(1, m + 1)
    out = np.zeros(m, dtype=bool)
    if method == "holm":
        ok = p[order] <= alpha / (m - i + 1)
        k = m if ok.all() else int(np.argmin(ok))  # reject up to the first failure
    else:
        ok = np.nonzero(p[order] <= i * alpha / m)[0]
        k = int(ok[-1]) + 1 if len(ok) else 0  # reject the k smallest
    out[order[:k]] = True
    return out, adj


def demo(n_tests: int = 200, n_true_effects: int = 20, alpha: float = 0.05) -> DemoResult:
    """Many z-tests, a few real effects: rejections and false discoveries per method, against statsmodels."""
    from scipy.stats import norm
    from statsmodels.stats.multitest import multipletests

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    n_true_effects = min(n_true_effects, n_tests)
    z = rng.normal(0, 1, n_tests)
    z[:n_true_effects] += 3.0
    p = 2 * norm.sf(np.abs(z))
    truth = np.arange(n_tests) < n_true_effects
    metrics, reference = {}, {}
    names = {"bonferroni": "bonferroni", "holm": "holm", "bh": "fdr_bh"}
    fig, ax = new_figure()
    ax.plot(np.arange(1, n_tests + 1), np.sort(p), ".", label="sorted p-values")
    ax.plot(np.arange(1, n_tests + 1), alpha * np.arange(1, n_tests + 1) / n_tests, label="BH line i*alpha/m")
    ax.axhline(alpha / n_tests, color="r", ls="--", label="Bonferroni alpha/m")
    for method in METHODS:
        rej, adj = reject(p, alpha, method)
        rej_ref, adj_ref, _, _ = multipletests(p, alpha, names[method])
        metrics[f"{method}_rejections"] = float(rej.sum())
        reference[f"{method}_rejections"] = float(rej_ref.sum())
        metrics[f"{method}_max_adj_p"] = float(adj.max())
        reference[f"{method}_max_adj_p"] = float(adj_ref.max())
        metrics[f"{method}_false_discoveries"] = float(np.sum(rej & ~truth))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rank i")
    ax.set_ylabel("p-value")
    ax.set_title(f"{n_tests} tests, {n_true_effects} real effects")
    ax.legend()
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="statsmodels.stats.multitest.multipletests")
