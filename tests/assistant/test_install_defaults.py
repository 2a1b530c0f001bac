"""Defaults that differ between a source checkout and an installed wheel."""

from __future__ import annotations

from pathlib import Path

import mlnotes.assistant.settings as S

ROOT = Path(__file__).resolve().parents[2]


def test_index_dir_is_in_the_checkout_or_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert S._default_index_dir() == ROOT / ".mlnotes" / "index"  # this checkout
    installed = tmp_path / "site-packages" / "mlnotes"  # a wheel: no pyproject.toml beside the packages
    installed.mkdir(parents=True)
    monkeypatch.setattr(S, "REPO_ROOT", installed)
    assert S._default_index_dir() == tmp_path / "cache" / "mlnotes" / "index"
    monkeypatch.delenv("MLNOTES_INDEX_DIR", raising=False)
    assert S.Settings().index_dir == tmp_path / "cache" / "mlnotes" / "index"
