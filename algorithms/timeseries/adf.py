r"""Augmented Dickey-Fuller (ADF) unit-root test.

Regress the differenced series on its lagged level, a constant (and optionally a trend), and $p$ lagged
differences [@dickey1979distribution; @said1984testing]:

$$ \Delta y_t = c\,[+\,\delta t] + \gamma\,y_{t-1} + \sum_{i=1}^{p}\beta_i\,\Delta y_{t-i} + \varepsilon_t . $$

$H_0$: $\gamma = 0$ (a unit root: the series is a random walk, non-stationary); $H_1$: $\gamma < 0$ (stationary
around a constant or trend). The statistic is the ordinary $t$-ratio $\hat\gamma/\mathrm{se}(\hat\gamma)$, but
under $H_0$ it does not follow a $t$ distribution (Dickey-Fuller distribution, skewed left), so it is compared with
special critical values. We use MacKinnon's (2010) response-surface approximation for the constant-only case,
$\tau_\alpha(T) = b_0 + b_1/T + b_2/T^2 + b_3/T^3$, the one statsmodels uses. The lagged differences absorb
autocorrelation in $\varepsilon_t$; too few lags distort the size, too many lose power. Failing to reject is not
evidence of a unit root: the test has low power against near-unit roots ($\gamma$ close to 0).
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult

# MacKinnon (2010), Table 2, one variable, constant ("c"): coefficients b0..b3 at 1 %, 5 % and 10 %
_MACKINNON_C = {"1%": (-3.43035, -6.5393, -16.786, -79.433),
                "5%": (-2.86154, -2.8903, -4.234, -40.040),
                "10%": (-2.56677, -1.5384, -2.809, 0.0)}


def adf_test(y, lags: int = 1) -> tuple[float, dict[str, float], int]:
    """ADF statistic with a constant and ``lags`` lagged differences; MacKinnon critical values; sample size."""
    y = np.asarray(y, dtype=float).ravel()
    if not np.all(np.isfinite(y)):
        raise ValueError("the series contains NaN or infinity")
    if lags < 0:
        raise ValueError(f"lags must be >= 0, got {lags}")
    dy = np.diff(y)
    nobs = dy.size - lags
    if nobs < lags + 4:
        raise ValueError(f"the series is too short for {lags} lags (need at least {2 * lags + 6} values)")
    cols = [y[lags:-1], np.ones(nobs)] + [dy[lags - i:dy.size - i] for i in range(1, lags + 1)]
    X = np.column_stack(cols)
    target = dy[lags:]
    beta, *_ = np.linalg.lstsq(X, target, rcond=None)
    resid = target - X @ beta
    sigma2 = resid @ resid / (nobs - X.shape[1])
    cov = sigma2 * np.linalg.inv(X.T @ X)
    stat = float(beta[0] / np.sqrt(cov[0, 0]))
    crit = {k: b[0] + b[1] / nobs + b[2] / nobs**2 + b[3] / nobs**3 for k, b in _MACKINNON_C.items()}
    return stat, crit, nobs


def demo(phi: float = 0.95, n_obs: int = 300, lags: int = 2, seed: int = 0) -> DemoResult:
    """ADF on an AR(1) with coefficient ``phi`` and on a random walk, against statsmodels.adfuller."""
    from statsmodels.tsa.stattools import adfuller

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    e = rng.normal(size=n_obs)
    ar = np.zeros(n_obs)
    for t in range(1, n_obs):
        ar[t] = phi * ar[t - 1] + e[t]
    walk = np.cumsum(e)
    stat, crit, _ = adf_test(ar, lags)
    stat_w, _, _ = adf_test(walk, lags)
    ref = adfuller(ar, maxlag=lags, autolag=None, regression="c")
    ref_w = adfuller(walk, maxlag=lags, autolag=None, regression="c")
    fig, ax = new_figure()
    ax.plot(ar, label=f"AR(1), phi = {phi}: ADF = {stat:.2f}")
    ax.plot(walk, label=f"random walk: ADF = {stat_w:.2f}")
    ax.set_title(f"ADF test (5 % critical value {crit['5%']:.2f}; reject a unit root below it)")
    ax.legend()
    return DemoResult(
        metrics={"adf_ar1": stat, "adf_random_walk": stat_w, "critical_5pct": crit["5%"]},
        reference={"adf_ar1": float(ref[0]), "adf_random_walk": float(ref_w[0]), "critical_5pct": float(ref[4]["5%"])},
        figure=fig,
        reference_name="statsmodels.tsa.stattools.adfuller(autolag=None, regression='c')",
    )
