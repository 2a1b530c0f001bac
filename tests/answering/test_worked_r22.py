"""Round 21 (num22): the question's own values put into a formula the cited section states, and the section's own
example no longer shown as if it were the asker's. A PyTorch constructor ("nn.GRU(64, 128)") binds the recurrent
layer's input and hidden sizes; three registry formulas the corpus states (simple exponential smoothing's weights and
their half-life, the number of deterministic policies |A|^|S|, PSI of a standardised mean shift between normals);
``foreign_arithmetic`` also sees a sum worked on the notes' numbers ("$= 1{,}800 + 120 = 1{,}920$"). Every value is
checked against an independent computation on values other than the development questions', and each formula
declines on same-topic questions whose numbers are missing, ambiguous or of another kind."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mlnotes.assistant.answering import worked as W

ALL_KEYS = [s for f in W.FORMULAS for s in f.sections]


def line(question: str, keys=ALL_KEYS) -> W.Worked | None:
    got = W.worked_lines(question, keys)
    return got[0] if got else None


# -- recurrent layers written as PyTorch constructors ---------------------------------------------------------------

@pytest.mark.parametrize("kind,d,h", [("GRU", 10, 20), ("LSTM", 300, 512), ("GRU", 7, 3), ("LSTM", 1, 1)])
def test_rnn_params_match_torch(kind, d, h):
    torch = pytest.importorskip("torch")
    layer = getattr(torch.nn, kind)(d, h)
    expected = sum(p.numel() for p in layer.parameters())
    gates = 4 if kind == "LSTM" else 3
    assert W.rnn_params(d, h, gates) == expected
    got = line(f"how many parameters does nn.{kind}({d}, {h}) have? my count is off")
    assert got is not None and got.formula == "rnn-params"
    assert got.values == {"d": d, "h": h}
    assert f"= {W.fmt(expected)} with PyTorch's two bias vectors" in got.text
    assert f"adds {gates}h = {W.fmt(gates * h)}" in got.text
    # the single-bias count is the parameters less one bias vector per block
    assert f"it is {W.fmt(expected - gates * h)}" in got.text


def test_rnn_keyword_constructor():
    got = line("param count of torch.nn.LSTM(input_size=40, hidden_size=64, batch_first=True)?")
    assert got is not None and got.values == {"d": 40, "h": 64}
    assert W.fmt(4 * (64 * 40 + 64 * 64 + 2 * 64)) in got.text


@pytest.mark.parametrize("q", [
    "parameters of nn.LSTM(32, 64, num_layers=2)?",  # a second layer reads h inputs, not d
    "parameters of nn.GRU(32, 64, bidirectional=True)?",  # two directions
    "nn.GRU(32, 64) vs nn.GRU(16, 64): how many parameters each?",  # two layers asked
])
def test_rnn_call_declines_what_one_block_does_not_count(q):
    got = line(q)
    assert got is None or got.formula != "rnn-params"


# -- simple exponential smoothing --------------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.1, 0.35, 0.5, 0.9])
def test_ses_weights_match_the_unrolled_recursion(alpha):
    # the weight of y_{t-k} in the level: feed an impulse k steps back into the recursion
    for k in range(4):
        y = np.zeros(12)
        y[-1 - k] = 1.0
        level = 0.0
        for v in y:
            level = alpha * v + (1 - alpha) * level
        assert math.isclose(W.ses_weights(alpha)[0][k], level, rel_tol=1e-12)
    # the half-life: the x where (1 - alpha)^x = 1/2, by bisection
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (1 - alpha) ** mid > 0.5 else (lo, mid)
    assert math.isclose(W.ses_weights(alpha)[1], lo, rel_tol=1e-9)


def test_ses_line_at_other_numbers():
    got = line("exponential smoothing with alpha = 0.35: what weight does each older week get, and when is it halved?")
    assert got is not None and got.formula == "ses-weights"
    assert ", ".join(f"{0.35 * 0.65 ** k:.3g}" for k in range(3)) in got.text  # 0.35, 0.2275, 0.1479
    assert f"= {math.log(2) / -math.log(0.65):.3g} steps" in got.text


@pytest.mark.parametrize("q", [
    "how much weight does exponential smoothing give to old observations?",  # no alpha
    "simple exponential smoothing with alpha = 1.5: weight of each past day?",  # not a smoothing constant
    "holt's exponential smoothing with alpha = 0.3 and beta = 0.1: weights of past days?",  # Holt's two constants
    "simple exponential smoothing with alpha = 0.2: what is tomorrow's forecast if the level is 100?",  # not weights
])
def test_ses_declines(q):
    got = line(q)
    assert got is None or got.formula != "ses-weights"


# -- deterministic policies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("s,a", [(3, 2), (4, 3), (5, 5), (2, 7)])
def test_policy_count_matches_enumeration(s, a):
    count = sum(1 for _ in itertools.product(range(a), repeat=s))  # one action per state
    assert W.deterministic_policies(s, a) == count
    got = line(f"an MDP with {s} states and {a} actions: how many deterministic policies are there?")
    assert got is not None and got.formula == "deterministic-policies"
    assert f"= {a}^{s} = {W.fmt(count)} deterministic policies" in got.text


@pytest.mark.parametrize("q", [
    "an MDP with 5 states: how many deterministic policies?",  # no action count
    "gridworld with 16 states and 4 actions: how many stochastic policies are there?",  # not deterministic
    "why does a finite MDP always have an optimal deterministic policy?",  # no numbers
])
def test_policy_count_declines(q):
    got = line(q)
    assert got is None or got.formula != "deterministic-policies"


# -- PSI of a mean shift between normals ---------------------------------------------------------------------------

@pytest.mark.parametrize("delta", [0.2, 0.3, 0.8])
def test_psi_matches_sampling_and_integration(delta):
    fine, ten = W.psi_normal_shift(delta)
    # the fine-bin limit: the symmetrised KL divergence of N(0,1) and N(delta,1), integrated numerically
    x = np.linspace(-12, 12, 400_001)
    p = np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)
    q = np.exp(-(x - delta) ** 2 / 2) / math.sqrt(2 * math.pi)
    skl = float(np.sum((q - p) * np.log(q / p)) * (x[1] - x[0]))
    assert math.isclose(fine, skl, rel_tol=1e-6)
    # ten reference-quantile bins, estimated from samples
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(0, 1, 2_000_000), rng.normal(delta, 1, 2_000_000)
    edges = np.quantile(ref, np.linspace(0, 1, 11)[1:-1])
    r = np.bincount(np.searchsorted(edges, ref), minlength=10) / ref.size
    c = np.bincount(np.searchsorted(edges, cur), minlength=10) / cur.size
    assert abs(ten - float(np.sum((c - r) * np.log(c / r)))) < 0.004  # sampling noise of 2M draws
    # and exactly, with scipy's normal distribution
    stats = pytest.importorskip("scipy.stats")
    e = stats.norm.ppf(np.linspace(0, 1, 11))
    c = np.diff(stats.norm.cdf(e - delta))
    assert math.isclose(ten, float(np.sum((c - 0.1) * np.log(c / 0.1))), rel_tol=1e-9)
    assert ten < fine  # binning loses information


def test_psi_line_at_other_numbers():
    got = line("feature is standard normal in training; in production its mean shifted by 0.3 sd. expected PSI?")
    assert got is not None and got.formula == "psi-shift"
    assert "δ² = 0.09" in got.text


@pytest.mark.parametrize("q", [
    "what PSI value should trigger a drift alert?",  # no shift
    "feature is normal, production doubles its variance and shifts the mean by 0.5 sd: PSI?",  # spread changes
    "PSI for a feature whose mean moved from 3 to 5?",  # no standard-deviation unit, no normal
])
def test_psi_declines(q):
    got = line(q)
    assert got is None or got.formula != "psi-shift"


# -- the notes' example worked as a sum ----------------------------------------------------------------------------

def test_foreign_arithmetic_sees_sums_of_numbers_the_question_lacks():
    q = "nn.GRU(20, 50): how many parameters?"
    assert W.foreign_arithmetic(r"$3h(d + h) + 6h = 1{,}800 + 120 = 1{,}920$.", q)
    # a sum on the question's own numbers, and a sum that is not arithmetic, stay
    assert not W.foreign_arithmetic(r"so $20 + 50 = 70$ inputs to each gate.", q)
    assert not W.foreign_arithmetic(r"with $2 + 3 = 7$ as a typo", "what is 2 plus 3?")


# -- end to end ----------------------------------------------------------------------------------------------------

def test_the_answer_counts_a_gru_given_as_a_constructor(answerer):
    q = "nn.GRU(32, 256) has more parameters than my hand count 3*(256*32 + 256*256 + 256). why?"
    ans = answerer.answer(q, generator=None)
    assert ans.worked and ans.worked[0]["formula"] == "rnn-params"
    expected = 3 * (256 * 32 + 256 * 256 + 2 * 256)
    assert W.fmt(expected) in ans.text and "adds 3h = 768" in ans.text
    # the notes' own GRU example (d and h of their own) is not shown under the asker's sizes
    assert "1{,}920" not in ans.text
