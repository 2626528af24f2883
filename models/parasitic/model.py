"""CircuitGCL in PyG: a heterogeneous GNN encoder, self-supervised pre-training by hyperspherical
representation scattering, and heads trained with balanced losses.

Encoder: per-type input projection, then `layers` rounds of `HeteroConv` (GraphSAGE per edge type:
cell->pin, pin->cell, pin->net, net->pin) with residuals and LayerNorm.

Pre-training (after CircuitGCL / SGRL): an online encoder with a predictor and a target encoder that
is the EMA of the online one. Two augmented views (feature masking, edge dropping). The online
representations are pushed apart on the unit hypersphere (scattering:
`-mean ||normalize(z) - mean(normalize(z))||^2`) while the predictor's output is aligned (cosine)
with the target's representation of the other view averaged over each net's neighbourhood (a
topology constraint that keeps nearby nets close).

Heads: net-pair coupling regression (MLP on [ha*hb, |ha-hb|, ha+hb, hop one-hot]), net
ground-capacitance classes (5 buckets) and value. Losses: balanced MSE in the correct BMC form
`CE(-(yhat - y^T)^2 / 2 sigma^2, arange(N)) * 2 sigma^2` and balanced softmax cross-entropy
`CE(logits + log prior, y)`. The plain baseline uses MSE and CE with no pre-training.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import HeteroConv, SAGEConv

from .graph import CELL_FEATS, NET_FEATS, PIN_FEATS, CircuitGraph, pair_hops
from .labels import N_CLASSES

EDGE_TYPES = (("cell", "has", "pin"), ("pin", "of", "cell"), ("pin", "on", "net"), ("net", "links", "pin"))
IN_DIMS = {"cell": CELL_FEATS, "pin": PIN_FEATS, "net": NET_FEATS}


class Encoder(nn.Module):
    """Heterogeneous GraphSAGE stack; returns {node type: [n, hidden]}."""

    def __init__(self, hidden: int = 64, layers: int = 3):
        super().__init__()
        self.inp = nn.ModuleDict({t: nn.Linear(d, hidden) for t, d in IN_DIMS.items()})
        self.convs = nn.ModuleList(HeteroConv({e: SAGEConv((hidden, hidden), hidden) for e in EDGE_TYPES},
                                              aggr="sum") for _ in range(layers))
        self.norms = nn.ModuleList(nn.ModuleDict({t: nn.LayerNorm(hidden) for t in IN_DIMS})
                                   for _ in range(layers))

    def forward(self, x: dict, edges: dict) -> dict:
        h = {t: F.relu(self.inp[t](x[t])) for t in IN_DIMS}
        for conv, norm in zip(self.convs, self.norms):
            out = conv(h, edges)
            h = {t: F.relu(norm[t](h[t] + out[t])) if t in out else h[t] for t in h}
        return h


def mlp(i: int, h: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, o))


class ParasiticNet(nn.Module):
    """Encoder + coupling head + ground class/value heads."""

    def __init__(self, hidden: int = 64, layers: int = 3):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.encoder = Encoder(hidden, layers)
        self.edge_head = mlp(3 * hidden + 3, hidden, 1)
        self.node_head = mlp(hidden + NET_FEATS, hidden, N_CLASSES + 1)
        # learnable BMC noise scales (log sigma) for the coupling and ground-value regressions
        self.log_sigma = nn.Parameter(torch.log(torch.tensor([0.1, 0.05])))

    def forward(self, t: "Tensors", pairs: torch.Tensor, hops: torch.Tensor):
        h = self.encoder(t.x, t.edges)["net"]
        a, b = h[pairs[:, 0]], h[pairs[:, 1]]
        hop = F.one_hot((hops.long() - 1).clamp(0, 2), 3).float()
        cc = self.edge_head(torch.cat([a * b, (a - b).abs(), a + b, hop], 1)).squeeze(1)
        node = self.node_head(torch.cat([h, t.x["net"]], 1))
        return cc, node[:, :N_CLASSES], node[:, N_CLASSES]


# ---------------------------------------------------------------- losses

def bmc_loss(pred: torch.Tensor, y: torch.Tensor, sigma: torch.Tensor | float) -> torch.Tensor:
    """Balanced MSE, batch Monte-Carlo form: CE(-(yhat - y^T)^2 / 2 sigma^2, arange(N)) * 2 sigma^2.
    `sigma` may be a learnable tensor (as in Ren et al.); the scale factor uses its detached value."""
    noise = 2 * torch.as_tensor(sigma, device=pred.device) ** 2
    logits = -(pred.view(-1, 1) - y.view(1, -1)) ** 2 / noise
    return F.cross_entropy(logits, torch.arange(len(pred), device=pred.device)) * noise.detach()


def bsce_loss(logits: torch.Tensor, y: torch.Tensor, log_prior: torch.Tensor) -> torch.Tensor:
    """Balanced softmax cross-entropy: CE(logits + log prior, y); predict with the plain logits."""
    return F.cross_entropy(logits + log_prior.view(1, -1), y)


def scatter_loss(z: torch.Tensor) -> torch.Tensor:
    """Hyperspherical representation scattering: -mean ||normalize(z) - mean(normalize(z))||^2."""
    zn = F.normalize(z, dim=1)
    return -((zn - zn.mean(0, keepdim=True)) ** 2).sum(1).mean()


# ---------------------------------------------------------------- data on a device

@dataclass
class Tensors:
    """One design on a device: features, edges, labels."""

    x: dict
    edges: dict
    adj_norm: torch.Tensor           # [N, N] sparse, row-normalised net adjacency with self loops
    pairs: torch.Tensor
    hops: torch.Tensor
    pair_y: torch.Tensor
    ground_y: torch.Tensor
    ground_cls: torch.Tensor


def to_tensors(g: CircuitGraph, labels, device: torch.device) -> Tensors:
    hd = g.to_hetero()
    x = {t: hd[t].x.to(device) for t in IN_DIMS}
    edges = {e: hd[e].edge_index.to(device) for e in EDGE_TYPES}
    import scipy.sparse as sp
    a = g.net_adj.copy()
    a.data[:] = 1.0
    a = (a + sp.eye(g.num_nets)).tocoo()
    deg = np.asarray(a.sum(1)).ravel()
    vals = a.data / deg[a.row]
    adj = torch.sparse_coo_tensor(np.stack([a.row, a.col]), vals, a.shape, dtype=torch.float32,
                                  check_invariants=False).coalesce().to(device)
    pairs = labels.pairs if labels is not None else np.zeros((0, 2), np.int64)
    hops = pair_hops(g, pairs) if len(pairs) else np.zeros(0, np.float32)
    f = lambda a, dt=torch.float32: torch.tensor(a, dtype=dt, device=device)  # noqa: E731
    if labels is None:
        return Tensors(x, edges, adj, f(pairs, torch.long), f(hops), f(np.zeros(0)), f(np.zeros(0)),
                       f(np.zeros(0), torch.long))
    return Tensors(x, edges, adj, f(pairs, torch.long), f(hops), f(labels.pair_y), f(np.nan_to_num(labels.ground_y, nan=-1)),
                   f(labels.ground_cls, torch.long))


def _augment(t: Tensors, p_feat: float, p_edge: float, gen: torch.Generator) -> tuple[dict, dict]:
    x = {k: v * (torch.rand(v.shape[1], generator=gen, device="cpu") > p_feat).to(v.device).float()
         for k, v in t.x.items()}
    edges = {}
    for e, ei in t.edges.items():
        keep = torch.rand(ei.shape[1], generator=gen, device="cpu") > p_edge
        edges[e] = ei[:, keep.to(ei.device)]
    return x, edges


# ---------------------------------------------------------------- pre-training

def pretrain(model: ParasiticNet, designs: list[Tensors], epochs: int = 60, lr: float = 1e-3,
             momentum: float = 0.99, seed: int = 0, step=None) -> list[float]:
    """CircuitGCL self-supervised pre-training of `model.encoder` (no labels are read)."""
    gen = torch.Generator().manual_seed(seed)
    online = model.encoder
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad_(False)
    dev = next(online.parameters()).device
    pred = nn.Sequential(nn.Linear(model.hidden, model.hidden), nn.PReLU(),
                         nn.Linear(model.hidden, model.hidden)).to(dev)
    opt = torch.optim.Adam(list(online.parameters()) + list(pred.parameters()), lr=lr)
    losses = []
    for ep in range(epochs):
        tot = 0.0
        for i in torch.randperm(len(designs), generator=gen).tolist():
            t = designs[i]
            x1, e1 = _augment(t, 0.2, 0.2, gen)
            x2, e2 = _augment(t, 0.2, 0.2, gen)
            z = online(x1, e1)
            with torch.no_grad():
                zt = target(x2, e2)
                topo = torch.sparse.mm(t.adj_norm, zt["net"])
            loss = scatter_loss(z["net"]) + scatter_loss(z["cell"])
            loss = loss + (2 - 2 * F.cosine_similarity(pred(z["net"]), topo, dim=1)).mean()
            loss = loss + (2 - 2 * F.cosine_similarity(pred(z["cell"]), zt["cell"], dim=1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                m = 1 - (1 - momentum) * (math.cos(math.pi * ep / max(epochs, 1)) + 1) / 2
                for po, pt in zip(online.parameters(), target.parameters()):
                    pt.mul_(m).add_(po.detach(), alpha=1 - m)
            tot += float(loss.detach())
        losses.append(tot / max(len(designs), 1))
        if step:
            step()
    return losses


# ---------------------------------------------------------------- fine-tuning / supervised training

def log_prior(designs: list[Tensors]) -> torch.Tensor:
    cls = torch.cat([t.ground_cls[t.ground_cls >= 0].cpu() for t in designs])
    counts = torch.bincount(cls, minlength=N_CLASSES).float() + 1.0   # +1: unseen classes stay finite
    return torch.log(counts / counts.sum())


def train_heads(model: ParasiticNet, designs: list[Tensors], epochs: int = 80, lr: float = 3e-3,
                balanced: bool = True, batch: int = 1024, seed: int = 0,
                encoder_lr_scale: float = 1.0, step=None) -> list[float]:
    """Supervised training of encoder + heads: BMC + BSCE when `balanced`, else MSE + CE."""
    gen = torch.Generator().manual_seed(seed)
    dev = next(model.parameters()).device
    prior = log_prior(designs).to(dev)
    enc = list(model.encoder.parameters())
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    opt = torch.optim.Adam([{"params": enc, "lr": lr * encoder_lr_scale}, {"params": heads, "lr": lr}])
    losses = []
    for _ in range(epochs):
        tot = 0.0
        for i in torch.randperm(len(designs), generator=gen).tolist():
            t = designs[i]
            sel = torch.randperm(len(t.pairs), generator=gen)[:batch].to(dev)
            cc, logits, gval = model(t, t.pairs[sel], t.hops[sel])
            sig = model.log_sigma.exp()
            lab = t.ground_cls >= 0
            loss = torch.zeros((), device=dev)
            if len(sel):
                y = t.pair_y[sel]
                loss = loss + (bmc_loss(cc, y, sig[0]) if balanced else F.mse_loss(cc, y))
            if lab.any():
                yc, yv = t.ground_cls[lab], t.ground_y[lab]
                loss = loss + (bsce_loss(logits[lab], yc, prior) if balanced else F.cross_entropy(logits[lab], yc))
                loss = loss + (bmc_loss(gval[lab], yv, sig[1]) if balanced else F.mse_loss(gval[lab], yv))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss.detach())
        losses.append(tot / max(len(designs), 1))
        if step:
            step()
    return losses


@torch.no_grad()
def predict(model: ParasiticNet, t: Tensors, pairs: torch.Tensor | None = None,
            hops: torch.Tensor | None = None) -> dict:
    """y of each pair (default: the labelled ones), ground class and y of every net (numpy)."""
    model.eval()
    p = t.pairs if pairs is None else pairs
    hp = t.hops if hops is None else hops
    cc, logits, gval = model(t, p, hp)
    model.train()
    return {"pair_y": cc.clamp(0, 1).cpu().numpy(), "ground_cls": logits.argmax(1).cpu().numpy(),
            "ground_y": gval.clamp(0, 1).cpu().numpy()}
