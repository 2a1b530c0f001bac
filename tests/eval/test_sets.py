"""Gold-and-external reporting: hit@k by hand, and compare_sets on a stub index whose rankings are known."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mlnotes.eval.data import Question
from mlnotes.eval.retrieval import Config, compare_sets, hit_row, sets_markdown, standard_configs


def test_hit_row_by_hand():
    ranking = ["a#x", "b#y", "c#z", "d#w", "e#v", "f#u"]
    assert hit_row(ranking, ["a#x"]) == {"hit@1": 1.0, "hit@5": 1.0, "mrr@10": 1.0}
    assert hit_row(ranking, ["c#z", "f#u"]) == {"hit@1": 0.0, "hit@5": 1.0, "mrr@10": pytest.approx(1 / 3)}
    assert hit_row(ranking, ["f#u"]) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": pytest.approx(1 / 6)}
    assert hit_row(ranking, ["zz#top"]) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}


class StubIndex:
    """bm25 ranks the relevant section first; dense ranks it sixth; hybrid second (whatever the fusion)."""

    def search(self, query, k=10, mode="hybrid", *, fusion=None, rrf_k=None, w_dense=None, filters=None,
               rerank=None):
        others = [f"doc{i}#s" for i in range(8)]
        pos = {"bm25": 0, "dense": 5, "hybrid": 1}[mode]
        keys = others[:pos] + [f"{query}#s"] + others[pos:]
        return [SimpleNamespace(chunk=SimpleNamespace(doc_id=key.split("#")[0], section_id="s")) for key in keys[:k]]


def test_compare_sets_scores_every_config_and_pairs_the_differences():
    qs = [Question(id=f"q{i}", question=f"topic{i}", type="definition", split="tune", relevant=(f"topic{i}#s",))
          for i in range(6)]
    unanswerable = Question(id="u", question="nothing", type="definition", split="external")
    default = Config("default", "bm25")
    res = compare_sets(StubIndex(), {"gold": qs, "external": qs[:3] + [unanswerable]}, standard_configs(default),
                       n_boot=200, log=lambda m: None)
    assert [c["name"] for c in res["configs"]][:3] == ["default", "bm25", "dense"]
    gold = res["sets"]["gold"]
    assert gold["n"] == 6 and res["sets"]["external"]["n"] == 3 and res["sets"]["external"]["n_unanswerable"] == 1
    assert gold["configs"]["default"]["hit@1"]["mean"] == 1.0
    assert gold["configs"]["dense"]["hit@5"]["mean"] == 0.0 and gold["configs"]["dense"]["mrr@10"]["mean"] == 1 / 6
    hyb = next(n for n in gold["configs"] if n.startswith("hybrid-weighted"))
    assert gold["configs"][hyb]["hit@1"]["mean"] == 0.0 and gold["configs"][hyb]["hit@5"]["mean"] == 1.0
    d = gold["default_minus"]["dense"]["mrr@10"]
    assert d["mean"] == pytest.approx(5 / 6) and d["lo"] == pytest.approx(5 / 6) and d["hi"] == pytest.approx(5 / 6)
    assert gold["default_minus"]["bm25"]["hit@1"] == {"mean": 0.0, "lo": 0.0, "hi": 0.0}
    assert res["misses_top5"]["gold"] == []
    md = "\n".join(sets_markdown(res))
    assert "**external** (3 answerable questions, 1 unanswerable not scored)" in md
    assert "| default − dense | +0.000" not in md and "default − dense" in md


def test_the_eval_report_section_names_the_default_and_every_set():
    from mlnotes.eval.run import sets_report

    qs = [Question(id="q1", question="topic1", type="definition", split="tune", relevant=("topic1#s",))]
    res = compare_sets(StubIndex(), {"gold tune": qs, "external": qs}, standard_configs(Config("default", "bm25")),
                       n_boot=50, log=lambda m: None)
    md = "\n".join(sets_report(res))
    assert "## Gold and external sets, every mode" in md and "mode bm25" in md
    assert "**gold tune**" in md and "**external**" in md
