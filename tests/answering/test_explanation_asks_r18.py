"""An ask for the explanation of a stated observation (round 18, sym18: assistant/answering/lead.py
why_of_observation's "how is that possible" / "how can it ..." asks and "that much", why_claim_terms, a cause searched
in every top chunk when the ask names terms of its own, "forces X to" as a cause, and ``prescribes``).

fresh15 had three such questions, all judged not useful: f15-15 ("my pytorch training loop got like 30% faster when I
deleted the line that prints loss.item() every step. why would printing one number slow the GPU down that much?") was
led by mixed precision, its cause ("calling `.item()` or printing a tensor every step forces the CPU to wait for the
GPU") in the fourth chunk; f15-16 ("... my resnet still gets ~100% TRAIN accuracy [on shuffled labels] ... how can it
fit labels that are pure noise?") by a list of remedies; f15-17 ("... had looked totally fine the whole time. how is
that even possible, ...?") by an instruction. None of the three asks was read as asking why the observation happens.
Hand-built candidates with the learned ranker off and on, and a slow property over the development answers."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import (
    asks_if_wrong,
    gives_cause,
    lead_pool,
    pick_lead,
    prescribes,
    subject_terms,
    why_claim_terms,
    why_of_observation,
)
from mlnotes.assistant.answering.scoring import Scored

from .test_part_coverage import dev_questions

PRINT = ("weird one: my pytorch training loop got like 30% faster when I deleted the line that prints loss.item() every "
         "step. why would printing one number slow the GPU down that much?")
NOISE = ("sanity check: I shuffled all the labels of my image dataset and my resnet still gets ~100% train accuracy. "
         "my colleague says that proves a bug. how can it fit labels that are pure noise?")
SIGN = ("found a sign error in one term of our custom loss after two weeks of training, and the model had looked fine "
        "the whole time. how is that even possible, normal code would have crashed?")


def cand(text: str, rank: int, score: float, order: int = 0, line: int = 1) -> Scored:
    v = np.zeros(8, np.float32)
    v[0] = 1.0
    return Scored(score, rank, Candidate(text, line, line, order), v)


# -- reading the ask ---------------------------------------------------------------------------------------------------

def test_a_later_how_possible_or_how_can_it_ask_and_a_why_that_much_ask_the_observations_explanation():
    for q in [PRINT, NOISE, SIGN,
              "our nightly job finished in 4 minutes instead of 40. how could that happen?",
              "the loss went to zero after one epoch on 1M rows. how does it get there so fast?"]:
        assert why_of_observation(q), q
        assert asks_if_wrong(q), q


@pytest.mark.parametrize("question", [
    "what's an 'inverted residual' block in MobileNetV2? how is it different from the normal bottleneck block",
    "Describe RANSAC. How does it manage to fit a model when a big chunk of the data points are outliers?",
    "How can it be that dropout helps at all?",                     # the how ask opens the question
    "my team uses LightGBM and XGBoost. how do they compare on categorical features?",  # a comparison
    "why does dynamic batching in model serving increase throughput so much?",          # an opening why
    "we fine-tune on customer emails. should I still do that much cleaning?",            # no why or how ask
])
def test_other_asks_are_not_read_as_explaining_an_observation(question):
    assert why_of_observation(question) is None


def test_the_asks_own_terms_drop_the_how_opening_and_its_pronoun():
    assert why_claim_terms(NOISE) == {"fit", "label", "nois", "pure"}
    assert why_claim_terms(SIGN) == {"normal", "code", "crash"}
    assert {"gpu", "slow"} <= why_claim_terms(PRINT)


def test_a_causative_verb_with_its_object_and_infinitive_states_a_cause():
    assert gives_cause("calling `.item()` or printing a tensor every step forces the CPU to wait for the GPU")
    assert gives_cause("A full barrier forced every worker to idle until the slowest one finished.")
    assert not gives_cause("The force field is computed per atom.")
    assert not gives_cause("Mixed precision: wrap the forward pass and the loss in autocast.")


def test_instructions_and_remedy_lists_prescribe_explanations_do_not():
    for text in ["Training-side remedies include robust losses, label smoothing and early stopping.",
                 "Wrong by a lot: fix the output layer's scale, the loss function, or the label encoding first.",
                 "**Mixed precision**: wrap the forward pass and loss in `torch.autocast(...)`.",
                 "Look for a softmax applied before a loss that expects logits.",
                 "Avoid synchronising the host with the device in the inner loop."]:
        assert prescribes(text), text
    for text in ["Deep networks can memorize random labels, but they fit clean examples first",
                 "Label noise means some training or evaluation labels are wrong.",
                 "The loss assumes a particular kind of output, and feeding it anything else trains badly.",
                 "A fixed learning rate is rarely best.",
                 "Add-one (Laplace) smoothing is the simplest and gives too much mass to unseen events."]:
        assert not prescribes(text), text


# -- the lead ----------------------------------------------------------------------------------------------------------

def test_a_cause_naming_the_asks_own_terms_leads_from_a_lower_chunk(ranker_mode):
    mixed = cand("**Mixed precision**: wrap the forward pass and loss in `torch.autocast`; with float16 on GPUs also "
                 "use a gradient scaler.", 0, 0.44)
    accum = cand("Adapting the training loop to larger models changes a few lines, not the structure.", 0, 0.37, 1, 2)
    sync = cand("Avoid synchronising the host with the device in the inner loop: calling `.item()` or printing a tensor "
                "every step forces the CPU to wait for the GPU; accumulate on the device.", 3, 0.44, 0, 3)
    sections = ["templates#mixed-precision", "ch06#pytorch", "templates#mixed-precision", "best#other-levers"]
    pool = lead_pool("why_how", PRINT, [mixed, accum, sync], subject_terms(PRINT))
    assert pool == [sync]
    assert pick_lead("why_how", PRINT, [mixed, accum, sync], sections=sections) is sync


def test_a_lower_chunks_cause_that_names_only_the_setting_does_not_lead(ranker_mode):
    # "labels" is the setting's word (the observation names it); the ask's own terms are fitting and noise
    remedies = cand("Training-side remedies include robust losses, label smoothing and early stopping.", 0, 0.55)
    memorize = cand("Deep networks can memorize random labels, but they fit clean examples first", 0, 0.54, 1, 2)
    leak = cand("If features are selected on all the data, the estimated accuracy on the labels is far above chance, "
                "because the selection already looked at the validation folds.", 3, 0.34, 0, 3)
    # the leakage sentence is no cause of fitting noise (it is not the only candidate left), and the remedies go
    pool = lead_pool("why_how", NOISE, [remedies, memorize, leak], subject_terms(NOISE))
    assert pool == [memorize, leak]
    assert pick_lead("why_how", NOISE, [remedies, memorize, leak], ranker=None) is memorize


def test_an_explanation_ask_is_not_led_by_a_prescription_when_something_else_can(ranker_mode):
    fix = cand("Wrong by a lot: fix the output layer's scale, the loss function, or the label encoding first.", 0, 0.46)
    look = cand("Look for a softmax applied before a loss that expects logits.", 0, 0.42, 1, 2)
    silent = cand("The loss assumes a particular kind of output, and feeding it anything else produces a model that "
                  "trains badly or not at all without raising an error.", 1, 0.40, 0, 3)
    assert pick_lead("why_how", SIGN, [fix, look, silent]) is silent
    # only prescriptions: one of them leads; and a how-to question is led by its instruction as before
    assert pick_lead("why_how", SIGN, [fix, look]) in (fix, look)
    howto = "how do I find the bug in my custom loss?"
    assert lead_pool("why_how", howto, [fix, look, silent], subject_terms(howto))[0] is fix


# -- the development answers -------------------------------------------------------------------------------------------

FRESH = [f"judged_fresh{i}.jsonl" for i in ("", *range(2, 16))]


@pytest.mark.slow
def test_development_answers_to_an_explanation_ask_do_not_lead_with_a_prescription(answerer):
    # the development questions (gold tune, external, fresh1-15) whose later ask asks why or how the observation they
    # state can be (why_of_observation: 13 of them). Their extractive answer does not open with a prescription (a
    # list of remedies, an instruction) unless that sentence also states a cause; on main f156437, f15-16 opened with
    # "Training-side remedies include ..." and f15-17 with "Wrong by a lot: fix the output layer's scale ...".
    asked = [(qid, q) for qid, q in dev_questions(FRESH) if why_of_observation(q)]
    assert len(asked) >= 10, asked
    bad = []
    for qid, q in asked:
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        first = getattr(ans.sentences[0], "text", str(ans.sentences[0]))
        if prescribes(first) and not gives_cause(first):
            bad.append((qid, first[:100]))
    assert not bad, bad
