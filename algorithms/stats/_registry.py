"""Registry entries for statistics and monitoring tools (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "stats"

SPECS = [
    AlgorithmSpec(
        name="apriori", title="Apriori frequent itemsets and association rules", family=F,
        summary="Level-wise candidate generation with downward-closure pruning; support, confidence, lift.",
        module="mlnotes.algorithms.stats.apriori", reference="exhaustive enumeration of all itemsets",
        params=(
            Param("min_support", float, 0.05, 0.01, 1.0, help="minimum support"),
            Param("min_confidence", float, 0.6, 0.0, 1.0, help="minimum rule confidence"),
        ),
        tags=("association-rules", "unsupervised"),
    ),
    AlgorithmSpec(
        name="ks-drift", title="Kolmogorov-Smirnov drift test", family=F,
        summary="Largest gap between two empirical CDFs and its asymptotic p-value.",
        module="mlnotes.algorithms.stats.ks_drift", reference="scipy.stats.ks_2samp / kstwobign",
        params=(
            Param("shift", float, 0.2, 0.0, 3.0, help="mean shift in standard deviations"),
            Param("n_samples", int, 1000, 10, 200000, help="size of each sample"),
        ),
        tags=("drift", "hypothesis-test", "monitoring"),
    ),
    AlgorithmSpec(
        name="psi", title="Population stability index", family=F,
        summary="Symmetrised KL divergence between binned reference and current distributions.",
        module="mlnotes.algorithms.stats.psi", reference="scipy.stats.entropy (KL both ways)",
        params=(
            Param("shift", float, 0.3, 0.0, 3.0, help="mean shift in standard deviations"),
            Param("n_samples", int, 5000, 100, 200000, help="size of each sample"),
        ),
        tags=("drift", "monitoring"),
    ),
    AlgorithmSpec(
        name="bootstrap", title="Bootstrap confidence intervals (percentile, BCa)", family=F,
        summary="Resampling-based intervals with bias and acceleration corrections.",
        module="mlnotes.algorithms.stats.bootstrap", reference="scipy.stats.bootstrap",
        params=(
            Param("n_samples", int, 40, 5, 2000, help="sample size"),
            Param("n_resamples", int, 2000, 100, 20000, help="bootstrap resamples"),
            Param("method", str, "bca", choices=("bca", "percentile"), help="interval type"),
        ),
        tags=("uncertainty", "resampling"),
    ),
    AlgorithmSpec(
        name="fp-growth", title="FP-growth frequent itemsets", family=F,
        summary="Prefix-tree compression and recursive conditional trees; no candidate generation.",
        module="mlnotes.algorithms.stats.fp_growth", reference="Apriori and exhaustive enumeration",
        params=(Param("min_support", float, 0.05, 0.01, 1.0, help="minimum support"),),
        tags=("association-rules", "unsupervised"),
    ),
]
