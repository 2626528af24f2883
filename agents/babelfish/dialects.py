"""Renderers for dialects no registered reader supports: PSpice, Qucs and a port-list text.

Used by the Babel Fish benchmark to turn real decks into inputs the deterministic readers do not
recognise (written without dot directives, as `.txt`). Each returns None for a circuit it
cannot express (a kind the dialect has no element for, subcircuit definitions).
"""
from __future__ import annotations

import random

from eda.formats.spice import format_component
from eda.ir import GROUND_NAMES, KIND_NAMES, Circuit, Component

RENDERERS_NOTE = "pspice, qucs and portlist renderings carry no dot directive and are saved as .txt"


def _flat(circuit: Circuit) -> list[Component] | None:
    if circuit.subcircuits:
        return None
    return circuit.components


def render_pspice(circuit: Circuit) -> str | None:
    """OrCAD-Capture-style element lines: R_R1 N1 N2 1k TC=0,0, X_U1 ... PART."""
    comps = _flat(circuit)
    if comps is None:
        return None
    out = [f"* source {(circuit.title or 'DESIGN').lstrip('* ').strip()[:40]}"]
    for c in comps:
        if c.kind not in "RCLVIDQMJEGX" or c.attrs.get("verbatim"):
            return None
        copy = Component(c.kind, f"{c.kind}_{c.name}", list(c.nets), c.pins, c.model, c.value,
                         dict(c.params), list(c.args))
        line = format_component(copy, "ngspice")
        out.append(line + (" TC=0,0" if c.kind in "RC" else ""))
    return "\n".join(out) + "\n"


def _q(v) -> str:
    return '"' + str(v).replace('"', "'") + '"'


def _qnet(n: str) -> str:
    return "gnd" if n.lower() in GROUND_NAMES else n


def render_qucs(circuit: Circuit) -> str | None:
    """qucsator netlist lines: TYPE:NAME nodes Prop="value"; ground is gnd; Qucs pin orders."""
    comps = _flat(circuit)
    if comps is None:
        return None
    out = ["# Qucs 24.2.0  " + (circuit.title or "design").lstrip("* ").strip()[:40]]
    for c in comps:
        n = [_qnet(x) for x in c.nets]
        val = c.value or ""
        polarity = "p" if (c.model or "").lower().startswith("p") else "n"
        if c.kind in "RCL" and len(n) == 2:
            out.append(f"{c.kind}:{c.name} {n[0]} {n[1]} {c.kind}={_q(val)}")
        elif c.kind in "VI" and len(n) == 2:
            typ, prop = ("Vdc", "U") if c.kind == "V" else ("Idc", "I")
            out.append(f"{typ}:{c.name} {n[0]} {n[1]} {prop}={_q(' '.join([val] + c.args).strip())}")
        elif c.kind == "D" and len(n) == 2:
            out.append(f"Diode:{c.name} {n[1]} {n[0]} Is=\"1e-15 A\" N=\"1\" Model={_q(c.model or '')}")
        elif c.kind == "Q" and len(n) in (3, 4):
            order = [n[1], n[0], n[2]] + n[3:]
            out.append(f"_BJT:{c.name} {' '.join(order)} Type=\"{polarity}pn\" Model={_q(c.model or '')}")
        elif c.kind == "M" and len(n) == 4:
            out.append(f"_MOSFET:{c.name} {n[1]} {n[0]} {n[2]} {n[3]} Type=\"{polarity}fet\" "
                       f"Model={_q(c.model or '')}")
        elif c.kind == "J" and len(n) == 3:
            out.append(f"JFET:{c.name} {n[1]} {n[0]} {n[2]} Type=\"{polarity}fet\"")
        elif c.kind in "EG" and len(n) == 4:
            typ = "VCVS" if c.kind == "E" else "VCCS"
            out.append(f"{typ}:{c.name} {n[2]} {n[0]} {n[1]} {n[3]} G={_q(val)}")
        elif c.kind == "X":
            out.append(f"Sub:{c.name} {' '.join(n)} Type={_q(c.model or '')}")
        else:
            return None
    return "\n".join(out) + "\n"


PIN_WORDS = {"R": "resistor", "C": "capacitor", "L": "inductor", "V": "vsource", "I": "isource",
             "D": "diode", "Q": "bjt", "M": "mosfet", "J": "jfet", "E": "vcvs", "G": "vccs",
             "F": "cccs", "H": "ccvs", "B": "behavioral", "X": "instance"}


def render_portlist(circuit: Circuit, seed: int = 0) -> str | None:
    """NAME KINDWORD pin=net ... value="..." model=...: pins named, in a shuffled order."""
    comps = _flat(circuit)
    if comps is None:
        return None
    out = ["# port list: NAME KIND pin=net ... value= model="]
    for c in comps:
        if c.kind not in PIN_WORDS:
            return None
        pins = list(zip(c.pins, c.nets)) if c.kind != "X" else [(str(i + 1), n) for i, n in enumerate(c.nets)]
        random.Random(f"{seed}:{c.name}").shuffle(pins)
        parts = [c.name, PIN_WORDS.get(c.kind, KIND_NAMES[c.kind])] + [f"{p}={n}" for p, n in pins]
        val = " ".join(x for x in [c.value or ""] + c.args if x)
        if val:
            parts.append(f"value={_q(val)}" if " " in val else f"value={val}")
        if c.model:
            parts.append(f"model={c.model}")
        out.append(" ".join(parts))
    return "\n".join(out) + "\n"


RENDERERS = {"pspice": render_pspice, "qucs": render_qucs, "portlist": render_portlist}
