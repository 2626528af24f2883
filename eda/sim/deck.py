"""Preparing a SPICE deck's text for ngspice: pure text work, no simulator needed.

`prepare_deck` turns a deck (a path or the text itself) into the lines handed to ngspice's
shared library: `.control` blocks and `.end` removed, relative `.include`/`.lib` paths made
absolute (relative to the deck's directory), the deck's analyses replaced when the caller asks
for others, and `.options num_threads=1` appended (Debian's libngspice is OpenMP-built and runs
30-100x slower without it). Each output line remembers the input line it came from so that an
ngspice error can be reported at FILE:LINE.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SimulationError
from ..formats.spice_lex import logical_lines

#: Directives that start an analysis (dropped when the caller gives analyses of their own).
ANALYSIS_DIRECTIVES = frozenset({".op", ".ac", ".dc", ".tran", ".noise", ".pz", ".tf", ".sens",
                                 ".disto", ".sp", ".pss"})

_INCLUDE_RE = re.compile(r"^(\.(?:include|inc|lib))(\s+)(\"[^\"]*\"|'[^']*'|\S+)(.*)$", re.I)


@dataclass
class PreparedDeck:
    """The lines sent to ngspice, the source line number (1-based, None if added) of each,
    and where the deck came from."""

    lines: list[str]
    origin: list[int | None]
    source: str | None = None            # file path, or None for text given directly
    base_dir: Path = field(default_factory=Path.cwd)
    removed: list[str] = field(default_factory=list)  # notes on what was taken out

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def locate(self, ngspice_line: str) -> int | None:
        """The source line number of a line ngspice echoes back (matched loosely), or None."""
        want = _norm(ngspice_line)
        if not want:
            return None
        for line, origin in zip(self.lines, self.origin):
            if origin is not None and _norm(line) == want:
                return origin
        return None


def _norm(line: str) -> str:
    return " ".join(line.lower().split())


def read_deck(deck: str | Path) -> tuple[str, str | None]:
    """(text, path-or-None) for a deck given as a Path, a path string or the deck text itself."""
    if isinstance(deck, Path):
        path = deck
    elif isinstance(deck, str) and "\n" not in deck and len(deck) < 4096 and Path(deck).is_file():
        path = Path(deck)
    else:
        return str(deck), None
    try:
        return path.read_text(encoding="utf-8", errors="replace"), str(path)
    except OSError as exc:
        raise SimulationError(f"{path}: cannot read deck: {exc.strerror or exc}") from None


def analysis_lines(*, op: bool = False, ac: str | None = None, tran: str | None = None,
                   dc: str | None = None) -> list[str]:
    """Analysis directives for the given options (`ac="dec 20 1 1e9"` -> `.ac dec 20 1 1e9`)."""
    lines = [".op"] if op else []
    for name, spec in (("ac", ac), ("dc", dc), ("tran", tran)):
        if spec is None:
            continue
        spec = str(spec).strip()
        if spec.lower().startswith("." + name):
            spec = spec[len(name) + 1:].strip()
        elif spec.lower().startswith(name + " "):
            spec = spec[len(name):].strip()
        if not spec:
            raise SimulationError(f"empty specification for the {name} analysis")
        lines.append(f".{name} {spec}")
    return lines


def _absolute_include(line: str, base: Path) -> str:
    m = _INCLUDE_RE.match(line.strip())
    if not m:
        return line
    directive, space, target, rest = m.groups()
    quoted = target[:1] in "\"'"
    name = target[1:-1] if quoted else target
    if directive.lower() == ".lib" and not rest.strip():
        # `.lib SECTION` opens a section inside a library file; `.lib FILE` (no section) is a file.
        if not (base / name).expanduser().is_file():
            return line
    p = Path(name).expanduser()
    if not p.is_absolute():
        p = (base / p).resolve()
    text = str(p)
    if quoted or any(c.isspace() for c in text):
        text = f'"{text}"'
    return f"{directive}{space}{text}{rest}"


def prepare_deck(deck: str | Path, *, op: bool = False, ac: str | None = None,
                 tran: str | None = None, dc: str | None = None,
                 workdir: str | Path | None = None) -> PreparedDeck:
    """Build the ngspice input for `deck` (see the module docstring)."""
    text, source = read_deck(deck)
    if workdir is not None:
        base = Path(workdir).resolve()
    elif source is not None:
        base = Path(source).resolve().parent
    else:
        base = Path.cwd()
    override = analysis_lines(op=op, ac=ac, tran=tran, dc=dc)
    lines: list[str] = []
    origin: list[int | None] = []
    removed: list[str] = []
    title, _, body = text.partition("\n")
    logical = [(1, title.rstrip("\r"))] + logical_lines(body, 2) if text.strip() else []
    if not logical:
        raise SimulationError(f"{source or '<deck>'}: empty deck")
    in_control = False
    has_analysis = False
    for idx, (no, line) in enumerate(logical):
        if idx == 0:  # the title line, whatever it says (SPICE rule)
            lines.append(line if line.strip() else "untitled")
            origin.append(no)
            continue
        word = line.strip().split(None, 1)[0].lower() if line.strip() else ""
        if in_control:
            if word == ".endc":
                in_control = False
            continue
        if word == ".control":
            in_control = True
            removed.append(f"line {no}: .control block")
            continue
        if word == ".end":
            break
        if word in ANALYSIS_DIRECTIVES:
            if override:
                removed.append(f"line {no}: {line.strip()}")
                continue
            has_analysis = True
        if word.startswith(".inc") or word == ".lib":
            line = _absolute_include(line, base)
        lines.append(line)
        origin.append(no)
    if not override and not has_analysis:
        hint = " outside .control blocks" if any("control" in r for r in removed) else ""
        raise SimulationError(f"{source or '<deck>'}: no analysis to run: the deck has none{hint};"
                              " give one (op, ac, tran or dc)")
    for extra in [".options num_threads=1", *override, ".end"]:
        lines.append(extra)
        origin.append(None)
    return PreparedDeck(lines, origin, source, base, removed)
