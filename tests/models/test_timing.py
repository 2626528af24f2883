"""Timing graph + levelised propagation on small hand-made netlists, checked against a naive STA."""
import random

import numpy as np
import pytest

from eda.errors import NetlistError
from eda.formats.verilog import read_verilog
from eda.liberty import parse_liberty
from models.timing.graph import build_graph, levelize, read_sdc
from models.timing.propagate import Propagator

TAB = 'index_1 ("0.01, 0.5"); index_2 ("0.001, 0.1"); values ("%s, %s", "%s, %s");'
LIB = parse_liberty(r'''
library (t) { time_unit : "1ns"; capacitive_load_unit (1, pf);
  wire_load ("W") { capacitance : 0.001; resistance : 0.1; slope : 1; fanout_length (1, 1); fanout_length (2, 2); }
  default_wire_load : "W";
  lu_table_template (d) { variable_1 : input_net_transition; variable_2 : total_output_net_capacitance;
    index_1 ("1, 2"); index_2 ("1, 2"); }
  cell (INV) { pin (A) { direction : input; capacitance : 0.002; }
    pin (Y) { direction : output; timing () { related_pin : A; timing_sense : negative_unate;
      cell_rise (d) { %s } cell_fall (d) { %s } rise_transition (d) { %s } fall_transition (d) { %s } } } }
  cell (NAND2) { pin (A) { direction : input; capacitance : 0.003; } pin (B) { direction : input; capacitance : 0.003; }
    pin (Y) { direction : output; timing () { related_pin : "A B"; timing_sense : negative_unate;
      cell_rise (d) { %s } cell_fall (d) { %s } rise_transition (d) { %s } fall_transition (d) { %s } } } }
  cell (DFF) { ff (IQ, IQN) { clocked_on : CLK; next_state : D; }
    pin (CLK) { direction : input; clock : true; capacitance : 0.001; }
    pin (D) { direction : input; capacitance : 0.002; timing () { related_pin : CLK; timing_type : setup_rising;
      rise_constraint (d) { %s } fall_constraint (d) { %s } } }
    pin (Q) { direction : output; timing () { related_pin : CLK; timing_type : rising_edge;
      cell_rise (d) { %s } cell_fall (d) { %s } rise_transition (d) { %s } fall_transition (d) { %s } } } }
}''' % tuple(TAB % v for v in [
    (.05, .3, .1, .5), (.04, .2, .08, .4), (.02, .6, .1, .9), (.02, .5, .08, .8),
    (.07, .4, .12, .6), (.05, .3, .1, .5), (.03, .7, .1, 1.0), (.03, .6, .1, .9),
    (.1, .1, .15, .15), (.08, .08, .12, .12),
    (.2, .5, .25, .6), (.2, .5, .25, .6), (.03, .4, .05, .5), (.03, .4, .05, .5)]))
SDC = read_sdc("create_clock -name clk -period 5 [get_ports clk]\nset_input_delay [expr 5 * 0.2] -clock clk x\n"
               "set_output_delay 1.0 -clock clk y\nset_input_transition 0.1 [all_inputs]\nset_load 0.005 [all_outputs]")


def random_netlist(n_cells: int, seed: int) -> str:
    """A random acyclic netlist: gates read earlier nets; two flops close the loop through Q."""
    rnd = random.Random(seed)
    nets = ["x0", "x1", "q0", "q1"]
    body = ["DFF f0 (.CLK(clk), .D(n%d), .Q(q0));" % (n_cells - 1), "DFF f1 (.CLK(clk), .D(n%d), .Q(q1));" % (n_cells - 2)]
    for i in range(n_cells):
        if rnd.random() < 0.4:
            body.append(f"INV g{i} (.A({rnd.choice(nets)}), .Y(n{i}));")
        else:
            a, b = rnd.sample(nets, 2)
            body.append(f"NAND2 g{i} (.A({a}), .B({b}), .Y(n{i}));")
        nets.append(f"n{i}")
    return ("module top(clk, x0, x1, y); input clk, x0, x1; output y;\n" + "\n".join(f"wire n{i};" for i in range(n_cells))
            + "\nwire q0, q1;\n" + "\n".join(body) + f"\nassign y = n{n_cells - 3};\nendmodule\n")


def naive_arrival(g, delay):
    """Reference: memoised recursion over fanin arcs, one (pin, transition) slot at a time."""
    fanin = {}
    for e in range(len(g.src)):
        fanin.setdefault(2 * g.dst[e] + g.tout[e], []).append(e)
    srcs = {}
    for i in np.flatnonzero(g.is_in_port):
        clk = g.names[i] == g.sdc.clock_port
        srcs[2 * i], srcs[2 * i + 1] = (0.0, g.sdc.period / 2) if clk else (g.sdc.input_delay,) * 2
    memo = {}

    def at(slot):
        if slot in memo:
            return memo[slot]
        vals = [srcs[slot]] if slot in srcs else []
        vals += [at(2 * g.src[e] + g.tin[e]) + delay[e] for e in fanin.get(slot, [])]
        vals = [v for v in vals if np.isfinite(v)]
        memo[slot] = max(vals) if vals else np.nan
        return memo[slot]
    return np.array([at(s) for s in range(2 * g.num_nodes)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_propagation_matches_naive(seed):
    g = build_graph(read_verilog(random_netlist(40, seed)), LIB, SDC)
    # levels: every arc goes strictly upward
    assert (g.level[g.dst] > g.level[g.src]).all()
    p = Propagator(g)
    an = p.analytic()
    delay = an["lut_delay"] + np.random.default_rng(seed).uniform(0, 0.01, len(g.src))
    ref = naive_arrival(g, delay)
    got = p.arrival(delay)
    assert np.array_equal(np.isnan(ref), np.isnan(got)) and np.allclose(ref[~np.isnan(ref)], got[~np.isnan(got)])
    # required: min over fanout; at the output port it is period - output delay
    r = p.run(delay, an["slew"])
    y = g.names.index("y")
    assert r["required"][2 * y] == pytest.approx(5 - 1.0)
    for e in range(len(g.src)):
        s, d = 2 * g.src[e] + g.tin[e], 2 * g.dst[e] + g.tout[e]
        if np.isfinite(r["required"][d]):
            assert r["required"][s] <= r["required"][d] - delay[e] + 1e-9


def test_slew_and_lut_delay_follow_the_tables():
    g = build_graph(read_verilog(random_netlist(10, 3)), LIB, SDC)
    an = Propagator(g).analytic()
    inv = LIB.cells["INV"].arcs[0]
    for e in np.flatnonzero(g.kind == 1):
        cell = LIB.cells[g.cell_names[g.cell_type[g.dst[e]]]]
        if cell.name != "INV":
            continue
        key = "cell_rise" if g.tout[e] == 0 else "cell_fall"
        want = float(inv.tables[key](an["in_slew"][e], g.load[g.dst[e]]))
        assert an["lut_delay"][e] == pytest.approx(want)
        # the slew seen at the input is the driver's propagated slew of that transition
        assert an["in_slew"][e] == pytest.approx(an["slew"][2 * g.src[e] + g.tin[e]])
    x0 = g.names.index("x0")
    assert an["slew"][2 * x0] == pytest.approx(0.1)
    # wire-load: a driver's load is its sinks' pin caps + wire cap for its fanout (+ port load)
    y_drv = [i for i in range(g.num_nodes) if g.is_driver[i] and g.fanout[i] == 1][0]
    assert g.load[y_drv] > 0.001


def test_levelize_and_loop_error():
    assert levelize(4, np.array([0, 1, 0]), np.array([1, 2, 2])).tolist() == [0, 1, 2, 0]
    with pytest.raises(NetlistError, match="combinational loop"):
        levelize(3, np.array([0, 1, 2]), np.array([1, 2, 1]), ["a", "b", "c"])
    loop = "module top(a, y); input a; output y; wire n1, n2;\nNAND2 g1 (.A(a), .B(n2), .Y(n1));\nINV g2 (.A(n1), .Y(n2));\nassign y = n2;\nendmodule\n"
    with pytest.raises(NetlistError, match="combinational loop"):
        build_graph(read_verilog(loop), LIB, SDC)


def test_missing_cell_is_a_clear_error():
    bad = "module top(a, y); input a; output y;\nXOR9 g1 (.A(a), .Y(y));\nendmodule\n"
    with pytest.raises(NetlistError, match="XOR9.*not in the Liberty"):
        build_graph(read_verilog(bad), LIB, SDC)


def test_read_sdc():
    assert (SDC.period, SDC.clock_port, SDC.input_delay, SDC.output_delay) == (5.0, "clk", 1.0, 1.0)
    assert (SDC.input_transition, SDC.output_load) == (0.1, 0.005)
