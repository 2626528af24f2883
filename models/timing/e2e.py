"""The two GNN timing models trained end to end through the levelised propagation.

A design becomes a `Sample` (tensors: pin/arc features, the design's NLDM tables padded to one bank,
net and undirected edge lists, the `TorchPlan`, labels). Training per design: (1) all arc delays
without autograd, partition by partition; (2) the differentiable propagation and the path loss
(arrival and slack, each as MSE / variance = 1 - R2 per design) give d loss / d delay for every arc;
(3) each partition is run again with autograd and back-propagates `delay * grad` plus the per-arc
delay loss. Partitions are contiguous ranges of the level order (order-preserving), so memory is
bounded by the partition size, not the design size, and the gradient is exact.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .diffprop import TorchPlan, propagate, to_numpy
from .gnn import BaselineHead, GraphAE, OursHead
from .model import Prepared, arc_cell

ARCHS = ("baseline", "ours")


def node_features(g) -> np.ndarray:
    x = [g.is_driver, g.is_in_port, g.is_out_port, g.pin_cap * 100, np.log1p(g.fanout),
         np.log(g.load + 1e-5), np.log1p(g.wire_r), np.log(g.wire_c + 1e-6)]
    return np.stack([np.asarray(v, float) for v in x], 1).astype(np.float32)


def _bank(tables: list) -> tuple[np.ndarray, ...]:
    """Unique tables of a design padded to one [T, nx, ny] bank (+ axis masks) and the per-arc id."""
    ids: dict[int, int] = {}
    uniq = []
    tid = np.zeros(len(tables), int)
    for k, t in enumerate(tables):
        if t is None:
            continue
        if id(t) not in ids:
            ids[id(t)] = len(uniq)
            uniq.append(t)
        tid[k] = ids[id(t)]
    nx = max([len(t.x) for t in uniq] + [1])
    ny = max([len(t.y) for t in uniq] + [1])
    T = max(len(uniq), 1)
    bx, by = np.ones((T, nx), np.float32), np.ones((T, ny), np.float32)
    bv = np.zeros((T, nx, ny), np.float32)
    mx, my = np.zeros((T, nx), bool), np.zeros((T, ny), bool)
    mx[:, 0] = my[:, 0] = True
    for i, t in enumerate(uniq):
        a, b = len(t.x), len(t.y)
        bx[i, :a], by[i, :b], bv[i, :a, :b] = t.x, t.y, t.values.reshape(a, b)
        mx[i, :a], my[i, :b] = True, True
    return bx, by, bv, mx, my, tid


@dataclass
class Sample:
    """One design as tensors on a device (see the module doc)."""

    prep: Prepared
    plan: TorchPlan
    src: torch.Tensor
    dst: torch.Tensor
    kind: torch.Tensor
    arc_x: torch.Tensor
    arc_cell: torch.Tensor
    lut: torch.Tensor
    dtab: torch.Tensor
    stab: torch.Tensor
    bank_x: torch.Tensor
    bank_y: torch.Tensor
    bank_v: torch.Tensor
    bank_mx: torch.Tensor
    bank_my: torch.Tensor
    node_x: torch.Tensor
    node_cell: torch.Tensor
    net_ei: torch.Tensor
    net_ea: torch.Tensor
    und_ei: torch.Tensor
    chunks: list
    lab: dict | None = None
    ctx: tuple | None = None      # frozen auto-encoder codes (ours)


def _t(a, dev, dt=torch.float32):
    return torch.as_tensor(np.ascontiguousarray(a), dtype=dt, device=dev)


def make_sample(p: Prepared, vocab: dict[str, int], norm: dict[str, np.ndarray], dev: torch.device,
                labels=None, chunk_arcs: int = 200_000) -> Sample:
    g = p.graph
    # one bank over the delay and the transition tables, so both per-arc ids index it
    joint = list(g.delay_table) + list(g.slew_table)
    bx, by, bv, mx, my, tid = _bank(joint)
    E = len(g.src)
    cell_names = np.array([vocab.get(n, 0) for n in g.cell_names] + [0], int)
    node_cell = cell_names[np.where(g.cell_type < 0, len(g.cell_names), g.cell_type)]
    net = g.kind == 0
    pairs = np.unique(np.stack([g.src[net], g.dst[net]], 1), axis=0) if net.any() else np.zeros((0, 2), int)
    net_ei = np.concatenate([pairs.T, pairs.T[::-1]], 1)
    ea = np.stack([np.log1p(g.wire_r[pairs[:, 0]]), g.pin_cap[pairs[:, 1]] * 100], 1)
    allp = np.unique(np.stack([g.src, g.dst], 1), axis=0) if E else np.zeros((0, 2), int)
    und = np.concatenate([allp.T, allp.T[::-1]], 1)
    order = p.prop.plan.fwd
    chunks = [_t(order[i:i + chunk_arcs], dev, torch.long) for i in range(0, E, chunk_arcs)]
    s = Sample(p, TorchPlan(p.prop, p.analytic["slew"], dev), _t(g.src, dev, torch.long), _t(g.dst, dev, torch.long),
               _t(g.kind, dev, torch.long), _t((p.feats - norm["arc_mu"]) / norm["arc_sd"], dev),
               _t(arc_cell(g, vocab), dev, torch.long), _t(p.analytic["lut_delay"], dev),
               _t(tid[:E], dev, torch.long), _t(tid[E:], dev, torch.long), _t(bx, dev), _t(by, dev), _t(bv, dev),
               _t(mx, dev, torch.bool), _t(my, dev, torch.bool),
               _t((node_features(g) - norm["node_mu"]) / norm["node_sd"], dev), _t(node_cell, dev, torch.long),
               _t(net_ei, dev, torch.long), _t(np.concatenate([ea, ea]), dev), _t(und, dev, torch.long), chunks)
    if labels is not None:
        s.lab = _labels(s, labels, dev)
    return s


def _labels(s: Sample, lab, dev) -> dict:
    """Loss targets: finite slots for arrival/slack (with their variance), per-arc delay weights."""
    with torch.no_grad():
        ref = to_numpy(propagate(s.lut, s.plan))
    out = {}
    for k, y in (("arrival", lab.arrival), ("slack", lab.slack)):
        m = np.flatnonzero(np.isfinite(y) & np.isfinite(ref[k]))
        out[k] = (_t(m, dev, torch.long), _t(y[m], dev), float(max(np.var(y[m]), 1e-6)) if len(m) else 1.0)
    w = np.zeros(len(lab.delay), np.float32)
    kind = s.prep.graph.kind
    for sel in (kind == 0, kind > 0):
        m = sel & np.isfinite(lab.delay)
        if m.sum() > 1:
            w[m] = 1.0 / (max(np.var(lab.delay[m]), 1e-8) * m.sum())
    out["w"], out["y"] = _t(w, dev), _t(np.nan_to_num(lab.delay), dev)
    return out


class TimingGNN:
    """Baseline (TimingGCN-style) or ours (PreRoutGNN-style) delay model + levelised propagation."""

    def __init__(self, arch: str, vocab: dict[str, int], norm: dict[str, np.ndarray], chunk_arcs: int = 200_000):
        if arch not in ARCHS:
            raise ValueError(arch)
        self.arch, self.vocab, self.norm, self.chunk_arcs = arch, vocab, norm, chunk_arcs
        n = len(vocab) + 1
        self.gae = GraphAE(n) if arch == "ours" else None
        self.head = OursHead(n) if arch == "ours" else BaselineHead(n)

    def modules(self) -> list[nn.Module]:
        return [m for m in (self.gae, self.head) if m is not None]

    def to(self, dev) -> "TimingGNN":
        for m in self.modules():
            m.to(dev)
        return self

    def sample(self, p: Prepared, dev, labels=None) -> Sample:
        s = make_sample(p, self.vocab, self.norm, dev, labels, self.chunk_arcs)
        if self.gae is not None:
            with torch.no_grad():
                z = self.gae.encode(s.node_x, s.node_cell, s.und_ei)
                s.ctx = (z, GraphAE.pool(z))
        return s

    def context(self, s: Sample):
        """Per-pin embeddings and the global one: NetConv (baseline, trained) or frozen GAE codes (ours)."""
        return s.ctx if self.gae is not None else (self.head.nodes(s), None)

    def arc_delays(self, s: Sample) -> torch.Tensor:
        """All arc delays, partition by partition, without autograd."""
        with torch.no_grad():
            h, glob = self.context(s)
            out = torch.zeros(len(s.src), device=s.src.device)
            for c in s.chunks:
                out[c] = self.head.arcs(s, h, c, glob)
        return out

    def predict(self, p: Prepared, device="cpu") -> dict[str, np.ndarray]:
        dev = torch.device(device)
        self.to(dev)
        for m in self.modules():
            m.eval()
        s = self.sample(p, dev)
        d = self.arc_delays(s)
        with torch.no_grad():
            out = to_numpy(propagate(d, s.plan))
        out["delay"] = d.double().cpu().numpy()
        out["slew"] = p.analytic["slew"]
        return out

    def state(self) -> dict:
        return {"kind": "eda-timing-gnn", "version": 1, "arch": self.arch, "vocab": self.vocab,
                "norm": {k: v.tolist() for k, v in self.norm.items()}, "chunk_arcs": self.chunk_arcs,
                "head": {k: v.cpu() for k, v in self.head.state_dict().items()},
                "gae": {k: v.cpu() for k, v in self.gae.state_dict().items()} if self.gae else None}

    @classmethod
    def from_state(cls, st: dict) -> "TimingGNN":
        m = cls(st["arch"], st["vocab"], {k: np.asarray(v, np.float32) for k, v in st["norm"].items()},
                st.get("chunk_arcs", 200_000))
        m.head.load_state_dict(st["head"])
        if m.gae is not None:
            m.gae.load_state_dict(st["gae"])
        return m


def path_loss(out: dict[str, torch.Tensor], lab: dict) -> torch.Tensor:
    """(1 - R2) of arrival plus (1 - R2) of slack over the labelled slots."""
    loss = out["arrival"].new_zeros(())
    for k in ("arrival", "slack"):
        idx, y, var = lab[k]
        if len(idx):
            loss = loss + ((out[k][idx] - y) ** 2).mean() / var
    return loss


def _norm(preps: list[Prepared]) -> dict[str, np.ndarray]:
    a = np.concatenate([p.feats for p in preps])
    n = np.concatenate([node_features(p.graph) for p in preps])
    return {"arc_mu": a.mean(0), "arc_sd": np.maximum(a.std(0), 1e-6).astype(np.float32),
            "node_mu": n.mean(0), "node_sd": np.maximum(n.std(0), 1e-6).astype(np.float32)}


def pretrain_gae(model: TimingGNN, samples: list[Sample], epochs: int, lr: float, log) -> list[float]:
    """Unsupervised auto-encoder pre-training (feature + link reconstruction) on the training netlists."""
    opt = torch.optim.Adam(model.gae.parameters(), lr=lr)
    losses = []
    for ep in range(epochs):
        tot = 0.0
        for s in samples:
            loss = model.gae.loss(s.node_x, s.node_cell, s.und_ei)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss.detach())
        losses.append(tot / len(samples))
    log(f"auto-encoder pre-training: loss {losses[0]:.4f} -> {losses[-1]:.4f} ({epochs} epochs)")
    for p in model.gae.parameters():
        p.requires_grad_(False)
    return losses


def design_step(model: TimingGNN, s: Sample, delay_weight: float) -> tuple[float, float]:
    """Accumulate the gradients of (path loss + delay_weight * delay loss) of one design; returns both losses."""
    ld = 0.0
    if len(s.chunks) == 1:  # fits in one partition: a single pass with autograd
        h, glob = model.context(s)
        d = model.head.arcs(s, h, s.chunks[0], glob)
        d = torch.zeros_like(d).index_put((s.chunks[0],), d)
        lp = path_loss(propagate(d, s.plan), s.lab)
        l_del = (s.lab["w"] * (d - s.lab["y"]) ** 2).sum()
        (lp + delay_weight * l_del).backward()
        return float(lp.detach()), float(l_del.detach())
    # order-preserving partitions: exact gradient with the memory of one partition
    d = model.arc_delays(s).requires_grad_(True)
    lp = path_loss(propagate(d, s.plan), s.lab)
    lp.backward()
    gd = d.grad
    h, glob = model.context(s)
    for k, c in enumerate(s.chunks):
        dc = model.head.arcs(s, h, c, glob)
        l_del = (s.lab["w"][c] * (dc - s.lab["y"][c]) ** 2).sum()
        ((dc * gd[c]).sum() + delay_weight * l_del).backward(retain_graph=k + 1 < len(s.chunks))
        ld += float(l_del.detach())
    return float(lp.detach()), ld


def prefit(model: TimingGNN, samples: list[Sample], steps: int, lr: float, rng, log,
           batch: int = 4096) -> list[float]:
    """Stage 1: fit the delay head on OpenSTA's per-arc delays, one design and a minibatch of arcs per step."""
    params = list(model.head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    lab = [torch.nonzero(s.lab["w"] > 0).squeeze(1) for s in samples]
    t0, tot = time.time(), []
    for step in range(steps):
        k = int(rng.integers(len(samples)))
        s, idx = samples[k], lab[k]
        if not len(idx):
            continue
        idx = idx[torch.randint(0, len(idx), (min(batch, len(idx)),), device=idx.device)]
        h, glob = model.context(s)
        d = model.head.arcs(s, h, idx, glob)
        w = s.lab["w"][idx]
        loss = (w * (d - s.lab["y"][idx]) ** 2).sum() * (len(lab[k]) / len(idx))  # ~ (1-R2)net + (1-R2)cell
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        tot.append(float(loss.detach()))
    log(f"[{model.arch}] delay pre-fit: {steps} steps, loss {np.mean(tot[:20]):.4f} -> {np.mean(tot[-20:]):.4f} "
        f"({time.time() - t0:.1f}s)")
    return tot


def train_gnn(arch: str, designs: list[tuple[Prepared, object]], epochs: int = 10, lr: float | None = None,
              device: str = "cpu", seed: int = 0, delay_weight: float = 0.03, pretrain_epochs: int = 20,
              prefit_steps: int = 400, chunk_arcs: int = 200_000, e2e_max_arcs: int = 0, log=print) -> tuple[TimingGNN, dict]:
    """Train `arch` on labelled designs [(Prepared, Labels)]: auto-encoder pre-training (ours), per-arc
    delay pre-fit, end-to-end epochs; returns the model and the loss history of each stage."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    dev = torch.device(device)
    lr = lr or {"ours": 5e-4, "baseline": 1e-3}[arch]
    vocab: dict[str, int] = {}
    for p, _ in designs:
        for n in p.graph.cell_names:
            vocab.setdefault(n, len(vocab) + 1)
    model = TimingGNN(arch, vocab, _norm([p for p, _ in designs]), chunk_arcs).to(dev)
    samples = [make_sample(p, vocab, model.norm, dev, lab, chunk_arcs) for p, lab in designs]
    small = [s for s in samples if not e2e_max_arcs or len(s.src) <= e2e_max_arcs] or samples
    gae_losses: list[float] = []
    if model.gae is not None:  # pre-trained on the same designs as the end-to-end stage
        gae_losses = pretrain_gae(model, small, pretrain_epochs, 1e-2, log)
        with torch.no_grad():
            for s in samples:
                z = model.gae.encode(s.node_x, s.node_cell, s.und_ei)
                s.ctx = (z, GraphAE.pool(z))
    hist: dict[str, list[float]] = {"gae": gae_losses, "prefit": [], "e2e": []}
    params = list(model.head.parameters())
    if prefit_steps:
        hist["prefit"] = prefit(model, samples, prefit_steps, 3e-3, rng, log)
    e2e = small
    if len(e2e) < len(samples):
        log(f"[{arch}] end-to-end stage on the {len(e2e)} designs with <= {e2e_max_arcs} arcs")
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-5)
    steps = max(1, epochs * len(e2e))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
    model.head.train()
    losses = hist["e2e"]
    for ep in range(epochs):
        t0, tot = time.time(), 0.0
        for i in rng.permutation(len(e2e)):
            opt.zero_grad()
            lp, ld = design_step(model, e2e[i], delay_weight)
            nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            tot += lp + delay_weight * ld
        losses.append(tot / max(len(e2e), 1))
        log(f"[{arch}] epoch {ep + 1}/{epochs} loss {losses[-1]:.4f} ({time.time() - t0:.1f}s)")
    model.head.eval()
    return model.to("cpu"), hist
