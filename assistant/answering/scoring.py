"""Scoring and choosing candidate sentences (pure functions; the weights in one frozen object)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlnotes.assistant.answering.candidates import Candidate, exercise_vector
from mlnotes.kb.bm25 import tokenize


@dataclass(frozen=True)
class ScoreWeights:
    """``score = similarity·cos(q, s) + overlap·|terms(q) ∩ terms(s)|/|terms(q)| + rank·1/(1 + chunk rank)``,
    times ``lead_in_penalty`` for questions and lead-ins ending in ':'; then the best ``max_sentences`` within
    ``max_words``, none below ``relative_cutoff`` × the best score, none closer than ``redundancy`` (cosine) to one
    already chosen. Set by hand when the extractive answerer was written; the fixture answer snapshot
    (tests/snapshots/fixture_answers.json) pins the answers they give."""

    similarity: float = 0.65
    overlap: float = 0.25
    rank: float = 0.10
    lead_in_penalty: float = 0.6
    top_chunks: int = 5
    max_words: int = 140
    relative_cutoff: float = 0.6
    redundancy: float = 0.92


DEFAULT_WEIGHTS = ScoreWeights()


@dataclass(frozen=True)
class Scored:
    score: float
    rank: int  # rank of the candidate's chunk among the hits, 0-based
    candidate: Candidate
    vector: np.ndarray


# a question asks what an exercise asks when at least this share of its content terms are in the exercise's title and
# prompt (chosen on development data: docs/answer-quality.md, round 13 sol16p) ...
SOLUTION_PROMPT_SHARE = 0.35
# ... or when its embedding is at least this close (cosine, the index's MiniLM embedder) to the embedding of the
# exercise's title and prompt: a meaning match for a question that words the exercise's task in its own terms (f8-12,
# 0.68 to its exercise, 0.26 of its terms; chosen on development data: docs/answer-quality.md, round 14 sol16r)
SOLUTION_PROMPT_COSINE = 0.65
# ... or, for the exercise of the first-ranked chunk (the retriever's best match for the question, over the exercise's
# prompt and its worked solution), when that cosine is at least this: the retriever's first choice is evidence that the
# question asks what the exercise asks, so a lower meaning bar suffices (f8-15: a SHAP question with the exercise's own
# x = (3, 2) and baseline (1, 0), 0.52 from Exercise 8.2, whose solution was never a candidate; chosen on fresh1-8 and
# the external table, where the first-ranked exercises the question does not ask are at most 0.40: docs/answer-quality.md,
# round 20 ex20)
SOLUTION_TOP_COSINE = 0.5
# openers of a solution sentence that lean on the exercise or on the solution's previous step: a connective or a
# subordinator ("So SGNS implicitly factorises ...", "When they are not, ...", "Hence ..."), a pronoun or determiner
# that points back, or a preposition or participle that opens on a step's set-up ("With two players each order is
# equally likely, ...", "By the chain rule ...", "Plugging in ..."); not "For" with the values it is about ("For
# $\gamma = 0.99$, $\varepsilon = 0.01$: $T > 458.2$, so 459 steps; ...": the sentence states its own case, f12-11)
_SOLUTION_LEANS_RE = re.compile(r"^(?:so|hence|thus|therefore|when|whenever|if|since|because|as|and|but|or|with|"
                                r"without|here|now|there|it|its|they|them|their|this|these|that|those|he|she|each|"
                                r"both|either|neither|then|for\b(?!\s+\$[^$]*=)|by|from|after|before|once|using|plugging|"
                                r"substituting)\b",
                                re.IGNORECASE)


# a solution sentence that opens on the label of a part of its exercise's prompt ("(b) Mildly leaky: the scaler's mean
# ...", "(ii) ..."): it answers a case the reader has not seen (round 20, ex20: f9-18, a SMOTE question, drew the
# scaler case of Exercise 4.6 once its first-ranked exercise was asked)
_PART_LABEL_RE = re.compile(r"^\((?:[a-h]|i{1,3}|iv|vi{0,3})\)[*_]*\s")


# a solution's sentence that opens on its own values ("For $\gamma = 0.99$, ...") stands alone only with at least this
# many words outside its math: the words that say what its result is
SOLUTION_OWN_WORDS = 5
_MATH_SPAN_RE = re.compile(r"\$[^$]*\$")


def solution_asked(question: str, c: Candidate, qvec: np.ndarray | None = None, top: bool = False) -> bool:
    """Whether ``question`` asks what the exercise of ``c`` (a worked solution's sentence) asks: at least
    ``SOLUTION_PROMPT_SHARE`` of the question's content terms are in the exercise's title and prompt, or, given the
    question's unit embedding ``qvec``, its cosine with the exercise's embedding (:func:`~mlnotes.assistant.answering.
    candidates.exercise_vector`, made when the sentence store served the sentence) is at least
    ``SOLUTION_PROMPT_COSINE`` (``SOLUTION_TOP_COSINE`` when ``top``: the exercise is the first-ranked chunk). A
    sentence of no exercise is always asked."""
    if not c.exercise:
        return True
    q = set(tokenize(question))
    if q and len(q & set(tokenize(c.exercise))) >= SOLUTION_PROMPT_SHARE * len(q):
        return True
    if qvec is None:
        return False
    ev = exercise_vector(c.exercise, int(np.shape(qvec)[-1]))
    return ev is not None and float(ev @ qvec) >= (SOLUTION_TOP_COSINE if top else SOLUTION_PROMPT_COSINE)


def solution_stands_alone(question: str, c: Candidate) -> bool:
    """Whether ``c`` reads without its exercise: any sentence that is not from an exercise's worked solution; a
    solution's sentence only when it does not open on a word that leans on the exercise or on an earlier step
    (:data:`_SOLUTION_LEANS_RE`; "For" with the values it is about, "For $\\gamma = 0.99$, ...", leans only when
    fewer than ``SOLUTION_OWN_WORDS`` words outside its math say what its result is), nor on the label of a part of
    the exercise's prompt (:data:`_PART_LABEL_RE`, "(b) ..."), nor on a term of the exercise's
    prompt that ``question`` does not use (a name the exercise introduced: "Feature 2 gets more because ...")."""
    if not c.exercise:
        return True
    text = c.text.lstrip("*_ ")
    if _SOLUTION_LEANS_RE.match(text) or _PART_LABEL_RE.match(text):
        return False
    if re.match(r"for\s+\$", text, re.I) and len(_MATH_SPAN_RE.sub(" ", text).split()) < SOLUTION_OWN_WORDS:
        # "For $d = 512$: $1{,}050{,}624$." gives a result without saying what it counts: the exercise does
        return False
    q = set(tokenize(question))
    prompt = set(tokenize(c.exercise))
    first = tokenize(" ".join(text.split()[:2]))[:1]  # the sentence's first term
    return not any(w in prompt and w not in q for w in first)


def solution_may_lead(question: str, c: Candidate, qvec: np.ndarray | None = None, top: bool = False) -> bool:
    """Whether ``c`` may be shown in, and lead, the answer to ``question`` (whose unit embedding is ``qvec``, when
    given): any sentence that is not from an exercise's worked solution; a solution's sentence only when the question
    asks what the exercise asks (:func:`solution_asked`, by shared terms or, with ``qvec``, by meaning) and the
    sentence reads without its exercise (:func:`solution_stands_alone`); ``top``: the exercise is the first-ranked
    chunk."""
    return solution_stands_alone(question, c) and solution_asked(question, c, qvec, top)


def score_candidates(question: str, qvec: np.ndarray,
                     per_chunk: Sequence[tuple[int, Sequence[Candidate], np.ndarray]],
                     w: ScoreWeights = DEFAULT_WEIGHTS) -> list[Scored]:
    """Every candidate of every ``(chunk rank, candidates, vectors)``, scored and sorted best first (stable); a
    sentence of an exercise's worked solution only when :func:`solution_may_lead` allows it, given ``qvec`` (so a
    question may ask what the exercise asks by meaning as well as by terms; f8-07: "(b) Small and
    different: ..." of a fine-tuning exercise joined an answer on tuning tools; f8-15: "Feature 2 gets more because
    ..." one on SHAP and interactions); the exercise of the first-ranked chunk (rank 0) is asked at the lower
    ``SOLUTION_TOP_COSINE``."""
    q_terms = set(tokenize(question))
    scored: list[Scored] = []
    for rank, cands, vecs in per_chunk:
        if not cands:
            continue
        sims = vecs @ qvec
        for c, sim, v in zip(cands, sims, vecs):
            if c.exercise and not solution_may_lead(question, c, qvec, top=rank == 0):
                continue
            overlap = len(q_terms & set(tokenize(c.text))) / max(1, len(q_terms))
            s = w.similarity * float(sim) + w.overlap * overlap + w.rank * (1.0 / (1 + rank))
            if "?" in c.text or c.text.rstrip().endswith(":"):
                s *= w.lead_in_penalty  # questions and lead-ins are rarely the answer
            scored.append(Scored(s, rank, c, v))
    scored.sort(key=lambda t: -t.score)
    return scored


# a sentence that opens in lower case with "where", "with", "and", "or" or "but" continues one before it: the
# explanation of a display formula's symbols ("where $n$ is the number of documents ...") means nothing on its own
_CONTINUATION_RE = re.compile(r"^(?:where|with|and|or|but)\b")


def continues_before(text: str) -> bool:
    """Whether ``text`` is the cut-off continuation of an earlier sentence or formula (:data:`_CONTINUATION_RE`)."""
    return bool(_CONTINUATION_RE.match(text.lstrip("*_ ")))


# the last word of a sentence that a display equation or a list continues ("... is Gaussian with", "... is")
_DANGLING_END_RE = re.compile(r"\b(?:with|is|are|was|were|be|of|by|as|to|and|or|the|a|an|for|from|in|on|that|"
                              r"gives?|becomes?|reads?|equals?|where|then|via|yields?|satisfies|solves?|minimi[sz]es|"
                              r"maximi[sz]es|computes?|using|at|than|between)$", re.I)


def cut_off(t: Candidate) -> bool:
    """Whether a prose sentence stops mid-clause: it ends in a comma, or in a word such as "with" or "is" with no
    closing punctuation, because a display equation or a list continues it ("... the posterior at a query point is
    Gaussian with", f5-11; "... and the previous level,", f5-06). Bullet items that simply lack a full stop, table
    rows, key points and short answers are not cut off."""
    if t.kind != "sentence":
        return False
    end = t.text.rstrip().rstrip("*_`")
    return end.endswith(",") or bool(_DANGLING_END_RE.search(end))


# a description of a figure the reader of an answer does not see ("In the tree panel training accuracy climbs to
# 1.0 ...", "In the right panel, training error falls forever ...", "the dashed line marks the checkpoint ...":
# f3-18, f3-19), what a figure or printed table shows ("The figure shows one test digit and ...", g077) or the rest
# of a distribution the reader has not seen ("The rest is spread over filler words ...", f3-17 and g071), and what
# to look for in a plot or a printout ("Look for the bright cells: ...", "The printed number quantifies it", f3-17),
# or how to look at it ("Look at how plain SGD zig-zags along the steep axis, momentum overshoots ...": f9-11, the
# trajectories of a figure the reader of an answer does not see; "Notice how ...", "See how ..."), and any sentence
# whose subject is the figure itself, whatever its verb ("The figure simulates 5,000 two-sample t-tests ...", f18-14's
# lead in round 20; "The figure draws the confusion matrix as an image.", fr-02): the set-up of a plot the answer
# does not show
_FIGURE_RE = re.compile(r"^(?:in|on) the (?:[\w-]+ ){0,2}(?:panel|figure|plot|chart|subplot|heatmap)s?\b|"
                        r"\b(?:the (?:left|right|top|bottom|middle|first|second|third) (?:panel|plot|figure)|"
                        r"in the (?:figure|plots?|charts?)|the (?:dashed|dotted|solid) (?:lines?|curves?))\b|"
                        r"^(?:the|this) (?:figure|plot|chart|heatmap|histogram|printout|output|table|cell) "
                        r"(?:above |below )?(?:shows?|lists?|plots?|compares?|prints?|gives?|displays?)\b|"
                        r"^(?:the|this) (?:figure|plot|chart|diagram|heatmap)s? (?:above |below )?"
                        r"(?:(?:then|also|now|first) )?(?:[a-z]+s|is|are|was|were)\b|"
                        r"^the rest (?:is|are)\b|^(?:the|this) printed\b|"
                        r"^(?:look at|notice|observe|watch|see|note) how\b|"
                        r"^look (?:for|at) the (?:(?:bright|dark|colou?red|highlighted|red|blue|green|largest|tallest) )?"
                        r"(?:cells?|bars?|peaks?|curves?|plots?|figure|panels?|heatmap|diagonal|spikes?)\b", re.I)


def describes_figure(text: str) -> bool:
    """Whether ``text`` describes a figure next to it (:data:`_FIGURE_RE`)."""
    return bool(_FIGURE_RE.search(text.lstrip("*_ ")))


# a sentence whose meaning depends on the sentence before it (issue #16, part 2): it opens with a pronoun or a
# demonstrative ("It checks that the inverted file ...", ml-13; "These ...", "Such ..."), or a counterfactual on
# something named before ("Without the softmax, retention is a linear attention ...", f6-05)
_DANGLING_OPEN_RE = re.compile(r"^(?:it|its|they|their|them|this|these|such|"
                               r"those(?!\s+(?:with|who|that|which|of|in|whose|where|for)\b)|without (?:the|this|these|those|"
                               r"that|its|their)|with (?:this|these|those|that)|in (?:this|that|these|those|the same)|"
                               r"under (?:this|these|those|that|the same))\b", re.I)
# a demonstrative noun phrase inside the sentence ("The cross-entropy with these targets ...", f6-03; "... collapses
# in this regime", f5-05; "... ~ -1 in the same regime", f5-16) whose noun the sentence itself does not name before.
# "this" counts only after a preposition ("Grinsztajn et al. benchmarked this systematically" refers to its own
# first clause) and "the same" only as a situation ("in the same regime"; "different words for the same topic" and
# "the same kernel is used at every position" compare inside the sentence)
_DEMONSTRATIVE_RE = re.compile(r"(?:\b(?:these|those)|\b(?:in|under|at|for|from|with|by|on|to|of) this|"
                               r"\b(?:in|under) the same)\s+([A-Za-z][\w-]*)(?!\s+as\b)", re.I)
# words after "this"/"these"/"those" that make them a pronoun or a relative ("those with ...", "those that ..."),
# where the reference is resolved inside the sentence or does not point back
_NOT_A_NOUN = frozenset("""is are was were be been has have had can could will would may might must should does do did
 makes make made means mean gives give yields yield leads lead allows allow lets let works work holds hold happens
 matters helps explains shows show that which who whom whose with of in on at for from by to as where when and or but
 if than time""".split())

# nouns of a form that a demonstrative right before a colon names by what the colon opens ("Prepare two projects in
# detail with this structure: the problem and its metric, ...", f18-01): the reference points forward, not back.
# Not any noun: "builds an ensemble greedily from this library: start from ..." points back to the models named
# before it
_FORM_NOUNS = frozenset("structure shape format template form layout outline order pattern schema".split())

# an ordinal or "the former/latter" standing for an item of a list named before it, as the subject of the sentence
# (round 13, f11-02: "The fourth explains how to prepare for each type of interview round." after "It has four parts.
# The first describes ... The second gives ... The third covers ..."): the ordinal is followed by a verb, not by a
# noun ("The first layer learns edges" names its thing). "the former" and "the latter" always point back.
_ORDINAL_SUBJECT_RE = re.compile(
    r"^the (?:(?:former|latter)\b|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last) "
    r"(?:one |two |three |four )?(?:is|are|was|were|has|have|does|do|can|will|would|covers|explains|describes|gives|"
    r"lists|shows|presents|introduces|discusses|treats|deals|summari[sz]es|contains|adds|uses|goes|walks|turns|"
    r"focuses|answers|asks|returns|takes|keeps|applies|follows|needs|works|holds|makes|tells|teaches|links|"
    r"compares|defines|builds|trains|runs|measures|reports)\b)", re.I)


def ordinal_subject(text: str) -> bool:
    """Whether ``text`` opens with an ordinal that stands for an item of a list named before it ("The fourth
    explains ...", "The second is ...", "The latter ..."; :data:`_ORDINAL_SUBJECT_RE`): the reader of an answer
    does not see that list."""
    return bool(_ORDINAL_SUBJECT_RE.match(text.lstrip("*_ ")))


def dangles(text: str) -> bool:
    """Whether ``text`` needs the sentence before it to be understood: it opens with a pronoun, a demonstrative or
    a counterfactual on something named before (:data:`_DANGLING_OPEN_RE`) or with an ordinal standing for an item
    of a list named before (:func:`ordinal_subject`: "The fourth explains ..."), or holds a demonstrative noun phrase
    ("these targets", "this regime", "the same regime") whose noun it does not name earlier itself
    (:data:`_DEMONSTRATIVE_RE`; "a tree is grown and this tree ..." refers inside the sentence)."""
    body = text.lstrip("*_ ")
    if _DANGLING_OPEN_RE.match(body) or ordinal_subject(body):
        return True
    for m in _DEMONSTRATIVE_RE.finditer(body):
        word = m.group(1).lower()
        if word in _NOT_A_NOUN or word.endswith("ly"):
            continue
        if word in _FORM_NOUNS and body[m.end():m.end() + 1] == ":":
            continue  # "with this structure: the problem and its metric, ..." points forward, to what the colon opens
        if not set(tokenize(word)) & set(tokenize(body[: m.start()])):
            return True
    return False


_REFERENT_RE = re.compile(r"^(?:without|with|in|under)\s+(?:the|this|these|those|that|its|their)\s+"
                          r"([A-Za-z][\w-]*)", re.I)
_LINK_RE = re.compile(r"\]\(|\.py\b")


def referent(text: str) -> str | None:
    """The noun a dangling sentence points back to, when it names one ("these targets" -> "targets", "Without the
    softmax" -> "softmax"); ``None`` for a pronoun ("It checks ...") and for "the same regime" (f5-16: "Early in
    training the discriminator easily rejects fakes ..." describes the regime without naming it)."""
    body = text.lstrip("*_ ")
    m = _REFERENT_RE.match(body)
    if m:
        return m.group(1)
    for m in _DEMONSTRATIVE_RE.finditer(body):
        word = m.group(1).lower()
        if "the same" in m.group(0).lower():
            continue  # "in the same regime" names a situation, which the sentence before describes in other words
        if (word not in _NOT_A_NOUN and not word.endswith("ly")
                and not set(tokenize(word)) & set(tokenize(body[: m.start()]))):
            return m.group(1)
    return None


def carries(before: str, text: str) -> bool:
    """Whether the sentence ``before`` can introduce the dangling ``text``: it is no pointer to a file and, when
    ``text`` points back to a named thing (:func:`referent`), it names that thing ("The original paper used
    eps = 0.1" does not introduce "these targets")."""
    if _LINK_RE.search(before):
        return False
    word = referent(text)
    return word is None or bool(set(tokenize(word)) & set(tokenize(before)))


def needs_before(c: Candidate) -> bool:
    """Whether the prose sentence or list item ``c`` dangles (:func:`dangles`); a table row carries its header."""
    return c.kind == "sentence" and dangles(c.text)


def antecedent(t: Scored, pool: Sequence[Scored], max_words: int = 35) -> Scored | None:
    """The sentence just before ``t`` in its own paragraph (same chunk rank, the previous candidate, ending on
    ``t``'s first line or the line above; ``compose.with_antecedents`` checks it against the chunk's text) when ``pool`` holds it and it can carry ``t``: short (``max_words``), itself not dangling, not
    cut off and not a description of a figure; else ``None``."""
    c = t.candidate
    for p in pool:
        pc = p.candidate
        if (p.rank == t.rank and pc.order == c.order - 1 and c.line_start - 1 <= pc.line_end <= c.line_start
                and pc.kind == c.kind == "sentence"):
            ok = (len(pc.text.split()) <= max_words and not dangles(pc.text) and not cut_off(pc)
                  and not describes_figure(pc.text) and not continues_before(pc.text) and "?" not in pc.text and carries(pc.text, c.text))
            return p if ok else None
    return None


def choose(scored: Sequence[Scored], max_sentences: int, w: ScoreWeights = DEFAULT_WEIGHTS,
           already: Sequence[Scored] = ()) -> list[Scored]:
    """The best non-redundant sentences, in reading order (by chunk rank, then position in the chunk); with
    ``already`` (a lead chosen before), fewer sentences, none equal or too close to those. A sentence that needs
    the one before it (:func:`dangles`: "It checks that the inverted file ...") comes only with that sentence, when
    it is adjacent, short and fits (:func:`antecedent`; both count), else not at all; a dangling lead in
    ``already`` brings its antecedent into the returned sentences the same way (``compose.extractive`` puts it
    before the lead)."""
    chosen: list[Scored] = []
    words = sum(len(a.candidate.text.split()) for a in already)
    top = scored[0].score if scored else 0.0  # the cutoff is relative to the best candidate, lead or not

    def taken(t: Scored) -> bool:
        return any(t.candidate is a.candidate for a in [*already, *chosen])

    for a in already:
        if needs_before(a.candidate) and (p := antecedent(a, scored)) is not None and not taken(p):
            chosen.append(p)
            words += len(p.candidate.text.split())
    for t in scored:
        if len(chosen) + len(already) >= max_sentences or words > w.max_words:
            break
        text = t.candidate.text
        if taken(t) or continues_before(text) or describes_figure(text) or cut_off(t.candidate):
            continue
        if (chosen or already) and t.score < w.relative_cutoff * top:
            break
        if any(float(t.vector @ c.vector) > w.redundancy for c in [*already, *chosen]):
            continue
        pair = [t]
        if needs_before(t.candidate):
            p = antecedent(t, scored)
            if p is None:
                continue
            if not taken(p):
                if (len(chosen) + len(already) + 2 > max_sentences
                        or any(float(p.vector @ c.vector) > w.redundancy for c in [*already, *chosen])):
                    continue
                pair = [p, t]
        chosen.extend(pair)
        words += sum(len(x.candidate.text.split()) for x in pair)
    return sorted(chosen, key=lambda t: (t.rank, t.candidate.order))
