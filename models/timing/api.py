"""Train / evaluate / predict entry points behind `eda timing` (results JSON + Markdown report)."""
from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from eda.errors import EdaError
from eda.fileio import atomic_write
from eda.liberty import read_liberty

from .data import find_lib, list_designs, load_design, load_lib, load_netlist, split
from .metrics import design_metrics, mean_metrics, pin_view
from .model import TimingModel, prepare, resolve_device, train_model


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


def save_model(model: TimingModel, path: Path, meta: dict) -> None:
    st = model.state()
    st["meta"] = meta
    buf = io.BytesIO()
    torch.save(st, buf)
    atomic_write(path, buf.getvalue())


def load_model(path: Path) -> tuple[TimingModel, dict]:
    if not Path(path).is_file():
        raise EdaError(f"{path}: model file not found")
    try:
        st = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # a truncated or foreign file
        raise EdaError(f"{path}: not a timing model ({type(e).__name__})") from None
    if not isinstance(st, dict) or st.get("kind") != "eda-timing-nldm-mlp":
        raise EdaError(f"{path}: not an `eda timing` model")
    return TimingModel.from_state(st), st.get("meta", {})


def train(root: Path, out: Path, epochs: int = 6, device: str = "auto", designs: list[str] | None = None,
          max_arcs: int = 100_000, seed: int = 0, quiet: bool = False, log=print) -> dict:
    """Train on the split's train designs under `root` (or `designs`); writes the model file."""
    t0 = time.time()
    names = designs or split(list_designs(root))[0]
    if not names:
        raise EdaError(f"{root}: no training designs")
    lib = load_lib(root)
    data = []
    for n in _progress(names, "loading designs", quiet):
        d = load_design(root, n, lib)
        data.append((prepare(d.graph), d.labels.delay))
    log(f"loaded {len(names)} designs in {time.time() - t0:.1f}s")
    model, losses = train_model(data, epochs=epochs, device=device, seed=seed,
                                max_arcs_per_design=max_arcs, log=log)
    meta = {"train_designs": names, "losses": losses, "epochs": epochs, "lib": str(find_lib(root)),
            "train_s": time.time() - t0}
    save_model(model, out, meta)
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
        t = time.time()
        p = prepare(d.graph)
        pred = model.predict(p, dev)
        infer_s = time.time() - t
        m = design_metrics(d.graph, d.labels, pred)
        # the same propagation with the raw Liberty delays (no learning), for comparison
        lut = p.prop.run(p.analytic["lut_delay"], p.analytic["slew"])
        lut.update(delay=p.analytic["lut_delay"], slew=p.analytic["slew"])
        lm = design_metrics(d.graph, d.labels, lut)
        m.update({f"lut_{k}": v for k, v in lm.items() if k.endswith("_r2")})
        m["infer_s"] = round(infer_s, 3)
        per[n] = m
        log(f"{n}: slack R2 {m['slack_r2']:.3f} arrival R2 {m['arrival_r2']:.3f} ({infer_s:.2f}s)")
    res = {"model": str(model_path), "data_root": str(root), "designs": per, "mean": mean_metrics(per)}
    atomic_write(out, json.dumps(res, indent=2))
    atomic_write(Path(out).with_suffix(".md"), report_md(res))
    return res


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


def predict(netlist: Path, model_path: Path, lib_path: Path | None, sdc_path: Path | None, out: Path | None,
            device: str = "auto", top: int = 10, log=print) -> dict:
    """Per-pin arrival/required/slack/slew (TSV when `out`), worst endpoints printed."""
    model, meta = load_model(model_path)
    lp = lib_path or (Path(meta["lib"]) if meta.get("lib") else None)
    if lp is None:
        raise EdaError("no Liberty file: pass --lib")
    lib = read_liberty(lp)
    if not Path(netlist).is_file():
        raise EdaError(f"{netlist}: netlist not found")
    g = load_netlist(Path(netlist), sdc_path, lib)
    p = prepare(g)
    pred = model.predict(p, resolve_device(device))
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
    return {"pins": g.num_nodes, "worst": [(g.names[i], float(slack[i])) for i in worst]}
