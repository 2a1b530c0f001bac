"""Rejection sampling from a density bounded by a scaled proposal.

If ``p(x) <= M q(x)`` for all ``x``, draw ``x ~ q`` and ``u ~ U(0, 1)`` and accept ``x`` when ``u <= p(x) / (M q(x))``
[@vonneumann1951various]. Accepted draws are exact samples from ``p``: the pair ``(x, u M q(x))`` is uniform under
the graph of ``M q``, and keeping the points under ``p`` leaves a uniform point under ``p``, whose ``x`` has
density ``p``. The acceptance probability is ``1/M`` (for normalised ``p`` and ``q``), so a loose envelope wastes
draws, and in high dimension ``M`` typically grows exponentially.

The demo samples ``Beta(a, b)`` with a uniform proposal and ``M = max_x p(x)`` (attained at the mode
``(a-1)/(a+b-2)``), and compares with SciPy's Beta distribution.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from mlnotes.algorithms.registry import DemoResult


def rejection_sample(pdf, sample_q, q_pdf, M, n, rng, batch=None):
    """Return n exact samples of pdf and the overall acceptance rate."""
    out, drawn, accepted = [], 0, 0
    batch = batch or max(16, 2 * int(np.ceil(n * M)))
    while accepted < n:
        x = sample_q(batch, rng)
        u = rng.random(batch)
        keep = x[u <= pdf(x) / (M * q_pdf(x))]
        out.append(keep)
        drawn += batch
        accepted += len(keep)
    return np.concatenate(out)[:n], accepted / drawn


def demo(a: float = 2.0, b: float = 5.0, n: int = 20_000, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    if a < 1 or b < 1:
        raise ValueError("this demo needs a >= 1 and b >= 1 so that the Beta density is bounded")
    rng = np.random.default_rng(seed)
    target = stats.beta(a, b)
    mode = (a - 1) / (a + b - 2) if a + b > 2 else 0.5
    M = float(target.pdf(mode))
    x, acc = rejection_sample(target.pdf, lambda m, r: r.random(m), lambda z: np.ones_like(z), M, n, rng)
    ks = stats.kstest(x, target.cdf)
    fig = Figure(figsize=(5, 3))
    ax = fig.add_subplot()
    g = np.linspace(0, 1, 300)
    ax.hist(x, 60, density=True, alpha=0.5, label="accepted samples")
    ax.plot(g, target.pdf(g), "k", label=f"Beta({a:g}, {b:g})")
    ax.axhline(M, color="C3", ls="--", label="envelope M q(x)")
    ax.legend()
    return DemoResult(metrics={"mean": float(x.mean()), "variance": float(x.var()), "acceptance_rate": acc,
                               "ks_pvalue": float(ks.pvalue)},
                      reference={"mean": float(target.mean()), "variance": float(target.var()), "acceptance_rate": 1 / M},
                      figure=fig, reference_name="scipy.stats.beta moments; theoretical acceptance 1/M")
