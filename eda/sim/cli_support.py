"""What `eda sim` does: one deck (summary, JSON/CSV, plot) or a batch (workers, progress, resumable)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from ..errors import SimulationError
from ..fileio import atomic_write, output_lock


def run_sim_command(decks: list[Path], *, op: bool, ac: str | None, tran: str | None,
                    dc: str | None, out: Path | None, plot: Path | None, jobs: int,
                    echo: Callable[[str], None] = print, allow_control: bool = False) -> int:
    """Simulate one deck or many; write results atomically; the exit status (1 if a batch deck
    failed); raise SimulationError when a single deck fails.

    `allow_control` keeps the decks' control commands (trusted decks only; see eda.sim.deck)."""
    for d in decks:
        if not d.is_file():
            raise SimulationError(f"{d}: no such file")
    analysis = {"op": op, "ac": ac, "tran": tran, "dc": dc}
    if allow_control:
        analysis["allow_control"] = True
    if out is None:
        return _run(decks, analysis, out, plot, jobs, echo)
    with output_lock(out, folder=False):  # a second live run on the same results is refused in one line
        return _run(decks, analysis, out, plot, jobs, echo)


def _run(decks: list[Path], analysis: dict, out: Path | None, plot: Path | None, jobs: int,
         echo: Callable[[str], None]) -> int:
    """One deck (its outputs and plot) or a batch; the exit status (1 if any deck failed)."""
    if len(decks) == 1:
        from .core import simulate
        result = simulate(decks[0], **analysis)
        echo(f"{decks[0]}: {result.summary()}")
        if out is not None:
            if out.suffix.lower() == ".csv":
                result.to_csv(out)
            else:
                result.to_json(out, indent=1)
        if plot is not None:
            from .plotting import plot as draw
            draw(result, plot)
        return 0
    return _run_batch(decks, analysis, out, jobs, echo)


def _run_batch(decks: list[Path], analysis: dict, out: Path | None, jobs: int,
               echo: Callable[[str], None]) -> int:
    """Many decks over `jobs` spawn workers; finished results stream to OUT.jsonl as they come."""
    from rich.progress import Progress

    from .batch import simulate_many
    partial = out.with_suffix(".jsonl") if out is not None else None
    done: dict[str, dict] = {}
    if partial is not None and partial.exists():  # resume: skip decks already simulated
        for line in partial.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("ok"):
                done[str(entry.get("deck"))] = entry
    todo = [d for d in decks if str(d) not in done]
    sink = partial.open("a") if partial is not None else None
    with Progress(transient=True) as progress:
        task = progress.add_task("simulating", total=len(todo))

        def on_result(_: int, entry: dict) -> None:
            progress.advance(task)
            if sink is not None:
                sink.write(json.dumps(entry, allow_nan=False, default=str) + "\n")
                sink.flush()

        try:
            results = simulate_many(todo, jobs, keep_vectors=False, on_result=on_result, **analysis)
        finally:
            if sink is not None:
                sink.close()
    by_deck = {**done, **{str(r.get("deck")): r for r in results}}
    ordered = [by_deck.get(str(d), {"deck": str(d), "ok": False, "error": "not run"}) for d in decks]
    failed = [r for r in ordered if not r.get("ok")]
    for r in ordered:
        status = "ok" if r.get("ok") else f"error: {r.get('error')}"
        measures = ", ".join(f"{k}={v:.6g}" for k, v in (r.get("measures") or {}).items()
                             if isinstance(v, (int, float)))
        echo(f"{r['deck']}: {status}{'; ' + measures if measures else ''}")
    if out is not None:
        atomic_write(out, json.dumps({"decks": len(ordered), "failed": len(failed),
                                      "results": ordered}, indent=1, default=str) + "\n")
    echo(f"{len(ordered) - len(failed)} ok, {len(failed)} failed of {len(ordered)} decks")
    return 1 if failed else 0
