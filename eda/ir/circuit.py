"""The netlist IR: a hierarchical circuit of components, nets, subcircuits and kept statements.

A `Body` is an ordered list of items (components, statements, subcircuit definitions) so that a
writer can emit them in the order read; comments and unknown lines survive as `Statement`s.
`Circuit` is the top body plus file-level facts; `Subcircuit` is a body with ports and parameters.
Nets are not stored separately: they are the names on component pins (and body ports), derived
on demand, which keeps reading cheap and edits consistent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

from .units import parse_value

GROUND_NAMES = frozenset({"0", "gnd", "gnd!", "vss!", "ground"})

# Canonical pin names per kind (positional order of the SPICE element line).
PIN_NAMES: dict[str, tuple[str, ...]] = {
    "R": ("p", "n"), "C": ("p", "n"), "L": ("p", "n"), "V": ("p", "n"), "I": ("p", "n"),
    "B": ("p", "n"), "F": ("p", "n"), "H": ("p", "n"), "W": ("p", "n"),
    "E": ("p", "n", "cp", "cn"), "G": ("p", "n", "cp", "cn"), "S": ("p", "n", "cp", "cn"),
    "D": ("a", "k"), "Q": ("c", "b", "e", "s"), "J": ("d", "g", "s"), "Z": ("d", "g", "s"),
    "M": ("d", "g", "s", "b"), "T": ("p1", "n1", "p2", "n2"), "O": ("p1", "n1", "p2", "n2"),
    "U": ("p", "n", "c"), "Y": ("p1", "n1", "p2", "n2"),
}

KIND_NAMES: dict[str, str] = {
    "R": "resistor", "C": "capacitor", "L": "inductor", "K": "coupling", "V": "vsource",
    "I": "isource", "E": "vcvs", "F": "cccs", "G": "vccs", "H": "ccvs", "B": "behavioral",
    "D": "diode", "Q": "bjt", "J": "jfet", "M": "mosfet", "X": "instance", "S": "vswitch",
    "W": "cswitch", "T": "tline", "O": "ltra", "U": "urc", "Y": "txl", "Z": "mesfet",
    "A": "xspice", "N": "osdi", "P": "cpl", "cell": "digital cell", "part": "board part",
}


_PIN_CACHE: dict[tuple[str, int], tuple[str, ...]] = {}


def pin_names(kind: str, count: int) -> tuple[str, ...]:
    """Canonical names for `count` pins of a component of `kind` (positional names past the table)."""
    key = (kind, count)
    got = _PIN_CACHE.get(key)
    if got is None:
        got = _PIN_CACHE[key] = _pin_names(kind, count)
    return got


def _pin_names(kind: str, count: int) -> tuple[str, ...]:
    base = PIN_NAMES.get(kind, ())
    if count <= len(base):
        return base[:count]
    if kind in ("E", "G") and count % 2 == 0:  # POLY(n): control pairs c1p c1n c2p c2n ...
        return base[:2] + tuple(f"c{i // 2 + 1}{'pn'[i % 2]}" for i in range(count - 2))
    return base + tuple(str(i + 1) for i in range(len(base), count))


class Component:
    """One element: kind letter, name, ordered (pin, net) pairs, model/value, parameters.

    `value` and parameter values keep their original text; `value_si` parses it.
    `args` holds other positional tokens (source waveforms, area factors, controlling names) in
    their original order, `attrs` format-specific extras (footprint, KiCad fields, cell library).
    """

    __slots__ = ("kind", "name", "pins", "nets", "model", "value", "_params", "_args", "_attrs",
                 "line", "comment")

    def __init__(self, kind: str, name: str, nets: list[str], pins: tuple[str, ...] | None = None,
                 model: str | None = None, value: str | None = None,
                 params: dict[str, str] | None = None, args: list[str] | None = None,
                 attrs: dict | None = None, line: int | None = None, comment: str | None = None):
        self.kind, self.name, self.nets = kind, name, nets
        self.pins = pins if pins is not None else pin_names(kind, len(nets))
        self.model, self.value = model, value
        # params/args/attrs are created on first use: most elements have none, and a netlist
        # of a million elements should not pay for a million empty containers.
        self._params, self._args, self._attrs = params or None, args or None, attrs or None
        self.line, self.comment = line, comment

    @property
    def params(self) -> dict[str, str]:
        """`key=value` parameters, values as written (order kept)."""
        if self._params is None:
            self._params = {}
        return self._params

    @params.setter
    def params(self, value: dict[str, str]) -> None:
        self._params = value

    @property
    def args(self) -> list[str]:
        """Other positional tokens in their original order (source waveforms, area, names)."""
        if self._args is None:
            self._args = []
        return self._args

    @args.setter
    def args(self, value: list[str]) -> None:
        self._args = value

    @property
    def attrs(self) -> dict:
        """Format-specific extras (footprint, KiCad fields, cell library, `verbatim`)."""
        if self._attrs is None:
            self._attrs = {}
        return self._attrs

    @attrs.setter
    def attrs(self, value: dict) -> None:
        self._attrs = value

    @property
    def value_si(self) -> float | None:
        """The numeric value (SI units), or None when it is an expression or absent."""
        return parse_value(self.value)

    def connections(self) -> list[tuple[str, str]]:
        """(pin, net) pairs in pin order."""
        return list(zip(self.pins, self.nets))

    def __repr__(self) -> str:
        extra = self.model or self.value or ""
        return f"<{self.kind} {self.name} {' '.join(self.nets)} {extra}>".replace("  ", " ")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Component) and all(
            getattr(self, s) == getattr(other, s) for s in ("kind", "name", "pins", "nets", "model",
                                                              "value")) and \
            (self._params or {}) == (other._params or {}) and (self._args or []) == (other._args or [])

    __hash__ = None  # type: ignore[assignment]


_new = object.__new__


def make_component(kind: str, name: str, nets: list[str], pins: tuple[str, ...], model: str | None,
                   value: str | None, params: dict[str, str] | None, line: int | None) -> Component:
    """A Component with every field given (no defaulting): the readers' hot path.

    Same object as `Component(...)`, built with plain slot stores, which costs about half as
    much as the class call: a million-element netlist makes a million of them.
    """
    c = _new(Component)
    c.kind = kind
    c.name = name
    c.nets = nets
    c.pins = pins
    c.model = model
    c.value = value
    c._params = params or None
    c._args = None
    c._attrs = None
    c.line = line
    c.comment = None
    return c


@dataclass
class Statement:
    """A kept line or block: a directive (`.tran 1n 1u`), a comment, or an unknown line.

    `kind` is `comment`, `directive`, `title` or `raw`; `name` is the lowercased directive keyword
    (`.model`, `.param`, `.include`, `.ac`, `.control` ...); `args` the tokens after it; `text`
    the original text (used verbatim by a same-format writer); `dialect` the format it came from.
    """

    kind: str
    text: str
    name: str = ""
    args: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    line: int | None = None
    dialect: str = "spice"


@dataclass
class Model:
    """A `.model NAME TYPE (params)` card."""

    name: str
    type: str
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""
    line: int | None = None
    dialect: str = "spice"


Item = Union[Component, Statement, Model, "Subcircuit"]


@dataclass
class Body:
    """An ordered list of items: components, statements, models and nested subcircuit definitions."""

    items: list = field(default_factory=list)

    @property
    def components(self) -> list[Component]:
        return [i for i in self.items if isinstance(i, Component)]

    @property
    def subcircuits(self) -> list["Subcircuit"]:
        return [i for i in self.items if isinstance(i, Subcircuit)]

    @property
    def models(self) -> list[Model]:
        return [i for i in self.items if isinstance(i, Model)]

    @property
    def statements(self) -> list[Statement]:
        return [i for i in self.items if isinstance(i, Statement)]

    def add(self, item: Item) -> Item:
        self.items.append(item)
        return item

    def nets(self) -> dict[str, list[tuple[Component, str]]]:
        """Net name -> [(component, pin)] in first-seen order; body ports come first."""
        out: dict[str, list[tuple[Component, str]]] = {p: [] for p in getattr(self, "ports", [])}
        for c in self.components:
            for pin, net in zip(c.pins, c.nets):
                out.setdefault(net, []).append((c, pin))
        return out

    def walk(self, path: str = "") -> Iterator[tuple[str, "Body"]]:
        """(path, body) for this body and every nested subcircuit definition, depth first."""
        # Iterative (explicit stack) so 1000-deep nesting cannot raise RecursionError.
        stack: list[tuple[str, Body]] = [(path, self)]
        while stack:
            p, body = stack.pop()
            yield p, body
            stack.extend((f"{p}{s.name}/", s) for s in reversed(body.subcircuits))


@dataclass
class Subcircuit(Body):
    """A `.subckt` / Verilog module / Spectre subckt definition."""

    name: str = ""
    ports: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    line: int | None = None
    attrs: dict = field(default_factory=dict)


@dataclass
class Circuit(Body):
    """A whole netlist file: the top body plus its title, ports, source and read warnings."""

    title: str | None = None
    ports: list[str] = field(default_factory=list)
    source: str | None = None
    format: str | None = None
    dialect: str | None = None
    warnings: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)

    def all_components(self) -> Iterator[tuple[str, Component]]:
        """(path, component) over the top body and every subcircuit definition."""
        for path, body in self.walk():
            for c in body.components:
                yield path, c

    def find_subcircuit(self, name: str) -> Subcircuit | None:
        """A subcircuit definition by name (case-insensitive, any nesting depth)."""
        low = name.lower()
        for _, body in self.walk():
            if isinstance(body, Subcircuit) and body.name.lower() == low:
                return body
        return None

    def summary(self) -> dict:
        """Counts a user wants first: components, nets, kinds, subcircuits, models."""
        by_kind: dict[str, int] = {}
        n_comp = n_nets = 0
        for _, body in self.walk():
            comps = body.components
            n_comp += len(comps)
            for c in comps:
                by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
            n_nets += len(body.nets())
        directives: dict[str, int] = {}
        for _, body in self.walk():
            for s in body.statements:
                if s.kind == "directive":
                    directives[s.name] = directives.get(s.name, 0) + 1
        return {
            "title": self.title, "format": self.format, "dialect": self.dialect,
            "components": n_comp, "nets": n_nets,
            "by_kind": dict(sorted(by_kind.items())),
            "subcircuits": [s.name for _, s in self.walk() if isinstance(s, Subcircuit)],
            "models": [m.name for _, b in self.walk() for m in b.models],
            "ports": list(self.ports), "directives": dict(sorted(directives.items())),
            "warnings": list(self.warnings),
        }
