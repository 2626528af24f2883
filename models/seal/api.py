"""What the `eda linkpred` commands do: train, evaluate and predict, with files in and out.

Model files (`torch.save` of a plain dict, loadable with ``weights_only=True``) hold the config,
the weights, the dataset label and a content hash of every training circuit, so an evaluation
can say how many of its circuits the model was trained on.
"""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import torch

from eda.device import resolve_device
from eda.errors import EdaError
from eda.fileio import atomic_write

from .data import NetlistLinks
from .train import Config, LinkModel, evaluate_ours, split_circuits, train_ours


def set_threads(n: int | None) -> None:
    """Torch CPU threads; 1 is fastest for these small graphs on a shared machine."""
    if n:
        torch.set_num_threads(n)


def _hashes(files: list[Path]) -> list[str]:
    return [hashlib.sha1(f.read_bytes()).hexdigest()[:16] for f in files]


def _progress(total: int, label: str, quiet: bool):
    """A rich progress bar over `total` items: returns (advance(n), close())."""
    if quiet or total <= 0:
        return None, lambda: None
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)
    p = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                 transient=True)
    task = p.add_task(label, total=total)
    p.start()
    return (lambda n: p.advance(task, n)), p.stop


def train_model(source: str, out: Path, data_root=None, cfg: Config | None = None,
                device: str = "auto", holdout: float = 0.0, quiet: bool = False,
                echo=print) -> dict:
    """Train on a dataset name or folder and save the model; returns a summary dict."""
    cfg = cfg or Config()
    ds = NetlistLinks(source, data_root, net_names=cfg.net_names, name_flags=cfg.name_flags)
    g = ds.merged()
    train_c = None
    if holdout > 0:
        train_c, _ = split_circuits(len(ds), cfg.seed, holdout)
    dev = resolve_device(device)
    ids = list(range(len(ds))) if train_c is None else train_c.tolist()
    from .train import all_candidates, pin_queries
    q = pin_queries(g, train_c)
    nq = int(q.pin.numel())
    per_epoch = min(nq, cfg.max_queries or nq) * (1 + cfg.neg_per_pos)
    if cfg.loss == "list" and nq:   # every net of the pin's circuit (at most max_candidates)
        n = torch.bincount(all_candidates(q, g)[0], minlength=nq).double()
        if cfg.max_candidates:
            n = n.clamp(max=cfg.max_candidates)
        per_epoch = int(n.mean().item() * min(nq, cfg.max_queries or nq))
    adv, close = _progress(per_epoch * cfg.epochs, f"train {cfg.model}", quiet)
    try:
        model = train_ours(g, train_c, cfg, dev, progress=adv)
    finally:
        close()
    files = {f.stem: f for f in ds.files}
    st = model.state(dataset=ds.label, circuits=len(ids), queries=nq,
                     train_hashes=_hashes([files[ds.ids[i]] for i in ids]))
    buf = io.BytesIO()
    torch.save(st, buf)
    atomic_write(out, buf.getvalue())
    summary = {"model": cfg.model, "dataset": ds.label, "circuits": len(ids), "queries": nq,
               "epochs": cfg.epochs, "device": str(dev), "output": str(out)}
    echo(json.dumps(summary))
    return summary


def load_model(path: Path, device: str = "auto") -> tuple[LinkModel, dict]:
    """(model, saved state) from a model file; one-line errors for missing or foreign files."""
    if not Path(path).is_file():
        raise EdaError(f"{path}: no such model file")
    try:
        st = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # not a torch file
        raise EdaError(f"{path}: not a linkpred model ({type(e).__name__})") from None
    if not isinstance(st, dict) or st.get("format") != "eda-linkpred/1":
        raise EdaError(f"{path}: not a linkpred model (train one with 'eda linkpred train')")
    return LinkModel.from_state(st, resolve_device(device)), st


def eval_model(source: str, model_path: Path, out: Path | None, data_root=None,
               device: str = "auto", max_queries: int | None = None, quiet: bool = False,
               echo=print) -> dict:
    """Our protocol's metrics of a saved model on every circuit of a dataset name or folder."""
    model, st = load_model(model_path, device)
    ds = NetlistLinks(source, data_root, net_names=model.cfg.net_names,
                      name_flags=model.cfg.name_flags)
    g = ds.merged()
    known = set(st.get("train_hashes", []))
    files = {f.stem: f for f in ds.files}
    overlap = sum(h in known for h in _hashes([files[i] for i in ds.ids]))
    from .train import all_candidates, pin_queries
    q = pin_queries(g)
    total = int(all_candidates(q, g)[0].numel()) if not max_queries else 0
    adv, close = _progress(total, "eval", quiet)
    try:
        res = evaluate_ours(model, g, None, max_queries, progress=adv)
    finally:
        close()
    res = {"hits@1": res["hits@1"], "hits@3": res["hits@3"], "mrr": res["mrr"],
           "accuracy": res["accuracy"], "auc": res["auc"],
           **{k: v for k, v in res.items() if k not in ("hits@1", "hits@3", "mrr", "accuracy",
                                                         "auc")},
           "protocol": "ours: each pin's connection hidden, its true net ranked among all nets "
                       "of its circuit", "dataset": ds.label, "circuits": len(ds),
           "circuits_seen_in_training": overlap, "model": str(model_path),
           "model_type": model.cfg.model, "trained_on": st.get("dataset")}
    text = json.dumps(res, indent=2)
    if out:
        atomic_write(out, text + "\n")
    echo(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in res.items()
                     if k in ("hits@1", "hits@3", "mrr", "accuracy", "auc", "queries",
                              "circuits", "circuits_seen_in_training")}))
    if overlap:
        echo(f"warning: {overlap} of {len(ds)} circuits were in the model's training set",)
    return res
