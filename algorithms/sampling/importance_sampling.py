"""Importance sampling for a Gaussian tail probability, plain and self-normalised.

To estimate ``mu = E_p[f(X)]`` draw ``X_i ~ q`` and weight by ``w_i = p(X_i)/q(X_i)`` [@owen2013monte]:

    mu_IS = (1/n) sum_i w_i f(X_i)              (unbiased if q > 0 wherever p f != 0)
    mu_SN = sum_i w_i f(X_i) / sum_i w_i        (self-normalised: needs p, q only up to constants; biased O(1/n))

The variance is ``(1/n) Var_q[w f]``; the zero-variance proposal is ``q* propto |f| p``. The effective sample
size ``(sum w)^2 / sum w^2`` diagnoses weight degeneracy. The demo estimates ``P(X > c)`` for ``X ~ N(0, 1)``
with the shifted proposal ``N(c, 1)`` (weights ``exp(-c x + c^2/2)``) and compares with plain Monte Carlo and
the exact value ``1 - Phi(c)``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from mlnotes.algorithms.registry import DemoResult


def importance_estimate(f, log_p, log_q, sample_q, n, rng):
    """Return (plain IS estimate, self-normalised estimate, its standard error, ESS)."""
    x = sample_q(n, rng)
    logw = log_p(x) - log_q(x)
    w = np.exp(logw)
    fx = f(x)
    est = float(np.mean(w * fx))
    se = float(np.std(w * fx, ddof=1) / np.sqrt(n))
    sn = float(np.sum(w * fx) / np.sum(w))
    ess = float(w.sum() ** 2 / (w ** 2).sum())
    return est, sn, se, ess


def demo(threshold: float = 4.0, n: int = 10_000, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    c = threshold
    f = lambda x: (x > c).astype(float)
    log_p = lambda x: -0.5 * x ** 2  # unnormalised N(0, 1) is fine: constants cancel below
    log_q = lambda x: -0.5 * (x - c) ** 2
    est, sn, se, ess = importance_estimate(f, log_p, log_q, lambda m, r: r.normal(c, 1, m), n, rng)
    mc = float(np.mean(rng.normal(size=n) > c))
    exact = float(stats.norm.sf(c))
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    ns = np.unique(np.geomspace(100, n, 12).astype(int))
    rel = [abs(importance_estimate(f, log_p, log_q, lambda m, r: r.normal(c, 1, m), m, rng)[0] - exact) / exact for m in ns]
    ax.loglog(ns, rel, "o-", label="importance sampling")
    ax.loglog(ns, 1 / np.sqrt(ns * exact), "k--", label="plain MC std / mu")
    ax.set(xlabel="samples", ylabel="relative error", title=f"P(X > {c:g}), X ~ N(0,1)")
    ax.legend()
    return DemoResult(metrics={"estimate": est, "self_normalised": sn, "std_error": se, "ess": ess, "plain_mc": mc},
                      reference={"estimate": exact, "self_normalised": exact}, figure=fig,
                      reference_name="scipy.stats.norm.sf (exact tail probability)")
