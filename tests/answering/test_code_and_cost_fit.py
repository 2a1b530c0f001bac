"""Code blocks that fit what a code question asks them to be written with, and cost answers that lead with the rows
of the asked algorithm for the sizes the question gives (issue #16, round 10b: f7-13, f7-09, f7-10).

Unit tests on hand-made questions, blocks and table rows; properties over the development questions (gold tune,
the external set, judged_fresh 1-7; never gold heldout) answered by the served extractive pipeline over the real
index, each checked against the corpus files rather than against recorded answers."""

from __future__ import annotations

import json

from mlnotes.assistant.answering.compose import code_ask, code_fit, code_for
from mlnotes.assistant.answering.lead import (
    TableRow,
    asks_cost,
    complexity_lead_rows,
    complexity_rows,
    given_sizes,
    regime_fit,
    states_estimate,
)
from mlnotes.assistant.answering.scoring import dangles
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.kb.chunker import Chunk
from mlnotes.kb.index import Hit

from .code_lines import shown_from_file

CORPUS = REPO_ROOT / "corpus"

NUMPY_CONV = '''import numpy as np
import torch


def conv2d_im2col(x, w, b, stride=1, pad=0):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(2, 3))
    return cols


ref = torch.nn.functional.conv2d(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 1, 1))
'''
TORCH_BLOCK = '''class BasicBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=1, padding=1)

    def forward(self, x):
        return F.relu(self.conv1(x)) + x
'''
SKLEARN_AUC = '''from sklearn.metrics import roc_auc_score


def auc(y, s):
    return roc_auc_score(y, s)
'''
OWN_AUC = '''import numpy as np


def auc(y, s):
    order = np.argsort(s)
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    pos = y == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
'''


def test_a_code_question_that_names_a_library_or_technique_is_read_for_it():
    a = code_ask("show me how to write a conv2d forward pass in numpy with the im2col trick")  # f7-13
    assert "numpy" in a.want and "torch" in a.avoid and {"im2col", "conv2d"} <= a.techniques
    a = code_ask("write code to compute ROC AUC from scores without sklearn")
    assert "sklearn" in a.avoid and not a.want
    a = code_ask("Show me how to code permutation feature importance myself, without sklearn.inspection.")
    assert a.avoid == {"sklearn"} and not a.want
    a = code_ask("can you write a small CNN in pytorch that classifies handwritten digits?")
    assert a.want == {"torch"} and "torch" not in a.avoid
    a = code_ask("vectorized pairwise distances")
    assert "numpy" in a.want
    a = code_ask("Implement k-means.")
    assert not (a.want or a.avoid or a.techniques)
    # a link's address is no technique the question names
    assert not code_ask("Create a function to compute an [integral image](https://x.org/Summed-area_table)").techniques


def test_a_block_fits_by_the_library_its_working_code_uses_not_by_its_imports_or_its_check():
    ask = code_ask("show me how to write a conv2d forward pass in numpy with the im2col trick")
    # NumPy inside the function; torch only imported and used to check it after the definition
    assert code_fit(ask, NUMPY_CONV) == (1, 2)
    lib, tech = code_fit(ask, TORCH_BLOCK)
    assert lib == -1 and tech == 1  # its nn.Conv2d names conv2d, not im2col: fewer of the named techniques
    no_sk = code_ask("write code to compute ROC AUC from scores without sklearn")
    assert code_fit(no_sk, SKLEARN_AUC)[0] == -1 and code_fit(no_sk, OWN_AUC)[0] == 0
    # a question that names neither a library nor a technique: every block fits alike
    plain = code_ask("Implement ROC AUC.")
    assert code_fit(plain, SKLEARN_AUC) == code_fit(plain, OWN_AUC) == (0, 0)


def _chunk(lines: list[str], start: int, path: str) -> Chunk:
    return Chunk(id=f"{path}#s", doc_id=path, section_id="s", title="X", heading="S", breadcrumbs=["X", "S"],
                 path=path, line_start=start, line_end=start + len(lines) - 1, kind="guide", text="\n".join(lines))


def _fenced(code: str) -> list[str]:
    return ["Some prose.", "", "```python", *code.rstrip("\n").split("\n"), "```"]


def test_code_for_prefers_the_block_in_the_asked_library_over_a_better_ranked_one_that_contradicts_it():
    hits = [Hit(_chunk(_fenced(TORCH_BLOCK), 10, "guides/a.md"), 1.0, 0, "hybrid"),
            Hit(_chunk(_fenced(NUMPY_CONV), 50, "guides/b.md"), 0.5, 1, "hybrid")]
    rank, cb = code_for("Implement a conv2d forward pass with stride and padding in numpy.", hits)
    assert rank == 1 and "conv2d_im2col" in cb.code
    # without a library in the question the first block that names the subject as well stays first
    rank, cb = code_for("Implement a conv2d forward pass with stride and padding.", hits)
    assert rank == 0 and "BasicBlock" in cb.code


HEADER = "| Algorithm | Training time | Inference time | Memory | Notes |\n| --- | --- | --- | --- | --- |"
ROWS = [TableRow("| Ridge, closed form | $O(nd^2 + d^3)$ | $O(d)$ | $O(d^2)$ | $(X^TX+\\lambda I)^{-1}X^Ty$ |", 92, HEADER),
        TableRow("| Ridge, dual / kernel form ($d > n$) | $O(n^2 d + n^3)$ | $O(d)$ | $O(n^2)$ | cheaper when "
                 "$d \\gg n$ |", 93, HEADER),
        TableRow("| Lasso, coordinate descent | $O(nd)$ per sweep | $O(d)$ | $O(nd)$ | residual updates |", 96, HEADER),
        TableRow("| Gaussian process regression | $O(n^2 d + n^3)$ | $O(nd)$ | $O(n^2)$ | hyperparameters |", 129,
                 HEADER)]


def test_the_sizes_a_cost_question_gives_are_read_with_their_units():
    assert given_sizes("I have 2,000 samples but 100k features (gene expression).") == {"n": 2000, "d": 100_000}
    assert given_sizes("would gaussian process regression work on 50k training points?") == {"n": 50_000}
    assert given_sizes("agglomerative clustering on a million points") == {"n": 1e6}
    assert given_sizes("ridge with n = 1e6 and d = 50") == {"n": 1e6, "d": 50}
    assert given_sizes("kNN over 10^6 vectors") == {"n": 1e6}
    assert given_sizes("BM25, FAISS and vector database tools") == {}  # a name's digits are no size
    assert given_sizes("What is the time complexity of k-NN prediction?") == {}
    assert asks_cost("would gaussian process regression work on 50k training points? rough time and memory")
    assert asks_cost("2,000 samples, 100k features: is closed-form ridge feasable, which way is cheaper?")
    assert not asks_cost("I have 200 features and only 1,000 rows. How do I avoid overfitting?")
    assert not asks_cost("What is the time complexity of k-NN prediction?")  # no size: its intent decides


def test_rows_that_differ_by_the_regime_are_shown_together_the_one_the_sizes_fit_first():
    q = "I have 2,000 samples but 100k features. Is closed-form ridge regression feasible, which solve is cheaper?"
    matched = complexity_rows(q, ROWS)
    assert [r.line for r in matched] == [92, 93]  # the closed form is named whole, the dual by its algorithm only
    assert regime_fit(ROWS[1], given_sizes(q)) == 1 and regime_fit(ROWS[0], given_sizes(q)) == 0
    assert [r.line for r in complexity_lead_rows(q, matched)] == [93, 92]  # d > n: the dual form first
    tall = "Ridge regression with 1e6 samples and 50 features: which solve is cheaper?"
    assert regime_fit(ROWS[1], given_sizes(tall)) == -1
    assert [r.line for r in complexity_lead_rows(tall, complexity_rows(tall, ROWS))] == [92, 93]
    # no sizes: the best row alone, as before
    assert [r.line for r in complexity_lead_rows("What does ridge regression cost?",
                                                 complexity_rows("What does ridge regression cost?", ROWS))] == [92]
    assert complexity_lead_rows(q, []) == []


def test_a_worked_figure_is_told_from_a_sentence_without_one():
    assert states_estimate("The $O(n^2)$ memory is the practical wall: at $n = 100{,}000$ the Gram matrix has "
                           "$10^{10}$ entries, 80 GB in float64.")
    assert states_estimate("A forward pass of ResNet-50 takes about 4 GFLOPs per image.")
    assert not states_estimate("Kernel methods replace the features by an $n\\times n$ kernel matrix.")
    assert not states_estimate("Use a GPU with 2 cards.")


# -- properties over the development questions, answered by the served pipeline ----------------------------------

def _dev_questions() -> list[tuple[str, str]]:
    from mlnotes.eval.data import load_external, load_gold

    out = [(q.id, q.question) for q in load_gold("tune")] + [(q.id, q.question) for q in load_external()]
    for n in ("", "2", "3", "4", "5", "6", "7"):
        path = REPO_ROOT / "eval" / "datasets" / f"judged_fresh{n}.jsonl"
        out += [(d["id"], d["question"]) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and (d := json.loads(line))]
    return out


def _file_lines(path: str) -> list[str]:
    return (CORPUS / path).read_text(encoding="utf-8").splitlines()


def test_no_development_code_answer_shows_a_block_in_a_library_the_question_rules_out(answerer):
    checked = 0
    for qid, q in _dev_questions():
        ask = code_ask(q)
        if not (ask.want or ask.avoid):
            continue
        ans = answerer.answer(q, generator=None)
        for s in ans.sentences:
            if s.kind != "code":
                continue
            src = next(x for x in ans.sources if x.n == s.source)
            assert shown_from_file(_file_lines(src.path), s), qid
            assert code_fit(ask, s.text)[0] >= 0, (qid, q, s.text[:200])
            checked += 1
    assert checked >= 8  # the property is about real answers: enough of them show code


def test_development_cost_questions_with_sizes_lead_with_the_fitting_rows_and_never_with_a_dangling_sentence(
        answerer):
    from mlnotes.assistant.answering.lead import COMPLEXITY_DOC, first_cell, row_algorithm
    from mlnotes.assistant.intent import classify_intent

    sized = 0
    for qid, q in _dev_questions():
        costly = asks_cost(q)
        if not costly and classify_intent(q).intent != "complexity":
            continue
        ans = answerer.answer(q, generator=None)
        if ans.abstained or not ans.sentences:
            continue
        assert not dangles(ans.sentences[0].text), (qid, ans.sentences[0].text)
        if not costly:
            continue
        first = ans.sentences[0]
        src = next(x for x in ans.sources if x.n == first.source)
        assert first.kind == "table_row" and src.path == COMPLEXITY_DOC, (qid, first.text)
        assert _file_lines(src.path)[first.line_start - 1].strip() == first.text.strip()
        rows = []
        for s in ans.sentences:
            if s.kind != "table_row" or row_algorithm(s.text) != row_algorithm(first.text):
                break
            rows.append(TableRow(s.text, s.line_start, s.table_header or ""))
        fits = [regime_fit(r, given_sizes(q)) for r in rows]
        assert fits == sorted(fits, reverse=True), (qid, [first_cell(r.text) for r in rows])
        sized += 1
    assert sized >= 3  # f6-09, f7-09, f7-10
