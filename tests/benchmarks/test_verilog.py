"""Verilog harness: loaders, extraction, pass@k, oracle, resume, CLI errors (all on real Icarus runs)."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.verilog.extract import extract_code
from benchmarks.verilog.passk import mean_pass_at_k, pass_at_k
from benchmarks.verilog.problems import BenchError, detect, find_problem, load_bench
from benchmarks.verilog.runner import EvalSettings, run_eval
from eda.formats.datasets import default_root
from eda.verilog_sim import have_iverilog

ROOT = Path(__file__).resolve().parents[2]
DATA = default_root()
V2 = DATA / "verilog" / "verilogeval_v2" / "spec-to-rtl" if DATA else None
pytestmark = pytest.mark.skipif(not have_iverilog() or DATA is None or not (DATA / "verilog").is_dir(),
                                reason="needs Icarus Verilog and the verilog data (EDA_DATA)")


def eda(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True,
                          text=True, timeout=120)


# -- pass@k -------------------------------------------------------------------------------------
def test_pass_at_k_matches_hand_computed_values() -> None:
    assert pass_at_k(5, 1, 1) == pytest.approx(0.2)
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - math.comb(7, 5) / math.comb(10, 5))   # 1 - 21/252
    assert pass_at_k(10, 3, 5) == pytest.approx(0.9166666667)
    assert pass_at_k(20, 1, 10) == pytest.approx(0.5)
    assert pass_at_k(5, 2, 4) == 1.0 and pass_at_k(4, 0, 2) == 0.0
    assert mean_pass_at_k([(5, 1), (5, 0)], 1) == pytest.approx(0.1)
    assert mean_pass_at_k([(1, 1)], 5) is None
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


# -- extraction ---------------------------------------------------------------------------------
MOD = "module TopModule(output zero);\n  assign zero = 1'b0;\nendmodule"


@pytest.mark.parametrize("answer", [
    f"Here is the code:\n```verilog\n{MOD}\n```\nIt drives zero low.",
    f"```\n{MOD}\n```",
    f"First a note:\n```text\nno code here\n```\nand the design:\n```systemverilog\n{MOD}\n```",
    f"<REASON>constant output</REASON><SOLUTION>\n{MOD}\n</SOLUTION>",
    f"<REASON>x</REASON>\n<SOLUTION>\n```verilog\n{MOD}\n```\n</SOLUTION>",
    f"[BEGIN]\n{MOD}\n[DONE]",
    f"Sure! The module is\n\n{MOD}\n\nThis is all.",
    f"```verilog\n{MOD}\n",                       # unterminated fence (cut by the token limit)
])
def test_extraction_finds_the_module(answer: str) -> None:
    assert extract_code(answer).strip() == MOD


def test_extraction_joins_several_module_blocks_and_keeps_bodies() -> None:
    two = "```verilog\nmodule a; endmodule\n```\ntext\n```verilog\nmodule b; endmodule\n```"
    assert extract_code(two) == "module a; endmodule\nmodule b; endmodule\n"
    assert extract_code("  assign zero = 0;\nendmodule\n") == "assign zero = 0;\nendmodule\n"
    assert extract_code("") == ""


def test_header_problems_accept_a_bare_body() -> None:
    _, probs = load_bench("verilogeval-v1", DATA)
    p = find_problem(probs, "zero")
    body = "\tassign zero = 1'b0;\n"
    full = p.solution_code(body)
    assert full.startswith(p.header.rstrip()) and full.rstrip().endswith("endmodule")
    assert p.check(body).status == "pass"


# -- loaders and the oracle ---------------------------------------------------------------------
def test_loaders_and_autodetection() -> None:
    label, v2 = load_bench("verilogeval-v2", DATA)
    assert label == "verilogeval-v2" and len(v2) == 125 and v2[0].id == "Prob001_zero"
    assert all(p.top == "TopModule" and "RefModule" not in p.reference for p in v2)
    _, cc = load_bench("verilogeval-v2-cc", DATA)
    assert cc[0].header and cc[0].header.strip().startswith("module TopModule")
    assert len(load_bench("verilogeval-v1", DATA)[1]) == 125
    assert len(load_bench("rtllm-v2", DATA)[1]) == 50 and len(load_bench("rtllm-v1.1", DATA)[1]) == 29
    assert detect(V2) == "verilogeval-v2" and detect(DATA / "verilog" / "rtllm_v1.1") == "rtllm"
    assert detect(DATA / "verilog" / "verilogeval_v1") == "verilogeval-v1"
    assert load_bench(str(V2))[0] == "spec-to-rtl (verilogeval-v2)"


@pytest.mark.parametrize("bench,pid", [
    ("verilogeval-v2", "Prob001_zero"), ("verilogeval-v2", "Prob079_fsm3onehot"),
    ("verilogeval-v2-cc", "Prob082_lfsr32"), ("verilogeval-v1", "rotate100"),
    ("rtllm-v2", "accu"), ("rtllm-v1.1", "alu"),
])
def test_reference_solutions_pass(bench: str, pid: str) -> None:
    _, probs = load_bench(bench, DATA)
    p = find_problem(probs, pid)
    r = p.check(p.reference)
    assert r.status == "pass", (r.detail, r.compile_log[:300])


def test_known_icarus_gap_is_a_compile_failure_and_wrong_rtllm_design_fails() -> None:
    _, v2 = load_bench("verilogeval-v2", DATA)
    assert find_problem(v2, "Prob151").check(find_problem(v2, "Prob151").reference).status == "compile"
    _, rt = load_bench("rtllm-v1.1", DATA)
    accu = find_problem(rt, "accu")
    wrong = accu.reference.replace("data_out <=", "data_out <= 1 + ")
    assert wrong != accu.reference and accu.check(wrong).status == "mismatch"


# -- run directory: oracle summary, resume, settings ----------------------------------------------
def _settings(**kw) -> EvalSettings:
    return EvalSettings("verilogeval-v2", str(V2), oracle=True, **kw)


def test_oracle_run_writes_summary_report_and_resumes(tmp_path, monkeypatch) -> None:
    _, probs = load_bench("verilogeval-v2", DATA)
    picked = [find_problem(probs, i) for i in ("Prob001", "Prob002", "Prob151")]
    out = tmp_path / "run"
    s = run_eval(picked[:2], out, _settings(), progress=False)
    assert s["pass@1"] == 1.0 and s["compile_rate"] == 1.0 and s["failure_classes"]["pass"] == 2
    from benchmarks.verilog.problems import Problem
    calls = []
    real = Problem.check
    monkeypatch.setattr(Problem, "check", lambda self, code, limits=None: calls.append(self.id) or real(self, code, limits))
    s = run_eval(picked, out, _settings(), progress=False)
    assert calls == ["Prob151_review2015_fsm"]                      # finished problems were skipped
    assert s["problems"] == 3 and s["pass@1"] == pytest.approx(2 / 3)
    assert s["failure_classes"]["compile"] == 1 and "Prob151_review2015_fsm" in s["known_failures"]
    assert "enum cast" in (out / "report.md").read_text()
    lines = (out / "samples.jsonl").read_text().splitlines()
    assert [json.loads(x)["problem"] for x in lines].count("Prob001_zero") == 1
    assert json.loads((out / "summary.json").read_text())["pass@1"] == pytest.approx(2 / 3)
    with pytest.raises(BenchError, match="other settings"):
        run_eval(picked, out, _settings(n=2), progress=False)


def test_torn_last_line_is_redone(tmp_path) -> None:
    _, probs = load_bench("verilogeval-v2", DATA)
    p = find_problem(probs, "Prob001")
    out = tmp_path / "run"
    run_eval([p], out, _settings(), progress=False)
    (out / "problems.jsonl").unlink()
    (out / "samples.jsonl").write_text('{"problem": "Prob001_zero", "sam')
    s = run_eval([p], out, _settings(), progress=False)
    assert s["pass@1"] == 1.0 and s["problems"] == 1


# -- CLI ------------------------------------------------------------------------------------------
def test_cli_bad_bench_is_one_line_exit_2(tmp_path) -> None:
    r = eda("verilog", "eval", "--bench", tmp_path / "nope", "--oracle", "-o", tmp_path / "run")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "no such benchmark name or folder" in r.stderr
    (tmp_path / "empty").mkdir()
    r = eda("verilog", "eval", "--bench", tmp_path / "empty", "--oracle", "-o", tmp_path / "run")
    assert r.returncode == 2 and "not a VerilogEval v1/v2 or RTLLM layout" in r.stderr


def test_cli_eval_oracle_on_a_folder_and_check(tmp_path) -> None:
    r = eda("verilog", "eval", "--bench", V2, "--oracle", "--limit", "2", "-k", "1", "-q", "-o", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["pass@1"] == 1.0
    good, bad = tmp_path / "good.sv", tmp_path / "bad.sv"
    good.write_text("```verilog\n" + MOD + "\n```\n")
    bad.write_text(MOD.replace("1'b0", "1'b1") + "\n")
    r = eda("verilog", "check", good, "--problem", "Prob001")
    assert r.returncode == 0 and r.stdout.startswith("Prob001_zero: pass")
    r = eda("verilog", "check", bad, "--problem", "Prob001_zero")
    assert r.returncode == 1 and "mismatch" in r.stdout and "Hint: Output 'zero' has 20 mismatches" in r.stdout
    r = eda("verilog", "check", good, "--problem", "Prob999")
    assert r.returncode == 2 and "no problem 'Prob999'" in r.stderr


# -- generation path with a scripted endpoint (the real model is in test_verilog_llm.py) ----------
def test_samples_get_distinct_seeds_and_pass_at_k(tmp_path, monkeypatch) -> None:
    from eda.llm.client import LLMClient
    from tests.llm.conftest import StubServer, completion
    monkeypatch.setenv("EDA_CACHE_DIR", str(tmp_path / "cache"))
    answers = [f"```verilog\n{MOD}\n```", MOD.replace("1'b0", "1'b1"), "module TopModule(output zero)\nendmodule"]
    stub = StubServer([(200, completion(a)) for a in answers])
    try:
        _, probs = load_bench("verilogeval-v2", DATA)
        settings = EvalSettings("verilogeval-v2", str(V2), model="stub", base_url=stub.base_url, n=3, ks=[2])
        s = run_eval([find_problem(probs, "Prob001")], tmp_path / "run", settings,
                     client=LLMClient(stub.base_url, "stub"), progress=False)
    finally:
        stub.close()
    assert sorted(r["seed"] for r in stub.requests) == [0, 1, 2]
    assert all(r["temperature"] == 0.8 for r in stub.requests)
    assert s["failure_classes"] == {"pass": 1, "compile": 1, "mismatch": 1, "timeout": 0, "error": 0}
    assert s["pass@1"] == pytest.approx(1 / 3) and s["pass@2"] == pytest.approx(2 / 3)
    assert s["compile_rate"] == pytest.approx(2 / 3)


def test_oracle_on_a_local_ray_instance(tmp_path) -> None:
    pytest.importorskip("ray")
    r = eda("verilog", "eval", "--bench", "rtllm-v1.1", "--oracle", "--limit", "4", "--ray", "local", "-q",
            "-o", tmp_path / "run")
    assert r.returncode == 0, r.stderr[-500:]
    s = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert s["problems"] == 4 and s["pass@1"] == 1.0          # JC_counter, RAM, accu, adder_16bit
    assert len((tmp_path / "run" / "samples.jsonl").read_text().splitlines()) == 4
