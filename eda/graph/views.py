"""Graph views of a Circuit: pure functions, deterministic order, a way back to names.

Every view covers the top body *and* every subcircuit definition body (`Circuit.walk()` order:
top first, then definitions depth first). Node ids are prefixed with the body path from `walk()`
(`""` for the top body, `"opamp/"` inside `.subckt opamp`), so a library file holding only
`.subckt`s still gives a non-empty graph. Bodies are not flattened: instances (`X...`) are plain
component nodes, and a net name is local to its body (`opamp/0` and `0` are distinct nodes).

Views (all undirected):

``component``
    Nodes: components (id ``<path><name>``). An edge joins two components that share a net;
    edge attrs ``nets`` (shared net names, sorted, joined by ``,``) and ``weight`` (their count).
    Nets touching more than ``max_net_degree`` component pins (ground, supplies in huge
    circuits) add no clique; their names are listed in ``graph["skipped_nets"]``.

``bipartite``
    Component nodes (``type="component"``, ``kind`` = IR kind letter, ``name``, ``model``,
    ``value`` (original text, ``""`` when absent), ``body``) and net nodes (``type="net"``,
    ``kind="net"``, ``name``, ``body``). One edge per (component, net) pair with attr ``pin``
    = the canonical pin name; when one component has several pins on the same net (a
    diode-connected MOSFET), the single edge's ``pin`` is the pin names sorted and joined
    with ``,`` (``"d,g"``). A net node whose id would equal a component id in the same body gets
    the suffix ``@net``. Body ports with no pins still appear as net nodes.

``port``
    Nodes: component pins, id ``<path><component>.<pin>`` (``type="pin"``, ``kind``, ``name`` =
    component name, ``pin``, ``net``, ``model``, ``value``, ``body``). Edges of a component join
    all its pins pairwise (``type="component"``). Along nets, ``net_mode="clique"`` (default,
    as in GNN-ACLP) joins all pins of a net pairwise (``type="net"``, ``net`` = name), subject
    to ``max_net_degree``; ``net_mode="net_node"`` adds a node per net (``type="net"``,
    ``kind="net"``) and a star edge from each pin to it (never skipped). An edge that is both a
    component edge and a net edge has ``type="component,net"``.

Duplicate component names inside one body (bad input) get ``#2``, ``#3``... suffixes so ids stay
unique. Attribute values are always str/int/float (GraphML-safe, never None). Attribute dicts
are read-only: small ones (bipartite ``{"pin": p}``) are shared between edges.

Cost: one pass over the pins (bipartite, port with ``net_node``); component and port ``clique``
add sum(d^2) over nets of degree d <= ``max_net_degree``. The bipartite view of a generated
1M-component, 2.3M-pin circuit builds in about 5 s on one CPU core.
"""
from __future__ import annotations

import functools
import gc
from dataclasses import dataclass, field
from typing import Iterable

from ..ir import Circuit

VIEWS = ("component", "bipartite", "port")
DEFAULT_MAX_NET_DEGREE = 1000


@dataclass
class GraphView:
    """A view as plain Python columns (no networkx/torch): the common input of every exporter.

    `nodes[i]` is the id of node i and `node_attrs[i]` its attribute dict; `edges[j]` is a pair
    of node indices (u < v is not guaranteed; each undirected edge appears once) with
    `edge_attrs[j]`. `graph` holds graph-level facts (view name, title, skipped nets).
    """

    view: str
    nodes: list[str] = field(default_factory=list)
    node_attrs: list[dict] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    edge_attrs: list[dict] = field(default_factory=list)
    graph: dict = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return len(self.nodes)

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    def index(self) -> dict[str, int]:
        """Node id -> node index."""
        return {n: i for i, n in enumerate(self.nodes)}


def _no_gc(fn):
    """Pause the cyclic GC while a view is built: millions of small containers, no cycles."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


def _s(v) -> str:
    return "" if v is None else str(v)


def _unique_names(path: str, comps, taken: set[str]) -> list[str]:
    """Node ids for components of one body; duplicates get #2, #3... deterministically."""
    out = []
    for c in comps:
        nid = path + c.name
        if nid in taken:
            k = 2
            while f"{nid}#{k}" in taken:
                k += 1
            nid = f"{nid}#{k}"
        taken.add(nid)
        out.append(nid)
    return out


def _bodies(circuit: Circuit):
    for path, body in circuit.walk():
        yield path, body, body.components


@_no_gc
def bipartite_view(circuit: Circuit) -> GraphView:
    """Components and nets as two node types, one edge per (component, net) pair (see module doc)."""
    g = GraphView("bipartite", graph={"view": "bipartite", "title": _s(circuit.title)})
    nodes, nattrs, edges, eattrs = g.nodes, g.node_attrs, g.edges, g.edge_attrs
    pin_attr: dict[str, dict] = {}    # shared read-only {"pin": p} dicts: fewer allocations
    for path, body, comps in _bodies(circuit):
        taken: set[str] = set()
        ids = _unique_names(path, comps, taken)
        base = len(nodes)
        for nid, c in zip(ids, comps):
            nodes.append(nid)
            nattrs.append({"type": "component", "kind": c.kind, "name": c.name,
                           "model": _s(c.model), "value": _s(c.value), "body": path})
        net_index: dict[str, int] = {}
        get = net_index.get

        def net_node(net: str) -> int:
            nid = path + net
            if nid in taken:
                nid += "@net"
            i = net_index[net] = len(nodes)
            nodes.append(nid)
            nattrs.append({"type": "net", "kind": "net", "name": net, "body": path})
            return i

        for p in getattr(body, "ports", ()):
            if get(p) is None:
                net_node(p)
        for k, c in enumerate(comps):
            ci = base + k
            cn = c.nets
            if len(cn) == 2 and cn[0] != cn[1] or len(set(cn)) == len(cn):
                for pin, net in zip(c.pins, cn):
                    i = get(net)
                    edges.append((ci, net_node(net) if i is None else i))
                    a = pin_attr.get(pin)
                    if a is None:
                        a = pin_attr[pin] = {"pin": pin}
                    eattrs.append(a)
            else:
                by_net: dict[str, list[str]] = {}
                for pin, net in zip(c.pins, cn):
                    by_net.setdefault(net, []).append(pin)
                for net, pins in by_net.items():
                    i = get(net)
                    edges.append((ci, net_node(net) if i is None else i))
                    eattrs.append({"pin": ",".join(sorted(pins))})
    return g


@_no_gc
def component_view(circuit: Circuit, max_net_degree: int | None = DEFAULT_MAX_NET_DEGREE
                   ) -> GraphView:
    """Components joined when they share a net (see module doc); O(sum of net degree^2) capped."""
    g = GraphView("component", graph={"view": "component", "title": _s(circuit.title),
                                      "max_net_degree": -1 if max_net_degree is None
                                      else max_net_degree})
    skipped: list[str] = []
    nodes, nattrs = g.nodes, g.node_attrs
    for path, body, comps in _bodies(circuit):
        ids = _unique_names(path, comps, set())
        base = len(nodes)
        members: dict[str, list[int]] = {}
        for k, (nid, c) in enumerate(zip(ids, comps)):
            nodes.append(nid)
            nattrs.append({"type": "component", "kind": c.kind, "name": c.name,
                           "model": _s(c.model), "value": _s(c.value), "body": path})
            seen = set()
            for net in c.nets:
                if net not in seen:
                    seen.add(net)
                    members.setdefault(net, []).append(base + k)
        pairs = sum(len(ms) * (len(ms) - 1) // 2 for ms in members.values()
                    if max_net_degree is None or len(ms) <= max_net_degree)
        if pairs >= _VECTOR_PAIRS:
            _component_edges_np(g, members, max_net_degree, skipped, path)
            continue
        pair_nets: dict[tuple[int, int], list[str]] = {}
        for net, u, v in _net_cliques(members, max_net_degree, skipped, path):
            pair_nets.setdefault((u, v), []).append(net)
        for (u, v) in sorted(pair_nets):
            nets = sorted(pair_nets[(u, v)])
            g.edges.append((u, v))
            g.edge_attrs.append({"nets": ",".join(nets), "weight": len(nets)})
    g.graph["skipped_nets"] = ",".join(skipped)
    return g


_VECTOR_PAIRS = 200_000   # net cliques past this many pairs are built with numpy


def _component_edges_np(g: GraphView, members: dict[str, list[int]],
                        max_net_degree: int | None, skipped: list[str], path: str) -> None:
    """The component view's edges of one body, as the pure-Python loop makes them, with numpy.

    All nets of one degree d stack into a (nets, d) array whose column pairs are their cliques;
    one sort by (u, v) then merges the pairs that share several nets.  Edges of a single net
    share one read-only attribute dict.
    """
    import numpy as np

    names: list[str] = []
    by_degree: dict[int, list[list[int]]] = {}
    ids: dict[int, list[int]] = {}
    for net, ms in members.items():
        if max_net_degree is not None and len(ms) > max_net_degree:
            skipped.append(path + net)
            continue
        if len(ms) > 1:
            by_degree.setdefault(len(ms), []).append(ms)
            ids.setdefault(len(ms), []).append(len(names))
        names.append(net)
    us, vs, ns = [], [], []
    for d, rows in by_degree.items():
        m = np.array(rows, dtype=np.int64)
        a, b = np.triu_indices(d, 1)
        us.append(m[:, a].ravel())
        vs.append(m[:, b].ravel())
        ns.append(np.repeat(np.array(ids[d], dtype=np.int64), len(a)))
    if not us:
        return
    n = len(g.nodes)
    key = np.concatenate(us) * n + np.concatenate(vs)   # members are increasing: u < v
    net = np.concatenate(ns)
    order = np.argsort(key, kind="stable")
    key, net = key[order], net[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    count = np.diff(np.r_[first, len(key)])
    pair = key[first]
    g.edges.extend(zip((pair // n).tolist(), (pair % n).tolist()))
    shared = [{"nets": name, "weight": 1} for name in names]
    attrs = list(map(shared.__getitem__, net[first].tolist()))
    for i in np.flatnonzero(count > 1).tolist():
        nets = sorted(names[j] for j in net[first[i]:first[i] + count[i]].tolist())
        attrs[i] = {"nets": ",".join(nets), "weight": len(nets)}
    g.edge_attrs.extend(attrs)


def _net_cliques(members: dict[str, list[int]], max_net_degree: int | None, skipped: list[str],
                 path: str):
    """(net, u, v) for every pair of members of each net; nets above the degree cap are
    recorded in `skipped` instead (a ground clique of a huge circuit is quadratic)."""
    for net, ms in members.items():
        if max_net_degree is not None and len(ms) > max_net_degree:
            skipped.append(path + net)
            continue
        for a in range(len(ms)):
            u = ms[a]
            for v in ms[a + 1:]:
                yield net, u, v


@_no_gc
def port_view(circuit: Circuit, net_mode: str = "clique",
              max_net_degree: int | None = DEFAULT_MAX_NET_DEGREE) -> GraphView:
    """Pins as nodes, joined within a component and along nets (see module doc)."""
    if net_mode not in ("clique", "net_node"):
        raise ValueError(f"net_mode must be 'clique' or 'net_node', not {net_mode!r}")
    g = GraphView("port", graph={"view": "port", "net_mode": net_mode, "title": _s(circuit.title),
                                 "max_net_degree": -1 if max_net_degree is None
                                 else max_net_degree})
    skipped: list[str] = []
    nodes, nattrs = g.nodes, g.node_attrs
    for path, body, comps in _bodies(circuit):
        ids = _unique_names(path, comps, set())
        pin_ids: set[str] = set()
        members: dict[str, list[int]] = {p: [] for p in getattr(body, "ports", ())}
        etype: dict[tuple[int, int], list] = {}   # (u, v) -> [is_component, net or None]
        starts: list[int] = []   # first pin node of each component, then the end
        for cid, c in zip(ids, comps):
            starts.append(len(nodes))
            model, value = _s(c.model), _s(c.value)
            for pin, net in zip(c.pins, c.nets):
                nid = f"{cid}.{pin}"
                if nid in pin_ids:     # repeated pin name: keep ids unique
                    k = 2
                    while f"{nid}#{k}" in pin_ids:
                        k += 1
                    nid = f"{nid}#{k}"
                pin_ids.add(nid)
                members.setdefault(net, []).append(len(nodes))
                nodes.append(nid)
                nattrs.append({"type": "pin", "kind": c.kind, "name": c.name, "pin": pin,
                               "net": net, "model": model, "value": value, "body": path})
        starts.append(len(nodes))
        if net_mode == "clique" and _clique_pairs(members, starts, max_net_degree) > _VECTOR_PAIRS:
            _port_edges_np(g, starts, members, max_net_degree, skipped, path)
            continue
        for first, last in zip(starts, starts[1:]):
            for u in range(first, last):
                for v in range(u + 1, last):
                    etype[(u, v)] = [1, None]
        if net_mode == "clique":
            for net, u, v in _net_cliques(members, max_net_degree, skipped, path):
                e = etype.get((u, v))
                if e is None:
                    etype[(u, v)] = [0, net]
                else:
                    e[1] = net
            for (u, v), (is_c, net) in etype.items():
                g.edges.append((u, v))
                g.edge_attrs.append({"type": _etype(is_c, net), "net": _s(net)})
        else:
            for (u, v), (is_c, net) in etype.items():
                g.edges.append((u, v))
                g.edge_attrs.append({"type": "component", "net": ""})
            taken = set(ids) | pin_ids
            for net, ms in members.items():
                nid = path + net
                if nid in taken:
                    nid += "@net"
                ni = len(nodes)
                nodes.append(nid)
                nattrs.append({"type": "net", "kind": "net", "name": net, "pin": "", "net": net,
                               "model": "", "value": "", "body": path})
                for u in ms:
                    g.edges.append((u, ni))
                    g.edge_attrs.append({"type": "net", "net": net})
    g.graph["skipped_nets"] = ",".join(skipped)
    return g


def _clique_pairs(members: dict[str, list[int]], starts: list[int],
                  max_net_degree: int | None) -> int:
    """How many pairs the port view's cliques (components and nets) hold, before merging."""
    cap = max_net_degree if max_net_degree is not None else float("inf")
    nets = sum(d * (d - 1) // 2 for d in map(len, members.values()) if d <= cap)
    return nets + sum((b - a) * (b - a - 1) // 2 for a, b in zip(starts, starts[1:]))


def _triu_pairs(rows, d: int):
    """(u, v, pair index) of every column pair of the rows of a (k, d) array, row by row."""
    import numpy as np
    a, b = np.triu_indices(d, 1)
    return rows[:, a], rows[:, b], np.arange(len(a))


def _port_edges_np(g: GraphView, starts: list[int], members: dict[str, list[int]],
                   max_net_degree: int | None, skipped: list[str], path: str) -> None:
    """The port view's clique edges of one body, exactly as the loop in `port_view` makes them,
    with numpy: component edges in component order, then edges made by nets alone in the order
    the nets first make them; a pair several nets join carries the last of them.  Edges share
    one read-only attribute dict per (type, net)."""
    import numpy as np

    n = len(g.nodes)
    start = np.asarray(starts, dtype=np.int64)
    width = np.diff(start)
    ckeys = [np.empty(0, dtype=np.int64)]
    for k in np.unique(width[width > 1]).tolist():   # components with k pins
        rows = start[:-1][width == k][:, None] + np.arange(k)
        u, v, _ = _triu_pairs(rows, k)
        ckeys.append((u * n + v).ravel())
    ckey = np.sort(np.concatenate(ckeys))   # components own disjoint, increasing node ranges
    names: list[str] = []
    groups: dict[int, tuple[list, list]] = {}   # degree -> (member rows, first pair index)
    offset = 0
    for net, ms in members.items():
        d = len(ms)
        if max_net_degree is not None and d > max_net_degree:
            skipped.append(path + net)
            continue
        if d > 1:
            rows, firsts = groups.setdefault(d, ([], []))
            rows.append(ms)
            firsts.append((offset, len(names)))
            offset += d * (d - 1) // 2
        names.append(net)
    keys, gens, nets = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)], \
        [np.empty(0, dtype=np.int64)]
    for d, (rows, firsts) in groups.items():
        u, v, j = _triu_pairs(np.array(rows, dtype=np.int64), d)
        f = np.array(firsts, dtype=np.int64)
        keys.append((u * n + v).ravel())
        gens.append((f[:, :1] + j).ravel())
        nets.append(np.repeat(f[:, 1], len(j)))
    key, gen, net = np.concatenate(keys), np.concatenate(gens), np.concatenate(nets)
    order = np.lexsort((gen, key))
    key, gen, net = key[order], gen[order], net[order]
    bound = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True]) if len(key) else \
        np.zeros(1, dtype=np.int64)
    ukey, ufirst, ulast = key[bound[:-1]], gen[bound[:-1]], net[bound[1:] - 1]
    at = np.searchsorted(ukey, ckey)
    hit = at < len(ukey)
    hit[hit] = ukey[at[hit]] == ckey[hit]
    is_c = np.zeros(len(ukey), dtype=bool)
    is_c[at[hit]] = True
    comp_only = {"type": "component", "net": ""}
    both = [{"type": "component,net", "net": name} for name in names]
    only = [{"type": "net", "net": name} for name in names]
    cnet = np.full(len(ckey), -1, dtype=np.int64)
    cnet[hit] = ulast[at[hit]]
    rest = np.flatnonzero(~is_c)
    rest = rest[np.argsort(ufirst[rest], kind="stable")]
    allkey = np.concatenate([ckey, ukey[rest]])
    g.edges.extend(zip((allkey // n).tolist(), (allkey % n).tolist()))
    g.edge_attrs.extend(comp_only if i < 0 else both[i] for i in cnet.tolist())
    g.edge_attrs.extend(map(only.__getitem__, ulast[rest].tolist()))


def _etype(is_c: int, net) -> str:
    if is_c and net is not None:
        return "component,net"
    return "component" if is_c else "net"


def build_view(circuit: Circuit, view: str = "bipartite", **options) -> GraphView:
    """The named view (`component`, `bipartite`, `port`) with its options."""
    if view == "bipartite":
        if options:
            raise TypeError(f"bipartite view takes no options, got {sorted(options)}")
        return bipartite_view(circuit)
    if view == "component":
        return component_view(circuit, **options)
    if view == "port":
        return port_view(circuit, **options)
    raise ValueError(f"unknown graph view {view!r} (known: {', '.join(VIEWS)})")


def iter_edges_named(g: GraphView) -> Iterable[tuple[str, str, dict]]:
    """(u id, v id, attrs) for every edge: the map back from indices to names."""
    for (u, v), a in zip(g.edges, g.edge_attrs):
        yield g.nodes[u], g.nodes[v], a
