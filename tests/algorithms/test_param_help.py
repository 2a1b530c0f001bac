"""Every demo parameter is described (the CLI, the API and the UI show the text next to the field)."""

from __future__ import annotations

from mlnotes.algorithms import registry


def test_every_parameter_has_a_description():
    specs = registry.all_specs()
    missing = [f"{s.name}.{p.name}" for s in specs for p in s.params if not p.help.strip()]
    assert missing == []
    assert sum(len(s.params) for s in specs) > 400  # the registry is loaded, not empty
