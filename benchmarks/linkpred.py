"""Link-prediction benchmark: SEAL vs the GAE baseline, the paper's protocol and ours, side by side.

    python -m benchmarks.linkpred [--quick] [-o out/bench_linkpred]     (also: eda bench linkpred)

For each dataset (SpiceNetlist, Image2Net, Masala-CHAI records):

* ours (the headline): circuits split 80/20 per seed; each test pin's connection is hidden and its
  true net ranked among all nets of its circuit: Hits@1, Hits@3, MRR, balanced accuracy at 0.5,
  ROC-AUC over every (pin, candidate net) pair; mean and std over seeds;
* the paper's: one graph of all circuits (clique port graph), 5-fold CV over net edges, as many
  global negatives as positives: accuracy at 0.5 and AUC (mean and std over folds), and the same
  test positives against same-circuit negatives;
* cross-dataset: models trained on A evaluated on B (ours: each seed's model on B's test
  circuits of that seed; the paper's: fold-0 models on B's fold-0 test edges).

`--quick` runs SpiceNetlist only (one seed, one fold, no cross-dataset; the same training) and asserts
that SEAL beats the baseline on our protocol (Hits@1 and MRR). Results are written after every
step to OUT/results.json (a rerun resumes from it when the settings match) and the tables to
OUT/report.md. Only stdlib and typer are imported at module import.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option

DATASETS = ("spicenetlist", "image2net", "masala-chai")
MODELS = ("seal", "gae")


def _settings(quick: bool, seeds: int | None, folds: int | None, epochs: int | None,
              datasets: str | None) -> dict:
    s = {"datasets": ["spicenetlist"] if quick else list(DATASETS),
         "seeds": 1 if quick else 5, "folds": 5, "run_folds": 1 if quick else 5,
         "epochs": 6, "max_queries": 800, "max_test_queries": 400, "max_test_edges": 600,
         "paper_max_circuits": 600, "cross": not quick, "hops": 3}
    if seeds:
        s["seeds"] = seeds
    if folds:
        s["run_folds"] = min(folds, s["folds"])
    if epochs:
        s["epochs"] = epochs
    if datasets:
        s["datasets"] = [d.strip() for d in datasets.split(",") if d.strip()]
    return s


def _mean_std(vals: list[float]) -> tuple[float, float]:
    import statistics
    vals = [v for v in vals if v == v]
    if not vals:
        return float("nan"), float("nan")
    return statistics.fmean(vals), (statistics.stdev(vals) if len(vals) > 1 else 0.0)


def _fmt(vals: list[float]) -> str:
    m, s = _mean_std(vals)
    return "n/a" if m != m else f"{m:.3f} ± {s:.3f}"


class _Store:
    """results.json written atomically after every step; reused when the settings match."""

    def __init__(self, path: Path, settings: dict) -> None:
        self.path = path
        self.data = {"settings": settings, "runs": {}}
        if path.exists():
            try:
                old = json.loads(path.read_text())
                if old.get("settings") == settings:
                    self.data = old
            except (OSError, ValueError):
                pass

    def get(self, key: str):
        return self.data["runs"].get(key)

    def put(self, key: str, value: dict) -> None:
        from eda.fileio import atomic_write
        self.data["runs"][key] = value
        atomic_write(self.path, json.dumps(self.data, indent=1) + "\n")


def run_benchmark(quick: bool = False, out: Path = Path("out/bench_linkpred"), data_root=None,
                  seeds: int | None = None, folds: int | None = None, epochs: int | None = None,
                  datasets: str | None = None, device: str = "auto", progress: bool = True,
                  echo=print) -> dict:
    """Run everything (see module doc); returns the results dict."""
    import torch

    from models.seal.data import NetlistLinks, data_root_or_default
    from models.seal.paper import evaluate_paper, folds as make_folds, run_fold
    from eda.device import resolve_device
    from models.seal.train import Config, evaluate_ours, split_circuits, train_ours
    from models.seal.graph import without_edges

    torch.set_num_threads(1)
    st = _settings(quick, seeds, folds, epochs, datasets)
    root = data_root_or_default(data_root)
    dev = resolve_device(device)
    out.mkdir(parents=True, exist_ok=True)
    store = _Store(out / "results.json", st)
    t_start = time.perf_counter()

    def cfg(model: str, seed: int) -> Config:
        return Config(model=model, epochs=st["epochs"], max_queries=st["max_queries"],
                      num_hops=st["hops"], seed=seed)

    steps = []
    for d in st["datasets"]:
        steps += [("ours", d, m, s) for s in range(st["seeds"]) for m in MODELS]
        steps += [("paper", d, m, f) for f in range(st["run_folds"]) for m in MODELS]
    bar = _bar(len(steps), progress)
    pin_ds, clique = {}, {}
    models_ours: dict[tuple, object] = {}
    models_paper: dict[tuple, object] = {}
    fold_sets: dict[str, tuple] = {}
    for d in st["datasets"]:
        pin_ds[d] = NetlistLinks(d, root)
        cds = NetlistLinks(d, root, view="clique")
        n = len(cds)
        idx = None
        if st["paper_max_circuits"] and n > st["paper_max_circuits"]:
            idx = torch.sort(torch.randperm(n, generator=torch.Generator().manual_seed(0))
                             [:st["paper_max_circuits"]]).values.tolist()
        clique[d] = (cds.merged(idx), len(idx) if idx else n)
    _merged: dict = {}

    def merged_pin(d):
        if d not in _merged:
            _merged[d] = pin_ds[d].merged()
        return _merged[d]

    for kind, d, m, s in steps:
        key = f"{kind}/{d}/{m}/{s}"
        g_pin = merged_pin(d) if kind == "ours" else None
        need_model = st["cross"] and (kind == "ours" or s == 0)
        res = store.get(key)
        if res is None or need_model:
            t0 = time.perf_counter()
            if kind == "ours":
                tr, te = split_circuits(len(pin_ds[d]), s)
                model = train_ours(g_pin, tr, cfg(m, s), dev)
                t1 = time.perf_counter()
                r = evaluate_ours(model, g_pin, te, st["max_test_queries"], seed=s)
                models_ours[(d, m, s)] = model
            else:
                g, _ = clique[d]
                fl = make_folds(g, st["folds"], 0)
                model, r, gf, test_pos = run_fold(g, fl, s, cfg(m, 0), dev, st["max_test_edges"])
                t1 = time.perf_counter()
                if s == 0:
                    models_paper[(d, m)] = model
                    fold_sets[d] = (gf, test_pos, g)
            r["train_seconds"] = round(t1 - t0, 1)
            r["total_seconds"] = round(time.perf_counter() - t0, 1)
            if res is None:
                store.put(key, r)
        bar(key)
    bar(None)
    if st["cross"]:
        for a in st["datasets"]:
            for b in st["datasets"]:
                if a == b:
                    continue
                for m in MODELS:
                    for s in range(st["seeds"]):
                        key = f"cross-ours/{a}->{b}/{m}/{s}"
                        if store.get(key) is None:
                            _, te = split_circuits(len(pin_ds[b]), s)
                            store.put(key, evaluate_ours(models_ours[(a, m, s)], merged_pin(b),
                                                         te, st["max_test_queries"], seed=s))
                    key = f"cross-paper/{a}->{b}/{m}/0"
                    if store.get(key) is None:
                        gf, test_pos, g = fold_sets[b]
                        store.put(key, evaluate_paper(models_paper[(a, m)], gf, test_pos, 0,
                                                      st["max_test_edges"], full=g))
    store.data["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    store.data["device"] = str(dev)
    store.put("_meta", {"circuits": {d: len(pin_ds[d]) for d in st["datasets"]},
                        "paper_circuits": {d: clique[d][1] for d in st["datasets"]}})
    report = report_markdown(store.data)
    from eda.fileio import atomic_write
    atomic_write(out / "report.md", report)
    echo(report)
    if quick:
        seal = store.get("ours/spicenetlist/seal/0")
        gae = store.get("ours/spicenetlist/gae/0")
        ok = seal["hits@1"] > gae["hits@1"] and seal["mrr"] > gae["mrr"]
        echo(f"quick check: SEAL Hits@1 {seal['hits@1']:.3f} MRR {seal['mrr']:.3f} vs baseline "
             f"{gae['hits@1']:.3f} / {gae['mrr']:.3f}: {'PASS' if ok else 'FAIL'}")
        if not ok:
            raise SystemExit(1)
    return store.data


def _bar(total: int, on: bool):
    if not on:
        return lambda key: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, \
        TimeElapsedColumn
    p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                 TimeElapsedColumn(), transient=True)
    task = p.add_task("linkpred", total=total)
    p.start()

    def step(key):
        if key is None:
            p.stop()
        else:
            p.update(task, advance=1, description=key)
    return step


def _runs(data: dict, prefix: str) -> list[dict]:
    return [v for k, v in data["runs"].items() if k.startswith(prefix + "/")]


def report_markdown(data: dict) -> str:
    """The three tables (ours, the paper's, cross-dataset) as Markdown."""
    import statistics
    st = data["settings"]
    lines = ["# Link prediction benchmark (SEAL vs GAE baseline)", "",
             f"Settings: {json.dumps(st)}; device {data.get('device', '?')}; wall "
             f"{data.get('wall_seconds', '?')} s.", "",
             "## Ours: split by circuit, rank the true net among all nets of the circuit", "",
             f"Mean ± std over {st['seeds']} seeds (test queries sampled up to "
             f"{st['max_test_queries']} per seed).", "",
             "| dataset | model | Hits@1 | Hits@3 | MRR | bal. accuracy | AUC | candidates/query |",
             "|---|---|---|---|---|---|---|---|"]
    for d in st["datasets"]:
        for m in MODELS:
            rs = _runs(data, f"ours/{d}/{m}")
            if rs:
                lines.append(f"| {d} | {m} | " + " | ".join(_fmt([r[k] for r in rs]) for k in
                             ("hits@1", "hits@3", "mrr", "accuracy", "auc"))
                             + f" | {statistics.fmean(r['mean_candidates'] for r in rs):.1f} |")
    lines += ["", "## The paper's protocol: 5-fold CV over net edges, global negatives", "",
              f"Mean ± std over {st['run_folds']} of {st['folds']} folds; the last two columns "
              "score the same test edges against same-circuit negatives.", "",
              "| dataset | model | accuracy | AUC | SEAL - baseline (acc. points) | accuracy, "
              "same-circuit neg. | AUC, same-circuit neg. |", "|---|---|---|---|---|---|---|"]
    for d in st["datasets"]:
        acc = {}
        for m in MODELS:
            acc[m] = _mean_std([r["accuracy"] for r in _runs(data, f"paper/{d}/{m}")])[0]
        for m in MODELS:
            rs = _runs(data, f"paper/{d}/{m}")
            if rs:
                gain = f"{100 * (acc['seal'] - acc['gae']):+.2f}" if m == "seal" else ""
                lines.append(f"| {d} | {m} | {_fmt([r['accuracy'] for r in rs])} | "
                             f"{_fmt([r['auc'] for r in rs])} | {gain} | "
                             f"{_fmt([r['accuracy_same_circuit'] for r in rs])} | "
                             f"{_fmt([r['auc_same_circuit'] for r in rs])} |")
    if st.get("cross"):
        lines += ["", "## Cross-dataset (train on A, test on B)", "",
                  "| train -> test | model | ours Hits@1 | ours MRR | paper accuracy | paper AUC |",
                  "|---|---|---|---|---|---|"]
        for a in st["datasets"]:
            for b in st["datasets"]:
                if a == b:
                    continue
                for m in MODELS:
                    ro = _runs(data, f"cross-ours/{a}->{b}/{m}")
                    rp = _runs(data, f"cross-paper/{a}->{b}/{m}")
                    if ro or rp:
                        lines.append(f"| {a} -> {b} | {m} | {_fmt([r['hits@1'] for r in ro])} | "
                                     f"{_fmt([r['mrr'] for r in ro])} | "
                                     f"{_fmt([r['accuracy'] for r in rp])} | "
                                     f"{_fmt([r['auc'] for r in rp])} |")
    return "\n".join(lines) + "\n"


def bench_linkpred_command(
        quick: bool = typer.Option(False, "--quick", help="SpiceNetlist, 1 seed, 1 fold: under "
                                   "2 minutes; asserts SEAL beats the baseline."),
        seeds: Optional[int] = typer.Option(None, "--seeds", help="Seeds of our protocol (default 5)."),
        folds: Optional[int] = typer.Option(None, "--folds", help="Folds of the paper's protocol to "
                                            "run (of 5; default all)."),
        epochs: Optional[int] = typer.Option(None, "--epochs", help="Training epochs (default 6)."),
        datasets: Optional[str] = typer.Option(None, "--datasets", help="Comma-separated "
                                               "(default spicenetlist,image2net,masala-chai)."),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root (default "
                                                 "$EDA_DATA, ../shared/data)."),
        device: str = device_option(),
        out: Path = typer.Option(Path("out/bench_linkpred"), "-o", "--output",
                                 help="Output directory (results.json, report.md)."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar.")) -> None:
    """SEAL vs the GAE baseline on every dataset: our protocol, the paper's, cross-dataset."""
    run_benchmark(quick=quick, out=out, data_root=data_root, seeds=seeds, folds=folds,
                  epochs=epochs, datasets=datasets, device=device, progress=not quiet,
                  echo=typer.echo)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(bench_linkpred_command)
    sys.exit(app())
