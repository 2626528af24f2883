"""MMCircuitEval with the real bundled model: answered and scored sub-questions, the LLM judge in the
open-answer score, and a rerun served by the LLM cache."""
from __future__ import annotations

import pytest

from benchmarks.mmcircuiteval.adapter import MMCircuitEvalAdapter
from benchmarks.mmcircuiteval.openscore import LLMJudge, WEIGHTS
from benchmarks.runner.core import Item, RunSettings, read_jsonl, run_batch


# `client`: the bundled-model fixture in conftest.py


def _items() -> list[Item]:
    st = "An RC circuit: R1 in out 1.5k, C1 out 0 47n, driven at node in."
    cats = {"split": "t", "type": "single", "ability": "knowledge", "difficulty": "easy", "modality": "text"}
    return [Item("single", cats, "B", {"statement": st, "kind": "single", "images": [],
                                       "question": "What kind of filter is it? (A) high-pass (B) low-pass"}),
            Item("open", {**cats, "type": "open", "ability": "inference"},
                 "A low-pass response: the gain falls above about 2.26 kHz.",
                 {"statement": st, "kind": "open", "images": [], "question": "Describe its frequency response."})]


def test_bundled_model_with_judge_is_scored_and_cached(tmp_path, client) -> None:
    settings = RunSettings("mmcircuiteval", "t", max_tokens=64, extra={"judge": True})
    adapter = MMCircuitEvalAdapter(judge=LLMJudge(client))
    s1 = run_batch(adapter, _items(), tmp_path / "a", settings, client=client, progress=False)
    recs = {r["id"]: r for r in read_jsonl(tmp_path / "a" / "items.jsonl")}
    assert set(recs) == {"single", "open"} and s1["items"] == 2
    if recs["single"]["status"] == "ok":                    # the schema's enum: one of the two letters
        assert recs["single"]["answer"] in ("A", "B")
    if recs["open"]["status"] == "ok":                      # graded with the judge's weight
        import json
        parts = json.loads(recs["open"]["detail"])
        assert 0.0 <= parts["llm"] <= 1.0 and 0.0 <= recs["open"]["score"] <= 1.0
        want = sum(WEIGHTS[k] * parts[k] for k in WEIGHTS) / sum(WEIGHTS.values())
        assert recs["open"]["score"] == pytest.approx(want, abs=1e-3)
    else:                                                   # the LLM layer's one-line reason
        assert "JSON" in recs["open"]["detail"] or "LLM" in recs["open"]["detail"]
    before = dict(client.usage)
    s2 = run_batch(adapter, _items(), tmp_path / "b", settings, client=client, progress=False)
    assert client.usage["requests"] == before["requests"] and client.usage["cached"] > before["cached"]
    assert s2["correct"] == s1["correct"] and s2.get("score") == s1.get("score")
