"""Designs in the shared timing layout: netlist + SDC -> graph, OpenSTA pin/arc labels -> slots.

Layout: `DIR/designs/<name>/<name>.{v.xz,sdc,pins.tsv.xz,arcs.tsv.xz}` and `DIR/lib/*.lib[.gz]`.
Labels are converted to library units (ns). The split by design is fixed here.
"""
from __future__ import annotations

import csv
import lzma
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from eda.errors import EdaError
from eda.formats.verilog import read_verilog
from eda.liberty import Library, read_liberty

from .graph import TimingGraph, build_graph, read_sdc

# The seven TimingGCN test designs plus four EPFL ones; every other design trains.
TEST_DESIGNS = ("jpeg_encoder", "usbf_device", "aes192", "xtea", "spm", "y_huff", "synth_ram",
                "epfl_adder", "epfl_cavlc", "epfl_sin", "epfl_voter")
_TR = {"rise": 0, "fall": 1}


def _open(path: Path):
    return lzma.open(path, "rt", encoding="utf-8") if path.suffix == ".xz" else open(path, encoding="utf-8")


def _tsv_rows(path: Path) -> Iterator[tuple[int, dict[str, int], list[str]]]:
    """(line number, column index by header, row) of a label TSV; unreadable bytes or a damaged
    archive are a one-line EdaError naming the file (and line)."""
    no = 1
    try:
        with _open(path) as f:
            r = csv.reader(f, delimiter="\t")
            head = next(r, None)
            if not head:
                raise EdaError(f"{path}:1: empty label file (no header)")
            col = {h: i for i, h in enumerate(head)}
            for row in r:
                no = r.line_num
                if row:
                    yield no, col, row
    except UnicodeDecodeError:
        raise EdaError(f"{path}:{no + 1}: not UTF-8 text") from None
    except (OSError, EOFError, lzma.LZMAError, csv.Error) as exc:
        raise EdaError(f"{path}:{no}: cannot read label file: {exc}") from None


def _bad_row(path: Path, no: int, exc: Exception) -> EdaError:
    what = "missing column" if isinstance(exc, (IndexError, KeyError)) else "bad number"
    return EdaError(f"{path}:{no}: truncated or malformed label row ({what}: {exc})")


def label_file(ddir: Path, name: str, what: str) -> Path | None:
    """`NAME.{pins,arcs}.tsv[.xz]` in `ddir`, or None."""
    for suf in (".tsv.xz", ".tsv"):
        f = ddir / f"{name}.{what}{suf}"
        if f.is_file():
            return f
    return None


def find_lib(root: Path) -> Path:
    libs = sorted((root / "lib").glob("*.lib*")) if (root / "lib").is_dir() else []
    if not libs:
        raise EdaError(f"no Liberty file under {root}/lib")
    return libs[0]


def list_designs(root: Path) -> list[str]:
    d = root / "designs"
    if not d.is_dir():
        raise EdaError(f"{root}: no designs/ folder (expected the shared timing layout)")
    return sorted(p.name for p in d.iterdir() if (p / f"{p.name}.v.xz").exists() or (p / f"{p.name}.v").exists())


def split(names: list[str]) -> tuple[list[str], list[str]]:
    """(train, test) by the fixed list: never a design in both."""
    return [n for n in names if n not in TEST_DESIGNS], [n for n in names if n in TEST_DESIGNS]


def load_netlist(vpath: Path, sdc_path: Path | None, lib: Library) -> TimingGraph:
    with _open(vpath) as f:
        text = f.read()
    circ = read_verilog(text, str(vpath))
    sdc = read_sdc(sdc_path.read_text()) if sdc_path and sdc_path.exists() else read_sdc("")
    return build_graph(circ, lib, sdc)


@dataclass
class Labels:
    """Per slot (2*pin+t): arrival, required, slack, slew (ns; NaN = none); per arc: delay."""

    arrival: np.ndarray
    required: np.ndarray
    slack: np.ndarray
    slew: np.ndarray
    delay: np.ndarray        # per graph arc, NaN where OpenSTA listed none


def load_labels(g: TimingGraph, ddir: Path, name: str) -> Labels:
    idx = g.index()
    n = 2 * g.num_nodes
    arr = {k: np.full(n, np.nan) for k in ("at", "rat", "slack", "slew")}
    pins_f, arcs_f = label_file(ddir, name, "pins"), label_file(ddir, name, "arcs")
    if pins_f is None or arcs_f is None:
        raise EdaError(f"{ddir}: no {name}.pins.tsv[.xz] / {name}.arcs.tsv[.xz] labels")
    for no, col, row in _tsv_rows(pins_f):
        i = idx.get(row[0])
        if i is None:
            continue
        try:
            for k in arr:
                arr[k][2 * i] = float(row[col[f"{k}_r"]]) * 1e9
                arr[k][2 * i + 1] = float(row[col[f"{k}_f"]]) * 1e9
        except (IndexError, KeyError, ValueError) as exc:
            raise _bad_row(pins_f, no, exc) from None
    key = {(int(s), int(d), int(a), int(b)): e for e, (s, d, a, b) in
           enumerate(zip(g.src, g.dst, g.tin, g.tout))}
    delay = np.full(len(g.src), np.nan)
    for no, col, row in _tsv_rows(arcs_f):
        try:
            s, d = idx.get(row[col["from"]]), idx.get(row[col["to"]])
            if s is None or d is None:
                continue
            a = row[col["arc"]]
            tin, tout = _TR.get(a[:4]), _TR.get(a[4:])
            e = key.get((s, d, tin, tout))
            if e is not None:
                delay[e] = float(row[col["delay_max"]]) * 1e9
        except (IndexError, KeyError, ValueError) as exc:
            raise _bad_row(arcs_f, no, exc) from None
    return Labels(arr["at"], arr["rat"], arr["slack"], arr["slew"], delay)


@dataclass
class Design:
    name: str
    graph: TimingGraph
    labels: Labels | None


def load_design(root: Path, name: str, lib: Library, labels: bool = True) -> Design:
    ddir = root / "designs" / name
    v = ddir / f"{name}.v.xz"
    if not v.exists():
        v = ddir / f"{name}.v"
    g = load_netlist(v, ddir / f"{name}.sdc", lib)
    return Design(name, g, load_labels(g, ddir, name) if labels else None)


def load_lib(root: Path) -> Library:
    return read_liberty(find_lib(root))
