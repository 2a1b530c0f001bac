"""Services for the in-process fuzz run: the fixture corpus, the hashing embedder, a real interview service and
a demo runner whose slot count keeps fuzzed demo runs few."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

KEY = "fuzz-key"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@lru_cache(maxsize=1)
def fuzz_services():
    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.interview.grader import Grader
    from mlnotes.assistant.interview.service import InterviewService
    from mlnotes.assistant.interview.store import Store
    from mlnotes.assistant.runner import DemoRunner
    from mlnotes.assistant.services import Services
    from mlnotes.assistant.settings import Settings
    from mlnotes.kb.index import Index
    from mlnotes.kb.interview import load_bank
    from tests.kb.fakes import HashingEmbedder

    root = Path(tempfile.mkdtemp(prefix="mlnotes-fuzz-"))
    atexit.register(shutil.rmtree, root, True)
    corpus = root / "corpus"
    shutil.copytree(FIXTURE, corpus)
    index, _ = Index.build(corpus, root / "index", embedder=HashingEmbedder())
    bank = load_bank(corpus)
    answerer = Answerer(index, corpus, bank=bank, abstain_threshold=0.05, interview_threshold=0.95)
    interview = InterviewService(bank, Store(root / "data"), Grader(None), index=index, link=answerer.section_url)
    svc = Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=2, timeout_s=20),
                   interview=interview)
    return svc, Settings(corpus_dir=corpus, index_dir=root / "index", data_dir=root / "data")
