"""LTspice schematics (`.asc`, `Version 4`): format `ltspice-asc`, read-only.

A schematic is geometry: `WIRE x1 y1 x2 y2` segments, `FLAG x y name` net labels (`0` is
ground; an `IOPIN` at the same point makes the label a port), `SYMBOL name x y R0..R270|M0..M270`
placements with `SYMATTR InstName/Value/Value2/SpiceLine/SpiceLine2/SpiceModel` attributes, and
`TEXT x y align size !directive` (or `;comment`) texts.

Nets come from coordinates: each symbol's pin offsets (a built-in table of the common LTspice
symbols below, else a `NAME.asy` beside the schematic) are rotated/mirrored and placed; pins,
flags and wire endpoints that coincide are joined, and so is any of them lying on the inside of
another wire (a T-junction); flags with the same name join their nets (union-find throughout).
A net takes its flag's name (`0` wins), else a deterministic `N001`, `N002`... in the order the
symbols' pins first reach it; a pin touching nothing gets `NC_01`, `NC_02`...

Each symbol becomes a Component as LTspice would netlist it: the element line
`NAME nets VALUE VALUE2 SPICELINE SPICELINE2` parsed by the SPICE reader, so values, models,
source arguments and parameters look exactly like a read of LTspice's exported `.net`
(the name gets the symbol's prefix letter when the instance name lacks it: `U1` -> `XU1`).
An unknown symbol with no `.asy` beside the file is kept as kind `X` with no pins (model = the
symbol name) and a warning in `circuit.warnings`. `!` texts are parsed as SPICE (directives,
`.model` cards, even element lines); `;` texts are kept as comments.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..unionfind import UnionFind
from ..errors import NetlistError
from ..ir import Body, Circuit, Component, Statement, pin_names
from .registry import Format, register

__all__ = ["read_ltspice_asc", "sniff_ltspice_asc", "SYMBOLS", "symbol_pins", "transform"]

# name -> (kind, default value, pin offsets in SpiceOrder); from LTspice's lib/sym/*.asy.
SYMBOLS: dict[str, tuple[str, str | None, tuple[tuple[int, int], ...]]] = {}


def _sym(names: str, kind: str, value: str | None, pins) -> None:
    for n in names.split():
        SYMBOLS[n] = (kind, value, tuple(pins))


_sym("res", "R", "R", [(16, 16), (16, 96)])
_sym("res2", "R", "R", [(16, 0), (16, 64)])
_sym("cap polcap", "C", "C", [(16, 0), (16, 64)])
_sym("ind ind2", "L", "L", [(16, 16), (16, 96)])
_sym("voltage", "V", None, [(0, 16), (0, 96)])
_sym("current", "I", None, [(0, 0), (0, 80)])
_sym("diode zener schottky led varactor", "D", "D", [(16, 0), (16, 64)])
_sym("npn npn2", "Q", "NPN", [(64, 0), (0, 48), (64, 96)])
_sym("pnp pnp2", "Q", "PNP", [(64, 0), (0, 48), (64, 96)])
_sym("nmos", "M", "NMOS", [(48, 0), (0, 80), (48, 96)])
_sym("pmos", "M", "PMOS", [(48, 0), (0, 80), (48, 96)])
_sym("nmos4", "M", "NMOS", [(48, 0), (0, 80), (48, 96), (48, 48)])
_sym("pmos4", "M", "PMOS", [(48, 0), (0, 80), (48, 96), (48, 48)])
_sym("njf", "J", "NJF", [(48, 0), (0, 64), (48, 96)])
_sym("pjf", "J", "PJF", [(48, 0), (0, 64), (48, 96)])
_sym("sw", "S", "SW", [(0, 16), (0, 96), (-48, 80), (-48, 32)])
_sym("e", "E", "E", [(0, 16), (0, 96), (-48, 32), (-48, 80)])
_sym("g", "G", "G", [(0, 96), (0, 16), (-48, 32), (-48, 80)])
_sym("f", "F", "F", [(0, 0), (0, 80)])
_sym("h", "H", "H", [(0, 16), (0, 96)])
_sym("bv", "B", "V=F(...)", [(0, 16), (0, 96)])
_sym("bi", "B", "I=F(...)", [(0, 0), (0, 80)])
_sym("opamp", "X", "opamp", [(-32, 80), (-32, 48), (32, 64)])
_sym("opamp2", "X", "opamp2", [(-32, 80), (-32, 48), (0, 32), (0, 96), (32, 64)])

_SYMBOL_RE = re.compile(r"\s*SYMBOL\s+((?:\\.|[^\s\\])+)\s+(\S+)\s+(\S+)\s+(\S+)")
_ROTATIONS = {"R0", "R90", "R180", "R270", "M0", "M90", "M180", "M270"}
_ATTR_LINE_KEYS = ("Value", "Value2", "SpiceLine", "SpiceLine2")


def transform(dx: int, dy: int, orient: str) -> tuple[int, int]:
    """A symbol-relative pin offset under an LTspice orientation (`R90`: (x, y) -> (-y, x);
    `Mn`: mirror x first, then rotate)."""
    if orient[0] == "M":
        dx = -dx
    for _ in range((int(orient[1:]) // 90) % 4):
        dx, dy = -dy, dx
    return dx, dy


def _basename(symbol: str) -> str:
    return re.split(r"[\\/]+", symbol)[-1]


def symbol_pins(symbol: str) -> tuple[str, str | None, tuple[tuple[int, int], ...]] | None:
    """(kind, default value, pin offsets) of a built-in symbol (`Opamps\\opamp2` by basename)."""
    return SYMBOLS.get(_basename(symbol).lower())


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and data[1:2] == b"\x00"):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _load_asy(symbol: str, path: str) -> tuple[str, str | None, tuple, str | None] | None:
    """(kind, default value, pin offsets, model) from a `.asy` beside the schematic, or None."""
    try:
        base = Path(path).parent
        if path.startswith("<") or not base.is_dir():
            return None
        rel = [p for p in re.split(r"[\\/]+", symbol) if p and p not in (".", "..")]
        cands = [base.joinpath(*rel).with_name(rel[-1] + ".asy")] if rel else []
        cands.append(base / (_basename(symbol) + ".asy"))
        for cand in cands:
            if cand.is_file():
                text = _decode(cand.read_bytes())
                break
        else:
            return None
    except (OSError, ValueError):
        return None
    pins: list[tuple[int, int, int]] = []  # (order, x, y)
    attrs: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        try:
            if parts[0] == "PIN" and len(parts) >= 3:
                pins.append((len(pins) + 1, int(parts[1]), int(parts[2])))
            elif parts[0] == "PINATTR" and len(parts) >= 3 and parts[1] == "SpiceOrder" and pins:
                pins[-1] = (int(parts[2]), pins[-1][1], pins[-1][2])
            elif parts[0] == "SYMATTR" and len(parts) >= 3:
                attrs[parts[1]] = line.split(None, 2)[2].strip()
        except ValueError:
            return None
    prefix = (attrs.get("Prefix") or "X")[:1].upper()
    kind = prefix if prefix.isalpha() else "X"
    model = attrs.get("SpiceModel") or (_basename(symbol) if kind == "X" else None)
    offs = tuple((x, y) for _, x, y in sorted(pins, key=lambda p: p[0]))
    return kind, attrs.get("Value"), offs, model


class _Sym:
    __slots__ = ("name", "x", "y", "orient", "line", "attrs")

    def __init__(self, name, x, y, orient, line):
        self.name, self.x, self.y, self.orient, self.line = name, x, y, orient, line
        self.attrs: dict[str, str] = {}


def _ints(parts: list[str], n: int, line: str, ln: int, path: str) -> list[int]:
    if len(parts) < n + 1:
        raise NetlistError(f"{parts[0]}: expected {n} coordinates", path, ln, len(line) + 1)
    out = []
    for i in range(1, n + 1):
        try:
            out.append(int(parts[i]))
        except ValueError:
            col = _col(line, parts, i)
            raise NetlistError(f"{parts[0]}: expected an integer coordinate, found "
                               f"{parts[i][:30]!r}", path, ln, col) from None
    return out


def _col(line: str, parts: list[str], i: int) -> int:
    pos = 0
    for k in range(i + 1):
        pos = line.find(parts[k], pos)
        if k < i:
            pos += len(parts[k])
    return max(pos, 0) + 1


def _text_body(line: str) -> str:
    """The text of a `TEXT x y align size text` line (everything after the 5th field)."""
    m = re.match(r"\s*TEXT\s+\S+\s+\S+\s+\S+\s+\S+\s?(.*)$", line)
    return m.group(1) if m else ""


def read_ltspice_asc(text: str, path: str = "<input>") -> Circuit:
    """Read an LTspice `.asc` schematic into a Circuit (nets from wire/pin geometry)."""
    if "\x00" in text[:200]:  # UTF-16 read as 8-bit text
        try:
            text = text.encode("latin-1").decode("utf-16")
        except (UnicodeError, ValueError):
            raise NetlistError("binary data, not an LTspice schematic", path, 1, 1) from None
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first = next(((i, ln) for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or not first[1].strip().startswith("Version"):
        ln = first[0] + 1 if first else 1
        raise NetlistError("expected an LTspice schematic starting with 'Version 4'", path, ln, 1)
    circuit = Circuit(format="ltspice-asc", dialect="ltspice")
    circuit.attrs["ltspice_version"] = first[1].split(None, 1)[1].strip() \
        if len(first[1].split()) > 1 else ""
    wires: list[tuple[int, int, int, int]] = []
    flags: list[tuple[int, int, str]] = []
    iopins: set[tuple[int, int]] = set()
    syms: list[_Sym] = []
    order: list = []  # _Sym or Statement/Model/Component in file order
    cur: _Sym | None = None
    for i, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        key = parts[0]
        if key == "WIRE":
            wires.append(tuple(_ints(parts, 4, line, i, path)))  # type: ignore[arg-type]
        elif key == "FLAG":
            x, y = _ints(parts, 2, line, i, path)
            if len(parts) < 4:
                raise NetlistError("FLAG: expected a net name after the coordinates", path, i,
                                   len(line) + 1)
            flags.append((x, y, parts[3]))
        elif key == "IOPIN":
            x, y = _ints(parts, 2, line, i, path)
            iopins.add((x, y))
        elif key == "SYMBOL":
            m = _SYMBOL_RE.match(line)
            if m is None:
                raise NetlistError("SYMBOL: expected 'SYMBOL name x y R0|R90|...'", path, i,
                                   len(line) + 1)
            sparts = ["SYMBOL", m.group(2), m.group(3)]
            x, y = _ints(sparts, 2, line, i, path)
            orient = m.group(4)
            if orient not in _ROTATIONS:
                raise NetlistError(f"SYMBOL: unknown orientation {orient[:20]!r} (expected R0, "
                                   f"R90, R180, R270, M0, M90, M180 or M270)", path, i,
                                   m.start(4) + 1)
            sname = re.sub(r"\\(.)", r"\1", m.group(1))
            cur = _Sym(sname, x, y, orient, i)
            syms.append(cur)
            order.append(cur)
        elif key == "SYMATTR":
            if cur is None:
                circuit.warnings.append(f"{path}:{i}: SYMATTR before any SYMBOL ignored")
                continue
            bits = line.strip().split(None, 2)
            if len(bits) >= 2:
                cur.attrs[bits[1]] = bits[2].strip() if len(bits) > 2 else ""
        elif key == "TEXT":
            body = _text_body(line)
            if body.startswith("!"):
                order.extend(_directives(body[1:], i, path, circuit))
            elif body.startswith(";"):
                for part in body[1:].split("\\n"):
                    order.append(Statement("comment", "* " + part, line=i, dialect="ltspice"))
        elif key == "SHEET":
            circuit.attrs.setdefault("ltspice_sheets", []).append(" ".join(parts[1:]))
        # WINDOW, LINE, RECTANGLE, CIRCLE, ARC, DATAFLAG, BUSTAP ...: drawing only

    # ---- connectivity --------------------------------------------------------------------
    uf = UnionFind()
    points: set[tuple[int, int]] = set()
    for x1, y1, x2, y2 in wires:
        uf.union((x1, y1), (x2, y2))
        points.add((x1, y1))
        points.add((x2, y2))
    for x, y, name in flags:
        uf.union((x, y), ("flag", name))
        points.add((x, y))
    placed: list[tuple[_Sym, str, str | None, list[tuple[int, int]], str | None]] = []
    for s in syms:
        info = symbol_pins(s.name)
        model = None
        if info is None:
            got = _load_asy(s.name, path)
            if got is not None:
                kind, default, offs, model = got
            else:
                kind, default, offs = "X", None, ()
                circuit.warnings.append(
                    f"{path}:{s.line}: unknown symbol '{s.name}' "
                    f"({s.attrs.get('InstName', '?')}): kept with no pins")
        else:
            kind, default, offs = info
        pts = []
        for dx, dy in offs:
            tx, ty = transform(dx, dy, s.orient)
            pts.append((s.x + tx, s.y + ty))
        for p in pts:
            uf.find(p)
            points.add(p)
        placed.append((s, kind, default, pts, model))
    _junctions(wires, points, uf)

    # ---- net names -----------------------------------------------------------------------
    names: dict = {}
    for x, y, name in flags:  # ground wins, then the first flag
        r = uf.find((x, y))
        if name == "0" or r not in names:
            if names.get(r) != "0":
                names[r] = name
    ports = []
    for x, y, name in flags:
        if (x, y) in iopins and name not in ports:
            ports.append(name)
    circuit.ports = ports
    touch: dict = {}
    for p in points:
        r = uf.find(p)
        touch[r] = touch.get(r, 0) + 1
    pin_count: dict = {}
    for _, _, _, pts, _ in placed:
        for p in pts:
            pin_count[p] = pin_count.get(p, 0) + 1
    auto = nc = 0
    comps: dict[int, Component] = {}
    for s, kind, default, pts, model in placed:
        nets = []
        for p in pts:
            r = uf.find(p)
            if r not in names:
                if touch.get(r, 0) == 1 and pin_count.get(p, 0) == 1:
                    nc += 1
                    names[r] = f"NC_{nc:02d}"
                else:
                    auto += 1
                    names[r] = f"N{auto:03d}"
            nets.append(names[r])
        comps[id(s)] = _component(s, kind, default, nets, model, path, circuit)

    for item in order:
        if isinstance(item, _Sym):
            circuit.items.append(comps[id(item)])
        else:
            circuit.items.append(item)
    return circuit


def _junctions(wires, points, uf: UnionFind) -> None:
    """Join every point lying strictly inside a wire to that wire (T-junctions)."""
    horiz: dict[int, list[tuple[int, int, tuple]]] = {}
    vert: dict[int, list[tuple[int, int, tuple]]] = {}
    diag = []
    for x1, y1, x2, y2 in wires:
        a = (x1, y1)
        if y1 == y2 and x1 != x2:
            horiz.setdefault(y1, []).append((min(x1, x2), max(x1, x2), a))
        elif x1 == x2 and y1 != y2:
            vert.setdefault(x1, []).append((min(y1, y2), max(y1, y2), a))
        elif x1 != x2:
            diag.append((x1, y1, x2, y2))
    for px, py in points:
        for lo, hi, a in horiz.get(py, ()):
            if lo < px < hi:
                uf.union(a, (px, py))
        for lo, hi, a in vert.get(px, ()):
            if lo < py < hi:
                uf.union(a, (px, py))
        for x1, y1, x2, y2 in diag:
            if (px - x1) * (y2 - y1) == (py - y1) * (x2 - x1) and \
                    min(x1, x2) < px < max(x1, x2) and min(y1, y2) <= py <= max(y1, y2):
                uf.union((x1, y1), (px, py))


def _directives(body: str, ln: int, path: str, circuit: Circuit) -> list:
    """Items from a `!` text: SPICE lines (directives, .model cards, element lines)."""
    from .spice import parse_into
    text = body.replace("\\n", "\n")
    tmp = Body()
    try:
        parse_into(tmp, text, path, ln, circuit)
    except NetlistError as e:
        circuit.warnings.append(f"{path}:{ln}: directive kept as text ({e.message})")
        return [Statement("directive", t, name=t.split()[0].lower() if t.split() else "",
                          args=t.split()[1:], line=ln, dialect="ltspice")
                for t in text.split("\n") if t.strip()]
    for item in tmp.items:
        if hasattr(item, "line"):
            item.line = ln
        if isinstance(item, Statement):
            item.dialect = "ltspice"
    return tmp.items


def _component(s: _Sym, kind: str, default: str | None, nets: list[str], model: str | None,
               path: str, circuit: Circuit) -> Component:
    """The component LTspice would netlist for a placed symbol."""
    from .spice import _Ctx, _element
    from .spice_lex import tokenize
    inst = s.attrs.get("InstName") or f"{kind}{s.line}"
    name = inst if inst[:1].upper() == kind else kind + inst
    attrs = {"ltspice_symbol": s.name, "ltspice_at": [s.x, s.y, s.orient]}
    if not nets:  # unknown symbol: nothing to parse
        return Component(kind, name, [], (), model=_basename(s.name),
                         value=s.attrs.get("Value") or None, attrs=attrs, line=s.line)
    value = s.attrs.get("Value")
    if value in ('""', "''"):
        value = s.attrs["Value"] = ""
    if value is None or value == "":
        value = default
    tail = [value] if value else []
    if kind == "X":
        spice_model = s.attrs.get("SpiceModel") or model
        if spice_model and s.attrs.get("Value") and "=" in s.attrs["Value"]:
            tail = [spice_model, s.attrs["Value"]]   # opamp: 'Aol=100K GBW=10Meg'
        elif not value:
            tail = [spice_model or _basename(s.name)]
    for k in _ATTR_LINE_KEYS[1:]:
        v = s.attrs.get(k)
        if v:
            tail.append(v)
    line_text = " ".join([name, *[f"n{i}" for i in range(len(nets))], *tail])
    ctx = _Ctx(path, set(), circuit, "ltspice")
    try:
        toks = tokenize(line_text, path, s.line)
        comp = _element(toks, s.line, ctx, None, n_nets=len(nets))
        if len(comp.nets) != len(nets):
            raise NetlistError("pin count", path, s.line)
    except NetlistError:
        circuit.warnings.append(f"{path}:{s.line}: {name}: attributes kept as text")
        comp = Component(kind, name, [], model=model if kind == "X" else None,
                         value=value, args=tail[1:] if value else tail)
    comp.nets = nets
    comp.pins = pin_names(kind, len(nets))
    comp.line = s.line
    comp.attrs.update(attrs)
    return comp


def sniff_ltspice_asc(head: str, path: str) -> int:
    h = head.lstrip("\ufeff \t\r\n")
    if h.startswith("Version 4"):
        return 90
    if h.startswith("V\x00e\x00r\x00s\x00i\x00o\x00n\x00"):
        return 90
    return 0


register(Format(
    name="ltspice-asc", extensions=(".asc",), reader=read_ltspice_asc, writer=None,
    sniff=sniff_ltspice_asc,
    description="LTspice schematic (.asc): nets from wire/flag/pin geometry (read-only)",
    drops="(read-only)", aliases=("asc", "ltspice-schematic")))
