"""`eda bench mmcircuiteval`: only typer is imported at module level."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import jobs_option, oracle_option, quiet_option, run_dir_option, seed_option
from eda.llm.options import api_key_option, base_url_option, model_option


def command(data: Optional[Path] = typer.Option(None, "--data", help="Official MMCircuitEval data: a folder of "
                                                "parquet splits, or a JSON / JSONL file of problems."),
            generate: Optional[int] = typer.Option(None, "--generate", help="Generate N circuit problems "
                                                   "(answers by ngspice) plus problems on the shipped decks."),
            seed: int = seed_option(),
            out: Path = run_dir_option(),
            base_url: Optional[str] = base_url_option(),
            model: Optional[str] = model_option(),
            api_key: Optional[str] = api_key_option(),
            jobs: int = jobs_option(),
            oracle: bool = oracle_option(),
            images: bool = typer.Option(False, "--images/--text-only", help="Send problem images as OpenAI "
                                        "image content (multimodal endpoints); default text only."),
            judge: bool = typer.Option(False, "--judge", help="Add the LLM judge to open-answer scores "
                                       "(weight 2 of 5, the answering endpoint)."),
            no_draw: bool = typer.Option(False, "--no-draw", help="Generated set without schematic images."),
            limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N sub-questions."),
            max_tokens: int = typer.Option(256, "--max-tokens", help="Longest answer, in tokens."),
            quiet: bool = quiet_option()) -> None:
    """MMCircuitEval-style circuit QA: ask, score, report per split/type/ability/difficulty."""
    from benchmarks.mmcircuiteval.run import run_mmcircuiteval
    summary = run_mmcircuiteval(out, data=data, generate=generate, seed=seed, base_url=base_url, model=model,
                                api_key=api_key, jobs=jobs, oracle=oracle, limit=limit, max_tokens=max_tokens,
                                images=images, judge=judge, draw=not no_draw, progress=not quiet,
                                log=lambda m: typer.echo(m, err=True))
    acc, sc = summary["accuracy"], summary.get("score", summary["accuracy"])
    typer.echo(f"{summary['model']}: score {'n/a' if sc is None else f'{sc:.4f}'}, accuracy "
               f"{'n/a' if acc is None else f'{acc:.4f}'} ({summary['correct']}/{summary['items']}); "
               f"report: {out / 'report.md'}")
