"""Typed settings: closed choices are Literals checked when read, the generation config is frozen, and the
fusion defaults are kb's."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from mlnotes.assistant.settings import GenerationConfig, Settings
from mlnotes.kb.fusion import DEFAULT_FUSION


def test_a_wrong_llm_value_fails_when_read_and_names_the_choices(monkeypatch):
    monkeypatch.setenv("MLNOTES_LLM_DECODING", "scratch")  # the old description said 'scratch'; the code wants
    with pytest.raises(ValidationError) as exc:          # 'from-scratch'
        Settings(_env_file=None)
    msg = str(exc.value)
    assert "llm_decoding" in msg and "'from-scratch'" in msg and "'prompt-lookup'" in msg


def test_generation_config_is_resolved_once_and_frozen(monkeypatch):
    for var in ("MLNOTES_LLM_DECODING", "MLNOTES_LLM_DRAFT", "MLNOTES_LLM", "MLNOTES_LLM_ENGINE"):
        monkeypatch.delenv(var, raising=False)
    g = Settings(_env_file=None).generation
    assert g == GenerationConfig() and g.decoding == "prompt-lookup"
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.quant = "int8"  # type: ignore[misc]
    monkeypatch.setenv("MLNOTES_LLM_DRAFT", "/models/tiny")
    assert Settings(_env_file=None).generation.decoding == "draft"  # the documented default with a draft model
    monkeypatch.setenv("MLNOTES_LLM_DECODING", "")  # empty means unset
    assert Settings(_env_file=None).generation.decoding == "draft"


def test_settings_are_frozen_and_fusion_defaults_come_from_kb():
    s = Settings(_env_file=None)
    assert s.fusion_params == DEFAULT_FUSION
    with pytest.raises(ValidationError):
        s.rrf_k = 60.0  # type: ignore[misc]
