"""``mlnotes run --list`` at 80 and 140 columns: every line fits, no text is cut off with an ellipsis, every
registered name and reference is printed whole."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import mlnotes.assistant.cli as cli
from mlnotes.algorithms import registry


@pytest.mark.parametrize("width", [80, 140])
def test_run_list_fits_and_truncates_nothing(width):
    r = CliRunner().invoke(cli.app, ["run", "--list"], env={"COLUMNS": str(width)})
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in r.output
    rows: dict[str, list[str]] = {}  # name -> the text of its other cells, wrapped lines joined, spaces removed
    name = None
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells[0]:
            name = cells[0]
            rows[name] = [""] * (len(cells) - 1)
        rows[name] = [a + b.replace(" ", "") for a, b in zip(rows[name], cells[1:])]
    specs = registry.all_specs()
    assert set(rows) == {s.name for s in specs}  # every name, whole
    for s in specs:
        assert any("".join(s.reference.split()) in cell for cell in rows[s.name]), (s.name, rows[s.name])
