"""The paper's label transform and buckets (CircuitGCL): keep 1e-21 < C < 1e-15 F,
y = log10(C * 1e21) / 6 in (0, 1), ground-capacitance classes = bucketize(y, [0.2, 0.4, 0.6, 0.8]).
"""
from __future__ import annotations

import numpy as np

C_MIN, C_MAX = 1e-21, 1e-15
BOUNDARIES = (0.2, 0.4, 0.6, 0.8)
N_CLASSES = len(BOUNDARIES) + 1


def keep(cap_f: np.ndarray) -> np.ndarray:
    """Mask of capacitances (farads) the paper keeps: strictly inside (1e-21, 1e-15)."""
    c = np.asarray(cap_f, dtype=np.float64)
    return (c > C_MIN) & (c < C_MAX)


def transform(cap_f: np.ndarray) -> np.ndarray:
    """y = log10(C * 1e21) / 6 (NaN where the capacitance is not kept)."""
    c = np.asarray(cap_f, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log10(c * 1e21) / 6.0
    return np.where(keep(c), y, np.nan)


def inverse(y: np.ndarray) -> np.ndarray:
    """Capacitance in farads from y (the inverse of `transform`)."""
    return 10.0 ** (np.asarray(y, dtype=np.float64) * 6.0) * 1e-21


def bucket(y: np.ndarray) -> np.ndarray:
    """Class 0..4 of y: torch.bucketize(y, [0.2, 0.4, 0.6, 0.8]) (right=False: y == 0.2 is class 0)."""
    return np.searchsorted(np.asarray(BOUNDARIES), np.asarray(y, dtype=np.float64), side="left")


def class_range(k: int) -> tuple[float, float]:
    """The capacitance range (farads) of class k."""
    lo = 0.0 if k == 0 else BOUNDARIES[k - 1]
    hi = 1.0 if k == N_CLASSES - 1 else BOUNDARIES[k]
    return float(inverse(lo)), float(inverse(hi))
