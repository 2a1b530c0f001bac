"""The leave-one-author-out estimate of the claim checker (issue #20, round 8): folds, pairs and scoring, without
training (``python -m mlnotes.eval.grader_checker_loao`` trains; minutes)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from mlnotes.eval import grader_checker_loao as L

BANK = [SimpleNamespace(id="q1", question="Q1?", key_points=["Alpha beats beta on gamma", "Delta needs epsilon"]),
        SimpleNamespace(id="q2", question="Q2?", key_points=["Zeta shrinks eta", "Theta grows iota"])]


def _case(cid, qid, k, answer, typ, label, set_name):
    kp = next(q for q in BANK if q.id == qid).key_points[k]
    return {"id": cid, "question_id": qid, "key_point_index": k, "key_point": kp, "answer": answer, "type": typ,
            "label": label, "source": "hand", "set": set_name}


def test_authors_group_the_sets_and_every_development_set_has_one():
    from mlnotes.eval.grader_combine import SETS

    assert {L.author_of(s) for s in SETS} == set(L.AUTHORS)
    assert L.author_of("dev_hand") == L.author_of("heldout4")  # the same helper wrote both
    assert len({L.author_of(s) for s in SETS}) == 11  # heldout11 (development since round 12): an eleventh author


def test_a_fold_never_trains_on_the_held_out_author_or_its_key_points():
    cases = [_case("a", "q1", 0, "Alpha wins over beta for gamma.", "paraphrase", "credit", "heldout5"),
             _case("b", "q1", 1, "Delta requires epsilon.", "paraphrase", "credit", "heldout3"),
             _case("c", "q2", 0, "Zeta does not shrink eta.", "negation", "no_credit", "heldout3")]
    held_kps = {"Alpha beats beta on gamma"}
    pairs = L.fold_pairs(cases, BANK, "heldout5", held_kps)
    sentences = {p.sentence for p in pairs}
    assert "Alpha wins over beta for gamma." not in sentences  # the held-out author's case
    assert all(p.key_point not in held_kps for p in pairs)  # nor any pair on its key points (bank pairs too)
    got = {(p.key_point, p.sentence): p.label for p in pairs}
    assert got[("Delta needs epsilon", "Delta requires epsilon.")] == 1
    assert got[("Zeta shrinks eta", "Zeta does not shrink eta.")] == 0
    # its paraphrase would be a negative for the next key point of its question, but that one is excluded
    assert ("Alpha beats beta on gamma", "Delta requires epsilon.") not in got
    pairs3 = L.fold_pairs(cases, BANK, "heldout3", {"Delta needs epsilon", "Zeta shrinks eta"})
    got3 = {(p.key_point, p.sentence): p.label for p in pairs3}
    assert got3[("Alpha beats beta on gamma", "Alpha wins over beta for gamma.")] == 1
    assert ("Delta needs epsilon", "Alpha wins over beta for gamma.") not in got3  # excluded key point
    # the hand-written label overrides the bank's rule-made one, and identity pairs of kept key points stay
    assert got3[("Theta grows iota", "Theta grows iota")] == 1


def test_the_other_point_negative_is_made_for_kept_key_points():
    cases = [_case("a", "q1", 0, "Alpha wins over beta for gamma.", "paraphrase", "credit", "heldout3")]
    got = {(p.key_point, p.sentence): (p.label, p.source) for p in L.fold_pairs(cases, BANK, "heldout5", set())}
    assert got[("Delta needs epsilon", "Alpha wins over beta for gamma.")] == (0, "hand_other")


def test_credit_by_candidate():
    from mlnotes.assistant.interview.grader import default_params

    params = default_params()
    hi = {"cos": 1.0, "overlap": 1.0, "rules_pass": 1, "_sentence": "s1"}
    lo = {"cos": -1.0, "overlap": 0.0, "rules_pass": 1, "_sentence": "s2"}
    d = {"kp": "k", "rules": True, "rows": [hi, lo]}
    probs = {("k", "s1"): 0.2, ("k", "s2"): 0.9}
    assert L.credit(d, probs, "rules", params)
    assert L.credit(d, probs, "checker", params)  # 0.9 anywhere
    assert not L.credit(d, probs, "cosine+checker", params)  # only s1 is above the coverage threshold
    assert not L.credit(d, probs, "rules+veto", params)
    assert not L.credit({**d, "rules": False}, {("k", "s1"): 0.9, ("k", "s2"): 0.0}, "rules+veto", params)
    assert L.credit(d, {("k", "s1"): 0.9, ("k", "s2"): 0.0}, "rules+veto", params)
    assert not L.credit({"kp": "k", "rules": False, "rows": []}, {}, "checker", params)


def test_per_type_precision_at_equal_prevalence():
    types = ["paraphrase"] * 4 + ["partial"] * 2 + ["negation"] * 4
    credited = [True, True, True, False, True, False, True, False, False, False]
    out = L.per_type(types, credited)
    assert out["paraphrase_recall"] == 0.75 and out["partial_recall"] == 0.5
    assert out["negation"]["precision"] == pytest.approx(0.75 / (0.75 + 0.25), abs=1e-4)
    assert out["worst_ratio"] == pytest.approx(min(0.75 / 0.9, 0.75 / 0.95), abs=1e-4)


def test_out_of_fold_scores_must_match_the_cases(tmp_path):
    from mlnotes.eval.grader_combine import add_oof_checker_scores

    data = [{"id": "a", "rows": [{"_sentence": "x"}, {"_sentence": "y"}]}]
    f = tmp_path / "oof.json"
    f.write_text(json.dumps({"a": {"s": ["x", "y"], "p": [0.1, 0.7]}}), encoding="utf-8")
    assert add_oof_checker_scores(data, f) == 1 and [r["checker"] for r in data[0]["rows"]] == [0.1, 0.7]
    f.write_text(json.dumps({"a": {"s": ["x", "z"], "p": [0.1, 0.7]}}), encoding="utf-8")
    with pytest.raises(SystemExit, match="rerun"):
        add_oof_checker_scores(data, f)
    f.write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(SystemExit, match="rerun"):
        add_oof_checker_scores(data, f)


def test_the_table_reaches_grader_validations_report(tmp_path, monkeypatch):
    from mlnotes.eval import grader_validation as V

    types = ["paraphrase"] * 2 + ["negation"] * 2
    fold = {c: L.per_type(types, [True, c != "rules", c == "rules", False]) for c in L.CANDIDATES}
    res = {"name": "top4", "config": {"epochs": 3}, "threshold": 0.5, "folds": {"heldout5": fold},
           "mean_worst_ratio": {c: fold[c]["worst_ratio"] for c in L.CANDIDATES}}
    md = L.markdown(res)
    assert "| heldout5 | rules | 0.500 (n=2) | – | 0.500 |" in md
    assert "| heldout5 | checker | 1.000 (n=2) | – | 1.000 |" in md
    monkeypatch.setattr(L, "paths", lambda name: (tmp_path / f"{name}.json", tmp_path / f"{name}_oof.json"))
    assert V.loao_markdown() == ""
    (tmp_path / "top4.json").write_text(json.dumps(res), encoding="utf-8")
    assert V.loao_markdown().strip() == md.strip()
