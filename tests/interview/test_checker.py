"""The learned claim checker: its training data, its cache, the fallback without it, and the issue-#20
examples graded with the trained checker.

Most tests train a *tiny* checker (two steps on a few pairs: seconds); the issue examples need the real one,
which a session fixture loads from the cache (or trains once, a few CPU minutes, when there is none).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from mlnotes.assistant.interview import checker as C
from mlnotes.assistant.interview.grader import Grader, grade_answer


def _case(qid, kp, answer, typ, label, source="hand", k=0):
    return {"id": f"{qid}#{k}/{typ}/{source}/0", "question_id": qid, "key_point_index": k, "key_point": kp,
            "answer": answer, "type": typ, "label": label, "source": source, "split": "tune", "topic": "t"}


KP = "Recall matters when false negatives are costly"
TINY_CASES = [
    _case("q1", KP, "Recall is what to optimise if missing a positive is expensive.", "paraphrase", "credit"),
    _case("q1", KP, "Precision matters when false negatives are costly.", "term_swap", "no_credit"),
    _case("q1", KP, "Recall does not matter when false negatives are costly.", "negation", "no_credit"),
    _case("q1", KP, "Trees split on features. Recall matters when false negatives are costly.", "para_context",
          "credit", source="rule"),
]
TINY_BANK = [SimpleNamespace(id="q1", key_points=[KP, "Precision matters when false positives are costly"]),
             SimpleNamespace(id="q2", key_points=["L1 gives sparse weights"])]


# ------------------------------------------------------------------------------------------------ training data


def test_case_pairs_label_each_sentence():
    pairs = C.case_pairs(TINY_CASES)
    got = [(p.sentence, p.label, p.type) for p in pairs]
    assert ("Recall is what to optimise if missing a positive is expensive.", 1, "paraphrase") in got
    assert ("Precision matters when false negatives are costly.", 0, "term_swap") in got
    # para_context: the key point sentence is a positive, the unrelated filler a negative
    assert ("Recall matters when false negatives are costly.", 1, "para_context") in got
    assert ("Trees split on features.", 0, "context_filler") in got
    # a no-credit answer of two sentences gives two negatives
    two = C.case_pairs([_case("q1", KP, "Recall is a metric. It is important.", "vague", "no_credit")])
    assert [(p.sentence, p.label) for p in two] == [("Recall is a metric.", 0), ("It is important.", 0)]


def test_bank_pairs_are_identity_and_the_next_key_point():
    pairs = C.bank_pairs(TINY_BANK)
    assert (KP, KP, 1) in [(p.key_point, p.sentence, p.label) for p in pairs]
    assert (KP, "Precision matters when false positives are costly", 0) in [
        (p.key_point, p.sentence, p.label) for p in pairs]
    # a question with one key point gives no other-point pair
    assert [p.label for p in pairs if p.group == "q2"] == [1]


def test_training_pairs_dedupe_and_prefer_hand_labels():
    # the bank says "KP states KP"; a hand-written case claiming otherwise wins, a rule case does not
    hand = [_case("q1", KP, KP, "other_point", "no_credit", source="hand")]
    rule = [_case("q1", KP, KP, "other_point", "no_credit", source="rule")]
    get = {src: {(p.key_point, p.sentence): p.label for p in C.training_pairs(TINY_BANK, cs)}
           for src, cs in (("hand", hand), ("rule", rule))}
    assert get["hand"][(KP, KP)] == 0 and get["rule"][(KP, KP)] == 1
    pairs = C.training_pairs(TINY_BANK, TINY_CASES)
    assert len({(p.key_point, p.sentence) for p in pairs}) == len(pairs)


def test_the_independent_test_set_is_never_training_data():
    # round 12: every set up to heldout11 is development data; heldout12 and later are test sets
    assert not any(C.is_independent_test_file(Path(f)) for f in C.DEV_FILES)
    assert all(not f.startswith(("grader_heldout12", "grader_heldout13")) for f in C.DEV_FILES)
    cases = C.load_dev_cases()
    assert {c["split"] for c in cases} == {"tune", "heldout", "heldout2", "dev_hand", "heldout3", "heldout4",
                                           "heldout5", "heldout6", "heldout7", "heldout8", "heldout9",
                                           "heldout10", "heldout11"}
    assert len(cases) > 2500 + 1700


@pytest.mark.parametrize("name", ["grader_heldout12.jsonl", "grader_heldout13.jsonl", "grader_heldout14.jsonl"])
def test_a_test_file_among_the_training_files_is_refused(tmp_path, monkeypatch, name):
    (tmp_path / name).write_text("", encoding="utf-8")
    monkeypatch.setattr(C, "DEV_FILES", (name,))
    with pytest.raises(ValueError, match="independent test set"):
        C.load_dev_cases(tmp_path)


def test_development_files_are_not_taken_for_test_files():
    assert not any(C.is_independent_test_file(Path(f)) for f in
                   ("grader_heldout2.jsonl", "grader_adversarial.jsonl", "grader_dev_hand.jsonl", "heldout3.txt",
                    "grader_heldout3.jsonl", "grader_heldout4.jsonl", "grader_heldout5.jsonl", "grader_heldout6.jsonl",
                    "grader_heldout7.jsonl", "grader_heldout8.jsonl", "grader_heldout9.jsonl",
                    "grader_heldout10.jsonl", "grader_heldout11.jsonl", "heldout12.txt"))


def test_the_checksum_follows_the_data():
    a = C.training_pairs(TINY_BANK, TINY_CASES)
    b = C.training_pairs(TINY_BANK, TINY_CASES[:-1])
    assert C.pairs_checksum(a) == C.pairs_checksum(list(reversed(a)))  # order-free
    assert C.pairs_checksum(a) != C.pairs_checksum(b)


# ------------------------------------------------------------------------------------------------ the cache

TINY = C.TrainConfig(epochs=1, batch_size=4)


def _load_or_train(tmp_path, cases=TINY_CASES):
    return C.load_or_train(TINY_BANK, tmp_path, TINY, cases=cases, progress=False, max_steps=2)


def test_the_cache_is_reused_and_rebuilt_when_the_data_or_the_file_changes(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger=C.__name__)
    first = _load_or_train(tmp_path)
    assert first.path is not None and first.path.exists() and "no cached claim checker" in caplog.text
    pairs = [(KP, "Precision matters when false negatives are costly."), (KP, KP)]
    p1 = first.predict(pairs)
    assert p1.shape == (2,) and np.all((p1 > 0) & (p1 < 1))

    # the same data: loaded, not trained (training would fail here)
    monkeypatch.setattr(C, "train", lambda *a, **k: pytest.fail("trained although a cache exists"))
    again = _load_or_train(tmp_path)
    assert again.path == first.path
    np.testing.assert_allclose(again.predict(pairs), p1, atol=0.02)  # stored in bfloat16
    monkeypatch.undo()

    # other training data: another key, trained again
    caplog.clear()
    other = _load_or_train(tmp_path, TINY_CASES[:-1])
    assert other.path != first.path and "no cached claim checker" in caplog.text

    # a corrupt file: a clear log line and a rebuild
    caplog.clear()
    first.path.write_bytes(b"not a model")
    rebuilt = _load_or_train(tmp_path)
    assert "does not match its recorded checksum" in caplog.text and "training it again" in caplog.text
    np.testing.assert_allclose(rebuilt.predict(pairs), p1, atol=0.02)  # seeded: the same model again


def test_training_is_seeded(tmp_path):
    pairs = C.training_pairs(TINY_BANK, TINY_CASES)
    a = C.train(pairs, TINY, progress=False, max_steps=2)
    b = C.train(pairs, TINY, progress=False, max_steps=2)
    probe = [(KP, "Recall is a metric.")]
    np.testing.assert_allclose(a.predict(probe), b.predict(probe), atol=1e-6)


# ------------------------------------------------------------------------------------------------ fallback


@pytest.fixture
def checker_on(monkeypatch):
    from mlnotes.assistant.settings import get_settings

    monkeypatch.setenv("MLNOTES_CLAIM_CHECKER", "on")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_without_torch_the_grader_keeps_its_rules(checker_on, monkeypatch, caplog, grader, pr_question, tmp_path):
    def broken():
        raise C.CheckerUnavailable("torch/transformers cannot be imported (test)")

    monkeypatch.setattr(C, "_require_torch", broken)
    monkeypatch.setattr(C, "_CHECKER", {})
    caplog.set_level(logging.WARNING, logger=C.__name__)
    assert C.get_checker(TINY_BANK, tmp_path) is None
    assert "grading with the word rules only" in caplog.text
    monkeypatch.setattr(C, "get_checker", lambda *a, **k: None)
    # checker "auto", setting on, none to be had (the learned combination off: the rules alone are compared)
    g = Grader(grader.embedder, grader.params, combiner=None)
    answer = "Precision is TP/(TP+FP). Recall matters when false negatives are costly."
    with_fallback = g.grade(pr_question, answer)
    rules = grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params)
    assert with_fallback.to_dict() == rules.to_dict()


def test_the_setting_off_means_no_checker(grader):
    assert Grader(grader.embedder, grader.params).checker is None  # tests run with MLNOTES_CLAIM_CHECKER=off


def test_a_checker_decides_credit_among_eligible_sentences(grader, pr_question):
    """With a stand-in checker, the grader credits exactly what the checker accepts."""
    kp = pr_question.key_points[0]
    answer = f"{kp}. Some other sentence about models."

    def yes(pairs):
        return np.array([1.0 if s.rstrip(".") == k.rstrip(".") else 0.0 for k, s in pairs])

    def no(pairs):
        return np.zeros(len(pairs))

    for mode in C.MODES:
        ok = grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params,
                          checker=yes, checker_mode=mode, checker_threshold=0.5)
        assert ok.key_points[0].covered and ok.key_points[0].claim_probability == 1.0
        refused = grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params,
                               checker=no, checker_mode=mode, checker_threshold=0.5)
        assert not refused.key_points[0].covered
        assert refused.key_points[0].reason  # the feedback says why
    with pytest.raises(ValueError, match="checker_mode"):
        grade_answer(pr_question.question, pr_question.key_points, answer, grader.embed, grader.params,
                     checker=yes, checker_mode="nonsense")


# ------------------------------------------------------------------------------------------------ issue #20


@pytest.fixture(scope="session")
def real_checker():
    """The shipped checker: from the cache beside the ONNX export, or trained once (minutes) when missing."""
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.interview import load_bank

    return C.load_or_train(load_bank(REPO_ROOT / "corpus"), progress=False)


@pytest.fixture(scope="module")
def real_bank():
    from mlnotes.assistant.settings import REPO_ROOT
    from mlnotes.kb.interview import load_bank

    return {q.id: q for q in load_bank(REPO_ROOT / "corpus")}


from tests.interview.test_contradiction import ISSUE_20, PARAPHRASES  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("qid, answer, kp", ISSUE_20)
def test_issue_20_wrong_claims_are_not_credited_by_the_checker(grader, real_bank, real_checker, qid, answer, kp):
    q = real_bank[qid]
    r = grade_answer(q.question, q.key_points, answer, grader.embed, grader.params, checker=real_checker)
    k = q.key_points.index(kp)
    assert not r.key_points[k].covered
    assert r.key_points[k].reason or r.key_points[k].probability < grader.params.threshold


@pytest.mark.slow
@pytest.mark.parametrize("qid, answer, kp", PARAPHRASES)
def test_issue_20_paraphrases_are_credited_by_the_checker(grader, real_bank, real_checker, qid, answer, kp):
    q = real_bank[qid]
    r = grade_answer(q.question, q.key_points, answer, grader.embed, grader.params, checker=real_checker)
    assert r.key_points[q.key_points.index(kp)].covered


def test_train_checker_command_reports_a_clear_error_without_torch(monkeypatch):
    from typer.testing import CliRunner

    from mlnotes.assistant.cli import app

    def broken():
        raise C.CheckerUnavailable("torch/transformers cannot be imported (test)")

    monkeypatch.setattr(C, "_require_torch", broken)
    monkeypatch.setattr(C, "cache_entry", lambda *a, **k: ([], "k", __import__("pathlib").Path("/nonexistent/x.pt")))
    r = CliRunner().invoke(app, ["interview", "train-checker"])
    assert r.exit_code == 1
    assert "cannot train the claim checker" in r.output and "Traceback" not in r.output


def test_train_checker_command_uses_the_cache(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from mlnotes.assistant.cli import app

    seen = {}

    def fake(bank, force=False, **k):
        seen["force"], seen["n"] = force, len(bank)
        return SimpleNamespace(path=tmp_path / "claim-checker-x.pt")

    monkeypatch.setattr(C, "load_or_train", fake)
    r = CliRunner().invoke(app, ["interview", "train-checker", "--force"])
    assert r.exit_code == 0 and "claim checker ready" in r.output
    assert seen["force"] is True and seen["n"] > 100
