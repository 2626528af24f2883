"""eda.fileio: atomic writes fail in one line; the output lock refuses a second live run."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eda.errors import EdaError
from eda.fileio import atomic_write, lock_path, output_lock


def test_atomic_write_into_unwritable_place_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(EdaError, match="cannot write"):
        atomic_write(blocker / "out.json", "{}")  # parent is a file: NotADirectoryError
    assert list(tmp_path.iterdir()) == [blocker]


def test_second_live_run_is_refused_and_lock_released(tmp_path: Path) -> None:
    out = tmp_path / "res.json"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from eda.fileio import output_lock\n"
         f"with output_lock({str(out)!r}):\n print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(EdaError, match=f"pid {holder.pid}"):
            with output_lock(out):
                pass
    finally:
        holder.kill()
        holder.wait()
    # the holder died by SIGKILL and left its lock: it is stale and taken over
    assert lock_path(out).exists()
    with output_lock(out) as lock:
        assert lock.read_text().strip() == str(os.getpid())
    assert not lock_path(out).exists()


def test_folder_lock_lives_inside_the_folder(tmp_path: Path) -> None:
    run = tmp_path / "run"
    with output_lock(run) as lock:
        assert lock == run / ".eda.lock" and lock.exists()
        with pytest.raises(EdaError, match="another eda run"):
            with output_lock(run):
                pass
    assert not lock.exists()


def test_read_utf8_names_the_bad_byte_at_file_line_col(tmp_path: Path) -> None:
    from eda.fileio import read_utf8
    p = tmp_path / "items.jsonl"
    p.write_bytes(b'{"id": 1}\n{"q": "ab\xffc"}\n')
    with pytest.raises(EdaError, match=rf"^{p}:2:10: not UTF-8 text \(byte 0xff\)$"):
        read_utf8(p)
    p.write_bytes('\ufeff{"id": "\u00e9"}'.encode())
    assert read_utf8(p) == '{"id": "\u00e9"}'
