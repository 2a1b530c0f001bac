"""Worked numbers (answering.worked): each formula is one the corpus states, checked against the section's own worked
example and an independent computation; the question's values are bound by general parsing and a missing or
ambiguous value declines."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache

import numpy as np
import pytest
from scipy import stats

from mlnotes.assistant.answering import worked as W
from mlnotes.assistant.settings import REPO_ROOT

ALL_KEYS = [s for f in W.FORMULAS for s in f.sections]


@lru_cache(maxsize=1)
def section_texts() -> dict[str, str]:
    """Each section's text (its chunks joined, whitespace-normalised), keyed ``doc_id#section_id``."""
    from mlnotes.assistant.corpus import section_chunk_texts

    return {k: " ".join(" ".join(v).split()) for k, v in section_chunk_texts(REPO_ROOT / "corpus").items()}


def line(question: str, keys=ALL_KEYS) -> W.Worked | None:
    got = W.worked_lines(question, keys)
    return got[0] if got else None


# -- (1) every formula is one the corpus states --------------------------------------------------------------

@pytest.mark.parametrize("f", W.FORMULAS, ids=lambda f: f.id)
def test_each_formula_is_stated_by_its_corpus_sections(f):
    texts = section_texts()
    for key in f.sections:
        assert key in texts, f"{f.id}: no section {key}"
    assert any(" ".join(f.states.split()) in texts[k] for k in f.sections), f"{f.id}: {f.states!r} not in its section"


def test_the_functions_reproduce_the_sections_own_worked_examples():
    t = section_texts()
    # bottleneck: "At 256 channels ... ≈ 70K ... ≈ 1.18M ... at 512 channels, 278,528 against 4,718,592"
    b, full = W.bottleneck_weights(256)
    assert round(b / 1000) == 70 and round(full / 1e6, 2) == 1.18
    assert W.bottleneck_weights(512) == (278_528, 4_718_592)
    assert "278,528 against 4,718,592" in t["deep-learning-architectures#bottleneck-blocks"]
    # exercise 10.4: one 5x5 is 25C^2 + C, two 3x3 are 18C^2 + 2C, fields 5 and 3 + 2 = 5
    c = 64
    assert W.conv_params(5, c, c) == 25 * c * c + c and 2 * W.conv_params(3, c, c) == 18 * c * c + 2 * c
    assert W.stacked_field(3, 2) == 5 == W.stacked_field(5, 1) and W.stacked_field(3, 3) == 7
    # exercise 12.1: gamma 0.99, eps 0.01 -> T > 458.2, 459 steps
    assert round(W.discount_steps(0.99, 0.01), 1) == 458.2
    assert "$T > 458.2$, so 459 steps" in t["ch12-reinforcement-learning#exercise-121-discounting-and-the-effective-horizon"]
    # reporting uncertainty: accuracy 0.9 to +-1 point -> about 3,500 examples
    assert round(W.margin_sample_size(0.9, 0.01), -2) == 3500
    # decoding a 7B model in fp16 at 2 TB/s: about 140 tokens/s at best
    assert 135 < W.decode_tokens_per_s(7e9, 2, 2e12) < 145
    assert "about 140 tokens/s" in t["algorithm-complexity#practical-estimates-turning-flops-into-seconds"]
    # nested CV: "With 5 outer and 5 inner folds and a grid of G settings, the cost is 25G fits"
    assert W.nested_cv_fits(5, 5, 7) == 25 * 7
    assert "the cost is 25G fits" in t["interview-evaluation#what-is-nested-cross-validation-and-when-do-you-need-it"]


# -- independent computations ---------------------------------------------------------------------------------

def test_conv_and_bottleneck_counts_match_a_direct_count_of_the_weight_arrays():
    # torch is not installed here: the weight arrays' sizes, as Conv2d allocates them (out, in, k, k) + (out,)
    def conv(k, cin, cout, bias=True):
        return np.zeros((cout, cin, k, k)).size + (np.zeros(cout).size if bias else 0)
    for c in (64, 128, 512):
        assert W.conv_params(3, c, c) == conv(3, c, c)
        assert W.conv_params(7, c, c, bias=False) == conv(7, c, c, bias=False)
        m = c // 4
        block = conv(1, c, m, False) + conv(3, m, m, False) + conv(1, m, c, False)
        assert W.bottleneck_weights(c) == (block, 2 * conv(3, c, c, False))


def test_receptive_field_matches_a_direct_propagation_of_one_output_pixel():
    for k, n in ((3, 1), (3, 2), (3, 3), (5, 2)):
        lo = hi = 0  # the input span one output pixel sees, walked back through n stride-1 layers
        for _ in range(n):
            lo, hi = lo - k // 2, hi + k // 2
        assert W.stacked_field(k, n) == hi - lo + 1


def test_discount_steps_match_a_direct_loop_over_the_tail():
    for g, eps in ((0.98, 0.01), (0.9, 0.05), (0.99, 0.001)):
        steps = 0
        while g ** steps >= eps:  # the tail after T steps is gamma^T of the whole return
            steps += 1
        assert math.floor(W.discount_steps(g, eps)) + 1 == steps


def test_expected_counts_and_z_match_scipy():
    table = [[2, 8], [7, 4]]
    np.testing.assert_allclose(W.expected_counts(table), stats.contingency.expected_freq(np.array(table)))
    xa, na, xb, nb = 600, 15_000, 690, 15_000
    chi2 = stats.chi2_contingency(np.array([[xa, na - xa], [xb, nb - xb]]), correction=False)[0]
    assert W.two_proportion_z(xa, na, xb, nb) == pytest.approx(math.sqrt(chi2))  # z^2 = chi^2 on a 2x2 table


def test_sample_size_gives_the_asked_half_width():
    for p, m in ((0.85, 0.01), (0.6, 0.02)):
        n = W.margin_sample_size(p, m)
        assert stats.norm.ppf(0.975) * math.sqrt(p * (1 - p) / n) == pytest.approx(m, rel=1e-3)


def test_nested_cv_fits_match_counting_sklearns_fits():
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.model_selection import GridSearchCV, cross_val_score

    fits = []

    class Counted(ClassifierMixin, BaseEstimator):
        def __init__(self, c=1):
            self.c = c

        def fit(self, x, y):
            fits.append(1)
            self.classes_ = np.unique(y)
            return self

        def predict(self, x):
            return np.full(len(x), self.classes_[0])

    x, y = np.arange(60.0).reshape(30, 2), np.arange(30) % 2
    search = GridSearchCV(Counted(), {"c": [1, 2, 3, 4]}, cv=3)
    cross_val_score(search, x, y, cv=2, error_score="raise")
    assert len(fits) == W.nested_cv_fits(2, 3, 4) + 2  # + each outer fold's refit of its winner ("refits aside")
    fits.clear()
    search.fit(x, y)  # the final tuning on all the data: the inner search once more
    assert len(fits) == W.nested_cv_fits(1, 3, 4) + 1


def test_cutmix_box_has_the_area_share_one_minus_lambda():
    for lam in (0.64, 0.3):
        bw, bh = W.cutmix_box(224, 160, lam)
        assert bw * bh / (224 * 160) == pytest.approx(1 - lam)


def test_gd_bounds_match_iterating_gradient_descent_on_the_quadratic():
    lo, hi = 0.5, 50.0
    top, best, rate = W.gd_step_bounds(lo, hi)
    a = np.diag([lo, hi])

    def final_norm(eta, steps=400):
        x = np.ones(2)
        for _ in range(steps):
            x = x - eta * a @ x
        return np.linalg.norm(x)
    assert final_norm(top * 0.99) < 1 < final_norm(top * 1.01)
    assert max(abs(1 - best * lo), abs(1 - best * hi)) == pytest.approx(rate)
    assert all(max(abs(1 - e * lo), abs(1 - e * hi)) >= rate - 1e-12 for e in np.linspace(0.001, top, 200))


def test_label_smoothing_ar1_and_zero_point_match_direct_computations():
    from statsmodels.tsa.arima_process import arma_acf, arma_acovf

    for eps, k in ((0.1, 10), (0.2, 4)):
        target = (1 - eps) * np.eye(k)[0] + eps / k  # the corpus's q'_k built as a vector
        assert W.smoothed_targets(eps, k) == pytest.approx((target[0], target[1])) and target.sum() == pytest.approx(1)
    for phi, s2, lag in ((0.8, 1.0, 3), (-0.5, 2.0, 2)):
        var, rho = W.ar1_moments(phi, s2, lag)
        assert var == pytest.approx(arma_acovf([1, -phi], [1], nobs=1, sigma2=s2)[0])
        assert rho == pytest.approx(arma_acf([1, -phi], [1], lags=lag + 1)[lag])
    lo, hi = -1.0, 3.0
    s, z = W.zero_point_uint8(lo, hi)
    xs = np.linspace(lo, hi, 1001)
    q = np.clip(np.round(xs / s) + z, 0, 255)
    assert q.min() == 0 and q.max() == 255 and np.abs(s * (q - z) - xs).max() <= s / 2 + 1e-9


# -- (2) binding by general parsing, declining when unbound or ambiguous ---------------------------------------

def test_explicit_assignments_and_counted_values_are_read():
    p = W.parse("with a discount factor of 0.9 and γ=0.9, lambda drawn is 0.3 on 64 input channels")
    assert W.value_named(p, ("gamma", "γ", "discount")) == 0.9
    assert W.value_named(p, ("lambda",)) == 0.3
    assert W.count_of(p, r"(?:input )?channels") == 64
    assert W.parse("3 out of 40 failed and 12 of 1,000 passed").fractions == [(3, 40), (12, 1000)]
    assert W.parse("a 640 x 480 image, 32×32 patches").sizes == [(640, 480), (32, 32)]


def test_phrasings_bind_to_the_right_formula():
    w = line("with discount factor 0.9 how many steps before the rest of the return is under 5%?")
    assert w is None  # "factor 0.9" binds no name: no '=', 'is', 'of' (declines rather than guessing)
    w = line("discount factor of 0.9: after how many steps is the remaining reward under 5% of the return?")
    assert w.formula == "discount-horizon" and "29 steps" in w.text  # ln 0.05 / ln 0.9 = 28.4
    w = line("is a bottleneck block at 1024 channels much cheaper than two 3x3 convs?")
    assert w.formula == "bottleneck-weights" and "1,114,112" in w.text  # 17/16 * 1024^2
    w = line("how many parameters do two 3x3 conv layers have versus one 5x5, 32 channels, no bias?")
    assert w.formula == "conv-stack-params" and "18,432" in w.text and "25,600" in w.text
    w = line("should I use chi-square here: 30 of 100 clicked in A and 45 of 110 in B")
    assert w.formula == "chi-square-expected" and "all at least 5" in w.text
    w = line("is 120 of 2,000 vs 150 of 2,000 a significant lift? z-test please")
    assert w.formula == "two-proportion-z" and "z = " in w.text
    w = line("with eigenvalues 2 and 20 what learning rate makes gradient descent diverge?")
    assert w.formula == "gd-step-bounds" and "= 0.1;" in w.text


def test_phrasings_of_the_later_formulas():
    w = line("label smoothing with eps = 0.2 over 5 classes: what are the targets?")
    assert w.formula == "label-smoothing-targets" and "0.84" in w.text and "0.04" in w.text
    w = line("an AR(1) series with phi = 0.5 and noise variance 2: its variance and the autocorrelation at lag 2?")
    assert w.formula == "ar1-moments" and "2.67" in w.text and "0.25" in w.text
    w = line("asymmetric uint8 quantization when values range from 0 to 6: scale and zero point?")
    assert w.formula == "zero-point-uint8" and "z = round(−min/s) = 0" in w.text
    w = line("disparate impact: 50% of group A are hired and 45% of group B, is that ok?")
    assert w.formula == "four-fifths-rule" and "0.90" in w.text and "passes" in w.text
    assert line("label smoothing with eps = 0.1: what are the targets?") is None  # no class count
    assert line("an AR(1) with phi = 1.2: what is its variance?") is None  # not stationary


def test_declines_when_a_value_is_missing_or_ambiguous():
    assert line("how many weights does a bottleneck block save compared with two 3x3 convs?") is None
    assert line("bottleneck block with 256 channels in and 512 channels out: how many weights?") is None
    assert line("cutmix with lambda = 0.7: how big is the box?") is None  # no image size
    assert line("cutmix on 224x224 and 256x256 images, lambda = 0.7") is None  # two sizes
    assert line("how many examples do I need for accuracy to plus or minus 1 point?") is None  # no rate
    assert line("chi-square test for 3 of 10 vs 4 of 12 vs 5 of 9") is None  # not a 2x2 table


def test_needs_the_formulas_section_retrieved_and_its_subject_named():
    q = "for discount gamma = 0.98, how many steps until the remaining rewards are less than 1% of the return?"
    assert line(q, ["ch03-statistics#reporting-uncertainty"]) is None
    assert line(q.replace("discount gamma", "rate r"), ALL_KEYS) is None
    assert "228 steps" in line(q).text


# -- a property over the development questions ----------------------------------------------------------------

def dev_questions():
    data = REPO_ROOT / "eval" / "datasets"
    rows = [json.loads(x) for x in (data / "gold.jsonl").read_text().splitlines() if x.strip()]
    rows = [q for q in rows if q.get("split") == "tune"]
    rows += [json.loads(x) for x in (data / "external.jsonl").read_text().splitlines() if x.strip()]
    for n in ["", *range(2, 16)]:
        rows += [json.loads(x) for x in (data / f"judged_fresh{n}.jsonl").read_text().splitlines() if x.strip()]
    return rows


def test_worked_values_come_from_the_question_itself():
    """On every development question (its relevant sections standing in for retrieval), a worked line uses only
    numbers the question states (tolerance: none), apart from the corpus's own defaults (the bottleneck's
    expansion 4, the bias flag), the bytes of a named dtype and a unit read ("30 ms" bound as 0.03 s); a question
    without a digit never gets one."""
    shown = 0
    for q in dev_questions():
        w = line(q["question"], list(q.get("relevant", [])))
        if w is None:
            continue
        shown += 1
        assert re.search(r"\d", q["question"]), q["id"]
        text = q["question"].lower().replace(",", "")
        for name, v in w.values.items():
            if name in ("expansion", "bias") and v in (4.0, 0.0, 1.0):
                continue
            if name == "div_factor" and v == 25.0 and "div_factor" not in text:  # OneCycleLR's default, stated
                continue
            if name == "bytes":  # read from the dtype the question names (fp16: 2 bytes)
                assert any(re.search(r"\b" + d + r"\b", text) for d, b in W._DTYPE_BYTES.items() if b == v), q["id"]
                continue
            forms = {f"{v:g}", f"{v * 100:g}", f"{v:.0f}"} | ({f"{v / 1e9:g}", f"{v / 1e12:g}"} if v >= 1e9 else set())
            forms |= {f"{v * 1000:g}", f"{v:.0e}".replace("e-0", "e-")}  # "30 ms" bound as 0.03 s; "1e-1"
            forms |= {f"{v / 1e3:g}k", f"{v / 1e6:g}m"} if v >= 1e3 else set()  # "100k vocab"
            forms |= {word for word, x in W._WORDS.items() if x in (v, round(v * 100, 9))}  # "half a point"
            assert any(re.search(r"(?<![\d.])" + re.escape(s) + r"(?![\d])", text) for s in forms), \
                (q["id"], name, v)
    # num16u's fifteen, and (num16v, formulas from the corpus survey) f5-10, f13-07, f13-09, f13-10, f13-11;
    # num16w's f13-12 and f5-09; num16x's f14-09, f14-10, f14-11 (f14-18's one-cycle section is retrieved, not labelled)
    assert shown >= 25


# -- the answer shows it as a labelled, cited line that is not an answer sentence ------------------------------

def test_the_answer_shows_the_line_first_cites_its_section_and_keeps_it_out_of_the_sentences(answerer):
    q = "for discount gamma = 0.98, how many steps until the remaining rewards are less than 1% of the total return?"
    ans = answerer.answer(q, generator=None)
    assert len(ans.worked) == 1 and ans.worked[0]["formula"] == "discount-horizon"
    assert ans.text.startswith("**On your numbers** (computed from the formula in [")
    assert "228 steps" in ans.text.split("\n\n")[0]
    src = next(s for s in ans.sources if s.n == ans.worked[0]["source"])
    assert f"{src.doc_id}#{src.section_id}" in W.FORMULAS[2].sections
    assert not any("On your numbers" in s.text or "228" in s.text for s in ans.sentences)
    plain = answerer.answer("how many steps until the remaining discounted rewards are a small part of the return?",
                            generator=None)
    assert plain.worked == [] and not plain.text.startswith("**On your numbers**")


# -- round 15 (num16v): formulas added from a survey of the corpus's worked numbers --------------------------------

def test_the_survey_formulas_reproduce_their_sections_worked_examples():
    t = section_texts()
    # GPipe: the section's own checks, bubble(4, 1) == 0.75 and bubble(4, 32) < 0.09
    assert W.pipeline_bubble(4, 1) == 0.75 and W.pipeline_bubble(4, 32) < 0.09
    assert "assert bubble(4, 1) == 0.75 and bubble(4, 32) < 0.09" in t["advanced-deep-learning#model-pipeline-and-tensor-parallelism"]
    # QLoRA: 32/64 = 0.5 bits, 8/64 + 32/(64*256) ~ 0.127, saving about 0.37
    assert W.scale_bits(64, False) == 0.5 and round(W.scale_bits(64, True), 3) == 0.127
    assert round(W.scale_bits(64, False) - W.scale_bits(64, True), 2) == 0.37
    assert "a saving of about 0.37 bits per parameter" in t["modern-ml-ai-techniques#qlora-nf4-and-double-quantization"]
    # Exercise 14.3: variance 2 sigma^2, rho_1 = -1/2
    assert W.differenced_noise(1.0) == (2.0, -0.5)
    assert r"so $\rho_1 = -1/2$" in t["ch14-time-series#exercise-143-what-differencing-does-to-noise"]
    # Exercise 11.3: 2000 x 0.04 = 80 in flight; Scaling: 1200 x 0.02 = 24 busy workers
    assert W.littles_law(2000, 0.04) == pytest.approx(80) and W.littles_law(1200, 0.02) == pytest.approx(24)
    assert "\\lceil 80 / 5.6 \\rceil = 15" in t["ch11-mlops-production#exercise-113-capacity-from-littles-law"]
    # Exercise 9.4: LSTM(10, 20) 2,560 and GRU(10, 20) 1,920 in PyTorch
    assert W.rnn_params(10, 20, 4) == 2560 and W.rnn_params(10, 20, 3) == 1920
    # Exercise 3.6: m = 20, alpha = 0.05 -> 0.0488 with the correction, 0.642 without
    per, fwer, raw = W.bonferroni_fwer(0.05, 20)
    assert per == 0.0025 and round(fwer, 4) == 0.0488 and round(raw, 3) == 0.642
    # Bayes: 1/6 (ch02), 0.0194 (Exercise 2.7), 0.1538 (Exercise 0.5: R = 0.9, FPR = 0.05, pi = 0.01)
    assert W.positive_predictive_value(0.01, 0.99, 0.05) == pytest.approx(1 / 6)
    assert round(W.positive_predictive_value(0.001, 0.99, 0.05), 4) == 0.0194
    assert round(W.positive_predictive_value(0.01, 0.9, 0.05), 4) == 0.1538
    # KV cache: Llama 2 7B 524,288 bytes per token, 2 GiB at 4,096 tokens; 70B with GQA 327,680
    assert W.kv_cache_bytes(32, 32, 128, 2) == 524_288 and W.kv_cache_bytes(32, 32, 128, 2, 4096) == 2 * 2 ** 30
    assert W.kv_cache_bytes(80, 8, 128, 2) == 327_680
    # random search: 60 samples hit the best 5% with probability ~0.95
    assert round(W.random_search_hit(0.05, 60), 2) == 0.95
    # speculative decoding: alpha 0.8, gamma 4 -> 3.3616 tokens; c = 0.05 -> 2.80
    tok, speed = W.speculative_tokens(0.8, 4, 0.05)
    assert round(tok, 4) == 3.3616 and round(speed, 2) == 2.80
    # 6ND: GPT-3 175B on 300B tokens -> 3.15e23 FLOPs; 28.5 days on 1,024 A100s at 40% of 312 TFLOP/s
    c = W.training_flops(1.75e11, 3e11)
    assert c == pytest.approx(3.15e23) and round(c / (1024 * 0.4 * 312e12) / 86400, 1) == 28.5
    # ViT: 224 x 224 in 16 x 16 patches -> 196 tokens; VIF at r = 0.99 ~ 50
    assert W._vit(W.parse("a 224x224 image with 16x16 patches"))[1] == {"H": 224, "W": 224, "P": 16}
    assert round(W.vif_two(0.99)) == 50
    # sections added to earlier formulas: VGG's 18C^2 vs 25C^2 and 27C^2 vs 49C^2; Exercise 13.1's 59 trials;
    # Exercise 8.5's parity ratio 0.2/0.5 = 0.4; 1/(1 - 0.99) = 100 steps
    assert 2 * W.conv_params(3, 8, 8, False) == 18 * 64 and 3 * W.conv_params(3, 8, 8, False) == 27 * 64
    assert "59 trials" in t["ch13-automl-nas#exercise-131-how-many-random-trials"]
    w = line("random search: how many trials so that one lands in the best 5% with 95% probability?",
             ["ch13-automl-nas#exercise-131-how-many-random-trials"])
    assert w.formula == "random-search-hit" and "59 samples" in w.text
    w = line("disparate impact when 50% of one group and 20% of the other are selected?",
             ["ch08-interpretability#exercise-85-fairness-metrics-on-two-groups"])
    assert w.formula == "four-fifths-rule" and "= 0.40" in w.text
    assert "γ = 0.99 looks about 100 steps ahead" in t["interview-reinforcement-learning#what-does-the-discount-factor-gamma-do"]


def test_bubble_matches_a_simulated_gpipe_schedule():
    """Forward passes of m micro-batches through p stages on a time grid: stage s runs micro-batch i at slot i + s.
    The idle share of the p x slots grid is the bubble (the backward half is the mirror image)."""
    for p, m in ((4, 8), (4, 28), (2, 1), (8, 32)):
        busy = {(s, i + s) for s in range(p) for i in range(m)}
        slots = max(t for _, t in busy) + 1
        assert 1 - len(busy) / (p * slots) == pytest.approx(W.pipeline_bubble(p, m))
    for p, t in ((4, 0.1), (8, 0.05), (4, 0.25)):
        need = W.micro_batches_below(p, t)
        assert W.pipeline_bubble(p, need) < t <= W.pipeline_bubble(p, need - 1)


def test_scale_bits_match_counting_the_stored_scales_of_a_blockwise_quantization():
    rng = np.random.default_rng(0)
    n, block = 64 * 256 * 8, 64
    w = rng.normal(size=n).astype(np.float32)
    scales = np.abs(w.reshape(-1, block)).max(axis=1)  # one absmax scale per block of 64 (float32)
    assert scales.nbytes * 8 / n == W.scale_bits(block, False)
    groups = scales.reshape(-1, 256)  # double quantization: int8 scales, one float32 constant per 256 of them
    q8 = np.round(groups / np.abs(groups).max(axis=1, keepdims=True) * 127).astype(np.int8)
    consts = np.abs(groups).max(axis=1).astype(np.float32)
    assert (q8.nbytes + consts.nbytes) * 8 / n == pytest.approx(W.scale_bits(block, True))


def test_differenced_noise_and_fwer_and_bayes_match_independent_computations():
    from statsmodels.tsa.arima_process import arma_acf, arma_acovf

    for sd in (1.5, 0.3):
        # the difference e_t - e_{t-1} is an MA(1) with coefficient -1
        var, rho = W.differenced_noise(sd * sd)
        assert var == pytest.approx(arma_acovf([1], [1, -1], nobs=1, sigma2=sd * sd)[0])
        assert rho == pytest.approx(arma_acf([1], [1, -1], lags=2)[1])
    for a, m in ((0.05, 20), (0.01, 7)):
        # at least one of m independent level-a/m tests rejects: 1 - P(Binomial(m, a/m) = 0)
        assert W.bonferroni_fwer(a, m)[1] == pytest.approx(1 - stats.binom.pmf(0, m, a / m))
    # Bayes by counting a population of a million people
    for prior, sens, fpr in ((0.001, 0.99, 0.05), (0.02, 0.8, 0.1)):
        pop = 1_000_000
        sick = round(pop * prior)
        tp, fp = round(sick * sens), round((pop - sick) * fpr)
        assert W.positive_predictive_value(prior, sens, fpr) == pytest.approx(tp / (tp + fp), rel=1e-3)


def test_littles_law_matches_a_simulation_of_poisson_arrivals():
    rng = np.random.default_rng(1)
    lam, w, horizon = 200.0, 0.05, 200.0
    arrivals = np.cumsum(rng.exponential(1 / lam, size=int(lam * horizon * 1.1)))
    arrivals = arrivals[arrivals < horizon]
    grid = np.linspace(10, horizon - 10, 4000)  # count requests in the system (arrived, not yet done) on a grid
    in_system = np.searchsorted(arrivals, grid) - np.searchsorted(arrivals + w, grid)
    assert in_system.mean() == pytest.approx(W.littles_law(lam, w), rel=0.05)


def test_rnn_params_kv_bytes_and_patches_match_the_arrays_they_count():
    for d, h in ((10, 20), (300, 128)):
        # PyTorch's LSTM arrays: weight_ih (4h, d), weight_hh (4h, h), bias_ih (4h,), bias_hh (4h,)
        arrays = [np.zeros((4 * h, d)), np.zeros((4 * h, h)), np.zeros(4 * h), np.zeros(4 * h)]
        assert W.rnn_params(d, h, 4) == sum(a.size for a in arrays)
        gru = [np.zeros((3 * h, d)), np.zeros((3 * h, h)), np.zeros(3 * h)]
        assert W.rnn_params(d, h, 3, biases=1) == sum(a.size for a in gru)
    cache = np.zeros((2, 4, 3, 10, 16), dtype=np.float16)  # keys+values, layers, kv heads, tokens, head width
    assert W.kv_cache_bytes(4, 3, 16, 2, tokens=10) == cache.nbytes
    img = np.zeros((3, 224, 160))
    patches = img.reshape(3, 224 // 16, 16, 160 // 16, 16)
    got = W._vit(W.parse("a vit on 224x160 images, 16x16 patches"))
    assert got is not None and f"= {patches.shape[1] * patches.shape[3]} patch tokens" in got[0]


def test_random_search_speculative_and_vif_match_simulations():
    rng = np.random.default_rng(2)
    hits = (rng.random((20_000, 60)) < 0.05).any(axis=1).mean()  # 60 draws, a region of 5% of the space
    assert hits == pytest.approx(W.random_search_hit(0.05, 60), abs=0.01)
    # speculative decoding: each of gamma drafts accepted with prob alpha until the first rejection, plus one token
    alpha, gamma = 0.7, 3
    acc = rng.random((50_000, gamma)) < alpha
    emitted = np.where(acc.all(axis=1), gamma, acc.argmin(axis=1)) + 1
    assert emitted.mean() == pytest.approx(W.speculative_tokens(alpha, gamma)[0], rel=0.02)
    # VIF of one of two predictors: 1/(1 - R^2) from regressing it on the other, R^2 = r^2
    from statsmodels.stats.outliers_influence import variance_inflation_factor
    x1 = rng.normal(size=5000)
    x2 = 0.9 * x1 + math.sqrt(1 - 0.81) * rng.normal(size=5000)
    r = np.corrcoef(x1, x2)[0, 1]
    design = np.column_stack([np.ones(5000), x1, x2])
    assert variance_inflation_factor(design, 1) == pytest.approx(W.vif_two(r), rel=1e-6)


def test_survey_formulas_bind_common_phrasings():
    w = line("pipeline parallelism on 8 GPUs (8 stages) with 16 micro-batches: how much idle time? and for under 5%?")
    assert w.formula == "pipeline-bubble" and "7/23" in w.text and "m ≥ 134" in w.text  # 7/(m+7) < 0.05
    w = line("gpipe with 4 pipeline stages and 12 micro batches, what is the bubble?")
    assert w.formula == "pipeline-bubble" and "3/15" in w.text and "20.0%" in w.text
    w = line("double quantization in qlora with blocksize = 128: bits per parameter for the scales on a 7B model?")
    assert w.formula == "qlora-scale-bits" and "32/128 = 0.25" in w.text and "7e9 parameters" in w.text
    w = line("white noise with variance 4 around a trend, differenced once: variance and acf at lag 1?")
    assert w.formula == "differenced-noise" and "2σ² = 8" in w.text and "−0.5" in w.text
    w = line("we get 300 requests per second and each takes 120 ms; how many workers with little's law?")
    assert w.formula == "littles-law" and "= 36 in the system" in w.text
    w = line("how many parameters in a GRU with input size 300 and hidden size 128?")
    assert w.formula == "rnn-params" and "GRU" in w.text and "LSTM" not in w.text and "165,120" in w.text  # 3·128·428 + 6·128
    w = line("bonferroni for 10 tests at alpha = 0.01: the per-test level and the family-wise error rate?")
    assert w.formula == "bonferroni-fwer" and "0.001" in w.text and "0.009955" in w.text
    w = line("my lr finder curve has its minimum at 3e-2, steepest around 1e-3: what learning rate?")
    assert w.formula == "lr-range-test" and "3e-3" in w.text and "1e-3" in w.text
    w = line("prevalence 2%, sensitivity 90%, false positive rate 10%: posterior after a positive test?")
    assert w.formula == "bayes-positive" and "0.155" in w.text  # 0.018/(0.018 + 0.098)
    w = line("kv cache of a model with 40 layers, 40 heads, head dim 128 in fp16, for 2048 tokens and 8 sequences?")
    assert w.formula == "kv-cache-bytes" and "800 KiB" in w.text and "12.5 GiB" in w.text
    w = line("random search: how many trials to land in the top 1% with 99% probability?")
    assert w.formula == "random-search-hit" and "459 samples" in w.text  # ln 0.01 / ln 0.99 = 458.2
    w = line("speculative decoding with acceptance rate 0.6 and gamma = 5 draft tokens: tokens per pass?")
    assert w.formula == "speculative-tokens" and "2.38" in w.text  # (1 - 0.6^6)/0.4 = 2.3834
    w = line("how much compute to train a 70B model on 1.4T tokens? FLOPs estimate")
    assert w.formula == "training-flops" and "5.88×10^23" in w.text
    w = line("vision transformer on 256x256 inputs with patch size 32: number of tokens?")
    assert w.formula == "vit-patch-tokens" and "= 64 patch tokens" in w.text
    w = line("two predictors with correlation 0.95: variance inflation factor?")
    assert w.formula == "vif-two-features" and "10.3" in w.text


def test_survey_formulas_decline_when_unbound_or_ambiguous():
    assert line("what is the pipeline bubble with 8 micro-batches?") is None  # no stage count
    assert line("pipeline with 4 stages and 8 micro-batches or 16 micro-batches: bubble?") is None  # two m
    assert line("qlora double quantization: how many bits do the scales cost?") is None  # no block size
    assert line("differenced a random walk with noise sd 2: variance of the differences?") is None  # not a trend
    assert line("trend plus noise with sd 1 and variance 4, differenced: variance?") is None  # inconsistent
    assert line("how many workers at 1,000 requests per second?") is None  # no service time
    assert line("how many parameters does an LSTM with hidden size 256 have?") is None  # no input size
    assert line("bonferroni with 20 tests: what level per test?") is None  # no alpha
    assert line("lr finder: which learning rate should I pick?") is None  # no curve values
    assert line("a test with sensitivity 99% and specificity 95%: chance of disease after a positive?") is None
    assert line("sensitivity 90%, specificity 95%, false positive rate 10%, prevalence 1%: posterior?") is None
    assert line("kv cache with 32 layers and 32 heads in fp16?") is None  # no head width
    assert line("random search with 60 trials: is that enough?") is None  # no target region
    assert line("vit on 224x224 images with patch size 15") is None  # patches do not tile the image
    assert line("training a 7B model: how many FLOPs?") is None  # no token count


# -- round 16 (num16w): the formulas the survey still lacked, and the formula sentence as the lead -------------------

def test_round16_formulas_reproduce_their_sections_worked_examples():
    t = section_texts()
    # conv output size: 32x32, 5x5, no padding, stride 1 -> 28; stride 2, padding 2 -> 16
    assert W.conv_output_size(32, 5) == 28 and W.conv_output_size(32, 5, 2, 2) == 16
    assert r"$\lfloor(32+4-5)/2\rfloor+1=16$" in t["interview-cnn-vision#how-do-you-compute-the-output-size-of-a-convolution-layer"]
    # Exercise 9.5: d = 512 -> 1,050,624
    assert W.mha_params(512) == 1_050_624
    # GPT-3: d = 12288, L = 96 -> about 1.74e11
    assert round(W.transformer_params(96, 12288) / 1e11, 2) == 1.74
    # inverted dropout at p = 0.3: a survivor of 2.0 becomes 2.0/0.7
    assert 2.0 * W.dropout_scale(0.3) == pytest.approx(2.0 / 0.7)
    # out of bag: (1 - 1/n)^n -> e^-1 ~ 0.368; with 500 trees about 184 of them
    assert round(W.oob_share(10**6), 3) == 0.368 and round(500 * math.exp(-1)) == 184
    assert "about 184 of them" in t["interview-trees-ensembles#what-is-the-out-of-bag-error-of-a-random-forest"]
    # depthwise separable: C_out = 256, k = 3 -> 0.0039 + 0.111 ~ 0.115
    assert round(W.separable_ratio(3, 256), 3) == 0.115
    # FPN: the canonical 224 x 224 box maps to k0 = 4; halving or doubling the side moves one level
    assert W.fpn_level(224, 224) == (4.0, 4) and W.fpn_level(112, 112)[1] == 3 and W.fpn_level(448, 448)[1] == 5


def test_fpn_level_matches_a_search_over_the_levels_canonical_sizes():
    """Level k covers boxes whose side sqrt(wh) lies in [224 * 2^(k-4), 224 * 2^(k-3)); a direct search over the
    levels (clamped to P2..P5) must agree with the closed form."""
    rng = np.random.default_rng(0)
    for w, h in rng.integers(8, 1400, size=(300, 2)):
        side = math.sqrt(w * h)
        k = next(k for k in range(-10, 20) if 224 * 2.0 ** (k - 4) <= side < 224 * 2.0 ** (k - 3))
        assert W.fpn_level(float(w), float(h))[1] == min(5, max(2, k)), (w, h)


def test_conv_attention_and_dropout_formulas_match_torch():
    torch = pytest.importorskip("torch")
    for n, k, pad, s in ((32, 5, 0, 1), (32, 5, 2, 2), (224, 7, 3, 2), (28, 3, 1, 1), (17, 4, 0, 3), (9, 3, 2, 2)):
        out = torch.nn.functional.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=pad, stride=s)
        assert out.shape[-1] == W.conv_output_size(n, k, pad, s)
    for d, heads in ((512, 8), (768, 12), (64, 4)):
        mha = torch.nn.MultiheadAttention(d, heads)
        assert sum(p.numel() for p in mha.parameters()) == W.mha_params(d)
        layer = torch.nn.TransformerEncoderLayer(d, heads, dim_feedforward=4 * d)
        weights = sum(p.numel() for name, p in layer.named_parameters() if p.dim() == 2)  # no biases, no norms
        assert weights == W.transformer_params(1, d)
    drop = torch.nn.Dropout(p=0.25).train()
    vals = drop(torch.full((10_000,), 3.0)).unique()
    assert vals[-1].item() == pytest.approx(3.0 * W.dropout_scale(0.25))
    # depthwise-separable cost: multiply-adds of the two convolutions against one standard convolution
    c_in, c_out, k, hw = 32, 64, 3, 10 * 10
    standard = torch.nn.Conv2d(c_in, c_out, k, bias=False).weight.numel() * hw
    separable = (torch.nn.Conv2d(c_in, c_in, k, groups=c_in, bias=False).weight.numel()
                 + torch.nn.Conv2d(c_in, c_out, 1, bias=False).weight.numel()) * hw
    assert separable / standard == pytest.approx(W.separable_ratio(k, c_out))


def test_oob_share_matches_bootstrap_draws():
    rng = np.random.default_rng(1)
    n = 200
    left_out = [n - len(np.unique(rng.integers(0, n, n))) for _ in range(4000)]
    assert np.mean(left_out) / n == pytest.approx(W.oob_share(n), abs=0.005)


def test_round16_formulas_bind_common_phrasings():
    w = line("fpn: which pyramid level is a 64x64 proposal pooled from, and a 600x600 one?")
    assert w.formula == "fpn-level" and "P2" in w.text and "P5" in w.text  # 4 - 1.81 -> 2; 4 + 1.42 -> 5
    w = line("FPN on an 800x1333 image: which level does a 100x50 proposal use?")
    assert w.formula == "fpn-level" and "100×50" in w.text and "800" not in w.text and "P2" in w.text
    w = line("what is the output size for a 64x64 input with a 3x3 kernel, stride 2 and padding 1?")
    assert w.formula == "conv-output-size" and "= 32" in w.text and "32×32" in w.text
    w = line("output size of a 3x3 conv with same padding on a 56x56 feature map?")
    assert w.formula == "conv-output-size" and "56×56 per channel" in w.text
    w = line("does a self-attention layer get more parameters with 4 heads or 16 heads? d_model = 256")
    assert w.formula == "mha-params" and "263,168" in w.text and "d/H = 64" in w.text and "d/H = 16" in w.text
    w = line("how many parameters does a transformer with 12 layers and d_model = 768 have?")
    assert w.formula == "transformer-params" and "8.49×10^7" in w.text  # 12 * 12 * 768^2
    w = line("with dropout p = 0.2, what are surviving activations multiplied by during training?")
    assert w.formula == "dropout-scale" and "1.25" in w.text
    w = line("random forest with 200 trees on 5,000 rows: how many trees is each row out of bag for?")
    assert w.formula == "oob-share" and "about 74 of them" in w.text  # 200 * 0.3679
    w = line("depthwise separable 5x5 convolution with 128 output channels: how much cheaper?")
    assert w.formula == "separable-cost" and "0.048" in w.text  # 1/128 + 1/25


def test_round16_formulas_decline_when_unbound_or_ambiguous():
    assert line("fpn: which pyramid level does a proposal use?") is None  # no box size
    assert line("fpn on an 800x1333 image: which pyramid level?") is None  # an image size, no box
    assert line("output size of a conv layer with stride 2 on a 32x32 input?") is None  # no kernel
    assert line("output size of a 3x3 conv on a 32x32 input or a 64x64 input?") is None  # two inputs
    assert line("output size of a 3x3 conv, padding 1 or padding 2, on a 32x32 input?") is None  # two paddings
    assert line("multi-head attention with d_model = 512 and 7 heads: parameters?") is None  # 7 does not divide 512
    assert line("how many parameters does a transformer with d_model = 512 have?") is None  # no layer count
    assert line("what does dropout do at test time?") is None  # no rate
    assert line("how does out-of-bag error work in a random forest?") is None  # no rows, no trees


@pytest.mark.parametrize("q", [
    "faster r-cnn with FPN: how does it pick the pyramid level a proposal is pooled from, e.g. a 96x96 box and a "
    "512x512 box?",
    "in Faster R-CNN with a feature pyramid, which level is RoI pooling done on for a 300x200 proposal?",
    "mask r-cnn with an fpn backbone: from which pyramid level does RoIAlign read a 128x128 region?",
    "two-stage detector with FPN: a 160x160 proposal, which pyramid level?",
])
def test_a_question_giving_values_to_a_stated_formula_is_led_by_that_formula(answerer, q):
    """The lead of an answer whose worked line computes a formula a retrieved section states is the corpus sentence
    stating that formula, not the section's history, set-up or another model's detail (f13-12 led with R-CNN ->
    Fast -> Faster R-CNN; without the rule these four lead with that history, the RoIAlign sentence or the
    two-stage set-up)."""
    ans = answerer.answer(q, generator=None)
    assert ans.worked and ans.worked[0]["formula"] == "fpn-level"
    assert W.states_formula(ans.sentences[0].text, W.formula_named("fpn-level"))


def test_without_values_no_formula_is_forced_to_lead(answerer):
    plain = answerer.answer("how did two-stage detectors get faster from R-CNN to Faster R-CNN?", generator=None)
    assert plain.worked == []
    assert not W.states_formula(plain.sentences[0].text, W.formula_named("fpn-level"))


# -- round 16 (num16x): fresh14's numeric questions: MoE capacity, back-projection, one-cycle, SGNS cost ------------

def test_tuple_and_chained_assignments_bind_each_name():
    p = W.parse("intrinsics fx = fy = 600, cx = 320, cy = 240; pixel (u, v) = (470, 90)")
    got = dict(p.assigned)
    assert (got["fx"], got["fy"], got["cx"], got["cy"], got["u"], got["v"]) == (600, 600, 320, 240, 470, 90)
    assert "u" not in dict(W.parse("(u, v) = (1, 2, 3)").assigned)  # three values for two names: nothing bound


def test_expert_capacity_matches_a_top1_dispatch_with_a_capacity_buffer():
    import torch

    def dropped(assign: torch.Tensor, n: int, cap: int) -> int:
        # Switch-style dispatch: a token's position in its expert's buffer is the running count of earlier tokens
        onehot = torch.nn.functional.one_hot(assign, n)
        pos = (torch.cumsum(onehot, 0) - 1)[torch.arange(len(assign)), assign]
        return int((pos >= cap).sum())

    gen = torch.Generator().manual_seed(0)
    for cf, tokens, n in [(1.25, 4096, 16), (1.0, 4096, 16), (2.0, 1024, 8), (1.0, 60, 7)]:
        cap = W.expert_capacity(cf, tokens, n)
        assert cap == int(cf * tokens / n)
        # one expert gets `routed` tokens, the rest spread at random over the others
        routed = min(400, tokens // 2)
        assign = torch.cat([torch.zeros(routed, dtype=torch.long),
                            torch.randint(1, n, (tokens - routed,), generator=gen)])
        per_expert = torch.bincount(assign, minlength=n)
        assert dropped(assign, n, cap) == int((per_expert - cap).clamp(min=0).sum())
        assert int((per_expert[:1] - cap).clamp(min=0).sum()) == max(0, routed - cap)
    # at capacity factor 1 a perfectly balanced batch fits exactly: N slots of T/N hold all T tokens
    assign = torch.arange(4096) % 16
    assert dropped(assign, 16, W.expert_capacity(1.0, 4096, 16)) == 0
    assert dropped(assign, 16, W.expert_capacity(1.0, 4096, 16) - 1) == 16


def test_back_projection_inverts_the_pinhole_projection():
    rng = np.random.default_rng(0)
    for _ in range(50):
        fx, fy = rng.uniform(200, 1200, 2)
        cx, cy = rng.uniform(100, 700, 2)
        u, v = rng.uniform(0, 800, 2)
        d = rng.uniform(0.2, 10)
        K = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]])
        X = np.array(W.back_project(u, v, d, fx, fy, cx, cy))
        assert np.allclose(X, d * np.linalg.inv(K) @ np.array([u, v, 1.0]))  # the section's X = d K^-1 (u, v, 1)^T
        uvw = K @ X
        assert np.allclose(uvw[:2] / uvw[2], [u, v]) and math.isclose(X[2], d)  # projecting it back gives the pixel


def test_one_cycle_bounds_match_torchs_onecyclelr():
    import torch

    for max_lr, div in [(0.01, 25.0), (3e-3, 10.0)]:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=max_lr)
        total = 15 * 100
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=total, div_factor=div)
        lrs = []
        for _ in range(total):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        start, end = W.one_cycle_bounds(max_lr, div)
        assert lrs[0] == pytest.approx(start) and max(lrs) == pytest.approx(max_lr)
        assert lrs[-1] == pytest.approx(end, rel=0.05)
        # stepped once per epoch (15 calls of 1,500), the rate has barely left its start
        assert lrs[15] < 1.1 * start


def test_sgns_cost_matches_counting_the_dot_products_of_a_training_pass():
    rng = np.random.default_rng(0)
    n_tok, c, k, d, vocab = 400, 3, 4, 8, 50
    tokens = rng.integers(0, vocab, n_tok)
    w_in, w_out = rng.normal(size=(vocab, d)), rng.normal(size=(vocab, d))
    mult_adds = 0
    for i in range(c, n_tok - c):  # interior positions: 2c context words each
        for j in [*range(i - c, i), *range(i + 1, i + c + 1)]:
            targets = [tokens[j], *rng.integers(0, vocab, k)]  # the true context word and K negatives
            scores = w_out[targets] @ w_in[tokens[i]]
            mult_adds += scores.size * d
    assert mult_adds == W.sgns_cost(n_tok - 2 * c, c, k, d)
    # a full softmax scores every vocabulary word per pair: replacing K + 1 by V
    assert W.sgns_cost(n_tok, c, vocab - 1, d) / W.sgns_cost(n_tok, c, k, d) == pytest.approx(vocab / (k + 1))


def test_round16x_formulas_bind_common_phrasings():
    w = line("switch transformer, 8 experts, capacity factor of 1.0, 2048 tokens per batch: how many tokens fit "
             "per expert?")
    assert w.formula == "moe-capacity" and "256 token slots" in w.text and "dropped" not in w.text
    w = line("MoE with 64 experts and a capacity factor 2, batch of 10,000 tokens; 500 tokens are routed to a single "
             "expert")
    assert w.formula == "moe-capacity" and "312 whole token slots" in w.text and "188 are dropped" in w.text
    w = line("back-project pixel (100, 200) with depth 2.0, fx = 500, fy = 400, cx = 300, cy = 200")
    assert w.formula == "back-projection" and "(-0.8, 0, 2)" in w.text
    w = line("OneCycleLR with max_lr = 0.1 and div_factor = 10: what lr does it start at?")
    assert w.formula == "one-cycle-start" and "0.1/10 = 1×10^-2" in w.text and "default" not in w.text
    w = line("skip-gram word2vec with negative sampling, 10 negatives, window 2, 100-dim vectors, 50 million tokens")
    assert w.formula == "sgns-cost" and "5×10^7 × 4 × 11 × 100 = 2.2×10^11" in w.text


def test_round16x_formulas_decline_when_unbound_or_ambiguous():
    assert line("MoE with 16 experts and 4096 tokens: what does the capacity factor do?") is None  # no factor
    assert line("MoE, capacity factor 1.25, 4096 or 8192 tokens per batch, 16 experts") is None  # two token counts
    assert line("back-project pixel (470, 90) at depth 1.5 m with fx = 600, cx = 320") is None  # no fy, cy
    assert line("what is a depth image and how do I back-project it to 3d points?") is None  # no values
    assert line("how does OneCycleLR choose its starting learning rate?") is None  # no max_lr
    assert line("OneCycleLR with max_lr 0.01 or max_lr 0.1?") is None  # two peaks
    assert line("word2vec skip-gram with 5 negatives and 300 dims: cost?") is None  # no corpus size, no window


# -- round 18 (num18): fresh15's numeric questions: Hyperband brackets, replay-buffer memory, the pruning alpha, a
# Poisson count with exposure, Leitner review days ----------------------------------------------------------------

def _corpus_function(doc: str, name: str):
    """A function defined in a corpus code block (the section's own code), executed on its own."""
    text = (REPO_ROOT / "corpus" / doc).read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if f"def {name}(" in b)
    ns: dict = {}
    exec(block.split("\n\n\n")[0] if block.startswith(f"def {name}(") else block, ns)  # noqa: S102
    return ns[name]


def test_round18_formulas_reproduce_their_sections_worked_examples():
    # exercise 13.7: R = 81, eta = 3 against the published table and the bracket costs the solution asserts
    got = {s: [(n, r) for n, r in rounds] for s, rounds in W.hyperband_brackets(81, 3)}
    assert got == {4: [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)], 3: [(34, 3), (11, 9), (3, 27), (1, 81)],
                   2: [(15, 9), (5, 27), (1, 81)], 1: [(8, 27), (2, 81)], 0: [(5, 81)]}
    assert sorted(sum(n * r for n, r in rounds) for rounds in got.values()) == [351, 363, 378, 405, 405]
    # the learning guide's Leitner block: always right [1, 3, 7, 15, 31, 47]; a miss on review 4 [1, 3, 7, 15, 16, 18]
    assert W.leitner_days([True] * 6, 5) == [1, 3, 7, 15, 31, 47]
    assert W.leitner_days([True, True, True, False, True, True], 5) == [1, 3, 7, 15, 16, 18]
    t = section_texts()
    assert "assert always_right == [1, 3, 7, 15, 31, 47]" in t["learning-guide#spaced-repetition"]
    assert "stored as uint8 frames" in t["algorithm-complexity#reinforcement-learning"]


def test_hyperband_matches_running_successive_halving_and_counting_the_epochs():
    rng = np.random.default_rng(0)
    for big_r, eta in ((27, 3), (81, 3), (16, 2), (100, 3), (64, 4)):
        s_max = max(s for s in range(20) if eta ** s <= big_r)  # floor(log_eta R) by search, in integers
        sched = W.hyperband_brackets(big_r, eta)
        assert [s for s, _ in sched] == list(range(s_max, -1, -1))
        for s, rounds in sched:
            n = -(-(s_max + 1) * eta ** s // (s + 1))  # ceil((s_max + 1) eta^s / (s + 1)) in integers
            alive, budget, spent, seen = list(rng.random(n)), big_r / eta ** s, 0.0, []
            for _ in range(s + 1):  # train every survivor at this rung's budget, keep the best 1/eta
                seen.append((len(alive), budget))
                spent += len(alive) * budget
                alive = sorted(alive)[: len(alive) // eta]
                budget *= eta
            assert [k for k, _ in rounds] == [k for k, _ in seen]
            assert [r for _, r in rounds] == pytest.approx([r for _, r in seen])
            assert sum(k * r for k, r in rounds) == pytest.approx(spent)


def test_replay_bytes_match_the_arrays_a_buffer_allocates():
    for shape in ((4, 84, 84), (84, 84, 3), (8,)):
        for dtype, b in (("uint8", 1), ("float32", 4), ("float16", 2)):
            assert W._VALUE_BYTES[dtype] == np.dtype(dtype).itemsize == b
            assert W.replay_bytes(1000, shape, b) == np.zeros((1000, *shape), dtype=dtype).nbytes


def test_pruning_alpha_is_sklearns_effective_alpha_and_the_cost_crossing():
    from sklearn.tree import DecisionTreeClassifier

    # the crossing of R(T_t) + alpha |T_t| and R(t) + alpha, found by a scan over alpha
    for lo, k, hi in ((0.04, 6, 0.09), (0.1, 3, 0.16), (0.0, 10, 0.27)):
        grid = np.linspace(0, 0.2, 200_001)
        first = grid[np.argmax(hi + grid <= lo + k * grid)]
        assert W.pruning_alpha(lo, k, hi) == pytest.approx(first, abs=2e-6)
    # scikit-learn's weakest link: the smallest (R(t) - R(T_t)) / (|T_t| - 1) over internal nodes is the first
    # non-zero alpha of its pruning path, and ccp_alpha at that value prunes (ties included)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] + 0.7 * rng.normal(size=300) > 0).astype(int)
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y)
    tr = tree.tree_
    w = tr.weighted_n_node_samples / tr.weighted_n_node_samples[0]

    def below(i):  # (R of the subtree's leaves, number of leaves)
        if tr.children_left[i] == -1:
            return tr.impurity[i] * w[i], 1
        a, b = below(tr.children_left[i]), below(tr.children_right[i])
        return a[0] + b[0], a[1] + b[1]

    effective = [W.pruning_alpha(*below(i), tr.impurity[i] * w[i]) for i in range(tr.node_count)
                 if tr.children_left[i] != -1]
    path = tree.cost_complexity_pruning_path(x, y)
    assert min(effective) == pytest.approx(path.ccp_alphas[1])
    leaves = tree.get_n_leaves()
    assert DecisionTreeClassifier(max_depth=4, random_state=0, ccp_alpha=min(effective) * 0.999).fit(x, y) \
        .get_n_leaves() == leaves
    assert DecisionTreeClassifier(max_depth=4, random_state=0, ccp_alpha=path.ccp_alphas[1]).fit(x, y) \
        .get_n_leaves() < leaves


def test_poisson_expected_count_matches_simulated_arrivals_over_the_exposure():
    rng = np.random.default_rng(0)
    for wx, t in ((-1.2, 0.25), (0.3, 2.0), (1.0, 0.5)):
        rate = math.exp(wx)  # events per unit of exposure
        gaps = rng.exponential(1 / rate, size=(100_000, 60))
        counts = (np.cumsum(gaps, axis=1) <= t).sum(axis=1)  # arrivals of a Poisson process within [0, t]
        assert counts.mean() == pytest.approx(W.poisson_expected(wx, t), rel=0.03)
        assert W.poisson_expected(wx, t) == pytest.approx(math.exp(wx + math.log(t)))  # the offset log t


def test_leitner_days_match_the_guides_own_function_and_a_day_by_day_simulation():
    guide = _corpus_function("guides/learning-guide.md", "leitner_schedule")
    rng = np.random.default_rng(0)
    for boxes in (3, 5, 7):
        for _ in range(20):
            answers = [bool(a) for a in rng.random(10) < 0.8]
            days = W.leitner_days(answers, boxes)
            assert days == guide(answers, n_boxes=boxes)
            seen, box, due, it = [], 1, 1, iter(answers)  # walk the calendar one day at a time
            for day in range(1, 10_000):
                if day == due:
                    seen.append(day)
                    right = next(it, None)
                    if right is None:
                        break
                    box = min(box + 1, boxes) if right else 1
                    due = day + 2 ** (box - 1)
            assert days == seen[: len(answers)]


def test_round18_formulas_bind_varied_phrasings():
    w = line("Hyperband, R = 81 and η = 3: list the brackets and total cost")
    assert w.formula == "hyperband-brackets" and "5 brackets" in w.text and "81 configurations at 1 " in w.text
    w = line("if I run hyperband with eta=2 and a maximum resource of 16 epochs, how many configurations per bracket?")
    assert w.formula == "hyperband-brackets" and "s_max = ⌊log_2 16⌋ = 4" in w.text and "16 configurations" in w.text
    w = line("experience replay memory holding 500k transitions of 84x84x4 uint8 observations: how many GB?")
    assert w.formula == "replay-buffer-bytes" and "14.1 GB" in w.text and "56.4 GB" in w.text
    w = line("how much ram for a dqn replay buffer of size 100,000 with 3 stacked 64x64 frames stored as float16?")
    assert w.formula == "replay-buffer-bytes" and "float16" in w.text and "2.46 GB" in w.text
    w = line("weakest link pruning: a branch with 4 leaf nodes has R(T_t) = 0.12, its root as a leaf has R(t) = 0.18; "
             "which alpha prunes it?")
    assert w.formula == "pruning-alpha" and "α = (0.18 − 0.12)/(4 − 1) = 0.02" in w.text
    w = line("sklearn ccp_alpha = 0.05: would it prune a 3-leaves subtree with impurity .2 whose collapsed leaf has .26?")
    assert w.formula == "pruning-alpha" and "= 0.03" in w.text and "at α = 0.05" in w.text and "leaf wins" in w.text
    w = line("poisson glm with exposure: eta = 0.5 for a customer observed over 2 years, expected number of events?")
    assert w.formula == "poisson-exposure" and "2 × e^(0.5)" in w.text and "3.3 expected" in w.text
    w = line("count regression with a log link, the linear predictor is −0.7 and exposure = 3; what is the mean?")
    assert w.formula == "poisson-exposure" and "3 × 0.4966 = 1.49" in w.text and "per unit of exposure" in w.text
    w = line("Leitner flashcards with three boxes: on which days does a card I always get right come back?")
    assert w.formula == "leitner-days" and "days 1, 3, 7, 11" in w.text
    w = line("leitner system, 5 boxes, i get the card wrong on the 4th review and right otherwise: review days?")
    assert w.formula == "leitner-days" and "days 1, 3, 7, 15, 16, 18" in w.text


def test_round18_formulas_decline_without_numbers_or_when_ambiguous():
    for q in ("how does hyperband save compute compared with training every config fully?",
              "hyperband with R = 81: how many brackets?",  # no eta
              "hyperband with eta = 3 and a max budget of 27 or 81 epochs?",  # two budgets
              "why does DQN store replay frames as uint8?",
              "replay buffer of 1M transitions: how much memory?",  # no observation shape
              "what is cost-complexity pruning and how is ccp_alpha chosen?",
              "pruned 80% of the weights in my resnet with magnitude pruning and it is not faster",
              "cost complexity pruning: a subtree with 6 leaves, impurity 0.04 vs 0.09 or 0.11 as one leaf",  # three
              "how do I account for exposure in poisson regression?",
              "poisson regression: linear predictor -1.2, what count do I expect?",  # no exposure
              "poisson model with w.x = 0.2 for policies observed 3 months or 6 months",  # two exposures
              "what is the leitner system for flashcards?",
              "spaced repetition: how often should I review after 2 weeks?"):
        assert line(q) is None, q


def test_adam_bytes_and_lora_counts_match_the_tensors_they_count():
    import torch

    t = section_texts()
    # the sections' own example: a 7B model needs about 112 GB before activations
    assert W.adam_training_bytes(7e9) == 112e9
    assert "about 112 GB" in t["modern-ml-ai-techniques#full-fine-tuning-and-its-memory-bill"]
    # bytes held by mixed-precision AdamW on a small model: bf16 weights and grads, fp32 master copy and moments
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    master = [q.detach().clone().float().requires_grad_() for q in model.parameters()]
    opt = torch.optim.AdamW(master)
    for q in master:
        q.grad = torch.zeros_like(q)
    opt.step()
    half = [q.detach().to(torch.bfloat16) for q in model.parameters()]
    state = sum(v.numel() * v.element_size() for s in opt.state.values() for k, v in s.items() if k != "step")
    held = (sum(h.numel() * h.element_size() for h in half) * 2  # half-precision weights and gradients
            + sum(q.numel() * q.element_size() for q in master) + state)
    n = sum(q.numel() for q in model.parameters())
    assert held == W.adam_training_bytes(n)
    # LoRA: B (d x r) and A (r x k) against the full d x k weight
    for d, k, r in ((4096, 4096, 8), (768, 3072, 16), (1024, 64, 4)):
        a, b = torch.nn.Linear(k, r, bias=False), torch.nn.Linear(r, d, bias=False)
        full = torch.nn.Linear(k, d, bias=False)
        assert W.lora_params(d, k, r) == (full.weight.numel(), a.weight.numel() + b.weight.numel())


def test_adam_and_lora_bind_phrasings_and_decline_outside_their_formula():
    keys = ["modern-ml-ai-techniques#full-fine-tuning-and-its-memory-bill", "modern-ml-ai-techniques#lora-low-rank-adaptation"]
    w = line("how much GPU memory to fully fine-tune a 13B model with AdamW? will it fit on 80 GB GPUs?", keys)
    assert w.formula == "adam-training-bytes" and "208 GB" in w.text and "at least 3" in w.text
    w = line("training a 350M param model with adam in mixed precision, how much memory?", keys)
    assert w.formula == "adam-training-bytes" and "5.6 GB" in w.text
    w = line("LoRA with rank 8 on a 4096x4096 projection: how many trainable parameters?", keys)
    assert w.formula == "lora-params" and "65,536" in w.text and "256 times fewer" in w.text
    w = line("lora r = 16, d_model = 768, adapting 2 projections in each of 12 layers, parameter count?", keys)
    assert w.formula == "lora-params" and "r(d + k) = 16 × 1,536 = 24,576" in w.text and "589,824 trainable" in w.text
    for q in ("how much memory to serve a 7B model in fp16?",  # inference: not the training formula
              "fine-tune a 7B model with LoRA on one 24 GB GPU: memory?",  # frozen base, no full optimizer state
              "how much memory does a 7B or a 13B model need to train with adam?",  # two sizes
              "why does Adam need so much memory when training?",  # no size
              "what does LoRA rank do?", "LoRA rank 8: how many parameters?",  # no matrix size
              "lora with rank 4096 on a 4096x4096 matrix"):  # not low rank
        assert line(q, keys) is None, q


@pytest.mark.parametrize(("q", "fid"), [
    ("I'm running Hyperband with eta = 3 and a maximum budget of 81 epochs per configuration. How many brackets, "
     "and how many epochs does the whole search cost?", "hyperband-brackets"),
    ("How much memory does a DQN experience replay of 500k transitions need if each state is 84x84x4 stored as "
     "uint8?", "replay-buffer-bytes"),
    ("sklearn cost complexity pruning: a node's subtree has 4 leaves with weighted impurity 0.12; as a single leaf it "
     "would be 0.18. At what ccp_alpha does it get pruned?", "pruning-alpha"),
    ("Poisson GLM with an exposure offset: if w.x = 0.5 and the customer was observed for 2 years, what is the "
     "expected number of events?", "poisson-exposure"),
    ("Leitner system with 3 boxes: on which days do I review a card I always get right?", "leitner-days"),
    ("how much GPU memory to fully fine-tune a 13B model with AdamW in mixed precision?", "adam-training-bytes"),
    ("LoRA with rank 8 on a 4096x4096 attention projection: how many trainable parameters instead of the full "
     "matrix?", "lora-params"),
    ("Mahalanobis distance between the points (3, 1) and (1, 0) when the covariance is [[1, 0.5], [0.5, 1]]?",
     "mahalanobis"),
    ("linear warmup for 1000 steps then cosine decay, peak learning rate 3e-4, 10,000 steps in total: what is the "
     "learning rate at step 5500?", "warmup-cosine-lr"),
    ("DDPG with Polyak target updates, tau = 0.01 per step: after how many steps is less than 5% of the current "
     "target network left?", "soft-target-share"),
    ("The model scores 0.78 accuracy on 900 held-out examples. What is the margin of error of the 95% confidence "
     "interval?", "proportion-half-width"),
    ("What is the CRPS of a point forecast of 55 when the actual value is 61?", "crps-point"),
    ("Traffic to our model service grows 12% per minute at peak and a new replica takes 3 minutes to be ready: how "
     "much headroom should autoscaling keep?", "autoscale-headroom"),
    ("MCTS for a Go agent: 1,600 simulations per move and each network evaluation takes 2 ms. How long is one move "
     "if the evaluations are sequential?", "mcts-move-time"),
    ("A factorization machine with 500k features, k = 32 latent factors and 40 non-zeros per row: what does one "
     "prediction cost naively versus with Rendle's reformulation?", "fm-prediction-cost"),
])
def test_round18_questions_get_the_worked_line_citing_a_section_that_states_it(answerer, q, fid):
    """Through retrieval and composition, a question in other words and numbers than fresh15's and fresh16's gets
    its formula worked (num18's and num18b's entries), cited to a section that states the formula."""
    ans = answerer.answer(q, generator=None)
    assert [w["formula"] for w in ans.worked] == [fid]
    src = next(s for s in ans.sources if s.n == ans.worked[0]["source"])
    assert f"{src.doc_id}#{src.section_id}" in W.formula_named(fid).sections
    assert ans.text.startswith("**On your numbers**")


def test_mahalanobis_matches_scipy_and_reads_matrices_and_vectors():
    from scipy.spatial.distance import mahalanobis

    rng = np.random.default_rng(0)
    for n in (2, 3, 4):
        for _ in range(20):
            a = rng.normal(size=(n, n))
            cov = a @ a.T + 0.1 * np.eye(n)
            x, y = rng.normal(size=n), rng.normal(size=n)
            assert W.mahalanobis(list(x - y), cov.tolist()) == pytest.approx(mahalanobis(x, y, np.linalg.inv(cov)))
    with pytest.raises(ValueError):
        W.mahalanobis([1.0, 0.0], [[1.0, 2.0], [2.0, 1.0]])  # indefinite: no covariance
    assert W.matrices_in("cov [[4, 2], [2, 3]] and [[1,0,0],[0,1,0],[0,0,1]]") == [[[4, 2], [2, 3]], [[1, 0, 0], [0, 1, 0],
                                                                                                     [0, 0, 1]]]
    assert W.vectors_in("x = (1, -2) and y = [0.5, 3] with cov [[4, 2], [2, 3]]") == [[1, -2], [0.5, 3]]
    w = line("mahalanobis distance between x = [1, 2, 3] and y = [0, 0, 0] with covariance [[2,0,0],[0,1,0],[0,0,4]]")
    assert w.formula == "mahalanobis" and "√6.75 = 2.598" in w.text and "√14 = 3.742" in w.text
    w = line("Σ = [[1, 0.5], [0.5, 1]], points (3, 1) and (1, 0): how far apart in Mahalanobis terms?")
    assert w.formula == "mahalanobis" and "(2, 1)" in w.text and "√4 = 2," in w.text
    for q in ("what is mahalanobis distance?", "mahalanobis with covariance [[1, 2], [2, 1]] and vector (1, 0)",
              "mahalanobis distance of (1, 2) with covariance [[4, 2], [1, 3]]",  # not symmetric
              "mahalanobis of (1, 2, 3) under covariance [[4, 2], [2, 3]]"):  # sizes differ
        assert line(q) is None, q


def test_warmup_cosine_matches_torchs_schedulers():
    import torch

    for peak, total, tw, floor in ((3e-4, 1000, 100, 0.0), (0.1, 200, 0, 1e-3), (1e-3, 500, 50, 1e-5)):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=peak)
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - tw, eta_min=floor)
        if tw:
            warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1e-12, end_factor=1.0, total_iters=tw)
            sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cosine], milestones=[tw])
        else:
            sched = cosine
        for step in range(total + 1):
            assert W.warmup_cosine_lr(step, peak, total, tw, floor) == pytest.approx(opt.param_groups[0]["lr"],
                                                                                    rel=1e-6, abs=1e-12), step
            opt.step()
            sched.step()


def test_warmup_cosine_binds_phrasings_and_declines_when_unbound():
    keys = ["advanced-deep-learning#learning-rate-schedules-step-cosine-with-warm-up-one-cycle"]
    w = line("cosine schedule with linear warmup: peak lr 3e-4, 1000 warmup steps, 10,000 total steps. what is the lr "
             "at step 5500?", keys)
    assert w.formula == "warmup-cosine-lr" and "4,500/9,000 = 0.5" in w.text and "= 1.5×10^-4" in w.text
    w = line("cosine annealing from lr = 0.1 down to 0.001 over 100 steps, what learning rate at step 50?", keys)
    assert "= 5.05×10^-2" in w.text
    w = line("warmup of 500 steps then cosine decay to 0 over a run of 20000 steps with max lr 1e-3: lr at step 250?",
             keys)
    assert "inside the 500-step linear warm-up" in w.text and "= 5×10^-4" in w.text
    w = line("training for 10000 steps, cosine schedule, peak learning rate 0.01, what is the lr at step 2500?", keys)
    assert "(1 + 0.707) = 8.54×10^-3" in w.text
    w = line("cosine lr schedule, lr_max = 0.01, eta_min = 0.0001, a total of 1000 steps: lr at step 900?", keys)
    assert "0.9 of the way" in w.text and "(1 − 0.951) = 3.42×10^-4" in w.text
    w = line("cosine with T = 400 and max lr 0.2, what learning rate at iteration 100?", keys)
    assert "0.25 of the way" in w.text and "= 1.71×10^-1" in w.text
    for q in ("cosine decay with warmup: what learning rate at step 100?",  # no peak, no length
              "one-cycle or linear warmup + cosine decay for 15 epochs?",
              "cosine schedule, peak lr 3e-4 with warmup, 10,000 total steps: lr at step 5000?",  # warm-up length?
              "cosine schedule, peak lr 3e-4 over 10,000 steps: what happens after warmup?",  # no step asked
              "cosine schedule with peak lr 0.1 or 0.01 over 1000 steps: lr at step 500?"):  # two peaks
        assert line(q, keys) is None, q


# -- round 18 (num18b): fresh16's six numeric questions --------------------------------------------------------

NUM18B = ("soft-target-share", "proportion-half-width", "crps-point", "autoscale-headroom", "mcts-move-time",
          "fm-prediction-cost")


def test_num18b_formulas_reproduce_their_sections_worked_examples():
    t = section_texts()
    # scaling: "10% per minute and a replica takes 90 s ... 1.1^1.5 - 1 ≈ 15% spare capacity"
    assert round(W.growth_headroom(0.10, 1.5) * 100) == 15
    assert "$1.1^{1.5} - 1 \\approx 15\\%$" in t["ch11-mlops-production#scaling"]
    # reporting uncertainty: accuracy 0.9 pinned to +-1 point needs ~3,500 examples, so there the half-width is ~0.01
    assert abs(W.proportion_half_width(0.9, 3500) - 0.01) < 2e-4
    assert W.proportion_half_width(0.9, W.margin_sample_size(0.9, 0.01)) == pytest.approx(0.01)


def test_soft_target_steps_match_iterating_the_update():
    """Iterate θ⁻ ← τθ + (1 − τ)θ⁻ on a target that starts at today's weights (1) and an online net at 0: the share
    of today's weights left is θ⁻ itself; the first step at which it is below the share asked is the function's."""
    for tau in (0.005, 0.01, 0.001, 0.1, 0.3):
        for share in (0.5, 0.1, 0.01):
            target, online, n = np.ones(3), np.zeros(3), 0
            while target[0] >= share:
                target = tau * online + (1 - tau) * target
                n += 1
            assert W.polyak_steps(tau, share) == n, (tau, share)
    assert W.polyak_steps(0.005, 0.5) == 139 and W.polyak_steps(0.005, 0.01) == 919


def test_proportion_half_width_matches_statsmodels_and_covers_95_percent():
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(1)
    for p, n in ((0.842, 2000), (0.9, 500), (0.5, 100), (0.97, 3000)):
        lo, hi = proportion_confint(round(p * n), n, alpha=0.05, method="normal")
        assert W.proportion_half_width(round(p * n) / n, n) == pytest.approx((hi - lo) / 2, rel=2e-3)
    # the interval p̂ ± half-width covers the true accuracy in about 95% of simulated test sets
    p, n = 0.85, 2000
    phat = rng.binomial(n, p, 20_000) / n
    cover = np.mean(np.abs(phat - p) <= np.array([W.proportion_half_width(x, n) for x in phat]))
    assert 0.94 < cover < 0.96


def test_crps_of_a_point_forecast_is_the_integral_of_the_step_cdfs_squared_difference():
    z = np.linspace(-50, 250, 300_001)
    for f, y in ((120, 113), (45.5, 52), (0, 0), (3, -4)):
        integrand = ((z >= f).astype(float) - (z >= y).astype(float)) ** 2
        assert W.crps_point(f, y) == pytest.approx(np.trapezoid(integrand, z), abs=2e-3)


def test_headroom_matches_compounding_growth_over_the_lag():
    """Traffic growing by g per unit of time, followed in small steps of continuous growth at ln(1 + g) per unit:
    the traffic at the end of the lag over the traffic at its start, minus one."""
    for g, t in ((0.10, 1.5), (0.08, 2), (0.05, 1.5), (0.2, 0.5), (0.3, 3)):
        steps = 100_000
        traffic = 1.0
        for _ in range(steps):
            traffic *= 1 + math.log1p(g) * t / steps
        assert W.growth_headroom(g, t) == pytest.approx(traffic - 1, rel=1e-3)


def test_mcts_time_is_one_network_evaluation_per_simulation():
    """A small MCTS (UCT selection, one expansion and one value-network call per simulation) on a random game tree:
    the network is called once per simulation, so the move's time is simulations × the evaluation's time."""
    rng = np.random.default_rng(2)
    calls = 0

    def net(state):
        nonlocal calls
        calls += 1
        return float(rng.uniform(-1, 1))

    for sims in (1, 50, 800):
        calls = 0
        root = {"n": 0, "w": 0.0, "kids": None}
        for _ in range(sims):
            path, node = [root], root
            while node["kids"] is not None:
                node = max(node["kids"], key=lambda c: (c["w"] / c["n"] if c["n"] else 0)
                           + 1.4 * math.sqrt(math.log(path[-1]["n"] + 1) / (c["n"] + 1)))
                path.append(node)
            node["kids"] = [{"n": 0, "w": 0.0, "kids": None} for _ in range(3)]  # expand the leaf ...
            v = net(node)  # ... and evaluate it once
            for x in path:
                x["n"] += 1
                x["w"] += v
        assert calls == sims == root["n"]
        assert W.mcts_move_seconds(sims, 0.004) == pytest.approx(calls * 0.004)


def test_fm_costs_count_the_pairwise_terms_and_rendles_identity_agrees_with_them():
    rng = np.random.default_rng(3)
    d, k, nnz = 40, 5, 6
    v = rng.normal(size=(d, k))
    x = np.zeros(d)
    x[rng.choice(d, nnz, replace=False)] = rng.normal(size=nnz)
    ops = 0
    naive = 0.0
    for i in range(d):
        for j in range(i + 1, d):
            naive += float(v[i] @ v[j]) * x[i] * x[j]
            ops += k
    rendle = 0.5 * float(np.sum((x @ v) ** 2 - (x ** 2) @ (v ** 2)))
    nz = np.flatnonzero(x)
    sparse = 0.5 * float(np.sum((x[nz] @ v[nz]) ** 2 - (x[nz] ** 2) @ (v[nz] ** 2)))
    assert naive == pytest.approx(rendle) == pytest.approx(sparse)
    full, lin, sp = W.fm_costs(d, k, nnz)
    assert ops == k * d * (d - 1) // 2 and ops <= full == k * d * d  # naive: k per pair, O(k d²)
    assert lin == v.size == k * d and sp == v[nz].size == nnz * k  # one pass over the d (nnz) rows of V
    assert W.fm_costs(200_000, 16, 30) == (6.4e11, 3.2e6, 480)


def test_num18b_formulas_bind_varied_phrasings():
    keys = ALL_KEYS
    cases = [
        ("With Polyak averaging at tau=0.01, how many updates until the old target weights fall below 10%?",
         "soft-target-share", {"tau": 0.01, "share0": 0.1}),
        ("soft update of the target net, τ = 0.001: what's the half-life in steps?", "soft-target-share",
         {"tau": 0.001, "share0": 0.5}),
        ("Our classifier has 91% accuracy on 1,200 test examples. What's the 95% confidence interval?",
         "proportion-half-width", {"n": 1200, "p0": 0.91}),
        ("accuracy of 0.75 on n = 400, how wide are the error bars?", "proportion-half-width", {"n": 400, "p0": 0.75}),
        ("We predicted 45.5 units and the observed value was 52. What's the CRPS?", "crps-point",
         {"forecast": 45.5, "actual": 52}),
        ("CRPS of a forecast of 10 when the outcome is 12?", "crps-point", {"forecast": 10, "actual": 12}),
        ("Traffic grows 5% per minute and a replica takes 90 seconds to become ready; how much spare capacity should "
         "the autoscaler keep?", "autoscale-headroom", {"growth": 0.05, "lag": 1.5}),
        ("load can rise 20% an hour and new instances take 30 min to start. autoscaling headroom?",
         "autoscale-headroom", {"growth": 0.2, "lag": 0.5}),
        ("Monte Carlo tree search with 1,600 simulations per move, network inference 2.5 ms each: seconds per move?",
         "mcts-move-time", {"simulations": 1600, "eval_s": 0.0025}),
        ("MuZero: 50 sims, each network call 20 milliseconds, how long per move?", "mcts-move-time",
         {"simulations": 50, "eval_s": 0.02}),
        ("Factorization machine with 1 million sparse features and 8 latent factors, 50 non-zeros per example: "
         "prediction cost naive vs Rendle?", "fm-prediction-cost", {"d": 1e6, "k": 8, "nnz": 50}),
        ("FM with d = 5000 and k = 10: how many operations for the pairwise interactions?", "fm-prediction-cost",
         {"d": 5000, "k": 10}),
    ]
    for q, fid, values in cases:
        got = line(q, keys)
        assert got is not None and got.formula == fid, q
        assert got.values == pytest.approx(values), q
    assert "1,600 × 2.5 ms = 4 s per move" in line(cases[8][0]).text
    assert "|45.5 − 52| = 6.5" in line(cases[4][0]).text
    assert "≈ 7.6%" in line(cases[6][0]).text
    assert "after 230 steps" in line(cases[0][0]).text
    assert "0.91 ± 0.016" in line(cases[2][0]).text


def test_num18b_formulas_decline_without_numbers_or_when_ambiguous():
    for q in ("what is a soft target update with tau?",
              "tau = 0.5% soft target update, how many steps until below half?",  # τ as a percent
              "soft target update tau = 0.005 or 0.01: steps until below 1%?",
              "soft target update with tau = 0.005: what's the formula?",  # no share asked
              "accuracy 0.9 on 500 examples, what is the 99% confidence interval?",  # another level than 95%
              "precision 0.98 on 100 examples confidence interval",  # 2 failures: no normal approximation
              "how many examples for accuracy 0.9 to +/- 1 point confidence interval",  # the sample-size question
              "what is a confidence interval for accuracy?",
              "CRPS for a normal forecast with mean 120 and sd 5 when the actual is 113?",  # a distribution
              "what is the CRPS?", "forecast 120 or 130, actual 113, crps?",
              "how much headroom does an autoscaler need?",
              "traffic grows 10% per minute, pods take 1 or 2 minutes to start, autoscaling headroom?",
              "autoscaling: traffic grows 10% per minute. how much headroom?",  # no lag
              "how does MCTS cost scale with simulations?",
              "MCTS with 800 or 1600 simulations and 4 ms per network evaluation: time per move?",
              "alphazero 800 simulations, how long does a move take?",  # no evaluation time
              "why is a factorization machine linear time?",
              "factorization machine, 100k features, k = 8 or 16, cost?"):
        got = line(q)
        assert got is None or got.formula not in NUM18B, (q, got)


# -- round 19 (num19b): fresh17's four numeric questions -------------------------------------------------------

NUM19B = ("erlang-c", "ar-information-criteria", "finite-differences", "dash-refresh-points")


def _erlang_c_closed_form(c: int, a: float) -> float:
    """Erlang C from its textbook closed form (not the B recursion the registry uses)."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_matches_the_closed_form_and_a_simulated_queue():
    import heapq

    for c, a in [(1, 0.5), (3, 2.0), (4, 2.0), (10, 8.5), (2, 1.9)]:
        assert W.erlang_c(c, a) == pytest.approx(_erlang_c_closed_form(c, a), rel=1e-9)
    assert W.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = utilisation
    # an M/M/3 queue at 100 requests/s and 20 ms per request, simulated first-come first-served
    rng = np.random.default_rng(0)
    lam, s, c, n = 100.0, 0.02, 3, 100_000
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    services = rng.exponential(s, n)
    free = [0.0] * c
    waits = np.empty(n)
    for i in range(n):
        start = max(arrivals[i], heapq.heappop(free))
        waits[i] = start - arrivals[i]
        heapq.heappush(free, start + services[i])
    pc = W.erlang_c(c, lam * s)
    assert abs((waits > 0).mean() - pc) < 0.02
    assert waits.mean() == pytest.approx(pc / (c / s - lam), rel=0.08)


def test_ar_information_criteria_match_the_gaussian_likelihood_of_a_least_squares_fit():
    rng = np.random.default_rng(1)
    x = np.zeros(400)
    for t in range(2, 400):
        x[t] = 0.6 * x[t - 1] - 0.3 * x[t - 2] + rng.normal()
    for p in (1, 2, 4):
        target = x[5:]
        design = np.column_stack([np.ones(len(target))] + [x[5 - i: len(x) - i] for i in range(1, p + 1)])
        resid = target - design @ np.linalg.lstsq(design, target, rcond=None)[0]
        n, ssr = len(resid), float(resid @ resid)
        loglik = stats.norm.logpdf(resid, scale=math.sqrt(ssr / n)).sum()  # the MLE of the noise variance
        m2ll, aic, bic = W.ar_information_criteria(ssr, n, p + 2)
        assert m2ll == pytest.approx(-2 * loglik)
        assert aic == pytest.approx(-2 * loglik + 2 * (p + 2)) and bic == pytest.approx(-2 * loglik + (p + 2) * math.log(n))


def test_finite_differences_match_high_precision_errors_and_taylor_terms():
    from decimal import Decimal, getcontext

    getcontext().prec = 50
    e = Decimal(1).exp()
    for h in (0.1, 0.01, 0.001):
        fwd, ctr = W.finite_differences(math.exp, 1.0, h)
        hd = Decimal(h)
        exact_fwd = ((Decimal(1) + hd).exp() - e) / hd
        exact_ctr = ((Decimal(1) + hd).exp() - (Decimal(1) - hd).exp()) / (2 * hd)
        assert fwd == pytest.approx(float(exact_fwd), rel=1e-9) and ctr == pytest.approx(float(exact_ctr), rel=1e-8)
        # truncation errors O(h) and O(h^2): e h/2 and e h^2/6 to leading order
        assert abs(fwd - math.e) == pytest.approx(math.e * h / 2, rel=0.06)
        assert abs(ctr - math.e) == pytest.approx(math.e * h * h / 6, rel=0.02)
    # a tiny step is worse than 1e-5: round-off grows like eps/h
    assert abs(W.finite_differences(math.exp, 1.0, 1e-12)[1] - math.e) > 100 * abs(
        W.finite_differences(math.exp, 1.0, 1e-5)[1] - math.e)


def test_dash_points_count_the_arrays_a_figure_would_send():
    traces = [list(range(300)) for _ in range(4)]
    per_refresh = sum(len(t) for t in traces)
    assert W.dash_points(4, 300, 0.5) == (per_refresh, per_refresh * 2)
    assert W.dash_points(2, 1000, 5) == (2000, 400)


def test_num19b_formulas_bind_varied_phrasings():
    cases = [
        ("three GPU servers behind one queue, 40 requests per second, each inference takes 50 ms. probability of "
         "waiting in an M/M/c model?", "erlang-c", {"rate": 40, "time": 0.05, "workers": 3}),
        ("c = 5 servers, arrival rate 30 req/s, service time 100 ms: Erlang C wait probability?", "erlang-c",
         {"rate": 30, "time": 0.1, "workers": 5}),
        ("Comparing AR(1) with RSS 530 and AR(3) with RSS 505 on n = 150 observations: which does BIC choose?",
         "ar-information-criteria", {"n": 150, "ssr_ar1": 530, "ssr_ar3": 505}),
        ("SSR of 88 for AR(1), SSR of 80 for AR(4), 120 residuals: AIC?", "ar-information-criteria",
         {"n": 120, "ssr_ar1": 88, "ssr_ar4": 80}),
        ("central difference for sin(x) at x = 0.5 with h = 1e-3, how accurate is it?", "finite-differences",
         {"x": 0.5, "h0": 0.001}),
        ("forward difference of ln x at x = 2, h = 0.1: how big is the error?", "finite-differences",
         {"x": 2, "h0": 0.1}),
        ("plotly dash app refreshes every 2 s, 3 lines of 50k points each: how much data per refresh?",
         "dash-refresh-points", {"traces": 3, "points": 50_000, "interval": 2}),
    ]
    for q, fid, values in cases:
        got = line(q)
        assert got is not None and got.formula == fid, (q, got)
        assert got.values == pytest.approx(values), q
    assert "with 3 workers C = 0.444" in line(cases[0][0]).text  # a = 40 × 0.05 = 2, as fresh17's
    assert "with 4 workers C = 0.174" in line(cases[0][0]).text
    assert re.search(r"BIC picks AR\(1\)", line(cases[2][0]).text)
    assert f"{math.cos(0.5):.6f}" in line(cases[4][0]).text
    assert "150,000 points per refresh" in line(cases[6][0]).text and "75,000 points/s" in line(cases[6][0]).text
    unstable = line("2 workers share a queue, 100 req/s, 30 ms each: how long do requests wait?")
    assert unstable is not None and "grows without bound" in unstable.text


def test_num19b_formulas_decline_without_numbers_or_when_ambiguous():
    for q in ("what is Erlang C and when do requests wait?",
              "100 requests/s, 20 ms each, how long is the wait in the queue?",  # no number of workers
              "M/M/c queue with 2 workers or 3 workers at 100 req/s and 20 ms: wait?",
              "100 requests/s at 20 ms or 30 ms per request on 3 workers, queue wait?",
              "what is the difference between AIC and BIC?",
              "AR(2) SSR = 210 vs AR(5) SSR = 200, which does AIC pick?",  # no n
              "AR(2) with SSR 210 or SSR 215 and AR(5) with SSR 200, 200 observations, AIC or BIC?",
              "why is the central difference more accurate than the forward difference?",
              "forward difference with h = 0.01 at x = 1: error?",  # no function
              "derivative of exp(x) and sin(x) at x = 1 with h = 0.01, central difference error?",
              "how do I make a plotly dash dashboard refresh faster?",
              "dash figure with 2 traces, refresh every 1 s: cost?"):  # no points per trace
        got = line(q)
        assert got is None or got.formula not in NUM19B, (q, got)


def test_foreign_arithmetic_flags_the_notes_example_worked_at_other_numbers():
    q = "M/M/c: 100 requests/s, each takes 20 ms on one worker, 3 workers share one queue"
    assert W.foreign_arithmetic(r"the mean number of busy workers is $\lambda S = 1200 \times 0.02 = 24$", q)
    assert W.foreign_arithmetic("at 50 × 0.02 = 1 busy worker", q)
    assert not W.foreign_arithmetic(r"$\lambda S = 100 \times 0.02 = 2$ busy workers", q)  # the asker's own
    assert not W.foreign_arithmetic(r"$\lambda S = 100 \times 20 = 2000$ in ms", q)  # 20 ms read as 0.02 s and back
    assert not W.foreign_arithmetic("The probability that a request has to wait is Erlang's C formula", q)


@pytest.mark.parametrize("q, fid", [
    ("we run 4 inference workers on one shared queue; requests arrive at 150 per second and each takes 20 ms. what "
     "fraction of requests wait, and how long on average?", "erlang-c"),
    ("n = 300 monthly values, AR(1) gives SSR = 950 and AR(4) gives SSR = 905 (constant included). which order do "
     "AIC and BIC choose?", "ar-information-criteria"),
    ("gradient check: how far is the central difference of sin(x) at x = 2 with h = 0.001 from the true derivative, "
     "and the forward difference?", "finite-differences"),
])
def test_num19b_questions_get_the_worked_line_citing_a_section_that_states_it(answerer, q, fid):
    ans = answerer.answer(q, generator=None)
    assert [w["formula"] for w in ans.worked] == [fid]
    src = next(s for s in ans.sources if s.n == ans.worked[0]["source"])
    assert f"{src.doc_id}#{src.section_id}" in W.formula_named(fid).sections
    assert ans.text.startswith("**On your numbers**")
    assert not any(W.foreign_arithmetic(s.text, q) for s in ans.sentences)


def test_foreign_arithmetic_leaves_algebra_and_non_arithmetic_alone():
    q = "param count: 3 stacked 3x3 conv layers vs a single 7x7 layer, 128 channels in and out"
    assert not W.foreign_arithmetic(r"fewer parameters ($2 \cdot 9 C^2 = 18C^2$ against $25C^2$)", q)
    assert not W.foreign_arithmetic("the ratio 4 / 3 = 2 is not arithmetic", q)
    assert W.foreign_arithmetic("two layers of 64 channels: 2 × 64 = 128 filters", q)  # 2 and 64 are not the asker's


# -- (round 20, num20b) a line declines when the question sets a level or names a value it does not read -----------

AR1_LAG = "For an AR(1) with phi = 0.8, after how many lags does the autocorrelation fall to 0.1?"


def test_a_level_to_reach_that_the_line_leaves_unread_declines_the_registry():
    # the registry's ar1-moments reads phi only; 0.1 is the level the asked lag must reach
    assert W.leaves_out(AR1_LAG, {"phi": 0.8})
    assert line(AR1_LAG) is None
    for q in ("AR(1), phi = 0.8: when does the autocorrelation drop below 0.2?",
              "label smoothing eps = 0.1 with K = 10 classes and temperature = 2: what are the targets?"):
        assert line(q) is None, q


def test_same_topic_questions_whose_numbers_are_all_read_or_context_still_work():
    got = line("For an AR(1) with phi = 0.8 and noise variance 2, what is Var(y) and the lag 3 autocorrelation?")
    assert got is not None and got.formula == "ar1-moments"
    assert f"{2 / (1 - 0.8 ** 2):.3g}" in got.text and f"{0.8 ** 3:.4g}" in got.text
    # a target the line reads is not left out: the smallest m with 3/(m + 3) < 0.1, counted directly
    q = "pipeline parallel with 4 stages and 8 micro-batches: how many micro-batches keep the bubble below 10%?"
    got = line(q)
    m = next(m for m in range(1, 1000) if 3 / (m + 3) < 0.1)
    assert got is not None and got.formula == "pipeline-bubble" and f"m ≥ {m}" in got.text
    # numbers without target words (sizes, "top-1") and a call's arguments are context
    assert not W.leaves_out("top-1 routing over 16 experts with 4096 tokens", {"tokens": 4096, "experts": 16})
    assert not W.leaves_out("OneCycleLR(opt, max_lr=0.01, total_steps=100)", {"max_lr": 0.01})
    assert not W.leaves_out("lr falls to 1e-4", {"lr": 0.0001})
    assert not W.leaves_out("keep p99 under 20 ms", {"time": 0.02})  # the same number in seconds
    assert W.leaves_out("keep p99 under 20 ms", {"time": 0.03})


def test_without_the_registry_line_the_reader_solves_the_asked_lag_end_to_end(answerer):
    ans = answerer.answer(AR1_LAG, generator=None)
    assert len(ans.worked) == 1 and ans.worked[0]["formula"].startswith("read:")
    k = math.log(0.1) / math.log(0.8)  # rho_k = phi^k = 0.1
    assert math.isclose(ans.worked[0]["values"]["k"], k, rel_tol=1e-6)
    assert "Var(y)" not in ans.text.split("\n\n")[0]
