"""Claims of the corpus about library behaviour and defaults, checked against the libraries themselves.

Each test reads the claim from the corpus text (so editing the text without fixing the fact fails) and checks it
against an independent reference: the installed library where it is installed, a closed form otherwise. Library
defaults of optional libraries (XGBoost, LightGBM) are read from the installed library at test time; where the
library is not installed, that test is skipped with the reason, and the text is checked against the constant in
the library's documentation instead.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch
import torch.nn as nn
from scipy.stats import poisson

from mlnotes.kb.check import DEFAULT_CORPUS


def _text(rel: str) -> str:
    return (DEFAULT_CORPUS / rel).read_text(encoding="utf-8")


def _table_row(rel: str, first_cell: str) -> str:
    rows = [ln for ln in _text(rel).splitlines() if ln.startswith(f"| {first_cell} |")]
    assert len(rows) == 1, f"{rel}: expected one table row starting with {first_cell!r}, found {len(rows)}"
    return rows[0]


# --------------------------------------------------------------------- debugging guide: Poisson output and loss


def test_poisson_nll_default_expects_the_log_rate():
    """`PoissonNLLLoss()` (log_input=True) on the log-rate equals the Poisson NLL up to the log(y!) constant;
    feeding it the rate exp(eta) applies the exponential twice and gives a different, wrong value."""
    g = torch.Generator().manual_seed(0)
    eta = torch.randn(64, generator=g, dtype=torch.float64)
    y = torch.poisson(torch.exp(eta), generator=g)
    loss = nn.PoissonNLLLoss()  # defaults
    assert loss.log_input is True
    reference = np.mean(-poisson.logpmf(y.numpy(), np.exp(eta.numpy())) - [math.lgamma(v + 1) for v in y.numpy()])
    assert math.isclose(loss(eta, y).item(), reference, rel_tol=1e-10)
    double_exp = loss(torch.exp(eta), y).item()
    assert not math.isclose(double_exp, reference, rel_tol=1e-3)
    # with log_input=False the rate itself is the right input
    assert math.isclose(nn.PoissonNLLLoss(log_input=False, eps=0.0)(torch.exp(eta), y).item(), reference,
                        rel_tol=1e-10)


def test_debugging_guide_pairs_the_poisson_loss_with_the_log_rate():
    row = _table_row("guides/debugging-ml-models.md", "count data")
    cells = [c.strip() for c in row.strip("|").split("|")]
    output_layer, loss_cell = cells[1], cells[2]
    assert "log-rate" in output_layer and "exponential" not in output_layer, output_layer
    assert "log_input=True" in loss_cell, loss_cell


# --------------------------------------------------------------------- complexity guide: recurrent parameter counts


def _formula_to_python(tex: str) -> str:
    """`4h(d_{in} + h) + 8h` -> `4*h*(d+h)+8*h` (only the symbols of these rows)."""
    s = tex.replace("d_{in}", "d").replace(" ", "")
    s = re.sub(r"(?<=[0-9a-z)])(?=[a-z(])", "*", s)
    assert re.fullmatch(r"[0-9dh+*()]+", s), f"unexpected formula {tex!r}"
    return s


def _pytorch_param_formula(row: str) -> str:
    m = re.search(r"\$([^$]+)\$ in PyTorch", row)
    assert m, f"row does not state the PyTorch parameter count: {row}"
    return _formula_to_python(m.group(1))


@pytest.mark.parametrize(("name", "module"), [("Vanilla RNN step", nn.RNN), ("LSTM step", nn.LSTM),
                                               ("GRU step", nn.GRU)])
@pytest.mark.parametrize(("d", "h"), [(10, 20), (3, 7), (64, 32)])
def test_recurrent_parameter_counts_match_pytorch(name, module, d, h):
    formula = _pytorch_param_formula(_table_row("guides/algorithm-complexity.md", name))
    stated = eval(formula, {"__builtins__": {}}, {"d": d, "h": h})  # noqa: S307 - digits, d, h, + * ( ) only
    actual = sum(p.numel() for p in module(d, h).parameters())
    assert stated == actual, f"{name}: guide says {formula} = {stated}, {module.__name__}({d}, {h}) has {actual}"


def test_quoted_lstm_and_gru_examples_match_pytorch():
    for name, module in [("LSTM step", nn.LSTM), ("GRU step", nn.GRU)]:
        m = re.search(r"`nn\.\w+\((\d+), (\d+)\)`: ([\d,]+)", _table_row("guides/algorithm-complexity.md", name))
        assert m, name
        d, h, n = int(m.group(1)), int(m.group(2)), int(m.group(3).replace(",", ""))
        assert sum(p.numel() for p in module(d, h).parameters()) == n


# --------------------------------------------------------------------- complexity guide: histogram bin defaults

# Documented defaults, used only when the library is not installed: LightGBM's parameter reference lists
# `max_bin` default 255; XGBoost's parameter reference lists `max_bin` default 256 (tree_method hist/approx).
DOCUMENTED_MAX_BIN = {"lightgbm": 255, "xgboost": 256}


def _stated_max_bin() -> dict[str, int]:
    text = " ".join(_text("guides/algorithm-complexity.md").split())
    m = re.search(r"(\d+) by default in LightGBM, (\d+) in XGBoost", text)
    assert m, "the complexity guide no longer states the histogram-bin defaults in the expected form"
    return {"lightgbm": int(m.group(1)), "xgboost": int(m.group(2))}


def test_stated_max_bin_matches_the_documented_defaults():
    assert _stated_max_bin() == DOCUMENTED_MAX_BIN


def _installed_lightgbm_max_bin() -> int:
    lgb = pytest.importorskip("lightgbm", reason="lightgbm is not installed; the documented default 255 is checked")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
    booster = lgb.train({"verbose": -1}, lgb.Dataset(X, y), num_boost_round=1)
    m = re.search(r"\[max_bin: (\d+)\]", booster.model_to_string())
    assert m, "LightGBM model string has no max_bin parameter"
    return int(m.group(1))


def _installed_xgboost_max_bin() -> int:
    xgb = pytest.importorskip("xgboost", reason="xgboost is not installed; the documented default 256 is checked")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
    booster = xgb.train({"tree_method": "hist"}, xgb.DMatrix(X, label=y), num_boost_round=1)
    m = re.search(r'"max_bin"\s*:\s*"(\d+)"', json.dumps(json.loads(booster.save_config())))
    assert m, "XGBoost config has no max_bin"
    return int(m.group(1))


def test_stated_lightgbm_max_bin_matches_the_installed_library():
    assert _stated_max_bin()["lightgbm"] == _installed_lightgbm_max_bin()


def test_stated_xgboost_max_bin_matches_the_installed_library():
    assert _stated_max_bin()["xgboost"] == _installed_xgboost_max_bin()


# --------------------------------------------------------------------- loss-functions guide: SGD rate


def test_sgd_strongly_convex_smooth_last_iterate_is_order_one_over_k():
    """f(w) = mu/2 w^2 with gradient noise of variance s2 and step 1/(mu k): the last iterate is
    w_{k+1} = -(1/(mu k)) sum_j xi_j, so E f(w_{k+1}) = s2 / (2 mu k) exactly (a closed form, O(1/k)).
    The simulation must match it, and k * E f must stay flat as k grows (not grow like log k)."""
    mu, s2, reps = 2.0, 1.0, 20000
    rng = np.random.default_rng(0)
    w = rng.normal(size=reps) * 3.0
    checkpoints, gaps = {100, 1000, 4000}, {}
    for k in range(1, 4001):
        w = w - (1.0 / (mu * k)) * (mu * w + rng.normal(scale=math.sqrt(s2), size=reps))
        if k in checkpoints:
            gaps[k] = float(np.mean(0.5 * mu * w**2))
    for k, gap in gaps.items():
        assert gap == pytest.approx(s2 / (2 * mu * k), rel=0.05)
    assert 4000 * gaps[4000] == pytest.approx(100 * gaps[100], rel=0.08)


def test_sgd_rows_state_smoothness_and_averaging():
    text = _text("guides/loss-functions.md")
    rows = [ln for ln in text.splitlines() if ln.startswith("| $\\mu$-strongly convex") and "SGD" in ln]
    assert len(rows) == 2, rows
    smooth, nonsmooth = rows
    assert "$L$-smooth" in smooth and "last iterate" in smooth
    assert "non-smooth" in nonsmooth and "suffix average" in nonsmooth and "\\log k / k" in nonsmooth
    assert "[@bottou2018optimization]" in text and "[@rakhlin2012making]" in text


# --------------------------------------------------------------------- chapter 11: bandit baseline


def test_bandit_baseline_is_a_uniform_one_third_split():
    text = _text("chapters/11-mlops-production.md")
    start = text.index("### Multi-armed bandit algorithms")
    section = text[start:text.index("\n### ", start + 10)]
    prose = section.split("```python")[0]
    assert "50/50" not in prose and "one third" in prose
    assert 'if policy == "uniform A/B/C":\n            k = t % 3' in section
    assert "true_rates = np.array([0.10, 0.11, 0.12])" in section


# --------------------------------------------------------------------- interview: attention training cost


def test_attention_cost_short_answer_states_the_causal_mask():
    """A causal mask keeps n(n+1)/2 of the n^2 scores, so 6Lnd per token assumes it; full attention is twice that."""
    text = _text("interview/nlp-transformers.md")
    start = text.index("## How many parameters and FLOPs does a transformer layer have?")
    short = text[start:].split("### Short answer", 1)[1].split("###", 1)[0]
    assert "6·L·n·d" in short and "causal" in short and "12·L·n·d" in short
    n = 512
    kept = int(torch.ones(n, n).tril().sum())
    assert kept == n * (n + 1) // 2 and kept / n**2 == pytest.approx(0.5, abs=1 / n)
