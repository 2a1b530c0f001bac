r"""Population stability index (PSI) for monitoring feature and score drift.

Bin a variable using the reference (expected) sample — here at its deciles, so each reference bin holds about
10 % — and compare the share of reference ($e_i$) and current ($a_i$) observations per bin:

$$ \mathrm{PSI} = \sum_{i=1}^B (a_i - e_i)\ln\frac{a_i}{e_i} = \mathrm{KL}(a\Vert e) + \mathrm{KL}(e\Vert a) , $$

the symmetrised Kullback-Leibler divergence (Jeffreys divergence) between the two binned distributions. Empty
bins would make it infinite, so shares are floored at a small $\epsilon$. Common rules of thumb from credit
scoring: PSI < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 significant shift. Unlike the KS test it has no
sample-size-dependent p-value, which makes it convenient for dashboards, but the thresholds are conventions,
not calibrated tests, and the value depends on the binning.

References: [@yurdakul2018statistical], [@siddiqi2006credit].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.stats.ks_drift import _sample


def psi(reference, current, n_bins: int = 10, eps: float = 1e-4) -> tuple[float, np.ndarray, np.ndarray]:
    """PSI and the per-bin shares (reference, current), bins at the reference quantiles."""
    x, y = _sample(reference, "reference"), _sample(current, "current")
    if n_bins < 2:
        raise ValueError(f"n_bins must be >= 2, got {n_bins}")
    inner = np.unique(np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1]))  # inner edges
    e = np.bincount(np.searchsorted(inner, x, side="right"), minlength=len(inner) + 1) / len(x)
    a = np.bincount(np.searchsorted(inner, y, side="right"), minlength=len(inner) + 1) / len(y)
    e, a = np.maximum(e, eps), np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e))), e, a


def demo(shift: float = 0.3, n_samples: int = 5000) -> DemoResult:
    """PSI of a shifted feature; checked as the sum of two KL divergences computed by SciPy."""
    from scipy.stats import entropy

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    ref, cur = rng.normal(0, 1, n_samples), rng.normal(shift, 1, n_samples)
    value, e, a = psi(ref, cur)
    jeffreys = float(entropy(a, e) + entropy(e, a))  # scipy normalises the (already normalised) shares
    shifts = np.linspace(0, 1, 11)
    curve = [psi(ref, rng.normal(s, 1, n_samples))[0] for s in shifts]
    fig, (ax0, ax1) = new_figure(ncols=2)
    idx = np.arange(len(e))
    ax0.bar(idx - 0.2, e, 0.4, label="reference")
    ax0.bar(idx + 0.2, a, 0.4, label="current")
    ax0.set_xlabel("reference decile bin")
    ax0.set_ylabel("share")
    ax0.set_title(f"PSI = {value:.3f}")
    ax0.legend()
    ax1.plot(shifts, curve, marker="o")
    for level in (0.1, 0.25):
        ax1.axhline(level, color="k", ls="--", lw=0.8)
    ax1.set_xlabel("mean shift (sd)")
    ax1.set_ylabel("PSI")
    ax1.set_title("PSI vs shift (0.1 / 0.25 rules of thumb)")
    return DemoResult(
        metrics={"psi": value},
        reference={"psi": jeffreys},
        figure=fig,
        reference_name="scipy.stats.entropy: KL(a||e) + KL(e||a)",
    )
