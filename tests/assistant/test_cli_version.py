"""``mlnotes --version`` prints the installed distribution's version; shell completion is offered."""

from __future__ import annotations

import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from typer.testing import CliRunner

import mlnotes.assistant.cli as cli

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_distributions():
    r = CliRunner().invoke(cli.app, ["--version"])
    assert r.exit_code == 0, r.output
    dists = packages_distributions().get(cli.__package__.split(".")[0], [])
    if dists:  # installed (editable or wheel): the metadata's version, which pyproject.toml sets
        assert r.output.strip() == f"mlnotes {version(dists[0])}"
        assert version(dists[0]) == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    else:
        assert r.output.startswith("mlnotes unknown")


def test_version_wins_over_a_command_and_completion_is_offered():
    r = CliRunner().invoke(cli.app, ["--version", "search", "x"])
    assert r.exit_code == 0 and r.output.startswith("mlnotes ")
    help_text = CliRunner().invoke(cli.app, ["--help"]).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
