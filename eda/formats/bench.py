"""ISCAS `.bench` gate-level netlists: `INPUT(x)`, `OUTPUT(y)`, `y = NAND(a, b)`, `# comment`.

Reading: each gate line becomes a `Component` of kind `cell` named `<type>_<output>` (lowercase
type, e.g. `nand_G10`: bench gates have no instance names, and a name equal to a net name would
clash in Verilog), `model` = the gate type as written (`NAND`, `DFF`, `BUFF`...), pins `Y` (the
output) then `A`, `B`, ... (`I1`, `I2`, ... past 26 inputs); a `DFF` has pins `Q`, `D`.
`Circuit.ports` are the inputs then the outputs (each name once); `attrs['inputs']` and
`attrs['outputs']` keep the declarations in order, `attrs['top_attrs']` gives port directions to
the Verilog writer. Comments are kept as `Statement(kind='comment', dialect='bench')`.

Writing: any circuit (or, when the top level is empty, its `attrs['top']` module) whose `cell` components have one output pin (`Y`, `Q`, `Z`, `O`,
`OUT`, or the first pin) and inputs; other components (and subcircuit bodies) are reported as
dropped, and component names are not expressible (regenerated on reading).
"""
from __future__ import annotations

import re

from ..errors import NetlistError
from ..ir import Circuit, Component, Statement, Subcircuit
from .registry import Format, register

__all__ = ["read_bench", "write_bench", "gate_pins"]

_NAME = r"[^\s()=,#]+"
_PORT = re.compile(rf"(INPUT|OUTPUT)\s*\(\s*({_NAME})\s*\)\s*\Z", re.I)
_GATE = re.compile(rf"({_NAME})\s*=\s*([A-Za-z_][\w.$]*)\s*\(([^()]*)\)\s*\Z")
_ARG = re.compile(rf"\s*({_NAME})\s*\Z")
_OUT_PINS = ("Y", "Q", "Z", "O", "OUT", "QN")


def gate_pins(gate: str, n_inputs: int) -> tuple[str, ...]:
    """Pin names of a bench gate: output first, then the inputs."""
    if gate.upper() == "DFF" and n_inputs == 1:
        return ("Q", "D")
    if n_inputs <= 26:
        return ("Y", *(chr(ord("A") + i) for i in range(n_inputs)))
    return ("Y", *(f"I{i + 1}" for i in range(n_inputs)))


def read_bench(text: str, path: str = "<input>") -> Circuit:
    """Parse ISCAS .bench text into a flat Circuit of `cell` components."""
    c = Circuit(format="bench", dialect="iscas")
    inputs: list[str] = []
    outputs: list[str] = []
    driven: dict[str, int] = {}
    names: set[str] = set()
    for ln, raw in enumerate(text.splitlines(), 1):
        body, hash_, comment = raw.partition("#")
        stripped = body.strip()
        if hash_ and not stripped:
            c.items.append(Statement("comment", "#" + comment, line=ln, dialect="bench"))
            continue
        if not stripped:
            continue
        col = len(body) - len(body.lstrip()) + 1
        m = _PORT.match(stripped)
        if m:
            (inputs if m.group(1).upper() == "INPUT" else outputs).append(m.group(2))
            continue
        m = _GATE.match(stripped)
        if not m:
            if re.match(r"(INPUT|OUTPUT)\b", stripped, re.I):
                msg = "expected INPUT(name) or OUTPUT(name)"
            elif "=" not in stripped:
                msg = "expected 'name = GATE(inputs)', 'INPUT(name)' or 'OUTPUT(name)'"
            else:
                msg = "expected 'name = GATE(input, ...)'"
            raise NetlistError(f"{msg}, got '{stripped[:40]}'", path, ln, col)
        out, gate, args = m.group(1), m.group(2), m.group(3)
        ins: list[str] = []
        if args.strip():
            off = body.index("(", body.index("=")) + 1
            for a in args.split(","):
                am = _ARG.match(a)
                if not am:
                    raise NetlistError(f"expected a net name in the inputs of '{out}'", path, ln,
                                       off + len(a) - len(a.lstrip()) + 1)
                ins.append(am.group(1))
                off += len(a) + 1
        if out in driven:
            raise NetlistError(f"net '{out}' is driven twice (first at line {driven[out]})",
                               path, ln, col)
        driven[out] = ln
        name = base = f"{gate.lower()}_{out}"
        k = 1
        while name in names:
            k += 1
            name = f"{base}_{k}"
        names.add(name)
        c.items.append(Component("cell", name, [out, *ins], gate_pins(gate, len(ins)),
                                 model=gate, line=ln))
        if hash_:
            c.items[-1].attrs["bench_comment"] = "#" + comment
    c.ports = list(dict.fromkeys(inputs + outputs))
    c.attrs["inputs"] = inputs
    c.attrs["outputs"] = outputs
    dirs = {p: "output" for p in outputs}
    dirs.update({p: "input" for p in inputs})
    c.attrs["top_attrs"] = {"directions": dirs, "port_order": list(c.ports)}
    return c


def _bad(name: str) -> bool:
    return not re.fullmatch(_NAME, name or "")


def _output_index(c: Component) -> int:
    pins = [p.upper() for p in c.pins]
    for o in _OUT_PINS:
        if o in pins:
            return pins.index(o)
    return 0


def _write(circuit: Circuit) -> tuple[str, list[str]]:
    out: list[str] = []
    dropped: list[str] = []
    top = circuit.attrs.get("top") if isinstance(circuit.attrs, dict) else None
    if not circuit.components and isinstance(top, str) and circuit.find_subcircuit(top):
        # a hierarchical netlist (Verilog, Yosys JSON): write its top module's gates
        sub = circuit.find_subcircuit(top)
        dirs = sub.attrs.get("directions", {}) if isinstance(sub.attrs, dict) else {}
        flat = Circuit(items=list(sub.items), ports=list(sub.ports), title=circuit.title)
        flat.attrs["top_attrs"] = {"directions": {p: dirs.get(p.split("[")[0], "input")
                                                  for p in sub.ports}}
        text, more = _write(flat)
        others = [f"subcircuit {s.name}" for _, s in circuit.walk()
                  if isinstance(s, Subcircuit) and s is not sub]
        return text, more + others
    attrs = circuit.attrs if isinstance(circuit.attrs, dict) else {}
    ins = attrs.get("inputs") if isinstance(attrs.get("inputs"), list) else None
    outs = attrs.get("outputs") if isinstance(attrs.get("outputs"), list) else None
    if ins is None or outs is None or set(ins) | set(outs) != set(circuit.ports):
        dirs = (attrs.get("top_attrs") or {}).get("directions") or {} \
            if isinstance(attrs.get("top_attrs"), dict) else {}
        ins = [p for p in circuit.ports if dirs.get(p, "input") != "output"]
        outs = [p for p in circuit.ports if dirs.get(p) == "output"]
    items = list(circuit.items)
    lead = 0
    while lead < len(items) and isinstance(items[lead], Statement) and items[lead].kind == "comment":
        lead += 1

    def comment(s: Statement) -> str:
        t = s.text.replace("\n", " ")
        return t if t.startswith("#") else "# " + t.lstrip("*;/ ")

    for s in items[:lead]:
        out.append(comment(s))
    if lead:
        out.append("")
    for kw, names in (("INPUT", ins), ("OUTPUT", outs)):
        for p in names:
            if _bad(p):
                dropped.append(f"port '{p}': name not expressible in .bench")
                continue
            out.append(f"{kw}({p})")
    out.append("")
    for item in items[lead:]:
        if isinstance(item, Statement):
            if item.kind == "comment":
                out.append(comment(item))
            else:
                dropped.append(f"statement {item.text[:40]!r}")
            continue
        if isinstance(item, Subcircuit):
            dropped.append(f"subcircuit {item.name}")
            continue
        if not isinstance(item, Component):
            dropped.append(f"{type(item).__name__.lower()} {getattr(item, 'name', '')}")
            continue
        c = item
        gate = c.model or ""
        if c.kind != "cell" or not c.nets or not re.fullmatch(r"[A-Za-z_][\w.$]*", gate) or \
                any(_bad(n) for n in c.nets):
            dropped.append(f"{c.name}: {c.kind} component not expressible as a .bench gate")
            continue
        k = _output_index(c)
        ins_ = [n for j, n in enumerate(c.nets) if j != k]
        line = f"{c.nets[k]} = {gate}({', '.join(ins_)})"
        bc = (c._attrs or {}).get("bench_comment")
        if isinstance(bc, str) and bc.startswith("#"):
            line += " " + bc.replace("\n", " ")
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n", dropped


def write_bench(circuit: Circuit) -> str:
    """ISCAS .bench text of `circuit`'s top-level gates (see the module docstring)."""
    return _write(circuit)[0]


def _lossy(circuit: Circuit) -> list[str]:
    return _write(circuit)[1]


def _sniff(head: str, path: str) -> int:
    if re.search(r"^\s*(INPUT|OUTPUT)\s*\(\s*[^\s()]+\s*\)\s*$", head, re.M | re.I) and \
            re.search(rf"^\s*{_NAME}\s*=\s*[A-Za-z_]\w*\s*\(", head, re.M):
        return 85 if path.lower().endswith(".bench") else 60
    return 0


register(Format("bench", (".bench",), read_bench, write_bench, _sniff,
                "ISCAS .bench gate-level netlist (INPUT/OUTPUT, name = GATE(inputs))",
                drops="component names (regenerated from the output net), non-cell components, "
                      "subcircuit hierarchy, directives and models",
                aliases=("iscas", "iscas-bench"), lossy=_lossy))
