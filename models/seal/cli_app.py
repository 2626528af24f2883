"""`eda linkpred train|eval|predict`: only typer is imported at module level."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option, quiet_option

linkpred_app = typer.Typer(help="SEAL link prediction on netlists: which net does a pin belong to?",
                           no_args_is_help=True, add_completion=False)

_DATASET_HELP = "spicenetlist | image2net | masala-chai, or a folder in any of their layouts."


def _root(data_root: Optional[Path]):
    from models.seal.data import data_root_or_default
    return data_root_or_default(data_root)


@linkpred_app.command()
def train(dataset: str = typer.Option(..., "--dataset", help=_DATASET_HELP),
          out: Path = typer.Option(..., "-o", "--output", help="Model file to write (M.pt)."),
          data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root holding "
                                                   "netlists/ (default $EDA_DATA, ../shared/data)."),
          model: str = typer.Option("seal", "--model", help="seal | gae (the GNN-only baseline)."),
          epochs: int = typer.Option(10, "--epochs"),
          hops: int = typer.Option(3, "--hops", help="Enclosing subgraph radius."),
          readout: str = typer.Option("center", "--readout", help="SEAL readout: center (target "
                                      "nodes + mean pool) | sort (DGCNN sort pooling, the paper's)."),
          hidden: int = typer.Option(32, "--hidden"),
          batch_size: int = typer.Option(64, "--batch-size"),
          lr: float = typer.Option(3e-3, "--lr"),
          neg: int = typer.Option(7, "--neg", help="Same-circuit negative nets per positive "
                                  "(--loss rank | bce)."),
          loss: str = typer.Option("list", "--loss", help="list: softmax over all nets of the "
                                   "pin's circuit (+ BCE) | rank: softmax over the positive and "
                                   "--neg sampled nets (+ BCE) | bce."),
          max_queries: int = typer.Option(4000, "--max-queries", help="Pins per epoch (sampled)."),
          holdout: float = typer.Option(0.0, "--holdout", help="Fraction of circuits left out "
                                        "of training (0: train on all)."),
          no_net_names: bool = typer.Option(False, "--no-net-names", help="Ignore rail names "
                                            "(0, gnd, vdd...) in the features."),
          seed: int = typer.Option(0, "--seed"),
          device: str = device_option(),
          threads: int = typer.Option(1, "--threads", help="Torch CPU threads."),
          quiet: bool = quiet_option()) -> None:
    """Train a link predictor on a dataset (all circuits unless --holdout)."""
    from models.seal.api import set_threads, train_model
    from models.seal.train import Config
    if model not in ("seal", "gae"):
        raise typer.BadParameter(f"unknown model '{model}' (seal, gae)", param_hint="--model")
    if loss not in ("list", "rank", "bce"):
        raise typer.BadParameter(f"unknown loss '{loss}' (list, rank, bce)", param_hint="--loss")
    if readout not in ("center", "sort"):
        raise typer.BadParameter(f"unknown readout '{readout}' (center, sort)",
                                 param_hint="--readout")
    set_threads(threads)
    cfg = Config(model=model, epochs=epochs, num_hops=hops, readout=readout, hidden=hidden,
                 batch_size=batch_size, lr=lr, neg_per_pos=neg, loss=loss,
                 max_queries=max_queries,
                 net_names=not no_net_names, seed=seed)
    train_model(dataset, out, _root(data_root), cfg, device, holdout, quiet, typer.echo)


@linkpred_app.command("eval")
def evaluate(dataset: str = typer.Option(..., "--dataset", help=_DATASET_HELP),
             model: Path = typer.Option(..., "--model", help="Model file from 'train'."),
             out: Optional[Path] = typer.Option(None, "-o", "--output", help="Results JSON."),
             data_root: Optional[Path] = typer.Option(None, "--data-root"),
             max_queries: Optional[int] = typer.Option(None, "--max-queries",
                                                       help="Sample this many pin queries."),
             device: str = device_option(),
             threads: int = typer.Option(1, "--threads"),
             quiet: bool = typer.Option(False, "-q", "--quiet")) -> None:
    """Hide each pin's connection and rank its true net among all nets of its circuit:
    Hits@1, Hits@3, MRR, balanced accuracy and AUC."""
    from models.seal.api import eval_model, set_threads
    set_threads(threads)
    eval_model(dataset, model, out, _root(data_root), device, max_queries, quiet, typer.echo)


@linkpred_app.command()
def predict(netlist: Path = typer.Argument(..., help="Netlist file (any readable format)."),
            model: Path = typer.Option(..., "--model", help="Model file from 'train'."),
            component: Optional[str] = typer.Option(None, "--component", help="Component name."),
            pin: Optional[str] = typer.Option(None, "--pin", help="Its pin (p, n, d, g, s, ...)."),
            missing: bool = typer.Option(False, "--missing", help="Rank nets for every dangling "
                                         "pin (alone on its net)."),
            top: int = typer.Option(10, "--top", help="Nets to show per pin."),
            fmt: Optional[str] = typer.Option(None, "--from", help="Input format name."),
            as_json: bool = typer.Option(False, "--json", help="Print JSON."),
            out: Optional[Path] = typer.Option(None, "-o", "--output", help="Write JSON here."),
            device: str = device_option()) -> None:
    """Rank the nets (and the pins on them) a pin most likely connects to."""
    from eda.errors import EdaError
    from eda.formats import read
    from models.seal.api import load_model, set_threads
    from models.seal.predict import predict as do_predict
    if not netlist.exists():
        raise EdaError(f"{netlist}: no such file")
    set_threads(1)
    m, _ = load_model(model, device)
    res = do_predict(m, read(netlist, fmt), component, pin, missing, top)
    if out:
        from eda.fileio import atomic_write
        atomic_write(out, json.dumps(res, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(res, indent=2))
        return
    blocks = res["dangling"] if missing else [res]
    if missing and not blocks:
        typer.echo("no dangling pins (every net has at least two pins)")
    for b in blocks:
        typer.echo(f"{b['pin']}:")
        for k, r in enumerate(b["ranking"], 1):
            mark = "  (its net in the netlist)" if r.get("current") else ""
            pins = ", ".join(r["pins"][:8]) + (" ..." if len(r["pins"]) > 8 else "")
            typer.echo(f"  {k:>2}. {r['net']:<16} {r['score']:.3f}  [{pins}]{mark}")
