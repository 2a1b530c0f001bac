"""The block a code answer shows is the one that does what the question asks (issue #16, round 21, code21).

f18-13 ("write sample skewness from its definition in plain numpy, check it against scipy.stats.skew, show that
the log of a lognormal column is roughly symmetric") showed the bootstrap exercise's ``bootstrap_ci``; f18-14 (an
A/A simulation of 5000 t-tests and its p-value histograms) showed the Cohen's d block. Three readings lost the
right block: a block's libraries were read from its own text only (ch03's simulation calls ``rng.normal`` on the
file's ``rng = np.random.default_rng(0)`` and counted as no NumPy), "our experiment analysis code" was read as
the code to write, and a block's own words left out the prose that introduces it ("The figure simulates 5,000
two-sample t-tests ...") while an exercise's solution had its prompt.

Unit tests of ``compose.libraries_used``, ``compose.code_object`` and ``compose.block_intro``; properties of the
answers to the two development questions (the shown fence calls what the question asks computed)."""

from __future__ import annotations

import json
import re

import pytest

from mlnotes.assistant.answering.compose import (
    block_intro,
    calls_named,
    code_object,
    libraries_used,
    named_calls,
)
from mlnotes.assistant.settings import REPO_ROOT

from .test_code_excerpt_r19 import _shown_fence

EARLIER = '''import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(0)
'''


def test_a_block_uses_the_library_of_the_objects_and_imports_its_file_made_earlier():
    sim = "g0 = rng.normal(size=(100, 30))\np = stats.ttest_ind(g0, g0 + 1, axis=1).pvalue\n"
    assert libraries_used(sim) == set()
    assert "numpy" in libraries_used(sim, EARLIER)
    # a function an earlier import bound
    assert "sklearn" in libraries_used("auc = roc_auc_score(y, s)\n", EARLIER)
    # a name the block binds itself is the block's own, whatever an earlier block bound to it
    own = "import torch\nrng = torch.Generator()\nx = rng.manual_seed(0)\n"
    assert "numpy" not in libraries_used(own, EARLIER)
    # an earlier object only read, never called, says nothing
    assert "numpy" not in libraries_used("print(rng)\n", EARLIER)


def test_the_askers_own_code_is_a_noun_not_what_to_write():
    q = ("we want to sanity-check our experiment analysis code with A/A tests. can you write a numpy/scipy "
         "simulation: 5000 two-sample t-tests")
    assert "simul" in code_object(q)
    assert "experi" not in code_object(q)
    # code to write, said with a possessive of form words only, or no possessive
    assert code_object("my own code for k-means please") == ["kmean"]
    assert code_object("give me k-means code") == ["kmean"]
    assert code_object("write my own function for softmax") == ["softmax"]
    # a library is how the code is written, not what it computes
    assert "scipi" not in code_object("write a scipy t-test simulation")


LINES = """### What a p-value looks like

Under a true null the p-value is uniform.
The figure simulates 5,000 two-sample t-tests.

```python
x = 1
```

The code below adds one.

```python
y = 2
```
""".split("\n")


def test_a_blocks_intro_is_what_the_paragraph_right_above_it_says_of_the_block():
    first = LINES.index("x = 1")  # 0-based line after the fence = 1-based line of the fence
    # the sentence that points at the figure, not the topic sentence before it
    assert block_intro(LINES, first) == "The figure simulates 5,000 two-sample t-tests."
    assert block_intro(LINES, LINES.index("y = 2")) == "The code below adds one."
    two = ["### H", "", "The code below is far.", "", "The demo below", "goes on.", "", "```python", "x = 1", "```"]
    assert block_intro(two, 8) == "The demo below goes on."
    # a paragraph about the topic only (ml-08's guide paragraph on output sizes and receptive fields) says nothing
    assert block_intro(["The receptive field grows with depth.", "", "```python", "x = 1", "```"], 3) == ""
    assert block_intro(["```python", "z = 3", "```"], 1) == ""


def test_a_question_names_library_functions_by_their_dotted_paths():
    q = "check it against scipy.stats.skew (see power.py, e.g. nn.LayerNorm) and np.linalg.eigh"
    assert named_calls(q) == ["skew", "LayerNorm", "eigh"]
    assert named_calls("no dotted names here. none.") == []
    calls = named_calls(q)
    assert calls_named(calls, "s = stats.skew(area)\nw, v = np.linalg.eigh(S)\n") == 2
    # a name that is no call, or only in a comment, is not called
    assert calls_named(calls, "x_skew = 3  # compare with skew(x)\n") == 0


def _fresh(qid: str) -> str:
    path = REPO_ROOT / "eval" / "datasets" / "judged_fresh18.jsonl"
    rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return next(r["question"] for r in rows if r["id"] == qid)


# what each question asks the code to compute, as the calls that compute it
ASKED_CALLS = {
    "f18-13": [r"\bstats\.skew\(", r"\*\*\s*3\b", r"\bnp\.log\("],  # scipy's skew, the third moment, the log
    "f18-14": [r"\bttest_ind\(", r"\.hist\(p_", r"size=\(n_sim"],  # the t-tests, the p-value histograms, 5000 sims
}


@pytest.mark.parametrize("qid", sorted(ASKED_CALLS))
def test_the_shown_fence_computes_what_the_question_asks(answerer, qid):
    fence = _shown_fence(answerer.answer(_fresh(qid), generator=None))
    assert fence is not None, f"{qid}: no code shown"
    missing = [p for p in ASKED_CALLS[qid] if not re.search(p, fence)]
    assert not missing, f"{qid}: the shown fence does not compute {missing}:\n{fence}"
