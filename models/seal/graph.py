"""Link-prediction graphs of circuits: plain tensors in CSR order, many circuits merged into one.

Two graphs per circuit, both built from the port view of `eda.graph`:

``pin-net`` (our protocol, `pin_net_graph`)
    The port view with ``net_mode="net_node"``: a node per component pin and per net; the pins of
    a component are joined pairwise, each pin is joined to its net. A candidate link is (pin, net).
    Removing one pin's connection is removing one edge, so no other edge implies it (a clique per
    net would: the other pins of the net stay joined to the hidden pin's neighbours).
``clique`` (the paper's protocol, `clique_graph`)
    The GNN-ACLP port graph: pin nodes only, pins of a component joined, a clique per net. Its
    candidate links are the net edges between pins.

Node features are the PyG export's (`eda.graph.export`: kind one-hot, pin-role one-hot, polarity,
log10 value, has-value) plus, with ``net_names=True``, flags on net nodes from the net name:
low rail (``0``, ``gnd``, ``vss``, ``vee``...), high rail (``vdd``, ``vcc``, ``5V``, ``3.3V``,
``+12V``...), and with ``name_flags=5`` (the default; 2 = the rails only, as older models) also
input (``in``, ``vin``, ``inp``...), output (``out``, ``vout``, ``out2``...) and no-connect
(``nc``, ``NC_07``: a net its designer marked as left open). Netlists name their rails, ports and
open pins, so this is information a user's netlist has; it can be switched off.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch

from eda.graph import port_view, to_pyg
from eda.ir import Circuit

_LOW = re.compile(r"^(0|gnd!?|agnd|dgnd|ground|vss!?|vssa|vssd|avss|dvss|vee|vneg|v-|gnd_?\w*)$",
                  re.I)
_HIGH = re.compile(r"^(vdd!?|vcc|vdda|vddd|avdd|dvdd|vpos|v\+|vsupply|supply|vdd_?\w*|vcc_?\w*"
                   r"|\+?vdc|\+?\d+(\.\d+)?v\+?(_\w*)?)$", re.I)
_IN = re.compile(r"^(in|ip|inp|inn|input|in_?\d+|in[pn]\d+|vin\w*|vi|vinp|vinn)$", re.I)
_OUT = re.compile(r"^(out\w*|vout\w*|output|op|vo)$", re.I)
_NC = re.compile(r"^(nc|n/c|nc_?\d+)$", re.I)


def _base(net: str) -> str:
    return net.rstrip("/").rsplit("/", 1)[-1]


def rail_flags(net: str) -> tuple[float, float]:
    """(is low rail, is high rail) of a net name; the body path prefix is ignored."""
    name = _base(net)
    return (1.0 if _LOW.match(name) else 0.0, 1.0 if _HIGH.match(name) else 0.0)


def name_flags(net: str, n: int = 5) -> tuple[float, ...]:
    """The first `n` of (low rail, high rail, input, output, no-connect) flags of a net name."""
    name = _base(net)
    return tuple(1.0 if r.match(name) else 0.0 for r in (_LOW, _HIGH, _IN, _OUT, _NC)[:n])


@dataclass
class LinkGraph:
    """One graph (or several circuits merged) for link prediction.

    Edges are directed both ways and sorted by source (`rowptr`, `col` are the CSR form).
    `pin_net[i]` is the net node of pin i (-1 for net nodes and in clique graphs); `group[i]`
    numbers the (circuit, body) a node belongs to: candidate nets of a pin share its group.
    `circuit[i]` is the index of the node's circuit in `circuit_names`.
    """

    x: torch.Tensor
    rowptr: torch.Tensor
    col: torch.Tensor
    is_net: torch.Tensor
    pin_net: torch.Tensor
    group: torch.Tensor
    circuit: torch.Tensor
    names: list[str] = field(default_factory=list)
    circuit_names: list[str] = field(default_factory=list)
    net_edges: torch.Tensor | None = None   # clique graphs: (2, K) pin pairs joined by a net, u < v

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.col.numel())

    @property
    def src(self) -> torch.Tensor:
        """Source node of each directed edge (expanded from `rowptr`)."""
        return torch.repeat_interleave(torch.arange(self.num_nodes, device=self.rowptr.device),
                                       self.rowptr[1:] - self.rowptr[:-1])

    def to(self, device) -> "LinkGraph":
        kw = {k: (v.to(device) if isinstance(v, torch.Tensor) else v)
              for k, v in self.__dict__.items()}
        return LinkGraph(**kw)


def _csr(edge_index: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    src, dst = edge_index
    order = torch.argsort(src * max(n, 1) + dst)
    src, dst = src[order], dst[order]
    rowptr = torch.zeros(n + 1, dtype=torch.long)
    rowptr[1:] = torch.cumsum(torch.bincount(src, minlength=n), 0)
    return rowptr, dst.contiguous()


def pin_net_graph(circuit: Circuit, name: str = "", net_names: bool = True,
                  name_flags_n: int = 5) -> LinkGraph:
    """The pin-net graph of a circuit (see module doc); `name_flags_n` name flags per node."""
    g = port_view(circuit, net_mode="net_node", max_net_degree=None)
    data = to_pyg(g)
    n = g.num_nodes
    is_net = torch.tensor([a["type"] == "net" for a in g.node_attrs], dtype=torch.bool)
    bodies: dict[str, int] = {}
    group = torch.tensor([bodies.setdefault(a["body"], len(bodies)) for a in g.node_attrs],
                         dtype=torch.long)
    net_of = {(a["body"], a["name"]): i for i, a in enumerate(g.node_attrs) if a["type"] == "net"}
    pin_net = torch.tensor([-1 if a["type"] == "net" else net_of[(a["body"], a["net"])]
                            for a in g.node_attrs], dtype=torch.long)
    rails = torch.zeros((n, name_flags_n))
    if net_names:
        for i, a in enumerate(g.node_attrs):
            if a["type"] == "net":
                rails[i] = torch.tensor(name_flags(a["name"], name_flags_n))
    x = torch.cat([data.x, rails], 1)
    rowptr, col = _csr(data.edge_index, n)
    return LinkGraph(x, rowptr, col, is_net, pin_net, group, torch.zeros(n, dtype=torch.long),
                     list(g.nodes), [name])


def clique_graph(circuit: Circuit, name: str = "") -> LinkGraph:
    """The GNN-ACLP port graph of a circuit: pins only, a clique per net (see module doc)."""
    g = port_view(circuit, net_mode="clique")
    data = to_pyg(g)
    n = g.num_nodes
    bodies: dict[str, int] = {}
    group = torch.tensor([bodies.setdefault(a["body"], len(bodies)) for a in g.node_attrs],
                         dtype=torch.long)
    net = [(u, v) for (u, v), a in zip(g.edges, g.edge_attrs) if "net" in a["type"]]
    ne = torch.tensor(net, dtype=torch.long).reshape(-1, 2).t()
    ne = torch.stack([ne.min(0).values, ne.max(0).values]) if ne.numel() else ne
    x = torch.cat([data.x, torch.zeros((n, 2))], 1)
    rowptr, col = _csr(data.edge_index, n)
    return LinkGraph(x, rowptr, col, torch.zeros(n, dtype=torch.bool),
                     torch.full((n,), -1, dtype=torch.long), group,
                     torch.zeros(n, dtype=torch.long), list(g.nodes), [name], ne)


def merge(graphs: list[LinkGraph]) -> LinkGraph:
    """Disjoint union of graphs in order; node, group and circuit numbers are offset."""
    if not graphs:
        raise ValueError("no graphs to merge")
    xs, rps, cols, isn, pns, grs, cis, names, cnames, nes = [], [], [], [], [], [], [], [], [], []
    off = eoff = goff = coff = 0
    for g in graphs:
        xs.append(g.x)
        rps.append(g.rowptr[:-1] + eoff)
        cols.append(g.col + off)
        isn.append(g.is_net)
        pns.append(torch.where(g.pin_net >= 0, g.pin_net + off, g.pin_net))
        grs.append(g.group + goff)
        cis.append(g.circuit + coff)
        names.extend(g.names)
        cnames.extend(g.circuit_names)
        if g.net_edges is not None:
            nes.append(g.net_edges + off)
        off += g.num_nodes
        eoff += g.num_edges
        goff += int(g.group.max()) + 1 if g.group.numel() else 0
        coff += len(g.circuit_names)
    rowptr = torch.cat(rps + [torch.tensor([eoff])])
    return LinkGraph(torch.cat(xs), rowptr, torch.cat(cols), torch.cat(isn), torch.cat(pns),
                     torch.cat(grs), torch.cat(cis), names, cnames,
                     torch.cat(nes, 1) if nes else None)


def without_edges(g: LinkGraph, pairs: torch.Tensor) -> LinkGraph:
    """A copy of `g` without the undirected edges in `pairs` (2, K)."""
    n = g.num_nodes
    src = g.src
    key = src * n + g.col
    drop = torch.cat([pairs[0] * n + pairs[1], pairs[1] * n + pairs[0]])
    keep = ~torch.isin(key, drop)
    rowptr, col = _csr(torch.stack([src[keep], g.col[keep]]), n)
    kw = dict(g.__dict__)
    kw.update(rowptr=rowptr, col=col)
    return LinkGraph(**kw)
