"""Registry entries for the linear models (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "linear"

SPECS = [
    AlgorithmSpec(
        name="ols", title="Ordinary least squares (normal equation and gradient descent)", family=F,
        summary="Least squares by SVD, or by batch, mini-batch and stochastic gradient descent.",
        module="mlnotes.algorithms.linear.ols", reference="sklearn.linear_model.LinearRegression",
        params=(
            Param("solver", str, "minibatch", choices=("normal", "batch", "minibatch", "sgd"), help="solver"),
            Param("n_epochs", int, 100, 1, 2000, help="passes over the data (gradient solvers)"),
            Param("learning_rate", float, 0.05, 1e-4, 1.0, help="initial step size"),
        ),
        tags=("regression", "gradient-descent"),
    ),
    AlgorithmSpec(
        name="polynomial-regression", title="Polynomial regression", family=F,
        summary="Least squares on monomial features; train vs test error against the degree.",
        module="mlnotes.algorithms.linear.polynomial_regression",
        reference="sklearn PolynomialFeatures + LinearRegression",
        params=(
            Param("degree", int, 4, 1, 12, help="polynomial degree"),
            Param("n_samples", int, 30, 15, 2000, help="training points"),
            Param("noise", float, 0.2, 0.0, 2.0, help="noise standard deviation"),
        ),
        tags=("regression", "bias-variance"),
    ),
    AlgorithmSpec(
        name="ridge", title="Ridge regression", family=F,
        summary="L2-penalised least squares solved by SVD, with its coefficient path.",
        module="mlnotes.algorithms.linear.ridge", reference="sklearn.linear_model.Ridge",
        params=(Param("alpha", float, 1.0, 0.0, 1e4, help="penalty strength"),),
        tags=("regression", "regularization"),
    ),
    AlgorithmSpec(
        name="lasso", title="Lasso by coordinate descent", family=F,
        summary="L1-penalised least squares by cyclic coordinate descent with soft-thresholding.",
        module="mlnotes.algorithms.linear.lasso", reference="sklearn.linear_model.Lasso",
        params=(Param("alpha", float, 0.5, 1e-3, 100.0, help="penalty strength"),),
        tags=("regression", "regularization", "sparsity"),
    ),
    AlgorithmSpec(
        name="elastic-net", title="Elastic net by coordinate descent", family=F,
        summary="L1 + L2 penalised least squares by coordinate descent.",
        module="mlnotes.algorithms.linear.elastic_net", reference="sklearn.linear_model.ElasticNet",
        params=(
            Param("alpha", float, 0.1, 1e-3, 100.0, help="penalty strength"),
            Param("l1_ratio", float, 0.5, 0.0, 1.0, help="share of the L1 penalty"),
        ),
        tags=("regression", "regularization", "sparsity"),
    ),
    AlgorithmSpec(
        name="logistic-regression", title="Logistic regression (gradient descent and Newton/IRLS)", family=F,
        summary="L2-regularised binary logistic regression by gradient descent or Newton's method.",
        module="mlnotes.algorithms.linear.logistic_regression", reference="sklearn.linear_model.LogisticRegression",
        params=(
            Param("C", float, 1.0, 1e-3, 1e3, help="inverse regularisation strength"),
            Param("solver", str, "newton", choices=("newton", "gd"), help="optimizer"),
            Param("max_iter", int, 100, 1, 5000, help="maximum iterations"),
        ),
        tags=("classification", "glm"),
    ),
    AlgorithmSpec(
        name="softmax-regression", title="Softmax (multinomial logistic) regression", family=F,
        summary="Multiclass logistic regression with cross-entropy and an L2 penalty.",
        module="mlnotes.algorithms.linear.softmax_regression",
        reference="sklearn.linear_model.LogisticRegression (multinomial)",
        params=(
            Param("C", float, 1.0, 1e-3, 1e3, help="inverse regularisation strength"),
            Param("solver", str, "lbfgs", choices=("lbfgs", "gd"), help="optimizer"),
        ),
        tags=("classification",),
    ),
    AlgorithmSpec(
        name="perceptron", title="Perceptron", family=F,
        summary="Rosenblatt's mistake-driven linear classifier, optionally averaged.",
        module="mlnotes.algorithms.linear.perceptron", reference="sklearn.linear_model.Perceptron",
        params=(
            Param("max_epochs", int, 50, 1, 1000, help="passes over the data"),
            Param("averaged", bool, False, help="average the iterates"),
            Param("separation", float, 2.5, 0.0, 10.0, help="distance between the class means"),
        ),
        tags=("classification", "online"),
    ),
    AlgorithmSpec(
        name="fisher-lda", title="Linear discriminant analysis (Fisher)", family=F,
        summary="Shared-covariance Gaussian classifier and Fisher's discriminant projection.",
        module="mlnotes.algorithms.linear.fisher_lda",
        reference="sklearn.discriminant_analysis.LinearDiscriminantAnalysis",
        params=(Param("reg", float, 0.0, 0.0, 10.0, help="ridge on the pooled covariance"),),
        tags=("classification", "dimensionality-reduction", "generative"),
    ),
    AlgorithmSpec(
        name="qda", title="Quadratic discriminant analysis", family=F,
        summary="A Gaussian per class with its own covariance: quadratic decision boundaries.",
        module="mlnotes.algorithms.linear.qda",
        reference="sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis",
        params=(Param("reg_param", float, 0.0, 0.0, 1.0, help="shrinkage toward the identity"),),
        tags=("classification", "generative"),
    ),
    AlgorithmSpec(
        name="poisson-glm", title="Poisson regression by IRLS", family=F,
        summary="A log-link Poisson GLM fitted by Newton's method / iteratively reweighted least squares.",
        module="mlnotes.algorithms.linear.poisson_glm",
        reference="statsmodels GLM(Poisson); sklearn.linear_model.PoissonRegressor",
        params=(
            Param("alpha", float, 0.0, 0.0, 10.0, help="L2 penalty"),
            Param("n_samples", int, 500, 20, 20000, help="samples"),
        ),
        tags=("regression", "glm", "counts"),
    ),
    AlgorithmSpec(
        name="bayesian-linear-regression", title="Bayesian linear regression", family=F,
        summary="Gaussian posterior over weights, predictive uncertainty, evidence-maximised precisions.",
        module="mlnotes.algorithms.linear.bayesian_linear_regression",
        reference="sklearn.linear_model.BayesianRidge",
        params=(
            Param("degree", int, 5, 1, 15, help="polynomial degree of the features"),
            Param("n_samples", int, 25, 5, 5000, help="training points"),
        ),
        tags=("regression", "bayesian", "uncertainty"),
    ),
    AlgorithmSpec(
        name="locally-weighted-regression", title="Locally weighted linear regression", family=F,
        summary="A weighted least-squares line per query point with a Gaussian kernel.",
        module="mlnotes.algorithms.linear.locally_weighted_regression", reference="statsmodels.WLS",
        params=(
            Param("tau", float, 0.3, 0.02, 10.0, help="kernel bandwidth"),
            Param("n_samples", int, 100, 10, 2000, help="training points"),
        ),
        tags=("regression", "non-parametric"),
    ),
    AlgorithmSpec(
        name="irls-logistic", title="Logistic regression by IRLS (Newton)", family=F,
        summary="Weighted least squares on the working response each iteration; quadratic convergence, standard errors.",
        module="mlnotes.algorithms.linear.irls", reference="statsmodels Logit; sklearn LogisticRegression (penalised)",
        params=(
            Param("alpha", float, 0.0, 0.0, 100.0, help="L2 penalty (intercept not penalised)"),
        ),
        tags=("classification", "glm", "second-order")),
]
