"""Fixtures for the scale-out tests: one temporary PostgreSQL cluster for the session (tests/pg_support.py)."""

from __future__ import annotations

import pytest

from tests.pg_support import start_server


@pytest.fixture(scope="session")
def pg_server():
    yield from start_server()
