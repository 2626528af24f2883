"""Formats are a registry, not a switch: each format module registers a `Format` here.

A format has a name, file extensions, an optional content sniffer, and a reader and/or writer.
`read(path)` picks the format by name, then by sniffing content, then by extension.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..errors import FormatError, NetlistError
from ..ir import Circuit

Reader = Callable[[str, str], Circuit]          # (text, path) -> Circuit
Writer = Callable[[Circuit], str]               # circuit -> text
Sniffer = Callable[[str, str], int]             # (head of text, path) -> confidence 0..100


@dataclass
class Format:
    """One netlist format: how to recognise, read and write it, and what it cannot express."""

    name: str
    extensions: tuple[str, ...] = ()
    reader: Optional[Reader] = None
    writer: Optional[Writer] = None
    sniff: Optional[Sniffer] = None
    description: str = ""
    drops: str = ""                      # what a write in this format cannot express
    aliases: tuple[str, ...] = ()
    binary_ok: bool = False
    lossy: Optional[Callable[[Circuit], list[str]]] = field(default=None, repr=False)


FORMATS: dict[str, Format] = {}
_MODULES = ("spice", "irjson", "spectre", "verilog", "kicad", "kicad_xml", "circuitjson",
            "yosys_json", "edif", "ltspice_asc", "bench", "datasets")
_loaded = False


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    for a in fmt.aliases:
        FORMATS[a] = fmt
    return fmt


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _MODULES:
        try:
            importlib.import_module(f"{__package__}.{mod}")
        except ModuleNotFoundError as e:  # a format module not written yet
            if e.name != f"{__package__}.{mod}":
                raise


def get(name: str) -> Format:
    _load_all()
    fmt = FORMATS.get(name.lower())
    if fmt is None:
        raise FormatError(f"unknown format '{name}' (known: {', '.join(names())})")
    return fmt


def names() -> list[str]:
    _load_all()
    return sorted({f.name for f in FORMATS.values()})


def formats() -> list[Format]:
    _load_all()
    seen: dict[str, Format] = {}
    for f in FORMATS.values():
        seen.setdefault(f.name, f)
    return list(seen.values())


def read_text(path: str | Path) -> str:
    """File text as str: UTF-8 (with BOM), falling back to Latin-1; binary data is an error."""
    data = Path(path).read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):   # UTF-16 with a byte-order mark (LTspice saves so)
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NetlistError("invalid UTF-16 text", str(path), 1, 1) from None
    nul = data.find(b"\x00")
    if nul < 0:
        ctrl = sum(1 for b in data[:4096] if b < 9 or 13 < b < 32)
        nul = -1 if ctrl <= len(data[:4096]) // 100 else next(
            i for i, b in enumerate(data) if b < 9 or 13 < b < 32)
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise NetlistError("binary data, not a text netlist", str(path), line, col)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _best_sniff(path: str | Path, text: str) -> tuple[Format | None, int]:
    """The reader whose content sniffer scores this input highest, and that score."""
    _load_all()
    head, spath = text[:8192], str(path)
    best, score = None, 0
    for fmt in formats():
        if fmt.sniff and fmt.reader:
            s = fmt.sniff(head, spath)
            if s > score:
                best, score = fmt, s
    return best, score


def recognise(path: str | Path, text: str) -> Format | None:
    """The reader that recognises a file: a confident content sniff (>= 50), else its extension;
    None when neither does (callers such as Babel Fish then translate it)."""
    best, score = _best_sniff(path, text)
    if best is not None and score >= 50:
        return best
    ext = Path(path).suffix.lower()
    for fmt in formats():
        if ext and ext in fmt.extensions and fmt.reader:
            return fmt
    return None


def detect(path: str | Path, text: str) -> Format:
    """The format of a file: the best content sniff, else its extension, else SPICE."""
    fmt = recognise(path, text)
    if fmt is not None:
        return fmt
    best, _ = _best_sniff(path, text)
    return best if best is not None else get("spice")


def read(path: str | Path, fmt: str | None = None) -> Circuit:
    """Read a netlist file into a Circuit (format by name, or detected)."""
    text = read_text(path)
    f = get(fmt) if fmt else detect(path, text)
    if f.reader is None:
        raise FormatError(f"format '{f.name}' cannot be read")
    circuit = f.reader(text, str(path))
    circuit.source = str(path)
    circuit.format = circuit.format or f.name
    return circuit


def format_for_output(path: str | Path, fmt: str | None = None) -> Format:
    """The writer for an output path: by name, else by extension."""
    _load_all()
    if fmt:
        f = get(fmt)
    else:
        ext = Path(path).suffix.lower()
        cands = [f for f in formats() if ext in f.extensions and f.writer]
        if not cands:
            raise FormatError(f"cannot tell the output format of '{path}': give --to")
        f = cands[0]
    if f.writer is None:
        raise FormatError(f"format '{f.name}' is read-only")
    return f


def write_text(circuit: Circuit, fmt: str) -> tuple[str, list[str]]:
    """Text of `circuit` in format `fmt`, and what that format dropped."""
    f = get(fmt)
    if f.writer is None:
        raise FormatError(f"format '{f.name}' is read-only")
    depth = nesting_depth(circuit)
    if depth > MAX_WRITE_NESTING:
        raise FormatError(f"subcircuit definitions nested {depth} deep; writers support at most "
                          f"{MAX_WRITE_NESTING} levels of nested .subckt definitions")
    dropped = f.lossy(circuit) if f.lossy else []
    return f.writer(circuit), dropped


#: Writers emit nested definitions recursively; deeper nesting is refused in one line
#: (instead of a RecursionError). Real decks nest a handful of levels.
MAX_WRITE_NESTING = 200


def nesting_depth(circuit: Circuit) -> int:
    """How deep subcircuit *definitions* nest (0: none), computed without recursion."""
    best = 0
    stack = [(circuit, 0)]
    while stack:
        body, d = stack.pop()
        best = max(best, d)
        stack.extend((s, d + 1) for s in body.subcircuits)
    return best
