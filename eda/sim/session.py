"""A circuit loaded once into this process's ngspice, re-simulated with parameters changed in place.

Sizing loops simulate one netlist thousands of times with different `.param` values. Loading the
deck each time re-parses it and its model files (1.1 s per load with sky130); a `Session` loads it
once and then, per run, sends `alterparam NAME=VALUE` for each parameter, `reset` (which re-expands
the parameters in the stored deck) and `run`, and reads back only the vectors asked for.

One ngspice per process (`engine.get_engine`): a session reloads its circuit when something else
(`simulate`, another session) loaded one in between. For parallel work, use one session per worker
process, started with the multiprocessing *spawn* context (see `batch.py`).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from ..errors import SimulationError
from .deck import prepare_deck
from .engine import _check, _parse_measures, get_engine
from .result import analysis_kind

_PARAM_RE = re.compile(r"([A-Za-z_]\w*)\s*=")


def deck_params(lines: Iterable[str]) -> set[str]:
    """Names defined by top-level `.param` lines (lowercase); those inside `.subckt` are local."""
    names: set[str] = set()
    depth = 0
    for line in lines:
        words = line.strip().split(None, 1)
        if not words:
            continue
        w = words[0].lower()
        if w == ".subckt":
            depth += 1
        elif w == ".ends":
            depth = max(0, depth - 1)
        elif w == ".param" and depth == 0 and len(words) > 1:
            # `.param a=1 b={a*2}`: names are identifiers followed by '=' outside braces
            text = re.sub(r"\{[^}]*\}|'[^']*'", "0", words[1])
            names.update(n.lower() for n in _PARAM_RE.findall(text))
    return names


def vector_key(name: str) -> str:
    """ngspice's vector name for a user name: `v(out)` -> `out`, `i(vdd)` -> `vdd#branch`."""
    key = name.strip().lower()
    m = re.fullmatch(r"([vi])\((.+)\)", key)
    if m:
        return m.group(2) if m.group(1) == "v" else f"{m.group(2)}#branch"
    return key


@dataclass
class SessionResult:
    """One run: vectors by analysis key (`op`, `ac`, `noise`, `noise2`, ...), `.meas` values."""

    plots: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    measures: dict[str, float | None] = field(default_factory=dict)
    sim_s: float = 0.0


class Session:
    """`Session(deck).run({"w1": 2e-6, ...})` -> SessionResult; the deck is loaded on first run.

    `vectors` limits what is read back, by analysis kind: `{"ac": ["v(out)"], "op": ["i(vdd)"]}`
    (the scale vector of each plot is always read; kinds not named are read whole).
    Raises `SimulationError` when the deck does not load (at once: a broken template is not a
    sample) or a run fails (did not converge, ...): the caller decides whether that is a sample.
    """

    def __init__(self, deck: str | Path, *, workdir: str | Path | None = None,
                 vectors: Mapping[str, Iterable[str]] | None = None,
                 allow_control: bool = False) -> None:
        # the same preparation as `simulate`: includes flattened, command channels removed
        self.deck = prepare_deck(deck, workdir=workdir, allow_control=allow_control)
        self.dropped_commands = list(self.deck.dropped_commands)
        self.params = deck_params(self.deck.lines)
        self.wanted = {k.lower(): {vector_key(v) for v in vs} for k, vs in (vectors or {}).items()}
        self.engine = get_engine()
        self.loads = 0

    def load(self) -> None:
        """(Re)load the deck into ngspice; raises SimulationError naming the line on failure."""
        e = self.engine
        with e.lock:
            e._command("destroy all")
            e._command("remcirc")
            out, err = e._load(self.deck.lines)
            expr = [m.strip() for m in err if m.strip().lower().startswith("expression err")]
            if expr:  # numparam could not substitute (ngspice then refuses any further work)
                raise SimulationError(
                    f"{self.deck.source or '<deck>'}: ngspice cannot evaluate `{expr[0][15:].strip(' :')}`"
                    " (an undefined parameter, or one named like a function: ln, log, exp, ...?)")
            _check(self.deck, out + err, stage="load")
            e.owner = self
            self.loads += 1

    def run(self, params: Mapping[str, float]) -> SessionResult:
        """Simulate with these `.param` values (others keep their last value)."""
        unknown = sorted(k for k in params if k.lower() not in self.params)
        if unknown:
            raise SimulationError(f"{self.deck.source or '<deck>'}: no .param named "
                                  f"{', '.join(unknown)} (has {', '.join(sorted(self.params))})")
        e = self.engine
        if e.owner is not self:
            self.load()
        with e.lock:
            try:
                for name, value in params.items():
                    # ngspice keeps parameter names in lowercase: a mixed-case name is ignored
                    e._command(f"alterparam {name.lower()}={float(value):.9g}")
                out, err = e._command("reset")
                _check(self.deck, out + err, stage="reset")
                t0 = time.perf_counter()
                out, err = e._command("run")
                sim_s = time.perf_counter() - t0
                _check(self.deck, out + err, stage="run")
                names = [p for p in reversed(e.plot_names()) if p != "const"]  # oldest first
                plots: dict[str, dict[str, np.ndarray]] = {}
                for plot in names:
                    kind = analysis_kind(plot)
                    key, n = kind, 2
                    while key in plots:
                        key, n = f"{kind}{n}", n + 1
                    plots[key] = self._read(plot, self.wanted.get(key))
                measures, _ = _parse_measures(out, err)
                measures.update(e._missing_measures(self.deck.lines, measures, names))
            finally:
                e._command("destroy all")  # the plots, not the circuit
        if not plots:
            raise SimulationError(f"{self.deck.source or '<deck>'}: ngspice produced no results")
        return SessionResult(plots, measures, sim_s)

    def _read(self, plot: str, wanted: set[str] | None) -> dict[str, np.ndarray]:
        e = self.engine
        if wanted is None:
            return e._vectors(plot)
        ng, ffi, null = e._ng, e._ffi, e._null
        out: dict[str, np.ndarray] = {}
        for name in sorted(wanted | {"frequency", "time", "v-sweep", "i-sweep"}):
            info = ng._ngspice_shared.ngGet_Vec_Info(f"{plot}.{name}".encode("utf-8"))
            if info == null:
                continue
            n = info.v_length
            if info.v_compdata != null:
                raw = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), dtype=np.float64)
                out[name] = raw[0::2] + 1j * raw[1::2]
            elif info.v_realdata != null:
                out[name] = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
        return out
