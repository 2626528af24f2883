"""`eda bench linkpred --quick` in CI: SpiceNetlist, one seed, one fold; SEAL must beat the GAE baseline on our protocol."""
from __future__ import annotations

import json


def test_quick_benchmark_seal_beats_baseline(tmp_path) -> None:
    from benchmarks.linkpred import run_benchmark
    lines: list[str] = []
    res = run_benchmark(quick=True, out=tmp_path, device="cpu", progress=False, echo=lines.append)
    seal, gae = res["runs"]["ours/spicenetlist/seal/0"], res["runs"]["ours/spicenetlist/gae/0"]
    assert seal["hits@1"] > gae["hits@1"] and seal["mrr"] > gae["mrr"]      # the quick mode's own assert held
    assert "PASS" in lines[-1]
    paper = res["runs"]["paper/spicenetlist/seal/0"]
    assert paper["accuracy"] > 0.9                                        # the paper's protocol, one fold
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved["runs"]) == set(res["runs"]) and (tmp_path / "report.md").is_file()
