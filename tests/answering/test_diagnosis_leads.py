"""Leads that name the diagnosis of a symptom question (round 16, ret16w: assistant/answering/lead.py
diagnosis_head, names_diagnosis, read by lead_pool).

A symptom question describes a failure without naming it ("my GAN ... only ever spits out 1s and 7s, the same few
images whatever noise I feed it"); retrieval reads a diagnosis into it (:func:`mlnotes.kb.query.diagnosis`: mode
collapse). f13-19 was led by the DCGAN guidelines of a lower hit, f10-18 by the shape of a training loop, while a top
chunk held a sentence that names the diagnosis. Hand-built candidates with the learned ranker off and on."""

from __future__ import annotations

from mlnotes.assistant.answering.lead import diagnosis_head, instructs, names_diagnosis, pick_lead

from .pools import cand

GAN = ("my GAN on MNIST only ever spits out 1s and 7s, pretty much the same few images whatever noise I feed it. "
       "what's going on and what can I try?")
RECIPE = cand("DCGAN turned GANs into a reliable recipe for images with a set of architectural guidelines: replace "
              "pooling by strided convolutions and use batch normalization in both networks.", 3, 0.70)
LABEL = cand("The simplest form concatenates a one-hot label to the noise vector and to the discriminator's input.",
             0, 0.55, line=2, vec=1)
NAMES = cand("Conditioning also mitigates mode collapse, the failure in which the generator produces only a few "
             "distinct outputs, because each condition must be covered.", 0, 0.50, line=3, vec=2)


def test_the_diagnosis_head_is_the_name_before_the_colon():
    assert diagnosis_head(GAN) == {"mode", "collaps"}
    assert diagnosis_head("my model gets 99% on the training data but only 70% on validation. what is going on?")
    # no symptom, or a question that names its diagnosis itself: none
    assert diagnosis_head("what is mode collapse in a GAN?") == set()
    assert diagnosis_head("how do I pick a learning rate for Adam?") == set()


def test_a_sentence_names_the_diagnosis_when_it_has_all_of_its_terms():
    head = diagnosis_head(GAN)
    assert names_diagnosis(head, NAMES.candidate.text)
    assert not names_diagnosis(head, RECIPE.candidate.text)
    assert not names_diagnosis(head, "The mode of a distribution is its most frequent value.")
    assert not names_diagnosis(set(), NAMES.candidate.text)


def test_an_instruction_to_the_reader_is_recognised():
    assert instructs("State inverted dropout and its unbiasedness; describe batch statistics versus running statistics "
                     "and the forgotten `model.eval()` bug.")
    assert instructs("Expect \"How do you detect and handle mode collapse?\".")
    assert not instructs(NAMES.candidate.text)
    assert not instructs("Statements of the problem vary.")


def test_a_symptom_question_leads_with_the_sentence_that_names_its_diagnosis(ranker_mode):
    sections = ["adl#conditional-gans", "adl#conditional-gans", "adl#wgan", "adl#dcgan"]
    pool = [RECIPE, LABEL, NAMES]
    assert pick_lead("debugging", GAN, pool, sections=sections) is NAMES
    # without such a sentence the lead is chosen as before
    assert pick_lead("debugging", GAN, [RECIPE, LABEL], sections=sections) is not NAMES
    # a question without a symptom is not restricted
    plain = "what are the DCGAN architecture guidelines?"
    assert pick_lead("definition", plain, pool, sections=sections) is not NAMES


def test_a_sentence_of_a_lower_chunk_or_an_instruction_does_not_take_the_lead(ranker_mode):
    sections = ["adl#conditional-gans", "adl#conditional-gans", "adl#wgan", "adl#dcgan"]
    lower = cand(NAMES.candidate.text, 3, 0.50, line=3, vec=2)
    first = cand("The simplest form concatenates a one-hot label to the noise vector and to the discriminator's input.",
                 0, 0.70, line=2, vec=1)
    assert pick_lead("debugging", GAN, [first, lower], sections=sections) is first
    prompt = cand("Explain mode collapse and how conditioning mitigates it.", 0, 0.40, line=4, vec=3)
    assert pick_lead("debugging", GAN, [first, prompt], sections=sections) is first


# round 21 (abst21): a symptom question that gives its own numbers narrows the lead pool to the sentences that state
# them (lead_pool's given-number filter); the sentence that names the diagnosis states none and was dropped (f18-19:
# "0.95 AUC ... Grad-CAM heatmaps light up the corner where each hospital stamps its text marker" was led by the CAM
# algebra, then by an imbalance sentence with "AUC 0.95", over "A model that is right for the wrong reason (a
# shortcut) will fail on new data" of the first chunk)
XRAY = ("chest x-ray classifier: 0.95 AUC on our test split (same 3 hospitals as training) but it falls apart on "
        "images from a new hospital. Grad-CAM heatmaps mostly light up the corner of the image where each hospital "
        "stamps its text marker, not the lungs. what is going on?")
AUC = cand("Under heavy imbalance a model can have AUC 0.95 and still be useless at the operating point that matters "
           "for the rare class.", 0, 0.70, line=2, vec=1)
SHORTCUT = cand("A model that is right for the wrong reason (a shortcut) will fail on new data.", 0, 0.45, line=3,
                vec=2)


def test_a_diagnosis_the_pool_narrowing_dropped_still_leads_from_the_first_chunk(ranker_mode):
    sections = ["cv#debugging", "viz#grad-cam", "interp#trust"]
    assert diagnosis_head(XRAY) == {"shortcut"}
    assert pick_lead("debugging", XRAY, [AUC, SHORTCUT], sections=sections) is SHORTCUT
    # a naming sentence of a lower chunk than the chosen lead's does not take the lead from outside the pool
    lower = cand(SHORTCUT.candidate.text, 2, 0.45, line=3, vec=2)
    assert pick_lead("debugging", XRAY, [AUC, lower], sections=sections) is AUC
