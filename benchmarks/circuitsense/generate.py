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

#: (kind, weight) of a grid edge.
EDGE_KINDS = [("short", 0.10), ("open", 0.20), ("R", 0.30), ("C", 0.13), ("L", 0.10),
              ("V", 0.04), ("I", 0.04), ("E", 0.045), ("G", 0.045)]
#: grid (rows, columns) per difficulty level.
LEVELS = {1: (2, 3), 2: (2, 4), 3: (3, 3)}
#: log-uniform sample ranges of the numeric values.
RANGES = {"R": (100.0, 10e3), "C": (1e-9, 1e-6), "L": (1e-4, 1e-2), "E": (0.5, 5.0), "G": (1e-3, 1e-2)}


@dataclass
class Element:
    kind: str
    name: str
    nodes: tuple[str, str]
    ctrl: tuple[str, str] | None = None
    value: float = 0.0
    edge: tuple | None = None          # the grid edge ((row, col), (row, col)) it sits on (drawing)


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
        c = {"R": 0, "C": 0, "L": 0, "V": 1, "I": 0, "E": 0, "G": 0}
        for e in self.elements:
            c[e.kind] += 1
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
            if symbolic:
                val = e.name
            elif e.kind in "VI":
                val = f"{(dc or {}).get(e.name, 0.0):.6g}"   # off in a transfer function
            else:
                val = f"{e.value:.6g}"
            c.add(Component(e.kind, e.name, nets, value=val))
        return c

    def values(self) -> dict[str, float]:
        return {e.name: e.value for e in self.elements if e.kind not in "VI"}


def _draw(rng: random.Random, kind: str) -> float:
    lo, hi = RANGES[kind]
    return float(f"{math.exp(rng.uniform(math.log(lo), math.log(hi))):.3g}")


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
        elements.append(Element(k, f"{k}{count[k]}", (na, nb), edge=(a, b)))
    nets = sorted({n for e in elements for n in e.nodes} - {"0", "1"})
    if not nets:
        return None
    pairs = [e.nodes for e in elements if e.kind in "RLC"] + [("1", "0")]
    for e in elements:
        if e.kind in "EG":
            e.ctrl = rng.choice(pairs)
        if e.kind not in "VI":
            e.value = _draw(rng, e.kind)
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
