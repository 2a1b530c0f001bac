"""Registry entries for statistical inference: tests, intervals, corrections, power (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "inference"

SPECS = [
    AlgorithmSpec(
        name="t-test", title="Student and Welch t-tests (one-sample, two-sample, paired)", family=F,
        summary="Mean differences over their standard error; Welch-Satterthwaite degrees of freedom.",
        module="mlnotes.algorithms.inference.t_tests", reference="scipy.stats.ttest_ind / ttest_1samp / ttest_rel",
        params=(
            Param("shift", float, 0.5, -3.0, 3.0, help="mean difference between the groups"),
            Param("n_samples", int, 30, 3, 100000, help="size of each group"),
            Param("sd_ratio", float, 2.0, 0.1, 10.0, help="standard deviation of group y (group x has 1)"),
        ),
        tags=("hypothesis-test", "ab-testing"),
    ),
    AlgorithmSpec(
        name="chi2-independence", title="Chi-squared test of independence", family=F,
        summary="Observed vs expected counts in a contingency table, Yates correction for 2x2, Cramer's V.",
        module="mlnotes.algorithms.inference.chi2_independence", reference="scipy.stats.chi2_contingency",
        params=(
            Param("effect", float, 0.15, 0.0, 0.3, help="change in the label rate per group step"),
            Param("n_samples", int, 400, 30, 100000, help="number of observations"),
        ),
        tags=("hypothesis-test", "categorical"),
    ),
    AlgorithmSpec(
        name="one-way-anova", title="One-way ANOVA (F test)", family=F,
        summary="Between-group over within-group mean squares; eta squared as effect size.",
        module="mlnotes.algorithms.inference.anova", reference="scipy.stats.f_oneway",
        params=(
            Param("spread", float, 0.4, 0.0, 3.0, help="step between consecutive group means"),
            Param("n_groups", int, 4, 2, 20, help="number of groups"),
            Param("n_per_group", int, 25, 2, 10000, help="observations per group"),
        ),
        tags=("hypothesis-test",),
    ),
    AlgorithmSpec(
        name="two-proportion-ztest", title="Two-proportion z-test (A/B test on rates)", family=F,
        summary="Pooled-variance z statistic for p1 = p2 and a Wald interval for the difference.",
        module="mlnotes.algorithms.inference.proportion_ztest",
        reference="statsmodels.stats.proportion.proportions_ztest / confint_proportions_2indep",
        params=(
            Param("rate_a", float, 0.05, 0.001, 0.9, help="conversion rate of model A"),
            Param("lift", float, 0.005, -0.05, 0.05, help="absolute lift of model B"),
            Param("n_per_arm", int, 20000, 50, 10000000, help="users per arm"),
        ),
        tags=("hypothesis-test", "ab-testing"),
    ),
    AlgorithmSpec(
        name="cohens-d", title="Cohen's d and Hedges' g effect sizes", family=F,
        summary="Standardized mean difference with the exact small-sample correction.",
        module="mlnotes.algorithms.inference.cohens_d", reference="d = t * sqrt(1/n1 + 1/n2) from scipy.stats.ttest_ind",
        params=(
            Param("true_d", float, 0.5, -3.0, 3.0, help="true standardized difference"),
            Param("n_per_group", int, 50, 3, 3000, help="observations per group"),
        ),
        tags=("effect-size",),
    ),
    AlgorithmSpec(
        name="multiple-testing", title="Multiple-testing corrections (Bonferroni, Holm, Benjamini-Hochberg)",
        family=F, summary="Adjusted p-values that control the family-wise error rate or the false discovery rate.",
        module="mlnotes.algorithms.inference.multiple_testing", reference="statsmodels.stats.multitest.multipletests",
        params=(
            Param("n_tests", int, 200, 1, 100000, help="number of hypotheses"),
            Param("n_true_effects", int, 20, 0, 100000, help="hypotheses with a real effect"),
            Param("alpha", float, 0.05, 0.001, 0.5, help="error rate to control"),
        ),
        tags=("hypothesis-test", "fdr"),
    ),
    AlgorithmSpec(
        name="wilson-interval", title="Wilson score interval for a proportion", family=F,
        summary="Inverted score test; near-nominal coverage where the Wald interval fails.",
        module="mlnotes.algorithms.inference.wilson_interval",
        reference="statsmodels.stats.proportion.proportion_confint(method='wilson')",
        params=(
            Param("n_trials", int, 30, 1, 2000, help="number of trials"),
            Param("successes", int, 2, 0, 2000, help="number of successes (capped at n_trials)"),
        ),
        tags=("confidence-interval",),
    ),
    AlgorithmSpec(
        name="mcnemar", title="McNemar's test for two classifiers (exact and chi-squared)", family=F,
        summary="Binomial or chi-squared test on the discordant pairs of two models' errors.",
        module="mlnotes.algorithms.inference.mcnemar", reference="statsmodels.stats.contingency_tables.mcnemar",
        params=(
            Param("n_test", int, 300, 20, 20000, help="size of the held-out test set"),
            Param("seed", int, 0, 0, 10000, help="random seed for data and split"),
        ),
        tags=("hypothesis-test", "model-comparison"),
    ),
    AlgorithmSpec(
        name="paired-ttest-5x2cv", title="Dietterich's 5x2cv paired t-test", family=F,
        summary="Five replications of 2-fold CV; first difference over the pooled within-replication variance.",
        module="mlnotes.algorithms.inference.cv_5x2", reference="Dietterich (1998) formula by hand + scipy.stats.t",
        params=(
            Param("n_samples", int, 300, 20, 5000, help="number of samples"),
            Param("seed", int, 0, 0, 10000, help="random seed for data and splits"),
        ),
        tags=("hypothesis-test", "model-comparison", "cross-validation"),
    ),
    AlgorithmSpec(
        name="power-analysis", title="Power and sample size (two-sample t-test, two proportions)", family=F,
        summary="Non-central t power, Cohen's h for proportions, sample size by root finding.",
        module="mlnotes.algorithms.inference.power", reference="statsmodels.stats.power.TTestIndPower / NormalIndPower",
        params=(
            Param("effect_size", float, 0.5, 0.05, 3.0, help="Cohen's d for the t-test"),
            Param("base_rate", float, 0.05, 0.001, 0.9, help="control conversion rate"),
            Param("lift", float, 0.01, 0.001, 0.09, help="absolute lift to detect"),
            Param("power", float, 0.8, 0.5, 0.99, help="target power"),
        ),
        tags=("experiment-design", "ab-testing"),
    ),
]
