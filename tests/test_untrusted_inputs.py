"""Issue 17: model files and bench data from elsewhere run nothing and leak nothing."""
import os
from pathlib import Path

import pytest

from tests.cli_runner import run_eda as eda


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("cmd", [["parasitic", "predict"], ["timing", "predict"]])
def test_pickled_os_system_model_runs_nothing(tmp_path, cmd):
    import torch
    marker = tmp_path / "MARKER"
    evil = tmp_path / "evil.pt"
    torch.save({"kind": "x", "p": _Payload(marker)}, evil)
    v = tmp_path / "x.v"
    v.write_text("module top(a, y); input a; output y; endmodule\n")
    code, log = eda(*cmd, v, "--model", evil)
    assert not marker.exists()
    assert code == 2 and "Traceback" not in log and len(log.strip().splitlines()) == 1, log


def test_foreign_checkpoint_is_one_line(tmp_path):
    import torch
    seal = tmp_path / "seal.pt"
    torch.save({"format": "eda-linkpred/1", "w": torch.zeros(2)}, seal)
    v = tmp_path / "x.v"
    v.write_text("module top(a, y); input a; output y; endmodule\n")
    code, log = eda("timing", "predict", v, "--model", seal)
    assert code == 2 and "not an `eda timing` model" in log and len(log.strip().splitlines()) == 1


def test_checkpoint_roundtrip_under_weights_only(tmp_path):
    import numpy as np
    import torch
    from models.checkpoint import load_checkpoint, save_checkpoint
    p = tmp_path / "m.pt"
    save_checkpoint(p, {"kind": "k", "w": torch.ones(3), "norm": np.zeros(2, np.float32),
                        "meta": {"root": Path("/x"), "f": np.float32(1.5), "t": (1, 2)}})
    st = load_checkpoint(p, "a model")
    assert st["kind"] == "k" and torch.equal(st["w"], torch.ones(3)) and st["meta"]["root"] == "/x"
    assert st["meta"]["f"] == 1.5 and st["meta"]["t"] == [1, 2]


def _write_items(tmp_path, image):
    import json
    data = tmp_path / "data"
    data.mkdir()
    rec = {"id": "a1", "task": "Analysis", "question": "R?", "answer": "5", "answer_kind": "numeric",
           "image": image}
    (data / "items.jsonl").write_text(json.dumps(rec) + "\n")
    return data / "items.jsonl"


@pytest.mark.parametrize("image", ["../../../../etc/passwd", "/etc/passwd", "link.png"])
def test_circuitsense_image_outside_data_root_is_item_error(tmp_path, image):
    from benchmarks.circuitsense.adapter import CircuitSenseAdapter
    from benchmarks.circuitsense.official import load_jsonl
    from benchmarks.runner.core import BenchRunError
    items_file = _write_items(tmp_path, image)
    (items_file.parent / "link.png").symlink_to("/etc/passwd")
    item = load_jsonl(items_file)[0]
    with pytest.raises(BenchRunError, match="leaves the data folder"):
        CircuitSenseAdapter(images=True).content(item)


def test_circuitsense_image_inside_root_is_sent(tmp_path):
    from benchmarks.circuitsense.adapter import CircuitSenseAdapter
    from benchmarks.circuitsense.official import load_jsonl
    items_file = _write_items(tmp_path, "img/q.png")
    (items_file.parent / "img").mkdir()
    (items_file.parent / "img" / "q.png").write_bytes(b"\x89PNG")
    content = CircuitSenseAdapter(images=True).content(load_jsonl(items_file)[0])
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_non_utf8_bench_data_is_a_located_one_line_error(tmp_path: Path) -> None:
    """CircuitSense / MMCircuitEval files with bad bytes: FILE:LINE:COL, no UnicodeDecodeError."""
    from benchmarks.circuitsense.official import load_official
    from benchmarks.mmcircuiteval.load import load_mmcircuiteval
    from eda.errors import EdaError
    bad = tmp_path / "items.jsonl"
    bad.write_bytes(b'{"id": "a", "question": "R\xe9sistance?"}\n')
    for load in (load_official, load_mmcircuiteval):
        with pytest.raises(EdaError, match=rf"{bad}:1:\d+: not UTF-8"):
            load(bad)
