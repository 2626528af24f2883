"""Circuit transformations: flattening the hierarchy.

`flatten` replaces every instance of a subcircuit defined in the circuit (or in its resolved
`.include`/`.lib` files) by the subcircuit's components, renamed ngspice style (`M.X1.M1`, kind
letter first) with internal nets `X1.n3`; ports map to the instance's nets, global nets (ground,
`.global`) keep their names, and subcircuit parameters are substituted into values as text.
"""
from __future__ import annotations

import re

from .errors import NetlistError
from .ir import GROUND_NAMES, Circuit, Component, Subcircuit


def _definitions(circuit: Circuit, extra: list[Circuit]) -> dict[str, Subcircuit]:
    defs: dict[str, Subcircuit] = {}
    for c in [circuit, *extra]:
        for _, body in c.walk():
            if isinstance(body, Subcircuit):
                defs.setdefault(body.name.lower(), body)
    return defs


def _globals(circuit: Circuit) -> set[str]:
    out = set(GROUND_NAMES)
    for _, body in circuit.walk():
        for s in body.statements:
            if s.name == ".global":
                out.update(a.lower() for a in s.args)
    return out


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _subst(text: str | None, pmap: dict[str, str]) -> str | None:
    """Replace subcircuit parameter names in an expression by their values (kept as text)."""
    if not text or not pmap:
        return text
    bare = _IDENT.fullmatch(text)
    if bare and text.lower() in pmap:
        return pmap[text.lower()]
    if not any(ch in text for ch in "{'("):
        return text
    return _IDENT.sub(lambda m: f"({pmap[m.group(0).lower()]})" if m.group(0).lower() in pmap
                      else m.group(0), text)


def flatten(circuit: Circuit, *, resolve: bool = True, max_depth: int = 64) -> Circuit:
    """A new flat Circuit: top-level components with every known subcircuit instance expanded."""
    extra: list[Circuit] = []
    warnings: list[str] = []
    if resolve and circuit.source:
        from .formats.spice import resolve_includes
        extra, warnings = resolve_includes(circuit)
    defs = _definitions(circuit, extra)
    glob = _globals(circuit)
    out = Circuit(title=circuit.title, ports=list(circuit.ports), source=circuit.source,
                  format=circuit.format, dialect=circuit.dialect,
                  warnings=list(circuit.warnings) + warnings)

    def expand(comp: Component, prefix: str, netmap: dict[str, str], depth: int,
               pmap: dict[str, str]) -> None:
        def net(n: str) -> str:
            if n in netmap:
                return netmap[n]
            return n if (not prefix or n.lower() in glob) else f"{prefix}{n}"
        sub = defs.get(comp.model.lower()) if comp.kind == "X" and comp.model else None
        if sub is None:
            name = f"{comp.name[0]}.{prefix}{comp.name}" if prefix else comp.name
            out.items.append(Component(comp.kind, name, [net(n) for n in comp.nets], comp.pins,
                                       comp.model, _subst(comp.value, pmap),
                                       {k: _subst(v, pmap) for k, v in comp.params.items()},
                                       list(comp.args), dict(comp.attrs), comp.line, comp.comment))
            return
        if depth >= max_depth:
            raise NetlistError(f"subcircuit recursion deeper than {max_depth} at {comp.name}",
                               circuit.source, comp.line, 1)
        if len(sub.ports) != len(comp.nets):
            raise NetlistError(f"{comp.name}: {len(comp.nets)} nodes for subcircuit {sub.name} "
                               f"with {len(sub.ports)} ports", circuit.source, comp.line, 1)
        inner = {p: net(n) for p, n in zip(sub.ports, comp.nets)}
        params = {k.lower(): _subst(v, pmap) for k, v in sub.params.items()}
        params.update({k.lower(): _subst(v, pmap) for k, v in comp.params.items()})
        for item in sub.items:
            if isinstance(item, Component):
                expand(item, f"{prefix}{comp.name}.", inner, depth + 1, params)

    for item in circuit.items:
        if isinstance(item, Component):
            expand(item, "", {}, 0, {})
        elif isinstance(item, Subcircuit):
            continue
        else:
            out.items.append(item)
    seen = {m.name.lower() for m in out.models}
    for sub in defs.values():  # models local to a subcircuit become global once it is flat
        for m in sub.models:
            if m.name.lower() not in seen:
                seen.add(m.name.lower())
                out.items.append(m)
    return out
