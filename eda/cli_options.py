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
