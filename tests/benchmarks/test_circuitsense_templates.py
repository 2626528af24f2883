"""CircuitSense generator templates (ideal opamps, small-signal transistors, H/F sources), design items,
drawn schematics with image prompts, and official LaTeX answers."""
from __future__ import annotations

import base64
import collections
import itertools

import pytest
import sympy

from benchmarks.circuitsense.adapter import CircuitSenseAdapter, circuit_items, design_item
from benchmarks.circuitsense.generate import Element as E, GenCircuit, iter_circuits
from benchmarks.circuitsense.labels import _derive, agrees, lcapy_netlist
from benchmarks.circuitsense.schematic import draw_circuit
from benchmarks.circuitsense.score import symbolic_equal


def _circ(name: str, elements: list, out: str = "2") -> GenCircuit:
    return GenCircuit(name, 1, (2, 3), elements, out=out)


CASES = {   # circuit, the textbook transfer function
    "inverting": (_circ("inv", [E("U", "EU1", ("2", "0"), ctrl=("0", "3"), group="U1", edge=((0, 1), (0, 2)),
                                  ends=("1", "2")),
                                E("R", "RiU1", ("1", "3"), value=1e3, group="U1"),
                                E("R", "RfU1", ("3", "2"), value=4.7e3, group="U1"),
                                E("R", "R1", ("2", "0"), value=2e3, edge=((0, 2), (1, 2)))]),
                  "-RfU1/RiU1"),
    "noninverting": (_circ("noninv", [E("R", "R1", ("1", "4"), value=1e3, edge=((0, 0), (0, 1))),
                                      E("U", "EU1", ("2", "0"), ctrl=("4", "3"), group="U1", edge=((0, 1), (0, 2)),
                                        ends=("4", "2")),
                                      E("R", "RfU1", ("2", "3"), value=9e3, group="U1"),
                                      E("R", "RgU1", ("3", "0"), value=1e3, group="U1")]),
                     "1 + RfU1/RgU1"),
    "bjt": (_circ("ce", [E("R", "RpiQ1", ("1", "0"), value=2.5e3, group="Q1"),
                         E("G", "GmQ1", ("2", "0"), ctrl=("1", "0"), value=0.04, group="Q1", edge=((0, 0), (0, 1)),
                           ends=("1", "2")),
                         E("R", "RoQ1", ("2", "0"), value=5e4, group="Q1"),
                         E("R", "R1", ("2", "0"), value=4.7e3, edge=((0, 1), (1, 1)))]),
            "-GmQ1*RoQ1*R1/(RoQ1 + R1)"),
    "mos_rc": (_circ("cs", [E("R", "R1", ("1", "3"), value=1e3, edge=((0, 0), (0, 1))),
                            E("C", "CgsM1", ("3", "0"), value=1e-8, group="M1"),
                            E("G", "GmM1", ("2", "0"), ctrl=("3", "0"), value=0.01, group="M1", edge=((0, 1), (0, 2)),
                              ends=("3", "2")),
                            E("R", "RoM1", ("2", "0"), value=2e4, group="M1")]),
               "-GmM1*RoM1/(1 + s*R1*CgsM1)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_templates_give_textbook_labels_that_ngspice_confirms(case) -> None:
    c, textbook = CASES[case]
    label = _derive(lcapy_netlist(c), c.out)
    assert symbolic_equal(label, textbook)[0], (label, textbook)
    assert agrees(label, c) and not agrees(f"-({label})", c)     # ngspice (opamp gain 1e6) agrees


def test_current_controlled_sources_follow_spice_signs() -> None:
    h = _circ("h", [E("R", "R1", ("1", "2"), value=1e3), E("H", "H1", ("3", "0"), value=500.0),
                    E("R", "R2", ("3", "2"), value=2e3), E("R", "R3", ("2", "0"), value=3e3)], out="2")
    f = _circ("f", [E("R", "R1", ("1", "2"), value=1e3), E("F", "F1", ("2", "0"), value=2.0),
                    E("R", "R2", ("2", "0"), value=2e3)], out="2")
    for c in (h, f):
        label = _derive(lcapy_netlist(c), c.out)
        assert agrees(label, c) and not agrees(f"-({label})", c), label
    assert "Vin" in [a for comp in h.ir(symbolic=True).components for a in comp.args]


def test_generator_emits_every_template_kind() -> None:
    kinds = collections.Counter()
    for c in itertools.islice(iter_circuits(2), 300):
        kinds.update(e.group[0] if e.group else e.kind for e in c.elements)
    assert all(kinds[k] > 0 for k in "RCLVIEGHFUQM"), kinds


def test_design_items_accept_values_meeting_the_spec_only(tmp_path) -> None:
    c, _ = CASES["inverting"]
    label = _derive(lcapy_netlist(c), c.out)
    items = circuit_items(c, label)
    design = [it for it in items if it.data["kind"] == "design"]
    assert len(design) == 1 and design[0].categories["task"] == "Design"
    it, ad = design[0], CircuitSenseAdapter()
    assert it.data["target"] == pytest.approx(4.7, rel=1e-3)                # ngspice |H(1 kHz)|
    assert ad.score(it, it.label).correct
    assert ad.score(it, f"{float(it.label) * 1.0001:.8g}").correct          # within the spec
    assert not ad.score(it, f"{float(it.label) * 1.02:.6g}").correct
    assert not ad.score(it, "-1").correct and not ad.score(it, "no idea").correct
    assert design_item(_circ("flat", [E("R", "R1", ("1", "2"), value=1e3, edge=((0, 0), (0, 1)))]), "1",
                       "x") is None                                          # nothing to design


def test_schematic_and_image_prompts(tmp_path) -> None:
    c, _ = CASES["bjt"]
    svg = draw_circuit(c, tmp_path / "ce.svg")
    text = svg.read_text()
    assert text.lstrip().startswith("<svg") and "Q1" in text and "R1" in text and "RpiQ1" in text
    assert svg.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    label = _derive(lcapy_netlist(c), c.out)
    count = next(it for it in circuit_items(c, label, str(svg.with_suffix(".png"))) if it.data["kind"] == "counts")
    assert count.label["Q"] == 1 and count.label["R"] == 3 and count.label["G"] == 1
    parts = CircuitSenseAdapter(images=True).content(count)
    assert "attached schematic" in parts[0]["text"] and "GmQ1" not in parts[0]["text"]
    assert base64.b64decode(parts[1]["image_url"]["url"].split(",", 1)[1])[:4] == b"\x89PNG"
    assert isinstance(CircuitSenseAdapter().content(count), str)


def test_official_latex_answers_are_parsed() -> None:
    q142 = (r"\frac{C(s)}{R(s)} = \frac{(\frac{-10}{(s^2+2s+1)}) }{ (1 - \frac{50}{(s^2+2s+1).(s+2))}}")
    assert symbolic_equal("-10*(s + 2)/((s + 1)**2*(s + 2) - 50)", q142) == (True, "sympy-equal")
    assert not symbolic_equal("10*(s + 2)/((s + 1)**2*(s + 2) - 50)", q142)[0]
    assert symbolic_equal(r"\frac{1}{s C_{1} R_{1} + 1}", "1/(C1*R1*s + 1)")[0]
    assert not symbolic_equal("R2/(R1 + R2)", "R1/(R1 + R2)")[0]              # R1 is one symbol, not R*1
    assert sympy.sympify("R1") != sympy.sympify("R2")


def test_node_equations_are_checked_by_ngspice_and_scored_up_to_a_factor() -> None:
    from benchmarks.circuitsense.nodal import equation_equal, kcl_agrees, kcl_label
    c = GenCircuit("kcl", 1, (2, 3), [E("R", "R1", ("1", "2"), value=1e3), E("C", "C1", ("2", "0"), value=1e-7),
                                      E("G", "G1", ("3", "2"), ctrl=("1", "0"), value=2e-3),
                                      E("R", "R2", ("2", "3"), value=2e3), E("L", "L1", ("3", "0"), value=1e-2)],
                   out="3")
    lab2, lab3 = kcl_label(c, "2"), kcl_label(c, "3")
    assert kcl_agrees(c, "2", lab2) and kcl_agrees(c, "3", lab3)
    assert not kcl_agrees(c, "2", lab2.replace("= 0", "+ v2/R2 = 0"))               # an extra term
    assert not kcl_agrees(c, "3", lab3.replace("G1*v1", "-G1*v1"))                  # G's sign (SPICE)
    assert equation_equal("(v2 - v1)/R1 + s*C1*v2 + (v2 - v3)/R2 = G1*v1", lab2)[0]
    assert equation_equal("R2*(v2 - v1) + R1*R2*s*C1*v2 + R1*(v2 - v3) - R1*R2*G1*v1 = 0", lab2)[0]
    assert equation_equal("0.5*((v2 - v1)/R1 + s*C1*v2 + (v2 - v3)/R2 - G1*v1) = 0", lab2)[0]
    assert not equation_equal("(v2 - v1)/R1 + s*C1*v2 + (v2 - v3)/R2 + G1*v1 = 0", lab2)[0]   # sign
    assert not equation_equal("(v2 - v1)/R1 + s*C1*v2 = 0", lab2)[0]                           # a term missing
    assert not equation_equal("0 = 0", lab2)[0] and not equation_equal("v2", lab2)[0]
    assert kcl_label(c, "1") is None                                                 # the driven node
    ad = CircuitSenseAdapter()
    items = {it.data["kind"]: it for it in circuit_items(c, _derive(lcapy_netlist(c), c.out))}
    assert ad.score(items["equation"], items["equation"].label).correct
    assert items["equation"].data["node"] == "3"                                   # the output node first
