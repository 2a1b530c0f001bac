"""Round 11 (issue #20, grade20i): the word rules added after heldout10 became development data, each on sentences
written for these tests and as a property over every hand-written development answer (no text snapshots).

* :mod:`~mlnotes.assistant.interview.counterparts`: counterpart terms mined from the corpus ("vanishing and
  exploding", "keys and values") and :func:`counterpart_swap`, a near restatement of the key point with one term
  replaced by its counterpart;
* the round-11 antonym groups of ``OPPOSED`` (similar/different, exceed/fall below, optimistic/pessimistic,
  majority/minority, superlinear/sublinear, cancel/accumulate, true/wrong class, compress/stretch, keep/lose,
  freeze/fine-tune), the superlatives of easy/hard, overstate/understate and "n squared";
* a confusable term written with a hyphen ("the false-positive cost") is the lexicon's two-word term;
* "the ratio of A to B" read as "A divided by B" by :func:`order_swap`.
"""

from __future__ import annotations

import pytest

from mlnotes.assistant.interview.contradiction import (
    OPPOSED,
    SWAPS,
    _check_pairs,
    contradiction,
    order_swap,
    tokens,
)
from mlnotes.assistant.interview.counterparts import (
    PATH,
    counterpart_swap,
    counterparts,
    mine,
    mine_corpus,
    to_json,
)
from mlnotes.eval.grader_validation import DEV_SPLITS

CREDIT = ("paraphrase", "partial")
#: Over the 3,713 hand-written development answers when written (rounds 2-10 sets, heldout10 included): the
#: counterpart swap fires on a sentence of 1 credit answer of 1,721 (a heldout7 paraphrase, "apply it to
#: val/test" in the slot of "training data") and of 59 of 387 term swaps and 38 of 453 opposites (many also
#: refused by older rules); the round-11 antonym groups and the groups they extend fire on no credit answer and
#: on 24 opposites (an "inside/outside" group was tried and dropped: it fired on three paraphrases that state
#: the complement, "everything inside the tube drops out").
CREDIT_FIRES_MAX = 2
TERM_SWAP_FIRES_MIN = 50
ANTONYM_CREDIT_FIRES_MAX = 0
ANTONYM_OPPOSITE_FIRES_MIN = 20
ROUND11_GROUPS = ("similar/different", "exceed/fall below", "optimistic/pessimistic", "majority/minority",
                  "superlinear/sublinear", "cancel/accumulate", "true/wrong class", "compress/stretch", "keep/lose",
                  "freeze/fine-tune")
#: older groups that round 11 extended (superlatives, overstate/understate, "n squared")
EXTENDED_GROUPS = ("easy/hard", "over/under", "growth rate")


@pytest.fixture(scope="module")
def dev_cases():
    from mlnotes.eval.grader_validation import all_adversarial

    cases = [c for c in all_adversarial() if c.get("source") != "rule" and c["split"] in DEV_SPLITS]
    assert {c["split"] for c in cases} >= {"heldout9", "heldout10"} and len(cases) > 3000
    return cases


def _fires(rule, cases, types):
    from mlnotes.assistant.interview.grader import split_sentences

    return {t: [any(rule(c["key_point"], s) for s in split_sentences(c["answer"])) for c in cases if c["type"] == t]
            for t in types}


# ------------------------------------------------------------------ mining the counterparts


def test_mining_counts_coordinated_content_words_only():
    got = mine(["Vanishing and exploding gradients are the two failure modes.",
                "Queries are matched against the keys, and the values are averaged.",
                "Keys and values come from the same tokens; the primal and the dual agree.",
                "It is fast and it is cheap. Read [this](https://x.org/a/b) and `code and more`.",
                "Gradients vs Hessians: compare the cost of one and the other."])
    assert got[("explod", "vanish")] == 1
    assert got[("key", "valu")] == 1  # "keys, and the values": the comma breaks the adjacency in the first
    assert got[("dual", "primal")] == 1  # a determiner after the connector is skipped
    assert got[("gradient", "hessian")] == 1
    # function words ("it", "the", "one"), link targets and code are never counterparts
    assert all(len(a) >= 3 and len(b) >= 3 for a, b in got)
    assert not any("more" in p or "code" in p or "x" in p for p in got)


def test_the_shipped_counterparts_are_the_corpus_mined_now():
    """``counterparts.json`` is what ``python -m mlnotes.assistant.interview.counterparts`` writes from the corpus
    today (rerun it after changing the corpus)."""
    from mlnotes.assistant.settings import REPO_ROOT

    assert PATH.read_text(encoding="utf-8") == to_json(mine_corpus(REPO_ROOT / "corpus"))
    pairs = counterparts()
    assert len(pairs) > 1000
    for a, b in (("explod", "vanish"), ("key", "valu"), ("correl", "covari"), ("mean", "varianc")):
        assert frozenset((a, b)) in pairs


# ------------------------------------------------------------------ the counterpart swap

PAIRS = frozenset({frozenset(("vanish", "explod")), frozenset(("key", "valu")), frozenset(("correl", "covari"))})
KP_GATE = "Gating in LSTMs and GRUs mitigates vanishing gradients through time"
KP_ATT = "Each output is a weighted sum of value vectors"


@pytest.mark.parametrize("kp,sentence,said,meant", [
    (KP_GATE, "Gating in LSTMs and GRUs mitigates exploding gradients through time.", "exploding", "vanishing"),
    # the key point's term is named too, but moved out of its slot
    (KP_GATE, "Gating in LSTMs and GRUs mitigates exploding gradients through time, vanishing is handled by "
              "clipping.", "exploding", "vanishing"),
    (KP_ATT, "Each output is a weighted sum of the key vectors, the values only give the weights.", "key", "value"),
    ("PCA on standardized data equals PCA of the correlation matrix",
     "PCA on standardized data equals PCA of the covariance matrix.", "covariance", "correlation"),
])
def test_a_counterpart_in_the_key_points_slot_is_a_swap(kp, sentence, said, meant):
    why = counterpart_swap(kp, sentence, PAIRS)
    assert why is not None and f"'{said}'" in why and f"'{meant}'" in why, why


@pytest.mark.parametrize("kp,sentence", [
    # both terms named, each in its own place
    (KP_GATE, "Gating in LSTMs and GRUs mitigates vanishing gradients through time; exploding ones need clipping."),
    # the counterpart is denied
    (KP_ATT, "Each output is a weighted sum of the value vectors, not of the key vectors."),
    (KP_ATT, "Each output is a weighted sum, not of key vectors but of value vectors."),
    # the counterpart is named far from the slot, in a sentence that restates little of the key point
    (KP_GATE, "Gates keep gradients from vanishing; exploding ones are clipped."),
    # no counterpart at all: a paraphrase
    (KP_ATT, "Every output vector is the attention-weighted average of the values."),
])
def test_no_swap_when_the_key_points_term_keeps_its_slot(kp, sentence):
    assert counterpart_swap(kp, sentence, PAIRS) is None


def test_without_counterparts_the_rule_is_off():
    assert counterpart_swap(KP_GATE, "Gating in LSTMs and GRUs mitigates exploding gradients through time.",
                            frozenset()) is None


def test_the_counterpart_swap_is_one_of_the_contradiction_rules():
    why = contradiction("Adam tracks exponential moving averages of the gradient and of the squared gradient",
                        "Adam tracks exponential moving averages of the weights and of the squared weights.")
    assert why is not None and "'weights'" in why, why


def test_counterpart_swap_on_the_development_answers(dev_cases):
    """With the shipped counterparts: over every hand-written development answer, the rule fires on no credit
    answer's sentence beyond noise and on term swaps."""
    fired = _fires(counterpart_swap, dev_cases, ("paraphrase", "partial", "term_swap", "opposite"))
    assert len(fired["paraphrase"]) > 1000 and len(fired["term_swap"]) > 300
    credit = sum(fired["paraphrase"]) + sum(fired["partial"])
    assert credit <= CREDIT_FIRES_MAX, credit
    assert sum(fired["term_swap"]) >= TERM_SWAP_FIRES_MIN, sum(fired["term_swap"])


# ------------------------------------------------------------------ the round-11 antonym groups


@pytest.mark.parametrize("kp,sentence", [
    ("Autocorrelation makes neighbouring points highly similar", "Autocorrelation makes neighbouring points very "
                                                                 "different."),
    ("Reject the null when the statistic exceeds the critical value",
     "Reject the null when the statistic falls below the critical value."),
    ("The training error is an optimistic estimate of the test error",
     "The training error is a pessimistic estimate of the test error."),
    ("A random forest predicts the majority vote of its trees", "A random forest predicts the least frequent vote "
                                                                "of its trees."),
    ("Newton's method converges quadratically near the optimum", "Newton's method converges sublinearly near the "
                                                                 "optimum."),
    ("Random signs make the errors cancel on average", "Random signs make the errors add up on average."),
    ("Cross-entropy rewards probability on the true class", "Cross-entropy rewards probability on the wrong "
                                                            "classes."),
    ("Exact inference is hard in loopy graphs", "Exact inference is easiest in loopy graphs."),
    ("A log transform compresses large values", "A log transform stretches large values."),
    ("Binning loses information within each bin", "Binning keeps the information within each bin."),
    ("With little data, freeze the backbone and train a new head",
     "With little data, fine-tune the backbone and train a new head."),
    ("A naive t-test on correlated folds overstates significance",
     "A naive t-test on correlated folds understates significance."),
    ("The Gram matrix needs memory of order n squared", "The Gram matrix needs memory that grows linearly."),
])
def test_the_round11_antonyms_refuse_the_opposite(kp, sentence):
    why = contradiction(kp, sentence)
    assert why is not None and why.startswith("opposite claim"), why
    assert contradiction(kp, kp + ".") is None


def test_the_round11_antonyms_on_the_development_answers(dev_cases):
    groups = tuple(g for g in OPPOSED if g[0] in ROUND11_GROUPS + EXTENDED_GROUPS)
    assert len(groups) == len(ROUND11_GROUPS + EXTENDED_GROUPS)

    def rule(kp, s):
        (kw, k), (sw, ss) = tokens(kp), tokens(s)
        return _check_pairs(groups, "opposite claim", k, ss, kw, sw)

    fired = _fires(rule, dev_cases, ("paraphrase", "partial", "opposite"))
    assert sum(fired["paraphrase"]) + sum(fired["partial"]) <= ANTONYM_CREDIT_FIRES_MAX
    assert sum(fired["opposite"]) >= ANTONYM_OPPOSITE_FIRES_MIN


# ------------------------------------------------------------------ hyphenated confusable terms


def test_a_hyphenated_confusable_term_is_the_lexicons_term():
    kp = "Predict positive when p exceeds the false-positive cost over the sum of both costs"
    why = contradiction(kp, "Predict positive when p exceeds the false-negative cost over the sum of both costs.")
    assert why is not None and why.startswith("swapped terms"), why
    assert contradiction(kp, "Predict positive when p exceeds the false positive cost over the sum of the costs.") \
        is None
    # the hyphen reading is for the confusable pairs only: a direction inside a compound is no opposite
    assert contradiction("PCA projects the data onto a lower-dimensional subspace",
                         "PCA takes high-dimensional data onto a subspace of few dimensions.") is None
    assert any(g[0] == "false positive|false positives|false alarm|false alarms/false negative|false negatives"
               for g in SWAPS)


# ------------------------------------------------------------------ "the ratio of A to B"

KP_COND = "The condition number is the ratio of the largest to the smallest eigenvalue of the Hessian"


def test_the_ratio_of_a_to_b_is_a_divided_by_b():
    why = order_swap(KP_COND, "It is the smallest eigenvalue of the Hessian divided by the largest.")
    assert why is not None and "'largest'" in why and "'smallest'" in why, why
    assert order_swap(KP_COND, "It is the largest eigenvalue of the Hessian divided by the smallest one.") is None
    assert order_swap(KP_COND, "It is the ratio of the smallest to the largest eigenvalue of the Hessian.") is not None
    assert order_swap(KP_COND, "It is the ratio of the largest to the smallest Hessian eigenvalue.") is None
