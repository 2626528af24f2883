"""`eda convert`: the command's work, kept out of cli.py (which stays thin and fast to import)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable


def run_convert(src: Path, out: Path, *, from_fmt: str | None = None, to_fmt: str | None = None,
                flatten: bool = False, llm: bool = False, base_url: str | None = None,
                model: str | None = None, api_key: str | None = None, report: Path | None = None,
                echo: Callable[..., None] = print) -> None:
    """Read `src` (deterministically, else with Babel Fish), write `out`, tell stderr what happened."""
    from eda.errors import EdaError
    from eda.fileio import atomic_write
    from eda.formats import format_for_output, read_text, write_text

    from .convert import babelfish, convert_text, recognise

    if not src.exists():
        raise EdaError(f"{src}: no such file")
    fmt = format_for_output(out, to_fmt)          # a bad --to fails before any LLM work
    text = read_text(src)
    reason = "--llm" if from_fmt is None else "--llm (--from ignored)"
    if not llm and from_fmt is None and recognise(src, text) is None:
        echo(f"{src}: no registered reader recognises this input; translating it with Babel Fish (LLM)",
             err=True)
        llm, reason = True, "no registered reader recognises the input"
    if llm:
        from eda.llm.client import LLMClient
        client = LLMClient(base_url, model, api_key)
        where = client.config.base_url or "the bundled local model"
        with _bar(echo) as bar:
            task = bar.add_task(f"Babel Fish via {where}", total=None)
            circuit, rep = babelfish(text, str(src), client=client,
                                     progress=lambda d, n: bar.update(task, completed=d, total=n),
                                     reason=reason)
    else:
        circuit, rep = convert_text(text, str(src), fmt=from_fmt)
    if flatten:
        from eda.transform import flatten as do_flatten
        circuit = do_flatten(circuit)
    out_text, dropped = write_text(circuit, fmt.name)
    atomic_write(out, out_text)
    if rep.method != "deterministic":
        echo(rep.summary(), err=True)
        for u in rep.unresolved[:10]:
            echo(f"{src}:{u['line']}: not converted: {u['problem']}", err=True)
    for d in dropped[:20]:
        echo(f"dropped: {d}", err=True)
    if len(dropped) > 20:
        echo(f"dropped: ... and {len(dropped) - 20} more", err=True)
    if report is not None:
        atomic_write(report, json.dumps(rep.to_dict(), indent=2) + "\n")


def _bar(echo):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)
