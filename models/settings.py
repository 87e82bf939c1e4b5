"""One settings object for the whole toolkit, read from ``REELWRIGHT_*`` variables.

Nothing here is global or mutable: callers build a :class:`Settings` (CLI flags
become keyword overrides) and pass it down.

    >>> s = Settings(llm_model="qwen2.5-coder-0.5b-instruct")
    >>> s.models_dir.name
    'models'
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "DEFAULT_LLM"]

DEFAULT_LLM = "qwen2.5-coder-1.5b-instruct"


class Settings(BaseSettings):
    """Every knob of reelwright; each field is also the env var ``REELWRIGHT_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="REELWRIGHT_", frozen=True, extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "reelwright",
        description="Where models, the catalog and caches live.",
    )
    offline: bool = Field(True, description="Never reach a model hub (the default: weights come from packages).")

    llm_model: str = Field(DEFAULT_LLM, description="Model name: a registry name for the embedded backend, "
                           "or the served model id for a remote one.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (vLLM, llama.cpp server, "
                                     "OpenAI). Unset: run the GGUF in-process.")
    llm_api_key: str | None = Field(None, description="API key for the remote endpoint.")
    llm_threads: int = Field(2, ge=1, description="CPU threads for the embedded model.")
    llm_ctx: int = Field(8192, ge=512, description="Context window (tokens, shared by all parallel slots).")
    llm_parallel: int = Field(1, ge=1, le=16, description="Sequences decoded in parallel by the embedded model.")
    llm_timeout: float = Field(600.0, gt=0, description="Seconds to wait for one remote completion.")
    llm_tool_mode: Literal["json", "native"] = Field(
        "json",
        description="How tool calls are produced: 'json' = grammar-constrained JSON (works with any server "
        "that supports response_format json_schema); 'native' = the server's own tool-call parser.",
    )

    llm_grammar: bool | None = Field(
        None,
        description="Send GBNF grammars with requests (the narrator uses one to keep fact phrases verbatim and "
        "lines inside their budget): llama.cpp does, embedded or as a server; vLLM does not. "
        "Default: only the embedded backend.",
    )

    clip_arch: str = Field("ViT-B-32", description="open_clip architecture name of the CLIP model.")
    clip_checkpoint: Path | None = Field(None, description="Local open_clip checkpoint file (none ships offline).")
    clip_pretrained: str | None = Field(None, description="open_clip pretrained tag, fetched from the hub "
                                        "(only when offline is false).")

    highlight_model: Literal["features", "learned", "blend"] = Field(
        "features", description="Shot highlight scores: the documented feature scorer, the learned PLD model "
        "(tools/data/highlight_pld.npz, 'reelwright train highlight'), or their mean. Default: the one that "
        "ranks best in 'reelwright eval highlights' (see docs/analysis.md).")
    highlight_model_path: Path | None = Field(None, description="A learned highlight model file other than the "
                                              "shipped one.")

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def llm_is_remote(self) -> bool:
        return bool(self.llm_base_url)
