"""Registry entries for nearest-neighbour methods (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "neighbors"

SPECS = [
    AlgorithmSpec(
        name="knn", title="k-nearest neighbours (classifier and regressor)", family=F,
        summary="Vote or average over the k closest training points; uniform or distance weights.",
        module="mlnotes.algorithms.neighbors.knn",
        reference="sklearn.neighbors.KNeighborsClassifier / KNeighborsRegressor",
        params=(
            Param("n_neighbors", int, 15, 1, 60, help="k"),
            Param("weights", str, "uniform", choices=("uniform", "distance"), help="neighbour weights"),
        ),
        tags=("classification", "regression", "instance-based"),
    ),
    AlgorithmSpec(
        name="kd-tree", title="k-d tree nearest-neighbour search", family=F,
        summary="Median-split space partitioning with branch-and-bound k-NN and radius queries.",
        module="mlnotes.algorithms.neighbors.kd_tree", reference="scipy.spatial.cKDTree",
        params=(
            Param("n_points", int, 5000, 100, 50000, help="indexed points"),
            Param("n_dims", int, 2, 1, 16, help="dimension"),
            Param("k", int, 5, 1, 50, help="neighbours per query"),
        ),
        tags=("search", "data-structure"),
    ),
    AlgorithmSpec(
        name="lsh", title="Locality-sensitive hashing (random hyperplanes)", family=F,
        summary="Approximate cosine nearest neighbours from L tables of b-bit SimHash keys.",
        module="mlnotes.algorithms.neighbors.lsh", reference="sklearn.neighbors.NearestNeighbors (exact, brute force)",
        params=(
            Param("n_bits", int, 10, 1, 24, help="bits per key"),
            Param("n_tables", int, 16, 1, 64, help="hash tables"),
            Param("n_points", int, 5000, 100, 50000, help="indexed points"),
        ),
        tags=("search", "approximate", "hashing"),
    ),
]
