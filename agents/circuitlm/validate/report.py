"""Findings and the validation report (DMCV): severities, the two scores, pass/fail, Markdown.

Scores: each category's findings cost fatal 1.0, major 0.5, minor 0.1, divided by the size of the
design (parts + nets, at least 1) and taken from 1 (floored at 0). `structural_score` counts the
structural rules; `electrical_score` counts the electrical rules, SPICE checks and the LLM judge's
verdict. A design passes when it has no fatal and no major finding (as in the CircuitLM paper).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["fatal", "major", "minor"]
WEIGHTS = {"fatal": 1.0, "major": 0.5, "minor": 0.1}


class Finding(BaseModel):
    """One problem: which rule found it, how bad it is, what it says, and the pins involved."""

    rule: str
    severity: Severity
    message: str
    pins: list[str] = Field(default_factory=list)
    category: Literal["structural", "electrical", "spice", "judge"] = "electrical"


class ValidationReport(BaseModel):
    findings: list[Finding] = Field(default_factory=list)
    structural_score: float = 1.0
    electrical_score: float = 1.0
    passed: bool = True
    rules_run: list[str] = Field(default_factory=list)
    spice: dict | None = Field(default=None, description="operating-point summary when SPICE ran")
    judge: dict | None = Field(default=None, description="the LLM judge's counts when it ran")
    notes: list[str] = Field(default_factory=list, description="what was skipped and why")

    def count(self, severity: str, category: str | None = None) -> int:
        return sum(1 for f in self.findings if f.severity == severity and (category is None or f.category == category))

    @classmethod
    def build(cls, findings: list[Finding], size: int, **kw) -> "ValidationReport":
        def score(cats: tuple[str, ...]) -> float:
            cost = sum(WEIGHTS[f.severity] for f in findings if f.category in cats)
            return round(max(0.0, 1.0 - cost / max(1, size)), 4)
        passed = not any(f.severity in ("fatal", "major") for f in findings)
        return cls(findings=findings, structural_score=score(("structural",)),
                   electrical_score=score(("electrical", "spice", "judge")), passed=passed, **kw)

    def summary(self) -> str:
        return (f"{'PASS' if self.passed else 'FAIL'}: {self.count('fatal')} fatal, {self.count('major')} major, "
                f"{self.count('minor')} minor; structural {self.structural_score:.2f}, "
                f"electrical {self.electrical_score:.2f}")

    def to_markdown(self) -> str:
        lines = ["## Validation", "", f"**{self.summary()}**", ""]
        if self.findings:
            lines += ["| severity | category | rule | message | pins |", "|---|---|---|---|---|"]
            order = {"fatal": 0, "major": 1, "minor": 2}
            for f in sorted(self.findings, key=lambda f: (order[f.severity], f.category, f.rule)):
                msg = f.message.replace("|", "\\|")
                lines.append(f"| {f.severity} | {f.category} | {f.rule} | {msg} | {', '.join(f.pins)} |")
        else:
            lines.append("No findings.")
        if self.spice:
            lines += ["", "### SPICE operating point", ""]
            nodes = self.spice.get("node_voltages", {})
            if nodes:
                lines += ["| net | V |", "|---|---|"] + [f"| {n} | {v:.3f} |" for n, v in nodes.items()]
            for e in self.spice.get("elements", []):
                if e.get("current_ma") is not None:
                    lines.append(f"- {e['name']} ({e['kind']}): {e['current_ma']:.2f} mA"
                                 + (f", {e['power_mw']:.1f} mW" if e.get("power_mw") is not None else ""))
        if self.judge:
            lines += ["", "### LLM judge", "",
                      f"fatal {self.judge.get('fatal', 0)}, major {self.judge.get('major', 0)}, "
                      f"minor {self.judge.get('minor', 0)}"]
        if self.notes:
            lines += ["", "### Notes", ""] + [f"- {n}" for n in self.notes]
        lines += ["", f"Rules run: {', '.join(self.rules_run)}", ""]
        return "\n".join(lines)
