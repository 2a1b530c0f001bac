"""Code answers whose asked function is one part of a longer block (issue #16, round 13: f10-14).

Unit tests on hand-built blocks for ``compose.names_asked``, ``defines_object``, ``function_excerpt`` and
``imports_for``; properties over the development code questions (gold tune, external, fresh1-10) with the real index
for the answers."""

from __future__ import annotations

import json
import re

import pytest

from mlnotes.assistant.answering.compose import (
    _free_names,
    code_object,
    defines_object,
    function_excerpt,
    imports_for,
    names_asked,
)
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.kb.markdown import CodeBlock

CORPUS = REPO_ROOT / "corpus"
ROUGE_Q = "write a python function for ROUGE-N precision and recall without the rouge package"

# twelve lines of a summariser, then the asked function and the checks that call it (the shape of ch09's block)
OTHER = [f"sum_{k} = [{k}, {k + 1}]" for k in range(12)]
ASKED = [
    "def rouge_n(candidate, reference, n):",
    "    grams = lambda toks: Counter(zip(*[toks[i:] for i in range(n)]))",
    "    c, r = grams(candidate.split()), grams(reference.split())",
    "    overlap = sum((c & r).values())",
    "    return Fraction(overlap, sum(c.values())), Fraction(overlap, sum(r.values()))",
    "",
    "",
    'assert rouge_n("a b", "a c", 1) == (Fraction(1, 2), Fraction(1, 2))',
    'assert rouge_n("a b", "a b", 2) == (Fraction(1, 1), Fraction(1, 1))',
]


def _block(lines: list[str], start: int = 100) -> CodeBlock:
    return CodeBlock("python", (), "\n".join(lines), start, start + len(lines) + 1)


def test_a_name_made_of_the_objects_terms_names_the_asked_thing():
    obj = code_object(ROUGE_Q)
    assert obj == ["roug", "precis", "recal"]
    assert names_asked(obj, "rouge_n")  # "n" is no term
    assert names_asked(obj, "precision_recall")
    assert not names_asked(obj, "textrank_summary")  # no term of the object
    assert not names_asked(obj, "rouge_l_summary")  # "summary" is not the object's
    assert not names_asked([], "rouge_n")
    assert defines_object(obj, "\n".join(OTHER + ASKED))
    assert not defines_object(obj, "x = rouge_n(a, b, 1)\n")  # a call is no definition
    assert not defines_object(obj, "    def rouge_n(self):\n        pass\n")  # a method, not the block's own name


def test_the_asked_function_is_cut_out_with_the_checks_that_call_it_on_its_file_lines():
    cb = _block(OTHER + ASKED)
    ex = function_excerpt(code_object(ROUGE_Q), cb, "Text summarization approaches")
    assert ex.code == "\n".join(ASKED)
    assert (ex.start, ex.end) == (cb.start + len(OTHER), cb.start + len(OTHER) + len(ASKED) + 1)
    # the lines between start and end are the excerpt's, as for a fenced block
    file_lines = ["```python", *cb.code.split("\n"), "```"]
    assert "\n".join(file_lines[ex.start - cb.start + 1: ex.end - cb.start]) == ex.code
    # a later top-level line that does not call it ends the excerpt
    tail = function_excerpt(code_object(ROUGE_Q), _block(OTHER + ASKED + ["", "print(sum_3)"]), "Summaries")
    assert tail.code == "\n".join(ASKED)


def test_the_whole_block_stays_when_the_excerpt_would_not_stand_alone_or_is_the_section_itself():
    obj = code_object(ROUGE_Q)
    cb = _block(OTHER + ASKED)
    assert function_excerpt(obj, cb, "ROUGE precision and recall") is cb  # the heading names the object
    short = _block(OTHER[:5] + ASKED)
    assert function_excerpt(obj, short, "Summaries") is short  # fewer than ten lines around it
    uses = _block(OTHER + [ASKED[0], "    return sum_3 + [n]"])
    assert function_excerpt(obj, uses, "Summaries") is uses  # reads a name the block binds before it
    two = _block(OTHER + ASKED + ["def rouge(a, b):", "    return rouge_n(a, b, 1)"])
    assert function_excerpt(obj, two, "Summaries") is two  # two definitions are named by the object
    assert function_excerpt([], cb, "Summaries") is cb


def test_an_excerpt_gets_the_last_import_before_it_of_each_name_it_reads_and_does_not_bind():
    setup = CodeBlock("python", (), "import re\nfrom collections import Counter  # counts\nimport numpy as np", 10, 14)
    later = CodeBlock("python", (), "from fractions import Fraction\nfrom collections import Counter", 50, 53)
    after = CodeBlock("python", (), "from itertools import product", 300, 302)
    ex = CodeBlock("python", (), "\n".join(ASKED), 200, 200 + len(ASKED) + 1)
    got = imports_for(ex, [setup, later, after])
    assert [(b.code, b.start, b.end) for b in got] == [
        ("from fractions import Fraction", 50, 52),  # line 51
        ("from collections import Counter", 51, 53),  # line 52, the last one before the excerpt
    ]
    # names the excerpt binds itself, and names nobody imported, get no import line
    own = CodeBlock("python", (), "def f(Counter):\n    re = 1\n    return Counter + re", 200, 204)
    assert imports_for(own, [setup, later]) == []


def test_the_free_names_are_read_names_less_the_bound_ones():
    free = _free_names("\n".join(ASKED))
    assert {"Counter", "Fraction", "zip", "sum", "range"} <= free
    assert not {"candidate", "reference", "n", "grams", "toks", "overlap", "split", "values"} & free
    assert "print" not in _free_names("x = 1  # print(y)\nprint = 2")


# -- properties over the development questions (real index) ----------------------------------------------------------

def _dev_questions() -> list[tuple[str, str, list[str] | None]]:
    from mlnotes.eval.data import load_external, load_gold

    out = [(q.id, q.question, list(q.relevant)) for q in load_gold("tune")]
    out += [(q.id, q.question, list(q.relevant)) for q in load_external()]
    for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10"):
        path = REPO_ROOT / "eval" / "datasets" / f"judged_fresh{n}.jsonl"
        out += [(d["id"], d["question"], d.get("relevant")) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and (d := json.loads(line))]
    return out


@pytest.fixture(scope="module")
def code_answers(answerer):
    from mlnotes.assistant.answering.compose import asks_for_code
    from mlnotes.assistant.intent import classify_intent

    return {qid: (q, rel, answerer.answer(q, generator=None)) for qid, q, rel in _dev_questions()
            if classify_intent(q).intent == "code" or asks_for_code(q)}


def _lines(path: str) -> list[str]:
    return (CORPUS / path).read_text(encoding="utf-8").splitlines()


@pytest.mark.slow
def test_every_shown_import_line_is_the_files_own_line_before_the_code_and_is_read_by_it(code_answers):
    """Every code sentence is the file's own lines (imports included, each inside its cited piece); an import block
    comes right before the block it serves, and each of its names is read by that block and not bound by it."""
    with_imports = 0
    for qid, (_, _, ans) in code_answers.items():
        code = [s for s in ans.sentences if s.kind == "code"]
        for s in code:
            src = next(x for x in ans.sources if x.n == s.source)
            assert src.line_start <= s.line_start <= s.line_end <= src.line_end, qid
            assert "\n".join(_lines(src.path)[s.line_start: s.line_end - 1]).strip() == s.text.strip(), qid
        if len(code) > 1:
            with_imports += 1
            *imports, main = code
            free = _free_names(main.text)
            for s in imports:
                assert re.match(r"(?:from|import)\s", s.text), qid
                assert s.line_end <= main.line_start or s.source != main.source, qid
                bound = set(re.findall(r"(\w+)(?:\s*,|\s*$)", s.text.split(" import ")[-1]))
                assert bound & free, (qid, s.text)
            fence = "```python\n" + "\n".join(s.text for s in imports) + "\n```"
            assert ans.text.index(fence) < ans.text.index("```python\n" + main.text.rstrip("\n") + "\n```"), qid
    assert with_imports >= 1  # f10-14's rouge_n needs Counter and Fraction


@pytest.mark.slow
def test_a_code_answer_whose_block_defines_the_asked_function_leads_from_that_blocks_section(code_answers):
    """When the shown block defines the asked thing under its own name (``defines_object``), the lead comes from that
    block's section, for at least 90% of the development code answers that show such a block (a bank or exercise
    answer may lead otherwise; the tolerance allows a lead to move with a corpus change)."""
    from mlnotes.assistant.answering.compose import code_object as obj_of

    n = same = 0
    for q, _, ans in code_answers.values():
        code = [s for s in ans.sentences if s.kind == "code"]
        if not code or ans.sentences[0].kind == "code" or not defines_object(obj_of(q), code[-1].text):
            continue
        n += 1
        by_n = {x.n: x for x in ans.sources}
        lead, block = by_n[ans.sentences[0].source], by_n[code[-1].source]
        same += (lead.doc_id, lead.section_id) == (block.doc_id, block.section_id)
    assert n >= 3 and same >= 0.9 * n, (same, n)


@pytest.mark.slow
def test_the_rouge_answer_leads_with_rouge_and_shows_only_the_function_with_its_imports(code_answers):
    q, rel, ans = code_answers["f10-14"]
    by_n = {x.n: x for x in ans.sources}
    first = by_n[ans.sentences[0].source]
    assert f"{first.doc_id}#{first.section_id}" in rel and "ROUGE" in ans.sentences[0].text
    code = [s for s in ans.sentences if s.kind == "code"]
    assert [s.text for s in code[:-1]] == ["from collections import Counter", "from fractions import Fraction"]
    assert code[-1].text.startswith("def rouge_n(") and "TfidfVectorizer" not in code[-1].text
