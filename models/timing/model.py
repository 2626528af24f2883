"""Physics-grounded timing model: NLDM features -> per-arc delay MLP -> levelised propagation.

Per arc, the Liberty tables are interpolated at the propagated input slew and the driver load
(wire-load model for the net), giving a LUT delay; an MLP with a cell-type embedding predicts the
relative correction `(true - lut) / (lut + 10 ps)` (effective capacitance, slew mismatch, wire RC),
trained on OpenSTA's per-arc delays. Arrival (max over fanin, level order), required time
(min over fanout, reverse order) and slack follow from the predicted delays.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .graph import TimingGraph
from .propagate import Propagator
from eda.device import resolve_device

FLOOR = 0.02  # ns: the scale of the relative correction for near-zero (wire) delays
BOUND = 0.5   # the relative correction is bounded: |true - lut| <= BOUND * (|lut| + FLOOR)
N_FEAT = 17


def arc_features(g: TimingGraph, an: dict[str, np.ndarray]) -> np.ndarray:
    """Per-arc feature matrix [E, N_FEAT] from the graph and the analytic NLDM pass."""
    s, d = g.src, g.dst
    drv = np.where(g.kind == 0, s, d)           # the driver whose net load the arc sees
    fo = np.maximum(g.fanout[drv], 1)
    r, c = g.wire_r[drv], g.wire_c[drv]
    sink_cap = np.where(g.kind == 0, g.pin_cap[d], 0.0)
    lut = an["lut_delay"]
    cap = 5.0  # raw (linear) features are clipped so unseen extremes cannot drive the MLP far
    x = [
        (g.kind == 0), (g.kind == 1), (g.kind == 2), g.tin, g.tout,
        np.log(an["in_slew"] + 1e-4), np.minimum(an["in_slew"], cap),
        np.log(an["load"] + 1e-5), np.minimum(an["load"] * 10, cap),
        np.minimum(lut, cap), np.log(np.maximum(lut, 0) + 1e-4), np.minimum(an["lut_slew"], cap),
        np.log1p(fo), np.log1p(r), np.log(c + 1e-6), np.minimum(sink_cap * 100, cap),
        np.log(r / fo * (c / fo + sink_cap) + 1e-7),
    ]
    return np.stack([np.asarray(v, float) for v in x], 1).astype(np.float32)


def arc_cell(g: TimingGraph, vocab: dict[str, int]) -> np.ndarray:
    """Cell-type index per arc (the driving cell for wires); unknown types map to 0."""
    owner = np.where(g.kind == 0, g.src, g.dst)
    ct = g.cell_type[owner]
    names = np.array([vocab.get(n, 0) for n in g.cell_names] + [0], int)
    return names[np.where(ct < 0, len(g.cell_names), ct)]


class DelayMLP(nn.Module):
    def __init__(self, n_cells: int, hidden: int = 64, emb: int = 8):
        super().__init__()
        self.emb = nn.Embedding(n_cells, emb)
        self.net = nn.Sequential(nn.Linear(N_FEAT + emb, hidden), nn.SiLU(), nn.Linear(hidden, hidden),
                                 nn.SiLU(), nn.Linear(hidden, 1))
        self.register_buffer("mu", torch.zeros(N_FEAT))
        self.register_buffer("sd", torch.ones(N_FEAT))

    def forward(self, x: torch.Tensor, cell: torch.Tensor) -> torch.Tensor:
        """The bounded relative correction (tanh): the Liberty lookup stays the anchor."""
        raw = self.net(torch.cat([(x - self.mu) / self.sd, self.emb(cell)], 1)).squeeze(1)
        return BOUND * torch.tanh(raw)


@dataclass
class Prepared:
    """A design ready for the model: propagator, analytic pass, features."""

    graph: TimingGraph
    prop: Propagator
    analytic: dict[str, np.ndarray]
    feats: np.ndarray


def prepare(g: TimingGraph) -> Prepared:
    p = Propagator(g)
    an = p.analytic()
    return Prepared(g, p, an, arc_features(g, an))


class TimingModel:
    """The delay MLP plus its cell vocabulary; predicts delays and propagates them."""

    def __init__(self, vocab: dict[str, int], hidden: int = 64):
        self.vocab = vocab
        self.hidden = hidden
        self.mlp = DelayMLP(len(vocab) + 1, hidden)

    def delays(self, p: Prepared, device: torch.device | str = "cpu") -> np.ndarray:
        dev = torch.device(device)
        self.mlp.to(dev).eval()
        with torch.no_grad():
            x = torch.from_numpy(p.feats).to(dev)
            c = torch.from_numpy(arc_cell(p.graph, self.vocab)).to(dev)
            corr = torch.cat([self.mlp(x[i:i + 262144], c[i:i + 262144])
                              for i in range(0, len(x), 262144)]).cpu().numpy() if len(x) else np.zeros(0)
        lut = p.analytic["lut_delay"]
        return lut + (np.abs(lut) + FLOOR) * corr.astype(float)

    def predict(self, p: Prepared, device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
        d = self.delays(p, device)
        out = p.prop.run(d, p.analytic["slew"])
        out["delay"] = d
        out["slew"] = p.analytic["slew"]
        return out

    def state(self) -> dict:
        return {"kind": "eda-timing-nldm-mlp", "version": 2, "vocab": self.vocab, "hidden": self.hidden,
                "state_dict": {k: v.cpu() for k, v in self.mlp.state_dict().items()}}

    @classmethod
    def from_state(cls, st: dict) -> "TimingModel":
        m = cls(st["vocab"], st["hidden"])
        m.mlp.load_state_dict(st["state_dict"])
        return m


def train_model(designs: list[tuple[Prepared, np.ndarray]], epochs: int = 8, lr: float = 3e-3,
                batch: int = 8192, hidden: int = 64, seed: int = 0, device: str = "auto",
                max_arcs_per_design: int = 150_000, log=print) -> tuple[TimingModel, list[float]]:
    """Fit the delay MLP on labelled arcs of the given designs; returns the model and epoch losses."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    vocab: dict[str, int] = {}
    for p, _ in designs:
        for n in p.graph.cell_names:
            vocab.setdefault(n, len(vocab) + 1)
    model = TimingModel(vocab, hidden)
    xs, cs, ys = [], [], []
    for p, delay in designs:
        m = np.flatnonzero(np.isfinite(delay))
        if len(m) > max_arcs_per_design:   # keep big designs from drowning the small ones
            m = rng.choice(m, max_arcs_per_design, replace=False)
        lut = p.analytic["lut_delay"][m]
        xs.append(p.feats[m])
        cs.append(arc_cell(p.graph, vocab)[m])
        ys.append(((delay[m] - lut) / (np.abs(lut) + FLOOR)).astype(np.float32))
    x = torch.from_numpy(np.concatenate(xs))
    c = torch.from_numpy(np.concatenate(cs))
    y = torch.from_numpy(np.clip(np.concatenate(ys), -BOUND, BOUND))
    dev = resolve_device(device)
    mlp = model.mlp
    mlp.mu.copy_(x.mean(0))
    mlp.sd.copy_(x.std(0).clamp_min(1e-6))
    mlp.to(dev)
    x, c, y = x.to(dev), c.to(dev), y.to(dev)
    opt = torch.optim.AdamW(mlp.parameters(), lr=lr, weight_decay=1e-5)
    steps = max(1, epochs * ((len(x) + batch - 1) // batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    losses: list[float] = []
    mlp.train()
    for ep in range(epochs):
        t0, tot, n = time.time(), 0.0, 0
        perm = torch.randperm(len(x), device=dev)
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            loss = nn.functional.smooth_l1_loss(mlp(x[idx], c[idx]), y[idx], beta=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(idx)
            n += len(idx)
        losses.append(tot / max(n, 1))
        log(f"epoch {ep + 1}/{epochs} loss {losses[-1]:.5f} ({time.time() - t0:.1f}s, {len(x)} arcs)")
    mlp.cpu()
    return model, losses
