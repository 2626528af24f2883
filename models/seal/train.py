"""Fitting and scoring link models, and our protocol (split by circuit, rank the true net).

A `LinkModel` wraps either SEAL (DGCNN on enclosing subgraphs) or the GAE baseline behind one
`score(g, a, b, drop_a, drop_b)`: the logit that a links to b in the world where the edge
(drop_a, drop_b) does not exist. For GAE the world is either the query's own circuit with that
edge removed (``world="circuit"``, one copy per query, batched) or the whole graph as given
(``world="graph"``, the paper's protocol).

Our protocol, on the pin-net graph: a query is a pin p whose net t has at least one other pin;
its connection (p, t) is removed and every net of p's circuit (and body) is a candidate. Training
pairs are the positive plus `neg_per_pos` sampled same-circuit nets (loss weighted to balance);
evaluation scores all candidates and reports Hits@1, Hits@3, MRR (rank with ties counted
against the model), balanced accuracy at 0.5 and ROC-AUC over all (query, candidate) pairs.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import torch
from torch.nn import functional as F

from .extract import enclosing_subgraphs
from .graph import LinkGraph
from .model import DGCNN, GAE


@dataclass
class Config:
    """Model and training settings (saved with the model)."""

    model: str = "seal"              # seal | gae
    hidden: int = 32
    num_layers: int = 3
    num_hops: int = 3
    max_z: int = 50
    max_nodes_per_hop: int | None = 100
    max_degree: int | None = 200
    readout: str = "center"          # center (target nodes + mean) | sort (DGCNN, the paper's)
    k: float = 0.6                   # sort-pool k: percentile of training subgraph sizes (or >= 1)
    decoder: str = "mlp"             # gae: dot | mlp
    epochs: int = 10
    batch_size: int = 64
    lr: float = 3e-3
    neg_per_pos: int = 7
    loss: str = "list"               # rank (BCE + softmax over sampled rows) | list (BCE +
    #                                  softmax over all candidate nets of a query) | bce
    max_candidates: int | None = None  # list: at most this many nets per query (sampled)
    smoothing: float = 0.0           # label smoothing of the per-query softmax
    weight_decay: float = 0.0
    max_queries: int | None = 4000   # query pins per epoch (sampled when there are more)
    net_names: bool = True
    name_flags: int = 5              # net-name flags: 5 (rails, in, out, nc) | 2 (rails only)
    seed: int = 0
    extra: dict = field(default_factory=dict)


class LinkModel:
    """A SEAL or GAE model with its settings and feature width."""

    def __init__(self, cfg: Config, in_features: int, k_nodes: int | None = None,
                 device: torch.device | str = "cpu") -> None:
        self.cfg, self.in_features = cfg, in_features
        self.device = torch.device(device)
        if cfg.model == "seal":
            self.k_nodes = int(k_nodes or 30)
            self.net = DGCNN(cfg.max_z + 1 + in_features + MAX_DEG + 1, cfg.hidden,
                             cfg.num_layers, self.k_nodes, readout=cfg.readout)
        elif cfg.model == "gae":
            self.k_nodes = 0
            self.net = GAE(in_features, cfg.hidden, cfg.num_layers, cfg.decoder)
        else:
            raise ValueError(f"unknown model {cfg.model!r} (seal, gae)")
        self.net.to(self.device)
        self.world = "circuit"

    # -- persistence ------------------------------------------------------------------------
    def state(self, **info) -> dict:
        return {"format": "eda-linkpred/1", "config": asdict(self.cfg),
                "in_features": self.in_features, "k_nodes": self.k_nodes,
                "state_dict": {k: v.cpu() for k, v in self.net.state_dict().items()}, **info}

    @classmethod
    def from_state(cls, st: dict, device="cpu") -> "LinkModel":
        cfg = {"name_flags": 2, **st["config"]}      # older models: rail flags only
        m = cls(Config(**cfg), st["in_features"], st["k_nodes"], device)
        m.net.load_state_dict(st["state_dict"])
        m.net.eval()
        return m

    # -- scoring ----------------------------------------------------------------------------
    def logits(self, g: LinkGraph, a, b, drop_a, drop_b, gen=None) -> torch.Tensor:
        """Logits of the pairs (a_i, b_i), one batch (see module doc for `drop_*`)."""
        c = self.cfg
        if c.model == "seal":
            sb = enclosing_subgraphs(g, a, b, drop_a, drop_b, c.num_hops, c.max_nodes_per_hop,
                                     c.max_degree, c.max_z, gen)
            x = torch.cat([F.one_hot(sb.z, c.max_z + 1).float(), g.x[sb.node],
                           degree_onehot(g, sb.node, sb.batch, drop_a, drop_b)], 1)
            return self.net(x, sb.edge_index, sb.batch, sb.num_graphs, sb.center)
        if self.world == "graph":
            x, ei, pa, pb = circuit_union(g, a, b)
            z = self.net.encode(x, ei)
            return self.net.decode(z, pa, pb)
        # one copy of the circuit per distinct hidden edge, shared by that query's candidates
        n = g.num_nodes
        world, inv = torch.unique(drop_a.long() * n + drop_b.long(), return_inverse=True)
        first = torch.full((world.numel(),), a.numel(), dtype=torch.long, device=a.device)
        first = first.scatter_reduce(0, inv, torch.arange(a.numel(), device=a.device), "amin")
        x, ei, pa, _ = circuit_copies(g, a[first], a[first], drop_a[first], drop_b[first])
        start, _ = circuit_bounds(g)
        base = pa - (a[first].to(pa.device) - start[g.circuit[a[first]]])   # copy offsets
        off = base[inv] - start[g.circuit[a]]
        z = self.net.encode(x, ei)
        return self.net.decode(z, a.to(off.device) + off, b.to(off.device) + off)

    @torch.no_grad()
    def score(self, g: LinkGraph, a, b, drop_a, drop_b, batch_size: int = 512,
              progress=None) -> torch.Tensor:
        """Sigmoid scores of many pairs, in batches (eval mode, fixed sampling seed)."""
        self.net.eval()
        gen = torch.Generator().manual_seed(12345)
        out = []
        if self.cfg.model == "gae" and self.world == "graph":
            z = self.net.encode(g.x, _edge_index(g))
            return torch.sigmoid(self.net.decode(z, a.to(self.device), b.to(self.device))).cpu()
        for i in range(0, a.numel(), batch_size):
            s = slice(i, i + batch_size)
            out.append(torch.sigmoid(self.logits(g, a[s], b[s], drop_a[s], drop_b[s], gen)).cpu())
            if progress:
                progress(min(batch_size, a.numel() - i))
        return torch.cat(out) if out else torch.zeros(0)


MAX_DEG = 8


def degree_onehot(g: LinkGraph, node, batch, drop_a, drop_b) -> torch.Tensor:
    """One-hot degree (capped at MAX_DEG) of subgraph nodes in their query's world: the full
    graph's degree less the hidden edge, so a net left with one pin shows it."""
    deg = g.rowptr[node + 1] - g.rowptr[node]
    da, db = drop_a.to(node.device)[batch], drop_b.to(node.device)[batch]
    hidden = (da >= 0) & (db >= 0) & ((node == da) | (node == db))
    return F.one_hot((deg - hidden.long()).clamp(0, MAX_DEG), MAX_DEG + 1).float()


def _edge_index(g: LinkGraph) -> torch.Tensor:
    ei = getattr(g, "_ei", None)
    if ei is None:
        ei = torch.stack([g.src, g.col])
        object.__setattr__(g, "_ei", ei)
    return ei


def circuit_bounds(g: LinkGraph) -> tuple[torch.Tensor, torch.Tensor]:
    """(first node, node count) of each circuit of a merged graph (circuits are contiguous)."""
    counts = torch.bincount(g.circuit, minlength=len(g.circuit_names))
    start = torch.cumsum(counts, 0) - counts
    return start, counts


def circuit_union(g: LinkGraph, a, b):
    """The circuits holding a or b (each once, every edge kept), as one small graph.

    Circuits are disconnected, so a GCN over this union equals one over the whole graph for
    these nodes. Returns (x, edge_index, position of a_i, position of b_i).
    """
    dev = g.x.device
    a, b = a.to(dev).long(), b.to(dev).long()
    start, counts = circuit_bounds(g)
    cu, inv = torch.unique(torch.cat([g.circuit[a], g.circuit[b]]), return_inverse=True)
    cs, cn = start[cu], counts[cu]
    noff = torch.cumsum(cn, 0) - cn
    k = cu.numel()
    nrep = torch.repeat_interleave(torch.arange(k, device=dev), cn)
    nodes = cs[nrep] + torch.arange(int(cn.sum()), device=dev) - noff[nrep]
    es, ee = g.rowptr[cs], g.rowptr[cs + cn]
    em = ee - es
    eoff = torch.cumsum(em, 0) - em
    erep = torch.repeat_interleave(torch.arange(k, device=dev), em)
    eid = es[erep] + torch.arange(int(em.sum()), device=dev) - eoff[erep]
    shift = (noff - cs)[erep]
    ei = torch.stack([g.src[eid] + shift, g.col[eid] + shift])
    ia, ib = inv[:a.numel()], inv[a.numel():]
    return g.x[nodes], ei, a - cs[ia] + noff[ia], b - cs[ib] + noff[ib]


def circuit_copies(g: LinkGraph, a, b, drop_a, drop_b):
    """One copy of the query's circuit per query, without its dropped edge, batched.

    Returns (x, edge_index, position of a_i, position of b_i) in the union of copies.
    """
    dev = g.x.device
    a, b, drop_a, drop_b = (t.to(dev).long() for t in (a, b, drop_a, drop_b))
    start, counts = circuit_bounds(g)
    c = g.circuit[a]
    cs, cn = start[c], counts[c]
    bq = a.numel()
    noff = torch.cumsum(cn, 0) - cn
    nrep = torch.repeat_interleave(torch.arange(bq, device=dev), cn)
    nodes = cs[nrep] + torch.arange(int(cn.sum()), device=dev) - noff[nrep]
    es, ee = g.rowptr[cs], g.rowptr[cs + cn]
    em = ee - es
    eoff = torch.cumsum(em, 0) - em
    erep = torch.repeat_interleave(torch.arange(bq, device=dev), em)
    eid = es[erep] + torch.arange(int(em.sum()), device=dev) - eoff[erep]
    src, dst = g.src[eid], g.col[eid]
    da, db = drop_a[erep], drop_b[erep]
    keep = ~(((src == da) & (dst == db)) | ((src == db) & (dst == da)))
    shift = (noff - cs)[erep]
    ei = torch.stack([src + shift, dst + shift])[:, keep]
    return g.x[nodes], ei, a - cs + noff, b - cs + noff


# --- our protocol ---------------------------------------------------------------------------

@dataclass
class Queries:
    """Pin queries of a pin-net graph and their candidate nets."""

    pin: torch.Tensor          # (Q,) pin node
    net: torch.Tensor          # (Q,) true net node
    cand_ptr: torch.Tensor     # (G+1,) per group, into `cand`
    cand: torch.Tensor         # net nodes sorted by group


def pin_queries(g: LinkGraph, circuits: torch.Tensor | None = None) -> Queries:
    """Pins whose net has another pin (in the given circuits), with the candidate nets."""
    deg = g.rowptr[1:] - g.rowptr[:-1]
    pins = torch.nonzero(~g.is_net).flatten()
    t = g.pin_net[pins]
    ok = (t >= 0)
    ok &= deg[t.clamp(min=0)] >= 2
    if circuits is not None:
        ok &= torch.isin(g.circuit[pins], circuits)
    nets = torch.nonzero(g.is_net).flatten()
    order = torch.argsort(g.group[nets] * (g.num_nodes + 1) + nets)
    nets = nets[order]
    ng = int(g.group.max()) + 1 if g.group.numel() else 0
    ptr = torch.zeros(ng + 1, dtype=torch.long)
    ptr[1:] = torch.cumsum(torch.bincount(g.group[nets], minlength=ng), 0)
    return Queries(pins[ok], t[ok], ptr, nets)


def all_candidates(q: Queries, g: LinkGraph, idx: torch.Tensor | None = None):
    """(query index, candidate net, label) for every candidate of the selected queries."""
    idx = torch.arange(q.pin.numel()) if idx is None else idx
    grp = g.group[q.pin[idx]]
    lo, n = q.cand_ptr[grp], q.cand_ptr[grp + 1] - q.cand_ptr[grp]
    rep = torch.repeat_interleave(torch.arange(idx.numel()), n)
    off = torch.arange(int(n.sum())) - (torch.cumsum(n, 0) - n)[rep]
    cand = q.cand[lo[rep] + off]
    return idx[rep], cand, (cand == q.net[idx][rep]).float()


def sampled_pairs(q: Queries, g: LinkGraph, idx: torch.Tensor, k: int, gen):
    """(query index, candidate, label): the positive and `k` random other nets per query."""
    grp = g.group[q.pin[idx]]
    lo, n = q.cand_ptr[grp], q.cand_ptr[grp + 1] - q.cand_ptr[grp]
    t = q.net[idx]
    # position of the true net in its group's list
    tpos = _pos_in_group(q, lo, n, t)
    has = n > 1
    qi = idx[has].repeat_interleave(k)
    m = (n[has] - 1).repeat_interleave(k)
    r = (torch.rand(qi.numel(), generator=gen) * m).long().clamp(max=(m - 1).clamp(min=0))
    r = r + (r >= tpos[has].repeat_interleave(k)).long()
    neg = q.cand[lo[has].repeat_interleave(k) + r]
    qs = torch.cat([idx, qi])
    cs = torch.cat([t, neg])
    ys = torch.cat([torch.ones(idx.numel()), torch.zeros(qi.numel())])
    return qs, cs, ys


def _pos_in_group(q: Queries, lo, n, t) -> torch.Tensor:
    gidx = torch.repeat_interleave(torch.arange(q.cand_ptr.numel() - 1), q.cand_ptr[1:]
                                   - q.cand_ptr[:-1])
    rank = torch.arange(q.cand.numel()) - q.cand_ptr[gidx]
    where = torch.full((int(q.cand.max()) + 1 if q.cand.numel() else 1,), -1, dtype=torch.long)
    where[q.cand] = rank
    return where[t]


def k_percentile(g: LinkGraph, q: Queries, cfg: Config, gen, sample: int = 1000) -> int:
    """Sort-pool k: the `cfg.k` percentile of sampled training subgraph sizes (>= 10)."""
    idx = torch.randperm(q.pin.numel(), generator=gen)[:sample]
    qs, cs, _ = sampled_pairs(q, g, idx, 1, gen)
    p = q.pin[qs]
    return k_percentile_pairs(g, p, cs, p, q.net[qs], cfg, gen)


def k_percentile_pairs(g: LinkGraph, a, b, drop_a, drop_b, cfg: Config, gen) -> int:
    """Sort-pool k from the subgraphs of the given sample pairs (`cfg.k` >= 1: used as is)."""
    if cfg.k >= 1:
        return int(cfg.k)
    sb = enclosing_subgraphs(g, a, b, drop_a, drop_b, cfg.num_hops, cfg.max_nodes_per_hop,
                             cfg.max_degree, cfg.max_z, gen)
    sizes = torch.sort(sb.sizes()).values
    return max(10, int(sizes[max(0, math.ceil(cfg.k * sizes.numel()) - 1)]))


def fit_pairs(model: LinkModel, g: LinkGraph, epoch_pairs, epochs: int, progress=None,
              log=None) -> list[float]:
    """Train on pairs from `epoch_pairs(epoch, gen) -> (a, b, drop_a, drop_b, y, row)`.

    The pairs come in rows, one per query, the positive first: `row` is the common row length
    r, or a tensor of each row's length. Batches keep rows whole; with rows longer than one and
    `cfg.loss` ``rank`` or ``list`` the loss adds a softmax cross-entropy over each row (a
    ranking loss, label-smoothed by `cfg.smoothing`) to the class-balanced binary cross-entropy.
    """
    cfg = model.cfg
    gen = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    losses = []
    for ep in range(epochs):
        model.net.train()
        a, b, da, db, y, row = epoch_pairs(ep, gen)
        if isinstance(row, torch.Tensor):
            sizes = row.long()
        else:
            r = max(1, int(row))
            sizes = torch.full((a.numel() // r,), r, dtype=torch.long)
        nrows = sizes.numel()
        starts = torch.cumsum(sizes, 0) - sizes
        perm = torch.randperm(nrows, generator=gen)
        npos = float(y.sum())
        pos_w = torch.tensor([(y.numel() - npos) / max(npos, 1.0)], device=model.device)
        per = max(1, int(cfg.batch_size // max(float(sizes.double().mean()), 1.0)))
        tot, nb = 0.0, 0
        for i in range(0, nrows, per):
            rr = perm[i:i + per]
            sz = sizes[rr]
            rep = torch.repeat_interleave(torch.arange(rr.numel()), sz)
            first = torch.cumsum(sz, 0) - sz
            s = starts[rr][rep] + torch.arange(int(sz.sum())) - first[rep]
            opt.zero_grad()
            out = model.logits(g, a[s], b[s], da[s], db[s], gen)
            yy = y[s].to(model.device)
            loss = F.binary_cross_entropy_with_logits(out, yy, pos_weight=pos_w)
            if cfg.loss in ("rank", "list") and int(sizes.max()) > 1:
                loss = loss + row_softmax_ce(out, rep.to(model.device), first.to(model.device),
                                             rr.numel(), cfg.smoothing)
            loss.backward()
            opt.step()
            tot += float(loss.detach())
            nb += 1
            if progress:
                progress(s.numel())
        losses.append(tot / max(nb, 1))
        if log:
            log(f"epoch {ep + 1}/{epochs} loss {losses[-1]:.4f}")
    model.net.eval()
    return losses


def row_softmax_ce(out: torch.Tensor, rep: torch.Tensor, first: torch.Tensor, nrows: int,
                   smoothing: float = 0.0) -> torch.Tensor:
    """Mean softmax cross-entropy of rows of varying length whose first entry is the target
    (`rep[j]` = row of logit j, `first[r]` = position of row r's first logit)."""
    m = torch.full((nrows,), -torch.inf, device=out.device, dtype=out.dtype)
    m = m.scatter_reduce(0, rep, out.detach(), "amax")
    e = torch.zeros(nrows, device=out.device, dtype=out.dtype).index_add(0, rep,
                                                                          torch.exp(out - m[rep]))
    lse = torch.log(e) + m
    loss = lse - out[first]
    if smoothing > 0:
        cnt = torch.bincount(rep, minlength=nrows).to(out.dtype)
        mean = torch.zeros(nrows, device=out.device, dtype=out.dtype).index_add(0, rep, out) / cnt
        loss = (1 - smoothing) * loss + smoothing * (lse - mean)
    return loss.mean()


def ours_epoch_fn(g: LinkGraph, q: Queries, cfg: Config):
    """Per-epoch training pairs of our protocol (pin connection hidden in every pair), in rows
    per query, the positive first: 1 + `neg_per_pos` sampled nets (``rank``, ``bce``) or all
    nets of the circuit (``list``, at most `max_candidates`); queries whose circuit has a single
    net are left out."""
    grp = g.group[q.pin]
    usable = torch.nonzero((q.cand_ptr[grp + 1] - q.cand_ptr[grp]) > 1).flatten()

    def fn(ep, gen):
        idx = usable[torch.randperm(usable.numel(), generator=gen)]
        if cfg.max_queries:
            idx = idx[:cfg.max_queries]
        if cfg.loss == "list":
            qs, cs, ys = all_candidates(q, g, idx)
            rowid = torch.repeat_interleave(torch.arange(idx.numel()),
                                            torch.bincount(qs, minlength=int(q.pin.numel()))[idx])
            # positive first, then the negatives in random order; keep at most max_candidates
            key = torch.rand(qs.numel(), generator=gen) + (1 - ys) + rowid * 4.0
            order = torch.argsort(key)
            qs, cs, ys, rowid = qs[order], cs[order], ys[order], rowid[order]
            sizes = torch.bincount(rowid, minlength=idx.numel())
            if cfg.max_candidates:
                rank = torch.arange(qs.numel()) - (torch.cumsum(sizes, 0) - sizes)[rowid]
                keep = rank < cfg.max_candidates
                qs, cs, ys, rowid = qs[keep], cs[keep], ys[keep], rowid[keep]
                sizes = torch.bincount(rowid, minlength=idx.numel())
            p = q.pin[qs]
            return p, cs, p, q.net[qs], ys, sizes
        qs, cs, ys = sampled_pairs(q, g, idx, cfg.neg_per_pos, gen)
        k, n = cfg.neg_per_pos, idx.numel()
        # reorder to rows: [pos_i, neg_i1..neg_ik]
        order = torch.cat([torch.arange(n)[:, None],
                           n + torch.arange(n * k).view(n, k)], 1).flatten()
        qs, cs, ys = qs[order], cs[order], ys[order]
        p = q.pin[qs]
        return p, cs, p, q.net[qs], ys, 1 + k
    return fn


def train_ours(g: LinkGraph, train_circuits: torch.Tensor | None, cfg: Config,
               device="cpu", progress=None, log=None) -> LinkModel:
    """Train a SEAL or GAE model on the queries of `train_circuits` (all when None)."""
    q = pin_queries(g, train_circuits)
    if q.pin.numel() == 0:
        from eda.errors import EdaError
        raise EdaError("no pin connections to train on (every net has a single pin)")
    gen = torch.Generator().manual_seed(cfg.seed)
    k = k_percentile(g, q, cfg, gen) if cfg.model == "seal" else None
    model = LinkModel(cfg, g.x.shape[1], k, device)
    gd = g.to(model.device)
    # pair bookkeeping stays on the CPU (the extraction moves its inputs to the graph's device)
    fit_pairs(model, gd, ours_epoch_fn(g, q, cfg), cfg.epochs, progress, log)
    return model


def auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """ROC-AUC (Mann-Whitney with average ranks for ties); nan with one class only."""
    s, y = scores.double(), labels.bool()
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        return float("nan")
    order = torch.argsort(s)
    ss = s[order]
    ranks = torch.empty_like(s)
    uniq, inv, counts = torch.unique_consecutive(ss, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    avg = ends - (counts.double() - 1) / 2
    ranks[order] = avg[inv]
    return float((ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def balanced_accuracy(scores: torch.Tensor, labels: torch.Tensor, thr: float = 0.5) -> float:
    y = labels.bool()
    pred = scores >= thr
    tpr = float((pred & y).sum()) / max(int(y.sum()), 1)
    tnr = float((~pred & ~y).sum()) / max(int((~y).sum()), 1)
    return (tpr + tnr) / 2


def ranking_metrics(qidx: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor) -> dict:
    """Hits@1/3 and MRR of the true candidate of each query (ties counted against it)."""
    nq = int(qidx.max()) + 1 if qidx.numel() else 0
    pos = torch.full((nq,), float("nan"), dtype=torch.double)
    y = labels.bool()
    pos[qidx[y]] = scores[y].double()
    ps = pos[qidx]
    worse = ((scores.double() > ps) | ((scores.double() == ps) & ~y)).double()
    rank = 1 + torch.zeros(nq, dtype=torch.double).index_add_(0, qidx, worse)
    has = ~torch.isnan(pos)
    rank = rank[has]
    if rank.numel() == 0:
        return {"hits@1": float("nan"), "hits@3": float("nan"), "mrr": float("nan"),
                "queries": 0, "mean_candidates": 0.0}
    cands = torch.bincount(qidx, minlength=nq)[has].double()
    return {"hits@1": float((rank <= 1).double().mean()),
            "hits@3": float((rank <= 3).double().mean()),
            "mrr": float((1.0 / rank).mean()), "queries": int(rank.numel()),
            "mean_candidates": float(cands.mean())}


def evaluate_ours(model: LinkModel, g: LinkGraph, circuits: torch.Tensor | None = None,
                  max_queries: int | None = None, seed: int = 0, progress=None) -> dict:
    """Our protocol's metrics on the queries of `circuits` (all when None)."""
    q = pin_queries(g, circuits)
    idx = torch.arange(q.pin.numel())
    if max_queries and idx.numel() > max_queries:
        idx = torch.sort(torch.randperm(idx.numel(), generator=torch.Generator().manual_seed(
            seed))[:max_queries]).values
    qi, cand, y = all_candidates(q, g, idx)
    p = q.pin[qi]
    t0 = time.perf_counter()
    gd = g.to(model.device)
    s = model.score(gd, p.to(model.device), cand.to(model.device), p.to(model.device),
                    q.net[qi].to(model.device), progress=progress)
    res = ranking_metrics(qi, s, y)
    res.update(accuracy=balanced_accuracy(s, y), auc=auc(s, y), pairs=int(y.numel()),
               seconds=time.perf_counter() - t0)
    return res


def split_circuits(n: int, seed: int, test_frac: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) circuit indices: a seeded permutation, `test_frac` of them for test."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    nt = max(1, int(round(test_frac * n))) if n > 1 else 0
    return torch.sort(perm[nt:]).values, torch.sort(perm[:nt]).values
