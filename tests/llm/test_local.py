"""The real bundled model behind the local server, and the `llm` CLI commands."""
from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from eda.llm import LLMError
from eda.llm.cli_app import llm_app
from eda.llm.local import LocalServer, bundled_model_path

SCHEMA = {"type": "object", "properties": {"components": {"type": "array", "items": {"type": "string"},
                                                         "maxItems": 4}}, "required": ["components"]}
PROMPT = "List the parts needed to blink an LED with an Arduino Uno."


@pytest.fixture(scope="module")
def server():
    try:
        bundled_model_path()
    except LLMError as e:
        pytest.skip(str(e))
    with LocalServer() as s:
        yield s


def test_real_model_schema_valid_answer_through_openai(server):
    import openai
    c = openai.OpenAI(base_url=server.base_url, api_key="local", timeout=60)
    r = c.chat.completions.create(
        model=server.model, messages=[{"role": "user", "content": PROMPT}], max_tokens=200, temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": SCHEMA}})
    jsonschema.validate(json.loads(r.choices[0].message.content), SCHEMA)


def test_real_model_through_client_and_cache(server):
    from eda.llm.client import LLMClient
    c = LLMClient(server.base_url, server.model)
    first = c.ask_json(PROMPT, SCHEMA, max_tokens=200, temperature=0)
    jsonschema.validate(first, SCHEMA)
    n = c.usage["requests"]
    assert c.ask_json(PROMPT, SCHEMA, max_tokens=200, temperature=0) == first
    assert c.usage["requests"] == n and c.usage["cached"] >= 1 and c.usage["completion_tokens"] > 0


def test_cli_ask_prints_only_the_json(server, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    r = CliRunner().invoke(llm_app, ["ask", PROMPT, "--schema", str(schema), "--base-url", server.base_url,
                                     "--model", server.model, "--max-tokens", "800", "--no-cache"])
    assert r.exit_code == 0, r.output
    jsonschema.validate(json.loads(r.stdout), SCHEMA)


def test_cli_ask_bad_endpoint_one_line(tmp_path):
    r = CliRunner().invoke(llm_app, ["ask", "hi", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                                     "--no-cache"])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("error: cannot reach") and r.stderr.count("\n") == 1


def test_missing_model_file_is_eda_error(tmp_path):
    with pytest.raises(LLMError, match="model file not found"):
        LocalServer(tmp_path / "nope.gguf")


def test_bad_model_file_fails_to_start(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf")
    with pytest.raises(LLMError, match="did not start"):
        LocalServer(bad, start_timeout=30).start()


def test_server_exits_when_its_client_is_killed():
    """A client killed without stopping its server (SIGKILL) does not leave the server running."""
    import os
    import signal
    import subprocess
    import sys
    import time
    bundled_model_path()
    code = ("import sys, time\nfrom eda.llm.local import LocalServer\n"
            "s = LocalServer(start_timeout=120).start()\nprint(s.proc.pid, flush=True)\ntime.sleep(600)\n")
    client = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        server_pid = int(client.stdout.readline())
        os.kill(server_pid, 0)                        # the server is up
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(server_pid, signal.SIGKILL)
    pytest.fail("the server outlived its killed client")
