"""Registry entries for recommender systems (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "recommenders"

SPECS = [
    AlgorithmSpec(
        name="matrix-factorization", title="Matrix factorisation (ALS and SGD)", family=F,
        summary="Biased latent-factor model of ratings fitted by alternating ridge solves or SGD.",
        module="mlnotes.algorithms.recommenders.matrix_factorization",
        reference="sklearn TruncatedSVD on the imputed matrix; sklearn Ridge per ALS step (tests)",
        params=(
            Param("n_factors", int, 5, 1, 30, help="latent dimension k"),
            Param("reg", float, 1.0, 0.0, 50.0, help="L2 regularisation (ALS: about 1-10; SGD: about 0.02-0.1)"),
            Param("solver", str, "als", choices=("als", "sgd"), help="optimizer"),
            Param("n_epochs", int, 10, 1, 30, help="sweeps / passes"),
        ),
        tags=("recommender", "matrix-factorization"),
    ),
    AlgorithmSpec(
        name="item-knn", title="Item-based kNN collaborative filtering", family=F,
        summary="Baseline plus similarity-weighted residuals of the k most similar rated items.",
        module="mlnotes.algorithms.recommenders.item_knn",
        reference="sklearn cosine_similarity; baseline predictor",
        params=(
            Param("k", int, 20, 1, 100, help="neighbours"),
            Param("shrinkage", float, 10.0, 0.0, 1000.0, help="similarity shrinkage"),
        ),
        tags=("recommender", "neighbors"),
    ),
]
