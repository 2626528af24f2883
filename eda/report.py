"""Human-readable text for CLI output: netlist summaries and the formats table."""
from __future__ import annotations

from pathlib import Path

from .ir import KIND_NAMES


def summary_text(path: str | Path, s: dict) -> str:
    """A few readable lines from `Circuit.summary()`."""
    lines = [f"{path}: {s.get('format')}" + (f" ({s['dialect']})" if s.get("dialect") else "")]
    if s.get("title"):
        lines.append(f"  title:       {s['title']}")
    lines.append(f"  components:  {s['components']}")
    lines.append(f"  nets:        {s['nets']}")
    if s["by_kind"]:
        kinds = ", ".join(f"{k} ({KIND_NAMES.get(k, k)}) {n}" for k, n in s["by_kind"].items())
        lines.append(f"  by kind:     {kinds}")
    for key in ("subcircuits", "models", "ports"):
        vals = s.get(key) or []
        if vals:
            shown = ", ".join(vals[:12]) + (f", ... ({len(vals)} in all)" if len(vals) > 12 else "")
            lines.append(f"  {key + ':':<12} {shown}")
    if s.get("directives"):
        lines.append("  directives:  " + ", ".join(f"{k} {n}" for k, n in s["directives"].items()))
    for w in s.get("warnings", [])[:10]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def formats_table() -> str:
    """Markdown table of every registered format: extensions, read/write, what a write drops."""
    from .formats import formats
    rows = ["| format | extensions | read | write | drops on write |", "|---|---|---|---|---|"]
    for f in sorted(formats(), key=lambda f: f.name):
        rows.append(f"| {f.name} | {' '.join(f.extensions)} | {'yes' if f.reader else 'no'} | "
                    f"{'yes' if f.writer else 'no'} | {f.drops or '-'} |")
    return "\n".join(rows)
