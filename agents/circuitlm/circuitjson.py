"""tscircuit Circuit JSON for a placed Design, and back.

The source_* part (components, ports, nets, traces) is written by the project's Circuit JSON
writer (eda.formats.circuitjson) from an IR Circuit built here, so there is one source_* writer;
this module adds what only a layout knows: schematic_component, schematic_port,
schematic_trace and schematic_net_label. Coordinates are tscircuit schematic units (one grid
unit of the layout is 0.1) with y pointing up, as tscircuit draws them.

Library ids survive a round trip: drawn kinds by their ftype (simple_resistor -> resistor, ...),
everything else as `manufacturer_part_number`; the value as written by the user in
`display_value`. Pins with no net get no source_net (the IR writer would give each one).
"""
from __future__ import annotations

import json
from pathlib import Path

from eda.formats.circuitjson import read_circuitjson, write_circuitjson
from eda.ir import Circuit, Component
from eda.ir.units import parse_value

from .design import Design, Net, Part
from .layout import Layout

__all__ = ["to_circuit_json", "from_circuit_json", "schema_validator", "FTYPE_OF"]

# library id -> (IR kind, ftype, IR pin order by candidate names) for parts with a tscircuit ftype
FTYPE_OF: dict[str, tuple[str, str]] = {
    "resistor": ("R", "simple_resistor"), "capacitor": ("C", "simple_capacitor"),
    "inductor": ("L", "simple_inductor"), "led": ("D", "simple_led"), "diode": ("D", "simple_diode"),
    "npn-transistor": ("Q", "simple_transistor"), "pnp-transistor": ("Q", "simple_transistor"),
    "mosfet": ("M", "simple_mosfet"), "push-button": ("part", "simple_push_button"),
    "potentiometer": ("part", "simple_potentiometer"),
}
_SPICE_ORDER = {"D": (("+", "a", "anode"), ("-", "k", "c", "cathode")),
                "Q": (("c", "collector"), ("b", "base"), ("e", "emitter")),
                "M": (("d", "drain"), ("g", "gate"), ("s", "source"))}
_UNCONNECTED = "\x00nc:"   # prefix of the private net names of pins without a net


def _value_si(part: str, value: str | None) -> float | None:
    if not value:
        return None
    v = value.strip().replace("Ω", "").replace("ohms", "").replace("ohm", "").replace(" ", "")
    if part in ("resistor", "potentiometer") and v[-1:] == "M":
        v = v[:-1] + "meg"
    try:
        return parse_value(v)
    except Exception:  # a value the unit parser cannot read is kept as display text only
        return None


def _ordered_pins(kind: str, pins: list[str]) -> list[str] | None:
    """Pins in SPICE order (anode/cathode, C/B/E, D/G/S) for D/Q/M, None when they do not fit."""
    roles = _SPICE_ORDER.get(kind)
    if roles is None:
        return pins
    low = {p.lower(): p for p in pins}
    out = []
    for cands in roles:
        hit = next((low[c] for c in cands if c in low), None)
        if hit is None or hit in out:
            return None
        out.append(hit)
    return out if len(out) == len(pins) else None


def _component(part: Part, pins: list[str], nets: dict[str, str]) -> Component:
    """IR component of a placed part; its source_component fields travel in attrs."""
    kind, ftype = FTYPE_OF.get(part.part, ("part", "simple_chip"))
    value = None
    extra: dict = {"ftype": ftype}
    si = _value_si(part.part, part.value)
    order = _ordered_pins(kind, pins)
    if order is None or (kind in "RCL" and si is None) or \
            (ftype == "simple_potentiometer" and si is None):
        kind, ftype, order = "part", "simple_chip", pins
        extra = {"ftype": ftype}
    if kind in "RCL":
        value = str(si)
    if ftype == "simple_potentiometer":
        extra["max_resistance"] = si
    if ftype == "simple_led":
        extra["color"] = (part.value or "red") if not si else "red"
    if part.value:
        extra["display_value"] = part.value
    model = None
    if kind == "Q":
        model = "pnp" if part.part == "pnp-transistor" else "npn"
    elif kind == "M":
        model = "nmos"
    elif kind == "D":
        model = "led" if part.part == "led" else "diode"
    elif kind == "part":
        model = part.part
    return Component(kind, part.ref, [nets.get(p, _UNCONNECTED + part.ref + "." + p) for p in order],
                     tuple(order), model=model, value=value, attrs={"circuitjson": extra})


def _xy(layout: Layout, x: float, y: float) -> dict:
    return {"x": round(x * layout.unit, 4), "y": round(-y * layout.unit, 4)}


def to_circuit_json(design: Design, lib, layout: Layout) -> list[dict]:
    """Circuit JSON elements (source_* and schematic_*) of a placed design."""
    pin_net = {p: n.name for n in design.nets for p in n.pins}
    circuit = Circuit(format="circuitjson", dialect="tscircuit")
    if design.title:
        circuit.attrs["circuitjson_other"] = [{"type": "source_project_metadata", "name": design.title}]
    refs = []
    for part in design.parts:
        pp = layout.parts.get(part.ref)
        if pp is None or part.ref in refs:
            continue
        refs.append(part.ref)
        names = list(pp.symbol.pins)
        nets = {n: pin_net[f"{part.ref}:{n}"] for n in names if f"{part.ref}:{n}" in pin_net}
        if pp.symbol.is_box and nets:
            # modules and MCUs: ports only for wired pins (an Uno has 29); every pin's name stays
            # in the schematic_component's port_labels, so nothing a drawing needs is lost
            names = [n for n in names if n in nets]
        circuit.items.append(_component(part, names, nets))
    elements = json.loads(write_circuitjson(circuit))
    # drop the per-pin nets of unconnected pins
    dead = {o["source_net_id"] for o in elements
            if o["type"] == "source_net" and str(o["name"]).startswith(_UNCONNECTED)}
    elements = [o for o in elements
                if not (o["type"] == "source_net" and o["source_net_id"] in dead)
                and not (o["type"] == "source_trace" and set(o.get("connected_source_net_ids", [])) & dead)]
    comp_id = {o["name"]: o["source_component_id"] for o in elements if o["type"] == "source_component"}
    port_id: dict[str, str] = {}
    cid_ref = {v: k for k, v in comp_id.items()}
    for o in elements:
        if o["type"] == "source_port":
            port_id[f"{cid_ref[o['source_component_id']]}:{o['name']}"] = o["source_port_id"]
    net_id = {o["name"]: o["source_net_id"] for o in elements if o["type"] == "source_net"}
    trace_id = {}
    for o in elements:
        if o["type"] == "source_trace" and o.get("connected_source_net_ids"):
            trace_id[o["connected_source_net_ids"][0]] = o["source_trace_id"]
    for o in elements:
        if o["type"] == "source_net":
            o["is_power"] = layout.net_kinds.get(o["name"]) == "power"
            o["is_ground"] = layout.net_kinds.get(o["name"]) == "ground"
    out = list(elements)
    sport: dict[str, str] = {}
    for i, ref in enumerate(refs):
        pp = layout.parts[ref]
        b = pp.body_rect()
        scid = f"schematic_component_{i}"
        sc = {"type": "schematic_component", "schematic_component_id": scid,
              "source_component_id": comp_id[ref],
              "center": _xy(layout, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2),
              "size": {"width": round((b[2] - b[0]) * layout.unit, 4),
                       "height": round((b[3] - b[1]) * layout.unit, 4)},
              "is_box_with_pins": True}
        name = pp.symbol.symbol_name()
        if name:
            sc["symbol_name"] = name
        if pp.symbol.is_box:
            sc["port_labels"] = {str(k + 1): pin for k, pin in enumerate(pp.symbol.pins)}
        out.append(sc)
        side_of = {"left": "left", "right": "right", "up": "top", "down": "bottom"}
        for k, (name, pin) in enumerate(pp.symbol.pins.items()):
            key = f"{ref}:{name}"
            if key not in port_id:
                continue
            spid = f"schematic_port_{len(sport)}"
            sport[key] = spid
            el = {"type": "schematic_port", "schematic_port_id": spid,
                  "source_port_id": port_id[key], "schematic_component_id": scid,
                  "center": _xy(layout, pp.x + pin.x, pp.y + pin.y),
                  "facing_direction": pin.facing, "side_of_component": side_of[pin.facing],
                  "pin_number": k + 1, "is_connected": key in pin_net}
            if pp.symbol.is_box:
                el["display_pin_label"] = name
            out.append(el)
    for i, t in enumerate(layout.traces):
        edges = []
        for j, (a, b) in enumerate(zip(t.points, t.points[1:])):
            e = {"from": _xy(layout, *a), "to": _xy(layout, *b)}
            if j == 0 and t.pins[0] in sport:
                e["from_schematic_port_id"] = sport[t.pins[0]]
            if j == len(t.points) - 2 and t.pins[1] in sport:
                e["to_schematic_port_id"] = sport[t.pins[1]]
            edges.append(e)
        st = {"type": "schematic_trace", "schematic_trace_id": f"schematic_trace_{i}", "junctions": [],
              "edges": edges}
        nid = net_id.get(t.net)
        if nid in trace_id:
            st["source_trace_id"] = trace_id[nid]
        out.append(st)
    from .draw import junctions

    dots = junctions(layout)
    by_net: dict[str, list] = {}
    for x, y in dots:
        for t in layout.traces:
            if (x, y) in t.points:
                by_net.setdefault(t.net, []).append((x, y))
                break
    for st, t in zip([o for o in out if o["type"] == "schematic_trace"], layout.traces):
        st["junctions"] = [_xy(layout, x, y) for x, y in dict.fromkeys(by_net.get(t.net, []))
                           if (x, y) in t.points]
    for i, lb in enumerate(layout.labels):
        nid = net_id.get(lb.net)
        if nid is None:
            continue
        r = lb.rect
        el = {"type": "schematic_net_label", "schematic_net_label_id": f"schematic_net_label_{i}",
              "source_net_id": nid, "center": _xy(layout, (r[0] + r[2]) / 2, (r[1] + r[3]) / 2),
              "anchor_position": _xy(layout, lb.x, lb.y),
              "anchor_side": {"left": "right", "right": "left", "up": "bottom", "down": "top"}[lb.facing],
              "text": lb.text}
        if nid in trace_id:
            el["source_trace_id"] = trace_id[nid]
        if lb.kind == "ground":
            el["symbol_name"] = "ground_down"
        elif lb.kind == "power":
            el["symbol_name"] = "vcc_up"
        out.append(el)
    return out


_FTYPE_PART = {"simple_resistor": "resistor", "simple_capacitor": "capacitor",
               "simple_inductor": "inductor", "simple_led": "led", "simple_diode": "diode",
               "simple_mosfet": "mosfet", "simple_push_button": "push-button",
               "simple_potentiometer": "potentiometer"}


def from_circuit_json(elements: list[dict]) -> Design:
    """The Design (parts, values, nets) described by Circuit JSON source_* elements."""
    circuit = read_circuitjson(json.dumps(elements), "<circuit.json>")
    named = {str(o.get("name")) for o in elements if o.get("type") == "source_net"}
    title = next((str(o.get("name", "")) for o in elements if o.get("type") == "source_project_metadata"), "")
    parts: list[Part] = []
    nets: dict[str, list[str]] = {}
    for c in circuit.components:
        src = c.attrs.get("circuitjson", {})
        ftype = src.get("ftype")
        if ftype == "simple_transistor":
            pid = "pnp-transistor" if src.get("transistor_type") == "pnp" else "npn-transistor"
        else:
            pid = _FTYPE_PART.get(ftype) or src.get("manufacturer_part_number") or "unknown"
        value = src.get("display_value")
        parts.append(Part(ref=c.name, part=pid, value=str(value) if value is not None else None))
        for pin, net in zip(c.pins, c.nets):
            if net in named:
                nets.setdefault(net, []).append(f"{c.name}:{pin}")
    return Design(title=title, parts=parts, nets=[Net(name=n, pins=p) for n, p in nets.items()])


def schema_validator(data_root=None):
    """A function element -> list of error messages, checking against the shared tscircuit
    schema (`<data>/components/circuit-json/circuit_element.schema.json`).

    The schema is one anyOf over 187 element variants; an element can only match the variants
    whose `type` constant is its own, so each element is checked against just those (the same
    verdict as the whole anyOf, some hundred times faster).
    """
    import jsonschema

    from eda.kb import default_data_root

    root = Path(data_root) if data_root else default_data_root()
    if root is None:
        from eda.errors import EdaError

        raise EdaError("no data root: set EDA_DATA to the shared data folder (Circuit JSON schema)")
    schema = json.loads((root / "components/circuit-json/circuit_element.schema.json").read_text())
    defs = schema["definitions"]
    by_type: dict[str, list[str]] = {}

    def consts(node) -> set[str]:
        if "anyOf" in node:
            return set().union(*(consts(b) for b in node["anyOf"]))
        if "$ref" in node:
            return set()
        c = node.get("properties", {}).get("type", {}).get("const")
        return {c} if c else set()

    for i, branch in enumerate(defs["AnyCircuitElement"]["anyOf"]):
        for t in consts(branch):
            by_type.setdefault(t, []).append(f"#/definitions/AnyCircuitElement/anyOf/{i}")
    cache: dict[str, jsonschema.Draft7Validator] = {}
    full = jsonschema.Draft7Validator({"$ref": "#/definitions/AnyCircuitElement", "definitions": defs})

    def errors(element: dict) -> list[str]:
        t = element.get("type") if isinstance(element, dict) else None
        if t not in by_type:
            return [e.message for e in full.iter_errors(element)] or []
        if t not in cache:
            cache[t] = jsonschema.Draft7Validator({"anyOf": [{"$ref": r} for r in by_type[t]],
                                                   "definitions": defs})
        return [e.message for e in cache[t].iter_errors(element)]

    return errors
