"""Node-equation (KCL) labels of generated circuits, checked against ngspice, and their scorer.

lcapy's nodal analysis does not take dependent sources, so the equation is stamped here: the sum of
the currents leaving a node through its R, L, C and G elements (independent sources off) equals 0,
in the node voltages v<node> (v0 = 0), s and the element symbols. A node is asked only when every
element on it is one of those (a voltage-type source would bring an unknown branch current).
Every label is checked by substituting ngspice's AC node voltages at the sample frequencies: the
residual must vanish relative to the largest current term.
"""
from __future__ import annotations

import random
import re

import numpy as np
import sympy

from benchmarks.circuitsense.labels import FREQS

REL_TOL = 1e-3
_KINDS = set("RLCGI")


def _v(node: str):
    return sympy.Integer(0) if node == "0" else sympy.Symbol(f"v{node}")


def kcl_terms(c, node: str) -> list[sympy.Expr] | None:
    """The currents leaving `node` (one term per element), or None when the node cannot be asked."""
    if node in ("0", c.inp):
        return None
    terms = []
    for e in c.elements:
        if node not in e.nodes:               # a G sensing this node injects no current here
            continue
        if e.kind not in _KINDS:
            return None
        a, b = e.nodes
        other = b if a == node else a
        x = sympy.Symbol(e.name)
        s = sympy.Symbol("s")
        vn, vo = _v(node), _v(other)
        if e.kind == "R":
            terms.append((vn - vo) / x)
        elif e.kind == "L":
            terms.append((vn - vo) / (s * x))
        elif e.kind == "C":
            terms.append(s * x * (vn - vo))
        elif e.kind == "G":               # SPICE: gm*V(ctrl) flows from n+ through the source to n-
            sign = 1 if a == node else -1
            terms.append(sign * x * (_v(e.ctrl[0]) - _v(e.ctrl[1])))
    return terms or None


def kcl_label(c, node: str) -> str | None:
    terms = kcl_terms(c, node)
    return None if terms is None else f"{sympy.Add(*terms)} = 0"


def ngspice_node_voltages(c, freqs=FREQS) -> dict[str, np.ndarray]:
    """Every node's AC voltage (Vin = 1) at `freqs`."""
    from eda.formats.spice import write_spice
    from eda.sim import simulate
    r = simulate(write_spice(c.ir(symbolic=False)) + ".options rshunt=1e12\n", ac="dec 1 100 100000")
    xs = np.real(r.ac.x)
    idx = [int(np.argmin(abs(xs - f))) for f in freqs]
    out = {}
    for name in r.ac.vectors:
        m = re.fullmatch(r"v\((.+)\)", name)
        if m:
            out[m.group(1)] = np.array([r.ac[name][i] for i in idx])
    return out


def kcl_agrees(c, node: str, label: str, volts: dict[str, np.ndarray] | None = None) -> bool:
    """Whether ngspice's node voltages satisfy the equation at every sample frequency."""
    volts = ngspice_node_voltages(c) if volts is None else volts
    terms = kcl_terms(c, node)
    expr = _side_difference(label)
    values = c.values()
    for k, f in enumerate(FREQS):
        subs = {sympy.Symbol("s"): 2j * np.pi * f, **{sympy.Symbol(n): v for n, v in values.items()}}
        subs.update({sympy.Symbol(f"v{n}"): complex(v[k]) for n, v in volts.items()})
        scale = max(abs(complex(t.subs(subs))) for t in terms)
        if not scale > 0 or abs(complex(expr.subs(subs))) > REL_TOL * scale:
            return False
    return True


def _side_difference(eq: str, names: set[str] | None = None) -> sympy.Expr:
    from benchmarks.circuitsense.score import parse_answer
    if eq.count("=") != 1:
        raise ValueError("not one equation (lhs = rhs)")
    lhs, rhs = eq.split("=")
    local = names or set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", eq)) - {"s"}
    return parse_answer(lhs, local) - parse_answer(rhs, local)


def equation_equal(answer: str, label: str, seed: int = 0) -> tuple[bool, str]:
    """(right, why): the answer is the label's equation times a non-zero factor free of node voltages."""
    from benchmarks.circuitsense.score import Unparsable
    want = _side_difference(label)
    names = {str(x) for x in want.free_symbols}
    try:
        got = _side_difference(str(answer), names)
    except (ValueError, Unparsable) as e:
        return False, str(e)
    extra = {str(x) for x in got.free_symbols} - names - {"s"}
    if extra:
        return False, f"unknown symbols: {', '.join(sorted(extra))}"
    volts = sorted((x for x in want.free_symbols if re.fullmatch(r"v\w+", str(x))), key=str)
    ratio = sympy.cancel(sympy.together(got / want))
    if ratio == 0:
        return False, "the answer is 0 = 0"
    if not (ratio.free_symbols & set(volts)):
        return True, "equal up to a non-zero factor"
    rng = random.Random(seed)                       # floats in the answer: the ratio at random points
    others = sorted((want.free_symbols | got.free_symbols) - set(volts), key=str)
    vals = {x: (complex(rng.uniform(.5, 3), rng.uniform(.5, 3)) if str(x) == "s" else rng.uniform(.5, 3))
            for x in others}
    ratios = []
    for _ in range(4):
        point = {**vals, **{v: rng.uniform(-2, 2) for v in volts}}
        d = complex(want.subs(point))
        if abs(d) < 1e-9:
            continue
        ratios.append(complex(got.subs(point)) / d)
    if len(ratios) >= 2 and abs(ratios[0]) > 1e-12 and all(abs(r - ratios[0]) <= 5e-3 * abs(ratios[0]) for r in ratios):
        return True, "proportional at random points"
    return False, "not the same equation"
