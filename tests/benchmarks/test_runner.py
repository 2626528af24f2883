"""The batch runner's bookkeeping: failed calls are retried on rerun, bad settings are refused, tables add up."""
from __future__ import annotations

import json

import pytest

from benchmarks.circuitsense.adapter import CircuitSenseAdapter
from benchmarks.runner.core import BenchRunError, Item, RunSettings, read_jsonl, run_batch
from eda.llm import LLMError


class FlakyClient:
    """A stand-in endpoint: fails the first call for the ids in `fail_once`, else answers `text`."""

    def __init__(self, text: str, fail_once: set[str]) -> None:
        self.text, self.fail_once, self.calls = text, set(fail_once), []

    def ask_json(self, prompt, schema, **params):
        self.calls.append(prompt)
        if prompt in self.fail_once:
            self.fail_once.discard(prompt)
            raise LLMError("LLM endpoint http://x timed out after 1 s")
        return {"answer": self.text}


def _items(n: int) -> list[Item]:
    return [Item(f"i{k}", {"task": "T" + "AB"[k % 2]}, "ok", {"question": f"q{k}", "kind": "text"})
            for k in range(n)]


def test_a_failed_call_is_recorded_then_retried_on_rerun(tmp_path) -> None:
    items, settings = _items(4), RunSettings("t", "d", model="m")
    c1 = FlakyClient("ok", {"q1"})
    s1 = run_batch(CircuitSenseAdapter(), items, tmp_path, settings, client=c1, progress=False)
    assert s1["errors"] == 1 and s1["correct"] == 3 and s1["accuracy"] == 0.75
    assert s1["per_category"]["task"] == {"TA": {"n": 2, "correct": 2, "accuracy": 1.0},
                                          "TB": {"n": 2, "correct": 1, "accuracy": 0.5}}
    err = [r for r in read_jsonl(tmp_path / "items.jsonl") if r["status"] == "error"]
    assert [r["id"] for r in err] == ["i1"] and "timed out" in err[0]["detail"]
    c2 = FlakyClient("ok", set())
    s2 = run_batch(CircuitSenseAdapter(), items, tmp_path, settings, client=c2, progress=False)
    assert c2.calls == ["q1"]                                   # only the failed item is asked again
    assert s2["accuracy"] == 1.0 and s2["errors"] == 0
    assert json.loads((tmp_path / "summary.json").read_text())["accuracy"] == 1.0
    assert "| TB | 2 | 2 | 1.0000 |" in (tmp_path / "report.md").read_text()


def test_bad_settings_are_refused_with_one_line(tmp_path) -> None:
    settings = RunSettings("t", "d", oracle=True)
    with pytest.raises(BenchRunError, match="--jobs must be at least 1"):
        run_batch(CircuitSenseAdapter(), _items(2), tmp_path / "a", settings, jobs=0, progress=False)
    with pytest.raises(BenchRunError, match="item id 'i0' appears more than once"):
        run_batch(CircuitSenseAdapter(), _items(2) + _items(1), tmp_path / "b", settings, progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(BenchRunError, match="not a folder"):
        run_batch(CircuitSenseAdapter(), _items(2), tmp_path / "file", settings, progress=False)
    from benchmarks.circuitsense.run import run_circuitsense
    with pytest.raises(BenchRunError, match="exactly one of --data PATH or --generate N"):
        run_circuitsense(tmp_path / "c", oracle=True, progress=False)
