"""Feedback that teaches: the question restated, the wrong sentence quoted with its cited section, and hints
that nudge without handing over the key point."""

from __future__ import annotations

from mlnotes.assistant.interview.contradiction import stems
from mlnotes.assistant.interview.grader import default_params, required_terms
from mlnotes.assistant.interview.service import hint_text

WRONG = ("Precision is true positives divided by all predicted positives. "
         "Precision matters when false negatives are costly.")


def test_feedback_quotes_the_contradicting_sentence_and_cites_a_section(answer_precision_recall):
    fb = answer_precision_recall(WRONG)
    assert fb["question"].startswith("What are precision and recall")
    by_kp = {m["key_point"]: m for m in fb["missed"]}
    rec = by_kp["Recall matters when false negatives are costly"]
    assert rec["contradicted"] is True
    assert rec["your_sentence"] == "Precision matters when false negatives are costly."
    assert "recall" in rec["what_was_wrong"] and "precision" in rec["what_was_wrong"]
    assert rec["citation"]["url"] and rec["citation"]["path"]
    covered = {c["key_point"] for c in fb["covered"]}
    assert "Precision is true positives divided by all predicted positives" in covered


def test_hints_nudge_without_giving_the_claim_away():
    q = "What are precision and recall, and when do you optimize for each?"
    kps = ["Recall matters when false negatives are costly", "Precision matters when false positives are costly"]
    df = default_params().term_df
    assert df
    h1 = hint_text(q, kps, 1, df)
    h2 = hint_text(q, kps, 2, df)
    h3 = hint_text(q, kps, 3, df)
    assert "Key point 1 of 2" in h1 and "Key point 1 of 2" in h2 and "Key point 2 of 2" in h3
    assert "topic" not in h1.lower() and "difficulty" not in h1.lower()
    for kp, hints in ((kps[0], (h1, h2)), (kps[1], (h3,))):
        hidden = required_terms(kp, q, df)
        assert hidden
        for h in hints:
            shown = set(stems(h.split("“", 1)[1] if "“" in h else h))
            assert not hidden & shown, (h, hidden)
    assert "____" in h2 and h2 != kps[0]


def test_ui_and_cli_render_the_quote(answer_precision_recall):
    from rich.console import Console

    from mlnotes.assistant.interview.cli import print_feedback
    from mlnotes.assistant.interview.ui import feedback_markdown

    fb = answer_precision_recall(WRONG)
    md = feedback_markdown(fb)
    assert md.startswith("#### Feedback on question") and "What are precision and recall" in md.split("\n")[0]
    assert "“Precision matters when false negatives are costly.”" in md
    console = Console(record=True, width=200)
    print_feedback(console, fb)
    text = console.export_text()
    assert text.lstrip().startswith("Q: What are precision and recall")
    assert "you wrote: “Precision matters when false negatives are costly.”" in text
