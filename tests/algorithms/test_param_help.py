"""Every demo parameter is described (the CLI, the API and the UI show the text next to the field).

PENDING lists the families whose descriptions are not written yet; remove a family when its parameters are done.
"""

from __future__ import annotations

from algorithms import registry

PENDING = {"sequence"}


def test_every_parameter_has_a_description():
    missing = [f"{s.name}.{p.name}" for s in registry.all_specs() if s.family not in PENDING
               for p in s.params if not p.help.strip()]
    assert missing == []


def test_pending_families_still_have_undescribed_parameters():
    """The list above shrinks: a family whose parameters are all described must leave PENDING."""
    done = {f for f in PENDING
            if all(p.help.strip() for s in registry.all_specs() if s.family == f for p in s.params)}
    assert done == set()
