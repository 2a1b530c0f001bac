"""Exit codes: 0 ok, 1 the command ran and failed, 2 the input is wrong; a message on stderr, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import mlnotes.assistant.cli as cli
import mlnotes.assistant.services
from mlnotes.algorithms import registry
from mlnotes.kb.index import IndexUnavailableError


def _invoke(*args):
    r = CliRunner().invoke(cli.app, list(args))
    assert "Traceback" not in r.output
    return r


def test_usage_errors_exit_2():
    assert _invoke("run", "no-such-algorithm").exit_code == cli.EXIT_USAGE == 2
    assert _invoke("run", "ridge", "--param", "alpha").exit_code == 2  # not key=value
    assert _invoke("ask", "x", "-k", "99").exit_code == 2
    assert _invoke("--no-such-option").exit_code == 2  # click's own usage errors agree


def test_an_unavailable_index_exits_1(monkeypatch):
    def unavailable(*a, **kw):
        raise IndexUnavailableError("qdrant at http://127.0.0.1:9 is not reachable")

    monkeypatch.setattr(mlnotes.assistant.services, "open_index", unavailable)
    r = _invoke("search", "ridge")
    assert r.exit_code == cli.EXIT_FAILURE == 1 and "not reachable" in r.output


@pytest.mark.parametrize("exc,code", [(RuntimeError("boom"), 1), (ValueError("a must be >= 1"), 2)])
def test_a_failing_demo_is_a_message_not_a_traceback(monkeypatch, exc, code):
    spec = registry.get("ridge")

    def run(self, **values):
        raise exc

    monkeypatch.setattr(type(spec), "run", run)
    r = _invoke("run", "ridge")
    assert r.exit_code == code and str(exc) in r.output and "ridge" in r.output
