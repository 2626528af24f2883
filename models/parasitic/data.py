"""Designs in the parasitic data layout: any folder holding a SPEF (`*.spef`, `*.spef.gz`) and a
gate-level Verilog netlist (`*.v`, `*.v.gz`, `*.nl.v.gz`, `*.gl.v.gz`) beside it.

A design's name is its folder relative to the data root (plus the SPEF stem when a folder holds
several); its group (technology) is the first folder under the root. Labels come from the SPEF
through `eda.formats.spef` (never from derived TSVs), matched to the netlist's nets by name.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eda.errors import EdaError
from eda.formats.spef import Spef, check_nets, read_spef
from eda.formats.verilog import read_verilog

from .graph import CircuitGraph, build_graph
from .labels import bucket, transform


def data_root_or_default(root: Path | None) -> Path:
    if root is not None:
        return Path(root)
    base = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    return base / "parasitic"


@dataclass(frozen=True)
class DesignFiles:
    name: str
    group: str
    spef: Path
    netlist: Path


def _stem(p: Path) -> str:
    n = p.name
    for suf in (".gz", ".spef", ".v", ".nl", ".gl"):
        if n.endswith(suf):
            n = n[: -len(suf)]
    return n


def _netlist_for(spef: Path) -> Path | None:
    cands = sorted(p for p in spef.parent.iterdir()
                   if p.is_file() and (p.name.endswith(".v") or p.name.endswith(".v.gz")))
    if not cands:
        return None
    same = [p for p in cands if _stem(p) == _stem(spef)]
    return (same or cands)[0]


def list_designs(root: Path) -> list[DesignFiles]:
    """Every SPEF under `root` with a netlist beside it, sorted by name."""
    root = Path(root)
    if not root.is_dir():
        raise EdaError(f"{root}: data root not found")
    out = []
    spefs = [Path(d) / f for d, _, files in os.walk(root, followlinks=True)   # linked folders count too
             for f in files if f.endswith(".spef") or f.endswith(".spef.gz")]
    for s in sorted(spefs):
        v = _netlist_for(s)
        if v is None:
            continue
        rel = s.parent.relative_to(root)
        siblings = list(s.parent.glob("*.spef")) + list(s.parent.glob("*.spef.gz"))
        name = str(rel) if len(siblings) == 1 and str(rel) != "." else str(rel / _stem(s))
        group = rel.parts[0] if rel.parts else "."
        out.append(DesignFiles(name.replace(os.sep, "/"), group, s, v))
    if not out:
        raise EdaError(f"{root}: no design (a folder with a .spef[.gz] and a Verilog netlist beside it)")
    return out


def split(designs: list[DesignFiles]) -> tuple[list[DesignFiles], list[DesignFiles]]:
    """(train, test) by design: in each group with two or more designs, every second one (by name)
    is held out; a group with one design trains (when no group has two, the last design is held
    out). Never a design in both."""
    train, test = [], []
    groups: dict[str, list[DesignFiles]] = {}
    for d in designs:
        groups.setdefault(d.group, []).append(d)
    for g in groups.values():
        for i, d in enumerate(g):
            (test if i % 2 == 1 else train).append(d)
    if not train:
        train, test = test[:1], test[1:]
    if not test and len(train) >= 2:       # one group of designs: hold out the last one
        train, test = train[:-1], train[-1:]
    return train, test


def read_netlist(path: Path, design: str = ""):
    """Read a gate-level Verilog netlist (plain or gzip) into the graph."""
    if not Path(path).is_file():
        raise EdaError(f"{path}: netlist not found")
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return build_graph(read_verilog(data.decode("utf-8", errors="replace"), str(path)), design or Path(path).name)


@dataclass
class Labels:
    """Per net: y of the ground cap (NaN = not kept) and its class (-1 = none);
    coupling pairs (net index a < b) with their y."""

    ground_y: np.ndarray
    ground_cls: np.ndarray
    pairs: np.ndarray
    pair_y: np.ndarray
    ground_f: np.ndarray
    pair_f: np.ndarray


def labels_from_spef(g: CircuitGraph, spef: Spef, netlist: str = "the netlist") -> Labels:
    """Paper-transformed labels for the graph's nets; a SPEF that does not match raises SpefMismatch."""
    check_nets(spef, g.net_names, netlist)
    idx = g.net_index()
    gf = np.full(g.num_nets, np.nan)
    for n, s in spef.nets.items():
        i = idx.get(n)
        if i is not None:
            gf[i] = s.ground_cap
    gy = transform(gf)
    cls = np.where(np.isnan(gy), -1, bucket(np.nan_to_num(gy)))
    pairs, pf = [], []
    for (a, b), c in spef.couplings.items():
        ia, ib = idx.get(a), idx.get(b)
        if ia is not None and ib is not None:
            pairs.append((min(ia, ib), max(ia, ib)))
            pf.append(c)
    pairs_a = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    pf_a = np.asarray(pf)
    py = transform(pf_a)
    ok = ~np.isnan(py)
    return Labels(gy, cls.astype(np.int64), pairs_a[ok], py[ok], gf, pf_a[ok])


@dataclass
class Design:
    files: DesignFiles
    graph: CircuitGraph
    labels: Labels

    @property
    def name(self) -> str:
        return self.files.name


def load_design(f: DesignFiles) -> Design:
    g = read_netlist(f.netlist, f.name)
    return Design(f, g, labels_from_spef(g, read_spef(f.spef), str(f.netlist)))
