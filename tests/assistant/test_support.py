"""Generation that cannot mislead: the sentence-level support check (with the real MiniLM, on hand-written
claims whose truth against the passage is known), loops stopped inside a line, the bank ahead of generation,
the fallback with its reason, and the experimental mark for small models."""

from __future__ import annotations

import pytest

from mlnotes.assistant.generation.transformers_backend import AnswerShaper, shaped
from mlnotes.assistant.grounding import check_support, is_small_model, model_params, split_sentences

PASSAGES = [
    "Loss functions > Regression\n## Regression\n\nThe mean squared error (MSE) averages the squared residuals, "
    "so large\nerrors dominate. The mean absolute error (MAE) averages absolute residuals and is robust to "
    "outliers.",
    "Metrics > Accuracy\n## Accuracy\n\nAccuracy is misleading when classes are imbalanced: a model that always "
    "predicts the\nmajority class of a 99:1 data set scores 99% accuracy. Use precision, recall or the F1 score "
    "instead.",
]

# (claim, supported by the cited passage?) -- judged by reading the passages above
CLAIMS = [
    ("MSE averages the squared residuals, so large errors dominate [1].", True),
    ("The MAE is robust to outliers [1].", True),
    ("Accuracy is misleading when classes are imbalanced [2].", True),
    ("A majority-class model on a 99:1 data set scores 99% accuracy [2].", True),
    ("MSE is the mean absolute error [1].", False),  # the example: a definition swapped
    ("Yes, accuracy is always a good metric [2].", False),  # the example: the opposite of [2]
    ("Accuracy is not misleading when classes are imbalanced [2].", False),  # negated
    ("Accuracy is misleading when classes are balanced [2].", False),  # a changed condition
    ("A majority-class model on a 95:5 data set scores 95% accuracy [2].", False),  # numbers not in [2]
    ("Use the Huber loss for regression [1].", False),  # a named term not in [1]
    ("The mean absolute error is robust to outliers.", False),  # true, but cites nothing
    ("The MAE is robust to outliers [2].", False),  # true, but cites the wrong passage
]


@pytest.fixture(scope="module")
def embed():
    from mlnotes.kb.embedding import get_embedder

    model = get_embedder()
    return lambda texts: model.encode(list(texts))


@pytest.mark.parametrize("claim,truth", CLAIMS)
def test_support_check_matches_the_known_truth(embed, claim, truth):
    report = check_support(claim, PASSAGES, embed)
    assert len(report.sentences) == 1
    s = report.sentences[0]
    assert s.supported is truth, (claim, s.reason, s.lexical, s.semantic)
    assert (s.reason == "") is truth


def test_repeated_sentences_are_dropped_and_the_text_keeps_the_supported_ones(embed):
    text = ("The MAE is robust to outliers [1]. MSE is the mean absolute error [1]. The MAE is robust to "
            "outliers [1].")
    report = check_support(text, PASSAGES, embed)
    assert [s.supported for s in report.sentences] == [True, False, False]
    assert report.sentences[2].reason == "repeats an earlier sentence"
    assert report.text() == "The MAE is robust to outliers [1]."
    assert report.share == pytest.approx(1 / 3)
    d = report.to_dict()
    assert d["supported"] == 1 and len(d["dropped"]) == 2


def test_split_sentences_keeps_markers_with_their_sentence():
    assert split_sentences("A is b. [1] C is d [2].\nE [1]") == ["A is b. [1]", "C is d [2].", "E [1]"]


def _shape(pieces: list[str]) -> tuple[str, bool]:
    sh = AnswerShaper(["Gradient descent trains the model."])
    return "".join(shaped((p for p in pieces), sh)), sh.stopped


def test_a_loop_inside_one_line_is_stopped():
    out, stopped = _shape(["The model is "] + ["the model is the model is "] * 50)
    assert stopped and len(out.split()) < 30
    out, stopped = _shape(["A is B and C [1]. "] * 20)  # one sentence repeated without a newline
    assert stopped and out.count("A is B and C") == 2
    text = "Gradient descent trains the model [1]. It follows the negative gradient downhill [1].\n"
    assert _shape([text]) == (text, False)  # a normal answer is untouched


class _Gen:
    def __init__(self, name, pieces):
        self.name, self.pieces, self.calls = name, pieces, 0

    def generate(self, question, passages, max_new_tokens=256):
        self.calls += 1
        yield from self.pieces


def test_bank_answer_goes_ahead_of_generation(services):
    gen = _Gen("fake", ["Invented [1]."])
    ans = services.answerer.answer("What is the difference between L1 and L2 regularization?", generator=gen)
    assert ans.kind == "interview" and gen.calls == 0


def test_little_support_falls_back_with_the_reason(services):
    gen = _Gen("fake", ["Ridge regression adds an L2 penalty to the squared loss, which shrinks the coefficients "
                        "toward zero [1]. Ridge regression was invented on the Moon in 1066 [1]. "
                        "It always beats every other model [1]."])
    ans = services.answerer.answer("What does ridge regression do?", generator=gen)
    assert ans.kind == "extractive" and ans.fell_back
    assert "only 1 of 3 sentences were supported" in ans.notice
    assert ans.support["share"] == pytest.approx(1 / 3, abs=1e-3) and not ans.experimental


def test_unsupported_sentences_are_left_out_and_said(services):
    good = "Ridge regression adds an L2 penalty to the squared loss, which shrinks the coefficients toward zero [1]."
    gen = _Gen("SmolLM2-135M-Instruct fast/int4", [good + " Ridge regression was invented in 1066 [1]."])
    ans = services.answerer.answer("What does ridge regression do?", generator=gen)
    assert ans.kind == "llm" and "1066" not in ans.text and "L2 penalty" in ans.text
    assert "1 of the model's 2 sentences were left out" in ans.notice
    assert ans.experimental and ans.to_dict()["experimental"] is True
    assert ans.support["dropped"][0]["reason"].startswith("numbers not in passage")


def test_experimental_marks_models_under_a_billion_parameters():
    class G:
        def __init__(self, name, n=None):
            self.name, self.n_params = name, n

    assert model_params(G("SmolLM2-135M-Instruct fast/int4")) == 135e6
    assert model_params(G("qwen2.5:0.5b")) == 0.5e9
    assert is_small_model(G("llama.cpp smollm2-135m-instruct-q8_0.gguf"))
    assert not is_small_model(G("Llama-3.1-8B-Instruct"))
    assert not is_small_model(G("gpt-oss"))  # unknown size: not marked
    assert is_small_model(G("custom", n=360_000_000)) and not is_small_model(G("custom", n=7e9))


def test_llamacpp_gets_use_extra_bufts_false_only_where_it_is_a_parameter():
    from mlnotes.assistant.generation.llamacpp_backend import safe_cpu_kwargs

    class New:
        def __init__(self, model_path, use_extra_bufts=True, **kwargs): ...

    class Old:
        def __init__(self, model_path, **kwargs): ...

    assert safe_cpu_kwargs(New) == {"use_extra_bufts": False}
    assert safe_cpu_kwargs(Old) == {}
