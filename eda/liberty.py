"""Liberty (.lib / .lib.gz) reader: cells, pins, NLDM timing arcs and their lookup tables.

Only what static timing needs is kept: per cell its pins (direction, capacitance) and timing
groups (related pin, timing type/sense, the cell_rise/cell_fall/rise_transition/fall_transition
and rise/fall_constraint tables with their axes resolved against `lu_table_template`s), plus the
library's wire-load models. Parsed libraries are cached (pickle next to nothing in the repo: under
`$XDG_CACHE_HOME/eda/liberty`) keyed by path, size and mtime, so a 13 MB sky130 lib loads in
well under a second after the first parse.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import NetlistError

__all__ = ["Library", "Cell", "Pin", "TimingArc", "Table", "WireLoad", "read_liberty", "parse_liberty"]

_TOKEN = re.compile(r'"[^"]*"|[{}();:,]|[^\s{}();:,"\\]+')
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
TABLE_KINDS = ("cell_rise", "cell_fall", "rise_transition", "fall_transition",
               "rise_constraint", "fall_constraint")


@dataclass
class Table:
    """An NLDM table: `values[i, j]` at (x[i], y[j]); axes named by the template's variables.

    `x` is always the input/related-pin transition axis and `y` the load (or constrained-pin
    transition) axis; 1-D tables get `y = [0]`.
    """

    x: np.ndarray
    y: np.ndarray
    values: np.ndarray
    x_var: str = "input_net_transition"
    y_var: str = "total_output_net_capacitance"

    def __call__(self, x, y):
        """Bilinear interpolation, linear extrapolation outside the axes (as STA tools do)."""
        return interp2(self.x, self.y, self.values, np.asarray(x, float), np.asarray(y, float))


@dataclass
class TimingArc:
    related_pin: str
    pin: str
    timing_type: str = "combinational"
    timing_sense: str = "non_unate"
    tables: dict[str, Table] = field(default_factory=dict)


@dataclass
class Pin:
    name: str
    direction: str = "input"
    capacitance: float = 0.0
    clock: bool = False


@dataclass
class Cell:
    name: str
    area: float = 0.0
    pins: dict[str, Pin] = field(default_factory=dict)
    arcs: list[TimingArc] = field(default_factory=list)
    is_sequential: bool = False


@dataclass
class WireLoad:
    capacitance: float
    resistance: float
    slope: float
    fanout_length: dict[int, float]

    def length(self, fanout: np.ndarray) -> np.ndarray:
        """Estimated wire length for a fanout; beyond the table, extrapolated with `slope`."""
        fo = np.asarray(fanout, int)
        keys = sorted(self.fanout_length)
        top = keys[-1] if keys else 0
        lut = np.array([self.fanout_length.get(k, 0.0) for k in range(top + 1)])
        inside = np.clip(fo, 0, top)
        out = lut[inside]
        over = fo > top
        if top:
            out = np.where(over, lut[top] + (fo - top) * self.slope, out)
        return out


@dataclass
class Library:
    name: str
    time_unit: float = 1e-9
    cap_unit: float = 1e-12
    cells: dict[str, Cell] = field(default_factory=dict)
    wire_loads: dict[str, WireLoad] = field(default_factory=dict)
    default_wire_load: str | None = None


def interp2(xa: np.ndarray, ya: np.ndarray, v: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear interpolation/extrapolation of table `v` (len(xa) x len(ya)) at points (x, y)."""
    def seg(a, q):
        if len(a) == 1:
            return np.zeros(q.shape, int), np.zeros(q.shape)
        i = np.clip(np.searchsorted(a, q) - 1, 0, len(a) - 2)
        return i, (q - a[i]) / (a[i + 1] - a[i])
    i, tx = seg(xa, x)
    j, ty = seg(ya, y)
    if len(ya) == 1:
        if len(xa) == 1:
            return np.broadcast_to(v[0, 0], np.broadcast(x, y).shape).astype(float)
        return v[i, 0] * (1 - tx) + v[i + 1, 0] * tx
    if len(xa) == 1:
        return v[0, j] * (1 - ty) + v[0, j + 1] * ty
    v00, v01, v10, v11 = v[i, j], v[i, j + 1], v[i + 1, j], v[i + 1, j + 1]
    return (v00 * (1 - tx) * (1 - ty) + v01 * (1 - tx) * ty + v10 * tx * (1 - ty) + v11 * tx * ty)


# ---------------------------------------------------------------- generic group tree
class _Group:
    __slots__ = ("kind", "args", "attrs", "children", "line")

    def __init__(self, kind: str, args: list[str], line: int):
        self.kind, self.args, self.line = kind, args, line
        self.attrs: dict[str, list[str]] = {}
        self.children: list[_Group] = []


def _unq(s: str) -> str:
    return s[1:-1] if s.startswith('"') else s


def _parse_tree(text: str, path: str) -> _Group:
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    toks = _TOKEN.findall(text)
    root = _Group("<root>", [], 0)
    stack = [root]
    n, k = len(toks), 0
    while k < n:
        t = toks[k]
        if t == "}":
            if len(stack) == 1:
                raise NetlistError("unbalanced '}'", path)
            stack.pop()
            k += 1
            continue
        if t == ";":
            k += 1
            continue
        nxt = toks[k + 1] if k + 1 < n else ""
        if nxt == ":":                      # simple attribute: name : value ;
            j = k + 2
            vals = []
            while j < n and toks[j] not in (";", "}") and not (toks[j + 1:j + 2] == [":"]):
                vals.append(_unq(toks[j]))
                j += 1
            stack[-1].attrs[t] = [" ".join(vals)]
            k = j
            continue
        if nxt == "(":                      # group or complex attribute: name ( args ) { ... } | ;
            j = k + 2
            args = []
            while j < n and toks[j] != ")":
                if toks[j] != ",":
                    args.append(_unq(toks[j]))
                j += 1
            if j >= n:
                raise NetlistError(f"unterminated '(' after {t}", path)
            j += 1
            if j < n and toks[j] == "{":
                g = _Group(t, args, 0)
                stack[-1].children.append(g)
                stack.append(g)
                j += 1
            else:
                stack[-1].attrs.setdefault(t, args) if t not in ("fanout_length",) else \
                    stack[-1].attrs.setdefault(t + "#%d" % len(stack[-1].attrs), args)
            k = j
            continue
        raise NetlistError(f"unexpected token {t!r}", path)
    if len(stack) != 1:
        raise NetlistError("unterminated group (missing '}')", path)
    return root


def _floats(s: list[str]) -> np.ndarray:
    return np.array([float(x) for a in s for x in a.replace(",", " ").split()], float)


def _unit(s: str, default: float) -> float:
    m = re.match(r"\s*([\d.]+)\s*([a-zA-Z]+)", s or "")
    if not m:
        return default
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15,
             "f": 1.0, "mf": 1e-3, "uf": 1e-6, "nf": 1e-9, "pf": 1e-12, "ff": 1e-15}
    return float(m.group(1)) * scale.get(m.group(2).lower(), default)


def _table(g: _Group, templates: dict[str, dict]) -> Table | None:
    tpl = templates.get(g.args[0] if g.args else "", {})
    vars_ = [tpl.get("variable_1", "input_net_transition"), tpl.get("variable_2", "")]
    ax = [(_floats(g.attrs["index_1"]) if "index_1" in g.attrs else tpl.get("index_1")),
          (_floats(g.attrs["index_2"]) if "index_2" in g.attrs else tpl.get("index_2"))]
    if "values" not in g.attrs:
        return None
    vals = _floats(g.attrs["values"])
    a1 = ax[0] if ax[0] is not None else np.zeros(1)
    a2 = ax[1] if ax[1] is not None and vars_[1] else np.zeros(1)
    if vals.size == 1:
        a1, a2 = np.zeros(1), np.zeros(1)
    v = vals.reshape(len(a1), len(a2))
    # normalise: x = transition of the input/related pin, y = load / constrained transition
    if vars_[0] in ("total_output_net_capacitance", "constrained_pin_transition") and vars_[1]:
        a1, a2, v, vars_ = a2, a1, v.T, vars_[::-1]
    return Table(a1, a2, v, vars_[0], vars_[1])


def _build(root: _Group, path: str) -> Library:
    libs = [g for g in root.children if g.kind == "library"]
    if not libs:
        raise NetlistError("no library group", path)
    lg = libs[0]
    tu = _unit(lg.attrs.get("time_unit", [""])[0], 1e-9)
    cu = 1e-12
    if "capacitive_load_unit" in lg.attrs:
        a = lg.attrs["capacitive_load_unit"]
        cu = float(a[0]) * _unit("1" + a[1], 1e-12) if len(a) > 1 else 1e-12
    lib = Library(lg.args[0] if lg.args else "", tu, cu)
    lib.default_wire_load = lg.attrs.get("default_wire_load", [None])[0]
    templates: dict[str, dict] = {}
    for g in lg.children:
        if g.kind == "lu_table_template" and g.args:
            t: dict = {k: g.attrs[k][0] for k in ("variable_1", "variable_2") if k in g.attrs}
            for k in ("index_1", "index_2"):
                if k in g.attrs:
                    t[k] = _floats(g.attrs[k])
            templates[g.args[0]] = t
        elif g.kind == "wire_load" and g.args:
            fl = {int(float(v[0])): float(v[1]) for k, v in g.attrs.items() if k.startswith("fanout_length")}
            lib.wire_loads[g.args[0]] = WireLoad(float(g.attrs.get("capacitance", ["0"])[0]),
                                                 float(g.attrs.get("resistance", ["0"])[0]),
                                                 float(g.attrs.get("slope", ["0"])[0]), fl)
        elif g.kind == "cell" and g.args:
            cell = Cell(g.args[0], float(g.attrs.get("area", ["0"])[0]))
            pins = []
            for c in g.children:
                if c.kind in ("ff", "latch", "statetable"):
                    cell.is_sequential = True
                elif c.kind == "pin":
                    pins.append(c)
                elif c.kind == "bus" or c.kind == "bundle":
                    pins.extend(p for p in c.children if p.kind == "pin")
            for p in pins:
                for pname in p.args:
                    cell.pins[pname] = Pin(pname, p.attrs.get("direction", ["input"])[0],
                                           float(p.attrs.get("capacitance", ["0"])[0]),
                                           p.attrs.get("clock", ["false"])[0] == "true")
                    for tg in p.children:
                        if tg.kind != "timing":
                            continue
                        tables = {}
                        for tt in tg.children:
                            if tt.kind in TABLE_KINDS:
                                tab = _table(tt, templates)
                                if tab is not None:
                                    tables[tt.kind] = tab
                        for rp in tg.attrs.get("related_pin", [""])[0].split():
                            cell.arcs.append(TimingArc(rp, pname,
                                                       tg.attrs.get("timing_type", ["combinational"])[0],
                                                       tg.attrs.get("timing_sense", ["non_unate"])[0],
                                                       tables))
            lib.cells[cell.name] = cell
    return lib


def parse_liberty(text: str, path: str = "<input>") -> Library:
    """Parse Liberty text (no cache)."""
    return _build(_parse_tree(text, path), path)


def read_liberty(path: str | Path, cache: bool = True) -> Library:
    """Read a `.lib` or `.lib.gz` file; parsed results are cached by path, size and mtime."""
    p = Path(path)
    if not p.is_file():
        raise NetlistError("Liberty file not found", str(p))
    st = p.stat()
    key = hashlib.sha1(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}|v1".encode()).hexdigest()[:16]
    cdir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "eda" / "liberty"
    cfile = cdir / f"{key}.pkl"
    if cache and cfile.is_file():
        try:
            with open(cfile, "rb") as f:
                return pickle.load(f)
        except Exception:  # a stale or partial cache is re-parsed
            pass
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    lib = parse_liberty(raw.decode("utf-8", "replace"), str(p))
    if cache:
        try:
            cdir.mkdir(parents=True, exist_ok=True)
            tmp = cfile.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as f:
                pickle.dump(lib, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cfile)
        except OSError:
            pass
    return lib
