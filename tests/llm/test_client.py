"""LLMClient against stand-in servers: cache, retries, JSON repair, one-line errors."""
from __future__ import annotations

import json
import socket

import pytest

from eda.errors import EdaError
from eda.llm import LLMError
from eda.llm.client import LLMClient
from eda.llm.config import cache_path, resolve
from tests.llm.conftest import completion

SCHEMA = {"type": "object", "properties": {"components": {"type": "array", "items": {"type": "string"},
                                                         "maxItems": 4}}, "required": ["components"]}
HI = [{"role": "user", "content": "hi"}]


def test_config_from_args_env_and_default(monkeypatch, tmp_path):
    assert resolve().local and resolve().base_url is None
    monkeypatch.setenv("EDA_LLM_BASE_URL", "http://h:1/v1/")
    monkeypatch.setenv("EDA_LLM_MODEL", "m")
    monkeypatch.setenv("OPENAI_API_KEY", "k1")
    cfg = resolve()
    assert (cfg.base_url, cfg.model, cfg.api_key, cfg.local) == ("http://h:1/v1", "m", "k1", False)
    monkeypatch.setenv("EDA_LLM_API_KEY", "k2")
    assert resolve().api_key == "k2"
    assert resolve(base_url="http://o/v1", model="x", api_key="k3").api_key == "k3"
    assert cache_path() == tmp_path / "cache" / "llm.sqlite"


def test_cache_turns_repeat_into_no_request(stub):
    s = stub([(200, completion("hello"))])
    c = LLMClient(s.base_url, "stub")
    assert c.chat(HI, max_tokens=5) == "hello"
    assert c.chat(HI, max_tokens=5) == "hello"
    assert len(s.requests) == 1
    assert c.usage["requests"] == 1 and c.usage["cached"] == 1
    assert c.usage["prompt_tokens"] == 3 and c.usage["completion_tokens"] == 2
    # other params are another key; a fresh client shares the file cache; cache=False bypasses it
    c.chat(HI, max_tokens=6)
    assert len(s.requests) == 2
    assert LLMClient(s.base_url, "stub").chat(HI, max_tokens=5) == "hello" and len(s.requests) == 2
    LLMClient(s.base_url, "stub", cache=False).chat(HI, max_tokens=5)
    assert len(s.requests) == 3


def test_retry_after_500(stub):
    s = stub([(500, {"error": {"message": "boom"}}), (200, completion("ok"))])
    c = LLMClient(s.base_url, "stub", cache=False, max_retries=2)
    assert c.chat(HI) == "ok"
    assert len(s.requests) == 2


def test_persistent_500_is_one_line_error(stub):
    s = stub([(503, {"error": {"message": "overloaded\nnow"}})])
    with pytest.raises(EdaError) as e:
        LLMClient(s.base_url, "stub", cache=False, max_retries=1).chat(HI)
    assert "503" in str(e.value) and "\n" not in str(e.value)
    assert len(s.requests) == 2


def test_garbage_is_repaired_with_the_validation_error(stub):
    good = json.dumps({"components": ["LED", "resistor"]})
    s = stub([(200, completion("this is not json")), (200, completion('{"components": "LED"}')),
              (200, completion(good))])
    c = LLMClient(s.base_url, "stub", cache=False)
    assert c.ask_json("parts?", SCHEMA) == {"components": ["LED", "resistor"]}
    assert len(s.requests) == 3
    from eda.llm.client import bounded_schema
    assert s.requests[0]["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "answer", "schema": bounded_schema(SCHEMA)}}
    assert "not valid JSON" in s.requests[1]["messages"][-1]["content"]
    assert "components" in s.requests[2]["messages"][-1]["content"]
    assert "is not of type 'array'" in s.requests[2]["messages"][-1]["content"]


def test_garbage_forever_gives_up_after_two_repairs(stub):
    s = stub([(200, completion("garbage"))])
    with pytest.raises(LLMError, match="after 3 attempts"):
        LLMClient(s.base_url, "stub", cache=False).ask_json("parts?", SCHEMA)
    assert len(s.requests) == 3


def test_closed_port_is_one_line_eda_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(EdaError) as e:
        LLMClient(f"http://127.0.0.1:{port}/v1", "m", cache=False, max_retries=0).chat(HI)
    msg = str(e.value)
    assert "cannot reach" in msg and str(port) in msg and "\n" not in msg


def test_grammar_schema_bounds_strings_and_arrays():
    from eda.llm.client import bounded_schema
    s = {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}},
                                          "b": {"type": "string", "maxLength": 5},
                                          "c": {"type": "string", "enum": ["x"]}}}
    b = bounded_schema(s)
    assert b["properties"]["a"]["maxItems"] == 64
    assert b["properties"]["a"]["items"]["maxLength"] == 200
    assert b["properties"]["b"]["maxLength"] == 5 and "maxLength" not in b["properties"]["c"]
    assert "maxItems" not in s["properties"]["a"]          # the caller's schema is untouched


def test_bundled_model_answers_are_cached_across_runs_whatever_port_the_server_gets(tmp_path, monkeypatch):
    """A second process (new server, new port) must hit the first one's cache without starting a server."""
    from eda.llm import client as client_mod
    from eda.llm.config import resolve

    monkeypatch.delenv("EDA_LLM_BASE_URL", raising=False)
    first = LLMClient(cache=tmp_path / "c.sqlite", config=resolve())
    ident = first.cache_identity()
    assert ident[0] == "local"
    # the first run's server listened on some port; the answer went into the cache under `local`
    first.config = first.config.with_endpoint("http://127.0.0.1:41234/v1", ident[1])
    assert first.cache_identity() == ident
    first.cache.put(client_mod.cache_key(*ident, HI, {"max_tokens": 5}),
                    {"content": "from the first run", "usage": {}})
    second = LLMClient(cache=tmp_path / "c.sqlite", config=resolve())
    monkeypatch.setattr(client_mod, "_shared_local_server", lambda: pytest.fail("started a server"))
    assert second.chat(HI, max_tokens=5) == "from the first run"
    assert second.usage["cached"] == 1
