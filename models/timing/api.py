"""Train / evaluate / predict entry points behind `eda timing` (results JSON + Markdown report)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from eda.device import resolve_device
from eda.errors import EdaError
from eda.fileio import atomic_write
from models.checkpoint import load_checkpoint, save_checkpoint
from eda.liberty import read_liberty

from .data import find_lib, list_designs, load_design, load_lib, load_netlist, split
from .metrics import design_metrics, mean_metrics, pin_view
from .model import TimingModel, prepare, train_model


def data_root_or_default(root: Path | None) -> Path:
    if root is not None:
        return Path(root)
    base = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    return base / "timing"


def _progress(items, desc: str, quiet: bool):
    if quiet:
        return items
    from rich.progress import track
    return track(items, description=desc, transient=True)


MODELS = ("ours", "baseline", "mlp")
DEFAULT_EPOCHS = {"mlp": 6, "baseline": 10, "ours": 10}


def save_model(model, path: Path, meta: dict) -> None:
    st = model.state()
    st["meta"] = meta
    save_checkpoint(path, st)


def load_model(path: Path):
    """(model, meta) from a model file; one-line errors for missing, foreign or unsafe files."""
    st = load_checkpoint(path, "a timing model")
    kind = st.get("kind")
    if kind not in ("eda-timing-gnn", "eda-timing-nldm-mlp"):
        raise EdaError(f"{path}: not an `eda timing` model")
    try:
        if kind == "eda-timing-gnn":
            from .e2e import TimingGNN
            return TimingGNN.from_state(st), st.get("meta", {})
        return TimingModel.from_state(st), st.get("meta", {})
    except Exception as e:
        raise EdaError(f"{path}: damaged `eda timing` model ({type(e).__name__})") from None


def train(root: Path, out: Path, epochs: int | None = None, device: str = "auto", designs: list[str] | None = None,
          max_arcs: int = 100_000, seed: int = 0, quiet: bool = False, log=print, model: str = "ours",
          e2e_max_arcs: int = 60_000, prefit_steps: int = 400, pretrain_epochs: int = 20) -> dict:
    """Train `model` (ours | baseline | mlp) on the split's train designs under `root` (or `designs`).

    The GNNs are pre-fitted on per-arc delays of every train design, then trained end to end through
    the propagation on the train designs with at most `e2e_max_arcs` arcs (all of them when 0).
    """
    if model not in MODELS:
        raise EdaError(f"unknown timing model {model!r} (choose from {', '.join(MODELS)})")
    t0 = time.time()
    names, data = load_training(root, designs, quiet, log)
    return train_on(data, names, root, out, model, epochs, device, max_arcs, seed, log, e2e_max_arcs,
                    prefit_steps, pretrain_epochs, t0)


def load_training(root: Path, designs: list[str] | None, quiet: bool, log) -> tuple[list[str], list]:
    """The train designs (the split's, or `designs`) as [(Prepared, Labels)]."""
    t0 = time.time()
    names = designs or split(list_designs(root))[0]
    if not names:
        raise EdaError(f"{root}: no training designs")
    lib = load_lib(root)
    data = []
    for n in _progress(names, "loading designs", quiet):
        d = load_design(root, n, lib)
        data.append((prepare(d.graph), d.labels))
    log(f"loaded {len(names)} designs in {time.time() - t0:.1f}s")
    return names, data


def train_on(data: list, names: list[str], root: Path, out: Path, model: str = "ours", epochs: int | None = None,
             device: str = "auto", max_arcs: int = 100_000, seed: int = 0, log=print, e2e_max_arcs: int = 60_000,
             prefit_steps: int = 400, pretrain_epochs: int = 20, t0: float | None = None) -> dict:
    """Train `model` on loaded designs and write the model file (see `train`)."""
    t0 = time.time() if t0 is None else t0
    epochs = DEFAULT_EPOCHS[model] if epochs is None else epochs
    meta = {"model": model, "train_designs": names, "epochs": epochs, "lib": str(find_lib(root))}
    if model == "mlp":
        net, losses = train_model([(p, lab.delay) for p, lab in data], epochs=epochs, device=device, seed=seed,
                                  max_arcs_per_design=max_arcs, log=log)
    else:
        from .e2e import train_gnn
        net, losses = train_gnn(model, data, epochs=epochs, device=str(resolve_device(device)), seed=seed,
                                pretrain_epochs=pretrain_epochs, prefit_steps=prefit_steps,
                                e2e_max_arcs=e2e_max_arcs, log=log)
        meta["e2e_max_arcs"] = e2e_max_arcs
    meta.update(losses=losses, train_s=time.time() - t0)
    save_model(net, out, meta)
    log(f"wrote {out} ({time.time() - t0:.1f}s)")
    return meta


def evaluate(root: Path, model_path: Path, out: Path, device: str = "auto", designs: list[str] | None = None,
             quiet: bool = False, log=print) -> dict:
    """Metrics per design never seen in training (the split's test designs when the root is shared)."""
    model, meta = load_model(model_path)
    seen = set(meta.get("train_designs", []))
    names = designs or [n for n in list_designs(root) if n not in seen]
    if not names:
        raise EdaError(f"{root}: no designs to evaluate (all were used for training)")
    lib = load_lib(root)
    dev = resolve_device(device)
    per: dict[str, dict] = {}
    for n in _progress(names, "evaluating", quiet):
        d = load_design(root, n, lib)
        per[n] = eval_design(d, {"model": model}, dev)["model"]
        m = per[n]
        log(f"{n}: slack R2 {m['slack_r2']:.3f} arrival R2 {m['arrival_r2']:.3f} ({m['infer_s']:.2f}s)")
    res = {"model": str(model_path), "data_root": str(root), "designs": per, "mean": mean_metrics(per)}
    atomic_write(out, json.dumps(res, indent=2))
    atomic_write(Path(out).with_suffix(".md"), report_md(res))
    return res


def eval_design(d, models: dict, dev) -> dict[str, dict]:
    """Metrics of each model on one labelled design, each with the raw-Liberty propagation's as `lut_*`."""
    t = time.time()
    p = prepare(d.graph)
    prep_s = time.time() - t
    # the same propagation with the raw Liberty delays (no learning), for comparison
    lut = p.prop.run(p.analytic["lut_delay"], p.analytic["slew"])
    lut.update(delay=p.analytic["lut_delay"], slew=p.analytic["slew"])
    lm = design_metrics(d.graph, d.labels, lut)
    out = {}
    for key, model in models.items():
        t = time.time()
        pred = model.predict(p, dev)
        m = design_metrics(d.graph, d.labels, pred)
        m.update({f"lut_{k}": v for k, v in lm.items() if k.endswith("_r2")})
        m["infer_s"] = round(time.time() - t + prep_s, 3)
        out[key] = m
    return out


def report_md(res: dict) -> str:
    keys = ["slack_r2", "arrival_r2", "required_r2", "net_delay_r2", "cell_delay_r2", "lut_slack_r2"]
    lines = ["# Timing model evaluation (R2, truth first)", "",
             "| design | pins | " + " | ".join(keys) + " | infer s |",
             "|---" * (len(keys) + 3) + "|"]
    for n, m in res["designs"].items():
        lines.append(f"| {n} | {m['pins']} | " + " | ".join(f"{m.get(k, float('nan')):.3f}" for k in keys)
                     + f" | {m['infer_s']} |")
    mean = res["mean"]
    lines.append("| **mean** | | " + " | ".join(f"{mean.get(k, float('nan')):.3f}" for k in keys) + " | |")
    return "\n".join(lines) + "\n"


def _stem(netlist: Path) -> str:
    n = Path(netlist).name
    for suf in (".xz", ".gz", ".v", ".sv"):
        n = n[: -len(suf)] if n.endswith(suf) else n
    return n


def predict(netlist: Path, model_path: Path, lib_path: Path | None, sdc_path: Path | None, out: Path | None,
            device: str = "auto", top: int = 10, log=print, out_dir: Path | None = None,
            labels_dir: Path | None = None) -> dict:
    """Per-pin arrival/required/slack/slew and per-arc delays; worst endpoints printed.

    `out` gets the per-pin TSV. `out_dir` gets pins.tsv, arcs.tsv, predict.json and report.md, plus
    scatter.png and R2 figures when OpenSTA labels (`NAME.pins.tsv[.xz]`, `NAME.arcs.tsv[.xz]`) are in
    `labels_dir` or beside the netlist.
    """
    model, meta = load_model(model_path)
    lp = lib_path or (Path(meta["lib"]) if meta.get("lib") else None)
    if lp is None:
        raise EdaError("no Liberty file: pass --lib")
    lib = read_liberty(lp)
    if not Path(netlist).is_file():
        raise EdaError(f"{netlist}: netlist not found")
    name = _stem(netlist)
    if sdc_path is None and (Path(netlist).parent / f"{name}.sdc").is_file():
        sdc_path = Path(netlist).parent / f"{name}.sdc"
    g = load_netlist(Path(netlist), sdc_path, lib)
    t = time.time()
    p = prepare(g)
    pred = model.predict(p, resolve_device(device))
    infer_s = time.time() - t
    at, rat = pin_view(pred["arrival"], "max"), pin_view(pred["required"], "min")
    slack, slew = pin_view(pred["slack"], "min"), pin_view(pred["slew"], "max")
    rows = ["pin\tarrival_ns\trequired_ns\tslack_ns\tslew_ns"]
    rows += [f"{n}\t{a:.6g}\t{r:.6g}\t{s:.6g}\t{w:.6g}" for n, a, r, s, w in zip(g.names, at, rat, slack, slew)]
    if out is not None:
        atomic_write(out, "\n".join(rows) + "\n")
    ends = np.flatnonzero(g.is_out_port | np.isin(np.arange(g.num_nodes), g.chk_pin))
    ends = ends[np.isfinite(slack[ends])]
    worst = ends[np.argsort(slack[ends])][:top]
    log(f"{g.num_nodes} pins, {len(g.src)} arcs, worst slack {slack[worst[0]]:.4f} ns" if len(worst) else
        f"{g.num_nodes} pins, no constrained endpoint")
    for i in worst:
        log(f"  {g.names[i]}\tslack {slack[i]:.4f} ns\tarrival {at[i]:.4f} ns")
    res = {"netlist": str(netlist), "model": str(model_path), "model_kind": meta.get("model", "mlp"),
           "pins": g.num_nodes, "arcs": int(len(g.src)), "infer_s": round(infer_s, 3),
           "worst": [{"pin": g.names[i], "slack_ns": float(slack[i]), "arrival_ns": float(at[i])} for i in worst]}
    if out_dir is not None:
        _write_predict_dir(Path(out_dir), g, p, pred, res, name, labels_dir or Path(netlist).parent, rows, log)
    return res


def _write_predict_dir(out_dir: Path, g, p, pred, res: dict, name: str, labels_dir: Path, rows, log) -> None:
    from .data import label_file, load_labels
    from .graph import RISE
    from .metrics import r2
    from .plot import scatter_png
    tr = {RISE: "rise", 1 - RISE: "fall"}
    kinds = {0: "net", 1: "cell", 2: "clock_to_q", 3: "set_clear"}
    arcs = ["from\tto\tarc\tkind\tdelay_ns\tliberty_ns"]
    arcs += [f"{g.names[s]}\t{g.names[d]}\t{tr[a]}{tr[b]}\t{kinds[int(k)]}\t{x:.6g}\t{lt:.6g}"
             for s, d, a, b, k, x, lt in zip(g.src, g.dst, g.tin, g.tout, g.kind, pred["delay"],
                                             p.analytic["lut_delay"])]
    atomic_write(out_dir / "pins.tsv", "\n".join(rows) + "\n")
    atomic_write(out_dir / "arcs.tsv", "\n".join(arcs) + "\n")
    lines = [f"# Timing prediction: {name}", "", f"{res['pins']} pins, {res['arcs']} arcs, model "
             f"`{res['model_kind']}`, inference {res['infer_s']} s.", "", "## Worst endpoints", "",
             "| pin | slack (ns) | arrival (ns) |", "|---|---|---|"]
    lines += [f"| {w['pin']} | {w['slack_ns']:.4f} | {w['arrival_ns']:.4f} |" for w in res["worst"]]
    if label_file(labels_dir, name, "pins") and label_file(labels_dir, name, "arcs"):
        lab = load_labels(g, labels_dir, name)
        m = design_metrics(g, lab, pred)
        res["metrics"] = m
        net = g.kind == 0
        panels = [("slack", pin_view(lab.slack, "min"), pin_view(pred["slack"], "min"), m["slack_r2"]),
                  ("arrival", pin_view(lab.arrival, "max"), pin_view(pred["arrival"], "max"), m["arrival_r2"]),
                  ("cell delay", lab.delay[~net], pred["delay"][~net], m["cell_delay_r2"]),
                  ("net delay", lab.delay[net], pred["delay"][net], r2(lab.delay[net], pred["delay"][net]))]
        atomic_write(out_dir / "scatter.png", scatter_png(panels))
        lines += ["", "## Against OpenSTA's labels (R2, truth first)", "",
                  "| slack | arrival | required | net delay | cell delay |", "|---|---|---|---|---|",
                  f"| {m['slack_r2']:.4f} | {m['arrival_r2']:.4f} | {m['required_r2']:.4f} | "
                  f"{m['net_delay_r2']:.4f} | {m['cell_delay_r2']:.4f} |", "", "![predicted vs true](scatter.png)"]
        log(f"against OpenSTA labels: slack R2 {m['slack_r2']:.4f}, arrival R2 {m['arrival_r2']:.4f}")
    atomic_write(out_dir / "predict.json", json.dumps(res, indent=2))
    atomic_write(out_dir / "report.md", "\n".join(lines) + "\n")
    log(f"wrote {out_dir}/(pins.tsv, arcs.tsv, predict.json, report.md{', scatter.png' if 'metrics' in res else ''})")
