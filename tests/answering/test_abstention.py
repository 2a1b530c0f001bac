"""The second abstention signal (assistant/answering/retrieve.py: TermCoverage, CoverageRule) and its calibration
(eval/calibrate.py: choose_coverage), against closed-form IDF values and a brute-force search over every rule."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from mlnotes.assistant.answering.retrieve import (
    CoverageRule,
    Retrieved,
    TermCoverage,
    asking_terms,
    diagnosis_covered,
    hits_coverage,
    hyphen_joined,
    question_terms,
    spelling_variant,
    vowel_variants,
)
from mlnotes.eval.answers import abstention_scores
from mlnotes.eval.calibrate import MAX_FALSE_ABSTENTION_RATE, choose_abstain, choose_coverage, coverage_scores
from mlnotes.kb.bm25 import tokenize


def chunk(text: str, crumbs: tuple[str, ...] = ("Doc",)):
    return SimpleNamespace(text=text, breadcrumbs=list(crumbs))


CHUNKS = [chunk("gradient descent updates weights"), chunk("gradient boosting fits trees"),
          chunk("dropout zeroes activations"), chunk("momentum smooths gradient descent")]


def lucene_idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_coverage_is_the_idf_weighted_share_of_question_terms_in_the_chunk():
    cov = TermCoverage(CHUNKS)
    n = len(CHUNKS)
    # stems: gradient (df 3), descent (df 2), turing (df 0)
    q = "gradient descent and the Turing test"
    terms = set(tokenize(q))
    df = {t: sum(t in set(tokenize(" ".join([*c.breadcrumbs, c.text]))) for c in CHUNKS) for t in terms}
    want = sum(lucene_idf(df[t], n) for t in terms if df[t] and t in set(tokenize(CHUNKS[0].text)))
    total = sum(lucene_idf(df[t], n) for t in terms)
    assert cov.coverage(q, CHUNKS[0]) == pytest.approx(want / total)
    assert 0 < cov.coverage(q, CHUNKS[0]) < 0.5  # the unknown words weigh most
    assert cov.coverage("gradient descent", CHUNKS[0]) == pytest.approx(1.0)
    assert cov.coverage("Is it?", CHUNKS[0]) == 1.0  # no content terms: nothing to miss


def test_a_link_counts_by_its_text_and_a_url_not_at_all():
    assert question_terms("Implement [connected components](http://aishack.in/tutorials/x) now") == \
        set(tokenize("Implement connected components now"))
    assert question_terms("see https://example.org/a/b for dropout") == set(tokenize("see for dropout"))


def _retrieved(support: float, text: str) -> Retrieved:
    hit = SimpleNamespace(chunk=chunk(text))
    return Retrieved([hit], np.zeros(3, np.float32), support, 0.0)


def test_the_rule_abstains_only_below_both_bounds():
    cov = TermCoverage(CHUNKS)
    rule = CoverageRule(coverage=0.5, support=0.45, absent_terms=0, unknown_names=False)  # coverage alone
    q = "How does the Turing test work?"  # no term of it in the chunk
    assert rule.abstains(_retrieved(0.40, "gradient descent updates weights"), cov, q)
    assert not rule.abstains(_retrieved(0.45, "gradient descent updates weights"), cov, q)  # support high enough
    assert not rule.abstains(_retrieved(0.40, "the turing test work"), cov, q)  # the chunk uses its words
    assert not rule.abstains(Retrieved([], np.zeros(3), 0.0, 0.0), cov, q)  # no hits: should_abstain's case


def test_a_symptom_in_product_words_is_covered_by_a_chunk_that_names_its_diagnosis():
    """fresh6 f6-19: the question's words (customer record, live prediction API, notebook) are not the corpus's,
    so the skew section covered 0.21 of them and the answer abstained; the coverage of the diagnosis the
    retrieval read into it ("training-serving skew") counts instead when it is larger. A chunk that does not
    name the diagnosis gains nothing, and a question without a symptom is scored as before."""
    skew = chunk("Training-serving skew: features computed by different code offline and when serving.")
    other = chunk("A FastAPI service loads the model and returns a score for each customer record.")
    cov = TermCoverage([*CHUNKS, skew, other])
    q = "The same customer record gets a different score from our live prediction API than from the notebook."
    assert cov._coverage(question_terms(q), skew) < 0.2  # the question's own words: barely any
    assert cov.coverage(q, skew) == pytest.approx(1.0)  # the diagnosis' words: all there
    assert cov.coverage(q, other) == pytest.approx(cov._coverage(question_terms(q), other))  # no gain
    plain = "How does a FastAPI service return a score?"
    assert cov.coverage(plain, other) == pytest.approx(cov._coverage(question_terms(plain), other))
    rule = CoverageRule(coverage=0.35, support=0.42, absent_terms=0, unknown_names=False)  # coverage alone
    assert not rule.abstains(Retrieved([SimpleNamespace(chunk=skew)], np.zeros(3), 0.39, 0.0), cov, q)
    assert rule.abstains(Retrieved([SimpleNamespace(chunk=chunk("dropout zeroes activations"))], np.zeros(3), 0.39,
                                   0.0), cov, q)


def _f1(sig_a, sig_u, t, c, s):
    return coverage_scores(sig_a, sig_u, t, c, s)["f1"]


@pytest.mark.parametrize("seed", range(8))
def test_the_calibrated_rule_has_the_best_f1_of_all_rules(seed):
    rng = np.random.default_rng(seed)
    sig_a = [(float(rng.uniform(0.3, 0.9)), float(rng.uniform(0.2, 1.0))) for _ in range(40)]
    sig_u = [(float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.0, 0.4))) for _ in range(8)]
    t = 0.25
    got = choose_coverage(sig_a, sig_u, t)
    values_s = sorted({s for s, _ in sig_a + sig_u})
    values_c = sorted({c for _, c in sig_a + sig_u})
    # every distinct rule is some (coverage, support) cut between observed values: try them all
    cuts_s = [values_s[0] - 1] + [(a + b) / 2 for a, b in zip(values_s, values_s[1:])] + [values_s[-1] + 1]
    cuts_c = [values_c[0] - 1] + [(a + b) / 2 for a, b in zip(values_c, values_c[1:])] + [values_c[-1] + 1]
    # among the rules that refuse at most MAX_FALSE_ABSTENTION_RATE of the answerable questions
    rules = [coverage_scores(sig_a, sig_u, t, c, s) for s in cuts_s for c in cuts_c]
    best = max(r["f1"] for r in rules if r["false_abstention_rate"] <= MAX_FALSE_ABSTENTION_RATE)
    assert got["f1"] == pytest.approx(best) and got["false_abstention_rate"] <= MAX_FALSE_ABSTENTION_RATE
    assert got["f1"] >= _f1(sig_a, sig_u, t, -1.0, t)  # never worse than the support threshold alone


def test_the_support_threshold_refuses_at_most_the_allowed_share_of_answerable_questions():
    """100 answerable questions, two of them with low support among 10 unanswerable ones: catching all 10 costs two
    false refusals (F1 0.909), more than the 1 % allowed, so the threshold catches the 8 below 0.175 (F1 0.842)."""
    sup_u = [0.10 + 0.01 * i for i in range(10)]  # 0.10 .. 0.19
    sup_a = [0.125, 0.175] + [0.5 + 0.004 * i for i in range(98)]
    free = max((abstention_scores(sup_a, sup_u, t) for t in (0.115, 0.15, 0.195)), key=lambda r: r["f1"])
    assert free["fp"] == 2 and free["false_abstention_rate"] > MAX_FALSE_ABSTENTION_RATE  # the unconstrained optimum
    got = choose_abstain(sup_a, sup_u)
    assert got["fp"] <= 1 and got["f1"] < free["f1"] and got["tp"] >= 7


def test_explicit_threshold_means_support_only_and_calibrated_means_both(monkeypatch):
    from mlnotes.assistant import answer as A

    monkeypatch.setattr(A, "load_calibration", lambda: {"abstain_threshold": 0.3, "interview_match_threshold": 0.7,
                                                        "abstain_coverage": {"coverage": 0.4, "support": 0.5}})
    index = SimpleNamespace(embed_texts=lambda texts: np.zeros((len(texts), 3)), iter_chunks=lambda: iter(CHUNKS))
    calibrated = A.Answerer(index, ".")
    assert calibrated.abstain_coverage == CoverageRule(0.4, 0.5)
    assert A.Answerer(index, ".", abstain_threshold=0.05).abstain_coverage is None
    assert A.Answerer(index, ".", abstain_coverage=False).abstain_coverage is None
    given = CoverageRule(0.2, 0.4)
    assert A.Answerer(index, ".", abstain_threshold=0.05, abstain_coverage=given).abstain_coverage is given
    q = "How does the Turing test work?"
    low = _retrieved(0.4, "gradient descent updates weights")
    assert calibrated.abstains(q, low) and not A.Answerer(index, ".", abstain_threshold=0.3).abstains(q, low)


def test_two_or_more_words_the_corpus_never_uses_abstain_below_the_support_bound():
    """fresh7 f7-20: "federated learning with FedAvg across hospitals" matched incidental words ("hospitals",
    "data", "model") well enough for a coverage of .38 while the corpus never uses "federated" or "FedAvg". Two
    content words with document frequency 0 abstain under the support bound; one does not (a filler or slip);
    a one-edit typo the search corrected and a word with digits do not count; high support still answers."""
    hosp = chunk("How do I set up learning so that patient data from several hospitals does not leak into one model "
                 "when I train it?")
    cov = TermCoverage([*CHUNKS, hosp])
    q = "How do I set up federated learning with FedAvg so several hospitals train one model on patient data?"
    assert cov.absent(q) == {"feder", "fedavg"}
    rule = CoverageRule(coverage=0.2, support=0.42)
    assert cov.coverage(q, hosp) > rule.coverage  # the coverage alone would answer
    got = Retrieved([SimpleNamespace(chunk=hosp)], np.zeros(3), 0.41, 0.0, read=q.replace("federated", "generated"))
    assert rule.abstains(got, cov, q)  # a correction by two edits is a guess: the word still counts
    # the answerer passes the read question; the words as asked (kept on the Retrieved) decide
    asked = Retrieved(got.hits, got.qvec, 0.41, 0.0, got.read, q)
    assert rule.abstains(asked, cov, got.read)
    # with the unfound-words branch off, "FedAvg" is still a name the corpus never uses (the unknown-names branch,
    # round 14, under the coverage rule's support bound); with both off the coverage alone answers
    assert CoverageRule(coverage=0.2, support=0.42, absent_terms=0).abstains(asked, cov, got.read)
    assert not CoverageRule(coverage=0.2, support=0.42, absent_terms=0, unknown_names=False).abstains(
        asked, cov, got.read)
    # the branch has its own support bound (absent_support, .48 by default; round 12), above the coverage's
    assert rule.abstains(Retrieved(got.hits, got.qvec, 0.42, 0.0, got.read), cov, q)
    assert not rule.abstains(Retrieved(got.hits, got.qvec, 0.48, 0.0, got.read), cov, q)  # support high enough
    assert not CoverageRule(coverage=0.2, support=0.42, absent_support=0.42).abstains(
        Retrieved(got.hits, got.qvec, 0.42, 0.0, got.read), cov, q)
    one = "How do hospitals federate patient data?"
    assert len(cov.absent(one)) == 1 and not rule.abstains(Retrieved(got.hits, got.qvec, 0.41, 0.0, one), cov, one)
    typo = "does patient data leek in hospitals gradiant?"  # "leak" is in the chunk, "gradient" is not
    fixed = "does patient data leak in hospitals gradient?"
    assert cov.absent(typo) == set(tokenize("leek gradiant")) and cov.absent(typo, fixed) == set()
    assert cov.absent(typo, "does patient data leak in hospitals grad?") == set(tokenize("gradiant"))  # 3 edits
    assert cov.absent("200k patient data from 50k hospitals") == set()  # numbers are no names


def test_a_word_the_corpus_writes_with_a_hyphen_is_no_rare_word():
    """Round 15 (f10-16's shape): BM25's tokenizer reads "e-mail" as "mail", so a question's "email" matched only the
    one chunk that writes it as one word; the chunks that write it with a hyphen count for the document frequency
    that decides "rare" (spelled_df), so "email" is not unfound and one unfound word ("pretty") withholds nothing."""
    assert hyphen_joined("replace URLs, e-mail addresses and numbers; pre-trained models") == {"email", "pretrain"}
    assert hyphen_joined("no hyphen - here, 3-fold") == set()  # a dash between words and a number are no words
    once = chunk("A prompt injection hides in an email the assistant reads.")
    placeholders = [chunk(f"Replace URLs and e-mail addresses with placeholder tokens in step {i}.") for i in range(3)]
    bayes = chunk("Naive Bayes assumes the words of a spam message are independent given the class; it can classify "
                  "well.")
    q = "naive bayes assumes the words of an email are independent. why does it classify spam pretty well?"
    hits = [SimpleNamespace(chunk=bayes)]
    cov = TermCoverage([*CHUNKS, once, *placeholders, bayes])
    assert cov.df["email"] == 1 and cov.spelled_df("email") == 4
    assert cov.unfound(q, q, hits) == {"pretti"}
    rule = CoverageRule(coverage=0.2, support=0.42)
    assert not rule.abstains(Retrieved(hits, np.zeros(3), 0.40, 0.0, q, q), cov, q)
    # without the hyphenated chunks "email" is a word of one chunk that retrieval missed: two unfound words withhold
    cov1 = TermCoverage([*CHUNKS, once, bayes])
    assert cov1.unfound(q, q, hits) == {"email", "pretti"}
    assert rule.abstains(Retrieved(hits, np.zeros(3), 0.40, 0.0, q, q), cov1, q)


def test_unfound_words_that_describe_a_symptom_whose_diagnosis_a_top_hit_names_do_not_withhold():
    """Round 15 (f13-19): "my GAN ... spits out ... pretty much the same few images whatever noise I feed it" has
    two words no chunk uses ("spits", "pretty"), but retrieval reads mode collapse into it
    (:func:`mlnotes.kb.query.diagnosis`); when one of the first two hits covers the diagnosis' terms to the coverage
    bound, the unfound-words branch spares it. A hit that does not name the diagnosis, a diagnosis named only by the
    third hit, or the same unfound words without a symptom still withhold."""
    collapse = chunk("Conditioning also mitigates mode collapse, the failure in which the generator produces only a "
                     "few distinct outputs, because each condition must be covered.")
    dcgan = chunk("DCGAN guidelines: strided convolutions in the discriminator and transposed ones in the generator.")
    # the question's other words are common in this corpus (two chunks each), so only "spits" and "pretty" are rare
    common = [chunk("a GAN turns noise out into the same few images, whatever you feed it; try much, fast")] * 2
    cov = TermCoverage([*CHUNKS, collapse, dcgan, *common])
    rule = CoverageRule(coverage=0.35, support=0.42)
    q = "my GAN only spits out the same few images, pretty much whatever noise I feed it. what can I try?"
    assert cov.unfound(q, q, [SimpleNamespace(chunk=collapse)]) == {"spit", "pretti"}

    def got(*hits, question=q):
        return Retrieved([SimpleNamespace(chunk=h) for h in hits], np.zeros(3), 0.44, 0.0, question, question)

    assert diagnosis_covered(cov, q, got(collapse).hits, rule.coverage)
    assert not rule.abstains(got(collapse), cov, q)
    assert not rule.abstains(got(dcgan, collapse), cov, q)  # the second hit names it
    assert rule.abstains(got(dcgan), cov, q)  # no hit names the diagnosis
    assert rule.abstains(got(dcgan, dcgan, collapse), cov, q)  # only the third: outside the coverage's two hits
    plain = "my GAN spits out images pretty fast. what can I try?"  # the same unfound words, no symptom
    assert not diagnosis_covered(cov, plain, got(collapse).hits, rule.coverage)
    assert rule.abstains(got(collapse, question=plain), cov, plain)


def test_the_coverage_signal_is_the_better_of_the_first_two_hits():
    """fresh8 f8-07 with the round-11 reranker: a fine-tuning exercise ranked first (coverage .28) and the tools
    section that names Optuna and Ray Tune second. The rule reads the better of the first two hits, never a third."""
    cov = TermCoverage(CHUNKS)
    q = "gradient boosting trees"
    hit = lambda c: SimpleNamespace(chunk=c)  # noqa: E731
    low, high = cov.coverage(q, CHUNKS[2]), cov.coverage(q, CHUNKS[1])
    assert low == 0.0 and high == pytest.approx(1.0)
    assert hits_coverage(cov, q, [hit(CHUNKS[2]), hit(CHUNKS[1])]) == pytest.approx(1.0)
    assert hits_coverage(cov, q, [hit(CHUNKS[2]), hit(CHUNKS[2]), hit(CHUNKS[1])]) == 0.0  # a third hit: not read
    assert hits_coverage(cov, q, []) == 1.0
    rule = CoverageRule(coverage=0.3523, support=0.424)
    r = lambda hits: Retrieved(hits, np.zeros(3), 0.396, 0.0, q, q)  # noqa: E731
    assert not rule.abstains(r([hit(CHUNKS[2]), hit(CHUNKS[1])]), cov, q)
    assert rule.abstains(r([hit(CHUNKS[2]), hit(CHUNKS[2]), hit(CHUNKS[1])]), cov, q)


def test_the_words_of_asking_are_no_terms_of_the_question():
    """fresh8 f8-07: "should i bother with Optuna or Ray Tune, or just write a for loop? ... one workstation". The
    corpus, written in the third person, rarely uses "my", "should", "just" or "bother", so their IDF outweighed
    "Optuna" and "Ray" that the top hit does use (coverage .34 under the bound .3523), and "bother" with
    "workstation" made two unknown words. Pronouns, question words, auxiliaries and a few conversational words are
    not the question's terms; content words (also those a listed word could stem to) stay."""
    assert question_terms("Should I bother with Optuna on my workstation?") == set(tokenize("Optuna workstation"))
    assert question_terms("How does it work and why did you use it?") == set(tokenize("work use"))
    for content in ("actual", "basic", "one", "new", "model", "use", "work", "take", "mani", "first", "step"):
        assert content not in asking_terms(), content
    tools = chunk("Optuna runs a TPE search with pruning; Ray Tune spreads trials over a cluster; a plain for loop "
                  "over a grid is enough for a few runs", ("Guide", "Hyperparameter optimisation"))
    # "write", "one" and "model" are common words (two chunks here; hundreds in the corpus), not unfound ones
    cov = TermCoverage([*CHUNKS, tools, *[chunk("write one model per experiment")] * 2])
    q = ("for tuning my models should i bother with Optuna or Ray Tune, or just write a for loop? everything runs "
         "on one workstation")
    assert cov.absent(q) == {"workstat"}  # one unknown word: not a name the corpus lacks
    rule = CoverageRule(coverage=0.3523, support=0.424)  # the calibrated bounds
    assert cov.coverage(q, tools) > rule.coverage
    assert not rule.abstains(Retrieved([SimpleNamespace(chunk=tools)], np.zeros(3), 0.396, 0.0, q, q), cov, q)
    # the same question about tools the corpus never names still abstains: two unknown words
    other = q.replace("Optuna", "Hyperopt").replace("Ray Tune", "Katib")
    assert cov.absent(other) >= {"hyperopt", "katib"}
    assert rule.abstains(Retrieved([SimpleNamespace(chunk=tools)], np.zeros(3), 0.396, 0.0, other, other), cov, other)


def test_quantities_and_contractions_are_no_terms_of_the_question():
    """fresh9 f9-07: "should I bin age into buckets (18-25, 26-35, ...) before putting it in my logistic regression
    ... and does the same go for my xgboost model" abstained with the bank entry on binning first: its example
    values 18, 25, 26 and 35 (used by 10 to 76 chunks each, IDF up to 5.4) weighed like topics and no section on
    binning repeats them (coverage .265 under .3523). A quantity (digits, optionally with k/m/b) is no term of the
    question; names with digits stay. What the tokenizer leaves of a contraction ("haven't" -> "haven", a word
    one chunk uses) is a word of asking."""
    q = ("should I bin age into buckets (18-25, 26-35, ...) before putting it in my logistic regression, or keep "
         "it as a number? and does the same go for my xgboost model")
    terms = question_terms(q)
    assert not terms & {"18", "25", "26", "35"}
    assert {"bin", "age", "bucket", "logist", "regress", "xgboost", "number"} <= terms
    assert question_terms("2M rows, 50k users, a 65B model, 2014") == set(tokenize("rows users model"))
    assert {"float16", "int8", "l1", "3d", "1x1", "x1", "gpt2"} <= question_terms(
        "float16 vs int8, an l1 penalty, a 3d 1x1 conv on x1, gpt2")
    assert question_terms("most customers haven't churned, we'll see, it doesn't") == set(
        tokenize("most customers churned see"))
    for contraction in ("haven", "doesn", "didn", "isn", "ll", "ve"):
        assert contraction in asking_terms()
    # the coverage: the numbers no longer count against the bank entry, which never uses them
    bank = chunk("Binning a continuous feature into buckets lets a logistic model fit a non-linear effect, but loses "
                 "information within a bin; XGBoost splits the number itself", ("Interview", "Binning"))
    ages = [chunk(f"users aged {a} to {b} clicked") for a, b in ((18, 25), (26, 35), (18, 35))]
    cov = TermCoverage([*CHUNKS, bank, *ages])
    with_numbers = set(tokenize(q)) - asking_terms()
    assert with_numbers - question_terms(q) == {"18", "25", "26", "35"}
    assert cov._coverage(with_numbers, bank) < cov.coverage(q, bank)
    assert cov.coverage(q, bank) == pytest.approx(cov._coverage(question_terms(q), bank))


def test_rare_words_that_no_retrieved_section_uses_abstain_above_the_coverage_rules_support_bound():
    """fresh9 f9-20 (unanswerable): "how do I fit a Cox proportional hazards model for time-to-churn when most
    customers haven't churned yet (right-censored)?" was answered from churn sections at support .444, above the
    coverage rule's bound .424. The corpus never uses "censored" and uses "hazard" once, in a section retrieval did
    not return: two unfound words (TermCoverage.unfound) abstain below the branch's own support bound (.48). A
    rare word a retrieved section uses, a word more chunks use ("cox", Box-Cox), one unfound word alone, and spelling
    variants of the retrieved sections' words do not count."""
    churn = chunk("Churn prediction: label the customers who churned within a time window and fit a classifier")
    hazard = chunk("A safety hazard in deployment: the model keeps serving stale features")
    boxcox = [chunk("The Box-Cox transform makes a skewed target more normal"), chunk("Box-Cox needs positive values")]
    # the question's common words, used by two chunks each as in the corpus
    common = [chunk("Most of the time, fit the model and interpret the odds ratio right; the proportional share is "
                    "not known yet") for _ in range(2)]
    cov = TermCoverage([*CHUNKS, churn, hazard, *boxcox, *common])
    q = ("how do I fit a Cox proportional hazards model for time-to-churn when most customers haven't churned yet "
         "(right-censored)? and how should I interpret the hazard ratios")
    hit = lambda c: SimpleNamespace(chunk=c)  # noqa: E731
    assert cov.df["hazard"] == 1 and cov.df["cox"] == 2 and "censor" not in cov.df
    assert cov.unfound(q, q, [hit(churn)]) == {"censor", "hazard"}
    assert cov.unfound(q, q, [hit(churn), hit(hazard)]) == {"censor"}  # a retrieved section uses "hazard"
    rule = CoverageRule(coverage=0.3523, support=0.424)  # the calibrated bounds; absent_support .48
    r = lambda support, hits: Retrieved(hits, np.zeros(3), support, 0.0, q, q)  # noqa: E731
    assert cov.coverage(q, churn) < rule.coverage  # the coverage alone would abstain, but only below .424
    assert rule.abstains(r(0.444, [hit(churn)]), cov, q)
    assert not rule.abstains(r(0.48, [hit(churn)]), cov, q)  # support high enough
    assert not rule.abstains(r(0.444, [hit(churn), hit(hazard)]), cov, q)  # one unfound word
    assert not CoverageRule(coverage=0.3523, support=0.424, absent_terms=0).abstains(r(0.444, [hit(churn)]), cov, q)
    # a question whose rare words the retrieved sections write another way is not about something unknown
    steps = chunk("The reparametrization gives x_t at any time step in closed form", ("Diffusion",))
    cov2 = TermCoverage([*CHUNKS, steps, *[chunk("the forward process lets a sampler jump to any point")] * 2])
    q2 = "how does the reparametrised forward process let you jump to any timestep?"
    assert cov2.absent(q2) == {"reparametris", "timestep"}
    assert cov2.unfound(q2, q2, [hit(steps)]) == set()
    assert cov2.unfound(q2, q2, [hit(CHUNKS[0])]) == {"reparametris", "timestep"}  # not a variant of these words


def test_a_spelling_variant_shares_a_long_prefix_or_joins_two_words():
    assert spelling_variant("reparametris", {"reparametr"}) and spelling_variant("normalis", {"normaliz"})
    assert spelling_variant("timestep", {"time", "step"}) and spelling_variant("dataset", {"data", "set"})
    assert not spelling_variant("hazard", {"hazardous"})  # seven letters or fewer: the word itself only
    assert not spelling_variant("censor", {"cens", "or"})  # halves of at least three letters
    assert not spelling_variant("transfer", {"transformer"})  # "transfo" is not "transfe"
    assert not spelling_variant("fedavg", {"fed", "average"})


def test_a_name_the_corpus_never_uses_abstains_under_the_coverage_rules_support_bound():
    """fresh12 f12-20 (unanswerable): "... using an instrumental variable with two-stage least squares (2SLS)?" was
    answered from sections on OLS and on churn: they share "least", "squares", "variable", "churn", so the coverage
    (.367) was above the bound, and "2SLS" has a digit, so it was no unfound word. A word written with a capital after
    its first character (an acronym or compound) that no chunk uses is a name the corpus lacks: under the coverage
    rule's support bound it abstains, whatever the coverage. Quantities, capitalised words, names the corpus uses
    and one-edit typos the search corrected are no unknown names; above the bound the branch does not apply."""
    ols = chunk("Ordinary least squares assumes the error variance is constant; a variable with heteroscedastic errors "
                "needs robust standard errors", ("Linear models", "OLS assumptions"))
    churn = chunk("Churn: a price discount changes who stays; estimate the effect with an A/B test", ("MLOps",))
    pca = chunk("PCA projects onto the top principal components", ("PCA",))
    cov = TermCoverage([*CHUNKS, ols, churn, pca])
    q = ("how do I estimate the causal effect of a price discount on churn using an instrumental variable with "
         "two-stage least squares (2SLS)? what makes a valid instrument?")
    assert cov.unknown_names(q) == {"2SLS"}
    assert "2sls" not in cov.unfound(q, q, [SimpleNamespace(chunk=ols)])  # a word with a digit is no unfound word
    # the unfound-words branch off: in this small corpus most of the question's words are unfound
    rule = CoverageRule(coverage=0.2, support=0.424, absent_terms=0)
    hits = [SimpleNamespace(chunk=ols), SimpleNamespace(chunk=churn)]
    assert hits_coverage(cov, q, hits) > rule.coverage  # the coverage alone would answer
    r = lambda support, text=q: Retrieved(hits, np.zeros(3), support, 0.0, text, text)  # noqa: E731
    assert rule.abstains(r(0.305), cov, q)
    assert not rule.abstains(r(0.424), cov, q)  # support at the bound: a well-supported answer is not withheld
    assert not CoverageRule(coverage=0.2, support=0.424, absent_terms=0, unknown_names=False).abstains(
        r(0.305), cov, q)  # off
    # names with a capital after the first character, acronyms, compounds and digits among them
    assert cov.unknown_names("FedAvg across WSL2 with a GCN and TransE on an iPhone") == {
        "FedAvg", "WSL2", "GCN", "TransE", "iPhone"}
    # not names: quantities, sentence capitals, capitalised words, a name the corpus uses, a single capital
    assert cov.unknown_names("How does PCA scale to 50M rows and a 13B model in Q4 for Sarbanes-Oxley?") == set()
    # a one-edit typo the search corrected is no unknown name ("PCAs" is stemmed to "pca" anyway)
    assert cov.unknown_names("does PCX work?", "does PCA work?") == set()
    assert cov.unknown_names("does PCX work?") == {"PCX"}
    plain = "how do I estimate the effect of a price discount on churn with least squares?"
    assert cov.unknown_names(plain) == set() and not rule.abstains(r(0.305, plain), cov, plain)


def test_a_rare_word_the_corpus_spells_with_one_vowel_different_is_not_unfound():
    """fresh12 f12-18 (answerable): "box filter via integral image on a uint8 grayscale image ... the box sums come
    out as garbage" was withheld by the unfound-words branch for "grayscale" and "garbage", each used by one chunk
    and by no retrieved one, although its first hit is the integral-image section it asks about. The corpus writes
    "grayscale" once and "greyscale" once: a word it uses in two spellings is not rare. The document frequency of a
    term of at least seven letters (VARIANT_PREFIX) counts the terms one vowel apart after the first letter; a
    consonant apart ("censor", "sensor", "tensor": f9-20) and shorter words ("rust", "rest") do not count."""
    assert {"greyscal", "grayscl", "graiscal"} <= vowel_variants("grayscal")
    assert "grayscal" not in vowel_variants("grayscal") and "arayscal" not in vowel_variants("grayscal")
    assert "behavior" in vowel_variants("behaviour") and "behaviour" in vowel_variants("behavior")
    assert not {"sensor", "tensor"} & vowel_variants("censor") and "censor" not in vowel_variants("sensor")
    box = chunk("An integral image stores the sum of all pixels above and to the left; box sums take four look-ups",
                ("Vision", "Integral images"))
    grey = chunk("MNIST: 28x28 greyscale digits", ("Datasets",))
    gray = chunk("A grayscale image is a matrix of intensities", ("Vision", "Images as tensors"))
    cold = chunk("A cold start leaves garbage in the cache", ("MLOps",))
    rest = chunk("rest the model", ("Misc",))
    common = [chunk("big models give good results") for _ in range(2)]  # the question's common words
    cov = TermCoverage([*CHUNKS, box, grey, gray, cold, rest, *common])
    assert cov.df["grayscal"] == 1 and cov.spelled_df("grayscal") == 2
    q = "integral image on a grayscale image gives garbage box sums for big boxes"
    assert cov.unfound(q, q, [SimpleNamespace(chunk=box)]) == {"garbag"}  # one unfound word: the branch is off
    rule = CoverageRule(coverage=0.3523, support=0.424)
    assert not rule.abstains(Retrieved([SimpleNamespace(chunk=box)], np.zeros(3), 0.455, 0.0, q, q), cov, q)
    # without the other spelling in the corpus the word is unfound, and two unfound words withhold the answer
    cov1 = TermCoverage([*CHUNKS, box, gray, cold, *common])
    assert cov1.unfound(q, q, [SimpleNamespace(chunk=box)]) == {"grayscal", "garbag"}
    assert rule.abstains(Retrieved([SimpleNamespace(chunk=box)], np.zeros(3), 0.455, 0.0, q, q), cov1, q)
    assert cov.spelled_df("rust") == 0  # shorter than seven letters: its own count ("rest" is another word)


def _dev_questions():
    from mlnotes.eval.data import DATASETS, _load, load_external, load_gold, load_unanswerable

    fresh = [q for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13")
             for q in _load(DATASETS / f"judged_fresh{n}.jsonl", True)]
    return load_gold("tune") + load_external() + load_unanswerable("tune") + fresh


# the development questions the calibrated rules still get wrong (docs/answer-quality.md, "Round 11: abstention and
# parts", "Round 12: abstention (abst16k)" and "Round 13: the unfound-words branch and the asker's setting
# (abst16n)"; fresh9's f9-07 and f9-20 are no longer among them): nlp-12's top hit is its labelled preprocessing
# section but never uses "corpus", "applying" or "algorithm" (coverage .33); f10-16 (naive Bayes on spam, its
# labelled probability section first) is withheld by the unfound-words branch for "email" and "pretty" (support
# .377); ml-10 (a sparse-matrix class in C++) and ml-63 (how rand() works) are answered from sections that share
# their words (coverage .56) or with a support above the coverage rule's bound (ml-63); f11-19 (a 999 for "unknown"
# age, round 13, abst16p) is withheld by the coverage branch (support .382, coverage .276 by its labelled debugging
# section, second): half of its IDF mass is the asker's register ("weird", "caught", "apparently", "bad", "big"), and
# the one specific term it shares with that section, "999", is a quantity and no term of the question. Round 15
# (abst16u): f10-16 is answered (the corpus writes "e-mail" three times, so "email" is no rare word: spelled_df)
KNOWN_FALSE_ABSTENTIONS = {"nlp-12", "f11-19"}
KNOWN_MISSED_ABSTENTIONS = {"ml-10", "ml-63"}
# decisions that the CPU's kernels settle (round 16): the int8 query vectors of the default runtime come from
# onnxruntime's int8 matrix kernels, which differ between CPUs with AVX-512 VNNI and AVX2-only CPUs by a cosine of
# about .01, and the index's vectors are bfloat16 on CPUs with AMX and float32 elsewhere. f8-20 ("graph neural
# network like a GCN ... message passing", unanswerable) has support .4358 on an AMD EPYC with AVX2, .012 above the
# unknown-names bound .424, and fell under it on the AMX machine the sets were written on: on either side it counts
# as known, and nowhere else may a decision differ from the lists.
CPU_DEPENDENT = {"f8-20"}
# answerable development questions the unfound-words branch withholds (round 13, fresh10): their unfound words are
# the asker's setting ("email", "pretty"; "dashcam", "thrilled"), not a topic the corpus lacks; no general signal
# that spares them and keeps f10-20 withheld was found (docs/answer-quality.md, "Round 13")
# round 15 (abst16u): f10-16's "email" is a word the corpus writes "e-mail" (spelled_df), so only "pretty" is
# unfound and it is answered; f10-19 ("dashcam", "thrilled") stays withheld: counting only the words of its ask would
# answer it, but its labelled section is not retrieved and the answer is not useful (docs/answer-quality.md, "Round 15")
KNOWN_UNFOUND_FALSE_ABSTENTIONS = {"f10-19"}
# which rule withholds each known false abstention, and fresh11's true one (round 13, abst16p): f11-19 and f11-20
# (TransE, the corpus has no knowledge-graph embeddings; judged useful) are both withheld by the coverage branch, with
# one unfound word each ("weird"; "trans"), so the unfound-words branch is not what separates them
KNOWN_DECIDING_RULES = {"nlp-12": "coverage", "f10-16": None, "f11-19": "coverage",
                        # round 14 (abst16s): f12-20 (instrumental variables, "2SLS"; coverage .367) is withheld by
                        # the unknown-names branch, and so is f11-20 ("TransE"; its coverage, .332, would withhold it
                        # next); f12-18 (a uint8 integral image), withheld by the unfound-words branch for "grayscale"
                        # and "garbage" before, is answered (the corpus also writes "greyscale")
                        "f11-20": "names", "f12-18": None, "f12-20": "names",
                        # round 15 (abst16u): f10-16 ("email" is "e-mail" in the corpus) is answered; f10-19 (its
                        # labelled section not in its top 5, so no member of the sets above) and f10-20 stay withheld
                        # by the unfound-words branch
                        "f10-19": "unfound", "f10-20": "unfound",
                        # round 15 (ret16v): f13-19 (mode collapse in the asker's words; "spits", "pretty" unfound)
                        # is answered, its diagnosis named by its first hit (diagnosis_covered); f13-20 (spiking
                        # networks, Loihi; unanswerable) stays withheld by the unfound-words branch
                        "f13-19": None, "f13-20": "unfound"}


def _deciding_rule(answerer, r) -> str | None:
    """Which rule of the served answerer withholds ``r`` (None: it answers), in the order ``Answerer.abstains`` and
    ``CoverageRule.abstains`` apply them: the support threshold, the unfound-words branch, the unknown-names branch,
    the coverage branch."""
    from mlnotes.assistant.answering.retrieve import identifier_found, should_abstain

    if identifier_found(answerer.term_coverage(), r.asked, r.hits):
        return None  # a rare code identifier that a hit uses (round 18): never withheld
    if should_abstain(r, answerer.abstain_threshold):
        return "support"
    rule, cov = answerer.abstain_coverage, answerer.term_coverage()
    if rule.abstains(r, cov, r.read):
        unfound = cov.unfound(r.asked, r.read, r.hits)
        if rule.absent_terms and r.support < max(rule.support, rule.absent_support) and \
                len(unfound) >= rule.absent_terms and not diagnosis_covered(cov, r.read, r.hits, rule.coverage):
            return "unfound"
        if rule.unknown_names and cov.unknown_names(r.asked, r.read):
            return "names"
        return "coverage"
    return None


def test_on_the_development_questions_found_answers_are_given_and_unanswerable_ones_withheld():
    """Property over the development questions (gold tune, external, unanswerable tune, fresh1-13), answered as the
    served answerer decides (calibrated support threshold and coverage rule, the question as the search read it):
    no answerable question whose labelled section is among the top 5 hits abstains, and every unanswerable one
    does, except the listed known misses (the sets must match exactly, so a new miss or a fixed one shows); the
    known false abstentions and f11-20 are withheld by the listed rules."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.services import use_index_files
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.retrieval import dedupe, section_key
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = Answerer(index, REPO_ROOT / "corpus")
    use_index_files(answerer, index.home, log=lambda m: None)  # the precomputed sentences, as served
    assert answerer.abstain_coverage is not None  # the calibrated rule, not the support threshold alone
    false_abstentions, missed, found, rules = set(), set(), 0, {}
    for q in _dev_questions():
        r = retrieve(index, q.question, "hybrid", 6)
        abstains = answerer.abstains(r.read or q.question, r)
        if q.id in KNOWN_DECIDING_RULES:
            rules[q.id] = _deciding_rule(answerer, r)
            assert (rules[q.id] is not None) == abstains, q.id
        if not q.answerable:
            if not abstains:
                missed.add(q.id)
            continue
        top = dedupe([section_key(h.chunk.doc_id, h.chunk.section_id) for h in r.hits])[:5]
        if set(top) & set(q.relevant):
            found += 1
            if abstains:
                false_abstentions.add(q.id)
    assert found > 500  # the property covers most of the development questions
    assert false_abstentions == KNOWN_FALSE_ABSTENTIONS
    assert missed - CPU_DEPENDENT == KNOWN_MISSED_ABSTENTIONS
    assert rules == KNOWN_DECIDING_RULES


def test_on_the_development_questions_unfound_words_abstain_only_on_unanswerable_ones():
    """Property over the development questions (gold tune, external, unanswerable tune, fresh1-13) with the real
    index and the calibrated rule: the unfound-words branch (two or more words the corpus never uses or uses once
    outside the retrieved sections, under the support bound .48) withholds no answerable question but the known one of
    fresh10 (f10-19: exactly that, so a new one or a fixed one shows; f10-16 is answered since round 15), and it fires
    on f7-20 (under the coverage rule's support bound), f9-20, f10-20 and f13-20 (above it); the questions it spares
    because a top hit names their diagnosis (``diagnosis_covered``) are answerable, exactly f13-19."""
    from mlnotes.assistant.answer import load_calibration
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    cov = TermCoverage(index.iter_chunks(), index.chunk_term_sets())
    got = load_calibration()["abstain_coverage"]
    rule = CoverageRule(float(got["coverage"]), float(got["support"]))
    bound = max(rule.support, rule.absent_support)
    assert bound > rule.support  # the branch reaches above the coverage rule's bound
    fired, above, answerable, spared = set(), set(), set(), {}
    for q in _dev_questions():
        if len(cov.unfound(q.question, "", [])) < rule.absent_terms:
            continue  # cheap pre-filter: the branch cannot fire (hits and the read question only remove words)
        r = retrieve(index, q.question, "hybrid", 6)
        if r.hits and r.support < bound and len(cov.unfound(r.asked, r.read, r.hits)) >= rule.absent_terms:
            if diagnosis_covered(cov, r.read, r.hits, rule.coverage):
                spared[q.id] = q.answerable  # a symptom whose diagnosis a top hit names (round 15)
                continue
            fired.add(q.id)
            if r.support >= rule.support:
                above.add(q.id)
            if q.answerable:
                answerable.add(q.id)
            assert rule.abstains(r, cov, r.read), q.id  # as the answerer calls it
    assert answerable == KNOWN_UNFOUND_FALSE_ABSTENTIONS
    assert {"f7-20", "f9-20", "f10-20", "f13-20"} <= fired and {"f9-20", "f10-20", "f13-20"} <= above
    # the questions the diagnosis spares are answerable (tolerance none: a spared unanswerable question would be a
    # released true abstention); on the development data only f13-19 (round 15)
    assert spared == {"f13-19": True}


# development questions that name their subject by a word the corpus never uses (TermCoverage.unknown_names), with a
# support under the coverage rule's bound (.424): all unanswerable (round 14, abst16s; u15 and u33 are also under the
# support threshold). The answerable ones with such a name are above the bound: f7-16 "TCN" (.551) and f9-19 "CT"
# (.468, the closest: .044 above it)
KNOWN_UNKNOWN_NAMES_UNDER_BOUND = {"u15", "u25", "u33", "f4-20", "f6-20", "f7-20", "f8-20", "f11-20", "f12-20"}
KNOWN_UNKNOWN_NAMES_ANSWERABLE = {"f7-16", "f9-19"}


def test_on_the_development_questions_unknown_names_abstain_only_on_unanswerable_ones():
    """Property over the development questions (gold tune, external, unanswerable tune, fresh1-13) with the real
    index and the calibrated rule: the questions that use a name no chunk uses and have a support under the coverage
    rule's bound are exactly the listed unanswerable ones (so a new one or a lost one shows), every one of them is
    withheld by the answerer, and every answerable question with such a name has a support at least .04 above the
    bound (the margin on the development data; a smaller one means the branch is near a false abstention)."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.services import use_index_files
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = Answerer(index, REPO_ROOT / "corpus")
    use_index_files(answerer, index.home, log=lambda m: None)  # the precomputed sentences, as served
    rule, cov = answerer.abstain_coverage, answerer.term_coverage()
    assert rule is not None and rule.unknown_names
    under, answerable = set(), set()
    for q in _dev_questions():
        if not cov.unknown_names(q.question):
            continue  # cheap pre-filter: the read question only removes names (corrected typos)
        r = retrieve(index, q.question, "hybrid", 6)
        if not cov.unknown_names(r.asked, r.read):
            continue
        if q.answerable:
            answerable.add(q.id)
            assert r.support >= rule.support + 0.04, (q.id, r.support)
        if r.support < rule.support:
            under.add(q.id)
            assert not q.answerable and answerer.abstains(r.read or q.question, r), q.id
    assert under - CPU_DEPENDENT == KNOWN_UNKNOWN_NAMES_UNDER_BOUND - CPU_DEPENDENT
    assert answerable == KNOWN_UNKNOWN_NAMES_ANSWERABLE


def test_on_the_development_questions_hyphen_spellings_spare_only_answerable_questions():
    """Property over the development questions (gold tune, external, unanswerable tune, fresh1-13) with the real
    index (round 15): the words that count as used only because the corpus writes them with a hyphen
    (``hyphen_joined``: "email" for "e-mail", "lowercase", "L-BFGS") belong to answerable questions only; no
    unanswerable question loses an unfound word by them (measured with each question's unfound words read without
    hits: g269 "semidefinite", ml-66~2 "RCNNs", f9-10 "LBFGS", f10-01 and f10-16 "email", f12-08 "email" and
    "lowercase", all answerable; with their hits only f10-16's decision changes). Tolerance: none on the
    unanswerable side, since each lost word can release a true abstention."""
    from collections import Counter

    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    cov = TermCoverage(index.iter_chunks(), index.chunk_term_sets())
    plain = TermCoverage(index.iter_chunks(), index.chunk_term_sets())
    plain.joined_df = Counter()
    spared = {q.id: q.answerable for q in _dev_questions()
              if cov.unfound(q.question, "", []) != plain.unfound(q.question, "", [])}
    assert spared and all(spared.values()), spared
    assert "f10-16" in spared


def test_one_unknown_word_in_singular_and_plural_counts_once_among_the_unfound_words():
    """Round 16 (f14-06): "one model per SKU ... for ~5,000 SKUs" was withheld by the unfound-words branch, which
    reads two unfound words as a name the corpus lacks, although both were one word: the stemmer leaves "s" after a
    vowel ("SKUs" -> "skus"). A word and its plural count once (``one_per_word``); two different unknown words
    still withhold the answer."""
    from mlnotes.assistant.answering.retrieve import one_per_word

    assert one_per_word({"sku", "skus", "demand"}) == {"sku", "demand"}
    assert one_per_word({"box", "boxes"}) == {"box"} and one_per_word({"censor", "hazard"}) == {"censor", "hazard"}
    forecast = chunk("exponential smoothing forecasts weekly demand per series", ("Time series",))
    common = [chunk("big models give good results") for _ in range(2)]
    cov = TermCoverage([*CHUNKS, forecast, *common])
    rule = CoverageRule(coverage=0.3523, support=0.424)
    hits = [SimpleNamespace(chunk=forecast)]
    one = "weekly demand forecasts per SKU for 5,000 SKUs"
    assert tokenize("SKU SKUs") == ["sku", "skus"]  # the stemmer keeps the plural apart
    assert cov.unfound(one, one, hits) == {"sku"}
    assert not rule.abstains(Retrieved(hits, np.zeros(3), 0.455, 0.0, one, one), cov, one)
    two = "weekly demand forecasts per SKU with a hierarchical reconciler"
    assert len(cov.unfound(two, two, hits)) >= 2
    assert rule.abstains(Retrieved(hits, np.zeros(3), 0.455, 0.0, two, two), cov, two)


def test_a_rare_code_identifier_that_a_hit_uses_is_never_withheld_and_its_hit_leads():
    """Round 18 (f15-18's shape): a question that is mostly an error message and a setting around a function the
    corpus documents ("our CI job dies at fetch_california_housing() with a URLError ... no outbound internet") has a
    dense support under the threshold and words the corpus never uses ("URLError", "outbound"), so every rule
    withheld it. A code identifier it names that at most IDENTIFIER_DF chunks use, used by one of its hits, says the
    corpus documents the thing asked about: the answerer does not withhold it, and that hit moves to the front. An
    identifier that many chunks use, one that no hit uses, or none at all changes nothing."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.retrieve import IDENTIFIER_DF, identifier_first, identifier_found

    loaders = chunk("A second group of loaders, named `fetch_*`, download data from the internet the first time; the "
                    "most useful is `fetch_california_housing`.")
    ci = chunk("CI runs unit tests for feature code as a job on every commit.")
    common = [chunk(f"iterate over batch_loader at step {i}") for i in range(IDENTIFIER_DF + 1)]
    cov = TermCoverage([*CHUNKS, loaders, ci, *common])
    q = "our CI job dies at fetch_california_housing() with a URLError. no outbound internet"
    hits = [SimpleNamespace(chunk=ci), SimpleNamespace(chunk=loaders)]
    assert identifier_found(cov, q, hits) and not identifier_found(cov, q, hits[:1])  # the hit must use it
    assert not identifier_found(cov, "our CI job dies with a URLError", hits)  # no identifier
    assert not identifier_found(cov, "why is batch_loader slow in the CI job", [SimpleNamespace(chunk=common[0])])
    r = Retrieved(hits, np.zeros(3), 0.24, 0.0, q, q)
    assert [h.chunk for h in identifier_first(cov, r).hits] == [loaders, ci]
    plain = Retrieved(hits, np.zeros(3), 0.24, 0.0, "our CI job fails", "our CI job fails")
    assert identifier_first(cov, plain) is plain
    index = SimpleNamespace(embed_texts=lambda texts: np.zeros((len(texts), 3)),
                            iter_chunks=lambda: iter([*CHUNKS, loaders, ci, *common]))
    answerer = Answerer(index, ".", abstain_coverage=CoverageRule(0.3523, 0.424))
    assert answerer.abstain_threshold > 0.24 and CoverageRule(0.3523, 0.424).abstains(r, cov, q)  # withheld before
    assert not answerer.abstains(q, r)
    assert answerer.abstains(q, Retrieved(hits[:1], np.zeros(3), 0.24, 0.0, q, q))  # no hit uses it: the support


def test_on_the_development_questions_rare_identifiers_spare_only_answerable_questions():
    """Property over every development question (gold tune, external, unanswerable tune, fresh1-15; round 18): the
    questions a rare code identifier spares from abstention (``identifier_found`` with their hits) are all
    answerable (tolerance none: each would release a true abstention), and the one the rules withheld before is
    exactly f15-18 (so a new one shows)."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.retrieve import identifier_found, retrieve
    from mlnotes.assistant.services import use_index_files
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.data import DATASETS, _load
    from mlnotes.kb.index import Index
    from mlnotes.kb.query import code_identifiers

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = Answerer(index, REPO_ROOT / "corpus")
    use_index_files(answerer, index.home, log=lambda m: None)
    cov = answerer.term_coverage()
    questions = [*_dev_questions(), *(q for n in ("14", "15") for q in _load(DATASETS / f"judged_fresh{n}.jsonl", True))]
    spared, released = {}, set()
    for q in questions:
        if not code_identifiers(q.question):
            continue  # cheap pre-filter
        r = retrieve(index, q.question, "hybrid", 6)
        if identifier_found(cov, r.asked, r.hits):
            spared[q.id] = q.answerable
            if should_withhold_without(answerer, r):
                released.add(q.id)
    assert spared and all(spared.values()), spared
    assert released == {"f15-18"}


def should_withhold_without(answerer, r) -> bool:
    """Whether the support threshold or the coverage rule alone withholds ``r`` (the rules before round 18)."""
    from mlnotes.assistant.answering.retrieve import should_abstain

    return should_abstain(r, answerer.abstain_threshold) or answerer.abstain_coverage.abstains(
        r, answerer.term_coverage(), r.read or r.asked)


def test_a_question_around_a_rare_function_is_answered_from_the_section_that_documents_it(answerer):
    """f15-18 (development, fresh15; round 18): "our CI job dies at fetch_california_housing() with a URLError ...
    no outbound internet" abstained (support .23, "URLError" and "outbound" unknown words). Now it is answered and
    its first sentence comes from its labelled section (the ``fetch_*`` loaders, which download on first use) and
    says that they download their data; before round 18's lead rule the first sentence was a CI-pipeline sentence of
    the first hit ("In a real pipeline the same function runs as a CI job after training ...")."""
    from mlnotes.eval.data import DATASETS, _load

    q = next(q for q in _load(DATASETS / "judged_fresh15.jsonl", True) if q.id == "f15-18")
    ans = answerer.answer(q.question, generator=None)
    assert not ans.abstained and ans.sentences
    first = ans.sentences[0]
    src = next(s for s in ans.sources if s.n == first.source)
    assert f"{src.doc_id}#{src.section_id}" in q.relevant, (src.doc_id, src.section_id)
    assert "download" in first.text.lower(), first.text


def test_a_code_identifier_the_corpus_never_writes_is_covered_by_a_chunk_that_uses_its_words():
    """Round 19 (abst19b, f17-10's shape): "got a 12 GB CSV of click logs ... will pandas read_csv cope, and if not
    what should I use" was withheld by the coverage branch: BM25's tokenizer keeps ``read_csv`` as one term, the
    corpus never writes it, so it weighed most (IDF of df 0) although the first hit, on pandas "reading CSV" and data
    that exceeds memory, uses both its words. Such an identifier counts as covered (and not unfound) by a chunk that
    uses every word of it; one the corpus writes itself, a chunk missing one of its words, or a plain word does not."""
    tools = chunk("pandas is good for labelled tables and reading CSV; reach for Polars when data exceeds memory",
                  ("Tools",))
    other = chunk("read the docs before you tune anything", ("Misc",))
    common = [chunk("big models give good results") for _ in range(2)]
    cov = TermCoverage([*CHUNKS, tools, other, *common])
    have = cov._chunk_terms(tools)
    assert cov.df.get("read_csv", 0) == 0
    assert cov.identifier_in_words("read_csv", have)
    assert not cov.identifier_in_words("read_csv", cov._chunk_terms(other))  # "csv" missing
    assert not cov.identifier_in_words("to_parquet", have)  # "parquet" missing
    assert not cov.identifier_in_words("panda", have) and not cov.identifier_in_words("csv", have)  # no identifier
    q = "will pandas read_csv cope with big data"
    without = cov._coverage(question_terms(q) - {"read_csv"}, tools)
    assert cov.coverage(q, tools) > without  # the identifier's weight is covered, not dropped
    assert "read_csv" not in cov.unfound(q, q, [SimpleNamespace(chunk=tools)])
    assert "read_csv" in cov.unfound(q, q, [SimpleNamespace(chunk=other)])
    # an identifier that a chunk writes as such is an ordinary term: covered only where it is written
    own = TermCoverage([*CHUNKS, tools, chunk("call read_csv with chunksize"), *common])
    assert not own.identifier_in_words("read_csv", have)


def test_on_the_development_questions_identifiers_read_as_words_change_only_answerable_decisions():
    """Property over every development question (gold tune, external, unanswerable tune, fresh1-17; round 19,
    abst19b): the decisions that reading an unwritten code identifier by its words
    (``TermCoverage.identifier_in_words``) changes are all on answerable questions (tolerance none: each change on an
    unanswerable one releases a true abstention), and the one it releases is exactly f17-10 (so a new one shows)."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.services import use_index_files
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.data import DATASETS, _load
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = Answerer(index, REPO_ROOT / "corpus")
    use_index_files(answerer, index.home, log=lambda m: None)
    cov = answerer.term_coverage()
    questions = [*_dev_questions(), *(q for n in range(14, 18) for q in _load(DATASETS / f"judged_fresh{n}.jsonl", True))]
    changed, touched = {}, set()
    for q in questions:
        if not any("_" in t and not cov.df.get(t, 0) for t in question_terms(q.question)):
            continue  # cheap pre-filter: no unwritten identifier
        touched.add(q.id)
        r = retrieve(index, q.question, "hybrid", 6)
        now = answerer.abstains(r.read or q.question, r)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(TermCoverage, "identifier_in_words", lambda self, term, have: False)
            before = answerer.abstains(r.read or q.question, r)
        if now != before:
            changed[q.id] = (q.answerable, now)
    assert touched  # the property has questions to read
    assert all(answerable for answerable, _ in changed.values()), changed
    assert changed == {"f17-10": (True, False)}


def _piece(doc: str, section: str, text: str, kind: str = "guide", piece: int = 0):
    return SimpleNamespace(id=f"{doc}#{section}" + (f"~{piece}" if piece else ""), doc_id=doc, section_id=section,
                           text=text, breadcrumbs=["Doc"], kind=kind)


def test_a_section_covers_the_question_with_all_its_pieces_but_a_reference_list_piece_by_piece():
    """Round 20 (abst20b): the coverage and the unfound words read the terms of a retrieved piece's whole section,
    not of the piece alone (f18-09: the complexity table's Isomap row, retrieved, covered .31 of "is isomap feasable
    ... roughly what does it cost in time and memory, and which step blows up"; its section's prose around the
    table, .56). A piece of a reference list (kind "reference") stays alone: its pieces are separate entries."""
    table = _piece("complexity", "dimensionality", "| Isomap | kNN + shortest paths + eigen | O(n^2) |", piece=2)
    prose = _piece("complexity", "dimensionality", "The cost of each step in time and memory; which step dominates.")
    other = _piece("complexity", "clustering", "k-means costs time per iteration")
    ref_a = _piece("references", "entries", "Isomap: a global geometric framework", kind="reference")
    ref_b = _piece("references", "entries", "cost of each step in time and memory", kind="reference", piece=1)
    cov = TermCoverage([table, prose, other, ref_a, ref_b])
    q = "which step of isomap costs time and memory?"
    assert cov.coverage(q, table) == pytest.approx(1.0)  # the prose piece of its section says the rest
    assert cov.coverage(q, table) > cov._coverage(question_terms(q), SimpleNamespace(**{**vars(table), "doc_id": None}))
    assert cov.coverage(q, other) < 0.5  # another section's words do not count
    assert cov.coverage(q, ref_a) < 0.5  # nor another entry of the reference list
    assert cov.section_terms(ref_a) == set(tokenize("Doc Isomap: a global geometric framework"))
    # the unfound words: a rare word that the retrieved piece's section uses is found
    hits = [SimpleNamespace(chunk=table)]
    assert cov.unfound("isomap dominates the cost", "", hits) == set()
    assert cov.unfound("isomap dominates the cost", "", [SimpleNamespace(chunk=other)]) == {"domin"}


def test_on_the_development_questions_section_coverage_changes_only_answerable_decisions():
    """Property over every development question (gold tune, external, unanswerable tune, fresh1-18; round 20,
    abst20b): the decisions that reading a retrieved piece's whole section (``TermCoverage.section_terms``) instead
    of the piece alone changes are all on answerable questions (tolerance none: each change on an unanswerable one
    releases a true abstention), and they are exactly fresh18's f18-09 (so a new one shows; f18-07 too until round 21)."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.retrieve import retrieve
    from mlnotes.assistant.services import use_index_files
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.data import DATASETS, _load
    from mlnotes.kb.index import Index

    index, _ = Index.load_or_build(REPO_ROOT / "corpus", REPO_ROOT / ".mlnotes" / "index", log=lambda m: None)
    answerer = Answerer(index, REPO_ROOT / "corpus")
    use_index_files(answerer, index.home, log=lambda m: None)
    questions = [*_dev_questions(), *(q for n in range(14, 19) for q in _load(DATASETS / f"judged_fresh{n}.jsonl", True))]
    changed, unanswerable = {}, 0
    for q in questions:
        r = retrieve(index, q.question, "hybrid", 6)
        now = answerer.abstains(r.read or q.question, r)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(TermCoverage, "section_terms", lambda self, chunk: self._chunk_terms(chunk))
            before = answerer.abstains(r.read or q.question, r)
        unanswerable += not q.answerable
        if now != before:
            changed[q.id] = (q.answerable, now)
    assert unanswerable >= 40  # the property reads the unanswerable development questions
    assert all(answerable for answerable, _ in changed.values()), changed
    # round 21 (abst21): f18-07 gets a diagnosis (monotonic constraints, kb/query.py) whose terms its second hit covers,
    # so it is answered with the piece reading too and no longer rests on the section reading
    assert changed == {"f18-09": (True, False)}
