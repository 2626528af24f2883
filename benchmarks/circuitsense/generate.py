"""A seeded generator of linear circuits on an m x n node grid, written as SPICE through the IR.

The bottom row of the grid is merged into ground; every other grid edge is a weighted choice
among a short (the two nodes merge), an open, R, L, C, independent V/I sources and voltage-
controlled sources (E, G) whose control pair is another edge's nodes. The input source `Vin`
drives grid node (0, 0); the output is another node chosen at random. Element values are
symbols named after the elements (R1, C2, ...) for the question, numbers for the simulation.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from eda.ir.circuit import Circuit, Component
from eda.unionfind import UnionFind

#: (kind, weight) of a grid edge. H/F: current-controlled sources sensing I(Vin); U: an ideal-opamp
#: template (follower, non-inverting or inverting amplifier, output to ground); Q/M: small-signal
#: BJT (r_pi, g_m, r_o) / MOSFET (C_gs, g_m, r_o) models, base/gate at the edge's first node,
#: collector/drain at its second, emitter/source at ground.
EDGE_KINDS = [("short", 0.10), ("open", 0.20), ("R", 0.30), ("C", 0.13), ("L", 0.10),
              ("V", 0.04), ("I", 0.04), ("E", 0.04), ("G", 0.04), ("H", 0.02), ("F", 0.02),
              ("U", 0.04), ("Q", 0.025), ("M", 0.025)]
#: an ideal opamp is a VCVS of gain Ad; labels take the limit Ad -> oo, ngspice simulates this gain.
OPAMP_GAIN = 1e6
#: grid (rows, columns) per difficulty level.
LEVELS = {1: (2, 3), 2: (2, 4), 3: (3, 3)}
#: log-uniform sample ranges of the numeric values.
RANGES = {"R": (100.0, 10e3), "C": (1e-9, 1e-6), "L": (1e-4, 1e-2), "E": (0.5, 5.0), "G": (1e-3, 1e-2),
          "H": (100.0, 10e3), "F": (0.5, 5.0), "Rpi": (1e3, 10e3), "gm": (1e-3, 5e-2), "ro": (1e4, 1e5),
          "Cgs": (1e-10, 1e-8)}


@dataclass
class Element:
    kind: str
    name: str
    nodes: tuple[str, str]
    ctrl: tuple[str, str] | None = None
    value: float = 0.0
    edge: tuple | None = None          # the grid edge ((row, col), (row, col)) it sits on (drawing)
    group: str | None = None           # the template it belongs to (U1, Q1, M1), if any
    vkey: str | None = None            # its value range in RANGES (default: its kind)
    ends: tuple | None = None          # the nets at the ends of its grid edge, when not its own nodes


@dataclass
class GenCircuit:
    """A generated circuit: its elements, the input and output nets, the level and the seed."""
    id: str
    level: int
    grid: tuple[int, int]
    elements: list[Element]
    out: str
    inp: str = "1"
    notes: list[str] = field(default_factory=list)
    wires: list = field(default_factory=list)   # grid edges that are shorts (drawn as wires)

    def counts(self) -> dict[str, int]:
        """Perception label: number of elements of each kind, the input source included."""
        c = {"R": 0, "C": 0, "L": 0, "V": 1, "I": 0, "E": 0, "G": 0, "H": 0, "F": 0, "U": 0, "Q": 0, "M": 0}
        for e in self.elements:
            c[e.kind] += 1
        for g in {e.group for e in self.elements if e.group and e.group[0] in "QM"}:
            c[g[0]] += 1
        return c

    def ir(self, symbolic: bool, dc: dict[str, float] | None = None) -> Circuit:
        """The circuit in the IR: symbolic values (for questions and lcapy) or numbers (for ngspice).

        `dc` gives DC values of the independent sources (Vin included) for operating-point
        questions; without it they are off and Vin is the AC input (a transfer function).
        """
        c = Circuit(title=f"circuitsense {self.id}")
        vin_dc = f"{(dc or {}).get('Vin', 0.0):.6g}"
        c.add(Component("V", "Vin", [self.inp, "0"], value=None,
                        args=[] if symbolic else ["dc", vin_dc, "ac", "1"]))
        for e in self.elements:
            nets = list(e.nodes) + (list(e.ctrl) if e.ctrl else [])
            if e.kind == "U":                   # ideal opamp: VCVS of gain Ad (symbolic) / OPAMP_GAIN
                c.add(Component("E", e.name, nets, value="Ad" if symbolic else f"{OPAMP_GAIN:g}"))
                continue
            if e.kind in "HF":                  # current-controlled: the current through Vin
                c.add(Component(e.kind, e.name, nets, value=None,
                                args=["Vin", e.name if symbolic else f"{e.value:.6g}"]))
                continue
            if symbolic:
                val = e.name
            elif e.kind in "VI":
                val = f"{(dc or {}).get(e.name, 0.0):.6g}"   # off in a transfer function
            else:
                val = f"{e.value:.6g}"
            c.add(Component(e.kind, e.name, nets, value=val))
        return c

    def values(self) -> dict[str, float]:
        return {e.name: e.value for e in self.elements if e.kind not in "VIU"}


def _draw(rng: random.Random, kind: str) -> float:
    lo, hi = RANGES[kind]
    return float(f"{math.exp(rng.uniform(math.log(lo), math.log(hi))):.3g}")


def _template(rng: random.Random, kind: str, name: str, a: str, b: str, edge, fresh) -> list[Element] | None:
    """The elements of an opamp (U) or small-signal transistor (Q, M) template on nodes a -> b."""
    if "0" in (a, b) or (kind == "U" and b == "1"):
        return None                            # no output to drive / an opamp fighting Vin
    if kind == "U":
        variant = rng.choice(("follower", "noninverting", "inverting"))
        if variant == "follower":
            return [Element("U", f"E{name}", (b, "0"), ctrl=(a, b), edge=edge, ends=(a, b), group=name)]
        m = fresh()
        if variant == "noninverting":
            return [Element("U", f"E{name}", (b, "0"), ctrl=(a, m), edge=edge, ends=(a, b), group=name),
                    Element("R", f"Rf{name}", (b, m), group=name, vkey="R"),
                    Element("R", f"Rg{name}", (m, "0"), group=name, vkey="R")]
        return [Element("U", f"E{name}", (b, "0"), ctrl=("0", m), edge=edge, ends=(a, b), group=name),
                Element("R", f"Ri{name}", (a, m), group=name, vkey="R"),
                Element("R", f"Rf{name}", (m, b), group=name, vkey="R")]
    first = (Element("R", f"Rpi{name}", (a, "0"), group=name, vkey="Rpi") if kind == "Q"
             else Element("C", f"Cgs{name}", (a, "0"), group=name, vkey="Cgs"))
    return [first, Element("G", f"Gm{name}", (b, "0"), ctrl=(a, "0"), edge=edge, ends=(a, b), group=name, vkey="gm"),
            Element("R", f"Ro{name}", (b, "0"), group=name, vkey="ro")]


def _candidate(rng: random.Random, level: int, ident: str) -> GenCircuit | None:
    rows, cols = LEVELS[level]
    uf: UnionFind = UnionFind()
    ground = (rows - 1, 0)
    for c in range(cols):                      # the bottom row is one merged ground node
        uf.union(ground, (rows - 1, c))
    edges = [((r, c), (r, c + 1)) for r in range(rows - 1) for c in range(cols - 1)]
    edges += [((r, c), (r + 1, c)) for r in range(rows - 1) for c in range(cols)]
    kinds, weights = zip(*EDGE_KINDS)
    raw, wires = [], []
    for a, b in edges:
        k = rng.choices(kinds, weights)[0]
        if k == "short":
            uf.union(a, b)
            wires.append((a, b))
        elif k != "open":
            raw.append((k, a, b))
    names: dict = {uf.find(ground): "0"}
    names.setdefault(uf.find((0, 0)), "1")

    def net(p) -> str:
        root = uf.find(p)
        if root not in names:
            names[root] = str(len(names))
        return names[root]

    def fresh() -> str:                        # an internal node of a template
        key = ("internal", len(names))
        names[key] = str(len(names))
        return names[key]

    if net((0, 0)) == "0":
        return None
    elements, count = [], {}
    for k, a, b in raw:
        na, nb = net(a), net(b)
        if na == nb:
            if k == "V":
                return None                    # a shorted voltage source: no solution
            continue                           # a shorted element carries nothing: left out
        count[k] = count.get(k, 0) + 1
        name = f"{k}{count[k]}"
        if k in "UQM":
            parts = _template(rng, k, name, na, nb, (a, b), fresh)
            if parts is None:
                count[k] -= 1
                continue
            elements += parts
            continue
        elements.append(Element(k, name, (na, nb), edge=(a, b)))
    nets = sorted({n for e in elements for n in e.nodes} - {"0", "1"})
    if not nets:
        return None
    pairs = [e.nodes for e in elements if e.kind in "RLC"] + [("1", "0")]
    for e in elements:
        if e.kind in "EG" and e.ctrl is None:
            e.ctrl = rng.choice(pairs)
        if e.kind not in "VIU":
            e.value = _draw(rng, e.vkey or e.kind)
    return GenCircuit(ident, level, (rows, cols), elements, out=rng.choice(nets), wires=wires)


def iter_circuits(seed: int, levels: tuple[int, ...] = (1, 2, 3)):
    """Structurally valid candidates without end (levels in turn), reproducible from `seed`."""
    rng = random.Random(seed)
    i = 0
    while True:
        level = levels[i % len(levels)]
        cand = _candidate(rng, level, f"gen-s{seed}-{i:04d}-L{level}")
        if cand is not None:
            i += 1
            yield cand


def generate_circuits(n: int, seed: int, levels: tuple[int, ...] = (1, 2, 3)) -> list[GenCircuit]:
    """`n` structurally valid candidates (levels in turn), reproducible from `seed`.

    Whether a candidate gets a label (a non-zero transfer function that ngspice agrees with)
    is decided by `labels.label_circuits`.
    """
    import itertools
    return list(itertools.islice(iter_circuits(seed, levels), n))
