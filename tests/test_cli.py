"""The `eda` CLI contract: forms, JSON keys, exit codes, one-line errors, atomic outputs."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
EDA = [sys.executable, str(ROOT / "cli.py")]
RC = ROOT / "netlists" / "rc_lowpass.sp"
INV = ROOT / "netlists" / "cmos_inverter.sp"


def eda(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*EDA, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_info_json_has_contract_keys() -> None:
    r = eda("info", INV, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["components"] == 6 and d["nets"] == 8
    assert d["by_kind"] == {"C": 1, "M": 2, "V": 2, "X": 1}
    assert d["subcircuits"] == ["inv"]


def test_info_text_is_readable() -> None:
    r = eda("info", RC)
    assert r.returncode == 0 and "components:  3" in r.stdout and "resistor" in r.stdout


@pytest.mark.parametrize("content,name", [
    ("* t\nM1 d g\n", "bad.sp"),
    ("* t\nC1 a 0 ((1p\n", "paren.sp"),
    ("* t\n.subckt foo a b\nR2 a b 1k\n", "open.sp"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, content: str, name: str) -> None:
    p = tmp_path / name
    p.write_text(content)
    r = eda("info", p)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{p}:") and "Traceback" not in r.stderr
    assert eda("--debug", "info", p).stderr.count("Traceback") == 1


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    r = eda("info", tmp_path / "nope.sp")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = eda("convert", RC, "-o", tmp_path / "x.out", "--to", "klingon")
    assert r.returncode == 2 and "unknown format" in r.stderr


def test_convert_by_extension_and_name_round_trips(tmp_path: Path) -> None:
    scs, back, js = tmp_path / "inv.scs", tmp_path / "back.sp", tmp_path / "inv.json"
    assert eda("convert", INV, "-o", scs).returncode == 0
    assert "simulator lang=spectre" in scs.read_text()
    assert eda("convert", scs, "-o", back, "--to", "spice").returncode == 0
    assert eda("convert", back, "-o", js, "--to", "json").returncode == 0
    a, b = (json.loads(eda("info", p, "--json").stdout) for p in (INV, js))
    assert (a["components"], a["nets"], a["by_kind"]) == (b["components"], b["nets"], b["by_kind"])


def test_graph_graphml_carries_type_kind_pin(tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    r = eda("graph", INV, "--view", "bipartite", "-o", out)
    assert r.returncode == 0, r.stderr
    g = nx.read_graphml(out)
    types = {d["type"] for _, d in g.nodes(data=True)}
    assert types == {"component", "net"}
    assert {d["kind"] for _, d in g.nodes(data=True) if d["type"] == "component"} == {"C", "M", "V", "X"}
    assert {"d", "g", "b,s", "p", "n"} <= {d["pin"] for *_, d in g.edges(data=True)}


def test_sim_meas_f3db_within_one_percent(tmp_path: Path) -> None:
    out, png = tmp_path / "rc.json", tmp_path / "rc.png"
    r = eda("sim", RC, "-o", out, "--plot", png)
    assert r.returncode == 0, r.stderr
    d = json.loads(out.read_text())
    want = 1 / (2 * math.pi * 1.5e3 * 47e-9)
    assert abs(d["f3db"] / want - 1) < 0.01
    assert png.stat().st_size > 10_000


def test_sim_error_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.sp"
    p.write_text("* bad\nV1 in 0 1\nR1 in out 1k\nM1 out in 0 0 nosuchmodel\n.op\n.end\n")
    r = eda("sim", p)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


OPAMP_TB = ROOT / "netlists" / "opamp10_ptm45_tb.sp"
SMOKE = ROOT.parent / "shared" / "data" / "sizing" / "smoke" / "two_stage_10t_ptm45.inc"


@pytest.mark.skipif(not SMOKE.is_file(), reason="needs ../shared/data beside the repository")
def test_sim_opamp_gain_and_ugbw(tmp_path: Path) -> None:
    out = tmp_path / "op.json"
    r = eda("sim", OPAMP_TB, "-o", out)
    assert r.returncode == 0, r.stderr
    d = json.loads(out.read_text())
    assert d["gain_db"] == pytest.approx(49.23, abs=0.2)      # data README: A0 49.23 dB
    assert d["ugbw"] == pytest.approx(40.7e6, rel=0.03)       # data README: UGBW 40.7 MHz
