"""Many decks over worker processes: `simulate_many`.

ngspice's shared library is not reentrant (one per process) and a process that forks after
loading it hangs, so workers are started with the multiprocessing *spawn* context; each loads
ngspice once and simulates many decks. Results come back in input order; a deck that fails
gives an entry with `ok: False` and `error`, and the batch goes on.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

from ..errors import EdaError


def _one(deck, analysis: dict, keep_vectors: bool) -> dict:
    from .core import simulate
    try:
        d = simulate(deck, **analysis).to_dict()
        if not keep_vectors:
            d.pop("analyses", None)
        return d
    except EdaError as exc:
        return {"deck": str(deck), "ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a batch reports, it does not stop
        return {"deck": str(deck), "ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _chunk(items: list[tuple[int, object]], analysis: dict, keep_vectors: bool):
    return [(i, _one(deck, analysis, keep_vectors)) for i, deck in items]


def simulate_many(decks: list[str | Path], jobs: int | None = None, *,
                  keep_vectors: bool = True, chunk: int | None = None,
                  on_result: Callable[[int, dict], None] | None = None,
                  **analysis) -> list[dict]:
    """Simulate every deck (paths or texts) and return their `SimResult.to_dict()`s in order.

    `jobs` worker processes (default: CPU count; 1 runs here, in this process); `analysis` is
    passed to `simulate` (op, ac, tran, dc, workdir). `keep_vectors=False` leaves out the
    waveforms (measures only). `on_result(index, entry)` is called as each result arrives,
    for incremental (resumable) output.
    """
    decks = list(decks)
    n = len(decks)
    jobs = max(1, min(jobs or os.cpu_count() or 1, n or 1))
    results: list[dict | None] = [None] * n
    if n == 0:
        return []
    if jobs == 1:
        for i, deck in enumerate(decks):
            results[i] = _one(deck, analysis, keep_vectors)
            if on_result:
                on_result(i, results[i])
        return results  # type: ignore[return-value]
    size = chunk or max(1, min(32, n // (jobs * 4) or 1))
    indexed = list(enumerate(decks))
    batches = [indexed[k:k + size] for k in range(0, n, size)]
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = {pool.submit(_chunk, b, analysis, keep_vectors): b for b in batches}
            for fut in as_completed(futures):
                try:
                    pairs = fut.result()
                except BrokenProcessPool:
                    pairs = [(i, {"deck": str(d), "ok": False,
                                  "error": "worker process died (ngspice crashed?)"})
                             for i, d in futures[fut]]
                for i, entry in pairs:
                    results[i] = entry
                    if on_result:
                        on_result(i, entry)
    except BrokenProcessPool:
        pass
    for i, r in enumerate(results):
        if r is None:
            results[i] = {"deck": str(decks[i]), "ok": False, "error": "not simulated (worker died)"}
    return results  # type: ignore[return-value]
