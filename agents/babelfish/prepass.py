"""A dialect-agnostic pre-pass: logical lines, tokens, blocks, and the candidates per line.

No format knowledge beyond what most netlist dialects share: blank lines and comment lines
(`*`, `#`, `//`, `;`) are no components, a leading `+` or a trailing `\\` continues a line,
lines starting with `.` are directives (kept as statements), and `.subckt`/`subckt`/`.Def:`
open a definition that `.ends`/`ends`/`.Def:End` close. Everything else is a line the LLM
labels. Its candidates (names, nets, values, models) are the tokens of that line: the answer
schema only allows those, so a small model cannot invent nets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

COMMENT_PREFIXES = ("*", "#", "//", ";")
_OPEN = re.compile(r"^\s*(?:\.subckt|subckt|\.def:(?!end\b))\s*(\S+)?(.*)$", re.I)
_OPEN_QUCS = re.compile(r"^\s*\.def:(\S+)(.*)$", re.I)
_CLOSE = re.compile(r"^\s*(?:\.ends|ends|\.def:end)\b", re.I)


@dataclass
class Line:
    """One logical line (continuations joined) that may hold a component."""

    no: int                     # 1-based number of its first physical line
    text: str
    tokens: list[str]
    body: str = ""              # subcircuit definition it belongs to ("" = top)
    names: list[str] = field(default_factory=list)
    nets: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A subcircuit definition found by the pre-pass."""

    name: str
    ports: list[str]
    line: int


@dataclass
class PrePass:
    lines: list[Line]                                    # lines for the LLM
    statements: list[tuple[int, str, str, str]]          # (line no, kind, text, body)
    blocks: list[Block]
    physical_lines: int


def tokenize(text: str) -> list[str]:
    """Tokens of a line: words, `key=value` pairs, quoted strings, `word(...)` groups.

    Parentheses and commas that stand alone separate tokens (Spectre `(a b)`, Verilog `(a, b)`).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch in "(),;":
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in "(),;":
            if text[j] in "\"'{":
                close = "}" if text[j] == "{" else text[j]
                k = text.find(close, j + 1)
                j = n if k < 0 else k + 1
                continue
            j += 1
        if j < n and text[j] == "(" and j > i:        # word(...) stays one token
            depth, k = 0, j
            while k < n:
                depth += {"(": 1, ")": -1}.get(text[k], 0)
                k += 1
                if depth == 0:
                    break
            j = k
        out.append(text[i:j])
        i = j
    return _join_equals(out)


def _join_equals(toks: list[str]) -> list[str]:
    """`key = value` and `key =value` written with spaces become one `key=value` token."""
    out: list[str] = []
    for t in toks:
        if out and (t.startswith("=") or out[-1].endswith("=")) and not (t.startswith("=") and out[-1].endswith("=")):
            out[-1] += t
        else:
            out.append(t)
    return out


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    return s


def candidates(tokens: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(names, nets, values, models) a record of this line may use, in line order."""
    names: list[str] = []
    nets: list[str] = []
    values: list[str] = []
    models: list[str] = []
    for i, tok in enumerate(tokens):
        key, eq, val = tok.partition("=")
        if eq and key and not key.startswith(("\"", "'", "{")):
            v = _unquote(val)
            if v:
                if len(key) <= 3 and not any(ch.isspace() for ch in v):   # pin=net (d=out, 1=a)
                    nets.append(v)
                values += [v, tok]
                models.append(v)
            continue
        bare = _unquote(tok)
        if not bare or not any(ch.isalnum() for ch in bare):
            continue
        m = re.match(r"^([^\s(]+)\((.*)\)$", bare)
        if i == 0:
            names.append(bare)
            names += [p for p in re.split(r"[:]", bare)[1:] if p]
            continue
        names.append(bare)
        if m:                                             # .A(n3) or PULSE(0 1 ...)
            inner = [p for p in re.split(r"[\s,]+", m.group(2)) if p]
            if len(inner) == 1:
                nets.append(inner[0])
            values.append(bare)
            continue
        nets.append(bare)
        values.append(bare)
        models.append(bare)
    tail = [t for t in tokens[1:] if "=" not in t]
    for k in (2, 3):                                      # "DC 1.8", "AC 1 0"
        if len(tail) > k:
            values.append(" ".join(tail[-k:]))
    dedupe = lambda xs: list(dict.fromkeys(xs))[:40]       # noqa: E731
    return dedupe(names), dedupe(nets), dedupe(values), dedupe(models)


def _logical(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pending_backslash = False
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if out and (pending_backslash or (stripped.startswith("+") and not out[-1][1].lstrip().startswith(
                COMMENT_PREFIXES))):
            prev_no, prev = out[-1]
            out[-1] = (prev_no, prev.rstrip("\\").rstrip() + " " + (stripped[1:] if stripped.startswith("+")
                                                                     and not pending_backslash else stripped))
        else:
            out.append((no, line))
        pending_backslash = line.endswith("\\")
    return out


def prepass(text: str) -> PrePass:
    """Split `text` into the lines the LLM labels and the ones the pre-pass keeps as statements."""
    lines: list[Line] = []
    statements: list[tuple[int, str, str, str]] = []
    blocks: list[Block] = []
    stack: list[str] = []
    for no, raw in _logical(text):
        s = raw.strip()
        body = stack[-1] if stack else ""
        if not s:
            continue
        if s.startswith(COMMENT_PREFIXES):
            statements.append((no, "comment", raw, body))
            continue
        if _CLOSE.match(s):                      # the Subcircuit the builder makes writes its own end
            if stack:
                stack.pop()
            continue
        m = _OPEN_QUCS.match(s) if s.lower().startswith(".def:") else _OPEN.match(s)
        if m and m.group(1):
            toks = tokenize(m.group(2))
            ports = [t for t in toks if "=" not in t and t.lower() not in ("params:",)]
            blocks.append(Block(m.group(1), ports, no))
            stack.append(m.group(1))
            continue
        if s.startswith("."):
            statements.append((no, "directive", raw, body))
            continue
        toks = tokenize(s)
        if not toks:
            statements.append((no, "raw", raw, body))
            continue
        names, nets, values, models = candidates(toks)
        lines.append(Line(no, s, toks, body, names, nets, values, models))
    return PrePass(lines, statements, blocks, len(text.splitlines()))
