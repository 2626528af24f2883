"""The whole CircuitLM run: prompt -> checked schematic files.

identify -> pinout -> plan -> synthesize -> repair -> validate (rules + SPICE, optional LLM judge)
-> layout -> SVG / PNG / Circuit JSON / SPICE deck -> report. `run_prompt` writes, into DIR:
`circuit.json`, `schematic.svg`, `schematic.png`, `netlist.sp`, `design.json`, `stages.jsonl`
(each stage's prompt and answer, and what the deterministic parts did) and `report.md`.
Everything is computed first and written at the end, each file atomically: a run that fails
(empty prompt, unknown part, endpoint down) leaves DIR as it was.
"""
from __future__ import annotations

import json
import tempfile
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from eda.fileio import atomic_write

from .design import Design
from .llm import StageLog

_SPICE_LOCK = threading.Lock()     # ngspice is one shared library per process: one deck at a time
FILES = ("circuit.json", "schematic.svg", "schematic.png", "netlist.sp", "design.json", "stages.jsonl",
         "report.md")


@dataclass
class Result:
    """What one prompt gave: the design, its validation, the files, and where the time went."""

    prompt: str
    out_dir: Path | None
    design: Design
    report: object                         # agents.circuitlm.validate.ValidationReport
    warnings: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    quality: dict = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.report.passed)

    def summary(self) -> dict:
        """The figures a benchmark records per prompt."""
        r = self.report
        return {"passed": self.passed, "structural": round(r.structural_score, 4),
                "electrical": round(r.electrical_score, 4),
                "fatal": r.count("fatal"), "major": r.count("major"), "minor": r.count("minor"),
                "parts": len(self.design.parts), "nets": len(self.design.nets),
                "warnings": self.warnings, "seconds": round(sum(self.seconds.values()), 3),
                "stage_seconds": self.seconds, **self.tokens,
                "overlaps": self.quality.get("overlaps"), "crossings": self.quality.get("crossings")}


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str):
        clock = self

        class _T:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                clock.seconds[name] = round(clock.seconds.get(name, 0.0) + time.perf_counter() - self.t0, 3)
        return _T()


def design_prompt(prompt: str, client, lib, *, log: StageLog | None = None, clock=None, max_connections: int = 6):
    """Stages 1-4 and the repair: (design, warnings, actions, plan). Raises EdaError on bad input."""
    from .identify import identify
    from .pinout import retrieve
    from .plan import plan as make_plan
    from .repair import repair
    from .synthesize import synthesize
    clock = clock or _Clock()
    log = log if log is not None else StageLog()
    with clock("identify"):
        requested = identify(prompt, client, lib, log=log)
    with clock("pinout"):
        parts = retrieve(requested, lib)
        log.add("pinout", kind="deterministic",
                parts={p.id: [f"{x.name}:{x.type}" for x in p.pins_of_type(*_TYPES)] for p in parts})
    warnings = [r.note for r in requested if r.note]
    with clock("plan"):
        plan = make_plan(prompt, requested, parts, client, log=log, max_connections=max_connections)
    with clock("synthesize"):
        design, notes = synthesize(plan, lib)
        log.add("synthesize", kind="deterministic", notes=notes, parts=len(design.parts), nets=len(design.nets))
    with clock("repair"):
        design, actions = repair(design, lib)
        log.add("repair", kind="deterministic", actions=actions)
    return design, warnings, notes + actions, plan


_TYPES = ("power_in", "power_out", "ground", "gpio", "analog", "digital", "i2c_sda", "i2c_scl", "uart_tx",
          "uart_rx", "spi", "passive", "driver_out")


def run_prompt(prompt: str, out_dir: str | Path | None, client, lib, *, spice: bool = True, judge=None,
               seed: int = 0, max_connections: int = 6) -> Result:
    """Design, check, lay out and draw `prompt`; write the files into `out_dir` (None: write nothing)."""
    from .circuitjson import to_circuit_json
    from .draw import render_svg, svg_to_png
    from .layout import layout_quality, place
    from .spice import to_spice
    from .validate import validate
    clock = _Clock()
    log = StageLog()
    design, warnings, actions, plan = design_prompt(prompt, client, lib, log=log, clock=clock,
                                                    max_connections=max_connections)
    with clock("validate"), (_SPICE_LOCK if spice else nullcontext()):
        report = validate(design, lib, spice=spice, judge=judge)
    with clock("layout"):
        layout = place(design, lib, seed=seed)
        quality = layout_quality(layout)
    with clock("draw"):
        svg = render_svg(design, lib, layout)
        with tempfile.TemporaryDirectory() as tmp:
            png = svg_to_png(svg, Path(tmp) / "schematic.png").read_bytes()
        cj = to_circuit_json(design, lib, layout)
    with clock("spice"):
        deck = to_spice(design, lib)
    res = Result(prompt=prompt, out_dir=Path(out_dir) if out_dir else None, design=design, report=report,
                 warnings=warnings, actions=actions, seconds=clock.seconds, tokens=log.tokens(), quality=quality)
    if out_dir is None:
        return res
    texts = {"circuit.json": json.dumps(cj, indent=1) + "\n", "schematic.svg": svg, "schematic.png": png,
             "netlist.sp": deck, "design.json": design.model_dump_json(indent=2) + "\n",
             "stages.jsonl": log.jsonl(), "report.md": report_markdown(res, plan)}
    out = Path(out_dir)
    for name in FILES:
        atomic_write(out / name, texts[name])
    res.files = [str(out / n) for n in FILES]
    return res


def report_markdown(res: Result, plan=None) -> str:
    """report.md: the parts, warnings, the expert's reasoning, repairs, validation, layout, time."""
    d, r = res.design, res.report
    lines = [f"# CircuitLM: {d.title or res.prompt[:60]}", "", f"Prompt: {res.prompt}", "",
             f"**{'PASS' if res.passed else 'FAIL'}**: structural score {r.structural_score:.2f}, "
             f"electrical score {r.electrical_score:.2f} ({r.count('fatal')} fatal, {r.count('major')} major, "
             f"{r.count('minor')} minor)", ""]
    if res.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in res.warnings] + [""]
    lines += ["## Parts", "", "| ref | part | value | role |", "|---|---|---|---|"]
    lines += [f"| {p.ref} | {p.part} | {p.value or ''} | {p.role or ''} |" for p in d.parts]
    lines += ["", "## Nets", ""] + [f"- **{n.name}**: {', '.join(n.pins)}" for n in d.nets]
    if plan is not None:
        lines += ["", "## Plan (LLM)", ""]
        lines.append(f"Reasoning: {plan.reasoning}" if plan.reasoning else "Reasoning: (none given)")
        if plan.connections:
            lines += ["", "Accepted pin choices: " + ", ".join(f"{c.a} -> {c.b}" for c in plan.connections)]
        if plan.rejected:
            lines += ["", "Rejected (checked against the pin types): " + "; ".join(plan.rejected)]
        lines += [f"- {n}" for n in plan.notes]
    if res.actions:
        lines += ["", "## Wiring rules and repairs", ""] + [f"- {a}" for a in res.actions]
    lines += ["", r.to_markdown().replace("\n# ", "\n## ")]
    if res.quality:
        lines += ["", "## Layout", "", ", ".join(f"{k}: {v}" for k, v in res.quality.items())]
    lines += ["", "## Run", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in res.seconds.items()]
    lines += ["", f"LLM tokens: {res.tokens.get('prompt_tokens', 0)} prompt, "
                  f"{res.tokens.get('completion_tokens', 0)} completion."]
    return "\n".join(lines) + "\n"
