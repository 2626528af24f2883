"""Train / evaluate / predict behind `eda parasitic` (model file, results JSON + Markdown report).

Methods: `circuitgcl` (pre-training + balanced losses), `gnn` (the same network, plain MSE/CE, no
pre-training) and `gbdt` (gradient boosting on hand features; `eval` trains it on the model's
training designs so the three are compared on the same split).
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from eda.device import resolve_device
from eda.errors import EdaError
from eda.fileio import atomic_write
from models.checkpoint import load_checkpoint, save_checkpoint

from .data import Design, DesignFiles, list_designs, load_design, read_netlist, split
from .graph import candidate_pairs, pair_hops
from .labels import N_CLASSES, class_range, inverse
from .metrics import design_scores
from .model import ParasiticNet, predict as net_predict, pretrain, to_tensors, train_heads

KIND = "eda-parasitic-circuitgcl"
METHODS = ("circuitgcl", "gnn", "gbdt")
# ablations: pre-training with plain MSE/CE heads; balanced losses without pre-training
GNN_METHODS = ("circuitgcl", "gnn", "pretrain-mse", "balanced-only")


@contextmanager
def progress(total: int, desc: str, quiet: bool):
    """A rich progress bar (stderr); yields `step()`."""
    if quiet or total <= 0:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as p:
        task = p.add_task(desc, total=total)
        yield lambda n=1: p.advance(task, n)


def pick(designs: list[DesignFiles], names: list[str] | None) -> list[DesignFiles]:
    if not names:
        return designs
    by = {d.name: d for d in designs}
    miss = [n for n in names if n not in by]
    if miss:
        raise EdaError(f"unknown design(s) {', '.join(miss)} (known: {', '.join(by)})")
    return [by[n] for n in names]


def fit_gnn(designs: list[Design], method: str, pretrain_epochs: int, epochs: int, device: str,
            seed: int = 0, hidden: int = 32, quiet: bool = False) -> tuple[ParasiticNet, dict]:
    """Train CircuitGCL (`circuitgcl`), the plain GNN (`gnn`) or an ablation on labelled designs."""
    if method not in GNN_METHODS:
        raise EdaError(f"unknown method '{method}' ({', '.join(GNN_METHODS)})")
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = ParasiticNet(hidden).to(dev)
    ts = [to_tensors(d.graph, d.labels, dev) for d in designs]
    pre = pretrain_epochs if method in ("circuitgcl", "pretrain-mse") else 0
    t0 = time.time()
    with progress(pre + epochs, f"training {method}", quiet) as step:
        pre_losses = pretrain(model, ts, epochs=pre, seed=seed, step=step) if pre else []
        losses = train_heads(model, ts, epochs=epochs, balanced=method in ("circuitgcl", "balanced-only"), seed=seed, step=step)
    return model, {"method": method, "pretrain_epochs": pre, "epochs": epochs, "pretrain_losses": pre_losses,
                   "losses": losses, "train_s": round(time.time() - t0, 2), "device": str(dev)}


def save_model(model: ParasiticNet, path: Path, meta: dict) -> None:
    st = {"kind": KIND, "hidden": model.hidden, "layers": model.layers,
          "state": {k: v.cpu() for k, v in model.state_dict().items()}, "meta": meta}
    save_checkpoint(path, st)


def load_model(path: Path, device: str = "cpu") -> tuple[ParasiticNet, dict]:
    """(model, meta) from a model file; one-line errors for missing, foreign or unsafe files."""
    st = load_checkpoint(path, "a parasitic model")
    if st.get("kind") != KIND:
        raise EdaError(f"{path}: not an `eda parasitic` model")
    try:
        m = ParasiticNet(st["hidden"], st["layers"])
        m.load_state_dict(st["state"])
    except Exception as e:
        raise EdaError(f"{path}: damaged `eda parasitic` model ({type(e).__name__})") from None
    return m.to(resolve_device(device)), st.get("meta", {})


def train(root: Path, out: Path, designs: list[str] | None = None, method: str = "circuitgcl",
          pretrain_epochs: int = 20, epochs: int = 40, device: str = "auto", seed: int = 0,
          quiet: bool = False, log=print) -> dict:
    """Train on the split's train designs under `root` (or `designs`); writes the model file."""
    all_d = list_designs(root)
    files = pick(all_d, designs) if designs else split(all_d)[0]
    t0 = time.time()
    data = [load_design(f) for f in files]
    log(f"loaded {len(data)} designs in {time.time() - t0:.1f}s: {', '.join(d.name for d in data)}")
    model, meta = fit_gnn(data, method, pretrain_epochs, epochs, device, seed, quiet=quiet)
    meta.update(train_designs=[d.name for d in data], data_root=str(root), seed=seed)
    save_model(model, out, meta)
    log(f"trained {method} in {meta['train_s']}s -> {out}")
    return meta


def score_methods(train_data: list[Design], test_data: list[Design], models: dict, seed: int = 0,
                  device: str = "auto") -> dict:
    """Scores per test design per method; `models` maps method -> trained ParasiticNet (GBDT is fit here)."""
    from .baseline import GBDTBaseline
    dev = resolve_device(device)
    t0 = time.time()
    gb = GBDTBaseline(seed).fit(train_data)
    fit_s = time.time() - t0
    per: dict[str, dict] = {}
    for d in test_data:
        row = {}
        t = to_tensors(d.graph, d.labels, dev)
        for name, m in models.items():
            row[name] = design_scores(d.labels, net_predict(m.to(dev), t))
        row["gbdt"] = design_scores(d.labels, gb.predict(d.graph, d.labels.pairs))
        per[d.name] = row
    return {"designs": per, "gbdt_train_s": round(fit_s, 2)}


def mean_scores(per: dict, method: str) -> dict:
    keys = ("cc_r2", "cc_mae", "ground_f1", "ground_acc", "ground_r2", "ground_mae")
    out = {}
    for k in keys:
        v = [r[method][k] for r in per.values() if k in r[method]]
        if v:
            out[k] = float(np.mean(v))
    return out


def evaluate(root: Path, model_path: Path, out: Path, designs: list[str] | None = None, device: str = "auto",
             quiet: bool = False, log=print) -> dict:
    """Scores of the model, and of a GBDT fit on the same training designs, on unseen designs."""
    model, meta = load_model(model_path, device)
    all_d = list_designs(root)
    seen = set(meta.get("train_designs", []))
    files = pick(all_d, designs) if designs else [d for d in all_d if d.name not in seen]
    if not files:
        raise EdaError(f"{root}: no designs to evaluate (all were used for training)")
    train_files = [d for d in all_d if d.name in seen]
    with progress(len(files) + len(train_files), "loading designs", quiet) as step:
        test = [(load_design(f), step())[0] for f in files]
        train_data = [(load_design(f), step())[0] for f in train_files]
    method = meta.get("method", "circuitgcl")
    if not train_data:
        raise EdaError(f"{root}: the model's training designs are not here (needed for the GBDT baseline)")
    res = score_methods(train_data, test, {method: model}, device=device)
    res.update(model=str(model_path), data_root=str(root), method=method, train_designs=sorted(seen),
               mean={m: mean_scores(res["designs"], m) for m in (method, "gbdt")})
    for n, r in res["designs"].items():
        s = r[method]
        log(f"{n}: coupling R2 {s.get('cc_r2', float('nan')):.3f}  ground F1 {s.get('ground_f1', float('nan')):.3f}")
    atomic_write(out, json.dumps(res, indent=2))
    atomic_write(Path(out).with_suffix(".md"), report_md(res, [method, "gbdt"]))
    return res


def table(per: dict, methods: list[str]) -> list[str]:
    lines = ["| design | method | pairs | coupling R2 | coupling MAE | nets | ground macro-F1 | ground acc |"
             " ground R2 | ground MAE |", "|---|---|---|---|---|---|---|---|---|---|"]
    f = lambda s, k: f"{s[k]:.3f}" if k in s else "n/a"  # noqa: E731
    for n, r in per.items():
        for m in methods:
            s = r[m]
            lines.append(f"| {n} | {m} | {s['pairs']} | {f(s, 'cc_r2')} | {f(s, 'cc_mae')} | {s['nets']} | "
                         f"{f(s, 'ground_f1')} | {f(s, 'ground_acc')} | {f(s, 'ground_r2')} | {f(s, 'ground_mae')} |")
    return lines


def report_md(res: dict, methods: list[str]) -> str:
    lines = ["# Parasitic estimation (CircuitGCL)", "",
             f"Trained on: {', '.join(res.get('train_designs', []))}. Labels: kept 1e-21 < C < 1e-15 F, "
             "y = log10(C*1e21)/6; classes bucketize(y, [0.2, 0.4, 0.6, 0.8]); R2 truth first, on y.", ""]
    lines += table(res["designs"], methods)
    return "\n".join(lines) + "\n"


def predict(netlist: Path, model_path: Path, out: Path | None, spice: Path | None = None, hops: int = 1,
            device: str = "auto", log=print) -> dict:
    """Ground class/value per net and coupling per candidate pair (TSV); optional SPICE deck with
    the predicted caps added to the top module (ground caps to node 0, coupling caps between nets)."""
    model, _ = load_model(model_path, device)
    g = read_netlist(Path(netlist))
    pairs = candidate_pairs(g, hops=hops)
    t = to_tensors(g, None, resolve_device(device))
    pt = torch.tensor(pairs, dtype=torch.long, device=t.pairs.device)
    ht = torch.tensor(pair_hops(g, pairs) if len(pairs) else np.zeros(0), dtype=torch.float32, device=pt.device)
    p = net_predict(model, t, pt, ht)
    gf, cf = inverse(p["ground_y"]), inverse(p["pair_y"])
    rows = ["kind\tnet_a\tnet_b\tclass\tclass_range_F\tcap_F"]
    for i, n in enumerate(g.net_names):
        k = int(p["ground_cls"][i])
        lo, hi = class_range(k)
        rows.append(f"ground\t{n}\t\t{k}\t{lo:.3g}-{hi:.3g}\t{gf[i]:.4g}")
    rows += [f"coupling\t{g.net_names[a]}\t{g.net_names[b]}\t\t\t{c:.4g}" for (a, b), c in zip(pairs, cf)]
    if out is not None:
        atomic_write(out, "\n".join(rows) + "\n")
    if spice is not None:
        write_annotated_spice(Path(netlist), g.net_names, gf, pairs, cf, spice)
    counts = np.bincount(p["ground_cls"], minlength=N_CLASSES).tolist()
    log(f"{g.num_nets} nets (ground classes {counts}), {len(pairs)} candidate coupling pairs"
        + (f" -> {out}" if out else "") + (f", {spice}" if spice else ""))
    return {"nets": g.num_nets, "pairs": int(len(pairs)), "class_counts": counts}


def write_annotated_spice(netlist: Path, nets: list[str], ground_f: np.ndarray, pairs: np.ndarray,
                          cc_f: np.ndarray, out: Path) -> None:
    """The netlist as a SPICE deck with one C per net to ground and one per coupling pair."""
    import gzip
    from eda.formats.registry import write_text
    from eda.formats.verilog import read_verilog
    from eda.ir.circuit import Component
    from .graph import top_module
    data = netlist.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    circuit = read_verilog(data.decode("utf-8", errors="replace"), str(netlist))
    top = top_module(circuit)
    for i, (n, c) in enumerate(zip(nets, ground_f)):
        top.add(Component("C", f"Cpg{i}", [n, "0"], value=f"{c:.4g}"))
    for i, ((a, b), c) in enumerate(zip(pairs, cc_f)):
        top.add(Component("C", f"Cpc{i}", [nets[a], nets[b]], value=f"{c:.4g}"))
    text, _ = write_text(circuit, "spice")
    atomic_write(out, text)
