"""End to end with the real bundled model: generate, extract, simulate, classify (not: pass)."""
from __future__ import annotations

import json

import pytest

from benchmarks.verilog.extract import extract_code
from benchmarks.verilog.problems import find_problem, load_bench
from benchmarks.verilog.runner import EvalSettings, run_eval
from eda.formats.datasets import default_root
from eda.verilog_sim import STATUSES, have_iverilog

DATA = default_root()


# `client`: the bundled-model fixture in conftest.py


@pytest.mark.skipif(not have_iverilog() or DATA is None or not (DATA / "verilog").is_dir(),
                    reason="needs Icarus Verilog and the verilog data (EDA_DATA)")
def test_bundled_model_run_records_classified_results(tmp_path, client) -> None:
    label, probs = load_bench("verilogeval-v2", DATA)
    picked = [find_problem(probs, "Prob001")]          # the shortest prompt: quick even on a busy CPU
    settings = EvalSettings(label, str(DATA / "verilog"), max_tokens=40)
    s = run_eval(picked, tmp_path / "run", settings, client=client, progress=False)
    recs = [json.loads(x) for x in (tmp_path / "run" / "samples.jsonl").read_text().splitlines()]
    assert [r["problem"] for r in recs] == ["Prob001_zero"]
    assert all(r["status"] in STATUSES and isinstance(r["answer"], str) and r["answer"] for r in recs)
    assert recs[0]["code"] == extract_code(recs[0]["answer"])
    assert s["llm_usage"]["requests"] == 1 and s["llm_usage"]["completion_tokens"] > 0
    assert s["problems"] == 1 and s["pass@1"] in (0.0, 1.0) and sum(s["failure_classes"].values()) == 1
    assert s["failure_classes"][recs[0]["status"]] == 1
