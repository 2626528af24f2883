"""Timing benchmark: per-test-design R2 (truth first) and inference time vs OpenSTA's runtime.

    python -m benchmarks.timing [--model M.pt] [-o out/bench_timing]     (also: eda bench timing)

Trains the NLDM-feature delay model on the fixed split's train designs (or reuses `--model`),
evaluates every test design, and prints, side by side: slack / arrival / net-delay / cell-delay R2
of the model, the slack R2 of the same propagation with raw Liberty delays (no learning: the
analytic baseline), and the model's inference time next to OpenSTA's STA+dump time recorded in
the data's RESULTS.tsv. Writes OUT/results.json and OUT/report.md. Only stdlib and typer are
imported at module import.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Optional

import typer


def _sta_runtimes(root: Path) -> dict[str, float]:
    f = root / "RESULTS.tsv"
    if not f.is_file():
        return {}
    with open(f) as fh:
        return {r["design"]: float(r["sta_s"]) for r in csv.DictReader(fh, delimiter="\t") if r.get("sta_s")}


def run_benchmark(out: Path, data_root: Optional[Path], model: Optional[Path], epochs: int, device: str,
                  quiet: bool, echo=print) -> dict:
    from eda.fileio import atomic_write
    from models.timing.api import data_root_or_default, evaluate, train
    from models.timing.data import list_designs, split
    root = data_root_or_default(data_root)
    out.mkdir(parents=True, exist_ok=True)
    m = model or out / "model.pt"
    if model is None:
        train(root, m, epochs=epochs, device=device, quiet=quiet, log=echo)
    test = split(list_designs(root))[1]
    res = evaluate(root, m, out / "eval.json", device=device, designs=test, quiet=quiet, log=lambda *_: None)
    sta = _sta_runtimes(root)
    head = (f"{'design':14s} {'pins':>7s} {'slack':>7s} {'arrival':>7s} {'net_d':>7s} {'cell_d':>7s} "
            f"{'lut_slack':>9s} {'infer_s':>8s} {'sta_s':>7s} {'speedup':>7s}")
    lines = [head]
    for n, r in res["designs"].items():
        s = sta.get(n, float("nan"))
        r["opensta_s"] = s
        lines.append(f"{n:14s} {r['pins']:7d} {r['slack_r2']:7.3f} {r['arrival_r2']:7.3f} {r['net_delay_r2']:7.3f} "
                     f"{r['cell_delay_r2']:7.3f} {r['lut_slack_r2']:9.3f} {r['infer_s']:8.2f} {s:7.2f} "
                     f"{s / max(r['infer_s'], 1e-9):6.1f}x")
    mm = res["mean"]
    lines.append(f"{'mean':14s} {'':7s} {mm['slack_r2']:7.3f} {mm['arrival_r2']:7.3f} {mm['net_delay_r2']:7.3f} "
                 f"{mm['cell_delay_r2']:7.3f} {mm['lut_slack_r2']:9.3f}")
    table = "\n".join(lines)
    echo(table)
    atomic_write(out / "results.json", json.dumps(res, indent=2))
    atomic_write(out / "report.md", "# Timing benchmark (R2 truth first; OpenSTA sta_s from RESULTS.tsv)\n\n"
                 "```\n" + table + "\n```\n\ninfer_s includes the Liberty lookups and the levelised "
                 "propagation, not netlist parsing; sta_s is OpenSTA's STA + Tcl dump time.\n")
    return res


def bench_timing_command(
        model: Optional[Path] = typer.Option(None, "--model", help="Reuse a trained model (skip training)."),
        epochs: int = typer.Option(6, "--epochs"),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Timing data root (default $EDA_DATA/timing)."),
        device: str = typer.Option("auto", "--device", help="auto | cpu | cuda"),
        out: Path = typer.Option(Path("out/bench_timing"), "-o", "--output", help="Output directory."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar.")) -> None:
    """Per-test-design slack/arrival/delay R2 and inference time vs OpenSTA."""
    run_benchmark(out, data_root, model, epochs, device, quiet, typer.echo)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(bench_timing_command)
    sys.exit(app())
