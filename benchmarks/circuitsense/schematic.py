"""A drawn schematic (SVG, and PNG through cairosvg) of a generated grid circuit, for perception questions.

The drawing follows the generator's grid: grid point (row, col) at x = 3*col, y = -3*row; every
element sits on its grid edge with its name, shorts are wires, the bottom row is the ground rail,
`Vin` stands left of node 1, and each net is labelled once with its SPICE name (the output node
marked "out"); voltage sources show + at SPICE's first node, current sources point from
the first node to the second (SPICE's positive current); an opamp or transistor-model template is
a box named after it on its grid edge, its parts and their nodes listed under the drawing. Drawn with schemdraw's own SVG backend (no matplotlib figure, thread-safe enough
for one drawing at a time per process).
"""
from __future__ import annotations

import threading
from pathlib import Path

from eda.fileio import atomic_write

STEP = 3.0
_lock = threading.Lock()


def _xy(p) -> tuple[float, float]:
    r, c = p
    return (STEP * c, -STEP * r)


def _element(kind: str):
    import schemdraw.elements as elm
    return {"R": elm.Resistor, "C": elm.Capacitor, "L": elm.Inductor2, "V": elm.SourceV, "I": elm.SourceI,
            "E": elm.SourceControlledV, "H": elm.SourceControlledV, "G": elm.SourceControlledI,
            "F": elm.SourceControlledI}.get(kind, elm.Resistor)


def _label(e) -> str:
    if e.kind in "EG" and e.ctrl:
        return f"{e.name}·V({e.ctrl[0]},{e.ctrl[1]})"
    if e.kind in "HF":
        return f"{e.name}·I(Vin)"
    return e.name


def schematic_svg(c) -> str:
    """The SVG text of circuit `c` (a `generate.GenCircuit`)."""
    import schemdraw
    import schemdraw.elements as elm
    rows, cols = c.grid
    ground_y = -STEP * (rows - 1)
    with _lock:
        schemdraw.use("svg")
        d = schemdraw.Drawing(show=False)
        d.config(fontsize=11, unit=STEP)
        d += elm.Line().endpoints((-STEP, ground_y), (STEP * (cols - 1), ground_y))      # ground rail
        d += elm.Ground().at((STEP * (cols - 1) / 2, ground_y))
        d += elm.SourceV().endpoints((-STEP, ground_y), (-STEP, 0.0)).label("Vin", loc="bottom")
        d += elm.Line().endpoints((-STEP, 0.0), (0.0, 0.0))
        for a, b in c.wires:
            d += elm.Line().endpoints(_xy(a), _xy(b))
        labelled = {"0"}
        for e in c.elements:
            if e.edge is None:
                continue
            a, b = e.edge
            if e.group:                        # a template: a box from input to output, parts in the legend
                d += elm.RBox().endpoints(_xy(a), _xy(b)).label(e.group, fontsize=10)
            else:
                if e.kind in "VEH":            # schemdraw puts + at the end; SPICE's n+ is the first node
                    a, b = b, a
                d += _element(e.kind)().endpoints(_xy(a), _xy(b)).label(_label(e), fontsize=10)
            for p, net in zip(e.edge, e.ends or e.nodes):
                if net not in labelled:
                    labelled.add(net)
                    tag = f"{net} (out)" if net == c.out else net
                    d += elm.Dot().at(_xy(p)).label(tag, loc="top", color="#b22222", fontsize=10)
        legend = _legend(c)
        for i, line in enumerate(legend):
            d += elm.Label().at((-STEP, ground_y - 1.2 - 0.6 * i)).label(line, loc="right", halign="left",
                                                                        fontsize=10)
        return d.get_imagedata("svg").decode()


def _legend(c) -> list[str]:
    """One line per template (opamp, transistor model): its parts and their nodes."""
    kinds = {"U": "ideal opamp", "Q": "small-signal BJT", "M": "small-signal MOSFET"}
    lines = []
    for g in dict.fromkeys(e.group for e in c.elements if e.group):
        parts = []
        for e in (x for x in c.elements if x.group == g):
            where = f"{e.nodes[0]}-{e.nodes[1]}"
            if e.kind == "U":
                parts.append(f"{e.name}: out {e.nodes[0]}, + {e.ctrl[0]}, - {e.ctrl[1]}")
            elif e.kind == "G":
                parts.append(f"{e.name} {where} ·V({e.ctrl[0]},{e.ctrl[1]})")
            else:
                parts.append(f"{e.name} {where}")
        lines.append(f"{g} ({kinds[g[0]]}): " + "; ".join(parts))
    return lines


def draw_circuit(c, svg_path: Path, png: bool = True) -> Path:
    """Write the schematic SVG (and the PNG beside it when `png`); return the SVG path."""
    svg = schematic_svg(c)
    svg_path = Path(svg_path)
    atomic_write(svg_path, svg)
    if png:
        import cairosvg
        tmp = svg_path.with_suffix(".tmp.png")
        cairosvg.svg2png(bytestring=svg.encode(), write_to=str(tmp), output_width=900, background_color="white")
        tmp.replace(svg_path.with_suffix(".png"))
    return svg_path
