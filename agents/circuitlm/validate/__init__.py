"""Dual-metric circuit validation (DMCV) of a CircuitLM design.

    report = validate(design, lib)                 # structural + electrical rules + SPICE
    report = validate(design, lib, spice=False)    # rules only
    report = validate(design, lib, judge=client)   # plus the LLM judge (an eda.llm LLMClient)
    report.passed, report.structural_score, report.electrical_score, report.to_markdown()

Rules live in `structural.py` and `electrical.py`, one small function each, registered by name in
`registry.RULES`; `rules=` picks a subset. SPICE runs only when the structure is sound (no fatal
structural finding): a deck with unknown parts says nothing.
"""
from __future__ import annotations

from typing import Iterable

from eda.kb import Library

from ..design import Design
from . import structural, electrical  # noqa: F401,I001  (registers the rules, structural first)
from .context import Context
from .registry import RULES, Rule
from .report import Finding, ValidationReport

__all__ = ["validate", "ValidationReport", "Finding", "RULES", "Rule", "Context"]


def validate(design: Design, lib: Library, *, spice: bool = True, judge=None,
             rules: Iterable[str] | None = None) -> ValidationReport:
    """Check `design` against the library; see the module doc."""
    ctx = Context(design, lib)
    names = list(rules) if rules is not None else list(RULES)
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)} (known: {', '.join(RULES)})")
    findings: list[Finding] = []
    for name in names:
        findings.extend(RULES[name].fn(ctx))
    notes: list[str] = []
    op = None
    if spice:
        if any(f.severity == "fatal" and f.category == "structural" for f in findings):
            notes.append("SPICE skipped: the design has fatal structural errors")
        else:
            from .spice_check import spice_findings
            found, op, note = spice_findings(design, ctx)
            findings.extend(found)
            if note:
                notes.append(note)
        names.append("spice")
    counts = None
    if judge is not None:
        from .judge import judge as run_judge
        found, counts = run_judge(design, judge)
        findings.extend(found)
        names.append("llm_judge")
    size = len(design.parts) + len(design.nets)
    return ValidationReport.build(findings, size, rules_run=names, spice=op, judge=counts, notes=notes)
