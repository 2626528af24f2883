"""The pin-level timing graph of a gate-level netlist, built from the IR and a Liberty library.

Nodes are pins (`inst/PIN`) and top-level ports; edges are *timing arcs between transitions*:
each net edge (driver -> sink) gives rise->rise and fall->fall arcs, each Liberty delay arc
(combinational, edge, clear/preset) gives the (input transition, output transition) pairs its
timing sense allows. Setup/recovery checks become endpoint records. Levels come from a topological
sort (Kahn, vectorised per level); a cycle raises a one-line `NetlistError`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from eda.errors import NetlistError
from eda.ir import Circuit
from eda.liberty import Library, Table
from eda.unionfind import UnionFind

RISE, FALL = 0, 1
# Async clear/preset arcs are not propagated (OpenSTA's default: preset/clear arcs disabled).
DELAY_TYPES = {"combinational", "combinational_rise", "combinational_fall", "rising_edge",
               "falling_edge", "three_state_enable", "three_state_disable"}
CHECK_TYPES = {"setup_rising", "setup_falling", "recovery_rising", "recovery_falling"}
ARC_KIND = {"wire": 0, "combinational": 1, "rising_edge": 2, "falling_edge": 2, "clear": 3, "preset": 3}


@dataclass
class Sdc:
    """The subset of SDC the recipe uses: one clock, I/O delays, input transition, output load."""

    period: float = 10.0
    clock_port: str | None = None
    input_delay: float = 0.0
    output_delay: float = 0.0
    input_transition: float = 0.0
    output_load: float = 0.0


def _num(s: str) -> float:
    m = re.fullmatch(r"\s*\[\s*expr\s+(.+?)\s*\]\s*", s)
    expr = m.group(1) if m else s
    if not re.fullmatch(r"[\d.eE+\-*/ ()]+", expr):
        raise NetlistError(f"cannot read SDC value {s!r}")
    return float(eval(expr, {"__builtins__": {}}))  # digits and arithmetic only (checked above)


def read_sdc(text: str) -> Sdc:
    """Read create_clock / set_input_delay / set_output_delay / set_input_transition / set_load."""
    sdc = Sdc()
    val = r"(\[expr [^\]]+\]|[\d.eE+\-]+)"
    if m := re.search(r"create_clock\b[^\n]*?-period\s+" + val, text):
        sdc.period = _num(m.group(1))
        if p := re.search(r"create_clock\b[^\n]*\[get_ports\s+\{?([^\]\}\s]+)", text):
            sdc.clock_port = p.group(1)
    for attr, cmd in (("input_delay", "set_input_delay"), ("output_delay", "set_output_delay"),
                      ("input_transition", "set_input_transition"), ("output_load", "set_load")):
        if m := re.search(cmd + r"\s+" + val, text):
            setattr(sdc, attr, _num(m.group(1)))
    return sdc


@dataclass
class TimingGraph:
    """Pins, transition arcs and endpoint checks of one design (library units: ns, pF)."""

    names: list[str]
    cell_type: np.ndarray          # [N] index into `cell_names`, -1 for ports
    cell_names: list[str]
    is_driver: np.ndarray          # [N] bool: output pins and input ports
    is_in_port: np.ndarray
    is_out_port: np.ndarray
    pin_cap: np.ndarray            # [N] Liberty input cap (pF), 0 for drivers
    fanout: np.ndarray             # [N] sinks on the net a pin drives (drivers), or on its net (sinks)
    load: np.ndarray               # [N] total load a driver sees (pin caps + wire cap + port load)
    wire_r: np.ndarray             # [N] wire-load resistance of the driven net (kohm)
    wire_c: np.ndarray             # [N] wire-load capacitance of the driven net (pF)
    level: np.ndarray              # [N] topological level (0 = sources)
    # transition arcs: src/dst pins, input/output transition, kind (0 wire, 1 comb, 2 edge, 3 set/clr)
    src: np.ndarray
    dst: np.ndarray
    tin: np.ndarray
    tout: np.ndarray
    kind: np.ndarray
    delay_table: list              # per arc: Table or None (wires)
    slew_table: list
    # endpoint checks: data pin, clock pin, data transition, constraint table
    chk_pin: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    chk_clk: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    chk_t: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    chk_clk_t: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    chk_table: list = field(default_factory=list)
    sdc: Sdc = field(default_factory=Sdc)

    @property
    def num_nodes(self) -> int:
        return len(self.names)

    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}


def _top(circuit: Circuit):
    subs = circuit.subcircuits
    if not subs:
        raise NetlistError("no module in the netlist", circuit.source)
    used = {c.model for s in subs for c in s.components}
    tops = [s for s in subs if s.name not in used]
    return tops[-1] if tops else subs[-1]


def build_graph(circuit: Circuit, lib: Library, sdc: Sdc) -> TimingGraph:
    """The timing graph of the top module of a mapped netlist; every cell must be in `lib`."""
    top = _top(circuit)
    dirs = dict(top.attrs.get("directions", []))
    uf = UnionFind()
    for st in top.statements:
        if st.name == "assign":
            a = st.args
            for lhs, rhs in zip(a[0::2], a[1::2]):
                uf.union(lhs, rhs)
    names: list[str] = []
    cell_type: list[int] = []
    cell_names: list[str] = []
    cidx: dict[str, int] = {}
    pin_cap: list[float] = []
    drv: list[bool] = []
    inp: list[bool] = []
    outp: list[bool] = []
    net_drivers: dict[str, list[int]] = {}
    net_sinks: dict[str, list[int]] = {}
    for p in top.ports:
        d = dirs.get(p, "input")
        i = len(names)
        names.append(p)
        cell_type.append(-1)
        pin_cap.append(0.0)
        is_in = d in ("input", "inout")
        drv.append(is_in)
        inp.append(is_in)
        outp.append(d in ("output", "inout"))
        net = uf.find(p)
        if is_in:
            net_drivers.setdefault(net, []).append(i)
        else:
            net_sinks.setdefault(net, []).append(i)
    arcs_src, arcs_dst, arcs_tin, arcs_tout, arcs_kind, dtab, stab = [], [], [], [], [], [], []
    chk = ([], [], [], [], [])
    for comp in top.components:
        cell = lib.cells.get(comp.model or "")
        if cell is None:
            raise NetlistError(f"cell {comp.model} of instance {comp.name} is not in the Liberty library {lib.name}",
                               circuit.source, comp.line)
        if comp.model not in cidx:
            cidx[comp.model] = len(cell_names)
            cell_names.append(comp.model)
        ct = cidx[comp.model]
        local: dict[str, int] = {}
        for pin, net in zip(comp.pins, comp.nets):
            lp = cell.pins.get(pin)
            if lp is None:
                raise NetlistError(f"pin {pin} of instance {comp.name} is not a pin of {comp.model}",
                                   circuit.source, comp.line)
            i = len(names)
            local[pin] = i
            names.append(f"{comp.name}/{pin}")
            cell_type.append(ct)
            is_out = lp.direction in ("output", "inout")
            pin_cap.append(0.0 if is_out else lp.capacitance)
            drv.append(is_out)
            inp.append(False)
            outp.append(False)
            n = uf.find(net)
            (net_drivers if is_out else net_sinks).setdefault(n, []).append(i)
        for arc in cell.arcs:
            if arc.related_pin not in local or arc.pin not in local:
                continue
            s, d = local[arc.related_pin], local[arc.pin]
            tt = arc.timing_type
            if tt in CHECK_TYPES:
                ct_ = RISE if tt.endswith("rising") else FALL
                for t, key in ((RISE, "rise_constraint"), (FALL, "fall_constraint")):
                    if key in arc.tables:
                        for lst, v in zip(chk, (d, s, t, ct_, arc.tables[key])):
                            lst.append(v)
                continue
            if tt not in DELAY_TYPES:
                continue
            sense = arc.timing_sense
            for tout, dk, sk in ((RISE, "cell_rise", "rise_transition"), (FALL, "cell_fall", "fall_transition")):
                if dk not in arc.tables:
                    continue
                if tt == "rising_edge":
                    tins = [RISE]
                elif tt == "falling_edge":
                    tins = [FALL]
                elif sense == "positive_unate":
                    tins = [tout]
                elif sense == "negative_unate":
                    tins = [1 - tout]
                else:
                    tins = [RISE, FALL]
                for tin in tins:
                    arcs_src.append(s)
                    arcs_dst.append(d)
                    arcs_tin.append(tin)
                    arcs_tout.append(tout)
                    arcs_kind.append(ARC_KIND.get(tt, 1))
                    dtab.append(arc.tables[dk])
                    stab.append(arc.tables.get(sk))
    n_nodes = len(names)
    pin_cap_a = np.array(pin_cap) 
    fanout = np.zeros(n_nodes)
    load = np.zeros(n_nodes)
    wire_r = np.zeros(n_nodes)
    wire_c = np.zeros(n_nodes)
    wl = lib.wire_loads.get(lib.default_wire_load or "") or next(iter(lib.wire_loads.values()), None)
    outp_a = np.array(outp, bool)
    for net, ds in net_drivers.items():
        sinks = net_sinks.get(net, [])
        fo = len(sinks)
        length = float(wl.length(np.array([fo]))[0]) if (wl is not None and fo) else 0.0
        wc = wl.capacitance * length if wl is not None else 0.0
        wr = wl.resistance * length if wl is not None else 0.0
        c = sum(pin_cap_a[j] for j in sinks) + wc + sdc.output_load * sum(outp_a[j] for j in sinks)
        for d in ds:
            fanout[d], load[d], wire_r[d], wire_c[d] = fo, c, wr, wc
            for j in sinks:
                fanout[j] = fo
                arcs_src += [d, d]
                arcs_dst += [j, j]
                arcs_tin += [RISE, FALL]
                arcs_tout += [RISE, FALL]
                arcs_kind += [0, 0]
                dtab += [None, None]
                stab += [None, None]
    g = TimingGraph(names, np.array(cell_type), cell_names, np.array(drv, bool), np.array(inp, bool),
                    outp_a, pin_cap_a, fanout, load, wire_r, wire_c, np.zeros(n_nodes, int),
                    np.array(arcs_src, int), np.array(arcs_dst, int), np.array(arcs_tin, int),
                    np.array(arcs_tout, int), np.array(arcs_kind, int), dtab, stab,
                    np.array(chk[0], int), np.array(chk[1], int), np.array(chk[2], int),
                    np.array(chk[3], int), chk[4], sdc)
    g.level = levelize(n_nodes, g.src, g.dst, names)
    return g


def levelize(n: int, src: np.ndarray, dst: np.ndarray, names: list[str] | None = None) -> np.ndarray:
    """Longest-path level of every node (Kahn's algorithm, one vectorised step per level)."""
    if len(src):
        pairs = np.unique(np.stack([src, dst], 1), axis=0)
        s, d = pairs[:, 0], pairs[:, 1]
    else:
        s = d = np.zeros(0, int)
    indeg = np.bincount(d, minlength=n)
    order = np.argsort(s, kind="stable")
    s_sorted, d_sorted = s[order], d[order]
    start = np.searchsorted(s_sorted, np.arange(n + 1))
    level = np.zeros(n, int)
    frontier = np.flatnonzero(indeg == 0)
    done = 0
    lv = 0
    while frontier.size:
        level[frontier] = lv
        done += frontier.size
        lens = start[frontier + 1] - start[frontier]
        idx = np.repeat(start[frontier], lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
        tgt = d_sorted[idx]
        np.subtract.at(indeg, tgt, 1)
        cand = np.unique(tgt)
        frontier = cand[indeg[cand] == 0]
        lv += 1
    if done < n:
        stuck = np.flatnonzero(indeg > 0)
        who = names[stuck[0]] if names else str(stuck[0])
        raise NetlistError(f"combinational loop: {stuck.size} pins never become ready, e.g. {who}")
    return level
