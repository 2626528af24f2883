"""Simulation results: analyses (one per ngspice plot) with their vectors, and `.meas` values."""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..fileio import atomic_write

SCALE_NAMES = ("frequency", "time", "v-sweep", "i-sweep", "temp-sweep", "res-sweep", "sweep")
_RESERVED = frozenset({"deck", "analyses", "measures", "warnings", "elapsed_s", "sim_s", "error",
                       "ok", "removed", "dropped_commands"})


def analysis_kind(plot_name: str) -> str:
    """'ac1' -> 'ac', 'tran2' -> 'tran', 'op1' -> 'op'."""
    return re.sub(r"\d+$", "", plot_name)


@dataclass
class Analysis:
    """One ngspice plot: `kind` (op, ac, tran, dc, ...), the scale vector name, and vectors."""

    kind: str
    plot: str
    vectors: dict[str, np.ndarray]
    scale: str | None = None

    def __getitem__(self, name: str) -> np.ndarray:
        """A vector by ngspice name; node names also as `v(out)`, currents as `i(v1)`."""
        key = name.lower()
        if key in self.vectors:
            return self.vectors[key]
        m = re.fullmatch(r"([vi])\((.+)\)", key)
        if m:
            inner = m.group(2)
            cand = inner if m.group(1) == "v" else f"{inner}#branch"
            if cand in self.vectors:
                return self.vectors[cand]
        raise KeyError(f"no vector {name!r} in {self.plot} (has {', '.join(self.vectors)})")

    def __contains__(self, name: str) -> bool:
        try:
            self[name]
            return True
        except KeyError:
            return False

    @property
    def x(self) -> np.ndarray | None:
        return None if self.scale is None else self.vectors[self.scale].real

    def to_dict(self) -> dict:
        vecs: dict = {}
        for name, arr in self.vectors.items():
            if np.iscomplexobj(arr) and name != self.scale:
                vecs[name] = {"re": _floats(arr.real), "im": _floats(arr.imag)}
            else:
                vecs[name] = _floats(np.real(arr))
        return {"plot": self.plot, "scale": self.scale, "vectors": vecs}

    def to_csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if self.kind == "op" or self.scale is None:
            w.writerow(["name", "value"])
            for name, arr in self.vectors.items():
                w.writerow([name, _fmt(np.real(arr[0])) if len(arr) else ""])
            return buf.getvalue()
        names = [self.scale] + [n for n in self.vectors if n != self.scale]
        header, cols = [], []
        for n in names:
            arr = self.vectors[n]
            if np.iscomplexobj(arr) and n != self.scale:
                header += [f"{n}_re", f"{n}_im"]
                cols += [arr.real, arr.imag]
            else:
                header.append(n)
                cols.append(np.real(arr))
        w.writerow(header)
        for row in zip(*cols):
            w.writerow([_fmt(v) for v in row])
        return buf.getvalue()


def _fmt(v) -> str:
    return repr(float(v))


def _floats(arr: np.ndarray) -> list:
    return [None if not math.isfinite(v) else v for v in np.asarray(arr, dtype=float).tolist()]


def build_analysis(plot: str, vectors: dict[str, np.ndarray]) -> Analysis:
    kind = analysis_kind(plot)
    scale = next((n for n in SCALE_NAMES if n in vectors), None)
    if scale is not None:
        vectors = {scale: vectors[scale].real if np.iscomplexobj(vectors[scale])
                   else vectors[scale], **{k: v for k, v in vectors.items() if k != scale}}
    return Analysis(kind, plot, vectors, scale)


@dataclass
class SimResult:
    """What one simulation gave: analyses by kind (`ac`, `tran`, `op`, `dc`, then `ac2`...),
    `.meas` values by lowercase name (None where the measurement failed), ngspice warnings,
    and `dropped_commands`: the command channels (`.control`, `*#`, ...) removed from the deck."""

    deck: str | None
    analyses: dict[str, Analysis] = field(default_factory=dict)
    measures: dict[str, float | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    removed: list[str] = field(default_factory=list)
    dropped_commands: list[str] = field(default_factory=list)  # command channels taken out

    def __getitem__(self, kind: str) -> Analysis:
        return self.analyses[kind]

    def __getattr__(self, name: str):
        # result.ac / result.tran / result.op / result.dc
        analyses = self.__dict__.get("analyses", {})
        if name in analyses:
            return analyses[name]
        raise AttributeError(name)

    def to_dict(self) -> dict:
        d = {"deck": self.deck, "ok": True, "elapsed_s": self.elapsed_s,
             "analyses": {k: a.to_dict() for k, a in self.analyses.items()},
             "measures": dict(self.measures), "warnings": list(self.warnings),
             "dropped_commands": list(self.dropped_commands)}
        for name, value in self.measures.items():  # each .meas also at the top level
            if name not in _RESERVED:
                d[name] = value
        return d

    def to_json(self, path: str | Path | None = None, indent: int | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            atomic_write(path, text + "\n")
        return text

    def to_csv(self, path: str | Path) -> list[Path]:
        """One CSV per analysis: `path` itself when there is one, else `STEM_KIND.csv` beside it."""
        path = Path(path)
        items = list(self.analyses.items())
        written = []
        for kind, a in items:
            target = path if len(items) == 1 else path.with_name(f"{path.stem}_{kind}{path.suffix or '.csv'}")
            written.append(atomic_write(target, a.to_csv_text()))
        return written

    def summary(self) -> str:
        parts = [f"{k}: {len(a.vectors)} vectors x {len(next(iter(a.vectors.values()), []))} points"
                 for k, a in self.analyses.items()]
        parts += [f"{k} = {v:.6g}" if v is not None else f"{k} = failed"
                  for k, v in self.measures.items()]
        return "; ".join(parts)
