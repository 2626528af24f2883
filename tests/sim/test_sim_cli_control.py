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


GOOD = "* rc\nV1 a 0 1\nR1 a 0 1k\n.op\n.end\n"


def test_batch_with_a_bad_deck_exits_1_and_counts_ok_and_failed(tmp_path: Path) -> None:
    (tmp_path / "g1.sp").write_text(GOOD)
    (tmp_path / "bad.sp").write_text("* bad\nR1 a 0 1k\n.include missing.inc\n.op\n.end\n")
    (tmp_path / "g2.sp").write_text(GOOD)
    r = _eda("sim", "g1.sp", "bad.sp", "g2.sp", "-o", "out.json", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "2 ok, 1 failed of 3 decks" in r.stdout
    res = json.loads((tmp_path / "out.json").read_text())
    assert [x["ok"] for x in res["results"]] == [True, False, True]
    assert not (tmp_path / "out.json.lock").exists()


def test_second_run_on_the_same_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "g1.sp").write_text(GOOD)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from eda.fileio import output_lock\n"
         "with output_lock('out.json', folder=False):\n print('held', flush=True); time.sleep(60)"],
        cwd=tmp_path, stdout=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        assert holder.stdout.readline().strip() == "held"
        r = _eda("sim", "g1.sp", "-o", "out.json", cwd=tmp_path)
        assert r.returncode == 2 and "another eda run" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
    finally:
        holder.kill()
        holder.wait()
