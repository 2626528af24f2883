"""The Icarus sandbox: pass, mismatch, compile failure, timeout, memory limit, output cap, pass rules."""
from __future__ import annotations

import pytest

from eda.verilog_sim import RTLLM, VERILOGEVAL, VERILOGEVAL_V1, SimLimits, classify, have_iverilog, simulate

pytestmark = pytest.mark.skipif(not have_iverilog(), reason="Icarus Verilog not installed (make setup)")

TB = """
module tb;
  reg a, b; wire y; integer errors = 0, n = 0;
  TopModule dut(.a(a), .b(b), .y(y));
  initial begin
    repeat (16) begin
      {a, b} = $random; #1;
      n = n + 1; if (y !== (a & b)) errors = errors + 1;
    end
    $display("Mismatches: %0d in %0d samples", errors, n);
    $finish;
  end
endmodule
"""
GOOD = "module TopModule(input a, input b, output y);\n  assign y = a & b;\nendmodule\n"


def run(dut: str, **kw):
    return simulate({"dut.sv": dut, "tb.sv": TB}, rule=VERILOGEVAL, top="tb", **kw)


def test_correct_design_passes() -> None:
    r = run(GOOD)
    assert r.status == "pass" and r.mismatches == 0 and r.samples == 16 and r.score == 1.0


def test_wrong_design_is_a_mismatch_with_partial_credit() -> None:
    r = run(GOOD.replace("a & b", "a | b"))
    assert r.status == "mismatch" and 0 < r.mismatches < 16 and r.samples == 16
    assert 0 < r.score < 1 and "Mismatches:" in r.detail


def test_syntax_error_is_a_compile_failure() -> None:
    r = run(GOOD.replace("assign y", "assign y =="))
    assert r.status == "compile" and not r.compiled and "dut.sv:2" in r.detail and "syntax" in r.compile_log


def test_zero_delay_infinite_loop_is_a_timeout() -> None:
    loop = GOOD.replace("endmodule", "  reg r;\n  initial begin r = 0; forever r = ~r; end\nendmodule")
    r = run(loop, limits=SimLimits(seconds=1.5))
    assert r.status == "timeout" and r.seconds < 10


def test_memory_limit_stops_a_huge_design() -> None:
    big = GOOD.replace("endmodule", "  reg [63:0] mem [0:(1<<24)-1]; integer i;\n"
                       "  initial for (i = 0; i < (1<<24); i = i + 1) mem[i] = i;\nendmodule")
    r = run(big, limits=SimLimits(seconds=20, memory_mb=256))
    assert r.status == "error" and "signal" in r.detail


def test_output_is_capped() -> None:
    chatty = GOOD.replace("endmodule", "  integer k;\n  initial for (k = 0; k < 20000; k = k + 1) "
                          "$display(\"line %0d of noise noise noise\", k);\nendmodule")
    r = run(chatty, limits=SimLimits(output_chars=4000))
    assert r.status == "pass" and len(r.output) < 4200 and "bytes cut" in r.output
    assert "Mismatches: 0 in 16 samples" in r.output   # the tail is kept


def test_run_directory_is_private_and_data_files_are_copied(tmp_path) -> None:
    (tmp_path / "golden.txt").write_text("1\n")
    tb = ('module tb; integer f, v; initial begin f = $fopen("golden.txt", "r"); '
          'if ($fscanf(f, "%d", v) == 1 && v == 1) $display("Your Design Passed"); '
          'else $display("Failed"); $finish; end endmodule\n')
    r = simulate({"tb.v": tb}, rule=RTLLM, data_files=[tmp_path / "golden.txt"])
    assert r.status == "pass"
    assert simulate({"tb.v": tb}, rule=RTLLM).status == "mismatch"   # no file there: a fresh directory


@pytest.mark.parametrize("rule,rc,out,err,status", [
    (VERILOGEVAL, 0, "Mismatches: 0 in 20 samples\n", "", "pass"),
    (VERILOGEVAL, 0, "TIMEOUT\nMismatches: 0 in 20 samples\n", "", "pass"),
    (VERILOGEVAL, 0, "TIMEOUT\n", "", "timeout"),
    (VERILOGEVAL, 0, "Mismatches: 3 in 20 samples\n", "", "mismatch"),
    (VERILOGEVAL, 0, "nothing\n", "", "error"),
    (VERILOGEVAL, -11, "Mismatches: 0 in 20 samples\n", "", "error"),
    (VERILOGEVAL, None, "", "", "timeout"),
    (VERILOGEVAL, 0, "Mismatches: 0 in 20 samples\n", "warning", "pass"),
    (VERILOGEVAL_V1, 0, "Mismatches: 0 in 20 samples\n", "warning", "error"),
    (RTLLM, 0, "===========Your Design Passed===========\n", "", "pass"),
    (RTLLM, 0, "=========== Test completed with 3 failures ===========\n", "", "mismatch"),
    (RTLLM, None, "", "", "timeout"),
])
def test_pass_rules(rule, rc, out, err, status) -> None:
    assert classify(rule, rc, out, err)[0] == status
