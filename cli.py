"""The `eda` command: thin typer commands over the library (no logic of its own).

Heavy imports (torch, PyG, PySpice, the LLM runtime) happen inside the commands that need them,
so netlist commands answer fast.  A user's mistake prints one line and exits 2; `--debug` shows
the traceback.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="eda: netlists in, graphs, simulations and models out.")
_state = {"debug": False}


from eda.llm.cli_app import llm_app  # noqa: E402  (imports only typer)

app.add_typer(llm_app, name="llm", help="The LLM layer: a local OpenAI-compatible server and questions.")

from benchmarks.verilog.cli_app import verilog_app  # noqa: E402  (imports only typer)

app.add_typer(verilog_app, name="verilog", help="Verilog generation: VerilogEval / RTLLM on Icarus Verilog.")

bench_app = typer.Typer(no_args_is_help=True,
                        help="Benchmarks and evaluation harnesses (results JSON + Markdown report).")
app.add_typer(bench_app, name="bench")

from models.seal.cli_app import linkpred_app  # noqa: E402  (imports only typer)

app.add_typer(linkpred_app, name="linkpred", help="SEAL link prediction: rank the nets a pin connects to.")

from models.timing.cli_app import timing_app  # noqa: E402  (imports only typer)

app.add_typer(timing_app, name="timing", help="Timing prediction: arrival/slack from a netlist + Liberty (OpenSTA labels).")

from models.parasitic.cli_app import parasitic_app  # noqa: E402  (imports only typer)

app.add_typer(parasitic_app, name="parasitic", help="Parasitic estimation (CircuitGCL): net ground/coupling caps from a netlist.")

from benchmarks.linkpred import bench_linkpred_command  # noqa: E402  (imports only typer)

bench_app.command("linkpred")(bench_linkpred_command)

from benchmarks.linkpred_scale import bench_linkpred_scale_command  # noqa: E402  (imports only typer)

bench_app.command("linkpred-scale")(bench_linkpred_scale_command)

from benchmarks.timing import bench_timing_command  # noqa: E402  (imports only typer)

bench_app.command("timing")(bench_timing_command)

from benchmarks.parasitic import bench_parasitic_command  # noqa: E402  (imports only typer)

bench_app.command("parasitic")(bench_parasitic_command)

from agents.sizing.cli_app import size_command  # noqa: E402  (imports only typer)

app.command("size")(size_command)

from benchmarks.sizing import bench_sizing_command  # noqa: E402  (imports only typer)

bench_app.command("sizing")(bench_sizing_command)

from benchmarks.babelfish import command as bench_babelfish_command  # noqa: E402  (imports only typer)

bench_app.command("babelfish")(bench_babelfish_command)

from benchmarks.circuitsense.cli_app import command as bench_circuitsense_command  # noqa: E402  (only typer)

bench_app.command("circuitsense")(bench_circuitsense_command)

from benchmarks.mmcircuiteval.cli_app import command as bench_mmcircuiteval_command  # noqa: E402  (only typer)

bench_app.command("mmcircuiteval")(bench_mmcircuiteval_command)

from agents.circuitlm.cli_app import schematic_command  # noqa: E402  (imports only typer)

app.command("schematic")(schematic_command)

from benchmarks.circuitlm import bench_circuitlm_command  # noqa: E402  (imports only typer)

bench_app.command("circuitlm")(bench_circuitlm_command)


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors.")) -> None:
    _state["debug"] = debug


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(msg, err=True)
    raise typer.Exit(code)


def _read(path: Path, fmt: Optional[str] = None):
    from eda.formats import read
    if not path.exists():
        _fail(f"{path}: no such file")
    return read(path, fmt)


def _emit_json(data: dict, out: Optional[Path]) -> None:
    text = json.dumps(data, indent=2, default=str)
    if out:
        from eda.fileio import atomic_write
        atomic_write(out, text + "\n")
    else:
        typer.echo(text)


@app.command()
def info(path: Path = typer.Argument(..., help="Netlist file (any readable format)."),
         fmt: Optional[str] = typer.Option(None, "--from", help="Input format name."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Summary of a netlist: components, nets, kinds, subcircuits, models, directives."""
    s = _read(path, fmt).summary()
    if as_json:
        _emit_json(s, None)
        return
    from eda.report import summary_text
    typer.echo(summary_text(path, s))


@app.command()
def convert(src: Path = typer.Argument(..., help="Input netlist."),
            out: Path = typer.Option(..., "-o", "--output", help="Output file."),
            from_fmt: Optional[str] = typer.Option(None, "--from", help="Input format name."),
            to_fmt: Optional[str] = typer.Option(None, "--to", help="Output format name "
                                                 "(spice, spectre, cdl, verilog, kicad, kicad-xml, "
                                                 "circuitjson, yosys-json, json, ...)."),
            flatten: bool = typer.Option(False, "--flatten", help="Inline subcircuit instances."),
            llm: bool = typer.Option(False, "--llm", help="Translate with Babel Fish (LLM + format cards) "
                                     "even when a reader recognises the input."),
            base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint for "
                                                   "Babel Fish (default: $EDA_LLM_BASE_URL, else the local model)."),
            model: Optional[str] = typer.Option(None, "--model", help="LLM model name (default: $EDA_LLM_MODEL)."),
            api_key: Optional[str] = typer.Option(None, "--api-key", help="LLM API key (default: "
                                                  "$EDA_LLM_API_KEY or $OPENAI_API_KEY)."),
            report: Optional[Path] = typer.Option(None, "--report", help="Write how it was converted (JSON).")) -> None:
    """Convert a netlist between formats; says what the target format drops.

    A registered reader converts what it recognises (no LLM). Anything else, or any input with
    --llm, is translated by Babel Fish; stderr says so, which parts were inferred and how
    confident the check is.
    """
    from agents.babelfish.cli_support import run_convert
    run_convert(src, out, from_fmt=from_fmt, to_fmt=to_fmt, flatten=flatten, llm=llm, base_url=base_url,
                model=model, api_key=api_key, report=report, echo=typer.echo)


@app.command()
def check(path: Path = typer.Argument(..., help="Netlist file."),
          fmt: Optional[str] = typer.Option(None, "--from", help="Input format name."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Electrical rule check: floating and single-pin nets, no ground, source loops, shorts, models."""
    from eda.check import run_erc
    circuit = _read(path, fmt)
    findings = run_erc(circuit)
    errors = sum(1 for f in findings if f.severity == "error")
    if as_json:
        _emit_json({"file": str(path), "errors": errors,
                    "warnings": len(findings) - errors,
                    "findings": [f.to_dict() for f in findings]}, None)
    else:
        for f in findings:
            typer.echo(f"{path}: {f.severity}: {f.rule}: {f.message}")
        typer.echo(f"{path}: {errors} error(s), {len(findings) - errors} warning(s)")
    if errors:
        raise typer.Exit(1)


@app.command()
def graph(path: Path = typer.Argument(..., help="Netlist file."),
          view: str = typer.Option("bipartite", "--view", help="component | bipartite | port"),
          out: Path = typer.Option(..., "-o", "--output", help="OUT.graphml | OUT.json | OUT.pt"),
          fmt: Optional[str] = typer.Option(None, "--from", help="Input format name.")) -> None:
    """Write a graph view of a netlist (GraphML, node-link JSON or a PyG .pt file)."""
    from eda.graph import write_graph
    if view not in ("component", "bipartite", "port"):
        _fail(f"unknown view '{view}' (component, bipartite, port)")
    write_graph(_read(path, fmt), view, out)


@app.command()
def sim(path: list[Path] = typer.Argument(..., help="SPICE deck(s)."),
        op: bool = typer.Option(False, "--op", help="Operating point."),
        ac: Optional[str] = typer.Option(None, "--ac", help='AC sweep, e.g. "dec 20 1 1e9".'),
        tran: Optional[str] = typer.Option(None, "--tran", help='Transient, e.g. "1n 1u".'),
        dc: Optional[str] = typer.Option(None, "--dc", help='DC sweep, e.g. "V1 0 5 0.1".'),
        out: Optional[Path] = typer.Option(None, "-o", "--output", help="Results JSON."),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Plot PNG."),
        jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes for many decks."),
        allow_control: bool = typer.Option(
            False, "--allow-control",
            help="Trust the deck: keep its .control blocks and *# commands (ngspice runs them).")) -> None:
    """Simulate with ngspice (the deck's analyses unless some are given).

    Decks are untrusted: their command channels (.control, *#, *ng_script) are removed and listed
    under dropped_commands unless --allow-control is given."""
    from eda.sim.cli_support import run_sim_command
    if allow_control:
        typer.echo("eda sim: --allow-control: the deck's control commands are kept and run", err=True)
    rc = run_sim_command(path, op=op, ac=ac, tran=tran, dc=dc, out=out, plot=plot, jobs=jobs,
                         echo=typer.echo, allow_control=allow_control)
    if rc:
        raise typer.Exit(rc)


@app.command()
def formats() -> None:
    """List the formats: read/write and what each drops."""
    from eda.report import formats_table
    typer.echo(formats_table())


def main() -> None:
    """Entry point: run the app, turning the project's errors into one line and exit 2."""
    from eda.errors import EdaError
    debug = "--debug" in sys.argv
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except EdaError as e:
        if debug:
            raise
        typer.echo(str(e).splitlines()[0] if str(e) else type(e).__name__, err=True)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as e:  # click usage errors and the like
        import click
        if isinstance(e, click.ClickException):
            e.show()
            sys.exit(2)
        if debug:
            raise
        typer.echo(f"error: {type(e).__name__}: {e} (run with --debug for a traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
