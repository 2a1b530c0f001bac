"""Registry entries for the interpretability family (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "interpret"
SEED = Param("seed", int, 0, 0, 10_000, help="random seed of the data, the model and the sampling")

SPECS: list[AlgorithmSpec] = [
    AlgorithmSpec(
        name="permutation-importance", title="Permutation feature importance", family=F,
        summary="Score drop when a column is shuffled, for a random forest on the diabetes data.",
        module="mlnotes.algorithms.interpret.permutation_importance", reference="sklearn.inspection.permutation_importance",
        params=(Param("n_repeats", int, 10, 1, 50, help="shuffles per feature (the importance is their mean)"), SEED), tags=("model-agnostic",)),
    AlgorithmSpec(
        name="pdp-ice", title="Partial dependence and ICE curves", family=F,
        summary="Average and per-sample effect of one feature on a gradient-boosting model.",
        module="mlnotes.algorithms.interpret.pdp_ice", reference="sklearn.inspection.partial_dependence (brute)",
        params=(Param("feature", int, 0, 0, 2, help="index of the feature whose effect is plotted"), Param("n_points", int, 20, 2, 100, help="grid values between the 5th and 95th percentile"), SEED), tags=("model-agnostic",)),
    AlgorithmSpec(
        name="lime-tabular", title="LIME for tabular data", family=F,
        summary="Kernel-weighted ridge surrogate around one instance, against the model's true gradient.",
        module="mlnotes.algorithms.interpret.lime", reference="analytic gradient of the black box",
        params=(Param("scale", float, 0.1, 0.001, 5.0,
                     help="neighbourhood width: perturbation std as a multiple of the feature std"), Param("n_samples", int, 2000, 50, 50_000, help="perturbed samples the surrogate is fitted on"), SEED),
        tags=("model-agnostic", "local")),
    AlgorithmSpec(
        name="exact-shapley", title="Exact Shapley values by subset enumeration", family=F,
        summary="The O(2^M) definition, checked against the closed form for a linear model.",
        module="mlnotes.algorithms.interpret.shapley", reference="closed-form Shapley values of a linear model",
        params=(Param("n_features", int, 5, 1, 12, help="features of the linear model (2^M subsets)"), SEED), tags=("shapley",)),
    AlgorithmSpec(
        name="kernel-shap", title="Kernel SHAP", family=F,
        summary="Shapley values as a constrained weighted regression over coalitions, exact or sampled.",
        module="mlnotes.algorithms.interpret.kernel_shap", reference="exact Shapley values (subset enumeration)",
        params=(Param("n_features", int, 10, 2, 10, help="features of the Friedman #1 data that are used"), Param("n_samples", int, 300, 10, 5000, help="sampled coalitions (beside the exact full enumeration)"), SEED),
        tags=("shapley", "model-agnostic")),
    AlgorithmSpec(
        name="tree-shap", title="TreeSHAP (path-dependent, polynomial time)", family=F,
        summary="Exact Shapley values of a CART tree via EXTEND/UNWIND path weights.",
        module="mlnotes.algorithms.interpret.tree_shap", reference="exact Shapley values of the tree's value function",
        params=(Param("max_depth", int, 5, 1, 8, help="depth of the explained regression tree"), Param("n_explain", int, 2, 1, 10, help="rows of the diabetes data explained"), SEED), tags=("shapley", "trees")),
]
