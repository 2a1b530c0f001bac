r"""Ensemble selection from a library of models (Caruana et al.): greedy forward selection with replacement.

Given the validation-set predictions of many trained models, start from the empty ensemble (or the best few
models) and repeatedly add, *with replacement*, the model whose inclusion most improves the validation metric of
the averaged prediction [@caruana2004ensemble]; keep the best prefix of that sequence. Selecting a model several
times gives it a larger weight, so the result is a weighted average with weights $c_m / \sum c$. Selection with
replacement avoids the early overfitting of plain forward selection, and bagging the selection over random halves
of the library reduces it further. This is the final step of AutoML systems such as Auto-sklearn. The validation
set is reused for selection, so the selected ensemble's validation score is optimistic: report a test score.
Cost: $O(\text{iterations} \times M \times n)$ for $M$ models and $n$ validation rows.
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def log_loss(proba: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0)
    return float(-np.mean(np.log(p)))


def ensemble_selection(library: list, y, n_iter: int = 20, metric=log_loss) -> tuple[np.ndarray, list[float]]:
    """Greedy selection with replacement; returns (weights per model, validation loss after each addition).

    ``library`` holds each model's validation class probabilities, shape (n, n_classes); ``metric`` is a loss
    (lower is better). The weights are those of the best prefix of the selection sequence.
    """
    if not library:
        raise ValueError("library is empty")
    P = np.stack([np.asarray(p, dtype=float) for p in library])  # (M, n, c)
    y = np.asarray(y)
    if P.ndim != 3 or P.shape[1] != len(y):
        raise ValueError(f"every library entry must be (n={len(y)}, n_classes) probabilities")
    if n_iter < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    counts = np.zeros(len(P))
    total = np.zeros(P.shape[1:])
    history, best, best_counts = [], np.inf, counts.copy()
    for it in range(1, n_iter + 1):
        losses = [metric((total + P[m]) / it, y) for m in range(len(P))]
        m = int(np.argmin(losses))  # ties: the first model
        counts[m] += 1
        total += P[m]
        history.append(losses[m])
        if losses[m] < best:
            best, best_counts = losses[m], counts.copy()
    return best_counts / best_counts.sum(), history


def demo(n_iter: int = 25, seed: int = 0) -> DemoResult:
    """A library of 8 sklearn classifiers: selected ensemble vs the best single model on a test set."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=1200, n_features=12, n_informative=6, n_classes=3, random_state=seed)
    Xtr, Xrest, ytr, yrest = train_test_split(X, y, test_size=0.5, random_state=seed)
    Xva, Xte, yva, yte = train_test_split(Xrest, yrest, test_size=0.5, random_state=seed)
    models = {"logreg": LogisticRegression(max_iter=1000), "nb": GaussianNB(),
              "knn5": KNeighborsClassifier(5), "knn25": KNeighborsClassifier(25),
              "tree3": DecisionTreeClassifier(max_depth=3, random_state=0),
              "tree8": DecisionTreeClassifier(max_depth=8, random_state=0),
              "rf": RandomForestClassifier(50, random_state=0), "rf_shallow": RandomForestClassifier(50, max_depth=3,
                                                                                                    random_state=0)}
    for m in models.values():
        m.fit(Xtr, ytr)
    val = [m.predict_proba(Xva) for m in models.values()]
    test = np.stack([m.predict_proba(Xte) for m in models.values()])
    w, history = ensemble_selection(val, yva, n_iter)
    best_single = int(np.argmin([log_loss(p, yva) for p in val]))
    ens_test = np.tensordot(w, test, axes=1)
    fig, axes = new_figure(ncols=2, width=4.5)
    axes[0].plot(range(1, n_iter + 1), history, "o-")
    axes[0].set_xlabel("models added")
    axes[0].set_ylabel("validation log loss")
    axes[1].bar(list(models), w)
    axes[1].tick_params(axis="x", rotation=60)
    axes[1].set_ylabel("ensemble weight")
    fig.suptitle("Ensemble selection (Caruana et al., 2004)")
    return DemoResult(
        metrics={"test_log_loss": log_loss(ens_test, yte), "test_accuracy": float(np.mean(ens_test.argmax(1) == yte))},
        reference={"test_log_loss": log_loss(test[best_single], yte),
                   "test_accuracy": float(np.mean(test[best_single].argmax(1) == yte))},
        figure=fig,
        reference_name=f"the best single model on validation ({list(models)[best_single]})",
    )
