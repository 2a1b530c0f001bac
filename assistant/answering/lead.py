"""Answer-first composition: the sentence(s) that answer the question directly, chosen by its intent.

:func:`mlnotes.assistant.intent.classify_intent` reads what the question asks for; this module picks what an answer of
that kind starts with, from the scored candidates of the retrieved sections (pure functions, no I/O):

* ``definition`` — a defining sentence ("X is ...", "X measures ...") that names the question's subject;
* ``formula`` — a sentence that carries the formula (inline math or an equation);
* ``complexity`` — the row of a complexity table, shown with its header: the rows of
  ``guides/algorithm-complexity.md`` whose algorithm name matches the question's subject, else a table row or a
  Big-O sentence of a retrieved section (:func:`complexity_rows` finds the guide's rows). A question that gives
  sizes and asks about time, memory or feasibility (:func:`asks_cost`) gets these rows whatever its intent reads,
  with the rows of the same algorithm that differ by the regime, the one its sizes fit first
  (:func:`complexity_lead_rows`), and the section's worked figure (:func:`states_estimate`);
* ``comparison`` — a sentence that names both sides, then the best sentence about each side (:func:`sides`);
* ``how_to_choose`` — a recommendation ("use ...", "prefer ...", "start with ..."); a question that asks how many
  or how much a goal needs ("how many ... do I need so that ...") is not restricted to one;
* ``code`` — handled by the caller with :func:`code_block` (a tested fenced block of a cited section that fits the
  library and technique the question names: ``compose.code_fit``);
* ``why_how`` and ``debugging`` — the best-scored sentence.

The lead is taken from the best-supported of the top ``LEAD_POOL_RANKS`` retrieved chunks, not blindly from the
first hit (:func:`pick_lead`). The rules' hard filters (:func:`lead_pool`: usable, standalone sentences; not another
method's list item; not a sentence about a demo, experiment or template the reader has not seen, nor the report of
its outcome (:func:`reports_run`, round 11), nor one that points at content the answer does not show ("... maximize
this difference ...", "Look at how ...": :func:`points_to_unseen`, round 12; then a lower-ranked chunk's sentence
when the top chunks hold nothing else); a recommendation for a how-to-choose question when there is one, unless
it asks how much of something a goal needs, :func:`asks_needed_quantity`, round 13; a method's history, a
shell-noun subject or a list of bold labels only when nothing else can, :func:`sets_up`, :func:`leans_on_context`,
rounds 14-15) decide
which candidates may lead. The hand-tuned value (:func:`rule_value`) orders them: a candidate's score plus its intent bonus, plus
``SECTION_REPEAT_BONUS`` for each other top chunk of the same section (a section that several of the top chunks come
from is better supported by retrieval than one that a single chunk reaches), minus ``RANK_PENALTY`` per rank, plus
the heading, short-answer and head-term bonuses. Since round 10 a learned ranker
(:mod:`mlnotes.assistant.answering.lead_model`, weights in ``lead_ranker.json``) then reorders the first eight of that
order by the rules' value plus a weighted sum of the candidate's features; it was fitted on 1,434 hand-labelled
candidates of 199 development questions (round 11: fresh7 and fresh8 added) and chose a labelled answer for more of
them than the rules in grouped cross-validation (docs/answer-quality.md, "Round 10: learned lead ranker" and "Round
11: leads (lead16i)"). Without the file, or when it is not
marked as the default, the rules' first candidate leads. The remaining sentences are chosen by
:func:`mlnotes.assistant.answering.scoring.choose` as before and follow the lead, each with its citation.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mlnotes.assistant.answering.candidates import Candidate, opens_on_here
from mlnotes.assistant.answering.scoring import (
    _NOT_A_NOUN,
    Scored,
    antecedent,
    continues_before,
    cut_off,
    dangles,
    describes_figure,
    ordinal_subject,
    solution_stands_alone,
)
from mlnotes.kb.bm25 import tokenize
from mlnotes.kb.markdown import CodeBlock, Document, split_sentences
from mlnotes.kb.query import diagnosis

if TYPE_CHECKING:
    from mlnotes.assistant.answering.lead_model import LeadRanker

LEAD_RANKS = 3  # the lead comes from one of the top three retrieved sections
# the lead of the generic path (pick_lead): from the top five chunks, the best candidate after its intent bonus, a
# bonus per other top chunk of the same section and a penalty per rank. Chosen on gold tune + the external set (a
# development set) with the offline simulation described in docs/answer-quality.md; never on gold heldout.
LEAD_POOL_RANKS = 5
SECTION_REPEAT_BONUS = 0.3
RANK_PENALTY = 0.05
# a definition question's lead should be about the subject: a sentence that opens with it, more so when it then
# says what the subject is ("t-SNE is ...") rather than something about it ("Distances ... in t-SNE are ..."). Chosen
# on the external set (no gold tune answer changes with it): 2 of its 62 questions gain, none lose
DEFINITION_SUBJECT_FIRST = 0.3
DEFINITION_SUBJECT_IS = 0.2
# a lead of fewer than SHORT_WORDS words loses SHORT_PENALTY: fragments such as a bank key point ("The averaging is
# an all-reduce.") often outscored the sentence that answers. Both weights below were chosen on 42 gold tune
# questions whose top 8 lead candidates were labelled by hand (answers the question as a first sentence, or not;
# docs/answer-quality.md): with the pointer and recommendation rules the lead was a labelled answer for 25 of 42,
# with these two terms 28 (SHORT_PENALTY 0.15-0.25 and HEADING_BONUS 0.1-0.3 all gave 27-28); gold heldout never used
SHORT_WORDS = 9
# plus HEADING_BONUS times the share of the subject terms that the candidate's section heading names: a sentence of
# the section about the asked thing beats an equally scored one of a section that mentions it in passing
HEADING_BONUS = 0.2
# a lead from a lower-ranked section than the first retrieved one only when it is not clearly outscored by the best
# candidate of that first section (round 12, lead16m): the repeat bonus of a section that several lower chunks come
# from (0.3 each) outweighed a first-section sentence with twice the score (f10-08: "Keep credentials ... out of
# code" of the top section "Secrets", score 0.49, lost to a Kubernetes probe sentence of ranks 3-4, score 0.22).
# The first section's candidate leads when its score beats the chosen lead's by at least TOP_SECTION_MARGIN. Chosen
# on the 354 development questions (gold tune, external, fresh1-10) whose lead pick_lead chooses: 0.2 changes only
# f10-08's lead; 0.15 also ml-23's (both sections labelled) and ml-47's (to an unlabelled one); docs/answer-quality.md
TOP_SECTION_MARGIN = 0.2
# ... and (round 14, lead16r) by at least REPEAT_LEAD_MARGIN when the chosen lead won only by the repeat bonus of its
# section: f11-07's first section held "For production monitoring the panels change to ..." (0.479), three chunks of
# a lower section (Plotly Dash) gave "Dash suits the dashboards ..." (0.375) +0.6. Chosen on the 373 development
# questions (gold tune, external, fresh1-11) whose lead pick_lead chooses: with any higher score (margin 0) 17 leads
# moved, 4 of them to a worse sentence (fr-06, ml-24, g495, g262) all with gaps under 0.035; with 0.1 five move
# (f11-07, f11-16, f2-16, g174, ml-23), none to a worse one; docs/answer-quality.md, "Round 14 (lead16r)"
REPEAT_LEAD_MARGIN = TOP_SECTION_MARGIN / 2
RECOMMEND_BONUS = 0.2  # a how-to-choose lead that recommends (28 -> 29 of the 42 labelled; 0.3 the same)
SHORT_PENALTY = 0.2
# a definition lead that is a sentence of the short answer of a bank entry of its section: the corpus' own reviewed
# answer to the question that section asks ("The data is split into k folds; the model is trained k times ..."
# for k-fold cross-validation, not "The average of the fold scores estimates ..." of a later piece). Chosen on
# gold tune (answer-first and the 42 hand-labelled leads) and the external set; see docs/answer-quality.md
SHORT_ANSWER_BONUS = 0.15
# a formula lead whose equation has the subject on its left-hand side ("$\operatorname{softmax}(z)_k = ...$") is the
# asked formula; a neighbour's equation that merely mentions the subject ("$\operatorname{logsumexp}(z) = ...$" in a
# note about softmax, or "$p = \operatorname{softmax}(z)$") is not. Times the share of the subject's terms the left
# side names: with the whole bonus for one generic term, a gold tune question about the log-derivative trick led with
# a softmax-policy gradient ("... \log\pi(a|s) = ...")
FORMULA_SUBJECT_BONUS = 0.2
# a definition lead that names the most specific term of the subject (its rarest in the corpus, by BM25's IDF):
# "What is stratified cross-validation?" is answered by "Stratified k-fold keeps the class proportions ...", not by
# a defining sentence of plain k-fold cross-validation that names two of its three terms (ml-30 of the external
# set, once "..., and when should we use it?" was read as a definition first)
DEFINITION_HEAD_BONUS = 0.15

# a sentence that opens with exactly the side it describes (no modifier first) is about that side, not about a
# variant of it; chosen on f3-05 (development) and checked on every comparison of gold tune and the external set
SIDE_FIRST_BONUS = 0.15

# names written several ways in questions and in the corpus, mapped to one form before tokenizing
_ALIASES = (
    (re.compile(r"\bk[- ]?nearest[- ]neighbou?rs?\b|\bk[- ]?nn\b", re.I), "knn"),
    (re.compile(r"\bk[- ]means\b", re.I), "kmeans"),
    (re.compile(r"\bnets\b", re.I), "networks"),
    (re.compile(r"\bsupport[- ]vector[- ]machines?\b", re.I), "svm"),
    (re.compile(r"\bprincipal component analysis\b", re.I), "pca"),
    (re.compile(r"\bstochastic gradient descent\b", re.I), "sgd"),
    # the direction of a recurrent network in an asker's words: "biLSTM", "Bi-GRU", "one-direction LSTM",
    # "bi-directional" are the notes' "bidirectional LSTM", "bidirectional GRU", "unidirectional", "bidirectional"
    # (f13-05: "bidirectional LSTM vs a normal one-direction LSTM ... can I use a biLSTM ...")
    (re.compile(r"\bbi-?(lstm|gru|rnn)(s?)\b", re.I), r"bidirectional \1\2"),
    (re.compile(r"\b(?:one|single|uni)[- ]?direction(?:al)?\b", re.I), "unidirectional"),
    (re.compile(r"\b(?:two|bi)[- ]direction(?:al)?\b", re.I), "bidirectional"),
)
# words that say what kind of answer is wanted, not what it is about
_CUE_WORDS = frozenset(tokenize(
    "what is are the a an of time space memory complexity complexities cost costs big o computational compute "
    "training train inference prediction predict query queries how expensive much scale scales does do explain "
    "define definition meaning difference differences between versus vs compare comparison and or which when "
    "should would could choose pick use using formula equation derive write code implement implementation python "
    "numpy from scratch show me give example function why work works mean means tell about know you can in with "
    "for to it its their there per step flops parameters params number many"))
_DEFINING_RE = re.compile(r"\b(?:is|are|means|refers to|measures|describes|denotes|computes|estimates|"
                          r"is defined as|is called)\b", re.I)
# a recommendation: what to use, prefer or choose, or what suits a case (a bare "should" is not one: "PR curves
# should not be interpolated linearly" recommends nothing about when to use them). "use", "choose" and "pick" count
# only as advice: not after a subject, a relative pronoun or a negated report ("... state which variant you use"
# reports a use, it recommends nothing: f2-19; so does "the pipeline does not use the feature", and "training error
# alone would always choose the most complex model" predicts) and only with an object after them (not at the end of
# a clause). "recommends" and "the recommendation is" count (round 12: "Demšar recommends it for comparing two
# classifiers across many data sets" was no recommendation, f9-04); "recommendations" as a model's output do not;
# "A good learning rate lies in the steep descending region" says what to pick (round 15, f13-07)
# "... which makes them the best tool for testing ...", "X is the right tool", "is the standard choice" name what to
# pick (round 19, f16-08: the sentence naming sklearn's make_* generators counted as no advice)
_RECOMMEND_RE = re.compile(r"(?:(?<!\byou )(?<!\bwe )(?<!\bthey )(?<!\bwhich )(?<!\bthat )(?<!\bpeople )"
                           r"(?<!\bI )(?<!\bdoes not )(?<!\bdid not )(?<!\bdoesn't )(?<!\bdidn't )"
                           r"(?<!\bwould )(?<!\bwould always )(?<!\bwill )(?<!\bmight )(?<!\bcould )"
                           r"\b(?:use|choose|pick)\b(?!\s*[.,;:)\]]|\s*\[@|\s*$))|"
                           r"\b(?:prefer|start with|rule of thumb|recommend(?:s|ed)?|recommendations? (?:is|are)|default|"
                           r"go with|works? best|a good choice|a good (?:[\w-]+ ){1,2}?(?:is|are|lies|sits)|(?:is|are) better|better (?:for|when|if)|suits?|"
                           r"suited|(?:is|are) preferred|common choices?|should (?:use|be used|prefer|choose)|"
                           r"(?:the|a) (?:best|right|natural|standard|go-to) (?:tool|choice|option|pick|way|starting point)s?)\b",
                           re.I)


# a causative report of what something can use ("A binary missing indicator lets the model use the fact that a
# value was missing", f3-07) says what is possible, not what to do
_CAUSATIVE_BEFORE_RE = re.compile(r"\b(?:let|lets|letting|allow|allows|allowing|enable|enables|enabling|help|helps)"
                                  r"\s+(?:\S+\s+){0,3}$", re.I)


# a passive report of a library's setting before "by default" ("Squared hinge is differentiable and used by
# `LinearSVC` by default", f4-17): what a tool does, not advice ("Standardise by default" stays advice)
_PASSIVE_DEFAULT_RE = re.compile(r"\b(?:is|are|was|were)\s+(?:\w+\s+){0,4}?(?:\w+ed|\w+en|used|set|run|made|done|"
                                 r"built)\b[^.;]*\bby $", re.I)


def recommends(text: str) -> bool:
    """Whether ``text`` recommends what to use, prefer or choose (:data:`_RECOMMEND_RE`), not counting a "use"
    that reports what something lets another thing use, nor a passive report of what a tool does "by default"."""
    for m in _RECOMMEND_RE.finditer(text):
        word, before = m.group(0).lower(), text[: m.start()]
        if word in ("use", "choose", "pick") and _CAUSATIVE_BEFORE_RE.search(before):
            continue
        if word == "default" and _PASSIVE_DEFAULT_RE.search(before):
            continue
        return True
    return False


# a table column that gives advice: what each row is good for, when to use it, when to reach for something else
_ADVICE_HEADER_RE = re.compile(r"\b(?:good for|best (?:with|for)|use (?:it )?when|when to use|reach for|"
                               r"recommended)\b", re.I)


ADVICE_CELL_TERMS = 2  # an advice cell that names this many of the question's subject terms advises on its case


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def advice_cells(row: Candidate) -> str:
    """The text of ``row``'s cells under an advice column of its table (:data:`_ADVICE_HEADER_RE`: "good for",
    "best with", "use when"); ``""`` for a row of a table without one."""
    head = _cells(row.table_header.split("\n")[0]) if row.table_header else []
    cells = _cells(row.text)
    return " ".join(cells[k] for k, h in enumerate(head) if k < len(cells) and _ADVICE_HEADER_RE.search(h))


def advises_on_case(row: Candidate, subject: set[str]) -> bool:
    """Whether table row ``row`` advises on the case the question describes: its advice cell
    (:func:`advice_cells`) names at least ``ADVICE_CELL_TERMS`` of the question's ``subject`` terms, although its
    first cell, the item's name, may name none (round 18, f15-08: "which datasets would you pick for (a)
    multiplicative seasonality, (b) a multivariate VAR model, ...": "Air passengers ... | the classic multiplicative
    seasonality example", "statsmodels `macrodata` ... | VAR models, differencing, cointegration"; the asker does
    not know the items' names, that is what they ask)."""
    return row.kind == "table_row" and len(subject & terms(advice_cells(row))) >= ADVICE_CELL_TERMS


# a question that asks for a verdict on the asker's plan or on a choice of tools: "which makes more sense?", "should I
# ...", "will pandas read_csv cope", "is Triton overkill" (round 20, lead20: f17-08, f17-10)
_TOOL_VERDICT_RE = re.compile(r"\b(?:which (?:\w+ )?(?:makes? (?:more )?sense|is (?:better|right|the better)|would you "
                             r"(?:use|pick|choose|go with))|makes? (?:more )?sense|should (?:i|we)|would you (?:use|pick|"
                             r"choose|go with|recommend)|will (?:[\w.()]+ ){1,3}(?:cope|work|fit|scale|handle)|is (?:it|that|"
                             r"this|\w+) (?:overkill|enough|worth it))\b", re.I)


def asks_tool_verdict(intent: str, question: str) -> bool:
    """Whether ``question`` asks which tool or plan to go with (:data:`_TOOL_VERDICT_RE`) or reads as how to choose."""
    return intent == "how_to_choose" or bool(_TOOL_VERDICT_RE.search(question))


def row_item_named(question: str, row: Candidate) -> bool:
    """Whether ``question`` names the item of table row ``row``: the first term of the name its first cell gives
    (before a comma or a parenthesis: "NVIDIA" of "NVIDIA Triton Inference Server", "pandas") is a term of the
    question; a row of a table without an advice column (:data:`_ADVICE_HEADER_RE`) names no item to advise on."""
    if row.kind != "table_row" or not _ADVICE_HEADER_RE.search(row.table_header.split("\n")[0]):
        return False
    name = _ordered_name(re.split(r"[,(]", first_cell(row.text), maxsplit=1)[0])
    return bool(name) and name[0] in terms(question)


def _ordered_name(text: str) -> list[str]:
    """The terms of ``text`` in reading order."""
    return [t for t in (next(iter(terms(w)), None) for w in re.findall(r"[\w-]+", text)) if t]


def advises(t: Scored, subject: set[str]) -> bool:
    """Whether candidate ``t`` recommends something for the question's ``subject``. A sentence does when it
    recommends (:func:`recommends`); a table row only when its table has an advice column (:data:`_ADVICE_HEADER_RE`:
    "good for", "best with", "use when") and its first cell names the subject: the row "one-hot | ... | linear models,
    neural nets, low K" under "best with" advises on one-hot encoding (ml-57), the datasets row "California housing |
    ... | downloads on first use" advises nothing on a churn model's tools (f4-08, where its "use" read as advice);
    or (round 18) its advice cell names the asker's case (:func:`advises_on_case`)."""
    c = t.candidate
    if c.kind == "table_row":
        return bool(_ADVICE_HEADER_RE.search(c.table_header.split("\n")[0])
                    and (subject & terms(first_cell(c.text)) or advises_on_case(c, subject)))
    return recommends(c.text)


# a question that asks how much of something a stated goal needs ("how many labelled test examples do i need so
# that my accuracy estimate is accurate to plus or minus 1 point?", "what sample size do we need to detect ..."): a
# requirement, answered by the fact that states the quantity, not by advice on what to choose; "how many folds
# should I use" asks what to choose and keeps the advice filter
_NEEDED_QUANTITY_RE = re.compile(r"^\W*(?:(?:so|and|but|ok|okay|roughly|approximately|about)\W+)*"
                                 r"(?:how (?:many|much|large|big|long)|what (?:\w+ )?size)\b[^?;]*?"
                                 r"\b(?:do|does|did|would|will|must)\s+(?:i|we|you|one|it|they)\s+(?:really\s+)?"
                                 r"(?:need|require)\b", re.I)


def asks_needed_quantity(question: str) -> bool:
    """Whether ``question`` opens by asking how many or how much of something a goal needs ("how many ... do I
    need so that ...", "what sample size do we need ...", :data:`_NEEDED_QUANTITY_RE`): the answer states a
    quantity, so a how-to-choose reading does not restrict its lead to advice (:func:`lead_pool`)."""
    return bool(_NEEDED_QUANTITY_RE.match(question))


# -- why questions: a lead that restates the premise is followed by a reason -------------------------------------

# a why question whose lead shares at least this share of the premise's subject terms, with no causal word, only
# restates the premise (f3-16: "Batch norm allows larger learning rates, ..." for "Why can you use a bigger learning
# rate once batch normalization is in the network?")
PREMISE_SHARE = 0.5
# a reason or a mechanism: a causal connective, a clause of purpose or result, "by" with a gerund, an explanation
_REASON_RE = re.compile(r"\b(?:because|since\s+(?!\d)|so that|,\s*so\b|due to|owing to|thanks to|"
                        r"comes?\s+(?:\w+\s+)?from|stems? from|attributed to|explanations?|explains?|"
                        r"the reason|reasons? (?:is|are)|(?:this|that) is why|why it works|which (?:means|makes|lets|"
                        r"keeps|forces|prevents)|by\s+\w+ing|as a result|results? in|leads? to|in order to|"
                        r"therefore|hence|thus)\b", re.I)
_WHY_RE = re.compile(r"^\W*(?:(?:so|and|but|ok|okay)\W+)?(?:why\b|how come\b|(?:can you |please )?explain why\b|"
                     r"what is the reason\b|what makes\b)", re.I)
_WHY_OPENING_RE = re.compile(r"^\W*(?:(?:so|and|but|ok|okay)\W+)?(?:why|how come|(?:can you |please )?explain why|"
                             r"what is the reason|what makes)\s+(?:(?:do|does|did|is|are|was|were|can|could|"
                             r"would|should|will|has|have)\s+)?(?:(?:you|we|i|one|people)\s+)?", re.I)


# a claim that states its own benefit: a colon before a list of what it brings ("..., replacing large fully connected
# layers: far fewer parameters, less overfitting, ...", g619), a participle clause of effects, or a purpose ("... in a VAE's latent space for
# efficiency", g463)
_BENEFIT_RE = re.compile(r":\s+\S|\bfor (?:\w+ )?(?:efficiency|speed|stability|simplicity|memory|compute|"
                         r"robustness|generali[sz]ation)\b|"
                         # a participle clause of effects ("... downsamples feature maps, reducing computation and
                         # enlarging the receptive field", ml-24)
                         r",\s+(?:reducing|lowering|cutting|saving|increasing|enlarging|improving|preventing|"
                         r"avoiding|making|allowing|letting)\b", re.I)


def asks_why(question: str) -> bool:
    """Whether ``question`` asks for a reason ("Why ...", "How come ...", "Explain why ...", "What makes ...")."""
    return bool(_WHY_RE.match(question))


def gives_reason(text: str) -> bool:
    """Whether ``text`` carries a reason or a mechanism (:data:`_REASON_RE`)."""
    return bool(_REASON_RE.search(text))


# words of a premise that say how common or what shape the claim is, not what it is about ("Why do segmentation
# CNNs typically have an encoder-decoder style / structure?" is about segmentation CNNs and encoder-decoders: ml-25,
# whose lead restated that premise and counted as new because four of its eight terms were these)
_PREMISE_FILLER = frozenset(tokenize("have has had typically usually often generally commonly always mostly style "
                                     "structure kind sort type form shape"))


# a question that reports an observation and asks whether something is wrong ("my validation loss is lower than my
# training loss the whole run, which seems backwards. is something broken?": f11-18, round 13; "... What's wrong?"):
# the ask closes the question, the observation comes before it
_WRONG_ASK_RE = re.compile(r"(?:^|[.?!,;:]\s*|\s)(?:so\s+)?(?:is (?:something|anything) (?:broken|wrong)|"
                           r"is (?:this|that|it) (?:normal|expected|a bug|broken|wrong)|"
                           r"what(?:'s| is) (?:wrong|broken|going on)|"
                           r"did (?:i|we) (?:break something|do something wrong))\W*$", re.I)
# how many of the observation's terms a sentence must name to speak to it (:func:`states_cause`)
OBSERVATION_TERMS = 2


def asks_if_wrong(question: str) -> bool:
    """Whether ``question`` reports an observation and closes by asking whether something is wrong ("... is
    something broken?", "... What's wrong?", "... is this normal?": :data:`_WRONG_ASK_RE`), or asks, after it, why
    it happens (:func:`why_of_observation`: "... does terribly in the real environment. why does that happen ...?")."""
    m = _WRONG_ASK_RE.search(question.strip())
    return (bool(m) and bool(subject_terms(question[: m.start()]))) or why_of_observation(question) is not None


# a later piece of a question that asks why the statement before it holds, in words that point back at it: a bare
# "why" ("a reviewer says that standard error is wrong. why?"), "why does that/this/it happen", "why is that too
# optimistic", "why do people say comparisons like this are unfair" (round 16, f13-17/f13-16)
_BACK_RE = re.compile(r"^(?:(?:that|this|it)\b(?!\s+(?:is|are|was|were)\s+(?:a|an|the)\b)|$)|"
                      r"\b(?:like|such as) (?:this|that)\b|\b(?:this|that|it) (?:happens?|occurs?)\b|"
                      # "that" before a word of degree measures what was observed ("why would printing one number slow
                      # the GPU down that much?", f15-15; "why is the loss that high?")
                      r"\bthat (?:much|many|often|badly|bad|slow|slowly|fast|quickly|high|low|large|big|small|long|"
                      r"well|good)\b", re.I)
# a later piece that asks how the statement before it can be, in words that point back at it: "how is that (even)
# possible", "how can it fit labels that are pure noise", "how could this happen" (round 18, f15-16/f15-17): it asks
# for an explanation of the observation, as a later why ask does; "how does it differ" / "how do they compare" ask
# for a comparison
_HOW_BACK_RE = re.compile(r"^\W*(?:(?:and|but|so|then|ok|okay)\W+)?how\s+(?:(?:is|was|are|were)\s+(?:that|this|it)\s+"
                          r"(?:\w+\s+)?(?:possible|happening)\b|(?:can|could|would|does|did|do)\s+(?:that|this|it|they|"
                          r"these)\s+(?!(?:differ|compare|relate)\b)(?:\w+\s+)?\w+)", re.I)
# a piece that opens with an ask of its own: the statement of an observation does not
# (an auxiliary opens a yes/no ask only in the first piece: "but does terribly ..." continues a statement; a
# relative clause is no ask: "..., which is obviously false", "..., where 0.004 is the std of ...")
_ASK_OPEN_RE = re.compile(r"^\W*(?:(?:and|but|so|also|then|ok|okay)\W+)?(?:what(?:'s|s)?|how|why|whether|who|explain|"
                          r"describe|(?:can|could|would) you|which(?!\s+(?:is|are|was|were|seems?|means?|makes?)\b))\b",
                          re.I)


def why_of_observation(question: str) -> str | None:
    """The observation a question states before a later piece that asks why it happens (:data:`_BACK_RE`: the why
    ask points back at it, "why?", "why does that happen", "why is that too optimistic"), or ``None``: the text of
    the question's pieces before that why piece, when none of them holds an ask ("What is k-fold cross-validation
    and why is it better ...?" asks twice; "what's a U-Net? why does it have ...?" asks first)."""
    pieces = question_pieces(question)
    for i, p in enumerate(pieces[1:], 1):
        how = _HOW_BACK_RE.match(p)
        if not (how or _WHY_RE.match(p)):
            continue
        rest = _WHY_OPENING_RE.sub("", p + " ", count=1).strip(" ,.")
        before = pieces[:i]
        q = " ".join(question.split())
        asked = "?" in q[: q.find(p)] or _YES_NO_RE.match(before[0]) or any(_ASK_OPEN_RE.match(x) for x in before)
        if (how or _BACK_RE.search(rest)) and not asked and subject_terms(" ".join(before)):
            return ". ".join(before)
        return None
    return None


# words of a why ask that point back or report, not what the ask is about
_HOW_OPENING_RE = re.compile(r"^\W*(?:(?:and|but|so|then|ok|okay)\W+)?how\s+(?:is|was|are|were|can|could|would|does|"
                             r"did|do)\s+(?:that|this|it|they|these)\s+(?:(?:even|ever|really|at all|possibly)\s+)?"
                             r"(?:possible|happening)?", re.I)
_WHY_ASK_FILLER = frozenset(tokenize("what how why which whether that this these those it its like often happen "
                                     "happens occur occurs does do did is are was were be too so pretty very well quite"))


def why_claim_terms(question: str) -> set[str]:
    """The terms that a later why ask about a stated observation (:func:`why_of_observation`) names of its own: what
    it says of the observation ("why do people say comparisons like this are often unfair" -> {comparison,
    unfair}; "why is that too optimistic" -> {optimist}); empty for "why does that happen", a bare "why" and any
    other question. The setting before the ask supplies most of a question's terms; these say what is asked."""
    if why_of_observation(question) is None:
        return set()
    p = next(x for x in question_pieces(question)[1:] if _WHY_RE.match(x) or _HOW_BACK_RE.match(x))
    how = _HOW_BACK_RE.match(p)
    # "how can it fit labels that are pure noise" -> {fit, label, pure, noise}: the how opening and its pronoun go,
    # its verb stays; "how is that even possible, normal code would have crashed" -> {normal, code, crash}
    rest = (_HOW_OPENING_RE.sub("", p + " ", count=1) if how else _WHY_OPENING_RE.sub("", p + " ", count=1))
    return terms(rest) - _ASK_FILLER - _PREMISE_FILLER - _WHY_ASK_FILLER


def observation_terms(question: str) -> set[str]:
    """The subject terms of the observation that a question of :func:`asks_if_wrong` reports (the question before
    its closing ask, or before its later why ask: :func:`why_of_observation`), without words of frequency or shape;
    empty for any other question."""
    m = _WRONG_ASK_RE.search(question.strip())
    if m:
        return subject_terms(question[: m.start()]) - _PREMISE_FILLER
    seen = why_of_observation(question)
    return subject_terms(seen) - _PREMISE_FILLER if seen else set()


def states_cause(question: str, text: str) -> bool:
    """Whether ``text`` gives a cause for the observation of a question of :func:`asks_if_wrong`: it gives a reason
    or a mechanism (:func:`gives_reason`) and names at least ``OBSERVATION_TERMS`` of the observation's terms (all of
    them when it has fewer)."""
    seen = observation_terms(question)
    if not (seen and gives_cause(text)):
        return False
    have = terms(text)
    claim = why_claim_terms(question)
    # a why ask that names what it asks of the observation ("comparisons like this are often unfair", f13-16): the
    # cause names it too; the setting's words alone (xgboost, logistic, split) are no cause of it
    return len(seen & have) >= min(OBSERVATION_TERMS, len(seen)) and (not claim or bool(claim & have))


# a cause, not a mechanism or a purpose: the causal connectives of :data:`_REASON_RE` without "by" with a gerund,
# "in order to", "so that", "which lets/makes ..." ("Model-based methods learn the transition and reward model ...
# and use it to plan, either by generating simulated experience ..." says how they work, not why they fail: f13-17)
_CAUSE_RE = re.compile(r"\b(?:because|since\s+(?!\d)|,\s*so\b(?!\s+that\b)|due to|owing to|thanks to|caused by|"
                       r"comes?\s+(?:\w+\s+)?from|stems? from|attributed to|the reason|reasons? (?:is|are)|"
                       r"(?:this|that) is why|as a result|results? in|leads? to|therefore|hence|thus|"
                       # a causative verb with its object and infinitive: "... forces the CPU to wait for the GPU"
                       r"(?:forces?|forced|forcing|compels?)\s+(?:[\w`.()-]+\s+){1,4}?to\s+\w+)\b", re.I)


# a prescription: what to do, not why something happens. An instruction ("Look for ...", "Wrong by a lot: fix ...",
# "**Mixed precision**: wrap ...") or a list of remedies ("Training-side remedies include ...", "Remedies: ...")
_PRESCRIBES_RE = re.compile(r"^\W*(?:\*\*[^*]{1,60}\*\*[:.]?\s+|[^:;,.()$`]{1,40}:\s+)?(?:use|avoid|fix|check|look|try|"
                            r"add|set|wrap|create|run|compare|keep|make|start|apply|remove|reduce|increase|lower|raise|"
                            r"switch|replace|prefer|consider|move|call|clip|drop|stop|put|pass|freeze|tune|monitor|"
                            r"plot|inspect|verify|ensure|estimate|find|train|retrain|re-?label|visuali[sz]e|overfit)(?![\w-])|"
                            r"\b(?:remed(?:y|ies)|fix(?:es)?|cures?|mitigations?|countermeasures?)\s+(?:include|are|is)\b|"
                            # a list of remedies under its label: "Remedies: more history and origins, ..." (f16-18)
                            r"^\W*(?:the\s+)?(?:remed(?:y|ies)|fix(?:es)?|cures?|mitigations?|countermeasures?)\s*:\s",
                            re.I)


def prescribes(text: str) -> bool:
    """Whether ``text`` prescribes what to do (:data:`_PRESCRIBES_RE`: an instruction, after an optional bold or
    short label, or a list of remedies) rather than saying why something happens."""
    return bool(_PRESCRIBES_RE.search(text))


# a remedy: an instruction whose verb changes what is done (not one that only looks: "Look for ...", "Compare with
# ...", and not "lower"/"raise", which open many a statement as adjectives), or a list of remedies
_REMEDY_RE = re.compile(r"^\W*(?:\*\*[^*]{1,60}\*\*[:.]?\s+|[^:;,.()$`]{1,40}:\s+)?(?:use|avoid|fix|add|switch|replace|"
                        r"apply|prefer|consider|increase|reduce|remove|drop|freeze|clip|collect|gather|retrain|re-?label|"
                        r"regulari[sz]e|rebalance|resample|tune|stop)(?![\w-])|"
                        r"\b(?:remed(?:y|ies)|fix(?:es)?|cures?|mitigations?|countermeasures?)\s+(?:include|are|is)\b|"
                        r"^\W*(?:the\s+)?(?:remed(?:y|ies)|fix(?:es)?|cures?|mitigations?|countermeasures?)\s*:\s|"
                        # advice in the third person: "Cleaning rules should be written as code, ..." (f12-19)
                        r"^[^;:]{1,60}?\bshould\s+(?!not\b)(?:be\s+)?\w+", re.I)


def remedies(text: str) -> bool:
    """Whether ``text`` prescribes a remedy (:data:`_REMEDY_RE`): an instruction to change what is done ("Use
    GroupNorm ...", "**Fix:** replace ...", "Cleaning rules should be written as code ...") or a list of remedies ("Remedies: more history and origins, ...",
    "Training-side remedies include ..."); a narrower reading than :func:`prescribes`, whose instructions include
    looking ("Look for the intervals, drawn in red, ...")."""
    return bool(_REMEDY_RE.search(text))


def gives_cause(text: str) -> bool:
    """Whether ``text`` states a cause (:data:`_CAUSE_RE`: a causal connective, not a mechanism or a purpose)."""
    return bool(_CAUSE_RE.search(text))


# a why question that reports what people say ("why do people keep saying a plain linear model ... can match fancy
# transformer forecasters?", f11-16) asks why the claim holds: the verb of saying is no part of the premise
_REPORTED_RE = re.compile(r"^(?:(?:keep|kept|always|often|still)\s+)?(?:say|says|saying|said|claim|claims|claiming|"
                          r"think|thinks|thinking|argue|argues|arguing|insist|insists|insisting)\s+(?:that\s+)?", re.I)
# a short label that opens a sentence with a colon ("A caution backed by evidence: ..."): the colon introduces the
# sentence's claim, not a list of the benefits it states (:data:`_BENEFIT_RE`)
_OPENING_LABEL_RE = re.compile(r"^[^:;,.()$]{1,40}:\s+")


def premise_terms(question: str) -> set[str]:
    """The subject terms of a why question's premise: the question without its "Why can you ..." opening and
    without words of frequency or shape (:data:`_PREMISE_FILLER`). A why question that reports what people say
    ("Why do people keep saying (that) X? Is Y ...?": :data:`_REPORTED_RE`) asks about the reported claim X alone:
    its premise is the first piece (:func:`question_pieces`) without the verb of saying."""
    rest = _WHY_OPENING_RE.sub("", question, count=1)
    claim = _REPORTED_RE.sub("", rest, count=1)
    if claim != rest:
        first = (question_pieces(question) or [question])[0]
        claim = _REPORTED_RE.sub("", _WHY_OPENING_RE.sub("", first, count=1), count=1)
    return subject_terms(claim) - _PREMISE_FILLER


def states_benefit(text: str) -> bool:
    """Whether ``text`` states a benefit of its own (:data:`_BENEFIT_RE`: a colon before a list of what a claim
    brings, a purpose, a participle clause of effects); the colon after a short opening label
    (:data:`_OPENING_LABEL_RE`: "A caution backed by evidence: ...") does not count."""
    return bool(_BENEFIT_RE.search(_OPENING_LABEL_RE.sub("", text.lstrip("*_ "), count=1)))


def restates_premise(question: str, text: str) -> bool:
    """Whether ``text`` only restates the premise of the why ``question``: it names at least ``PREMISE_SHARE`` of
    the premise's subject terms (:func:`premise_terms`), gives no reason (:func:`gives_reason`) and states no
    benefit of its own (:func:`states_benefit`)."""
    premise = premise_terms(question)
    if gives_reason(text) or states_benefit(text):
        return False
    return bool(premise) and len(premise & terms(text)) >= PREMISE_SHARE * len(premise)


def about_premise(question: str, text: str) -> bool:
    """Whether ``text`` speaks to the premise of the why ``question``: it names at least ``PREMISE_SHARE`` of the
    premise's subject terms (:func:`premise_terms`), whether it only restates the premise or gives its reason."""
    premise = premise_terms(question)
    return bool(premise) and len(premise & terms(text)) >= PREMISE_SHARE * len(premise)


OPENING_WORDS = 8  # a sentence "opens on" a subject that its first eight words name


def opens_on(text: str, subject: set[str]) -> bool:
    """Whether the first ``OPENING_WORDS`` words of ``text`` name every term of ``subject``."""
    return subject <= terms(" ".join(_WORD_RE.findall(normalize(text))[:OPENING_WORDS]))


def claim_with_reason(question: str, t: Scored, scored: Sequence[Scored]) -> bool:
    """Whether candidate ``t`` restates the premise of the why ``question`` (:func:`restates_premise`), naming more
    than half of its terms, and another usable candidate of its chunk gives a reason (:func:`gives_reason`). Half
    is not enough: "Activation outliers in LLMs make naive 8-bit activation quantization lose accuracy" names two
    of the four terms of "why do LLMs make things up?" (g263, gold tune)."""
    premise = premise_terms(question)
    return restates_premise(question, t.candidate.text) and len(premise & terms(t.candidate.text)) * 2 > len(
        premise) and any(
        o.rank == t.rank and o.candidate is not t.candidate and usable(o) and gives_reason(o.candidate.text)
        for o in scored)


_BIG_O_RE = re.compile(r"\$?O\(|\bO\(")
_MATH_RE = re.compile(r"\$[^$]+\$|\s=\s|[=≈]")
_WORD_RE = re.compile(r"[A-Za-z][\w\-]*")
_ANAPHORA = frozenset({"that", "this", "these", "those", "it", "they", "such", "both"})
_COST_HEADER_RE = re.compile(r"time|complexity|cost|flops?|memory|parameters|inference|training", re.I)


def normalize(text: str) -> str:
    """``text`` with alias spellings (k-NN, k nearest neighbours, nets, ...) mapped to one form."""
    for rx, to in _ALIASES:
        text = rx.sub(to, text)
    return text


def terms(text: str) -> set[str]:
    """Stemmed content terms of ``text`` after alias normalisation."""
    return set(tokenize(normalize(text)))


def subject_terms(question: str) -> set[str]:
    """What the question is about: its content terms without the words that only say what kind of answer is
    wanted (time complexity, difference, formula, ...)."""
    return terms(question) - _CUE_WORDS


# the thing a "why/how does X ..." question asks about: the (at most two) words after its auxiliary, past articles and
# "single"/"plain" ("Why does a random forest usually overfit ...?" asks about "random forest"); not a pronoun ("How do
# you ...", "Why can we ...": the question then names its subject later, and no subject is read)
_ASKED_SUBJECT_RE = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay)\W+)?(?:why|how|when|where)\s+(?:does|do|did|dose|is|are|can|could|would|should|will|"
    r"might|may)\s+(?:(?:a|an|the|one|single|plain|vanilla)\s+)*(?P<x>[a-z][\w\-/]*(?:\s+[a-z][\w\-/]*)?)", re.I)
_PRONOUNS = frozenset({"i", "you", "we", "they", "it", "he", "she", "people", "someone", "one", "this", "that", "these",
                       "those", "there", "my", "our", "your", "their", "its"})


def asked_subject(question: str) -> set[str]:
    """The specific terms of the thing a "why/how does X ..." question asks about (:data:`_ASKED_SUBJECT_RE`), or
    the empty set when the question has no such opening or its subject is a pronoun."""
    m = _ASKED_SUBJECT_RE.match(" ".join(question.split()))
    if m is None or m.group("x").split()[0].lower() in _PRONOUNS:
        return set()
    return terms(m.group("x")) - _CUE_WORDS - GENERIC_HEADING_WORDS


# a question that sets its subject against another thing ("... overfit less than a single decision tree", "...
# compared with plain SGD"): the other thing is named too, and a bank entry about it alone is a neighbouring question
_SETS_AGAINST_RE = re.compile(r"\b(?:more|less|fewer|better|worse|\w{3,}er)\s+than\b|\bcompared (?:to|with)\b", re.I)


def contrasted_subject(question: str) -> set[str]:
    """The asked subject's terms (:func:`asked_subject`) of a question that sets its subject against another thing
    (:data:`_SETS_AGAINST_RE`), else the empty set: there the other thing is named too, and an answer about it
    alone answers a neighbouring question."""
    return asked_subject(question) if _SETS_AGAINST_RE.search(question) else set()


@dataclass(frozen=True)
class Sides:
    a: str
    b: str


_SIDES_RES = (
    re.compile(r"\bdif+e?r+[ae]nces? (?:between|of) (?P<a>.+?) (?:and|vs\.?|versus|&) (?P<b>.+?)(?:[?.!,;]|$)", re.I),
    re.compile(r"\bcompar(?:e|ing|ison of) (?P<a>.+?) (?:and|with|to|vs\.?|versus) (?P<b>.+?)(?:[?.!,;]|$)", re.I),
    # a parenthetical that closes the second side is its other name: "VGG vs Inception (GoogLeNet) - how do the two
    # designs differ?" compares VGG and Inception (f12-04 had no pair); one inside it ("normal (Lloyd) k-means")
    # still ends no side
    # a first side may close with its own other name ("masked autoencoders (MAE) vs contrastive ...", f13-04), and a
    # second side ends at a dash that opens the question ("... vs a normal one-direction LSTM - what's ...", f13-05)
    re.compile(r"(?P<a>[\w+\-. ]{2,40}?)(?:\s+\([^()]{1,40}\))? (?:vs\.?|versus) (?P<b>[\w+\-. ]{2,90}?)"
               r"(?:[?.!,;:]|\s+\([^()]{1,40}\)(?=\s*(?:[?.!,;:]|[-\u2013\u2014]\s|$))|\s+[-\u2013\u2014]+\s|$)",
               re.I),
    re.compile(r"\b(?:how|in what way) (?:does|do|is|are) (?P<a>.+?) (?:(?:behave|work|perform|act|learn|scale)s? )?"
               r"(?:differs?|different|differently) "
               r"(?:from|to|than) (?P<b>.+?)(?:[?.!,;]|$)", re.I),
    re.compile(r"\b(?:is|are) (?P<a>.+?) (?:better|worse|faster|slower) than (?P<b>.+?)(?:[?.!,;]|$)", re.I),
    re.compile(r"^(?:what(?:'s| is| are)|how (?:do|does)) (?P<a>.+?) (?:and|vs\.?) (?P<b>.+?) differ", re.I),
)
# a side loses its articles and a leading "plain"/"vanilla" ("plain stochastic gradient descent" is the method), a
# trailing "models"/"methods"/"training"/"pretraining" ("model parallel training" is model parallelism: f4-05;
# "contrastive pretraining" is the contrastive method: f13-04), and a trailing clause about where or when ("... in
# deep learning", "... for a column with thousands of values") or an example ("... like simclr"); a short "with"
# phrase names a variant and stays ("SGD with momentum", "Adam with weight decay"), a longer one is such a clause
# ("ridge regression with many correlated features")
_SIDE_TRIM = re.compile(r"^(?:the|a|an|what|is|are|between|plain|vanilla|ordinary|standard)\s+"
                        r"|\s+(?:in|for|when|on|during|like|such as)\s+.*$|\s+with(?:\s+\S+){3,}$"
                        r"|\s+(?:models?|methods?|(?:pre-?)?training)$", re.I)


# where a clause ends inside a side's match: a side runs from the last such break before "vs"/"and" (its first
# side) or up to the first one after it (its second side); "... restart loop. readiness vs liveness" compares
# readiness, not the loop (f10-06), "... is dangerous, why? isn't it better than failing" is not a comparison
_CLAUSE_BREAK_RE = re.compile(r"[?!;:]|\.(?:\s|$)|\s[-\u2013\u2014]+\s|\)")
# a question's own words: a side holding one is a clause, not a thing ("When to use a Label Encoding" loses its
# opening "When to use": a question word with its infinitive)
_SIDE_QUESTION_RE = re.compile(r"^(?:when|how|why|where|which|what) to \w+\s+"
                               r"|^(?:explain|describe|define|discuss)\s+", re.I)
_QUESTION_WORD_RE = re.compile(r"\b(?:what|why|how|which|when|where|who|whose)\b", re.I)
# a side made of a pronoun stands for a thing named elsewhere ("isn't it better than failing?", "them vs a paired
# t-test"): the question does not name that side
# ("one" and "I" are left out: "one stage vs two stage detectors", "Type I vs Type II error"; so is "that", which
# mostly opens a relative clause)
_SIDE_PRONOUN_RE = re.compile(r"\b(?:it|they|them|this|these|those|we|you)\b", re.I)
# the separators of a chain "A vs B vs C": each link is a compared thing
_VS_RE = re.compile(r"\s+(?:vs\.?|versus)\s+", re.I)


def _well_formed_side(raw: str, first: bool) -> str | None:
    """``raw`` as a compared thing: cut at the clause break nearest the comparison word (the last one of a first
    side, the first one or question word of a second), without edge punctuation, a leading question word with its
    infinitive or an instruction verb, articles and the trims of :data:`_SIDE_TRIM`; ``None`` when what is left is
    not a thing: it holds a question word or a pronoun, or has no content term."""
    parts = _CLAUSE_BREAK_RE.split(raw)
    side = (parts[-1] if first else parts[0]).strip(" \t,.'\"-(")
    side = _SIDE_QUESTION_RE.sub("", side)
    if not first:  # a second side ends where the next question starts ("type 2 error and what statistical power is")
        side = re.sub(r"\s+(?:and|or|but)$", "", _QUESTION_WORD_RE.split(side)[0].strip(), flags=re.I)
    side = _SIDE_TRIM.sub("", _SIDE_TRIM.sub("", side.strip()))
    side = side.strip(" \t,.'\"-")
    if not terms(side) or _QUESTION_WORD_RE.search(side) or _SIDE_PRONOUN_RE.search(side):
        return None
    return side


# an asking sentence that opens with a choice between two things ("chi square test or fisher's exact test for a
# 2x2 table?", "random forest or XGBoost, which to choose?", "should I use cosine or euclidean distance for ...?"):
# the sides are the named alternatives, read before any pair elsewhere in the question, which describes the asker's
# setting ("feature flag on vs off, 2 of 10 users converted ...": f12-06 compared "feature flag on" with "off", and
# "off" found "a written sign-off" in a model-governance section)
_ASKING_SENTENCE_RE = re.compile(r"(?:^|(?<=[.!?])\s+)([^.!?]+\?)")
_CHOICE_SIDES_RE = re.compile(r"^\W*(?:(?:so|and|but|ok|okay)\W+)?(?:(?:should|would|do|can|could) (?:i|we|you) "
                              r"(?:use|pick|choose|prefer|go with|try|apply|run)\s+)?"
                              r"(?P<a>[^,;:?()]{2,60}?),?\s+or\s+(?P<b>[^,;:?()]{2,60}?)\s*(?:[?,:;]|$)", re.I)
# the same choice asked as "is A a good pick or should I use B?" ("is AdaGrad a good pick or should I use RMSProp?",
# f13-08): the first alternative is judged by "a good/the right pick/choice/idea/...", the second is what the asker
# would use instead
_CHOICE_JUDGED_RE = re.compile(r"^\W*(?:(?:so|and|but|ok|okay)\W+)?(?:is|are|would) (?P<a>[^,;:?()]{2,60}?)\s+"
                               r"(?:(?:a|an|the)\s+)?(?:good|right|best|better|safe|sensible|reasonable|fine|ok)\s+"
                               r"(?:pick|choice|option|idea|fit|bet|default|call)(?:\s+here)?,?\s+or\s+"
                               r"(?:(?:should|would|do|can|could) (?:i|we|you) (?:just |rather |instead )?"
                               r"(?:use|pick|choose|prefer|go with|try|switch to|stick with|apply|run)\s+)?"
                               r"(?P<b>[^,;:?()]{2,60}?)\s*(?:instead\s*)?(?:[?,:;]|$)", re.I)
# an alternative holding an auxiliary or a question word is a clause, not a thing ("should i just use that split or
# re-split it", "what causes gradients to vanish or explode", "For logistic regression is newton's method / IRLS
# feasible or should i stick with lbfgs"), and a second one that only negates or widens the first ("or not", "or
# both") names no second thing
_CHOICE_CLAUSE_RE = re.compile(r"\b(?:should|would|do|does|did|can|could|is|are|was|were|will|shall|must|"
                               r"what|why|how|which|when|where|who)\b", re.I)
_CHOICE_NON_SIDE_RE = re.compile(r"^(?:not|both|neither|either|none|something|anything|so|whatever|else|other)\b",
                                 re.I)


def choice_sides(question: str) -> Sides | None:
    """The two alternatives an asking sentence of ``question`` opens with ("chi square test or fisher's exact test
    for a 2x2 table?" gives "chi square test" / "fisher's exact test", without the trailing "for ..." clause; "is
    AdaGrad a good pick or should I use RMSProp?" gives "AdaGrad" / "RMSProp": :data:`_CHOICE_JUDGED_RE`), or
    ``None`` when no asking sentence (one ending with a question mark) opens with "A or B"; each side must be a
    thing (:func:`_well_formed_side`) and neither a clause (an auxiliary or a question word: "should i just use
    that split or re-split it"), the second no "not" or "both"."""
    q = re.sub(r"\b(vs|versus)\.", r"\1", " ".join(question.split()), flags=re.I)
    for sentence in _ASKING_SENTENCE_RE.findall(q):
        m = _CHOICE_JUDGED_RE.match(sentence.strip()) or _CHOICE_SIDES_RE.match(sentence.strip())
        if (m is None or _CHOICE_CLAUSE_RE.search(m.group("a")) or _CHOICE_CLAUSE_RE.search(m.group("b"))
                or _CHOICE_NON_SIDE_RE.match(m.group("b"))):
            continue
        a, b = _well_formed_side(m.group("a"), True), _well_formed_side(m.group("b"), False)
        if a is not None and b is not None and terms(a) and terms(b) and terms(a) != terms(b):
            return Sides(a, b)
    return None


# a question that names two situations its question applies to ("same checks run when we build the training set and
# in the nightly batch scoring job", f14-08): each opens with "when"/"while"/"in"/"during"/"at", joined by
# "and"/"or"/"vs"; a count ("in 120 of the spam ones and in 30 of the non-spam ones", f10-01) names no situation
_SITUATIONS_RE = re.compile(r"\b(?:when|while|in|during|at)\s+(?P<a>[^,;:?.]{3,60}?)\s+(?:and|or|vs\.?|versus)\s+"
                            r"(?:(?:also|again)\s+)?(?:when|while|in|during|at)\s+(?P<b>[^,;:?.]{3,60})", re.I)
# a sentence that opens on a situation and says what holds in it ("In **training**, fail fast: ...", "In **batch
# scoring**, quarantine the violating rows, ...", "During inference, ...")
_OPENS_ON_SITUATION_RE = re.compile(r"^(?:in|for|during|when|at)\s+(?:the\s+)?(?P<x>[^,:;]{2,40}?)\s*,", re.I)


def situations(question: str) -> list[set[str]]:
    """The terms of the two situations a question names (:data:`_SITUATIONS_RE`: "when we build the training set"
    -> {build, train, set}, "in the nightly batch scoring job" -> {nightly, batch, score, job}), each without
    pronouns; ``[]`` when it names no such pair, a situation holds a digit (a count, not a situation) or the two
    share all their terms."""
    m = _SITUATIONS_RE.search(" ".join(question.split()))
    if m is None or any(ch.isdigit() for ch in m.group(0)):
        return []
    a, b = terms(m.group("a")), terms(m.group("b"))
    if not a or not b or a == b:
        return []
    return [a, b]


def addresses(text: str, situation: set[str]) -> bool:
    """Whether ``text`` opens on ``situation`` and says what holds in it: its opening phrase ("In **batch
    scoring**, ...": :data:`_OPENS_ON_SITUATION_RE`) names only terms of the situation, at least one."""
    m = _OPENS_ON_SITUATION_RE.match(text.strip().replace("**", "").replace("*", ""))
    if m is None:
        return False
    own = terms(m.group("x"))
    return bool(own) and own <= situation


# "normal"/"regular"/"usual" before a side says it is the default form of what the other side varies ("bidirectional
# LSTM vs a normal one-direction LSTM", f13-05): dropped when the rest of the side ends on the other side's head (its
# last term), so the side is named by its own words; kept otherwise ("RetNet vs a normal transformer decoder", f6-05:
# dropping it there changed the lead for the worse in round 15)
_DEFAULT_FORM_RE = re.compile(r"^(?:normal|regular|usual|conventional|traditional|typical|classic|default)\s+(?=\S)",
                              re.I)


def _without_default_form(side: str, other: str) -> str:
    """``side`` without a leading "normal"/"regular"/... when what is left ends on the head of ``other`` (the last
    term of the other side) and still has a modifier of its own ("one-direction LSTM"); else ``side`` unchanged
    ("normal distribution" against "t distribution" is the normal distribution, not a default distribution)."""
    rest = _DEFAULT_FORM_RE.sub("", side)
    words = tokenize(normalize(rest))
    head = tokenize(normalize(other))[-1:]
    own = terms(rest) - terms(other)
    return rest if rest != side and words and head and words[-1] == head[0] and own else side


def _plain_pair(a: str, b: str) -> Sides:
    return Sides(_without_default_form(a, b), _without_default_form(b, a))


def setting_terms(question: str, pair: Sides) -> set[str]:
    """The terms of the asker's setting around a choice: the subject terms of the sentences of ``question`` that
    ask nothing (no question mark: "training a model with a huge sparse embedding table (most ids show up rarely).",
    "it's a long run, like weeks"), without the alternatives' own terms and words as generic as "model"; empty
    when the question is all asking sentences."""
    q = " ".join(question.split())
    setting = _ASKING_SENTENCE_RE.sub(" ", q)
    return subject_terms(setting) - terms(pair.a) - terms(pair.b) - GENERIC_HEADING_WORDS


def sides(question: str) -> Sides | None:
    """The two things a comparison question compares ("LSTM and GRU"), or ``None`` when it names no pair: each side
    must be a thing (:func:`_well_formed_side`): not a clause across a sentence break, not holding a question word
    or a pronoun. In a chain "A vs B vs C" the first side holds all but the last link ("A vs B"):
    :func:`compared_items` splits it. An asking sentence that opens with a choice "A or B?" (:func:`choice_sides`)
    gives the pair before any other pattern: the alternatives asked about, not a pair of the asker's setting
    ("... feature flag on vs off")."""
    choice = choice_sides(question)
    if choice is not None:
        return _plain_pair(choice.a, choice.b)
    # "vs." is the comparison word, not a sentence's end ("Epoch vs. Batch vs. Iteration.")
    q = re.sub(r"\b(vs|versus)\.", r"\1", " ".join(question.split()), flags=re.I)
    for rx in _SIDES_RES:
        m = rx.search(q)
        if not m:
            continue
        a, b = _well_formed_side(m.group("a"), True), _well_formed_side(m.group("b"), False)
        if a is None or b is None:
            continue
        links = _VS_RE.split(b)
        if len(links) > 1:  # "simple vs weighted vs centred moving average": the pair is the last link and the rest
            a, b = " vs ".join([a, *links[:-1]]), links[-1]
        if terms(a) and terms(b) and terms(a) != terms(b):
            return _plain_pair(a, b)
    return None


def compared_items(question: str) -> list[str]:
    """The things a comparison question compares, two or more: "supervised, unsupervised, and reinforcement
    learning" gives three (:func:`sides` finds the last pair; a first side that is itself a list is split at its
    commas, "and"s, "or"s and "vs"s: "simple vs weighted vs centred moving average" gives three too); ``[]`` when
    it names no pair."""
    pair = sides(question)
    if pair is None:
        return []
    firsts = [x.strip() for x in re.split(r",|\band\b|\bor\b|\bvs\b\.?|\bversus\b", pair.a) if terms(x)]
    return [*firsts, pair.b] if firsts else [pair.a, pair.b]


def lacks_a_compared_item(question: str, entry_text: str) -> bool:
    """Whether a comparison question compares something that a bank entry never names: a compared item none of
    whose specific terms (not cue words, not words as generic as "learning" or "model") is in ``entry_text`` (the
    entry's question and short answer). "the differences between supervised, unsupervised, and reinforcement
    learning" is not answered by the entry on "supervised, unsupervised and self-supervised learning" (ml-33): its
    compared item "reinforcement learning" is central, and the entry's question and short answer never name it.
    One shared term is enough, so that an item worded otherwise ("LDA" in a short answer under "linear
    discriminant analysis", "cross-encoder rerankers") still finds its entry."""
    items = compared_items(question)
    if len(items) < 2:
        return False
    have = terms(entry_text)
    for x in items:
        specific = terms(x) - _CUE_WORDS - GENERIC_HEADING_WORDS
        if specific and not specific & have:
            return True
    return False


_COMPARES_RE = re.compile(r"\b(?:differ|differs|different|differently|difference|differences|versus|vs\.?|"
                          r"compare|compared|comparison)\b", re.I)


def reads_as_comparison(intent: str, question: str) -> bool:
    """Whether the answer should be composed as a comparison: the intent rules say so, or a why/how or definition
    question names two sides and asks how they differ ("How does SGD with momentum behave differently from plain
    stochastic gradient descent?" is a why/how question by the intent rules, f3-05)."""
    if intent == "comparison":
        return True
    return intent in ("why_how", "definition") and bool(_COMPARES_RE.search(question)) and sides(question) is not None


def names_subject(question: str, answer: str) -> bool:
    """Whether the first sentence of ``answer`` names the question's subject (one of its subject terms): a
    definition must say what it defines."""
    subject = subject_terms(question)
    first = split_sentences(" ".join(answer.split()))[:1]
    return not subject or bool(first and subject & terms(first[0]))


def side_terms(side: str, other: str | None = None) -> set[str]:
    """The terms that tell ``side`` apart from the ``other`` side of a comparison when ``side`` is a variant of it
    (the other side's terms are a proper subset of its own): the terms the other side lacks ("momentum" for "SGD
    with momentum" against "plain stochastic gradient descent", which is SGD); else all of its terms (the plain side
    "SGD", two sides that merely share a word, or no other side). A sentence about
    momentum names that side even when it does not repeat "SGD" (f3-05: no sentence named both "SGD" and
    "momentum", so the momentum side was never described)."""
    want = terms(side)
    if not other or not terms(other) < want:
        # two sides that share a word ("one-hot encoding" and "target encoding") are each named by all of theirs:
        # "target" alone names target leakage as well
        return want
    return want - terms(other)


def side_words(side: str, other: str | None = None) -> str:
    """The words of ``side`` that tell it apart from ``other`` ("momentum" for "SGD with momentum" against "SGD"),
    or the whole side when it has none of its own: what a question about that side alone should ask."""
    own = side_terms(side, other)
    if own == terms(side):
        return side
    return " ".join(w for w in side.split() if terms(w) & own) or side


# a modifier this rare in the corpus (BM25 idf; df <= ~17 of ~2,500 chunks) names its side alone: "bidirectional"
# (idf 5.2) and "unidirectional" (7.4) do, "batch", "layer", "data", "target" (idf 1.1-2.4) do not ("target" alone
# names target leakage as well as target encoding)
RARE_MODIFIER_IDF = 5.0


def modifier_terms(side: str, other: str, idf: Callable[[str], float]) -> set[str] | None:
    """The terms that name ``side`` by themselves when the two sides of a comparison differ only by a modifier of a
    shared head (both end on the same term: "bidirectional LSTM" / "one-direction LSTM"): the side's own terms
    (those the other lacks), when each is rare in the corpus (``idf(term) >= RARE_MODIFIER_IDF``). The notes
    describe such a modifier on a sibling head or none ("A bidirectional RNN runs a second RNN from right to left
    ...", "A unidirectional RNN reads left to right ..."), which the whole side's terms never name (f13-05).
    ``None`` for sides with different heads, a variant of the other side (:func:`side_terms` handles it), or a
    common modifier."""
    a, b = tokenize(normalize(side)), tokenize(normalize(other))
    if not a or not b or a[-1] != b[-1]:
        return None
    own, others = terms(side) - terms(other), terms(other) - terms(side)
    if not own or not others or any(idf(t) < RARE_MODIFIER_IDF for t in own):
        return None
    return own


def names_terms(text: str, want: set[str], close: bool = True) -> bool:
    """Whether ``text`` holds each term of ``want`` (or its plural, or with ``close``, for terms of four letters or
    more, a close spelling: a typo such as "baging"); ``False`` for no terms. Modifiers are matched without close
    spellings: "unidirect" is a close spelling of "bidirect". A hyphenated word names its closed-up spelling too
    ("warm-up" names "warmup", "pre-training" names "pretraining")."""
    have = terms(text) | terms(re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", "", text))
    if not want:
        return False
    # a plural the stemmer leaves alone ("GRUs", "CNNs": short tokens are not stemmed) names the side too
    return all(w in have or f"{w}s" in have
               or (close and len(w) >= 4 and difflib.get_close_matches(w, have, n=1, cutoff=0.8)) for w in want)


# a side made of two parts joined by "+" ("linear warmup + cosine decay", f14-07): a recipe of two things, each
# described by its own sentences
_SIDE_PARTS_RE = re.compile(r"\s+\+\s+")


def mentions(text: str, side: str, other: str | None = None) -> bool:
    """Whether ``text`` names ``side``: each of the side's content terms (after alias normalisation; with ``other``,
    each of the terms that tell it apart from the other side: :func:`side_terms`) is in the text, or, for terms of
    four letters or more, a close spelling of one of its terms is (a typo such as "baging"). A side of parts
    joined by "+" ("linear warmup + cosine decay") is named by a sentence that names one of its parts ("Linear
    warm-up precedes it ...": no sentence of the notes names all four terms)."""
    parts = [x for x in _SIDE_PARTS_RE.split(side) if terms(x)]
    if len(parts) > 1:
        return any(names_terms(text, side_terms(x, other)) for x in parts)
    return names_terms(text, side_terms(side, other))


_CONTRAST_RE = re.compile(r"\b(?:whereas|while|but|unlike|instead|versus|vs\.?|than|differs?|difference|"
                          r"fewer|more|less|rather|in contrast|on the other hand|only)\b", re.I)


def contrasts(text: str) -> bool:
    """Whether a sentence naming both sides of a comparison also sets them against each other."""
    return bool(_CONTRAST_RE.search(text))


def both_sides_first(lead: list[Scored], pair: Sides, pool: Sequence[Scored]) -> list[Scored]:
    """``lead`` reordered so that its first two sentences cover both sides of the comparison: when the first names
    one side only and the second does not name the other, a later lead sentence that does moves up to second place,
    else the best-scored sentence of ``pool`` that names it and could open an answer is put there. f4-05 ("data
    parallel vs model parallel") opened with data parallelism alone and reached model parallelism third."""
    if not lead:
        return lead

    def names(t: Scored, side: str, other: str) -> bool:
        # two sides that share a word ("data parallel", "model parallel") are each named by their words in a row:
        # "a full replica of the model" does not name model parallelism, although it holds "model" and the
        # sentence holds "parallelism"; sides that share none ("ZeRO", "FSDP sharding") by their terms anywhere
        want = [w for w in tokenize(normalize(side)) if w not in _CUE_WORDS]
        shared = terms(side) & terms(other)
        if len(want) < 2 or not shared or terms(other) < terms(side) or terms(side) < terms(other):
            return mentions(t.candidate.text, side, other)
        have = tokenize(normalize(t.candidate.text))
        return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))

    first = lead[0]
    missing = [(s, o) for s, o in ((pair.a, pair.b), (pair.b, pair.a)) if not names(first, s, o)]
    if len(missing) != 1:
        return lead  # the first names both (or neither: nothing to anchor on)
    side, other = missing[0]
    if len(lead) > 1 and names(lead[1], side, other):
        return lead
    later = next((j for j in range(2, len(lead)) if names(lead[j], side, other)), None)
    if later is not None:
        return [first, lead[later], *(t for j, t in enumerate(lead[1:], 1) if j != later)]
    taken = {id(t.candidate) for t in lead}
    found = [t for t in pool if id(t.candidate) not in taken and usable(t) and standalone(t)
             and not pointer(t.candidate.text) and names(t, side, other)]
    if not found:
        return lead
    return [first, max(found, key=lambda t: t.score), *lead[1:]]


# a bold question that labels a list item whose answer follows it ("**Is there an official split, and should you
# use it?** Use the official split when comparing with published results, ...": f11-08, round 13): the item answers
# the question it names, so it is no question itself
_QUESTION_LABEL_RE = re.compile(r"^\*\*[^*]{3,160}\?\*\*\s+(?=\S)")


def usable(t: Scored) -> bool:
    """A sentence that can open an answer: not a question, a lead-in, a quoted prompt, a fragment or a sentence cut
    off before the display equation that ends it (:func:`cut_off`). A list item that opens with a bold question and
    answers it ("**Is there an official split, and should you use it?** Use the official split when ...":
    :data:`_QUESTION_LABEL_RE`) is judged by its answer."""
    text = t.candidate.text.strip()
    answer = _QUESTION_LABEL_RE.sub("", text, count=1)
    if answer != text and len(answer.split()) < 5:
        return False
    # a question mark in inline code is a character named, not a question asked (round 19: ch09's "the naive rule
    # "split after `.`, `!` or `?`" fails on abbreviations ..." states how sentence splitters work)
    return ("?" not in _INLINE_CODE_RE.sub("", answer) and not text.endswith(":")
            and not text.startswith(('"', "\u201c")) and len(text.split()) >= 5 and not cut_off(t.candidate))


_INLINE_CODE_RE = re.compile(r"`[^`\n]*`")


_LEAD_ANAPHORA = frozenset({"that", "this", "these", "those", "it", "its", "they", "their", "such"})
# openers that continue an argument the reader of an answer has not seen ("The same arithmetic explains ...",
# "Similarly, ...", "However, ...", "In that case ...") or a sequence of steps whose start it has not seen ("Then
# adjust the decision threshold ...", "Second, for n >> d ...") or a clause opened by a conjunction ("And the frozen
# backbone cannot adapt at all, ...") or a sentence about "the two choices" named before it ("The two choices give
# different answers with correlated features.": f8-15)
_LEAD_CONTINUES_RE = re.compile(r"^(?:the same\b|similarly\b|likewise\b|however\b|therefore\b|thus\b|hence\b|"
                                r"otherwise\b|again\b|also\b|in (?:that|this|either) case\b|as (?:above|before)\b|"
                                r"then\b|next\b|second(?:ly)?\b|third(?:ly)?\b|finally\b|lastly\b|"
                                r"(?:for|by|in) comparison\b|(?:by|in) contrast\b|on the other hand\b|"
                                r"the (?:two|three|four|other) (?:choices|options|methods|approaches|variants|versions|"
                                r"definitions|views|cases|settings|estimates|estimators|answers)\b|"
                                r"(?:and|but|or|yet|so)\s)",
                                re.IGNORECASE)
# "neither", "either" or "both" as the subject of the first clause stands for things named before ("For tabular data,
# neither is usually the first choice: ...", f4-08, after two deep-learning frameworks)
_PRONOUN_SUBJECT_RE = re.compile(r"^(?:[^,;:]{1,60},\s+)?(?:neither|either|both)\s+(?:is|are|was|were|has|have|"
                                 r"does|do|works?|needs?|can|will|would|of them)\b", re.I)


# a sentence that points to where something is rather than saying what it is: a link to a source file
# ("From-scratch versions are [rnn.py](...)", "A from-scratch VAE is in [vae.py](...)"), "implemented in [...]"
# or a cross-reference to another page ("... is described with its memory formulas in [Modern ML](...)")
_POINTER_RE = re.compile(r"\]\([^)]*\.py(?:#[^)]*)?\)|\bimplemented (?:and tested )?in \[|\b(?:is|are) in \[|"
                         r"\b(?:is|are) (?:described|covered|explained|derived|discussed|treated)\b[^.;]{0,80}\bin \[",
                         re.I)
# advice to the reader of an interview-angle paragraph ("Be ready to ...", "Name router collapse ...", "Derive the
# bound ...") or a command to type (`mlnotes run kmeans` ...): instructions, not answers
_ADVICE_RE = re.compile(r"^\W*(?:be ready|be able|name|know|describe|derive|mention|expect|walk through|sketch)\b", re.I)
_COMMAND_RE = re.compile(r"`(?:mlnotes|python|pip|uv|make|git|pytest)\b[^`]*`")


def pointer(text: str) -> bool:
    """Whether ``text`` points to a file, names a command or advises the reader instead of answering: such a
    sentence never opens an answer (it may still support one)."""
    return bool(_POINTER_RE.search(text) or _ADVICE_RE.match(text) or _COMMAND_RE.search(text))


# a caveat or reminder that qualifies an answer the reader has not been given yet ("Remember that logged data
# reflect what the old system showed, so offline metrics are biased ..." before the metrics themselves: f2-07), or a
# note on a figure the reader does not see ("Note the dashed training curves: ...", fr-18)
_CAVEAT_RE = re.compile(r"^(?:remember\b|note\b|keep in mind\b|bear in mind\b|beware\b|be careful\b|"
                        r"watch out\b|caveat\b|do not forget\b|don't forget\b|a word of caution\b|"
                        r"one caution\b|in practice,? (?:though|however)\b)", re.I)


def caveat(text: str) -> bool:
    """Whether ``text`` opens as a caveat or a reminder ("Remember that ...", "Note that ...", "Beware ...")."""
    return bool(_CAVEAT_RE.match(text.lstrip("*_ ")))


# a sentence about a demo, experiment, simulation, template or exercise of the notes, which the reader of an answer
# has not seen: what it does ("The template computes a reliability curve with ...": f8-01; "The demo injects 25
# training images ...", "The exercises cover ...", "This run shows it: ...", "The next block compares the
# cross-validated R^2 ...": f8-12) or what happened in it ("In this run the baseline mainly speeds up ...", "... as
# in the demonstration above")
# ... and the page's own examples ("The examples use scikit-learn's bundled diabetes data ...": round 19, f16-08, where
# it led "which sklearn make_* generators should i use for which?"; "The running example tunes an RBF ..."), not a
# data set's examples ("Each example gets ...", "The training examples ...")
_RUN_NOUNS = r"(?:templates?|demos?|demonstrations?|experiments?|simulations?|scripts?|notebooks?|snippets?|listings?|exercises)"
# ... also after an opening purpose clause ("To make the correspondence exact, the code copies the NumPy network's
# initial weights ... and checks that the two loss curves coincide ...": round 19, f17-16, where it led "... is one of
# them buggy?"), and the page's own code doing something ("The code copies ...", "This code trains ...": a verb in
# the third person after it; "The code is ..." says what code is)
_PURPOSE_OPENING = r"(?:to [^,]{1,60}, )?"
_RUN_RE = re.compile(r"^" + _PURPOSE_OPENING + r"(?:the|this|that|these|our|each|every) (?:[\w-]+ ){0,2}?" + _RUN_NOUNS +
                     r"(?: (?:below|above|here))?(?: [a-z]+ly)? (?!is\b|are\b|of\b|and\b|or\b|to\b|in\b)[a-z]+|"
                     r"^(?:the|this|these|our) (?:running |worked |synthetic |code |following |next )?examples?"
                     r"(?: (?:below|above|here))?(?: [a-z]+ly)? (?!is\b|are\b|of\b|and\b|or\b|to\b|in\b)[a-z]+|"
                     r"^(?:this|that|our|each) run\b|"
                     r"^" + _PURPOSE_OPENING + r"(?:the|this|our) code (?:[a-z]+ly )?(?!is\b|was\b|has\b|does\b)[a-z]+s\b|"
                     r"^(?:the|this) (?:next|previous|following|last|code) (?:code )?(?:block|cell)s?\b|"
                     r"\b(?:in|from|of|by) (?:this|that|our|each|the (?:first|second|third|last|previous|same|above|"
                     r"following)) (?:run|" + _RUN_NOUNS + r")\b|"
                     r"\b(?:in|as in|see) the " + _RUN_NOUNS + r" (?:above|below)\b", re.I)


# a sentence that announces what the sentences after it say ("Two details in this experiment are worth knowing.",
# "The experiment makes three points:"): what follows it is the announced points, which often carry a general
# lesson ("The learning rate ... were kept moderate on purpose: PyTorch and NumPy sum numbers in different orders,
# ...", round 19, f17-16), not a report of the run's outcome
_ANNOUNCES_RE = re.compile(r"(?:\bworth (?:knowing|noting|mentioning|remembering|a closer look)|\bas follows|"
                           r"\b(?:the|these) following|:)\s*$", re.I)


def announces(text: str) -> bool:
    """Whether ``text`` announces what the sentences after it say (:data:`_ANNOUNCES_RE`: it ends "... worth
    knowing.", "... as follows." or with a colon)."""
    return bool(_ANNOUNCES_RE.search(text.strip().rstrip(".")))


def about_unseen_run(text: str) -> bool:
    """Whether ``text`` is about a demo, experiment, simulation, template or exercise of the notes (what it does or
    what happened in it) rather than about the subject: the reader of an answer has not seen it (:data:`_RUN_RE`)."""
    return bool(_RUN_RE.search(text.lstrip("*_ ")))


def reports_run(t: Scored, scored: Sequence[Scored]) -> bool:
    """Whether ``t`` is about an unseen run (:func:`about_unseen_run`) or is the sentence right after one in the
    same paragraph of the same chunk, which reports that run's outcome ("In the second experiment only 5 of 200
    features matter ... The lasso, whose l1 penalty matches a sparse truth, recovers most of the signal; ...":
    f8-12), unless that one only announces what follows (:func:`announces`: "Two details in this experiment are
    worth knowing.", round 19) and ``t`` is of the first retrieved chunk: the announced point is then the lesson of
    the page the question is about; in a lower chunk it is a coincidence of words (f15-15: "printing one number"
    met "PyTorch and NumPy sum numbers in different orders" in the second chunk). A sentence of the same paragraph
    starts on the line where the one before it ends or on the next line."""
    if about_unseen_run(t.candidate.text):
        return True
    c = t.candidate
    return any(o.rank == t.rank and o.candidate.order == c.order - 1 and o.candidate.kind == "sentence"
               and c.kind == "sentence" and c.line_start - 1 <= o.candidate.line_end <= c.line_start
               and about_unseen_run(o.candidate.text) and not (announces(o.candidate.text) and t.rank == 0)
               for o in scored)


# a sentence that points at content the reader of an answer does not see (round 12): a demonstrative noun phrase
# ("this difference", "these properties", "this loss", "this guide") whose noun the sentence does not name before it
# ("A \"critic\" network $f$ (no sigmoid) is trained to maximize this difference ...": f9-01, where the difference is
# the previous sentence's), or an opening instruction to look at an output or a figure ("Look at how plain SGD
# zig-zags along the steep axis, ...": f9-11; "Notice also that the test scores ...", "Watch ...")
_POINTS_BACK_RE = re.compile(r"\b(?:this|these|those)\s+([A-Za-z][\w-]*)", re.I)
_LOOK_RE = re.compile(r"^(?:look at|notice|observe|watch|see how|note how)\b|"
                      r"^(?:the|this) (?:figure|plot|chart|heatmap|printout)s? (?:[a-z]+ ){0,2}?"
                      r"(?:shows?|plots?|draws?|compares?|displays?)\b", re.I)
# a cross-reference in parentheses to a neighbouring part of the notes that the answer does not show ("Run a
# learning-rate range test (next section) rather than guessing.": f11-18's lead, round 13; "(see below)", "(above)")
_CROSS_REF_RE = re.compile(r"\((?:see |cf\.? )?(?:the )?(?:(?:next|previous|following|preceding|last|later|earlier) "
                           r"(?:sections?|subsections?|chapters?|parts?|paragraphs?|pages?)|(?:section|chapter|part|"
                           r"paragraph) (?:above|below)|above|below)\)", re.I)
# nouns after "this" that refer to the sentence's own clause ("... removed about 90% of the weights this way") or read on
# their own ("Unstructured sparsity of this kind reduces storage but ...", f9-05)
_SELF_NOUNS = frozenset({"way", "sense", "respect", "regard", "kind", "sort"})


def points_to_unseen(text: str) -> bool:
    """Whether ``text`` points at content outside itself that an answer does not show: an opening "Look at ...",
    "Notice ...", "Observe ...", "Watch ...", "See how ...", or "The figure (then) shows ..." (:data:`_LOOK_RE`), a
    cross-reference in parentheses to a part of the notes it does not show ("(next section)", "(see below)":
    :data:`_CROSS_REF_RE`), or a demonstrative noun phrase
    ("this difference", "these properties") whose noun it does not name earlier itself (:data:`_POINTS_BACK_RE`;
    "a tree is grown and this tree ..." refers inside the sentence; "this way" to its own clause). A sentence that
    :func:`~mlnotes.assistant.answering.scoring.dangles` ("with these targets", "from this robustness") is left to
    the composition, which shows the sentence before it in front of it. Such a sentence leads only when nothing else
    can (:func:`lead_pool`)."""
    body = text.lstrip("*_ ")
    if _LOOK_RE.match(body) or _CROSS_REF_RE.search(body):
        return True
    if dangles(body):
        # "The cross-entropy with these targets ...", "... comes from this robustness": the composition puts the
        # sentence before it in front of such a lead (compose.with_antecedents, f6-03), so the reader sees it
        return False
    for m in _POINTS_BACK_RE.finditer(body):
        word = m.group(1).lower()
        if word in _NOT_A_NOUN or word in _SELF_NOUNS or word.endswith("ly"):
            continue
        if not set(tokenize(word)) & set(tokenize(body[: m.start()])):
            return True
    return False


# a sentence whose predicate is "the classic example" (or "a special case", "the best-known instance", ...) with
# nothing after it but a citation: an example of what the sentence before it says ("The bidirectional LSTM tagger
# with a CRF output layer is the classic example [@huang2015bidirectional].", f13-05's lead in round 15)
_EXAMPLE_OF_BEFORE_RE = re.compile(r"\b(?:is|are|was|were|remains?) (?:the|a|an) (?:[\w-]+ )?"
                                   r"(?:example|case|instance|illustration)s?\s*(?:\[@[^\]]*\]|\([^()]*\d{4}\))?"
                                   r"\s*[.!]?\s*$", re.I)


def example_of_before(text: str) -> bool:
    """Whether ``text`` ends by calling its subject an example (or case, instance) of something it does not name:
    of what the sentence before it says (:data:`_EXAMPLE_OF_BEFORE_RE`)."""
    return bool(_EXAMPLE_OF_BEFORE_RE.search(text.strip()))


def standalone(t: Scored) -> bool:
    """Whether a sentence reads on its own as the first of an answer: it does not open with a word that points back
    ("It makes no assumption about order ...", "They need different fixes ..."), is not an aside in parentheses
    ("(In scikit-learn, `LabelEncoder` is meant for targets; ...)"), does not continue an argument made before it
    ("The same arithmetic explains ...", "However, ..."), does not open with an ordinal that stands for an item of
    a list the answer does not show ("The fourth explains ...": :func:`~mlnotes.assistant.answering.scoring.
    ordinal_subject`), is not a caveat ("Remember that ...": :func:`caveat`)
    and is not a pointer, a command or advice to the reader (:func:`pointer`)."""
    text = t.candidate.text.strip()
    if text.startswith("(") and text.rstrip(".").endswith(")"):
        return False
    if pointer(text):
        return False
    if (_LEAD_CONTINUES_RE.match(text.lstrip("*_ ")) or _PRONOUN_SUBJECT_RE.match(text.lstrip("*_ ")) or caveat(text)
            or continues_before(text) or describes_figure(text) or ordinal_subject(text) or example_of_before(text)):
        return False
    if dangling_object(text):
        return False
    first = _WORD_RE.match(text.lstrip("*_ "))
    return not (first and first.group(0).lower() in _LEAD_ANAPHORA)


# "it"/"them" as the object of the first verb of a sentence that opens on its subject ("Linear warm-up precedes it
# for large batches ...", f14-07; "Huber introduced it as ...", "TreeSHAP computes them."): a subject is not its own
# object, so the pronoun stands for a thing named before the sentence. Not after an opening adverbial ("For each
# loss it gives ...", where "it" is the subject), nor an "it" that anticipates a clause or an adjective ("makes it
# easy to ...", "finds it useful"), nor a verb that takes such an "it" (make, keep, find, leave, render, call)
_DANGLING_OBJECT_RE = re.compile(
    r"^(?!(?:for|in|on|at|with|under|when|if|as|by|from|to|after|before|during|unlike|like|once|since|because|"
    r"while|although|though|where|whether|so|and|but|or|each|every|any|all|no)\b)"
    r"(?:[\w$-]+\s+){1,4}?(?!(?:make|keep|render|find|leave|call|consider|is|was|has|does)\w*\b)[a-z]+(?:s|ed)"
    r"\s+(?:it|them)(?=\s+(?:for|as|with|from|in|on|at|by|against|into|over|using|and|but)\b|\s*[,.;:]|\s*$)",
    re.I)


def dangling_object(text: str) -> bool:
    """Whether ``text``'s first verb has "it"/"them" as its object (:data:`_DANGLING_OBJECT_RE`): it needs the
    sentence before it, and opens no answer."""
    return bool(_DANGLING_OBJECT_RE.match(text.lstrip("*_ ")))


def qualified_subject(text: str, subject: set[str], question: str) -> bool:
    """Whether ``text`` opens on the subject qualified by a word the question does not use: the word right before
    the subject's first word is a content word of neither the question nor the subject, and the subject is not an
    alias in parentheses ("A generative adversarial network (GAN) is ..." spells the asked acronym out). Such an
    opening defines a kind or another sense of what was asked, not the thing itself: "What is Recall?" led with
    "Active recall (practice testing) means retrieving an answer from memory ..." from the study-techniques guide
    instead of the metric (round 16, ml-37)."""
    words = _WORD_RE.findall(normalize(text))[: len(subject) + 4]
    asked = terms(question) | subject
    for i, w in enumerate(words):
        if set(tokenize(normalize(w))) & subject:
            if i == 0:
                return False
            before = words[i - 1]
            if re.search(r"\(\s*" + re.escape(w) + r"\b", text):
                return False  # the subject is given in parentheses, as an alias of the words before it
            got = set(tokenize(normalize(before)))
            return bool(got) and not got & asked and before.lower() not in ("the", "a", "an")
    return False


def lead_bonus(intent: str, question: str, t: Scored, subject: set[str]) -> float:
    """How much better ``t`` suits the first sentence of an answer of ``intent`` than its plain score says."""
    c = t.candidate
    text = c.text
    named = bool(subject & terms(text))
    bonus = 0.0
    if intent == "definition":
        m = defining_verb(text)
        if m and named and len(text[: m.start()].split()) <= 12:
            bonus += 0.15
        other = bool(subject) and qualified_subject(text, subject, question)  # "Active recall" for "recall"
        if subject and starts_with(text, subject) and not other:  # "An LSTM keeps ...", "t-SNE is ...": the subject
            bonus += DEFINITION_SUBJECT_FIRST
        if subject_is(text, subject, m) and not other:
            bonus += DEFINITION_SUBJECT_IS  # the subject, then what it is
        if c.kind == "table_row":
            bonus -= 0.1
    elif intent == "formula":
        bonus += 0.15 if _MATH_RE.search(text) else 0.0
        bonus += FORMULA_SUBJECT_BONUS * lhs_share(text, subject)
    elif intent == "complexity":
        if _BIG_O_RE.search(text):
            bonus += 0.3 if c.kind == "table_row" and _COST_HEADER_RE.search(c.table_header) else 0.15
    elif intent == "how_to_choose":
        bonus += RECOMMEND_BONUS if advises(t, subject) else 0.0
    elif intent == "comparison":
        pair = sides(question)
        if pair and mentions(text, pair.a, pair.b) and mentions(text, pair.b, pair.a):
            bonus += 0.2
    if named:
        bonus += 0.05
    if len(text.split()) < SHORT_WORDS:  # a fragment ("The averaging is an all-reduce.") rarely answers alone
        bonus -= SHORT_PENALTY
    return bonus


_INLINE_MATH_RE = re.compile(r"\$\$?([^$]+)\$\$?")


def lhs_share(text: str, subject: set[str]) -> float:
    """The largest share of the subject's terms that the left-hand side of an equation of ``text`` names (inline
    ``$...$`` math, or the text outside it; the part before its first ``=``): 1 for
    "$\\operatorname{softmax}(z)_k = e^{z_k}/\\sum_j e^{z_j}$" and the subject softmax, 0 for "$p =
    \\operatorname{softmax}(z)$"; a long subject of which the left side names one generic term ("log") gets little."""
    if not subject:
        return 0.0
    best = 0.0
    for seg in [*_INLINE_MATH_RE.findall(text), _INLINE_MATH_RE.sub(" ", text)]:
        if "=" not in seg:
            continue
        lhs = re.sub(r"\\(?:operatorname|mathrm|text|mathbf)\{([^}]*)\}", r" \1 ", seg.split("=", 1)[0])
        lhs = re.sub(r"\\([A-Za-z]+)", r" \1 ", lhs)
        best = max(best, len(subject & terms(lhs[-60:])) / len(subject))
    return best


_PASSIVE_RE = re.compile(r"(?:is|are)\s+(?!defined\b|called\b)[a-z]+ed\b", re.I)
# "X is smaller than Y", "X is much more stable than Y", "X is not larger than Y": a comparison of X with something
# else, a property of X, not what X is (round 19, f16-01: "The effective receptive field is smaller than the
# theoretical one" led "what does 'effective receptive field' mean?" as if it defined the term)
_COMPARATIVE_RE = re.compile(r"(?:is|are)\s+(?:not\s+)?(?:(?:much|far|often|usually|typically|generally|always|"
                             r"slightly|considerably|even|no|somewhat)\s+)?(?:more|less|fewer|better|worse|[a-z]{3,}er)"
                             r"\s+(?:[a-z-]+\s+){0,3}?than\b", re.I)


def defining_verb(text: str) -> re.Match[str] | None:
    """The first defining verb of ``text`` ("is", "means", "measures", ...), skipping a passive "is/are ...ed"
    ("Learning rates are searched on a log scale" defines nothing; "is defined as" and "is called" do) and a
    comparison ("is smaller than ...", :data:`_COMPARATIVE_RE`: it compares, it does not say what the thing is)."""
    for m in _DEFINING_RE.finditer(text):
        if not _PASSIVE_RE.match(text, m.start()) and not _COMPARATIVE_RE.match(text, m.start()):
            return m
    return None


# the subject, then an aside that says what it is, set off by commas: "The effective receptive field, where the
# influence is actually strong, is much smaller ..." (round 19, f16-01), "Dropout, a regularizer that ..., is ..."
_APPOSITION_RE = re.compile(r",\s+(?:where|which|whose|i\.e\.,?|that is,?|a|an|the)\s+[^,;:()]{3,100}?,\s")


def subject_is(text: str, subject: set[str], m: re.Match[str] | None) -> bool:
    """Whether ``text`` names the subject and then says what it is: every subject term before its defining verb
    ``m`` (:func:`defining_verb`), within ``len(subject) + 3`` words ("t-SNE is ...", "The bias-variance trade-off
    describes ..."), or the subject at its opening followed by an aside in commas that says what it is
    (:data:`_APPOSITION_RE`)."""
    if not subject:
        return False
    if m and subject <= terms(text[: m.start()]) and len(text[: m.start()].split()) <= len(subject) + 3:
        return True
    words = _WORD_RE.findall(normalize(text))
    while words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if not words or not subject <= terms(" ".join(words[: len(subject) + 1])):
        return False
    # the aside opens right after the subject's last word
    last = words[: len(subject) + 1]
    i = next((j for j in range(1, len(last) + 1) if subject <= terms(" ".join(last[:j]))), 0)
    at = re.search(r"\b" + re.escape(last[i - 1]) + r"\b", text, re.I) if i else None
    return bool(at) and bool(_APPOSITION_RE.match(text, at.end()))


def starts_with(text: str, subject: set[str]) -> bool:
    """Whether ``text`` opens with the subject: its first ``len(subject) + 1`` words (after an article) hold every
    subject term ("An LSTM keeps a cell state ..." for "Define LSTM"; not "DeepAR is ... an autoregressive LSTM")."""
    words = _WORD_RE.findall(normalize(text))
    while words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    return subject <= terms(" ".join(words[: len(subject) + 1]))


_PART_END = (r"(?:\s+(?:is|are))?\s*(?:\?|;|:|\.\s|,?\s+and\s+(?=(?:why|how|when|what|where|which|whether|in what)\b)"
             r"|,\s*(?:and\s+)?(?=(?:why|how|when|what|where|which|whether|in what|can|should|do|does)\b))")
_DEFINITION_PART_RE = re.compile(
    r"^\W*(?:(?:so|and|ok|okay)\W+)?(?:what(?:['\u2019]?s|\s+is|\s+are)|define|explain what)\s+(?P<x>[^?;:]+?)" + _PART_END, re.I)
# the same request worded as an instruction: "Explain what X is", "Tell me what X is", "Describe X", alone or as
# the first of several parts (f2-20: "Explain what early stopping is, how to choose the patience, and ..." led with
# "Noisy validation curves need patience ..."); "Describe how ..." and "Explain why ..." ask for a mechanism
_INSTRUCTION_PART_RE = re.compile(
    r"^\W*(?:(?:so|and|ok|okay|please)\W+)?(?:(?:can|could) you\s+)?(?:please\s+)?"
    r"(?:(?:explain|tell me|describe)\s+what\s+(?P<x>[^?;:,]+?)\s+(?:is|are|means?|does)\b"
    r"|describe\s+(?!how\b|why\b|when\b|what\b|the difference\b|the differences\b)(?P<y>[^?;:,]+?)"
    r"(?=\s*(?:[?.;:]|,|$|\s+and\s+(?:why|how|when|what|where|which|whether)\b)))", re.I)
# a first part that names a kind of answer, not a thing ("What is the difference ...", "What is the formula ...")
_NOT_A_THING_RE = re.compile(r"\b(?:difference|differences|formula|equation|complexity|cost|best|right|way|"
                             r"reason|point|purpose|intuition|relationship)\b", re.I)


def definition_part(question: str) -> str | None:
    """What a question asks to be defined, as "What is X?", when it opens by asking that and either goes on with
    other parts or words the request as an instruction: "What is k-fold cross-validation and why is it better
    than a single split?" -> "What is k-fold cross-validation?"; "Explain what early stopping is, how to choose
    the patience, ..." -> "What is early stopping?"; "Tell me what the kernel trick is." and "Describe learning rate
    warmup." likewise. ``None`` for a plain one-part "What is X?" (already a definition question), for a question
    that does not open that way, or when the part names a kind of answer rather than a thing ("What is the
    formula ...", "What is the difference between ...")."""
    q = " ".join(question.split())
    m = _INSTRUCTION_PART_RE.match(q)
    if m:
        x = (m.group("x") or m.group("y")).strip()
    else:
        m = _DEFINITION_PART_RE.match(q + " ")
        if not m or not q[m.end():].strip(" ?.") or (m.group(0).rstrip().endswith(".") and "?" not in q):
            return None
        x = m.group("x").strip()
    if _NOT_A_THING_RE.search(x):
        return None
    part = f"What is {x}?"
    return part if subject_terms(part) else None


# a question about what a term means: "what do people mean by 'structured prediction logging' for a model API?",
# "what does 'exposure bias' mean for sequence models ...?", "what is meant by the winner's curse when ...?"; the term
# is the quoted words, or else the few words up to the end of the part ("for", "in", "when", "?", ...)
_QUOTED = r"""(?:'(?P<q1>[^']{2,60})'|"(?P<q2>[^"]{2,60})"|\u2018(?P<q3>[^\u2019]{2,60})\u2019|\u201c(?P<q4>[^\u201d]{2,60})\u201d)"""
_PLAIN_TERM = (r"(?P<p>(?!(?:it|this|that|they|these|those|he|she|we|you|i)\b)[^?;:,\"]{2,60}?)"
               r"(?=\s*(?:[?;:.,]|$|\s(?:for|in|when|with|and|as)\b))")
_MEANING_OPENINGS = (
    r"what (?:do|does|did) (?:people|folks|they|you|papers|practitioners|engineers|researchers|(?:my|our|the) \w+(?: \w+)?) "
    r"(?:mean|refer to) (?:by|with|when (?:they|you|people) say)\s+",
    r"what(?:'s| is) meant by\s+",
)
_OPEN = r"^\W*(?:(?:so|and|ok|okay)\W+)?"
_MEANING_PART_RES = (
    *(re.compile(_OPEN + o + "(?:" + _QUOTED + "|" + _PLAIN_TERM + ")", re.I) for o in _MEANING_OPENINGS),
    re.compile(_OPEN + r"what (?:does|do) " + _QUOTED + r" (?:mean|stand for|refer to)\b", re.I),
)


def meaning_part(question: str) -> str | None:
    """"What is X?" for a question that opens by asking what a term X means (:data:`_MEANING_PART_RES`): "what do
    people mean by 'structured prediction logging' for a model API? right now our service ..." -> "What is
    structured prediction logging?". A question worded so asks for the term's definition, whatever else it says (its
    own setting, a follow-up); read as a why/how question its lead was any sentence of the top sections that shared a
    few of its many words (f14-03 led with a drift sentence of the structured-logging section, while "Every
    prediction should be logged in a structured form (JSON lines) with the request id ..." defines it). ``None``
    for any other question, a pronoun ("what do you mean by it"), or a part that names no subject term."""
    q = " ".join(question.split())
    m = next((m for rx in _MEANING_PART_RES if (m := rx.match(q))), None)
    if m is None:
        return None
    x = next((v for v in m.groupdict().values() if v), "").strip()
    if not x or _NOT_A_THING_RE.search(x):
        return None
    part = f"What is {x}?"
    return part if subject_terms(part) else None


# "Should I fine-tune a transformer or use TF-IDF with logistic regression ...?" asks which to choose although no
# intent rule reads it so (it is a why/how question by default): its lead is a recommendation (f2-19)
_CHOICE_RE = re.compile(r"\b(?:should|would|do|can) (?:i|we)\b[^?]{1,120}?\bor\b", re.I)
# "When is X the better pick over Y?", "When is X preferable to Y?": asks when to choose X (f4-06, read as why/how)
_WHEN_BETTER_RE = re.compile(r"^\W*when (?:is|are|would|does|do)\b[^?]{1,120}?\b(?:better|preferable|preferred|"
                             r"the right (?:choice|pick|tool)|a good (?:choice|pick))\b[^?]{0,60}?\b(?:than|over|to)\b",
                             re.I)


# "How is the two-sample KS statistic defined ...?", "How do you define the F1 score?": a quantity's definition is
# its formula (f5-12 led with "compares the empirical CDFs" and skipped $D = \sup_x |F_1 - F_2|$)
_HOW_DEFINED_RE = re.compile(r"^\W*how (?:is|are) (?:the |a |an )?(?P<x>[^?]{1,80}?) (?:defined|computed|calculated)\b|"
                             r"^\W*how (?:do|would) (?:you|we|i) (?:define|compute|calculate)\b", re.I)


def lead_reading(intent: str, question: str) -> tuple[str, str]:
    """The intent and the question that the lead answers: the first part's definition for a question whose first
    part asks what something is (:func:`definition_part`), a recommendation for "Should I X or Y ...?" or "When is
    X the better pick over Y?" read as why/how or definition; else ``(intent, question)``. Only the lead reads it so: retrieval, the bank match and
    the supporting sentences keep the question's own intent."""
    if intent in ("comparison", "why_how", "how_to_choose", "definition"):
        part = definition_part(question) or meaning_part(question)
        if part:
            return "definition", part
    if intent in ("why_how", "definition") and (_CHOICE_RE.search(question) or _WHEN_BETTER_RE.search(question)):
        return "how_to_choose", question
    if intent in ("why_how", "definition") and _HOW_DEFINED_RE.match(question):
        return "formula", question
    return intent, question


def head_term(subject: set[str], idf: Callable[[str], float]) -> str | None:
    """The most specific term of a subject of two or more terms: the one with the highest ``idf`` (ties: the
    alphabetically first); ``None`` for a subject of fewer terms (naming it at all is then what counts)."""
    if len(subject) < 2:
        return None
    return max(sorted(subject), key=idf)


# a sentence that opens by defining a named thing in bold ("**k-nearest-neighbour imputation** fills a value ...",
# "**Target encoding** replaces each level ..."): a list item of methods; not a bold label or question
_BOLD_TERM_RE = re.compile(r"^\*\*(?P<x>[^*?:.]{2,60})\*\*\s+(?:\[@[^\]]*\]\s+|\([^)]{1,40}\)\s+)?[a-z]")


def defines_another_thing(question: str, text: str) -> bool:
    """Whether ``text`` opens by defining, in bold, a thing that shares no term with the question: the list item of
    another method (f5-15, "why does filling with the column mean shrink the variance", led with "**k-nearest-neighbour
    imputation** fills a value with the mean ..." instead of the item on mean imputation)."""
    m = _BOLD_TERM_RE.match(text.strip())
    return bool(m) and not (terms(m.group("x")) & terms(question))


_BRACKET_RE = re.compile(r"\([^()]*\)")
# the words of a bracket that names what it follows: "(the four-fifths rule)", "(called X)", "(also known as X)"
_NAMING_TERMS = terms("called known also aka i.e. ie or the a an so named termed")


def bracketed_only(text: str, subject: set[str]) -> bool:
    """Whether ``text`` names the subject only inside a parenthetical aside, past its opening: the sentence is
    about something else and mentions the subject in passing (round 19, f16-02: "whats conformal prediction?" led
    with "Prediction intervals come from a model's error distribution ..., or empirically from the distribution of
    past forecast errors at each horizon (a conformal-style approach)."). An alias in brackets at the opening ("A
    generative adversarial network (GAN) is ...") names the subject: the sentence opens on it; so does a bracket that
    holds only the subject's name, which names what the words before it describe ("... treats a ratio below 0.8 (the
    "four-fifths rule") as evidence of adverse impact", f9-02)."""
    inside = " ".join(_BRACKET_RE.findall(text))
    if not subject or not subject & terms(inside) or subject & terms(_BRACKET_RE.sub(" ", text)):
        return False
    if any(subject & terms(b) and terms(b) <= subject | _NAMING_TERMS for b in _BRACKET_RE.findall(text)):
        return False
    first = _BRACKET_RE.search(text)
    return first is not None and len(text[: first.start()].split()) > len(subject) + 4


def pick_lead(intent: str, question: str, scored: Sequence[Scored],
              sections: Sequence[str] | None = None, short_answers: frozenset[int] = frozenset(),
              head: str | None = None, ranker: LeadRanker | None = None) -> Scored | None:
    """The first sentence of the answer (``None`` when there is no usable candidate): the best candidate of the top
    ``LEAD_POOL_RANKS`` chunks by its score, its intent bonus (:func:`lead_bonus`), ``SECTION_REPEAT_BONUS`` for
    each other top chunk of the same section (``sections[rank]`` names the section of the chunk at each rank) and
    ``-RANK_PENALTY`` per rank; ties go to the higher-ranked chunk. Without ``sections`` no chunk gets the
    repeat bonus. A definition lead whose candidate's ``id`` is in ``short_answers`` (a sentence of the short
    answer of its section's bank entry) gains ``SHORT_ANSWER_BONUS``, and one that names ``head`` (the subject's
    most specific term, :func:`head_term`) ``DEFINITION_HEAD_BONUS``. A how-to-choose lead is a recommendation
    whenever the pool holds one (:func:`advises`), unless the question asks how much a goal needs
    (:func:`asks_needed_quantity`).

    That value (:func:`rule_value`) orders the pool that the hard filters allow (:func:`lead_pool`); ``ranker`` (by
    default the shipped learned ranker, :func:`lead_model`, or ``None`` when it is missing or not the default)
    then chooses among the first of that order (:meth:`~mlnotes.assistant.answering.lead_model.LeadRanker.choose`);
    without a ranker the rules' first candidate leads. A lead from another section than the first retrieved one
    gives way to that section's best candidate when that one's score is clearly higher, or somewhat higher while the
    lead won only by its section's repeat bonus (:func:`top_section_lead`). A symptom's diagnosis
    (:func:`diagnosis_lead`) and a term the asker quotes (:func:`quoted_lead`, round 18) are named by the lead when a
    candidate of the same or a higher-ranked chunk names them."""
    subject = subject_terms(question)
    pool = lead_pool(intent, question, scored, subject)
    if not pool:
        return None
    top = list(sections or [])[:LEAD_POOL_RANKS]
    ranked = sorted(pool, key=lambda t: (-rule_value(intent, question, t, subject, top, short_answers, head), t.rank))
    model = lead_model() if ranker is None else ranker

    def choose(cands: list[Scored]) -> Scored:
        return cands[0] if model is None else model.choose(intent, question, cands, subject, top, short_answers, head)

    first = top_section_lead(choose(ranked), ranked, top, choose,
                             value=lambda t: rule_value(intent, question, t, subject, top, short_answers, head),
                             asked=why_claim_terms(question))
    first = diagnosis_lead(question, first, ranked, choose, scored)
    first = claim_lead(question, first, ranked, scored, lambda cands: choose(sorted(cands, key=lambda t: (
        -rule_value(intent, question, t, subject, top, short_answers, head), t.rank))))
    return quoted_lead(question, first, ranked, scored,
                       lambda cands: choose(sorted(cands, key=lambda t: (
                           -rule_value(intent, question, t, subject, top, short_answers, head), t.rank))))


# a term the asker puts in quotes ("my manager wants a 'datasheet' for ...", "our platform team says a 'model
# package' has to be ..."): one to four words, the quote opening after a space or the start (not the apostrophe of
# "I'm" or "customer's"), or after a parenthesis that opens an aside, never a call's argument (``groupby('city')``:
# a string in code, not a term the asker was told about; f15-14 in round 18)
_QUOTED_TERM_RE = re.compile(r"""(?:^|(?<=[\s(]))(?<![\w\]]\()(?:'([A-Za-z][\w -]{1,40}?)'|"([A-Za-z][\w -]{1,40}?)"|"""
                             r"\u2018([A-Za-z][\w -]{1,40}?)\u2019|\u201c([A-Za-z][\w -]{1,40}?)\u201d)(?=[\s.,;:?!)]|$)")
QUOTED_WORDS = 4


def quoted_terms(question: str) -> set[str]:
    """The terms of the first term ``question`` puts in quotes (:data:`_QUOTED_TERM_RE`, at most ``QUOTED_WORDS``
    words); empty when it quotes none."""
    m = _QUOTED_TERM_RE.search(question)
    if m is None:
        return set()
    x = next(g for g in m.groups() if g)
    return terms(x) if len(x.split()) <= QUOTED_WORDS else set()


def quoted_lead(question: str, first: Scored, ranked: Sequence[Scored], scored: Sequence[Scored],
                choose: Callable[[list[Scored]], Scored]) -> Scored:
    """``first``, unless ``question`` quotes a term (:func:`quoted_terms`: the thing the asker was told about and
    asks about), ``first`` does not name it, and a candidate of the same or a higher-ranked chunk does: then the one
    ``choose`` picks among those of the pool (``ranked``), or, when the pool has none, among the usable, standalone
    sentences of ``scored`` that show what they speak of (not about an unseen run, not pointing at unseen content,
    :func:`lead_pool`'s filters), whatever else they tell (round 18, f15-02: "my manager wants a 'datasheet' for
    the labelled dataset ... is that just a model card for data? what goes in one" led with "Two documents are
    essential: a model card ... and a runbook ..." over the same chunk's "Model cards were proposed by Mitchell et
    al.; their companion for data is the datasheet for datasets, which records how ...", which the history filter
    had left out of the pool)."""
    want = quoted_terms(question)
    if not want or want <= terms(first.candidate.text):
        return first
    return _lead_that(lambda text: want <= terms(text), question, first, ranked, scored, choose)


def _lead_that(says: Callable[[str], bool], question: str, first: Scored, ranked: Sequence[Scored],
               scored: Sequence[Scored], choose: Callable[[list[Scored]], Scored]) -> Scored:
    """The one ``choose`` picks among the candidates of ``ranked`` from the same or a higher-ranked chunk than
    ``first`` whose text ``says`` (not an instruction to the reader); when the pool has none (its filters for the
    question's reading may have left them out), among the usable, standalone sentences of ``scored`` that show what
    they speak of (:func:`lead_pool`'s filters); ``first`` when neither has one (:func:`quoted_lead`,
    :func:`claim_lead`)."""
    found = [t for t in ranked if t.rank <= first.rank and says(t.candidate.text) and not instructs(t.candidate.text)]
    if not found:
        found = [t for t in scored if t.rank <= first.rank and says(t.candidate.text)
                 and usable(t) and standalone(t) and solution_stands_alone(question, t.candidate)
                 and not reports_run(t, scored) and not points_to_unseen(t.candidate.text)
                 and not instructs(t.candidate.text) and len(t.candidate.text.split()) >= SHORT_WORDS]
    return choose(found) if found else first


def diagnosis_lead(question: str, first: Scored, ranked: Sequence[Scored],
                   choose: Callable[[list[Scored]], Scored], scored: Sequence[Scored] = ()) -> Scored:
    """``first``, unless ``question`` describes a symptom whose diagnosis retrieval read into it
    (:func:`diagnosis_head`: "my GAN ... the same few images whatever noise I feed it" -> mode collapse), ``first``
    does not name that diagnosis, and a candidate of ``ranked`` from the same or a higher-ranked chunk does
    (:func:`names_diagnosis`; not an instruction to the reader, :func:`instructs`): then the one ``choose`` picks
    among those. The diagnosis is what the asker does not know (f13-19 led with the DCGAN guidelines of the fourth
    hit over the first hit's "Conditioning also mitigates mode collapse, the failure in which the generator produces
    only a few distinct outputs, ..."); a sentence of a lower chunk that happens to use the word is not preferred
    (f3-18: "Searching over many configurations overfits the validation data" is another overfitting).

    When the pool's narrowing filters (:func:`lead_pool`) left no candidate that names it, one of ``scored`` that
    passes the pool's basic filters (a usable, standalone sentence of a top chunk) and names it may lead: a symptom's
    numbers or wording narrow the pool to sentences about the symptom ("0.95 AUC on our test split ... Grad-CAM
    heatmaps light up the corner where each hospital stamps its text marker", round 21, f18-19: the given-number
    filter kept an imbalance sentence with "AUC 0.95" and dropped "A model that is right for the wrong reason (a
    shortcut) will fail on new data" of the first chunk); then only the namings of the highest-ranked chunk among
    them are offered to ``choose``."""
    named = diagnosis_head(question)
    if not named or names_diagnosis(named, first.candidate.text):
        return first
    naming = [t for t in ranked if t.rank <= first.rank and names_diagnosis(named, t.candidate.text)
              and not instructs(t.candidate.text)]
    if not naming:
        naming = [t for t in scored if t.rank <= first.rank and t.rank < LEAD_POOL_RANKS and usable(t)
                  and standalone(t) and solution_stands_alone(question, t.candidate)
                  and names_diagnosis(named, t.candidate.text) and not instructs(t.candidate.text)]
        # outside the pool the ranker chooses among the highest-ranked chunk's namings: retrieval read the question
        # with its diagnosis, so that chunk is the one about the diagnosis
        naming = [t for t in naming if t.rank == min(u.rank for u in naming)]
    return choose(naming) if naming else first


# a question that reports what someone claims and closes by asking whether it holds ("... so my teammate says the
# difference isn't significant. is that how it works?", f16-15 in round 18; "is he right?", "is that true?"): the
# ask is the last piece of the question, the claim is the piece before it that reports who says it
_CLAIM_ASK_RE = re.compile(r"^\W*(?:(?:and|but|so|ok|okay)\W+)?(?:is|are)\s+(?:that|this|it|s?he|they|(?:my|our|the)\s+"
                           r"\w+)\s+(?:(?:really|actually)\s+)?(?:how (?:it|this|that) works|right|true|correct|valid|"
                           r"a valid conclusion)\W*$", re.I)
# who reports the claim: "my teammate says (that)", "a colleague claims", "our lead thinks", "someone said"
_REPORTER_RE = re.compile(r"\b(?:(?:my|our|a|the|some|one)\s+(?:\w+\s+)?\w+|someone|somebody|people|they|he|she)\s+"
                          r"(?:says?|said|claims?|claimed|thinks?|thought|argues?|argued|insists?|insisted|told me)"
                          r"(?:\s+that)?\b", re.I)
# words of a reported claim that hedge or negate it, not what it is about ("isn't", "a bit", "so")
_CLAIM_FILLER = frozenset(tokenize("so isn isnt aren arent doesn doesnt don dont not no bit just really actually "
                                   "still very quite pretty"))
# how much of a reported claim's terms the lead must name to speak to it (more than this share)
CLAIM_SHARE = 0.5


def reported_claim_terms(question: str) -> set[str]:
    """The terms of the claim that ``question`` reports and asks about (:data:`_CLAIM_ASK_RE`: its last piece asks
    whether the claim holds, and the piece before it reports who says it, :data:`_REPORTER_RE`): that piece without
    the reporter and without hedges or negations (:data:`_CLAIM_FILLER`); empty for any other question."""
    pieces = question_pieces(question)
    if len(pieces) < 2 or not _CLAIM_ASK_RE.match(pieces[-1]) or not _REPORTER_RE.search(pieces[-2]):
        return set()
    return terms(_REPORTER_RE.sub(" ", pieces[-2])) - _CLAIM_FILLER - _ASK_FILLER


def speaks_to_claim(claim: set[str], text: str) -> bool:
    """Whether ``text`` names more than ``CLAIM_SHARE`` of the reported ``claim``'s terms."""
    return len(claim & terms(text)) > CLAIM_SHARE * len(claim)


def claim_lead(question: str, first: Scored, ranked: Sequence[Scored], scored: Sequence[Scored],
               choose: Callable[[list[Scored]], Scored]) -> Scored:
    """``first``, unless ``question`` reports a claim and asks whether it holds (:func:`reported_claim_terms`), ``first``
    does not speak to it (:func:`speaks_to_claim`) and a candidate of ``ranked`` (or, when it has none, a usable,
    standalone sentence of ``scored``) from the same or a higher-ranked chunk does (not an instruction to the
    reader, :func:`instructs`): then the one ``choose`` picks among those. The
    asker wants the claim confirmed or refuted first; a side fact of the same section is no answer (round 18,
    f16-15: "the intervals overlap a bit so my teammate says the difference isn't significant. is that how it
    works?" led with the half-width formula over the same chunk's "When two models' intervals overlap, that does
    *not* show their difference is insignificant ...")."""
    claim = reported_claim_terms(question)
    if not claim or speaks_to_claim(claim, first.candidate.text):
        return first
    # the pool's filters may have left it out (f16-15 reads as a comparison of "model A" and "model B", whose pool
    # holds only sentences naming a side): then a usable, standalone sentence that shows what it speaks of
    return _lead_that(lambda text: speaks_to_claim(claim, text), question, first, ranked, scored, choose)


# an interview prompt's instruction to the reader ("State inverted dropout ...; describe ...; mention ...")
_INSTRUCTS_RE = re.compile(r"^\W*(?:state|describe|mention|explain|derive|contrast|expect|discuss|name)\b", re.I)


def instructs(text: str) -> bool:
    """Whether ``text`` opens with an instruction to the reader (an interview prompt's "State ...", "Describe ...",
    "Expect ...")."""
    return bool(_INSTRUCTS_RE.match(text))


def top_section_lead(first: Scored, ranked: Sequence[Scored], top: Sequence[str],
                     choose: Callable[[list[Scored]], Scored],
                     value: Callable[[Scored], float] | None = None, asked: set[str] | None = None) -> Scored:
    """``first`` (the chosen lead among ``ranked``), unless it comes from another section than the first retrieved
    one (``top[0]``) and the candidate that ``choose`` picks among ``ranked``'s candidates of that first section
    beats it: then that candidate. It beats ``first`` when its score is at least ``TOP_SECTION_MARGIN`` above
    ``first``'s (round 12), or (round 14) at least ``REPEAT_LEAD_MARGIN`` above when ``first`` won only by the
    repeat bonus of its section: by ``value`` (the rules' value, :func:`rule_value`) with ``first``'s section
    counted as repeated no more often than the first section, the first section's candidate is at least as good (a
    lower section that several top chunks come from is well supported by retrieval, but so is the section that
    retrieval ranked first). A lower section's heading share or intent bonus may still win over the first section
    when the scores are close, unless (round 16) the question's ask after its setting names terms of its own
    (``asked``: :func:`why_claim_terms`) that the first section's heading names and ``first``'s does not: then the
    first section's candidate leads when its score is no lower (f13-16: the setting's "xgboost" drew the lead to
    "Why is XGBoost fast and accurate?" over "Making comparisons fair" for "why do people say comparisons like this
    are often unfair")."""
    if not top or first.rank >= len(top) or top[first.rank] == top[0]:
        return first
    own = [t for t in ranked if t.rank < len(top) and top[t.rank] == top[0]]
    if not own:
        return first
    best = choose(own)
    if best.score >= first.score + TOP_SECTION_MARGIN:
        return best
    if asked and best.score >= first.score and asked & heading_terms(top[0]) and not asked & heading_terms(
            top[first.rank]):
        return best
    if value is not None and best.score >= first.score + REPEAT_LEAD_MARGIN:
        extra = section_repeats(top, first.rank) - section_repeats(top, best.rank)
        if extra > 0 and value(best) >= value(first) - SECTION_REPEAT_BONUS * extra:
            return best
    return first


def heading_terms(section: str) -> set[str]:
    """The terms of a section key's heading slug ("ch05-classical-ml#making-comparisons-fair" -> {make, comparison,
    fair})."""
    return terms(section.rsplit("#", 1)[-1].replace("-", " "))


def lead_model() -> LeadRanker | None:
    """The learned lead ranker that :func:`pick_lead` uses by default, or ``None`` (the rules decide): see
    :func:`mlnotes.assistant.answering.lead_model.default_ranker`."""
    from mlnotes.assistant.answering.lead_model import default_ranker

    return default_ranker()


def lead_pool(intent: str, question: str, scored: Sequence[Scored], subject: set[str]) -> list[Scored]:
    """The candidates that may lead (the rules' hard filters): usable, standalone sentences of the top
    ``LEAD_POOL_RANKS`` chunks, of an exercise's worked solution only one that reads without its exercise
    (:func:`solution_stands_alone`; whether the question asks what the exercise asks was checked, by terms or by
    meaning, when the candidates were scored: :func:`~mlnotes.assistant.answering.scoring.score_candidates`); not
    the list item of another method and not a sentence about an unseen demo, experiment or template or its outcome
    (:func:`reports_run`) nor one that points at content the answer does not show (:func:`points_to_unseen`) unless
    nothing else is left (when the top chunks hold only such sentences, the usable ones of the lower-ranked chunks of
    ``scored`` that are none of these come first); not a sentence that only sets up the answer to a why/how,
    how-to-choose or cost question (a method's history: :func:`sets_up`) unless nothing else can; not a sentence
    whose subject is a shell noun ("The design is ...") or that only names things (a list of bold labels), unless
    nothing else can (:func:`leans_on_context`, round 15); for a question that sets its subject against another thing only the ones that open on that subject when there are any
    (:func:`contrasted_subject`, :func:`opens_on`); for a why question
    only the ones about its premise (:func:`about_premise`) when a top chunk holds the premise's claim with its
    reason (:func:`claim_with_reason`); for a question that reports an observation and asks whether something is
    wrong, or asks after it why it happens, only the ones that give a cause of it (:func:`asks_if_wrong`,
    :func:`states_cause`; a cause opening with "They"/"It" after its antecedent counts: :func:`pronoun_cause`; for a
    later why ask only of the first chunk) when there are any; for a
    how-to-choose question only the ones that advise on the subject when there are any (:func:`advises`), unless
    it asks how much of something a goal needs (:func:`asks_needed_quantity`); for a question that gives its own
    numbers only the ones of the top ``LEAD_RANKS`` chunks, of at least ``SHORT_WORDS`` words, that state one of them
    when there are any (:func:`given_numbers`, :func:`states_number`: they are about the asker's case); for a question whose last ask wants a verdict on the asker's plan ("should I
    still ...?": :func:`asks_verdict`) only the ones that give a reason when there are any (the verdict with its
    why, not a caution or a list of steps)."""
    pool = [t for t in scored if t.rank < LEAD_POOL_RANKS and usable(t) and standalone(t)
            and solution_stands_alone(question, t.candidate)]
    if not pool:
        return []
    # the list item of another method leads only when nothing else can
    pool = [t for t in pool if not defines_another_thing(question, t.candidate.text)] or pool
    # a sentence about a demo, experiment or template the reader has not seen, or the report of its outcome, leads
    # only when nothing else can (f8-01, f8-12)
    # ... and so does a sentence that points at content the answer does not show (:func:`points_to_unseen`: "...
    # is trained to maximize this difference ...", f9-01; "Look at how plain SGD zig-zags ...", f9-11); when every
    # candidate of the top chunks is of these kinds, the usable ones of the lower-ranked chunks that are not come
    # first (f9-11: the top chunks hold only the figure's set-up, a later chunk the update rule asked for)
    def shows_all(t: Scored) -> bool:  # neither about an unseen run nor pointing at unseen content
        return not reports_run(t, scored) and not points_to_unseen(t.candidate.text)

    clean = [t for t in pool if shows_all(t)]
    if not clean:
        clean = [t for t in scored if t.rank >= LEAD_POOL_RANKS and usable(t) and standalone(t)
                 and solution_stands_alone(question, t.candidate) and not defines_another_thing(question, t.candidate.text)
                 and shows_all(t)]
    pool = clean or [t for t in pool if not reports_run(t, scored)] or pool
    # a sentence that only sets the answer up (a method's history) leads only when nothing else can
    # (f12-09: the Viola-Jones history led "how is a box sum O(1) with an integral image? whats the cost of building
    # the table ...", over "An integral image is built in one pass, $O(HW)$, as two cumulative sums.")
    pool = [t for t in pool if not sets_up(intent, question, t.candidate.text)] or pool
    # a sentence whose subject is a shell noun ("The design is asymmetric: ...", f13-04) or that only names things
    # ("**Training loss per step** (...) and **validation loss ...**.", f13-18) leads only when nothing else can
    pool = [t for t in pool if not leans_on_context(t.candidate.text)] or pool
    # a sentence whose opening claim is about the page's own example ("LSTM and GRU behave alike here; on real
    # data ...") is an answer sentence since round 17 (ctx17 kept its second clause), but leads only when nothing
    # else can: the claim a reader meets first would be about an experiment they have not seen
    pool = [t for t in pool if not opens_on_here(t.candidate.text)] or pool
    if intent == "definition":
        # a sentence that names the asked subject only in a bracketed aside is about something else: it leads a
        # definition only when nothing else can (:func:`bracketed_only`, round 19, f16-02)
        pool = [t for t in pool if not bracketed_only(t.candidate.text, subject)] or pool
    contrasted = contrasted_subject(question)
    if contrasted:
        # a question that sets its subject against another thing leads with a sentence that opens on its subject
        # whenever the top chunks hold one (fr-13 with the round-11 reranker: the bank entry on keeping one decision
        # tree from overfitting ranked first, and its "Limit its growth ..., or average many trees in a random
        # forest ..." led "Why does a random forest usually overfit less than a single decision tree?")
        pool = [t for t in pool if opens_on(t.candidate.text, contrasted)] or pool
    if asks_why(question) and any(claim_with_reason(question, t, scored) for t in pool):
        # a why answer leads with a sentence about the premise whenever a top chunk holds the premise's claim and,
        # in the same chunk, its reason (the answer then gives the claim and its reason first): with the round-11
        # reranker the bank entry on how batch normalization works ranked first and its "Batch normalization
        # standardizes each feature ..." led "Why can you use a bigger learning rate once batch normalization is in
        # the network?" (f3-16) instead of "Batch norm allows larger learning rates, ..." and its reason
        pool = [t for t in pool if about_premise(question, t.candidate.text)]
    if asks_if_wrong(question):
        # a question that reports an observation and asks whether something is wrong leads with a cause of that
        # observation whenever the pool holds one (f11-18: "my validation loss is lower than my training loss ...
        # is something broken?" led with "Run a learning-rate range test ..." from a top section on a loss that
        # does not fall, over "The training loss is averaged over the epoch while the weights change, so early on
        # it lags behind the validation loss ...")
        # ... and so does a cause that opens with "They"/"It" for the thing the sentence before it names, in the
        # same paragraph (f13-17: "They ... suffer from *model bias* when it is not, because the planner exploits the
        # model's errors." after "Model-based methods learn the transition and reward model ..."): the pair states
        # the cause, and compose shows the antecedent in front of it (:func:`pronoun_cause`)
        # a later why ask ("... why does that happen?": :func:`why_of_observation`) takes its cause from the first
        # retrieved chunk alone: a long setting shares two words with many sentences, and a lower chunk's reason that
        # names "every" and "zero" is a coincidence (f9-16 met a dead-ReLU sentence; f9-17 a bigram definition's
        # "so")
        # ... unless the ask names what it asks of the observation (:func:`why_claim_terms`: "why would printing
        # one number slow the GPU down that much?"): a cause must then name one of those terms too, which a
        # coincidence of the setting's words does not (round 18, f15-15: "calling `.item()` or printing a tensor every
        # step forces the CPU to wait for the GPU" is in the fourth chunk, under two chunks of one section on mixed
        # precision)
        # (what the ask names that the observation does not: "how can it fit labels that are pure noise?" asks about
        # fitting noise, its "labels" are the setting's, and a leakage demo's "... accuracy is far above chance,
        # because ..." names labels too)
        closing = bool(_WRONG_ASK_RE.search(question.strip()))
        own = why_claim_terms(question) - observation_terms(question)
        ranks = LEAD_POOL_RANKS if closing or own else 1

        def cause_at(t: Scored, text: str) -> bool:
            return closing or t.rank == 0 or bool(own & terms(text))

        causes = [t for t in pool if t.rank < ranks and states_cause(question, t.candidate.text)
                  and cause_at(t, t.candidate.text)]
        causes += [t for t in scored if t.rank < ranks and pronoun_cause(question, t, scored)
                   and cause_at(t, t.candidate.text)]
        # an ask for an explanation of the observation is not answered by what to do about it: when no cause is at
        # hand, a prescription (a list of remedies, an instruction: :func:`prescribes`) leads only when nothing else
        # can (f15-16: "how can it fit labels that are pure noise?" led with "Training-side remedies include robust
        # losses, ..." over "Deep networks can memorize random labels, ...")
        if not causes and why_of_observation(question) is not None:
            causes = [t for t in pool if not prescribes(t.candidate.text)]
        pool = causes or pool
    if intent == "how_to_choose" and not asks_needed_quantity(question):
        # a how-to-choose answer leads with a recommendation whenever the top chunks hold one: the repeat bonus of
        # a section that several top chunks come from outweighed the recommendation bonus, and a true sentence
        # that recommends nothing led (f2-19: "Textbook definitions differ ..." before "start with the baseline
        # (TF-IDF n-grams with logistic regression ...)", the best-scored candidate of the pool)
        # a table row only when it advises on the subject in an advice column (:func:`advises`)
        # a question that asks how much a goal needs (:func:`asks_needed_quantity`) is not restricted: the fact
        # that states the quantity leads (f10-12: "how many labelled test examples do i need so that my accuracy
        # estimate ... is accurate to plus or minus 1 percentage point?" led with a rank-3 precision-vs-recall
        # "trade-off" recommendation, the only advice of the pool, over the first section's "To pin an accuracy of
        # about 0.9 down to plus or minus one percentage point needs ... examples")
        pool = [t for t in pool if advises(t, subject)] or pool
    given = given_numbers(question)
    if given:
        # a question that gives its own numbers leads with a sentence that states one of them whenever the top
        # chunks hold one: that sentence is about the asker's case (f12-10: "... save at 512 channels ...?" led
        # with the block's definition and its 256-channel example over "In general, with $C$ channels ...: at 512
        # channels, 278,528 against 4,718,592")
        # only a sentence of the top LEAD_RANKS chunks, and not a fragment: a lower chunk's number is often a
        # coincidence (f5-09's "16 heads" met "16 bytes per parameter" of a memory table's section, rank 3), and
        # "For $d = 512$: $1{,}050{,}624$." alone says nothing of what it counts
        pool = [t for t in pool if t.rank < LEAD_RANKS and len(t.candidate.text.split()) >= SHORT_WORDS
                and states_number(t.candidate.text, given)] or pool
    if asks_verdict(question):
        # a "should I ...?" question about the asker's own plan leads with a sentence that gives a reason, the
        # verdict and its why, whenever the pool holds one (f12-08: "... should I still do that much cleaning?"
        # led with the caution "Each step is a decision, not a default: ..." over "For a model trained on
        # sub-words, such as a modern transformer, heavy normalization usually hurts, because ...")
        pool = [t for t in pool if gives_reason(t.candidate.text)] or pool
    return pool


def diagnosis_head(question: str) -> set[str]:
    """The content terms of the name of the diagnosis that retrieval reads into ``question`` (the words before the
    colon of :func:`mlnotes.kb.query.diagnosis`: "mode collapse", "overfitting", "training-serving skew"), or an
    empty set when it reads none."""
    named = diagnosis(question)
    return terms(named.split(":")[0]) if named else set()


def names_diagnosis(head: set[str], text: str) -> bool:
    """Whether ``text`` names the diagnosis whose terms are ``head`` (all of them)."""
    return bool(head) and head <= terms(text)


# a number the asker gives: a token of digits (with a decimal point or thousands commas), not glued to a letter
# ("3x3", "B0", "gpt-4") and not a year
_GIVEN_NUMBER_RE = re.compile(r"(?<![\w.,^/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w^]|[.,]\d)")
_YEAR_RE = re.compile(r"^(?:19|20)\d\d$")
# how long the antecedent of a cause that opens with a pronoun may be (:func:`pronoun_cause`; other dangling
# sentences take one of at most 35 words: ``scoring.antecedent``)
PAIR_ANTECEDENT_WORDS = 60
# a sentence that opens with a personal pronoun as its subject ("They are far more sample-efficient ...", "It
# fails because ...")
_PRONOUN_OPEN_RE = re.compile(r"^(?:they|it)\s+(?!is\s+(?:a|an|the|not|also)\b)", re.I)


def opens_on_pronoun_cause(question: str, text: str) -> bool:
    """Whether ``text`` may be a cause that :func:`pronoun_cause` lets lead: ``question`` asks about an observation
    (:func:`asks_if_wrong`) and ``text`` opens with "They"/"It" (:data:`_PRONOUN_OPEN_RE`) and states a cause
    (:func:`gives_cause`). Compose gives such a lead an antecedent of up to ``PAIR_ANTECEDENT_WORDS`` words."""
    text = text.strip()
    return bool(_PRONOUN_OPEN_RE.match(text)) and gives_cause(text) and asks_if_wrong(question)


def pronoun_cause(question: str, t: Scored, scored: Sequence[Scored]) -> bool:
    """Whether ``t`` is a cause of the observation of a question of :func:`asks_if_wrong` that opens with "They"
    or "It" for what the sentence just before it names (:data:`_PRONOUN_OPEN_RE`): a usable sentence, standalone but
    for its pronoun, whose antecedent in the same paragraph (:func:`~mlnotes.assistant.answering.scoring.antecedent`)
    reads on its own, and the pair names the observation and gives the reason (:func:`states_cause`). Compose puts
    the antecedent in front of such a lead (``compose.with_antecedents``), so the pair leads."""
    text = t.candidate.text.strip()
    if not opens_on_pronoun_cause(question, text) or not usable(t):
        return False
    if pointer(text) or caveat(text) or describes_figure(text) or not solution_stands_alone(question, t.candidate):
        return False
    prev = antecedent(t, scored, max_words=PAIR_ANTECEDENT_WORDS)
    return (prev is not None and standalone(prev) and usable(prev)
            and states_cause(question, prev.candidate.text + " " + text))


# a question's last ask that wants a verdict on the asker's own plan: "should I / we ...?", "do I (really) need
# to ...?", "is it (still) worth ...?"
_VERDICT_ASK_RE = re.compile(r"^\W*(?:(?:and|but|so|also|then)\s+)?(?:should|shall|must) (?:i|we)\b|"
                             r"^\W*(?:(?:and|but|so|also|then)\s+)?(?:do|does) (?:i|we) (?:\w+ )?need to\b|"
                             r"^\W*(?:(?:and|but|so|also|then)\s+)?is it (?:\w+ )?worth\b", re.I)


def _number_value(token: str) -> float:
    return float(token.replace(",", ""))


def specific_number(token: str) -> bool:
    """Whether a number the asker gives is specific enough to find the asker's case by: at least two significant
    digits once leading and trailing zeros are dropped ("512", "0.98", "1,500"; not "4", "10", "100", "0.01"), and
    not a year ("2019")."""
    digits = token.replace(",", "").replace(".", "").strip("0")
    return len(digits) >= 2 and not _YEAR_RE.match(token)


def given_numbers(question: str) -> set[float]:
    """The specific numbers the asker gives (:func:`specific_number`; :data:`_GIVEN_NUMBER_RE`), as values."""
    return {_number_value(m.group(1)) for m in _GIVEN_NUMBER_RE.finditer(question) if specific_number(m.group(1))}


def states_number(text: str, given: set[float]) -> bool:
    """Whether ``text`` states one of the numbers ``given`` (values; "278{,}528" and "278,528" read alike)."""
    text = text.replace("{,}", ",")
    return any(_number_value(m.group(1)) in given for m in _GIVEN_NUMBER_RE.finditer(text))


def asks_verdict(question: str) -> bool:
    """Whether the last ask of ``question`` wants a verdict on the asker's own plan (:data:`_VERDICT_ASK_RE`:
    "should I still do that much cleaning?", "do we really need to ...?", "is it worth ...?") rather than a choice
    between named options ("should I use X or Y?", which :func:`lead_reading` reads as how-to-choose)."""
    pieces = question_pieces(question)
    if not pieces or _CHOICE_RE.search(question):
        return False
    return bool(_VERDICT_ASK_RE.match(pieces[-1]))


# a sentence that sets an answer up instead of giving it: the history of a method (when it was introduced or what it
# achieved then: "The Viola-Jones face detector evaluated thousands of rectangle features per window this way, which
# made real-time detection possible in 2001", f12-09); and the question a method asks, restated ("EfficientNet asks
# how to scale a network when more compute is available: deeper, wider, or higher input resolution", f12-07), which
# the answer's next sentence answers
_HISTORY_RE = re.compile(r"\bin (?:1[89]|20)\d\d\b|\b(?:the|this|that|their|the original) (?:paper|authors?|study) "
                         r"(?:reported|showed|found|claimed|introduced|proposed)\b|\b(?:was|were) (?:first )?"
                         r"(?:introduced|proposed|invented|coined|popularized|popularised|published)\b|"
                         # round 15 (f13-07): the originator named as a possessive ("Smith's original version raised
                         # the rate linearly ..."), an "originally" with its verb, and the reduced passive with a
                         # named agent ("The range test, introduced by Smith as a way to ...")
                         r"\b(?-i:[A-Z])[\w-]+(?:'s|\u2019s) (?:original|first|initial) (?:version|method|paper|formulation|"
                         r"proposal|algorithm|idea|procedure|form)\b|\boriginally (?:introduced|proposed|invented|"
                         r"coined|published|described|defined|used|designed|developed)\b|"
                         r"\b(?:first )?(?:introduced|proposed|invented|coined|popularized|popularised) by "
                         r"(?:\[@|(?-i:[A-Z]))", re.I)
_POSES_RE = re.compile(r"\b(?:asks?|asked)\s+(?=(?:how|whether|which|what|why|if)\b)", re.I)
# a question about the history itself is answered by it
_ASKS_HISTORY_RE = re.compile(r"\b(?:who|when (?:was|were|did)|history|historical|histor\w*|origin\w*|invent\w*|"
                              r"introduc\w*|propos\w*|paper|year)\b", re.I)
SETUP_INTENTS = frozenset({"why_how", "how_to_choose", "complexity"})
RESTATED_TERMS = 2  # a posed question restates the asker's when it names this many of the question's terms


def tells_history(text: str) -> bool:
    """Whether ``text`` tells a method's history (:data:`_HISTORY_RE`: an event dated by its year, what "the paper"
    reported, what "was introduced/proposed"), without giving a reason (:func:`gives_reason`)."""
    return bool(_HISTORY_RE.search(text)) and not gives_reason(text)


def poses_question(question: str, text: str) -> bool:
    """Whether ``text`` restates the question instead of answering it: it says what something *asks* ("X asks how
    / whether / which ...") and what it asks names at least ``RESTATED_TERMS`` of ``question``'s subject terms. Such
    a lead of a why/how, how-to-choose or cost question is followed by the answer after it
    (:meth:`~mlnotes.assistant.answer.Answerer._answer_after`)."""
    m = _POSES_RE.search(text)
    return m is not None and len(terms(text[m.end():]) & subject_terms(question)) >= RESTATED_TERMS


def sets_up(intent: str, question: str, text: str) -> bool:
    """Whether ``text`` only sets up the answer to a why/how, how-to-choose or cost question (``intent`` in
    ``SETUP_INTENTS``): it tells history (:func:`tells_history`) and the question does not ask about history. Such a
    sentence leads only when nothing else can (:func:`lead_pool`)."""
    return (intent in SETUP_INTENTS and tells_history(text) and not _ASKS_HISTORY_RE.search(question))


# a sentence whose subject is a "shell noun" with the definite article ("The design is asymmetric: ...", "The idea
# is to ...", "The catch is ..."): the noun stands for a design, idea or result described before it, and the
# sentence does not say whose (f13-04: "The design is asymmetric: the encoder processes only the visible 25% of
# patches ..." led "MAE vs contrastive pretraining ..." before "A masked autoencoder splits an image into patches
# ..."); "The idea of X is ..." names its owner and stands alone
_SHELL_OPENING_RE = re.compile(r"^(?:the|its|their) (?:(?:key|main|basic|central|core|whole|same) )?"
                               r"(?:design|idea|trick|catch|point|upshot|insight|intuition|twist|result|outcome|"
                               r"consequence|fix|remedy|solution|answer|problem|difficulty|drawback|downside|"
                               r"advantage|benefit|effect)s? (?:is|are|was|were|lies|here)\b", re.I)
# a list item that only names what it lists: bold labels joined by "and" or commas, with their asides in
# parentheses ("**Training loss per step** (smoothed for display, raw in storage) and **validation loss and metrics
# per epoch**.", f13-18): no statement about them
_BOLD_SPAN_RE = re.compile(r"\*\*[^*]+\*\*")
_PAREN_RE = re.compile(r"\([^()]*\)")
NAMES_ONLY_WORDS = 2  # at most this many words outside its bold labels and asides: the sentence only names things


def opens_on_shell_noun(text: str) -> bool:
    """Whether ``text`` opens with a shell noun that stands for something said before it ("The design is ...",
    "The idea is ...", "The catch is ...": :data:`_SHELL_OPENING_RE`)."""
    return bool(_SHELL_OPENING_RE.match(text.lstrip("*_ ")))


def names_only(text: str) -> bool:
    """Whether ``text`` only names things: it holds bold labels and, outside them and their asides in parentheses,
    at most ``NAMES_ONLY_WORDS`` words (a list item of what to log, not a statement)."""
    if not _BOLD_SPAN_RE.search(text):
        return False
    rest = _PAREN_RE.sub(" ", _BOLD_SPAN_RE.sub(" ", text))
    return len(_WORD_RE.findall(rest)) <= NAMES_ONLY_WORDS


def leans_on_context(text: str) -> bool:
    """Whether ``text`` cannot open an answer although it is usable and standalone by the other rules: it opens on a
    shell noun (:func:`opens_on_shell_noun`) or only names things (:func:`names_only`). Such a sentence leads only
    when nothing else can (:func:`lead_pool`)."""
    return opens_on_shell_noun(text) or names_only(text)


def section_repeats(top: Sequence[str], rank: int) -> int:
    """How many other chunks of the top ``top`` (section keys by rank) come from the section of the chunk at
    ``rank``."""
    return sum(1 for j, key in enumerate(top) if j != rank and rank < len(top) and key == top[rank])


def rule_value(intent: str, question: str, t: Scored, subject: set[str], top: Sequence[str],
               short_answers: frozenset[int] = frozenset(), head: str | None = None) -> float:
    """The hand-tuned value of candidate ``t`` as the lead (:func:`pick_lead` without a model): its score, its
    intent bonus, the section repeat and heading bonuses, the rank penalty, and for a definition the short-answer
    and head-term bonuses."""
    short = SHORT_ANSWER_BONUS if intent == "definition" and id(t.candidate) in short_answers else 0.0
    if intent == "definition" and head is not None and head in terms(t.candidate.text):
        short += DEFINITION_HEAD_BONUS
    return (t.score + lead_bonus(intent, question, t, subject) + SECTION_REPEAT_BONUS * section_repeats(top, t.rank)
            - RANK_PENALTY * t.rank + HEADING_BONUS * heading_share(subject, top, t.rank) + short)


# words too common in headings to say what a section is about ("NLP models", "Data problems")
GENERIC_HEADING_WORDS = frozenset(tokenize("model models data network networks new first second small large "
                                            "good best learning machine"))


def heading_share(subject: set[str], sections: Sequence[str], rank: int) -> float:
    """The share of the question's subject terms that the heading of the section at ``rank`` names (its slug in
    ``sections[rank]``, "doc#section-slug"); 0 without sections or subject."""
    subject = subject - GENERIC_HEADING_WORDS
    if not subject or rank >= len(sections):
        return 0.0
    slug = sections[rank].split("#", 1)[-1].replace("-", " ")
    return len(subject & terms(slug)) / len(subject)


# a Markdown emphasis: *term*, **term**, _term_
_EMPHASIS_RE = re.compile(r"(?<![\w*])\*{1,2}([^*\n]+?)\*{1,2}(?![\w*])|(?<!\w)_([^_\n]+?)_(?!\w)")
SIDE_EMPHASIS_BONUS = 0.1


def best_about(side: str, scored: Sequence[Scored], exclude: Sequence[Scored] = (),
               headings: Sequence[str] = (), other: str | None = None,
               by: set[str] | None = None) -> Scored | None:
    """The usable candidate that best explains ``side``: it names the side (with ``other``, the terms that tell the
    side apart from the other side: :func:`side_terms`), preferably near its start (the side is what the sentence
    is about), in a defining sentence, in a section whose heading (``headings[rank]``) names the side, set in
    emphasis (``*joint*``: where the notes introduce the term, ``SIDE_EMPHASIS_BONUS``); ``scored`` are scored
    against a question about the side. ``by``: the terms that name the side, when not its own
    (:func:`modifier_terms`)."""
    parts = [x for x in _SIDE_PARTS_RE.split(side) if terms(x)] if by is None else []
    # a side of parts joined by "+" is named by a sentence that names one part (:func:`mentions`); its first part's
    # terms stand for it where the sentence's opening words are weighed
    want = by or side_terms(parts[0] if len(parts) > 1 else side, other)

    def named(text: str) -> bool:
        if len(parts) > 1:
            return mentions(text, side, other)
        return names_terms(text, want, close=not by)

    taken = {id(t.candidate) for t in exclude}
    pool = [t for t in scored if id(t.candidate) not in taken and usable(t) and not pointer(t.candidate.text)
            and named(t.candidate.text)]
    # "The bidirectional LSTM tagger with a CRF output layer is the classic example" is an example of what the
    # sentence before it says (f13-05 led with it): such a sentence describes a side only when no other does
    pool = [t for t in pool if not example_of_before(t.candidate.text)] or pool
    # ... and so does one whose opening claim is about the page's example ("LSTM and GRU behave alike here; ...")
    pool = [t for t in pool if not opens_on_here(t.candidate.text)] or pool
    if other and terms(side) < terms(other):
        # the plain side of "SGD with momentum" against "SGD" is described by a sentence about SGD alone, not by one
        # about the variant (which names SGD too), when there is one
        pool = [t for t in pool if not mentions(t.candidate.text, other, side)] or pool
    if not pool:
        return None

    def value(t: Scored) -> float:
        text = t.candidate.text
        words = _WORD_RE.findall(normalize(text))
        while words and words[0].lower() in ("the", "a", "an"):
            words = words[1:]
        # the side is what it is about: it opens the sentence ("*Bagging* trains ...", not "Random forests are
        # bagging plus ...", which is about random forests)
        v = t.score + (0.15 if named(" ".join(words[: len(want) + 2])) else 0.0)
        # ... best as its very first words ("Momentum accumulates ...", not "Nesterov momentum computes ...", nor a
        # compound that holds the side: "Self-supervised learning ..." is not about supervised learning, ml-33)
        opening = " ".join(words[: len(want)])
        v += SIDE_FIRST_BONUS if named(opening) and terms(opening) <= want else 0.0
        m = _DEFINING_RE.search(text)
        v += 0.1 if m and want <= terms(text[: m.start()]) else 0.0  # ... and it says what the side is
        if t.rank < len(headings) and want <= terms(headings[t.rank]):
            v += 0.1
        # ... where the notes introduce it: the side set in emphasis ("operations on the *joint* distribution",
        # "the **readiness probe** decides ...") is the term that sentence defines, not one it uses in passing
        emphasised = " ".join(a + b for a, b in _EMPHASIS_RE.findall(text))
        v += SIDE_EMPHASIS_BONUS if emphasised and want <= terms(emphasised) else 0.0
        if words and words[0].lower() in _ANAPHORA:  # "That is how ...", "It ...": bound to the sentence before
            v -= 0.15
        return v - (0.2 if re.match(r"^(?:the |this )?code\b", text, re.I) else 0.0)

    return max(pool, key=value)


# -- the parts of a question of several parts -------------------------------------------------------------------

_WH = r"(?:what|how|why|when|which|where|whether|in what|does|do|is|are|can|should)\b"
_PART_SPLIT_RE = re.compile(r"\?\s*|;\s*|\.\s+(?=[A-Z])|,?\s+and\s+(?=" + _WH + r")|,\s*(?=" + _WH + r")", re.I)
_ASKS_RE = re.compile(r"^\W*" + _WH, re.I)
_PART_OPENING_RE = re.compile(r"^\W*(?:(?:so|and|also|then|first|second|third|finally)\W+)*"
                              r"(?:(?:can|could) you\s+)?(?:please\s+)?(?:walk me through|explain|describe|"
                              r"tell me|show me)\s+", re.I)


def question_parts(question: str) -> list[str]:
    """The parts of a question that asks several things, in order: split at question marks, semicolons and at a
    comma or an "and" before a question word ("Explain what dropout does while it trains, and what changes when
    you make predictions." -> two parts; "Walk me through how a tree picks the split, what stops it from growing,
    and how pruning helps" -> three). A part without two subject terms of its own is joined to the one before ("What
    is it, and why?" is one part). One part for a question that asks one thing."""
    q = " ".join(question.split())
    raw = [x.strip(" ,.") for x in _PART_SPLIT_RE.split(q)]
    parts: list[str] = []
    for x in raw:
        if not x:
            continue
        if parts and len(subject_terms(x)) < 2:
            parts[-1] = f"{parts[-1]}, {x}"
        else:
            parts.append(_PART_OPENING_RE.sub("", x) or x)
    return parts


def later_parts(question: str) -> list[str]:
    """The parts of ``question`` after its first (:func:`question_parts`) that ask something (open with a question
    word: "what changes when you make predictions"), not statements of context ("the validation loss bottoms out
    ...")."""
    return [x for x in question_parts(question)[1:] if _ASKS_RE.match(x)]


# the corpus says "at inference" where questions say "when you make predictions" or "at test time"
_PART_WORDING = ((re.compile(r"\b(?:when (?:you|we|i) )?mak(?:e|es|ing) (?:a )?predictions?\b|\bat prediction time\b|"
                             r"\bat test time\b|\bwhen predicting\b", re.I), "at inference"),)


def part_query(part: str, first: str, idf: Callable[[str], float]) -> str:
    """What to embed to find the sentence that answers a later ``part`` of a question whose ``first`` part names
    the subject: the part in the corpus' wording, followed by the words of the first part's most specific term
    ("what changes at inference (dropout)"): a later part often refers to the subject only by "it" or not at all."""
    for rx, to in _PART_WORDING:
        part = rx.sub(to, part)
    subject = subject_terms(first)
    head = head_term(subject, idf) or next(iter(sorted(subject)), None)
    words = " ".join(w for w in first.split() if head and head in terms(w))
    return f"{part} ({words})" if words else part


# -- the asks of a question and the sentence that answers each (round 10b) --------------------------------------

# the words of an ask that only say what kind of answer is wanted or who asks, not what it is about ("how am I
# supposed to prepare" asks about preparing, f18-01)
_ASK_FILLER = frozenset(tokenize("each one ones actually still really same get use would could should people say just "
                                 "plain terms someone explain mean means thing things way ways i me my big small "
                                 "take need many much model models output outputs input so away put follow "
                                 "following goes go than them any ever always through across am supposed meant"))
_ASK_WH_RE = re.compile(r"\b(?:what(?:'s|s)?|how|why|when|which|whether)\b", re.I)
# where a question's asks part: question marks, semicolons, sentence ends (not "vs. "), and a comma, "and" or "but"
# before an ask word (the splits of :data:`_PART_SPLIT_RE`, with "whats" and "but")
_ASK_SPLIT_RE = re.compile(r"\?\s*|;\s*|(?<!\bvs)\.\s+(?=[A-Z])|,?\s+(?:and|but)\s+(?=" + _WH + r"|whats\b)|,\s*(?="
                           + _WH + r"|whats\b)", re.I)
# an ask that wants yes or no ("do I still get exactly the same output?", "should I keep tuning?")
_YES_NO_RE = re.compile(r"^\W*(?:(?:and|but|so|also)\s+)?(?:do|does|did|is|are|was|were|can|could|should|would|"
                        r"will)\b", re.I)


def ask_of(part: str) -> str | None:
    """The ask of a ``part`` of a question: the part from its first question word on ("For an AR(1) process ...,
    what is the variance of y" -> "what is the variance of y"), or the whole part when it opens with an auxiliary
    verb ("and do I still get exactly the same output"); ``None`` for a statement ("my classifier is stuck at 95%")."""
    m = _ASK_WH_RE.search(part)
    if m is not None:
        return part[m.start():]
    return part if _YES_NO_RE.match(part) else None


def ask_terms(part: str) -> set[str]:
    """The content terms of the ask of ``part`` (:func:`ask_of`) that say what it asks about ("the variance of y"
    -> {variance}; "how is it trained with no labels" -> {trained, labels}), without the words of every question
    ("what", "each", "actually", "I", "model"), and without "exactly" unless the ask wants a yes or a no."""
    ask = ask_of(part)
    if ask is None:
        return set()
    out = terms(ask) - (_CUE_WORDS - _KEPT_CUES) - _ASK_FILLER
    # "exactly" is what a yes/no ask asks ("do I get exactly the same output?"), elsewhere only stress ("what
    # exactly changes?")
    return out if _YES_NO_RE.match(ask) else out - _EXACT


_EXACT = frozenset(tokenize("exactly"))
# cue words that an ask is about ("how is it trained": the training is what it asks)
_KEPT_CUES = frozenset(tokenize("training train trained inference prediction predict number"))


def question_pieces(question: str) -> list[str]:
    """The pieces of ``question`` that :func:`question_asks` reads, in order (split at :data:`_ASK_SPLIT_RE`)."""
    q = " ".join(question.split())
    return [x for x in (x.strip(" ,.") for x in _ASK_SPLIT_RE.split(q)) if x]


# a verb of saying and its "that" before a reported claim ("a reviewer says that ...", "my lead told me ...")
_SAYING_RE = re.compile(r"^.*?\b(?:says?|said|claims?|claimed|thinks?|argues?|argued|insists?|insisted|"
                        r"told (?:me|us)|tells? (?:me|us)|points? out|pointed out|commented|noted)\s+(?:that\s+)?",
                        re.I)
# the verb after a claim's subject ("... standard error is wrong", "... the scores look too good")
_CLAIM_VERB_RE = re.compile(r"\s+(?:is|are|was|were|isn't|aren't|wasn't|weren't|looks?|seems?|becomes?|gets?)\b",
                            re.I)


def claim_terms(statement: str) -> set[str]:
    """The terms of what the last claim of ``statement`` is about: its last sentence or clause, after a verb of
    saying ("a reviewer says that standard error is wrong" -> "standard error is wrong"), up to its verb ("is",
    "are", "looks") -> {standard, error}; without the words of every question (as :func:`ask_terms`). A bare
    "why?" after the statement asks why that claim holds."""
    clause = re.split(r"(?<=[.!:;])\s+|,\s+", statement.strip())[-1]
    clause = _SAYING_RE.sub("", clause, count=1)
    m = _CLAIM_VERB_RE.search(clause)
    subject = clause[: m.start()] if m else clause
    return terms(subject) - (_CUE_WORDS - _KEPT_CUES) - _ASK_FILLER - _EXACT


def question_asks(question: str) -> list[tuple[str, set[str]]]:
    """Each explicit ask of a question of several pieces (split at :data:`_ASK_SPLIT_RE`; a question of one piece
    has none): the piece and its ask terms (:func:`ask_terms`), for pieces that open or hold an ask word and have
    ask terms of their own ("what would I use each one for" has none). "ControlNet vs DreamBooth: ..., but what
    does each one actually train, and what would I use each one for?" -> one ask, {train}."""
    pieces = question_pieces(question)
    if len(pieces) < 2:
        return []
    out = []
    for p in pieces:
        t = ask_terms(p)
        if t:
            out.append((p, t))
    return out


def answers_ask(ask: set[str], text: str) -> bool:
    """Whether ``text`` answers an ask with terms ``ask`` (:func:`ask_terms`): it names every one of up to three
    and two thirds of more (:func:`ask_matches`). Half of three let "Nested cross-validation has an inner loop ..."
    answer "what is stratified cross-validation" (ml-30)."""
    have = ask_matches(ask, text)
    return have >= (len(ask) if len(ask) <= 3 else -(-2 * len(ask) // 3))


def ask_matches(ask: set[str], text: str) -> int:
    """How many terms of ``ask`` ``text`` names: the same stem, or a stem of ``text`` that extends one of at least
    four letters ("train" is named by "trainable")."""
    have = terms(text)
    return sum(1 for a in ask if a in have or (len(a) >= 4 and any(h.startswith(a) for h in have)))


def asks_yes_no(part: str) -> bool:
    """Whether the ask of ``part`` wants a yes or a no ("do I still get exactly the same output as the big model")."""
    return bool(_YES_NO_RE.match(ask_of(part) or ""))


# a question that asks to choose among or compare the items of a table: which ones, X vs Y, when to use each
_CHOOSES_RE = re.compile(r"\b(?:which(?: ones?)?|vs\.?|versus|compare|comparison|choose|pick|start with|when to use|"
                         r"when (?:should|do) (?:i|you|we) use|or)\b", re.I)
TABLE_ROWS_SHOWN = 6  # at most this many rows of one table, the lead's row among them


def rows_to_show(question: str, row: Candidate, siblings: Sequence[Candidate]) -> list[Candidate]:
    """The rows of ``row``'s table to show when a table row answers ``question``: ``row`` alone unless the question
    asks to choose among or compare items (:data:`_CHOOSES_RE`); then the rows whose first cell, outside its
    parentheticals, names a subject term of the question, and, when fewer than two do, every row of a table with an advice column
    (:data:`_ADVICE_HEADER_RE`) of at most :data:`TABLE_ROWS_SHOWN` rows ("which gymnasium environments should I
    start with": every environment family's "good for"; "label encoding vs one-hot": the ordinal row says when
    label encoding fits). In table order; ``siblings`` are the rows of the same table (``row`` among them)."""
    same = [c for c in siblings if c.kind == "table_row" and c.table_header == row.table_header]
    if row.kind != "table_row" or not _CHOOSES_RE.search(question) or len(same) < 2:
        return [row]
    subject = subject_terms(question)
    # a row is named by its name, not by a parenthetical that explains it: "3 stacked 3x3 conv layers" does not name
    # "Feed-forward block (two dense layers)" beside the convolution row (f12-12)
    # ... or by its advice cell when that names the asker's case (round 18, f15-08: each part of "which would you
    # pick for (a) ..., (b) ..., (c) ...?" is named in the "good for" cell of a dataset the asker cannot name)
    named = [c for c in same if c.text == row.text
             or subject & terms(re.sub(r"\([^()]*\)", " ", first_cell(c.text))) or advises_on_case(c, subject)]
    if len(named) < 2:
        advice = bool(_ADVICE_HEADER_RE.search(row.table_header.split("\n")[0]))
        if not advice or len(same) > TABLE_ROWS_SHOWN:
            return [row]
        named = same
    named = sorted(named, key=lambda c: c.line_start)[:TABLE_ROWS_SHOWN]
    return named if any(c.text == row.text for c in named) else [row]


# -- complexity rows -------------------------------------------------------------------------------------------

COMPLEXITY_DOC = "guides/algorithm-complexity.md"


@dataclass(frozen=True)
class TableRow:
    text: str
    line: int
    header: str  # the header and delimiter rows


def table_rows(doc: Document) -> list[TableRow]:
    """Every body row of every table of ``doc``, with its header."""
    out = []
    for b in doc.blocks:
        if b.type != "table" or len(b.header_lines) != 2:
            continue
        h, d = b.header_lines
        header = doc.lines[h - 1].strip() + "\n" + doc.lines[d - 1].strip()
        for ln in range(d + 1, b.end + 1):
            row = doc.lines[ln - 1].strip()
            if row.startswith("|"):
                out.append(TableRow(row, ln, header))
    return out


def first_cell(row: str) -> str:
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    return cells[0] if cells else ""


# what a cost question says about the size of its input or about growth, not which algorithm it asks about: "How
# does the running time of k-means scale with the number of points and clusters?" asks about k-means (f2-10: with
# "points" and "clusters" in the subject no row name covered it, and an unrelated clustering row led)
_SIZE_CLAUSE_RE = re.compile(r"\b(?:with|in|on|as a function of|against|versus|vs\.?|when|as)\s+(?:the\s+|a\s+)?"
                             r"(?:(?:growing|increasing|large|larger|huge)\s+)?(?:number|size|count|amount|dimension"
                             r"(?:ality)?|length)s?\s+of\b[^?;]*", re.I)
_COST_WORDS = frozenset(tokenize("running runtime run scale scales scaling grow grows growth asymptotic asymptotically "
                                 "fast faster slow slower speed expensive cheap"))


def cost_subject(question: str) -> set[str]:
    """The algorithm a cost question names: its subject terms without a clause about the input's size ("with the
    number of points and clusters") and without words about cost or growth ("running", "scale")."""
    return subject_terms(_SIZE_CLAUSE_RE.sub(" ", question)) - _COST_WORDS


def complexity_rows(question: str, rows: Sequence[TableRow]) -> list[TableRow]:
    """The cost-table rows whose algorithm name (first cell) names every term of the algorithm the question names
    (:func:`cost_subject`, after alias normalisation: "k-NN prediction" -> ``knn``, matched by "Brute-force kNN"),
    then the rows whose whole name (without linking words such as "via") the question names although it says more
    ("How expensive is it to get a prediction out of a trained random forest?" names "Random forest"), then the rows
    whose algorithm (the name before its first comma, parenthesis or "via": "Agglomerative" of "Agglomerative,
    priority queue (general linkage)", :func:`row_algorithm`) the question names word for word, by a plural or an
    abbreviation (:func:`names_algorithm`: "stacked" is no name of "Stacking", f12-12): "Can I run agglomerative
    (hierarchical) clustering on a million points?" names no row whole, and a Gaussian-mixture row of the retrieved
    clustering table led (f6-09); best first by the number of subject terms the name has, then by the share of the
    name's terms the question has; ``[]`` when no row matches any way ("transformer layer" is not "Layer norm")."""
    subject = cost_subject(question)
    if not subject:
        return []
    scored = []
    for r in rows:
        if not _COST_HEADER_RE.search(r.header):
            continue
        name = terms(first_cell(r.text))
        named = (name - _NAME_LINK_WORDS) or name
        hit = subject & name
        if hit == subject:
            scored.append(((1, len(hit), len(hit) / len(named)), r))
        elif named <= subject:
            # the question names the row's whole algorithm name and says more besides ("get a prediction out of a
            # trained random forest", "a full SVD of the data matrix"): second to rows that cover the subject
            scored.append(((0, len(hit), len(hit) / len(named)), r))
        elif row_algorithm(r.text) and names_algorithm(question, r.text):
            # the question names the row's algorithm but not its variant ("agglomerative clustering" for
            # "Agglomerative, naive" and "Agglomerative, priority queue (general linkage)")
            scored.append(((-1, len(hit), len(hit) / len(named)), r))
    scored.sort(key=lambda t: (-t[0][0], -t[0][1], -t[0][2], t[1].line))
    return [r for _, r in scored]


_VARIANT_RE = re.compile(r"[,(;:/]|\s(?:via|with|by|using)\s|\s[-\u2013]\s")


def _algorithm_words(row: str) -> list[str]:
    """The words of a cost-table row's algorithm name (:func:`row_algorithm`), lower-cased, after alias
    normalisation, those with a content term only."""
    name = normalize(_VARIANT_RE.split(first_cell(row), maxsplit=1)[0]).lower()
    return [w for w in re.findall(r"[a-z0-9]+", name) if terms(w)]


def names_word(asked: Sequence[str], word: str) -> bool:
    """Whether one of the ``asked`` words (lower-cased, split at anything not a letter or digit) is ``word`` itself,
    its plural or singular, or an abbreviation of an alphabetic ``word`` by truncation of four letters or more
    ("conv" of "convolution", "param" of "parameters"; "word" is no abbreviation of "word2vec"): not another form
    of the same stem ("stacked" does not name "Stacking", the ensemble method)."""
    return any(a == word or a in (f"{word}s", f"{word}es") or word in (f"{a}s", f"{a}es")
               or (len(a) >= 4 and len(word) > len(a) and word.isalpha() and word.startswith(a)) for a in asked)


def names_algorithm(question: str, row: str) -> bool:
    """Whether ``question``, outside a clause about its input's size, names each word of a cost-table row's
    algorithm name (:func:`row_algorithm`) as such (:func:`names_word`): "agglomerative (hierarchical) clustering"
    names "Agglomerative, naive", "3x3 conv layers" names "2-D convolution"; "3 stacked 3x3 conv layers" does not
    name "Stacking with $K$-fold out-of-fold predictions" although both stem to ``stack`` (f12-12 led with that
    ensemble row)."""
    words = _algorithm_words(row)
    asked = [w for w in re.findall(r"[a-z0-9]+", normalize(_SIZE_CLAUSE_RE.sub(" ", question)).lower())
             if terms(w) & cost_subject(question)]
    return bool(words) and all(names_word(asked, w) for w in words)


def row_algorithm(row: str) -> set[str]:
    """The terms of the algorithm a cost-table row is about: its first cell up to the first comma, parenthesis,
    slash or linking word that opens its variant ("Agglomerative, naive" -> agglomerative; "Gaussian mixture, EM,
    full covariances" -> gaussian, mixture; "PCA via full SVD" -> pca)."""
    return terms(_VARIANT_RE.split(first_cell(row), maxsplit=1)[0])


# -- the sizes a cost question gives, and the rows that fit them --------------------------------------------------

# a count a question gives: "2,000 samples", "100k features", "50k training points", "a million points", "10^6 rows"
_COUNT = (r"(?<![\w.^/-])(?P<num>10\^\d+|1e\d+|\d[\d,]*(?:\.\d+)?\s*(?:[kKmMbB]\b|thousand|million|billion)?|(?:a|one)\s+"
          r"(?:thousand|million|billion))")
_ROWS_WORDS = (r"samples?|points?|rows?|examples?|observations?|records?|instances?|documents?|images?|items?|"
               r"vectors?|users?|customers?|patients?|sequences?")
_DIMS_WORDS = r"features?|dimensions?|dims?|columns?|variables?|genes?|predictors?|covariates?"
_SIZE_RE = re.compile(_COUNT + r"\s+(?:[\w-]+\s+){0,2}?(?:(?P<n>" + _ROWS_WORDS + r")|(?P<d>" + _DIMS_WORDS
                      + r"))\b", re.I)
_SYMBOL_SIZE_RE = re.compile(r"\b(?P<sym>[nNdDpP])\s*(?:=|≈|~)\s*" + _COUNT, re.I)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
# what a question asks about cost in words: time, memory, whether it is feasible, which way is cheaper
_COST_ASK_RE = re.compile(r"\b(?:time|memory|ram|gb|flops?|cheap\w*|expensive|costs?|costly|feas[ia]ble|"
                          r"feasibility|tractable|how long|fast(?:er)?|slow(?:er)?|scal(?:e|es|ing)|complexity|"
                          r"fits? in memory|blow up)\b", re.I)


def _count(text: str) -> float | None:
    t = text.strip().lower().replace(",", "")
    m = re.match(r"^(?:10\^(\d+)|1e(\d+))$", t)
    if m:
        return 10.0 ** int(m.group(1) or m.group(2))
    m = re.match(r"^(?:(?:a|one)\s+)?(\d+(?:\.\d+)?)?\s*(k|m|b|thousand|million|billion)?$", t)
    if not m or not (m.group(1) or m.group(2)):
        return None
    return float(m.group(1) or 1) * _SCALE.get(m.group(2) or "", 1.0)


def given_sizes(question: str) -> dict[str, float]:
    """The sizes a cost question gives: ``n`` the number of examples ("2,000 samples", "50k training points", "a
    million points", "n = 2000") and ``d`` the number of features ("100k features", "d = 100k"; ``p`` counts as
    ``d``); the first of each; ``{}`` when it gives none."""
    out: dict[str, float] = {}
    for m in _SIZE_RE.finditer(question):
        v = _count(m.group("num"))
        if v is not None:
            out.setdefault("n" if m.group("n") else "d", v)
    for m in _SYMBOL_SIZE_RE.finditer(question):
        v = _count(m.group("num"))
        if v is not None:
            out.setdefault("n" if m.group("sym").lower() == "n" else "d", v)
    return out


def asks_cost(question: str) -> bool:
    """Whether ``question`` asks what something costs for sizes it gives: a size (:func:`given_sizes`) and a word
    about time, memory, feasibility or which way is cheaper. "Is closed-form ridge regression even feasable here
    (2,000 samples, 100k features), and which way of solving it is cheaper?" reads as a formula question by its
    "closed-form" (f7-09), "would gaussian process regression work on 50k training points? rough time and memory"
    as a why/how question (f7-10); both ask for the complexity rows."""
    return bool(given_sizes(question)) and bool(_COST_ASK_RE.search(question))


# a regime a cost-table row holds in: "Ridge, dual / kernel form ($d > n$)", "... cheaper when $d \gg n$"
_REGIME_RE = re.compile(r"\b([ndp])\s*(?:>|\\gg|\\geq?|≫)\s*([ndp])\b")


def regime_fit(row: TableRow, sizes: dict[str, float]) -> int:
    """+1 when the regime a row states ("$d > n$", "cheaper when $d \\gg n$") holds for the question's ``sizes``,
    -1 when it does not, 0 when the row states none or the sizes do not say (``p`` is read as ``d``)."""
    fit = 0
    for a, b in _REGIME_RE.findall(row.text):
        a, b = ("d" if a == "p" else a), ("d" if b == "p" else b)
        if a == b or a not in sizes or b not in sizes:
            continue
        fit = 1 if sizes[a] > sizes[b] else -1
    return fit


def complexity_lead_rows(question: str, rows: Sequence[TableRow], limit: int = 3) -> list[TableRow]:
    """The rows a cost question leads with, from its matched rows (:func:`complexity_rows`, best first): the best
    row alone; when the question gives sizes (:func:`given_sizes`), also the other matched rows of the same
    algorithm (:func:`row_algorithm`: "Ridge, closed form" and "Ridge, dual / kernel form ($d > n$)", which
    differ by the regime), at most ``limit``, the rows whose stated regime the sizes fit first (:func:`regime_fit`:
    2,000 samples and 100k features lead with the dual form, f7-09), then the rows that state none, then those the
    sizes contradict, each group in matched order."""
    if not rows:
        return []
    sizes = given_sizes(question)
    if not sizes:
        return [rows[0]]
    algo = row_algorithm(rows[0].text)
    same = [r for r in rows if row_algorithm(r.text) == algo][:limit]
    return sorted(same, key=lambda r: -regime_fit(r, sizes))


# a worked figure for a size: "at $n = 100{,}000$ the Gram matrix has $10^{10}$ entries, 80 GB in float64"
_ESTIMATE_RE = re.compile(r"\d\s*(?:[KMGT]i?B|bytes)\b|\bat \$?[nd]\s*=|\d\s*(?:[GT]?FLOPs|flops)\b")


def states_estimate(text: str) -> bool:
    """Whether ``text`` works a cost out for a size: a memory figure ("80 GB"), a FLOP count or "at $n = ...$"."""
    return bool(_ESTIMATE_RE.search(text))


# words that link the parts of an algorithm's name in the guide's tables ("PCA via full SVD")
_NAME_LINK_WORDS = frozenset(tokenize("via with and or of for the a an by in on per using"))


# -- code ------------------------------------------------------------------------------------------------------

def code_block(doc: Document, line_start: int, line_end: int) -> CodeBlock | None:
    """The first runnable Python block (fenced, not ``norun``) inside lines ``line_start..line_end`` of ``doc``:
    the corpus' tested code (every such block is executed by the corpus tests)."""
    blocks = code_blocks(doc, line_start, line_end)
    return blocks[0] if blocks else None


def code_blocks(doc: Document, line_start: int, line_end: int) -> list[CodeBlock]:
    """Every runnable Python block (fenced, not ``norun``) inside lines ``line_start..line_end`` of ``doc``."""
    return [cb for cb in doc.code_blocks
            if cb.lang in ("python", "py") and not cb.norun and line_start <= cb.start and cb.end <= line_end]


_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def code_terms(code: str) -> set[str]:
    """What a code block is about, read from its own text: the stemmed words of its identifiers (``ols_fit`` ->
    ols, fit; ``LinearRegression`` -> linear, regression), comments and strings."""
    return terms(_CAMEL_RE.sub(" ", code.replace("_", " ")))


def with_score(t: Scored, score: float) -> Scored:
    return replace(t, score=score)


# -- a formula answer shows the display equation with its lead-in ---------------------------------------------------

_EQUATION_RE = re.compile(r"=|\\approx|\\propto|\\leq?\b|\\geq?\b")


def shows_equation(text: str) -> bool:
    """Whether ``text`` states an equation (an "=" or a relation), not merely a symbol in math ("$m$ apart")."""
    return bool(_EQUATION_RE.search(text))


@dataclass(frozen=True)
class DisplayEquation:
    lead_in: str  # the sentence before the display, ending in a colon
    text: str  # the lead-in and the display as the file writes them (the display's own line breaks kept)
    line_start: int  # 1-based, the lead-in's first line
    line_end: int  # the closing "$$" line


def display_equations(lines: Sequence[str], lo: int, hi: int) -> list[DisplayEquation]:
    """The display equations (``$$`` blocks) of lines ``lo``..``hi`` (1-based, inclusive) that a sentence ending
    in a colon introduces, or one that the display ends (it stops at a comma or a word such as "is" or "with":
    "*Expected improvement* ... and $z = (\\mu - f^+ - \\xi)/\\sigma$," above ``$$ \\mathrm{EI} = ... $$``, f5-11),
    each with that sentence: "The pairwise contrastive loss ... takes two embeddings ...,
    and a margin $m$:" and its ``$$ \\ell = ... $$`` (f4-12), "LoRA ... adds a trainable low-rank update:" (f2-16).
    The sentence extractor skips display math, so these equations are no candidates of their own."""
    out = []
    i = lo - 1
    while i < min(hi, len(lines)):
        s = lines[i].strip()
        if not s.startswith("$$"):
            i += 1
            continue
        start = i
        if not (len(s) > 4 and s.endswith("$$")):
            i += 1
            while i < len(lines) and "$$" not in lines[i]:
                i += 1
        end = i
        i += 1
        if end >= hi:
            break
        # the paragraph above (one blank line may separate it from the display, as in ch13's expected improvement):
        # back to a blank line, a heading, a fence or another display
        top = start - 1 if start - 1 > lo - 1 and not lines[start - 1].strip() else start
        j = top
        while j > lo - 1 and lines[j - 1].strip() and not re.match(r"^(?:#|```|\$\$|\|)", lines[j - 1].strip()):
            j -= 1
        if j == top:
            continue
        para = [ln.strip() for ln in lines[j:top]]
        sents = split_sentences(" ".join(para))
        if not sents or not (sents[-1].rstrip().endswith(":")
                             or cut_off(Candidate(sents[-1].strip(), j + 1, start, -1))):
            continue
        lead_in = sents[-1].strip()
        head = lead_in[: min(25, len(lead_in))]
        k = next((x for x in range(top - 1, j - 1, -1) if head in " ".join(para[x - j:])), j)
        # the text as the lines hold it, whitespace-normalised in the lead-in and the display kept on its lines
        display = "\n".join(ln.strip() for ln in lines[start : end + 1])
        out.append(DisplayEquation(lead_in, f"{lead_in}\n{display}", k + 1, end + 1))
    return out
