r"""Exponential smoothing: simple, Holt's linear trend, and additive Holt-Winters.

With smoothing parameters $\alpha, \beta, \gamma\in[0,1]$ and season length $m$, the additive Holt-Winters
recursions (error-correction form) are

$$ \hat y_{t\mid t-1} = \ell_{t-1} + b_{t-1} + s_{t-m}, $$
$$ \ell_t = \alpha(y_t - s_{t-m}) + (1-\alpha)(\ell_{t-1} + b_{t-1}), \qquad
   b_t = \beta(\ell_t - \ell_{t-1}) + (1-\beta)b_{t-1}, $$
$$ s_t = \gamma(y_t - \ell_{t-1} - b_{t-1}) + (1-\gamma)s_{t-m}, $$

and the $h$-step forecast is $\ell_T + hb_T + s_{T+h-m\lceil h/m\rceil}$. Holt's method drops the seasonal terms and
simple exponential smoothing (SES) also drops the trend: $\ell_t = \alpha y_t + (1-\alpha)\ell_{t-1}$, a weighted
average with weights decaying geometrically, $\alpha(1-\alpha)^k$, into the past. Unknown smoothing parameters
are chosen by minimising the in-sample sum of squared one-step errors (L-BFGS-B within $[0, 1]$). Initial states:
$\ell_0$ the mean of the first season, $b_0$ the mean per-step change between the first two seasons, $s$ the first
season's deviations from $\ell_0$ (for SES and Holt: $\ell_0 = y_1$, $b_0 = y_2 - y_1$), unless given.

References: [@holt2004forecasting], [@winters1960forecasting], [@hyndman2021forecasting] ch. 8.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult
from mlnotes.algorithms.timeseries.autoregressive import check_series


def holt_winters_filter(y, alpha, beta, gamma, m, level0, trend0, season0):
    """Run the recursions; returns one-step predictions (T,) and the final (level, trend, last m seasonals)."""
    T = len(y)
    level, trend = level0, trend0
    season = list(season0)  # season[-m] is s_{t-m}
    pred = np.empty(T)
    for t in range(T):
        s_old = season[-m] if m else 0.0
        pred[t] = level + trend + s_old
        new_level = alpha * (y[t] - s_old) + (1 - alpha) * (level + trend)
        if m:
            season.append(gamma * (y[t] - level - trend) + (1 - gamma) * s_old)
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    return pred, level, trend, np.array(season[-m:]) if m else np.zeros(0)


class ExponentialSmoothing(BaseEstimator):
    """Simple, Holt or additive Holt-Winters exponential smoothing.

    Parameters
    ----------
    trend : bool
        Include a (linear, additive) trend.
    seasonal_periods : int
        Season length $m$ (0: no seasonality).
    alpha, beta, gamma : float or None
        Smoothing parameters (``None``: estimated by least squares).
    initial_level, initial_trend : float or None
    initial_seasonal : sequence of float or None

    Attributes
    ----------
    alpha_, beta_, gamma_ : float
    fittedvalues_ : ndarray of shape (T,)
        One-step-ahead predictions.
    sse_ : float
    """

    def __init__(self, *, trend=False, seasonal_periods=0, alpha=None, beta=None, gamma=None, initial_level=None,
                 initial_trend=None, initial_seasonal=None):
        self.trend = trend
        self.seasonal_periods = seasonal_periods
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.initial_level = initial_level
        self.initial_trend = initial_trend
        self.initial_seasonal = initial_seasonal

    def _initial_states(self, y, m):
        if m:
            level0 = y[:m].mean()
            trend0 = (y[m:2 * m].mean() - y[:m].mean()) / m if self.trend else 0.0
            season0 = y[:m] - level0
        else:
            level0, trend0, season0 = y[0], (y[1] - y[0]) if self.trend else 0.0, np.zeros(0)
        if self.initial_level is not None:
            level0 = float(self.initial_level)
        if self.initial_trend is not None:
            trend0 = float(self.initial_trend)
        if self.initial_seasonal is not None:
            season0 = np.asarray(self.initial_seasonal, dtype=float)
        return level0, trend0, season0

    def fit(self, y, X=None):
        m = int(self.seasonal_periods)
        y = check_series(y, min_length=max(3, 2 * m))
        self.y_ = y
        level0, trend0, season0 = self._initial_states(y, m)
        names = ["alpha"] + (["beta"] if self.trend else []) + (["gamma"] if m else [])
        fixed = {n: getattr(self, n) for n in names}
        free = [n for n in names if fixed[n] is None]

        def unpack(v):
            vals = dict(fixed)
            vals.update(zip(free, v))
            return vals.get("alpha"), vals.get("beta", 0.0) or 0.0, vals.get("gamma", 0.0) or 0.0

        def sse(v):
            a, b, g = unpack(v)
            pred = holt_winters_filter(y, a, b, g, m, level0, trend0 if self.trend else 0.0, season0)[0]
            return float(np.sum((y - pred) ** 2))

        if free:
            res = minimize(sse, np.full(len(free), 0.3), method="L-BFGS-B", bounds=[(0.0, 1.0)] * len(free))
            values = res.x
        else:
            values = []
        self.alpha_, self.beta_, self.gamma_ = unpack(values)
        pred, self.level_, self.trend_, self.season_ = holt_winters_filter(
            y, self.alpha_, self.beta_, self.gamma_, m, level0, trend0 if self.trend else 0.0, season0)
        self.fittedvalues_ = pred
        self.sse_ = float(np.sum((y - pred) ** 2))
        return self

    def forecast(self, steps: int) -> np.ndarray:
        """$\\ell_T + hb_T + s_{T+h-m\\lceil h/m\\rceil}$ for $h = 1..$ ``steps``."""
        check_is_fitted(self)
        h = np.arange(1, steps + 1)
        m = int(self.seasonal_periods)
        seasonal = self.season_[(h - 1) % m] if m else 0.0
        return self.level_ + h * self.trend_ + seasonal


def airline_like(n_years: int = 8, seed: int = 0) -> np.ndarray:
    """Monthly series with trend and a 12-month additive season (synthetic)."""
    rng = np.random.default_rng(seed)
    t = np.arange(12 * n_years)
    return 100 + 1.5 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 4, len(t))


def demo(alpha: float = 0.3, beta: float = 0.05, gamma: float = 0.2, n_years: int = 8) -> DemoResult:
    """Holt-Winters on a seasonal series with fixed parameters; fitted values and forecasts against statsmodels."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing as SmES

    from mlnotes.algorithms.linear._viz import new_figure

    y = airline_like(n_years)
    ours = ExponentialSmoothing(trend=True, seasonal_periods=12, alpha=alpha, beta=beta, gamma=gamma).fit(y)
    l0, b0, s0 = ours._initial_states(y, 12)
    ref = SmES(y, trend="add", seasonal="add", seasonal_periods=12, initialization_method="known",
               initial_level=l0, initial_trend=b0, initial_seasonal=s0).fit(
        smoothing_level=alpha, smoothing_trend=beta, smoothing_seasonal=gamma, optimized=False)
    fc = ours.forecast(24)
    fig, ax = new_figure(width=8)
    ax.plot(y, lw=0.8, label="series")
    ax.plot(ours.fittedvalues_, lw=0.8, label="one-step fit")
    ax.plot(np.arange(len(y), len(y) + 24), fc, "r", label="forecast")
    ax.set_title(rf"Holt-Winters (additive), $\alpha$={alpha}, $\beta$={beta}, $\gamma$={gamma}")
    ax.legend(fontsize=8)
    return DemoResult(
        metrics={"sse": ours.sse_, "forecast_h1": float(fc[0])},
        reference={"sse": float(ref.sse), "forecast_h1": float(ref.forecast(24)[0])},
        figure=fig,
        reference_name="statsmodels.tsa.holtwinters.ExponentialSmoothing",
    )
