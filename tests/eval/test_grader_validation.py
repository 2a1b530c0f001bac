"""The grader validation finds every held-out set by its file name and reports it apart from the development
sets (issue #20, round 3: heldout2 became development data; heldout3 is written elsewhere and must be picked up
without a code change)."""

from __future__ import annotations

import json

import pytest

from mlnotes.eval.grader_validation import (
    ADVERSARIAL,
    DEV_SPLITS,
    adversarial_markdown,
    adversarial_table,
    all_adversarial,
    extra_splits,
    heldout_files,
    per_type_targets,
)


def _case(i: int, typ: str, split: str = "whatever") -> dict:
    credit = typ == "paraphrase"
    return {"id": f"q#{i}/{typ}", "question_id": f"q{i % 3}", "key_point_index": 0, "key_point": "kp",
            "topic": "t", "answer": "a", "type": typ, "label": "credit" if credit else "no_credit",
            "source": "hand", "split": split}


def _write(path, cases):
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")


def test_heldout_files_are_found_and_named_after_the_file(tmp_path):
    _write(tmp_path / ADVERSARIAL.name, [_case(0, "paraphrase", "tune"), _case(1, "negation", "heldout")])
    _write(tmp_path / "grader_heldout2.jsonl", [_case(2, "paraphrase", "heldout2")])
    _write(tmp_path / "grader_heldout3.jsonl", [_case(3, "paraphrase", "x"), _case(4, "vague")])
    _write(tmp_path / "grader_other.jsonl", [_case(5, "vague")])  # not a held-out file
    _write(tmp_path / "grader_dev_hand.jsonl", [_case(6, "paraphrase", "x")])  # development, round 6
    _write(tmp_path / "grader_heldout4.jsonl", [_case(7, "opposite", "y")])
    assert [s for s, _ in heldout_files(tmp_path)] == ["heldout2", "heldout3", "heldout4"]
    cases = all_adversarial(tmp_path)
    assert [c["split"] for c in cases] == ["tune", "heldout", "dev_hand", "heldout2", "heldout3", "heldout3",
                                           "heldout4"]
    # round 7: heldout3 and heldout4 are development data (the learned combination is fitted on them); a new
    # grader_heldoutN file is still held out without a code change
    assert set(DEV_SPLITS) == {"tune", "heldout", "heldout2", "dev_hand", "heldout3", "heldout4", "heldout5",
                                "heldout6", "heldout7", "heldout8", "heldout9", "heldout10", "heldout11"}
    _write(tmp_path / "grader_heldout12.jsonl", [_case(8, "vague", "z")])
    # (files are read in name order: grader_heldout12 comes before grader_heldout2)
    assert "heldout12" not in DEV_SPLITS and [c["split"] for c in all_adversarial(tmp_path)].count("heldout12") == 1


def test_the_real_datasets_folder_has_the_development_sets():
    splits = {s for s, _ in heldout_files()}
    assert "heldout2" in splits


def _tables(credited_by_split: dict[str, list[tuple[str, bool]]]) -> dict:
    out = {"cases": 0, "key_points": 1, "topics": 1}
    for split, rows in credited_by_split.items():
        cases = [_case(i, t, split) for i, (t, _) in enumerate(rows)]
        out[split] = adversarial_table(cases, [y for _, y in rows])
        out["cases"] += len(rows)
    return out


def test_report_puts_held_out_sets_first_and_apart():
    rows = {"heldout3": [("paraphrase", True)] * 9 + [("paraphrase", False)] + [("negation", False)] * 20,
            "heldout2": [("paraphrase", True)] * 7 + [("paraphrase", False)] * 3 + [("negation", True)] * 2
            + [("negation", False)] * 18}
    after = _tables(rows)
    before = _tables({s: [(t, True) for t, _ in r] for s, r in rows.items()})
    adv = {"before": before, "after": after, "held_out_splits": ["heldout3"], "development_splits": ["heldout2"]}
    md = adversarial_markdown(adv)
    assert md.index("## Held out") < md.index("### heldout3 (held out)") < md.index("## Development sets") \
        < md.index("### heldout2 (development)")
    # heldout3: recall 0.9, no negation credited -> every target met; heldout2: recall 0.7, negation fcr 0.1
    assert per_type_targets(after["heldout3"]) == {"negation precision": True, "written paraphrase recall": True,
                                                   "pooled recall": True}
    t2 = per_type_targets(after["heldout2"])
    assert not t2["written paraphrase recall"] and not t2["negation precision"]
    # precision at equal prevalence: recall / (recall + false-credit rate) = 0.7 / (0.7 + 0.1)
    assert abs(after["heldout2"]["types"]["negation"]["precision"] - 0.875) < 1e-4


def test_report_without_a_held_out_set_says_so():
    after = _tables({"heldout2": [("paraphrase", True), ("negation", False)]})
    md = adversarial_markdown({"before": after, "after": after, "held_out_splits": [],
                               "development_splits": ["heldout2"]})
    assert "No held-out set found" in md and "## Held out" not in md


def test_cv_summary_and_target_ratio():
    from mlnotes.eval.grader_cv import summary, worst_ratio

    cases = [_case(i, "paraphrase") for i in range(10)] + [_case(i, "negation") for i in range(10)] \
        + [_case(i, "vague") for i in range(5)]
    credited = [True] * 8 + [False] * 2 + [True] + [False] * 9 + [False] * 5
    s = summary(cases, credited)
    assert s["recall"] == 0.8 and s["n_credit"] == 10
    assert s["negation"] == {"n": 10, "false_credit": 0.1, "precision": round(0.8 / 0.9, 4)}
    assert s["vague"]["precision"] == 1.0
    # the worst target ratio: recall 0.8 / 0.90 is below negation 0.889 / 0.95
    assert abs(worst_ratio(s) - min(0.8 / 0.9, (0.8 / 0.9) / 0.95)) < 1e-4


def test_the_claim_checker_column_is_reported_and_judged():
    rules = _tables({"heldout3": [("paraphrase", True)] * 6 + [("paraphrase", False)] * 4 + [("negation", True)] * 5
                     + [("negation", False)] * 5})
    checker = _tables({"heldout3": [("paraphrase", True)] * 9 + [("paraphrase", False)] + [("negation", False)] * 10})
    md = adversarial_markdown({"before": rules, "after": rules, "checker": checker, "held_out_splits": ["heldout3"],
                               "development_splits": []})
    assert "**claim checker**" in md
    row = next(line for line in md.splitlines() if line.startswith("| negation |"))
    # rules: false credit 0.5, precision 0.6 / 1.1; checker: none credited, precision 1.0
    cells = [c.strip() for c in row.split("|")]
    assert cells[6] == f"{0.6 / 1.1:.3f}" and cells[7:9] == ["**0.000**", "**1.000**"]
    # the targets are judged on the shipped grader (the checker): met here, not met by the rules
    assert "Targets met: negation precision yes, written paraphrase recall yes" in md


def test_cached_checker_scores_each_pair_once():
    from mlnotes.eval.grader_validation import CachedChecker

    calls = []

    def fake(pairs):
        calls.append(list(pairs))
        return [len(k) / 10 for k, _ in pairs]

    c = CachedChecker(fake)
    assert list(c([("ab", "x"), ("abc", "y")])) == [0.2, 0.3]
    assert list(c([("abc", "y"), ("abcd", "z"), ("ab", "x")])) == [0.3, 0.4, 0.2]
    assert calls == [[("ab", "x"), ("abc", "y")], [("abcd", "z")]]


def test_checker_cv_table():
    from mlnotes.eval.grader_cv import summary
    from mlnotes.eval.grader_validation import checker_cv_markdown

    cases = [_case(i, "paraphrase") for i in range(10)] + [_case(i, "negation") for i in range(10)]
    rules = summary(cases, [True] * 10 + [True] * 5 + [False] * 5)
    ck = summary(cases, [True] * 9 + [False] + [False] * 10)
    sel = {"cv_estimate": ck, "chosen_per_fold": [{"fold": 0, "mode": "checker", "threshold": 0.5}],
           "chosen_on_all": {"mode": "checker", "threshold": 0.5}}
    part = {"cases": 20, "rules_only_in_sample": rules, "checker": sel, "with_rules_only": sel}
    md = checker_cv_markdown({"folds": 3, "train_pairs": 99, "config": {}, "hand_written": part,
                              "all_cases": part})
    assert "| paraphrase recall (n=10) | 1.000 | **0.900** | 0.900 |" in md
    assert f"| negation precision (n=10) | {1 / 1.5:.3f} | **1.000** | 1.000 |" in md
    assert "checker: chosen per fold checker 0.5; on all folds checker 0.5." in md


def test_targets_follow_the_shipped_grader_when_the_checker_is_off():
    rules = _tables({"heldout3": [("paraphrase", True)] * 6 + [("paraphrase", False)] * 4 + [("negation", True)] * 5
                     + [("negation", False)] * 5})
    checker = _tables({"heldout3": [("paraphrase", True)] * 9 + [("paraphrase", False)] + [("negation", False)] * 10})
    md = adversarial_markdown({"before": rules, "after": rules, "checker": checker, "shipped": "rules",
                               "held_out_splits": ["heldout3"], "development_splits": []})
    assert "**claim checker**" in md and "checker is off by default" in md
    assert "Targets met: negation precision NO, written paraphrase recall NO" in md


def test_the_reference_grader_is_a_column_of_the_held_out_tables():
    """Round 6: the held-out sets are also graded by main's grader before the round, in the same run; its
    numbers are a column of the held-out table and its targets a line of their own."""
    new = _tables({"heldout4": [("paraphrase", True)] * 9 + [("paraphrase", False)] + [("opposite", False)] * 10})
    old = _tables({"heldout4": [("paraphrase", True)] * 6 + [("paraphrase", False)] * 4 + [("opposite", True)] * 4
                   + [("opposite", False)] * 6})
    md = adversarial_markdown({"before": new, "after": new, "held_out_splits": ["heldout4"],
                               "development_splits": [], "reference": {"rev": "abc1234",
                                                                       "tables": {"heldout4": old["heldout4"]}}})
    table = md[md.index("### heldout4"):]
    assert "main abc1234 grader" in table.splitlines()[2]
    opposite = next(line for line in table.splitlines() if line.startswith("| opposite"))
    # the reference: recall 0.6, opposite false credit 0.4 -> precision 0.6 / (0.6 + 0.4) = 0.600
    assert opposite.rstrip(" |").endswith("0.400 | 0.600")
    assert "Targets met by main at abc1234" in md and "written paraphrase recall NO" in md


def test_extra_heldout_files_are_named_checked_and_added(tmp_path):
    """Round 7: ``--heldout PATH`` adds a file from anywhere, named after the file; bad files say what to fix.
    (The synthetic files here, heldout12 and heldout13, live in temporary folders only: a real heldout12 in
    eval/datasets/ is never read by this test.)"""
    folder = tmp_path / "datasets"
    folder.mkdir()
    _write(folder / "grader_heldout4.jsonl", [_case(0, "paraphrase")])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _write(outside / "grader_heldout12.jsonl", [_case(1, "paraphrase"), _case(2, "negation")])
    _write(outside / "my_cases.jsonl", [_case(3, "vague")])
    got = extra_splits([outside / "grader_heldout12.jsonl", outside / "my_cases.jsonl",
                        folder / "grader_heldout4.jsonl"], folder)  # the folder's own file is not counted twice
    assert [s for s, _ in got] == ["heldout12", "heldout_my_cases"]
    cases = all_adversarial(folder, extra=[outside / "grader_heldout12.jsonl", outside / "my_cases.jsonl"])
    assert [c["split"] for c in cases] == ["heldout4", "heldout12", "heldout12", "heldout_my_cases"]
    with pytest.raises(ValueError, match="no such file"):
        extra_splits([outside / "missing.jsonl"], folder)
    (outside / "grader_heldout13.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a JSON-lines file"):
        extra_splits([outside / "grader_heldout13.jsonl"], folder)
    (outside / "grader_heldout13.jsonl").write_text('{"answer": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="case 1 lacks question_id"):
        extra_splits([outside / "grader_heldout13.jsonl"], folder)
    other = tmp_path / "other"
    other.mkdir()
    _write(other / "grader_heldout12.jsonl", [_case(4, "vague")])
    with pytest.raises(ValueError, match="already taken"):
        extra_splits([outside / "grader_heldout12.jsonl", other / "grader_heldout12.jsonl"], folder)


def test_cli_refuses_a_bad_heldout_path_with_a_message(tmp_path, capsys):
    from mlnotes.eval.grader_validation import main

    with pytest.raises(SystemExit) as e:
        main(["--heldout", str(tmp_path / "nope.jsonl"), "--only-heldout", "--reference", "none"])
    assert e.value.code == 2
    assert "no such file" in capsys.readouterr().err
