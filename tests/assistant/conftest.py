"""Services over the fixture corpus with a fast hashing embedder (no model load), and a TestClient."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mlnotes.assistant.answer import Answerer
from mlnotes.assistant.api.app import Services, create_app
from mlnotes.assistant.runner import DemoRunner
from mlnotes.assistant.settings import Settings
from mlnotes.kb.index import Index
from mlnotes.kb.interview import load_bank
from tests.kb.fakes import HashingEmbedder

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("c") / "corpus"
    shutil.copytree(FIXTURE, d)
    return d


@pytest.fixture(scope="session")
def services(corpus_dir, tmp_path_factory) -> Services:
    index, _ = Index.build(corpus_dir, tmp_path_factory.mktemp("i") / "index", embedder=HashingEmbedder())
    answerer = Answerer(index, corpus_dir, bank=load_bank(corpus_dir), abstain_threshold=0.05,
                        interview_threshold=0.95)
    return Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=1, timeout_s=60))


@pytest.fixture()
def settings(corpus_dir, tmp_path) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "unused", data_dir=tmp_path / "data")


@pytest.fixture()
def client(settings, services):
    app = create_app(settings, services=services, with_ui=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
