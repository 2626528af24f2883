"""The optional LLM judge (as in the CircuitLM paper): count fatal / major / minor errors of a design.

The question is short (the bundled model is small): the request, the parts with their library ids,
and the nets as REF:PIN lists; the answer is schema-bound: three counts and up to three one-line
issues with a severity each (bounded: a small model otherwise repeats itself). Each issue becomes a `judge` finding.
"""
from __future__ import annotations

from ..design import Design
from .report import Finding

SCHEMA = {
    "type": "object",
    "properties": {
        "fatal": {"type": "integer", "minimum": 0, "maximum": 20},
        "major": {"type": "integer", "minimum": 0, "maximum": 20},
        "minor": {"type": "integer", "minimum": 0, "maximum": 20},
        "issues": {"type": "array", "maxItems": 3, "items": {
            "type": "object",
            "properties": {"severity": {"enum": ["fatal", "major", "minor"]},
                           "message": {"type": "string", "maxLength": 80}},
            "required": ["severity", "message"]}},
    },
    "required": ["fatal", "major", "minor", "issues"],
}

SYSTEM = ("You are an electronics engineer reviewing a breadboard circuit. Count its errors: fatal (it "
          "cannot work or will be damaged: shorts, reversed supply), major (it will misbehave: missing "
          "resistor, wrong logic level, missing pull-up), minor (style or robustness). Zero is fine when "
          "the circuit is correct.")


def design_text(design: Design) -> str:
    parts = "; ".join(f"{p.ref}={p.part}{' ' + p.value if p.value else ''}" for p in design.parts)
    nets = "\n".join(f"{n.name}: {', '.join(n.pins)}" for n in design.nets)
    return f"Request: {design.prompt or design.title}\nParts: {parts}\nNets:\n{nets}"


def judge(design: Design, client) -> tuple[list[Finding], dict]:
    """Ask `client` (an eda.llm LLMClient) to count errors; returns (findings, counts)."""
    doc = client.ask_json(design_text(design), SCHEMA, system=SYSTEM, repairs=1, temperature=0.0, max_tokens=200)
    findings = [Finding(rule="llm_judge", severity=i["severity"], message=i["message"].strip(), category="judge")
                for i in doc.get("issues", []) if i.get("message", "").strip()]
    counts = {k: int(doc.get(k, 0)) for k in ("fatal", "major", "minor")}
    # counts the model gave without an issue line still count, as unnamed findings
    for sev, n in counts.items():
        missing = n - sum(1 for f in findings if f.severity == sev)
        findings += [Finding(rule="llm_judge", severity=sev, category="judge",
                             message="counted by the LLM judge without a description")] * max(0, missing)
    return findings, counts
