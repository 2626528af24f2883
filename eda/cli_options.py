"""Options that many `eda` commands share (`--device`, `--quiet`), worded once."""
from __future__ import annotations

from typing import Any

import typer


def device_option() -> Any:
    """`--device auto|cpu|cuda` for every model (auto: CUDA when present, see `eda.device`)."""
    return typer.Option("auto", "--device", help="auto | cpu | cuda")


def quiet_option() -> Any:
    """`-q/--quiet`: no progress bar."""
    return typer.Option(False, "-q", "--quiet", help="No progress bar.")


def run_dir_option() -> Any:
    """`-o/--output DIR`: a resumable run directory (required)."""
    return typer.Option(..., "-o", "--output", help="Run directory (resumable).")


def seed_option(what: str = "the generator") -> Any:
    """`--seed S` (default 0)."""
    return typer.Option(0, "--seed", help=f"Seed of {what}.")


def jobs_option(default: int = 2, what: str = "Concurrent model calls.") -> Any:
    """`-j/--jobs N`."""
    return typer.Option(default, "--jobs", "-j", help=what)


def oracle_option() -> Any:
    """`--oracle`: answer with the labels, the harness's self-check."""
    return typer.Option(False, "--oracle", help="Answer with the labels (self-check: 100%).")
