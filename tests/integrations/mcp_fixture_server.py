"""The MCP server over the fixture corpus with the hashing embedder (no model load), as a stdio or HTTP process.

``python -m tests.integrations.mcp_fixture_server <corpus> <index> [--http PORT]``: spawned by the MCP tests, so
the SDK's own client talks to a real server process over a real transport.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mlnotes.assistant.answer import Answerer
from mlnotes.assistant.interview.grader import Grader
from mlnotes.assistant.interview.service import InterviewService
from mlnotes.assistant.interview.store import Store
from mlnotes.assistant.mcp_server import ServiceHolder, build_server
from mlnotes.assistant.runner import DemoRunner
from mlnotes.assistant.services import Services
from mlnotes.kb.index import Index
from mlnotes.kb.interview import load_bank
from tests.kb.fakes import HashingEmbedder


def fixture_services(corpus: Path, index_dir: Path, data_dir: Path) -> Services:
    index, _ = Index.build(corpus, index_dir, embedder=HashingEmbedder())
    bank = load_bank(corpus)
    answerer = Answerer(index, corpus, bank=bank, abstain_threshold=0.05, interview_threshold=0.95)
    interview = InterviewService(bank, Store(data_dir), Grader(HashingEmbedder()), index=index,
                                 link=answerer.section_url)
    return Services(index=index, answerer=answerer, runner=DemoRunner(max_concurrent=1, timeout_s=60),
                    interview=interview)


def main(argv: list[str]) -> None:
    corpus, work = Path(argv[0]), Path(argv[1])
    holder = ServiceHolder(lambda: fixture_services(corpus, work / "index", work / "data"))
    server = build_server(holder, corpus)
    if len(argv) > 3 and argv[2] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(argv[3]))
    else:
        server.run("stdio")


if __name__ == "__main__":
    main(sys.argv[1:])
