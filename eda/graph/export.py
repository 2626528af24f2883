"""Exports of a graph view: networkx, GraphML, node-link JSON, PyTorch Geometric.

networkx is imported inside the functions that need it and torch / torch_geometric only inside
the PyG functions, so importing `eda.graph` stays cheap for the CLI.

PyG feature encodings (fixed vocabularies, so features mean the same across circuits)
-------------------------------------------------------------------------------------
Node features ``x`` (float32), columns in this order (names in ``data.feature_names``):

* ``kind=<K>`` one-hot over `KIND_VOCAB` (IR kind letters, then ``net`` for net nodes, then
  ``other`` for any kind not listed);
* port view only: ``pin=<P>`` one-hot over `PIN_VOCAB` (canonical pin names, then ``other``);
  all zeros for net nodes;
* ``polarity``: +1 n-type, -1 p-type, 0 unknown/not a transistor (M/Q/J/Z only; from the model
  name: contains ``nmos``/``npn``/starts with ``n`` -> +1, ``pmos``/``pnp``/starts with ``p`` -> -1);
* ``log10_value``: log10(|value_si|) of the component value, 0 when there is none or it is 0;
* ``has_value``: 1 when the component has a numeric value, else 0.

Edges are undirected: ``edge_index`` holds both directions (2 x 2E), ``edge_attr`` is repeated
for each direction. Edge features: bipartite: multi-hot pin role over `PIN_VOCAB` (one 1 per
pin joined on that edge); component: ``[weight]`` (number of shared nets); port:
``[is_component_edge, is_net_edge]``.

``data.node_names[i]`` is the id of node i (``<body path><name>``); ``data.view`` the view.
With ``hetero=True`` (bipartite only) a `HeteroData` with node types ``component`` and ``net``
(``x`` as above for components, a single column of ones for nets; ``node_names`` per type) and
one edge type ``('component', 'pin', 'net')`` with the pin multi-hot ``edge_attr``; add the reverse
with ``torch_geometric.transforms.ToUndirected()`` when message passing needs it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import FormatError
from ..fileio import atomic_write
from ..ir import Circuit, KIND_NAMES
from .views import GraphView, build_view

#: One-hot vocabulary of node kinds: IR kind letters, then 'net', then 'other'.
KIND_VOCAB: tuple[str, ...] = ("R", "C", "L", "K", "V", "I", "E", "F", "G", "H", "B", "D", "Q",
                               "J", "Z", "M", "X", "S", "W", "T", "O", "U", "Y", "A", "N", "P",
                               "cell", "part", "net", "other")
#: One-hot vocabulary of canonical pin names (see `eda.ir.PIN_NAMES`, plus amplifier pins of
#: the GNN-ACLP datasets), then 'other'.
PIN_VOCAB: tuple[str, ...] = ("p", "n", "cp", "cn", "a", "k", "c", "b", "e", "s", "d", "g",
                              "p1", "n1", "p2", "n2", "in", "out", "inp", "inn", "outp", "outn",
                              "other")
_KIND_POS = {k: i for i, k in enumerate(KIND_VOCAB)}
_PIN_POS = {p: i for i, p in enumerate(PIN_VOCAB)}
assert set(KIND_NAMES) <= set(KIND_VOCAB)


def kind_index(kind: str) -> int:
    """Column of `kind` in `KIND_VOCAB` ('other' when unknown)."""
    return _KIND_POS.get(kind, _KIND_POS["other"])


def pin_index(pin: str) -> int:
    """Column of `pin` in `PIN_VOCAB` ('other' when unknown)."""
    return _PIN_POS.get(pin.lower(), _PIN_POS["other"])


def polarity(kind: str, model: str) -> float:
    """+1 n-type, -1 p-type, 0 unknown (transistors only; heuristic on the model name)."""
    if kind not in ("M", "Q", "J", "Z") or not model:
        return 0.0
    m = model.lower()
    if "pmos" in m or "pnp" in m or "pch" in m:
        return -1.0
    if "nmos" in m or "npn" in m or "nch" in m:
        return 1.0
    if m[0] == "p":
        return -1.0
    if m[0] == "n":
        return 1.0
    return 0.0


def value_features(value: str) -> tuple[float, float]:
    """(log10 |value_si| or 0, has_value flag) of a component value text."""
    if not value:
        return 0.0, 0.0
    from ..ir import parse_value
    try:
        v = parse_value(value)
    except Exception:  # an expression the unit parser rejects
        v = None
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return 0.0, 0.0
    return (math.log10(abs(v)) if v != 0 else 0.0), 1.0


# --- networkx ------------------------------------------------------------------------------------

def to_networkx(circuit: Circuit | GraphView, view: str = "bipartite", **options):
    """The view as an undirected `networkx.Graph` (node ids as in the module doc of views)."""
    import networkx as nx
    g = circuit if isinstance(circuit, GraphView) else build_view(circuit, view, **options)
    G = nx.Graph(**g.graph)
    G.add_nodes_from(zip(g.nodes, g.node_attrs))
    names = g.nodes
    G.add_edges_from((names[u], names[v], a) for (u, v), a in zip(g.edges, g.edge_attrs))
    return G


def node_link_data(g: GraphView) -> dict:
    """networkx node-link JSON (key 'edges', as `nx.node_link_graph(d, edges="edges")` reads)."""
    names = g.nodes
    return {"directed": False, "multigraph": False, "graph": dict(g.graph),
            "nodes": [{"id": n, **a} for n, a in zip(names, g.node_attrs)],
            "edges": [{"source": names[u], "target": names[v], **a}
                      for (u, v), a in zip(g.edges, g.edge_attrs)]}


def write_graph(circuit: Circuit, view: str, path: str | Path, **options) -> Path:
    """Write a view to `path`, by extension: .graphml, .json (node-link), .pt (PyG, torch.save).

    For `.pt` the option `hetero=True` writes a `HeteroData` (bipartite view). Load with
    `torch.load(path, weights_only=False)`.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".pt":
        import io

        import torch
        hetero = options.pop("hetero", False)
        buf = io.BytesIO()
        torch.save(to_pyg(circuit, view, hetero=hetero, **options), buf)
        atomic_write(path, buf.getvalue())
    elif ext == ".graphml":
        from .graphml import graphml_text
        atomic_write(path, graphml_text(build_view(circuit, view, **options)))
    elif ext == ".json":
        g = build_view(circuit, view, **options)
        atomic_write(path, json.dumps(node_link_data(g)))
    else:
        raise FormatError(f"cannot tell the graph format of '{path}' (.graphml, .json or .pt)")
    return path


# --- PyTorch Geometric --------------------------------------------------------------------------

def _node_features(g: GraphView, with_pin: bool, torch, subset: list[int] | None = None):
    """(x tensor, column names) for the nodes of `g` (or the node indices in `subset`)."""
    nk, npin = len(KIND_VOCAB), len(PIN_VOCAB)
    names = [f"kind={k}" for k in KIND_VOCAB]
    if with_pin:
        names += [f"pin={p}" for p in PIN_VOCAB]
    names += ["polarity", "log10_value", "has_value"]
    attrs = g.node_attrs if subset is None else [g.node_attrs[i] for i in subset]
    n = len(attrs)
    net_col = _KIND_POS["net"]
    kcol, pcol, nums = [], [], []
    vcache: dict[str, tuple[float, float]] = {}
    for a in attrs:
        if a["type"] == "net":
            kcol.append(net_col)
            pcol.append(-1)
            nums.append((0.0, 0.0, 0.0))
            continue
        kind = a["kind"]
        kcol.append(kind_index(kind))
        if with_pin:
            pcol.append(pin_index(a["pin"]))
        value = a.get("value", "")
        vf = vcache.get(value)
        if vf is None:
            vf = value_features(value)
            if len(vcache) < 100_000:
                vcache[value] = vf
        nums.append((polarity(kind, a.get("model", "")), vf[0], vf[1]))
    x = torch.zeros((n, len(names)), dtype=torch.float32)
    if n:
        rows = torch.arange(n)
        x[rows, torch.tensor(kcol, dtype=torch.long)] = 1.0
        if with_pin:
            pc = torch.tensor(pcol, dtype=torch.long)
            has = pc >= 0
            x[rows[has], nk + pc[has]] = 1.0
        off = nk + (npin if with_pin else 0)
        x[:, off:off + 3] = torch.tensor(nums, dtype=torch.float32)
    return x, names


def _edge_features(g: GraphView, torch):
    """(edge_attr tensor with one row per undirected edge, column names)."""
    m = len(g.edge_attrs)
    if g.view == "bipartite":
        names = [f"pin={p}" for p in PIN_VOCAB]
        cols, extra_rows, extra_cols = [], [], []
        for j, a in enumerate(g.edge_attrs):
            pin = a["pin"]
            if "," in pin:
                first, *rest = pin.split(",")
                cols.append(pin_index(first))
                for p in rest:
                    extra_rows.append(j)
                    extra_cols.append(pin_index(p))
            else:
                cols.append(pin_index(pin))
        ea = torch.zeros((m, len(names)), dtype=torch.float32)
        if m:
            ea[torch.arange(m), torch.tensor(cols, dtype=torch.long)] = 1.0
        if extra_rows:
            ea.index_put_((torch.tensor(extra_rows), torch.tensor(extra_cols)),
                          torch.ones(len(extra_rows)), accumulate=True)
        return ea, names
    if g.view == "component":
        return (torch.tensor([float(a["weight"]) for a in g.edge_attrs],
                             dtype=torch.float32).reshape(m, 1), ["weight"])
    return (torch.tensor([(1.0 if "component" in a["type"] else 0.0,
                           1.0 if "net" in a["type"] else 0.0) for a in g.edge_attrs],
                         dtype=torch.float32).reshape(m, 2), ["is_component_edge", "is_net_edge"])


def to_pyg(circuit: Circuit | GraphView, view: str = "bipartite", hetero: bool = False,
           **options):
    """The view as a PyG `Data` (or `HeteroData` for the bipartite view with hetero=True).

    Feature columns are described in the module docstring; `data.node_names`,
    `data.feature_names` and `data.edge_feature_names` name them.
    """
    import torch
    from torch_geometric.data import Data, HeteroData

    g = circuit if isinstance(circuit, GraphView) else build_view(circuit, view, **options)
    if hetero:
        if g.view != "bipartite":
            raise ValueError("hetero=True needs the bipartite view")
        return _to_hetero(g, torch, HeteroData)
    x, fnames = _node_features(g, g.view == "port", torch)
    ea, enames = _edge_features(g, torch)
    e = torch.tensor(g.edges, dtype=torch.long).reshape(len(g.edges), 2).t()
    edge_index = torch.cat([e, e.flip(0)], dim=1)
    edge_attr = torch.cat([ea, ea], dim=0)
    data = Data(x=x, edge_index=edge_index, edge_attr=edge_attr, num_nodes=len(g.nodes))
    data.node_names = list(g.nodes)
    data.node_type = [a["type"] for a in g.node_attrs]
    data.feature_names = fnames
    data.edge_feature_names = enames
    data.view = g.view
    return data


def _to_hetero(g: GraphView, torch, HeteroData):
    comp_idx, net_idx = [], []
    local = [0] * len(g.nodes)
    for i, a in enumerate(g.node_attrs):
        if a["type"] == "net":
            local[i] = len(net_idx)
            net_idx.append(i)
        else:
            local[i] = len(comp_idx)
            comp_idx.append(i)
    x, fnames = _node_features(g, False, torch, subset=comp_idx)
    data = HeteroData()
    data["component"].x = x
    data["component"].node_names = [g.nodes[i] for i in comp_idx]
    data["component"].feature_names = fnames
    data["net"].x = torch.ones((len(net_idx), 1), dtype=torch.float32)
    data["net"].node_names = [g.nodes[i] for i in net_idx]
    ea, enames = _edge_features(g, torch)
    loc = torch.tensor(local, dtype=torch.long)
    e = torch.tensor(g.edges, dtype=torch.long).reshape(len(g.edges), 2).t()
    et = data["component", "pin", "net"]   # bipartite edges are (component, net)
    et.edge_index = loc[e] if len(g.edges) else e
    et.edge_attr = ea
    et.edge_feature_names = enames
    data.view = "bipartite"
    return data
