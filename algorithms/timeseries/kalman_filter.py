r"""Kalman filter and Rauch-Tung-Striebel smoother for linear Gaussian state-space models.

Model: $x_t = Fx_{t-1} + w_t$, $w_t\sim\mathcal N(0,Q)$ (state), $y_t = Hx_t + v_t$, $v_t\sim\mathcal N(0,R)$ (observation),
$x_0\sim\mathcal N(m_0, P_0)$. Everything stays Gaussian, so the filter propagates a mean and a covariance:

* **predict**: $m_{t\mid t-1} = Fm_{t-1}$, $P_{t\mid t-1} = FP_{t-1}F^\top + Q$;
* **update**: innovation $e_t = y_t - Hm_{t\mid t-1}$ with covariance $S_t = HP_{t\mid t-1}H^\top + R$, gain
  $K_t = P_{t\mid t-1}H^\top S_t^{-1}$, then $m_t = m_{t\mid t-1} + K_te_t$ and $P_t = (I - K_tH)P_{t\mid t-1}(I-K_tH)^\top + K_tRK_t^\top$
  (the Joseph form, which stays symmetric positive semi-definite in floating point).

$m_t = \mathbb E[x_t\mid y_{1:t}]$ exactly, and the innovations give the log-likelihood
$\log p(y_{1:T}) = -\frac12\sum_t\big[\log|2\pi S_t| + e_t^\top S_t^{-1}e_t\big]$ for fitting $F, H, Q, R$.
The **RTS smoother** runs backwards with $G_t = P_tF^\top P_{t+1\mid t}^{-1}$:
$m_{t\mid T} = m_t + G_t(m_{t+1\mid T} - m_{t+1\mid t})$, $P_{t\mid T} = P_t + G_t(P_{t+1\mid T} - P_{t+1\mid t})G_t^\top$, giving
$\mathbb E[x_t\mid y_{1:T}]$. Missing components (NaN) are dropped from that step's update: the rows of $H$ and
the rows and columns of $R$ of the observed components give the update (a fully missing row skips it). Cost $O(T d^3)$.

References: [@kalman1960new], [@rauch1965maximum], [@sarkka2013bayesian].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import BaseEstimator, check_is_fitted
from mlnotes.algorithms.registry import DemoResult


class KalmanFilter(BaseEstimator):
    """Linear Gaussian state-space filter and smoother.

    Parameters
    ----------
    F, H, Q, R : array-like
        Transition (d, d), observation (k, d), state noise (d, d) and observation noise (k, k) matrices.
    m0, P0 : array-like
        Prior mean (d,) and covariance (d, d) of the state before the first observation.

    Attributes
    ----------
    filtered_means_, filtered_covs_ : ndarray of shape (T, d), (T, d, d)
    predicted_means_, predicted_covs_ : ndarray
    smoothed_means_, smoothed_covs_ : ndarray
    log_likelihood_ : float
    """

    def __init__(self, *, F=((1.0,),), H=((1.0,),), Q=((1.0,),), R=((1.0,),), m0=(0.0,), P0=((1e6,),)):
        self.F = F
        self.H = H
        self.Q = Q
        self.R = R
        self.m0 = m0
        self.P0 = P0

    def fit(self, Y, X=None):
        """Filter and smooth observations Y of shape (T,) or (T, k) (NaN entries are treated as missing)."""
        F, H, Q, R = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (self.F, self.H, self.Q, self.R))
        m, P = np.asarray(self.m0, dtype=float).ravel(), np.atleast_2d(np.asarray(self.P0, dtype=float))
        Y = np.asarray(Y, dtype=float)
        Y = Y[:, None] if Y.ndim == 1 else Y
        if Y.ndim != 2 or Y.shape[1] != H.shape[0]:
            raise ValueError(f"Y must have shape (T,) or (T, {H.shape[0]}), got {np.shape(Y)}")
        if np.any(np.isinf(Y)):
            raise ValueError("Y contains infinity; mark a missing observation with NaN instead")
        if not all(np.all(np.isfinite(a)) for a in (F, H, Q, R, m, P)):
            raise ValueError("F, H, Q, R, m0 and P0 must be finite")
        d = F.shape[0]
        if F.shape != (d, d) or H.shape[1] != d or Q.shape != (d, d) or R.shape != (H.shape[0],) * 2 or m.shape != (d,):
            raise ValueError("inconsistent shapes among F (d, d), H (k, d), Q (d, d), R (k, k), m0 (d,)")
        T = Y.shape[0]
        pm, pP = np.empty((T, d)), np.empty((T, d, d))
        fm, fP = np.empty((T, d)), np.empty((T, d, d))
        ll = 0.0
        for t in range(T):
            m, P = F @ m, F @ P @ F.T + Q  # predict
            pm[t], pP[t] = m, P
            obs = np.isfinite(Y[t])
            if obs.any():
                # update with the observed components only: y_t[obs] = H[obs] x_t + v_t[obs], whose noise
                # covariance is R[obs][:, obs] (the marginal of a Gaussian); a fully missing row skips the update
                Ho, Ro = H[obs], R[np.ix_(obs, obs)]
                e = Y[t, obs] - Ho @ m  # innovation
                S = Ho @ P @ Ho.T + Ro
                K = np.linalg.solve(S, Ho @ P).T  # P H^T S^{-1}, using the symmetry of S and P
                m = m + K @ e
                I_KH = np.eye(d) - K @ Ho
                P = I_KH @ P @ I_KH.T + K @ Ro @ K.T  # Joseph form
                _, logdet = np.linalg.slogdet(2 * np.pi * S)
                ll += -0.5 * (logdet + e @ np.linalg.solve(S, e))
            fm[t], fP[t] = m, P
        sm, sP = fm.copy(), fP.copy()
        for t in range(T - 2, -1, -1):  # Rauch-Tung-Striebel
            G = np.linalg.solve(pP[t + 1], F @ fP[t]).T  # P_t F^T P_{t+1|t}^{-1}
            sm[t] = fm[t] + G @ (sm[t + 1] - pm[t + 1])
            sP[t] = fP[t] + G @ (sP[t + 1] - pP[t + 1]) @ G.T
        self.predicted_means_, self.predicted_covs_ = pm, pP
        self.filtered_means_, self.filtered_covs_ = fm, fP
        self.smoothed_means_, self.smoothed_covs_ = sm, sP
        self.log_likelihood_ = float(ll)
        return self

    def forecast(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Predicted observation means (steps, k) and covariances (steps, k, k) after the last filtered state."""
        check_is_fitted(self)
        F, H, Q, R = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (self.F, self.H, self.Q, self.R))
        m, P = self.filtered_means_[-1], self.filtered_covs_[-1]
        means, covs = [], []
        for _ in range(steps):
            m, P = F @ m, F @ P @ F.T + Q
            means.append(H @ m)
            covs.append(H @ P @ H.T + R)
        return np.array(means), np.array(covs)


def demo(sigma_level: float = 0.3, sigma_obs: float = 1.0, n_obs: int = 200) -> DemoResult:
    """Local-level model (random walk plus noise): filter and smoother vs statsmodels' UnobservedComponents."""
    import statsmodels.api as sm

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    level = np.cumsum(rng.normal(0, sigma_level, n_obs))
    y = level + rng.normal(0, sigma_obs, n_obs)
    kf = KalmanFilter(Q=[[sigma_level**2]], R=[[sigma_obs**2]], m0=[0.0], P0=[[1e6]]).fit(y)
    model = sm.tsa.UnobservedComponents(y, level="llevel")
    res = model.smooth([sigma_obs**2, sigma_level**2])
    fig, ax = new_figure(width=8)
    ax.plot(y, ".", ms=3, color="0.6", label="observations")
    ax.plot(level, "k", lw=0.8, label="true level")
    ax.plot(kf.filtered_means_[:, 0], label="filtered")
    ax.plot(kf.smoothed_means_[:, 0], label="smoothed (RTS)")
    ax.set_title("Kalman filter on a local-level model")
    ax.legend(fontsize=8)
    rmse = lambda est: float(np.sqrt(np.mean((est - level) ** 2)))
    return DemoResult(
        metrics={"rmse_filtered": rmse(kf.filtered_means_[:, 0]), "rmse_smoothed": rmse(kf.smoothed_means_[:, 0])},
        reference={"rmse_filtered": rmse(res.filtered_state[0]), "rmse_smoothed": rmse(res.smoothed_state[0])},
        figure=fig,
        reference_name="statsmodels UnobservedComponents(level='llevel')",
        extra={"log_likelihood": kf.log_likelihood_},
    )
