"""Registry entries for preprocessing: imputation, scaling and categorical encodings (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "preprocessing"

SPECS = [
    AlgorithmSpec(
        name="simple-imputer", title="Simple imputation (mean, median, most frequent, constant)", family=F,
        summary="Per-column fill values learned on training data; optional missingness indicators.",
        module="mlnotes.algorithms.preprocessing.imputation", reference="sklearn.impute.SimpleImputer",
        params=(
            Param("missing_rate", float, 0.2, 0.0, 0.9, help="fraction of values removed at random"),
            Param("strategy", str, "median", choices=("mean", "median", "most_frequent"), help="plotted strategy"),
        ),
        tags=("preprocessing", "missing-data"),
    ),
    AlgorithmSpec(
        name="feature-scaling", title="Standard, min-max and robust scaling", family=F,
        summary="Per-column centring and scaling learned on training data; constant columns kept finite.",
        module="mlnotes.algorithms.preprocessing.scaling",
        reference="sklearn.preprocessing.StandardScaler / MinMaxScaler / RobustScaler",
        params=(
            Param("n_neighbors", int, 5, 1, 50, help="k of the k-NN classifier"),
            Param("outlier_scale", float, 50.0, 1.0, 1000.0, help="factor applied to a few outlier values"),
        ),
        tags=("preprocessing", "scaling"),
    ),
    AlgorithmSpec(
        name="one-hot-encoder", title="One-hot encoding with unknown categories", family=F,
        summary="Indicator columns per category; unseen categories raise or become all-zero rows.",
        module="mlnotes.algorithms.preprocessing.one_hot", reference="sklearn.preprocessing.OneHotEncoder",
        params=(
            Param("n_samples", int, 200, 10, 100000, help="training rows"),
            Param("unknown_rate", float, 0.1, 0.0, 1.0, help="fraction of test rows with an unseen colour"),
        ),
        tags=("preprocessing", "categorical"),
    ),
    AlgorithmSpec(
        name="target-encoder", title="Out-of-fold target encoding with smoothing", family=F,
        summary="Shrunken category means of the target, cross-fitted on the training rows to avoid leakage.",
        module="mlnotes.algorithms.preprocessing.target_encoding",
        reference="sklearn.preprocessing.TargetEncoder (same folds); brute-force fold loop",
        params=(
            Param("n_categories", int, 300, 2, 5000, help="number of categories"),
            Param("n_samples", int, 3000, 50, 200000, help="training rows (the test set has as many)"),
            Param("smooth", float, 10.0, 0.0, 1000.0, help="prior weight m of the global mean"),
        ),
        tags=("preprocessing", "categorical", "leakage"),
    ),
    AlgorithmSpec(
        name="frequency-encoder", title="Frequency (count) encoding", family=F,
        summary="Each category becomes its training count or share; unseen categories become 0.",
        module="mlnotes.algorithms.preprocessing.frequency_encoding", reference="pandas value_counts (brute force)",
        params=(
            Param("n_samples", int, 2000, 10, 200000, help="number of rows"),
            Param("zipf_a", float, 1.5, 1.1, 5.0, help="Zipf exponent of the id distribution"),
        ),
        tags=("preprocessing", "categorical"),
    ),
]
