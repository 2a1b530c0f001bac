"""The precomputed answer sentences (mlnotes.assistant.answering.candidates.SentenceStore.precompute and its file beside
the index): a lookup with no embedding, incremental reuse, a damaged file rebuilt, and answers unchanged.

The reference for every lookup is the on-demand path (a store that never precomputed: candidates parsed and
embedded on first use, as before the cache existed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mlnotes.assistant.answering import candidates
from mlnotes.assistant.answering.candidates import SentenceStore, load_entries, sentences_file
from mlnotes.kb.index import Index
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
EMBEDDER = "test/hashing-embedder"


class CountingEmbed:
    """An embedding function that records every text it is asked to embed."""

    def __init__(self) -> None:
        self._e = HashingEmbedder()
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts.extend(texts)
        return self._e.encode(list(texts))


def _build(tmp_path: Path) -> tuple[Index, Path]:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE, corpus)
    index, _ = Index.build(corpus, tmp_path / "index", embedder=HashingEmbedder())
    return index, corpus


def _same_as_on_demand(index: Index, corpus: Path, store: SentenceStore) -> None:
    reference = SentenceStore(corpus, CountingEmbed())
    n = 0
    for chunk in index.iter_chunks():
        got_c, got_v = store.get(chunk)
        ref_c, ref_v = reference.get(chunk)
        assert got_c == ref_c, chunk.id  # text, absolute lines, order, kind and table header
        assert got_v.shape == ref_v.shape and np.allclose(got_v, ref_v, atol=1e-6), chunk.id
        n += len(got_c)
    assert n >= 5  # the fixture corpus has candidates to compare


def test_sentences_file_is_beside_the_index_directory(tmp_path):
    assert sentences_file(tmp_path / ".mlnotes" / "index") == tmp_path / ".mlnotes" / "index.sentences.npz"


def test_precompute_then_get_embeds_nothing(tmp_path):
    index, corpus = _build(tmp_path)
    embed = CountingEmbed()
    store = SentenceStore(corpus, embed)
    path = sentences_file(tmp_path / "index")
    st = store.precompute(index.iter_chunks(), EMBEDDER, path)
    assert st.computed == st.chunks == len(index) - st.reused and st.embedded == len(embed.texts) > 0
    assert path.exists() and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # atomic, no leftovers
    embed.texts.clear()
    _same_as_on_demand(index, corpus, store)
    assert embed.texts == []  # every chunk was a lookup

    fresh_embed = CountingEmbed()  # a new process: the file alone serves every chunk
    fresh = SentenceStore(corpus, fresh_embed)
    assert fresh.load(path, EMBEDDER) == store.precomputed
    _same_as_on_demand(index, corpus, fresh)
    assert fresh_embed.texts == []


def test_precompute_embeds_as_first_use_does_never_in_a_bulk_job(tmp_path):
    """A bulk job would send the slices to the bfloat16 forward on a CPU with AMX: the precomputed vectors would then
    differ from those embedded on first use, and an answer from whether the file exists."""
    from mlnotes.kb.embedding import in_bulk_job

    index, corpus = _build(tmp_path)
    seen = []

    def embed(texts):
        seen.append(in_bulk_job())
        return HashingEmbedder().encode(list(texts))

    SentenceStore(corpus, embed).precompute(index.iter_chunks(), EMBEDDER, sentences_file(tmp_path / "index"))
    assert seen and not any(seen)


def test_the_eval_answerer_reads_the_precomputed_sentences_beside_its_index(tmp_path):
    """``make_answerer`` (the eval, the judging scripts, the tests' served answerer) answers from the file
    ``mlnotes index`` writes, as the server does; with no file it embeds on first use."""
    from mlnotes.assistant.services import embedder_id
    from mlnotes.eval.answers import make_answerer

    index, corpus = _build(tmp_path)
    assert make_answerer(index, corpus).sentences.precomputed == 0
    SentenceStore(corpus, CountingEmbed()).precompute(index.iter_chunks(), embedder_id(index),
                                                      sentences_file(index.home))
    answerer = make_answerer(index, corpus)
    assert answerer.sentences.precomputed == len(index)


def test_incremental_reuses_unchanged_chunks_and_drops_removed_ones(tmp_path):
    index, corpus = _build(tmp_path)
    path = sentences_file(tmp_path / "index")
    SentenceStore(corpus, CountingEmbed()).precompute(index.iter_chunks(), EMBEDDER, path)
    before = {c.id: (c.content_hash, c.line_start) for c in index.iter_chunks()}

    guide = corpus / "guides" / "ml-basics.md"  # a new sentence in the intro moves every later chunk down 2 lines
    text = guide.read_text(encoding="utf-8")
    anchor = "A short fixture guide used by the tests of the knowledge-base engine.\n"
    assert anchor in text
    new_sentence = "Supervised learning fits a function from labelled examples to their targets."
    guide.write_text(text.replace(anchor, anchor + "\n" + new_sentence + "\n"), encoding="utf-8")
    (corpus / "interview" / "linear-models.md").unlink()  # and a removed file's chunks are dropped
    index, _ = Index.build(corpus, tmp_path / "index", embedder=HashingEmbedder())

    changed = [c for c in index.iter_chunks() if before.get(c.id, (None,))[0] != c.content_hash]
    moved = [c for c in index.iter_chunks() if c.id in before and before[c.id] == (c.content_hash, c.line_start - 2)]
    assert len(changed) == 1 and moved  # one edited chunk, others only shifted

    stale_embed = CountingEmbed()  # a server that loaded the file before the edit: only the edited chunk misses
    stale = SentenceStore(corpus, stale_embed)
    assert stale.load(path, EMBEDDER) > 0
    _same_as_on_demand(index, corpus, stale)
    assert len(stale_embed.texts) == len(stale.get(changed[0])[0]) > 0

    embed = CountingEmbed()
    store = SentenceStore(corpus, embed)
    logs: list[str] = []
    st = store.precompute(index.iter_chunks(), EMBEDDER, path, log_fn=logs.append)
    assert st.computed == 1 and st.dropped > 0 and st.reused == st.chunks - 1
    crumb = " ".join(changed[0].breadcrumbs[-1:])
    assert f"{crumb}: {new_sentence}" in embed.texts  # only the edited chunk's candidates were embedded
    assert len(embed.texts) == len(store.get(changed[0])[0]) == st.embedded
    embed.texts.clear()
    _same_as_on_demand(index, corpus, store)  # moved chunks answer with their new line numbers
    assert embed.texts == []
    assert len(load_entries(path, EMBEDDER)) == store.precomputed  # the file holds exactly the current chunks


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other-embedder", "other-code"])
def test_a_damaged_or_foreign_file_is_ignored_with_a_warning_and_rebuilt(tmp_path, damage, monkeypatch):
    index, corpus = _build(tmp_path)
    path = sentences_file(tmp_path / "index")
    SentenceStore(corpus, CountingEmbed()).precompute(index.iter_chunks(), EMBEDDER, path)
    if damage == "garbage":
        path.write_bytes(b"not an npz file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "other-code":  # the candidate code changed since the file was written
        monkeypatch.setattr(candidates, "candidates_version", lambda: "1:0000000000000000")
    embedder = "another/model" if damage == "other-embedder" else EMBEDDER
    logs: list[str] = []
    store = SentenceStore(corpus, CountingEmbed())
    st = store.precompute(index.iter_chunks(), embedder, path, log_fn=logs.append)
    assert any(m.startswith("ignoring") and str(path) in m and "rebuilt" in m for m in logs), logs
    assert st.reused == 0 and st.computed == st.chunks
    assert len(load_entries(path, embedder)) == store.precomputed  # rewritten, readable again
    _same_as_on_demand(index, corpus, store)


def test_answers_equal_the_snapshots_with_the_cache(tmp_path):
    """The recorded fixture answers (tests/snapshots) come out the same when every sentence is a lookup from the
    file, in a fresh answerer as a restarted server has it."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.kb.interview import load_bank
    from tests.snapshots.record import QUESTIONS, THRESHOLDS, answer_dict

    index, corpus = _build(tmp_path)
    path = sentences_file(tmp_path / "index")
    Answerer(index, corpus).sentences.precompute(index.iter_chunks(), EMBEDDER, path)
    snap = json.loads((SNAPSHOTS / "fixture_answers.json").read_text())
    for abstain, thr in THRESHOLDS:
        a = Answerer(index, corpus, bank=load_bank(corpus), abstain_threshold=abstain, interview_threshold=thr)
        assert a.sentences.load(path, EMBEDDER) > 0
        a.sentences._embed = _refuse  # a sentence embedded here would be a miss of the cache
        for q in QUESTIONS:
            assert json.loads(json.dumps(answer_dict(a, q))) == snap[f"{abstain}|{thr}|{q}"], q


def _refuse(texts):
    raise AssertionError(f"embedded on demand: {list(texts)[:2]}")


def test_warm_up_with_settings_writes_the_file_beside_the_index(services, settings):
    from mlnotes.assistant.services import warm_up

    logs: list[str] = []
    warm_up(services, log=logs.append, settings=settings)
    path = sentences_file(settings.index_dir)
    assert path.exists() and not settings.index_dir.exists()  # beside the index directory, not inside it
    assert any(m.startswith("answer sentences:") for m in logs), logs
    assert logs[-1].startswith("models warmed up in")
    assert len(load_entries(path, "test/hashing-embedder")) == services.answerer.sentences.precomputed > 0


def test_a_cost_question_embeds_its_complexity_row_once(tmp_path, monkeypatch):
    """With the sentences precomputed, a cost question's lead row is embedded on its first use only: asked again,
    nothing is embedded, and the answer equals the one of an answerer that never cached anything."""
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.answering.lead import COMPLEXITY_DOC
    from mlnotes.assistant.settings import REPO_ROOT

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE, corpus)
    shutil.copy(REPO_ROOT / "corpus" / COMPLEXITY_DOC, corpus / COMPLEXITY_DOC)
    index, _ = Index.build(corpus, tmp_path / "index", embedder=HashingEmbedder())
    question = "What is the time complexity of k-NN prediction?"
    reference = Answerer(index, corpus, abstain_threshold=0.0).answer(question, generator=None).to_dict()

    cached = Answerer(index, corpus, abstain_threshold=0.0)
    cached.sentences.precompute(index.iter_chunks(), EMBEDDER)
    first = cached.answer(question, generator=None).to_dict()
    monkeypatch.setattr(index, "embed_texts", _refuse)
    again = cached.answer(question, generator=None).to_dict()
    assert any(s["path"] == COMPLEXITY_DOC for s in again["sources"]), again["sources"]
    for d in (first, again, reference):
        d.pop("timings_ms", None)
    assert again == first == reference


def test_a_hot_reload_readies_the_new_answerers_sentences_before_the_switch(settings, services):
    from fastapi.testclient import TestClient

    from mlnotes.assistant.api.app import create_app

    path = sentences_file(settings.index_dir)
    with TestClient(create_app(settings, services=services, with_ui=False, reload_build=lambda: services.index)) as c:
        reloader = c.app.state.reloader
        assert reloader.start()
        reloader.wait(60)
        assert reloader.last and reloader.last["ok"], reloader.last
        new = c.app.state.services.answerer
        assert new is not services.answerer and new.sentences.precomputed > 0
        assert path.exists() and len(load_entries(path, EMBEDDER)) == new.sentences.precomputed
