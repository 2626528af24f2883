"""LLM layer: settings, a bundled local model server, and an OpenAI-compatible client.

Import the pieces from their modules (`eda.llm.client`, `eda.llm.local`, `eda.llm.config`);
this package itself imports nothing heavy.
"""
from __future__ import annotations

from eda.errors import EdaError


class LLMError(EdaError):
    """An LLM endpoint could not be reached, refused the request, or gave no valid answer."""


__all__ = ["LLMError"]
