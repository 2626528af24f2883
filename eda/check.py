"""Electrical rule check (ERC) over the netlist IR.

`run_erc(circuit)` checks every body (the top level and each subcircuit definition) and returns
a sorted, deterministic list of `Finding`s.  Rules (see `RULES`):

- ``single-pin-net``    a net that touches one pin only (ports, ground and globals excepted);
- ``floating-net``      a group of nets with no DC path to ground, a body port or a global net
                        (only capacitors, MOS gates, current sources, controlled-source inputs);
- ``no-ground``         an analog circuit in which no body uses a ground net;
- ``source-loop``       a loop made only of voltage sources, inductors and E/H/B-voltage outputs;
- ``shorted-source``    a V or I source with both terminals on the same net;
- ``unknown-model``     a D/Q/J/M/Z/X whose model or subcircuit is defined nowhere in the file
                        (a warning when `.include`/`.lib` statements might define it);
- ``pin-count``         an X instance whose net count differs from its subcircuit's port count;
- ``duplicate-name``    two components of one body with the same (case-insensitive) name;
- ``duplicate-definition``  two subcircuits or models of one body with the same name.

Subcircuit ports count as connected from outside, so a port touching one pin is not flagged.
The checks are linear in the size of the circuit and need no simulator.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .ir import GROUND_NAMES, Circuit, Component, Subcircuit
from .unionfind import UnionFind

__all__ = ["Finding", "RULES", "run_erc", "format_findings", "has_errors"]

RULES: dict[str, str] = {
    "single-pin-net": "a net connected to only one pin",
    "floating-net": "nets with no DC path to ground, a port or a global net",
    "no-ground": "an analog circuit with no ground net (0/gnd)",
    "source-loop": "a loop of voltage sources / inductors (singular DC operating point)",
    "shorted-source": "a V or I source with both terminals on the same net",
    "unknown-model": "a model or subcircuit referenced but not defined",
    "pin-count": "an instance whose net count differs from its subcircuit's ports",
    "duplicate-name": "two components in one body with the same name",
    "duplicate-definition": "two subcircuits or models in one body with the same name",
}

_SEVERITY_RANK = {"error": 0, "warning": 1}
_ANALOG_KINDS = frozenset("RCLVIEFGHBDQJMSWZ")
_MODEL_KINDS = frozenset("DQJMZX")
_INCLUDE_DIRECTIVES = frozenset({".include", ".inc", ".lib", ".hdl", ".libr"})
# Pins through which a component makes no DC connection (DC-isolated pins).
_NO_DC_KINDS = frozenset("CIGF")          # no DC path between any of their pins
_ISOLATED_PINS = {"M": frozenset({"g"})}
_OUTPUT_ONLY = frozenset("EHS")            # only the output pair (p, n) conducts


@dataclass(frozen=True)
class Finding:
    """One ERC result: `rule` (a key of RULES), `severity` ('error' | 'warning'), a message,
    `body` (the walk path of the body: '' for the top level, 'sub/' for a subcircuit) and the
    names of the objects involved (components, nets, models), sorted."""

    rule: str
    severity: str
    message: str
    body: str = ""
    objects: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "body": self.body, "objects": list(self.objects)}

    @property
    def where(self) -> str:
        return self.body.rstrip("/") or "top"

    def __str__(self) -> str:
        return f"{self.severity}: [{self.rule}] {self.where}: {self.message}"

    def sort_key(self) -> tuple:
        return (self.body, _SEVERITY_RANK.get(self.severity, 9), self.rule, self.objects,
                self.message)


def _is_ground(net: str) -> bool:
    return net.lower() in GROUND_NAMES


def _globals(circuit: Circuit) -> set[str]:
    """Names declared with `.global` anywhere in the file (lowercased)."""
    out: set[str] = set()
    for _, body in circuit.walk():
        for s in body.statements:
            if s.name == ".global":
                out.update(a.lower() for a in s.args)
    return out


def _is_global(net: str, globs: set[str]) -> bool:
    return net.endswith("!") or net.lower() in globs


def _is_voltage_branch(c: Component) -> bool:
    """A component that forces a voltage (or is a DC short) between its first two pins."""
    k = c.kind
    if k == "V":  # an RF port (`portnum`) has an internal impedance
        return not any(a.lower() == "portnum" for a in c.args) and "portnum" not in {
            p.lower() for p in c.params}
    if k in ("L", "H"):
        return True
    if k == "E":
        return True
    if k == "B":
        return any(p.lower() == "v" for p in c.params) or any(
            a.lower().startswith("v=") or a.lower() == "v" for a in c.args[:1])
    return False


def _dc_groups(c: Component) -> list[list[str]]:
    """Lists of nets of `c` joined by a DC path through `c` (conservative: unknown = joined)."""
    k = c.kind
    if k in _NO_DC_KINDS or not c.nets:
        return []
    if k == "B" and not _is_voltage_branch(c):
        return []  # behavioural current source
    iso = _ISOLATED_PINS.get(k)
    if iso is not None:
        return [[n for p, n in zip(c.pins, c.nets) if p not in iso]]
    if k in _OUTPUT_ONLY:
        return [c.nets[:2]]
    return [list(c.nets)]


# --------------------------------------------------------------------------- rules per body

def _anchored_subckts(circuit: Circuit, globs: set[str]) -> dict[str, bool]:
    """Subcircuit name (lowercased) -> True when it reaches ground or a global net, itself or
    through the instances it holds (node 0 and globals are shared by the whole hierarchy)."""
    defs: dict[str, Subcircuit] = {}
    for _, body in circuit.walk():
        if isinstance(body, Subcircuit):
            defs.setdefault(body.name.lower(), body)

    # Least fixed point, computed iteratively (no recursion: 1000-deep nesting must not raise
    # RecursionError): a definition is anchored when it touches ground/a global directly, or
    # instances an undefined subcircuit (may connect anywhere) or an anchored one.
    memo: dict[str, bool] = {name: False for name in defs}
    users: dict[str, list[str]] = {}
    todo: list[str] = []
    for name, sub in defs.items():
        for c in sub.components:
            if any(_is_ground(n) or _is_global(n, globs) for n in c.nets):
                memo[name] = True
            elif c.kind == "X" and c.model:
                child = c.model.lower()
                if child not in defs:
                    memo[name] = True
                else:
                    users.setdefault(child, []).append(name)
        if memo[name]:
            todo.append(name)
    while todo:
        for user in users.get(todo.pop(), ()):
            if not memo[user]:
                memo[user] = True
                todo.append(user)
    return memo


def _check_connectivity(path: str, body, ports: set[str], globs: set[str], dc_check: bool,
                        anchored: dict[str, bool], out: list[Finding]) -> None:
    nets = body.nets()
    single: set[str] = set()
    for net, conns in nets.items():
        if len(conns) == 1 and net not in ports and not _is_ground(net) and not _is_global(net, globs):
            comp, pin = conns[0]
            single.add(net)
            out.append(Finding("single-pin-net", "warning",
                               f"net {net} connects only to pin {pin} of {comp.name}", path,
                               (net, comp.name)))
    if not dc_check:
        return
    uf = UnionFind()
    anchor = "\0anchor"
    uf.find(anchor)
    for net in nets:
        uf.find(net)
        if net in ports or _is_ground(net) or _is_global(net, globs):
            uf.union(anchor, net)
    for c in body.components:
        for group in _dc_groups(c):
            for other in group[1:]:
                uf.union(group[0], other)
        if c.kind == "X" and c.nets and anchored.get((c.model or "").lower(), True):
            uf.union(anchor, c.nets[0])
    root_anchor = uf.find(anchor)
    floating: dict[str, list[str]] = {}
    for net, conns in nets.items():
        if not conns:
            continue
        r = uf.find(net)
        if r != root_anchor:
            floating.setdefault(r, []).append(net)
    for group in floating.values():
        shown = sorted(n for n in group if n not in single)
        if not shown:
            continue
        names = ", ".join(shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else "")
        pins = sorted({f"{c.name}.{pin}" for n in shown for c, pin in nets[n]})
        more = f" and {len(pins) - 6} more" if len(pins) > 6 else ""
        out.append(Finding("floating-net", "warning",
                           f"no DC path to ground or a port from net{'s' if len(shown) > 1 else ''} "
                           f"{names} (pins {', '.join(pins[:6])}{more})", path, tuple(shown)))


def _check_sources(path: str, body, out: list[Finding]) -> None:
    uf = UnionFind()
    adj: dict[str, list[tuple[str, str]]] = {}
    kinds: dict[str, str] = {}
    for c in body.components:
        kinds.setdefault(c.name, c.kind)
    for c in body.components:
        if c.kind in ("V", "I") and len(c.nets) >= 2 and c.nets[0] == c.nets[1]:
            sev = "error" if c.kind == "V" else "warning"
            out.append(Finding("shorted-source", sev,
                               f"{c.name} has both terminals on net {c.nets[0]}", path,
                               (c.name, c.nets[0])))
            continue
        if len(c.nets) < 2 or not _is_voltage_branch(c):
            continue
        a, b = c.nets[0], c.nets[1]
        if a == b:
            continue
        if uf.union(a, b):
            adj.setdefault(a, []).append((b, c.name))
            adj.setdefault(b, []).append((a, c.name))
            continue
        loop = _tree_path(adj, a, b) + [c.name]
        only_l = all(kinds.get(n) == "L" for n in loop)
        what = "inductors" if only_l else "voltage sources/inductors"
        out.append(Finding("source-loop", "warning" if only_l else "error",
                           f"loop of {what}: {' - '.join(loop)} (the DC operating point is "
                           "singular)", path, tuple(sorted(loop))))


def _tree_path(adj: dict[str, list[tuple[str, str]]], a: str, b: str) -> list[str]:
    """Component names on the forest path from net a to net b (BFS)."""
    prev: dict[str, tuple[str, str] | None] = {a: None}
    q = deque([a])
    while q:
        n = q.popleft()
        if n == b:
            break
        for m, comp in adj.get(n, ()):
            if m not in prev:
                prev[m] = (n, comp)
                q.append(m)
    names: list[str] = []
    n = b
    while prev.get(n) is not None:
        n, comp = prev[n]  # type: ignore[misc]
        names.append(comp)
    return names[::-1]


def _check_names(path: str, body, out: list[Finding]) -> None:
    seen: dict[str, list[Component]] = {}
    for c in body.components:
        seen.setdefault(c.name.lower(), []).append(c)
    for group in seen.values():
        if len(group) > 1:
            lines = [str(c.line) for c in group if c.line is not None]
            at = f" (lines {', '.join(lines)})" if lines else ""
            out.append(Finding("duplicate-name", "error",
                               f"{len(group)} components named {group[0].name}{at}", path,
                               (group[0].name,)))
    for what, items in (("subcircuit", body.subcircuits), ("model", body.models)):
        defs: dict[str, int] = {}
        first: dict[str, str] = {}
        for it in items:
            key = it.name.lower()
            defs[key] = defs.get(key, 0) + 1
            first.setdefault(key, it.name)
        for key, n in defs.items():
            if n > 1:
                out.append(Finding("duplicate-definition", "warning",
                                   f"{what} {first[key]} defined {n} times", path, (first[key],)))


def _check_models(circuit: Circuit, out: list[Finding]) -> None:
    models: set[str] = set()
    subckts: dict[str, Subcircuit] = {}
    includes: list[str] = []
    for _, body in circuit.walk():
        for m in body.models:
            models.add(m.name.lower())
        if isinstance(body, Subcircuit):
            subckts.setdefault(body.name.lower(), body)
        for s in body.statements:
            if s.name in _INCLUDE_DIRECTIVES and s.args:
                includes.append(s.args[0].strip("'\""))
    # binned models: `.model nch.1 nmos ...` defines nch
    bases = {m.split(".", 1)[0] for m in models if "." in m}
    ltspice = (circuit.dialect or "") == "ltspice"
    inc = ", ".join(sorted(set(includes))[:5])
    for path, body in circuit.walk():
        missing: dict[str, list[Component]] = {}
        for c in body.components:
            if c.kind not in _MODEL_KINDS or not c.model:
                continue
            name = c.model
            low = name.lower()
            if any(ch in name for ch in "{}'\"") or "=" in name:
                continue  # a parameterised name: cannot be checked statically
            sub = subckts.get(low)
            if sub is not None:
                if c.kind == "X" and len(sub.ports) != len(c.nets):
                    out.append(Finding("pin-count", "error",
                                       f"{c.name} connects {len(c.nets)} nets but subcircuit "
                                       f"{sub.name} has {len(sub.ports)} ports", path,
                                       (c.name, sub.name)))
                continue
            if low in models or low in bases:
                continue
            missing.setdefault(low, []).append(c)
        for comps in missing.values():
            name = comps[0].model or ""
            what = "subcircuit" if all(c.kind == "X" for c in comps) else "model"
            users = sorted(c.name for c in comps)
            used = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
            if includes:
                sev, why = "warning", f"; it may come from unresolved includes ({inc})"
            elif ltspice and what == "model":
                sev, why = "warning", " (LTspice may find it in its standard libraries)"
            else:
                sev, why = "error", ""
            out.append(Finding("unknown-model", sev,
                               f"{what} {name} used by {used} is not defined in the file{why}",
                               path, (name, *users)))


def run_erc(circuit: Circuit, rules: set[str] | list[str] | None = None) -> list[Finding]:
    """All findings for `circuit`, sorted by (body, severity, rule, objects).

    `rules` limits the check to some rule names (keys of RULES); unknown names raise ValueError.
    """
    if rules is not None:
        bad = sorted(set(rules) - set(RULES))
        if bad:
            raise ValueError(f"unknown ERC rule(s): {', '.join(bad)} (known: {', '.join(RULES)})")
    out: list[Finding] = []
    globs = _globals(circuit)
    bodies = list(circuit.walk())
    analog = False
    grounded = False
    for _, body in bodies:
        for c in body.components:
            if not analog and c.kind in _ANALOG_KINDS:
                analog = True
            if not grounded and any(_is_ground(n) for n in c.nets):
                grounded = True
        if analog and grounded:
            break
    top_has_components = any(True for _ in circuit.components)
    if top_has_components and analog and not grounded:
        out.append(Finding("no-ground", "error",
                           "no ground net (0 or gnd) anywhere in the circuit: every node floats",
                           "", ()))
    anchored = _anchored_subckts(circuit, globs) if analog else {}
    for path, body in bodies:
        ports = set(getattr(body, "ports", []) or [])
        # no DC check for digital/board netlists, nor at a top level without ground (no-ground
        # says it already: every net would float)
        dc = analog and (grounded or bool(path))
        _check_connectivity(path, body, ports, globs, dc, anchored, out)
        _check_sources(path, body, out)
        _check_names(path, body, out)
    _check_models(circuit, out)
    if rules is not None:
        keep = set(rules)
        out = [f for f in out if f.rule in keep]
    out.sort(key=Finding.sort_key)
    return out


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def format_findings(findings: list[Finding]) -> str:
    """One line per finding, then a count line ('no findings' when clean)."""
    if not findings:
        return "ERC: no findings"
    n_err = sum(f.severity == "error" for f in findings)
    lines = [str(f) for f in findings]
    lines.append(f"ERC: {n_err} error(s), {len(findings) - n_err} warning(s)")
    return "\n".join(lines)
