r"""Autoregressive models AR(p) by conditional least squares, with differencing for ARI(p, d).

AR(p): $y_t = c + \sum_{i=1}^p\phi_iy_{t-i} + \varepsilon_t$, $\varepsilon_t\sim\mathcal N(0,\sigma^2)$ i.i.d. Conditioning on
the first $p$ observations, the likelihood is that of a linear regression of $y_t$ on its own lags, so the
(conditional) MLE of $(c, \phi)$ is ordinary least squares on the design $[1, y_{t-1}, \dots, y_{t-p}]$ for
$t = p+1..T$, and $\hat\sigma^2 = \mathrm{RSS}/(T-p)$. The process is stationary when all roots of
$1 - \sum_i\phi_iz^i$ lie outside the unit circle; then its mean is $c/(1-\sum_i\phi_i)$.

Forecasting iterates the recursion, feeding predictions back in as lags; the $h$-step forecast tends to the mean.
Non-stationary series with a stochastic trend are differenced $d$ times first ($\nabla y_t = y_t - y_{t-1}$): an
ARIMA($p, d, 0$) model is an AR($p$) model of $\nabla^dy$, and forecasts of $\nabla^dy$ are integrated back by
cumulative sums. (Moving-average terms need a likelihood over unobserved errors, e.g. via the Kalman filter,
and are left to statsmodels' ``ARIMA``.)

References: [@box2015time], [@hyndman2021forecasting] ch. 9.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult


def check_series(y, min_length: int = 2) -> np.ndarray:
    """A finite 1-D float series of at least ``min_length`` values."""
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"the series must be 1-D, got shape {arr.shape}")
    if len(arr) < min_length:
        raise ValueError(f"the series needs at least {min_length} values, got {len(arr)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("the series contains NaN or infinity")
    return arr


class AutoRegressive(BaseEstimator):
    """AR(p) on the d-times differenced series, fitted by OLS.

    Parameters
    ----------
    p : int
        Number of lags.
    d : int
        Order of differencing.

    Attributes
    ----------
    intercept_ : float
    coef_ : ndarray of shape (p,)
        $\\phi_1..\\phi_p$.
    sigma2_ : float
    """

    def __init__(self, *, p=1, d=0):
        self.p = p
        self.d = d

    def fit(self, y, X=None):
        y = check_series(y, min_length=int(self.p) + int(self.d) + 2)
        p, d = int(self.p), int(self.d)
        if p < 1 or d < 0:
            raise ValueError("p must be >= 1 and d >= 0")
        self.y_ = y
        z = np.diff(y, n=d) if d else y
        T = len(z)
        design = np.column_stack([np.ones(T - p)] + [z[p - i: T - i] for i in range(1, p + 1)])  # (T-p, p+1)
        beta, *_ = np.linalg.lstsq(design, z[p:], rcond=None)
        self.intercept_, self.coef_ = float(beta[0]), beta[1:]
        resid = z[p:] - design @ beta
        self.sigma2_ = float(resid @ resid / (T - p))
        self.fittedvalues_ = design @ beta  # one-step predictions of z[p:]
        return self

    def forecast(self, steps: int) -> np.ndarray:
        """Point forecasts of the original series for the next ``steps`` periods."""
        check_is_fitted(self)
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        d = int(self.d)
        z = list(np.diff(self.y_, n=d) if d else self.y_)
        for _ in range(steps):
            lags = np.array(z[-1: -len(self.coef_) - 1: -1])
            z.append(self.intercept_ + self.coef_ @ lags)
        out = np.array(z[-steps:])
        for k in range(d, 0, -1):  # integrate back: the last value of the (k-1)-times differenced series
            last = np.diff(self.y_, n=k - 1)[-1] if k > 1 else self.y_[-1]
            out = last + np.cumsum(out)
        return out

    def roots(self) -> np.ndarray:
        """Roots of $1 - \\sum_i\\phi_iz^i$ (stationary iff all have modulus > 1)."""
        check_is_fitted(self)
        return np.roots(np.r_[-self.coef_[::-1], 1.0])


def demo(p: int = 2, d: int = 0, n_obs: int = 300) -> DemoResult:
    """Simulated AR(2): coefficients and forecasts against statsmodels' AutoReg."""
    from statsmodels.tsa.ar_model import AutoReg

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    y = np.zeros(n_obs + 100)
    for t in range(2, len(y)):
        y[t] = 0.5 + 0.6 * y[t - 1] - 0.3 * y[t - 2] + rng.normal()
    y = y[100:]
    if d:
        y = np.cumsum(y)  # an integrated series
    ours = AutoRegressive(p=p, d=d).fit(y)
    z = np.diff(y, n=d) if d else y
    ref = AutoReg(z, lags=p, trend="c").fit()
    fc = ours.forecast(30)
    fig, ax = new_figure(width=8)
    ax.plot(np.arange(len(y)), y, lw=0.8, label="series")
    ax.plot(np.arange(len(y), len(y) + 30), fc, "r", label="forecast")
    ax.set_title(f"AR({p}) with d={d}: fitted phi = {np.round(ours.coef_, 3).tolist()}")
    ax.legend()
    return DemoResult(
        metrics={"intercept": ours.intercept_, **{f"phi_{i + 1}": float(c) for i, c in enumerate(ours.coef_)}},
        reference={"intercept": float(ref.params[0]), **{f"phi_{i + 1}": float(c) for i, c in enumerate(ref.params[1:])}},
        figure=fig,
        reference_name="statsmodels.tsa.ar_model.AutoReg",
    )
