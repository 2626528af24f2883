"""`eda schematic` on bad input: one clear line, exit 2, nothing written (acceptance 4)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EDA = Path(sys.executable).with_name("eda")


def run(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EDA_CACHE_DIR": str(tmp / "cache")}
    env.pop("EDA_LLM_BASE_URL", None)
    return subprocess.run([str(EDA), *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.parametrize("args, message", [
    (["   "], "empty prompt"),
    (["a Raspberry Pi 5 with a flux capacitor"], "not in the component library"),   # names it, below
    (["Blink an LED with an Arduino Uno", "--base-url", "http://127.0.0.1:9/v1", "--model", "x"],
     "cannot reach LLM endpoint"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    r = run("schematic", *args, "-o", str(out), tmp=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr
    if "Raspberry" in args[0]:
        assert "'Raspberry Pi 5'" in lines[0]
    assert "Traceback" not in r.stderr
    assert not out.exists()

