"""GraphML text of a GraphView, written directly (no networkx import: the CLI stays fast).

The output is what `networkx.write_graphml` would produce for the same graph: one `<key>` per
attribute name and domain with its type (`string`, `double`, `long`, `boolean`), an undirected
`<graph>`, nodes in view order and edges in view order.  `networkx.read_graphml` reads it back.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .views import GraphView


def _type_of(values) -> str:
    kinds = {type(v) for v in values}
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int}:
        return "long"
    if kinds <= {int, float}:
        return "double"
    return "string"


def _text(v, typ: str) -> str:
    if typ == "boolean":
        return "true" if v else "false"
    if typ == "double":
        return repr(float(v))
    return escape(str(v))


def graphml_text(g: GraphView) -> str:
    """The whole GraphML document for `g`."""
    keys: dict[tuple[str, str], str] = {}
    types: dict[tuple[str, str], str] = {}
    for domain, attrs in (("node", g.node_attrs), ("edge", g.edge_attrs)):
        names: dict[str, list] = {}
        for a in attrs:
            for k, v in a.items():
                if v is not None:
                    names.setdefault(k, []).append(v)
        for k, vals in names.items():
            types[(domain, k)] = _type_of(vals)
    graph_attrs = {k: v for k, v in g.graph.items() if isinstance(v, (str, int, float, bool))}
    for k, v in graph_attrs.items():
        types[("graph", k)] = _type_of([v])
    out = ['<?xml version=\'1.0\' encoding=\'utf-8\'?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">']
    for i, ((domain, name), typ) in enumerate(types.items()):
        keys[(domain, name)] = f"d{i}"
        out.append(f'  <key id="d{i}" for="{domain}" attr.name={quoteattr(name)} attr.type="{typ}" />')
    out.append('  <graph edgedefault="undirected">')
    for k, v in graph_attrs.items():
        out.append(f'    <data key="{keys[("graph", k)]}">{_text(v, types[("graph", k)])}</data>')
    for node, attrs in zip(g.nodes, g.node_attrs):
        out.append(f"    <node id={quoteattr(node)}>")
        for k, v in attrs.items():
            if v is not None:
                out.append(f'      <data key="{keys[("node", k)]}">{_text(v, types[("node", k)])}</data>')
        out.append("    </node>")
    nodes = g.nodes
    for (u, v), attrs in zip(g.edges, g.edge_attrs):
        out.append(f"    <edge source={quoteattr(nodes[u])} target={quoteattr(nodes[v])}>")
        for k, val in attrs.items():
            if val is not None:
                out.append(f'      <data key="{keys[("edge", k)]}">{_text(val, types[("edge", k)])}</data>')
        out.append("    </edge>")
    out += ["  </graph>", "</graphml>", ""]
    return "\n".join(out)
