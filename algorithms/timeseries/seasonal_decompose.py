r"""Classical seasonal decomposition (moving averages), additive or multiplicative.

Model $y_t = T_t + S_t + R_t$ (additive) or $y_t = T_t \cdot S_t \cdot R_t$ (multiplicative) with a known period
$m$ [@hyndman2021forecasting]:

1. Trend $\hat T_t$: a centred moving average of length $m$; for even $m$ a "$2\times m$" average (weights
   $\tfrac{1}{2m}, \tfrac1m, \dots, \tfrac1m, \tfrac{1}{2m}$ over $m+1$ points). It is undefined for the first and
   last $\lfloor m/2\rfloor$ points.
2. Detrend: $y_t - \hat T_t$ (or $y_t / \hat T_t$).
3. Seasonal index of each season: the mean of the detrended values in that season, then centred so the $m$
   indices sum to 0 (or average to 1).
4. Remainder: $y_t - \hat T_t - \hat S_t$ (or $y_t / (\hat T_t \hat S_t)$).

It assumes the seasonal pattern is the same every cycle and loses the ends of the trend; STL
[@cleveland1990stl] uses loess instead, lets the season evolve and is robust to outliers.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def seasonal_decompose(y, period: int, model: str = "additive") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trend, seasonal and remainder components (NaN where the centred moving average is undefined)."""
    y = np.asarray(y, dtype=float).ravel()
    if model not in ("additive", "multiplicative"):
        raise ValueError(f"model must be 'additive' or 'multiplicative', got {model!r}")
    if period < 2:
        raise ValueError(f"period must be >= 2, got {period}")
    if y.size < 2 * period:
        raise ValueError(f"need at least two full periods ({2 * period} values), got {y.size}")
    if not np.all(np.isfinite(y)):
        raise ValueError("the series contains NaN or infinity")
    if model == "multiplicative" and np.any(y <= 0):
        raise ValueError("a multiplicative decomposition needs strictly positive values")
    if period % 2 == 0:
        w = np.r_[0.5, np.ones(period - 1), 0.5] / period
    else:
        w = np.ones(period) / period
    half = len(w) // 2
    trend = np.full(y.size, np.nan)
    trend[half:y.size - half] = np.convolve(y, w, mode="valid")
    detr = y - trend if model == "additive" else y / trend
    idx = np.array([np.nanmean(detr[s::period]) for s in range(period)])
    idx = idx - idx.mean() if model == "additive" else idx / idx.mean()
    seasonal = np.tile(idx, y.size // period + 1)[: y.size]
    resid = detr - seasonal if model == "additive" else detr / seasonal
    return trend, seasonal, resid


def demo(period: int = 12, n_years: int = 8, model: str = "multiplicative", seed: int = 0) -> DemoResult:
    """Decompose a monthly series with growing seasonal swings; compare with statsmodels' seasonal_decompose."""
    from statsmodels.tsa.seasonal import seasonal_decompose as sm_decompose

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    t = np.arange(period * n_years)
    y = (50 + 0.8 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / period)) * np.exp(rng.normal(0, 0.03, t.size))
    trend, seasonal, resid = seasonal_decompose(y, period, model)
    ref = sm_decompose(y, model=model, period=period)
    fig, axes = new_figure(nrows=3, width=7, height=2.2)
    axes[0].plot(t, y, label="series")
    axes[0].plot(t, trend, label="trend (2x12 MA)")
    axes[0].legend()
    axes[1].plot(t, seasonal)
    axes[1].set_ylabel("seasonal")
    axes[2].plot(t, resid, ".")
    axes[2].set_ylabel("remainder")
    fig.suptitle(f"Classical {model} decomposition, period {period}")
    ok = ~np.isnan(trend)
    return DemoResult(
        metrics={"max_abs_diff_trend": float(np.nanmax(np.abs(trend - ref.trend))),
                 "max_abs_diff_seasonal": float(np.max(np.abs(seasonal - ref.seasonal))),
                 "remainder_sd": float(np.std(np.log(resid[ok])) if model == "multiplicative" else np.std(resid[ok]))},
        reference={"max_abs_diff_trend": 0.0, "max_abs_diff_seasonal": 0.0,
                   "remainder_sd": 0.03 if model == "multiplicative" else float(np.nanstd(ref.resid))},
        figure=fig,
        reference_name="statsmodels.tsa.seasonal.seasonal_decompose (differences); the true noise sd 0.03 (log scale)",
    )
