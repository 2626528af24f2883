"""The L2DC reward: hard constraints first, then soft targets.

For a hard spec `m >= b` the normalised error is 0 when met, else (m - b) / (|m| + |b|) in
[-1, 0) (AutoCkt's normalisation; `m <= b` mirrors it); an unmeasured metric counts -1.
  - some hard spec missed:  reward = sum of the errors           (in [-n_hard, 0))
  - all hard specs met:     reward = 1 + (1 + soft) / 2           (in [1, 2])
where soft is the weighted mean over soft targets of (ref - m) / (ref + m) (minimise) or
(m - ref) / (m + ref) (maximise), in [-1, 1]. A failed simulation scores below any
measured design (-(n_hard + 1)). The reward is also the run's figure of merit (FoM).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

def spec_error(value: float | None, lo: float | None, hi: float | None) -> float:
    """0 when `lo <= value <= hi` (bounds optional), else the normalised miss in [-1, 0)."""
    if value is None or not math.isfinite(value):
        return -1.0
    err = 0.0
    if lo is not None and value < lo:
        err += (value - lo) / (abs(value) + abs(lo) or 1.0)
    if hi is not None and value > hi:
        err += (hi - value) / (abs(value) + abs(hi) or 1.0)
    return max(-1.0, err)


def soft_term(value: float | None, goal: str, ref: float) -> float:
    if value is None or not math.isfinite(value):
        return -1.0
    v = abs(value)
    t = (ref - v) / (ref + v) if goal == "min" else (v - ref) / (v + ref)
    return max(-1.0, min(1.0, t))


@dataclass
class Score:
    reward: float
    met: bool
    errors: dict[str, float]


def score(metrics: dict[str, float | None] | None, hard: dict, soft: dict) -> Score:
    """Score one sample against `hard` ({name: Bound}) and `soft` ({name: Soft}) specs."""
    if metrics is None:  # the simulation failed
        return Score(-(len(hard) + 1.0), False, {k: -1.0 for k in hard})
    errors = {k: spec_error(metrics.get(k), b.min, b.max) for k, b in hard.items()}
    total = sum(errors.values())
    if total < 0:
        return Score(total, False, errors)
    if not soft:
        return Score(1.5, True, errors)
    wsum = sum(s.weight for s in soft.values())
    s = sum(s.weight * soft_term(metrics.get(k), s.goal, s.ref) for k, s in soft.items()) / wsum
    return Score(1.0 + (1.0 + s) / 2.0, True, errors)
