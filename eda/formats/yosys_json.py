"""Yosys `write_json` netlists: modules with ports, cells and netnames over integer bit ids.

Reading: each module becomes a `Subcircuit`; each cell a `Component` of kind `cell` with
`model` = the cell type, pins = the cell's ports (`A`, or `A[w-1]` ... `A[0]` for multi-bit
ports, MSB first as in the Verilog reader), params = the cell parameters as text, and
`attrs['port_directions']` the cell's port directions. A bit id becomes a net named after the
first visible netname that holds it (`name` or `name[i]`), else a port, else a hidden netname,
else `n<id>`; constant bits "0"/"1"/"x"/"z" become nets `1'b0`, `1'b1`, `1'bx`, `1'bz` (the same
names the Verilog reader uses). Subcircuit ports are the port bits, MSB first; port directions,
order and ranges go in `Subcircuit.attrs` like the Verilog reader's. The raw JSON parts that are
not modeled (attributes, netnames, bit ids) are kept in `attrs['yosys']`, so a write reproduces
the same document.
"""
from __future__ import annotations

import json
import re

from ..errors import NetlistError
from ..ir import Circuit, Component, Subcircuit
from .registry import Format, register

__all__ = ["read_yosys_json", "write_yosys_json", "strip_trailing_commas"]

_CONSTS = {"0": "1'b0", "1": "1'b1", "x": "1'bx", "z": "1'bz"}
_CONST_BITS = {v: k for k, v in _CONSTS.items()}
_BIT = re.compile(r"(.+)\[(-?\d+)\]\Z")


def _fail(msg: str, path: str, text: str, key: str | None = None):
    line, col = 1, 1
    if key is not None:
        pos = text.find(json.dumps(key))
        if pos >= 0:
            line = text.count("\n", 0, pos) + 1
            col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    raise NetlistError(msg, path, line, col)


def _bit_names(name: str, bits: list, offset: int = 0, upto: bool = False) -> list[str]:
    w = len(bits)
    if w == 1 and not offset:
        return [name]
    return [f"{name}[{offset + (w - 1 - k if upto else k)}]" for k in range(w)]


def _check_bits(bits, where: str, path: str, text: str) -> list:
    if not isinstance(bits, list):
        _fail(f"{where}: 'bits' must be a list", path, text, where.rsplit(" ", 1)[-1])
    for b in bits:
        if isinstance(b, bool) or not (isinstance(b, int) or (isinstance(b, str) and b in _CONSTS)):
            _fail(f"{where}: bad bit {b!r} (expected an integer or \"0\"/\"1\"/\"x\"/\"z\")", path,
                  text, where.rsplit(" ", 1)[-1])
    return bits


def _module(name: str, m: dict, path: str, text: str) -> Subcircuit:
    if not isinstance(m, dict):
        _fail(f"module '{name}' is not an object", path, text, name)
    ports = m.get("ports", {}) or {}
    cells = m.get("cells", {}) or {}
    netnames = m.get("netnames", {}) or {}
    for what, d in (("ports", ports), ("cells", cells), ("netnames", netnames)):
        if not isinstance(d, dict):
            _fail(f"module '{name}': '{what}' must be an object", path, text, name)
    names: dict[int, str] = {}
    taken: set[str] = set(_CONSTS.values())

    def claim(bits, base, offset=0, upto=False):
        for b, n in zip(bits, _bit_names(base, bits, offset, upto)):
            if isinstance(b, int) and b not in names and n not in taken:
                names[b] = n
                taken.add(n)

    def intval(d, k, default=0):
        v = d.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int):
            _fail(f"module '{name}': '{k}' must be an integer", path, text, k)
        return v

    hidden = []
    for nn, d in netnames.items():
        if not isinstance(d, dict):
            _fail(f"netname '{nn}' is not an object", path, text, nn)
        bits = _check_bits(d.get("bits", []), f"netname {nn}", path, text)
        if d.get("hide_name"):
            hidden.append((nn, d, bits))
        else:
            claim(bits, nn, intval(d, "offset"), bool(d.get("upto")))
    order, dirs, ranges, pbits = [], {}, {}, []
    for pn, d in ports.items():
        if not isinstance(d, dict):
            _fail(f"port '{pn}' is not an object", path, text, pn)
        bits = _check_bits(d.get("bits", []), f"port {pn}", path, text)
        claim(bits, pn, intval(d, "offset"), bool(d.get("upto")))
        order.append(pn)
        dirs[pn] = str(d.get("direction", "inout"))
        off, w = intval(d, "offset"), len(bits)
        if w != 1 or off:
            ranges[pn] = [off, off + w - 1] if d.get("upto") else [off + w - 1, off]
        pbits.append(bits)
    for nn, d, bits in hidden:
        claim(bits, nn, intval(d, "offset"), bool(d.get("upto")))

    def net(b) -> str:
        if isinstance(b, str):
            return _CONSTS[b]
        n = names.get(b)
        if n is None:
            n = f"n{b}"
            while n in taken:
                n += "_"
            names[b] = n
            taken.add(n)
        return n

    sub = Subcircuit(name=name)
    for bits in pbits:
        sub.ports += [net(b) for b in reversed(bits)]
    for cn, d in cells.items():
        if not isinstance(d, dict):
            _fail(f"cell '{cn}' is not an object", path, text, cn)
        conns = d.get("connections", {}) or {}
        if not isinstance(conns, dict):
            _fail(f"cell '{cn}': 'connections' must be an object", path, text, cn)
        pins, nets = [], []
        for pn, bits in conns.items():
            _check_bits(bits, f"cell {cn} port {pn}", path, text)
            w = len(bits)
            if w == 1:
                pins.append(pn)
                nets.append(net(bits[0]))
            else:
                for k in reversed(range(w)):
                    pins.append(f"{pn}[{k}]")
                    nets.append(net(bits[k]))
        params = d.get("parameters", {}) or {}
        if not isinstance(params, dict):
            _fail(f"cell '{cn}': 'parameters' must be an object", path, text, cn)
        typ = d.get("type")
        if not isinstance(typ, str):
            _fail(f"cell '{cn}' has no 'type'", path, text, cn)
        attrs = {"yosys": {k: v for k, v in d.items() if k not in ("type", "connections")}}
        pd = d.get("port_directions")
        if isinstance(pd, dict):
            attrs["port_directions"] = pd
        sub.items.append(Component("cell", cn, nets, tuple(pins), model=typ,
                                   params={k: v if isinstance(v, str) else json.dumps(v)
                                           for k, v in params.items()}, attrs=attrs))
    sub.attrs = {"directions": dirs, "port_order": order,
                 "yosys": {"module": {k: v for k, v in m.items() if k not in ("ports", "cells")},
                           "ports": ports,
                           "bit_ids": {n: b for b, n in names.items()}}}
    if ranges:
        sub.attrs["ranges"] = ranges
    return sub


_TRAILING = re.compile(r'"(?:[^"\\]|\\.)*"|,(\s*[}\]])', re.S)


def strip_trailing_commas(text: str) -> str:
    """`text` with commas before a closing `}` or `]` removed (string contents untouched)."""
    def fix(m: re.Match) -> str:
        if m.group(1) is None:
            return m.group(0)
        j = m.start() - 1
        while j >= 0 and text[j] in " \t\r\n":
            j -= 1
        before = text[j] if j >= 0 else ""
        return m.group(0) if before in ("", "{", "[", ",") else m.group(1)  # `{,}` stays bad
    return _TRAILING.sub(fix, text)


def _loads(text: str, path: str):
    """Strict JSON, else JSON with trailing commas removed, else the strict error located."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        first = e
    except (ValueError, RecursionError) as e:
        raise NetlistError(f"invalid JSON: {e}", path, 1, 1) from None
    try:
        return json.loads(strip_trailing_commas(text))
    except (ValueError, RecursionError):
        pass
    raise NetlistError(f"invalid JSON: {first.msg}", path, first.lineno, first.colno) from None


def read_yosys_json(text: str, path: str = "<input>") -> Circuit:
    """Parse a Yosys JSON netlist into a Circuit (one Subcircuit per module).

    Strict JSON first; on failure a second try with trailing commas (`,}` / `,]`) removed, as
    some hand-written netlistsvg examples have them; if that fails too, the original error.
    """
    data = _loads(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("modules"), dict):
        raise NetlistError("not a Yosys JSON netlist (no \"modules\" object)", path, 1, 1)
    c = Circuit(format="yosys-json", dialect="yosys")
    c.attrs["yosys"] = {k: v for k, v in data.items() if k != "modules"}
    try:
        for name, m in data["modules"].items():
            sub = _module(name, m, path, text)
            c.items.append(sub)
            attrs = m.get("attributes") if isinstance(m, dict) else None
            if isinstance(attrs, dict) and str(attrs.get("top", "0")).strip("0") != "":
                c.attrs["top"] = name
    except NetlistError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as e:
        raise NetlistError(f"malformed Yosys JSON: {e}", path, 1, 1) from None
    return c


def _param_json(v: str, raw):
    if raw is not None and (raw if isinstance(raw, str) else json.dumps(raw)) == v:
        return raw
    return v


def _write_module(sub, top_name: str | None) -> dict:
    a = sub.attrs if isinstance(getattr(sub, "attrs", None), dict) else {}
    y = a.get("yosys", {}) if isinstance(a.get("yosys"), dict) else {}
    ids: dict[str, int] = dict(y.get("bit_ids", {}) or {})
    # a net named `n<k>` (the reader's name for an unnamed bit k) gets bit id k again when free,
    # so a circuit that lost its bit ids (via another format) reads back with the same net names
    used_ids = set(ids.values())
    names = list(sub.ports) + [n for c in sub.components for n in c.nets]
    for n in names:
        m = re.fullmatch(r"n(\d{1,9})", n)
        if m and n not in ids and int(m.group(1)) >= 2 and int(m.group(1)) not in used_ids:
            ids[n] = int(m.group(1))
            used_ids.add(ids[n])
    next_id = [max([1, *ids.values()]) + 1]

    def bit(n: str):
        if n in _CONST_BITS:
            return _CONST_BITS[n]
        b = ids.get(n)
        if b is None:
            b = ids[n] = next_id[0]
            next_id[0] += 1
        return b

    mod: dict = {}
    raw_mod = dict(y.get("module", {}) or {})
    raw_mod.pop("netnames", None)
    mod.update({k: v for k, v in raw_mod.items() if k not in ("ports", "cells")})
    if top_name is not None and "attributes" not in mod:
        mod["attributes"] = {"top": "00000000000000000000000000000001"} if top_name == sub.name \
            else {}
    # ports
    order = list(a.get("port_order") or [])
    ranges = a.get("ranges") or {}
    dirs = a.get("directions") or {}
    raw_ports = y.get("ports", {}) or {}
    ports: dict = {}
    plist = list(sub.ports)
    widths = [abs(ranges[p][0] - ranges[p][1]) + 1 if p in ranges else 1 for p in order]
    if not order or sum(widths) != len(plist):
        order, widths = [], []
        for p in plist:
            if p not in order:
                order.append(p)
                widths.append(1)
        plist = list(order)
    k = 0
    for p, w in zip(order, widths):
        bits = [bit(n) for n in reversed(plist[k:k + w])]
        k += w
        d = {kk: vv for kk, vv in (raw_ports.get(p) or {}).items() if kk != "bits"}
        d["direction"] = dirs.get(p, d.get("direction", "inout"))
        d["bits"] = bits
        if p in ranges and "offset" not in d and min(ranges[p]) != 0:
            d["offset"] = min(ranges[p])
        if p in ranges and "upto" not in d and ranges[p][0] < ranges[p][1]:
            d["upto"] = 1
        ports[p] = d
    mod_out = {k2: v for k2, v in mod.items() if k2 in ("attributes", "parameter_default_values")}
    mod_out["ports"] = ports
    cells: dict = {}
    for c in sub.components:
        yc = c.attrs.get("yosys", {}) if isinstance(c.attrs.get("yosys"), dict) else {}
        d: dict = {"hide_name": yc.get("hide_name", 1 if c.name.startswith("$") else 0),
                   "type": c.model or c.kind}
        raw_params = yc.get("parameters", {}) or {}
        d["parameters"] = {pk: _param_json(pv, raw_params.get(pk)) for pk, pv in c.params.items()}
        if c.kind not in ("cell", "X") and c.value is not None:
            d["parameters"].setdefault("value", c.value)
        d["attributes"] = yc.get("attributes", {})
        for kk, vv in yc.items():
            if kk not in d and kk != "port_directions":
                d[kk] = vv
        conns: dict[str, list] = {}
        groups: list[tuple[str, list]] = []
        i, pins, nets = 0, list(c.pins), list(c.nets)
        while i < len(pins):
            m = _BIT.match(pins[i])
            if m and int(m.group(2)) > 0:
                base, w = m.group(1), int(m.group(2)) + 1
                if i + w <= len(pins) and all(pins[i + j] == f"{base}[{w - 1 - j}]"
                                              for j in range(w)):
                    groups.append((base, list(reversed(nets[i:i + w]))))
                    i += w
                    continue
            groups.append((pins[i], [nets[i]]))
            i += 1
        for pn, ns in groups:
            conns.setdefault(pn, []).extend(bit(n) for n in ns)
        pd = c.attrs.get("port_directions")
        if isinstance(pd, dict):
            d["port_directions"] = pd
        d["connections"] = conns
        cells[c.name] = d
    mod_out["cells"] = cells
    # netnames: the kept ones, plus one per net not covered
    netnames = dict(mod.get("netnames", {}) or {})
    raw_nn = (y.get("module", {}) or {}).get("netnames")
    if isinstance(raw_nn, dict):
        netnames = dict(raw_nn)
    covered = {b for d in netnames.values() if isinstance(d, dict) for b in d.get("bits", [])}
    for n, b in list(ids.items()):
        if b not in covered and n != f"n{b}":
            netnames[n] = {"hide_name": 1 if n.startswith("$") else 0, "bits": [b],
                           "attributes": {}}
            covered.add(b)
    mod_out["netnames"] = netnames
    return mod_out


def write_yosys_json(circuit: Circuit) -> str:
    """Yosys JSON text of `circuit` (top-level components go into a module named `top`)."""
    subs = [s for _, s in circuit.walk() if isinstance(s, Subcircuit)]
    top_name = circuit.attrs.get("top") if isinstance(circuit.attrs, dict) else None
    out: dict = {}
    y = circuit.attrs.get("yosys") if isinstance(circuit.attrs, dict) else None
    if isinstance(y, dict):
        out.update(y)
    out.setdefault("creator", "eda (Yosys JSON writer)")
    mods: dict = {}
    top_comps = circuit.components
    if top_comps or circuit.ports:
        name = "top"
        while any(s.name == name for s in subs):
            name += "_"
        subs = subs + [Subcircuit(items=list(top_comps), name=name, ports=list(circuit.ports))]
        top_name = top_name or name
    for s in subs:
        mods[s.name] = _write_module(s, top_name)
    out["modules"] = mods
    return json.dumps(out, indent=2) + "\n"


def _lossy(circuit: Circuit) -> list[str]:
    return [f"{p}{c.name}: {c.kind} component written as a generic cell"
            for p, c in circuit.all_components() if c.kind not in ("cell", "X")]


def _sniff(head: str, path: str) -> int:
    h = head.lstrip()
    if not h.startswith("{") or '"modules"' not in h:
        return 0
    if re.search(r'"creator"\s*:\s*"[^"]*Yosys', h) or '"cells"' in h or '"netnames"' in h \
            or '"ports"' in h:
        return 90
    return 40


register(Format("yosys-json", (".json",), read_yosys_json, write_yosys_json, _sniff,
                "Yosys write_json netlist (modules, ports, cells, netnames)",
                drops="analog component values/kinds (written as generic cells), behavioral "
                      "Verilog text, SPICE models and directives",
                aliases=("yosys", "yosysjson"), lossy=_lossy))
