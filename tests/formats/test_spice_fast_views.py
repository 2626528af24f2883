"""The port view of a large SPICE deck: its numpy clique builder equals the pure-Python loop.

`eda.graph.views.port_view` switches to numpy past `_VECTOR_PAIRS` clique pairs in a body (a
million-element deck makes 15M edges); forcing each side of the switch must give the same nodes,
edges, edge order and attributes.
"""
from __future__ import annotations

import pytest

from benchmarks.generate import flat_deck, hierarchical_deck
from eda.formats.spice import read_spice
from eda.graph import views

TRICKY = """tricky
M1 a a b b nch
M2 a a a a nch
R1 a b 1k
R1 a c 2k
C1 b c 1p
X1 a b c sub
V1 a 0 1
.subckt sub p q r
R1 p q 1
C1 q r 1p
M1 p p q q nch
.ends
.end
"""


def _port(circuit, threshold: int, **options):
    old = views._VECTOR_PAIRS
    views._VECTOR_PAIRS = threshold
    try:
        return views.port_view(circuit, **options)
    finally:
        views._VECTOR_PAIRS = old


@pytest.mark.parametrize("options", [{}, {"max_net_degree": 3}, {"max_net_degree": 0},
                                     {"max_net_degree": None}])
def test_numpy_port_cliques_equal_the_loop(options) -> None:
    for text in (TRICKY, flat_deck(1500), hierarchical_deck(1500)):
        c = read_spice(text, "v.sp")
        loop, vec = _port(c, 10**12, **options), _port(c, -1, **options)
        assert vec.nodes == loop.nodes and vec.node_attrs == loop.node_attrs
        assert vec.edges == loop.edges            # same edges in the same order
        assert vec.edge_attrs == loop.edge_attrs
        assert vec.graph == loop.graph
        types = {a["type"] for a in vec.edge_attrs}
        assert types == {"component", "net", "component,net"} or options.get("max_net_degree") == 0


def test_numpy_path_is_taken_on_a_large_body() -> None:
    c = read_spice(flat_deck(20000), "big.sp")
    calls = []
    real = views._port_edges_np

    def spy(*args):
        calls.append(1)
        return real(*args)
    views._port_edges_np = spy
    try:
        g = views.port_view(c)
    finally:
        views._port_edges_np = real
    assert calls and g.num_edges > views._VECTOR_PAIRS // 2
    assert views.port_view(c, net_mode="net_node").num_edges < g.num_edges   # other mode: loop
