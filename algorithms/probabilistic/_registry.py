"""Registry entries for probabilistic models (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "probabilistic"

SPECS = [
    AlgorithmSpec(
        name="gaussian-nb", title="Gaussian naive Bayes", family=F,
        summary="Class-conditional independent Gaussians combined by Bayes' rule.",
        module="mlnotes.algorithms.probabilistic.gaussian_nb", reference="sklearn.naive_bayes.GaussianNB",
        params=(Param("var_smoothing", float, 1e-9, 0.0, 1.0, help="variance floor (share of the largest)"),),
        tags=("classification", "generative", "bayes"),
    ),
    AlgorithmSpec(
        name="multinomial-nb", title="Multinomial naive Bayes", family=F,
        summary="Bag-of-words class model with Lidstone/Laplace smoothing.",
        module="mlnotes.algorithms.probabilistic.multinomial_nb", reference="sklearn.naive_bayes.MultinomialNB",
        params=(Param("alpha", float, 1.0, 0.0, 100.0, help="additive smoothing"),),
        tags=("classification", "text", "bayes"),
    ),
    AlgorithmSpec(
        name="hmm", title="Hidden Markov model (forward-backward, Viterbi, Baum-Welch)", family=F,
        summary="Discrete-emission HMM: scaled forward-backward posteriors, Viterbi decoding, EM training.",
        module="mlnotes.algorithms.probabilistic.hmm",
        reference="brute-force enumeration (tests); generating parameters (demo)",
        params=(
            Param("n_rolls", int, 1000, 50, 5000, help="sequence length"),
            Param("n_iter", int, 100, 1, 200, help="Baum-Welch iterations"),
            Param("n_init", int, 1, 1, 10, help="Baum-Welch restarts (the most likely is kept)"),
        ),
        tags=("sequence", "latent-variable", "em"),
    ),
    AlgorithmSpec(
        name="gaussian-process", title="Gaussian process regression", family=F,
        summary="Posterior mean and variance by Cholesky; RBF hyperparameters by maximising the evidence.",
        module="mlnotes.algorithms.probabilistic.gaussian_process",
        reference="sklearn.gaussian_process.GaussianProcessRegressor",
        params=(
            Param("n_samples", int, 20, 3, 300, help="training points"),
            Param("noise", float, 0.1, 0.0, 1.0, help="noise standard deviation"),
            Param("optimize", bool, True, help="fit the kernel hyperparameters"),
        ),
        tags=("regression", "bayesian", "kernels", "uncertainty"),
    ),
    AlgorithmSpec(
        name="gaussian-anomaly", title="Gaussian density anomaly detection", family=F,
        summary="Flag low-density points under a fitted Gaussian; threshold chosen by validation F1.",
        module="mlnotes.algorithms.probabilistic.gaussian_anomaly", reference="scipy.stats.multivariate_normal",
        params=(
            Param("covariance", str, "full", choices=("full", "diag"), help="multivariate or independent"),
            Param("n_anomalies", int, 20, 1, 100, help="labelled validation anomalies"),
        ),
        tags=("anomaly-detection", "density-estimation"),
    ),
    AlgorithmSpec(
        name="lda-gibbs", title="LDA topic model by collapsed Gibbs sampling", family=F,
        summary="Resample each token's topic from its collapsed conditional; recover topic-word distributions.",
        module="mlnotes.algorithms.probabilistic.lda_gibbs",
        reference="sklearn.decomposition.LatentDirichletAllocation; known generating topics",
        params=(
            Param("n_topics", int, 3, 2, 8, help="topics K"),
            Param("n_iter", int, 40, 1, 120, help="Gibbs sweeps"),
            Param("n_docs", int, 60, 10, 120, help="documents"),
        ),
        tags=("topic-modeling", "bayesian", "mcmc"),
    ),
]
