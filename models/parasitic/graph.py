"""The heterogeneous circuit graph of a gate-level netlist: cell, pin and net nodes.

Edges: cell -> pin (`has`), pin -> net (`on`) and their reverses. Features are technology-neutral
(so a model trained on one library can read another): cells by function family parsed from the
cell name (inv, nand, aoi, flop, ...), pin count and drive strength; pins by direction (from the pin
name: X/Y/Z/ZN/Q/... drive) and clock role; nets by fanout, pin count, port role and the size of
their neighbourhood. Physical-only cells (fill, tap, decap) have no signal pins and are left out.
Nothing here reads a SPEF: the graph is what is known before layout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from eda.errors import NetlistError
from eda.ir import Circuit

FAMILIES = ("inv", "buf", "clkbuf", "nand", "nor", "and", "or", "xor", "aoi", "oai", "ao", "oa",
            "mux", "flop", "latch", "icg", "arith", "antenna", "tie", "other")
_FAMILY_RULES = [
    (r"(fill|tap|decap|endcap|welltap)", None),
    (r"antenna|diode", "antenna"), (r"(tie|conb)", "tie"),
    (r"(clkbuf|clkinv|clkdly|ckbuf|ckinv)", "clkbuf"),
    (r"(icg|clkgate|dlclkp|sdlclkp|lsgcp|gck)", "icg"),
    (r"inv", "inv"), (r"(buf|dly|bufz|ebuf)", "buf"),
    (r"x(n)?or", "xor"), (r"nand", "nand"), (r"nor", "nor"),
    (r"(aoi|a\d+oi|a\d+bb?oi)", "aoi"), (r"(oai|o\d+ai|o\d+bb?ai)", "oai"),
    (r"and", "and"), (r"or", "or"), (r"(ao\d|a\d+o|a\d+bb?o)", "ao"), (r"(oa\d|o\d+a|o\d+bb?a)", "oa"),
    (r"mux", "mux"), (r"(s?e?df|dff|sdf|edf|dfx|dfr|dfb|dfs|sff|flop)", "flop"),
    (r"(dl|lat)", "latch"), (r"(ha|fa|add|maj)", "arith"),
]
_STRONG_OUT = {"X", "Y", "Z", "ZN", "Q", "QN", "Q_N", "COUT", "CO", "SUM", "HI", "LO", "GCLK", "ENCLK", "GCK"}
CELL_FEATS = 5 + len(FAMILIES)
PIN_FEATS = 6
NET_FEATS = 6


def cell_base(model: str) -> str:
    """`sky130_fd_sc_hd__nand2_1` -> `nand2_1`, `NAND2_X2` -> `nand2_x2`."""
    return (model.rsplit("__", 1)[-1] if "__" in model else model).lower()


def cell_family(model: str) -> str | None:
    """Function family of a cell by name, or None for a physical-only cell (fill/tap/decap)."""
    base = cell_base(model)
    for pat, fam in _FAMILY_RULES:
        if re.match(pat, base):
            return fam
    return "other"


def drive_strength(model: str) -> float:
    m = re.search(r"_x?(\d+)$", cell_base(model))
    return float(m.group(1)) if m else 1.0


def output_pins(pins: tuple[str, ...] | list[str]) -> set[str]:
    """Pins that drive their net, by name (X/Y/Z/ZN/Q... ; S only where no other output exists)."""
    outs = {p for p in pins if p.upper() in _STRONG_OUT or re.fullmatch(r"(Z|ZN|Y|Q|X)\d", p.upper())}
    if "S" in pins and (not outs or "CO" in outs):     # an adder's sum; elsewhere S is a select
        outs = outs | {"S"}
    return outs


def is_clock_pin(pin: str) -> bool:
    u = pin.upper()
    return u.startswith("CLK") or u in ("CK", "CKN", "GATE", "GATE_N", "E_CLK")


def top_module(circuit: Circuit):
    subs = circuit.subcircuits
    if not subs:
        if circuit.components:
            return circuit
        raise NetlistError("no module in the netlist", circuit.source)
    used = {c.model for s in subs for c in s.components}
    tops = [s for s in subs if s.name not in used]
    return tops[-1] if tops else subs[-1]


@dataclass
class CircuitGraph:
    """Node features per type, edges, and the way back (net names, cell names)."""

    design: str
    net_names: list[str]
    cell_names: list[str]
    cell_models: list[str]
    x_cell: np.ndarray
    x_pin: np.ndarray
    x_net: np.ndarray
    pin_cell: np.ndarray           # [P] cell index, -1 for a top-level port pin
    pin_net: np.ndarray            # [P] net index
    pin_out: np.ndarray            # [P] bool: drives the net
    net_adj: sp.csr_matrix         # [N, N] nets sharing a cell (count of shared cells), no diagonal

    @property
    def num_nets(self) -> int:
        return len(self.net_names)

    def net_index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.net_names)}

    def to_hetero(self):
        """PyG HeteroData (float32 features, int64 edges)."""
        import torch
        from torch_geometric.data import HeteroData
        d = HeteroData()
        d["cell"].x = torch.tensor(self.x_cell, dtype=torch.float32)
        d["pin"].x = torch.tensor(self.x_pin, dtype=torch.float32)
        d["net"].x = torch.tensor(self.x_net, dtype=torch.float32)
        has = np.flatnonzero(self.pin_cell >= 0)
        cp = torch.tensor(np.stack([self.pin_cell[has], has]), dtype=torch.long)
        pn = torch.tensor(np.stack([np.arange(len(self.pin_net)), self.pin_net]), dtype=torch.long)
        d["cell", "has", "pin"].edge_index = cp
        d["pin", "of", "cell"].edge_index = cp.flip(0)
        d["pin", "on", "net"].edge_index = pn
        d["net", "links", "pin"].edge_index = pn.flip(0)
        return d


_CONST = re.compile(r"^(\d*'[bhdo][0-9a-fA-FxXzZ_]+|1'b[01]|\$?const.*|)$")


def build_graph(circuit: Circuit, design: str = "") -> CircuitGraph:
    """The cell/pin/net graph of the top module of a gate-level netlist."""
    top = top_module(circuit)
    net_id: dict[str, int] = {}
    cells, models, cfeat = [], [], []
    pin_cell, pin_net, pin_out, pfeat = [], [], [], []
    fam_ix = {f: i for i, f in enumerate(FAMILIES)}
    for c in top.components:
        if c.model is None and c.kind not in ("cell", "X"):
            continue
        fam = cell_family(c.model or c.kind)
        conns = [(p, n) for p, n in zip(c.pins, c.nets) if not _CONST.match(n)]
        if fam is None or not conns:
            continue
        outs = output_pins([p for p, _ in conns])
        ci = len(cells)
        cells.append(c.name)
        models.append(c.model or c.kind)
        n_out = sum(p in outs for p, _ in conns)
        f = np.zeros(CELL_FEATS, np.float32)
        f[:5] = (np.log1p(len(conns)), len(conns) - n_out, n_out, np.log2(drive_strength(c.model or "") + 1),
                 fam in ("flop", "latch", "icg"))
        f[5 + fam_ix[fam]] = 1.0
        cfeat.append(f)
        for p, n in conns:
            ni = net_id.setdefault(n, len(net_id))
            o = p in outs
            pin_cell.append(ci)
            pin_net.append(ni)
            pin_out.append(o)
            pfeat.append((o, not o, is_clock_pin(p), 0.0, 0.0, 0.0))
    ports = [p for p in getattr(top, "ports", []) or [] if not _CONST.match(p)]
    port_set = set()
    for p in ports:
        ni = net_id.setdefault(p, len(net_id))
        port_set.add(ni)
        pin_cell.append(-1)
        pin_net.append(ni)
        pin_out.append(False)
        pfeat.append((0.0, 0.0, is_clock_pin(p) or "clk" in p.lower(), 1.0, 0.0, 0.0))
    if not cells:
        raise NetlistError("no cells with signal pins in the top module", circuit.source)
    pin_cell_a, pin_net_a = np.asarray(pin_cell), np.asarray(pin_net)
    pin_out_a = np.asarray(pin_out, bool)
    x_pin = np.asarray(pfeat, np.float32)
    n_nets = len(net_id)
    # ports: an input port drives its net when no cell output does
    drivers = np.bincount(pin_net_a[pin_out_a], minlength=n_nets)
    port_pins = np.flatnonzero(pin_cell_a < 0)
    for i in port_pins:
        if drivers[pin_net_a[i]] == 0:
            x_pin[i, 4] = 1.0     # acts as a driver (input port)
        else:
            x_pin[i, 5] = 1.0     # a load (output port)
    on_cell = pin_cell_a >= 0
    inc = sp.csr_matrix((np.ones(on_cell.sum()), (pin_net_a[on_cell], pin_cell_a[on_cell])),
                        shape=(n_nets, len(cells)))
    adj = (inc @ inc.T).tocsr()
    adj.setdiag(0)
    adj.eliminate_zeros()
    npins = np.bincount(pin_net_a, minlength=n_nets)
    drivers = drivers + np.bincount(pin_net_a[x_pin[:, 4] > 0], minlength=n_nets)
    fanout = npins - drivers
    two_hop = np.asarray((adj @ adj).getnnz(axis=1))
    x_net = np.stack([np.log1p(fanout), np.minimum(drivers, 3), np.log1p(npins),
                      np.isin(np.arange(n_nets), list(port_set)).astype(float),
                      np.log1p(adj.getnnz(axis=1)), np.log1p(two_hop)], 1).astype(np.float32)
    return CircuitGraph(design, list(net_id), cells, models, np.asarray(cfeat, np.float32), x_pin, x_net,
                        pin_cell_a, pin_net_a, pin_out_a, adj)


def candidate_pairs(g: CircuitGraph, hops: int = 2, max_per_net: int = 64) -> np.ndarray:
    """Net pairs (a < b) within `hops` cell hops of each other: the pairs a coupling capacitance is
    predicted for before layout. Each net keeps at most `max_per_net` partners (closest first)."""
    a = g.net_adj.copy()
    a.data[:] = 1.0
    reach = a.copy()
    dist = a.copy()
    for h in range(2, hops + 1):
        reach = (reach @ a).tocsr()
        reach.data[:] = 1.0
        new = reach - reach.multiply(dist > 0)
        new.setdiag(0)
        new.eliminate_zeros()
        dist = dist + new * h
    dist = dist.tocsr()
    rows = []
    for i in range(g.num_nets):
        s, e = dist.indptr[i], dist.indptr[i + 1]
        idx, d = dist.indices[s:e], dist.data[s:e]
        keep = idx[np.argsort(d, kind="stable")[:max_per_net]]
        rows.append(np.stack([np.full(len(keep), i), keep], 1))
    pairs = np.concatenate(rows) if rows else np.zeros((0, 2), int)
    pairs = np.sort(pairs, 1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def pair_hops(g: CircuitGraph, pairs: np.ndarray) -> np.ndarray:
    """1 if the two nets share a cell, 2 if one net lies between them, 3 otherwise."""
    a = g.net_adj.copy()
    a.data[:] = 1.0
    one = np.asarray(a[pairs[:, 0], pairs[:, 1]]).ravel() > 0
    two = np.asarray(((a[pairs[:, 0]]).multiply(a[pairs[:, 1]])).sum(1)).ravel() > 0
    return np.where(one, 1, np.where(two, 2, 3)).astype(np.float32)
