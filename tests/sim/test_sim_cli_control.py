"""`eda sim` drops a deck's control commands unless --allow-control says the deck is trusted."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DECK = "* t\nV1 a 0 1\nR1 a 0 1k\n.op\n.control\nshell touch {mark}\n.endc\n.end\n"


def _eda(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import cli; cli.main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])})


def test_cli_drops_control_by_default_and_keeps_it_when_trusted(tmp_path: Path) -> None:
    mark = tmp_path / "MARK"
    deck = tmp_path / "d.sp"
    deck.write_text(DECK.format(mark=mark))
    r = _eda("sim", str(deck), "-o", str(tmp_path / "r.json"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not mark.exists()
    assert json.loads((tmp_path / "r.json").read_text())["dropped_commands"] == [f"{deck}:5: .control block"]
    r = _eda("sim", str(deck), "--allow-control", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "--allow-control" in r.stderr and mark.exists()
