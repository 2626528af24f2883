"""`eda bench circuitsense`: only typer is imported at module level."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import jobs_option, oracle_option, quiet_option, run_dir_option, seed_option
from eda.llm.options import api_key_option, base_url_option, model_option


def command(data: Optional[Path] = typer.Option(None, "--data", help="Official CircuitSense data: a Domain/Level/qN/ "
                                                "folder tree, or the shared sample items.jsonl (or its folder)."),
            generate: Optional[int] = typer.Option(None, "--generate", help="Generate N labelled circuits "
                                                   "(transfer function, element counts and, where one fits, a design item each)."),
            seed: int = seed_option(),
            out: Path = run_dir_option(),
            base_url: Optional[str] = base_url_option(),
            model: Optional[str] = model_option(),
            api_key: Optional[str] = api_key_option(),
            jobs: int = jobs_option(),
            oracle: bool = oracle_option(),
            images: bool = typer.Option(False, "--images/--text-only", help="Send the schematic / official "
                                        "image as OpenAI image content (multimodal endpoints)."),
            limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N items."),
            max_tokens: int = typer.Option(512, "--max-tokens", help="Longest answer, in tokens."),
            timeout: float = typer.Option(10.0, "--label-timeout", help="Seconds per lcapy derivation."),
            quiet: bool = quiet_option()) -> None:
    """CircuitSense-style symbolic circuit reasoning: ask, score, report (items.jsonl, summary.json, report.md)."""
    from benchmarks.circuitsense.run import run_circuitsense
    summary = run_circuitsense(out, data=data, generate=generate, seed=seed, base_url=base_url, model=model,
                               api_key=api_key, jobs=jobs, oracle=oracle, limit=limit, max_tokens=max_tokens,
                               timeout=timeout, progress=not quiet, images=images,
                               log=lambda m: typer.echo(m, err=True))
    acc = summary["accuracy"]
    typer.echo(f"{summary['model']}: accuracy {'n/a' if acc is None else f'{acc:.4f}'} "
               f"({summary['correct']}/{summary['items']}); report: {out / 'report.md'}")
