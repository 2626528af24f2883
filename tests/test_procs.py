"""eda.procs: children die with their parent; resource caps hold in the child."""
from __future__ import annotations

import subprocess
import sys
import time



def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def test_grandchild_dies_when_its_parent_is_killed() -> None:
    # parent: starts a sleeping child with die_with_parent, prints its pid, then sleeps
    code = ("import subprocess, sys, time\n"
            "from eda.procs import die_with_parent\n"
            "p = subprocess.Popen(['sleep', '60'], preexec_fn=die_with_parent)\n"
            "print(p.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait()
    deadline = time.time() + 5
    while _alive(child) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_memory_cap_stops_a_blow_up() -> None:
    code = ("from eda.procs import limit_resources\n"
            "limit_resources(memory_mb=256)\n"
            "try:\n x = bytearray(1024 * 1024 * 1024)\nexcept MemoryError:\n print('capped')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "capped"


def test_die_with_parent_reports_support() -> None:
    code = "from eda.procs import die_with_parent; print(die_with_parent())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True"  # Linux: prctl(PR_SET_PDEATHSIG) accepted
