"""The assistant tests' fixtures (services over the fixture corpus with the hashing embedder, a TestClient)."""

from tests.assistant.conftest import client, corpus_dir, services, settings  # noqa: F401
