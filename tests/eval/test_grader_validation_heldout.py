"""``python -m mlnotes.eval.grader_validation --heldout PATH --only-heldout`` measures an extra held-out file with
the real grader (issue #20, round 7), so that a new set can be measured once after a merge. The file here is a
small one built in the test from development cases (never a held-out set)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from mlnotes.eval.grader_validation import DEV_HAND, adversarial_markdown, load_adversarial, run_heldout


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Eight development answers (four paraphrases, four no-credit) in a file named like no dataset, and an
    empty datasets folder (so only that file is held out)."""
    d = tmp_path_factory.mktemp("heldout")
    rows = load_adversarial(DEV_HAND)
    pick = [c for c in rows if c["type"] == "paraphrase"][:4] + [c for c in rows if c["label"] == "no_credit"][:4]
    f = d / "tiny.jsonl"
    f.write_text("".join(json.dumps(c) + "\n" for c in pick), encoding="utf-8")
    (d / "datasets").mkdir()
    return f, d / "datasets", pick


def test_an_extra_file_is_measured_like_the_interview_grades(tiny):
    from mlnotes.assistant.interview.combine import default_combiner
    from mlnotes.assistant.interview.grader import Grader
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.interview import load_bank

    f, folder, pick = tiny
    adv = run_heldout([f], reference=None, folder=folder)
    assert adv["held_out_splits"] == ["heldout_tiny"]
    byid = {q.id: q for q in load_bank(REPO_ROOT / "corpus")}
    # the same cases graded one by one through the interview's own Grader: rules only, and as shipped
    for key, grader in (("after", Grader(checker=None, combiner=None)), ("combined", Grader(checker=None))):
        if key == "combined" and default_combiner() is None:
            assert adv["combined"] is None
            continue
        table = adv[key]["heldout_tiny"]["types"]
        for typ in {c["type"] for c in pick}:
            want = sum(grader.grade(byid[c["question_id"]], c["answer"]).key_points[c["key_point_index"]].covered
                       for c in pick if c["type"] == typ)
            assert table[typ]["credited"] == want, (key, typ)
            assert table[typ]["n"] == sum(c["type"] == typ for c in pick)
    md = adversarial_markdown(adv)
    assert "### heldout_tiny (held out)" in md and "| paraphrase | 4 |" in md
    assert "## Development sets" not in md  # only the held-out file was measured
    assert "Targets met:" in md


@pytest.mark.slow
def test_the_reference_revision_grades_the_extra_file_in_the_same_run(tiny):
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.eval.grader_validation import REFERENCE_REV

    if shutil.which("git") is None or subprocess.run(
            ["git", "-C", str(REPO_ROOT), "cat-file", "-e", f"{REFERENCE_REV}^{{commit}}"],
            capture_output=True).returncode != 0:
        pytest.skip(f"git history with {REFERENCE_REV} is not available (a shallow clone)")
    f, folder, pick = tiny
    adv = run_heldout([f], reference=REFERENCE_REV, folder=folder, use_combiner=False)
    ref = adv["reference"]["tables"]["heldout_tiny"]
    assert {t: d["n"] for t, d in ref["types"].items()} == {t: d["n"] for t, d in
                                                           adv["after"]["heldout_tiny"]["types"].items()}
    assert f"main {REFERENCE_REV} grader" in adversarial_markdown(adv)
