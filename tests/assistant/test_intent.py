"""The question-intent classifier on a labelled set written for this test, and on the data sets' type labels.

The labelled questions below were written for this test (not taken from the gold, external or any public set)
and were fixed before the rules were last adjusted; the thresholds are on accuracy, so a rule change that fixes
one question and breaks three shows up.
"""

from __future__ import annotations

from collections import Counter

import pytest

from mlnotes.assistant.intent import INTENT_TYPES, INTENTS, classify_intent, intent_accuracy

LABELLED = [
    # definition
    ("definition", "What is a confusion matrix?"),
    ("definition", "define overfitting"),
    ("definition", "what's an embedding"),
    ("definition", "Do you know what label smoothing is?"),
    ("definition", "What does the term 'inductive bias' mean?"),
    ("definition", "explain what a hyperparameter is"),
    ("definition", "What are support vectors?"),
    ("definition", "meaning of recall in ML"),
    # comparison
    ("comparison", "What is the difference between bagging and boosting?"),
    ("comparison", "L1 vs L2 regularization"),
    ("comparison", "How does layer norm differ from batch norm?"),
    ("comparison", "compare random forests with gradient boosted trees"),
    ("comparison", "CNN versus transformer for images: what changes?"),
    ("comparison", "difference b/w precision and recall?"),
    ("comparison", "Are GRUs simpler than LSTMs, and how are they different?"),
    ("comparison", "word2vec compared with BERT embeddings"),
    # how to choose
    ("how_to_choose", "How do I choose the number of trees in a random forest?"),
    ("how_to_choose", "Which optimizer should I use for fine-tuning BERT?"),
    ("how_to_choose", "Should I use MAE or RMSE for my forecast?"),
    ("how_to_choose", "when should I use a GRU instead of an LSTM?"),
    ("how_to_choose", "how to pick a batch size"),
    ("how_to_choose", "What loss should I pick for a ranking problem?"),
    ("how_to_choose", "SVM or logistic regression for text classification, which one would you choose?"),
    ("how_to_choose", "how do you decide between PCA and UMAP for a 2-D plot?"),
    # complexity / cost
    ("complexity", "What is the time complexity of training an SVM?"),
    ("complexity", "big O of k-means per iteration"),
    ("complexity", "How much memory does Adam need for a 1B parameter model?"),
    ("complexity", "how expensive is self-attention for long sequences?"),
    ("complexity", "How many FLOPs does a matrix multiply of n by n matrices take?"),
    ("complexity", "How does the prediction cost of kNN scale with the training set size?"),
    ("complexity", "What's the space complexity of a random forest?"),
    ("complexity", "how many parameters does a 3x3 conv layer with 64 in and 128 out channels have"),
    # formula
    ("formula", "What is the formula for binary cross-entropy?"),
    ("formula", "write the equation of the sigmoid and its derivative"),
    ("formula", "Derive the gradient of the MSE loss with respect to the weights."),
    ("formula", "how do you calculate the F1 score from precision and recall?"),
    ("formula", "what is the update rule of momentum SGD?"),
    ("formula", "Give the closed form solution of ridge regression"),
    ("formula", "how is the KL divergence between two Gaussians computed?"),
    ("formula", "show the math behind the softmax function"),
    # code
    ("code", "Write Python code for k-means."),
    ("code", "implement logistic regression from scratch"),
    ("code", "show me the code for a PyTorch training loop"),
    ("code", "can you give a numpy snippet for softmax?"),
    ("code", "how do I implement dropout in numpy"),
    ("code", "write a function that computes IoU of two boxes"),
    ("code", "code example of early stopping in pytorch"),
    ("code", "How would you implement k-fold cross-validation in Python?"),
    # why / how
    ("why_how", "Why does batch normalization speed up training?"),
    ("why_how", "How does dropout prevent overfitting?"),
    ("why_how", "how do transformers handle word order?"),
    ("why_how", "Why is the sigmoid bad for hidden layers?"),
    ("why_how", "What happens if the learning rate is too large?"),
    ("why_how", "How is a decision tree grown?"),
    ("why_how", "walk me through how backpropagation works"),
    ("why_how", "why do we shuffle the training data every epoch?"),
    # debugging advice
    ("debugging", "My training loss is stuck and does not decrease, what should I check?"),
    ("debugging", "my validation loss goes up after epoch 5 while training loss keeps falling"),
    ("debugging", "I get NaN loss after a few iterations"),
    ("debugging", "model predicts the same class for every input, why?"),
    ("debugging", "Our accuracy dropped in production last week, how do I find out what broke?"),
    ("debugging", "the GAN generator keeps producing the same image, how do I fix it?"),
    ("debugging", "my model is 99% accurate on training data but terrible on test data. what is wrong?"),
    ("debugging", "gradients explode in my RNN, how can I fix this?"),
]


def test_labelled_set_covers_every_intent():
    counts = Counter(label for label, _ in LABELLED)
    assert set(counts) == set(INTENTS) and min(counts.values()) >= 8


def test_accuracy_on_the_labelled_set():
    wrong = [(label, q, classify_intent(q).intent) for label, q in LABELLED if classify_intent(q).intent != label]
    acc = 1 - len(wrong) / len(LABELLED)
    assert acc >= 0.9, wrong
    per = Counter(label for label, _, _ in wrong)
    assert all(n <= 2 for n in per.values()), wrong  # no intent loses more than 2 of its 8


@pytest.mark.parametrize("question,intent", [
    ("What is the time complexity of k-NN prediction?", "complexity"),  # not "definition" because of "what is"
    ("How would you implement k-means from scratch in Python?", "code"),  # not "why_how"
    ("What are the limitations of k-means?", "definition"),
    ("Difference between LSTM and GRU", "comparison"),
    ("My validation loss goes up while training loss keeps going down", "debugging"),
    ("and why does that matter?", "why_how"),
    # round 8: cost named by its unit rather than by "complexity" (f3-11 of judged_fresh3, a development question)
    ("What does PCA cost in time if I compute it with a full SVD of the data matrix?", "complexity"),
    ("how long does it take to train an SVM on a million rows?", "complexity"),
    ("what is the running time of k-means per iteration?", "complexity"),
    ("Is a random forest cheap in terms of memory?", "complexity"),
    # "X behaves differently from Y" compares two things (f3-05, development)
    ("How does SGD with momentum behave differently from plain stochastic gradient descent?", "comparison"),
    ("does dropout work differently than weight decay?", "comparison"),
    # "Should I X or Y" asks to choose (f2-19, development), unless it is "or not"
    ("Should I fine-tune a pretrained transformer or use TF-IDF with logistic regression?", "how_to_choose"),
    ("do we standardize the features or leave them raw before PCA?", "how_to_choose"),
    # lead16e's requests (f4-06, f4-19, development)
    ("When is a plain linear regression actually the better pick over a boosted tree model?", "how_to_choose"),
    ("my MLP keeps losing to gradient boosting no matter how much i tune it. what am i doing wrong", "debugging"),
])
def test_the_cases_from_the_issue(question, intent):
    assert classify_intent(question).intent == intent


def test_result_names_the_cue_and_maps_to_data_types():
    r = classify_intent("Write code for logistic regression with gradient descent")
    assert r.intent == "code" and r.cue and r.cue.lower() in "write code for logistic regression with gradient descent"
    assert set(INTENT_TYPES) == set(INTENTS)
    assert all(types for types in INTENT_TYPES.values())


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_bad_input_gets_a_clear_error(bad):
    with pytest.raises((TypeError, ValueError), match="question"):
        classify_intent(bad)


def test_accuracy_on_the_type_labels_of_heldout_and_external():
    """Where an intent maps to the data sets' types, the classifier agrees with most labels (regression floor).

    Measured when this test was written: gold heldout 0.694 (369 questions; 0.857 on its 126 natural-phrasing
    ones: many older gold questions are keyword strings whose type the wording does not reveal), external 0.725
    (80). The floors are 0.05 below: a regression gate, not a target."""
    from mlnotes.eval.data import load_external, load_gold

    held = intent_accuracy(load_gold("heldout"))
    ext = intent_accuracy(load_external())
    assert held["n"] >= 300 and ext["n"] == 80
    assert held["accuracy"] >= 0.64, held
    assert ext["accuracy"] >= 0.675, ext
