"""Fixtures of the reliability suite: the assistant tests' services over the fixture corpus (hashing embedder)."""

from tests.assistant.conftest import corpus_dir, services, settings  # noqa: F401 - re-exported fixtures
