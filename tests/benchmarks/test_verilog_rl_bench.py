"""benchmarks/verilog_rl.py end to end on a tiny policy: seeds in parallel processes, a summary over
seeds, and a re-run that reuses the finished seeds instead of training again."""
import json
import shutil

import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs Icarus Verilog")


def test_benchmark_trains_seeds_in_parallel_summarises_and_resumes(tmp_path):
    import typer

    from agents.verirl.tasks import generate_tasks
    from benchmarks.verilog_rl import main
    from tests.agents.tiny_lm import tiny_policy
    lm, tok = tiny_policy(generate_tasks(6, seed=2))
    lm.save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    app = typer.Typer()
    app.command()(main)
    args = ["--model", str(tmp_path / "tiny"), "--seeds", "0,1", "--train-tasks", "3", "--test-tasks", "2",
            "--sft-epochs", "1", "--steps", "1", "--group", "2", "--tasks-per-step", "1", "--ve-limit", "0",
            "--device", "cpu", "-o", str(tmp_path / "bench")]
    first = CliRunner().invoke(app, args + ["--jobs", "2"])
    assert first.exit_code == 0, first.output
    summary = json.loads((tmp_path / "bench" / "summary.json").read_text())
    assert summary["seeds"] == 2 and set(summary["stages"]) == {"before", "after_sft", "after_rl"}
    per_seed = [json.loads((tmp_path / "bench" / f"seed{s}" / "results.json").read_text()) for s in (0, 1)]
    assert [r["settings"]["seed"] for r in per_seed] == [0, 1]
    mean = sum(r["after_rl"]["pass@1"] for r in per_seed) / 2
    assert summary["stages"]["after_rl"]["pass@1"]["mean"] == pytest.approx(mean)
    assert "RL effect on held-out pass@1" in (tmp_path / "bench" / "report.md").read_text()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert again.output.count("reusing") == 2 and "rl step" not in again.output
    assert json.loads((tmp_path / "bench" / "summary.json").read_text()) == summary
    other = args[:args.index("--steps")] + ["--steps", "2"] + args[args.index("--steps") + 2:]
    other[other.index("--seeds") + 1] = "1"
    changed = CliRunner().invoke(app, other)
    assert changed.exit_code == 0, changed.output
    assert "reusing" not in changed.output and "rl step 2/2" in changed.output     # other settings: trained again


def test_rl_effect_is_judged_on_paired_per_seed_differences():
    from benchmarks.verilog_rl import report, summarize

    def run(before, sft, rl):
        return {"before": {"pass@1": before}, "after_sft": {"pass@1": sft}, "after_rl": {"pass@1": rl}}
    consistent = [run(0, 0.1, 0.2), run(0, 0.5, 0.6), run(0, 0.3, 0.45)]   # easy and hard task sets, same gain
    s = summarize(consistent)
    assert s["rl_gain"]["per_seed"] == pytest.approx([0.1, 0.1, 0.15])
    assert s["rl_gain_outside_spread"] and not s["rl_gain_outside_level_spread"]
    assert s["training_gain"]["mean"] == pytest.approx(0.4167, abs=1e-3)
    noisy = summarize([run(0, 0.2, 0.4), run(0, 0.4, 0.2), run(0, 0.3, 0.35)])
    assert not noisy["rl_gain_outside_spread"]
    for r in consistent:
        r.update(model="m", device="cpu", settings={"n_train": 1, "n_test": 1, "rl": {"steps": 1, "tasks_per_step": 1,
                                                                                        "group": 2}})
    text = report(s, consistent)
    assert "outside its seed-to-seed spread" in text and "+0.100, +0.100, +0.150" in text
