"""Schematic placement and routing for a Design: overlap-free, grid-snapped, orthogonal wires.

Units are grid units (0.1 tscircuit unit, 10 SVG px), y down. The steps:

1. Symbols: drawn ones for passives/LEDs/transistors, labelled boxes for modules (symbols.py).
2. Nets are classed ground / power / signal (names and KB pin types). Ground and supply rails
   and nets with many pins are drawn as net labels at each pin, not wires.
3. Constructive start: the most connected part (the MCU) in the middle; every cluster of parts
   wired to it goes in columns on the side of the hub pins it uses (sides balanced), by depth
   from the hub, each part level with the pins it joins; pull-ups and similar two-pin parts on
   a shared hub net take the column next to the hub; parts wired only through rails are
   shelf-packed below.
4. Orientation and pin sides: rotatable parts (mirrored too for three-terminal ones) point their
   pins at their partners, ground pins down, supply pins up; boxes put each signal pin on the
   side facing its partners, ordered by the partners' height (few crossings).
5. Force-directed refinement (numpy): springs pull each wired pin toward its net's centroid
   while overlapping footprints (parts, their text and net labels) push apart.
6. Legalisation: snap to the integer grid (pins sit on grid points), push remaining overlaps
   apart in whole grid steps (monotone, so it ends; shelf packing as a last resort), then
   straighten two-pin wires whose ends are a few steps off line.
7. Routing: weighted A* on the grid per net, growing a tree from pin to pin; no wire through a
   part, text or label, no two nets on one grid edge, no touching, crossings only at right
   angles and costed. A few net orders are tried (`seed` shuffles one). A net that cannot be
   routed cleanly becomes net labels and the placement is redone with room for them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .design import Design, split_pin
from .symbols import FONT, Symbol, box_symbol, pin_role, symbol_for, text_width

__all__ = ["PlacedPart", "NetLabel", "Trace", "Layout", "place", "layout_quality", "part_info",
           "net_kind"]

UNIT = 0.1            # tscircuit schematic units per grid unit
MARGIN = 3            # free grid units kept between part footprints
FANOUT = 5            # nets with this many pins or more are drawn as labels
LONG = 70             # a wired net whose spanning tree is longer than this becomes labels
FORCE_ITERS = 30      # force refinement steps after the constructive start
HARD = 1000.0         # routing cost of a forbidden move
Rect = tuple[float, float, float, float]

_GROUND_NET = re.compile(r"^(a|d|p|sig)?gnd\w*$|^vss\w*$|^ground$|^0$|^com(mon)?_?gnd$", re.I)
_POWER_NET = re.compile(r"(^|[_\-+])(\d+(\.\d+)?v\d*|3v3|vcc|vdd|vin|vbat|vbus|vmot|vsys|vs|pwr|"
                        r"power|rail|supply|v\+|bat\+|12v|5v)($|[_\-])|^\+\w+$", re.I)


# ---------------------------------------------------------------- library access

def part_info(lib, part_id: str, used: list[str] | None = None) -> tuple[list[str], dict[str, str], str]:
    """(unique pin names, pin -> KB electrical type, display name) of a library part.

    Works with any library object whose ``get(id)`` returns a part with ``pins`` (objects with
    ``name``/``type`` or plain names), optional ``unique_pins`` and ``name``; an unknown id (or
    no library) gives just the pins the design uses, so drawing never fails on a bad part.
    """
    kp = None
    if lib is not None:
        try:
            kp = lib.get(part_id)
        except Exception:  # unknown id: the validator reports it; the drawing still shows it
            kp = None
    names: list[str] = []
    types: dict[str, str] = {}
    title = part_id
    if kp is not None:
        for p in getattr(kp, "pins", []) or []:
            n = getattr(p, "name", p)
            n = str(n)
            if n not in names:
                names.append(n)
            t = getattr(p, "type", None)
            if t and n not in types:
                types[n] = str(t)
        up = getattr(kp, "unique_pins", None)
        if up:
            names = [str(n) for n in up] + [n for n in names if n not in up]
        title = str(getattr(kp, "name", "") or part_id)
    for n in used or []:
        if n not in names:
            names.append(n)
    return names, types, title


def net_kind(name: str, roles: list[str]) -> str:
    """'ground', 'power' or 'signal' for a net, from its name and its pins' roles."""
    if _GROUND_NET.match(name):
        return "ground"
    if _POWER_NET.search(name):
        return "power"
    if roles and all(r == "ground" for r in roles):
        return "ground"
    if len(roles) >= 2 and all(r == "power" for r in roles):
        return "power"
    return "signal"


# ---------------------------------------------------------------- layout objects

@dataclass
class PlacedPart:
    """A part's symbol at grid position (x, y) (the symbol's origin) with its text label."""

    ref: str
    part: str
    symbol: Symbol
    x: float = 0.0
    y: float = 0.0
    text: list[str] = field(default_factory=list)   # ref/value lines beside drawn symbols
    text_pos: tuple[float, float, str] = (0.0, 0.0, "middle")  # local x, first baseline y, anchor

    @property
    def rotation(self) -> int:
        return self.symbol.rotation

    def body_rect(self) -> Rect:
        b = self.symbol.body
        return (self.x + b[0], self.y + b[1], self.x + b[2], self.y + b[3])

    def text_rect(self) -> Rect | None:
        if not self.text:
            return None
        tx, ty, anchor = self.text_pos
        w = max(text_width(t, FONT) for t in self.text)
        x0 = tx - w / 2 if anchor == "middle" else (tx - w if anchor == "end" else tx)
        return (self.x + x0, self.y + ty - FONT, self.x + x0 + w, self.y + ty + 1.6 * (len(self.text) - 1) + 0.4)

    def rect(self) -> Rect:
        """Footprint: symbol plus its text label (what must not overlap another part)."""
        r = self.body_rect()
        t = self.text_rect()
        return _union(r, t) if t else r

    @property
    def w(self) -> float:
        r = self.rect()
        return r[2] - r[0]

    @property
    def h(self) -> float:
        r = self.rect()
        return r[3] - r[1]

    def pin_xy(self, name: str) -> tuple[float, float]:
        p = self.symbol.pins[name]
        return (self.x + p.x, self.y + p.y)


@dataclass
class NetLabel:
    """A net drawn as a label at one pin: ground symbol, supply flag or named tag."""

    net: str
    pin: str           # REF:PIN it hangs on
    x: float           # pin tip (anchor) in grid units
    y: float
    facing: str        # direction the label extends from the pin
    kind: str          # ground / power / signal
    text: str
    rect: Rect = (0, 0, 0, 0)


@dataclass
class Trace:
    """One routed wire: an orthogonal polyline joining two pins of a net."""

    net: str
    pins: tuple[str, str | None]   # second pin None when the wire ends on the net's other wire
    points: list[tuple[float, float]]

    def segments(self) -> list[tuple[float, float, float, float]]:
        return [(a[0], a[1], b[0], b[1]) for a, b in zip(self.points, self.points[1:])]


@dataclass
class Layout:
    """Placed parts, absolute pin positions (x, y, facing), routed traces and net labels."""

    parts: dict[str, PlacedPart]
    pins: dict[str, tuple[float, float, str]]
    traces: list[Trace]
    labels: list[NetLabel]
    net_kinds: dict[str, str]
    labelled_nets: set[str]
    unit: float = UNIT

    def bounds(self) -> Rect:
        rects = [p.rect() for p in self.parts.values()] + [lb.rect for lb in self.labels]
        pts = [pt for t in self.traces for pt in t.points]
        if pts:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            rects.append((min(xs), min(ys), max(xs), max(ys)))
        if not rects:
            return (0, 0, 10, 10)
        return (min(r[0] for r in rects), min(r[1] for r in rects),
                max(r[2] for r in rects), max(r[3] for r in rects))


# ---------------------------------------------------------------- geometry helpers

def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _overlap(a: Rect, b: Rect, pad: float = 0.0) -> bool:
    return (a[0] - pad < b[2] and b[0] - pad < a[2] and a[1] - pad < b[3] and b[1] - pad < a[3])


def _seg_hits_rect(s, r: Rect, eps: float = 0.01) -> bool:
    """An axis-aligned segment passes through the open interior of a rectangle."""
    x1, y1, x2, y2 = s
    if y1 == y2:
        return r[1] + eps < y1 < r[3] - eps and max(min(x1, x2), r[0] + eps) < min(max(x1, x2), r[2] - eps)
    return r[0] + eps < x1 < r[2] - eps and max(min(y1, y2), r[1] + eps) < min(max(y1, y2), r[3] - eps)


def _on_seg(px: float, py: float, s) -> bool:
    x1, y1, x2, y2 = s
    return (min(x1, x2) - 1e-6 <= px <= max(x1, x2) + 1e-6 and
            min(y1, y2) - 1e-6 <= py <= max(y1, y2) + 1e-6 and
            (abs(x1 - x2) < 1e-9 or abs(y1 - y2) < 1e-9) and
            (abs(px - x1) < 1e-6 if x1 == x2 else abs(py - y1) < 1e-6))


def _seg_relation(a, b) -> str:
    """'none', 'cross' (proper crossing), 'touch' (an end on the other: looks joined) or
    'overlap' (collinear with shared length) for two axis-aligned segments."""
    ah, bh = a[1] == a[3], b[1] == b[3]
    if ah == bh:
        if ah and a[1] == b[1]:
            lo, hi = max(min(a[0], a[2]), min(b[0], b[2])), min(max(a[0], a[2]), max(b[0], b[2]))
        elif not ah and a[0] == b[0]:
            lo, hi = max(min(a[1], a[3]), min(b[1], b[3])), min(max(a[1], a[3]), max(b[1], b[3]))
        else:
            return "none"
        if hi - lo > 1e-6:
            return "overlap"
        return "touch" if hi - lo > -1e-6 else "none"
    h, v = (a, b) if ah else (b, a)
    x, y = v[0], h[1]
    in_h = min(h[0], h[2]) - 1e-6 <= x <= max(h[0], h[2]) + 1e-6
    in_v = min(v[1], v[3]) - 1e-6 <= y <= max(v[1], v[3]) + 1e-6
    if not (in_h and in_v):
        return "none"
    end_h = abs(x - h[0]) < 1e-6 or abs(x - h[2]) < 1e-6
    end_v = abs(y - v[1]) < 1e-6 or abs(y - v[3]) < 1e-6
    return "touch" if (end_h or end_v) else "cross"


_DIR = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def label_geometry(kind: str, text: str, x: float, y: float, facing: str) -> Rect:
    """The rectangle a net label at pin tip (x, y) occupies (drawn the same way in draw.py)."""
    dx, dy = _DIR[facing]
    if kind == "ground":
        if facing == "up":
            return (x - 1.4, y - 3.4, x + 1.4, y)
        ax, ay = x + 1.5 * dx, y + 1.5 * dy if facing == "down" else y
        if facing == "down":
            return (x - 1.4, y, x + 1.4, y + 3.4)
        return (min(x, ax) - (1.4 if dx < 0 else 0), y - 0.2, max(x, ax) + (1.4 if dx > 0 else 0), y + 2.4)
    w = text_width(text, FONT) + (1.6 if kind == "signal" else 0.6)
    lead = 1.0
    if facing in ("up", "down"):
        if kind == "power":
            h = 1.0 + FONT + 0.8
        else:
            h = lead + FONT + 1.0
        y0, y1 = (y - h, y) if facing == "up" else (y, y + h)
        return (x - max(w, 2.4) / 2, y0, x + max(w, 2.4) / 2, y1)
    total = lead + w + (0.6 if kind == "power" else 0.8)
    x0, x1 = (x - total, x) if facing == "left" else (x, x + total)
    return (x0, y - 1.1, x1, y + 1.1)


# ---------------------------------------------------------------- the placer

class _Placer:
    def __init__(self, design: Design, lib, seed: int):
        self.design, self.lib, self.seed = design, lib, seed
        self.refs: list[str] = []
        self.parts: dict[str, PlacedPart] = {}
        used: dict[str, list[str]] = {}
        for n in design.nets:
            for p in n.pins:
                try:
                    r, name = split_pin(p)
                except ValueError:
                    continue
                used.setdefault(r, [])
                if name not in used[r]:
                    used[r].append(name)
        self.types: dict[str, dict[str, str]] = {}
        self.titles: dict[str, list[str]] = {}
        self.pinnames: dict[str, list[str]] = {}
        self.base: dict[str, Symbol] = {}       # unrotated symbols
        self.hub: str | None = None
        for p in design.parts:
            if p.ref in self.parts:
                continue
            names, types, title = part_info(lib, p.part, used.get(p.ref))
            if not names:
                names = ["1"]
            self.refs.append(p.ref)
            self.types[p.ref] = types
            self.pinnames[p.ref] = names
            short = title if len(title) <= 24 else title[:23] + "…"
            self.titles[p.ref] = [p.ref, short] if short.lower() != p.ref.lower() else [p.ref]
            roles = {n: pin_role(n, types.get(n)) for n in names}
            sym = symbol_for(p.part, names, self.titles[p.ref], roles)
            pp = PlacedPart(p.ref, p.part, sym)
            if not sym.is_box:
                pp.text = [p.ref] + ([_pretty_value(p.part, p.value)] if p.value else [])
            self.parts[p.ref] = pp
            self.base[p.ref] = sym
            self._place_text(pp)
        # nets: keep only pins of known parts; merge duplicate names
        self.nets: dict[str, list[str]] = {}
        for n in design.nets:
            pins = self.nets.setdefault(n.name, [])
            for p in n.pins:
                try:
                    r, name = split_pin(p)
                except ValueError:
                    continue
                if r in self.parts and name in self.parts[r].symbol.pins and p not in pins:
                    pins.append(p)
        self.kinds: dict[str, str] = {}
        for name, pins in self.nets.items():
            roles = []
            for p in pins:
                r, pn = split_pin(p)
                if self.types[r].get(pn):
                    roles.append(pin_role(pn, self.types[r][pn]))
            self.kinds[name] = net_kind(name, roles)
        self.labelled: set[str] = {n for n, k in self.kinds.items() if k != "signal"}
        self.labelled |= {n for n, pins in self.nets.items() if len(pins) >= FANOUT}
        self.pin_net: dict[str, str] = {p: n for n, pins in self.nets.items() for p in pins}
        self.rng = np.random.default_rng(seed)

    # -- text label beside a drawn symbol: on a side no pin points to
    def _place_text(self, pp: PlacedPart) -> None:
        if not pp.text:
            return
        sym = pp.symbol
        facings = {p.facing for p in sym.pins.values()}
        b = sym.body
        w = max(text_width(t, FONT) for t in pp.text)
        n = len(pp.text)
        if "up" not in facings and sym.rotation in (0, 180):
            pp.text_pos = ((b[0] + b[2]) / 2, b[1] - 0.5 - 1.6 * (n - 1), "middle")
        elif "right" not in facings:
            pp.text_pos = (b[2] + 0.8, (b[1] + b[3]) / 2 + FONT / 2 - 0.8 * (n - 1), "start")
        elif "left" not in facings:
            pp.text_pos = (b[0] - 0.8, (b[1] + b[3]) / 2 + FONT / 2 - 0.8 * (n - 1), "end")
        elif "down" not in facings:
            pp.text_pos = ((b[0] + b[2]) / 2, b[3] + FONT + 0.4, "middle")
        else:
            pp.text_pos = (b[2] + 0.8 + w / 2, b[1] - 0.5, "middle")

    # -- footprint including the net labels hanging on its pins
    def footprint(self, ref: str) -> Rect:
        pp = self.parts[ref]
        r = pp.rect()
        for name, pin in pp.symbol.pins.items():
            net = self.pin_net.get(f"{ref}:{name}")
            if net in self.labelled:
                r = _union(r, label_geometry(self.kinds[net], net, pp.x + pin.x, pp.y + pin.y, pin.facing))
        return r

    def arrange(self, force_iters: int | None = None) -> None:
        """Constructive start, orientation and box sides, force refinement, legal grid."""
        force_iters = FORCE_ITERS if force_iters is None else force_iters
        self.constructive()
        self.orient()
        self.arrange_boxes()
        self.constructive(keep_hub=True)
        self.orient()
        if force_iters:
            self.simulate(force_iters, hot=0.08)
        self.legalize()
        self.straighten()

    def straighten(self, passes: int = 3) -> None:
        """Remove small jogs: a part joined to another by a two-pin wire whose pins face each
        other a few grid steps off line is moved onto the line when that overlaps nothing."""
        deg = {r: 0 for r in self.refs}
        for n, pins in self.nets.items():
            if n not in self.labelled:
                for p in pins:
                    deg[split_pin(p)[0]] += 1
        for _ in range(passes):
            moved = False
            for n, pins in self.nets.items():
                if n in self.labelled or len(pins) != 2:
                    continue
                (ra, na), (rb, nb) = split_pin(pins[0]), split_pin(pins[1])
                if ra == rb:
                    continue
                pa, pb = self.parts[ra], self.parts[rb]
                fa, fb = pa.symbol.pins[na].facing, pb.symbol.pins[nb].facing
                (ax, ay), (bx, by) = pa.pin_xy(na), pb.pin_xy(nb)
                if {fa, fb} == {"left", "right"} and 0 < abs(ay - by) <= 4:
                    dx, dy = 0.0, ay - by
                elif {fa, fb} == {"up", "down"} and 0 < abs(ax - bx) <= 4:
                    dx, dy = ax - bx, 0.0
                else:
                    continue
                # move the less connected part (b moves by +d, a by -d)
                for mover, sx, sy in sorted([(pb, dx, dy), (pa, -dx, -dy)], key=lambda t: deg[t[0].ref]):
                    mover.x += sx
                    mover.y += sy
                    f = self.footprint(mover.ref)
                    if any(_overlap(f, self.footprint(o), MARGIN - 1e-6) for o in self.refs if o != mover.ref):
                        mover.x -= sx
                        mover.y -= sy
                        continue
                    moved = True
                    break
            if not moved:
                return

    # -- constructive start: hub in the middle, connected clusters in columns on its sides
    def constructive(self, keep_hub: bool = False) -> None:
        """Put the most connected part at the origin and each cluster of parts wired to it in
        columns on the side of the hub pins it uses (left/right balanced), ordered by depth
        from the hub and aligned with the pins they connect to. Forces then only refine."""
        wired = [n for n in self.nets if n not in self.labelled and len(self.nets[n]) > 1]
        adj: dict[str, set[str]] = {r: set() for r in self.refs}
        deg = {r: 0 for r in self.refs}
        for n in wired:
            refs = {split_pin(p)[0] for p in self.nets[n]}
            for p in self.nets[n]:
                deg[split_pin(p)[0]] += 1
            for r in refs:
                adj[r] |= refs - {r}
        hub = max(self.refs, key=lambda r: (deg[r], self.parts[r].symbol.is_box,
                                            len(self.parts[r].symbol.pins), -self.refs.index(r)))
        hp = self.parts[hub]
        self.hub = hub
        hp.x = hp.y = 0.0
        # clusters of the rest, joined by wired nets not through the hub
        seen: set[str] = {hub}
        clusters: list[list[str]] = []
        for r in self.refs:
            if r in seen:
                continue
            comp, stack = [], [r]
            seen.add(r)
            while stack:
                c = stack.pop()
                comp.append(c)
                for o in sorted(adj[c]):
                    if o not in seen:
                        seen.add(o)
                        stack.append(o)
            clusters.append(comp)
        hub_pins: dict[int, list[str]] = {}
        for i, comp in enumerate(clusters):
            names = []
            for n in wired:
                refs = {split_pin(p)[0] for p in self.nets[n]}
                if hub in refs and refs & set(comp):
                    names += [split_pin(p)[1] for p in self.nets[n] if split_pin(p)[0] == hub]
            order = list(self.parts[hub].symbol.pins)
            hub_pins[i] = sorted(dict.fromkeys(names), key=order.index)

        def height(comp):
            return sum(self.parts[c].rect()[3] - self.parts[c].rect()[1] + MARGIN for c in comp)

        side: dict[int, int] = {}
        load = {-1: 0.0, 1: 0.0}
        idxs = sorted(range(len(clusters)), key=lambda i: (not hub_pins[i], -height(clusters[i])))
        for i in idxs:
            if (keep_hub or not hp.symbol.is_box) and hub_pins[i]:
                # the side the hub pins already face (after arrange_boxes, or a drawn hub)
                votes = sum(-1 if hp.symbol.pins[n].facing == "left" else 1 for n in hub_pins[i])
                s = -1 if votes < 0 else 1
            else:
                s = -1 if load[-1] <= load[1] else 1
            side[i] = s
            load[s] += height(clusters[i])
        if hp.symbol.is_box and not keep_hub:
            lists = {-1: [], 1: []}
            for i in range(len(clusters)):
                lists[side[i]] += [n for n in hub_pins[i] if n not in lists[-1] + lists[1]]
            self._rebuild_box(hub, lists[-1], lists[1])
        # depth from the hub inside each cluster
        depth: dict[str, int] = {}
        for i, comp in enumerate(clusters):
            first = [c for c in comp if hub in adj[c]] or [max(comp, key=lambda c: deg[c])]
            frontier = list(first)
            for c in first:
                depth[c] = 1
            while frontier:
                nxt = []
                for c in frontier:
                    for o in sorted(adj[c]):
                        if o in comp and o not in depth:
                            depth[o] = depth[c] + 1
                            nxt.append(o)
                frontier = nxt
        cluster_of = {c: i for i, comp in enumerate(clusters) for c in comp}
        for s in (-1, 1):
            members = [c for c in self.refs if c != hub and side[cluster_of[c]] == s
                       and hub_pins[cluster_of[c]]]
            if not members:
                continue
            # pull-ups and the like (a two-pin part on a hub net shared with other parts, its
            # other pin on a rail) get the column next to the hub; the rest move one further
            leaves = [c for c in members if depth[c] == 1 and self._is_leaf(c, hub)]
            if leaves and len(leaves) < len([c for c in members if depth[c] == 1]):
                for c in members:
                    if c not in leaves:
                        depth[c] += 1
            hb = self.footprint(hub)
            edge = hb[0] if s < 0 else hb[2]
            for k in range(1, max(depth[c] for c in members) + 1):
                col = [c for c in members if depth[c] == k]
                if not col:
                    continue
                widths = {c: self.footprint(c)[2] - self.footprint(c)[0] for c in col}
                colw = max(widths.values())
                want = {}   # footprint top that puts c's pins level with what they join
                for c in col:
                    pp = self.parts[c]
                    offs = []
                    for n in wired:
                        pins = self.nets[n]
                        mine = [split_pin(p)[1] for p in pins if split_pin(p)[0] == c]
                        if not mine:
                            continue
                        ys = [self.parts[split_pin(p)[0]].pin_xy(split_pin(p)[1])[1] for p in pins
                              if split_pin(p)[0] != c and depth.get(split_pin(p)[0], 0) < k]
                        for nm in mine:
                            offs += [y - pp.pin_xy(nm)[1] for y in ys]
                    f = self.footprint(c)
                    want[c] = f[1] + sum(offs) / len(offs) if offs else float("inf")
                col.sort(key=lambda c: (bool(hub_pins[cluster_of[c]]) is False, want[c]))
                y = None
                for c in col:
                    pp = self.parts[c]
                    f = self.footprint(c)
                    h = f[3] - f[1]
                    top = want[c] if want[c] != float("inf") else (y if y is not None else hb[1])
                    if y is not None:
                        top = max(top, y)
                    pp.y += top - f[1]
                    # right-align to the column edge on the left side, left-align on the right
                    if s < 0:
                        pp.x += (edge - 8 - colw / 2 - widths[c] / 2) - f[0]
                    else:
                        pp.x += (edge + 8 + colw / 2 - widths[c] / 2) - f[0]
                    y = top + h + MARGIN + 1
                edge = edge - 8 - colw if s < 0 else edge + 8 + colw
        orphans = [c for c in sorted(self.refs, key=lambda c: (cluster_of.get(c, -1), depth.get(c, 0)))
                   if c != hub and not hub_pins[cluster_of[c]]]
        self._pack_below(orphans, [c for c in self.refs if c not in orphans])

    def _is_leaf(self, ref: str, hub: str) -> bool:
        """A drawn two-pin part with one wired pin on a hub net that also reaches a module."""
        pp = self.parts[ref]
        if pp.symbol.is_box or len(pp.symbol.pins) != 2:
            return False
        wired = [self.pin_net.get(f"{ref}:{n}") for n in pp.symbol.pins]
        wired = [n for n in wired if n is not None and n not in self.labelled]
        if len(wired) != 1:
            return False
        refs = {split_pin(p)[0] for p in self.nets[wired[0]]}
        # the net joins the hub and a module (a bus), not just this part and its neighbours
        return hub in refs and any(self.parts[o].symbol.is_box for o in refs - {hub, ref})

    def _pack_below(self, refs: list[str], placed: list[str]) -> None:
        """Shelf-pack parts not wired to the hub in rows under what is already placed."""
        if not refs:
            return
        if placed:
            fps = [self.footprint(r) for r in placed]
            bx0, by1 = min(f[0] for f in fps), max(f[3] for f in fps)
            row_w = max(max(f[2] for f in fps) - bx0, 60)
        else:
            bx0, by1, row_w = 0.0, 0.0, 60
        x, y, row_h = bx0, by1 + MARGIN + 3, 0.0
        for r in refs:
            f = self.footprint(r)
            w, h = f[2] - f[0], f[3] - f[1]
            if x > bx0 and x + w > bx0 + row_w:
                x, y, row_h = bx0, y + row_h + MARGIN + 3, 0.0
            pp = self.parts[r]
            pp.x += x - f[0]
            pp.y += y - f[1]
            x += w + MARGIN + 4
            row_h = max(row_h, h)

    def _rebuild_box(self, ref: str, left: list[str], right: list[str]) -> None:
        """Rebuild a box with these side pins first; other signal pins balance the sides."""
        types = self.types[ref]
        top = [n for n in self.pinnames[ref] if pin_role(n, types.get(n)) == "power"]
        bottom = [n for n in self.pinnames[ref] if pin_role(n, types.get(n)) == "ground"]
        left, right = list(left), list(right)
        for n in self.pinnames[ref]:
            if n in top or n in bottom or n in left or n in right:
                continue
            (left if len(left) <= len(right) else right).append(n)
        pitch = 0.0
        for n in top + bottom:
            net = self.pin_net.get(f"{ref}:{n}")
            if net in self.labelled and self.kinds.get(net) != "ground":
                r = label_geometry(self.kinds[net], net, 0, 0, "up")
                pitch = max(pitch, r[2] - r[0] + 1)
        self.parts[ref].symbol = box_symbol(left, right, top, bottom, self.titles[ref], pitch)

    # -- initial positions
    # -- forces
    def _pin_targets(self, ref: str) -> list[tuple[str, float, float, float]]:
        """(pin, tx, ty, weight): where each wired pin of `ref` would like to be."""
        out = []
        for name in self.parts[ref].symbol.pins:
            pin = f"{ref}:{name}"
            net = self.pin_net.get(pin)
            if net is None:
                continue
            others = [p for p in self.nets[net] if p != pin]
            if not others:
                continue
            pts = [self.parts[split_pin(o)[0]].pin_xy(split_pin(o)[1]) for o in others]
            tx = sum(p[0] for p in pts) / len(pts)
            ty = sum(p[1] for p in pts) / len(pts)
            out.append((name, tx, ty, 0.05 if net in self.labelled else 1.0))
        return out

    def simulate(self, iters: int, hot: float = 0.35) -> None:
        """Spring iterations; orientation and box pin sides are revisited along the way."""
        refs = self.refs
        n = len(refs)
        if n == 0:
            return
        idx = {r: i for i, r in enumerate(refs)}
        conns = []  # (part index, local pin x, y, net id)
        nets = list(self.nets)
        for k, net in enumerate(nets):
            for p in self.nets[net]:
                r, name = split_pin(p)
                conns.append((idx[r], name, k))
        for it in range(iters):
            frac = it / max(iters - 1, 1)
            if it in (iters // 5, 2 * iters // 5, 3 * iters // 5, 4 * iters // 5):
                self.orient()
                self.arrange_boxes()
            pos = np.array([[self.parts[r].x, self.parts[r].y] for r in refs], float)
            if conns:
                world = np.array([self.parts[refs[i]].pin_xy(nm) for i, nm, _ in conns], float)
                net_id = np.array([k for _, _, k in conns])
                sums = np.zeros((len(nets), 2))
                cnt = np.zeros(len(nets))
                np.add.at(sums, net_id, world)
                np.add.at(cnt, net_id, 1)
                cen = sums / np.maximum(cnt, 1)[:, None]
                w = np.array([0.06 if nets[k] in self.labelled else 1.0 for k in range(len(nets))])
                f = (cen[net_id] - world) * w[net_id][:, None] * (cnt[net_id] > 1)[:, None]
                force = np.zeros((n, 2))
                np.add.at(force, np.array([i for i, _, _ in conns]), f)
                pos += force * (hot * (1 - frac) + 0.05)
            pos = self._separate(pos, 4 if frac > 0.5 else 2)
            for i, r in enumerate(refs):
                self.parts[r].x, self.parts[r].y = float(pos[i, 0]), float(pos[i, 1])

    def _rects(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = [], []
        for i, r in enumerate(self.refs):
            pp = self.parts[r]
            f = self.footprint(r)
            lo.append((f[0] - pp.x, f[1] - pp.y))
            hi.append((f[2] - pp.x, f[3] - pp.y))
        return pos + np.array(lo), pos + np.array(hi)

    def _separate(self, pos: np.ndarray, sweeps: int) -> np.ndarray:
        n = len(self.refs)
        if n < 2:
            return pos
        rel_lo, rel_hi = self._rects(np.zeros_like(pos))
        size = rel_hi - rel_lo
        mass = size[:, 0] * size[:, 1] + 1.0
        for _ in range(sweeps):
            lo, hi = pos + rel_lo - MARGIN / 2, pos + rel_hi + MARGIN / 2
            ox = np.minimum(hi[:, None, 0], hi[None, :, 0]) - np.maximum(lo[:, None, 0], lo[None, :, 0])
            oy = np.minimum(hi[:, None, 1], hi[None, :, 1]) - np.maximum(lo[:, None, 1], lo[None, :, 1])
            hit = (ox > 0) & (oy > 0)
            np.fill_diagonal(hit, False)
            if not hit.any():
                break
            c = (lo + hi) / 2
            dx = c[:, None, 0] - c[None, :, 0]
            dy = c[:, None, 1] - c[None, :, 1]
            share = mass[None, :] / (mass[:, None] + mass[None, :])
            alongx = ox <= oy
            sx = np.where(dx == 0, np.where(np.arange(n)[:, None] < np.arange(n)[None, :], -1, 1), np.sign(dx))
            sy = np.where(dy == 0, np.where(np.arange(n)[:, None] < np.arange(n)[None, :], -1, 1), np.sign(dy))
            mx = np.where(hit & alongx, ox * sx * share, 0).sum(1)
            my = np.where(hit & ~alongx, oy * sy * share, 0).sum(1)
            pos = pos + np.stack([mx, my], 1) * 0.6
        return pos

    # -- orientation of rotatable parts
    def orient(self) -> None:
        for r in self.refs:
            pp = self.parts[r]
            if pp.symbol.is_box:
                continue
            base = self.base[r]
            targets = {t[0]: t for t in self._pin_targets(r)}
            best = None
            variants = [base.rotated(rot) for rot in (0, 90, 180, 270)]
            if len(base.pins) > 2:  # transistors, potentiometers: mirrored too
                variants += [base.mirror().rotated(rot) for rot in (0, 90, 180, 270)]
            for sym in variants:
                cost = 0.0
                for name, pin in sym.pins.items():
                    net = self.pin_net.get(f"{r}:{name}")
                    kind = self.kinds.get(net, "signal") if net else None
                    if kind == "ground":
                        cost += 0 if pin.facing == "down" else (8 if pin.facing != "up" else 40)
                    elif kind == "power":
                        cost += 0 if pin.facing == "up" else (8 if pin.facing != "down" else 40)
                    t = targets.get(name)
                    if t and net not in self.labelled:
                        px, py = pp.x + pin.x, pp.y + pin.y
                        cost += t[3] * (abs(px - t[1]) + abs(py - t[2]))
                        dx, dy = _DIR[pin.facing]
                        if (t[1] - px) * dx + (t[2] - py) * dy < 0:
                            cost += 4  # pin points away from its partner
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, sym)
            pp.symbol = best[1]
            self._place_text(pp)

    # -- sides and order of box pins
    def arrange_boxes(self, skip_hub: bool = False) -> None:
        """Each box's signal pins on the side facing their partners, ordered by their height."""
        hub = self.hub if skip_hub else None
        for r in self.refs:
            pp = self.parts[r]
            if not pp.symbol.is_box or r == hub:
                continue
            b = pp.body_rect()
            cx = (b[0] + b[2]) / 2
            types = self.types[r]
            names = self.pinnames[r]
            top, bottom, left, right, free = [], [], [], [], []
            targets = {t[0]: t for t in self._pin_targets(r)}
            for nm in names:
                role = pin_role(nm, types.get(nm))
                if role == "power":
                    top.append(nm)
                elif role == "ground":
                    bottom.append(nm)
                elif nm in targets:
                    t = targets[nm]
                    # key: the partner parts' height first, so the pins going to one module
                    # stay together (no interleaving with other parts' pins), then the pin's
                    (left if t[1] < cx else right).append(((self._partner_y(r, nm), t[2]), nm))
                else:
                    free.append(nm)
            left = [nm for _, nm in sorted(left, key=lambda t: t[0])]
            right = [nm for _, nm in sorted(right, key=lambda t: t[0])]
            self._rebuild_box(r, left, right)

    def _partner_y(self, ref: str, pin: str) -> float:
        """Mean centre height of the other parts on the net of `ref:pin`."""
        net = self.pin_net.get(f"{ref}:{pin}")
        others = {split_pin(p)[0] for p in self.nets.get(net, [])} - {ref}
        ys = [(self.parts[o].rect()[1] + self.parts[o].rect()[3]) / 2 for o in others]
        return sum(ys) / len(ys) if ys else 0.0

    # -- legalisation on the grid
    def legalize(self) -> None:
        for pp in self.parts.values():
            pp.x, pp.y = float(round(pp.x)), float(round(pp.y))
        for _ in range(500):
            moved = False
            fps = {r: self.footprint(r) for r in self.refs}
            for i, a in enumerate(self.refs):
                for b in self.refs[i + 1:]:
                    fa, fb = fps[a], fps[b]
                    if not _overlap(fa, fb, MARGIN - 1e-6):
                        continue
                    ox = min(fa[2], fb[2]) - max(fa[0], fb[0]) + MARGIN
                    oy = min(fa[3], fb[3]) - max(fa[1], fb[1]) + MARGIN
                    # always push the later part right/down: moves are monotone, so this ends
                    if ox <= oy:
                        mover = self.parts[b] if (fb[0] + fb[2], b) >= (fa[0] + fa[2], a) else self.parts[a]
                        mover.x += math.ceil(ox)
                    else:
                        mover = self.parts[b] if (fb[1] + fb[3], b) >= (fa[1] + fa[3], a) else self.parts[a]
                        mover.y += math.ceil(oy)
                    moved = True
                    fps[mover.ref] = self.footprint(mover.ref)
            if not moved:
                return
        self._shelf()

    def _shelf(self) -> None:
        """Last resort: rows of parts in x order, guaranteed free of overlaps."""
        order = sorted(self.refs, key=lambda r: (self.parts[r].y, self.parts[r].x))
        total_w = sum(self.footprint(r)[2] - self.footprint(r)[0] + MARGIN for r in order)
        row_w = max(math.sqrt(total_w * 40), max(self.footprint(r)[2] - self.footprint(r)[0] for r in order))
        x = y = row_h = 0.0
        for r in order:
            f = self.footprint(r)
            w, h = f[2] - f[0], f[3] - f[1]
            if x > 0 and x + w > row_w:
                x, y, row_h = 0.0, y + row_h + MARGIN, 0.0
            pp = self.parts[r]
            pp.x += math.ceil(x - f[0])
            pp.y += math.ceil(y - f[1])
            x += math.ceil(w) + MARGIN + 1
            row_h = max(row_h, math.ceil(h) + 1)

    # -- routing
    def obstacles(self) -> list[Rect]:
        """Rectangles no wire may enter: part bodies, their text, net labels."""
        out: list[Rect] = []
        for r in self.refs:
            pp = self.parts[r]
            out.append(pp.body_rect())
            t = pp.text_rect()
            if t:
                out.append(t)
            for name, p in pp.symbol.pins.items():
                net = self.pin_net.get(f"{r}:{name}")
                if net in self.labelled:
                    out.append(label_geometry(self.kinds[net], net, pp.x + p.x, pp.y + p.y, p.facing))
        return out

    def route(self) -> tuple[list[Trace], set[str]]:
        """Route every wired net on the grid; returns the traces and the nets that failed."""
        pins_xy: dict[str, tuple[float, float, str]] = {}
        for r in self.refs:
            pp = self.parts[r]
            for name, p in pp.symbol.pins.items():
                pins_xy[f"{r}:{name}"] = (pp.x + p.x, pp.y + p.y, p.facing)
        obstacles = self.obstacles()
        bounds = obstacles[0]
        for o in obstacles[1:]:
            bounds = _union(bounds, o)
        todo = []
        for net, pins in self.nets.items():
            if net in self.labelled or len(pins) < 2:
                continue
            edges = _mst([pins_xy[p] for p in pins])
            length = sum(abs(pins_xy[pins[a]][0] - pins_xy[pins[b]][0]) +
                         abs(pins_xy[pins[a]][1] - pins_xy[pins[b]][1]) for a, b in edges)
            todo.append((length, net, pins))
        todo.sort()
        # a few net orders (short first, crossing nets first or last, long first, shuffled);
        # keep the cleanest result
        orders = [todo]
        rng = np.random.default_rng(self.seed)
        best = None
        k = 0
        while k < len(orders):
            order = orders[k]
            k += 1
            router = _Router(obstacles, pins_xy, self.pin_net, bounds)
            traces: list[Trace] = []
            failed: set[str] = set()
            for length, net, pins in order:
                got = router.route_net(net, pins) if length <= LONG else None
                if got is None:
                    failed.add(net)
                else:
                    traces += got
            wire = sum(abs(b[0] - a[0]) + abs(b[1] - a[1]) for t in traces for a, b in zip(t.points, t.points[1:]))
            score = (len(failed), router.crossings, wire)
            if best is None or score < best[0]:
                best = (score, traces, failed)
            if best[0][0] or best[0][1] == 0:
                break  # failures: label them and place again first; no crossings: done
            if k == 1:
                hot = [t for t in todo if t[1] in router.crossed]
                cold = [t for t in todo if t[1] not in router.crossed]
                orders += [hot + cold, cold + hot, cold + hot[::-1], hot[::-1] + cold, todo[::-1],
                           [todo[i] for i in rng.permutation(len(todo))]]
        return best[1], best[2]

    def labels(self) -> list[NetLabel]:
        out = []
        for r in self.refs:
            pp = self.parts[r]
            for name, p in pp.symbol.pins.items():
                pin = f"{r}:{name}"
                net = self.pin_net.get(pin)
                if net in self.labelled:
                    x, y = pp.x + p.x, pp.y + p.y
                    kind = self.kinds[net]
                    out.append(NetLabel(net, pin, x, y, p.facing, kind, net,
                                        label_geometry(kind, net, x, y, p.facing)))
        return out


def _pretty_value(part: str, value: str) -> str:
    v = value.strip()
    if part in ("resistor", "potentiometer") and re.fullmatch(r"[\d.]+[kKmMgG]?", v):
        return v.replace("K", "k") + "Ω"
    if part == "capacitor" and re.fullmatch(r"[\d.]+[pnuµm]", v):
        return v + "F"
    if part == "inductor" and re.fullmatch(r"[\d.]+[pnuµm]", v):
        return v + "H"
    return v


def _mst(pts: list[tuple[float, float, str]]) -> list[tuple[int, int]]:
    """Prim's minimum spanning tree over Manhattan distance (index pairs)."""
    n = len(pts)
    if n < 2:
        return []
    inside = {0}
    edges = []
    while len(inside) < n:
        best = None
        for i in inside:
            for j in range(n):
                if j in inside:
                    continue
                d = abs(pts[i][0] - pts[j][0]) + abs(pts[i][1] - pts[j][1])
                if best is None or d < best[0]:
                    best = (d, i, j)
        edges.append((best[1], best[2]))
        inside.add(best[2])
    return edges


def _clean(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in pts:
        if out and abs(out[-1][0] - p[0]) < 1e-9 and abs(out[-1][1] - p[1]) < 1e-9:
            continue
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out


class _Router:
    """A* maze router on the integer grid: wires of different nets never share a grid edge,
    never touch (no end or bend on another net's wire) and cross only at right angles."""

    STEP, BEND, CROSS, MAX_EXPAND, SLACK, HWEIGHT = 1.0, 3.0, 12.0, 20000, 16, 1.3
    _D = ((1, 0), (-1, 0), (0, 1), (0, -1))

    def __init__(self, obstacles: list[Rect], pins: dict[str, tuple[float, float, str]],
                 pin_net: dict[str, str], bounds: Rect):
        self.x0 = int(math.floor(bounds[0])) - 10
        self.y0 = int(math.floor(bounds[1])) - 10
        self.x1 = int(math.ceil(bounds[2])) + 10
        self.y1 = int(math.ceil(bounds[3])) + 10
        self.W = self.x1 - self.x0 + 1
        self.blocked = bytearray(self.W * (self.y1 - self.y0 + 1))
        for r in obstacles:
            xa, xb = int(math.floor(r[0] - 0.5)) + 1, int(math.ceil(r[2] + 0.5)) - 1
            ya, yb = int(math.floor(r[1] - 0.5)) + 1, int(math.ceil(r[3] + 0.5)) - 1
            for y in range(max(ya, self.y0), min(yb, self.y1) + 1):
                base = (y - self.y0) * self.W - self.x0
                for x in range(max(xa, self.x0), min(xb, self.x1) + 1):
                    self.blocked[base + x] = 1
        self.pins = pins
        self.owner: dict[tuple[int, int], str | None] = {}
        for p, (x, y, _) in pins.items():
            self.owner[(int(round(x)), int(round(y)))] = pin_net.get(p)
        self.node_net: dict[tuple[int, int], str] = {}
        self.node_kind: dict[tuple[int, int], str] = {}   # h / v straight through, x otherwise
        self.edge_net: dict[tuple[int, int, int, int], str] = {}
        self.crossings = 0
        self.crossed: set[str] = set()   # nets that cross another net somewhere

    def _free(self, x: int, y: int) -> bool:
        if not (self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1):
            return False
        return not self.blocked[(y - self.y0) * self.W + x - self.x0]

    def route_net(self, net: str, pins: list[str]) -> list["Trace"] | None:
        """Connect all pins of `net` as a tree (each new pin joins the nearest part of it)."""
        saved = (dict(self.node_net), dict(self.node_kind), dict(self.edge_net))
        tip = {p: (int(round(self.pins[p][0])), int(round(self.pins[p][1])), self.pins[p][2]) for p in pins}
        start = pins[0]
        tree_pins = {(tip[start][0], tip[start][1]): (start, tip[start][2])}
        tree_nodes: dict[tuple[int, int], None] = {}
        left = list(pins[1:])
        out: list[Trace] = []
        while left:
            def dist(p):
                x, y, _ = tip[p]
                pts = list(tree_pins) + list(tree_nodes)
                return min(abs(x - a) + abs(y - b) for a, b in pts)
            left.sort(key=dist)
            p = left.pop(0)
            path = self._search(net, tip[p], tree_pins, tree_nodes)
            if path is None:
                self.node_net, self.node_kind, self.edge_net = saved
                return None
            end = path[-1]
            other = tree_pins.get(end, (None,))[0]
            self._commit(net, path)
            for pt in path:
                tree_nodes[pt] = None
            tree_pins[(tip[p][0], tip[p][1])] = (p, tip[p][2])
            out.append(Trace(net, (p, other), [(float(x), float(y)) for x, y in _clean(path)]))
        return out

    def _search(self, net, src, tree_pins, tree_nodes):
        """Weighted A* from a pin tip (leaving it straight out) to the net's tree."""
        import heapq

        sx, sy, sf = src
        fd = _DIR[sf]
        targets = list(tree_pins) + list(tree_nodes)
        tx0 = min(t[0] for t in targets)
        tx1 = max(t[0] for t in targets)
        ty0 = min(t[1] for t in targets)
        ty1 = max(t[1] for t in targets)
        # search window: the box around source and targets plus room to go around, on the grid
        wx0 = max(min(tx0, sx) - self.SLACK, self.x0)
        wx1 = min(max(tx1, sx) + self.SLACK, self.x1)
        wy0 = max(min(ty0, sy) - self.SLACK, self.y0)
        wy1 = min(max(ty1, sy) + self.SLACK, self.y1)
        first = (sx + fd[0], sy + fd[1])
        if not self._enter_ok(net, (sx, sy), first, fd, tree_pins):
            return None
        W, X0, Y0, blocked = self.W, self.x0, self.y0, self.blocked
        owner, edge_net, node_net, node_kind = self.owner, self.edge_net, self.node_net, self.node_kind
        step, bend, cross, hw = self.STEP, self.BEND, self.CROSS, self.HWEIGHT
        goal_dir = {pt: (-_DIR[f][0], -_DIR[f][1]) for pt, (_, f) in tree_pins.items()}
        own_nodes = {pt for pt in tree_nodes if node_net.get(pt) == net}
        start = (first[0], first[1], fd)
        g = {start: step}
        parent = {start: None}
        h0 = max(tx0 - first[0], 0, first[0] - tx1) + max(ty0 - first[1], 0, first[1] - ty1)
        heap = [(step + hw * h0, step, start)]
        expanded = 0
        inf = float("inf")
        # budget: generous for detours, but a hopeless short connection gives up early
        budget = min(self.MAX_EXPAND, max(3000, 150 * int(h0 + 1)))
        while heap:
            f, cost, st = heapq.heappop(heap)
            if cost > g.get(st, inf):
                continue
            x, y, d = st
            node = (x, y)
            if (node in goal_dir and d == goal_dir[node]) or node in own_nodes:
                path = [node]
                cur = st
                while parent[cur] is not None:
                    cur = parent[cur]
                    path.append((cur[0], cur[1]))
                path.append((sx, sy))
                return path[::-1]
            expanded += 1
            if expanded > budget:
                return None
            on_here = node_net.get(node)
            crossing = on_here is not None and on_here != net
            for nd in self._D:
                if nd[0] == -d[0] and nd[1] == -d[1]:
                    continue
                if crossing and nd != d:
                    continue
                nx, ny = x + nd[0], y + nd[1]
                if not (wx0 <= nx <= wx1 and wy0 <= ny <= wy1):
                    continue
                nxt = (nx, ny)
                if nxt in goal_dir:
                    if nd != goal_dir[nxt]:
                        continue
                else:
                    if blocked[(ny - Y0) * W + nx - X0]:
                        continue
                    o = owner.get(nxt, net)
                    if o != net:
                        continue
                    e = edge_net.get((min(x, nx), min(y, ny), max(x, nx), max(y, ny)))
                    if e is not None and e != net:
                        continue
                c = cost + step + (bend if nd != d else 0.0)
                on = node_net.get(nxt)
                if on is not None and on != net:
                    kind = node_kind.get(nxt)
                    if kind == "x" or (kind == "h" and nd[1] == 0) or (kind == "v" and nd[0] == 0):
                        continue
                    c += cross
                ns = (nx, ny, nd)
                if c < g.get(ns, inf):
                    g[ns] = c
                    parent[ns] = st
                    hh = max(tx0 - nx, 0, nx - tx1) + max(ty0 - ny, 0, ny - ty1)
                    heapq.heappush(heap, (c + hw * hh, c, ns))
        return None

    def _enter_ok(self, net, node, nxt, nd, tree_pins) -> bool:
        if nxt in tree_pins:
            pf = _DIR[tree_pins[nxt][1]]
            return nd == (-pf[0], -pf[1])
        if not self._free(*nxt):
            return False
        if nxt in self.owner and self.owner[nxt] != net:
            return False
        key = (min(node[0], nxt[0]), min(node[1], nxt[1]), max(node[0], nxt[0]), max(node[1], nxt[1]))
        e = self.edge_net.get(key)
        if e is not None and e != net:
            return False
        on = self.node_net.get(nxt)
        if on is not None and on != net:
            kind = self.node_kind.get(nxt)
            if kind == "x" or (kind == "h" and nd[1] == 0) or (kind == "v" and nd[0] == 0):
                return False
        return True

    def _commit(self, net, path) -> None:
        for i, pt in enumerate(path):
            straight = None
            if 0 < i < len(path) - 1:
                a, b = path[i - 1], path[i + 1]
                if a[1] == pt[1] == b[1]:
                    straight = "h"
                elif a[0] == pt[0] == b[0]:
                    straight = "v"
            if pt in self.node_net and self.node_net[pt] != net:
                self.crossings += 1
                self.crossed |= {net, self.node_net[pt]}
                continue  # a crossing: the node stays the other net's straight wire
            if self.node_net.get(pt) == net:
                self.node_kind[pt] = "x"
            else:
                self.node_net[pt] = net
                self.node_kind[pt] = straight or "x"
            if i:
                q = path[i - 1]
                self.edge_net[(min(q[0], pt[0]), min(q[1], pt[1]), max(q[0], pt[0]), max(q[1], pt[1]))] = net


def place(design: Design, lib=None, seed: int = 0) -> Layout:
    """Place and route `design` (see the module docstring); deterministic for a given seed."""
    pl = _Placer(design, lib, seed)
    traces: list[Trace] = []
    if pl.refs:
        for _ in range(3):
            pl.arrange()
            traces, failed = pl.route()
            if not failed:
                break
            pl.labelled |= failed  # drawn as labels from now on; place again without them
        else:
            # keep the placement; make room for the new labels and route around them
            while failed:
                pl.legalize()
                traces, failed = pl.route()
                pl.labelled |= failed
    pins = {}
    for r in pl.refs:
        pp = pl.parts[r]
        for name, p in pp.symbol.pins.items():
            pins[f"{r}:{name}"] = (pp.x + p.x, pp.y + p.y, p.facing)
    return Layout(pl.parts, pins, traces, pl.labels(), dict(pl.kinds), set(pl.labelled))


# ---------------------------------------------------------------- quality

def layout_quality(layout: Layout) -> dict:
    """Readability figures: overlapping part boxes, trace crossings, labels over traces, ..."""
    parts = list(layout.parts.values())
    rects = [p.rect() for p in parts]
    overlaps = sum(1 for i in range(len(rects)) for j in range(i + 1, len(rects))
                   if _overlap(rects[i], rects[j]))
    segs = [(t.net, s) for t in layout.traces for s in t.segments()]
    crossing_points: set[tuple] = set()   # one per place two nets cross (a net's wires may overlap)
    trace_overlaps = 0
    for i in range(len(segs)):
        for j in range(i + 1, len(segs)):
            if segs[i][0] == segs[j][0]:
                continue
            rel = _seg_relation(segs[i][1], segs[j][1])
            if rel == "cross":
                a, b = segs[i][1], segs[j][1]
                h, v = (a, b) if a[1] == a[3] else (b, a)
                crossing_points.add((v[0], h[1], frozenset((segs[i][0], segs[j][0]))))
            elif rel != "none":
                trace_overlaps += 1
    crossings = len(crossing_points)
    label_trace = 0
    for lb in layout.labels:
        label_trace += sum(1 for n, s in segs if n != lb.net and _seg_hits_rect(s, lb.rect))
    for p in parts:
        t = p.text_rect()
        if t:
            label_trace += sum(1 for _, s in segs if _seg_hits_rect(s, t))
    trace_part = sum(1 for _, s in segs for p in parts if _seg_hits_rect(s, p.body_rect()))
    label_part = 0
    for lb in layout.labels:
        own = lb.pin.split(":", 1)[0]
        label_part += sum(1 for p in parts if p.ref != own and _overlap(lb.rect, p.rect()))
    label_label = sum(1 for i, a in enumerate(layout.labels) for b in layout.labels[i + 1:]
                      if _overlap(a.rect, b.rect))
    length = sum(abs(s[2] - s[0]) + abs(s[3] - s[1]) for _, s in segs)
    bends = sum(max(len(t.points) - 2, 0) for t in layout.traces)
    b = layout.bounds()
    return {"parts": len(parts), "overlaps": overlaps, "crossings": crossings,
            "label_trace_overlaps": label_trace, "trace_part_overlaps": trace_part,
            "trace_overlaps": trace_overlaps, "label_part_overlaps": label_part,
            "label_overlaps": label_label, "traces": len(layout.traces), "labels": len(layout.labels),
            "wire_length": round(length * layout.unit, 2), "bends": bends,
            "width": round((b[2] - b[0]) * layout.unit, 2), "height": round((b[3] - b[1]) * layout.unit, 2)}
