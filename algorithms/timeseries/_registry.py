"""Registry entries for time-series algorithms (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "timeseries"

SPECS = [
    AlgorithmSpec(
        name="autoregressive", title="Autoregressive AR(p) / ARI(p, d) models", family=F,
        summary="Conditional least squares on lagged values, with differencing and iterated forecasts.",
        module="mlnotes.algorithms.timeseries.autoregressive", reference="statsmodels.tsa.ar_model.AutoReg",
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
        module="mlnotes.algorithms.timeseries.exponential_smoothing",
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
        module="mlnotes.algorithms.timeseries.kalman_filter",
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
        module="mlnotes.algorithms.timeseries.dtw", reference="naive recursion (tests); Euclidean 1-NN baseline (demo)",
        params=(
            Param("window", int, 8, 0, 40, help="Sakoe-Chiba band half-width"),
            Param("n_per_class", int, 10, 3, 20, help="training series per class"),
        ),
        tags=("time-series", "distance", "classification"),
    ),
    AlgorithmSpec(
        name="acf-pacf", title="Autocorrelation and partial autocorrelation", family=F,
        summary="Sample ACF (denominator n) and PACF by the Durbin-Levinson recursion; AR/MA identification.",
        module="mlnotes.algorithms.timeseries.acf_pacf", reference="statsmodels.tsa.stattools.acf / pacf(method='ldb')",
        params=(
            Param("phi", float, 0.7, -0.99, 0.99, help="AR(1) coefficient of the simulated series"),
            Param("n_obs", int, 500, 30, 20_000, help="series length"),
            Param("nlags", int, 20, 1, 29, help="largest lag shown"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("time-series", "identification"),
    ),
    AlgorithmSpec(
        name="adf-test", title="Augmented Dickey-Fuller unit-root test", family=F,
        summary="t-ratio of the lagged level in the differenced regression; MacKinnon critical values.",
        module="mlnotes.algorithms.timeseries.adf", reference="statsmodels.tsa.stattools.adfuller(autolag=None)",
        params=(
            Param("phi", float, 0.95, -0.99, 1.0, help="AR(1) coefficient (1 = unit root)"),
            Param("n_obs", int, 300, 30, 20_000, help="series length"),
            Param("lags", int, 2, 0, 12, help="lagged differences in the regression"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("time-series", "hypothesis-test", "stationarity"),
    ),
    AlgorithmSpec(
        name="seasonal-decompose", title="Classical seasonal decomposition", family=F,
        summary="Centred (2 x m) moving-average trend, averaged seasonal indices, remainder; additive or multiplicative.",
        module="mlnotes.algorithms.timeseries.seasonal_decompose", reference="statsmodels.tsa.seasonal.seasonal_decompose",
        params=(
            Param("period", int, 12, 2, 52, help="season length m"),
            Param("n_years", int, 8, 2, 40, help="number of full periods"),
            Param("model", str, "multiplicative", choices=("additive", "multiplicative"), help="decomposition"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("time-series", "decomposition", "seasonality"),
    ),
    AlgorithmSpec(
        name="arma", title="ARMA(p, q) by conditional sum of squares", family=F,
        summary="Residual recursion with pre-sample shocks at 0, minimised by L-BFGS; forecasts.",
        module="mlnotes.algorithms.timeseries.arma", reference="statsmodels.tsa.arima.model.ARIMA (exact likelihood)",
        params=(
            Param("phi", float, 0.6, -0.95, 0.95, help="AR coefficient"),
            Param("theta", float, 0.4, -0.95, 0.95, help="MA coefficient"),
            Param("n_obs", int, 800, 50, 20_000, help="series length"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("time-series", "forecasting", "box-jenkins"),
    ),
    AlgorithmSpec(
        name="forecast-metrics", title="Forecast metrics and walk-forward evaluation", family=F,
        summary="MAPE, sMAPE, MASE and rolling-origin splits (expanding or sliding window).",
        module="mlnotes.algorithms.timeseries.forecast_metrics",
        reference="sklearn mean_absolute_percentage_error and TimeSeriesSplit",
        params=(
            Param("n_splits", int, 6, 1, 10, help="forecast origins"),
            Param("horizon", int, 12, 1, 12, help="test points per origin"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("time-series", "evaluation", "cross-validation"),
    ),
]
