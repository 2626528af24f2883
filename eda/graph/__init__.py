"""Graph views of a Circuit (networkx, GraphML, node-link JSON, PyTorch Geometric).

Views (`component`, `bipartite`, `port`) are documented in `eda.graph.views`; feature encodings
of the PyG export in `eda.graph.export`. Importing this package loads neither networkx nor
torch: they are imported inside the functions that need them.
"""
from .export import (KIND_VOCAB, PIN_VOCAB, kind_index, node_link_data, pin_index, to_networkx,
                     to_pyg, write_graph)
from .views import (DEFAULT_MAX_NET_DEGREE, VIEWS, GraphView, bipartite_view, build_view,
                    component_view, iter_edges_named, port_view)

__all__ = ["KIND_VOCAB", "PIN_VOCAB", "DEFAULT_MAX_NET_DEGREE", "VIEWS", "GraphView",
           "bipartite_view", "build_view", "component_view", "iter_edges_named", "kind_index",
           "node_link_data", "pin_index", "port_view", "to_networkx", "to_pyg", "write_graph"]
