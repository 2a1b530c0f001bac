"""Code answers show code for the object the question asks to write, never a sibling's (issue #16, round 11: f8-13
"layer normalization ... that matches nn.LayerNorm" got batch-norm code; f8-14 "a stratified train/test split
myself" got no code although ch01's exercise 1.2 has one; round 12: f9-13 "python for a release check: ... 95%
bootstrap CI on the mean difference" read as a comparison and got no code, ml-08 and ml-11 "create a function to
compute ..." got none, f9-14's code was followed by a sentence about another simulation; round 13: f11-13 "can you write a small wrapper
that prefetches ..." was not read as a code request).

Unit tests on hand-made questions and blocks; properties over the development code questions (gold tune, the
external set, judged_fresh 1-9; never gold heldout) answered by the served extractive pipeline over the real index,
each shown block checked against its file lines and against the object the question names."""

from __future__ import annotations

import json
import re

import pytest

from mlnotes.assistant.answering.compose import (
    NO_CODE_TEXT,
    asks_for_code,
    block_words,
    code_object,
    exercise_prompt,
    is_sibling,
    object_coverage,
    object_excerpt,
    wants_code,
)
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.kb.markdown import CodeBlock

from .code_lines import shown_from_file

CORPUS = REPO_ROOT / "corpus"

BATCH_NORM = '''def batchnorm_forward(X, gamma, beta, eps=1e-5):
    mu = X.mean(0)
    var = X.var(0)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta
'''
LAYER_NORM_CHECK = '''import torch

ln = torch.nn.LayerNorm(32).double()
x = torch.randn(4, 9, 32, dtype=torch.float64)
mu = x.mean(-1, keepdim=True)
var = x.var(-1, unbiased=False, keepdim=True)
ours = ln.weight * (x - mu) / torch.sqrt(var + ln.eps) + ln.bias
assert torch.allclose(ours, ln(x))
'''
KFOLD = '''def kfold_indices(n, k, seed=0):
    idx = np.random.default_rng(seed).permutation(n)
    folds = np.array_split(idx, k)
    for i in range(k):
        yield np.concatenate([folds[j] for j in range(k) if j != i]), folds[i]
'''
STRATIFIED = '''def stratified_split(y, test_frac, seed=0):
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.extend(idx[: int(round(test_frac * len(idx)))])
    return np.setdiff1d(np.arange(len(y)), test), np.sort(test)
'''
ENCODER = '''def layer_norm(x, gamma, beta, eps=1e-5):
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def mha_numpy(x, w, n_heads):
    T, d = x.shape
    q = x @ w
    return q


def encoder_block(x, p):
    h = layer_norm(x + mha_numpy(x, p["w"], 2), p["g"], p["b"])
    ff = np.maximum(0, h @ p["w1"]) @ p["w2"]
    return layer_norm(h + ff, p["g2"], p["b2"])


x = np.ones((3, 4))
out = encoder_block(x, params)
assert out.shape == x.shape
'''


def test_the_object_is_the_name_after_the_code_verb_without_how_it_is_wanted():
    assert code_object("write layer normalization from scratch (numpy or torch) over the last dim, with gamma and "
                       "beta, that matches nn.LayerNorm") == ["layer", "normal"]
    assert code_object("how do I write a stratified train/test split myself without sklearn? labels are very "
                       "imbalanced") == ["stratifi", "train", "test", "split"]
    assert code_object("Show me Python code that computes the Gini impurity of a candidate split.") == ["gini",
                                                                                                        "impur"]
    assert code_object("reservoir sampling implementation") == ["reservoir", "sampl"]
    assert code_object("precision recall F1 from predictions, code") == ["precis", "recal", "f1"]
    assert code_object("What is layer normalization?") == []  # no code verb: no object


def test_british_and_american_spellings_and_glued_names_name_the_same_object():
    obj = code_object("implement layer normalization")
    assert object_coverage(obj, "x = 1\n", "Exercise 9.6: Layer normalisation from scratch") == 2
    assert object_coverage(obj, LAYER_NORM_CHECK) == 2  # torch.nn.LayerNorm: layer, norm
    assert object_coverage(obj, BATCH_NORM, "Batch normalization") == 1  # the head only


def test_aliases_and_abbreviations_name_the_object_the_same_way():
    knn = code_object("write a kNN classifier from scratch")
    assert knn == ["knn", "classifi"]  # "kNN" is one word, not k + NN
    assert code_object("Write a k nearest neighbours classifier in python") == knn
    heading = "Implement a k-nearest-neighbours classifier."
    assert not is_sibling(knn, "def knn_predict(X, y, Xq, k=5):\n    return y\n", heading)
    assert object_coverage(knn, "def predict(X, y, Xq, k=5):\n    return y\n", heading) == 2


def test_a_siblings_block_is_refused_and_the_objects_block_is_not():
    ln = code_object("write layer normalization from scratch that matches nn.LayerNorm")
    assert is_sibling(ln, BATCH_NORM, "Batch normalization")  # f8-13
    assert is_sibling(ln, BATCH_NORM, "")  # the glued def name batchnorm_forward alone says so
    assert not is_sibling(ln, LAYER_NORM_CHECK, "Exercise 9.6: Layer normalisation from scratch")
    assert not is_sibling(ln, ENCODER, "Layer normalization, residuals and the encoder block")
    split = code_object("how do I write a stratified train/test split myself without sklearn?")
    assert is_sibling(split, KFOLD, "Implement k-fold cross-validation index splitting.")  # f8-14
    assert not is_sibling(split, STRATIFIED, "Exercise 1.2: A stratified split from scratch")
    # the other way round: batch-norm code is the object, layer-norm code its sibling
    bn = code_object("implement batch normalization in numpy")
    assert not is_sibling(bn, BATCH_NORM, "Batch normalization")
    assert is_sibling(bn, LAYER_NORM_CHECK, "Exercise 9.6: Layer normalisation from scratch")
    # a one-word object has no sibling, and a block that does not name the head is no sibling
    assert not is_sibling(code_object("write a CNN in pytorch"), BATCH_NORM, "Batch normalization")
    assert not is_sibling(ln, KFOLD, "Cross-validation")
    # a label ("Part 3:") or a generic word ("dominant" for "largest") in front of the head is no other kind
    assert not is_sibling(split, "x = 1\n", "Part 3: Splitting the data")
    assert is_sibling(split, "x = 1\n", "Part 3: Random splitting of the data")
    eig = code_object("Write a numpy function that finds the largest eigenvalue of a covariance matrix")
    assert not is_sibling(eig, "def power_iteration(A):\n    return A\n", "Power iteration and the dominant eigenvalue")


def test_the_objects_function_is_cut_out_of_a_longer_block_with_its_file_lines():
    cb = CodeBlock("python", (), ENCODER.rstrip("\n"), 100, 100 + ENCODER.count("\n") + 1)
    ex = object_excerpt(code_object("write layer normalization in numpy"), cb)
    assert ex.code.startswith("def layer_norm(") and ex.code.rstrip().endswith("+ beta")
    file_lines = ["?"] * 99 + ["```python"] + ENCODER.rstrip("\n").split("\n") + ["```"]
    assert "\n".join(file_lines[ex.start: ex.end - 1]) == ex.code  # the excerpt's lines are the file's
    # under a heading that names the object the block is about it as a whole (its data and training stay, f4-14)
    assert object_excerpt(code_object("write layer normalization"), cb, (), "Layer norm and the encoder") is cb
    # a block that is the function (and little else), or one whose names do not name the object, stays whole
    enc = object_excerpt(code_object("implement an encoder block"), cb)
    assert enc.code.startswith("def encoder_block(") and "mha_numpy(x" in enc.code and "assert" not in enc.code
    short = CodeBlock("python", (), STRATIFIED.rstrip("\n"), 10, 10 + STRATIFIED.count("\n") + 1)
    assert object_excerpt(code_object("write a stratified split by hand"), short) is short
    assert object_excerpt(code_object("write multi-head attention"), cb) is cb  # "mha_numpy" names no term of it


DETECTION = '''def iou(a, b):
    return 0.5


def average_precision(tp, scores, n_gt):
    order = np.argsort(-scores)
    return float(np.mean(np.cumsum(tp[order]))) / n_gt


def detection_ap(preds, gts, thr=0.5):
    tp = np.array([iou(p, g) >= thr for p, g in zip(preds, gts)])
    return average_precision(tp, np.ones(len(tp)), len(gts))


preds = gts = [(0, 0, 1, 1)] * 3
ap = detection_ap(preds, gts)
assert 0 <= ap <= 1
print(ap)
'''


def test_a_function_that_a_named_caller_needs_is_not_cut_out_alone():
    cb = CodeBlock("python", (), DETECTION.rstrip("\n"), 1, 1 + DETECTION.count("\n") + 1)
    q = "Write code that computes average precision for an object detector, matching boxes at IoU 0.5"
    from mlnotes.assistant.answering.lead import subject_terms
    assert object_excerpt(code_object(q), cb, subject_terms(q)) is cb  # detection_ap calls it (f6-14)
    assert object_excerpt(code_object("write average precision from ranked hits"), cb).code.startswith(
        "def average_precision(")  # no caller named by the question: the function alone
    two = CodeBlock("python", (), ENCODER.split("\n\n\ndef encoder_block")[0], 1, 12)
    assert object_excerpt(code_object("write layer normalization"), two) is two  # two names only: whole


def test_an_exercise_solutions_code_is_introduced_by_the_exercises_prompt():
    lines = ["## Exercises", "", "### Exercise 1.2: A stratified split from scratch", "",
             "*Type: coding · Difficulty: medium*", "",
             "Write `stratified_split(y, test_frac, seed)` that returns train and test index arrays: shuffle the",
             "indices of each class separately and send a share of each class to the test set.", "",
             "<details>", "<summary>Solution</summary>", "", "```python", "# a comment", "x = 1", "```", ""]
    c = exercise_prompt(lines, 13)
    assert c is not None and c.text.startswith("Write `stratified_split(y, test_frac, seed)`")
    assert (c.line_start, c.line_end) == (7, 8)
    # a block outside any exercise has no prompt
    assert exercise_prompt(["## Batch normalization", "", "Batch norm ...", "", "```python", "x = 1", "```"],
                           5) is None


def test_asking_to_write_a_thing_oneself_asks_for_code():
    assert asks_for_code("how do I write a stratified train/test split myself without sklearn?")  # f8-14
    assert asks_for_code("write layer normalization from scratch")
    assert not asks_for_code("how do I write a good model card?")
    assert not asks_for_code("What should a design doc for an ML system contain, and who writes it?")


def test_creating_a_function_or_naming_the_language_first_asks_for_code():
    assert asks_for_code("Create a function to compute an integral image, and create another function to get area "
                         "sums from the integral image.")  # ml-11
    assert asks_for_code("Given stride S and kernel sizes for each layer of a CNN, create a function to compute the "
                         "receptive field of a particular node in the network.")  # ml-08
    assert asks_for_code("python for a release check: only ship the candidate model if it's really better than "
                         "prod")  # f9-13
    assert asks_for_code("numpy: the softmax of each row of a matrix")
    assert not asks_for_code("what is a python class")
    assert not asks_for_code("Python is slow, why?")
    assert not asks_for_code("how do I make the loss function smooth?")


def test_writing_a_wrapper_decorator_or_helper_asks_for_code():
    # f11-13 (round 13): a unit of code other than a function or class, with words in front of it
    q = ("my batches come from a slow python generator (decoding images from disk) and the gpu sits idle half the "
         "time. can you write a small wrapper that prefetches the next few batches in a background thread?")
    assert asks_for_code(q) and wants_code("why_how", q)
    assert asks_for_code("write a thread-safe caching decorator for the feature store client")
    assert asks_for_code("create a context manager that times the block inside it")
    assert asks_for_code("build an iterator over sliding windows of a time series")
    assert asks_for_code("give me a helper that seeds every random generator")
    # "define" with words in front of the unit asks what it is; words between the verb and the unit are two at most
    assert not asks_for_code("Define the sigmoid function")
    assert not asks_for_code("what does a wrapper method for feature selection do?")
    assert not asks_for_code("write a report on how the model and its training data were chosen, as a helper for "
                             "reviewers")


def test_a_mention_of_code_in_a_choice_is_context_not_the_ask():
    # f7-08: the ask is which environments to start with
    q = "im learning RL and want to code DQN and Q-learning myself. which gymnasium environments should i start with"
    assert asks_for_code(q) and not wants_code("how_to_choose", q)
    q = "python for a release check: only ship the candidate model if it's really better than prod"
    assert wants_code("comparison", q)  # read as a comparison ("better than"), asks for code
    assert wants_code("code", "can u show a thompson sampling simulation in numpy?")
    assert not wants_code("why_how", "why does batch norm help?")


def test_a_blocks_own_words_are_its_names_comments_and_strings_not_the_names_it_calls():
    code = ('def ols_fit(X, y):\n    w, *_ = np.linalg.lstsq(X, y, rcond=None)  # least squares\n    return w\n'
            'X = rng.normal(size=(50, 3))\nprint("normal equations")\n')
    said = block_words(code, "Linear regression from scratch")
    assert {"ol", "fit", "least", "squar", "linear", "regress"} <= said  # its name, comment and heading
    assert "normal" in said  # from the string
    assert "normal" not in block_words(code.replace('print("normal equations")', "pass"), "Linear regression")
    assert "lstsq" not in said and "rng" not in said


# -- properties over the development code questions, answered by the served pipeline -----------------------------

def _dev_code_questions() -> list[tuple[str, str]]:
    from mlnotes.assistant.intent import classify_intent
    from mlnotes.eval.data import load_external, load_gold

    out = [(q.id, q.question) for q in load_gold("tune")] + [(q.id, q.question) for q in load_external()]
    for n in ("", "2", "3", "4", "5", "6", "7", "8", "9"):
        path = REPO_ROOT / "eval" / "datasets" / f"judged_fresh{n}.jsonl"
        out += [(d["id"], d["question"]) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and (d := json.loads(line))]
    return [(i, q) for i, q in out if classify_intent(q).intent == "code" or asks_for_code(q)]


@pytest.fixture(scope="module")
def answers():
    from tests.answer_memo import served_answerer

    a = served_answerer(REPO_ROOT)
    return {qid: (q, a.answer(q, generator=None)) for qid, q in _dev_code_questions()}


def _file_lines(path: str) -> list[str]:
    return (CORPUS / path).read_text(encoding="utf-8").splitlines()


def _heading_above(lines: list[str], line: int) -> str:
    fenced = False
    for i in range(line - 1, 0, -1):
        fenced ^= lines[i - 1].lstrip().startswith("```")
        if not fenced and re.match(r"#{1,6}\s", lines[i - 1]):
            return lines[i - 1].lstrip("#").strip()
    return ""


def test_no_development_code_answer_shows_a_siblings_block(answers):
    shown = 0
    for qid, (q, ans) in answers.items():
        obj = code_object(q)
        for s in ans.sentences:
            if s.kind != "code":
                continue
            src = next(x for x in ans.sources if x.n == s.source)
            lines = _file_lines(src.path)
            assert shown_from_file(lines, s), qid
            heading = _heading_above(lines, s.line_start)
            assert not is_sibling(obj, s.text, heading), (qid, q, heading, s.text[:200])
            shown += 1
    assert shown >= 35  # most development code questions show code


def test_the_layer_norm_and_stratified_split_answers_show_that_code_led_by_its_method(answers):
    for qid, defines in (("f8-13", r"LayerNorm|def layer_norm"), ("f8-14", r"def stratified_split")):
        q, ans = answers[qid]
        code = [s for s in ans.sentences if s.kind == "code"]  # the file's import lines it needs, then the block
        assert code and re.search(defines, code[-1].text), (qid, ans.text[:400])
        assert not re.search(r"batchnorm|BatchNorm|kfold", code[-1].text)
        assert ans.sentences[0].kind != "code" and ans.sentences.index(code[0]) == 1, qid
        lead = ans.sentences[0].text.lower()
        assert ("layer normalisation" in lead or "layer normalization" in lead) if qid == "f8-13" else \
            "each class separately" in lead, (qid, lead)


def test_a_code_answer_without_code_says_so_and_one_with_code_does_not(answers):
    from mlnotes.assistant.intent import classify_intent

    for qid, (q, ans) in answers.items():
        has_code = any(s.kind == "code" for s in ans.sentences)
        if has_code or ans.abstained or ans.kind not in ("extractive", "interview"):
            assert NO_CODE_TEXT not in ans.text, qid
        elif wants_code(classify_intent(q).intent, q):
            assert NO_CODE_TEXT in ans.text, qid


def test_a_code_answer_shows_a_block_of_a_section_about_the_question_or_says_it_has_none(answers):
    """The property of issue #16's code answers: every answer to a development question that wants code shows a
    fenced block, the file's own lines, from a section whose heading or code names a subject term of the question,
    or says that the notes have none (or abstains)."""
    from mlnotes.assistant.answering.lead import code_terms, subject_terms, terms
    from mlnotes.assistant.intent import classify_intent

    shown = 0
    for qid, (q, ans) in answers.items():
        if ans.abstained or not wants_code(classify_intent(q).intent, q):
            continue
        code = [s for s in ans.sentences if s.kind == "code"]
        if not code:
            assert NO_CODE_TEXT in ans.text, (qid, ans.text[:300])
            continue
        assert code[-1].text.rstrip("\n") + "\n```" in ans.text, qid  # the fence may open with its imports
        src = next(x for x in ans.sources if x.n == code[-1].source)
        lines = _file_lines(src.path)
        assert shown_from_file(lines, code[-1]), qid
        about = terms(_heading_above(lines, code[-1].line_start)) | terms(src.heading) | code_terms(code[-1].text)
        assert subject_terms(q) & about, (qid, src.heading)
        shown += 1
    assert shown >= 40


def test_no_sentence_after_the_code_reports_a_run_of_another_section(answers):
    """A sentence about a demo, simulation or exercise of the notes (or its outcome) follows the code only from
    the code's own section: f9-14's "The simulation compares both with a fixed uniform split ... 10%, 11% and 12%"
    followed Exercise 11.5's 4/5/6% block."""
    from mlnotes.assistant.answering.lead import about_unseen_run

    for qid, (_q, ans) in answers.items():
        code = [s for s in ans.sentences if s.kind == "code"]
        if not code or ans.kind != "extractive":
            continue
        code_sec = next(x.section_id for x in ans.sources if x.n == code[-1].source)
        after = ans.sentences[ans.sentences.index(code[-1]) + 1:]
        for s in after:
            sec = next(x.section_id for x in ans.sources if x.n == s.source)
            assert sec == code_sec or not about_unseen_run(s.text), (qid, s.text)
    assert "11% and 12%" not in answers["f9-14"][1].text


@pytest.mark.parametrize("qid, defines, lead_words", [
    ("f9-13", r"def promotion_gate", ("paired", "bootstrap")),  # paired per-row differences, not a validation gate
    ("ml-08", r"def receptive_field", ("receptive field",)),
    ("ml-11", r"def integral_image", ("integral image",)),
])
def test_the_round_12_code_questions_show_the_asked_objects_code_after_a_sentence_about_it(answers, qid, defines,
                                                                                            lead_words):
    q, ans = answers[qid]
    code = [s for s in ans.sentences if s.kind == "code"]
    assert code and re.search(defines, code[-1].text), (qid, ans.text[:400])
    assert ans.sentences[0].kind != "code" and ans.sentences.index(code[0]) >= 1
    lead = ans.sentences[0].text.lower()
    assert all(w in lead for w in lead_words), (qid, lead)
