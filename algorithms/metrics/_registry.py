"""Registry entries for evaluation metrics (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "metrics"

SPECS = [
    AlgorithmSpec(
        name="roc-auc", title="ROC curve and AUC", family=F,
        summary="TPR against FPR over every threshold; AUC as trapezoids and as the Mann-Whitney pair count.",
        module="mlnotes.algorithms.metrics.roc_auc", reference="sklearn.metrics.roc_curve / roc_auc_score",
        params=(
            Param("C", float, 1.0, 1e-4, 1e4, help="inverse regularization of the logistic model"),
            Param("test_size", float, 0.3, 0.1, 0.9, help="held-out fraction"),
        ),
        tags=("evaluation", "classification"),
    ),
    AlgorithmSpec(
        name="pr-curve", title="Precision-recall curve and average precision", family=F,
        summary="Precision against recall over every threshold; AP as the recall-weighted precision sum.",
        module="mlnotes.algorithms.metrics.pr_curve",
        reference="sklearn.metrics.precision_recall_curve / average_precision_score",
        params=(
            Param("imbalance", float, 0.1, 0.01, 0.5, help="fraction of positives"),
            Param("n_samples", int, 2000, 200, 200000, help="number of samples"),
        ),
        tags=("evaluation", "classification", "imbalanced"),
    ),
    AlgorithmSpec(
        name="f1-threshold", title="F1 score and decision-threshold choice", family=F,
        summary="Binary/micro/macro/weighted F1; F1-, Youden- and cost-optimal thresholds in one sorted pass.",
        module="mlnotes.algorithms.metrics.f1_threshold", reference="sklearn.metrics.f1_score (brute force per threshold)",
        params=(
            Param("imbalance", float, 0.2, 0.02, 0.5, help="fraction of positives"),
            Param("cost_fn", float, 5.0, 0.1, 100.0, help="cost of a false negative (a false positive costs 1)"),
        ),
        tags=("evaluation", "classification"),
    ),
    AlgorithmSpec(
        name="calibration-ece", title="Calibration curve and expected calibration error", family=F,
        summary="Binned observed rate vs mean prediction; ECE, MCE and the Brier score.",
        module="mlnotes.algorithms.metrics.calibration",
        reference="sklearn.calibration.calibration_curve / sklearn.metrics.brier_score_loss",
        params=(
            Param("n_bins", int, 10, 2, 50, help="number of bins"),
            Param("strategy", str, "uniform", choices=("uniform", "quantile"), help="equal width or equal count"),
        ),
        tags=("evaluation", "calibration"),
    ),
    AlgorithmSpec(
        name="ndcg", title="NDCG@k for ranking", family=F,
        summary="Position-discounted graded relevance over the ideal order, tie-averaged like scikit-learn.",
        module="mlnotes.algorithms.metrics.ndcg", reference="sklearn.metrics.ndcg_score",
        params=(
            Param("n_queries", int, 50, 1, 500, help="number of queries"),
            Param("n_items", int, 20, 2, 100, help="items per query"),
            Param("k", int, 5, 1, 100, help="cut-off rank"),
            Param("noise", float, 1.0, 0.0, 10.0, help="noise added to the true relevance to make scores"),
        ),
        tags=("evaluation", "ranking", "recommenders"),
    ),
]
