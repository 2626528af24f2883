"""Graph views: node/edge counts, attributes, determinism, GraphML/JSON round trips, PyG features."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import networkx as nx
import pytest
from networkx.algorithms.isomorphism import categorical_edge_match, categorical_node_match

from eda.graph import (KIND_VOCAB, PIN_VOCAB, build_view, component_view, iter_edges_named,
                       node_link_data, port_view, to_networkx, to_pyg, write_graph)
from eda.ir import Circuit, Component, Subcircuit


def divider() -> Circuit:
    c = Circuit(title="divider")
    c.items.append(Component("V", "V1", ["in", "0"], value="5"))
    c.items.append(Component("R", "R1", ["in", "out"], value="1k"))
    c.items.append(Component("R", "R2", ["out", "0"], value="2k"))
    c.items.append(Component("M", "M1", ["out", "out", "0", "0"], model="nmos"))
    return c


def library() -> Circuit:
    """Only subcircuit definitions: still a non-empty graph."""
    c = Circuit()
    s = Subcircuit(name="opamp", ports=["inp", "inn", "out", "spare"])
    s.items.append(Component("M", "M1", ["out", "inp", "0", "0"], model="pmos"))
    s.items.append(Component("C", "C1", ["inn", "out"], value="1p"))
    inner = Subcircuit(name="bias", ports=["b"])
    inner.items.append(Component("R", "R1", ["b", "0"], value="10k"))
    s.items.append(inner)
    c.items.append(s)
    return c


def test_bipartite_counts_and_attrs():
    g = build_view(divider(), "bipartite")
    assert g.nodes == ["V1", "R1", "R2", "M1", "in", "0", "out"]
    # V1:2 R1:2 R2:2 M1: (out: d,g) + (0: b,s) = 8 edges
    assert g.num_edges == 8
    a = dict(zip(g.nodes, g.node_attrs))
    assert a["R1"] == {"type": "component", "kind": "R", "name": "R1", "model": "",
                       "value": "1k", "body": ""}
    assert a["out"]["type"] == "net" and a["out"]["kind"] == "net"
    pins = {(u, v): e["pin"] for u, v, e in iter_edges_named(g)}
    assert pins[("M1", "out")] == "d,g" and pins[("M1", "0")] == "b,s"
    assert pins[("R1", "in")] == "p" and pins[("R1", "out")] == "n"


def test_subcircuit_bodies_are_prefixed():
    g = build_view(library(), "bipartite")
    assert g.nodes == ["opamp/M1", "opamp/C1", "opamp/inp", "opamp/inn", "opamp/out",
                       "opamp/spare", "opamp/0", "opamp/bias/R1", "opamp/bias/b",
                       "opamp/bias/0"]
    assert dict(zip(g.nodes, g.node_attrs))["opamp/spare"]["type"] == "net"  # unused port kept
    assert g.num_edges == 3 + 2 + 2  # M1: s and b share net 0 (one edge "b,s")
    assert build_view(library(), "component").num_nodes == 3
    assert build_view(library(), "port").num_nodes == 4 + 2 + 2


def test_net_name_colliding_with_component():
    c = Circuit()
    c.items.append(Component("R", "R1", ["R1", "0"]))
    g = build_view(c, "bipartite")
    assert g.nodes == ["R1", "R1@net", "0"]


def test_component_view_edges_and_max_degree():
    g = component_view(divider())
    edges = {(u, v): e for u, v, e in iter_edges_named(g)}
    assert set(edges) == {("V1", "R1"), ("V1", "R2"), ("V1", "M1"), ("R1", "R2"), ("R1", "M1"),
                          ("R2", "M1")}
    assert edges[("R2", "M1")] == {"nets": "0,out", "weight": 2}
    g2 = component_view(divider(), max_net_degree=2)   # '0' (V1, R2, M1) and 'out' skipped
    assert g2.graph["skipped_nets"] == "0,out"
    assert {(u, v) for u, v, _ in iter_edges_named(g2)} == {("V1", "R1")}


def test_port_view_clique_and_net_node():
    g = port_view(divider())
    assert g.nodes[:4] == ["V1.p", "V1.n", "R1.p", "R1.n"]
    e = {frozenset((u, v)): a for u, v, a in iter_edges_named(g)}
    assert e[frozenset(("R1.p", "R1.n"))]["type"] == "component"
    assert e[frozenset(("V1.p", "R1.p"))] == {"type": "net", "net": "in"}
    assert e[frozenset(("M1.d", "M1.g"))] == {"type": "component,net", "net": "out"}
    # in: 2 pins, out: R1.n R2.p M1.d M1.g, 0: V1.n R2.n M1.s M1.b
    comp_edges = 1 + 1 + 1 + 6
    net_edges = 1 + 6 + 6
    both = 2  # M1.d-M1.g and M1.s-M1.b
    assert g.num_edges == comp_edges + net_edges - both
    gn = port_view(divider(), net_mode="net_node")
    assert gn.num_nodes == 10 + 3
    assert gn.num_edges == comp_edges + 10
    with pytest.raises(ValueError):
        port_view(divider(), net_mode="bogus")


@pytest.mark.parametrize("view", ["component", "bipartite", "port"])
def test_deterministic(view):
    a, b = build_view(divider(), view), build_view(divider(), view)
    assert a == b
    assert json.dumps(node_link_data(a)) == json.dumps(node_link_data(b))


def test_graphml_round_trip(tmp_path):
    for circ in (divider(), library()):
        G = to_networkx(circ, "bipartite")
        path = write_graph(circ, "bipartite", tmp_path / "g.graphml")
        H = nx.read_graphml(path)
        assert nx.is_isomorphic(G, H, node_match=categorical_node_match(["type", "kind"], [None] * 2),
                                edge_match=categorical_edge_match("pin", None))
        assert H.nodes["opamp/M1" if "opamp/M1" in H else "M1"]["kind"] == "M"
        assert sorted(H.nodes) == sorted(G.nodes)


def test_node_link_json(tmp_path):
    path = write_graph(divider(), "port", tmp_path / "g.json")
    G = nx.node_link_graph(json.loads(path.read_text()), edges="edges")
    assert G.number_of_nodes() == 10 and G.nodes["M1.g"]["net"] == "out"


def test_pyg_bipartite_features():
    d = to_pyg(divider(), "bipartite")
    nk = len(KIND_VOCAB)
    assert d.x.shape == (7, nk + 3) and d.edge_index.shape == (2, 16)
    assert d.edge_attr.shape == (16, len(PIN_VOCAB))
    names = d.node_names
    r1, out = names.index("R1"), names.index("out")
    assert d.x[r1, KIND_VOCAB.index("R")] == 1 and d.x[r1, :nk].sum() == 1
    assert d.x[out, KIND_VOCAB.index("net")] == 1
    assert math.isclose(float(d.x[r1, d.feature_names.index("log10_value")]), 3.0)
    assert d.x[r1, d.feature_names.index("has_value")] == 1
    m1 = names.index("M1")
    assert d.x[m1, d.feature_names.index("polarity")] == 1
    assert d.x[m1, d.feature_names.index("has_value")] == 0
    # map back: the edge M1 -> out carries pins d and g
    for j in range(d.edge_index.shape[1]):
        u, v = (names[int(i)] for i in d.edge_index[:, j])
        if (u, v) == ("M1", "out"):
            on = {PIN_VOCAB[k] for k in range(len(PIN_VOCAB)) if d.edge_attr[j, k] == 1}
            assert on == {"d", "g"}
            break
    else:
        raise AssertionError("edge M1-out missing")
    # undirected: both directions present
    assert d.edge_index[:, :8].flip(0).tolist() == d.edge_index[:, 8:].tolist()


def test_pyg_port_and_component():
    d = to_pyg(divider(), "port")
    assert d.x.shape == (10, len(KIND_VOCAB) + len(PIN_VOCAB) + 3)
    g_col = len(KIND_VOCAB) + PIN_VOCAB.index("g")
    assert d.x[d.node_names.index("M1.g"), g_col] == 1
    assert d.edge_attr.shape[1] == 2
    c = to_pyg(divider(), "component")
    assert c.edge_attr.shape == (12, 1) and c.x.shape[0] == 4


def test_pyg_hetero_and_pt(tmp_path):
    import torch
    h = to_pyg(divider(), "bipartite", hetero=True)
    assert h["component"].x.shape == (4, len(KIND_VOCAB) + 3)
    assert h["net"].node_names == ["in", "0", "out"]
    ei = h["component", "pin", "net"].edge_index
    assert ei.shape == (2, 8) and int(ei[0].max()) < 4 and int(ei[1].max()) < 3
    first = (h["component"].node_names[int(ei[0, 0])], h["net"].node_names[int(ei[1, 0])])
    assert first == ("V1", "in")
    path = write_graph(divider(), "bipartite", tmp_path / "g.pt", hetero=True)
    back = torch.load(path, weights_only=False)
    assert back["component"].node_names == h["component"].node_names
    with pytest.raises(ValueError):
        to_pyg(divider(), "port", hetero=True)


def test_empty_circuit():
    d = to_pyg(Circuit(), "bipartite")
    assert d.x.shape[0] == 0 and d.edge_index.shape == (2, 0)
    assert to_networkx(Circuit(), "component").number_of_nodes() == 0


def test_import_is_light():
    code = ("import sys, eda.graph; bad = [m for m in ('torch', 'torch_geometric', 'networkx') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_bipartite_scales_linearly():
    c = Circuit()
    n = 20000
    for i in range(n):
        c.items.append(Component("R", f"R{i}", [f"n{i}", "0"], value="1k"))
    g = build_view(c, "bipartite")
    assert g.num_nodes == 2 * n + 1 and g.num_edges == 2 * n
    g2 = component_view(c)      # ground exceeds max_net_degree: no 2e8-edge clique
    assert g2.num_edges == 0 and g2.graph["skipped_nets"] == "0"


@pytest.mark.parametrize("cap", [None, 1000, 2])
def test_component_view_numpy_cliques_match_the_loop(monkeypatch, cap):
    """Past `_VECTOR_PAIRS` the component view's cliques come from numpy: same edges, same attrs."""
    from benchmarks.generate import flat_deck
    from eda.formats.spice import read_spice
    from eda.graph import views
    c = read_spice(flat_deck(600) + "R9 n1 n2 1k\nR10 n1 n2 2k\nR11 n2 n1 3k\n", "d.sp")
    monkeypatch.setattr(views, "_VECTOR_PAIRS", 10**12)
    loop = component_view(c, max_net_degree=cap)
    monkeypatch.setattr(views, "_VECTOR_PAIRS", 0)
    vec = component_view(c, max_net_degree=cap)
    assert loop.edges and any(a["weight"] > 1 for a in loop.edge_attrs) or cap == 2
    assert (vec.nodes, vec.node_attrs, vec.graph) == (loop.nodes, loop.node_attrs, loop.graph)
    assert vec.edges == loop.edges and vec.edge_attrs == loop.edge_attrs
    assert all(type(u) is int and type(v) is int for u, v in vec.edges)
