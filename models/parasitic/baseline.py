"""The non-graph baseline: gradient boosting (scikit-learn HistGradientBoosting) on hand features
of a net (fanout, pin count, port role, neighbourhood size, driver cell family and drive strength,
mean sink drive) and of a net pair (both nets' features as min/max, hop distance, shared cells)."""
from __future__ import annotations

import numpy as np

from .graph import CircuitGraph, pair_hops


def net_features(g: CircuitGraph) -> np.ndarray:
    """[N, F] hand features per net."""
    n = g.num_nets
    on = g.pin_cell >= 0
    drv = on & g.pin_out
    snk = on & ~g.pin_out
    fc = g.x_cell.shape[1]
    drv_feat = np.zeros((n, fc), np.float32)
    np.add.at(drv_feat, g.pin_net[drv], g.x_cell[g.pin_cell[drv]])
    snk_feat = np.zeros((n, fc), np.float32)
    np.add.at(snk_feat, g.pin_net[snk], g.x_cell[g.pin_cell[snk]])
    cnt = np.maximum(np.bincount(g.pin_net[snk], minlength=n), 1)[:, None]
    clk = np.zeros(n, np.float32)
    np.add.at(clk, g.pin_net, g.x_pin[:, 2])
    return np.concatenate([g.x_net, drv_feat, snk_feat / cnt, np.log1p(clk)[:, None]], 1)


def pair_features(g: CircuitGraph, pairs: np.ndarray, nf: np.ndarray | None = None) -> np.ndarray:
    nf = net_features(g) if nf is None else nf
    a, b = nf[pairs[:, 0]], nf[pairs[:, 1]]
    shared = np.asarray(g.net_adj[pairs[:, 0], pairs[:, 1]]).ravel()
    return np.concatenate([np.minimum(a, b), np.maximum(a, b), pair_hops(g, pairs)[:, None],
                           np.log1p(shared)[:, None]], 1)


class GBDTBaseline:
    """HistGradientBoosting regressor (coupling y), classifier (ground class), regressor (ground y)."""

    def __init__(self, seed: int = 0, max_iter: int = 200):
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        self.cc = HistGradientBoostingRegressor(max_iter=max_iter, random_state=seed)
        self.cls = HistGradientBoostingClassifier(max_iter=max_iter, random_state=seed)
        self.gv = HistGradientBoostingRegressor(max_iter=max_iter, random_state=seed)
        self.has_cc = False

    def fit(self, designs: list) -> "GBDTBaseline":
        xp, yp, xn, yc, yv = [], [], [], [], []
        for d in designs:
            g, lab = d.graph, d.labels
            nf = net_features(g)
            if len(lab.pairs):
                xp.append(pair_features(g, lab.pairs, nf))
                yp.append(lab.pair_y)
            m = lab.ground_cls >= 0
            xn.append(nf[m])
            yc.append(lab.ground_cls[m])
            yv.append(lab.ground_y[m])
        if xp:
            self.cc.fit(np.concatenate(xp), np.concatenate(yp))
            self.has_cc = True
        self.cls.fit(np.concatenate(xn), np.concatenate(yc))
        self.gv.fit(np.concatenate(xn), np.concatenate(yv))
        return self

    def predict(self, g: CircuitGraph, pairs: np.ndarray) -> dict:
        nf = net_features(g)
        py = (np.clip(self.cc.predict(pair_features(g, pairs, nf)), 0, 1) if self.has_cc and len(pairs)
              else np.full(len(pairs), np.nan))
        return {"pair_y": py, "ground_cls": self.cls.predict(nf), "ground_y": np.clip(self.gv.predict(nf), 0, 1)}
