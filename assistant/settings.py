"""Settings: one pydantic-settings class read from the environment (prefix ``MLNOTES_``) and ``.env``.

Use :func:`get_settings` (cached) rather than a module-level instance; tests clear the cache or override the
FastAPI dependency.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mlnotes", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLNOTES_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(default=REPO_ROOT / "corpus", description="folder of Markdown corpus files")
    index_dir: Path = Field(default=REPO_ROOT / ".mlnotes" / "index", description="where the index is stored")
    data_dir: Path = Field(default_factory=_default_data_dir, description="user data (interview progress)")
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    api_key: str | None = Field(default=None, description="when set, every /api route requires it as a bearer token")
    default_mode: Literal["bm25", "dense", "hybrid"] = "hybrid"
    # Defaults chosen by `mlnotes eval` (eval/reports/eval.md) on the gold set's tune split, 247 questions: weighted
    # fusion with w_dense 0.35 had the best MRR@10 (0.921 vs 0.909 for RRF k=5 and 0.903 for RRF k=60); on the
    # heldout split (243 questions, never tuned on) it scores MRR@10 0.909, Recall@5 0.937, nDCG@10 0.903, above
    # bm25 (0.880 / 0.906 / 0.866) and dense (0.867 / 0.929 / 0.870). rrf_k 5 was the best RRF constant on tune.
    fusion: Literal["rrf", "weighted"] = "weighted"
    rrf_k: float = Field(default=5.0, ge=0)
    w_dense: float = Field(default=0.35, ge=0.0, le=1.0)
    generator: Literal["extractive", "llm"] = "extractive"
    llm: str | None = Field(default=None, description="a local model directory or GGUF file for generation")
    llm_draft: str | None = Field(default=None, description="a smaller draft model sharing the tokenizer")
    llm_backend: str | None = Field(default=None, description="transformers (default) or llamacpp")
    llm_decoding: str | None = Field(default=None, description="greedy, prompt-lookup (default), draft or scratch")
    llm_dtype: str | None = Field(default=None, description="float32 or bfloat16 activations")
    llm_quant: str | None = Field(default=None, description="int4 (default), int8 or none for the linear weights")
    llm_engine: str | None = Field(default=None, description="fast (default, Llama-family models) or hf")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
