"""scripts/judge_answers.py reads the 40 questions of the hand-judged table and prints what a judge needs."""

from __future__ import annotations

import importlib.util
import json
from types import SimpleNamespace

import pytest

from mlnotes.assistant.answering.types import Answer, AnswerSentence, Source
from mlnotes.assistant.settings import REPO_ROOT
from mlnotes.eval.data import load_external


def _script():
    spec = importlib.util.spec_from_file_location("judge_answers", REPO_ROOT / "scripts" / "judge_answers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_table_has_40_distinct_questions_and_every_external_id_exists():
    mod = _script()
    rows = mod.table_questions()
    ids = [i for i, _ in rows]
    assert len(rows) == 40 and len(set(ids)) == 40
    ext = {q.id: q for q in load_external()}
    items = mod.questions()
    for it in items:
        if it["id"].startswith("own-"):
            assert it["relevant"] is None and it["question"].strip()
        else:
            assert it["id"] in ext and it["question"] == ext[it["id"]].question
            assert it["answerable"] == ext[it["id"]].answerable
    # as docs/answer-quality.md says: 1 unanswerable (ml-09, ml-13, nlp-06 and nlp-10 became answerable when the
    # corpus gained sections for them)
    assert sum(1 for it in items if not it["answerable"]) == 1


def test_a_record_names_the_first_sentence_its_lines_and_whether_its_section_is_relevant():
    mod = _script()
    src = Source(n=1, chunk_id="d#s", doc_id="d", section_id="s", title="T", heading="S", breadcrumbs=["T", "S"],
                 path="guides/d.md", line_start=10, line_end=20, kind="guide", score=0.5, url="/")
    ans = Answer(question="q", kind="extractive", sources=[src], text="Recall is TP/(TP+FN). [1]",
                 sentences=[AnswerSentence("Recall is TP/(TP+FN).", 1, 12, 12)])
    answerer = SimpleNamespace(answer=lambda q, generator=None: ans)
    rec = mod.judge_record(answerer, {"id": "ml-37", "question": "q", "relevant": ["d#s"], "answerable": True})
    assert rec["first_cites"] == "[1] guides/d.md:12-12 (d#s)" and rec["first_relevant"] is True
    rec = mod.judge_record(answerer, {"id": "ml-37", "question": "q", "relevant": ["d#x"], "answerable": True})
    assert rec["first_relevant"] is False
    text = mod.render(rec)
    assert "labelled relevant: no" in text and "Recall is TP/(TP+FN)." in text and "Run offers: (none)" in text


def test_the_fresh_questions_are_20_labelled_answerable_questions_with_existing_sections():
    from mlnotes.kb.markdown import iter_indexed_files, parse_document

    mod = _script()
    items = mod.fresh_questions()
    assert [it["id"] for it in items] == [f"fr-{i:02d}" for i in range(1, 21)]
    sections = set()
    for _, path in iter_indexed_files(REPO_ROOT / "corpus"):
        doc = parse_document(path, REPO_ROOT / "corpus")
        sections |= {f"{doc.id}#{s}" for s in doc.section_ids}
    for it in items:
        assert it["answerable"] and it["question"].strip() and it["relevant"]
        assert set(it["relevant"]) <= sections, it["id"]
    assert [it["id"] for it in mod.fresh_questions({"fr-03"})] == ["fr-03"]


def test_every_fresh_set_has_20_distinct_answerable_questions_labelled_with_sections_of_the_corpus():
    from mlnotes.assistant.settings import get_settings
    from mlnotes.eval.validate import corpus_sections

    mod = _script()
    sections = corpus_sections(get_settings().corpus_dir)
    for path, prefix in ((mod.FRESH, "fr-"), (mod.FRESH2, "f2-"), (mod.FRESH3, "f3-")):
        items = mod.fresh_questions(path=path)
        assert len(items) == 20 and len({it["id"] for it in items}) == 20
        assert all(it["id"].startswith(prefix) and it["answerable"] and it["relevant"] for it in items)
        missing = [(it["id"], k) for it in items for k in it["relevant"] if k not in sections]
        assert not missing, missing


def test_fresh4_reads_a_set_like_fresh3_and_prints_its_expect_field(tmp_path, capsys):
    # a stand-in file: the real judged_fresh4.jsonl is written by someone else and must not be read here
    mod = _script()
    path = tmp_path / "judged_fresh4.jsonl"
    path.write_text(json.dumps({"id": "f4-01", "question": "What is recall?", "relevant": ["d#s"],
                                "answerable": True, "expect": "TP/(TP+FN)"}) + "\n"
                    + json.dumps({"id": "f4-02", "question": "Who won the 1998 World Cup?",
                                  "relevant": [], "answerable": False}) + "\n", encoding="utf-8")
    items = mod.fresh_questions(path=path)
    assert [it["id"] for it in items] == ["f4-01", "f4-02"]
    assert items[0]["expect"] == "TP/(TP+FN)" and "expect" not in items[1] and not items[1]["answerable"]
    src = Source(n=1, chunk_id="d#s", doc_id="d", section_id="s", title="T", heading="S", breadcrumbs=["T", "S"],
                 path="guides/d.md", line_start=10, line_end=20, kind="guide", score=0.5, url="/")
    ans = Answer(question="q", kind="extractive", sources=[src], text="Recall is TP/(TP+FN). [1]",
                 sentences=[AnswerSentence("Recall is TP/(TP+FN).", 1, 12, 12)])
    rec = mod.judge_record(SimpleNamespace(answer=lambda q, generator=None: ans), items[0])
    assert "expected (by the question's author): TP/(TP+FN)" in mod.render(rec)
    assert rec["first_relevant"] is True
    # with no file there, --fresh4 says what is missing instead of failing with a traceback
    mod.FRESH4 = tmp_path / "absent" / "judged_fresh4.jsonl"
    mod.ROOT = tmp_path
    assert mod.main(["--fresh4"]) == 2
    assert "does not exist yet" in capsys.readouterr().err


@pytest.mark.parametrize("n,question,expect", [(5, "What is recall?", "TP/(TP+FN)"),
                                                (6, "What is precision?", "TP/(TP+FP)"),
                                                (7, "What is specificity?", "TN/(TN+FP)"),
                                                (8, "What is accuracy?", "(TP+TN)/N"),
                                                (12, "What is the F1 score?", "2PR/(P+R)"),
                                                (13, "What is the false positive rate?", "FP/(FP+TN)"),
                                                (14, "What is the false negative rate?", "FN/(FN+TP)"),
                                                (15, "What is the true negative rate?", "TN/(TN+FP)")])
def test_a_fresh_flag_answers_its_file_wins_over_the_older_flag_and_says_when_it_is_missing(
        tmp_path, capsys, monkeypatch, n, question, expect):
    # a stand-in file: the real judged_fresh<n>.jsonl is written by someone else and must not be read here
    import mlnotes.eval.answers as answers_mod
    import mlnotes.kb.search as search_mod

    mod = _script()
    setattr(mod, f"FRESH{n}", tmp_path / "absent" / f"judged_fresh{n}.jsonl")
    assert mod.main([f"--fresh{n}"]) == 2
    assert f"judged_fresh{n}.jsonl does not exist yet; --fresh{n}" in capsys.readouterr().err
    path = tmp_path / f"judged_fresh{n}.jsonl"
    path.write_text(json.dumps({"id": f"f{n}-01", "question": question, "relevant": ["d#s"],
                                "answerable": True, "expect": expect}) + "\n", encoding="utf-8")
    setattr(mod, f"FRESH{n}", path)
    older = tmp_path / f"other{n - 1}.jsonl"  # the previous set, which the newer flag must win over
    older.write_text(json.dumps({"id": f"f{n - 1}-01", "question": "What is an older question?",
                                 "relevant": ["d#s"], "answerable": True}) + "\n", encoding="utf-8")
    setattr(mod, f"FRESH{n - 1}", older)
    src = Source(n=1, chunk_id="d#s", doc_id="d", section_id="s", title="T", heading="S", breadcrumbs=["T", "S"],
                 path="guides/d.md", line_start=10, line_end=20, kind="guide", score=0.5, url="/")
    asked = []

    def answer(q, generator=None):
        asked.append(q)
        return Answer(question=q, kind="extractive", sources=[src], text=f"It is {expect}. [1]",
                      sentences=[AnswerSentence(f"It is {expect}.", 1, 12, 12)])

    monkeypatch.setattr(search_mod, "open_retriever", lambda *a, **k: None)
    monkeypatch.setattr(answers_mod, "make_answerer", lambda *a, **k: SimpleNamespace(answer=answer))
    out = tmp_path / "out.json"
    assert mod.main([f"--fresh{n}", f"--fresh{n - 1}", "--json", str(out)]) == 0  # the newer flag wins
    assert asked == [question]
    recs = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in recs] == [f"f{n}-01"] and recs[0]["first_relevant"] is True
    assert f"expected (by the question's author): {expect}" in capsys.readouterr().out
