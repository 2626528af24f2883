"""SEAL's DGCNN (sort pooling) and a GNN-only baseline (GAE encoder + dot/MLP decoder).

DGCNN as in the GNN-ACLP notebook (itself PyG's SEAL example): a stack of GCNConv layers of width
`hidden` plus one of width 1, tanh, their outputs concatenated; SortAggregation keeps the top `k`
nodes (k = a percentile of training subgraph sizes, at least 10); Conv1d(1, 16, D, stride D),
MaxPool1d(2), Conv1d(16, 32, 5), then an MLP (128 hidden, dropout 0.5) to one logit.
Input per node: the DRNL label one-hot concatenated with the node features.

The baseline is a graph auto-encoder style model: a GCN encoder over the whole graph the query
lives in (no labels, no subgraph), then ``dot`` (z_a . z_b) or ``mlp`` (MLP of z_a * z_b) scores.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from torch_geometric.nn import GCNConv
from torch_geometric.nn.aggr import SortAggregation


class DGCNN(nn.Module):
    """SEAL's scoring network on enclosing subgraphs (see module doc)."""

    def __init__(self, in_channels: int, hidden: int = 32, num_layers: int = 3, k: int = 30,
                 dropout: float = 0.5, readout: str = "sort") -> None:
        super().__init__()
        if readout not in ("sort", "center"):
            raise ValueError(f"readout must be 'sort' or 'center', not {readout!r}")
        self.readout = readout
        self.k = max(10, int(k))
        dims = [in_channels] + [hidden] * num_layers + [1]
        self.convs = nn.ModuleList(GCNConv(i, o) for i, o in zip(dims[:-1], dims[1:]))
        total = hidden * num_layers + 1
        self.sort = SortAggregation(self.k)
        self.conv1 = nn.Conv1d(1, 16, total, total)
        self.pool = nn.MaxPool1d(2, 2)
        self.conv2 = nn.Conv1d(16, 32, 5, 1)
        dense = ((self.k - 2) // 2 + 1 - 5 + 1) * 32
        self.lin1 = nn.Linear(dense, 128)
        self.lin2 = nn.Linear(128, 1)
        self.dropout = dropout
        if readout == "center":
            self.center = nn.Sequential(nn.Linear(3 * total, 128), nn.ReLU())

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
                num_graphs: int, center: torch.Tensor | None = None) -> torch.Tensor:
        xs = [x]
        for conv in self.convs:
            xs.append(torch.tanh(conv(xs[-1], edge_index)))
        h = torch.cat(xs[1:], dim=-1)
        if self.readout == "center":        # target nodes + mean pool (a SEAL variant)
            from torch_geometric.utils import scatter
            mean = scatter(h, batch, 0, dim_size=num_graphs, reduce="mean")
            h = self.center(torch.cat([h[center[0]] * h[center[1]],
                                       h[center[0]] + h[center[1]], mean], 1))
            h = F.dropout(h, p=self.dropout, training=self.training)
            return self.lin2(h).flatten()
        h = self.sort(h, batch, dim_size=num_graphs)       # (B, k * total)
        h = h.unsqueeze(1)
        h = F.relu(self.conv1(h))
        h = self.pool(h)
        h = F.relu(self.conv2(h))
        h = h.flatten(1)
        h = F.relu(self.lin1(h))
        h = F.dropout(h, p=self.dropout, training=self.training)
        return self.lin2(h).flatten()


class GAE(nn.Module):
    """GCN encoder + dot-product or MLP decoder (the GNN-only baseline)."""

    def __init__(self, in_channels: int, hidden: int = 32, num_layers: int = 3,
                 decoder: str = "mlp") -> None:
        super().__init__()
        if decoder not in ("dot", "mlp"):
            raise ValueError(f"decoder must be 'dot' or 'mlp', not {decoder!r}")
        dims = [in_channels] + [hidden] * num_layers
        self.convs = nn.ModuleList(GCNConv(i, o) for i, o in zip(dims[:-1], dims[1:]))
        self.decoder = decoder
        self.mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def encode(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = conv(x, edge_index)
            if i < len(self.convs) - 1:
                x = F.relu(x)
        return x

    def decode(self, z: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if self.decoder == "dot":
            return (z[a] * z[b]).sum(-1)
        return self.mlp(z[a] * z[b]).flatten()
