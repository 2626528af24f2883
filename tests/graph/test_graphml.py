"""The direct GraphML writer gives what networkx reads back: same nodes, edges and attributes."""
from pathlib import Path

import networkx as nx

from eda.formats.spice import read_spice
from eda.graph import to_networkx, write_graph

DECK = """t
.subckt inv a y vdd
M1 y a vdd vdd pch w=1u
M2 y a 0 0 nch
.ends
X1 in out vdd inv
R1 in out 1k
C1 out 0 "10 & <p>"
"""


def test_graphml_matches_networkx_view(tmp_path: Path) -> None:
    c = read_spice(DECK, "t.sp")
    for view in ("bipartite", "component", "port"):
        out = tmp_path / f"{view}.graphml"
        write_graph(c, view, out)
        got = nx.read_graphml(out)
        want = to_networkx(c, view)
        assert sorted(got.nodes) == sorted(want.nodes)
        assert dict(got.nodes(data=True)) == dict(want.nodes(data=True))
        assert {frozenset(e) for e in got.edges} == {frozenset(e) for e in want.edges}
        for u, v, d in want.edges(data=True):
            assert got.edges[u, v] == d
