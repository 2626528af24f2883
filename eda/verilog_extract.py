"""Verilog code out of a model's answer: `<SOLUTION>` tags, [BEGIN]/[DONE], fenced blocks, bare modules.

Order of preference: the last `<SOLUTION>..</SOLUTION>` (VeriRL's output format), then
`[BEGIN]..[DONE]` (VerilogEval v2's prompt), then fenced code blocks (those holding a module, all
of them in order, else the first), then the span from the first `module` to the last `endmodule`,
else the whole answer (a bare body, for prompts that end with the module header).
"""
from __future__ import annotations

import re

_SOLUTION = re.compile(r"<SOLUTION>(.*?)(?:</SOLUTION>|\Z)", re.S | re.I)
_BEGIN = re.compile(r"\[BEGIN\](.*?)(?:\[DONE\]|\Z)", re.S)
_FENCE = re.compile(r"```[ \t]*([\w+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.S)
_MODULE = re.compile(r"\bmodule\b")
_BARE = re.compile(r"(?:^|\n)[ \t]*(module\b.*\bendmodule\b)", re.S)


def _fenced(text: str) -> str | None:
    blocks = [body for _lang, body in _FENCE.findall(text)]
    if not blocks:
        return None
    with_module = [b for b in blocks if _MODULE.search(b)]
    return "\n".join(b.strip("\n") for b in with_module) if with_module else blocks[0]


def extract_code(answer: str) -> str:
    """The Verilog code in `answer` (see the module doc); '' for an empty answer."""
    text = answer or ""
    sols = _SOLUTION.findall(text)
    if sols:
        inner = sols[-1]
        return (_fenced(inner) or inner).strip() + "\n"
    m = _BEGIN.search(text)
    if m:
        inner = m.group(1)
        return (_fenced(inner) or inner).strip() + "\n"
    code = _fenced(text)
    if code is not None:
        return code.strip() + "\n"
    m = _BARE.search(text)
    if m:
        return m.group(1).strip() + "\n"
    return text.strip() + "\n" if text.strip() else ""
