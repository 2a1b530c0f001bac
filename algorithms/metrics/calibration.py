r"""Reliability (calibration) curve and expected calibration error (ECE).

Split the predicted probabilities $\hat p_i$ into $B$ bins (equal width on $[0, 1]$, or equal count at quantiles of
$\hat p$). For each non-empty bin $b$ with members $I_b$: the mean prediction $\mathrm{conf}_b$ and the observed
positive rate $\mathrm{acc}_b$. A calibrated model has $\mathrm{acc}_b \approx \mathrm{conf}_b$ (the diagonal).

$$ \mathrm{ECE} = \sum_b \frac{|I_b|}{n}\,|\mathrm{acc}_b - \mathrm{conf}_b|, \qquad
   \mathrm{MCE} = \max_b |\mathrm{acc}_b - \mathrm{conf}_b| . $$

Bin $b$ holds $e_b < \hat p \le e_{b+1}$ (the first bin also holds $e_0$), which is scikit-learn's
``calibration_curve`` rule. ECE depends on the binning and is biased upward for small bins; report $B$ with it,
and pair it with a proper score such as the Brier score $\frac1n\sum_i(\hat p_i - y_i)^2$.
Probabilities outside $[0, 1]$ or NaN raise a ``ValueError``. Cost: $O(n \log B)$.

References: [@guo2017calibration], [@niculescu2005predicting].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.metrics._common import binary_labels, scores
from mlnotes.algorithms.registry import DemoResult

STRATEGIES = ("uniform", "quantile")


def _bins(y_true, y_prob, n_bins, strategy):
    y = binary_labels(y_true)
    p = scores(y_prob, len(y), "y_prob")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("y_prob must hold probabilities in [0, 1]; apply a sigmoid or softmax first")
    if isinstance(n_bins, bool) or int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    if strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 1, int(n_bins) + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    ids = np.searchsorted(edges[1:-1], p)  # bin b: edges[b] < p <= edges[b+1]
    count = np.bincount(ids, minlength=int(n_bins)).astype(float)
    conf = np.bincount(ids, weights=p, minlength=int(n_bins))
    acc = np.bincount(ids, weights=y, minlength=int(n_bins))
    keep = count > 0
    return acc[keep] / count[keep], conf[keep] / count[keep], count[keep]


def calibration_curve(y_true, y_prob, n_bins: int = 10, strategy: str = "uniform"):
    """``(prob_true, prob_pred, counts)`` for the non-empty bins."""
    return _bins(y_true, y_prob, n_bins, strategy)


def expected_calibration_error(y_true, y_prob, n_bins: int = 10, strategy: str = "uniform") -> float:
    acc, conf, count = _bins(y_true, y_prob, n_bins, strategy)
    return float(np.sum(count / count.sum() * np.abs(acc - conf)))


def maximum_calibration_error(y_true, y_prob, n_bins: int = 10, strategy: str = "uniform") -> float:
    acc, conf, _ = _bins(y_true, y_prob, n_bins, strategy)
    return float(np.max(np.abs(acc - conf)))


def brier_score(y_true, y_prob) -> float:
    y = binary_labels(y_true)
    p = scores(y_prob, len(y), "y_prob")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("y_prob must hold probabilities in [0, 1]")
    return float(np.mean((p - y) ** 2))


def demo(n_bins: int = 10, strategy: str = "uniform") -> DemoResult:
    """Naive Bayes (over-confident) vs logistic regression: reliability curves and ECE against sklearn."""
    from sklearn.calibration import calibration_curve as sk_curve
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import GaussianNB

    from mlnotes.algorithms.linear._viz import new_figure

    X, y = make_classification(n_samples=4000, n_features=20, n_informative=4, n_redundant=8, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect calibration")
    metrics, reference = {}, {}
    for name, model in (("naive_bayes", GaussianNB()), ("logreg", LogisticRegression(max_iter=1000))):
        p = model.fit(Xtr, ytr).predict_proba(Xte)[:, 1]
        acc, conf, count = calibration_curve(yte, p, n_bins, strategy)
        r_acc, r_conf = sk_curve(yte, p, n_bins=n_bins, strategy=strategy)
        ece = expected_calibration_error(yte, p, n_bins, strategy)
        ax.plot(conf, acc, "o-", label=f"{name}: ECE = {ece:.3f}")
        metrics[f"{name}_ece"] = ece
        # reference ECE: sklearn's curve points, weighted by bin counts from np.histogram-free brute force
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1)) if strategy == "quantile" else \
            np.linspace(0, 1, n_bins + 1)
        counts = [np.sum(((p > lo) | (b == 0) & (p >= lo)) & (p <= hi)) for b, (lo, hi) in
                  enumerate(zip(edges[:-1], edges[1:]))]
        counts = np.array([c for c in counts if c > 0], dtype=float)
        reference[f"{name}_ece"] = float(np.sum(counts / counts.sum() * np.abs(r_acc - r_conf)))
        metrics[f"{name}_brier"] = brier_score(yte, p)
        reference[f"{name}_brier"] = float(brier_score_loss(yte, p))
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed positive rate")
    ax.legend()
    return DemoResult(metrics=metrics, reference=reference, figure=fig,
                      reference_name="sklearn.calibration.calibration_curve (+ brute-force bin counts), "
                                     "sklearn.metrics.brier_score_loss")
