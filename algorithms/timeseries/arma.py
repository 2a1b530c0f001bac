r"""ARMA($p$, $q$) by conditional sum of squares, with forecasts.

The model $x_t = c + \sum_{i=1}^p \phi_i x_{t-i} + \varepsilon_t + \sum_{j=1}^q \theta_j \varepsilon_{t-j}$ with
white noise $\varepsilon_t \sim (0, \sigma^2)$ [@box2015time]. Conditioning on the first $p$ observations and on
$\varepsilon_t = 0$ before the sample, the residuals follow by recursion,
$\varepsilon_t = x_t - c - \sum_i \phi_i x_{t-i} - \sum_j \theta_j \varepsilon_{t-j}$, and the conditional sum
of squares $\sum_t \varepsilon_t^2$ is minimised numerically (L-BFGS from the Yule-Walker AR fit and zero MA
terms). CSS is asymptotically equivalent to exact maximum likelihood (which uses the Kalman filter for the
start-up values), and differs from it in short samples and near the invertibility boundary $|\theta| \to 1$.
Stationarity needs the roots of $1 - \sum\phi_i z^i$ outside the unit circle, invertibility those of
$1 + \sum\theta_j z^j$. Forecasts set future shocks to 0: an MA($q$) forecast reverts to the mean after $q$
steps; an AR forecast decays geometrically. SARIMA adds differencing and the same polynomials at the seasonal lag.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult


def css_residuals(x: np.ndarray, c: float, phi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Residuals of the ARMA recursion for t = p..n-1 (pre-sample shocks set to 0)."""
    p, q = len(phi), len(theta)
    eps = np.zeros(x.size)
    for t in range(p, x.size):
        ar = phi @ x[t - p:t][::-1] if p else 0.0
        ma = sum(theta[j] * eps[t - 1 - j] for j in range(q) if t - 1 - j >= p)
        eps[t] = x[t] - c - ar - ma
    return eps[p:]


class ARMA(BaseEstimator):
    """ARMA(p, q) with a constant, fitted by conditional least squares."""

    def __init__(self, *, p: int = 1, q: int = 1, max_iter: int = 500):
        self.p = p
        self.q = q
        self.max_iter = max_iter

    def fit(self, x):
        from scipy.optimize import minimize

        x = np.asarray(x, dtype=float).ravel()
        if self.p < 0 or self.q < 0:
            raise ValueError(f"p and q must be >= 0, got p={self.p}, q={self.q}")
        if x.size < 3 * (self.p + self.q + 1) + 10:
            raise ValueError(f"the series is too short ({x.size} values) for ARMA({self.p}, {self.q})")
        if not np.all(np.isfinite(x)):
            raise ValueError("the series contains NaN or infinity")
        p, q = self.p, self.q
        start = np.zeros(1 + p + q)
        start[0] = x.mean()
        if p:  # Yule-Walker AR coefficients as the starting point
            from mlnotes.algorithms.timeseries.acf_pacf import acf

            r = acf(x, p)
            R = np.array([[r[abs(i - j)] for j in range(p)] for i in range(p)])
            start[1:1 + p] = np.linalg.solve(R, r[1:])
            start[0] = x.mean() * (1 - start[1:1 + p].sum())

        def sse(params):
            e = css_residuals(x, params[0], params[1:1 + p], params[1 + p:])
            return e @ e

        res = minimize(sse, start, method="L-BFGS-B", options={"maxiter": self.max_iter})
        self.n_iter_, self.converged_ = int(res.nit), bool(res.success)
        self.const_, self.ar_, self.ma_ = res.x[0], res.x[1:1 + p], res.x[1 + p:]
        self.resid_ = css_residuals(x, self.const_, self.ar_, self.ma_)
        self.sigma2_ = float(self.resid_ @ self.resid_ / self.resid_.size)
        self._x = x
        return self

    def forecast(self, steps: int) -> np.ndarray:
        """Point forecasts ``steps`` ahead (future shocks 0)."""
        check_is_fitted(self, ["const_"])
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        hist = list(self._x)
        eps = list(np.r_[np.zeros(self.p), self.resid_])
        out = []
        for _ in range(steps):
            ar = sum(self.ar_[i] * hist[-1 - i] for i in range(self.p))
            ma = sum(self.ma_[j] * eps[-1 - j] for j in range(self.q))
            val = self.const_ + ar + ma
            hist.append(val)
            eps.append(0.0)
            out.append(val)
        return np.array(out)


def simulate_arma(phi, theta, n: int, c: float = 0.0, burn: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi, theta = np.atleast_1d(phi).astype(float), np.atleast_1d(theta).astype(float)
    e = rng.normal(size=n + burn)
    x = np.zeros(n + burn)
    for t in range(n + burn):
        ar = sum(phi[i] * x[t - 1 - i] for i in range(len(phi)) if t - 1 - i >= 0)
        ma = sum(theta[j] * e[t - 1 - j] for j in range(len(theta)) if t - 1 - j >= 0)
        x[t] = c + ar + e[t] + ma
    return x[burn:]


def demo(phi: float = 0.6, theta: float = 0.4, n_obs: int = 800, seed: int = 0) -> DemoResult:
    """ARMA(1,1) by CSS against statsmodels' exact-likelihood ARIMA(1,0,1); forecasts of both."""
    from statsmodels.tsa.arima.model import ARIMA as SmARIMA

    from mlnotes.algorithms.linear._viz import new_figure

    x = simulate_arma([phi], [theta], n_obs, c=1.0, seed=seed)
    ours = ARMA(p=1, q=1).fit(x)
    ref = SmARIMA(x, order=(1, 0, 1)).fit()
    params = dict(zip(ref.model.param_names, ref.params))
    fc, ref_fc = ours.forecast(20), ref.forecast(20)
    fig, ax = new_figure(width=7)
    ax.plot(np.arange(100), x[-100:], "k", lw=0.8, label="series (last 100)")
    ax.plot(np.arange(100, 120), fc, label="CSS forecast (ours)")
    ax.plot(np.arange(100, 120), ref_fc, "--", label="statsmodels ARIMA forecast")
    ax.set_title(f"ARMA(1,1), phi = {phi}, theta = {theta}")
    ax.legend()
    return DemoResult(
        metrics={"phi": float(ours.ar_[0]), "theta": float(ours.ma_[0]), "sigma2": ours.sigma2_,
                 "forecast_1": float(fc[0])},
        reference={"phi": float(params["ar.L1"]), "theta": float(params["ma.L1"]), "sigma2": float(params["sigma2"]),
                   "forecast_1": float(ref_fc[0])},
        figure=fig,
        reference_name="statsmodels.tsa.arima.model.ARIMA(order=(1, 0, 1)), exact maximum likelihood",
        notes=f"true values: phi {phi}, theta {theta}, sigma2 1. CSS and exact ML agree up to O(1/n).",
    )
