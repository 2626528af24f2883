"""agents.sizing: real ngspice runs of the two-stage opamp, resume after a kill, bad input."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from agents.sizing import SizingError, load_problem, size
from agents.sizing.evaluator import Evaluator
from agents.sizing.reward import score

ROOT = Path(__file__).resolve().parents[2]
OPAMP = ROOT / "netlists" / "sizing" / "two_stage_opamp.yaml"
EDA = [sys.executable, str(ROOT / "cli.py")]


def _loose(tmp_path: Path, extra: str = "") -> Path:
    """The shipped opamp problem with looser hard specs (a CI-sized task)."""
    text = OPAMP.read_text()
    text = text.replace("gain:  {min: 200}", "gain:  {min: 100}").replace("pm:    {min: 60}", "pm:    {min: 50}")
    text = text.replace("template: two_stage_opamp.sp", f"template: {OPAMP.parent / 'two_stage_opamp.sp'}")
    p = tmp_path / "loose.yaml"
    p.write_text(text + extra)
    return p


def test_ddpg_sizes_the_opamp_to_a_loose_spec_and_the_netlist_reproduces_it(tmp_path: Path) -> None:
    problem = load_problem(_loose(tmp_path))
    r = size(problem, "ddpg", out=tmp_path / "run", budget=400, seed=3, progress=False)
    assert r["specs_met"] is True and r["first_success"] == r["simulations"] <= 400
    best = r["best"]["metrics"]
    assert best["gain"] >= 100 and best["pm"] >= 50 and best["ugbw"] >= 1e6
    out = tmp_path / "run"
    for name in ("results.json", "samples.jsonl", "best_netlist.sp", "learning_curve.png", "report.md"):
        assert (out / name).stat().st_size > 0, name
    on_disk = json.loads((out / "results.json").read_text())
    assert on_disk["specs_met"] is True and on_disk["simulations"] == r["simulations"]
    assert len((out / "samples.jsonl").read_text().splitlines()) == r["simulations"]
    # the written netlist, simulated on its own (a fresh load, not the session), gives the metrics
    from eda.sim import dc_gain, phase_margin, simulate
    res = simulate(out / "best_netlist.sp")
    f, h = res.ac.x, res.ac["v(out)"]
    assert dc_gain(f, h) == pytest.approx(best["gain"], rel=1e-3)
    assert phase_margin(f, h) == pytest.approx(best["pm"], abs=0.05)


def test_ddpg_runs_are_reproducible_for_a_seed(tmp_path: Path) -> None:
    problem = load_problem(OPAMP)
    a = size(problem, "ddpg", out=tmp_path / "a", budget=30, seed=5, goal="optimize", progress=False,
             agent_kw={"warmup": 10})
    b = size(problem, "ddpg", out=tmp_path / "b", budget=30, seed=5, goal="optimize", progress=False,
             agent_kw={"warmup": 10})
    la = (tmp_path / "a" / "samples.jsonl").read_text().splitlines()
    lb = (tmp_path / "b" / "samples.jsonl").read_text().splitlines()
    assert [json.loads(x)["params"] for x in la] == [json.loads(x)["params"] for x in lb]
    assert a["fom"] == b["fom"] and a["simulations"] == 30


def test_killed_run_resumes_from_its_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [*EDA, "size", str(OPAMP), "--agent", "bo", "--budget", "90", "--seed", "2",
           "--goal", "optimize", "--quiet", "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = out / "samples.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline:
        if samples.is_file() and len(samples.read_text().splitlines()) >= 20:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = samples.read_text().splitlines()
    assert 20 <= len(before) < 90, "the run was not killed midway"
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    res = json.loads((out / "results.json").read_text())
    after = samples.read_text().splitlines()
    assert res["simulations"] == 90 == len(after) and res["resumed"] is True
    assert res["replayed"] >= len(before) - 1 and res["replay_diverged_at"] is None
    assert [json.loads(x)["params"] for x in after[:len(before) - 1]] == \
           [json.loads(x)["params"] for x in before[:len(before) - 1]]
    # the same settings are required to resume
    bad = subprocess.run([*EDA, "size", str(OPAMP), "--agent", "random", "-o", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "other settings" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("edit,expect", [
    (("mn5: {min: 1, max: 100, step: 1}", "mx9: {min: 1, max: 100, step: 1}"), "no .param mx9"),
    (("cc:  {min: 0.1e-12, max: 10.0e-12", "cc:  {min: 10.0e-12, max: 0.1e-12"), "parameters.cc: max"),
    (("gain:  {min: 100}", "phase: {min: 100}"), "specs.hard.phase: no metric named phase"),
    (("ugbw:  {ac: v(out), measure: ugbw", "ugbw:  {ac: v(out), measure: bogus"), "metrics.ugbw.measure"),
    (("sizing/models/ptm45/45nm_bulk_ckappa_fixed.txt", "sizing/models/nope.txt"), "include sizing/models/nope.txt not found"),
])
def test_bad_problem_is_one_line_error(tmp_path: Path, edit, expect) -> None:
    p = _loose(tmp_path)
    text = p.read_text()
    assert edit[0] in text
    p.write_text(text.replace(edit[0], edit[1]))
    with pytest.raises(SizingError, match=expect.replace("(", r"\(").replace(".", r"\.")):
        load_problem(p)
    r = subprocess.run([*EDA, "size", str(p), "-o", str(tmp_path / "o")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and expect.split(":")[0] in r.stderr


def test_unmeasurable_metric_and_failed_simulation_are_penalised_samples(tmp_path: Path) -> None:
    # a metric on a node that does not exist: every sample is recorded, none met, no crash
    p = _loose(tmp_path, "")
    p.write_text(p.read_text().replace("pm:    {ac: v(out), measure: pm", "pm:    {ac: v(nowhere), measure: pm"))
    r = size(load_problem(p), "random", out=tmp_path / "u", budget=8, seed=0, progress=False)
    assert r["specs_met"] is False and r["simulations"] == 8 and r["unmeasured"] == 8
    recs = [json.loads(x) for x in (tmp_path / "u" / "samples.jsonl").read_text().splitlines()]
    assert all(x["metrics"]["pm"] is None and x["errors"]["pm"] == -1.0 for x in recs)
    # a deck whose operating point cannot be solved (a loop of voltage sources): failed samples
    (tmp_path / "loop.sp").write_text("loop\n.param v=1\nv1 a 0 1\nv2 a 0 {v}\nr1 a 0 1k\n.op\n.end\n")
    (tmp_path / "loop.yaml").write_text(
        "name: loop\ntemplate: loop.sp\nparameters: {v: {min: 0.5, max: 2}}\n"
        "metrics: {i: {op: i(v1)}}\nspecs: {hard: {i: {max: 1}}}\n")
    problem = load_problem(tmp_path / "loop.yaml")
    r = size(problem, "bo", out=tmp_path / "f", budget=5, seed=0, progress=False)
    assert r["specs_met"] is False and r["simulations"] == 5 and r["failed"] == 5
    rec = json.loads((tmp_path / "f" / "samples.jsonl").read_text().splitlines()[0])
    assert rec["metrics"] is None and "singular matrix" in rec["error"]
    assert rec["reward"] == score(None, problem.hard, problem.soft).reward < -1


def test_parallel_workers_and_ray_actors_give_the_same_metrics(tmp_path: Path) -> None:
    pytest.importorskip("ray")  # installed with the dev extras (make setup)
    from agents.sizing.evaluator import RayEvaluator
    problem = load_problem(OPAMP)
    rng = np.random.default_rng(0)
    batch = [problem.decode(rng.uniform(-1, 1, problem.dim)) for _ in range(6)]
    with Evaluator(problem, jobs=1) as one:
        a = one.evaluate(batch)
    with Evaluator(problem, jobs=2) as two:
        b = two.evaluate(batch)
    with RayEvaluator(problem, jobs=2, address="local") as cluster:  # a local Ray instance
        c = cluster.evaluate(batch)
    assert [x["metrics"] for x in a] == [x["metrics"] for x in b] == [x["metrics"] for x in c]
    assert any(x["metrics"]["gain"] > 1 for x in a)


def test_second_live_run_on_one_dir_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from eda.fileio import output_lock\n"
         f"with output_lock({str(out)!r}, folder=True):\n print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = subprocess.run([*EDA, "size", str(_loose(tmp_path)), "-o", str(out), "--budget", "2"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "another eda run" in r.stderr
        assert not (out / "samples.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()


def test_learning_curve_leaves_no_fixed_temp_file(tmp_path: Path) -> None:
    from agents.sizing.report import learning_curve
    samples = [{"reward": float(i), "met": i > 2} for i in range(5)]
    (tmp_path / ".learning_curve.tmp.png").mkdir()  # the old fixed name, taken by another run
    path = learning_curve(samples, 1, tmp_path / "learning_curve.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".learning_curve.tmp.png", "learning_curve.png"]


def test_non_utf8_problem_yaml_is_a_located_one_line_error(tmp_path: Path) -> None:
    p = _loose(tmp_path)
    p.write_bytes(p.read_bytes().replace(b"specs:", b"# \xe9\nspecs:", 1))
    with pytest.raises(SizingError, match=r"loose\.yaml:\d+:3: not UTF-8 text \(byte 0xe9\)"):
        load_problem(p)
    r = subprocess.run([*EDA, "size", str(p), "-o", str(tmp_path / "o")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "not UTF-8" in r.stderr
