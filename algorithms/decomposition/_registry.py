"""Registry entries for matrix decompositions and embeddings (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "decomposition"

SPECS = [
    AlgorithmSpec(
        name="pca", title="Principal component analysis", family=F,
        summary="Axes of maximal variance from the SVD of the centred data.",
        module="mlnotes.algorithms.decomposition.pca", reference="sklearn.decomposition.PCA",
        params=(Param("n_components", int, 2, 1, 64, help="components kept"),),
        tags=("dimensionality-reduction", "unsupervised"),
    ),
    AlgorithmSpec(
        name="truncated-svd", title="Truncated SVD by randomised range finding", family=F,
        summary="Top-k singular triplets from a randomised sketch with power iterations (LSA).",
        module="mlnotes.algorithms.decomposition.truncated_svd", reference="sklearn.decomposition.TruncatedSVD",
        params=(
            Param("n_components", int, 10, 1, 50, help="rank k"),
            Param("n_iter", int, 2, 0, 10, help="power iterations"),
        ),
        tags=("dimensionality-reduction", "randomized"),
    ),
    AlgorithmSpec(
        name="tsne", title="t-SNE (exact)", family=F,
        summary="Match Gaussian input affinities with Student-t embedding affinities by minimising KL.",
        module="mlnotes.algorithms.decomposition.tsne", reference="sklearn.manifold.TSNE(method='exact')",
        params=(
            Param("perplexity", float, 30.0, 2.0, 80.0, help="effective number of neighbours"),
            Param("n_samples", int, 200, 50, 250, help="digits embedded"),
            Param("max_iter", int, 500, 250, 750, help="gradient steps"),
        ),
        tags=("dimensionality-reduction", "visualization"),
    ),
    AlgorithmSpec(
        name="fastica", title="FastICA", family=F,
        summary="Unmix independent non-Gaussian sources by a fixed-point negentropy iteration.",
        module="mlnotes.algorithms.decomposition.fastica", reference="sklearn.decomposition.FastICA",
        params=(Param("n_samples", int, 2000, 200, 20000, help="signal length"),),
        tags=("signal-processing", "unsupervised"),
    ),
    AlgorithmSpec(
        name="nmf", title="Non-negative matrix factorisation", family=F,
        summary="V ~ WH with non-negative factors by Lee-Seung multiplicative updates.",
        module="mlnotes.algorithms.decomposition.nmf", reference="sklearn.decomposition.NMF(solver='mu')",
        params=(
            Param("n_components", int, 10, 1, 30, help="parts k"),
            Param("max_iter", int, 300, 10, 1000, help="iterations"),
        ),
        tags=("dimensionality-reduction", "topic-modeling"),
    ),
    AlgorithmSpec(
        name="classical-mds", title="Classical multidimensional scaling", family=F,
        summary="Embed points from pairwise distances by double centring and an eigendecomposition.",
        module="mlnotes.algorithms.decomposition.classical_mds", reference="sklearn.manifold.ClassicalMDS",
        params=(Param("n_components", int, 2, 1, 10, help="embedding dimension"),),
        tags=("dimensionality-reduction", "distances"),
    ),
]
