"""Registry entries for trees and ensembles (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "trees"

SPECS = [
    AlgorithmSpec(
        name="cart", title="CART decision tree", family=F,
        summary="Greedy binary splits minimising Gini/entropy (classification) or squared error (regression).",
        module="mlnotes.algorithms.trees.cart", reference="sklearn.tree.DecisionTreeClassifier / DecisionTreeRegressor",
        params=(
            Param("max_depth", int, 4, 1, 30, help="maximum depth"),
            Param("min_samples_leaf", int, 1, 1, 100, help="minimum samples per leaf"),
            Param("criterion", str, "gini", choices=("gini", "entropy"), help="impurity"),
        ),
        tags=("classification", "regression", "trees"),
    ),
    AlgorithmSpec(
        name="bagging", title="Bagging (bootstrap aggregating) of trees", family=F,
        summary="Average deep trees fitted on bootstrap samples; out-of-bag accuracy for free.",
        module="mlnotes.algorithms.trees.bagging", reference="sklearn.ensemble.BaggingClassifier",
        params=(
            Param("n_estimators", int, 30, 1, 200, help="number of trees"),
            Param("max_depth", int, 0, 0, 30, help="tree depth limit (0: unlimited)"),
        ),
        tags=("classification", "ensemble", "variance-reduction"),
    ),
    AlgorithmSpec(
        name="random-forest", title="Random forest", family=F,
        summary="Bagged trees with a random feature subset searched at every split.",
        module="mlnotes.algorithms.trees.random_forest", reference="sklearn.ensemble.RandomForestClassifier",
        params=(
            Param("n_estimators", int, 50, 1, 200, help="number of trees"),
            Param("max_features", str, "sqrt", choices=("sqrt", "log2", "all"), help="features per split"),
        ),
        tags=("classification", "ensemble", "feature-importance"),
    ),
    AlgorithmSpec(
        name="extra-trees", title="Extremely randomised trees", family=F,
        summary="Trees on the full data with one random threshold per candidate feature.",
        module="mlnotes.algorithms.trees.extra_trees", reference="sklearn.ensemble.ExtraTreesClassifier",
        params=(Param("n_estimators", int, 50, 1, 300, help="number of trees"),),
        tags=("classification", "ensemble"),
    ),
    AlgorithmSpec(
        name="adaboost", title="AdaBoost (SAMME) with stumps", family=F,
        summary="Re-weight misclassified samples and combine weak learners by weighted vote.",
        module="mlnotes.algorithms.trees.adaboost", reference="sklearn.ensemble.AdaBoostClassifier",
        params=(
            Param("n_estimators", int, 50, 1, 200, help="boosting rounds"),
            Param("learning_rate", float, 1.0, 0.01, 2.0, help="shrinkage of learner weights"),
        ),
        tags=("classification", "boosting"),
    ),
    AlgorithmSpec(
        name="gradient-boosting", title="Gradient boosting (regression and classification)", family=F,
        summary="Fit regression trees to pseudo-residuals; Newton leaf values for log-loss.",
        module="mlnotes.algorithms.trees.gradient_boosting",
        reference="sklearn.ensemble.GradientBoostingRegressor / GradientBoostingClassifier",
        params=(
            Param("n_estimators", int, 100, 1, 500, help="boosting rounds"),
            Param("learning_rate", float, 0.1, 0.001, 1.0, help="shrinkage"),
            Param("max_depth", int, 3, 1, 8, help="tree depth"),
        ),
        tags=("regression", "classification", "boosting"),
    ),
    AlgorithmSpec(
        name="xgboost-style", title="XGBoost-style second-order boosting", family=F,
        summary="Newton boosting with gain G^2/(H+lambda), leaf weights -G/(H+lambda) and a gamma penalty.",
        module="mlnotes.algorithms.trees.xgboost_style",
        reference="sklearn.ensemble.GradientBoostingRegressor (lambda=0) / HistGradientBoostingClassifier",
        params=(
            Param("n_estimators", int, 100, 1, 300, help="boosting rounds"),
            Param("learning_rate", float, 0.3, 0.01, 1.0, help="shrinkage eta"),
            Param("max_depth", int, 3, 1, 6, help="tree depth"),
            Param("reg_lambda", float, 1.0, 0.0, 100.0, help="L2 penalty on leaf weights"),
            Param("gamma", float, 0.0, 0.0, 10.0, help="minimum split gain"),
        ),
        tags=("classification", "boosting"),
    ),
    AlgorithmSpec(
        name="lightgbm-style", title="LightGBM-style histogram boosting with GOSS", family=F,
        summary="Binned histograms, leaf-wise growth, histogram subtraction and gradient-based one-side sampling.",
        module="mlnotes.algorithms.trees.lightgbm_style", reference="sklearn.ensemble.HistGradientBoostingClassifier",
        params=(
            Param("n_estimators", int, 60, 1, 200, help="boosting rounds"),
            Param("num_leaves", int, 15, 2, 63, help="leaves per tree"),
            Param("top_rate", float, 0.2, 0.01, 1.0, help="GOSS: share of largest gradients kept"),
            Param("other_rate", float, 0.1, 0.01, 1.0, help="GOSS: share of the rest sampled"),
            Param("max_bins", int, 63, 2, 255, help="histogram bins per feature"),
        ),
        tags=("classification", "boosting", "histogram"),
    ),
    AlgorithmSpec(
        name="catboost-style", title="CatBoost-style ordered boosting", family=F,
        summary="Ordered target statistics for categories, oblivious trees and ordered boosting.",
        module="mlnotes.algorithms.trees.catboost_style",
        reference="sklearn.ensemble.HistGradientBoostingClassifier(categorical_features)",
        params=(
            Param("n_estimators", int, 60, 1, 200, help="boosting rounds"),
            Param("depth", int, 4, 1, 6, help="oblivious tree depth"),
            Param("n_categories", int, 200, 2, 1000, help="cardinality of the categorical feature"),
        ),
        tags=("classification", "boosting", "categorical"),
    ),
    AlgorithmSpec(
        name="isolation-forest", title="Isolation forest", family=F,
        summary="Anomaly score from the average path length of random isolation trees.",
        module="mlnotes.algorithms.trees.isolation_forest", reference="sklearn.ensemble.IsolationForest",
        params=(
            Param("n_estimators", int, 100, 1, 300, help="number of trees"),
            Param("max_samples", int, 256, 8, 1024, help="subsample per tree"),
            Param("n_outliers", int, 30, 1, 300, help="uniform outliers added"),
        ),
        tags=("anomaly-detection", "ensemble"),
    ),
    AlgorithmSpec(
        name="stacking", title="Stacked generalisation", family=F,
        summary="A logistic meta-model trained on out-of-fold predictions of diverse base models.",
        module="mlnotes.algorithms.trees.stacking", reference="sklearn.ensemble.StackingClassifier",
        params=(Param("n_folds", int, 3, 2, 10, help="cross-validation folds"),),
        tags=("classification", "ensemble"),
    ),
    AlgorithmSpec(
        name="gradient-boosting-multiclass", title="Multiclass gradient boosting (softmax loss)", family=F,
        summary="K regression trees per round on the softmax gradients, Newton leaf values (Friedman's formula).",
        module="mlnotes.algorithms.trees.gradient_boosting_multiclass",
        reference="sklearn.ensemble.GradientBoostingClassifier(criterion='squared_error')",
        params=(
            Param("n_estimators", int, 30, 1, 300, help="boosting rounds"),
            Param("learning_rate", float, 0.2, 0.001, 1.0, help="shrinkage"),
            Param("max_depth", int, 2, 1, 6, help="depth of each tree"),
            Param("seed", int, 0, 0, 10_000, help="random seed for the data"),
        ),
        tags=("ensembles", "boosting", "multiclass"),
    ),
]
