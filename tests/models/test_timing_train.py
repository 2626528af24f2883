"""CI-sized training on two small real designs (OpenSTA labels) and the `eda timing` CLI."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.cli_runner import run_eda as eda  # in-process `eda`

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")) / "timing"
pytestmark = pytest.mark.skipif(not (DATA / "designs" / "epfl_ctrl").is_dir(),
                                reason="needs ../shared/data/timing beside the repository")
SMALL = ["epfl_router", "epfl_ctrl"]


def test_training_learns_on_small_designs():
    from models.timing.data import load_design, load_lib
    from models.timing.metrics import design_metrics
    from models.timing.model import prepare, train_model
    lib = load_lib(DATA)
    designs = [load_design(DATA, n, lib) for n in SMALL]
    prepared = [(prepare(d.graph), d.labels.delay) for d in designs]
    model, losses = train_model(prepared, epochs=6, batch=512, device="cpu", log=lambda *_: None)
    assert losses[-1] < 0.7 * losses[0]
    d, (p, _) = designs[0], prepared[0]
    m = design_metrics(d.graph, d.labels, model.predict(p))
    assert m["slack_r2"] > 0.8 and m["arrival_r2"] > 0.8 and m["cell_delay_r2"] > 0.5
    # the learned delays are closer to OpenSTA's than the raw Liberty lookups on the wires
    lab = np.isfinite(d.labels.delay) & (d.graph.kind == 0)
    err_model = np.abs(model.delays(p)[lab] - d.labels.delay[lab]).mean()
    err_lut = np.abs(p.analytic["lut_delay"][lab] - d.labels.delay[lab]).mean()
    assert err_model < err_lut


def test_cli_train_eval_predict(tmp_path):
    m = tmp_path / "m.pt"
    # ours: auto-encoder, delay pre-fit, end to end through the propagation
    code, log = eda("timing", "train", "--model", "ours", "--data-root", DATA, "--designs", ",".join(SMALL),
                    "--epochs", "2", "--prefit-steps", "40", "-q", "-o", m)
    assert code == 0, log
    assert "auto-encoder pre-training" in log and "[ours] epoch 2/2" in log
    out = tmp_path / "eval.json"
    code, log = eda("timing", "eval", "--data-root", DATA, "--model", m, "--designs", "epfl_int2float", "-q", "-o", out)
    assert code == 0, log
    o = json.loads(out.read_text())
    assert set(o["designs"]) == {"epfl_int2float"} and "slack_r2" in o["mean"] and "arrival_r2" in o["mean"]
    assert o["designs"]["epfl_int2float"]["slack_r2"] > 0.5
    assert (tmp_path / "eval.md").is_file()
    import lzma
    v = tmp_path / "x.v"
    v.write_text(lzma.open(DATA / "designs" / "epfl_ctrl" / "epfl_ctrl.v.xz", "rt").read())
    tsv = tmp_path / "p.tsv"
    code, log = eda("timing", "predict", v, "--model", m, "--sdc", DATA / "designs" / "epfl_ctrl" / "epfl_ctrl.sdc", "-o", tsv)
    assert code == 0, log
    assert "worst slack" in log and tsv.read_text().startswith("pin\tarrival_ns")
    # a netlist cell the Liberty lacks: one clear line, exit 2
    bad = tmp_path / "bad.v"
    bad.write_text("module top(a, y); input a; output y;\nNOPE_CELL g1 (.A(a), .Y(y));\nendmodule\n")
    code, log = eda("timing", "predict", bad, "--model", m)
    assert code == 2 and "NOPE_CELL" in log and "not in the Liberty" in log and "Traceback" not in log


def test_cli_bad_input(tmp_path):
    fake = tmp_path / "m.pt"
    fake.write_bytes(b"not a model")
    code, log = eda("timing", "predict", tmp_path / "x.v", "--model", fake)
    assert code == 2 and "not a timing model" in log and "Traceback" not in log
    code, log = eda("timing", "train", "--data-root", tmp_path, "-o", tmp_path / "o.pt")
    assert code == 2 and "designs/" in log
    code, log = eda("timing", "train", "--data-root", DATA, "--model", "nope", "-o", tmp_path / "o.pt")
    assert code == 2 and "unknown timing model" in log and "Traceback" not in log
