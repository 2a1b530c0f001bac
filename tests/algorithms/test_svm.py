"""SVMs and kernel methods against scikit-learn, with the tolerance stated in each test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import svm as sksvm
from sklearn.datasets import load_breast_cancer, make_circles, make_moons
from sklearn.decomposition import KernelPCA as SkKernelPCA
from sklearn.kernel_ridge import KernelRidge as SkKernelRidge
from sklearn.linear_model import Ridge

from mlnotes.algorithms.svm.kernel_pca import KernelPCA
from mlnotes.algorithms.svm.kernel_ridge import KernelRidge
from mlnotes.algorithms.svm.kernel_svm import KernelSVC, kernel_matrix
from mlnotes.algorithms.svm.pegasos import PegasosSVM
from mlnotes.algorithms.svm.svr import SVR


@pytest.mark.parametrize("kernel,C", [("rbf", 1.0), ("rbf", 10.0), ("poly", 1.0), ("linear", 0.5)])
def test_smo_matches_libsvm(kernel, C):
    X, y = make_moons(200, noise=0.25, random_state=1)
    ours = KernelSVC(C=C, kernel=kernel, gamma=1.0, tol=1e-6).fit(X, y)
    ref = sksvm.SVC(C=C, kernel=kernel, gamma=1.0, coef0=1.0, degree=3, tol=1e-6).fit(X, y)
    # same dual problem solved to KKT tolerance 1e-6: decision values agree to 1e-4, support sets are equal
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    assert set(ours.support_) == set(ref.support_)


def test_smo_dual_is_feasible_and_kkt():
    X, y = make_moons(150, noise=0.3, random_state=2)
    m = KernelSVC(C=2.0, tol=1e-6).fit(X, y)
    ys = np.where(y == 1, 1.0, -1.0)
    alpha = np.zeros(len(y))
    alpha[m.support_] = m.dual_coef_ * ys[m.support_]
    assert abs(alpha @ ys) < 1e-9 and np.all(alpha >= -1e-12) and np.all(alpha <= 2.0 + 1e-12)
    margins = ys * m.decision_function(X)
    assert np.all(margins[alpha < 1e-10] >= 1 - 1e-4)  # non-support vectors lie outside the margin
    free = (alpha > 1e-8) & (alpha < 2.0 - 1e-8)
    np.testing.assert_allclose(margins[free], 1.0, atol=1e-4)  # free SVs lie on it


def test_pegasos_reaches_linear_svc_objective():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    lam = 0.01
    m = PegasosSVM(lam=lam, n_iter=20000).fit(X, y)
    ref = sksvm.LinearSVC(loss="hinge", C=1 / (lam * len(y)), tol=1e-10, max_iter=200000).fit(X, y)
    ys = np.where(y == 1, 1.0, -1.0)
    f_ours = m.objective(X, ys, np.r_[m.coef_, m.intercept_])
    f_ref = m.objective(X, ys, np.r_[ref.coef_[0], ref.intercept_[0]])
    assert f_ours <= f_ref * 1.01  # tol: within 1 % of the optimal primal objective
    assert m.score(X, y) >= ref.score(X, y) - 0.01


def test_svr_matches_libsvm():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 5, (100, 1))
    y = np.sin(X[:, 0]) + rng.normal(0, 0.1, 100)
    ours = SVR(C=5.0, epsilon=0.1, gamma=0.5, tol=1e-6).fit(X, y)
    ref = sksvm.SVR(C=5.0, epsilon=0.1, gamma=0.5, tol=1e-6).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-4)
    inside = np.abs(y - ours.predict(X)) < 0.1 - 1e-4
    assert not np.any(np.isin(np.flatnonzero(inside), ours.support_))  # points inside the tube are not SVs


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
def test_kernel_ridge_matches_sklearn(kernel):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X[:, 0] ** 2 + rng.normal(0, 0.1, 60)
    ours = KernelRidge(alpha=0.5, kernel=kernel, gamma=0.3).fit(X, y)
    ref = SkKernelRidge(alpha=0.5, kernel=kernel, gamma=0.3, coef0=1.0, degree=3).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-9)
    if kernel == "linear":  # dual form of ridge without intercept
        np.testing.assert_allclose(ours.predict(X), Ridge(alpha=0.5, fit_intercept=False).fit(X, y).predict(X),
                                   atol=1e-9)


def test_kernel_pca_matches_sklearn_up_to_sign():
    X, _ = make_circles(200, factor=0.3, noise=0.05, random_state=0)
    ours = KernelPCA(n_components=3, gamma=2.0).fit(X)
    ref = SkKernelPCA(n_components=3, kernel="rbf", gamma=2.0).fit(X)
    Z, Zr = ours.transform(X), ref.transform(X)
    for k in range(3):
        s = np.sign(Z[:, k] @ Zr[:, k])
        np.testing.assert_allclose(Z[:, k], s * Zr[:, k], atol=1e-8)
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, rtol=1e-8)
    np.testing.assert_allclose(KernelPCA(n_components=3, gamma=2.0).fit_transform(X), Z, atol=1e-8)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_kernel_matrix_is_symmetric_psd_and_linear_kpca_is_pca(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(15, 3))
    K = kernel_matrix(X, X, "rbf", gamma=0.7)
    np.testing.assert_allclose(K, K.T, atol=1e-12)
    assert np.linalg.eigvalsh(K).min() > -1e-10
    Z = KernelPCA(n_components=2, kernel="linear").fit_transform(X)
    Xc = X - X.mean(0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    P = Xc @ Vt[:2].T
    np.testing.assert_allclose(np.abs(Z), np.abs(P), atol=1e-8)
