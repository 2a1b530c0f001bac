"""Round 21 (num21): three registry formulas the corpus states and fresh18 asked at its own numbers: the chance-level
loss at initialisation (ln K, compared with an observed first loss), the output bias for a share of positives (the
log-odds, and the step-0 loss with it and with bias 0), and one Newton (IRLS) step of an intercept-only logistic
regression (with the exact MLE and its standard error). Every value is checked against an independent computation on
values other than the development questions', and each formula declines on same-topic questions whose numbers are
missing, ambiguous or of another kind."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlnotes.assistant.answering import worked as W

ALL_KEYS = [s for f in W.FORMULAS for s in f.sections]


def line(question: str, keys=ALL_KEYS) -> W.Worked | None:
    got = W.worked_lines(question, keys)
    return got[0] if got else None


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _bce(p, y):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


# -- chance-loss ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [2, 4, 37, 1000])
def test_chance_loss_is_the_cross_entropy_of_zero_logits(k):
    rng = np.random.default_rng(k)
    logits = np.zeros((64, k))
    y = rng.integers(0, k, 64)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert math.isclose(W.chance_loss(k), float(-logp[np.arange(64), y].mean()), rel_tol=1e-12)
    # small random logits, as with a fresh initialisation, stay near ln K
    logits = rng.normal(0, 1e-3, (4096, k))
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert abs(float(-logp[np.arange(4096), rng.integers(0, k, 4096)].mean()) - W.chance_loss(k)) < 1e-2


@pytest.mark.parametrize("q,k,loss,verdict", [
    ("our 1000-class imagenet model starts at an initial loss of 6.9, is that fine?", 1000, 6.9, "at that chance level"),
    ("10 classes, and the loss at step 0 is 48. what's wrong?", 10, 48, "far above chance"),
    ("what should the initial loss be for a 37-way softmax classifier?", 37, None, None),
    ("binary classifier, balanced data: the first loss is 0.69 - expected?", 2, 0.69, "at that chance level"),
    ("20 classes but the starting loss is 1.2, how can it already be that low?", 20, 1.2, "below that chance level"),
])
def test_chance_loss_binds_common_phrasings(q, k, loss, verdict):
    w = line(q)
    assert w is not None and w.formula == "chance-loss", q
    assert w.values["K"] == k
    assert f"= {math.log(k):.3g}" in w.text
    if loss is None:
        assert "loss" not in w.values
    else:
        assert w.values["loss"] == loss and verdict in w.text
        assert f"{loss / math.log(k):.2g} times" in w.text or verdict == "at that chance level"


@pytest.mark.parametrize("q", [
    "why should the loss at step 0 be log(number of classes)? ours starts at 31",  # no class count
    "10 classes or 100 classes: what initial loss should we expect?",  # two counts
    "100 classes; the first loss is 31 and the second run's first loss is 12. which is wrong?",  # two losses
    "binary classifier with 3% positives: what's the loss at step 0?",  # unbalanced: ln 2 is not chance
    "our 100-class classifier's loss plateaus at 2.1 after 10 epochs, why?",  # not the initial loss
])
def test_chance_loss_declines_on_same_topic_questions(q):
    w = line(q)
    assert w is None or w.formula != "chance-loss", (q, w)


# -- prior-bias ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("share", [0.005, 0.03, 0.2, 0.5])
def test_prior_bias_predicts_the_base_rate_and_its_loss_is_the_prior_entropy(share):
    b, with_b, with_0 = W.prior_bias(share)
    assert math.isclose(float(_sigmoid(b)), share, rel_tol=1e-12)
    y = np.zeros(2000)
    y[: round(share * 2000)] = 1  # a label vector with exactly this share of positives
    assert math.isclose(_bce(np.full(2000, _sigmoid(b)), y), with_b, rel_tol=1e-9)
    assert math.isclose(_bce(np.full(2000, 0.5), y), with_0, rel_tol=1e-12)
    # the bias is the loss minimiser of a constant prediction (grid search over biases)
    grid = np.linspace(b - 1, b + 1, 2001)
    assert abs(grid[np.argmin([_bce(np.full(2000, _sigmoid(g)), y) for g in grid])] - b) < 2e-3
    # RetinaNet's -log((1 - pi)/pi) is the same number
    assert math.isclose(b, -math.log((1 - share) / share), rel_tol=1e-12)


@pytest.mark.parametrize("q,share", [
    ("only 5% of the labels are positive. what should the final layer's bias be initialised to?", 0.05),
    ("fraud model: 20 positives out of 1,000 transactions. how do I set the output bias at init?", 0.02),
    ("prevalence of 0.5%: initialise the sigmoid bias to what, and what loss do we start at?", 0.005),
])
def test_prior_bias_binds_common_phrasings(q, share):
    w = line(q)
    assert w is not None and w.formula == "prior-bias", q
    b, with_b, with_0 = W.prior_bias(share)
    assert w.values == {"prevalence": share}
    assert f"= {b:.3g};" in w.text and f"= {with_b:.3g}," in w.text and f"{with_0:.3g}" in w.text


@pytest.mark.parametrize("q", [
    "what should I initialise the output layer's bias to on imbalanced data?",  # no share given
    "2% positives in one split and 5% positives in the other: what output bias at init?",  # two shares
    "10 classes and 2% positives for the rare one: what output bias at init?",  # multi-class
    "5% of users are positive; how do I set the bias of my sampling to correct for it?",  # not the output layer's bias
])
def test_prior_bias_declines_on_same_topic_questions(q):
    w = line(q)
    assert w is None or w.formula != "prior-bias", (q, w)


# -- newton-intercept ----------------------------------------------------------------------------------------------

def _irls(y: np.ndarray, w: float, steps: int) -> float:
    for _ in range(steps):
        p = _sigmoid(w)
        w -= float(np.sum(p - y)) / float(np.sum(np.full(len(y), p * (1 - p))))
    return w


@pytest.mark.parametrize("m,n,w0", [(12, 40, 0.0), (7, 300, 0.0), (55, 60, 0.5), (1, 2, -1.0)])
def test_newton_intercept_matches_irls_on_a_column_of_ones_and_statsmodels(m, n, w0):
    import statsmodels.api as sm

    y = np.r_[np.ones(m), np.zeros(n - m)]
    grad, hess, w1, exact, se = W.newton_intercept(m, n, w0)
    assert math.isclose(w1, _irls(y, w0, 1), rel_tol=1e-12)
    assert math.isclose(grad, float(np.sum(_sigmoid(w0) - y)), rel_tol=1e-12, abs_tol=1e-12)
    fit = sm.Logit(y, np.ones((n, 1))).fit(disp=0)
    assert math.isclose(exact, float(fit.params[0]), rel_tol=1e-6)
    assert math.isclose(se, float(fit.bse[0]), rel_tol=1e-6)
    assert math.isclose(_irls(y, w0, 30), exact, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("q,m,n,w0", [
    ("intercept-only logistic regression with 12 events out of 40: one newton step from w = 0?", 12, 40, 0.0),
    ("IRLS for a model with only an intercept, 55 successes of 60 trials, starting at w = 0.5: first update?",
     55, 60, 0.5),
])
def test_newton_intercept_binds_common_phrasings(q, m, n, w0):
    w = line(q)
    assert w is not None and w.formula == "newton-intercept", q
    assert w.values == {"positives": m, "rows": n, "w0": w0}
    _, _, w1, exact, se = W.newton_intercept(m, n, w0)
    assert f"= {w1:.4g}," in w.text and f"= {exact:.4g};" in w.text and f"= {se:.3g}" in w.text


@pytest.mark.parametrize("q", [
    "logistic regression with 3 features, 30 positives out of 100: first newton step from w = 0?",  # not intercept-only
    "intercept-only logistic regression: how does one newton step work?",  # no counts
    "intercept-only logit, 30 positives out of 100 or 40 positives out of 100: newton step?",  # two pairs
    "intercept-only logistic regression, 30 positives out of 100, from w = 0 or w = 1: first newton step?",  # two starts
])
def test_newton_intercept_declines_on_same_topic_questions(q):
    w = line(q)
    assert w is None or w.formula != "newton-intercept", (q, w)


# -- end to end ----------------------------------------------------------------------------------------------------

def test_the_answer_compares_an_observed_first_loss_with_chance(answerer):
    q = "our 1000-class classifier gives a loss of 45 on the very first batch. shouldn't the initial loss be lower?"
    ans = answerer.answer(q, generator=None)
    assert ans.worked and ans.worked[0]["formula"] == "chance-loss"
    first = ans.text.split("\n\n")[0]
    assert first.startswith("**On your numbers**")
    assert f"ln 1,000 = {math.log(1000):.3g}" in first and "far above chance" in first
    src = next(s for s in ans.sources if s.n == ans.worked[0]["source"])
    assert f"{src.doc_id}#{src.section_id}" in W.formula_named("chance-loss").sections
