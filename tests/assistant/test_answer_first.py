"""Answers that lead with the answer, as properties of the answers over the real corpus (issue 16, part 2).

Uses the real index of ``corpus/`` in ``.mlnotes/index`` (built or reused as in tests/eval/test_gate.py) with
MiniLM, the interview bank and the calibrated thresholds, i.e. the served extractive pipeline. Every check reads
the corpus files itself (the cited lines, the headings above them, the fenced blocks) instead of trusting the
answer's own fields, and none compares against recorded answer text.
"""

from __future__ import annotations

import re

import pytest

from mlnotes.assistant.settings import REPO_ROOT
from tests.answering.code_lines import shown_from_file

CORPUS = REPO_ROOT / "corpus"
NOT_ANSWER_HEADINGS = {"common mistakes", "follow-ups", "follow-up", "learn more", "references", "exercises"}


@pytest.fixture(scope="session")
def answerer():
    from tests.answer_memo import served_answerer

    return served_answerer(REPO_ROOT)  # one per process, answers remembered (tests/answer_memo.py)


def ask(answerer, question):
    ans = answerer.answer(question, generator=None)
    assert not ans.abstained, question
    return ans


def shown_blocks(ans) -> list:
    """The answer's code sentences that show code for the question: since round 16 (code16w) the import lines an
    excerpt reads are shown as their own code sentences right before it (tests/answering/test_code_excerpt.py), and
    since round 19 (code19b) also the earlier blocks' lines that define what it reads (``compose.setup_for``); an
    answer shows one code item, its block the last code sentence, and those before it are left out here."""
    return [s for s in ans.sentences if s.kind == "code"][-1:]


def lines_of(path: str) -> list[str]:
    return (CORPUS / path).read_text(encoding="utf-8").splitlines()


def heading_above(lines: list[str], line: int) -> str:
    for i in range(line - 1, -1, -1):
        if re.match(r"^#{1,6}\s", lines[i]):
            return lines[i].lstrip("#").strip()
    return ""


def source_of(ans, s):
    return next(src for src in ans.sources if src.n == s.source)


def linked_implementations(ans) -> set[str]:
    from mlnotes.algorithms import registry

    return {spec.name for src in ans.sources for p in src.algorithms if (spec := registry.by_path(p))}


def assert_well_cited(ans):
    """Every source is cited by a sentence; every sentence is on the lines it cites, inside its source, and never
    on a heading, a metadata line or under a not-an-answer heading; Run offers only what cited sources link."""
    cited = {s.source for s in ans.sentences}
    assert {src.n for src in ans.sources} == cited, "a source is listed that no sentence cites"
    for s in ans.sentences:
        src = source_of(ans, s)
        lines = lines_of(src.path)
        assert src.line_start <= s.line_start <= s.line_end <= src.line_end
        span = lines[s.line_start - 1 : s.line_end]
        assert not any(re.match(r"^#{1,6}\s", ln) for ln in span), f"a heading line is cited: {span}"
        assert not any(ln.lstrip().startswith("**ID:**") for ln in span), "the bank's metadata line is cited"
        joined = " ".join(" ".join(re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", ln) for ln in span).split())
        # a code excerpt (round 19: compose.definitions_excerpt) is the file's lines in order with statements cut
        assert (" ".join(s.text.split()) in joined or s.kind == "code" and shown_from_file(lines, s)), \
            f"sentence not on its lines: {s.text[:80]!r}"
        assert heading_above(lines, s.line_start).lower() not in NOT_ANSWER_HEADINGS, s.text
    assert {a["name"] for a in ans.algorithms} <= linked_implementations(ans)


def test_knn_complexity_leads_with_the_complexity_row_and_its_header(answerer):
    ans = ask(answerer, "What is the time complexity of k-NN prediction?")
    first = ans.sentences[0]
    src = source_of(ans, first)
    assert src.n == 1 and src.path == "guides/algorithm-complexity.md"
    assert first.kind == "table_row"
    row = lines_of(src.path)[first.line_start - 1]
    assert row.strip() == first.text and "kNN" in row and "O(nd)" in row
    header = first.table_header.splitlines()[0]
    assert "Inference time" in header and "Training time" in header
    assert ans.text.index(header) < ans.text.index(first.text)  # the row is shown under its header
    assert_well_cited(ans)


def test_code_question_shows_a_tested_block_from_a_relevant_section_and_offers_run(answerer):
    ans = ask(answerer, "Write Python code for logistic regression with gradient descent")
    code = shown_blocks(ans)
    assert code and "```python" in ans.text
    src = source_of(ans, code[0])
    lines = lines_of(src.path)
    fence, body, close = lines[code[0].line_start - 1], lines[code[0].line_start : code[0].line_end - 1], \
        lines[code[0].line_end - 1]
    assert fence.strip() == "```python" and close.strip() == "```"  # a runnable block (no norun), run by the tests
    assert "\n".join(body).strip() == code[0].text.strip()
    assert "logistic" in (src.heading + " ".join(src.breadcrumbs)).lower()
    assert "sigmoid" in code[0].text
    assert "logistic-regression" in {a["name"] for a in ans.algorithms}
    assert "**ID:**" not in ans.text
    assert_well_cited(ans)


def test_kmeans_from_scratch_is_not_answered_with_its_limitations(answerer):
    ans = ask(answerer, "How would you implement k-means from scratch in Python?")
    assert ans.interview_id != "clus-kmeans-limitations"
    assert not any("limitation" in s.text.lower() for s in ans.sentences)
    assert "```python" in ans.text
    names = {a["name"] for a in ans.algorithms}
    assert "kmeans" in names and "spectral-clustering" not in names
    assert_well_cited(ans)


def test_lstm_versus_gru_covers_the_gates_of_both(answerer):
    ans = ask(answerer, "Difference between LSTM and GRU")
    texts = [s.text for s in ans.sentences]
    assert any("LSTM" in t and "gate" in t.lower() for t in texts)
    gru = [t for t in texts if "GRU" in t and re.search(r"\bgates?\b", t)]
    assert any("update" in t and "reset" in t for t in gru), texts
    assert not ans.text.startswith("LSTM and GRU behave alike")
    assert_well_cited(ans)


def test_validation_loss_rising_is_not_the_training_loss_not_decreasing_entry(answerer):
    ans = ask(answerer, "My validation loss goes up while training loss keeps going down")
    assert ans.interview_id != "dl-loss-not-decreasing"
    assert "overfit" in ans.text.lower()
    assert_well_cited(ans)


def test_typo_bagging_versus_boosting_names_both_sides(answerer):
    ans = ask(answerer, "whats the diffrence between baging and boosting in ensembles")
    lead = [s.text.lower() for s in ans.sentences[:2]]
    assert any("bagging" in t for t in lead) and any("boosting" in t for t in lead)
    assert_well_cited(ans)


@pytest.mark.parametrize("question", [
    "We are building fraud detection for card payments where only 1 in 1000 transactions is fraud. Which metrics "
    "should we report and how should we handle the imbalance when training?",
    "Write Python code for logistic regression with gradient descent",
    "How do you detect and reduce overfitting?",
    "Do you know what the bias-variance trade-off is?",
    "When should I use L1 instead of L2 regularization?",
])
def test_no_sentence_from_metadata_mistakes_or_follow_ups(answerer, question):
    assert_well_cited(ask(answerer, question))


def test_bank_answers_only_when_the_entry_is_retrieved_and_asks_the_same_kind_of_question(answerer):
    from mlnotes.assistant.intent import classify_intent

    for question in ("How does dropout work at inference time?", "How do I pick the number of clusters?"):
        ans = ask(answerer, question)
        assert ans.kind == "interview", question
        hits = answerer.index.search(question, k=6)
        top_sections = list(dict.fromkeys((h.chunk.doc_id, h.chunk.section_id) for h in hits))[:3]
        assert (ans.sources[0].doc_id, ans.sources[0].section_id) in top_sections
        bank_q = next(q for q in answerer.bank if q.id == ans.interview_id)
        a, b = classify_intent(question).intent, classify_intent(bank_q.question).intent
        assert a == b or {a, b} <= {"definition", "why_how"} or {a, b} <= {"why_how", "debugging"} \
            or {a, b} <= {"formula", "why_how"}
        assert len(ans.sources) == 1  # a bank answer cites its entry only
        key_points = [s for s in ans.sentences if s.kind == "key_point"]
        assert key_points and all(s.line_start == s.line_end for s in key_points)  # one bullet line each
        assert_well_cited(ans)


def test_implement_kmeans_shows_tested_kmeans_code(answerer):
    # a bank answer (the coding entry) or an extractive one, depending on the calibrated match threshold: either way
    # the answer carries a fenced block that implements k-means, from a cited section, and never a link list
    ans = ask(answerer, "Implement k-means clustering in numpy")
    md = ans.markdown()
    assert "```python" in md and "def kmeans" in md
    assert ans.kind in ("interview", "extractive") and ans.sources
    assert not any(s.text.count("](") >= 3 for s in ans.sentences)


def test_no_run_controls_without_a_linked_implementation(answerer):
    ans = ask(answerer, "How do you choose the number of clusters?")
    assert ans.algorithms == [] and linked_implementations(ans) == set()
    assert "Run the implementation" not in ans.markdown()


def test_definition_leads_with_a_defining_sentence(answerer):
    ans = ask(answerer, "What is the Huber loss?")
    first = ans.sentences[0].text
    assert "Huber" in first and re.search(r"\b(?:is|are|means)\b", first)
    assert_well_cited(ans)


def test_a_definition_says_what_it_defines(answerer):
    from mlnotes.assistant.answering.lead import names_subject

    assert not names_subject("Define learning rate.", "Too low, training is slow; too high, it diverges.")
    assert names_subject("What is dropout?", "During training, dropout zeros activations. It regularizes.")
    ans = ask(answerer, "Define Learning Rate.")
    assert "learning rate" in ans.sentences[0].text.lower()
    assert_well_cited(ans)


# -- round 5: the failure classes of the lead choice (questions of gold tune and of the hand-judged table's own set)

@pytest.mark.parametrize("question", [
    "the ELBO in VAEs, can you explain the reparameterization trick and why it is needed",  # gold tune g717
    "activation functions derivatives",  # gold tune g052
    "List the variants of RNN.",
    "How would you implement k-means from scratch in Python?",
])
def test_no_answer_leads_with_a_file_pointer_a_command_or_interview_advice(answerer, question):
    ans = ask(answerer, question)
    first = next(s for s in ans.sentences if s.kind != "code")
    src = source_of(ans, first)
    cited = " ".join(lines_of(src.path)[first.line_start - 1 : first.line_end])
    # read from the corpus lines, not from the answer's own classification
    assert not re.search(r"\]\([^)]*\.py\)", cited), cited
    assert not re.search(r"`mlnotes [a-z]", cited), cited
    assert not re.match(r"^\W*(?:be ready|name|know|derive|describe|mention)\b", first.text, re.I), first.text
    assert_well_cited(ans)


def test_a_code_answer_is_introduced_by_its_own_section(answerer):
    # the lead of a code answer comes from the chunk of its block when that chunk has a sentence that can lead,
    # else from the generic pool; for the logistic-regression example it is the same section either way
    ans = ask(answerer, "Write Python code for logistic regression with gradient descent")
    code = shown_blocks(ans)
    assert code and ans.sentences[0].kind != "code"
    first, block = source_of(ans, ans.sentences[0]), source_of(ans, code[0])
    assert (first.doc_id, first.section_id) == (block.doc_id, block.section_id)
    assert_well_cited(ans)


def test_a_comparison_explains_each_side_with_a_sentence_that_opens_with_it(answerer):
    ans = ask(answerer, "whats the diffrence between baging and boosting in ensembles")
    openers = [re.sub(r"^[\W_]*(?:the |a |an )?", "", s.text, flags=re.I).lower() for s in ans.sentences[:2]]
    assert any(o.startswith("bagging") for o in openers) and any(o.startswith("boosting") for o in openers), openers
    assert_well_cited(ans)


def test_when_to_use_questions_lead_with_a_recommendation(answerer):
    ans = ask(answerer, "When should I use PR curves instead of ROC curves?")
    first = ans.sentences[0].text
    assert re.search(r"\b(?:use|prefer|choose)\b", first, re.I) and not re.search(r"\bshould not\b", first), first
    assert re.search(r"precision|PR\b", first), first
    assert_well_cited(ans)


# -- round 6: failure classes of the fresh hand-judged set (eval/datasets/judged_fresh.jsonl, now development) ------

def section_heading(lines: list[str], line: int) -> str:
    """The nearest level-2 heading above ``line`` (a bank entry's question)."""
    for i in range(line - 1, -1, -1):
        if re.match(r"^##\s", lines[i]):
            return lines[i].lstrip("#").strip()
    return ""


def test_a_question_of_several_parts_leads_with_the_definition_its_first_part_asks_for(answerer):
    # fr-20: led with "The average of the fold scores estimates ..." although the section's short answer says what
    # k-fold cross-validation is
    ans = ask(answerer, "What is k-fold cross-validation and why is it better than a single train/test split?")
    first = ans.sentences[0]
    lines = lines_of(source_of(ans, first).path)
    assert heading_above(lines, first.line_start).lower() == "short answer", first.text
    assert "k-fold cross-validation" in section_heading(lines, first.line_start).lower()
    assert re.search(r"\bfolds?\b", first.text) and re.search(r"\btrain", first.text), first.text
    assert_well_cited(ans)


def test_a_code_answer_shows_the_block_whose_code_does_what_was_asked(answerer):
    # fr-11: "fit linear regression with the normal equation" showed the gradient-descent block of the interview
    # coding section (chosen by its heading); the closed-form least-squares fit is in a later piece of another section
    ans = ask(answerer, "Can you show me how to fit linear regression with the normal equation in numpy?")
    code = shown_blocks(ans)
    assert code, ans.text
    src = source_of(ans, code[0])
    lines = lines_of(src.path)
    assert lines[code[0].line_start - 1].startswith("```python") and lines[code[0].line_end - 1].startswith("```")
    body = "\n".join(lines[code[0].line_start : code[0].line_end - 1])
    assert re.search(r"linalg\.(?:lstsq|solve|inv|pinv)\b", body), body[:300]  # a closed-form solve
    assert "linear regression" in " ".join(src.breadcrumbs).lower()
    assert_well_cited(ans)


@pytest.mark.parametrize("question, subject", [
    ("Why does a random forest usually overfit less than a single decision tree?", "random forest"),  # fr-13
    ("how dose gradient clipping prevent exploding gradiants?", "clipping"),  # fr-17
])
def test_a_bank_entry_about_a_neighbouring_problem_does_not_answer(answerer, question, subject):
    # fr-13 got the bank entry on pruning a single tree, fr-17 the one on vanishing/exploding gradients: similar
    # questions (cosine 0.675 and 0.705) whose sections retrieval ranked second
    ans = ask(answerer, question)
    if ans.kind == "interview":
        lines = lines_of(ans.sources[0].path)
        assert subject in section_heading(lines, ans.sources[0].line_start + 1).lower()
    assert subject in ans.text.lower()
    assert_well_cited(ans)


# -- round 7: failure classes of the second fresh set (eval/datasets/judged_fresh2.jsonl, now development) ---------

def test_a_which_metrics_question_leads_with_the_metrics_not_with_a_caveat(answerer):
    # f2-07 led with "Remember that logged data reflect what the old system showed, so offline metrics are biased
    # ..."; the metrics came second
    ans = ask(answerer, "Which offline metrics should I use to evaluate a recommender system?")
    first = ans.sentences[0].text
    assert not re.match(r"\W*(?:remember|note that|keep in mind|beware)\b", first, re.I), first
    assert re.search(r"recall|NDCG|MRR|precision", first), first
    assert_well_cited(ans)


def test_a_cost_question_with_size_words_leads_with_its_algorithms_row(answerer):
    # f2-10 led with the mean-shift row: "points" and "clusters" were taken for part of the algorithm's name
    ans = ask(answerer, "How does the running time of k-means scale with the number of points and clusters?")
    first = ans.sentences[0]
    src = source_of(ans, first)
    assert src.path == "guides/algorithm-complexity.md" and first.kind == "table_row"
    row = lines_of(src.path)[first.line_start - 1]
    assert row.strip() == first.text
    name = row.strip().strip("|").split("|")[0].lower()
    assert "k-means" in name and "nk" in row.replace(" ", "")  # the row of k-means, its cost in n and k
    assert ans.text.index(first.table_header.splitlines()[0]) < ans.text.index(first.text)
    assert_well_cited(ans)


def test_should_i_x_or_y_leads_with_a_recommendation(answerer):
    # f2-19 led with "Textbook definitions differ ..., so always state which variant you use"
    ans = ask(answerer, "I have a few hundred labelled customer support tickets and want to classify them by topic. "
                        "Should I fine-tune a pretrained transformer or use TF-IDF with logistic regression, and how "
                        "should I evaluate the result?")
    first = ans.sentences[0].text
    assert re.search(r"\b(?:start with|use|prefer|choose)\b", first, re.I), first
    assert "TF-IDF" in first and re.search(r"transformer", first), first  # it weighs the two options
    assert_well_cited(ans)


def test_explain_what_x_is_leads_with_the_definition_of_x(answerer):
    # f2-20 led with "Noisy validation curves need patience and a minimum improvement threshold."
    ans = ask(answerer, "Explain what early stopping is, how to choose the patience, and whether I still need other "
                        "regularization when I use it.")
    first = ans.sentences[0].text
    assert re.match(r"\W*early stopping\b", first, re.I), first  # about early stopping ...
    assert re.search(r"\bvalidation\b", first) and re.search(r"\bstops?\b", first), first  # ... and what it does
    assert_well_cited(ans)


def test_a_comparison_with_a_variant_describes_the_variant_and_the_plain_method(answerer):
    # f3-05 (development): no sentence named both "SGD" and "momentum", so the momentum side was never described
    # and the answer led with the plain SGD update
    ans = ask(answerer, "How does SGD with momentum behave differently from plain stochastic gradient descent?")
    lead = ans.sentences[:2]
    first_lines = lines_of(source_of(ans, lead[0]).path)
    assert re.match(r"\W*momentum\b", lead[0].text, re.I), lead[0].text  # opens with what the variant adds
    assert "momentum" in section_heading(first_lines, lead[0].line_start).lower()
    plain = [s for s in ans.sentences if "momentum" not in s.text.lower()
             and re.search(r"\b(?:SGD|stochastic gradient descent)\b", s.text, re.I)]
    assert plain, ans.text  # the plain side is described by a sentence of its own
    assert_well_cited(ans)


def test_a_code_question_shows_a_short_function_for_the_task_and_leads_with_what_it_does(answerer):
    # f3-15 (development): a 45-line chapter demo (AUC, scipy comparison, plot) beat the bank's coding entry on the
    # same task, and the lead was a context sentence of the chapter ("A typical ML use is ...")
    ans = ask(answerer, "Write code that computes a bootstrap confidence interval for a model's accuracy on a test set.")
    code = shown_blocks(ans)
    assert code, ans.text
    src = source_of(ans, code[0])
    lines = lines_of(src.path)
    body = lines[code[0].line_start : code[0].line_end - 1]
    assert re.search(r"^def \w*(?:bootstrap|ci)\w*\(", "\n".join(body), re.M), body[:5]  # a function for the task
    assert len(body) <= 30 and not any("plt." in ln for ln in body)
    first = ans.sentences[0]
    assert first.kind != "code" and ans.sentences.index(first) < ans.sentences.index(code[0])
    # the lead comes from the code block's own section and says what the procedure does
    assert section_heading(lines_of(source_of(ans, first).path), first.line_start) == section_heading(
        lines, code[0].line_start)
    assert re.search(r"\bresampl\w*|with replacement", first.text, re.I), first.text
    assert_well_cited(ans)


@pytest.mark.parametrize("question, first_part, later", [
    # f3-01 and f3-20 (development): only the first part was answered
    ("Explain what dropout does to a network while it trains, and what changes when you make predictions.",
     r"\bdropout\b", r"\binference\b|\btest time\b|\bpredict"),
    ("Walk me through how a decision tree picks the split at each node, what stops it from growing forever, and "
     "how pruning helps it generalise.", r"\bsplit|\bgrowth\b|\bdepth\b", r"\bprun"),
])
def test_a_question_of_several_parts_gets_a_sentence_for_its_later_part(answerer, question, first_part, later):
    ans = ask(answerer, question)
    texts = [s.text for s in ans.sentences if s.kind != "code"]
    assert re.search(first_part, " ".join(texts[:2]), re.I), texts[:2]
    assert any(re.search(later, t, re.I) for t in texts), ans.text
    assert_well_cited(ans)


def test_a_why_lead_that_restates_the_premise_is_followed_by_the_reason(answerer):
    # f3-16 (development): "Batch norm allows larger learning rates, ..." was said three times and the reason the
    # sections give (a smoother loss landscape) never
    ans = ask(answerer, "Why can you use a bigger learning rate once batch normalization is in the network?")
    first, second = ans.sentences[:2]
    assert re.search(r"\bbatch norm", first.text, re.I), first.text
    assert re.search(r"\b(?:smooth\w*|landscape|because|explanation)\b", second.text, re.I), second.text
    # the reason comes from the lead's own section
    assert source_of(ans, first).path == source_of(ans, second).path
    restated = [s for s in ans.sentences[2:] if re.search(r"allows? (?:larger|higher|bigger) learning rates?", s.text)]
    assert len(restated) <= 1, [s.text for s in restated]
    assert_well_cited(ans)


# -- round 8b: failure classes of the fourth fresh set and the external set (development data) ----------------------

def test_a_comparisons_first_two_sentences_cover_both_sides(answerer):
    # f4-05 (development): the lead described data parallelism alone; model parallelism came third
    ans = ask(answerer, "Data parallel vs model parallel training: what actually gets split across the GPUs in each, "
                        "and when is data parallelism not enough?")
    two = " ".join(s.text for s in ans.sentences[:2])
    assert re.search(r"\bdata parallel", two, re.I) and re.search(r"\bmodel parallel", two, re.I), two
    assert_well_cited(ans)


def test_a_comparison_of_three_things_describes_each_and_no_bank_entry_on_another_trio_answers(answerer):
    # ml-33 (external, development): the bank entry on supervised / unsupervised / *self-supervised* learning gave the
    # answer, and reinforcement learning appeared only as its last key point
    ans = ask(answerer, "Can you explain the differences between supervised, unsupervised, and reinforcement "
                        "learning?")
    assert ans.kind != "interview"
    openers = [re.sub(r"^[\W_]*(?:the |a |an )?", "", s.text, flags=re.I).lower() for s in ans.sentences[:3]]
    for side in ("supervised", "unsupervised", "reinforcement learning"):
        assert any(o.startswith(side) for o in openers), (side, openers)
    assert not any(o.startswith("self-supervised") for o in openers), openers
    assert_well_cited(ans)


def test_a_how_to_choose_lead_advises_and_is_no_unrelated_table_row(answerer):
    # f4-08 (development): a datasets table row ("California housing ... downloads on first use") led a question on
    # which tools to pick, and a sentence whose subject "neither" points back came next
    ans = ask(answerer, "We're starting a tabular churn model that has to go to production. What libraries and "
                        "tools should we pick?")
    first = ans.sentences[0]
    assert first.kind != "table_row", first.text
    assert not re.match(r"^(?:[^,]*,\s+)?neither\b", first.text, re.I), first.text
    assert_well_cited(ans)
    # ml-57 (external, development): two definitions led "when to use"; the lead now says what each suits
    ans = ask(answerer, "When to use a Label Encoding vs. One Hot Encoding?")
    first = ans.sentences[0]
    advice = first.text if first.kind != "table_row" else first.text + " " + first.table_header
    assert re.search(r"\b(?:best with|good for|use|default|prefer)\b", advice, re.I), advice
    assert_well_cited(ans)


def test_a_why_lead_that_restates_the_premise_gets_a_reason_about_the_premise(answerer):
    # ml-25 (external, development): "Encoder-decoder networks such as U-Net ... are the standard for dense
    # prediction" restated the premise, and no reason followed in the first two sentences
    from mlnotes.assistant.answering.lead import gives_reason, restates_premise

    q = "Why do segmentation CNNs typically have an encoder-decoder style / structure?"
    ans = ask(answerer, q)
    first, second = ans.sentences[:2]
    if restates_premise(q, first.text):
        assert gives_reason(second.text), second.text
        assert re.search(r"resolution|downsampl|detail|context|skip", second.text, re.I), second.text
    else:
        assert gives_reason(first.text), first.text
    assert_well_cited(ans)


def test_a_formula_answer_shows_the_display_equation_with_its_lead_in(answerer):
    # f4-12 (development): the cited contrastive-loss section displays the loss, the answer gave only words
    ans = ask(answerer, "contrastive loss for a siamese network with a margin - what's the equation?")
    first = ans.sentences[0]
    assert "$$" in first.text and re.search(r"=", first.text), first.text
    assert re.search(r"\bmargin\b", first.text) and re.search(r"\\max\(0, m - d\)", first.text), first.text
    assert_well_cited(ans)


def test_a_code_answer_does_not_lead_with_a_side_comparison(answerer):
    # f4-14 (development): "For comparison, a fully connected network ..." introduced the SmallCNN code
    ans = ask(answerer, "can you write a small CNN in pytorch that classifies handwritten digits?")
    first = ans.sentences[0]
    assert first.kind != "code" and not re.match(r"^(?:for|by|in) (?:comparison|contrast)\b", first.text, re.I), \
        first.text
    assert any(s.kind == "code" and "Conv2d" in s.text for s in ans.sentences), ans.text
    assert_well_cited(ans)


def test_when_is_x_the_better_pick_leads_with_advice_about_x(answerer):
    # f4-06 (development): the gradient-boosting update formula led "when is linear regression the better pick"
    from mlnotes.assistant.answering.lead import recommends

    ans = ask(answerer, "When is a plain linear regression actually the better pick over a boosted tree model?")
    first = ans.sentences[0].text
    assert re.search(r"\blinear\b", first, re.I) and "pseudo-residual" not in first, first
    assert recommends(first), first
    assert_well_cited(ans)


def test_a_how_to_choose_lead_is_no_report_of_a_tools_default(answerer):
    # f4-17 (development): "Squared hinge is differentiable and used by `LinearSVC` by default." led, its "default"
    # read as advice
    from mlnotes.assistant.answering.lead import _PASSIVE_DEFAULT_RE

    ans = ask(answerer, "Why do we train classifiers on log loss or hinge loss instead of the accuracy we actually "
                        "care about? And does it matter which of those I pick, what does each one give me?")
    first = ans.sentences[0].text
    m = re.search(r"\bdefault\b", first)
    assert m is None or not _PASSIVE_DEFAULT_RE.search(first[: m.start()]), first
    assert_well_cited(ans)


def test_a_formula_in_the_sentence_after_the_lead_joins_it(answerer):
    # f5-12 (development): "The two-sample KS test compares the empirical CDFs ..." led, and the next sentence of
    # the same paragraph, "Its statistic is the largest vertical gap between them, $D = \sup_x |...|$", was skipped
    from mlnotes.assistant.answering.lead import shows_equation

    ans = ask(answerer, "How is the two-sample Kolmogorov-Smirnov statistic defined when I use it to check a "
                        "feature for drift?")
    two = ans.sentences[:2]
    assert any(shows_equation(s.text) and r"\sup" in s.text for s in two), ans.text
    assert_well_cited(ans)


def test_a_formula_answer_finds_a_display_that_ends_its_sentence_in_the_next_piece(answerer):
    # f5-11 (development): the lead was "... the posterior at a query point is Gaussian with" (cut off before its
    # display) and the expected-improvement display, introduced by a sentence ending in a comma in the next piece
    # of the same section, was never shown
    ans = ask(answerer, "give me the closed form for expected improvement in bayesian optimisation with a gaussian "
                        "process surrogate")
    first = ans.sentences[0]
    assert "$$" in first.text and re.search(r"expected improvement", first.text, re.I), first.text
    assert r"\Phi(z)" in first.text and r"\varphi(z)" in first.text, first.text
    assert not any(s.text.rstrip().endswith((" with", ",")) for s in ans.sentences if s.kind == "sentence"), ans.text
    assert_well_cited(ans)


def test_a_why_answer_leads_with_the_asked_subject_and_its_reason(answerer):
    # f5-15 (development): "**k-nearest-neighbour imputation** fills a value ..." led a question on mean imputation,
    # whose reason ("... because every imputed value sits at the centre") came third
    from mlnotes.assistant.answering.lead import gives_reason

    ans = ask(answerer, "Why does filling missing values with the column mean make that column's variance smaller? "
                        "Does it mess with correlations too?")
    first, two = ans.sentences[0], ans.sentences[:2]
    assert "nearest" not in first.text.lower() and re.search(r"\bmean\b", first.text, re.I), first.text
    assert any(gives_reason(s.text) and re.search(r"\bvariance\b", s.text) for s in two), ans.text
    assert_well_cited(ans)


# -- round 10: composition classes outside the lead choice (fresh5/fresh6 and the external set, development) -------

@pytest.mark.parametrize("question", [
    # f6-03, f5-05, f5-16, ml-13, f3-01 (development): "these targets", "this regime", "the same regime", "It
    # checks ...", "It prevents co-adaptation ..." were shown apart from the sentence they point back to
    "Explain label smoothing. If I use epsilon = 0.1 with 10 classes, what does the target vector for one example "
    "actually look like?",
    "wald interval vs wilson interval for a proportion (say accuracy on a small test set) - what's actually different "
    "between them?",
    "In a GAN, why does the generator usually maximise log D(G(z)) instead of minimising log(1 - D(G(z)))? aren't "
    "those the same objective?",
    "How does CBIR work?",
    "Explain what dropout does to a network while it trains, and what changes when you make predictions.",
])
def test_a_sentence_that_points_back_follows_the_sentence_it_points_to(answerer, question):
    from mlnotes.assistant.answering.scoring import dangles

    ans = ask(answerer, question)
    if ans.kind == "interview":
        # the bank's written answer to the same question (the dropout question matched dl-dropout from round 16 on an
        # AVX2-only CPU): written to be read alone, nothing was picked out of a passage; its opening must not dangle
        assert ans.sentences[0].kind == "short_answer" and not dangles(ans.sentences[0].text), ans.text
        return
    prose = [s for s in ans.sentences if s.kind == "sentence"]
    assert prose and not dangles(ans.sentences[0].text), ans.text
    for i, (prev, s) in enumerate(zip(ans.sentences, ans.sentences[1:]), 1):
        if s.kind != "sentence" or not dangles(s.text):
            continue
        if i == 1 and (source_of(ans, prev).path != source_of(ans, s).path or prev.line_end < s.line_start - 2):
            continue  # a dangling lead with no sentence to carry it, moved behind a sentence that reads alone
        # the sentence before it in the answer is the one before it in the file: same source, at most a blank
        # line between them, nothing but blank lines in the gap (read from the file, not from the answer)
        assert prev.kind == "sentence" and source_of(ans, prev).path == source_of(ans, s).path, ans.text
        lines = lines_of(source_of(ans, s).path)
        assert prev.line_end <= s.line_start and s.line_start - prev.line_end <= 2, (prev.text, s.text)
        span = " ".join(" ".join(re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", ln) for ln in
                                 lines[prev.line_start - 1 : s.line_end]).split())
        a, b = " ".join(prev.text.split()), " ".join(s.text.split())
        assert a + " " + b in span, (prev.text, s.text)  # nothing between them
    assert_well_cited(ans)


def test_a_question_that_asks_for_code_in_a_how_question_gets_a_tested_block_that_does_it(answerer):
    # f6-13 (development): read as a how question, it got a definition and no code, although its hits held
    # my_permutation_importance
    ans = ask(answerer, "Show me how to code permutation feature importance myself, without sklearn.inspection.")
    code = shown_blocks(ans)
    # perm_importance (the worked solution of exercise 8.4, shown since round 16) or my_permutation_importance
    assert code and re.search(r"def \w*perm\w*importance\w*\(", code[0].text), ans.text
    src = source_of(ans, code[0])
    lines = lines_of(src.path)
    assert lines[code[0].line_start - 1].startswith("```python") and "norun" not in lines[code[0].line_start - 1]
    assert "permutation importance" in heading_above(lines, code[0].line_start).lower()
    assert "```python" in ans.text
    assert_well_cited(ans)


def test_a_cost_question_on_an_algorithm_without_its_variant_leads_with_that_algorithms_row(answerer):
    # f6-09 (development): the Gaussian-mixture row of the clustering table led "agglomerative clustering on a
    # million points"
    from mlnotes.assistant.answering.lead import first_cell

    ans = ask(answerer, "Can I run agglomerative (hierarchical) clustering on a million points? Roughly how much "
                        "memory and time would that need?")
    first = ans.sentences[0]
    assert first.kind == "table_row" and first_cell(first.text).startswith("Agglomerative"), first.text
    assert "$O(n^2)$" in first.text
    assert_well_cited(ans)


def test_no_supporting_sentence_opens_by_naming_a_sibling_method(answerer):
    # f5-03 (development): "*Multi-agent RL* has several learning agents ..." and "*Hierarchical RL* decomposes
    # ..." trailed "inverse RL - what is it?"
    ans = ask(answerer, "inverse RL - what is it, in plain words?")
    assert re.search(r"inverse RL", ans.sentences[0].text, re.I), ans.text
    for s in ans.sentences[1:]:
        assert not re.match(r"^\*{1,2}(?:Multi-agent|Hierarchical) RL", s.text), s.text
    assert_well_cited(ans)
