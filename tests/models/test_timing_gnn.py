"""The two GNN timing models (TimingGCN-style baseline, PreRoutGNN-style ours) on small real designs.

Checks the differentiable propagation against the numpy one and finite differences, that the
order-preserving partition gives the same gradient as one pass, that both models learn in a few
epochs on CPU, and the `predict --out-dir` outputs (JSON, scatter PNG) against OpenSTA labels.
"""
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")) / "timing"
pytestmark = pytest.mark.skipif(not (DATA / "designs" / "epfl_ctrl").is_dir(),
                                reason="needs ../shared/data/timing beside the repository")
SMALL = ["epfl_router", "epfl_ctrl"]


@pytest.fixture(scope="module")
def designs():
    from models.timing.data import load_design, load_lib
    from models.timing.model import prepare
    lib = load_lib(DATA)
    return [(prepare(d.graph), d.labels) for d in (load_design(DATA, n, lib) for n in SMALL)]


def test_diff_propagation_matches_numpy_and_finite_differences(designs):
    from models.timing.diffprop import TorchPlan, propagate, to_numpy
    p, _ = designs[0]
    lut = p.analytic["lut_delay"]
    ref = p.prop.run(lut, p.analytic["slew"])
    plan = TorchPlan(p.prop, p.analytic["slew"])
    for k in ("at0", "rat_ports", "chk_const"):
        setattr(plan, k, getattr(plan, k).double())
    d = torch.tensor(lut, dtype=torch.float64, requires_grad=True)
    out = propagate(d, plan)
    got = to_numpy(out)
    for k in ("arrival", "required", "slack"):
        assert np.array_equal(np.isnan(ref[k]), np.isnan(got[k]))
        assert np.nanmax(np.abs(ref[k] - got[k])) < 1e-5
    m = torch.isfinite(out["slack"])
    w = torch.linspace(-1, 1, int(m.sum()), dtype=torch.float64)

    def loss(dv):
        o = propagate(dv, plan)
        return (o["slack"][m] * w).sum() + o["arrival"][torch.isfinite(o["arrival"])].sum()

    loss(d).backward()
    g = d.grad.numpy()
    assert (g != 0).sum() > 10
    for e in np.flatnonzero(g != 0)[:: max(1, (g != 0).sum() // 6)]:
        dp, dm = lut.copy(), lut.copy()
        dp[e] += 1e-6
        dm[e] -= 1e-6
        fd = (float(loss(torch.tensor(dp))) - float(loss(torch.tensor(dm)))) / 2e-6
        assert abs(fd - g[e]) < 1e-3 * max(1.0, abs(g[e]))


@pytest.mark.parametrize("arch", ["baseline", "ours"])
def test_partitions_give_the_one_pass_gradient(designs, arch):
    from models.timing.e2e import TimingGNN, _norm, design_step
    p, lab = designs[0]
    vocab = {n: i + 1 for i, n in enumerate(p.graph.cell_names)}
    grads = []
    for chunk in (10**9, 300):
        torch.manual_seed(0)
        m = TimingGNN(arch, vocab, _norm([p]), chunk)
        for q in m.head.parameters():  # leave the zero-initialised start so every layer gets a gradient
            torch.nn.init.normal_(q, std=0.1)
        s = m.sample(p, "cpu", lab)
        assert len(s.chunks) == (1 if chunk > 10**6 else -(-len(p.graph.src) // chunk))
        design_step(m, s, 0.5)
        grads.append(torch.cat([q.grad.flatten() for q in m.head.parameters()]))
    assert grads[0].abs().sum() > 0
    assert torch.allclose(grads[0], grads[1], rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("arch", ["baseline", "ours"])
def test_gnn_learns_on_two_small_designs(designs, arch):
    from models.timing.e2e import train_gnn
    from models.timing.metrics import design_metrics
    model, hist = train_gnn(arch, designs, epochs=6, prefit_steps=120, pretrain_epochs=5, device="cpu",
                            log=lambda *_: None)
    pre = hist["prefit"]
    assert np.mean(pre[-10:]) < 0.5 * np.mean(pre[:10])
    if arch == "ours":
        assert hist["gae"][-1] < hist["gae"][0]
    p, lab = designs[0]
    m = design_metrics(p.graph, lab, model.predict(p))
    # floors well over zero (the baseline learns every delay from scratch in a few hundred steps)
    assert m["slack_r2"] > 0.3 and m["arrival_r2"] > 0.8 and m["net_delay_r2"] > 0.5, m
    if arch == "ours":  # starts from the Liberty propagation and must keep its slack accuracy
        lut = p.prop.run(p.analytic["lut_delay"], p.analytic["slew"])
        lut.update(delay=p.analytic["lut_delay"], slew=p.analytic["slew"])
        assert m["slack_r2"] > design_metrics(p.graph, lab, lut)["slack_r2"] - 0.01


def test_predict_out_dir_with_labels(tmp_path, designs):
    import lzma

    from models.timing.api import predict, save_model
    from models.timing.e2e import train_gnn
    model, hist = train_gnn("ours", designs, epochs=1, prefit_steps=20, pretrain_epochs=2, log=lambda *_: None)
    mp = tmp_path / "m.pt"
    from models.timing.data import find_lib
    save_model(model, mp, {"model": "ours", "lib": str(find_lib(DATA))})
    src = DATA / "designs" / "epfl_ctrl"
    work = tmp_path / "d"
    work.mkdir()
    (work / "epfl_ctrl.v").write_text(lzma.open(src / "epfl_ctrl.v.xz", "rt").read())
    for f in ("epfl_ctrl.sdc", "epfl_ctrl.pins.tsv.xz", "epfl_ctrl.arcs.tsv.xz"):
        (work / f).write_bytes((src / f).read_bytes())
    out = tmp_path / "o"
    res = predict(work / "epfl_ctrl.v", mp, None, None, None, "cpu", 5, lambda *_: None, out)
    j = json.loads((out / "predict.json").read_text())
    assert j["model_kind"] == "ours" and len(j["worst"]) == 5 and j["metrics"]["slack_r2"] > 0.9
    assert res["metrics"]["slack_r2"] == j["metrics"]["slack_r2"]
    assert (out / "scatter.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "scatter.png" in (out / "report.md").read_text()
    arcs = (out / "arcs.tsv").read_text().splitlines()
    assert arcs[0].startswith("from\tto\tarc") and len(arcs) == len(designs[1][0].graph.src) + 1


def _copy_design(tmp_path: Path, name: str = "epfl_ctrl") -> Path:
    import shutil
    src = DATA / "designs" / name
    dst = tmp_path / "designs" / name
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("damage,expect", [
    (lambda t: t.rsplit("\n", 2)[0] + "\n" + t.rsplit("\n", 2)[1].split("\t")[0] + "\n",
     r"pins\.tsv\.xz:\d+: truncated or malformed label row"),
    (lambda t: t.replace("\n", "\n\udcff", 1), r"pins\.tsv\.xz:2: not UTF-8"),
])
def test_damaged_label_tsv_is_a_located_one_line_error(tmp_path: Path, damage, expect) -> None:
    """A truncated row (IndexError before) or bad bytes (UnicodeDecodeError) name FILE:LINE."""
    import lzma
    from eda.errors import EdaError
    from models.timing.data import load_design, load_lib
    ddir = _copy_design(tmp_path)
    pins = ddir / "epfl_ctrl.pins.tsv.xz"
    text = lzma.decompress(pins.read_bytes()).decode()
    pins.write_bytes(lzma.compress(damage(text).encode("utf-8", "surrogateescape")))
    with pytest.raises(EdaError, match=expect):
        load_design(tmp_path, "epfl_ctrl", load_lib(DATA))
