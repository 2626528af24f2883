"""`eda linkpred` train/eval/predict round trip on a tiny generated dataset, and bad input."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Result:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


def eda(*args, env_cache: Path) -> Result:
    """Run `eda` in this process through `cli.main` (the console entry point): a subprocess per
    call would spend most of the test re-importing torch."""
    import contextlib
    import io
    import os

    import cli
    argv, env = sys.argv, os.environ.get("EDA_CACHE_DIR")
    sys.argv = ["eda", *map(str, args)]
    os.environ["EDA_CACHE_DIR"] = str(env_cache)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
        if env is None:
            os.environ.pop("EDA_CACHE_DIR", None)
        else:
            os.environ["EDA_CACHE_DIR"] = env
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from models.seal.synth import write_dataset
    tmp = tmp_path_factory.mktemp("lp")
    data = write_dataset(tmp / "spicenetlist", 24, seed=5)
    model = tmp / "m.pt"
    r = eda("linkpred", "train", "--dataset", data, "-o", model, "--epochs", "2",
            "--max-queries", "120", "--lr", "3e-3", "-q", env_cache=tmp / "cache")
    assert r.returncode == 0, r.stderr
    return tmp, data, model


def test_train_eval_predict_round_trip(trained) -> None:
    tmp, data, model = trained
    assert model.stat().st_size > 0
    out = tmp / "e.json"
    r = eda("linkpred", "eval", "--dataset", data, "--model", model, "-o", out, "-q",
            env_cache=tmp / "cache")
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    for key in ("hits@1", "hits@3", "mrr", "accuracy", "auc"):
        assert 0.0 <= res[key] <= 1.0
    assert res["hits@3"] >= res["hits@1"] and res["queries"] > 0
    assert res["circuits_seen_in_training"] == res["circuits"] == 24
    # predict: rank the nets of a gate pin of a generated inverter chain
    net = tmp / "inv.sp"
    net.write_text("* inverter chain\nV1 vdd 0 1.8\nV2 a 0 1\nM1 y a vdd vdd pmos\n"
                   "M2 y a 0 0 nmos\nM3 z y vdd vdd pmos\nM4 z y 0 0 nmos\nC1 z 0 1p\n.end\n")
    r = eda("linkpred", "predict", net, "--model", model, "--component", "M3", "--pin", "g",
            "--json", env_cache=tmp / "cache")
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    assert p["pin"] == "M3.g" and p["current_net"] == "y"
    nets = [x["net"] for x in p["ranking"]]
    assert sorted(nets) == sorted(["vdd", "0", "a", "y", "z"])
    scores = [x["score"] for x in p["ranking"]]
    assert scores == sorted(scores, reverse=True)
    y = next(x for x in p["ranking"] if x["net"] == "y")
    assert set(y["pins"]) == {"M1.d", "M2.d", "M4.g"} and y["current"]
    # --missing: M5's gate is alone on its net
    net.write_text(net.read_text().replace(".end", "M5 w dangle 0 0 nmos\nR1 w z 1k\n.end"))
    r = eda("linkpred", "predict", net, "--model", model, "--missing", "--json",
            env_cache=tmp / "cache")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)["dangling"]
    assert [x["pin"] for x in d] == ["M5.g"]
    assert "dangle" not in [x["net"] for x in d[0]["ranking"]]


def test_bad_input_is_one_line(trained) -> None:
    tmp, data, model = trained
    net = tmp / "rc.sp"
    net.write_text("* rc\nV1 in 0 1\nR1 in out 1k\nC1 out 0 1p\n.end\n")
    cases = [
        (("predict", net, "--model", model, "--component", "R1", "--pin", "x"),
         "has no pin 'x'"),
        (("predict", net, "--model", model, "--component", "R9", "--pin", "p"),
         "no component 'R9'"),
        (("train", "--dataset", "nosuchset", "-o", tmp / "x.pt"), "unknown dataset"),
        (("predict", net, "--model", tmp / "missing.pt", "--component", "R1", "--pin", "p"),
         "no such model file"),
    ]
    empty = tmp / "empty.sp"
    empty.write_text("* nothing here\n.end\n")
    cases.append((("predict", empty, "--model", model, "--missing"), "no components"))
    for args, msg in cases:
        r = eda("linkpred", *args, env_cache=tmp / "cache")
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and msg in lines[0], (args, r.stderr)
