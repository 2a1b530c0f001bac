"""Code answers that show the code asked for, and only that (issue #16, round 19, code19).

f16-13 ("write a sentence splitter in plain python ... that doesn't split after abbreviations") showed the whole of
ch09's tokenization block (torch and matplotlib imports, a word tokenizer, byte-pair encoding) with the 15-line
``sentence_tokenize`` inside, under the set-up definition "A *tokenizer* splits a string ...", and ended with the
fragment ``Smith") and decimals, ...`` that the prose splitter cut after "Dr." inside a parenthesis; f16-14 showed
``from collections import Counter`` and ``import numpy as np`` as a code item of their own.

Unit tests on hand-built blocks for ``compose.definitions_excerpt``, ``compose.setup_only`` and
``compose.definition_terms``; properties over the development code questions (gold tune, external, fresh1-16; the
``dev_code_answers`` fixture), among them that every excerpt shown runs on its own (executed in a child process)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlnotes.assistant.answering.compose import (
    EXCERPT_NOTE,
    definition_terms,
    definitions_excerpt,
    setup_only,
)
from mlnotes.assistant.answering.lead import terms
from mlnotes.kb.childproc import Limits, child_env, run_child
from mlnotes.kb.markdown import CodeBlock

from .code_lines import shown_from_file

SPLITTER_Q = "write a sentence splitter in plain python that doesn't split after abbreviations like 'Dr.'"

BLOCK = '''import re
import time
from collections import Counter

import numpy as np

t_start = time.perf_counter()
WORD_RE = re.compile(r"[A-Za-z]+")
ABBREVIATIONS = {"dr", "e.g"}
seen = Counter()
for w in ["a", "b", "a"]:
    seen[w] += 1


def word_tokenize(text):
    return WORD_RE.findall(text)


def _last_word(text):
    return re.findall(r"[\\w.]+$", text)


def sentence_tokenize(text):
    """Split after . ! ? unless the word before is an abbreviation."""
    out, start = [], 0
    for m in re.finditer(r"[.!?]+\\s+(?=[A-Z])", text):
        prev = _last_word(text[start:m.start()])
        if prev and prev[0].lower().rstrip(".") in ABBREVIATIONS:
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s and seen["a"] == 2]


doc = "Dr. Smith came. He left."
print(word_tokenize(doc))
parts = sentence_tokenize(doc)
assert len(parts) == 2
print(parts)


def learn_merges(words):
    return np.array(sorted(words))


merges = learn_merges(["low", "lower"])
assert len(merges) == 2
print("took", time.perf_counter() - t_start)
'''


def _block(code: str, start: int = 200) -> CodeBlock:
    return CodeBlock("python", (), code, start, start + len(code.split("\n")) + 1)


def test_the_asked_definition_is_shown_with_what_it_needs_and_its_checks_only():
    cb = _block(BLOCK)
    ex = definitions_excerpt(SPLITTER_Q, cb)
    assert ex is not cb
    code = ex.code
    for kept in ("import re", "from collections import Counter", "ABBREVIATIONS = ", "seen = Counter()",
                 "    seen[w] += 1", "def _last_word(", "def sentence_tokenize(", 'doc = "Dr. Smith',
                 "parts = sentence_tokenize(doc)", "assert len(parts) == 2", "print(parts)"):
        assert kept in code, kept
    for cut in ("import time", "import numpy", "t_start", "WORD_RE", "def word_tokenize", "print(word_tokenize",
                "def learn_merges", "merges ="):
        assert cut not in code, cut
    # the file's own lines, in order, from the block's span, and it runs on its own
    file_lines = ["x"] * cb.start + cb.code.split("\n") + ["```"]
    shown = SimpleNamespace(text=ex.code, line_start=ex.start, line_end=ex.end)
    assert shown_from_file(file_lines, shown)
    ns: dict = {}
    exec(compile(code, "<excerpt>", "exec"), ns)  # noqa: S102 - a hand-built block of this test
    assert ns["parts"] == ["Dr. Smith came.", "He left."]


def test_the_block_stays_whole_when_no_definition_is_asked_or_the_excerpt_would_not_run():
    cb = _block(BLOCK)
    assert definitions_excerpt("write byte pair encoding in python", cb) is cb  # no definition names two terms
    one = _block('def sentence_split(text):\n    """Split sentences."""\n    return [text]\n\n\nx = 1\n')
    assert definitions_excerpt(SPLITTER_Q, one) is one  # one definition: nothing to choose
    # the asked definition reads data an earlier block set up (not an import): shown cut, it would not run
    reads_data = BLOCK.replace('ABBREVIATIONS = {"dr", "e.g"}\n', "")
    assert definitions_excerpt(SPLITTER_Q, _block(reads_data)).code == reads_data
    # a block too short to cut a quarter and eight lines stays whole
    short = ('def sentence_split(text):\n    """Split sentences after abbreviations."""\n    return [text]\n\n\n'
             "def other(x):\n    return x\n")
    assert definitions_excerpt(SPLITTER_Q, _block(short)).code == short


def test_a_block_that_only_imports_or_sets_up_modules_is_set_up_only():
    assert setup_only("from collections import Counter\nimport numpy as np")
    assert setup_only("import torch\ntorch.set_num_threads(1)\nrng = torch.Generator()")
    assert not setup_only("import numpy as np\nx = np.zeros(3)\nprint(x)")  # it prints a result
    assert not setup_only('config = {"lr": 1e-3, "batch_size": 32}')  # a constant may be what is asked
    assert not setup_only("def f():\n    return 1")


def test_definition_terms_are_the_question_terms_a_definitions_name_and_docstring_say():
    said = definition_terms(SPLITTER_Q, BLOCK)
    assert {"sentenc", "split", "abbrevi"} <= said
    assert "plain" not in said
    assert definition_terms(SPLITTER_Q, "x = 1\n") == set()


# -- properties over the development code questions (real index) ----------------------------------------------------

def _fences(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)\n```", text, re.S)


def _shown_fence(ans) -> str | None:
    """The fence of an answer's code item: the one that ends with its last code sentence."""
    code = [s for s in ans.sentences if s.kind == "code"]
    if not code:
        return None
    main = code[-1].text.rstrip("\n")
    return next((f for f in _fences(ans.text) if f.endswith(main)), None)


def _runs_alone(code: str, timeout: float = 120.0) -> tuple[bool, str]:
    """Whether ``code`` runs on its own: executed alone in a fresh child process (the corpus code runner's, with
    the Agg backend and a time budget), in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="mlnotes-excerpt-") as tmp:
        env = child_env(overrides={"PYTHONHASHSEED": "0"}, defaults={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        res = run_child("mlnotes.kb.coderun", [{"start": 1, "code": code}], Limits(timeout_s=timeout), cwd=Path(tmp),
                        env=env)
    if res.timed_out:
        return False, "timed out"
    rec = res.records[0] if res.records else {"status": "error", "error": res.stderr[-500:]}
    return rec["status"] == "ok", rec.get("error", "")


def _defines(code: str) -> bool:
    return bool(re.search(r"^(?:def|class)\s", code, re.M))


@pytest.mark.slow
def test_every_excerpt_shown_runs_on_its_own_and_says_it_is_an_excerpt(dev_code_answers):
    """Every code item that is an excerpt of a longer block (the note says so) and shows a definition runs on its
    own, exactly as shown (its fence: the import lines it needs and the excerpt), in a fresh process. Measured at
    round 19 (code19): 5 such excerpts of the 71 development code answers (f8-02, f10-14, f11-14, f16-13, g478),
    all run; since round 21 an excerpt that defines nothing runs too (f18-13, f18-14). May fail: round 14's
    ``setup_excerpt`` cut (f12-13's chi-square computation on ``table``), which defines nothing and by design starts
    after the lines that build its data."""
    ran, setup = [], []
    for qid, (_q, ans) in sorted(dev_code_answers.items()):
        if EXCERPT_NOTE not in ans.text:
            continue
        fence = _shown_fence(ans)
        assert fence is not None, qid
        ok, err = _runs_alone(fence)
        if not _defines(fence) and not ok:
            # round 21 (code21): a whole block shown with the set-up lines it reads (f18-13, f18-14) is marked as an
            # excerpt too and defines nothing; it must run as well; only a set-up cut (f12-13) may not
            setup.append(qid)
            continue
        assert ok, (qid, err)
        ran.append(qid)
    assert "f16-13" in ran and len(ran) >= 5, ran
    assert set(setup) <= {"f12-13"}, setup


@pytest.mark.slow
def test_no_code_item_is_an_import_or_set_up_only_cell(dev_code_answers):
    """No development code answer shows a fence that only imports or sets up modules (f16-14 showed ``from
    collections import Counter`` and ``import numpy as np`` as an item of their own): import lines open the fence
    of the code they serve."""
    shown = 0
    for qid, (_q, ans) in dev_code_answers.items():
        for f in _fences(ans.text):
            shown += 1
            assert not setup_only(f), (qid, f[:200])
    assert shown >= 50


@pytest.mark.slow
def test_no_answer_sentence_opens_inside_a_parenthesis(dev_code_answers):
    """No prose sentence of a development code answer closes a bracket before it opens one (f16-13 ended with
    ``Smith") and decimals, so real splitters ...``, cut after "Dr." inside a parenthesis)."""
    for qid, (_q, ans) in dev_code_answers.items():
        for s in ans.sentences:
            if s.kind == "code":
                continue
            m = re.search(r"[()\[\]]", re.sub(r"`[^`]*`|\$[^$]*\$", "", s.text))
            assert not (m and m.group() in ")]"), (qid, s.text[:120])


@pytest.mark.slow
def test_the_sentence_splitter_answer_shows_the_splitter_led_by_its_method(dev_code_answers):
    _q, ans = dev_code_answers["f16-13"]
    fence = _shown_fence(ans)
    assert fence is not None and "def sentence_tokenize(" in fence
    assert "torch" not in fence and "learn_bpe" not in fence and "matplotlib" not in fence
    assert EXCERPT_NOTE in ans.text
    lead = terms(ans.sentences[0].text)
    assert {"sentenc", "abbrevi"} <= lead, ans.sentences[0].text  # the method, not "A tokenizer splits a string"
    ok, err = _runs_alone(fence)
    assert ok, err


@pytest.mark.slow
def test_the_tagger_answers_imports_open_its_code(dev_code_answers):
    _q, ans = dev_code_answers["f16-14"]
    fence = _shown_fence(ans)
    assert fence is not None and fence.startswith("from collections import Counter\nimport numpy as np\n\n")
    assert "def viterbi_tags(" in fence
    assert not any(setup_only(f) for f in _fences(ans.text))


@pytest.mark.slow
def test_an_excerpts_lead_names_what_its_definitions_do(dev_code_answers):
    """The lead of a code answer that shows an excerpt whose definitions name at least two of the question's terms
    (``definition_terms``) names at least one of them, and all but one of these leads name two: it says what the
    shown code does, not a set-up definition of a broader term (f16-13's "A *tokenizer* splits a string ..." named
    one: split). Measured at round 19 (code19): 4 such answers (f8-02, f11-14, f16-13, g478), all name two."""
    n = two = 0
    missed = []
    for qid, (q, ans) in dev_code_answers.items():
        code = [s for s in ans.sentences if s.kind == "code"]
        if EXCERPT_NOTE not in ans.text or not code or ans.sentences[0].kind == "code":
            continue
        said = definition_terms(q, code[-1].text)
        if len(said) < 2:
            continue
        n += 1
        named = len(said & terms(ans.sentences[0].text))
        if named < 1:
            missed.append(qid)
        two += named >= 2
    # f17-13 (round 19, code19b: an excerpt since ``definitions_excerpt`` ranks the asked object first; as a whole
    # block it led with the same sentence): its section's one sentence on fingerprinting is a pointer ("The runnable
    # tracker below does the same ..."), so it still leads with MLflow; a known gap, any other miss fails
    assert set(missed) <= {"f17-13"}, missed
    assert n >= 4 and two >= n - 2, (two, n)


HELPER = '''import numpy as np


def residual(p, q):
    """The distribution to sample from after a rejection."""
    r = np.maximum(p - q, 0.0)
    return r / r.sum()


def OTHER_NAME(p, q, x, rng):
    return residual(p, q) if rng.random() < 0.5 else x


def plot_tokens(counts):
    return sorted(counts)


def tabulate(rows):
    return [list(r) for r in rows]


rng = np.random.default_rng(0)
print(OTHER_NAME(np.array([0.6, 0.4]), np.array([0.5, 0.5]), 1, rng))
print(plot_tokens({"a": 1}), tabulate([(1, 2)]))
print(tabulate([(3, 4)]), plot_tokens({"b": 2}))
x = 1
y = 2
'''


@pytest.mark.parametrize("caller, whole", [("speculative_step", False), ("verify_draft", True)])
def test_a_helper_is_shown_with_the_definition_that_calls_it_or_the_block_stays_whole(caller, whole):
    """g477 ("accept/reject step of speculative sampling"): ``residual``'s docstring names "rejection" and "sample",
    yet it serves the step that calls it; the caller joins the excerpt when it names a subject term, else the block
    stays whole."""
    q = "accept/reject step of speculative sampling written in numpy"
    cb = _block(HELPER.replace("OTHER_NAME", caller))
    ex = definitions_excerpt(q, cb)
    if whole:
        assert ex is cb
    else:
        assert f"def {caller}(" in ex.code and "def residual(" in ex.code and "def plot_tokens" not in ex.code
        assert "rng = np.random.default_rng(0)" in ex.code


RESEED = '''import torch


def seed_everything(seed):
    """Seed every generator for reproducible runs."""
    torch.manual_seed(seed)


def seed_worker(worker_id):
    torch.manual_seed(worker_id)


def unrelated_plot(a):
    return a


def another_helper(b):
    return b


print(unrelated_plot(1), another_helper(2))
print(unrelated_plot(3), another_helper(4))
print(unrelated_plot(5), another_helper(6))
seed_everything(0)
a = torch.randn(3)
seed_everything(0)
b = torch.randn(3)
assert torch.equal(a, b)
'''


def test_a_check_after_the_first_call_that_reads_only_modules_and_the_demos_names_is_kept():
    """g102: the reseeding check ``a = torch.randn(3)``, reseed, ``b = ...``, ``assert torch.equal(a, b)`` calls the
    asked function only in between; its other lines read the module and what the demo bound."""
    ex = definitions_excerpt("seed everything for reproducible runs, code", _block(RESEED))
    assert "def seed_everything(" in ex.code and "def unrelated_plot" not in ex.code
    for line in ("a = torch.randn(3)", "b = torch.randn(3)", "assert torch.equal(a, b)"):
        assert line in ex.code, line
    ns: dict = {}
    exec(compile(ex.code, "<excerpt>", "exec"), ns)  # noqa: S102 - a hand-built block of this test
