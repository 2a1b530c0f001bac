"""The MCP server, driven by the ``mcp`` SDK's own client: over stdio (a spawned server process), over streamable
HTTP on loopback, and the real ``mlnotes mcp`` command. The fixture corpus and the hashing embedder keep the
server process free of model loads; the expected values come from the fixture files themselves."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mcp", reason="the mcp extra is not installed")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from tests.processes import stop  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "corpus"
TOOLS = {"search", "ask", "get_section", "list_algorithms", "run_algorithm", "interview_question", "grade_answer"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLNOTES_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1",
               MPLBACKEND="Agg")
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("mcp")
    shutil.copytree(FIXTURE, d / "corpus")
    return d


def _fixture_params(workdir: Path) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, cwd=str(ROOT), env=_env(),
                                 args=["-m", "tests.integrations.mcp_fixture_server", str(workdir / "corpus"),
                                       str(workdir)])


def _lines_of(path: Path, start: int, end: int) -> str:
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[start - 1:end])


async def _session_checks(client: Client, corpus: Path) -> None:
    tools = await client.list_tools()
    assert {t.name for t in tools.tools} == TOOLS

    # search: structured hits, each a citation whose lines really hold the snippet's words
    r = await client.call_tool("search", {"query": "bias variance trade-off", "k": 3})
    assert not r.is_error
    hits = r.structured_content["hits"]
    assert hits and hits[0]["path"] == "guides/ml-basics.md"
    top = hits[0]
    text = _lines_of(corpus / top["path"], top["line_start"], top["line_end"]).lower()
    assert "variance" in text and top["resource"] == "mlnotes://corpus/guides/ml-basics.md"

    # a filter restricts the hits to that kind
    r = await client.call_tool("search", {"query": "regularization", "kind": "interview"})
    assert not r.is_error and r.structured_content["hits"]
    assert {h["kind"] for h in r.structured_content["hits"]} == {"interview"}

    # ask: the answer's [n] markers resolve to structured citations
    r = await client.call_tool("ask", {"question": "What is the difference between L1 and L2 regularization?"})
    assert not r.is_error
    ans = r.structured_content
    assert ans["citations"] and all(c["path"] and c["line_start"] >= 1 for c in ans["citations"])
    for s in ans["sentences"]:
        assert s["source"] in {c["n"] for c in ans["citations"]}

    # get_section returns exactly the lines the citation names
    r = await client.call_tool("get_section", {"path": "guides/ml-basics.md", "section_id": "regularization"})
    assert not r.is_error
    sec = r.structured_content
    cite = sec["citation"]
    assert sec["markdown"].strip() == _lines_of(corpus / cite["path"], cite["line_start"], cite["line_end"]).strip()
    assert sec["heading"] == "Regularization"

    # bad arguments are tool errors with the reason; the server keeps serving afterwards
    bad = [("search", {"query": ""}), ("search", {"query": "x", "k": 0}), ("search", {"query": "x", "kind": "nope"}),
           ("get_section", {"path": "../etc/passwd", "section_id": "x"}),
           ("get_section", {"path": "guides/ml-basics.md", "section_id": "no-such-section"}),
           ("run_algorithm", {"name": "no-such-algorithm"}),
           ("grade_answer", {"question_id": "no-such-id", "answer": "text"}),
           ("interview_question", {"topic": "no-such-topic"})]
    for name, args in bad:
        r = await client.call_tool(name, args)
        assert r.is_error, (name, args)
        assert r.content and r.content[0].text.strip(), (name, args)
    r = await client.call_tool("get_section", {"path": "../etc/passwd", "section_id": "x"})
    assert "'..'" in r.content[0].text
    r = await client.call_tool("interview_question", {"topic": "no-such-topic"})
    assert "linear-models" in r.content[0].text  # the error lists the valid topics
    r = await client.call_tool("search", {"query": "x", "kind": "nope"})
    assert "valid: " in r.content[0].text and "interview" in r.content[0].text
    r = await client.call_tool("ask", {"question": "What is the difference between L1 and L2 regularization?",
                                       "kind": "guide"})
    assert not r.is_error and {c["kind"] for c in r.structured_content["citations"]} <= {"guide"}
    assert r.structured_content["kind"] != "interview"

    # interview: draw by id, grade a complete and an empty-of-content answer
    r = await client.call_tool("interview_question", {"question_id": "lin-l1-vs-l2"})
    assert not r.is_error and r.structured_content["key_points"] == 3
    assert "Laplace prior" not in str(r.structured_content)  # the key points themselves are withheld
    good = ("L2 adds the squared norm of the weights and shrinks coefficients proportionally. L1 adds the sum of "
            "absolute weights and sets some coefficients exactly to zero. L2 corresponds to a Gaussian prior and L1 "
            "to a Laplace prior.")
    g = (await client.call_tool("grade_answer", {"question_id": "lin-l1-vs-l2", "answer": good})).structured_content
    w = (await client.call_tool("grade_answer", {"question_id": "lin-l1-vs-l2",
                                                 "answer": "Cats sleep most of the day."})).structured_content
    assert g["score"] > w["score"] and all(k["covered"] for k in g["key_points"])
    assert all("citation" in k for k in w["key_points"] if not k["covered"])

    # resources: every corpus file, readable as its own bytes
    res = await client.list_resources()
    uris = {str(x.uri) for x in res.resources}
    expected = {f"mlnotes://corpus/{p.relative_to(corpus).as_posix()}" for p in corpus.rglob("*.md")}
    assert uris == expected
    rr = await client.read_resource("mlnotes://corpus/guides/ml-basics.md")
    assert rr.contents[0].text == (corpus / "guides" / "ml-basics.md").read_text(encoding="utf-8")


def test_stdio_server_process(workdir):
    async def main():
        async with Client(_fixture_params(workdir), read_timeout_seconds=120) as client:
            await _session_checks(client, workdir / "corpus")

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamable_http_on_loopback(workdir):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.integrations.mcp_fixture_server", str(workdir / "corpus"),
                             str(workdir), "--http", str(port)], cwd=ROOT, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the HTTP server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)

        async def main():
            async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=120) as client:
                tools = await client.list_tools()
                assert {t.name for t in tools.tools} == TOOLS
                r = await client.call_tool("search", {"query": "bias variance", "k": 1})
                assert not r.is_error and r.structured_content["hits"][0]["path"] == "guides/ml-basics.md"
                r = await client.call_tool("search", {"query": ""})
                assert r.is_error
                r = await client.call_tool("list_algorithms", {})
                assert not r.is_error and len(r.structured_content["algorithms"]) > 10

        asyncio.run(main())
    finally:
        stop(proc, 10)


def test_mlnotes_mcp_command_over_stdio(workdir):
    """The shipped entry point: ``python -m mlnotes.assistant.cli mcp`` answers the handshake and the tools that need
    no index at once (services are built lazily), and lists the configured corpus as resources."""
    env = _env() | {"MLNOTES_CORPUS_DIR": str(workdir / "corpus"), "MLNOTES_INDEX_DIR": str(workdir / "unused"),
                    "MLNOTES_DATA_DIR": str(workdir / "data2")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "mlnotes.assistant.cli", "mcp"], cwd=str(ROOT),
                                   env=env)

    async def main():
        async with Client(params, read_timeout_seconds=60) as client:
            assert {t.name for t in (await client.list_tools()).tools} == TOOLS
            r = await client.call_tool("list_algorithms", {})
            from mlnotes.algorithms import registry

            assert [a["name"] for a in r.structured_content["algorithms"]] == [s.name for s in registry.all_specs()]
            r = await client.call_tool("list_algorithms", {"family": "no-such-family"})
            assert r.is_error and "valid:" in r.content[0].text
            res = await client.list_resources()
            assert "mlnotes://corpus/guides/ml-basics.md" in {str(x.uri) for x in res.resources}

    asyncio.run(main())
