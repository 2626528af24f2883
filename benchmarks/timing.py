"""Timing benchmark: ours vs the TimingGCN-style baseline vs raw Liberty propagation, per test design.

    python -m benchmarks.timing [--ours M.pt --baseline B.pt] [-o out/bench_timing]   (also: eda bench timing)

Trains both GNNs on the fixed split's train designs (or reuses given model files), loads each test
design once and prints, side by side, R2 (truth first) of slack, arrival, net delay and cell delay
for ours, the baseline and the same levelised propagation with the raw Liberty (NLDM) delays and no
learning; then each model's inference time next to OpenSTA's STA + dump time from the data's
RESULTS.tsv. Writes OUT/results.json and OUT/report.md. Only stdlib and typer at module import.
"""
from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option

MODELS = ("ours", "baseline")
KEYS = (("slack", "slack_r2"), ("arrival", "arrival_r2"), ("net_d", "net_delay_r2"), ("cell_d", "cell_delay_r2"))


def _sta_runtimes(root: Path) -> dict[str, float]:
    f = root / "RESULTS.tsv"
    if not f.is_file():
        return {}
    with open(f) as fh:
        return {r["design"]: float(r["sta_s"]) for r in csv.DictReader(fh, delimiter="\t") if r.get("sta_s")}


def _tables(per: dict, sta: dict) -> str:
    cols = [("ours", "ours"), ("base", "baseline"), ("lib", "lut")]
    out = []
    for title, key in KEYS:
        head = f"{title + ' R2':14s} {'pins':>7s} " + " ".join(f"{c:>7s}" for c, _ in cols)
        rows = [head]
        means = {c: [] for c, _ in cols}
        for n, r in per.items():
            vals = []
            for c, src in cols:
                v = r["ours"][f"lut_{key}"] if src == "lut" else r[src][key]
                means[c].append(v)
                vals.append(f"{v:7.3f}")
            rows.append(f"{n:14s} {r['ours']['pins']:7d} " + " ".join(vals))
        rows.append(f"{'mean':14s} {'':7s} " + " ".join(f"{sum(v) / len(v):7.3f}" for v in means.values()))
        out.append("\n".join(rows))
    head = f"{'time (s)':14s} {'ours':>7s} {'base':>7s} {'OpenSTA':>8s} {'ours x':>7s}"
    rows = [head]
    for n, r in per.items():
        s = sta.get(n, float("nan"))
        rows.append(f"{n:14s} {r['ours']['infer_s']:7.2f} {r['baseline']['infer_s']:7.2f} {s:8.2f} "
                    f"{s / max(r['ours']['infer_s'], 1e-9):6.1f}x")
    out.append("\n".join(rows))
    return "\n\n".join(out)


def run_benchmark(out: Path, data_root: Optional[Path], ours: Optional[Path], baseline: Optional[Path],
                  epochs: Optional[int], e2e_max_arcs: int, device: str, quiet: bool, echo=print) -> dict:
    from eda.fileio import atomic_write
    from models.timing.api import _progress, data_root_or_default, eval_design, load_model, load_training, train_on
    from models.timing.data import list_designs, load_design, load_lib, split
    from models.timing.metrics import mean_metrics
    from eda.device import resolve_device
    root = data_root_or_default(data_root)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"ours": ours, "baseline": baseline}
    train_s = {}
    names = data = None
    for k in MODELS:
        if paths[k] is None:
            if data is None:  # loaded once for both models
                t = time.time()
                names, data = load_training(root, None, quiet, echo)
                train_s["load"] = round(time.time() - t, 1)
            paths[k] = out / f"{k}.pt"
            t = time.time()
            train_on(data, names, root, paths[k], k, epochs, device, log=echo, e2e_max_arcs=e2e_max_arcs)
            train_s[k] = round(time.time() - t, 1)
    data = None
    models = {k: load_model(paths[k])[0] for k in MODELS}
    dev = resolve_device(device)
    lib = load_lib(root)
    per: dict[str, dict] = {}
    for n in _progress(split(list_designs(root))[1], "evaluating", quiet):
        per[n] = eval_design(load_design(root, n, lib), models, dev)
        echo(f"{n}: slack R2 ours {per[n]['ours']['slack_r2']:.3f} baseline {per[n]['baseline']['slack_r2']:.3f} "
             f"liberty {per[n]['ours']['lut_slack_r2']:.3f}")
    sta = _sta_runtimes(root)
    for n, r in per.items():
        for k in MODELS:
            r[k]["opensta_s"] = sta.get(n)
    table = _tables(per, sta)
    echo(table)
    res = {"data_root": str(root), "device": str(dev), "models": {k: str(v) for k, v in paths.items()},
           "train_s": train_s, "designs": per,
           "mean": {k: mean_metrics({n: r[k] for n, r in per.items()}) for k in MODELS}}
    atomic_write(out / "results.json", json.dumps(res, indent=2))
    atomic_write(out / "report.md", "# Timing benchmark (R2 truth first; OpenSTA sta_s from RESULTS.tsv)\n\n"
                 f"Device: {dev}. Columns: ours (PreRoutGNN-style), base (TimingGCN-style), lib (raw Liberty "
                 "NLDM delays through the same propagation, no learning).\n\n```\n" + table + "\n```\n\n"
                 "Inference time includes the Liberty lookups, the model and the levelised propagation, not "
                 "netlist parsing; OpenSTA's is its STA + Tcl dump time (reading Liberty and Verilog included).\n")
    return res


def bench_timing_command(
        ours: Optional[Path] = typer.Option(None, "--ours", help="Reuse a trained `ours` model (skip its training)."),
        baseline: Optional[Path] = typer.Option(None, "--baseline", help="Reuse a trained baseline model."),
        epochs: Optional[int] = typer.Option(None, "--epochs", help="End-to-end epochs (default: the models' own)."),
        e2e_max_arcs: int = typer.Option(60_000, "--e2e-max-arcs", help="End-to-end stage on train designs with at "
                                         "most this many arcs (0: all)."),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Timing data root (default $EDA_DATA/timing)."),
        device: str = device_option(),
        out: Path = typer.Option(Path("out/bench_timing"), "-o", "--output", help="Output directory."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar.")) -> None:
    """Per-test-design slack/arrival/delay R2 of ours, the baseline and raw Liberty; time vs OpenSTA."""
    run_benchmark(out, data_root, ours, baseline, epochs, e2e_max_arcs, device, quiet, typer.echo)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(bench_timing_command)
    sys.exit(app())
