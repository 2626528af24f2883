"""ERC rules: each one firing and not firing, on circuits built directly with the IR."""
from __future__ import annotations

import json

import pytest

from eda.check import RULES, Finding, format_findings, has_errors, run_erc
from eda.ir import Circuit, Component, Model, Statement, Subcircuit


def C(kind, name, nets, model=None, value=None, **kw):
    return Component(kind, name, list(nets), model=model, value=value, **kw)


def circuit(*items, **kw) -> Circuit:
    c = Circuit(format="spice", dialect=kw.pop("dialect", "ngspice"))
    for i in items:
        c.add(i)
    return c


def rules(findings, rule=None):
    return [f for f in findings if rule is None or f.rule == rule]


def divider() -> Circuit:
    """A clean circuit: V1 in 0, R1 in out, R2 out 0."""
    return circuit(C("V", "V1", ["in", "0"], value="1"), C("R", "R1", ["in", "out"], value="1k"),
                   C("R", "R2", ["out", "0"], value="1k"))


def test_clean_circuit_has_no_findings():
    f = run_erc(divider())
    assert f == []
    assert format_findings(f) == "ERC: no findings"
    assert not has_errors(f)


# ------------------------------------------------------------------ single-pin-net

def test_single_pin_net_fires():
    c = divider()
    c.add(C("R", "R3", ["out", "dangle"], value="1k"))
    f = rules(run_erc(c), "single-pin-net")
    assert len(f) == 1
    assert f[0].objects == ("dangle", "R3") and f[0].severity == "warning"
    assert f[0].body == ""


def test_single_pin_net_not_for_subckt_ports_ground_or_globals():
    sub = Subcircuit(name="buf", ports=["a", "y"])
    sub.add(C("R", "R1", ["a", "mid"], value="1k"))
    sub.add(C("R", "R2", ["mid", "y"], value="1k"))
    sub.add(C("R", "R3", ["mid", "vdd!"], value="1k"))   # global by name
    sub.add(C("R", "R4", ["mid", "vglob"], value="1k"))  # declared .global
    c = divider()
    c.add(Statement("directive", ".global vglob", ".global", ["vglob"]))
    c.add(sub)
    c.add(C("X", "X1", ["in", "out"], model="buf"))
    c.add(C("R", "R9", ["in", "gnd"], value="1k"))  # only pin on 'gnd', which is ground
    assert rules(run_erc(c), "single-pin-net") == []


# ------------------------------------------------------------------ floating-net

def test_floating_net_between_capacitors_and_gates():
    c = divider()
    c.add(C("C", "C1", ["out", "mid"], value="1p"))
    c.add(C("C", "C2", ["mid", "0"], value="1p"))
    c.add(Model("nch", "nmos"))
    c.add(C("M", "M1", ["out", "mid", "0", "0"], model="nch"))
    f = rules(run_erc(c), "floating-net")
    assert len(f) == 1 and f[0].objects == ("mid",)
    assert "no DC path" in f[0].message


def test_floating_net_not_when_dc_path_exists():
    c = divider()
    c.add(C("C", "C1", ["out", "mid"], value="1p"))
    c.add(C("R", "Rb", ["mid", "0"], value="1meg"))   # bias resistor gives a DC path
    c.add(C("C", "C2", ["out", "x"], value="1p"))
    c.add(C("L", "L1", ["x", "0"], value="1u"))       # an inductor too
    assert rules(run_erc(c), "floating-net") == []


def test_floating_net_group_and_current_source():
    c = divider()
    c.add(C("I", "I1", ["0", "a"], value="1m"))   # current source: no DC path
    c.add(C("R", "R5", ["a", "b"], value="1k"))
    c.add(C("C", "C5", ["b", "0"], value="1p"))
    f = rules(run_erc(c), "floating-net")
    assert [x.objects for x in f] == [("a", "b")]


def test_floating_net_in_subckt_ports_are_anchors():
    sub = Subcircuit(name="hp", ports=["i", "o"])
    sub.add(C("C", "C1", ["i", "o"], value="1p"))    # o is a port: fine
    sub.add(C("C", "C2", ["o", "n1"], value="1p"))
    sub.add(C("C", "C3", ["n1", "i"], value="1p"))   # n1: only capacitors
    c = divider()
    c.add(sub)
    c.add(C("X", "X1", ["in", "out"], model="hp"))
    f = rules(run_erc(c), "floating-net")
    assert [(x.body, x.objects) for x in f] == [("hp/", ("n1",))]


def test_instances_of_grounded_subckts_anchor_their_nets():
    sub = Subcircuit(name="bias", ports=["b"])
    sub.add(C("R", "R1", ["b", "0"], value="1k"))        # grounds inside (node 0 is global)
    top = Subcircuit(name="wrap", ports=["b2"])
    top.add(C("X", "X1", ["b2"], model="bias"))          # grounded through nesting
    c = divider()
    c.add(sub)
    c.add(top)
    c.add(C("X", "X9", ["vb", "vb2"], model="undefined_cell"))  # unknown: assume connected
    c.add(C("X", "X2", ["vb"], model="wrap"))
    c.add(C("C", "C1", ["vb", "out"], value="1p"))
    c.add(C("C", "C2", ["vb2", "out"], value="1p"))
    assert rules(run_erc(c), "floating-net") == []
    # the same with an ungrounded subcircuit: vb floats
    iso = Subcircuit(name="iso", ports=["p", "q"])
    iso.add(C("R", "R1", ["p", "q"], value="1k"))
    d = divider()
    d.add(iso)
    d.add(C("X", "X1", ["vb", "vq"], model="iso"))
    d.add(C("C", "C1", ["vb", "out"], value="1p"))
    d.add(C("C", "C2", ["vq", "out"], value="1p"))
    f = rules(run_erc(d), "floating-net")
    assert [x.objects for x in f] == [("vb", "vq")] and "C1.p" in f[0].message


def test_controlled_source_inputs_block_dc():
    c = divider()
    c.add(C("C", "Cc", ["out", "sense"], value="1p"))
    c.add(C("E", "E1", ["o2", "0", "sense", "0"], value="2"))
    c.add(C("R", "RL", ["o2", "0"], value="1k"))
    f = rules(run_erc(c), "floating-net")
    assert [x.objects for x in f] == [("sense",)]


# ------------------------------------------------------------------ no-ground

def test_no_ground_fires():
    c = circuit(C("V", "V1", ["a", "b"], value="1"), C("R", "R1", ["a", "b"], value="1k"))
    f = run_erc(c)
    assert [x.rule for x in f] == ["no-ground"]
    assert f[0].severity == "error" and has_errors(f)


def test_no_ground_not_fired():
    assert rules(run_erc(divider()), "no-ground") == []
    # a library of subcircuits (nothing at the top) needs no ground
    sub = Subcircuit(name="r2", ports=["a", "b"])
    sub.add(C("R", "R1", ["a", "b"], value="1k"))
    assert run_erc(circuit(sub)) == []
    # ground used inside a subcircuit counts (node 0 is global)
    sub = Subcircuit(name="load", ports=["a"])
    sub.add(C("R", "R1", ["a", "0"], value="1k"))
    c = circuit(sub, C("V", "V1", ["a", "GND"], value="1"), C("X", "X1", ["a"], model="load"))
    assert rules(run_erc(c), "no-ground") == []
    # a digital netlist is not an analog circuit
    d = circuit(C("cell", "u1", ["a", "b"], model="INV"), C("cell", "u2", ["b", "a"], model="INV"))
    assert rules(run_erc(d), "no-ground") == []


# ------------------------------------------------------------------ source-loop

def test_source_loop_parallel_sources():
    c = divider()
    c.add(C("V", "V2", ["in", "0"], value="2"))
    f = rules(run_erc(c), "source-loop")
    assert len(f) == 1 and f[0].objects == ("V1", "V2") and f[0].severity == "error"


def test_source_loop_through_inductor_and_vcvs():
    c = divider()
    c.add(C("L", "L1", ["in", "x"], value="1u"))
    c.add(C("E", "E1", ["x", "0", "out", "0"], value="1"))
    f = rules(run_erc(c), "source-loop")
    assert len(f) == 1 and f[0].objects == ("E1", "L1", "V1")
    assert "V1" in f[0].message and "L1" in f[0].message


def test_rf_port_sources_are_not_ideal():
    c = divider()
    c.add(C("V", "V2", ["in", "0"], value="dc", args=["0", "portnum", "1", "z0", "50"]))
    assert rules(run_erc(c), "source-loop") == []


def test_inductor_only_loop_is_warning():
    c = divider()
    c.add(C("L", "L1", ["out", "y"], value="1u"))
    c.add(C("L", "L2", ["out", "y"], value="1u"))
    c.add(C("R", "R7", ["y", "0"], value="1"))
    f = rules(run_erc(c), "source-loop")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].objects == ("L1", "L2")


def test_no_source_loop_for_series_sources_or_current_sources():
    c = divider()
    c.add(C("V", "V2", ["in", "x"], value="1"))
    c.add(C("R", "R8", ["x", "0"], value="1k"))
    c.add(C("I", "I1", ["in", "0"], value="1m"))   # parallel I source: fine
    c.add(C("G", "G1", ["in", "0", "out", "0"], value="1m"))
    assert rules(run_erc(c), "source-loop") == []


# ------------------------------------------------------------------ shorted-source

def test_shorted_sources():
    c = divider()
    c.add(C("V", "V9", ["out", "out"], value="1"))
    c.add(C("I", "I9", ["in", "in"], value="1m"))
    f = rules(run_erc(c), "shorted-source")
    assert [(x.objects, x.severity) for x in f] == [(("V9", "out"), "error"),
                                                    (("I9", "in"), "warning")]
    assert rules(run_erc(divider()), "shorted-source") == []


# ------------------------------------------------------------------ unknown-model / pin-count

def _with_devices() -> Circuit:
    c = divider()
    c.add(C("D", "D1", ["out", "0"], model="dmod"))
    c.add(C("M", "M1", ["out", "in", "0", "0"], model="nch"))
    c.add(C("Q", "Q1", ["out", "in", "0"], model="npn1"))
    return c


def test_unknown_model_error_without_includes():
    f = rules(run_erc(_with_devices()), "unknown-model")
    assert [x.objects for x in f] == [("dmod", "D1"), ("nch", "M1"), ("npn1", "Q1")]
    assert all(x.severity == "error" for x in f)


def test_unknown_model_one_finding_per_model():
    c = _with_devices()
    for i in range(2, 9):
        c.add(C("M", f"M{i}", ["out", "in", "0", "0"], model="nch"))
    f = [x for x in rules(run_erc(c), "unknown-model") if x.objects[0] == "nch"]
    assert len(f) == 1 and len(f[0].objects) == 9 and "and 3 more" in f[0].message


def test_unknown_model_not_fired_when_defined():
    c = _with_devices()
    c.add(Model("DMOD", "d"))            # case-insensitive
    c.add(Model("nch.1", "nmos"))        # binned model defines nch
    sub = Subcircuit(name="npn1", ports=["c", "b", "e"])   # a subcircuit may stand for a model
    sub.add(C("R", "R1", ["c", "e"], value="1"))
    sub.add(C("R", "R2", ["b", "e"], value="1"))
    c.add(sub)
    assert rules(run_erc(c), "unknown-model") == []


def test_unknown_model_warning_with_includes():
    c = _with_devices()
    c.add(Statement("directive", ".include models.lib", ".include", ["models.lib"]))
    f = rules(run_erc(c), "unknown-model")
    assert len(f) == 3 and all(x.severity == "warning" for x in f)
    assert "models.lib" in f[0].message


def test_unknown_subckt_and_pin_count():
    sub = Subcircuit(name="amp", ports=["i", "o", "vdd"])
    sub.add(C("R", "R1", ["i", "o"], value="1"))
    sub.add(C("R", "R2", ["o", "vdd"], value="1"))
    c = divider()
    c.add(sub)
    c.add(C("X", "X1", ["in", "out", "0"], model="AMP"))    # right
    c.add(C("X", "X2", ["in", "out"], model="amp"))         # one net short
    c.add(C("X", "X3", ["in", "out"], model="nosuch"))
    f = run_erc(c)
    assert [(x.rule, x.objects) for x in rules(f, "pin-count")] == [("pin-count", ("X2", "amp"))]
    assert [x.objects for x in rules(f, "unknown-model")] == [("nosuch", "X3")]
    assert "subcircuit nosuch" in rules(f, "unknown-model")[0].message


def test_parameterised_model_names_are_not_flagged():
    c = divider()
    c.add(C("M", "M1", ["out", "in", "0", "0"], model="{mtype}"))
    assert rules(run_erc(c), "unknown-model") == []


# ------------------------------------------------------------------ duplicates

def test_duplicate_names():
    c = divider()
    c.add(C("R", "r1", ["out", "0"], value="2k", line=7))
    f = rules(run_erc(c), "duplicate-name")
    assert len(f) == 1 and f[0].objects == ("R1",) and f[0].severity == "error"
    assert "line" in f[0].message
    # the same name in two different bodies is fine
    sub = Subcircuit(name="s", ports=["a", "b"])
    sub.add(C("R", "R1", ["a", "b"], value="1"))
    d = divider()
    d.add(sub)
    assert rules(run_erc(d), "duplicate-name") == []


def test_duplicate_definitions():
    c = divider()
    c.add(Model("m1", "nmos"))
    c.add(Model("M1", "pmos"))
    f = rules(run_erc(c), "duplicate-definition")
    assert len(f) == 1 and f[0].severity == "warning"


# ------------------------------------------------------------------ API behaviour

def test_sorted_deterministic_and_serialisable():
    def build():
        sub = Subcircuit(name="s", ports=["a"])
        sub.add(C("R", "R1", ["a", "dang"], value="1"))
        c = circuit(C("V", "V2", ["x", "x"], value="1"), C("V", "V1", ["in", "0"], value="1"),
                    C("V", "V3", ["in", "0"], value="1"), C("R", "R1", ["in", "q"], value="1"),
                    C("D", "D1", ["in", "0"], model="dx"), sub)
        return c
    a, b = run_erc(build()), run_erc(build())
    assert a == b and a == sorted(a, key=Finding.sort_key)
    # errors come before warnings within a body; the top level comes first
    top = [f for f in a if f.body == ""]
    sev = [f.severity for f in top]
    assert sev == sorted(sev, key=lambda s: s != "error")
    assert a[-1].body == "s/"
    d = json.loads(json.dumps([f.to_dict() for f in a]))
    assert set(d[0]) == {"rule", "severity", "message", "body", "objects"}
    assert "error(s)" in format_findings(a)


def test_rule_selection():
    c = divider()
    c.add(C("V", "V2", ["in", "0"], value="2"))
    c.add(C("R", "R3", ["out", "dangle"], value="1k"))
    assert {f.rule for f in run_erc(c, rules=["single-pin-net"])} == {"single-pin-net"}
    with pytest.raises(ValueError):
        run_erc(c, rules=["nope"])
    assert set(RULES) >= {"single-pin-net", "floating-net", "no-ground", "source-loop",
                          "shorted-source", "unknown-model", "duplicate-name"}


def test_large_circuit_checks_whole_chain():
    """A 100k-component ladder is clean; one floating node deep inside it is found (no sampling)."""
    c = circuit(C("V", "V1", ["n0", "0"], value="1"))
    for i in range(50_000):
        c.add(C("R", f"R{i}", [f"n{i}", f"n{i + 1}"], value="1"))
        c.add(C("C", f"C{i}", [f"n{i + 1}", "0"], value="1p"))
    assert run_erc(c) == []
    c.add(C("R", "Rdangle", ["n40000", "lonely"], value="1"))
    found = run_erc(c)
    assert any("lonely" in f.message for f in found)
