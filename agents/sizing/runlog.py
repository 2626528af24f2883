"""A sizing run's directory: its settings, every simulated sample, resumable after a kill.

    DIR/run.json        the settings (problem, agent, seed, specs): a resume must match them
    DIR/samples.jsonl   one JSON line per simulation, appended as they finish
    DIR/results.json    the summary, rewritten atomically as the run goes (see agents.sizing.run)

Resuming replays: the agent is rebuilt with the same seed and asks again; while its designs
equal the logged ones, the logged results are served instead of simulating (agents are
deterministic). If they differ (another torch build, another device) the log is cut there and
the run goes on simulating.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from eda.fileio import atomic_write

from .problem import SizingError


def _same(a: dict, b: dict) -> bool:
    if set(a) != set(b):
        return False
    return all(math.isclose(float(a[k]), float(b[k]), rel_tol=1e-9, abs_tol=1e-30) for k in a)


def _clean(obj):
    """JSON-safe: non-finite floats become None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


class RunLog:
    """The samples of one run; `lookup(i, params)` serves logged results while replaying."""

    def __init__(self, out: Path, settings: dict) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.samples_path = self.out / "samples.jsonl"
        run_json = self.out / "run.json"
        if run_json.is_file():
            try:
                old = json.loads(run_json.read_text())
            except (OSError, ValueError):
                old = None
            if old is not None and old != settings:
                diff = [k for k in settings if old.get(k) != settings.get(k)]
                raise SizingError(f"{self.out}: holds a run with other settings "
                                  f"({', '.join(diff)}): use another output directory")
        atomic_write(run_json, json.dumps(settings, indent=1) + "\n")
        self.logged: list[dict] = self._read()
        self.samples: list[dict] = []
        self.replayed = 0
        self.diverged_at: int | None = None

    def _read(self) -> list[dict]:
        if not self.samples_path.is_file():
            return []
        out, lines = [], self.samples_path.read_text(encoding="utf-8").splitlines()
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                break  # a line cut by the kill: it and anything after it are dropped
        if len(out) < len(lines):
            atomic_write(self.samples_path, "".join(json.dumps(r) + "\n" for r in out))
        return out

    @property
    def resumed(self) -> bool:
        return bool(self.logged)

    def lookup(self, i: int, params: dict) -> dict | None:
        """The logged record of sample i if it is this design; cuts the log where it diverges."""
        if i >= len(self.logged):
            return None
        rec = self.logged[i]
        if _same(rec.get("params", {}), params):
            self.replayed += 1
            return rec
        self.diverged_at = i
        self.logged = self.logged[:i]
        atomic_write(self.samples_path, "".join(json.dumps(r) + "\n" for r in self.logged))
        return None

    def add(self, records: list[dict], new: list[bool]) -> None:
        """Keep these records; append the newly simulated ones to samples.jsonl."""
        self.samples.extend(records)
        lines = "".join(json.dumps(_clean(r)) + "\n" for r, n in zip(records, new) if n)
        if lines:
            with open(self.samples_path, "a", encoding="utf-8") as f:
                f.write(lines)
                f.flush()
                os.fsync(f.fileno())

    def write_json(self, name: str, data: dict) -> Path:
        return atomic_write(self.out / name, json.dumps(_clean(data), indent=1) + "\n")
