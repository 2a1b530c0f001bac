r"""Linear SVM by Pegasos (primal estimated sub-gradient solver).

Objective, labels $y_i\in\{-1,+1\}$, bias folded into $w$ through a constant feature (so it is regularised, as in
scikit-learn's ``LinearSVC`` with ``intercept_scaling=1``):

$$ \min_w\ F(w) = \frac\lambda2\lVert w\rVert^2 + \frac1n\sum_{i=1}^n \max\big(0,\ 1 - y_i w^\top x_i\big). $$

$F$ is $\lambda$-strongly convex. At step $t$ draw a mini-batch $A_t$ of size $k$, take the sub-gradient
$\nabla_t = \lambda w_t - \frac1k\sum_{i\in A_t^+} y_ix_i$ over the margin violators $A_t^+ = \{i\in A_t: y_iw_t^\top x_i<1\}$
and step with $\eta_t = 1/(\lambda t)$:

$$ w_{t+1} = (1-\eta_t\lambda)\,w_t + \frac{\eta_t}{k}\sum_{i\in A_t^+} y_i x_i , $$

optionally followed by projection onto the ball $\lVert w\rVert\le 1/\sqrt\lambda$, which contains the optimum.
With $T$ steps the (averaged) iterate is $O(\log T/(\lambda T))$-suboptimal in expectation, independent of $n$.
We return the average of the second half of the iterates (suffix averaging), which removes most of the noise.
The equivalent ``LinearSVC`` penalty is $C = 1/(\lambda n)$.

References: [@shalev2011pegasos], [@cortes1995support].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_random_state,
    check_X_y,
)
from mlnotes.algorithms.registry import DemoResult


class PegasosSVM(ClassifierMixin, BaseEstimator):
    """Linear SVM trained by Pegasos.

    Parameters
    ----------
    lam : float
        Regularisation $\\lambda$.
    n_iter : int
        Number of stochastic steps $T$.
    batch_size : int
        Mini-batch size $k$.
    project : bool
        Project onto the ball of radius $1/\\sqrt\\lambda$ after each step.
    random_state : int or None

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    objective_curve_ : list of float
        $F(w)$ of the running average, every ``n_iter // 50`` steps.
    """

    def __init__(self, *, lam=0.01, n_iter=5000, batch_size=8, project=True, random_state=0):
        self.lam = lam
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.project = project
        self.random_state = random_state

    def objective(self, X, y_pm, w):
        """$F(w)$ for labels in {-1, +1} and augmented weights (coef, intercept)."""
        Xa = np.c_[X, np.ones(len(X))]
        return float(0.5 * self.lam * w @ w + np.mean(np.maximum(0.0, 1.0 - y_pm * (Xa @ w))))

    def fit(self, X, y):
        X, y_raw = check_X_y(X, y, y_numeric=False)
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"y must have exactly 2 classes, got {len(self.classes_)}")
        if self.lam <= 0:
            raise ValueError(f"lam must be > 0, got {self.lam}")
        n, d = X.shape
        self.n_features_in_ = d
        ys = np.where(y_raw == self.classes_[1], 1.0, -1.0)
        Xa = np.c_[X, np.ones(n)]  # (n, d+1): constant feature for the bias
        rng = check_random_state(self.random_state)
        w = np.zeros(d + 1)
        w_avg, n_avg = np.zeros(d + 1), 0
        every = max(1, self.n_iter // 50)
        self.objective_curve_ = []
        for t in range(1, self.n_iter + 1):
            batch = rng.integers(0, n, self.batch_size)
            margins = ys[batch] * (Xa[batch] @ w)
            viol = batch[margins < 1]
            eta = 1.0 / (self.lam * t)
            w = (1 - eta * self.lam) * w + eta / self.batch_size * (ys[viol] @ Xa[viol])
            if self.project:
                norm = np.linalg.norm(w)
                radius = 1.0 / np.sqrt(self.lam)
                if norm > radius:
                    w *= radius / norm
            if t > self.n_iter // 2:  # suffix averaging
                n_avg += 1
                w_avg += (w - w_avg) / n_avg
            if t % every == 0:
                self.objective_curve_.append(self.objective(X, ys, w_avg if n_avg else w))
        self.coef_, self.intercept_ = w_avg[:d], float(w_avg[d])
        return self

    def decision_function(self, X):
        """$w^\\top x + b$, shape (n_samples,)."""
        check_is_fitted(self)
        X = check_array(X)
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_

    def predict(self, X):
        """Predicted labels."""
        f = self.decision_function(X)
        return self.classes_[(f > 0).astype(int)]


ESTIMATOR = PegasosSVM
EXAMPLE_DATA = "classification"
EXAMPLE_PARAMS = {"n_iter": 200}


def demo(lam: float = 0.01, n_iter: int = 5000, batch_size: int = 8) -> DemoResult:
    """Breast cancer (standardised): primal objective and accuracy, against LinearSVC(hinge, C = 1/(lambda n))."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.svm import LinearSVC

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    ours = PegasosSVM(lam=lam, n_iter=n_iter, batch_size=batch_size).fit(X, y)
    ref = LinearSVC(loss="hinge", C=1.0 / (lam * len(y)), tol=1e-8, max_iter=100000, dual=True).fit(X, y)
    ys = np.where(y == 1, 1.0, -1.0)
    ref_obj = ours.objective(X, ys, np.r_[ref.coef_[0], ref.intercept_[0]])
    fig, ax = new_figure()
    steps = np.arange(1, len(ours.objective_curve_) + 1) * max(1, n_iter // 50)
    ax.plot(steps, np.array(ours.objective_curve_) - ref_obj + 1e-6)
    ax.set_yscale("log")
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"$F(\bar w_t) - F(w_{\mathrm{LinearSVC}})$")
    ax.set_title(rf"Pegasos, $\lambda$={lam}, batch {batch_size}")
    return DemoResult(
        metrics={"objective": ours.objective(X, ys, np.r_[ours.coef_, ours.intercept_]), "accuracy": ours.score(X, y)},
        reference={"objective": ref_obj, "accuracy": float(ref.score(X, y))},
        figure=fig,
        reference_name="sklearn.svm.LinearSVC(loss='hinge')",
    )
