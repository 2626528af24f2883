"""Where the LLM lives: arguments first, then environment, else the bundled local model.

Environment: `EDA_LLM_BASE_URL`, `EDA_LLM_MODEL`, `EDA_LLM_API_KEY` (falls back to `OPENAI_API_KEY`).
With no base URL given anywhere the settings say `local=True`: the client then starts the
bundled SmolLM2 model (see `eda.llm.local`) and fills in its URL and model name.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

LOCAL_API_KEY = "local"


@dataclass(frozen=True)
class LLMConfig:
    base_url: str | None
    model: str | None
    api_key: str
    local: bool = False

    def with_endpoint(self, base_url: str, model: str) -> "LLMConfig":
        return replace(self, base_url=base_url, model=self.model or model)


def _env(name: str) -> str | None:
    v = os.environ.get(name, "").strip()
    return v or None


def resolve(base_url: str | None = None, model: str | None = None, api_key: str | None = None) -> LLMConfig:
    """Settings from the arguments, falling back to the environment, then to the local model."""
    base_url = base_url or _env("EDA_LLM_BASE_URL")
    model = model or _env("EDA_LLM_MODEL")
    api_key = api_key or _env("EDA_LLM_API_KEY") or _env("OPENAI_API_KEY")
    if base_url is None:
        return LLMConfig(base_url=None, model=model, api_key=api_key or LOCAL_API_KEY, local=True)
    return LLMConfig(base_url=base_url.rstrip("/"), model=model, api_key=api_key or LOCAL_API_KEY)


def cache_path() -> Path:
    """`$EDA_CACHE_DIR/llm.sqlite`, else `~/.cache/eda/llm.sqlite`."""
    root = _env("EDA_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "eda"
    return base / "llm.sqlite"
