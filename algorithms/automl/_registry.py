"""Registry entries for AutoML tools: feature selection, hyperparameter search, NAS, meta-learning, ensembling."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "automl"

SPECS = [
    AlgorithmSpec(
        name="rfe", title="Recursive feature elimination", family=F,
        summary="Refit, drop the features with the smallest squared coefficient, repeat; a ranking of all features.",
        module="mlnotes.algorithms.automl.rfe", reference="sklearn.feature_selection.RFE",
        params=(
            Param("n_features_to_select", int, 5, 1, 20, help="features kept"),
            Param("step", int, 1, 1, 19, help="features removed per iteration"),
            Param("seed", int, 0, 0, 10_000, help="random seed for the data"),
        ),
        tags=("feature-selection",),
    ),
    AlgorithmSpec(
        name="mutual-information", title="Mutual information (plug-in and KSG)", family=F,
        summary="Contingency-table MI for discrete data; the Kraskov k-nearest-neighbour estimator for continuous.",
        module="mlnotes.algorithms.automl.mutual_information",
        reference="sklearn.metrics.mutual_info_score; Gaussian closed form",
        params=(
            Param("rho", float, 0.8, -0.99, 0.99, help="correlation of the bivariate Gaussian"),
            Param("n_samples", int, 1000, 20, 20_000, help="sample size"),
            Param("k", int, 3, 1, 20, help="neighbours in the KSG estimator"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("feature-selection", "information-theory"),
    ),
    AlgorithmSpec(
        name="tpe", title="Tree-structured Parzen estimator", family=F,
        summary="Bayesian optimisation with good/bad kernel densities; next trial maximises l(x)/g(x).",
        module="mlnotes.algorithms.automl.tpe", reference="random search with the same budget; scipy gaussian_kde",
        params=(
            Param("n_trials", int, 40, 12, 200, help="evaluations per run"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("hyperparameter-optimization", "bayesian-optimization"),
    ),
    AlgorithmSpec(
        name="darts", title="DARTS (tiny, one edge)", family=F,
        summary="Softmax-relaxed choice among operations, architecture weights trained on validation loss.",
        module="mlnotes.algorithms.automl.darts", reference="exhaustive search: every operation trained alone",
        params=(
            Param("target", str, "sin", choices=("sin", "square", "tanh", "abs"), help="function generating y"),
            Param("steps", int, 600, 50, 3000, help="alternating search steps"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("nas", "neural-architecture-search"),
    ),
    AlgorithmSpec(
        name="reptile", title="Reptile meta-learning (sine waves)", family=F,
        summary="Move the initialisation toward task-adapted weights; few-shot regression on new tasks.",
        module="mlnotes.algorithms.automl.reptile", reference="the same network from a random initialisation",
        params=(
            Param("meta_iters", int, 250, 10, 5000, help="meta-training tasks"),
            Param("inner_steps", int, 5, 1, 50, help="SGD steps per task"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("meta-learning", "few-shot"),
    ),
    AlgorithmSpec(
        name="ensemble-selection", title="Ensemble selection (Caruana)", family=F,
        summary="Greedy forward selection with replacement from a model library on validation predictions.",
        module="mlnotes.algorithms.automl.ensemble_selection", reference="the best single model of the library",
        params=(
            Param("n_iter", int, 25, 1, 200, help="models added (with replacement)"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("ensembles", "automl"),
    ),
]
