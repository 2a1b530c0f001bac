"""Leads that lean on context the answer does not show, history named by its originator, a "good X lies ..."
recommendation, and "below"/"above" as comparisons (round 15, lead16v: assistant/answering/lead.py
opens_on_shell_noun, names_only, leans_on_context, _HISTORY_RE, _RECOMMEND_RE; candidates.points_on_page).

fresh13's answers led with "The design is asymmetric: ..." (f13-04, whose design the sentence does not name), with
"Smith's original version raised the rate linearly ..." (f13-07, history that round 14's rule did not read) and with
a list item that only names what to log (f13-18); f12-11's answering sentences "... so it is below $\\varepsilon G$
when ..." were no candidates because every "below" was read as a pointer. Hand-built candidates with the learned
ranker off and on, and a slow property over the development questions."""

from __future__ import annotations

import numpy as np
import pytest

from mlnotes.assistant.answering.candidates import Candidate, is_answer_sentence, points_on_page
from mlnotes.assistant.answering.lead import (
    leans_on_context,
    names_only,
    opens_on_shell_noun,
    pick_lead,
    recommends,
    sets_up,
    tells_history,
)
from mlnotes.assistant.answering.scoring import Scored

from .test_part_coverage import dev_questions as part_coverage_dev_questions


def cand(text: str, rank: int, score: float, line: int = 1, vec: int = 0) -> Scored:
    v = np.zeros(8, np.float32)
    v[vec] = 1.0
    return Scored(score, rank, Candidate(text, line, line, 0), v)


SMITH = ("Smith's original version raised the rate linearly over a few epochs; the variant in common use today starts "
         "from a tiny learning rate and multiplies it by a constant factor after every mini-batch.")
GOOD_RATE = ("A good learning rate lies in the steep descending region; a widely used heuristic takes the learning rate "
             "at the minimum of the smoothed curve and divides it by ten.")
LR_Q = "ran an LR finder: the loss drops fastest around 3e-3 and bottoms out at 1e-1. which learning rate do I pick?"


def test_history_named_by_its_originator_is_history():
    for text in [SMITH,
                 "The range test, introduced by Smith as a way to choose bounds for cyclical schedules, became popular.",
                 "The update was originally proposed for recurrent networks.",
                 "The estimator, proposed by [@efron1979] for small samples, resamples the data."]:
        assert tells_history(text), text
        assert sets_up("how_to_choose", LR_Q, text)
    for text in ["Leakage introduced by preprocessing fitted on the full data inflates the score.",  # no named agent
                 "The model's original version of the data had no missing values.",  # no named originator
                 "Smith's test multiplies the rate by a constant factor after every mini-batch."]:  # no "original"
        assert not tells_history(text), text


def test_a_good_choice_said_as_where_it_lies_recommends():
    assert recommends(GOOD_RATE)
    assert recommends("A good search strategy is to start coarse and refine around the best region.")
    assert not recommends("Good rates depend on batch size, optimizer and architecture.")
    assert not recommends("Plotted against the learning rate on a log axis, the loss is flat at first.")


def test_a_shell_noun_subject_leans_on_what_came_before():
    assert opens_on_shell_noun("The design is asymmetric: the encoder processes only the visible 25% of patches.")
    assert opens_on_shell_noun("The key idea is to mask most patches.")
    assert opens_on_shell_noun("**The catch is** that the bound is loose.")
    # the owner is named, or the noun is no shell
    assert not opens_on_shell_noun("The idea of dropout is to drop units at random during training.")
    assert not opens_on_shell_noun("The design matrix has one row per example.")
    assert not opens_on_shell_noun("A masked autoencoder masks a large random subset of patches.")


def test_a_list_item_of_bold_labels_only_names_things():
    assert names_only("**Training loss per step** (smoothed for display, raw in storage) and **validation loss and "
                      "metrics per epoch**.")
    assert names_only("**Memory** (peak accelerator memory) and **the full configuration**.")
    assert not names_only("**Update-to-weight ratio** for a few layers: the norm of the parameter change in one step "
                          "divided by the norm of the parameters.")
    assert not names_only("Training loss per step and validation loss per epoch.")  # no labels: judged elsewhere
    assert leans_on_context("**Memory** (peak accelerator memory) and **the full configuration**.")


def test_a_shell_noun_lead_gives_way_and_still_leads_alone(ranker_mode):
    q = "masked autoencoders vs contrastive pretraining for a ViT: how are they trained?"
    design = cand("The design is asymmetric: the encoder processes only the visible 25% of patches, which cuts "
                  "pre-training compute by a factor of three.", 0, 0.60)
    mae = cand("A masked autoencoder splits an image into patches, masks a large random subset and trains a ViT to "
               "reconstruct the missing pixels.", 0, 0.55, line=2, vec=1)
    sections = ["a#mae", "a#mae"]
    assert pick_lead("why_how", q, [design, mae], sections=sections) is mae
    assert pick_lead("why_how", q, [design], sections=sections) is design


def test_a_label_list_lead_gives_way(ranker_mode):
    q = "my update/weight ratio is 0.05 per step and the loss is jumpy. is that bad? roughly what should it be"
    labels = cand("**Training loss per step** (smoothed for display, raw in storage) and **validation loss and "
                  "metrics per epoch**.", 0, 0.49)
    rule = cand("A common rule of thumb is around $10^{-3}$; much larger suggests the learning rate is too high for "
                "that layer.", 0, 0.47, line=2, vec=1)
    assert pick_lead("why_how", q, [labels, rule], sections=["a#log", "a#log"]) is rule


def test_the_originators_history_gives_way_to_the_recommendation(ranker_mode):
    history = cand(SMITH, 0, 0.57)
    plotted = cand("Plotted against the learning rate on a log axis, the loss is flat at first, then falls steeply, "
                   "reaches a minimum, and then rises sharply.", 0, 0.61, line=2, vec=1)
    good = cand(GOOD_RATE, 0, 0.55, line=3, vec=2)
    assert pick_lead("how_to_choose", LR_Q, [history, plotted, good], sections=["a#lr", "a#lr"]) is good


def test_below_and_above_point_at_the_page_unless_they_compare():
    for text in ["The block below fits the model used by most of them.",
                 "Third, the gradient check above should pass.",
                 "The steps below go from cheapest to most expensive.",
                 "Use the rules as shown above for every layer.",
                 "The details follow (see below)."]:
        assert points_on_page(text), text
        assert not is_answer_sentence(text), text
    for text in ["The tail after $T$ steps is $\\gamma^T G$, so it is below $\\varepsilon G$ when "
                 "$T > \\ln\\varepsilon/\\ln\\gamma$.",
                 "Conventional rules read PSI below 0.1 as no change and above 0.25 as a major shift.",
                 "Points below the diagonal mean predicted probabilities that are too high.",
                 "NMS suppresses overlapping boxes above an IoU threshold.",
                 "If those factors have norms consistently below 1, the gradient shrinks exponentially with depth."]:
        assert not points_on_page(text), text
        assert is_answer_sentence(text), text
    # "here" and "this chapter" still bind a sentence to its page
    assert not is_answer_sentence("The threshold here is above 0.5.")


FRESH = [f"judged_fresh{i}.jsonl" for i in ("", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)]


@pytest.mark.slow
def test_few_development_answers_lead_with_a_shell_noun_or_a_label_list(answerer):
    # measured over the development questions (gold tune, external, fresh1-13) on this branch: a lead that opens on a
    # shell noun or only names things is chosen only when pick_lead's pool holds nothing else, or by another path
    # (comparison sides, code, the complexity guide's rows). Before (main 5405438) f13-04 and f13-18 led so.
    # Tolerance: at most 2 such leads among the development answers
    found = []
    for qid, q in part_coverage_dev_questions(FRESH):
        ans = answerer.answer(q, generator=None)
        if ans.kind != "extractive" or not ans.sentences:
            continue
        first = getattr(ans.sentences[0], "text", str(ans.sentences[0]))
        if leans_on_context(first):
            found.append((qid, first[:100]))
    assert len(found) <= 2, found
