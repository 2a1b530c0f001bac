"""A real server for the reliability tests, in its own process (uvicorn in the main thread, so SIGHUP works):
the app over a corpus folder with the hashing embedder of the kb tests (no model load) and a real demo runner.

    python -m tests.reliability.serve_fixture CORPUS INDEX DATA PORT [API_KEY|''] [READ_TIMEOUT_S]

Prints ``ready`` when it listens. The index is built (or reused) in INDEX; a reload rebuilds it from CORPUS.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    import uvicorn

    from mlnotes.assistant.answer import Answerer
    from mlnotes.assistant.api.app import create_app
    from mlnotes.assistant.api.server import server_limits
    from mlnotes.assistant.interview.grader import Grader
    from mlnotes.assistant.interview.service import InterviewService
    from mlnotes.assistant.interview.store import Store
    from mlnotes.assistant.runner import DemoRunner
    from mlnotes.assistant.services import Services
    from mlnotes.assistant.settings import Settings
    from mlnotes.kb.index import Index
    from mlnotes.kb.interview import load_bank
    from tests.kb.fakes import HashingEmbedder

    corpus, index_dir, data = Path(argv[0]), Path(argv[1]), Path(argv[2])
    port = int(argv[3])
    key = argv[4] if len(argv) > 4 and argv[4] else None
    read_timeout = float(argv[5]) if len(argv) > 5 else 15.0
    embedder = HashingEmbedder()

    def build():
        return Index.load_or_build(corpus, index_dir, embedder=embedder, log=lambda m: None)[0]

    index = build()
    bank = load_bank(corpus)
    answerer = Answerer(index, corpus, bank=bank, abstain_threshold=0.05, interview_threshold=0.95)
    interview = InterviewService(bank, Store(data), Grader(None), index=index, link=answerer.section_url)
    services = Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=2, timeout_s=60),
                        interview=interview)
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, data_dir=data, api_key=key)
    app = create_app(settings, services=services, with_ui=False, reload_build=build)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **server_limits(read_timeout))
    server = uvicorn.Server(config)
    print("ready", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
