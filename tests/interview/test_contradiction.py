"""The contradiction and keyword-stuffing checks of the grader, on their own and inside grading.

The sentences below are written for these tests (they are not cases of the adversarial set), except the
three failures quoted in issue #20, which the grader must no longer credit.
"""

from __future__ import annotations

import pytest

from mlnotes.assistant.interview.contradiction import (
    _CLAUSE_SEP,
    MIN_SHARED_FOR_POLARITY,
    NEGATION_STEMS,
    _clause_stems,
    contradiction,
    contrast_terms,
    crossed_terms,
    glue_stems,
    negated_clause,
    negations,
    only_listed,
    order_swap,
    polarity_mismatch,
    prefix_opposite,
    replaced_term,
    shared_content,
    substitution,
)
from mlnotes.assistant.interview.grader import claim_object, grade_answer
from mlnotes.eval.grader_validation import DEV_SPLITS

KP_RECALL = "Recall matters when false negatives are costly"
KP_THRESHOLD = "Raising the decision threshold usually increases precision and decreases recall"
KP_FLEX = "More flexible models tend to have lower bias and higher variance"


@pytest.mark.parametrize("sentence", [
    "Precision matters when false negatives are costly.",
    "Recall matters when false positives are costly.",
    "Raising the threshold usually increases recall and decreases precision.",
])
def test_swapped_terms_are_contradictions(sentence):
    kp = KP_THRESHOLD if "threshold" in sentence else KP_RECALL
    why = contradiction(kp, sentence)
    assert why is not None and why.startswith("swapped terms")


@pytest.mark.parametrize("kp, sentence", [
    (KP_FLEX, "More flexible models tend to have higher bias and lower variance."),
    (KP_THRESHOLD, "Raising the decision threshold usually decreases precision."),
    ("Ensembles of trees reduce the variance of single trees", "Averaging trees increases their variance."),
    ("The probability of a false positive grows with the number of tests",
     "The probability of a false positive shrinks as you run more tests."),
])
def test_opposite_claims_are_contradictions(kp, sentence):
    assert contradiction(kp, sentence) is not None


@pytest.mark.parametrize("kp, sentence", [
    ("Dropout is disabled at inference", "Dropout is not disabled at inference."),
    ("Tree models are not affected by feature scaling", "Tree models are affected by feature scaling."),
    ("The speed-up depends on the acceptance rate", "The speed-up doesn't depend on the acceptance rate."),
])
def test_negations_are_contradictions(kp, sentence):
    assert polarity_mismatch(kp, sentence)
    assert contradiction(kp, sentence).startswith("negation")


@pytest.mark.parametrize("kp, sentence", [
    (KP_RECALL, "When missing a positive case is expensive, recall is what you care about."),
    (KP_THRESHOLD, "A higher threshold typically raises precision while lowering recall."),
    (KP_FLEX, "A more flexible model usually has less bias but more variance."),
    ("PCA ignores labels", "PCA does not use the labels at all."),
    ("Dropout is disabled at inference and no rescaling is needed",
     "At test time dropout is switched off, and nothing needs rescaling."),
])
def test_paraphrases_are_not_contradictions(kp, sentence):
    assert contradiction(kp, sentence) is None


def test_negation_counting():
    assert negations("It does not work") == 1
    assert negations("It doesn't work and cannot work") == 2
    assert negations("It is always faster, whatever the acceptance rate") == 1
    assert negations("The mask prevents attention to later positions") == 1
    # a prefixed adjective is a word of its own, compared by prefix_opposite, not a negation cue
    assert negations("a non-linear model") == 0
    assert negations("a linear model") == 0


@pytest.mark.parametrize("kp, sentence, fires", [
    ("The components are uncorrelated linear combinations", "The components are correlated linear combinations.",
     True),
    ("Log loss is convex in the weights", "Log loss is non-convex in the weights.", True),
    ("KL divergence is asymmetric", "KL divergence is symmetric.", True),
    ("Monte Carlo returns are unbiased", "Monte Carlo returns are not biased.", False),  # a double negation
    ("Self-supervised learning uses unlabelled data", "It creates its own labels from the data.", False),  # noun
    ("Some GPU operations are non-deterministic", "GPU non-determinism is fine unless deterministic kernels are "
     "enforced.", False),
])
def test_prefix_opposites(kp, sentence, fires):
    assert (prefix_opposite(kp, sentence) is not None) is fires


@pytest.mark.parametrize("kp, sentence, fires", [
    ("RMSE penalizes large errors more heavily than MAE", "MAE penalizes large errors more heavily than RMSE.", True),
    ("IoU is the intersection area divided by the union area", "IoU is the union area divided by the intersection "
     "area.", True),
    ("Skip-gram predicts the context words from the centre word", "Skip-gram predicts the centre word from the "
     "context words.", True),
    ("RMSE penalizes large errors more heavily than MAE", "Squared errors make RMSE punish big misses more than "
     "MAE.", False),
])
def test_order_swaps(kp, sentence, fires):
    assert (order_swap(kp, sentence) is not None) is fires


def test_substituted_alternative_of_the_question():
    q = "What is the difference between batch normalization and layer normalization?"
    kp = "Layer normalization computes statistics per example over the feature dimension"
    assert contrast_terms(q) >= {"batch", "layer", "normal"}
    assert substitution(kp, "Batch normalization computes statistics per example over the feature dimension.",
                        contrast_terms(q)) is not None
    assert contradiction(kp, "Batch normalization computes statistics per example over the feature dimension.",
                         q).startswith("swapped terms")
    # a synonym that is not one of the question's alternatives is not a swap
    assert contradiction(kp, "Layer normalization computes its statistics per sample across the features.", q) \
        is None


def test_negation_in_a_split_clause_is_compared_with_its_group():
    kp = "Type II error is a false negative: failing to reject a null hypothesis that is false"
    assert not polarity_mismatch(kp, "A type II error is failing to reject a false null (a false negative).")
    assert polarity_mismatch(kp, "A type II error is rejecting a null hypothesis that is false.")
    # a "without" phrase negates itself only
    assert not polarity_mismatch("Semantic segmentation labels every pixel with a class",
                                 "It assigns a class to every pixel without separating objects of one class.")
    # a swapped negation scope is still caught
    assert polarity_mismatch("AUC depends only on the ranking of scores, not on their calibration",
                             "AUC depends on the calibration of the scores, not only on their ranking.")


def test_claim_object():
    assert claim_object("Adjusted R squared corrects for the number of predictors") == ("corrects", {"predictor"})
    verb, obj = claim_object("The speed-up depends on the acceptance rate and the draft model's cost")
    assert verb == "depends" and {"accept", "rate"} <= obj
    assert claim_object("Precision is true positives divided by all predicted positives") is None


def test_only_listed_finds_stuffing_but_not_claims():
    assert only_listed(KP_RECALL, "Recall, false negatives and cost are words I know.")
    assert only_listed("Standardization gives zero mean and unit variance",
                       "This is about standardization, mean, variance and unit, all important.")
    assert not only_listed("Regularization, more data and bagging reduce variance",
                           "Regularization, more data and bagging reduce variance.")
    assert not only_listed(KP_RECALL, "Recall matters when false negatives are costly.")


# ---- round 3: general checks. The sentences are written for these tests, not taken from the adversarial sets.

@pytest.mark.parametrize("kp, sentence", [
    ("Random forests decorrelate trees by sampling features, while bagging only resamples rows",
     "Bagging decorrelates trees by sampling features, while random forests only resample rows."),
    ("The encoder reads the source sentence and the decoder writes the translation",
     "The decoder reads the source sentence and the encoder writes the translation."),
    ("Ridge keeps every feature and lasso can drop some", "Lasso keeps every feature and ridge can drop some."),
])
def test_any_two_exchanged_terms_are_a_swap(kp, sentence):
    why = crossed_terms(kp, sentence)
    assert why is not None and why.startswith("swapped terms"), why


@pytest.mark.parametrize("kp, sentence", [
    # a clause moved, each term kept with its own words
    ("Dropout reduces overfitting because it stops units from co-adapting",
     "Because it stops units from co-adapting, dropout reduces overfitting."),
    # a symmetric relation: its two sides can be exchanged
    ("For a fair die the mean is equal to the median", "For a fair die the median equals the mean."),
    ("Every local optimum of a convex loss is a global optimum",
     "With a convex loss, any local optimum is also the global one."),
])
def test_moved_or_symmetric_terms_are_not_a_swap(kp, sentence):
    assert crossed_terms(kp, sentence) is None


def test_a_replaced_word_is_a_swap_unless_related():
    kp = "The output gate decides which part of the cell state is exposed"
    sentence = "The reset gate decides which part of the cell state is exposed."
    unrelated, related = (lambda a, b: 0.05), (lambda a, b: 0.6)
    why = replaced_term(kp, sentence, unrelated)
    assert why is not None and "'reset'" in why and "'output'" in why
    assert replaced_term(kp, sentence, related) is None  # a near-synonym passes
    assert replaced_term(kp, sentence, None) is None  # without a similarity only opposites count
    # an opposite is a swap whatever the similarity
    assert replaced_term("Early stopping ends training before the validation loss rises",
                         "Early stopping ends training after the validation loss rises.", related) is not None
    # a rewrite that changes many words is not a near copy
    assert replaced_term(kp, "Which cell values get shown is up to the output gate.", unrelated) is None


def test_bounds_count_as_negations():
    assert negations("The learning rate is at most 0.1") == 1
    assert negations("Each step uses at least one example") == 1
    kp = "The gradient norm is at most one after clipping"
    assert not polarity_mismatch(kp, "After clipping the gradient norm never exceeds one.")
    assert polarity_mismatch(kp, "After clipping the gradient norm can exceed one.")
    assert negations("Nobody labels the data") == 1
    kp2 = "Every graph has a spanning forest, unlike a spanning tree"
    assert not polarity_mismatch(kp2, "Any graph has a spanning forest, which is not true of a spanning tree.")


def test_negation_test_needs_shared_content():
    kp = "Tree models are not affected by feature scaling"
    near = "Tree models are affected by feature scaling."
    assert shared_content(kp, near) >= MIN_SHARED_FOR_POLARITY and contradiction(kp, near).startswith("negation")
    # the same claim with the negation in other words shares few content words, so the count is not compared
    other = "Rescaling inputs changes nothing for a decision tree's splits."
    assert shared_content(kp, other) < MIN_SHARED_FOR_POLARITY and contradiction(kp, other) is None


def test_reversed_comparison_with_reversed_sides_is_not_a_swap():
    kp = "Tokens early in the prompt receive more attention than tokens in the middle"
    assert order_swap(kp, "Tokens in the middle receive less attention than tokens early in the prompt.") is None
    assert order_swap(kp, "Tokens in the middle receive more attention than tokens early in the prompt.")


@pytest.mark.parametrize("kp, sentence", [
    ("Centering subtracts the column mean from every value", "Centering adds the column mean to every value."),
    ("In a log-linear model the effects are multiplicative", "In a log-linear model the effects are additive."),
    ("MAPE measures relative error", "MAPE measures absolute error."),
])
def test_round3_antonym_groups(kp, sentence):
    assert contradiction(kp, sentence) is not None


def test_hyphenated_prefix_opposite():
    kp = "A covariance matrix has non-negative eigenvalues"
    assert prefix_opposite(kp, "A covariance matrix has negative eigenvalues.") is not None
    assert prefix_opposite(kp, "The eigenvalues of a covariance matrix are non-negative.") is None


def test_term_list_with_a_vacuous_predicate_is_stuffing():
    kp = "Batch size, learning rate and warmup interact in large-batch training"
    assert only_listed("Label smoothing reduces overconfidence by softening one-hot targets",
                       "Label smoothing, overconfidence, one-hot targets and softening come up here.")
    assert not only_listed(kp, "Batch size, learning rate and warmup interact in large-batch training.")
    # a key-point term before the list relates it: a claim, not a list
    assert not only_listed("Deep networks need more data, tuning and compute than linear models",
                           "Deep networks need more data, tuning and compute.")
    # a claim in other words around a list is not stuffing; a vacuous predicate around the same list is
    kp2 = "Cross-encoders are accurate but need one model call per query and document pair"
    assert not only_listed(kp2, "It ranks better but must run once for every query and document pair, which is "
                                "slow.")
    assert only_listed(kp2, "Query, document and pair are all important.")
    # after a pair, no free key-point term is allowed to be missing: "A and B <claim>" is a claim
    assert not only_listed("Lasso and ridge shrink coefficients toward zero",
                           "Lasso and ridge shrink the coefficients towards zero.")


# (question id in the real bank, answer, key point that must NOT be credited): the failures quoted in issue #20.
ISSUE_20 = [
    ("data-datetime-features", "Convert the timestamp to a Unix integer and feed that single number to the model.",
     "Raw timestamps as numbers make models extrapolate poorly and can leak time"),
    ("lin-r-squared", "Adjusted R² is a corrected version of it.",
     "Adjusted R squared corrects for the number of predictors"),
    ("llm-speculative-decoding", "The target model checks them all in one forward pass, so it is faster.",
     "The speed-up depends on the acceptance rate and the draft model's cost"),
    ("eval-precision-recall", "Precision matters when false negatives are costly.",
     "Recall matters when false negatives are costly"),
]

# (question id, answer, key point that MUST be credited): plain-word paraphrases written for this test.
PARAPHRASES = [
    ("lin-r-squared", "Adjusted R squared corrects for how many predictors are in the model, so extra useless "
     "features lower it.", "Adjusted R squared corrects for the number of predictors"),
    ("llm-speculative-decoding", "The speed-up you get depends on how often the target accepts the draft tokens "
     "and on the cost of running the draft model.",
     "The speed-up depends on the acceptance rate and the draft model's cost"),
    ("eval-precision-recall", "When missing a real positive is costly, recall is the metric to optimize.",
     "Recall matters when false negatives are costly"),
    ("data-datetime-features", "A raw timestamp used as one number makes the model extrapolate badly to new "
     "dates, and it can leak information about time.",
     "Raw timestamps as numbers make models extrapolate poorly and can leak time"),
]


@pytest.fixture(scope="module")
def real_bank():
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.interview import load_bank

    return {q.id: q for q in load_bank(REPO_ROOT / "corpus")}


@pytest.mark.parametrize("qid, answer, kp", ISSUE_20)
def test_issue_20_failures_are_no_longer_credited(grader, real_bank, qid, answer, kp):
    q = real_bank[qid]
    before = grade_answer(q.question, q.key_points, answer, grader.embed, grader.params, checks=False)
    after = grade_answer(q.question, q.key_points, answer, grader.embed, grader.params)
    k = q.key_points.index(kp)
    assert not after.key_points[k].covered
    # the feedback says why, unless no sentence came close enough to count
    assert after.key_points[k].reason or after.key_points[k].probability < grader.params.threshold
    if qid in ("data-datetime-features", "lin-r-squared", "eval-precision-recall"):
        # credited without the checks, as reported in the issue
        assert before.key_points[k].covered and after.score < before.score


@pytest.mark.parametrize("qid, answer, kp", PARAPHRASES)
def test_plain_paraphrases_are_credited(grader, real_bank, qid, answer, kp):
    q = real_bank[qid]
    r = grade_answer(q.question, q.key_points, answer, grader.embed, grader.params)
    assert r.key_points[q.key_points.index(kp)].covered, r.key_points[q.key_points.index(kp)]


def test_contradicted_point_names_the_sentence(grader, pr_question):
    answer = ("Precision is true positives over all predicted positives. "
              "Precision matters when false negatives are costly.")
    r = grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params)
    by_kp = {k.key_point: k for k in r.key_points}
    rec = by_kp["Recall matters when false negatives are costly"]
    assert not rec.covered
    assert rec.contradicted and rec.contradiction == "Precision matters when false negatives are costly."
    assert "recall" in rec.reason and "precision" in rec.reason
    # without the checks (the grader before issue #20) the swapped sentence was credited
    old = grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params,
                       checks=False)
    assert {k.key_point: k for k in old.key_points}["Recall matters when false negatives are costly"].covered


def test_a_credited_sentence_is_not_called_a_contradiction_of_another_point(grader, pr_question):
    answer = "Precision is true positives divided by all predicted positives."
    r = grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params)
    by_kp = {k.key_point: k for k in r.key_points}
    assert by_kp["Precision is true positives divided by all predicted positives"].covered
    rec = by_kp["Recall is true positives divided by all actual positives"]
    assert not rec.covered and not rec.contradicted and rec.contradiction is None


# ---------------------------------------------------------------------------- negation scope (issue #20, round 8)
L1_KP = "L1 adds the sum of absolute weights and sets some coefficients exactly to zero"
L1_DENIAL = "L1 regularization shrinks all weights smoothly towards zero but never makes any of them exactly zero."


def test_a_clause_that_denies_the_key_point_is_a_negation_however_long_the_sentence():
    # the known failure of round 7: the whole sentence shares too little content for the polarity test, but its
    # last clause denies the key point's claim
    assert shared_content(L1_KP, L1_DENIAL) < MIN_SHARED_FOR_POLARITY
    why = contradiction(L1_KP, L1_DENIAL)
    assert why is not None and why.startswith("negation") and "never makes any of them exactly zero" in why
    assert negated_clause(L1_KP, "L1 adds the absolute values of the weights, so some coefficients become exactly "
                                 "zero.") is None
    # the cue must scope over the shared words, and a dependence-denying cue ("whatever") is not a denial
    assert negated_clause(L1_KP, "Not every penalty does this: L1 sets some coefficients exactly to zero.") is None
    assert negated_clause("Agents optimize the reward as specified, not as intended",
                          "An agent maximizes whatever reward you wrote down, even if you meant something else.") \
        is None


def test_the_l1_denial_is_not_credited_by_the_grader(grader, real_bank):
    q = real_bank["lin-l1-vs-l2"]
    k = q.key_points.index(L1_KP)
    r = grade_answer(q.question, q.key_points, L1_DENIAL, grader.embed, grader.params)
    assert not r.key_points[k].covered
    assert r.key_points[k].reason is None or "negation" in r.key_points[k].reason or \
        r.key_points[k].probability < grader.params.threshold


def _bank_key_points():
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.interview import load_bank

    return [kp for q in load_bank(REPO_ROOT / "corpus") for kp in q.key_points]


def test_property_every_key_point_denied_after_an_unrelated_clause_is_a_negation():
    """For every bank key point whose first clause is affirmative and has two content words or more, prefixing
    an unrelated clause and "it is not true that" makes a sentence that contradicts it, while the key point
    itself and the key point after a neutral lead-in never do."""
    skip = glue_stems() | NEGATION_STEMS
    tried = 0
    for kp in _bank_key_points():
        assert negated_clause(kp, kp) is None, kp
        assert negated_clause(kp, "In short, " + kp) is None, kp
        if _CLAUSE_SEP.match(kp):  # starts with a clause word ("When ..."): the denial would not reach it
            continue
        ws, ss, n = _clause_stems(kp)[0]
        if n or len({t for t in ss if t not in skip}) < 2:
            continue
        tried += 1
        sentence = "That is a common belief, but it is not true that " + kp[0].lower() + kp[1:]
        assert negated_clause(kp, sentence) is not None, kp
        why = contradiction(kp, sentence)
        assert why is not None and why.startswith("negation"), kp
    assert tried > 1000


def test_property_the_scope_rule_refuses_no_development_credit_answer():
    """On every hand-written development case (six sets, five authors), the clause-level negation never fires on
    a paraphrase's or partial answer's sentence, and fires on most hand-written negations."""
    from mlnotes.assistant.interview.grader import split_sentences
    from mlnotes.eval.grader_validation import all_adversarial

    # the sets the rule was designed on; heldout7 (development since round 9) and heldout8 (since round 10) are
    # and heldout9 (since round 10's second cycle), heldout10 (since round 11) and heldout11 (since round 12) are
    # checked below
    cases = [c for c in all_adversarial() if c.get("source") != "rule" and c["split"] in DEV_SPLITS
             and c["split"] not in ("heldout7", "heldout8", "heldout9", "heldout10", "heldout11")]
    fired = {t: [any(negated_clause(c["key_point"], s) for s in split_sentences(c["answer"]))
                 for c in cases if c["type"] == t] for t in ("paraphrase", "partial", "negation")}
    assert len(fired["paraphrase"]) > 700 and len(fired["negation"]) > 150
    assert not any(fired["paraphrase"]) and not any(fired["partial"])
    assert sum(fired["negation"]) / len(fired["negation"]) > 0.5


#: heldout7's credit answers the scope rule refused (found when heldout7 became development data in round 9): a
#: denial in one clause of a claim the key point limits ("not needed for the estimates, only for some inference";
#: "you never have to compute the feature vectors"; "can't compare PR AUCs"). Round 10: a clause that restates
#: the key point's own denial, and "not X, only Y" under a key point that says "only Y", are no denial any more
#: (``_states_own_parity_clause``, ``test_grader_round10.py``); the PR AUC answer is still refused (its denying
#: clause states more of the affirmed clause, "depends on prevalence", than of the denied one).
HELDOUT7_SCOPE_FIXED = {"lin-ols-assumptions#3/partial/hand7/1", "svm-kernel-trick#1/partial/hand7/1"}
HELDOUT7_SCOPE_MISSES = {"eval-pr-vs-roc#4/paraphrase/hand7/1"}


#: heldout8's credit answers the scope rule refuses (found when heldout8 became development data in round 10; not
#: fixed): a denial that states the claim in other words ("no better than random" for "means random ranking",
#: "doesn't react to class imbalance" for "insensitive to", "no other linear unbiased estimator beats OLS" for
#: "the best linear unbiased estimator", "has no training" for "stores the training data", "the past doesn't
#: matter" for "depends only on the current state").
HELDOUT8_SCOPE_MISSES = {"eval-roc-auc#4/paraphrase/hand8/2", "eval-pr-vs-roc#0/paraphrase/hand8/2",
                         "lin-ols-assumptions#2/paraphrase/hand8/2", "clus-kmeans-vs-knn#2/paraphrase/hand8/1",
                         "rl-mdp-bellman#1/partial/hand8/1"}


#: heldout9's credit answer the scope rule refuses (found when heldout9 became development data in round 10b; not
#: fixed): a clause restating the key point's own denial in other words ("when n isn't a multiple of k" for "when n
#: is not divisible by k").
HELDOUT9_SCOPE_MISSES = {"code-kfold-split#1/paraphrase/hand9/2"}


#: heldout10's credit answers the scope rule refuses (found when heldout10 became development data in round 11; not
#: fixed): a denial that is the claim itself ("no mean subtraction" for "drops the mean subtraction", "can't have
#: both calibration and equal error rates" for "incompatible", "can't just take the argmax" for "maximizing over
#: actions is hard").
HELDOUT10_SCOPE_MISSES = {"dl-layernorm-vs-batchnorm#4/paraphrase/hand10/2",
                          "interp-fairness-metrics#4/paraphrase/hand10/1", "rl-value-vs-policy#2/paraphrase/hand10/1"}


#: heldout11's credit answers the scope rule refuses (computed when heldout11 became development data in round 12,
#: with the rule unchanged): none of its 170 paraphrases and partial answers; it fires on 21 of its 52 negations.
HELDOUT11_SCOPE_MISSES: set[str] = set()


def _scope_rule_on(split: str) -> tuple[dict[str, bool], set[str], list[bool]]:
    """For every case of a development split: whether the clause-level negation fires on one of its sentences; the
    ids of its credit answers; the verdicts on its negations."""
    from mlnotes.assistant.interview.grader import split_sentences
    from mlnotes.eval.grader_validation import all_adversarial

    cases = [c for c in all_adversarial() if c["split"] == split]
    assert len(cases) > 300
    fires = {c["id"]: any(negated_clause(c["key_point"], s) for s in split_sentences(c["answer"])) for c in cases}
    credit = {c["id"] for c in cases if c["type"] in ("paraphrase", "partial")}
    return fires, credit, [fires[c["id"]] for c in cases if c["type"] == "negation"]


@pytest.mark.parametrize("split,misses", [("heldout7", HELDOUT7_SCOPE_MISSES), ("heldout8", HELDOUT8_SCOPE_MISSES),
                                          ("heldout9", HELDOUT9_SCOPE_MISSES),
                                          ("heldout10", HELDOUT10_SCOPE_MISSES),
                                          ("heldout11", HELDOUT11_SCOPE_MISSES)])
def test_the_scope_rule_on_a_later_development_set_refuses_only_its_known_credit_answers(split, misses):
    fires, credit, neg = _scope_rule_on(split)
    assert {i for i in credit if fires[i]} == misses
    assert sum(neg) / len(neg) > 0.4, sum(neg) / len(neg)


def test_the_heldout7_credit_answers_the_round10_rules_fixed_are_credit_answers():
    _, credit, _ = _scope_rule_on("heldout7")
    assert HELDOUT7_SCOPE_FIXED <= credit


# ------------------------------------------------------------------ round 8 (second half): the two failures of
# /work/notes/r8_20.md: properties given to the wrong alternative, and a wrong phase / reversed claim

RF_SWAPPED = ("A random forest grows its trees one after another, each correcting the errors of the previous ones, "
              "so it mainly reduces bias; gradient boosting grows deep trees independently on bootstrap samples "
              "and averages them to reduce variance.")
DROPOUT_WRONG = ("Dropout keeps randomly dropping units at inference time too, so predictions are averaged over many "
                 "thinned networks and need no rescaling.")


def test_compared_entities_are_the_named_alternatives():
    from mlnotes.assistant.interview.contradiction import compared_entities

    rf = compared_entities("Random forest or gradient boosting (XGBoost): how do they differ and when would you "
                           "choose each?")
    assert rf == (frozenset({"random", "forest", "rf"}), frozenset({"gradient", "boost", "gb"}))
    assert "knn" in compared_entities("What is the difference between k-means and k-nearest neighbours?")[1]
    assert len(compared_entities("What is the difference between bagging and boosting?")) == 2
    # not a comparison, or not short names: no alternatives
    assert compared_entities("How does dropout work, and what changes at inference time?") == ()
    assert compared_entities("Why do we scale features before training a support vector machine with an RBF "
                             "kernel or a k-nearest neighbours classifier on raw, unscaled data?") == ()


@pytest.mark.parametrize("k", [0, 1, 2])
def test_the_crossed_random_forest_answer_is_refused_for_each_property(real_bank, k):
    """Each of the three key points that gives a property to one model is contradicted by some sentence of the
    answer that gives that property to the other model (the shipped grader credited all three)."""
    from mlnotes.assistant.interview.grader import split_sentences

    q = real_bank["tree-rf-vs-gbm"]
    kp = q.key_points[k]
    assert any(contradiction(kp, s, q.question) for s in split_sentences(RF_SWAPPED)), kp
    # the key point itself, and said the right way round, is not
    assert contradiction(kp, kp, q.question) is None


def test_the_right_way_round_random_forest_answer_is_not_refused(real_bank):
    from mlnotes.assistant.interview.grader import split_sentences

    q = real_bank["tree-rf-vs-gbm"]
    right = ("A random forest grows deep trees independently on bootstrap samples and averages them, so it mainly "
             "reduces variance; gradient boosting grows its trees one after another, each correcting the errors of "
             "the previous ones, so it mainly reduces bias.")
    # each key point has a sentence that no rule refuses (a sentence about the other model may be refused: the
    # grader credits a key point when one sentence states it)
    for kp in q.key_points[:3]:
        assert not all(contradiction(kp, s, q.question) for s in split_sentences(right)), kp


def test_dropout_kept_at_inference_is_refused_and_the_right_phase_is_not(real_bank):
    q = real_bank["dl-dropout"]
    for kp in (q.key_points[0], q.key_points[2], q.key_points[3]):  # train-time zeroing, rescaling, inference off
        assert contradiction(kp, DROPOUT_WRONG, q.question) is not None, kp
    assert contradiction(q.key_points[3], "At test time dropout is switched off, and nothing needs rescaling.",
                         q.question) is None
    assert contradiction(q.key_points[0], "While training, dropout sets each activation to zero at random with "
                         "probability p.", q.question) is None


def test_the_grader_no_longer_credits_the_two_failures(grader, real_bank):
    q = real_bank["tree-rf-vs-gbm"]
    r = grade_answer(q.question, q.key_points, RF_SWAPPED, grader.embed, grader.params)
    assert not any(x.covered for x in r.key_points[:3])
    q = real_bank["dl-dropout"]
    r = grade_answer(q.question, q.key_points, DROPOUT_WRONG, grader.embed, grader.params)
    assert not any(r.key_points[k].covered for k in (0, 2, 3))


def test_property_a_bank_key_point_told_of_the_other_alternative_is_crossed(real_bank):
    """For every bank question comparing two alternatives and every key point naming only one of them (A) in
    its first clause, the key point with A's name replaced by the other's is refused by the crossed-alternatives
    rule in most cases, and never with A's name kept (nor the key point itself)."""
    from mlnotes.assistant.interview.contradiction import _names, compared_entities, crossed_entities, tokens

    tried = fired = 0
    for q in real_bank.values():
        ents = compared_entities(q.question)
        if len(ents) != 2:
            continue
        qw, qs = tokens(q.question)
        surface = [" ".join(w for w, t in zip(qw, qs) if t in e) for e in ents]
        for kp in q.key_points:
            assert crossed_entities(kp, kp, q.question) is None, kp
            kw, ks = tokens(kp)
            named = [any(_names(t, e) for t in ks) for e in ents]
            if sum(named) != 1:
                continue
            a = named.index(True)
            rest = " ".join(w for w, t in zip(kw, ks) if not _names(t, ents[a]))
            assert crossed_entities(kp, f"With {surface[a]} in mind, {rest}", q.question) is None, kp
            tried += 1
            fired += crossed_entities(kp, f"With {surface[1 - a]} in mind, {rest}", q.question) is not None
    assert tried >= 15
    assert fired / tried >= 0.6, (fired, tried)


#: heldout11's credit answers the round-8 rules refuse (found when heldout11 became development data in round 12;
#: not fixed): "explicit feature crosses are mostly for linear models" read as the key point's "explicit crosses"
#: said of other alternatives (crossed alternatives); "categories that weren't in training" and "a category value
#: it never saw in training" read as the training phase against the key point's "at prediction time" (phase swap).
HELDOUT11_ROUND8_MISSES = {"data-interaction-features#2/paraphrase/hand11/2",
                           "data-categorical-encoding#5/paraphrase/hand11/1",
                           "data-categorical-encoding#5/partial/hand11/1"}


def test_property_the_round8_rules_refuse_no_development_credit_answer(real_bank):
    """On every hand-written development case (heldout6 included), neither the crossed-alternatives rule nor the
    groups added in round 8 (on/off, parallel/sequential, the training/inference phase) fire on a paraphrase's
    or partial answer's sentence, except heldout11's known misses (:data:`HELDOUT11_ROUND8_MISSES`); they do fire
    on some hand-written wrong answers."""
    from mlnotes.assistant.interview.contradiction import OPPOSED, SWAPS, _check, crossed_entities, tokens
    from mlnotes.assistant.interview.grader import split_sentences
    from mlnotes.eval.grader_validation import all_adversarial

    groups = [g for g in OPPOSED if g[0] in ("off/on", "parallel/sequential")] + \
        [g for g in SWAPS if g[0].startswith("during training")]
    assert len(groups) == 3
    cases = [c for c in all_adversarial() if c.get("source") != "rule" and c["split"] in DEV_SPLITS
             and c["question_id"] in real_bank]
    assert "heldout6" in {c["split"] for c in cases}

    def fires(c):
        question = real_bank[c["question_id"]].question
        ks = tokens(c["key_point"])[1]
        return any(crossed_entities(c["key_point"], s, question) is not None
                   or any(_check(ks, tokens(s)[1], a, b, "x") for _, a, b in groups)
                   for s in split_sentences(c["answer"]))

    credit = [c for c in cases if c["type"] in ("paraphrase", "partial")]
    assert len(credit) > 900
    assert {c["id"] for c in credit if fires(c)} == HELDOUT11_ROUND8_MISSES
    wrong = [c for c in cases if c["type"] in ("opposite", "term_swap")]
    assert sum(map(fires, wrong)) >= 5
