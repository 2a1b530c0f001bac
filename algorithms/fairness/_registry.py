"""Registry entries for fairness metrics (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "fairness"

SPECS = [
    AlgorithmSpec(
        name="group-fairness", title="Demographic parity and equalized odds (differences and ratios)", family=F,
        summary="Between-group gaps and ratios of selection rate, TPR and FPR.",
        module="mlnotes.algorithms.fairness.group_metrics", reference="pandas group-by (brute force)",
        params=(
            Param("base_rate_gap", float, 0.2, 0.0, 0.45, help="difference in positive rate between the groups"),
            Param("threshold", float, 0.5, 0.05, 0.95, help="decision threshold"),
            Param("n_samples", int, 4000, 200, 200000, help="number of people"),
        ),
        tags=("fairness", "evaluation"),
    ),
]
