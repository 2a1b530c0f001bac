"""Follow-up resolution (mlnotes.assistant.conversation): follow-ups are rewritten with the previous topic, stand-alone
questions (including a new topic after a conversation) are left alone, and the server's store is bounded."""

from __future__ import annotations

import pytest

from mlnotes.assistant.conversation import (
    ConversationStore,
    Turn,
    resolve,
    topic_of,
    turn_after,
    turns_from_history,
)


def _chat(messages: list[str]):
    """Resolve each message against the turns before it; return the readings."""
    turns, readings = [], []
    for m in messages:
        r = resolve(m, turns)
        readings.append(r)
        turns.append(turn_after(r))
    return readings


@pytest.mark.parametrize("question, topic", [
    ("How does dropout work?", "dropout"),
    ("What is dropout?", "dropout"),
    ("Why do we use batch normalization?", "batch normalization"),
    ("Explain the bias-variance trade-off", "bias-variance trade-off"),
    ("What is the time complexity of k-NN prediction?", "k-NN prediction"),
    ("How would you implement k-means from scratch in Python?", "k-means"),
    ("Can you explain what is a transformer?", "transformer"),
    ("What's overfitting?", "overfitting"),
    ("Difference between LSTM and GRU", "LSTM and GRU"),
    ("What does ridge regression do to the coefficients?", "ridge regression"),
    ("why does that matter?", ""),
    ("show me the code", ""),
])
def test_topic_of_strips_the_question_frame(question, topic):
    assert topic_of(question) == topic


@pytest.mark.parametrize("follow_up, expected", [
    ("and why does that matter?", "why does dropout matter?"),
    ("what about at inference time?", "dropout at inference time?"),
    ("and at inference time?", "dropout at inference time?"),
    ("at inference time?", "dropout at inference time?"),
    ("show me the code", "show me the code for dropout"),
    ("and its complexity?", "the complexity of dropout?"),
    ("what are its limitations?", "what are the limitations of dropout?"),
    ("How does it compare to L2 regularization?", "How does dropout compare to L2 regularization?"),
    ("why?", "why dropout?"),
    ("complexity?", "complexity of dropout?"),
    ("tell me more", "dropout in more detail"),
    ("what about batch norm?", "What is batch norm?"),
])
def test_follow_ups_carry_the_previous_topic(follow_up, expected):
    first, second = _chat(["What is dropout?", follow_up])
    assert not first.follow_up and first.read_as is None
    assert second.follow_up, second
    assert second.question == expected
    assert second.read_as == f"Read as: {expected}"
    assert second.original == follow_up


@pytest.mark.parametrize("message", [
    "What is gradient boosting?",
    "Explain the bias-variance trade-off",
    "Is it true that Adam converges faster than SGD?",
    "Write Python code for logistic regression with gradient descent",
    "My validation loss goes up while training loss keeps going down, what should I do?",
    "Backpropagation?",
    "How do I choose the number of clusters in k-means?",
    "In PyTorch how do I freeze the layers of a pretrained network?",
    "What is stationarity and how do I test for it?",
    "explain adaboost, how does it reweight the examples?",
])
def test_stand_alone_questions_are_left_alone_even_after_a_conversation(message):
    *_, last = _chat(["What is dropout?", "and at inference time?", message])
    assert not last.follow_up and last.question == message and last.read_as is None


def test_first_message_is_never_a_follow_up():
    r = resolve("and why does that matter?", [])
    assert not r.follow_up and r.question == "and why does that matter?" and r.rule == "no earlier turn"


def test_follow_up_keeps_the_base_topic_across_turns():
    readings = _chat(["How does dropout work?", "what about at inference time?", "show me the code",
                      "and why does that matter?"])
    assert [r.question for r in readings[1:]] == ["dropout at inference time?", "show me the code for dropout",
                                                  "why does dropout matter?"]


def test_new_topic_replaces_the_old_one_in_the_previous_frame_and_becomes_the_topic():
    readings = _chat(["How does dropout work?", "what about batch norm?", "and its complexity?"])
    assert readings[1].question == "How does batch norm work?"
    assert readings[2].question == "the complexity of batch norm?"


def test_aspect_of_the_previous_question_is_kept_for_a_modifier():
    readings = _chat(["What is the time complexity of k-NN prediction?", "and in training?"])
    assert readings[1].question == "time complexity of k-NN prediction in training?"


def test_cited_heading_is_the_topic_when_the_question_names_none():
    turn = turn_after(resolve("why?", []), {"sources": [{"heading": "Dropout"}, {"heading": "Weight decay"}]})
    assert turn.topic == "" and turn.headings == ("Dropout", "Weight decay")
    r = resolve("show me the code", [turn])
    assert r.follow_up and r.question == "show me the code for Dropout"


def test_turns_from_history_resolves_each_user_message_against_the_earlier_ones():
    history = [{"role": "user", "content": "What is dropout?"},
               {"role": "assistant", "content": "Dropout zeroes activations at random [1]."},
               {"role": "user", "content": "what about at inference time?"},
               {"role": "assistant", "content": "At inference all units are kept [1]."}]
    turns = turns_from_history(history)
    assert [t.question for t in turns] == ["What is dropout?", "dropout at inference time?"]
    assert resolve("and why does that matter?", turns).question == "why does dropout matter?"
    assert turns_from_history([{"role": "assistant", "content": "hello"}]) == []


def test_store_keeps_recent_turns_bounded_per_conversation_and_overall():
    now = [0.0]
    store = ConversationStore(max_conversations=2, ttl_s=10.0, clock=lambda: now[0])
    for i in range(15):
        store.append("a", Turn(f"q{i}", "t"))
    assert [t.question for t in store.get("a")] == [f"q{i}" for i in range(5, 15)]  # at most 10 turns
    store.append("b", Turn("b0"))
    store.append("c", Turn("c0"))  # a third conversation evicts the least recently used one ("a")
    assert store.get("a") == [] and len(store) == 2
    now[0] = 5.0
    store.append("b", Turn("b1"))
    now[0] = 12.0  # "c" was last touched at 0 s: expired; "b" at 5 s: kept
    assert store.get("c") == [] and [t.question for t in store.get("b")] == ["b0", "b1"]
    store.reset("b")
    assert store.get("b") == []
    with pytest.raises(ValueError):
        ConversationStore(max_conversations=0)


def test_long_topics_are_cut_and_an_overlong_rewrite_is_not_made():
    long_q = "What is dropout " + "in a very deep network with many layers " * 10 + "?"
    _, follow = _chat([long_q, "and why does that matter?"])
    assert follow.follow_up and len(follow.question.split()) <= 12 + 4
    prev = Turn("x " * 990, "y " * 10)
    r = resolve("and at inference time?", [Turn("How does " + "z" * 1990 + " work?", "z" * 1990)])
    assert not r.follow_up and r.question == "and at inference time?" and r.rule == "too long to rewrite"
    assert resolve("why?", [prev]).follow_up


def test_gold_and_external_questions_are_almost_never_read_as_follow_ups():
    """Every question of the gold and external sets is stand-alone: after a first question, at most 1 % of them
    may be read as a follow-up (measured: 0 of 822)."""
    from mlnotes.eval.data import load_external, load_gold

    turns = [turn_after(resolve("What is dropout?", []))]
    qs = [q.question for q in load_gold()] + [q.question for q in load_external()]
    wrong = [q for q in qs if resolve(q, turns).follow_up]
    assert len(qs) > 500 and len(wrong) <= 0.01 * len(qs), wrong[:10]
