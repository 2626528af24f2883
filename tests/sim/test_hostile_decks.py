"""Hostile SPICE decks are inert: no ngspice command from a deck or its includes runs (issue 17).

ngspice runs in a subprocess (`python -c`) so that a deck that could crash it cannot take pytest
down; each test checks that the marker file of ngspice's `shell` command was NOT created.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eda.errors import SimulationError
from eda.sim import prepare_deck

CIRCUIT = "v1 1 0 1\nr1 1 0 1k\n.op\n"


def sim(deck: Path, **kw) -> dict:
    """simulate(deck) in a fresh process: {"ok": ..., "result"/"error": ...}."""
    code = ("import json,sys\nfrom eda.sim import simulate\nfrom eda.errors import EdaError\n"
            "try:\n r = simulate(sys.argv[1], **json.loads(sys.argv[2]))\n"
            " print(json.dumps({'ok': True, 'result': r.to_dict()}))\n"
            "except EdaError as e:\n print(json.dumps({'ok': False, 'error': str(e)}))\n")
    p = subprocess.run([sys.executable, "-c", code, str(deck), json.dumps(kw)],
                       capture_output=True, text=True, timeout=60, cwd=deck.parent)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def assert_inert(deck, marker, dropped: str) -> dict:
    """ngspice ran the deck, its shell command did not run, and the drop is listed."""
    out = sim(deck)
    assert not marker.exists()
    assert out["ok"], out
    assert any(dropped in d for d in out["result"]["dropped_commands"]), out["result"]["dropped_commands"]
    return out


def test_star_hash_shell_line_is_dropped(tmp_path):
    marker = tmp_path / "MARKER"
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n*# shell touch {marker}\n{CIRCUIT}.end\n")
    assert_inert(deck, marker, "d.sp:2: *# command")


def test_control_block_in_include_is_dropped(tmp_path):
    marker = tmp_path / "MARKER"
    (tmp_path / "lib.inc").write_text(f"r2 1 0 2k\n  .CONTROL\nshell touch {marker}\n.endc\n")
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n.include lib.inc\n{CIRCUIT}.end\n")
    assert_inert(deck, marker, "lib.inc:2: .control block")


def test_control_block_in_lib_section_is_dropped(tmp_path):
    marker = tmp_path / "MARKER"
    (tmp_path / "m.lib").write_text(
        f".lib other\nr9 1 0 1\n.endl other\n.lib tt\nr2 1 0 2k\n.control\nshell touch {marker}\n"
        ".endc\n.endl tt\n")
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n.lib 'm.lib' tt\n{CIRCUIT}.end\n")
    assert_inert(deck, marker, "m.lib:6: .control block")
    p = prepare_deck(deck)
    assert "r2 1 0 2k" in p.lines and "r9 1 0 1" not in p.lines  # only the selected section


def test_ng_script_title_is_dropped(tmp_path):
    marker = tmp_path / "MARKER"
    deck = tmp_path / "d.sp"
    deck.write_text(f"*ng_script\n{CIRCUIT}.control\nshell touch {marker}\n.endc\n.end\n")
    assert_inert(deck, marker, "*ng_script title")


def test_allow_control_keeps_block(tmp_path):
    marker = tmp_path / "MARKER"
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n{CIRCUIT}.control\nshell touch {marker}\n.endc\n.end\n")
    p = prepare_deck(deck, allow_control=True)
    assert f"shell touch {marker}" in p.lines and not p.dropped_commands
    out = sim(deck, allow_control=True)
    assert out["ok"], out
    assert marker.exists()  # trusted deck: its control block ran
    assert any("--allow-control" in w for w in out["result"]["warnings"])


def test_include_dev_zero_fails_fast(tmp_path):
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n.include /dev/zero\n{CIRCUIT}.end\n")
    t0 = time.monotonic()
    with pytest.raises(SimulationError, match=r"d.sp:2: cannot include /dev/zero: not a regular"):
        prepare_deck(deck)
    assert time.monotonic() - t0 < 5


def test_self_include_names_file_and_line(tmp_path):
    deck = tmp_path / "self.sp"
    deck.write_text(f"t\n{CIRCUIT}.include self.sp\n.end\n")
    with pytest.raises(SimulationError) as ei:
        prepare_deck(deck)
    msg = str(ei.value)
    assert "\n" not in msg and ":5: " in msg and "cycle" in msg and "self.sp" in msg
    out = sim(deck)
    assert not out["ok"] and "cycle" in out["error"]


def test_missing_include_names_file_and_line(tmp_path):
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n{CIRCUIT}.inc nosuch.inc\n.end\n")
    with pytest.raises(SimulationError, match=r"d.sp:5: include file nosuch.inc not found"):
        prepare_deck(deck)


def test_deep_subckt_nesting_refused(tmp_path):
    n = 1000
    defs = "".join(f".subckt s{i} a b\nx1 a b s{i + 1}\n.ends\n" for i in range(n))
    deck = tmp_path / "deep.sp"
    deck.write_text(f"t\n{defs}.subckt s{n} a b\nr1 a b 1k\n.ends\nx0 1 0 s0\n{CIRCUIT}.end\n")
    with pytest.raises(SimulationError, match=r"deep.sp:\d+: subcircuit hierarchy deeper"):
        prepare_deck(deck)
    nested = "".join(f".subckt n{i} a b\n" for i in range(n)) + ".ends\n" * n
    deck2 = tmp_path / "nested.sp"
    deck2.write_text(f"t\n{nested}{CIRCUIT}.end\n")
    with pytest.raises(SimulationError, match=r"nested.sp:\d+: .subckt definitions nested"):
        prepare_deck(deck2)
    out = sim(deck)
    assert not out["ok"] and "deeper" in out["error"]


def test_xyce_timeint_option_warns_and_runs(tmp_path):
    deck = tmp_path / "ti.sp"
    deck.write_text(f"t\n.options timeint method=8\n{CIRCUIT}.end\n")
    out = sim(deck)
    assert out["ok"], out
    assert out["result"]["analyses"]["op"]["vectors"]["v1#branch"] == pytest.approx([-1e-3])
    assert any("option method" in w for w in out["result"]["warnings"])


def test_session_prepares_the_same_way(tmp_path):
    marker = tmp_path / "MARKER"
    (tmp_path / "lib.inc").write_text(f".control\nshell touch {marker}\n.endc\n")
    deck = tmp_path / "d.sp"
    deck.write_text(f"t\n.param rv=1k\n*# shell touch {marker}\n.include lib.inc\n"
                    "v1 1 0 1\nr1 1 0 {rv}\n.op\n.end\n")
    code = ("import sys\nfrom eda.sim.session import Session\ns = Session(sys.argv[1])\n"
            "r = s.run({'rv': 2e3})\nprint(len(s.dropped_commands), float(r.plots['op']['v1#branch'][0]))\n")
    p = subprocess.run([sys.executable, "-c", code, str(deck)], capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    n, i = p.stdout.split()
    assert int(n) == 2 and float(i) == pytest.approx(-0.5e-3)
    assert not marker.exists()
