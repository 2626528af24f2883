"""Differentiable levelised propagation in torch: arrival (max-plus), required (min-minus), slack.

The forward pass is batched per level (one scatter per level, no loop per pin), exactly as the numpy
`Propagator`. The backward pass is the exact subgradient of max/min: it walks the levels in reverse
and sends each slot's gradient down the one fanin arc that set its value (ties broken by arc id).
That keeps autograd's graph to one node per pass, so a design with hundreds of levels trains fast
and a loss on slack/arrival reaches every arc delay on the critical paths.
"""
from __future__ import annotations

import numpy as np
import torch

from .propagate import Propagator, TableBank, source_arrivals


def _groups(order: np.ndarray, bounds: np.ndarray, dev) -> list[torch.Tensor]:
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b > a:
            out.append(torch.as_tensor(order[a:b], dtype=torch.long, device=dev))
    return out


class TorchPlan:
    """Slot indices, level groups and endpoint constraints of one design, as tensors on a device."""

    def __init__(self, prop: Propagator, slew: np.ndarray, device: torch.device | str = "cpu"):
        g, dev = prop.g, torch.device(device)
        self.device = dev
        self.n_slots = 2 * g.num_nodes
        self.s = torch.as_tensor(prop.s_slot, dtype=torch.long, device=dev)
        self.d = torch.as_tensor(prop.d_slot, dtype=torch.long, device=dev)
        self.fwd = _groups(prop.plan.fwd, prop.plan.fwd_bounds, dev)
        self.bwd = _groups(prop.plan.bwd, prop.plan.bwd_bounds, dev)
        at0, _ = source_arrivals(g)
        self.at0 = torch.as_tensor(np.where(np.isnan(at0), -np.inf, at0), dtype=torch.float32, device=dev)
        rat = np.full(self.n_slots, np.inf)
        outs = np.flatnonzero(g.is_out_port)
        rat[2 * outs] = rat[2 * outs + 1] = g.sdc.period - g.sdc.output_delay
        self.rat_ports = torch.as_tensor(rat, dtype=torch.float32, device=dev)
        self.chk_clk = torch.as_tensor(2 * g.chk_clk + g.chk_clk_t, dtype=torch.long, device=dev)
        self.chk_d = torch.as_tensor(2 * g.chk_pin + g.chk_t, dtype=torch.long, device=dev)
        setup = (TableBank(g.chk_table)(np.arange(len(g.chk_table)), slew[2 * g.chk_clk + g.chk_clk_t],
                                        slew[2 * g.chk_pin + g.chk_t]) if len(g.chk_pin) else np.zeros(0))
        self.chk_const = torch.as_tensor(g.sdc.period - setup, dtype=torch.float32, device=dev)
        self.arange = torch.arange(len(prop.s_slot), device=dev)


def _chosen(hit: torch.Tensor, slot: torch.Tensor, n: int, arange: torch.Tensor) -> torch.Tensor:
    """One arc per slot among the `hit` arcs (the highest id): the subgradient's path."""
    best = torch.full((n,), -1, dtype=torch.long, device=hit.device)
    best.scatter_reduce_(0, slot, torch.where(hit, arange, -1), "amax", include_self=True)
    return hit & (best[slot] == arange)


class _MaxPlus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, delay: torch.Tensor, plan: TorchPlan) -> torch.Tensor:
        work = plan.at0.clone()
        for grp in plan.fwd:
            work.scatter_reduce_(0, plan.d[grp], work[plan.s[grp]] + delay[grp], "amax", include_self=True)
        hit = ((work[plan.s] + delay) == work[plan.d]) & torch.isfinite(work[plan.d])
        ch = _chosen(hit, plan.d, plan.n_slots, plan.arange)
        ctx.plan, ctx.chosen = plan, [grp[ch[grp]] for grp in plan.fwd]
        return work

    @staticmethod
    def backward(ctx, g_at: torch.Tensor):
        plan = ctx.plan
        g = g_at.clone()
        g_delay = torch.zeros(len(plan.s), dtype=g.dtype, device=g.device)
        for sel in reversed(ctx.chosen):
            gd = g[plan.d[sel]]
            g_delay[sel] = gd
            g.index_add_(0, plan.s[sel], gd)
        return g_delay, None


class _MinMinus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, delay: torch.Tensor, rat_end: torch.Tensor, plan: TorchPlan) -> torch.Tensor:
        work = rat_end.clone()
        for grp in plan.bwd:
            work.scatter_reduce_(0, plan.s[grp], work[plan.d[grp]] - delay[grp], "amin", include_self=True)
        from_end = torch.isfinite(rat_end) & (work == rat_end)
        hit = ((work[plan.d] - delay) == work[plan.s]) & torch.isfinite(work[plan.s]) & ~from_end[plan.s]
        ch = _chosen(hit, plan.s, plan.n_slots, plan.arange)
        ctx.plan, ctx.from_end, ctx.chosen = plan, from_end, [grp[ch[grp]] for grp in plan.bwd]
        return work

    @staticmethod
    def backward(ctx, g_rat: torch.Tensor):
        plan = ctx.plan
        g = g_rat.clone()
        g_delay = torch.zeros(len(plan.s), dtype=g.dtype, device=g.device)
        for sel in reversed(ctx.chosen):
            gs = g[plan.s[sel]]
            g_delay[sel] = -gs
            g.index_add_(0, plan.d[sel], gs)
        return g_delay, g * ctx.from_end, None


def propagate(delay: torch.Tensor, plan: TorchPlan) -> dict[str, torch.Tensor]:
    """Arrival, required and slack per slot (inf where unreached/unconstrained), differentiable in delay."""
    at = _MaxPlus.apply(delay, plan)
    rat_end = plan.rat_ports
    if len(plan.chk_d):
        clk = at[plan.chk_clk]
        clk = torch.where(torch.isfinite(clk), clk, torch.zeros_like(clk))
        rat_end = rat_end.scatter_reduce(0, plan.chk_d, clk + plan.chk_const, "amin", include_self=True)
    rat = _MinMinus.apply(delay, rat_end, plan)
    return {"arrival": at, "required": rat, "slack": rat - at}


def to_numpy(out: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Detached float64 arrays with NaN for the unreached / unconstrained slots (the numpy convention)."""
    res = {}
    for k, v in out.items():
        a = v.detach().cpu().double().numpy()
        res[k] = np.where(np.isfinite(a), a, np.nan)
    return res
