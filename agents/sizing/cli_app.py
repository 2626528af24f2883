"""`eda size`: the typer command (imports only typer at module import; the work is in run.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def size_command(
        spec: Path = typer.Argument(..., help="Sizing problem YAML (e.g. netlists/sizing/two_stage_opamp.yaml)."),
        agent: str = typer.Option("ddpg", "--agent", help="ddpg (L2DC), bo (optuna multivariate TPE) or random."),
        budget: int = typer.Option(2000, "--budget", help="Most simulations to spend."),
        jobs: int = typer.Option(1, "--jobs", help="Parallel ngspice worker processes (spawn)."),
        seed: int = typer.Option(0, "--seed", help="Random seed (runs are reproducible)."),
        goal: str = typer.Option("meet", "--goal", help="meet: stop at the first design meeting the hard "
                                 "specs; optimize: spend the budget improving the soft targets."),
        device: str = typer.Option("auto", "--device", help="torch device for DDPG: auto, cpu, cuda."),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root for model files "
                                                 "(default $EDA_DATA, else ../shared/data)."),
        ray: Optional[str] = typer.Option(None, "--ray", help="Run the --jobs workers as Ray actors: "
                                          "'local' (a Ray instance here), 'auto' or ray://HOST:PORT."),
        out: Path = typer.Option(..., "-o", "--output", help="Run directory (re-run to resume)."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar.")) -> None:
    """Size a circuit with ngspice in the loop: best sizing, metrics, netlist, learning curve, report."""
    from agents.sizing import load_problem, size
    from eda.fileio import output_lock
    problem = load_problem(spec, data_root)
    with output_lock(out, folder=True):  # two runs on one DIR would interleave their logs
        size(problem, agent, out=out, budget=budget, jobs=jobs, seed=seed, goal=goal,
             device=device, progress=not quiet, echo=typer.echo, ray_address=ray)
