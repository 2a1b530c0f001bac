r"""Sample autocorrelation (ACF) and partial autocorrelation (PACF) by the Durbin-Levinson recursion.

For a series $x_1..x_n$ with mean $\bar x$, the sample autocovariance at lag $h$ is
$\hat\gamma(h) = \frac{1}{n}\sum_{t=1}^{n-h}(x_t - \bar x)(x_{t+h} - \bar x)$ (divided by $n$, not $n-h$, so that the
autocovariance matrix stays positive semi-definite), and $\hat\rho(h) = \hat\gamma(h)/\hat\gamma(0)$. The partial
autocorrelation $\phi_{hh}$ is the last coefficient of the best linear predictor of $x_t$ from $x_{t-1}..x_{t-h}$;
the Durbin-Levinson recursion gets all of them in $O(H^2)$ from the Yule-Walker equations [@box2015time]:

$$ \phi_{hh} = \frac{\rho(h) - \sum_{j=1}^{h-1}\phi_{h-1,j}\,\rho(h-j)}{1 - \sum_{j=1}^{h-1}\phi_{h-1,j}\,\rho(j)},
\qquad \phi_{hj} = \phi_{h-1,j} - \phi_{hh}\,\phi_{h-1,h-j}. $$

Identification: an AR($p$) process has a PACF that cuts off after lag $p$ and an ACF that decays; an MA($q$)
process has an ACF that cuts off after lag $q$. Under white noise both are approximately $\mathcal{N}(0, 1/n)$,
hence the $\pm 1.96/\sqrt n$ bands.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _series(x) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"the series needs at least 2 values, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the series contains NaN or infinity")
    if np.ptp(x) == 0:
        raise ValueError("the series is constant: its autocorrelation is undefined")
    return x


def acf(x, nlags: int = 20) -> np.ndarray:
    """Sample autocorrelations at lags 0..nlags (denominator n)."""
    x = _series(x)
    if not 0 <= nlags < x.size:
        raise ValueError(f"nlags must be in [0, {x.size - 1}], got {nlags}")
    d = x - x.mean()
    gamma = np.array([d[: x.size - h] @ d[h:] for h in range(nlags + 1)]) / x.size
    return gamma / gamma[0]


def pacf(x, nlags: int = 20) -> np.ndarray:
    """Partial autocorrelations at lags 0..nlags (Durbin-Levinson on the sample ACF; pacf[0] = 1)."""
    rho = acf(x, nlags)
    out = np.ones(nlags + 1)
    phi = np.zeros(0)
    for h in range(1, nlags + 1):
        num = rho[h] - phi @ rho[h - 1:0:-1] if h > 1 else rho[1]
        den = 1.0 - phi @ rho[1:h] if h > 1 else 1.0
        phh = num / den
        phi = np.append(phi - phh * phi[::-1], phh)
        out[h] = phh
    return out


def demo(phi: float = 0.7, n_obs: int = 500, nlags: int = 20, seed: int = 0) -> DemoResult:
    """ACF and PACF of an AR(1) series against statsmodels; the PACF cuts off after lag 1."""
    from statsmodels.tsa.stattools import acf as sm_acf
    from statsmodels.tsa.stattools import pacf as sm_pacf

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    x = np.zeros(n_obs)
    for t in range(1, n_obs):
        x[t] = phi * x[t - 1] + rng.normal()
    a, p = acf(x, nlags), pacf(x, nlags)
    ra, rp = sm_acf(x, nlags=nlags), sm_pacf(x, nlags=nlags, method="ldb")
    band = 1.96 / np.sqrt(n_obs)
    fig, axes = new_figure(ncols=2, width=4.5)
    for ax, vals, name in ((axes[0], a, "ACF"), (axes[1], p, "PACF")):
        ax.stem(np.arange(nlags + 1), vals)
        ax.axhspan(-band, band, alpha=0.2, color="gray", label=r"$\pm 1.96/\sqrt{n}$")
        ax.set_xlabel("lag")
        ax.set_title(f"{name} of AR(1), phi = {phi}")
        ax.legend()
    return DemoResult(
        metrics={"acf_lag1": float(a[1]), "pacf_lag1": float(p[1]), "pacf_lag2": float(p[2]),
                 "max_abs_diff_acf": float(np.max(np.abs(a - ra))), "max_abs_diff_pacf": float(np.max(np.abs(p - rp)))},
        reference={"acf_lag1": float(ra[1]), "pacf_lag1": float(rp[1]), "pacf_lag2": float(rp[2]),
                   "max_abs_diff_acf": 0.0, "max_abs_diff_pacf": 0.0},
        figure=fig,
        reference_name="statsmodels.tsa.stattools.acf / pacf(method='ldb')",
    )
