"""Held-out estimate of `eda linkpred train`'s defaults: configurations side by side, by seed.

    python -m benchmarks.linkpred_heldout [--dataset spicenetlist] [--seeds 5]
        [--compare "loss=rank,name_flags=2" --compare "epochs=6"] [-o out/bench_linkpred_heldout]

For each seed s the circuits are split 80/20 (`split_circuits(n, s)`, as `eda bench linkpred`);
each configuration (the training defaults, `Config()`, then every `--compare` set of overrides)
is trained on the train circuits and ranks the true net of every test pin among all nets of its
circuit (our protocol, no query sampling). Prints and writes Hits@1 / MRR per seed and the mean ±
std, and each configuration's mean paired difference to the defaults (the splits differ far more
than the configurations, so the paired difference is the figure to compare). This is the estimate
of how the contract check (train on every circuit, evaluate on unseen ones) will do.
Results: OUT/results.json (resumed when the settings match), OUT/report.md.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer


def parse_overrides(text: str) -> dict:
    """``key=value,key=value`` -> typed Config overrides (types from the Config defaults)."""
    from models.seal.train import Config
    base, out = Config(), {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, val = part.partition("=")
        if not hasattr(base, key) or key == "extra":
            raise typer.BadParameter(f"unknown setting '{key}'", param_hint="--compare")
        d = getattr(base, key)
        if val.lower() == "none":
            out[key] = None
        elif isinstance(d, bool):
            out[key] = val.lower() in ("1", "true", "yes")
        else:
            out[key] = type(d)(val) if d is not None else int(val)
    return out


def _ms(v: list[float]) -> str:
    return f"{statistics.fmean(v):.3f} ± {statistics.stdev(v) if len(v) > 1 else 0.0:.3f}"


def run(dataset: str = "spicenetlist", seeds: int = 5, compare: list[str] | None = None,
        out: Path = Path("out/bench_linkpred_heldout"), data_root=None, echo=print,
        progress: bool = True) -> dict:
    import torch

    from benchmarks.linkpred import _bar
    from eda.fileio import atomic_write
    from models.seal.data import NetlistLinks, data_root_or_default
    from models.seal.train import Config, evaluate_ours, split_circuits, train_ours

    torch.set_num_threads(1)
    configs = {"defaults": {}}
    for c in compare or []:
        configs[c] = parse_overrides(c)
    settings = {"dataset": dataset, "seeds": seeds, "configs": configs}
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    data = {"settings": settings, "runs": {}}
    if path.exists():
        try:
            old = json.loads(path.read_text())
            if old.get("settings", {}).get("dataset") == dataset:
                data["runs"] = old.get("runs", {})
        except ValueError:
            pass
    root = data_root_or_default(data_root)
    graphs = {}
    bar = _bar(len(configs) * seeds, progress)
    for name, ov in configs.items():
        cfg0 = Config(**ov)
        key = (cfg0.net_names, cfg0.name_flags)
        if key not in graphs:
            ds = NetlistLinks(dataset, root, net_names=cfg0.net_names, name_flags=cfg0.name_flags)
            graphs[key] = (len(ds), ds.merged())
        n, g = graphs[key]
        for s in range(seeds):
            rk = f"{name}/{s}"
            bar(rk)
            if rk in data["runs"] and data["runs"][rk].get("config") == json.dumps(ov):
                continue
            tr, te = split_circuits(n, s)
            t0 = time.perf_counter()
            model = train_ours(g, tr, Config(seed=s, **ov))
            t1 = time.perf_counter()
            r = evaluate_ours(model, g, te)
            data["runs"][rk] = {"hits@1": r["hits@1"], "mrr": r["mrr"], "queries": r["queries"],
                                "train_seconds": round(t1 - t0, 1), "config": json.dumps(ov)}
            atomic_write(path, json.dumps(data, indent=1) + "\n")
            echo(f"{name} seed {s}: Hits@1 {r['hits@1']:.3f} MRR {r['mrr']:.3f} "
                 f"({r['queries']} test pins, trained in {t1 - t0:.0f} s)")
    bar(None)
    lines = [f"# Held-out link prediction on {dataset} (80/20 circuit splits, {seeds} seeds)", "",
             "| configuration | Hits@1 | MRR | per seed Hits@1 | paired Δ Hits@1 vs defaults |"
             " train s/seed |", "|---|---|---|---|---|---|"]
    base = [data["runs"][f"defaults/{s}"]["hits@1"] for s in range(seeds)]
    for name in configs:
        rs = [data["runs"][f"{name}/{s}"] for s in range(seeds)]
        h = [r["hits@1"] for r in rs]
        diff = [a - b for a, b in zip(h, base)]
        lines.append(f"| {name} | {_ms(h)} | {_ms([r['mrr'] for r in rs])} | "
                     f"{' '.join(f'{v:.3f}' for v in h)} | "
                     f"{'' if name == 'defaults' else f'{statistics.fmean(diff):+.3f}'} | "
                     f"{statistics.fmean(r['train_seconds'] for r in rs):.0f} |")
    report = "\n".join(lines) + "\n"
    atomic_write(out / "report.md", report)
    echo(report)
    return data


def heldout_command(
        dataset: str = typer.Option("spicenetlist", "--dataset"),
        seeds: int = typer.Option(5, "--seeds"),
        compare: Optional[List[str]] = typer.Option(None, "--compare", help="Overrides of the "
                                                    "defaults to compare, e.g. 'loss=rank' "
                                                    "(repeatable)."),
        data_root: Optional[Path] = typer.Option(None, "--data-root"),
        out: Path = typer.Option(Path("out/bench_linkpred_heldout"), "-o", "--output")) -> None:
    """Held-out Hits@1 of the training defaults (and variants), per circuit split."""
    run(dataset, seeds, compare, out, data_root, typer.echo)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(heldout_command)
    sys.exit(app())
