"""Registry entries for time-series algorithms (light imports only)."""

from algorithms.registry import AlgorithmSpec, Param

F = "timeseries"

SPECS = [
    AlgorithmSpec(
        name="autoregressive", title="Autoregressive AR(p) / ARI(p, d) models", family=F,
        summary="Conditional least squares on lagged values, with differencing and iterated forecasts.",
        module="algorithms.timeseries.autoregressive", reference="statsmodels.tsa.ar_model.AutoReg",
        params=(
            Param("p", int, 2, 1, 20, help="lags"),
            Param("d", int, 0, 0, 2, help="differencing order"),
            Param("n_obs", int, 300, 50, 20000, help="series length"),
        ),
        tags=("time-series", "forecasting"),
    ),
    AlgorithmSpec(
        name="exponential-smoothing", title="Exponential smoothing (simple, Holt, Holt-Winters)", family=F,
        summary="Level, trend and seasonal states updated by exponentially weighted error correction.",
        module="algorithms.timeseries.exponential_smoothing",
        reference="statsmodels.tsa.holtwinters.ExponentialSmoothing",
        params=(
            Param("alpha", float, 0.3, 0.0, 1.0, help="level smoothing"),
            Param("beta", float, 0.05, 0.0, 1.0, help="trend smoothing"),
            Param("gamma", float, 0.2, 0.0, 1.0, help="seasonal smoothing"),
            Param("n_years", int, 8, 3, 100, help="years of monthly data"),
        ),
        tags=("time-series", "forecasting"),
    ),
    AlgorithmSpec(
        name="kalman-filter", title="Kalman filter and RTS smoother", family=F,
        summary="Exact Gaussian filtering/smoothing for linear state-space models, with the likelihood.",
        module="algorithms.timeseries.kalman_filter",
        reference="statsmodels UnobservedComponents; brute-force Gaussian conditioning (tests)",
        params=(
            Param("sigma_level", float, 0.3, 0.01, 5.0, help="state noise sd"),
            Param("sigma_obs", float, 1.0, 0.01, 5.0, help="observation noise sd"),
            Param("n_obs", int, 200, 10, 5000, help="series length"),
        ),
        tags=("time-series", "state-space", "bayesian"),
    ),
    AlgorithmSpec(
        name="dtw", title="Dynamic time warping", family=F,
        summary="Elastic alignment distance by dynamic programming, with a Sakoe-Chiba band.",
        module="algorithms.timeseries.dtw", reference="naive recursion (tests); Euclidean 1-NN baseline (demo)",
        params=(
            Param("window", int, 8, 0, 40, help="Sakoe-Chiba band half-width"),
            Param("n_per_class", int, 10, 3, 20, help="training series per class"),
        ),
        tags=("time-series", "distance", "classification"),
    ),
]
