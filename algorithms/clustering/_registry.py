"""Registry entries for clustering (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "clustering"

SPECS = [
    AlgorithmSpec(
        name="kmeans", title="k-means with k-means++ seeding", family=F,
        summary="Lloyd's alternating assignment/mean updates from D^2-sampled seeds, with restarts.",
        module="mlnotes.algorithms.clustering.kmeans", reference="sklearn.cluster.KMeans",
        params=(
            Param("n_clusters", int, 4, 1, 20, help="k"),
            Param("n_init", int, 10, 1, 50, help="restarts"),
            Param("cluster_std", float, 1.0, 0.1, 5.0, help="blob spread"),
        ),
        tags=("clustering", "unsupervised"),
    ),
    AlgorithmSpec(
        name="kmedoids", title="k-medoids (PAM)", family=F,
        summary="BUILD then SWAP: medoids are data points, robust to outliers, any dissimilarity.",
        module="mlnotes.algorithms.clustering.kmedoids",
        reference="exhaustive search (tests); sklearn.cluster.KMeans for comparison",
        params=(
            Param("n_clusters", int, 3, 1, 10, help="k"),
            Param("n_outliers", int, 10, 0, 100, help="far outliers added"),
            Param("metric", str, "euclidean", choices=("euclidean", "manhattan"), help="dissimilarity"),
        ),
        tags=("clustering", "robust"),
    ),
    AlgorithmSpec(
        name="dbscan", title="DBSCAN", family=F,
        summary="Clusters as density-connected core points; noise points get label -1.",
        module="mlnotes.algorithms.clustering.dbscan", reference="sklearn.cluster.DBSCAN",
        params=(
            Param("eps", float, 0.15, 0.01, 2.0, help="neighbourhood radius"),
            Param("min_samples", int, 5, 1, 50, help="points for a core point"),
            Param("noise", float, 0.08, 0.0, 0.3, help="moons noise"),
        ),
        tags=("clustering", "density", "anomaly-detection"),
    ),
    AlgorithmSpec(
        name="agglomerative", title="Agglomerative hierarchical clustering", family=F,
        summary="Bottom-up merging with single, complete, average or Ward linkage (Lance-Williams).",
        module="mlnotes.algorithms.clustering.agglomerative",
        reference="scipy.cluster.hierarchy.linkage; sklearn.cluster.AgglomerativeClustering",
        params=(
            Param("n_clusters", int, 3, 1, 20, help="clusters at the cut"),
            Param("linkage", str, "ward", choices=("single", "complete", "average", "ward"), help="linkage"),
        ),
        tags=("clustering", "hierarchical"),
    ),
    AlgorithmSpec(
        name="gmm", title="Gaussian mixture model by EM", family=F,
        summary="Soft clustering with full covariances; EM never decreases the likelihood; BIC for K.",
        module="mlnotes.algorithms.clustering.gmm", reference="sklearn.mixture.GaussianMixture",
        params=(
            Param("n_components", int, 3, 1, 10, help="K"),
            Param("n_init", int, 3, 1, 10, help="restarts"),
        ),
        tags=("clustering", "density-estimation", "em"),
    ),
    AlgorithmSpec(
        name="spectral-clustering", title="Spectral clustering (normalised)", family=F,
        summary="k-means on the row-normalised bottom eigenvectors of the normalised graph Laplacian.",
        module="mlnotes.algorithms.clustering.spectral", reference="sklearn.cluster.SpectralClustering",
        params=(
            Param("n_neighbors", int, 10, 2, 50, help="kNN graph degree"),
            Param("noise", float, 0.06, 0.0, 0.2, help="data noise"),
        ),
        tags=("clustering", "graph"),
    ),
    AlgorithmSpec(
        name="mean-shift", title="Mean shift", family=F,
        summary="Move every seed to the mean of its bandwidth ball until it reaches a density mode.",
        module="mlnotes.algorithms.clustering.mean_shift", reference="sklearn.cluster.MeanShift",
        params=(
            Param("bandwidth", float, 1.0, 0.0, 5.0, help="kernel radius (0: estimate)"),
            Param("cluster_std", float, 0.6, 0.1, 2.0, help="blob spread"),
        ),
        tags=("clustering", "density"),
    ),
]
