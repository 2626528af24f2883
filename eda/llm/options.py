"""The `--base-url`, `--model` and `--api-key` options every LLM-driven command takes, worded once."""
from __future__ import annotations

from typing import Any

import typer


def base_url_option() -> Any:
    """`--base-url`: an OpenAI-compatible endpoint, else $EDA_LLM_BASE_URL, else the bundled model."""
    return typer.Option(None, "--base-url", help="OpenAI-compatible endpoint "
                        "(default: $EDA_LLM_BASE_URL, else the bundled model).")


def model_option() -> Any:
    """`--model`: the model name at the endpoint."""
    return typer.Option(None, "--model", help="Model name (default: $EDA_LLM_MODEL).")


def api_key_option() -> Any:
    """`--api-key`: the endpoint's key."""
    return typer.Option(None, "--api-key", help="API key (default: $EDA_LLM_API_KEY or $OPENAI_API_KEY).")
