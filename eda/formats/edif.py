"""EDIF 2 0 0 netlists (read-only): format `edif`.

`(edif NAME (library L (cell C (view V (interface (port P ...)) (contents (instance I (viewRef V
(cellRef C2 (libraryRef L2)))) (net N (joined (portRef P (instanceRef I)) (portRef P))))))))
(design D (cellRef TOP (libraryRef L))))`. Keywords are case-insensitive; `(rename id "text")`
gives the displayed name; `(array name N)` ports expand to bits named `base[i]` (the index range
taken from the rename text, e.g. `"a[3:0]"`), `(member name i)` refers to one bit.

Mapping: each cell with contents becomes a `Subcircuit` (ports = its interface bits), each instance
an `X` component with `model` = the referenced cell's name, `pins` = the port bits it connects,
`params` = its properties. The design's top cell becomes the top level (`Circuit.ports` = its
ports). Nets joined to a port of the cell are named by that port. Every cell's interface (leaf
primitives included) is kept in `Circuit.attrs["edif_cells"]`.
"""
from __future__ import annotations

import re

from ..errors import NetlistError
from ..ir import Circuit, Component, Subcircuit
from . import sexpr
from .registry import Format, register

__all__ = ["read_edif", "sniff_edif"]

_RANGE = re.compile(r"^(.*?)\s*[\[\(<](\d+)\s*:\s*(\d+)[\]\)>]\s*$")


def _lower_heads(tree) -> None:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node and isinstance(node[0], str):
            node[0] = node[0].lower()
        stack.extend(x for x in node if isinstance(x, list))


def _ident(s: str) -> str:
    return s[1:] if s.startswith("&") else s


def _name(x) -> tuple[str, str]:
    """(identifier, display name) of a nameDef: `id`, `(rename id "text")`, `(name id ...)`."""
    if isinstance(x, str):
        i = _ident(x)
        return i, i
    h = sexpr.head(x)
    if h == "rename" and len(x) >= 2:
        i, _ = _name(x[1])
        disp = x[2] if len(x) >= 3 and isinstance(x[2], str) else None
        if disp is None and len(x) >= 3 and sexpr.head(x[2]) == "stringdisplay":
            disp = sexpr.atom(x[2])
        return i, disp if disp is not None else i
    if h == "name" and len(x) >= 2:
        return _name(x[1])
    raise ValueError(f"expected a name, found ({h} ...)")


def _bits(x) -> tuple[str, list[str]]:
    """(identifier, bit display names) of a port/net nameDef, arrays expanded."""
    if sexpr.head(x) == "array":
        ident, disp = _name(x[1])
        width = int(x[2])
        if width < 0 or width > 1_000_000:
            raise ValueError(f"array width {width} out of range")
        m = _RANGE.match(disp)
        if m:
            base, msb, lsb = m.group(1), int(m.group(2)), int(m.group(3))
            step = -1 if msb >= lsb else 1
            return ident, [f"{base}[{msb + step * i}]" for i in range(width)]
        return ident, [f"{disp}[{i}]" for i in range(width)]
    ident, disp = _name(x)
    return ident, [disp]


def _prop_value(p):
    """The text of a property's typed value: (string "x"), (integer 5), (boolean (true))..."""
    for v in p[2:]:
        if isinstance(v, list):
            h = sexpr.head(v)
            if h in ("owner", "unit", "comment"):
                continue
            if h == "boolean":
                inner = [sexpr.head(b) for b in v[1:] if isinstance(b, list)]
                return inner[0] if inner else ""
            if h == "number":
                e = sexpr.find(v, "e")
                if e is not None and len(e) >= 3:
                    return f"{e[1]}e{e[2]}"
            a = sexpr.atom(v)
            return a if a is not None else ""
        if isinstance(v, str):
            return v
    return ""


class _Cell:
    __slots__ = ("lib", "ident", "name", "ports", "port_bits", "dirs", "contents", "node", "sub")

    def __init__(self, lib, ident, name, node):
        self.lib, self.ident, self.name, self.node = lib, ident, name, node
        self.ports: list[str] = []                 # bit names in interface order
        self.port_bits: dict[str, list[str]] = {}  # port identifier -> bit names
        self.dirs: dict[str, str] = {}
        self.contents = None
        self.sub = None


class _Reader:
    def __init__(self, path: str):
        self.path = path
        self.where = None
        self.cells: dict[tuple[str, str], _Cell] = {}
        self.names: set[str] = set()
        self.warnings: list[str] = []

    def fail(self, msg: str):
        w = self.where
        raise NetlistError(msg, self.path, getattr(w, "line", None), getattr(w, "col", None))

    def read(self, tree) -> Circuit:
        ident, title = _name(tree[1]) if len(tree) > 1 else ("", "")
        circuit = Circuit(title=title, format="edif", dialect="edif-2.0.0")
        libs = sexpr.find_all(tree, "library") + sexpr.find_all(tree, "external")
        libs.sort(key=lambda n: (n.line or 0, n.col or 0))
        for lib in libs:
            self.where = lib
            lib_id, _ = _name(lib[1])
            for cell in sexpr.find_all(lib, "cell"):
                self.where = cell
                self.add_cell(lib_id, cell)
        top = None
        design = sexpr.find(tree, "design")
        if design is not None:
            self.where = design
            cref = sexpr.find(design, "cellref")
            if cref is not None:
                top = self.lookup(cref, None)
                if top is None:
                    self.warnings.append(f"{self.path}:{design.line}: design names unknown cell")
        if top is None:  # no design: the last cell with contents
            with_contents = [c for c in self.cells.values() if c.contents is not None]
            top = with_contents[-1] if with_contents else None
        for cell in self.cells.values():
            if cell.contents is None or cell is top:
                continue
            sub = Subcircuit(name=cell.name, ports=list(cell.ports), line=cell.node.line,
                             attrs={"library": cell.lib, "edif_name": cell.ident,
                                    "port_directions": dict(cell.dirs)})
            self.fill(cell, sub)
            circuit.items.append(sub)
        if top is not None:
            circuit.ports = list(top.ports)
            if top.contents is not None:
                self.fill(top, circuit)
            circuit.attrs["edif_top"] = top.name
            circuit.attrs["port_directions"] = dict(top.dirs)
        circuit.attrs["edif_cells"] = {
            c.name: {"library": c.lib, "ports": list(c.ports), "directions": dict(c.dirs),
                     "primitive": c.contents is None} for c in self.cells.values()}
        circuit.warnings.extend(self.warnings)
        return circuit

    def add_cell(self, lib_id: str, cell) -> None:
        ident, disp = _name(cell[1])
        name = disp if disp not in self.names else f"{lib_id}__{disp}"
        self.names.add(name)
        c = _Cell(lib_id, ident, name, cell)
        views = sexpr.find_all(cell, "view")
        view = next((v for v in views if sexpr.find(v, "contents") is not None),
                    views[0] if views else None)
        if view is not None:
            iface = sexpr.find(view, "interface")
            for port in sexpr.find_all(iface, "port") if iface is not None else []:
                self.where = port
                pid, bits = _bits(port[1])
                c.port_bits[pid] = bits
                c.ports.extend(bits)
                d = sexpr.atom(port, "direction")
                if d is not None:
                    for b in bits:
                        c.dirs[b] = d.lower()
            c.contents = sexpr.find(view, "contents")
        self.cells[(lib_id, ident)] = c

    def lookup(self, cellref, lib_default: str | None):
        cid, _ = _name(cellref[1])
        lref = sexpr.find(cellref, "libraryref")
        lib = _name(lref[1])[0] if lref is not None else lib_default
        if lib is not None and (lib, cid) in self.cells:
            return self.cells[(lib, cid)]
        for (_, i), c in self.cells.items():  # library left out or unknown: by cell name alone
            if i == cid:
                return c
        return None

    def fill(self, cell: _Cell, body) -> None:
        contents = cell.contents
        insts: dict[str, tuple[Component, _Cell | None]] = {}
        conns: dict[str, list[tuple[str, str]]] = {}
        for inst in sexpr.find_all(contents, "instance"):
            self.where = inst
            iid, disp = _name(inst[1])
            vref = sexpr.find(inst, "viewref")
            cref = sexpr.find(vref, "cellref") if vref is not None else None
            target = self.lookup(cref, cell.lib) if cref is not None else None
            if target is None:
                model = _name(cref[1])[1] if cref is not None else None
                self.warnings.append(f"{self.path}:{inst.line}: instance {disp} of unknown cell "
                                     f"{model}")
            else:
                model = target.name
            params = {_name(p[1])[1]: _prop_value(p) for p in sexpr.find_all(inst, "property")}
            comp = Component("X", disp, [], (), model=model, params=params,
                             attrs={"library": target.lib if target else None,
                                    "edif_name": iid}, line=inst.line)
            insts[iid] = (comp, target)
            conns[iid] = []
        port_net: dict[str, str] = {}
        net_pairs: list[tuple[str, list[tuple[str | None, str]]]] = []
        for net in sexpr.find_all(contents, "net"):
            self.where = net
            if sexpr.head(net[1]) == "array":
                self.warnings.append(f"{self.path}:{net.line}: net arrays are not supported")
                continue
            _, nname = _name(net[1])
            joined = sexpr.find(net, "joined")
            refs = []
            for pr in sexpr.find_all(joined, "portref") if joined is not None else []:
                self.where = pr
                iref = sexpr.find(pr, "instanceref")
                iid = _name(iref[1])[0] if iref is not None else None
                tcell = cell if iid is None else (insts[iid][1] if iid in insts else None)
                if iid is not None and iid not in insts:
                    self.fail(f"portRef names unknown instance '{iid}' in cell {cell.name}")
                if sexpr.head(pr[1]) == "member":
                    pid, _ = _name(pr[1][1])
                    idx = int(pr[1][2])
                    bits = tcell.port_bits.get(pid) if tcell is not None else None
                    bit = bits[idx] if bits and 0 <= idx < len(bits) else f"{pid}[{idx}]"
                else:
                    pid, pdisp = _name(pr[1])
                    bits = tcell.port_bits.get(pid) if tcell is not None else None
                    bit = bits[0] if bits and len(bits) == 1 else pdisp
                refs.append((iid, bit))
                if iid is None:
                    port_net.setdefault(nname, bit)
            net_pairs.append((nname, refs))
        aliases: dict[str, str] = {}
        for nname, refs in net_pairs:
            name = port_net.get(nname, nname)
            for iid, bit in refs:
                if iid is None:
                    if bit != name:
                        aliases[bit] = name
                else:
                    conns[iid].append((bit, name))
        if aliases:
            body.attrs["port_aliases"] = aliases
            self.warnings.append(f"{self.path}: cell {cell.name}: ports {sorted(aliases)} share a "
                                 f"net with another port")
        for iid, (comp, target) in insts.items():
            pairs = conns[iid]
            if target is not None and target.ports:
                order = {b: i for i, b in enumerate(target.ports)}
                pairs.sort(key=lambda bn: order.get(bn[0], len(order)))
            comp.pins = tuple(b for b, _ in pairs)
            comp.nets = [n for _, n in pairs]
            body.items.append(comp)


def read_edif(text: str, path: str = "<input>") -> Circuit:
    """Read an EDIF 2 0 0 netlist."""
    tree = sexpr.parse_one(text, path, escapes=False)
    _lower_heads(tree)
    if sexpr.head(tree) != "edif":
        raise NetlistError(f"expected '(edif ...)', found '({sexpr.head(tree) or ''} ...'", path,
                           tree.line, tree.col)
    r = _Reader(path)
    r.where = tree
    try:
        return r.read(tree)
    except NetlistError:
        raise
    except (IndexError, ValueError, TypeError, AttributeError, KeyError) as e:
        r.fail(f"malformed EDIF near '({sexpr.head(r.where) or ''}': {e}")
    raise AssertionError("unreachable")  # pragma: no cover


def sniff_edif(head: str, path: str) -> int:
    return 95 if re.match(r"\s*\(\s*edif\b", head.lstrip("\ufeff"), re.I) else 0


register(Format(
    name="edif", extensions=(".edf", ".edif", ".edn"), reader=read_edif, writer=None,
    sniff=sniff_edif, description="EDIF 2 0 0 netlist (read-only; Vivado and other exports)",
    drops="read-only format", aliases=("edf",)))
