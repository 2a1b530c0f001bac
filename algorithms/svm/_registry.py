"""Registry entries for support vector machines and kernel methods (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "svm"

SPECS = [
    AlgorithmSpec(
        name="pegasos", title="Linear SVM by Pegasos", family=F,
        summary="Stochastic sub-gradient descent on the primal hinge-loss SVM with step 1/(lambda t).",
        module="mlnotes.algorithms.svm.pegasos", reference="sklearn.svm.LinearSVC(loss='hinge')",
        params=(
            Param("lam", float, 0.01, 1e-4, 10.0, help="regularisation lambda"),
            Param("n_iter", int, 5000, 100, 50000, help="stochastic steps"),
            Param("batch_size", int, 8, 1, 256, help="mini-batch size"),
        ),
        tags=("classification", "svm", "sgd"),
    ),
    AlgorithmSpec(
        name="kernel-svm", title="Kernel SVM by SMO", family=F,
        summary="Soft-margin kernel SVM dual solved by sequential minimal optimisation.",
        module="mlnotes.algorithms.svm.kernel_svm", reference="sklearn.svm.SVC (libsvm)",
        params=(
            Param("C", float, 1.0, 0.01, 100.0, help="box constraint"),
            Param("gamma", float, 1.0, 0.01, 50.0, help="kernel width"),
            Param("kernel", str, "rbf", choices=("rbf", "poly", "linear"), help="kernel"),
        ),
        tags=("classification", "svm", "kernels"),
    ),
    AlgorithmSpec(
        name="svr", title="Epsilon-support vector regression", family=F,
        summary="Epsilon-insensitive kernel regression; the dual solved by the same SMO routine.",
        module="mlnotes.algorithms.svm.svr", reference="sklearn.svm.SVR",
        params=(
            Param("C", float, 10.0, 0.01, 100.0, help="box constraint"),
            Param("epsilon", float, 0.1, 0.0, 1.0, help="tube half-width"),
            Param("gamma", float, 0.5, 0.01, 20.0, help="RBF width"),
        ),
        tags=("regression", "svm", "kernels"),
    ),
    AlgorithmSpec(
        name="kernel-ridge", title="Kernel ridge regression", family=F,
        summary="Ridge regression in an RKHS: alpha = (K + lambda I)^-1 y.",
        module="mlnotes.algorithms.svm.kernel_ridge", reference="sklearn.kernel_ridge.KernelRidge",
        params=(
            Param("alpha", float, 0.1, 1e-4, 100.0, help="ridge penalty"),
            Param("gamma", float, 1.0, 0.01, 100.0, help="RBF width"),
        ),
        tags=("regression", "kernels"),
    ),
    AlgorithmSpec(
        name="kernel-pca", title="Kernel PCA", family=F,
        summary="PCA of the centred Gram matrix: non-linear components without explicit features.",
        module="mlnotes.algorithms.svm.kernel_pca", reference="sklearn.decomposition.KernelPCA",
        params=(Param("gamma", float, 2.0, 0.01, 100.0, help="RBF width"),),
        tags=("dimensionality-reduction", "kernels"),
    ),
]
