"""Level-by-level timing propagation over transition arcs, batched per level (no loop per pin).

State lives on (pin, transition) slots `2*pin + t`. Forward: arrival = max over fanin arcs of
arrival(src slot) + delay(arc); slews from the Liberty transition tables at the propagated input
slew and the driver load. Backward: required = min over fanout arcs of required(dst) - delay.
"""
from __future__ import annotations

import numpy as np

from eda.liberty import Table

from .graph import RISE, TimingGraph


class LevelPlan:
    """Arcs grouped by the level of their destination (forward) and source (backward)."""

    def __init__(self, g: TimingGraph):
        lv_dst = g.level[g.dst]
        self.fwd = np.argsort(lv_dst, kind="stable")
        self.fwd_bounds = np.searchsorted(lv_dst[self.fwd], np.arange(g.level.max() + 2 if g.num_nodes else 1))
        lv_src = g.level[g.src]
        self.bwd = np.argsort(-lv_src, kind="stable")
        top = int(g.level.max()) if g.num_nodes else 0
        self.bwd_bounds = np.searchsorted(-lv_src[self.bwd], np.arange(-top, 2))
        self.n_levels = int(g.level.max()) + 1 if g.num_nodes else 0

    def forward_groups(self):
        for lv in range(1, self.n_levels):
            a, b = self.fwd_bounds[lv], self.fwd_bounds[lv + 1]
            if b > a:
                yield self.fwd[a:b]

    def backward_groups(self):
        # bwd sorted by descending source level; bounds over levels n-1 .. 0
        for k in range(len(self.bwd_bounds) - 1):
            a, b = self.bwd_bounds[k], self.bwd_bounds[k + 1]
            if b > a:
                yield self.bwd[a:b]


class TableBank:
    """Per-arc NLDM tables stacked by shape, so a whole batch of arcs interpolates at once."""

    def __init__(self, tables: list):
        self.n = len(tables)
        shapes: dict[tuple, dict[int, int]] = {}
        objs: dict[int, Table] = {}
        self.shape_of = np.full(self.n, -1)
        self.tid = np.zeros(self.n, int)
        keys: list[tuple] = []
        for k, t in enumerate(tables):
            if t is None:
                continue
            sh = t.values.shape
            if sh not in shapes:
                shapes[sh] = {}
                keys.append(sh)
            ids = shapes[sh]
            if id(t) not in ids:
                ids[id(t)] = len(ids)
                objs[id(t)] = t
            self.shape_of[k] = keys.index(sh)
            self.tid[k] = ids[id(t)]
        self.banks = []
        for sh in keys:
            ts = sorted(shapes[sh].items(), key=lambda kv: kv[1])
            tl = [objs[i] for i, _ in ts]
            self.banks.append((np.stack([t.x for t in tl]), np.stack([t.y for t in tl]),
                               np.stack([t.values for t in tl])))

    @staticmethod
    def _seg(axes: np.ndarray, q: np.ndarray):
        n = axes.shape[1]
        if n == 1:
            return np.zeros(len(q), int), np.zeros(len(q))
        i = np.clip((q[:, None] >= axes).sum(1) - 1, 0, n - 2)
        r = np.arange(len(q))
        lo, hi = axes[r, i], axes[r, i + 1]
        return i, (q - lo) / (hi - lo)

    def __call__(self, arcs: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Interpolate arc `arcs[j]`'s table at (x[j], y[j]); 0 where an arc has no table."""
        out = np.zeros(len(arcs))
        sh = self.shape_of[arcs]
        for b, (xs, ys, vs) in enumerate(self.banks):
            m = np.flatnonzero(sh == b)
            if not m.size:
                continue
            t = self.tid[arcs[m]]
            i, tx = self._seg(xs[t], x[m])
            j, ty = self._seg(ys[t], y[m])
            if vs.shape[1] == 1:
                i, tx = np.zeros_like(i), np.zeros_like(tx)
            i1 = np.minimum(i + 1, vs.shape[1] - 1)
            j1 = np.minimum(j + 1, vs.shape[2] - 1)
            out[m] = (vs[t, i, j] * (1 - tx) * (1 - ty) + vs[t, i, j1] * (1 - tx) * ty
                      + vs[t, i1, j] * tx * (1 - ty) + vs[t, i1, j1] * tx * ty)
        return out


def source_arrivals(g: TimingGraph) -> tuple[np.ndarray, np.ndarray]:
    """Arrival and slew at source slots (input ports, clock), NaN elsewhere."""
    at = np.full(2 * g.num_nodes, np.nan)
    slew = np.zeros(2 * g.num_nodes)
    ins = np.flatnonzero(g.is_in_port)
    for i in ins:
        if g.sdc.clock_port is not None and g.names[i] == g.sdc.clock_port:
            at[2 * i], at[2 * i + 1] = 0.0, g.sdc.period / 2
        else:
            at[2 * i] = at[2 * i + 1] = g.sdc.input_delay
        slew[2 * i] = slew[2 * i + 1] = g.sdc.input_transition
    return at, slew


class Propagator:
    """Analytic NLDM slews/delays (the physics features) and max/min propagation of given delays."""

    def __init__(self, g: TimingGraph):
        self.g = g
        self.plan = LevelPlan(g)
        self.s_slot = 2 * g.src + g.tin
        self.d_slot = 2 * g.dst + g.tout
        self.cell = g.kind > 0
        self.dbank = TableBank(g.delay_table)
        self.sbank = TableBank(g.slew_table)

    def analytic(self) -> dict[str, np.ndarray]:
        """Slews (per slot) and LUT delay/slew per arc from level-order slew propagation."""
        g = self.g
        at, slew = source_arrivals(g)
        E = len(g.src)
        in_slew = np.zeros(E)
        load = g.load[g.dst]
        lut_delay = np.zeros(E)
        lut_slew = np.zeros(E)
        for grp in self.plan.forward_groups():
            in_slew[grp] = slew[self.s_slot[grp]]
            cg = grp[self.cell[grp]]
            lut_delay[cg] = self.dbank(cg, in_slew[cg], load[cg])
            lut_slew[cg] = self.sbank(cg, in_slew[cg], load[cg])
            s_out = np.where(self.cell[grp], lut_slew[grp], in_slew[grp])
            np.maximum.at(slew, self.d_slot[grp], s_out)
        lut_delay = np.where(self.cell, lut_delay, 0.0)
        return {"slew": slew, "in_slew": in_slew, "load": load, "lut_delay": lut_delay, "lut_slew": lut_slew}

    def arrival(self, delay: np.ndarray) -> np.ndarray:
        """Arrival per slot: max over fanin arcs (NaN = unreached)."""
        at, _ = source_arrivals(self.g)
        work = np.where(np.isnan(at), -np.inf, at)
        for grp in self.plan.forward_groups():
            cand = work[self.s_slot[grp]] + delay[grp]
            np.maximum.at(work, self.d_slot[grp], cand)
        return np.where(np.isfinite(work), work, np.nan)

    def endpoint_required(self, arrival: np.ndarray, slew: np.ndarray) -> np.ndarray:
        """Required times at endpoints: output ports and setup/recovery checks (NaN elsewhere)."""
        g = self.g
        rat = np.full(2 * g.num_nodes, np.inf)
        outs = np.flatnonzero(g.is_out_port)
        rat[2 * outs] = rat[2 * outs + 1] = g.sdc.period - g.sdc.output_delay
        if len(g.chk_pin):
            clk_slot = 2 * g.chk_clk + g.chk_clk_t
            d_slot = 2 * g.chk_pin + g.chk_t
            setup = TableBank(g.chk_table)(np.arange(len(g.chk_table)), slew[clk_slot], slew[d_slot])
            clk_at = np.nan_to_num(arrival[clk_slot], nan=0.0)
            np.minimum.at(rat, d_slot, clk_at + g.sdc.period - setup)
        return rat

    def required(self, delay: np.ndarray, rat_end: np.ndarray) -> np.ndarray:
        """Required per slot: min over fanout arcs of required(dst) - delay (NaN = unconstrained)."""
        work = rat_end.copy()
        for grp in self.plan.backward_groups():
            cand = work[self.d_slot[grp]] - delay[grp]
            np.minimum.at(work, self.s_slot[grp], cand)
        return np.where(np.isfinite(work), work, np.nan)

    def run(self, delay: np.ndarray, slew: np.ndarray) -> dict[str, np.ndarray]:
        """Arrival, required and slack per slot for the given per-arc delays."""
        at = self.arrival(delay)
        rat = self.required(delay, self.endpoint_required(at, slew))
        return {"arrival": at, "required": rat, "slack": rat - at}


__all__ = ["Propagator", "LevelPlan", "source_arrivals", "RISE"]
