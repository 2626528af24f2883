"""`eda parasitic train|eval|predict`: only typer is imported at module level."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option, quiet_option

parasitic_app = typer.Typer(help="Parasitic capacitance estimation (CircuitGCL) from gate-level netlists, "
                            "labelled by extracted SPEF.", no_args_is_help=True, add_completion=False)

_ROOT_HELP = ("Parasitic data root: folders each holding a .spef[.gz] and its Verilog netlist "
              "(default $EDA_DATA/parasitic).")


def _names(s: Optional[str]) -> Optional[list[str]]:
    return [x for x in s.split(",") if x] if s else None


@parasitic_app.command()
def train(out: Path = typer.Option(..., "-o", "--output", help="Model file to write (M.pt)."),
          data_root: Optional[Path] = typer.Option(None, "--data-root", help=_ROOT_HELP),
          designs: Optional[str] = typer.Option(None, "--designs", help="Comma-separated designs "
                                                "(default: the split's train designs)."),
          method: str = typer.Option("circuitgcl", "--method", help="circuitgcl | gnn (plain baseline)"),
          pretrain_epochs: int = typer.Option(20, "--pretrain-epochs"),
          epochs: int = typer.Option(40, "--epochs"),
          seed: int = typer.Option(0, "--seed"),
          device: str = device_option(),
          quiet: bool = quiet_option()) -> None:
    """Pre-train (CircuitGCL) and fine-tune on SPEF labels of the training designs."""
    from models.parasitic.api import train as run
    from models.parasitic.data import data_root_or_default
    run(data_root_or_default(data_root), out, _names(designs), method, pretrain_epochs, epochs, device, seed,
        quiet, typer.echo)


@parasitic_app.command("eval")
def evaluate(model: Path = typer.Option(..., "--model", help="Model file from `eda parasitic train`."),
             out: Path = typer.Option(..., "-o", "--output", help="Results JSON (a .md report goes beside it)."),
             data_root: Optional[Path] = typer.Option(None, "--data-root", help=_ROOT_HELP),
             designs: Optional[str] = typer.Option(None, "--designs", help="Comma-separated designs "
                                                   "(default: every design the model was not trained on)."),
             device: str = device_option(),
             quiet: bool = quiet_option()) -> None:
    """Coupling R2/MAE and ground macro-F1 per unseen design, next to a GBDT baseline."""
    from models.parasitic.api import evaluate as run
    from models.parasitic.data import data_root_or_default
    res = run(data_root_or_default(data_root), model, out, _names(designs), device, quiet, typer.echo)
    m = res["mean"][res["method"]]
    typer.echo(f"mean coupling R2 {m.get('cc_r2', float('nan')):.3f}, ground macro-F1 "
               f"{m.get('ground_f1', float('nan')):.3f} over {len(res['designs'])} designs -> {out}")


@parasitic_app.command()
def predict(netlist: Path = typer.Argument(..., help="Gate-level Verilog (.v or .v.gz)."),
            model: Path = typer.Option(..., "--model", help="Model file from `eda parasitic train`."),
            out: Optional[Path] = typer.Option(None, "-o", "--output", help="TSV of predicted caps to write."),
            spice: Optional[Path] = typer.Option(None, "--spice", help="Also write a SPICE deck with the "
                                                 "predicted caps added (ground and coupling C elements)."),
            hops: int = typer.Option(1, "--hops", help="Candidate coupling pairs: nets within this many "
                                     "cell hops (1 = sharing a cell)."),
            device: str = device_option()) -> None:
    """Ground-capacitance class and value per net, coupling capacitance per candidate net pair."""
    from models.parasitic.api import predict as run
    run(netlist, model, out, spice, hops, device, typer.echo)
