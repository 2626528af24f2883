"""Preparing a SPICE deck's text for ngspice: pure text work, no simulator needed.

`prepare_deck` turns a deck (a path or the text itself) into ONE flattened deck handed to
ngspice's shared library, so that ngspice itself never opens a file and never sees a command:

- `.include`/`.inc`/`.lib FILE`/`.lib FILE SECTION` are resolved here (relative to the including
  file's folder, then the deck's), with caps: include depth, include cycles, total size, regular
  files only (`.include /dev/zero` fails at once), a missing file is a FILE:LINE error.
- every command channel is removed, in the deck and in every included file: `.control ... .endc`
  (any case, leading blanks, a missing `.endc` ends at the end of that file), `.exec` blocks, `*#`
  lines (ngspice runs `*# cmd` as a command) and an `*ng_script` title (ngspice would run the whole
  file as a script). What was removed is listed in `dropped_commands`; `allow_control=True` keeps
  them for a trusted deck.
- subcircuit definition nesting and instance hierarchy deeper than `MAX_SUBCKT_DEPTH` are refused
  (ngspice aborts or overflows its stack on them).
- `.end` removed, the deck's analyses replaced when the caller asks for others, and
  `.options num_threads=1` appended (Debian's libngspice is OpenMP-built and runs 30-100x slower
  without it).

Each output line remembers where it came from (a line number of the deck, or (file, line) for a
line of an included file) so that an ngspice error can be reported at FILE:LINE.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SimulationError
from ..formats.spice_lex import logical_lines

#: Directives that start an analysis (dropped when the caller gives analyses of their own).
ANALYSIS_DIRECTIVES = frozenset({".op", ".ac", ".dc", ".tran", ".noise", ".pz", ".tf", ".sens",
                                 ".disto", ".sp", ".pss"})

MAX_INCLUDE_DEPTH = 32            # nested .include/.lib levels
MAX_DECK_BYTES = 50 * 1024 * 1024  # the deck and everything it includes, together
MAX_DECK_LINES = 2_000_000        # logical lines of the flattened deck
MAX_SUBCKT_DEPTH = 64             # .subckt definitions inside definitions; X-instance hierarchy

KEPT_NOTE = "control commands kept (--allow-control)"

_TARGET_RE = re.compile(r"^(\"[^\"]*\"|'[^']*'|\S+)\s*(.*)$")
_EQ_RE = re.compile(r"\s*=\s*")


@dataclass
class PreparedDeck:
    """The lines sent to ngspice, where each came from, and where the deck came from.

    `origin[i]` is the deck's line number (int) for a line of the deck itself, `(file, line)` for
    a line of an included file, or None for a line added here.
    """

    lines: list[str]
    origin: list
    source: str | None = None            # file path, or None for text given directly
    base_dir: Path = field(default_factory=Path.cwd)
    removed: list[str] = field(default_factory=list)  # notes on what was taken out
    dropped_commands: list[str] = field(default_factory=list)  # command channels removed
    notes: list[str] = field(default_factory=list)   # e.g. control commands kept
    files: list[str] = field(default_factory=list)   # included files read

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def locate(self, ngspice_line: str):
        """Where a line ngspice echoes back (matched loosely) came from, or None."""
        want = _norm(ngspice_line)
        if not want:
            return None
        for line, origin in zip(self.lines, self.origin):
            if origin is not None and _norm(line) == want:
                return origin
        return None

    def where(self, origin=None) -> str:
        """`FILE:LINE: ` (or `FILE: `) for an origin as in `self.origin`."""
        return where_text(self.source, origin)


def where_text(source: str | None, origin) -> str:
    """`FILE:LINE: ` for a deck line number or a (file, line) origin; `FILE: ` for None."""
    src = source or "<deck>"
    if isinstance(origin, tuple):
        return f"{origin[0]}:{origin[1]}: "
    return f"{src}:{origin}: " if origin else f"{src}: "


def _norm(line: str) -> str:
    return " ".join(line.lower().strip().strip("`'\"").split())


def read_capped(path: Path, limit: int) -> str:
    """The text of a regular file, refusing devices/FIFOs/folders and files over `limit` bytes."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise OSError(exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise OSError("not a regular file")
    if st.st_size > limit:
        raise OSError(f"larger than the {limit // (1024 * 1024)} MB limit")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError("not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"larger than the {limit // (1024 * 1024)} MB limit")
    return data.decode("utf-8", errors="replace")


def read_deck(deck: str | Path) -> tuple[str, str | None]:
    """(text, path-or-None) for a deck given as a Path, a path string or the deck text itself."""
    if isinstance(deck, Path):
        path = deck
    elif isinstance(deck, str) and "\n" not in deck and len(deck) < 4096 and Path(deck).is_file():
        path = Path(deck)
    else:
        text = str(deck)
        if len(text) > MAX_DECK_BYTES:
            raise SimulationError(f"<deck>: deck larger than the {MAX_DECK_BYTES >> 20} MB limit")
        return text, None
    try:
        return read_capped(path, MAX_DECK_BYTES), str(path)
    except OSError as exc:
        raise SimulationError(f"{path}: cannot read deck: {exc}") from None


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


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 3] + "..."


class _Flattener:
    """Reads a deck and its includes into one list of (origin, line); see the module docstring."""

    def __init__(self, source: str | None, base: Path, allow_control: bool) -> None:
        self.source = source
        self.base = base
        self.allow = allow_control
        self.out: list[tuple[object, str]] = []
        self.dropped: list[str] = []
        self.files: list[str] = []
        self.bytes = 0
        self.kept_control = False

    # -- where things are ------------------------------------------------------------------
    def _origin(self, fname: str | None, no: int):
        return no if fname is None else (fname, no)

    def _loc(self, fname: str | None, no: int) -> str:
        return f"{fname or self.source or '<deck>'}:{no}"

    def _error(self, fname: str | None, no: int, msg: str) -> SimulationError:
        return SimulationError(f"{self._loc(fname, no)}: {msg}")

    def _resolve(self, name: str, here: Path) -> Path:
        p = Path(name).expanduser()
        if p.is_absolute():
            return p
        first = here / p
        if first.exists() or here == self.base:
            return first
        alt = self.base / p
        return alt if alt.exists() else first

    # -- one file --------------------------------------------------------------------------
    def run(self, text: str) -> None:
        title, _, body = text.partition("\n")
        title = title.rstrip("\r")
        low = title.strip().lower()
        if low.startswith("*ng_script"):
            if self.allow:
                self.kept_control = True
            else:
                self.dropped.append(f"{self._loc(None, 1)}: *ng_script title "
                                    "(ngspice would run the file as a script)")
                title = "untitled"
        elif low.startswith((".", "*#")):
            title = "* " + title.strip()   # the title is never a card (SPICE rule): keep it inert
        self.out.append((1, title if title.strip() else "untitled"))
        self.bytes += len(text)
        self._emit(body, None, self.base, 2, [], None, top=True)

    def _emit(self, text: str, fname: str | None, here: Path, first: int,
              stack: list[tuple[str, str | None]], section: str | None, top: bool = False) -> None:
        """Append the lines of one file (or of one `.lib` section of it) to `self.out`."""
        control_at = 0        # line of the open .control/.exec block, 0 when none
        drop_at = -1          # index in self.dropped of the open block's entry
        skip_section = 0      # nesting depth inside a `.lib NAME` block that is not emitted
        in_section = section is None
        found = section is None
        for no, line in logical_lines(text, first):
            s = line.lstrip()
            low = s.lower()
            word = low.split(None, 1)[0] if low else ""
            if control_at:
                if word.startswith(".endc"):
                    control_at = 0
                if self.allow and in_section and not skip_section:
                    self.out.append((self._origin(fname, no), line))
                continue
            # `.lib NAME` ... `.endl`: library sections, emitted only when selected
            if word.startswith(".endl"):
                if skip_section:
                    skip_section -= 1
                elif section is not None and in_section:
                    in_section = False
                    return
                continue
            if word.startswith(".lib"):
                rest = s.split(None, 1)[1].strip() if len(s.split(None, 1)) > 1 else ""
                m = _TARGET_RE.match(rest)
                if not m:
                    raise self._error(fname, no, f"{word} without a file name")
                target, more = m.groups()
                name = target[1:-1] if target[:1] in "\"'" else target
                is_file = bool(more.strip()) or self._resolve(name, here).is_file()
                if not is_file:   # a section definition `.lib NAME`
                    if skip_section:
                        skip_section += 1
                    elif section is not None and not in_section and name.lower() == section:
                        in_section = True
                        found = True
                    else:
                        skip_section = 1
                    continue
            if skip_section or not in_section:
                continue
            if low.startswith("*ng_script"):
                self._drop(fname, no, "*ng_script line", line)
                continue
            if low.startswith("*#"):
                self._drop(fname, no, "*# command", line)
                continue
            if word.startswith((".control", ".exec")):
                control_at = no
                drop_at = self._drop(fname, no, f"{word} block", line, show=False)
                continue
            if word.startswith(".endc"):
                continue          # a stray .endc: ngspice only warns
            if word == ".end":
                if top:
                    return
                continue
            if word.startswith(".inc") or word.startswith(".lib"):
                self._include(word, s, fname, no, here, stack)
                continue
            self.out.append((self._origin(fname, no), line))
            if len(self.out) > MAX_DECK_LINES:
                raise self._error(fname, no, f"deck longer than {MAX_DECK_LINES} lines "
                                  "with its includes")
        if control_at and drop_at >= 0:
            self.dropped[drop_at] += " (no .endc: to the end of the file)"
        if not found:
            raise SimulationError(f"{fname}: no .lib section {section!r} in this file")

    def _drop(self, fname: str | None, no: int, what: str, line: str, show: bool = True) -> int:
        """Record a removed command line (or keep it under allow_control); its index or -1."""
        if self.allow:
            self.kept_control = True
            self.out.append((self._origin(fname, no), line))
            return -1
        text = f"{self._loc(fname, no)}: {what}"
        if show:
            text += f": {_short(line.strip())}"
        self.dropped.append(text)
        return len(self.dropped) - 1

    def _include(self, word: str, s: str, fname: str | None, no: int, here: Path,
                 stack: list[tuple[str, str | None]]) -> None:
        parts = s.split(None, 1)
        m = _TARGET_RE.match(parts[1].strip()) if len(parts) > 1 else None
        if not m:
            raise self._error(fname, no, f"{word} without a file name")
        target, more = m.groups()
        name = target[1:-1] if target[:1] in "\"'" else target
        section = None
        if word.startswith(".lib") and more.strip():
            section = more.split()[0].strip("\"'").lower()
        path = self._resolve(name, here)
        try:
            real = os.path.realpath(path)
        except OSError:
            real = str(path)
        key = (real, section)
        if key in stack:
            raise self._error(fname, no, f"include cycle: {name} includes itself"
                              f"{' (section ' + section + ')' if section else ''}")
        if len(stack) >= MAX_INCLUDE_DEPTH:
            raise self._error(fname, no, f"includes nested more than {MAX_INCLUDE_DEPTH} deep")
        if not path.exists():
            raise self._error(fname, no, f"include file {name} not found"
                              f"{'' if Path(name).is_absolute() else ' (looked in ' + str(here) + ')'}")
        try:
            text = read_capped(path, MAX_DECK_BYTES - self.bytes)
        except OSError as exc:
            raise self._error(fname, no, f"cannot include {name}: {exc}") from None
        self.bytes += len(text)
        shown = str(path)
        self.files.append(shown)
        self._emit(text, shown, path.parent, 1, stack + [key], section)


def _x_target(line: str) -> str | None:
    """The subcircuit an `X` line instantiates: the last token before parameters."""
    text = _EQ_RE.sub("=", line.split("$ ", 1)[0].split(";", 1)[0])
    toks = []
    for t in text.split()[1:]:
        if "=" in t or t.lower() in ("params:", "param:"):
            break
        toks.append(t)
    return toks[-1].lower() if toks else None


def check_hierarchy(lines: list[str], origin: list, where) -> None:
    """Refuse `.subckt` nesting or X-instance hierarchy deeper than MAX_SUBCKT_DEPTH."""
    depth = 0
    stack: list[str] = []
    children: dict[str, list[tuple[str, object]]] = {}
    top: list[tuple[str, object]] = []
    defined_at: dict[str, object] = {}
    for line, org in zip(lines, origin):
        s = line.lstrip()
        if not s or s[0] in "*$;":
            continue
        c = s[0].lower()
        if c == ".":
            words = s.split()
            w = words[0].lower()
            if w == ".subckt":
                depth += 1
                if depth > MAX_SUBCKT_DEPTH:
                    raise SimulationError(f"{where(org)}.subckt definitions nested more than "
                                          f"{MAX_SUBCKT_DEPTH} deep")
                name = words[1].lower() if len(words) > 1 else ""
                stack.append(name)
                children.setdefault(name, [])
                defined_at.setdefault(name, org)
            elif w == ".ends" and stack:
                stack.pop()
                depth -= 1
        elif c == "x":
            t = _x_target(s)
            if t is not None:
                (children[stack[-1]] if stack else top).append((t, org))
    if not top or not children:
        return
    # longest instance chain below each subcircuit, iteratively (no recursion limit)
    memo: dict[str, int] = {}
    for start, _ in top:
        if start in memo or start not in children:
            continue
        work = [(start, 0)]
        onpath: set[str] = set()
        while work:
            name, i = work.pop()
            kids = [k for k, _ in children.get(name, []) if k in children]
            if i == 0:
                onpath.add(name)
            if i < len(kids):
                work.append((name, i + 1))
                k = kids[i]
                if k in onpath:
                    org = next(o for n, o in children[name] if n == k)
                    raise SimulationError(f"{where(org)}subcircuit {k} instantiates itself "
                                          "(recursive hierarchy)")
                if k not in memo:
                    if len(onpath) >= MAX_SUBCKT_DEPTH:
                        org = next(o for n, o in children[name] if n == k)
                        raise SimulationError(f"{where(org)}subcircuit hierarchy deeper than "
                                              f"{MAX_SUBCKT_DEPTH} levels")
                    work.append((k, 0))
                continue
            memo[name] = 1 + max((memo.get(k, 0) for k in kids), default=0)
            onpath.discard(name)
            if memo[name] > MAX_SUBCKT_DEPTH:
                raise SimulationError(f"{where(defined_at[name])}subcircuit hierarchy deeper "
                                      f"than {MAX_SUBCKT_DEPTH} levels")


def prepare_deck(deck: str | Path, *, op: bool = False, ac: str | None = None,
                 tran: str | None = None, dc: str | None = None,
                 workdir: str | Path | None = None, allow_control: bool = False) -> PreparedDeck:
    """Build the ngspice input for `deck` (see the module docstring)."""
    text, source = read_deck(deck)
    if workdir is not None:
        base = Path(workdir).resolve()
    elif source is not None:
        base = Path(source).resolve().parent
    else:
        base = Path.cwd()
    override = analysis_lines(op=op, ac=ac, tran=tran, dc=dc)
    if not text.strip():
        raise SimulationError(f"{source or '<deck>'}: empty deck")
    flat = _Flattener(source, base, allow_control)
    flat.run(text)
    lines: list[str] = []
    origin: list = []
    removed: list[str] = list(flat.dropped)
    has_analysis = False
    in_control = False
    for org, line in flat.out:
        word = line.strip().split(None, 1)[0].lower() if line.strip() else ""
        if allow_control:   # kept control blocks: their lines are commands, not cards
            if word.startswith((".control", ".exec")):
                in_control = True
            elif word.startswith(".endc"):
                in_control = False
            if in_control or word.startswith(".endc"):
                lines.append(line)
                origin.append(org)
                continue
        if word in ANALYSIS_DIRECTIVES and org != 1:
            if override:
                removed.append(f"{where_text(source, org)}{line.strip()}")
                continue
            has_analysis = True
        lines.append(line)
        origin.append(org)
    prepared = PreparedDeck(lines, origin, source, base, removed, list(flat.dropped),
                            [KEPT_NOTE] if flat.kept_control else [], flat.files)
    check_hierarchy(lines, origin, prepared.where)
    if not override and not has_analysis and not flat.kept_control:
        hint = " outside .control blocks" if flat.dropped else ""
        raise SimulationError(f"{source or '<deck>'}: no analysis to run: the deck has none{hint};"
                              " give one (op, ac, tran or dc)")
    for extra in [".options num_threads=1", *override, ".end"]:
        lines.append(extra)
        origin.append(None)
    return prepared
