"""L2DC transistor sizing with ngspice in the loop: problems, a gymnasium environment, DDPG and
baselines (optuna TPE, random search) on one ask/tell interface, resumable runs.

    from agents.sizing import load_problem, size
    results = size(load_problem("netlists/sizing/two_stage_opamp.yaml"), "ddpg", out="run")

Names are imported lazily so that `eda` (which registers agents.sizing.cli_app) starts fast.
"""
from __future__ import annotations

__all__ = ["Problem", "SizingError", "load_problem", "size"]


def __getattr__(name: str):
    if name in ("Problem", "SizingError", "load_problem"):
        from . import problem
        return getattr(problem, name)
    if name == "size":
        from .run import size
        return size
    raise AttributeError(name)
