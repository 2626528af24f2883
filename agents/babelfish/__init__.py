"""Netlist Babel Fish: convert netlists of any dialect into the IR, deterministic first.

`convert_file(path)` reads the file with a registered reader when one recognises it (by content
sniffing or extension) and asks no LLM. Otherwise (or with `llm=True`) it retrieves the closest
format cards from a knowledge base the project writes itself (`cards/*.yaml`), asks the LLM for a
schema-constrained component record per netlist line, checks and repairs the records, and builds
an IR `Circuit` that the deterministic writers write. The `Report` says what was inferred and how
confident the check is.

Modules: `cards` (the knowledge base), `retrieval` (MiniLM embeddings, BM25 fallback), `prepass`
(logical lines, tokens and the candidates the LLM may choose from), `kinds` (record kinds, pins
and the answer schema), `check` (the record checker), `translate` (the LLM loop), `convert`
(deterministic path, circuit building, report), `dialects` (renderers for dialects no reader
supports, used by the benchmark).
"""
from __future__ import annotations

__all__ = ["convert_file", "convert_text", "Report"]


def __getattr__(name: str):
    if name in __all__:
        from . import convert
        return getattr(convert, name)
    raise AttributeError(name)
