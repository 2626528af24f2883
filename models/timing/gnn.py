"""GNN layers of the two timing models: NetConv, LUT attention, the graph auto-encoder, the delay heads.

- `NetConv` (PyG `MessagePassing`): driver <-> sink messages over net edges, as TimingGCN's net layers.
- `LUTAttention`: per head, a query from the arc's embedding attends over the NLDM table's slew axis
  and load axis (keys from the axis values); the table is read at the two attention distributions.
- `GraphAE`: GCN encoder + feature and link decoders, pre-trained without labels; its pooled codes
  are the design's global embedding (PreRoutGNN).
- `BaselineHead` (TimingGCN-style): absolute net delay from NetConv embeddings, cell delay from a
  one-head LUT attention read-out plus a learned correction.
- `OursHead` (PreRoutGNN-style): a residual on the NLDM lookup, `lut + (|lut| + 20 ps) * 0.5 * tanh(r)`,
  with r from the arc features, the auto-encoder's local and global codes and multi-head LUT attention
  over the delay and transition tables; zero-initialised, so training starts at the Liberty propagation.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch_geometric.nn import GCNConv, MessagePassing

FLOOR, BOUND = 0.02, 0.5
N_NODE = 8        # node features (see samples.node_features)
N_ARC = 17        # arc features (model.arc_features)
BASE_ARC = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16]  # arc features without the Liberty lookups


def mlp(i: int, h: int, o: int, zero: bool = False) -> nn.Sequential:
    last = nn.Linear(h, o)
    if zero:
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
    return nn.Sequential(nn.Linear(i, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(), last)


class NetConv(MessagePassing):
    """One net layer: each pin sums messages from the pins it shares a net with, then a residual update."""

    def __init__(self, dim: int, edim: int):
        super().__init__(aggr="sum")
        self.msg = mlp(2 * dim + edim, dim, dim)
        self.upd = mlp(2 * dim, dim, dim)

    def forward(self, x: torch.Tensor, ei: torch.Tensor, ea: torch.Tensor) -> torch.Tensor:
        return x + self.upd(torch.cat([x, self.propagate(ei, x=x, ea=ea)], 1))

    def message(self, x_i: torch.Tensor, x_j: torch.Tensor, ea: torch.Tensor) -> torch.Tensor:
        return self.msg(torch.cat([x_i, x_j, ea], 1))


class LUTAttention(nn.Module):
    """Multi-head attention over the axes of NLDM tables; returns one table read-out per head (ns).

    Per head, the query is a position on each axis (log slew, log load) plus a sharpness; the keys are
    the table's own log axis values, logit = -sharpness * (query - key)^2, softmax over the axis points
    (padding masked). The table is read at the outer product of the two distributions.
    """

    def __init__(self, f_in: int, heads: int):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(f_in, 4 * heads)

    def forward(self, q: torch.Tensor, t: torch.Tensor, s) -> torch.Tensor:
        """Read-outs [b, heads] of tables `t` (bank ids) for queries `q` [b, f_in]."""
        ux, uy, bx, by = self.q(q).view(len(q), 4, self.h).unbind(1)

        def att(u, beta, ax, m):
            key = torch.log(ax.clamp_min(1e-5))[:, None, :]
            logit = -nn.functional.softplus(beta)[:, :, None] * (u[:, :, None] - key) ** 2
            return torch.softmax(logit.masked_fill(~m[:, None, :], -1e9), -1)

        ax = att(ux, bx + 2.0, s.bank_x[t], s.bank_mx[t])
        ay = att(uy, by + 2.0, s.bank_y[t], s.bank_my[t])
        return (torch.matmul(ax, s.bank_v[t]) * ay).sum(-1)


class GraphAE(nn.Module):
    """GCN auto-encoder over the undirected pin graph: node features and links are reconstructed."""

    def __init__(self, n_cells: int, dz: int = 16, hidden: int = 32):
        super().__init__()
        self.emb = nn.Embedding(n_cells, 8)
        self.inp = nn.Linear(N_NODE + 8, hidden)
        self.c1, self.c2 = GCNConv(hidden, hidden), GCNConv(hidden, dz)
        self.dec = mlp(dz, hidden, N_NODE)
        self.dz = dz

    def encode(self, x: torch.Tensor, cell: torch.Tensor, ei: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(torch.cat([x, self.emb(cell)], 1)))
        return self.c2(torch.relu(self.c1(h, ei)), ei)

    def loss(self, x: torch.Tensor, cell: torch.Tensor, ei: torch.Tensor) -> torch.Tensor:
        z = self.encode(x, cell, ei)
        rec = nn.functional.mse_loss(self.dec(z), x)
        neg = torch.randint(0, len(x), ei.shape, device=x.device)
        pos_l = (z[ei[0]] * z[ei[1]]).sum(1)
        neg_l = (z[neg[0]] * z[neg[1]]).sum(1)
        bce = nn.functional.binary_cross_entropy_with_logits
        link = bce(pos_l, torch.ones_like(pos_l)) + bce(neg_l, torch.zeros_like(neg_l))
        return rec + link

    @staticmethod
    def pool(z: torch.Tensor) -> torch.Tensor:
        """The global embedding of a design: mean and max of its pin codes."""
        return torch.cat([z.mean(0), z.max(0).values])


class BaselineHead(nn.Module):
    """TimingGCN-style: NetConv pin embeddings -> net delay; one-head LUT attention -> cell delay."""

    def __init__(self, n_cells: int, hidden: int = 32, layers: int = 3):
        super().__init__()
        self.emb = nn.Embedding(n_cells, 8)
        self.inp = nn.Linear(N_NODE + 8, hidden)
        self.convs = nn.ModuleList(NetConv(hidden, 2) for _ in range(layers))
        f = 2 * hidden + len(BASE_ARC)
        self.net = mlp(f, hidden, 1)
        self.att = LUTAttention(f, 1)
        self.cell = mlp(f + 1, hidden, 1)

    def nodes(self, s) -> torch.Tensor:
        h = self.inp(torch.cat([s.node_x, self.emb(s.node_cell)], 1))
        for c in self.convs:
            h = c(h, s.net_ei, s.net_ea)
        return h

    def arcs(self, s, h: torch.Tensor, idx: torch.Tensor, ctx) -> torch.Tensor:
        f = torch.cat([h[s.src[idx]], h[s.dst[idx]], s.arc_x[idx][:, BASE_ARC]], 1)
        out = 0.05 * self.net(f).squeeze(1)
        c = torch.nonzero(s.kind[idx] > 0).squeeze(1)
        if len(c):
            fc = f[c]
            r = self.att(fc, s.dtab[idx[c]], s)
            out = out.index_put((c,), r[:, 0] + 0.05 * self.cell(torch.cat([fc, r], 1)).squeeze(1))
        return out


class OursHead(nn.Module):
    """PreRoutGNN-style: a bounded residual on the Liberty lookup from local/global codes + LUT attention."""

    def __init__(self, n_cells: int, dz: int = 16, hidden: int = 32, heads: int = 4):
        super().__init__()
        self.emb = nn.Embedding(n_cells, 8)
        f = N_ARC + 8 + 2 * dz + 2 * dz
        self.q = mlp(f, hidden, hidden)
        self.att_d, self.att_s = LUTAttention(hidden, heads), LUTAttention(hidden, heads)
        self.res = mlp(f + 2 * heads, hidden, 1, zero=True)

    def arcs(self, s, z: torch.Tensor, idx: torch.Tensor, glob: torch.Tensor) -> torch.Tensor:
        f = torch.cat([s.arc_x[idx], self.emb(s.arc_cell[idx]), z[s.src[idx]], z[s.dst[idx]],
                       glob.expand(len(idx), -1)], 1)
        lut = s.lut[idx]
        reads = torch.zeros(len(idx), 2 * self.att_d.h, device=f.device)
        c = torch.nonzero(s.kind[idx] > 0).squeeze(1)
        if len(c):
            q = self.q(f[c])
            rd = self.att_d(q, s.dtab[idx[c]], s)
            rs = self.att_s(q, s.stab[idx[c]], s)
            # read-outs relative to the lookup: what the attention adds beyond the interpolation
            reads = reads.index_put((c,), torch.cat([rd - lut[c, None], rs], 1) / (lut[c, None].abs() + FLOOR))
        r = self.res(torch.cat([f, reads.clamp(-5, 5)], 1)).squeeze(1)
        return lut + (lut.abs() + FLOOR) * BOUND * torch.tanh(r)
