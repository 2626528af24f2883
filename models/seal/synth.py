"""Small synthetic analog circuits for tests and the scale benchmark (deterministic per seed).

`records` writes circuits in the SpiceNetlist JSON schema (a list of ``{"component_type",
"port_connection"}``) so they go through the same reader as the public data; `write_dataset`
lays them out as a SpiceNetlist folder (``JSON/<id>.json``). `large_circuit` builds one big
Circuit from many such cells sharing two rails (so the rails are hubs of huge degree).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from eda.ir import Circuit, Component


def _inverter_chain(rng: random.Random, p: str = "") -> list[dict]:
    n = rng.randint(2, 4)
    recs = [{"component_type": "Voltage", "port_connection": {"Pos": "vdd", "Neg": "0"}},
            {"component_type": "Voltage", "port_connection": {"Pos": f"{p}in0", "Neg": "0"}}]
    for i in range(n):
        a, y = f"{p}in{i}", f"{p}in{i + 1}"
        recs.append({"component_type": "PMOS", "port_connection":
                     {"Drain": y, "Gate": a, "Source": "vdd"}})
        recs.append({"component_type": "NMOS", "port_connection":
                     {"Drain": y, "Gate": a, "Source": "0"}})
    recs.append({"component_type": "Cap", "port_connection": {"Pos": f"{p}in{n}", "Neg": "0"}})
    return recs


def _rc_ladder(rng: random.Random, p: str = "") -> list[dict]:
    n = rng.randint(2, 4)
    recs = [{"component_type": "Voltage", "port_connection": {"Pos": f"{p}n0", "Neg": "0"}}]
    for i in range(n):
        recs.append({"component_type": "Res", "port_connection": {"Pos": f"{p}n{i}",
                                                                  "Neg": f"{p}n{i + 1}"}})
        recs.append({"component_type": "Cap", "port_connection": {"Pos": f"{p}n{i + 1}",
                                                                  "Neg": "0"}})
    return recs


def _cs_amp(rng: random.Random, p: str = "") -> list[dict]:
    return [{"component_type": "Voltage", "port_connection": {"Pos": "vdd", "Neg": "0"}},
            {"component_type": "Voltage", "port_connection": {"Pos": f"{p}vin", "Neg": "0"}},
            {"component_type": "Res", "port_connection": {"Pos": "vdd", "Neg": f"{p}out"}},
            {"component_type": "NMOS", "port_connection": {"Drain": f"{p}out", "Gate": f"{p}vin",
                                                           "Source": f"{p}s"}},
            {"component_type": "Res", "port_connection": {"Pos": f"{p}s", "Neg": "0"}},
            {"component_type": "Cap", "port_connection": {"Pos": f"{p}out", "Neg": "0"}}]


CELLS = (_inverter_chain, _rc_ladder, _cs_amp)


def records(seed: int) -> list[dict]:
    """One small circuit (an inverter chain, RC ladder or common-source stage) as records."""
    rng = random.Random(seed)
    return rng.choice(CELLS)(rng)


def write_dataset(folder: str | Path, count: int, seed: int = 0) -> Path:
    """`count` circuits as a SpiceNetlist-layout folder (``folder/JSON/<i>.json``)."""
    d = Path(folder) / "JSON"
    d.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (d / f"{i}.json").write_text(json.dumps(records(seed * 100_003 + i), indent=1))
    return Path(folder)


_KIND = {"Voltage": ("V", None), "PMOS": ("M", "pmos"), "NMOS": ("M", "nmos"),
         "Res": ("R", None), "Cap": ("C", None)}
_PIN = {"Pos": "p", "Neg": "n", "Drain": "d", "Gate": "g", "Source": "s"}


def large_circuit(n_components: int, seed: int = 0) -> Circuit:
    """About `n_components` components: cells with private nets sharing the rails vdd and 0."""
    rng = random.Random(seed)
    c = Circuit(title=f"synthetic {n_components}")
    counters: dict[str, int] = {}
    cell = 0
    while len(c.items) < n_components:
        for rec in rng.choice(CELLS)(rng, f"c{cell}_"):
            kind, model = _KIND[rec["component_type"]]
            counters[kind] = counters.get(kind, 0) + 1
            pins = tuple(_PIN[k] for k in rec["port_connection"])
            c.items.append(Component(kind, f"{kind}{counters[kind]}",
                                     list(rec["port_connection"].values()), pins, model=model))
        cell += 1
    return c
