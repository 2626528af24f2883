"""The real-deck corpus (`$EDA_DATA/netlists/real`): read rate, clean errors, lossless round trips.

For every file read, a write then a read in the same format, in Spectre and in the IR's JSON must
give the same bipartite graph (component kinds, nets, pin names), compared node for node.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from eda.errors import NetlistError
from eda.formats import read, write_text
from eda.formats.registry import get
from eda.graph import to_networkx

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
REAL = DATA / "netlists" / "real"
SPICE_SOURCES = ("ngspice-examples", "align-public", "openfasoc", "spicelib-ltspice")
SPICE_EXTS = {".sp", ".cir", ".spice", ".net", ".ckt", ".cdl", ".spi", ".sub"}
OTHER = {  # folder -> (extensions, format of a same-format write)
    "hdl-benchmarks-yosys-structural": ({".v"}, "verilog"),
    "iscas-ispras": ({".v"}, "verilog"),
    "kinparse-kicad-net": ({".net"}, "kicad"),
    "netlistsvg-yosys-json": ({".json"}, "yosys-json"),
    "tscircuit-circuit-json": ({".json"}, "circuitjson"),
}

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"no corpus at {REAL}")


def spice_files() -> list[Path]:
    return [p for s in SPICE_SOURCES for p in sorted((REAL / s).rglob("*"))
            if p.is_file() and p.suffix.lower() in SPICE_EXTS]


def signature(circuit) -> tuple[set, set]:
    """Nodes (id, type, kind) and edges (component, net, pin) of the bipartite view."""
    g = to_networkx(circuit, "bipartite")
    nodes = {(n, d.get("type"), d.get("kind")) for n, d in g.nodes(data=True)}
    edges = {tuple(sorted((u, v))) + (d.get("pin"),) for u, v, d in g.edges(data=True)}
    return nodes, edges


def round_trip(circuit, fmt: str, tmp: Path):
    text, _ = write_text(circuit, fmt)
    ext = (get(fmt).extensions or (".txt",))[0]
    path = tmp / f"rt{ext}"
    path.write_text(text)
    return read(path, fmt)


def check_round_trips(path: Path, same_fmt: str, tmp: Path) -> list[str]:
    c = read(path)
    sig = signature(c)
    bad = []
    for fmt in dict.fromkeys((same_fmt, "spectre", "json")):
        try:
            back = round_trip(c, fmt, tmp)
            if fmt != same_fmt:
                back = round_trip(back, same_fmt, tmp)
        except NetlistError as e:
            bad.append(f"{path.relative_to(REAL)} via {fmt}: {e}")
            continue
        got = signature(back)
        if got != sig:
            diff = sorted(map(str, (sig[0] ^ got[0]) | (sig[1] ^ got[1])))[:4]
            bad.append(f"{path.relative_to(REAL)} via {fmt}: {diff}")
    return bad


def test_spice_family_decks_read_and_round_trip(tmp_path: Path) -> None:
    files = spice_files()
    assert len(files) > 500
    read_ok, failures, bad = 0, [], []
    for f in files:
        try:
            c = read(f)
        except NetlistError as e:
            failures.append(str(e))
            assert str(e).startswith(str(f)) and e.line is not None, str(e)
            continue
        read_ok += 1
        same = "cdl" if c.dialect == "cdl" else ("spectre" if c.format == "spectre" else "spice")
        bad += check_round_trips(f, same, tmp_path)
    assert read_ok >= 0.98 * len(files), failures
    assert not bad, "\n".join(bad[:30])


@pytest.mark.parametrize("folder", sorted(OTHER))
def test_other_formats_read_and_round_trip(folder: str, tmp_path: Path) -> None:
    exts, fmt = OTHER[folder]
    files = [p for p in sorted((REAL / folder).rglob("*")) if p.suffix.lower() in exts]
    assert files
    bad = []
    for f in files:
        bad += check_round_trips(f, fmt, tmp_path)
    assert not bad, bad[:10]
