"""Schematic symbols: pin positions and drawing primitives for each library part, in grid units.

One grid unit is 0.1 tscircuit schematic unit and 10 SVG pixels. Coordinates are local to the
symbol's origin with y pointing down (SVG convention); every pin sits on an integer grid point
so a part snapped to the grid has its pins on the grid, which keeps orthogonal wires straight.
Two- and three-terminal parts get drawn symbols (resistor, capacitor, inductor, LED, diode,
npn/pnp, mosfet, push-button, potentiometer, battery, motor) and may be rotated by the layout;
everything else (modules, MCUs, sensors, ICs) is a labelled box with named pins on its sides:
power pins on top, ground pins at the bottom, signals left/right (the layout picks the side).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

__all__ = [
    "FONT", "PIN_FONT", "BOX_PITCH", "Pin", "Symbol", "symbol_for", "box_symbol", "text_width",
    "rotate_point", "rotate_facing", "pin_role", "SYMBOL_KINDS",
]

_HV_ONLY = {"n_channel_e_mosfet_transistor", "potentiometer"}  # only _horz/_vert variants
FONT = 1.3          # ref/value label height (grid units)
PIN_FONT = 1.1      # pin-name height in boxes
BOX_PITCH = 3       # pin spacing on box sides
STUB = 2            # pin line length outside a box

_FACING_VEC = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
_VEC_FACING = {v: k for k, v in _FACING_VEC.items()}


def text_width(text: str, size: float = FONT) -> float:
    """Approximate rendered width of `text` at font height `size` (sans-serif average)."""
    return len(text) * size * 0.62


def rotate_point(x: float, y: float, rot: int) -> tuple[float, float]:
    """Rotate a local point clockwise on screen by `rot` degrees (0/90/180/270), y down."""
    r = rot % 360
    if r == 0:
        return x, y
    if r == 90:
        return -y, x
    if r == 180:
        return -x, -y
    return y, -x


def rotate_facing(facing: str, rot: int) -> str:
    vx, vy = _FACING_VEC[facing]
    rx, ry = rotate_point(vx, vy, rot)
    return _VEC_FACING[(int(round(rx)), int(round(ry)))]


@dataclass(frozen=True)
class Pin:
    """A pin tip (where a wire attaches) and the direction a wire leaves it."""

    name: str
    x: float
    y: float
    facing: str  # left/right/up/down


@dataclass
class Symbol:
    """Pins, drawing primitives and extent of one symbol (already rotated when placed).

    `prims` are tuples: ("line", x1, y1, x2, y2), ("poly", [(x, y), ...], closed, filled),
    ("circle", cx, cy, r, filled), ("rect", x0, y0, x1, y1), ("text", x, y, text, size, anchor)
    where anchor is start/middle/end. `body` is (x0, y0, x1, y1) covering the drawing and pin
    lines; `kind` is the symbol family (resistor, led, ..., box).
    """

    kind: str
    pins: dict[str, Pin]
    prims: list[tuple]
    body: tuple[float, float, float, float]
    rotation: int = 0
    mirrored: bool = False        # flipped left-right before rotating
    cj_name: str = ""            # tscircuit symbol_name family (e.g. boxresistor), "" for boxes
    title: list[str] = field(default_factory=list)   # box header lines (drawn inside)

    @property
    def is_box(self) -> bool:
        return self.kind == "box"

    def rotated(self, rot: int) -> "Symbol":
        """This symbol turned by `rot` degrees clockwise (boxes never rotate)."""
        rot %= 360
        if rot == 0 or self.is_box:
            return replace(self, rotation=0 if self.is_box else self.rotation)
        pins = {n: Pin(n, *rotate_point(p.x, p.y, rot), rotate_facing(p.facing, rot))
                for n, p in self.pins.items()}
        prims = [_rot_prim(p, rot) for p in self.prims]
        xs, ys = [], []
        for cx, cy in ((self.body[0], self.body[1]), (self.body[2], self.body[3])):
            x, y = rotate_point(cx, cy, rot)
            xs.append(x)
            ys.append(y)
        body = (min(xs), min(ys), max(xs), max(ys))
        return replace(self, pins=pins, prims=prims, body=body, rotation=(self.rotation + rot) % 360)

    def mirror(self) -> "Symbol":
        """This symbol flipped left-right (an npn with its base on the right)."""
        if self.is_box:
            return self
        flip = {"left": "right", "right": "left", "up": "up", "down": "down"}
        pins = {n: Pin(n, -p.x, p.y, flip[p.facing]) for n, p in self.pins.items()}
        prims = [_mirror_prim(p) for p in self.prims]
        b = self.body
        return replace(self, pins=pins, prims=prims, body=(-b[2], b[1], -b[0], b[3]),
                       mirrored=not self.mirrored)

    def direction(self) -> str:
        """Where this symbol points (right/down/left/up): away from its first terminal."""
        first = next(iter(self.pins.values()))
        return {"left": "right", "right": "left", "up": "down", "down": "up"}[first.facing]

    def symbol_name(self) -> str | None:
        """The tscircuit `symbol_name` of this orientation (schematic-symbols naming), or None."""
        if not self.cj_name:
            return None
        if self.cj_name in _HV_ONLY:
            return self.cj_name + ("_horz" if self.direction() in ("left", "right") else "_vert")
        return f"{self.cj_name}_{self.direction()}"


def _mirror_prim(p: tuple) -> tuple:
    k = p[0]
    if k == "line":
        return ("line", -p[1], p[2], -p[3], p[4])
    if k == "poly":
        return ("poly", [(-x, y) for x, y in p[1]], p[2], p[3])
    if k == "circle":
        return ("circle", -p[1], p[2], p[3], p[4])
    if k == "rect":
        return ("rect", -p[3], p[2], -p[1], p[4])
    if k == "text":
        return ("text", -p[1], *p[2:])
    raise ValueError(f"unknown primitive {k}")


def _rot_prim(p: tuple, rot: int) -> tuple:
    k = p[0]
    if k == "line":
        x1, y1 = rotate_point(p[1], p[2], rot)
        x2, y2 = rotate_point(p[3], p[4], rot)
        return ("line", x1, y1, x2, y2)
    if k == "poly":
        return ("poly", [rotate_point(x, y, rot) for x, y in p[1]], p[2], p[3])
    if k == "circle":
        x, y = rotate_point(p[1], p[2], rot)
        return ("circle", x, y, p[3], p[4])
    if k == "rect":
        x1, y1 = rotate_point(p[1], p[2], rot)
        x2, y2 = rotate_point(p[3], p[4], rot)
        return ("rect", min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    if k == "text":
        x, y = rotate_point(p[1], p[2], rot)
        return ("text", x, y, *p[3:])
    raise ValueError(f"unknown primitive {k}")


# ---------------------------------------------------------------- pin roles

_GROUND = re.compile(r"^(a|d|p)?gnd\d*$|^vss\d*$|^ground$|^0$|^(out|in|bat|e)?-$|^com$", re.I)
_POWER = re.compile(r"^(vcc|vdd|vin|v\+|vbat|vbus|vmot|vs|pwr|power|\+|vcc\d|ioref|"
                    r"\+?\d+(\.\d+)?v\d*|\d+v\d+|(in|out|bat)\+|e\+|hv|lv|b\+|12v|5v|3v3|3\.3v)$",
                    re.I)
_GROUND_TYPES = {"ground", "gnd"}
_POWER_TYPES = {"power_in", "power_out", "power", "supply"}


def pin_role(name: str, kb_type: str | None = None) -> str:
    """'ground', 'power' or 'signal' for a pin, from its KB electrical type or its name."""
    t = (kb_type or "").lower()
    if t in _GROUND_TYPES:
        return "ground"
    if t in _POWER_TYPES:
        return "power"
    if t:
        return "signal"
    if _GROUND.match(name):
        return "ground"
    if _POWER.match(name):
        return "power"
    return "signal"


# ---------------------------------------------------------------- drawn symbols

def _two(kind: str, a: str, b: str, prims: list[tuple], half_h: float, cj: str) -> Symbol:
    """A horizontal two-terminal symbol: pin `a` at (-5, 0) facing left, `b` at (5, 0)."""
    return Symbol(kind, {a: Pin(a, -5, 0, "left"), b: Pin(b, 5, 0, "right")}, prims,
                  (-5, -half_h, 5, half_h), cj_name=cj)


def _zigzag(x0: float, x1: float, amp: float = 0.9, n: int = 6) -> list[tuple[float, float]]:
    pts = [(x0, 0.0)]
    step = (x1 - x0) / n
    for i in range(n):
        pts.append((x0 + step * (i + 0.5), -amp if i % 2 == 0 else amp))
    pts.append((x1, 0.0))
    return pts


def _resistor(a: str, b: str, kind: str = "resistor") -> Symbol:
    prims = [("line", -5, 0, -3, 0), ("line", 3, 0, 5, 0), ("poly", _zigzag(-3, 3), False, False)]
    return _two(kind, a, b, prims, 1.2, "boxresistor")


def _capacitor(a: str, b: str, polarized: bool) -> Symbol:
    prims = [("line", -5, 0, -0.6, 0), ("line", -0.6, -2, -0.6, 2)]
    if polarized:
        arc = [(0.6 + 0.6 * (1 - math.cos(t)), 2 * math.sin(t))
               for t in [(-math.pi / 2) + i * math.pi / 12 for i in range(13)]]
        prims += [("poly", arc, False, False), ("line", 1.2, 0, 5, 0),
                  ("line", -2.4, -2.2, -1.4, -2.2), ("line", -1.9, -2.7, -1.9, -1.7)]
    else:
        prims += [("line", 0.6, -2, 0.6, 2), ("line", 0.6, 0, 5, 0)]
    return _two("capacitor", a, b, prims, 2.8, "capacitor_polarized" if polarized else "capacitor")


def _inductor(a: str, b: str) -> Symbol:
    prims = [("line", -5, 0, -4, 0), ("line", 4, 0, 5, 0)]
    for i in range(4):
        cx = -3 + 2 * i
        arc = [(cx + math.cos(t), -math.sin(t)) for t in [math.pi - j * math.pi / 10 for j in range(11)]]
        prims.append(("poly", arc, False, False))
    return _two("inductor", a, b, prims, 1.4, "inductor")


def _diode(a: str, b: str, led: bool) -> Symbol:
    prims = [("line", -5, 0, -1.5, 0), ("line", 1.5, 0, 5, 0),
             ("poly", [(-1.5, -1.6), (-1.5, 1.6), (1.5, 0)], True, True),
             ("line", 1.5, -1.6, 1.5, 1.6)]
    top = 1.8
    if led:
        for dx in (-0.6, 0.8):
            x0, y0, x1, y1 = dx, -1.8, dx + 1.4, -3.4
            prims.append(("line", x0, y0, x1, y1))
            prims.append(("poly", [(x1, y1), (x1 - 0.8, y1 + 0.2), (x1 - 0.2, y1 + 0.8)], True, True))
        top = 3.6
    s = _two("led" if led else "diode", a, b, prims, 1.8, "led" if led else "diode")
    s.body = (-5, -top, 5, 1.8)
    return s


def _bjt(b: str, c: str, e: str, pnp: bool) -> Symbol:
    prims = [("circle", 0.6, 0, 3.4, False), ("line", -5, 0, -1, 0), ("line", -1, -2, -1, 2),
             ("line", -1, -1, 2, -3), ("line", 2, -3, 2, -5), ("line", -1, 1, 2, 3),
             ("line", 2, 3, 2, 5)]
    if pnp:  # arrow on the emitter pointing into the base
        prims.append(("poly", [(-0.8, 1.1), (0.4, 1.2), (-0.2, 2.1)], True, True))
    else:    # arrow pointing out of the emitter
        prims.append(("poly", [(2, 3), (0.8, 2.9), (1.4, 2.0)], True, True))
    pins = {b: Pin(b, -5, 0, "left"), c: Pin(c, 2, -5, "up"), e: Pin(e, 2, 5, "down")}
    return Symbol("pnp" if pnp else "npn", pins, prims, (-5, -5, 4, 5),
                  cj_name="pnp_bipolar_transistor" if pnp else "npn_bipolar_transistor")


def _mosfet(g: str, d: str, s: str) -> Symbol:
    prims = [("line", -5, 0, -1.6, 0), ("line", -1.6, -2, -1.6, 2),
             ("line", -0.8, -2.4, -0.8, -1.2), ("line", -0.8, -0.6, -0.8, 0.6),
             ("line", -0.8, 1.2, -0.8, 2.4),
             ("line", -0.8, -1.8, 2, -1.8), ("line", 2, -1.8, 2, -5),
             ("line", -0.8, 1.8, 2, 1.8), ("line", 2, 1.8, 2, 5),
             ("line", -0.8, 0, 2, 0), ("line", 2, 0, 2, 1.8),
             ("poly", [(-0.8, 0), (0.4, -0.6), (0.4, 0.6)], True, True),
             ("circle", 0.6, 0, 3.4, False)]
    pins = {g: Pin(g, -5, 0, "left"), d: Pin(d, 2, -5, "up"), s: Pin(s, 2, 5, "down")}
    return Symbol("mosfet", pins, prims, (-5, -5, 4, 5), cj_name="n_channel_e_mosfet_transistor")


def _button(a: str, b: str) -> Symbol:
    prims = [("line", -5, 0, -2.2, 0), ("line", 2.2, 0, 5, 0), ("circle", -1.8, 0, 0.4, False),
             ("circle", 1.8, 0, 0.4, False), ("line", -2.4, -1.4, 2.4, -1.4),
             ("line", 0, -1.4, 0, -2.8), ("line", -1, -2.8, 1, -2.8)]
    s = _two("push-button", a, b, prims, 1.0, "push_button_normally_open_momentary")
    s.body = (-5, -3, 5, 1)
    return s


def _pot(a: str, w: str, b: str) -> Symbol:
    prims = [("line", -5, 0, -3, 0), ("line", 3, 0, 5, 0), ("poly", _zigzag(-3, 3), False, False),
             ("line", 0, -5, 0, -2), ("poly", [(0, -1.1), (-0.6, -2.2), (0.6, -2.2)], True, True)]
    pins = {a: Pin(a, -5, 0, "left"), w: Pin(w, 0, -5, "up"), b: Pin(b, 5, 0, "right")}
    return Symbol("potentiometer", pins, prims, (-5, -5, 5, 1.2), cj_name="potentiometer")


def _battery(pos: str, neg: str) -> Symbol:
    prims = [("line", 0, -5, 0, -1.5), ("line", -2.2, -1.5, 2.2, -1.5), ("line", -1.1, -0.5, 1.1, -0.5),
             ("line", -2.2, 0.5, 2.2, 0.5), ("line", -1.1, 1.5, 1.1, 1.5), ("line", 0, 1.5, 0, 5),
             ("line", 2.6, -3.2, 3.8, -3.2), ("line", 3.2, -3.8, 3.2, -2.6)]
    pins = {pos: Pin(pos, 0, -5, "up"), neg: Pin(neg, 0, 5, "down")}
    return Symbol("battery", pins, prims, (-2.4, -5, 4, 5), cj_name="battery")


def _motor(a: str, b: str) -> Symbol:
    prims = [("line", -5, 0, -2.5, 0), ("line", 2.5, 0, 5, 0), ("circle", 0, 0, 2.5, False),
             ("text", 0, 0.5, "M", 1.6, "middle")]
    return _two("motor", a, b, prims, 2.6, "")


# library id -> (builder, ordered pin-name candidates per terminal)
_A = ("+", "1", "a", "anode", "pos", "p1", "vcc", "in")
_B = ("-", "2", "k", "c", "cathode", "neg", "p2", "gnd", "out")
SYMBOL_KINDS: dict[str, tuple] = {
    "resistor": (lambda a, b: _resistor(a, b), (("1", "a", "+", "p1"), ("2", "b", "-", "p2"))),
    "force-sensor-resistor": (lambda a, b: _resistor(a, b), (("1", "p1"), ("2", "p2"))),
    "flex-sensor": (lambda a, b: _resistor(a, b), (("p1", "1"), ("p2", "2"))),
    "capacitor": (lambda a, b: _capacitor(a, b, True), (("+", "1", "a"), ("-", "2", "b"))),
    "inductor": (_inductor, (("1", "a", "+"), ("2", "b", "-"))),
    "led": (lambda a, b: _diode(a, b, True), (("+", "a", "anode", "1"), ("-", "k", "c", "cathode", "2"))),
    "diode": (lambda a, b: _diode(a, b, False), (("+", "a", "anode", "1"), ("-", "k", "c", "cathode", "2"))),
    "npn-transistor": (lambda b, c, e: _bjt(b, c, e, False), (("b", "base"), ("c", "collector"), ("e", "emitter"))),
    "pnp-transistor": (lambda b, c, e: _bjt(b, c, e, True), (("b", "base"), ("c", "collector"), ("e", "emitter"))),
    "mosfet": (_mosfet, (("g", "gate"), ("d", "drain"), ("s", "source"))),
    "push-button": (_button, (("1", "a"), ("2", "b"))),
    "potentiometer": (_pot, (("vcc", "1", "a"), ("out", "w", "wiper", "2"), ("gnd", "3", "b"))),
    "battery-9v": (_battery, (("vcc", "+", "pos"), ("gnd", "-", "neg"))),
    "18650-battery": (_battery, (("+", "vcc", "pos"), ("-", "gnd", "neg"))),
    "battery-generic": (_battery, (("+", "vcc", "pos"), ("-", "gnd", "neg"))),
    "dc-motor": (_motor, (("+", "1", "a"), ("-", "2", "b"))),
}


def _match_terminals(candidates: tuple, names: list[str]) -> list[str] | None:
    """Map each terminal to one of the part's pin names, or None when they do not fit."""
    if len(names) != len(candidates):
        return None
    low = {n.lower(): n for n in names}
    out: list[str] = []
    for cands in candidates:
        hit = next((low[c] for c in cands if c in low and low[c] not in out), None)
        if hit is None:
            return None
        out.append(hit)
    return out


def symbol_for(part_id: str, pins: list[str], title: list[str] | None = None,
               roles: dict[str, str] | None = None) -> Symbol:
    """The symbol of a library part with these (unique) pin names: drawn when the pins fit the
    family's terminals, a labelled box otherwise."""
    spec = SYMBOL_KINDS.get(part_id)
    if spec is not None:
        names = _match_terminals(spec[1], pins)
        if names is not None:
            return spec[0](*names)
    roles = roles or {n: pin_role(n) for n in pins}
    top = [n for n in pins if roles.get(n) == "power"]
    bottom = [n for n in pins if roles.get(n) == "ground"]
    rest = [n for n in pins if n not in top and n not in bottom]
    half = (len(rest) + 1) // 2
    return box_symbol(rest[:half], rest[half:], top, bottom, title or [part_id])


def box_symbol(left: list[str], right: list[str], top: list[str], bottom: list[str],
               title: list[str], min_pitch: float = 0) -> Symbol:
    """A labelled box: header lines inside at the top, pins with their names on four sides.

    Pins sit on the grid: left/right pins every BOX_PITCH units below the header, top/bottom
    pins spread along the width. The origin is the box's top-left corner of the body (before
    the stubs); the layout only ever translates boxes. `min_pitch` spaces top/bottom pins
    wider (room for the net labels hanging on them).
    """
    pw = max([text_width(n, PIN_FONT) for n in left] + [0])
    pe = max([text_width(n, PIN_FONT) for n in right] + [0])
    tw = max([text_width(t, FONT) for t in title] + [0])
    tb_w = max([text_width(n, PIN_FONT) for n in top + bottom] + [0])
    tb_pitch = max(BOX_PITCH, math.ceil(tb_w + 1), math.ceil(min_pitch))
    width = max(pw + pe + 3, tw + 2, tb_pitch * (max(len(top), len(bottom)) + 1), 8)
    width = int(math.ceil(width))
    header = (2 if top else 0.6) + 1.6 * len(title)
    y0 = int(math.ceil(header + 1))  # first side pin
    rows = max(len(left), len(right), 1)
    height = y0 + (rows - 1) * BOX_PITCH + (2 if bottom else 1) + 1
    height = int(math.ceil(height))
    pins: dict[str, Pin] = {}
    prims: list[tuple] = [("rect", 0, 0, width, height)]
    for i, n in enumerate(left):
        y = y0 + i * BOX_PITCH
        pins[n] = Pin(n, -STUB, y, "left")
        prims += [("line", -STUB, y, 0, y), ("text", 0.6, y + 0.4, n, PIN_FONT, "start")]
    for i, n in enumerate(right):
        y = y0 + i * BOX_PITCH
        pins[n] = Pin(n, width + STUB, y, "right")
        prims += [("line", width, y, width + STUB, y), ("text", width - 0.6, y + 0.4, n, PIN_FONT, "end")]

    def spread(names: list[str]) -> list[int]:
        k = len(names)
        start = int(round((width - (k - 1) * tb_pitch) / 2))
        return [start + i * tb_pitch for i in range(k)]

    for n, x in zip(top, spread(top)):
        pins[n] = Pin(n, x, -STUB, "up")
        prims += [("line", x, -STUB, x, 0), ("text", x, 1.5, n, PIN_FONT, "middle")]
    for n, x in zip(bottom, spread(bottom)):
        pins[n] = Pin(n, x, height + STUB, "down")
        prims += [("line", x, height, x, height + STUB), ("text", x, height - 0.6, n, PIN_FONT, "middle")]
    ty = (2.4 if top else 0.6) + FONT
    for i, t in enumerate(title):
        prims.append(("text", width / 2, ty + i * 1.6, t, FONT, "middle", "bold" if i == 0 else ""))
    return Symbol("box", pins, prims, (-STUB if left else 0, -STUB if top else 0,
                                       width + (STUB if right else 0), height + (STUB if bottom else 0)),
                  title=list(title))
