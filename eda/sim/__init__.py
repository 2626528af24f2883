"""Simulation with ngspice (shared library through PySpice), measurements and batch runs.

    from eda.sim import simulate, plot
    r = simulate("rc.cir", ac="dec 20 1 1e9")
    r.measures["f3db"], r.ac["out"], r.to_json("rc.json"), plot(r, "rc.png")

Importing this package does not load ngspice; the first `simulate` in a process does.
"""
from __future__ import annotations

from .batch import simulate_many
from .core import simulate
from .deck import PreparedDeck, prepare_deck
from .measure import (ac_summary, dc_gain, dc_gain_db, f3db, phase_deg, phase_margin,
                      unity_gain_frequency)
from .plotting import plot
from .result import Analysis, SimResult


__all__ = ["simulate", "simulate_many", "SimResult", "Analysis", "plot", "prepare_deck",
           "PreparedDeck", "dc_gain_db", "dc_gain", "unity_gain_frequency", "f3db", "phase_margin",
           "phase_deg", "ac_summary"]
