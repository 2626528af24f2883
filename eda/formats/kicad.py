"""KiCad netlists (Eeschema export, KiCad 5 to 9), S-expression form: format `kicad`.

Read: `(export (version ...) (design ...) (components (comp ...)) (libparts ...) (libraries ...)
(nets (net (code ..) (name ..) (node (ref ..) (pin ..) (pinfunction ..) (pintype ..)))))`.
Each `comp` becomes a `Component` named by its reference: kind R/C/L/D/Q when the reference prefix
is exactly that letter, else `part`; pins are the KiCad pin numbers (natural order), nets the net
names (hierarchical names keep their leading '/'). KiCad-only facts live in `attrs`:
`footprint`, `datasheet`, `lib`, `part`, `description`, `fields`, `properties`, `sheetpath`,
`tstamps`, `pinfunctions`, `pintypes`, `kicad_extra`; file-level ones in `Circuit.attrs`
(`kicad_version`, `kicad_design`, `kicad_libparts`, `kicad_libraries`, `kicad_nets`).

The KiCad XML form (`kicad_xml.py`) maps onto the same tree: this module's `circuit_from_tree` and
`tree_from_circuit` do the work for both.
"""
from __future__ import annotations

import re

from ..errors import NetlistError
from ..ir import KIND_NAMES, Circuit, Component, Model, Statement
from . import sexpr
from .registry import Format, register

__all__ = ["read_kicad", "write_kicad", "sniff_kicad", "circuit_from_tree", "tree_from_circuit",
           "kicad_lossy"]

SPICE_PREFIXES = frozenset({"R", "C", "L", "D", "Q"})
_PIN_COUNT = {"R": 2, "C": 2, "L": 2, "D": 2}
_PREFIX = re.compile(r"[A-Za-z_#]+")
_KNOWN_COMP_KEYS = {"ref", "value", "footprint", "datasheet", "fields", "libsource", "property",
                    "sheetpath", "tstamps", "tstamp", "description"}


def _kind_of(ref: str) -> str:
    m = _PREFIX.match(ref)
    p = m.group(0) if m else ""
    return p if p in SPICE_PREFIXES else "part"


def _natural(pin: str):
    return (0, int(pin), "") if pin.isdigit() else (1, 0, pin)


def _need(node, key: str, path: str, what: str) -> str:
    v = sexpr.atom(node, key)
    if v is None:
        raise NetlistError(f"{what} has no ({key} ...)", path, getattr(node, "line", None),
                           getattr(node, "col", None))
    return v


def circuit_from_tree(tree, path: str, fmt: str = "kicad") -> Circuit:
    """A Circuit from a parsed KiCad netlist tree (S-expression or XML mapped to lists)."""
    if sexpr.head(tree) != "export":
        raise NetlistError(f"expected a KiCad netlist '(export ...)', found '{sexpr.head(tree)}'",
                           path, getattr(tree, "line", None), getattr(tree, "col", None))
    version = sexpr.atom(tree, "version", "")
    c = Circuit(format=fmt, dialect=f"kicad-{version}" if version else "kicad")
    c.attrs["kicad_version"] = version
    design = sexpr.find(tree, "design")
    if design is not None:
        c.attrs["kicad_design"] = sexpr.plain(design)
        for sheet in sexpr.find_all(design, "sheet"):
            tb = sexpr.find(sheet, "title_block")
            if tb is not None and sexpr.atom(tb, "title"):
                c.title = sexpr.atom(tb, "title")
                break
    for key in ("libparts", "libraries"):
        node = sexpr.find(tree, key)
        if node is not None:
            c.attrs[f"kicad_{key}"] = sexpr.plain(node)[1:]

    comps: dict[str, Component] = {}
    order: list[str] = []
    components = sexpr.find(tree, "components")
    for comp in sexpr.find_all(components, "comp") if components is not None else []:
        ref = _need(comp, "ref", path, "component")
        attrs: dict = {"pinfunctions": {}, "pintypes": {}}
        for key in ("footprint", "datasheet", "description"):
            v = sexpr.atom(comp, key)
            if v is not None:
                attrs[key] = v
        ts = sexpr.atom(comp, "tstamps") or sexpr.atom(comp, "tstamp")
        if ts is not None:
            attrs["tstamps"] = ts
        fields = sexpr.find(comp, "fields")
        if fields is not None:
            attrs["fields"] = {sexpr.atom(f, "name", ""): sexpr.atom(f) or ""
                               for f in sexpr.find_all(fields, "field")}
        ls = sexpr.find(comp, "libsource")
        if ls is not None:
            for k in ("lib", "part", "description"):
                v = sexpr.atom(ls, k)
                if v is not None:
                    attrs["lib_description" if k == "description" else k] = v
        props = sexpr.find_all(comp, "property")
        if props:
            attrs["properties"] = {sexpr.atom(p, "name", ""): sexpr.atom(p, "value", "")
                                   for p in props}
        sp = sexpr.find(comp, "sheetpath")
        if sp is not None:
            attrs["sheetpath"] = {"names": sexpr.atom(sp, "names", ""),
                                  "tstamps": sexpr.atom(sp, "tstamps", "")}
        extra = [sexpr.plain(x) for x in comp[1:]
                 if isinstance(x, list) and sexpr.head(x) not in _KNOWN_COMP_KEYS]
        if extra:
            attrs["kicad_extra"] = extra
        if ref in comps:
            c.warnings.append(f"{path}:{comp.line}: duplicate component reference {ref}")
            continue
        comps[ref] = Component(_kind_of(ref), ref, [], (), value=sexpr.atom(comp, "value"),
                               attrs=attrs, line=getattr(comp, "line", None))
        order.append(ref)

    conns: dict[str, list[tuple[str, str]]] = {r: [] for r in order}
    net_info: dict[str, dict] = {}
    nets = sexpr.find(tree, "nets")
    for net in sexpr.find_all(nets, "net") if nets is not None else []:
        code = sexpr.atom(net, "code")
        name = sexpr.atom(net, "name")
        if name is None:
            if code is None:
                raise NetlistError("net has neither (name ...) nor (code ...)", path,
                                   getattr(net, "line", None), getattr(net, "col", None))
            name = f"Net-{code}"
        info = {"code": code}
        cls = sexpr.atom(net, "class")
        if cls is not None:
            info["class"] = cls
        net_info[name] = info
        for node in sexpr.find_all(net, "node"):
            ref = _need(node, "ref", path, "net node")
            pin = _need(node, "pin", path, "net node")
            if ref not in comps:
                c.warnings.append(f"{path}:{getattr(node, 'line', '?')}: net {name} names unknown "
                                  f"component {ref}")
                comps[ref] = Component(_kind_of(ref), ref, [], (), attrs={
                    "pinfunctions": {}, "pintypes": {}}, line=getattr(node, "line", None))
                order.append(ref)
                conns[ref] = []
            conns[ref].append((pin, name))
            a = comps[ref].attrs
            pf, pt = sexpr.atom(node, "pinfunction"), sexpr.atom(node, "pintype")
            if pf is not None:
                a["pinfunctions"][pin] = pf
            if pt is not None:
                a["pintypes"][pin] = pt
    c.attrs["kicad_nets"] = net_info
    for ref in order:
        comp = comps[ref]
        pairs = sorted(conns[ref], key=lambda pn: _natural(pn[0]))
        comp.pins = tuple(p for p, _ in pairs)
        comp.nets = [n for _, n in pairs]
        if comp.kind != "part" and len(comp.nets) != _PIN_COUNT.get(comp.kind, len(comp.nets)):
            comp.kind = "part"   # a C30 connector with six pins is no capacitor
        _apply_sim_fields(comp)
        c.items.append(comp)
    return c


def _sim_pins(spec: str) -> list[tuple[str, str]] | None:
    """`Sim.Pins` text (``1=p 2=n``) as (KiCad pin, model pin) pairs; None when malformed."""
    pairs = [tuple(t.split("=", 1)) for t in spec.split()]
    if not pairs or any(len(p) != 2 or not p[0] or not p[1] for p in pairs):
        return None
    return pairs  # type: ignore[return-value]


def _apply_sim_fields(comp: Component) -> None:
    """Give a component written by our own writer back its IR kind, pin names and model.

    The writer records a non-board component's kind in the ``Sim.Device`` property and its pin
    names in ``Sim.Pins`` (KiCad's simulator fields). When both name an IR kind and cover exactly
    the connected pins, the component leaves KiCad's board-part form: pins are renamed in
    ``Sim.Pins`` order and the synthetic KiCad facts the writer regenerates are dropped, so a
    SPICE -> KiCad -> SPICE round trip keeps kinds and pin roles.
    """
    props = comp.attrs.get("properties") or {}
    kind, spec = props.get("Sim.Device"), props.get("Sim.Pins")
    if kind not in KIND_NAMES or kind == "part" or spec is None:
        return
    pairs = _sim_pins(spec)
    by_pin = dict(zip(comp.pins, comp.nets))
    if pairs is None or sorted(k for k, _ in pairs) != sorted(by_pin) or len(by_pin) != len(comp.pins):
        return
    comp.kind = kind
    comp.pins = tuple(name for _, name in pairs)
    comp.nets = [by_pin[k] for k, _ in pairs]
    a = comp.attrs
    model = props.get("Sim.Name")
    if kind == "X" and a.get("lib") == "eda":
        model = a.get("part")
    if model is not None:
        comp.model = model
        if comp.value == model:
            comp.value = None
    for key in ("pinfunctions", "pintypes"):
        a.pop(key, None)
    if a.get("lib") == "eda":
        for key in ("lib", "part", "lib_description"):
            a.pop(key, None)
    rest = {k: v for k, v in props.items() if not k.startswith("Sim.")}
    if rest:
        a["properties"] = rest
    else:
        a.pop("properties", None)


def read_kicad(text: str, path: str = "<input>") -> Circuit:
    """Read a KiCad S-expression netlist."""
    tree = sexpr.parse_one(text, path, escapes=True)
    return circuit_from_tree(tree, path, "kicad")


# ---- writing ------------------------------------------------------------------------------------

def _native(comp: Component) -> bool:
    """Whether the component's pins are already KiCad pin numbers (it came from KiCad)."""
    return "pinfunctions" in comp.attrs or comp.kind == "part"


def _comp_pins(comp: Component) -> list[tuple[str, str | None, str | None, str]]:
    """(kicad pin, pinfunction, pintype, net) per connection."""
    out = []
    if _native(comp):
        pf = comp.attrs.get("pinfunctions", {})
        pt = comp.attrs.get("pintypes", {})
        for pin, net in zip(comp.pins, comp.nets):
            out.append((str(pin), pf.get(pin), pt.get(pin), net))
    else:
        for i, (pin, net) in enumerate(zip(comp.pins, comp.nets)):
            out.append((str(i + 1), None if str(pin) == str(i + 1) else str(pin), "passive", net))
    return out


def _comp_node(comp: Component) -> list:
    a = comp.attrs
    value = comp.value if comp.value is not None else comp.model
    node: list = ["comp", ["ref", comp.name]]
    if value is not None:  # a part only named by a net node has no value: keep it that way
        node.append(["value", str(value)])
    for key in ("footprint", "datasheet", "description"):
        if a.get(key) is not None:
            node.append([key, str(a[key])])
    fields = a.get("fields")
    if isinstance(fields, dict) and fields:
        node.append(["fields"] + [["field", ["name", str(k)]] + ([str(v)] if v != "" else [])
                                  for k, v in fields.items()])
    lib = a.get("lib")
    part = a.get("part")
    if lib is None and part is None:
        lib, part = "eda", (comp.model if comp.kind == "X" and comp.model else
                            KIND_NAMES.get(comp.kind, comp.kind))
    ls: list = ["libsource", ["lib", str(lib or "")], ["part", str(part or "")]]
    desc = a.get("lib_description")
    if desc is None and not _native(comp):
        desc = KIND_NAMES.get(comp.kind, comp.kind)
    if desc is not None:
        ls.append(["description", str(desc)])
    node.append(ls)
    props = a.get("properties")
    if isinstance(props, dict):
        for k, v in props.items():
            node.append(["property", ["name", str(k)], ["value", str(v)]])
    if not _native(comp):
        node.append(["property", ["name", "Sim.Device"], ["value", comp.kind]])
        if comp.model and comp.kind != "X":
            node.append(["property", ["name", "Sim.Name"], ["value", comp.model]])
        if comp.pins:
            node.append(["property", ["name", "Sim.Pins"], ["value", " ".join(
                f"{i + 1}={p}" for i, p in enumerate(comp.pins))]])
    sp = a.get("sheetpath")
    if isinstance(sp, dict):
        node.append(["sheetpath", ["names", str(sp.get("names", ""))],
                     ["tstamps", str(sp.get("tstamps", ""))]])
    if a.get("tstamps") is not None:
        node.append(["tstamps", str(a["tstamps"])])
    for x in a.get("kicad_extra", []) or []:
        if isinstance(x, list):
            node.append(x)
    return node


def tree_from_circuit(circuit: Circuit) -> list:
    """The KiCad netlist tree (plain nested lists) of a Circuit's top level."""
    a = circuit.attrs or {}
    design = a.get("kicad_design")
    if not (isinstance(design, list) and design and design[0] == "design"):
        design = ["design", ["source", str(circuit.source or "")], ["tool", "eda"]]
        if circuit.title:
            design.append(["sheet", ["number", "1"], ["name", "/"], ["tstamps", "/"],
                           ["title_block", ["title", str(circuit.title)]]])
    comps = circuit.components
    tree: list = ["export", ["version", "E"], design,
                  ["components"] + [_comp_node(c) for c in comps]]
    libparts = a.get("kicad_libparts")
    tree.append(["libparts"] + (list(libparts) if isinstance(libparts, list) else []))
    libs = a.get("kicad_libraries")
    tree.append(["libraries"] + (list(libs) if isinstance(libs, list) else []))
    info = a.get("kicad_nets") if isinstance(a.get("kicad_nets"), dict) else {}
    nets: dict[str, list] = {}
    for comp in comps:
        for pin, pf, pt, net in _comp_pins(comp):
            node = ["node", ["ref", comp.name], ["pin", pin]]
            if pf is not None:
                node.append(["pinfunction", str(pf)])
            if pt is not None:
                node.append(["pintype", str(pt)])
            nets.setdefault(str(net), []).append(node)

    def code_key(item):
        idx, name = item
        code = (info.get(name) or {}).get("code")
        return (0, int(code), idx) if isinstance(code, str) and code.isdigit() else (1, 0, idx)

    names = [n for _, n in sorted(enumerate(nets), key=code_key)]
    net_nodes = ["nets"]
    for i, name in enumerate(names):
        net = ["net", ["code", str(i + 1)], ["name", name]]
        cls = (info.get(name) or {}).get("class")
        if cls is not None:
            net.append(["class", str(cls)])
        net_nodes.append(net + nets[name])
    tree.append(net_nodes)
    return tree


def kicad_lossy(circuit: Circuit) -> list[str]:
    """What a KiCad netlist cannot hold of this circuit."""
    out = []
    subs = circuit.subcircuits
    if subs:
        out.append(f"{len(subs)} subcircuit definition(s) ({', '.join(s.name for s in subs[:5])}"
                   f"{'...' if len(subs) > 5 else ''}); X instances are kept as parts")
    models = [i for i in circuit.items if isinstance(i, Model)]
    if models:
        out.append(f"{len(models)} .model card(s)")
    stmts = [i for i in circuit.items if isinstance(i, Statement) and i.kind != "comment"]
    if stmts:
        out.append(f"{len(stmts)} directive(s)/statement(s)")
    np = sum(1 for c in circuit.components if c.params or c.args)
    if np:
        out.append(f"parameters/arguments of {np} component(s)")
    if circuit.ports:
        out.append("top-level ports")
    return out


def write_kicad(circuit: Circuit) -> str:
    """A KiCad (version E) S-expression netlist of the circuit's top level."""
    return sexpr.dumps(tree_from_circuit(circuit)) + "\n"


def sniff_kicad(head: str, path: str) -> int:
    return 95 if head.lstrip("\ufeff \t\r\n").startswith("(export") else 0


register(Format(
    name="kicad", extensions=(".net",), reader=read_kicad, writer=write_kicad, sniff=sniff_kicad,
    description="KiCad S-expression netlist (Eeschema export, KiCad 5-9)",
    drops="subcircuit definitions, .model cards, directives, component parameters and SPICE "
          "source arguments (top-level components, values and connectivity are kept)",
    aliases=("kicad-net", "kicad-sexpr"), lossy=kicad_lossy))
