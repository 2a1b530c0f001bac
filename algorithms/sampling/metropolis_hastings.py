"""Random-walk Metropolis-Hastings.

To sample from a density known up to a constant, ``pi(x) propto exp(log_p(x))``, propose ``x' = x + s eps``,
``eps ~ N(0, I)`` (symmetric, so the Hastings ratio reduces to the Metropolis one) and accept with probability
``min(1, pi(x') / pi(x))`` [@metropolis1953equation; @hastings1970monte]; otherwise stay at ``x``. This satisfies
detailed balance ``pi(x) T(x -> x') = pi(x') T(x' -> x)``, so ``pi`` is stationary. The step ``s`` trades
acceptance against move size; for Gaussian-like targets in high dimension the optimal acceptance rate is about
0.234 [@roberts1997weak]. Samples are correlated: the effective sample size is
``n / (1 + 2 sum_k rho_k)`` with ``rho_k`` the lag-``k`` autocorrelation.

The demo samples a two-component Gaussian mixture and compares with its exact CDF (Kolmogorov-Smirnov).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from mlnotes.algorithms.registry import DemoResult

MIX = ((0.3, -2.0, 0.6), (0.7, 1.5, 1.0))  # (weight, mean, sd)


def mixture_logpdf(x):
    x = np.asarray(x, dtype=float)
    logs = [np.log(w) - 0.5 * ((x - m) / s) ** 2 - np.log(s * np.sqrt(2 * np.pi)) for w, m, s in MIX]
    return np.logaddexp.reduce(logs, axis=0)  # log sum_k w_k N(x; m_k, s_k^2), stable in the tails


def mixture_cdf(x):
    return sum(w * stats.norm.cdf(x, m, s) for w, m, s in MIX)


def metropolis_hastings(log_p, x0, n_samples, step, seed=0, burn_in=1000):
    rng = np.random.default_rng(seed)
    x = np.atleast_1d(np.asarray(x0, dtype=float))
    lp = log_p(x)
    out = np.empty((n_samples, x.size))
    accepted = 0
    for i in range(n_samples + burn_in):
        prop = x + step * rng.normal(size=x.size)
        lp_prop = log_p(prop)
        if np.log(rng.random()) < lp_prop - lp:  # accept with prob min(1, pi(x')/pi(x))
            x, lp = prop, lp_prop
            accepted += i >= burn_in
        if i >= burn_in:
            out[i - burn_in] = x
    return out, accepted / n_samples


def effective_sample_size(x):
    """ESS of a 1-D chain from the autocorrelations up to the first negative pair (Geyer's initial sequence)."""
    x = np.asarray(x) - np.mean(x)
    n = len(x)
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n] / (np.arange(n, 0, -1) * x.var())
    tau = -1.0  # integrated autocorrelation time 1 + 2 sum_k rho_k, summed over pairs (rho_0 + rho_1), ...
    for k in range(0, n - 1, 2):
        pair = acf[k] + acf[k + 1]
        if pair < 0:
            break
        tau += 2 * pair
    return float(n / max(tau, 1e-12))


def demo(n_samples: int = 20_000, step: float = 2.5, seed: int = 0) -> DemoResult:
    from matplotlib.figure import Figure

    logp = lambda x: float(mixture_logpdf(x[0]))
    chain, acc = metropolis_hastings(logp, 0.0, n_samples, step, seed)
    x = chain[:, 0]
    ess = effective_sample_size(x)
    thin = x[:: max(1, int(round(n_samples / ess)))]
    ks = stats.kstest(thin, mixture_cdf)
    mean = sum(w * m for w, m, _ in MIX)
    var = sum(w * (s ** 2 + m ** 2) for w, m, s in MIX) - mean ** 2
    fig = Figure(figsize=(8, 3))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    grid = np.linspace(-5, 5, 300)
    ax1.hist(x, 80, density=True, alpha=0.5, label="MH samples")
    ax1.plot(grid, np.exp(mixture_logpdf(grid)), "k", label="target")
    ax1.legend()
    ax2.plot(x[:1000], lw=0.5)
    ax2.set(xlabel="iteration", title=f"trace (acceptance {acc:.2f})")
    return DemoResult(metrics={"mean": float(x.mean()), "variance": float(x.var()), "ks_pvalue_thinned": float(ks.pvalue),
                               "acceptance_rate": acc, "ess": float(ess)},
                      reference={"mean": float(mean), "variance": float(var)}, figure=fig,
                      reference_name="exact moments and CDF of the mixture")
