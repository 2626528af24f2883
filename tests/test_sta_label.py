"""`eda timing label`: yosys + OpenSTA reproduce the shared timing labels, and fail clearly on bad input."""
import lzma
import os
import shutil
from pathlib import Path

import pytest

from eda.sta_label import LabelError, filter_liberty, is_gate_level, label, top_module

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "timing"
LIB = DATA / "lib" / "sky130hd_tt.lib.gz"
pytestmark = [
    pytest.mark.skipif(not (DATA / "designs" / "spm").is_dir(), reason="needs ../shared/data/timing"),
    pytest.mark.skipif(shutil.which("sta") is None or shutil.which("yosys") is None, reason="needs yosys + opensta"),
]

COUNTER = """module counter(input clk, input rst, input en, output reg [7:0] q, output wrap);
  always @(posedge clk) if (rst) q <= 0; else if (en) q <= q + 1;
  assign wrap = &q;
endmodule
"""
SDC = """create_clock -name clk -period 2 [get_ports clk]
set_input_delay [expr 2 * 0.2] -clock clk [delete_from_list [all_inputs] [get_ports clk]]
set_output_delay [expr 2 * 0.2] -clock clk [all_outputs]
set_input_transition 0.1 [all_inputs]
set_load 0.005 [all_outputs]
"""


def _xz(p: Path) -> str:
    return lzma.open(p, "rt").read()


def test_gate_level_design_reproduces_shared_labels_exactly(tmp_path):
    d = DATA / "designs" / "spm"
    r = label(d / "spm.v.xz", LIB, d / "spm.sdc", tmp_path)
    assert not r.synthesized and r.name == "spm"
    out = tmp_path / "designs" / "spm"
    assert _xz(out / "spm.pins.tsv.xz") == _xz(d / "spm.pins.tsv.xz")
    assert _xz(out / "spm.arcs.tsv.xz") == _xz(d / "spm.arcs.tsv.xz")
    row = next(ln for ln in (DATA / "RESULTS.tsv").read_text().splitlines() if ln.startswith("spm\t")).split("\t")
    assert (r.pins, r.arcs) == (int(row[3]), int(row[4]))
    assert (tmp_path / "lib" / LIB.name).exists()


def test_rtl_is_synthesised_then_timed_and_reads_back_as_training_data(tmp_path):
    (tmp_path / "counter.v").write_text(COUNTER)
    (tmp_path / "c.sdc").write_text(SDC)
    r = label(tmp_path / "counter.v", LIB, tmp_path / "c.sdc", tmp_path / "out")
    assert r.synthesized and r.top == "counter" and r.pins > 50 and r.arcs > r.pins
    netlist = _xz(tmp_path / "out" / "designs" / "counter" / "counter.v.xz")
    assert "sky130_fd_sc_hd__dfxtp" in netlist and "always" not in netlist
    from models.timing.data import load_design, load_lib
    root = tmp_path / "out"
    d = load_design(root, "counter", load_lib(root))
    assert len(d.labels.delay) > 0


def test_liberty_filter_drops_only_matching_cells():
    text = 'library (x) {\n cell ("a_1") { pin (A) { x : "{"; } }\n cell ("fill_1") { area : 1; }\n cell ("b_0") { }\n}\n'
    kept = filter_liberty(text)
    assert 'cell ("a_1")' in kept and "fill_1" not in kept and "b_0" not in kept and kept.rstrip().endswith("}")


def test_gate_level_detection_and_top():
    assert not is_gate_level(COUNTER, {"sky130_fd_sc_hd__inv_1"})
    gl = "module t(a, y);\n input a; output y;\n sky130_fd_sc_hd__inv_1 u1 (.A(a), .Y(y));\nendmodule\n"
    assert is_gate_level(gl, {"sky130_fd_sc_hd__inv_1"}) and top_module(gl, Path("t.v")) == "t"


def test_bad_inputs_give_clear_errors(tmp_path):
    d = DATA / "designs" / "spm"
    bad = tmp_path / "bad.v"
    bad.write_text(_xz(d / "spm.v.xz").replace("sky130_fd_sc_hd__nand2_1 ", "sky130_fd_sc_hd__bogus_1 ", 1))
    with pytest.raises(LabelError, match="not in the Liberty.*bogus"):
        label(bad, LIB, d / "spm.sdc", tmp_path / "o", synth=False)
    sdc = tmp_path / "bad.sdc"
    sdc.write_text("create_clock -name clk -period 10 [get_ports no_such_port]\nset_load 0.005 [all_outputs]\n")
    with pytest.raises(LabelError, match="OpenSTA rejected.*no_such_port"):
        label(d / "spm.v.xz", LIB, sdc, tmp_path / "o")
    sdc.write_text("create_clock -name clk -period 10 [get_ports clk]\nset_bogus 1\n")
    with pytest.raises(LabelError, match="OpenSTA rejected.*set_bogus"):
        label(d / "spm.v.xz", LIB, sdc, tmp_path / "o")
    assert not (tmp_path / "o" / "designs" / "spm").exists()
    two = tmp_path / "two.v"
    two.write_text("module a(); endmodule\nmodule b(); endmodule\n")
    with pytest.raises(LabelError, match="top module"):
        label(two, LIB, d / "spm.sdc", tmp_path / "o")
