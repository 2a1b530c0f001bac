"""The second abstention signal (assistant/answering/retrieve.py: TermCoverage, CoverageRule) and its calibration
(eval/calibrate.py: choose_coverage), against closed-form IDF values and a brute-force search over every rule."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from mlnotes.assistant.answering.retrieve import CoverageRule, Retrieved, TermCoverage, question_terms
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
    rule = CoverageRule(coverage=0.5, support=0.45)
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
    rule = CoverageRule(coverage=0.35, support=0.42)
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
