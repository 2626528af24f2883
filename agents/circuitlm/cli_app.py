"""`eda schematic`: the typer command (only typer is imported at module import; the work is in pipeline.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.llm.options import base_url_option, model_option, api_key_option


def schematic_command(
        prompt: str = typer.Argument(..., help="What to build, e.g. 'Blink an LED with an Arduino Uno'."),
        out: Path = typer.Option(..., "-o", "--output", help="Folder for circuit.json, schematic.svg/png, "
                                 "netlist.sp, report.md, design.json, stages.jsonl."),
        base_url: Optional[str] = base_url_option(),
        model: Optional[str] = model_option(),
        api_key: Optional[str] = api_key_option(),
        no_spice: bool = typer.Option(False, "--no-spice", help="Skip the ngspice operating-point check."),
        judge: bool = typer.Option(False, "--judge", help="Also ask the LLM to judge the design "
                                   "(fatal/major/minor counts)."),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root holding the component "
                                                 "library (default $EDA_DATA, else ../shared/data).")) -> None:
    """Natural-language prompt -> checked schematic (Circuit JSON, SVG, PNG, SPICE deck, report)."""
    from agents.circuitlm.identify import PromptError
    if not prompt.strip():
        raise PromptError("empty prompt: describe the circuit, e.g. 'Blink an LED with an Arduino Uno'")
    if out.exists() and not out.is_dir():
        raise PromptError(f"-o {out}: exists and is not a folder")
    from eda.kb import load_library
    from eda.llm.client import LLMClient

    from agents.circuitlm.pipeline import run_prompt
    lib = load_library(data_root)
    with LLMClient(base_url, model, api_key) as client:
        res = run_prompt(prompt, out, client, lib, spice=not no_spice, judge=client if judge else None)
    typer.echo(summary_text(res))


def summary_text(res) -> str:
    """The one-screen summary of a run."""
    r, d = res.report, res.design
    lines = [f"{'PASS' if res.passed else 'FAIL'}  structural {r.structural_score:.2f}  electrical "
             f"{r.electrical_score:.2f}  ({r.count('fatal')} fatal, {r.count('major')} major, {r.count('minor')} minor)",
             f"parts ({len(d.parts)}): " + ", ".join(f"{p.ref}={p.part}{'(' + p.value + ')' if p.value else ''}"
                                                   for p in d.parts),
             f"nets ({len(d.nets)}): " + ", ".join(n.name for n in d.nets[:16]) + (" ..." if len(d.nets) > 16 else "")]
    lines += [f"warning: {w}" for w in res.warnings]
    worst = [f for f in r.findings if f.severity in ("fatal", "major")][:5]
    lines += [f"{f.severity}: {f.message}" for f in worst]
    if res.quality:
        lines.append(f"layout: {res.quality.get('overlaps', 0)} overlaps, {res.quality.get('crossings', 0)} crossings")
    lines.append(f"time {sum(res.seconds.values()):.1f} s, LLM tokens {res.tokens.get('prompt_tokens', 0)}+"
                 f"{res.tokens.get('completion_tokens', 0)}")
    if res.out_dir is not None:
        lines.append(f"wrote {res.out_dir}/: " + ", ".join(Path(f).name for f in res.files))
    return "\n".join(lines)
