"""L2DC transistor sizing with ngspice in the loop: problems, a gymnasium environment, DDPG and
baselines (optuna TPE, random search) on one ask/tell interface, resumable runs.

    from agents.sizing import load_problem, size
    results = size(load_problem("netlists/sizing/two_stage_opamp.yaml"), "ddpg", out="run")
"""
from __future__ import annotations

from .problem import Problem, SizingError, load_problem
from .run import size

__all__ = ["Problem", "SizingError", "load_problem", "size"]
