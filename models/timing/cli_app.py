"""`eda timing label|train|eval|predict`: only typer is imported at module level."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option, quiet_option

timing_app = typer.Typer(help="Pre-route timing prediction (arrival, required, slack) on gate-level netlists.",
                         no_args_is_help=True, add_completion=False)

_ROOT_HELP = "Timing data root in the shared layout: designs/<name>/..., lib/*.lib.gz (default $EDA_DATA/timing)."


def _names(s: Optional[str]) -> Optional[list[str]]:
    return [x for x in s.split(",") if x] if s else None


@timing_app.command()
def train(out: Path = typer.Option(..., "-o", "--output", help="Model file to write (M.pt)."),
          data_root: Optional[Path] = typer.Option(None, "--data-root", help=_ROOT_HELP),
          model: str = typer.Option("ours", "--model", help="ours (PreRoutGNN-style, the default) | baseline "
                                    "(TimingGCN-style) | mlp (per-arc NLDM-feature MLP, delays only)."),
          epochs: Optional[int] = typer.Option(None, "--epochs", help="Main-stage epochs (default: 10 for the GNNs, 6 mlp)."),
          e2e_max_arcs: int = typer.Option(60_000, "--e2e-max-arcs", help="GNNs: end-to-end stage on train designs "
                                           "with at most this many arcs (0: all)."),
          prefit_steps: int = typer.Option(400, "--prefit-steps", help="GNNs: per-arc delay pre-fit minibatch steps."),
          designs: Optional[str] = typer.Option(None, "--designs", help="Comma-separated designs "
                                                "(default: the fixed split's train designs)."),
          max_arcs: int = typer.Option(100_000, "--max-arcs", help="mlp: labelled arcs sampled per design."),
          seed: int = typer.Option(0, "--seed"),
          device: str = device_option(),
          quiet: bool = quiet_option()) -> None:
    """Train a timing model on OpenSTA labels (train designs of the fixed split); default: ours."""
    from models.timing.api import data_root_or_default, train as run
    run(data_root_or_default(data_root), out, epochs, device, _names(designs), max_arcs, seed, quiet, typer.echo,
        model=model, e2e_max_arcs=e2e_max_arcs, prefit_steps=prefit_steps)


@timing_app.command("eval")
def evaluate(model: Path = typer.Option(..., "--model", help="Model file from `eda timing train`."),
             out: Path = typer.Option(..., "-o", "--output", help="Results JSON (a .md report goes beside it)."),
             data_root: Optional[Path] = typer.Option(None, "--data-root", help=_ROOT_HELP),
             designs: Optional[str] = typer.Option(None, "--designs", help="Comma-separated designs "
                                                   "(default: every design the model was not trained on)."),
             device: str = device_option(),
             quiet: bool = quiet_option()) -> None:
    """R2 (truth first) of slack, arrival, required, net/cell delay per design and their mean."""
    from models.timing.api import data_root_or_default, evaluate as run
    res = run(data_root_or_default(data_root), model, out, device, _names(designs), quiet, typer.echo)
    m = res["mean"]
    typer.echo(f"mean slack R2 {m['slack_r2']:.4f}, arrival R2 {m['arrival_r2']:.4f} over "
               f"{len(res['designs'])} designs -> {out}")


@timing_app.command()
def label(design: Path = typer.Argument(..., help="RTL or gate-level Verilog (.v/.sv, may be .gz/.xz)."),
          lib: Path = typer.Option(..., "--lib", help="Liberty (.lib or .lib.gz)."),
          sdc: Path = typer.Option(..., "--sdc", help="Constraints (create_clock, I/O delays, load)."),
          out: Path = typer.Option(..., "-o", "--output", help="Data root to write (designs/NAME/..., lib/)."),
          top: Optional[str] = typer.Option(None, "--top", help="Top module (default: the one not instantiated)."),
          name: Optional[str] = typer.Option(None, "--name", help="Design name in the output (default: top)."),
          synth: Optional[bool] = typer.Option(None, "--synth/--no-synth",
                                               help="Force yosys synthesis on or off (default: only for RTL).")) -> None:
    """Label a design with yosys (RTL only) + OpenSTA: the shared per-pin and per-arc timing tables."""
    from eda.sta_label import label as run
    r = run(design, lib, sdc, out, top=top, synth=synth, name=name)
    how = "synthesised + timed" if r.synthesized else "timed"
    typer.echo(f"{r.name}: {how}: {r.pins} pins, {r.arcs} arcs, WNS {r.wns_ns} ns, TNS {r.tns_ns} ns "
               f"(yosys {r.synth_s} s, OpenSTA {r.sta_s} s) -> {r.folder}")


@timing_app.command()
def predict(netlist: Path = typer.Argument(..., help="Gate-level Verilog (.v or .v.xz)."),
            model: Path = typer.Option(..., "--model", help="Model file from `eda timing train`."),
            lib: Optional[Path] = typer.Option(None, "--lib", help="Liberty (.lib/.lib.gz); default: the training one."),
            sdc: Optional[Path] = typer.Option(None, "--sdc", help="Constraints (clock, I/O delays, load)."),
            out: Optional[Path] = typer.Option(None, "-o", "--output", help="Per-pin TSV to write."),
            out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="Write pins.tsv, arcs.tsv, predict.json, "
                                                   "report.md (+ scatter.png vs OpenSTA when labels are found)."),
            labels: Optional[Path] = typer.Option(None, "--labels", help="Folder with NAME.pins.tsv[.xz] and "
                                                  "NAME.arcs.tsv[.xz] (default: beside the netlist)."),
            top: int = typer.Option(10, "--top", help="Worst endpoints to list."),
            device: str = device_option()) -> None:
    """Per-pin arrival/required/slack/slew and per-arc delays of a netlist; lists the worst endpoints."""
    from models.timing.api import predict as run
    run(netlist, model, lib, sdc, out, device, top, typer.echo, out_dir, labels)
