"""Parasitic-estimation benchmark: CircuitGCL vs the plain GNN baseline vs the GBDT baseline.

    python -m benchmarks.parasitic [--data-root DIR] [-o out/bench_parasitic]   (also: eda bench parasitic)

Designs are every SPEF + netlist folder under the data root (`models/parasitic/data.py`). Protocol
`design` (default): in each technology group with two or more designs every second design is held
out (never trained on); `technology`: each group in turn is held out and the others train (one
technology to another); `both` runs the two. For every split and seed it trains CircuitGCL
(pre-training + BMC/BSCE), the same GNN with plain MSE/CE and no pre-training (baseline), and a
HistGradientBoosting baseline on hand features, then prints per test design coupling-capacitance
R2 / MAE and ground-capacitance macro-F1 (plus accuracy and ground-value R2) for all three.
OUT/results.json is written after every split (a rerun with the same settings resumes) and
OUT/report.md holds the tables. Only stdlib and typer are imported at module import.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option

METHODS = ("circuitgcl", "gnn", "gbdt")
ABLATIONS = ("pretrain-mse", "balanced-only")
LABEL = {"circuitgcl": "CircuitGCL", "gnn": "GNN baseline (MSE/CE, no pre-training)",
         "gbdt": "GBDT baseline (hand features)", "pretrain-mse": "ablation: pre-training + MSE/CE",
         "balanced-only": "ablation: BMC/BSCE, no pre-training"}


def splits(designs: list, protocol: str) -> list[tuple[str, list, list]]:
    """(split name, train files, test files) for the protocol."""
    from models.parasitic.data import split
    out = []
    if protocol in ("design", "both"):
        tr, te = split(designs)
        if te:
            out.append(("design", tr, te))
    if protocol in ("technology", "both"):
        groups = sorted({d.group for d in designs})
        for g in groups if len(groups) > 1 else []:
            tr = [d for d in designs if d.group != g]
            te = [d for d in designs if d.group == g]
            out.append((f"technology:{g}", tr, te))
    if not out:
        from eda.errors import EdaError
        raise EdaError(f"protocol '{protocol}' gives no test design on this data (design | technology | both)")
    return out


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def summarise(runs: dict) -> dict:
    """Per split/design/method: the mean over seeds of each score."""
    out: dict = {}
    for key, r in runs.items():
        sp = key.rsplit("/seed", 1)[0]
        for d, row in r["designs"].items():
            for m, s in row.items():
                cell = out.setdefault(sp, {}).setdefault(d, {}).setdefault(m, {})
                for k, v in s.items():
                    if k in ("pairs", "nets"):
                        cell[k] = v
                    elif isinstance(v, (int, float)):
                        cell.setdefault(k, []).append(v)
                    else:
                        cell[k] = v
    for sp in out.values():
        for row in sp.values():
            for s in row.values():
                for k, v in list(s.items()):
                    if k != "class_counts" and isinstance(v, list) and v and isinstance(v[0], (int, float)):
                        s[k] = _mean(v)
                        if len(v) > 1:
                            s[k + "_min"], s[k + "_max"] = min(v), max(v)
    return out


def gains(summary: dict) -> dict:
    """CircuitGCL vs each baseline, averaged over test designs: R2 difference and F1 ratio."""
    out = {}
    for sp, rows in summary.items():
        g = {}
        for base in ("gnn", "gbdt"):
            r2 = [(r["circuitgcl"]["cc_r2"], r[base]["cc_r2"]) for r in rows.values()
                  if "cc_r2" in r["circuitgcl"] and "cc_r2" in r[base]]
            f1 = [(r["circuitgcl"]["ground_f1"], r[base]["ground_f1"]) for r in rows.values()
                  if "ground_f1" in r["circuitgcl"] and "ground_f1" in r[base]]
            g[base] = {"cc_r2_circuitgcl": _mean([a for a, _ in r2]), "cc_r2_baseline": _mean([b for _, b in r2]),
                       "ground_f1_ratio": _mean([a / b if b > 0 else float("nan") for a, b in f1])}
        out[sp] = g
    return out


def text_table(summary: dict) -> list[str]:
    f = lambda s, k: f"{s[k]:8.3f}" if k in s else f"{'n/a':>8s}"  # noqa: E731
    lines = []
    for sp, rows in summary.items():
        lines.append(f"split {sp}")
        lines.append(f"  {'test design':44s} {'method':11s} {'pairs':>6s} {'cc_R2':>8s} {'cc_MAE':>8s} "
                     f"{'nets':>5s} {'gnd_F1':>8s} {'gnd_acc':>8s} {'gnd_R2':>8s}")
        for d, row in rows.items():
            for m in [m for m in (*METHODS, *ABLATIONS) if m in row]:
                s = row[m]
                lines.append(f"  {d[:44]:44s} {m:11s} {s['pairs']:6d} {f(s, 'cc_r2')} {f(s, 'cc_mae')} "
                             f"{s['nets']:5d} {f(s, 'ground_f1')} {f(s, 'ground_acc')} {f(s, 'ground_r2')}")
    return lines


def md_table(summary: dict) -> list[str]:
    f = lambda s, k: f"{s[k]:.3f}" if k in s else "n/a"  # noqa: E731
    lines = ["| split | test design | method | pairs | coupling R2 | coupling MAE | nets | ground classes "
             "| ground macro-F1 | ground acc | ground-value R2 |", "|---" * 11 + "|"]
    for sp, rows in summary.items():
        for d, row in rows.items():
            for m in [m for m in (*METHODS, *ABLATIONS) if m in row]:
                s = row[m]
                lines.append(f"| {sp} | {d} | {LABEL[m] if m != 'circuitgcl' else 'CircuitGCL'} | {s['pairs']} | "
                             f"{f(s, 'cc_r2')} | {f(s, 'cc_mae')} | {s['nets']} | {s.get('class_counts', '')} | "
                             f"{f(s, 'ground_f1')} | {f(s, 'ground_acc')} | {f(s, 'ground_r2')} |")
    return lines


def run_benchmark(out: Path, data_root: Optional[Path] = None, protocol: str = "design", seeds: int = 1,
                  pretrain_epochs: int = 20, epochs: int = 40, device: str = "auto", quiet: bool = False,
                  echo=print, ablation: bool = False) -> dict:
    import torch

    from eda.fileio import atomic_write
    from models.parasitic.api import fit_gnn, progress, score_methods
    from models.parasitic.data import data_root_or_default, list_designs, load_design

    torch.set_num_threads(1)     # small graphs: one thread does as well, and leaves cores to others
    from eda.errors import EdaError
    root = data_root_or_default(data_root)
    designs = list_designs(root)
    settings = {"data_root": str(root), "protocol": protocol, "seeds": seeds, "pretrain_epochs": pretrain_epochs,
                "epochs": epochs, "ablation": ablation, "designs": [d.name for d in designs]}
    out.mkdir(parents=True, exist_ok=True)
    rpath = out / "results.json"
    data = {"settings": settings, "runs": {}}
    if rpath.exists():
        try:
            old = json.loads(rpath.read_text())
            if old.get("settings") == settings:
                data = old
        except (OSError, ValueError):
            pass
    t0 = time.time()
    loaded = {}
    with progress(len(designs), "loading designs", quiet) as step:
        for d in designs:
            try:
                loaded[d.name] = load_design(d)
            except EdaError as e:        # one bad design does not stop the benchmark: say why, go on
                echo(f"skipped {d.name}: {str(e).splitlines()[0]}")
            step()
    designs = [d for d in designs if d.name in loaded]
    plan = splits(designs, protocol)
    echo(f"{len(designs)} designs loaded in {time.time() - t0:.1f}s; protocol {protocol}, {seeds} seed(s)")
    for name, tr, te in plan:
        for seed in range(seeds):
            key = f"{name}/seed{seed}"
            if key in data["runs"]:
                continue
            train_d = [loaded[d.name] for d in tr]
            test_d = [loaded[d.name] for d in te]
            echo(f"[{key}] train: {', '.join(d.name for d in tr)} | test: {', '.join(d.name for d in te)}")
            gcl, mg = fit_gnn(train_d, "circuitgcl", pretrain_epochs, epochs, device, seed, quiet=quiet)
            gnn, mb = fit_gnn(train_d, "gnn", 0, epochs, device, seed, quiet=quiet)
            nets, secs = {"circuitgcl": gcl, "gnn": gnn}, {"circuitgcl": mg["train_s"], "gnn": mb["train_s"]}
            for ab in ABLATIONS if ablation else ():
                nets[ab], mab = fit_gnn(train_d, ab, pretrain_epochs, epochs, device, seed, quiet=quiet)
                secs[ab] = mab["train_s"]
            res = score_methods(train_d, test_d, nets, seed, device)
            res["train_s"] = {**secs, "gbdt": res.pop("gbdt_train_s")}
            data["runs"][key] = res
            atomic_write(rpath, json.dumps(data, indent=1) + "\n")
    summary = summarise(data["runs"])
    data["summary"], data["gains"] = summary, gains(summary)
    data["wall_s"] = round(time.time() - t0, 1)
    atomic_write(rpath, json.dumps(data, indent=1) + "\n")
    lines = text_table(summary)
    for sp, g in data["gains"].items():
        for base, v in g.items():
            lines.append(f"{sp}: CircuitGCL vs {base} baseline: coupling R2 {v['cc_r2_circuitgcl']:.3f} vs "
                         f"{v['cc_r2_baseline']:.3f}, ground macro-F1 ratio {v['ground_f1_ratio']:.2f}x")
    echo("\n".join(lines))
    md = ["# Parasitic estimation benchmark: CircuitGCL vs baselines", "",
          f"Data root `{root}`, protocol `{protocol}`, {seeds} seed(s) (mean over seeds), CircuitGCL "
          f"{pretrain_epochs} pre-training + {epochs} fine-tuning epochs, GNN baseline {epochs} epochs. "
          "Labels as the paper: keep 1e-21 < C < 1e-15 F, y = log10(C*1e21)/6, ground classes "
          "bucketize(y, [0.2, 0.4, 0.6, 0.8]); R2 truth first on y; macro-F1 over the classes present.", ""]
    md += md_table(summary)
    md += ["", "CircuitGCL vs baselines (mean over test designs):", ""]
    md += [f"- {sp}, vs {LABEL[b]}: coupling R2 {v['cc_r2_circuitgcl']:.3f} vs {v['cc_r2_baseline']:.3f}; "
           f"ground macro-F1 ratio {v['ground_f1_ratio']:.2f}x" for sp, g in data["gains"].items() for b, v in g.items()]
    secs = {}
    for r in data["runs"].values():
        for m, v in r.get("train_s", {}).items():
            secs[m] = secs.get(m, 0.0) + v
    md += ["", "Training wall seconds (all splits and seeds): " + ", ".join(f"{m} {v:.1f}" for m, v in secs.items())
           + f"; this invocation {data['wall_s']} s (a rerun resumes finished splits from results.json)."]
    atomic_write(out / "report.md", "\n".join(md) + "\n")
    echo(f"wrote {rpath} and {out / 'report.md'} ({data['wall_s']} s)")
    return data


def bench_parasitic_command(
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Parasitic data root (default "
                                                 "$EDA_DATA/parasitic)."),
        out: Path = typer.Option(Path("out/bench_parasitic"), "-o", "--output", help="Output directory."),
        protocol: str = typer.Option("design", "--protocol", help="design | technology | both"),
        seeds: int = typer.Option(1, "--seeds"),
        pretrain_epochs: int = typer.Option(20, "--pretrain-epochs"),
        epochs: int = typer.Option(40, "--epochs"),
        device: str = device_option(),
        ablation: bool = typer.Option(False, "--ablation", help="Also train pre-training-only and "
                                      "balanced-losses-only variants."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar.")) -> None:
    """CircuitGCL vs the GNN and GBDT baselines on unseen designs: coupling R2/MAE, ground macro-F1."""
    run_benchmark(out, data_root, protocol, seeds, pretrain_epochs, epochs, device, quiet, typer.echo, ablation)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(bench_parasitic_command)
    sys.exit(app())
