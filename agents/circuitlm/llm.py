"""The one schema-bound question a CircuitLM stage asks the LLM, logged for `stages.jsonl`.

`ask` sends a short system + user message to an `eda.llm.client.LLMClient` (which caches and retries)
with the answer schema as the endpoint's response format (llama.cpp decodes it as a grammar), parses
and validates the answer. A *bad answer* (no JSON, or JSON off the schema) is logged and returns None:
the stage then carries on with its deterministic result, since a small model often answers poorly.
A *transport* failure (endpoint down, HTTP error) is the client's `LLMError` and stops the run.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StageLog:
    """Every stage's question and answer (and what the deterministic part did), in order."""

    records: list[dict] = field(default_factory=list)

    def add(self, stage: str, **data: Any) -> dict:
        rec = {"stage": stage, **data}
        self.records.append(rec)
        return rec

    def jsonl(self) -> str:
        return "".join(json.dumps(r, default=str) + "\n" for r in self.records)

    def tokens(self) -> dict[str, int]:
        """Prompt and completion tokens over every logged LLM call."""
        out = {"prompt_tokens": 0, "completion_tokens": 0}
        for r in self.records:
            for k in out:
                out[k] += int(r.get(k) or 0)
        return out


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        m = re.search(r"\{.*\}", text, re.S)        # an endpoint that wraps the JSON in prose
        if m:
            try:
                return json.loads(m.group(0))
            except json.JSONDecodeError:
                return None
    return None


def ask(client, stage: str, system: str, user: str, schema: dict, *, max_tokens: int = 200,
        log: StageLog | None = None) -> dict | None:
    """The schema-valid JSON answer of `client` to one question, or None for a bad answer (logged)."""
    import jsonschema

    from eda.llm.client import bounded_schema
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    before = dict(getattr(client, "usage", {}) or {})
    t0 = time.perf_counter()
    text = client.chat(messages, max_tokens=max_tokens, temperature=0,
                       response_format={"type": "json_schema",
                                        "json_schema": {"name": stage, "schema": bounded_schema(schema)}})
    after = dict(getattr(client, "usage", {}) or {})
    doc = _parse(text)
    problem = None
    if doc is None:
        problem = "not JSON (cut short or prose)"
    else:
        err = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(doc))
        if err is not None:
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            problem = f"off the schema at {where}: {err.message[:160]}"
            doc = None
    if log is not None:
        log.add(stage, kind="llm", messages=messages, answer=text, problem=problem,
                seconds=round(time.perf_counter() - t0, 3),
                cached=after.get("cached", 0) > before.get("cached", 0),
                prompt_tokens=after.get("prompt_tokens", 0) - before.get("prompt_tokens", 0),
                completion_tokens=after.get("completion_tokens", 0) - before.get("completion_tokens", 0))
    return doc
