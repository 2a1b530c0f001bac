"""Code requests that took no code path (issue #16, round 14: code16r).

Gold tune g099 ("training loop with mixed precision and gradient accumulation"), g146 ("compute ROC AUC from scores by
hand"), g159 ("write the Adam optimizer step"), g680 ("give me a fastapi template for serving a model") and fresh10's
f10-13 ("show me a clean pattern for hyperparameters in a pytorch training script ...") were not read as asking for
code, so no block was looked for; once f10-13 was, its "pytorch" made PyTorch code outrank the config block, although
the library only names where the code goes. Unit tests on hand-written questions and code; the properties over the
development questions are in ``test_code_excerpt.py``."""

from __future__ import annotations

from mlnotes.assistant.answering.compose import (
    asks_for_code,
    code_ask,
    code_libraries,
    code_object,
    wants_code,
)

LIBS = frozenset({"fastapi", "pydantic", "sklearn", "numpy", "torch"})


def test_a_step_pass_or_loop_to_write_asks_for_code_and_a_rule_to_write_down_does_not():
    assert asks_for_code("write the Adam optimizer step")  # g159
    assert wants_code("definition", "write the Adam optimizer step")
    assert asks_for_code("implement the forward pass of a two-layer network")
    assert asks_for_code("code the backward pass of softmax cross-entropy")
    assert asks_for_code("write a training loop for a small transformer")
    assert not asks_for_code("write down the bellman equation for the state value function")  # g684
    assert not asks_for_code("Give me the update rule of the Adam optimizer.")  # fr-10
    assert not asks_for_code("what does each step of the EM algorithm do?")
    assert not asks_for_code("write a report on the training loop's failures")  # a report is no step


def test_a_noun_phrase_naming_a_training_loop_asks_for_it_but_other_loops_and_questions_do_not():
    assert asks_for_code("training loop with mixed precision and gradient accumulation")  # g099
    assert asks_for_code("a minimal evaluation loop with early stopping")
    assert not asks_for_code("popularity bias and feedback loops in recommenders")  # g364
    assert not asks_for_code("training loop diverges after a few epochs?")  # a question about one
    assert not asks_for_code("why does my training loop slow down over time")  # opens with "why"


def test_an_imperative_to_compute_by_hand_or_without_a_library_asks_for_code():
    assert asks_for_code("compute ROC AUC from scores by hand")  # g146
    assert asks_for_code("calculate the median of a stream without numpy")
    assert asks_for_code("implement k-means from scratch")
    assert not asks_for_code("compute cost of exact versus histogram split finding in boosting")  # g062
    assert not asks_for_code("how do I compute the variance of a sample by hand?")  # no imperative
    assert not asks_for_code("Is it worth using AutoML or should we just tune a model by hand?")  # f4-07


def test_a_template_or_pattern_asks_for_code_when_its_sentence_names_a_language_or_a_corpus_library():
    q = "give me a fastapi template for serving a model"  # g680
    assert asks_for_code(q, LIBS) and wants_code("why_how", q, LIBS)
    assert not asks_for_code(q)  # fastapi is a library only when the corpus's code imports it
    q = ("can someone show me a clean pattern for hyperparameters in a pytorch training script? right now it's "
         "module-level globals and print() everywhere.")  # f10-13
    assert asks_for_code(q)
    assert asks_for_code("show me a skeleton of a sklearn pipeline with a custom transformer", LIBS)
    assert not asks_for_code("five step template for answering concept questions in interviews", LIBS)  # g036
    assert not asks_for_code("give me a template for a design doc of an ML system", LIBS)
    # the library must be named in the sentence that asks for the template
    assert not asks_for_code("we serve with fastapi. give me a template for the incident review", LIBS)
    # a cost, a choice or a diagnosis is still no code request
    assert not wants_code("how_to_choose", "show me a pattern in pytorch or should I use lightning?", LIBS)


def test_the_libraries_are_the_non_standard_modules_the_code_imports():
    codes = ["import numpy as np\nfrom collections import Counter\n", "from fastapi import FastAPI\nimport json, os\n",
             "    import torch.nn as nn  # inside a function\nx = 'from re import sub'\n", "from _private import a\n"]
    assert code_libraries(codes) == {"numpy", "fastapi", "torch"}
    assert code_libraries([]) == frozenset()


def test_a_library_that_names_where_the_code_goes_is_not_what_it_is_written_with():
    assert code_ask("show me a clean pattern for hyperparameters in a pytorch training script").want == frozenset()
    assert code_ask("can you write a small CNN in pytorch that classifies handwritten digits?").want == {"torch"}
    assert code_ask("write the adam update step in numpy").want == {"numpy"}
    assert code_ask("add logging inside my torch training loop, in pytorch").want == {"torch"}


def test_code_written_from_scratch_or_by_oneself_asks_for_code_but_text_written_by_hand_does_not():
    """Round 14 (code16s): "written" or "writing" before "from scratch" or "myself" asks for code as "write" does
    (f12-14, "can someone show gradient boosting for regression ... written from scratch, just using sklearn's
    DecisionTreeRegressor?", read as a how question, got the algorithm in math only)."""
    q = ("can someone show gradient boosting for regression (squared error) written from scratch, just using "
         "sklearn's DecisionTreeRegressor? I want it to give the same predictions as GradientBoostingRegressor")
    assert asks_for_code(q) and wants_code("why_how", q)
    assert asks_for_code("is there a k-means written from scratch in the notes?")
    assert asks_for_code("I am writing the attention layer myself, what should it look like?")
    # handwriting is no code, nor is writing a report or code written by someone else
    assert not asks_for_code("how does a CNN read digits written by hand?")
    assert not asks_for_code("what should a model card say when writing it for a new model?")
    assert not asks_for_code("is sklearn's decision tree written in C or python?")
    # a choice or a diagnosis that mentions it is still none
    assert not wants_code("how_to_choose", "should I use xgboost or my boosting written from scratch?")


def test_who_is_asked_is_not_part_of_the_asked_object():
    """An indefinite pronoun in front of the request ("can someone show ...") names who is asked, not what to write:
    f12-14's object was ``someon, gradient, boost`` before round 14's code16s, now ``gradient, boost``."""
    q = ("can someone show gradient boosting for regression (squared error) written from scratch, just using "
         "sklearn's DecisionTreeRegressor?")
    assert code_object(q) == ["gradient", "boost"]
    assert code_object("could anybody show k-means clustering written in numpy") == ["kmean", "cluster"]  # k-means is one term
    assert code_object("write layer normalization from scratch") == ["layer", "normal"]


def test_a_question_can_ask_for_code_and_a_cost_at_once():
    """Round 15 (abst16u): a keyword query that joins a thing and the act of computing one of its own quantities asks
    for the thing built in code and for the count (g111), and a cost question that asks for code in its own words
    wants code too (the cost rows still lead); a decision or a diagnosis that mentions code still does not."""
    from mlnotes.kb.intent import classify_intent

    g111 = "a tiny CNN and counting its parameters"
    assert classify_intent(g111).intent == "complexity"  # the cost reading stands
    assert asks_for_code(g111) and wants_code("complexity", g111)
    assert asks_for_code("a two-layer MLP and computing their activations' memory")
    assert not asks_for_code("computing the receptive field of a CNN")  # g141: no thing named before the act
    assert not asks_for_code("big-O conventions and FLOP counting used here")  # g021: no act on a thing
    assert not asks_for_code("a tiny CNN and counting its parameters?")  # a question about the count
    # a cost question that asks for code in its own words: both
    q = "create a helper that batches the inputs; what is the memory cost of it?"
    assert classify_intent(q).intent == "complexity" and wants_code("complexity", q)
    assert not wants_code("complexity", "what is the time complexity of k-NN?")
    # a decision or a diagnosis that mentions code: still no code (f7-08's shape)
    assert not wants_code("how_to_choose", "i want to code DQN myself. which environments should i start with?")
    assert not wants_code("debugging", "i coded a helper myself and my loss is nan, what should i check?")
