"""A why ask after a stated observation, its cause, and the ask's own terms (round 16, lead16w:
assistant/answering/lead.py why_of_observation, gives_cause, states_cause, pronoun_cause, why_claim_terms,
top_section_lead's ``asked``; assistant/answering/compose.py with_antecedents for a pronoun cause).

fresh13 showed two leads that answered the setting of a question rather than its ask: f13-17 ("my dyna-style
model-based agent looks amazing ... but does terribly in the real enviroment. why does that happen ...?") was led by
a definition of model-based RL, its cause ("They ... suffer from *model bias* ..., because the planner exploits the
model's errors.") opening with "They"; f13-16 ("a colleague's benchmark says tuned xgboost beats logistic regression
... why do people say comparisons like this are often unfair ...?") was led by XGBoost internals, the setting's
words, over the first retrieved section "Making comparisons fair". Hand-built candidates with the learned ranker
off and on."""

from __future__ import annotations

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate
from mlnotes.assistant.answering.lead import (
    asks_if_wrong,
    gives_cause,
    lead_pool,
    observation_terms,
    pick_lead,
    pronoun_cause,
    states_cause,
    subject_terms,
    top_section_lead,
    why_claim_terms,
    why_of_observation,
)
from mlnotes.assistant.answering.scoring import Scored

DYNA = ("my dyna-style model-based agent looks amazing when I evaluate it inside its learned model but does terribly "
        "in the real environment. why does that happen and how do people limit it?")
BENCH = ("a colleague's benchmark says tuned xgboost beats logistic regression by 4 points of accuracy, each model "
         "evaluated on its own random split. why do people say comparisons like this are often unfair?")


def cand(text: str, rank: int, score: float, order: int = 0, line: int = 1) -> Scored:
    v = np.zeros(8, np.float32)
    v[0] = 1.0
    return Scored(score, rank, Candidate(text, line, line, order), v)


# -- reading the ask ---------------------------------------------------------------------------------------------------

def test_a_later_why_ask_that_points_back_at_a_statement_asks_for_the_observations_cause():
    for q in [DYNA, BENCH, "my bigram language model gives probability 0 to lots of test sentences. why, and how "
              "does add-one smoothing fix that?", "A lot of my ReLU units output zero for every input. Why and how do "
              "I fix it?", "we tried 2000 configs and the best CV accuracy was 0.912. why is that too optimistic?"]:
        assert why_of_observation(q), q
        assert asks_if_wrong(q), q
        assert observation_terms(q), q
    assert {"dyna", "agent"} <= observation_terms(DYNA)
    # asks of their own before the why, a why that opens the question, a why about a new claim: no observation
    for q in ["What is k-fold cross-validation and why is it better than a single train/test split?",
              "what's a U-Net? why does it have those skip connections?",
              "Why does my validation loss stay flat?",
              "Holm vs Bonferroni correction: which one should I use, and why do people say Holm is strictly better?",
              "Explain mixed precision training and why loss scaling is needed with fp16",
              "the ELBO in VAEs, can you explain the reparameterization trick and why it is needed"]:
        assert why_of_observation(q) is None, q
        assert not asks_if_wrong(q), q


def test_the_why_asks_own_terms_are_what_it_says_of_the_observation():
    assert why_claim_terms(BENCH) == {"comparison", "unfair"}
    assert why_claim_terms(DYNA) == set()  # "why does that happen" names nothing of its own
    assert why_claim_terms("What is batch normalization and why does it work?") == set()


# -- the cause ---------------------------------------------------------------------------------------------------------

def test_a_cause_is_a_causal_connective_not_a_mechanism_or_a_purpose():
    assert gives_cause("The policy exploits the model's errors, because the planner searches where the model is wrong.")
    assert gives_cause("Errors compound over long rollouts, so the imagined return overstates the real one.")
    assert gives_cause("This is due to model bias.")
    for text in ["Model-based methods learn a model and use it to plan, either by generating simulated experience "
                 "or by searching ahead.", "Scale the inputs so that every feature has unit variance.",
                 "Dyna mixes real and simulated updates in order to save samples."]:
        assert not gives_cause(text), text


def test_a_cause_of_a_why_ask_with_terms_of_its_own_names_them():
    setting = ("XGBoost uses a second-order Taylor expansion of the loss, so each tree is fitted with gradients and "
               "Hessians on its own split.")
    assert not states_cause(BENCH, setting)  # the setting's words with a reason: no cause of the unfairness
    assert states_cause(BENCH, "Each model evaluated on its own random split makes the comparison unfair, because "
                               "the split's luck can exceed the gap.")


# -- a cause that opens with a pronoun leads with the sentence before it -----------------------------------------------

DEFINITION = ("Model-based methods learn the transition and reward model from data and use it to plan, either by "
              "generating simulated experience (Dyna-Q adds planning updates from a learned model to Q-learning) or "
              "by searching ahead at decision time (model-predictive control, Monte Carlo tree search).")
THEY = ("They are far more sample-efficient when the model is good, and suffer from *model bias* when it is not, "
        "because the planner exploits the model's errors.")


def test_a_they_cause_after_a_sentence_naming_the_subject_may_lead_a_why_of_an_observation(ranker_mode):
    first = cand(DEFINITION, 0, 0.41, order=0, line=10)
    they = cand(THEY, 0, 0.34, order=1, line=11)
    other = cand("Short model rollouts from real states limit compounding error.", 1, 0.30, order=0, line=40)
    scored = [first, they, other]
    assert pronoun_cause(DYNA, they, scored)
    assert lead_pool("why_how", DYNA, scored, subject_terms(DYNA)) == [they]
    assert pick_lead("why_how", DYNA, scored, sections=["rl#model-based", "rl#interview"]) is they
    # not after another paragraph's sentence, not without a cause, not for a question that reports no observation
    apart = cand(THEY, 0, 0.34, order=1, line=20)
    assert not pronoun_cause(DYNA, apart, [first, apart, other])
    plain = cand("They are far more sample-efficient when the model is good.", 0, 0.34, order=1, line=11)
    assert not pronoun_cause(DYNA, plain, [first, plain, other])
    # a later why ask takes its cause from the first chunk alone: a lower chunk's reason that shares two words of
    # the setting is no cause of it (f9-16: a dead-ReLU sentence's "every" and "zero")
    low = cand("Dyna agents look good in a learned model, because the model is learned from real data.", 1, 0.5)
    assert states_cause(DYNA, low.candidate.text)
    assert low in lead_pool("why_how", DYNA, [first, low, other], subject_terms(DYNA))
    assert lead_pool("why_how", DYNA, [first, low, other], subject_terms(DYNA)) != [low]
    q = "What is model-based reinforcement learning?"
    assert not pronoun_cause(q, they, scored)
    assert they not in lead_pool("why_how", q, scored, subject_terms(q))


def test_the_pair_shows_the_antecedent_first():
    from types import SimpleNamespace

    from mlnotes.assistant.answering.compose import with_antecedents

    chunk = SimpleNamespace(text=DEFINITION + "\n" + THEY, line_start=10, line_end=11)
    hits = [SimpleNamespace(chunk=chunk)]
    they = cand(THEY, 0, 0.34, order=1, line=11)
    out, n_lead = with_antecedents([they], 1, hits, DYNA)
    assert n_lead == 2 and [t.candidate.text for t in out[:2]] == [DEFINITION, THEY]
    # the antecedent is longer than an ordinary dangling lead's: another question does not get it in front
    out, n_lead = with_antecedents([they], 1, hits, "What is model-based reinforcement learning?")
    assert out[0].candidate.text == THEY and DEFINITION not in [t.candidate.text for t in out]


# -- the ask's own terms keep the first section's lead -----------------------------------------------------------------

def test_a_why_asks_terms_in_the_first_sections_heading_keep_its_lead():
    top = ["ml#making-comparisons-fair", "trees#why-is-xgboost-fast-and-accurate",
           "trees#why-is-xgboost-fast-and-accurate"]
    budget = cand("Every model must receive a comparable tuning budget: comparing a hand-tuned boosting model with a "
                  "default logistic regression measures the effort spent, not the algorithm.", 0, 0.48)
    xgb = cand("XGBoost uses a second-order Taylor expansion of the loss, so each tree is fitted with gradients.", 1,
               0.40)
    ranked = [xgb, budget]

    def choose(cands):
        return cands[0]

    assert top_section_lead(xgb, ranked, top, choose, asked=why_claim_terms(BENCH)) is budget
    # without the ask's terms, or when the lower section's heading names them too, the repeat bonus's winner stays
    assert top_section_lead(xgb, ranked, top, choose, asked=set()) is xgb
    assert top_section_lead(xgb, ranked, ["ml#making-comparisons-fair", "ml#unfair-comparisons"], choose,
                            asked=why_claim_terms(BENCH)) is xgb
    # the first section's candidate must score at least as well
    low = cand(budget.candidate.text, 0, 0.35)
    assert top_section_lead(xgb, [xgb, low], top, choose, asked=why_claim_terms(BENCH)) is xgb
