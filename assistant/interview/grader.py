"""Grade a free-text interview answer against a question's key points.

The grader is a pure function of (question text, key points, answer, an embedder, fitted parameters):

1. The answer is split into sentences. Two kinds of sentence cannot cover a key point:
   * an *echo* of the question: a sentence that adds no content word absent from the question, or whose MiniLM
     cosine to the question is above ``echo_threshold`` (the 99th percentile of the cosine between the bank's own
     model-answer sentences and their question, so a real answer sentence is almost never flagged);
   * a *fragment* (keyword stuffing): fewer than ``min_words`` words, a comma-separated list of short terms, or a
     share of function words ("is", "the", "of", "when" ...) at or below ``min_glue_ratio`` (``min_words`` and
     ``min_glue_ratio`` are the 1st percentiles over the bank's key points and short-answer sentences; the
     glue ratio's is 0, so a sentence needs at least one function word). A string of terms has no structure.
2. For each key point and each remaining sentence two features are computed: the cosine of their MiniLM vectors
   and the term overlap, the share of the key point's stemmed, stop-word-free terms (``mlnotes.kb.bm25.tokenize``) that
   the sentence contains; terms the key point shares with the question are left out of the overlap (otherwise
   restating the question would earn overlap).
3. A logistic model ``p = sigmoid(b + w_cos * cos + w_overlap * overlap)``, fitted on the bank itself by
   ``python -m mlnotes.assistant.interview.calibrate``, gives the probability that the sentence states the key point.
   A key point is covered when its best sentence has ``p >= threshold`` (the threshold maximises F1 on the
   calibration pairs).
4. A sentence above the threshold still earns no credit for a key point when (``mlnotes.assistant.interview.
   contradiction``) it contradicts it: a different parity of negations in the aligned clauses (implicit
   negations such as "ignores", "prevents", "whatever the rate" count; a "without" phrase is a clause of its
   own), the other side of an antonym group (increase/decrease, strong/weak, linear/quadratic ...), an
   adjective with a negating prefix against the plain one (uncorrelated/correlated), a confusable term swapped
   (precision/recall, L1/L2 ...; with both terms present, a binding test on their neighbouring words), two
   terms exchanged around an asymmetric relation ("A divided by B", "A more than B", "predicts A from B"), or
   one alternative named by the question put in place of another (batch norm for layer norm); when it only
   lists the key point's terms; when it states none of the key point's *required terms* (its own stems, not in
   the question, used by fewer than ``required_max_df`` of the bank's key points; a sentence word counts for
   a term when it is the same stem or, ``synonym_threshold``, a MiniLM word neighbour that is not its
   opposite: "expensive" for "costly", never "positives" for "negatives"); or when the key point's claim is a
   qualifier verb and its object ("corrects for the number of predictors", "depends on the acceptance rate")
   and the sentence does not name the object in a relation. The contradicting sentence is kept in the result
   for the feedback. Round 3 (issue #20) added general checks: any two terms exchanged (each sits among the
   other's neighbours, or exchanging the same two words back makes the sentence a near copy of the key point,
   unless a symmetric relation such as "equal to" joins them); a near-verbatim restatement with one word
   replaced by an unrelated one (MiniLM word cosine below 0.2, or an antonym); "at most", "at least",
   "nobody", "unlike" as negation cues, and the negation test only on sentences that share at least 0.3 of
   the key point's content stems (a paraphrase often carries its negation in other words: "keeps the
   exponentials from blowing up" for "prevents overflow"); a reversed comparison with reversed sides ("used less than at the start" as "used
   better at the start than in the middle") is no swap; a term list is stuffing when the rest of the sentence
   says little (a vacuous predicate). Their settings (``MIN_SHARED_FOR_POLARITY``, ``CROSSED_MIN_GAIN``,
   ``REPLACED_MAX_SIMILARITY``, ``MAX_PREDICATE_WORDS`` in ``contradiction``) were chosen on the development
   sets: both splits of ``eval/datasets/grader_adversarial.jsonl`` and ``eval/datasets/grader_heldout2.jsonl``
   (whose failures were read to design the round-3 checks). ``python -m mlnotes.eval.grader_validation``
   reports them and any other ``eval/datasets/grader_heldout*.jsonl`` as held out;
   ``python -m mlnotes.eval.grader_cv`` cross-validates the settings by question. ``checks=False`` grades
   without the checks (the grader before issue #20).
4b. Round 4 (issue #20): a learned claim checker (:mod:`mlnotes.assistant.interview.checker`, MiniLM fine-tuned
   as a cross-encoder on (key point, sentence) pairs of the development sets) decides the credit when it is
   available (``checker=``; :class:`Grader` loads it unless ``MLNOTES_CLAIM_CHECKER=off``): among the eligible
   sentences (``checker.MODE``: all counted sentences, those above the coverage threshold, or those that also
   pass the rules), the key point is covered when the checker's highest P(states it) reaches
   ``checker.THRESHOLD``. Mode and threshold were chosen by grouped cross-validation on the development cases
   (``python -m mlnotes.eval.grader_checker_cv``). The word rules still explain a refusal in the feedback.
   The checker did not beat the rules in that cross-validation, so it is off by default.
4c. Round 6 (issue #20), designed on new hand-written development answers (``eval/datasets/grader_dev_hand.jsonl``)
   only: a sentence that talks *about* the key point's words instead of making a claim with them ("X and Y are
   words from the tree chapter", "... come up in every interview") is refused as stuffing
   (:func:`~mlnotes.assistant.interview.contradiction.meta_talk`); nine contrast groups and four confusable
   pairs joined the lexicons; an equation or arrow between terms counts as a relation, not a term list. Over
   every credit answer of the development sets none of these refuses a sentence the round-5 rules credited
   (``tests/interview/test_grader_round6.py``). Measured once on ``grader_heldout4.jsonl``, with the round-5
   grader in the same run (``python -m mlnotes.eval.grader_validation --no-checker``).
4d. Round 7 (issue #20): on the hand-written development answers, 63 % of the real paraphrases the rules miss
   (125 of 198) have no sentence above the coverage threshold; the rest are refused by the negation test (23),
   the opposite/swap tests (21), the required terms (18) and the claim object (6)
   (``python -m mlnotes.eval.grader_combine``). Logistic combinations (:mod:`mlnotes.assistant.interview.
   combine`) over the cosine, the term overlap, the margin over the question's other key points, the cosine
   with the question, the cosine with the key point's support sentences in the model answer, the share of
   required terms, the sentence's length and the rules' verdicts (as features, or keeping their vetoes) were
   compared with the rules by leave-one-set-out cross-validation across the hand-written sets (heldout2,
   heldout3, heldout4, dev_hand). They raise paraphrase recall (by .03-.10 on average) but credit answers to
   neighbouring questions and other key points more often, and none beat the rules on the worst per-type
   ratio to target, so ``combine.json`` stores no model (``"model": null``) and :class:`Grader` grades with
   the rules; the best learned candidate is kept there as ``runner_up``. ``combiner=`` grades with one.
4e. Round 8 (issue #20): heldout5 (a fifth author, spent) joined the sets. Held out in turn, it scores the rules
   lowest of all (worst ratio .42), and the search's winner is now ``veto:coverage:C=10.0`` (mean worst ratio
   .662 against the rules' .616 over the five held-out sets; mean paraphrase recall .770 against .634): the
   rules keep every veto and a logistic model over the similarity features replaces the coverage threshold.
   ``combine.json`` ships it, so :class:`Grader` grades with it by default. Its cost on the bank checks
   (``grader_validation``): AUC own vs another question's model answer .9972 (the rules: 1.0000; another
   question's model answer scores 1.57 of 10 on average instead of 0.12), short answer alone .956 (.989).
   A clause that denies a key-point clause is a negation however long the sentence
   (:func:`~mlnotes.assistant.interview.contradiction.negated_clause`). The claim checker retrained on every
   hand-written set lost to the rules by leave-one-author-out (``python -m mlnotes.eval.grader_checker_loao``)
   and stays off.
4f. Round 10 (issue #20): heldout8 (measured once in round 9) joined the development sets and the combination
   was refitted on it (``veto:coverage:C=10.0`` won again). Its false credits, read by class: a claim said of
   another subject, the key point's subject named only across a contrast ("classical momentum ..., whereas
   Nesterov momentum ...": :func:`~mlnotes.assistant.interview.contradiction.moved_subject`, 52 of the 323
   development term swaps, no credit answer); a near copy with its subject replaced by a related word
   ("dropout connections", "supervised learning", word cosine .25-.68, above the 0.2 a replaced word needed: the
   subject is now bounded by ``synonym_threshold``); antonyms missing from the lexicon (multiplies/divides,
   barely/strongly, lightly/heavily, creates/eliminates, every step/periodically, increases/limits,
   curved/linear); the key point's terms listed as a heading and followed by talk about something else
   ("Power, beta, effect size: G*Power is a free program": stuffing however long the talk). With the step-0
   model (the rules' effect alone), heldout8's false credits fall from 27 to 19 of 38 opposites, 21 to 11 of 39
   term swaps and 6 to 1 of 36 stuffing answers; pooled over every development set, 163 to 153 opposites, 125
   to 95 term swaps, one negation less, and no paraphrase is lost (one partial answer of heldout3 is). A clause
   restating the key point's own denial ("you never have to compute the feature vectors" for "without
   constructing the features"), or "not X, only Y" under "only Y", is no longer a denial (two of heldout7's
   three scope misses; heldout8's five are recorded in ``tests/interview/test_contradiction.py``). Refitted
   after the rules, the leave-one-set-out winner is ``mono:coverage:C=1.0`` (mean worst ratio .640 against
   .639 for ``veto:coverage:C=1.0``, .574 for the rules and .621 for the step-0 winner before the rules; mean
   paraphrase recall .759 against .752), and ``combine.json`` ships it. The shipped grader in sample, pooled
   over the development sets, before and after round 10: paraphrase recall .738 / .758, precision negation
   .744 / .759, opposite .624 / .634, term swap .656 / .714, stuffing .652 / .675, vague .842 / .846 (heldout8:
   .806 / .815; .763 / .746, .532 / .620, .600 / .743, .829 / .967, .909 / .909). Open: a definition given
   under the other term's name, negations in other words, opposites outside any lexicon ("perfect ranking" for
   "random ranking", "its own fold" for "other folds"), and the credit answers the scope rule still refuses.
4g. Round 10b (issue #20): heldout9 (355 answers, measured once in round 10) joined the development sets
   (``checker.DEV_FILES``, ``grader_validation.DEV_SPLITS``, ``grader_combine.SETS``; heldout10 is the next test
   set). Its false credits were read by the rule or model that decided. Classes fixed: (a) the learned
   combination credited a sentence *below* the rules' coverage threshold although another sentence of the same
   answer, above it, was refused as contradicting the key point ("X doesn't weight pairs by NDCG; all pairs get
   the same gradient": the second clause elaborates the denial, and the model reads no negator): such a credit is
   now refused (:func:`_below_threshold_veto`); (b) a bound written after its value ("min_samples or more") was
   not read as "at least", so an "at least" key point's paraphrase was refused as a negation
   (``contradiction._BOUND_RE``; on every development answer this changes one verdict, that paraphrase). On
   heldout9 with the refitted combination (``veto:coverage:C=10.0``), per answer, without -> with (a) and (b):
   paraphrase recall .762 -> .762, credit precision negation .696 -> .727 (14 -> 12 false credits of 42),
   opposite .566 -> .575 (28 -> 27 of 48), term swap .575, stuffing .736, vague .838 unchanged (the rules alone:
   paraphrase recall .548 -> .556). Guard (a) with the refitted model on heldout4-8 (without -> with):
   negation false credits 7 -> 5 of 32 (heldout4), 13 -> 12 of 47 (5), 14 -> 13 of 42 (6), 16 -> 12 of 45 (7),
   9 -> 7 of 36 (8); opposites 20 -> 19 on heldout6, else unchanged; paraphrase recall unchanged on heldout4, 6
   and 8, -2 answers on heldout5 (.787 -> .773) and heldout7 (.683 -> .667: paraphrases the rules refuse
   wrongly, "plus/minus", "never converges", which the model had credited through another sentence). Pooled
   over heldout4-9: negation 73 -> 61 false credits of 244, paraphrase recall .735 -> .730 (800 answers);
   heldout2, heldout3, adv_hand and dev_hand were not measured in time. Tried and rejected: refusing a
   below-threshold sentence whose parity of negators differs from the key point's (heldout9 negation precision
   .750, but paraphrase recall -4 to -6 answers on each of heldout7, 8, 9). Not fixed: most of the model's
   remaining false credits on negations are sentences that deny with a word the rules do not pair with the key
   point ("you don't scale them" for "divided by the square root"), opposites outside the lexicon ("stretches"
   for "compresses", "shrinks" for "has variance d_k"), vague answers the model scores above its threshold
   (5 of 34 against 1 for the rules), and heldout9's scope miss (``tests/interview/test_grader_round10b.py``).
4h. Round 11 (grade20j, issue #20): the combination's credits to vague, stuffing and negation answers that the
   rules refuse all rest on a sentence *below* the rules' coverage threshold (no word rule is involved: the
   model only scores sentences no rule refuses), the vague ones mostly short generic claims about the subject
   ("RAG is popular for enterprise chatbots"); see ``eval/grader_combine.py``'s round-11 point for what was
   measured. A fitted model may now carry a word-count floor for such sentences
   (:attr:`~mlnotes.assistant.interview.combine.Combiner.below_min_words`); the leave-one-set-out winner,
   ``monolen12:coverage:C=1.0`` (12 words, no margin cap), ships: mean worst ratio .636 against .632 for the
   round-10b model, within noise. In sample on the cached development features (max over the scored sentences,
   guard (a) not applied), pooled, round-10b model -> this one: paraphrase recall .754 -> .758, precision
   negation .728 -> .774, vague .815 -> .901, stuffing .689 -> .689, other_point .864 -> .797 (a true statement
   of the next key point credited more often), opposite, term swap, other_question unchanged (±.001). On
   heldout10 through the grader itself (guard (a) included), round-10b model -> this one: paraphrase recall .849
   -> .841, partial .814 -> .780, precision negation .847 -> .845, opposite .603 -> .598, term swap .641 ->
   .637, stuffing .839 -> .927, vague .807 -> .878 (11 of 374 verdicts change: three stuffing and three vague
   answers refused, two paraphrases and two partial answers lost, one paraphrase gained). Not fixed:
   stuffing on the other sets (its credited sentences are mostly long; heldout10's were short), the other_point
   cost, and opposites and term swaps, which bound the worst ratio (~.63) and which the model cannot see.
   After the merge with 4i's word rules the combination was refitted once more: ``monomargin0.1len8:coverage:
   C=10.0`` (an 8-word floor, margin cap .1) ships, mean worst ratio .650 against .650 for ``monolen12`` and .591
   for the rules (``eval/grader_combine.py``, round 11).
4i. Round 11 (grade20i, issue #20): heldout10's opposite and term-swap false credits, read by class (the sentence
   credited and the rule that let it through: 34 of the 36 were credited by the word rules too, two by the
   learned combination alone). Classes fixed, all in :mod:`~mlnotes.assistant.interview.contradiction`:
   (a) a term replaced, in its slot, by its *counterpart* ("exploding" for "vanishing", "key vectors" for
   "value vectors", "covariance" for "correlation", "weights" for "gradient"): MiniLM puts such words close,
   so :func:`replaced_term` let them through; the counterparts are now mined from the corpus (content words
   joined by "and", "vs", "versus": :mod:`~mlnotes.assistant.interview.counterparts`, ``counterparts.json``)
   and :func:`~mlnotes.assistant.interview.counterparts.counterpart_swap` refuses a near restatement (half the
   key point's stems, 0.9 of its other stems on the same side of the slot) with a counterpart in a term's slot;
   (b) direction words outside the lexicon (similar/different, exceed/fall below, optimistic/pessimistic,
   majority/least frequent, quadratically/sublinearly, cancel/add up, true/wrong class, easiest/hard; and from
   heldout8/9: compress/stretch, keep/lose, freeze/fine-tune, overstate/understate, "n squared"/linearly);
   (c) a confusable term written with a hyphen ("the false-negative cost" for "the false-positive cost");
   (d) "the ratio of A to B" against "B divided by A". On heldout10 (in sample: the classes were read there),
   the shipped grader before -> after: paraphrase recall .849 -> .849, partial .814 -> .814, credit precision
   opposite .603 -> .710 (21 -> 13 false credits of 38), term swap .641 -> .749 (15 -> 9 of 32), negation .847,
   stuffing .839, vague .807 unchanged (the rules alone: opposite .593 -> .709, term swap .637 -> .754). Pooled
   over every development split (tune, heldout, dev_hand, heldout2-10, rule-made cases included), the shipped
   grader: opposite false credits 206 -> 188 of 643, term swaps 138 -> 123 of 605, paraphrase recall .748 ->
   .748 (one heldout7 paraphrase lost: "apply it to val/test" in the slot of "training data"), every other type
   unchanged but one heldout9 negation refused; per split the term-swap precision rises on heldout (.947 ->
   .953), heldout3-6 and 8 (e.g. heldout6 .656 -> .704), the opposite precision on heldout2, 3, 6-9 (heldout9
   .576 -> .627). Only answers whose contradiction verdict changed on some sentence were regraded (81 of 6,187);
   the combination was not refitted (``combine.json`` is the round-10 fit). Over
   every hand-written development answer the counterpart swap fires on one credit answer's sentence (a heldout7
   paraphrase) and the new antonym groups on none (``tests/interview/test_grader_round11.py``). Tried and
   rejected: "instead of / rather than" + a key-point word as a denial (3 paraphrases, 2 no-credit answers), an
   inside/outside group (3 paraphrases that state the complement), one-vs-one/one-vs-rest as a confusable pair
   (a paraphrase that names both), "power" as an asymmetric relation (no development answer gained). Not fixed:
   opposites in other words ("cancel in expectation" / "bias upward", "restore expressiveness" / "reduce what
   the layer can represent", "perfect ranking" / "random ranking"), a definition given under another term's
   name (entropy as one minus the sum of squares, Lloyd's steps as EM), multi-word counterparts ("demographic
   parity" for "equalized odds"), counterparts the corpus never coordinates (primal/dual, Bernoulli/Poisson),
   swapped symbols and numbers ("(s - 1)/2" for "(k - 1)/2", "80% significance and 5% power").
4j. Round 12 (issue #20): heldout11 (356 answers, measured once in round 11) joined the development sets
   (``checker.DEV_FILES``, ``grader_validation.DEV_SPLITS``, ``grader_combine.SETS``; heldout12 is the next test
   set) and the combination was refitted with nothing else changed: ``monolen12:coverage:C=1.0`` ships again,
   leave-one-set-out mean worst ratio .644 against .643 for ``monomargin0.1:coverage:C=10.0``, .642 for the
   round-11 model ``monomargin0.1len8:coverage:C=10.0`` and .587 for the rules (``eval/grader_combine.py``,
   round 12). The word rules were not changed: the scope rule refuses none of heldout11's credit answers, the
   round-8 rules three (``tests/interview/test_contradiction.py``).
5. The score is ``10 * covered / len(key_points)``: the share of key points the answer states. (Giving a missed
   point its probability as partial credit was tried and rejected: an on-topic sentence that states a
   *different* key point still gets p around 0.7, so two covered points out of five scored 7.6.)

The coverage model, the coverage threshold, the echo threshold and the fragment thresholds are fitted, not
hand-picked: they live in ``grader_params.json`` next to this file, written by the calibration script together
with the data they were fitted on (counts, cross-validated AUC). The one rule set by hand is structural: the
term-list test (four or more separated items, most of them one or two words long).

Tried in round 3 and not adopted: the required-terms and claim-object rules as soft features of a logistic
"claim model" (cosine, overlap, share of required terms, missing object, margin over the other key points,
cosine to the question, word-by-word MiniLM coverage), fitted on the development sets with 5-fold
cross-validation grouped by question. Among the hand-written pairs that pass the contradiction rules no
feature separates credit from no credit (single-feature AUC 0.55-0.61), and the fitted model moved recall and
precision by one or two cases either way; the losses were in the rules, not in the required terms.

Known limitations (measured on the development sets, see ``eval/reports/grader.md``): the checks are word
rules, so a contradiction in words outside their lexicons (a claim the opposite of the key point in other
words, or a term replaced by a related one: "the forget gate controls how much new content is written" for
"the input gate ...") passes if MiniLM finds it close, and a true paraphrase in
plain words that MiniLM scores below the coverage threshold, or that swaps its clauses around, is not
credited. On hand-written answers the targets (precision >= 0.95 on every no-credit type, recall >= 0.90 on
paraphrases) are not all met.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from mlnotes.assistant.interview.contradiction import contradiction, meta_talk, only_listed, replaced_term
from mlnotes.kb.bm25 import tokenize

PARAMS_PATH = Path(str(resources.files("mlnotes.assistant.interview").joinpath("grader_params.json")))  # package data
MAX_ANSWER_CHARS = 8000

#: Function words whose presence marks sentence structure: copulas, auxiliaries, modals, determiners,
#: prepositions, conjunctions and pronouns. A list of technical terms contains almost none of them.
GLUE_WORDS = frozenset(
    """is are was were be been being am has have had do does did can could will would should may might must shall
    the a an of to in on for with by from at into onto over under between through about as than then that which
    who whom whose what when where why how while because so if unless whether and or but nor not no it its they
    them their this these those there here we you your our he she his her one each every all any some more most
    less fewer only also just very too such both either neither per via""".split()
)

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:\.\d+)?")
_ABBREV_RE = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|approx|resp)\.", re.I)
_SPLIT_RE = re.compile(r"(?<=[.!?;])\s+|\n\s*\n+|\n(?=\s*(?:[-*+•]|\d+[.)])\s)")
_BULLET_RE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


class GradeInputError(ValueError):
    """The answer cannot be graded (empty, no English words, or too long); the message says what to fix."""


class AnswerTooLongError(GradeInputError):
    """The answer is longer than :data:`MAX_ANSWER_CHARS`."""


@dataclass(frozen=True)
class GraderParams:
    bias: float
    w_cos: float
    w_overlap: float
    threshold: float
    echo_threshold: float
    min_words: int
    min_glue_ratio: float
    fitted: dict[str, Any] = field(default_factory=dict)
    #: in how many of the bank's key points each stem occurs (for the required-terms rule; empty: rule off)
    term_df: dict[str, int] = field(default_factory=dict)
    #: MiniLM cosine between two single words above which a sentence's word stands in for a required term
    #: ("expensive" for "costly"); None: only the term itself counts. Fitted on the tune split.
    synonym_threshold: float | None = None
    #: share of the required terms a crediting sentence must state (at least one in any case)
    required_share: float = 0.0
    #: the required terms are the key point's own stems used by fewer than this many of the bank's key points
    #: (at least its rarest stem); None: the rarer half of its stems
    required_max_df: int | None = None

    @classmethod
    def load(cls, path: Path = PARAMS_PATH) -> GraderParams:
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing; run: python -m mlnotes.assistant.interview.calibrate")
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: d[k] for k in ("bias", "w_cos", "w_overlap", "threshold", "echo_threshold", "min_words",
                                        "min_glue_ratio")}, fitted=d.get("fitted", {}),
                   term_df=d.get("term_df", {}), synonym_threshold=d.get("synonym_threshold"),
                   required_share=d.get("required_share", 0.0), required_max_df=d.get("required_max_df"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def default_params() -> GraderParams:
    return GraderParams.load()


@dataclass
class KeyPointResult:
    key_point: str
    covered: bool
    probability: float
    evidence: str | None  # the answer sentence that best states the key point (None when no sentence counts)
    cosine: float
    overlap: float
    contradicted: bool = False  # a sentence close enough to count states the opposite, a negation or a swap
    contradiction: str | None = None  # the sentence of the answer that contradicts the key point
    reason: str | None = None  # why that sentence (or the closest one) was not credited
    #: the claim checker's highest P(states the key point) among the sentences it was asked about (None: no
    #: checker, or no sentence eligible)
    claim_probability: float | None = None
    #: the learned combination's highest probability among the scored sentences (None: no combination)
    combined_probability: float | None = None
    #: feedback only (never changes credit): for a key point missed without a contradiction, the answer sentence
    #: closest to it that states something else on the same subject (:func:`~mlnotes.assistant.interview.
    #: contradiction.conflict`), and the rule's reason; None when no sentence does
    conflict: str | None = None
    conflict_reason: str | None = None


@dataclass
class GradeResult:
    score: float  # 0-10, one decimal
    key_points: list[KeyPointResult]
    flags: list[str]  # "echoes_question", "keyword_stuffing", "partly_fragments", "partly_echo"
    sentences: int
    counted_sentences: int
    ignored: list[dict[str, str]]  # sentences that could not cover anything, with the reason

    @property
    def covered(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if k.covered]

    @property
    def missed(self) -> list[KeyPointResult]:
        return [k for k in self.key_points if not k.covered]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "flags": list(self.flags), "sentences": self.sentences,
                "counted_sentences": self.counted_sentences, "ignored": list(self.ignored),
                "key_points": [asdict(k) for k in self.key_points]}


# ---------------------------------------------------------------------------------------------------- text


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after ``. ! ? ;``, at blank lines and before bullets; a single line break
    inside a paragraph is a wrapped line, not a boundary. Bullet markers and empty pieces are dropped."""
    protected = _ABBREV_RE.sub(lambda m: m.group(0).replace(".", "\u2024"), text)
    out = []
    for piece in _SPLIT_RE.split(protected):
        piece = " ".join(_BULLET_RE.sub("", piece.replace("\u2024", ".")).split())
        if piece and _WORD_RE.search(piece):
            out.append(piece)
    return out


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(text)]


def glue_ratio(sentence: str) -> float:
    ws = words(sentence)
    return sum(w in GLUE_WORDS for w in ws) / len(ws) if ws else 0.0


def is_term_list(sentence: str) -> bool:
    """Four or more comma/slash/semicolon separated items, most of them one or two words: a list, not a claim."""
    items = [i for i in re.split(r"[,/;|]", sentence) if i.strip()]
    if len(items) < 4:
        return False
    short = sum(len(words(i)) <= 2 for i in items)
    return short * 2 > len(items)


def fragment_reason(sentence: str, params: GraderParams) -> str | None:
    """Why ``sentence`` is not a sentence (None when it is one)."""
    n = len(words(sentence))
    if n < params.min_words:
        return f"too short ({n} words): write a full sentence"
    if is_term_list(sentence):
        return "a list of terms, not a sentence: say how they relate"
    if glue_ratio(sentence) <= params.min_glue_ratio:
        return "a string of terms with no sentence structure"
    return None


def content_terms(text: str) -> set[str]:
    return set(tokenize(text))


def overlap(kp_terms: set[str], sentence_terms: set[str], question_terms: set[str]) -> float:
    """Share of the key point's terms (those not already in the question, if any remain) found in the sentence."""
    novel = kp_terms - question_terms
    target = novel or kp_terms
    if not target:
        return 0.0
    return len(target & sentence_terms) / len(target)


def required_terms(key_point: str, question: str, term_df: dict[str, int], share: float = 0.5,
                   max_df: int | None = None) -> set[str]:
    """The rarer half of the key point's own content stems (those not in the question), by how many of the
    bank's key points use them: a sentence that states the key point uses at least one of them. ("Adjusted R²
    is a corrected version of it" names the subject of "Adjusted R squared corrects for the number of
    predictors" but not its claim.) Empty when ``term_df`` is empty."""
    if not term_df:
        return set()
    from mlnotes.assistant.interview.contradiction import NEGATION_STEMS, glue_stems, stems

    skip = set(stems(question)) | glue_stems() | NEGATION_STEMS
    novel = [t for t in dict.fromkeys(stems(key_point)) if t not in skip]
    ranked = sorted(novel, key=lambda t: (term_df.get(t, 0), novel.index(t)))
    if max_df is not None:  # every stem rarer than max_df (at least the rarest one)
        return set(ranked[:1]) | {t for t in ranked if term_df.get(t, 0) < max_df}
    k = max(1, int(np.ceil(share * len(novel))))
    return set(ranked[:k])


#: Verbs whose claim is empty without their object: "corrects for <the number of predictors>", "depends on
#: <the acceptance rate>". Stems, each followed (after at most one adverb) by one of ``_OBJECT_PREPS``.
QUALIFIER_STEMS = frozenset({"correct", "adjust", "account", "control", "depend", "condit", "proport", "penal"})
_OBJECT_PREPS = frozenset({"for", "on", "by", "to", "with", "against"})
#: Head words that do not say what the object is ("the number of predictors": the object is "predictors").
_GENERIC_OBJECT = frozenset({"number", "amount", "size", "kind", "type", "level", "degre", "choic", "part",
                             "sum", "total", "valu", "way"})


def claim_object(key_point: str) -> tuple[str, set[str]] | None:
    """The qualifier verb of ``key_point`` and the stems of its object (the content words in the four words
    after the preposition, generic heads left out), or None: in "Adjusted R squared corrects for the number of
    predictors" the verb is "corrects" and the object {"predictor"}. A sentence that states such a key point
    names the object; "it is a corrected version" names the verb only."""
    from mlnotes.assistant.interview.contradiction import NEGATION_STEMS, glue_stems, tokens

    ws, ss = tokens(key_point)
    skip = glue_stems() | NEGATION_STEMS
    for i, st in enumerate(ss):
        if st not in QUALIFIER_STEMS:
            continue
        for j in (i + 1, i + 2):
            if j < len(ws) and ws[j] in _OBJECT_PREPS and (j == i + 1 or ss[i + 1] not in skip):
                obj = {t for t in ss[j + 1: j + 5] if t not in skip and t not in _GENERIC_OBJECT}
                if obj:
                    return ws[i], obj
                break
    return None


def sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def probability(cos: np.ndarray, ov: np.ndarray, params: GraderParams) -> np.ndarray:
    return sigmoid(params.bias + params.w_cos * cos + params.w_overlap * ov)


# ---------------------------------------------------------------------------------------------------- grading

Embed = Callable[[list[str]], np.ndarray]


def validate_answer(answer: Any) -> str:
    if not isinstance(answer, str):
        raise GradeInputError("the answer must be text")
    text = answer.strip()
    if not text:
        raise GradeInputError("the answer is empty; write your answer, ask for a hint, or skip the question")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerTooLongError(f"the answer is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,} "
                                 "(an interview answer is a few sentences)")
    if not re.search(r"[A-Za-z]{2,}", text):
        raise GradeInputError("the answer has no English words (only symbols, emoji, numbers, math or another "
                              "script); the grader reads English sentences, so write the answer in English")
    return text


#: (key point, sentence) pairs -> P(the sentence states the key point): a trained
#: :class:`mlnotes.assistant.interview.checker.ClaimChecker` or any function of the same shape
Checker = Callable[[list[tuple[str, str]]], np.ndarray]


def grade_answer(question: str, key_points: Sequence[str], answer: str, embed: Embed,
                 params: GraderParams | None = None, kp_vectors: np.ndarray | None = None,
                 question_vector: np.ndarray | None = None, checks: bool = True,
                 word_cache: dict[str, np.ndarray] | None = None, checker: Checker | None = None,
                 checker_mode: str | None = None, checker_threshold: float | None = None,
                 combiner: Any = None, features_out: dict[int, list[tuple[str, dict[str, float]]]] | None = None,
                 support: Sequence[np.ndarray | None] | None = None) -> GradeResult:
    """Score ``answer`` 0-10 against ``key_points``; pure apart from calling ``embed`` (normalised vectors).

    ``kp_vectors`` / ``question_vector`` may be passed precomputed (the service caches them per question).
    ``checks=False`` turns off the contradiction and keyword-stuffing checks (the grader as it was before
    them; kept for the validation report's before/after table). ``word_cache`` keeps MiniLM word vectors
    between calls (the :class:`Grader` passes its own).

    ``checker`` (the learned claim checker, :mod:`mlnotes.assistant.interview.checker`) decides the credit
    among the *eligible* sentences, by ``checker_mode`` (default :data:`~mlnotes.assistant.interview.checker.
    MODE`): ``"checker"``: every counted sentence; ``"cosine"``: those above the coverage threshold;
    ``"rules"``: those above it that also pass the word rules. A key point is covered when the checker's
    highest probability among them is at least ``checker_threshold`` (default ``checker.THRESHOLD``). The
    word rules still explain a refusal in the feedback.

    ``combiner`` (a :class:`~mlnotes.assistant.interview.combine.Combiner`, round 7) decides the credit instead
    of the rules' vetoes: a key point is covered when the model's highest probability over the counted
    sentences (those with cosine >= ``combine.COS_FLOOR``) reaches its threshold, except that a sentence
    below the rules' coverage threshold is not credited when another sentence was refused as contradicting
    the key point (round 10b, :func:`_below_threshold_veto`); the rules still explain a refusal.
    ``features_out``: a dict filled with, per key point index, ``(sentence, features)`` for every scored
    sentence (for fitting and evaluating the combination). ``support``: per key point, the vectors of its
    support sentences in the model answer (:func:`~mlnotes.assistant.interview.combine.support_vectors`;
    None: the key point's own cosine stands in).
    """
    params = params or default_params()
    text = validate_answer(answer)
    if not key_points:
        raise ValueError("the question has no key points to grade against")
    sents = split_sentences(text)
    q_terms = content_terms(question)
    ignored: list[dict[str, str]] = []
    candidates: list[str] = []
    for s in sents:
        terms = content_terms(s)
        reason = fragment_reason(s, params)
        if reason is None and not (terms - q_terms):
            reason = "repeats the question without adding anything"
        if reason is None:
            candidates.append(s)
        else:
            ignored.append({"sentence": s, "reason": reason})

    need = []
    if kp_vectors is None:
        need.extend(key_points)
    if question_vector is None:
        need.append(question)
    vecs = embed(need + candidates) if (need or candidates) else np.zeros((0, 1), dtype=np.float32)
    pos = 0
    if kp_vectors is None:
        kp_vectors = vecs[: len(key_points)]
        pos = len(key_points)
    if question_vector is None:
        question_vector = vecs[pos]
        pos += 1
    sent_vecs = vecs[pos:]

    # echoes: sentences more similar to the question than (almost) any real answer sentence is to its question
    keep = []
    for s, v in zip(candidates, sent_vecs):
        if float(v @ question_vector) >= params.echo_threshold:
            ignored.append({"sentence": s, "reason": "restates the question"})
        else:
            keep.append((s, v))
    flags: list[str] = []
    reasons = [i["reason"] for i in ignored]
    n_echo = sum(r.startswith(("restates", "repeats")) for r in reasons)
    n_frag = len(reasons) - n_echo
    if not keep:
        if n_echo and n_echo >= n_frag:
            flags.append("echoes_question")
        elif n_frag:
            flags.append("keyword_stuffing")
    else:
        if n_frag:
            flags.append("partly_fragments")
        if n_echo:
            flags.append("partly_echo")

    results: list[KeyPointResult] = []
    if keep:
        S = np.stack([v for _, v in keep])
        cos = np.asarray(kp_vectors, dtype=np.float64) @ S.T.astype(np.float64)  # (n_kp, n_sent)
        s_terms = [content_terms(s) for s, _ in keep]
        ov = np.array([[overlap(content_terms(kp), st, q_terms) for st in s_terms] for kp in key_points])
        P = probability(cos, ov, params)
        from mlnotes.assistant.interview.contradiction import tokens

        sent_tokens = [tokens(s) for s, _ in keep]
        has = _TermMatcher(embed, params.synonym_threshold, word_cache)
        CE = None
        if checker is not None:
            from mlnotes.assistant.interview import checker as _ck

            checker_mode = checker_mode or _ck.MODE
            if checker_mode not in _ck.MODES:
                raise ValueError(f"checker_mode must be one of {_ck.MODES}, not {checker_mode!r}")
            checker_threshold = _ck.THRESHOLD if checker_threshold is None else checker_threshold
            ask = [(i, j) for i in range(len(key_points)) for j in range(len(keep))
                   if checker_mode == "checker" or P[i, j] >= params.threshold]
            CE = np.full(P.shape, np.nan)
            if ask:
                probs = np.asarray(checker([(key_points[i], keep[j][0]) for i, j in ask]), dtype=np.float64)
                for (i, j), pr in zip(ask, probs):
                    CE[i, j] = pr
        combined: dict[int, tuple[float, int | None]] = {}
        if combiner is not None or features_out is not None:
            from mlnotes.assistant.interview.combine import COS_FLOOR, pair_features

            q_cos = S.astype(np.float64) @ np.asarray(question_vector, dtype=np.float64)
            for i, kp in enumerate(key_points):
                req = required_terms(kp, question, params.term_df, max_df=params.required_max_df)
                obj_i = claim_object(kp)
                others = np.delete(cos, i, axis=0)
                sv = support[i] if support is not None and i < len(support) else None
                s_cos = (np.asarray(sv, dtype=np.float64) @ S.T.astype(np.float64)).max(axis=0) if sv is not None \
                    else cos[i]
                rows = []
                for j in range(len(keep)):
                    if cos[i, j] < COS_FLOOR:
                        continue
                    x = pair_features(kp, question, keep[j][0], cos=float(cos[i, j]), overlap=float(ov[i, j]),
                                      margin=float(cos[i, j] - (others[:, j].max() if len(others) else 0.0)),
                                      cos_question=float(q_cos[j]), cos_support=float(s_cos[j]),
                                      sent_tokens=sent_tokens[j], has=has,
                                      params=params, required=req, obj=obj_i)
                    rows.append((j, x))
                if features_out is not None:
                    features_out[i] = [(keep[j][0], x) for j, x in rows]
                if combiner is not None:
                    probs = [(combiner.probability(x), j) for j, x in rows]
                    combined[i] = max(probs) if probs else (0.0, None)
        for i, kp in enumerate(key_points):
            need = (required_terms(kp, question, params.term_df, max_df=params.required_max_df) if checks
                    else set())
            obj = claim_object(kp) if checks else None
            # a sentence above the threshold counts only if it neither contradicts the key point nor merely
            # lists its terms, and names a required term and the claim's object; the best such sentence (by
            # probability) is the evidence
            refused: list[tuple[float, int, str, bool]] = []
            passed: list[int] = []
            for j in np.argsort(-P[i], kind="stable"):
                j = int(j)
                if P[i, j] < params.threshold:
                    break
                why = None
                if checks:
                    why = contradiction(kp, keep[j][0], question) or replaced_term(
                        kp, keep[j][0], has.similarity, lead_max_similarity=params.synonym_threshold)
                if why is not None:
                    refused.append((float(P[i, j]), j, why, True))
                    continue
                if checks and only_listed(kp, keep[j][0], question):
                    refused.append((float(P[i, j]), j, "names the key point's terms without relating them", False))
                    continue
                if checks and meta_talk(kp, keep[j][0]):
                    refused.append((float(P[i, j]), j, "talks about the key point's words (where they come up) "
                                    "instead of stating its claim", False))
                    continue
                if need and len(has.found(kp, need, sent_tokens[j])) < max(1, int(params.required_share * len(need))):
                    refused.append((float(P[i, j]), j, "is close in topic but does not state the key point's claim",
                                    False))
                    continue
                if obj and not states_object(has.found(kp, obj[1], sent_tokens[j]), sent_tokens[j]):
                    refused.append((float(P[i, j]), j, f"does not say what '{obj[0]}' applies to (the key "
                                    "point names it)", False))
                    continue
                passed.append(j)
                if CE is None or checker_mode != "rules":
                    break  # without the checker (or when it decides anyway) the first passing sentence is enough
            best = passed[0] if passed else None
            claim_p = comb_p = None
            if combiner is not None:
                # the learned combination decides; the rules' findings stay as the explanation of a refusal
                cp, cj = combined[i]
                comb_p = round(cp, 4)
                if cj is not None and cp >= combiner.threshold and not passed and P[i, cj] < params.threshold \
                        and _below_threshold_veto(refused) is not None:
                    # round 10b: below the rules' coverage threshold the model may not credit an answer that
                    # contradicts the key point in another sentence (the contradiction stays the explanation)
                    cj = None
                if cj is not None and cp >= combiner.threshold:
                    best = cj
                else:
                    if cj is not None and not refused:
                        refused.insert(0, (float(P[i, cj]), cj, "is close in topic but does not state the key "
                                           "point's claim", False))
                    best = None
            if CE is not None:
                # the learned checker decides among the eligible sentences; the rules' findings stay as the
                # explanation of a refusal
                if checker_mode == "rules":
                    elig = passed  # every sentence above the threshold that passes the rules
                else:
                    elig = [j for j in range(len(keep)) if not np.isnan(CE[i, j])]
                elig = [int(j) for j in elig]
                top = max(elig, key=lambda j: CE[i, j]) if elig else None
                claim_p = round(float(CE[i, top]), 4) if top is not None else None
                if top is not None and CE[i, top] >= checker_threshold:
                    best = top
                else:
                    if top is not None and not any(r[1] == top for r in refused):
                        refused.insert(0, (float(P[i, top]), top, "does not state the key point's claim (the "
                                           f"claim checker gives it {CE[i, top]:.2f}; "
                                           f"{checker_threshold:.2f} is needed)", False))
                    best = None
            if best is not None:
                j = best
                results.append(KeyPointResult(kp, True, round(float(P[i, j]), 4), keep[j][0],
                                              round(float(cos[i, j]), 4), round(float(ov[i, j]), 4),
                                              claim_probability=claim_p, combined_probability=comb_p))
                continue
            j = refused[0][1] if refused else int(np.argmax(P[i]))
            contra = next((r for r in refused if r[3]), None)
            results.append(KeyPointResult(
                kp, False, round(float(P[i, j]), 4), keep[j][0], round(float(cos[i, j]), 4),
                round(float(ov[i, j]), 4), contradicted=contra is not None,
                contradiction=keep[contra[1]][0] if contra else None,
                reason=contra[2] if contra else (refused[0][2] if refused else None), claim_probability=claim_p,
                combined_probability=comb_p))
        # a sentence credited for one key point is not presented as contradicting another one (a correct
        # statement of the precision point is not a wrong statement of the recall point)
        credited = {r.evidence for r in results if r.covered}
        for r in results:
            if r.contradicted and r.contradiction in credited:
                r.contradicted, r.contradiction, r.reason = False, None, None
    else:
        results = [KeyPointResult(kp, False, 0.0, None, 0.0, 0.0) for kp in key_points]
    if checks and candidates:
        # echoes of the question are searched too: "at inference it does the same thing" restates the question's
        # "at inference" and is still the sentence that conflicts with the inference key point
        cc = np.asarray(kp_vectors, dtype=np.float64) @ np.asarray(sent_vecs, dtype=np.float64).T
        _find_conflicts(results, key_points, question, candidates, cc)
    score = round(10.0 * sum(r.covered for r in results) / len(results), 1)
    return GradeResult(score=score, key_points=results, flags=flags, sentences=len(sents),
                       counted_sentences=len(keep), ignored=ignored)


def _below_threshold_veto(refused: list[tuple[float, int, str, bool]]) -> str | None:
    """Round 10b: why the learned combination may not credit a sentence that no rule refused but that lies below
    the rules' coverage threshold, or None: another sentence of the answer, above the threshold, was refused as
    contradicting the key point (its reason is returned). "LambdaRank doesn't weight pairs by NDCG; all pairs get
    the same RankNet gradient": the second clause elaborates the denial, and the model, which sees no negator,
    credited it. (Refusing as well a below-threshold sentence whose parity of negators differs from the key
    point's was tried and rejected: it cost 4-6 paraphrases per development set.)"""
    contra = next((r for r in refused if r[3]), None)
    return contra[2] if contra is not None else None


def _find_conflicts(results: list[KeyPointResult], key_points: Sequence[str], question: str, sentences: list[str],
                    cos: np.ndarray) -> None:
    """Feedback only: for each key point missed without a contradiction, the sentence closest to it (by cosine,
    at least ``CONFLICT_MIN_COS``) that a contradiction rule or a feedback-only contrast flags. A sentence
    credited for another key point that itself uses the answer's contrasting words is about that key point's
    subject (a right precision sentence is not a wrong recall sentence) and is skipped."""
    from mlnotes.assistant.interview.contradiction import CONFLICT_MIN_COS, answer_side, conflict, stems

    for i, r in enumerate(results):
        if r.covered or r.contradicted:
            continue
        for j in np.argsort(-cos[i], kind="stable"):
            j = int(j)
            if cos[i, j] < CONFLICT_MIN_COS:
                break
            why = conflict(key_points[i], sentences[j], question)
            if why is None:
                continue
            said = answer_side(why)
            said_stems = set(stems(said)) if said else set()
            if said_stems and any(o.covered and o.evidence == sentences[j] and said_stems <= set(stems(o.key_point))
                                  for o in results):
                continue
            r.conflict, r.conflict_reason = sentences[j], why
            break


class _TermMatcher:
    """Which words of a sentence stand for a key point's terms: the term itself (same Snowball stem) or, when
    ``threshold`` is set, a word whose MiniLM vector has cosine >= ``threshold`` with the term's word
    ("expensive" for "costly"). Word vectors are kept in ``cache`` (a dict the caller may share between
    calls; a fresh one per call otherwise)."""

    def __init__(self, embed: Embed, threshold: float | None, cache: dict[str, np.ndarray] | None = None) -> None:
        self.embed, self.threshold = embed, threshold
        self._vecs: dict[str, np.ndarray] = cache if cache is not None else {}

    def _vectors(self, ws: list[str]) -> np.ndarray:
        got = {w: self._vecs.get(w) for w in ws}
        todo = sorted(w for w, v in got.items() if v is None)
        if todo:
            new = dict(zip(todo, np.asarray(self.embed(todo), dtype=np.float64)))
            got.update(new)
            if len(self._vecs) > 50_000:  # a long-running server: start the shared cache afresh
                self._vecs.clear()
            self._vecs.update(new)
        return np.stack([got[w] for w in ws])

    def similarity(self, a: str, b: str) -> float:
        """MiniLM cosine between two single words."""
        va, vb = self._vectors([a.lower(), b.lower()])
        return float(va @ vb)

    def found(self, key_point: str, terms: set[str], sent: tuple[list[str], list[str]]) -> dict[str, list[int]]:
        """For each term that the sentence states: the positions of the words that state it."""
        from mlnotes.assistant.interview.contradiction import (
            NEGATION_STEMS,
            are_opposites,
            glue_stems,
            tokens,
        )

        sw, ss = sent
        out = {t: [i for i, s in enumerate(ss) if s == t] for t in terms}
        out = {t: v for t, v in out.items() if v}
        missing = terms - set(out)
        if not missing or self.threshold is None:
            return out
        kw, ks = tokens(key_point)
        skip = glue_stems() | NEGATION_STEMS
        pos = [i for i, (w, t) in enumerate(zip(sw, ss)) if t not in skip and len(w) > 2]
        for t in sorted(missing):
            tw = sorted({w for w, k in zip(kw, ks) if k == t})
            cand = [i for i in pos if not are_opposites(t, ss[i])]  # "positives" never stands for "negatives"
            if not tw or not cand:
                continue
            sims = (self._vectors(tw) @ self._vectors([sw[i] for i in cand]).T).max(axis=0)
            hits = [i for i, c in zip(cand, sims) if c >= self.threshold]
            if hits:
                out[t] = hits
        return out


#: Words that put a noun in relation to a claim's verb: "corrects *for* the number of predictors",
#: "*penalises* adding predictors", "is *governed by* the acceptance rate".
_RELATION_STEMS = frozenset({"for", "on", "by", "to", "with", "against", "of", "per", "penal", "govern", "determin",
                             "hing", "driven", "affect", "function"}) | QUALIFIER_STEMS


def _relational(stem: str) -> bool:
    return stem in _RELATION_STEMS or (len(stem) > 4 and any(stem.startswith(r) for r in _RELATION_STEMS
                                                             if len(r) > 4))


def states_object(found: dict[str, list[int]], sent: tuple[list[str], list[str]]) -> bool:
    """Some word naming the object is the object of a relation: a preposition or a relational verb stands
    within the eight words before it ("accounts for how many predictors", "penalises adding predictors"; not
    "you add more predictors")."""
    ss = sent[1]
    return any(_relational(ss[k]) for v in found.values() for i in v for k in range(max(0, i - 8), i))


class Grader:
    """:func:`grade_answer` with an embedder, a cache of key-point and question vectors per question id and
    the learned claim checker.

    ``checker``: a :data:`Checker` to use; ``"auto"`` (default): the process-wide trained checker when the
    ``claim_checker`` setting (``MLNOTES_CLAIM_CHECKER``) is on, loaded (or trained, once) at the first
    grading; None: the word rules only. A checker that cannot be had leaves the rules with a warning.

    ``combiner``: a :class:`~mlnotes.assistant.interview.combine.Combiner`; ``"auto"`` (default): the one
    stored in ``combine.json`` (None there when the rules won the leave-one-set-out estimate); None: the
    rules decide.
    """

    def __init__(self, embedder: Any = None, params: GraderParams | None = None, checker: Any = "auto",
                 combiner: Any = "auto") -> None:
        self._embedder = embedder
        self.params = params or default_params()
        self._cache: dict[str, tuple[np.ndarray, np.ndarray, list[np.ndarray | None]]] = {}
        self._words: dict[str, np.ndarray] = {}  # MiniLM vectors of single words, shared by all gradings
        self._checker = checker
        if isinstance(combiner, str):
            from mlnotes.assistant.interview.combine import default_combiner

            combiner = default_combiner()
        self.combiner = combiner

    @property
    def checker(self) -> Checker | None:
        if isinstance(self._checker, str):
            from mlnotes.assistant.settings import get_settings

            if get_settings().claim_checker == "off":
                self._checker = None
            else:
                from mlnotes.assistant.interview.checker import get_checker

                self._checker = get_checker()
        return self._checker

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from mlnotes.kb.embedding import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embedder.encode(list(texts)), dtype=np.float32)

    def grade(self, q: Any, answer: str) -> GradeResult:
        """Grade against an :class:`mlnotes.kb.interview.InterviewQuestion` (uses ``q.question`` and ``q.key_points``)."""
        validate_answer(answer)
        key = q.id
        if key not in self._cache:
            from mlnotes.assistant.interview.combine import support_vectors

            v = self.embed(list(q.key_points) + [q.question])
            sup = support_vectors(q, self.embed) if self.combiner is not None else []
            self._cache[key] = (v[:-1], v[-1], sup)
        kp_vecs, q_vec, sup = self._cache[key]
        return grade_answer(q.question, q.key_points, answer, self.embed, self.params, kp_vecs, q_vec,
                            word_cache=self._words, checker=self.checker, combiner=self.combiner,
                            support=sup or None)
