"""Liberty reader: a small hand-written library, table axes, interpolation, gzip and errors."""
import gzip

import numpy as np
import pytest

from eda.errors import NetlistError
from eda.liberty import parse_liberty, read_liberty

LIB = r'''
library (tiny) {
  time_unit : "1ns"; capacitive_load_unit (1, pf);
  /* a comment { with braces } */
  wire_load ("Small") { capacitance : 0.5; resistance : 0.1; slope : 2.0;
    fanout_length (1, 10.0); fanout_length (2, 15.0); }
  default_wire_load : "Small";
  lu_table_template (del_2_2) { variable_1 : input_net_transition;
    variable_2 : total_output_net_capacitance; index_1 ("1, 2"); index_2 ("1, 2"); }
  lu_table_template (cap_first) { variable_1 : total_output_net_capacitance;
    variable_2 : input_net_transition; index_1 ("1, 2"); index_2 ("1, 2"); }
  cell (INV) { area : 2.5;
    pin (A) { direction : input; capacitance : 0.002; }
    pin (Y) { direction : output; function : "!A";
      timing () { related_pin : "A"; timing_sense : negative_unate;
        cell_rise (del_2_2) { index_1 ("0.1, 0.3"); index_2 ("0.01, 0.03");
          values ("0.10, 0.20", \
                  "0.30, 0.40"); }
        rise_transition (cap_first) { index_1 ("0.01, 0.03"); index_2 ("0.1, 0.3");
          values ("1, 2", "3, 4"); } } } }
  cell (DFF) { ff (IQ, IQN) { clocked_on : CLK; next_state : D; }
    pin (CLK) { direction : input; clock : true; capacitance : 0.001; }
    pin (D) { direction : input; capacitance : 0.0015;
      timing () { related_pin : CLK; timing_type : setup_rising;
        rise_constraint (scalar) { values ("0.05"); } } }
    pin (Q) { direction : output;
      timing () { related_pin : CLK; timing_type : rising_edge; timing_sense : non_unate; } } }
}
'''


def test_cells_pins_arcs():
    lib = parse_liberty(LIB)
    assert lib.name == "tiny" and lib.time_unit == pytest.approx(1e-9) and lib.cap_unit == pytest.approx(1e-12)
    inv = lib.cells["INV"]
    assert inv.area == 2.5 and inv.pins["A"].capacitance == 0.002 and inv.pins["Y"].direction == "output"
    (arc,) = inv.arcs
    assert (arc.related_pin, arc.pin, arc.timing_type, arc.timing_sense) == ("A", "Y", "combinational", "negative_unate")
    t = arc.tables["cell_rise"]
    assert np.allclose(t.x, [0.1, 0.3]) and np.allclose(t.y, [0.01, 0.03])
    assert np.allclose(t.values, [[0.1, 0.2], [0.3, 0.4]])
    dff = lib.cells["DFF"]
    assert dff.is_sequential and dff.pins["CLK"].clock
    kinds = {(a.related_pin, a.pin): a.timing_type for a in dff.arcs}
    assert kinds == {("CLK", "D"): "setup_rising", ("CLK", "Q"): "rising_edge"}
    assert lib.wire_loads["Small"].fanout_length == {1: 10.0, 2: 15.0} and lib.default_wire_load == "Small"
    assert np.allclose(lib.wire_loads["Small"].length(np.array([1, 2, 4])), [10.0, 15.0, 19.0])


def test_interpolation_and_axis_order():
    inv = parse_liberty(LIB).cells["INV"]
    t = inv.arcs[0].tables["cell_rise"]
    assert float(t(0.1, 0.01)) == pytest.approx(0.1)           # a grid point
    assert float(t(0.2, 0.02)) == pytest.approx(0.25)          # centre: mean of the four corners
    assert float(t(0.5, 0.01)) == pytest.approx(0.5)           # linear extrapolation in x
    # a template whose first variable is the load is transposed to (transition, load)
    r = inv.arcs[0].tables["rise_transition"]
    assert r.x_var == "input_net_transition" and np.allclose(r.x, [0.1, 0.3])
    assert float(r(0.3, 0.01)) == pytest.approx(2.0)


def test_gzip_and_errors(tmp_path):
    p = tmp_path / "tiny.lib.gz"
    p.write_bytes(gzip.compress(LIB.encode()))
    assert "DFF" in read_liberty(p, cache=False).cells
    with pytest.raises(NetlistError, match="missing"):
        parse_liberty("library (x) { cell (A) { ")
    with pytest.raises(NetlistError, match="not found"):
        read_liberty(tmp_path / "nope.lib")
