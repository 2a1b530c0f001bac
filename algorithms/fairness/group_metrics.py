r"""Group fairness metrics: demographic parity and equalized odds (differences and ratios).

For binary predictions $\hat y$, labels $y$ and a sensitive attribute $A$ with groups $a$:

* selection rate $s_a = \Pr(\hat y = 1 \mid A = a)$; **demographic parity** asks $s_a$ to be equal across groups
  (independence, $\hat y \perp A$);
* true and false positive rates $\mathrm{TPR}_a = \Pr(\hat y = 1 \mid y = 1, A = a)$,
  $\mathrm{FPR}_a = \Pr(\hat y = 1 \mid y = 0, A = a)$; **equalized odds** asks both to be equal
  (separation, $\hat y \perp A \mid y$); **equal opportunity** asks only equal TPR.

As summaries (the between-group extremes, as in fairlearn):

$$ \Delta_{DP} = \max_a s_a - \min_a s_a, \qquad \rho_{DP} = \frac{\min_a s_a}{\max_a s_a}, $$
$$ \Delta_{EO} = \max\big(\Delta_{TPR}, \Delta_{FPR}\big), \qquad \rho_{EO} = \min\big(\rho_{TPR}, \rho_{FPR}\big). $$

The US "four-fifths rule" flags $\rho_{DP} < 0.8$. The criteria conflict: when base rates differ between groups,
a non-trivial classifier cannot satisfy demographic parity and equalized odds at once (nor calibration within
groups and equalized odds). A ratio whose denominator is zero (every group has rate 0) is defined as 1 (the
rates are equal). A group without positive (or negative) labels has no TPR (FPR): we raise a ``ValueError``
naming the group. A single group gives difference 0 and ratio 1. Cost: $O(n \log n)$.

References: [@hardt2016equality], [@barocas2023fairness].
"""

from __future__ import annotations

import numpy as np

from mlnotes.algorithms.registry import DemoResult


def _inputs(y_true, y_pred, sensitive):
    g = np.asarray(sensitive)
    yp = np.asarray(y_pred)
    if g.ndim != 1 or yp.ndim != 1 or len(g) != len(yp):
        raise ValueError(f"y_pred and sensitive_features must be 1-D of equal length, got {yp.shape} and {g.shape}")
    if len(g) == 0:
        raise ValueError("no examples: y_pred is empty")
    if g.dtype.kind == "f" and np.any(np.isnan(g)):
        raise ValueError("sensitive_features contains NaN; give missing group membership its own label")
    if g.dtype.kind == "O" and any(v is None or (isinstance(v, float) and np.isnan(v)) for v in g):
        raise ValueError("sensitive_features contains None or NaN; give missing group membership its own label")
    arrays = [("y_pred", yp)] + ([] if y_true is None else [("y_true", np.asarray(y_true))])
    out = {}
    for name, arr in arrays:
        if arr.shape != g.shape:
            raise ValueError(f"{name} must have the same length as sensitive_features, got {arr.shape} and {g.shape}")
        try:
            af = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold 0/1 labels") from None
        if not np.all(np.isin(af, (0.0, 1.0))):
            raise ValueError(f"{name} must hold only 0 and 1 (no NaN); got values {np.unique(arr)[:5]}")
        out[name] = af.astype(np.int64)
    try:
        groups, inv = np.unique(g, return_inverse=True)
    except TypeError:
        raise ValueError("sensitive_features mixes types that cannot be sorted; convert them to strings") from None
    return out.get("y_true"), out["y_pred"], groups, inv


def _ratio(rates: np.ndarray) -> float:
    hi = rates.max()
    return 1.0 if hi == 0 else float(rates.min() / hi)


def group_rates(y_true, y_pred, sensitive_features) -> dict[str, np.ndarray]:
    """Per-group ``groups, count, selection_rate, tpr, fpr`` (``y_true`` may be None: no TPR/FPR)."""
    yt, yp, groups, inv = _inputs(y_true, y_pred, sensitive_features)
    k = len(groups)
    count = np.bincount(inv, minlength=k).astype(float)
    out = {"groups": groups, "count": count, "selection_rate": np.bincount(inv, weights=yp, minlength=k) / count}
    if yt is not None:
        pos = np.bincount(inv, weights=yt, minlength=k)
        neg = count - pos
        for name, n, what in (("positive", pos, "TPR"), ("negative", neg, "FPR")):
            if np.any(n == 0):
                bad = groups[np.argmax(n == 0)]
                bad = bad.item() if isinstance(bad, np.generic) else bad
                raise ValueError(f"group {bad!r} has no {name} label, so its {what} is undefined; "
                                 "merge small groups or evaluate on more data")
        out["tpr"] = np.bincount(inv, weights=yp * yt, minlength=k) / pos
        out["fpr"] = np.bincount(inv, weights=yp * (1 - yt), minlength=k) / neg
    return out


def demographic_parity_difference(y_pred, sensitive_features) -> float:
    s = group_rates(None, y_pred, sensitive_features)["selection_rate"]
    return float(s.max() - s.min())


def demographic_parity_ratio(y_pred, sensitive_features) -> float:
    return _ratio(group_rates(None, y_pred, sensitive_features)["selection_rate"])


def equalized_odds_difference(y_true, y_pred, sensitive_features) -> float:
    r = group_rates(y_true, y_pred, sensitive_features)
    return float(max(np.ptp(r["tpr"]), np.ptp(r["fpr"])))


def equalized_odds_ratio(y_true, y_pred, sensitive_features) -> float:
    r = group_rates(y_true, y_pred, sensitive_features)
    return float(min(_ratio(r["tpr"]), _ratio(r["fpr"])))


def equal_opportunity_difference(y_true, y_pred, sensitive_features) -> float:
    return float(np.ptp(group_rates(y_true, y_pred, sensitive_features)["tpr"]))


def demo(base_rate_gap: float = 0.2, threshold: float = 0.5, n_samples: int = 4000) -> DemoResult:
    """A classifier on data whose base rate differs by group; the reference is a pandas group-by."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from mlnotes.algorithms.linear._viz import new_figure

    rng = np.random.default_rng(0)
    group = rng.choice(np.array(["A", "B"]), n_samples, p=[0.7, 0.3])
    base = np.where(group == "A", 0.5, 0.5 - base_rate_gap)
    y = (rng.random(n_samples) < base).astype(int)
    x1 = y + rng.normal(0, 1.0, n_samples)
    x2 = (group == "A") + 0.5 * rng.normal(0, 1, n_samples)  # a proxy of the group
    X = np.c_[x1, x2]
    pred = (LogisticRegression().fit(X, y).predict_proba(X)[:, 1] >= threshold).astype(int)
    r = group_rates(y, pred, group)
    df = pd.DataFrame({"g": group, "y": y, "p": pred})
    sel = df.groupby("g")["p"].mean()
    tpr = df[df.y == 1].groupby("g")["p"].mean()
    fpr = df[df.y == 0].groupby("g")["p"].mean()
    fig, ax = new_figure()
    w = 0.25
    for i, (name, vals) in enumerate((("selection rate", r["selection_rate"]), ("TPR", r["tpr"]), ("FPR", r["fpr"]))):
        ax.bar(np.arange(len(r["groups"])) + (i - 1) * w, vals, w, label=name)
    ax.set_xticks(range(len(r["groups"])), [f"group {g}" for g in r["groups"]])
    ax.set_title(f"DP difference {np.ptp(r['selection_rate']):.3f}, "
                 f"EO difference {max(np.ptp(r['tpr']), np.ptp(r['fpr'])):.3f}")
    ax.legend()
    return DemoResult(
        metrics={"dp_difference": demographic_parity_difference(pred, group),
                 "dp_ratio": demographic_parity_ratio(pred, group),
                 "eo_difference": equalized_odds_difference(y, pred, group),
                 "eo_ratio": equalized_odds_ratio(y, pred, group)},
        reference={"dp_difference": float(sel.max() - sel.min()), "dp_ratio": float(sel.min() / sel.max()),
                   "eo_difference": float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min())),
                   "eo_ratio": float(min(tpr.min() / tpr.max(), fpr.min() / fpr.max()))},
        figure=fig, reference_name="pandas group-by (brute force); fairlearn is not installed",
    )
