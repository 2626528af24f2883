"""tscircuit Circuit JSON: a flat JSON array of typed objects (source_*, schematic_*, pcb_*, ...).

Reading: each `source_component` becomes a `Component`. Its kind comes from `ftype`
(simple_resistor R, simple_capacitor C, simple_inductor L, simple_diode/simple_led D,
simple_transistor Q, simple_mosfet M, simple_power_source/simple_voltage_source V,
simple_current_source I, anything else `part`), but a SPICE kind only when the pin count fits
(R C L D V I: 2 pins, Q: 3-4, M: 3-4), else `part`. Pins are the names of the component's
`source_port`s (the pin number when a port has no name; a repeated name gets `_<n>`), in
`pin_number` order; D, Q and M ports are put in SPICE order (anode/cathode, collector/base/
emitter, drain/gate/source/bulk) when their names or hints say which is which. The value is the
numeric field of the ftype (`resistance`, `capacitance`, `inductance`, `voltage`, `current`) as
text, and `manufacturer_part_number` becomes `model` (D, Q and M without one get the model
`diode`/`led`, `npn`/`pnp`, `nmos`/`pmos` from their ftype fields, so SPICE can spell them).

Nets: union-find over `source_trace.connected_source_port_ids` and `connected_source_net_ids`
(`source_net`s with the same name are one net). A group is named after its first `source_net`,
else `net<N>` (N counting up in component/pin order, skipping taken names); a port alone on
its net is `<component>.<pin>`.

Kept for a lossless write: the source_component object in `Component.attrs['circuitjson']`, its
source_port objects in `attrs['circuitjson_ports']` (pin order), every other object (source_trace,
source_net, pcb_*, schematic_*, source_project_metadata, ...) in
`Circuit.attrs['circuitjson_other']`, and the original object order in
`Circuit.attrs['circuitjson_order']`. The writer reuses the kept traces and nets when they
still give the circuit's connectivity, and regenerates one source_net + one source_trace per net
otherwise.

Writing any IR circuit: top-level components, then the components of each subcircuit definition
with the definition path prefixed to component and net names (`opamp/R1`, `opamp/out`); the
hierarchy itself (definitions, instances' meaning) is not expressible and is reported as dropped.
Kinds without an ftype (cells, instances, controlled sources...), and R/C/L whose value is not a
number (the schema requires one), become `simple_chip` parts. V/I sources without a numeric
value keep their ftype without `voltage`/`current`, as tscircuit itself writes AC sources.
"""
from __future__ import annotations

import json
import re

from ..unionfind import UnionFind
from ..errors import NetlistError
from ..ir import GROUND_NAMES, Circuit, Component, Subcircuit
from ..ir.units import parse_value
from .registry import Format, register
from .yosys_json import _loads

__all__ = ["read_circuitjson", "write_circuitjson", "FTYPE_KIND", "KIND_FTYPE"]

FTYPE_KIND = {
    "simple_resistor": "R", "simple_capacitor": "C", "simple_inductor": "L",
    "simple_diode": "D", "simple_led": "D", "simple_transistor": "Q", "simple_mosfet": "M",
    "simple_power_source": "V", "simple_voltage_source": "V", "simple_current_source": "I",
}
KIND_FTYPE = {"R": "simple_resistor", "C": "simple_capacitor", "L": "simple_inductor",
              "D": "simple_diode", "Q": "simple_transistor", "M": "simple_mosfet",
              "V": "simple_voltage_source", "I": "simple_current_source"}
_PIN_COUNTS = {"R": (2,), "C": (2,), "L": (2,), "D": (2,), "V": (2,), "I": (2,), "Q": (3, 4),
               "M": (3, 4)}
_VALUE_FIELD = {"R": "resistance", "C": "capacitance", "L": "inductance", "V": "voltage",
                "I": "current"}
# SPICE positional order by port name / hint
_ORDER = {
    "D": (("anode", "pos", "a", "positive"), ("cathode", "neg", "k", "c", "negative")),
    "Q": (("collector", "c"), ("base", "b"), ("emitter", "e"), ("substrate", "s", "bulk")),
    "M": (("drain", "d"), ("gate", "g"), ("source", "s"), ("bulk", "body", "b", "substrate")),
}
_MODELED = ("source_component", "source_port", "source_trace", "source_net")


def _key(o: dict, i: int) -> str:
    t = o.get("type")
    oid = o.get(f"{t}_id") if isinstance(t, str) else None
    return f"{t}:{oid}" if isinstance(oid, str) else f"#{i}"


def _num_text(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def _offsets(text: str) -> list[int] | None:
    """Start offsets of the array's elements (None when the text is not strict JSON)."""
    dec = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    try:
        i = ws.match(text, 0).end()
        if text[i:i + 1] != "[":
            return None
        i = ws.match(text, i + 1).end()
        out = []
        if text[i:i + 1] == "]":
            return out
        while True:
            out.append(i)
            _, i = dec.raw_decode(text, i)
            i = ws.match(text, i).end()
            if text[i:i + 1] == "]":
                return out
            if text[i:i + 1] != ",":
                return None
            i = ws.match(text, i + 1).end()
    except (ValueError, RecursionError):
        return None


class _Reader:
    def __init__(self, text: str, path: str):
        self.text, self.path = text, path
        self.offs: list[int] | None = None

    def fail(self, msg: str, index: int | None = None):
        line, col = 1, 1
        if index is not None:
            if self.offs is None:
                self.offs = _offsets(self.text) or []
            if index < len(self.offs):
                pos = self.offs[index]
                line = self.text.count("\n", 0, pos) + 1
                col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        raise NetlistError(msg, self.path, line, col)

    def read(self) -> Circuit:
        data = _loads(self.text, self.path)
        if not isinstance(data, list):
            self.fail("not Circuit JSON: expected a JSON array of circuit elements")
        comps: list[tuple[int, dict]] = []
        ports_of: dict[str, list[tuple[int, dict]]] = {}
        traces: list[tuple[int, dict]] = []
        nets: dict[str, tuple[int, dict]] = {}
        other: list[dict] = []
        order: list[str] = []
        for i, o in enumerate(data):
            if not isinstance(o, dict) or not isinstance(o.get("type"), str):
                self.fail(f"element {i}: expected an object with a string \"type\"", i)
            t = o["type"]
            order.append(_key(o, i))
            if t in _MODELED:
                idf = f"{t}_id"
                if not isinstance(o.get(idf), str):
                    self.fail(f"{t} (element {i}) has no string \"{idf}\"", i)
            if t == "source_component":
                if not isinstance(o.get("name", ""), (str, int, float)):
                    self.fail(f"source_component {o[idf]}: \"name\" must be a string", i)
                comps.append((i, o))
            elif t == "source_port":
                cid = o.get("source_component_id")
                if not isinstance(cid, str):
                    self.fail(f"source_port {o[idf]}: no \"source_component_id\"", i)
                if not isinstance(o.get("name", ""), (str, int, float)) or \
                        not isinstance(o.get("pin_number", 0), (int, float, type(None))):
                    self.fail(f"source_port {o[idf]}: bad \"name\" or \"pin_number\"", i)
                ports_of.setdefault(cid, []).append((i, o))
                continue  # kept per component
            elif t == "source_trace":
                for f in ("connected_source_port_ids", "connected_source_net_ids"):
                    v = o.get(f, [])
                    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                        self.fail(f"source_trace {o[idf]}: \"{f}\" must be a list of ids", i)
                traces.append((i, o))
                other.append(o)
            elif t == "source_net":
                if not isinstance(o.get("name"), (str, int, float)) or isinstance(o.get("name"), bool):
                    self.fail(f"source_net {o[idf]}: \"name\" must be a string", i)
                nets.setdefault(o[idf], (i, o))
                other.append(o)
            else:
                other.append(o)
        if not comps and not any(o.get("type", "").startswith(("source_", "pcb_", "schematic_"))
                                 for o in data):
            if data:
                self.fail("not Circuit JSON: no source_/pcb_/schematic_ elements", 0)
        c = Circuit(format="circuitjson", dialect="tscircuit")
        known = {o["source_component_id"] for _, o in comps}
        for cid in ports_of:
            if cid not in known:
                c.warnings.append(f"source_port(s) of unknown component {cid} ignored")
        made = []
        seen_ids = set()
        for i, o in comps:
            cid = o["source_component_id"]
            if cid in seen_ids:
                self.fail(f"duplicate source_component_id '{cid}'", i)
            seen_ids.add(cid)
            plist = [p for _, p in ports_of.get(cid, [])]
            made.append(_component(o, plist))
        mapping = resolve_nets(made, [t for _, t in traces], [o for _, o in nets.values()])
        for comp, ports in made:
            comp.nets = [mapping[p["source_port_id"]] for p in ports]
            c.items.append(comp)
        c.attrs["circuitjson_other"] = other
        c.attrs["circuitjson_order"] = order
        return c


def _port_pins(ports: list[dict]) -> tuple[str, ...]:
    """Unique pin names for a component's ports (name, else pin number, else position)."""
    out: list[str] = []
    seen: set[str] = set()
    for j, p in enumerate(ports):
        n = p.get("name")
        if n is None or n == "":
            n = p.get("pin_number")
        n = _num_text(n) if n is not None and n != "" else str(j + 1)
        base, k = n, 1
        while n in seen:
            k += 1
            n = f"{base}_{k}"
        seen.add(n)
        out.append(n)
    return tuple(out)


def _spice_order(kind: str, ports: list[dict]) -> list[dict] | None:
    """Ports in SPICE positional order for D/Q/M, or None when the names do not tell."""
    roles = _ORDER.get(kind)
    if roles is None:
        return ports
    placed: list[dict | None] = [None] * len(ports)
    for p in ports:
        words = [str(p.get("name", "")).lower()] + [str(h).lower() for h in
                                                    (p.get("port_hints") or [])
                                                    if isinstance(h, (str, int))]
        slot = None
        for w in words:
            for r, names in enumerate(roles[:len(ports)]):
                if w in names and placed[r] is None:
                    slot = r
                    break
            if slot is not None:
                break
        if slot is None:
            return None
        placed[slot] = p
    return placed if all(x is not None for x in placed) else None  # type: ignore[return-value]


def _component(o: dict, ports: list[dict]) -> tuple[Component, list[dict]]:
    def pn(p):
        v = p.get("pin_number")
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else 1e18
    ports = sorted(ports, key=pn)
    ftype = o.get("ftype")
    kind = FTYPE_KIND.get(ftype, "part") if isinstance(ftype, str) else "part"
    if kind != "part" and len(ports) not in _PIN_COUNTS[kind]:
        kind = "part"
    if kind in _ORDER:
        ordered = _spice_order(kind, ports)
        if ordered is None:
            if kind == "D":
                ordered = ports
            else:
                kind = "part"
                ordered = ports
        ports = ordered
    name = o.get("name")
    name = _num_text(name) if name not in (None, "") else o["source_component_id"]
    value = None
    f = _VALUE_FIELD.get(kind)
    if f and isinstance(o.get(f), (int, float)) and not isinstance(o.get(f), bool):
        value = _num_text(o[f])
    model = o.get("manufacturer_part_number")
    model = model if isinstance(model, str) and model else _default_model(kind, o)
    comp = Component(kind, name, [], _port_pins(ports), model=model, value=value,
                     attrs={"circuitjson": dict(o), "circuitjson_ports": [dict(p) for p in ports]})
    return comp, ports


def _default_model(kind: str, o: dict) -> str | None:
    """A model name for a transistor without a part number: npn/pnp, nmos/pmos."""
    if kind == "Q":
        t = o.get("transistor_type")
        return t if t in ("npn", "pnp") else "npn"
    if kind == "M":
        return "pmos" if o.get("channel_type") == "p" else "nmos"
    if kind == "D":
        return "led" if o.get("ftype") == "simple_led" else "diode"
    return None


def resolve_nets(made: list[tuple[Component, list[dict]]], traces: list[dict],
                 nets: list[dict]) -> dict[str, str]:
    """source_port_id -> net name, from traces and source_nets (see the module docstring)."""
    uf = UnionFind()
    port_ids = {p["source_port_id"] for _, ps in made for p in ps}
    net_name = {n["source_net_id"]: _num_text(n["name"]) for n in nets}
    by_name: dict[str, str] = {}
    for nid, nm in net_name.items():
        uf.find("N" + nid)
        if nm in by_name:
            uf.union("N" + by_name[nm], "N" + nid)
        else:
            by_name[nm] = nid
    for t in traces:
        members = ["P" + x for x in t.get("connected_source_port_ids", []) if x in port_ids] + \
            ["N" + x for x in t.get("connected_source_net_ids", []) if x in net_name]
        for m in members[1:]:
            uf.union(members[0], m)
    group_name: dict[str, str] = {}
    for nid, nm in net_name.items():  # first source_net (file order) names its group
        group_name.setdefault(uf.find("N" + nid), nm)
    size: dict[str, int] = {}
    for _, ps in made:
        for p in ps:
            r = uf.find("P" + p["source_port_id"])
            size[r] = size.get(r, 0) + 1
    taken = set(group_name.values())
    out: dict[str, str] = {}
    k = 0
    for comp, ps in made:
        for pin, p in zip(comp.pins, ps):
            r = uf.find("P" + p["source_port_id"])
            nm = group_name.get(r)
            if nm is None:
                if size[r] == 1:
                    nm = base = f"{comp.name}.{pin}"
                    j = 1
                    while nm in taken:
                        j += 1
                        nm = f"{base}_{j}"
                else:
                    k += 1
                    while f"net{k}" in taken:
                        k += 1
                    nm = f"net{k}"
                group_name[r] = nm
                taken.add(nm)
            out[p["source_port_id"]] = nm
    return out


def read_circuitjson(text: str, path: str = "<input>") -> Circuit:
    """Parse tscircuit Circuit JSON text into a flat Circuit (see the module docstring)."""
    try:
        return _Reader(text, path).read()
    except NetlistError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as e:
        raise NetlistError(f"malformed Circuit JSON: {e}", path, 1, 1) from None


# ---------------------------------------------------------------- writer

def _flat(circuit: Circuit) -> tuple[list[Component], list[str]]:
    """Components to write (subcircuit bodies prefixed with their path) and what was dropped."""
    out: list[Component] = []
    dropped: list[str] = []
    for path, body in circuit.walk():
        for c in body.components:
            if path:
                c = Component(c.kind, path + c.name, [path + n for n in c.nets], c.pins, c.model,
                              c.value, c._params, c._args, c._attrs)
            out.append(c)
        if path:
            dropped.append(f"subcircuit {path.rstrip('/')}: definition written as components "
                           f"prefixed '{path}' (hierarchy not kept)")
    return out, dropped


def _lossy(circuit: Circuit) -> list[str]:
    comps, dropped = _flat(circuit)
    for c in comps:
        if c.kind not in KIND_FTYPE and c.kind != "part":
            dropped.append(f"{c.name}: {c.kind} component written as a simple_chip part")
        if c._params or c._args:
            dropped.append(f"{c.name}: parameters/arguments not expressible")
        if c.value is not None and (c.kind not in _VALUE_FIELD or c.value_si is None):
            dropped.append(f"{c.name}: value '{c.value}' not expressible")
    for _, body in circuit.walk():
        if body.statements or body.models:
            dropped.append("directives, comments and models")
            break
    return dropped


def _fresh(prefix: str, used: set[str]) -> str:
    k = 0
    while f"{prefix}_{k}" in used:
        k += 1
    used.add(f"{prefix}_{k}")
    return f"{prefix}_{k}"


def write_circuitjson(circuit: Circuit) -> str:
    """Circuit JSON text of `circuit` (see the module docstring for what is kept)."""
    comps, _ = _flat(circuit)
    attrs = circuit.attrs if isinstance(circuit.attrs, dict) else {}
    other = [o for o in attrs.get("circuitjson_other", []) or [] if isinstance(o, dict)]
    order = {k: i for i, k in enumerate(attrs.get("circuitjson_order", []) or [])
             if isinstance(k, str)}
    used: set[str] = set()
    for o in other:
        t = o.get("type")
        if isinstance(t, str) and isinstance(o.get(f"{t}_id"), str):
            used.add(o[f"{t}_id"])
    objs: list[dict] = []
    made: list[tuple[Component, list[dict]]] = []
    for c in comps:
        a = c._attrs or {}
        orig = a.get("circuitjson") if isinstance(a.get("circuitjson"), dict) else {}
        o = dict(orig)
        kind_ftype = KIND_FTYPE.get(c.kind) if len(c.nets) in _PIN_COUNTS.get(c.kind, ()) else None
        if kind_ftype and c.kind in "RCL" and c.value_si is None and \
                o.get("ftype") != kind_ftype:
            kind_ftype = None  # the schema requires the numeric value: a chip instead
        ft = o.get("ftype")
        if kind_ftype:
            if not isinstance(ft, str) or FTYPE_KIND.get(ft) != c.kind:
                o["ftype"] = kind_ftype
        elif not isinstance(ft, str) or (FTYPE_KIND.get(ft) and c.kind != "part"):
            o["ftype"] = "simple_chip"
        o["type"] = "source_component"
        cid = o.get("source_component_id")
        if not isinstance(cid, str) or cid in used:
            cid = _fresh("source_component", used)
        used.add(cid)
        o["source_component_id"] = cid
        o["name"] = c.name
        f = _VALUE_FIELD.get(c.kind) if kind_ftype else None
        v = c.value_si
        if f and v is not None:
            if not (isinstance(o.get(f), (int, float)) and _num_text(o[f]) == c.value):
                o[f] = int(v) if float(v).is_integer() and abs(v) < 1e15 else v
        elif f and v is None:
            o.pop(f, None)
        if kind_ftype == "simple_transistor" and o.get("transistor_type") not in ("npn", "pnp"):
            o["transistor_type"] = "pnp" if (c.model or "").lower().startswith("pnp") else "npn"
        if kind_ftype == "simple_mosfet":
            if o.get("channel_type") not in ("n", "p"):
                o["channel_type"] = "p" if (c.model or "").lower().startswith("p") else "n"
            if o.get("mosfet_mode") not in ("enhancement", "depletion"):
                o["mosfet_mode"] = "enhancement"
        if c.model and c.model == _default_model(c.kind, o) and \
                not isinstance(o.get("manufacturer_part_number"), str):
            pass
        elif c.model:
            o["manufacturer_part_number"] = c.model
        else:
            o.pop("manufacturer_part_number", None)
        # ports: reuse the kept ones when they still name the same pins
        kept = a.get("circuitjson_ports") if isinstance(a.get("circuitjson_ports"), list) else []
        if len(kept) != len(c.pins) or not all(isinstance(p, dict) for p in kept) or \
                _port_pins(kept) != tuple(c.pins):
            kept = [{} for _ in c.pins]
        ports = []
        for j, (pin, p) in enumerate(zip(c.pins, kept)):
            q = dict(p)
            q["type"] = "source_port"
            pid = q.get("source_port_id")
            if not isinstance(pid, str) or pid in used:
                pid = _fresh("source_port", used)
            used.add(pid)
            q["source_port_id"] = pid
            if not p:
                q["name"] = pin
                q["pin_number"] = j + 1
                if c.kind in _ORDER and kind_ftype and j < len(_ORDER[c.kind]):
                    q["port_hints"] = [_ORDER[c.kind][j][0]]
            q["source_component_id"] = cid
            ports.append(q)
        objs.append(o)
        objs += ports
        made.append((c, ports))
    # connectivity: the kept traces and nets if they still give the circuit's nets
    ktraces = [o for o in other if o.get("type") == "source_trace"]
    knets = [o for o in other if o.get("type") == "source_net"]
    want = {p["source_port_id"]: n for c, ps in made for p, n in zip(ps, c.nets)}
    try:
        same = resolve_nets(made, ktraces, knets) == want if (ktraces or knets) else False
    except (KeyError, TypeError, AttributeError):
        same = False
    if same:
        objs += other
    else:
        objs += [o for o in other if o.get("type") not in ("source_trace", "source_net")]
        for t in ("source_trace", "source_net"):
            for o in other:
                if o.get("type") == t and isinstance(o.get(f"{t}_id"), str):
                    used.discard(o[f"{t}_id"])
        members: dict[str, list[str]] = {}
        for c, ps in made:
            for p, n in zip(ps, c.nets):
                members.setdefault(n, []).append(p["source_port_id"])
        for n, pids in members.items():
            nid = _fresh("source_net", used)
            objs.append({"type": "source_net", "source_net_id": nid, "name": n,
                         "member_source_group_ids": [],
                         "is_ground": n.lower() in GROUND_NAMES, "is_power": False})
            objs.append({"type": "source_trace", "source_trace_id": _fresh("source_trace", used),
                         "connected_source_port_ids": pids, "connected_source_net_ids": [nid]})
    big = len(order) + len(objs)
    idx = sorted(range(len(objs)), key=lambda i: (order.get(_key(objs[i], -1), big), i))
    return json.dumps([objs[i] for i in idx], indent=2, ensure_ascii=False) + "\n"


def _sniff(head: str, path: str) -> int:
    if not head.lstrip().startswith("["):
        return 0
    if re.search(r'"type"\s*:\s*"(source|pcb|schematic)_', head):
        return 90
    return 0


register(Format("circuitjson", (".json",), read_circuitjson, write_circuitjson, _sniff,
                "tscircuit Circuit JSON (source_component/port/net/trace; pcb_*/schematic_* kept)",
                drops="subcircuit hierarchy (definitions written as path-prefixed components), "
                      "parameters, non-numeric values, directives/models; kinds without a "
                      "Circuit JSON ftype become simple_chip parts",
                aliases=("circuit-json", "tscircuit"), lossy=_lossy))
