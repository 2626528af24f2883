"""`LLMClient`: chat and schema-checked JSON answers from any OpenAI-compatible endpoint.

    from eda.llm.client import LLMClient
    c = LLMClient()                       # env settings, else the bundled local model
    text = c.chat([{"role": "user", "content": "hi"}], max_tokens=32)
    doc = c.ask_json("List ...", {"type": "object", ...})
    c.usage  # {'requests', 'cached', 'prompt_tokens', 'completion_tokens', 'seconds'}

Requests are retried with backoff on 429/5xx/connection errors (the openai package's own
retries), bounded by a per-client concurrency limit, and cached in sqlite. Every failure is
raised as `eda.llm.LLMError` (an `EdaError`) with a one-line message.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from eda.llm import LLMError
from eda.llm.config import LLMConfig, cache_path, resolve

_local_lock = threading.Lock()
_local_server = None


def _shared_local_server():
    """One bundled-model server per process, started on first use and stopped at exit."""
    global _local_server
    with _local_lock:
        if _local_server is None or _local_server.proc is None or _local_server.proc.poll() is not None:
            from eda.llm.local import LocalServer
            _local_server = LocalServer().start()
            atexit.register(_local_server.stop)
        return _local_server


class ResponseCache:
    """sqlite key -> response text (with its usage), safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                       "created REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, key: str) -> dict | None:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", (key, json.dumps(value), time.time()))


def cache_key(base_url: str, model: str, messages: list[dict], params: dict) -> str:
    blob = json.dumps({"endpoint": base_url, "model": model, "messages": messages, "params": params},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _one_line(text: Any, limit: int = 200) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


class LLMClient:
    """Chat client for an OpenAI-compatible endpoint (see the module doc)."""

    def __init__(self, base_url: str | None = None, model: str | None = None, api_key: str | None = None, *,
                 timeout: float = 120.0, max_retries: int = 3, concurrency: int = 4,
                 cache: bool | str | Path = True, config: LLMConfig | None = None) -> None:
        self.config = config or resolve(base_url, model, api_key)
        self.timeout, self.max_retries = timeout, max_retries
        self._sem = threading.BoundedSemaphore(max(1, concurrency))
        self._usage_lock = threading.Lock()
        self.usage = {"requests": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}
        if cache is True:
            self.cache: ResponseCache | None = ResponseCache(cache_path())
        elif cache:
            self.cache = ResponseCache(cache)
        else:
            self.cache = None
        self._openai = None

    # -- endpoint -------------------------------------------------------------------------------
    def _endpoint(self) -> LLMConfig:
        if self.config.local and self.config.base_url is None:
            server = _shared_local_server()
            self.config = self.config.with_endpoint(server.base_url, server.model)
        if not self.config.model:
            self.config = self.config.with_endpoint(self.config.base_url, self._first_model())
        return self.config

    def cache_identity(self) -> tuple[str, str]:
        """(endpoint, model) as the cache sees them: the bundled server is `local` whatever port it
        got, so answers cached by one run serve the next (and a fully cached run starts no server)."""
        if self.config.local:
            from eda.llm.local import bundled_model_path
            return "local", self.config.model or bundled_model_path().stem
        cfg = self._endpoint()
        return cfg.base_url, cfg.model

    def _client(self):
        if self._openai is None:
            import openai
            self._openai = openai.OpenAI(base_url=self.config.base_url, api_key=self.config.api_key,
                                         timeout=self.timeout, max_retries=self.max_retries)
        return self._openai

    def _first_model(self) -> str:
        try:
            models = [m.id for m in self._client().models.list()]
        except Exception as e:  # noqa: BLE001 - reported as one line
            raise self._error(e) from None
        if not models:
            raise LLMError(f"LLM endpoint {self.config.base_url} lists no models; give a model name")
        return models[0]

    def _error(self, e: Exception) -> LLMError:
        import openai
        url = self.config.base_url
        if isinstance(e, LLMError):
            return e
        if isinstance(e, openai.APITimeoutError):
            return LLMError(f"LLM endpoint {url} timed out after {self.timeout:g} s")
        if isinstance(e, openai.APIConnectionError):
            return LLMError(f"cannot reach LLM endpoint {url} (connection failed)")
        if isinstance(e, openai.AuthenticationError):
            return LLMError(f"LLM endpoint {url} rejected the API key (HTTP 401)")
        if isinstance(e, openai.NotFoundError):
            return LLMError(f"LLM endpoint {url}: not found (HTTP 404; wrong URL or model "
                            f"{self.config.model!r}?)")
        if isinstance(e, openai.APIStatusError):
            return LLMError(f"LLM endpoint {url} answered HTTP {e.status_code}: {_one_line(e.message)}")
        return LLMError(f"LLM request to {url} failed: {type(e).__name__}: {_one_line(e)}")

    # -- calls ----------------------------------------------------------------------------------
    def chat(self, messages: list[dict], **params: Any) -> str:
        """The assistant's reply text to `messages`; `params` go to chat.completions.create."""
        key = cache_key(*self.cache_identity(), messages, params) if self.cache else None
        if key is not None:
            hit = self.cache.get(key)
            if hit is not None:
                with self._usage_lock:
                    self.usage["cached"] += 1
                return hit["content"]
        cfg = self._endpoint()
        t0 = time.perf_counter()
        try:
            with self._sem:
                resp = self._client().chat.completions.create(model=cfg.model, messages=messages, **params)
        except Exception as e:  # noqa: BLE001 - reported as one line
            raise self._error(e) from None
        finally:
            with self._usage_lock:
                self.usage["requests"] += 1
                self.usage["seconds"] += time.perf_counter() - t0
        try:
            content = resp.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            raise LLMError(f"LLM endpoint {cfg.base_url} returned no answer") from None
        usage = getattr(resp, "usage", None)
        with self._usage_lock:
            self.usage["prompt_tokens"] += getattr(usage, "prompt_tokens", 0) or 0
            self.usage["completion_tokens"] += getattr(usage, "completion_tokens", 0) or 0
        if key is not None:
            self.cache.put(key, {"content": content})
        return content

    def ask_json(self, prompt: str, schema: dict, *, system: str | None = None, repairs: int = 2,
                 **params: Any) -> dict:
        """A JSON document answering `prompt` that validates against `schema`.

        The endpoint is asked for schema-constrained output; an answer that is not JSON or does
        not validate is sent back with the error, at most `repairs` times, then `LLMError`.
        """
        import jsonschema
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as e:
            raise LLMError(f"invalid JSON schema: {_one_line(e.message)}") from None
        validator = jsonschema.validators.validator_for(schema)(schema)
        sys_text = (system + "\n\n" if system else "") + (
            "Answer only with one JSON document that matches this JSON schema:\n" + json.dumps(schema))
        messages = [{"role": "system", "content": sys_text}, {"role": "user", "content": prompt}]
        params.setdefault("response_format", {"type": "json_schema", "json_schema": {
            "name": "answer", "schema": bounded_schema(schema)}})
        problem = ""
        for _attempt in range(repairs + 1):
            text = self.chat(messages, **params)
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as e:
                problem = f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno})"
            else:
                err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
                if err is None:
                    return doc
                where = "/".join(str(p) for p in err.absolute_path) or "(root)"
                problem = f"schema violation at {where}: {err.message}"
            messages = messages + [
                {"role": "assistant", "content": text},
                {"role": "user", "content": f"That answer is invalid: {problem}. "
                                            "Reply with the corrected JSON document only."}]
        raise LLMError(f"no schema-valid JSON answer after {repairs + 1} attempts: {_one_line(problem)}")

    def close(self) -> None:
        if self._openai is not None:
            self._openai.close()
            self._openai = None

    def __enter__(self) -> "LLMClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def bounded_schema(schema: Any, max_string: int = 200, max_items: int = 64) -> Any:
    """The schema with a length bound on every unbounded string and array.

    Used for the grammar the server decodes with, not for validation: a small model can loop
    inside an unbounded string until the token limit cuts the JSON short.
    """
    if isinstance(schema, list):
        return [bounded_schema(s, max_string, max_items) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: bounded_schema(v, max_string, max_items) for k, v in schema.items()}
    types = out.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types and "maxLength" not in out and "enum" not in out and "const" not in out:
        out["maxLength"] = max_string
    if "array" in types and "maxItems" not in out:
        out["maxItems"] = max_items
    return out
