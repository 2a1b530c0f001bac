r"""Forecast accuracy measures: MAE, RMSE, MAPE, sMAPE and MASE, and walk-forward (rolling-origin) evaluation.

For actuals $y_t$ and forecasts $\hat y_t$ over a test horizon of $h$ points [@hyndman2006another]:

* MAPE $= \frac{100}{h}\sum |y_t - \hat y_t| / |y_t|$: scale-free but undefined at $y_t = 0$, explosive near it,
  and asymmetric (over-forecasts are penalised without bound, under-forecasts at most 100 %).
* sMAPE $= \frac{100}{h}\sum \frac{2|y_t - \hat y_t|}{|y_t| + |\hat y_t|}$: bounded by 200 but not symmetric in the
  sense its name suggests.
* MASE $= \mathrm{MAE} / \big(\frac{1}{n-m}\sum_{t=m+1}^{n}|y_t - y_{t-m}|\big)$: the test MAE scaled by the
  in-sample MAE of the seasonal naive forecast (lag $m$; $m=1$ for non-seasonal data) on the *training* series.
  MASE < 1 means better than the naive method; it is defined whenever the training series is not constant.

Walk-forward evaluation refits (or updates) the model at each origin and forecasts the next $h$ points, so
every forecast uses only the past; an expanding window keeps all history, a sliding one keeps the last $w$
points [@bergmeir2018note].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _pair(y_true, y_pred):
    a, f = np.asarray(y_true, dtype=float).ravel(), np.asarray(y_pred, dtype=float).ravel()
    if a.size == 0 or a.size != f.size:
        raise ValueError(f"y_true and y_pred must be non-empty and of equal length, got {a.size} and {f.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(f))):
        raise ValueError("y_true and y_pred must be finite")
    return a, f


def mape(y_true, y_pred) -> float:
    a, f = _pair(y_true, y_pred)
    if np.any(a == 0):
        raise ValueError("MAPE is undefined when an actual value is 0; use MASE or sMAPE")
    return float(100 * np.mean(np.abs(a - f) / np.abs(a)))


def smape(y_true, y_pred) -> float:
    a, f = _pair(y_true, y_pred)
    den = np.abs(a) + np.abs(f)
    terms = np.where(den == 0, 0.0, 2 * np.abs(a - f) / np.where(den == 0, 1, den))  # 0/0 counts as a perfect hit
    return float(100 * np.mean(terms))


def mase(y_true, y_pred, y_train, m: int = 1) -> float:
    a, f = _pair(y_true, y_pred)
    tr = np.asarray(y_train, dtype=float).ravel()
    if m < 1 or tr.size <= m:
        raise ValueError(f"the training series needs more than m = {m} values, got {tr.size}")
    scale = np.mean(np.abs(tr[m:] - tr[:-m]))
    if scale == 0:
        raise ValueError("MASE is undefined: the seasonal naive forecast is perfect on the training series")
    return float(np.mean(np.abs(a - f)) / scale)


def walk_forward_splits(n: int, n_splits: int, test_size: int, max_train_size: int | None = None):
    """(train_indices, test_indices) for rolling origins; the last test block ends at ``n``."""
    if n_splits < 1 or test_size < 1:
        raise ValueError("n_splits and test_size must be >= 1")
    first_test = n - n_splits * test_size
    if first_test < 1:
        raise ValueError(f"{n} points are too few for {n_splits} splits of {test_size} test points")
    for k in range(n_splits):
        start = first_test + k * test_size
        lo = 0 if max_train_size is None else max(0, start - max_train_size)
        yield np.arange(lo, start), np.arange(start, start + test_size)


def demo(n_splits: int = 6, horizon: int = 12, seed: int = 0) -> DemoResult:
    """Walk-forward evaluation of seasonal naive vs a drift forecast on a monthly series; metrics vs sklearn."""
    from sklearn.metrics import mean_absolute_percentage_error
    from sklearn.model_selection import TimeSeriesSplit

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(seed)
    t = np.arange(144)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, t.size)
    rows, same_splits = [], True
    sk = TimeSeriesSplit(n_splits=n_splits, test_size=horizon)
    for (tr, te), (tr2, te2) in zip(walk_forward_splits(t.size, n_splits, horizon), sk.split(y)):
        same_splits &= np.array_equal(tr, tr2) and np.array_equal(te, te2)
        naive = y[tr][-12:][np.arange(horizon) % 12]
        slope = (y[tr][-1] - y[tr][0]) / (len(tr) - 1)
        drift = y[tr][-1] + slope * np.arange(1, horizon + 1)
        rows.append((mape(y[te], naive), smape(y[te], naive), mase(y[te], naive, y[tr], 12),
                     mase(y[te], drift, y[tr], 12), 100 * mean_absolute_percentage_error(y[te], naive)))
    rows = np.array(rows)
    fig, ax = new_figure()
    ax.plot(t, y, color="k", lw=0.8)
    for _, te in walk_forward_splits(t.size, n_splits, horizon):
        ax.axvspan(te[0], te[-1], alpha=0.15)
    ax.set_title(f"Walk-forward: {n_splits} origins, horizon {horizon} (shaded)")
    return DemoResult(
        metrics={"mape_seasonal_naive": float(rows[:, 0].mean()), "smape_seasonal_naive": float(rows[:, 1].mean()),
                 "mase_seasonal_naive": float(rows[:, 2].mean()), "mase_drift": float(rows[:, 3].mean()),
                 "same_splits_as_sklearn": float(same_splits)},
        reference={"mape_seasonal_naive": float(rows[:, 4].mean()), "same_splits_as_sklearn": 1.0},
        figure=fig,
        reference_name="sklearn mean_absolute_percentage_error and TimeSeriesSplit(test_size=horizon)",
    )
