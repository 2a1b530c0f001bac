"""The cluster shape's files agree with the PostgreSQL store: the compose file gives both app replicas the same
MLNOTES_DATABASE_URL on its postgres service, and the image installs the extras that shape needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_replicas_share_one_postgres():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    apps = [s for s in services if s.startswith("app")]
    urls = {services[a]["environment"]["MLNOTES_DATABASE_URL"] for a in apps}
    assert len(apps) == 2 and len(urls) == 1
    url = urls.pop()
    m = re.fullmatch(r"postgresql://(\w+):\$\{POSTGRES_PASSWORD:\?[^}]+\}@(\w[\w-]*):5432/(\w+)", url)
    assert m, url
    user, host, db = m.groups()
    pg = services[host]["environment"]
    assert pg["POSTGRES_USER"] == user and pg["POSTGRES_DB"] == db
    assert all(host in services[a]["depends_on"] for a in apps)


def test_image_installs_the_postgres_and_qdrant_extras():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(r.startswith("psycopg[binary]") for r in extras["postgres"])
    assert any(r.startswith("psycopg") for r in extras["dev"])  # the tests import it
    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'pip install --no-deps ".[chapters,postgres,qdrant]"' in docker
    assert "('chapters', 'postgres', 'qdrant')" in docker  # their requirements in the cached dependency layer
