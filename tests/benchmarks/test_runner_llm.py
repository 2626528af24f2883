"""The batch runner with the real bundled model: an answered, scored record, and a rerun served by the cache."""
from __future__ import annotations

from benchmarks.circuitsense.adapter import CircuitSenseAdapter
from benchmarks.runner.core import Item, RunSettings, read_jsonl, run_batch


# `client`: the bundled-model fixture in conftest.py


def test_bundled_model_answers_are_scored_and_cached(tmp_path, client) -> None:
    item = Item("divider", {"task": "Analysis", "level": "L0"}, "R2/(R1 + R2)",
                {"kind": "symbolic", "question": "Netlist:\nVin 1 0\nR1 1 2 R1\nR2 2 0 R2\n"
                 "Give H(s) = V(2)/V(1) as a sympy expression in the element names."})
    settings = RunSettings("circuitsense", "test", max_tokens=48)
    s1 = run_batch(CircuitSenseAdapter(), [item], tmp_path / "a", settings, client=client, progress=False)
    rec = read_jsonl(tmp_path / "a" / "items.jsonl")[-1]
    assert rec["id"] == "divider" and rec["status"] in ("ok", "error")
    if rec["status"] == "ok":                      # a schema-valid answer, scored by the real scorer
        assert isinstance(rec["answer"], str) and rec["detail"]
    else:                                          # the LLM layer's one-line reason
        assert "JSON" in rec["detail"] or "LLM" in rec["detail"]
    assert s1["items"] == 1 and s1["llm_usage"]["requests"] >= 1
    before = dict(client.usage)
    s2 = run_batch(CircuitSenseAdapter(), [item], tmp_path / "b", settings, client=client, progress=False)
    assert client.usage["requests"] == before["requests"]          # no new request: all from the cache
    assert client.usage["cached"] > before["cached"]
    assert s2["correct"] == s1["correct"]
