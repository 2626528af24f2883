"""`simulate`: one deck through ngspice's shared library, in this process."""
from __future__ import annotations

import time
from pathlib import Path

from .deck import prepare_deck
from .engine import get_engine
from .result import SimResult, analysis_kind, build_analysis


def simulate(deck: str | Path, *, op: bool = False, ac: str | None = None,
             tran: str | None = None, dc: str | None = None,
             workdir: str | Path | None = None, allow_control: bool = False) -> SimResult:
    """Simulate a SPICE deck (a path, or the deck text) with ngspice and return its results.

    Analysis options replace the deck's own analyses: `ac="dec 20 1 1e9"` runs `.ac dec 20 1 1e9`,
    `tran="1n 1u"` `.tran 1n 1u`, `dc="V1 0 5 0.1"` `.dc V1 0 5 0.1`, `op=True` `.op`; without
    any, the deck's analyses run. Includes and libs are read here and ngspice gets one flat deck
    with every command channel (`.control`, `*#`, `*ng_script`, `.exec`) removed and listed in
    `result.dropped_commands`; `allow_control=True` keeps them (trusted decks only). Relative
    `.include`/`.lib` paths are resolved against the including file's folder, then `workdir`
    (default: the deck's directory, or the current one for text). Raises `SimulationError` (one line, FILE:LINE when ngspice names a line).
    """
    t0 = time.perf_counter()
    prepared = prepare_deck(deck, op=op, ac=ac, tran=tran, dc=dc, workdir=workdir,
                            allow_control=allow_control)
    plots, info, warnings = get_engine().run(prepared)
    analyses = {}
    for plot, vectors in plots.items():
        kind = analysis_kind(plot)
        key, n = kind, 2
        while key in analyses:
            key, n = f"{kind}{n}", n + 1
        analyses[key] = build_analysis(plot, vectors)
    return SimResult(deck=prepared.source, analyses=analyses, measures=info["measures"],
                     warnings=prepared.notes + warnings, elapsed_s=time.perf_counter() - t0,
                     removed=prepared.removed, dropped_commands=prepared.dropped_commands)
