"""R2 of predicted vs OpenSTA timing, truth first (sklearn `r2_score(y_true, y_pred)`).

Pin values are the late/max view over rise/fall: arrival = max, required = min, slack = min;
pins where either side is undefined (unreached, unconstrained) are left out.
"""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import r2_score

from .graph import TimingGraph


def pin_view(slots: np.ndarray, worst: str) -> np.ndarray:
    x = slots.reshape(-1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(x, 1) if worst == "max" else np.nanmin(x, 1)


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    m = np.isfinite(y_true) & np.isfinite(y_pred)
    if m.sum() < 2:
        return float("nan")
    return float(r2_score(y_true[m], y_pred[m]))


def design_metrics(g: TimingGraph, labels, pred: dict[str, np.ndarray]) -> dict[str, float]:
    """slack/arrival/required/slew R2 per pin, net/cell delay R2 per arc, plus counts."""
    net = g.kind == 0
    return {
        "slack_r2": r2(pin_view(labels.slack, "min"), pin_view(pred["slack"], "min")),
        "arrival_r2": r2(pin_view(labels.arrival, "max"), pin_view(pred["arrival"], "max")),
        "required_r2": r2(pin_view(labels.required, "min"), pin_view(pred["required"], "min")),
        "slew_r2": r2(labels.slew, pred["slew"]),
        "net_delay_r2": r2(labels.delay[net], pred["delay"][net]),
        "cell_delay_r2": r2(labels.delay[~net], pred["delay"][~net]),
        "pins": int(g.num_nodes),
        "arcs": int(len(g.src)),
    }


def mean_metrics(per: dict[str, dict[str, float]]) -> dict[str, float]:
    keys = [k for k in next(iter(per.values()), {}) if k.endswith("_r2")]
    return {k: float(np.nanmean([v[k] for v in per.values()])) for k in keys}
