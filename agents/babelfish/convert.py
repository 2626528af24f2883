"""Deterministic first, grounded when not: read with a registered reader, else translate with the LLM.

`recognise(path, text)` names the registered format whose content sniffer is sure (score >= 50)
or whose extension matches; `convert_text`/`convert_file` then read with it and ask no LLM.
Otherwise (or with `llm=True`) Babel Fish runs: pre-pass, retrieval, two questions per line
(`translate`), checks, and an IR `Circuit` built from the records. The `Report` says which
components were inferred, which lines stayed unconverted, and how confident the check is.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from eda.errors import EdaError
from eda.ir import Circuit, Component, Statement, Subcircuit, pin_names

from .check import Record, check_all
from .kinds import NONE

SPICE_FAMILY = ("ngspice", "hspice", "ltspice", "xyce", "cdl")


@dataclass
class Report:
    """How a file was converted: the method, what was inferred, and how sure the check is."""

    method: str                                   # "deterministic" | "babelfish"
    format: str | None = None                     # reader used, or the best card's id
    reason: str = ""                              # why this method
    retrieval: list[tuple[str, float]] = field(default_factory=list)
    retrieval_method: str = ""
    lines: int = 0                                # lines the LLM labelled
    statements: int = 0                           # lines the pre-pass kept (comments, directives)
    components: int = 0
    inferred: list[str] = field(default_factory=list)      # component names built from LLM records
    first_pass_ok: int = 0                        # lines whose first record passed every check
    repaired: int = 0                             # lines fixed by a repair question
    unresolved: list[dict] = field(default_factory=list)   # {"line", "text", "problem"}
    warnings: list[str] = field(default_factory=list)
    confidence: float = 1.0
    usage: dict = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One line for stderr."""
        if self.method == "deterministic":
            return f"read with the {self.format} reader (no LLM)"
        return (f"Babel Fish (LLM, card {self.format}): {self.components} components inferred from "
                f"{self.lines} lines, {len(self.unresolved)} unconverted, {self.repaired} repaired, "
                f"check confidence {self.confidence:.2f}; {self.usage.get('requests', 0)} requests, "
                f"{self.usage.get('prompt_tokens', 0) + self.usage.get('completion_tokens', 0)} tokens, "
                f"{self.seconds:.1f} s")


def recognise(path: str | Path, text: str):
    """The registered format that recognises this input (sniff score >= 50, else extension), or None."""
    from eda.formats.registry import recognise as registry_recognise
    return registry_recognise(path, text)


# --------------------------------------------------------------------------- building the IR

_UNIT = re.compile(r"^\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)\s*$")
_PREFIX = {"T": "T", "G": "G", "M": "Meg", "k": "k", "K": "k", "m": "m", "u": "u", "µ": "u", "n": "n",
           "p": "p", "f": "f"}


def spice_value(v: str) -> str | None:
    """A value as SPICE can read it: quotes dropped, `1 kOhm` -> `1k`, `5 V` -> `5`."""
    v = v.strip().strip("\"'")
    if not v:
        return None
    m = _UNIT.match(v)
    if m and " " in v:
        num, unit = m.groups()
        return num + (_PREFIX.get(unit[:1], "") if len(unit) > 1 else _PREFIX.get(unit, ""))
    return v


def _ir_name(rec: Record, taken: set[str]) -> str:
    """A name that starts with the kind letter (what SPICE needs), unique in its body."""
    base = rec.name.split(":")[-1] or rec.name or f"{rec.kind}{rec.line}"
    if not base.upper().startswith(rec.kind):
        base = rec.kind + base
    name, k = base, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name


def record_component(rec: Record, taken: set[str], renames: dict[str, str]) -> Component:
    """The IR component of a checked record."""
    nets = [renames.get(n, n) for n in rec.pins.values()]
    kind = rec.kind
    name = _ir_name(rec, taken)
    pins = pin_names(kind, len(nets))
    if kind in ("D", "Q", "M", "J", "X", "S", "W", "T"):
        model, value = rec.model or None, None
        if kind in "ST" and not model:
            value = spice_value(rec.value)
    else:
        model, value = None, spice_value(rec.value or rec.model)
    comp = Component(kind, name, nets, pins=pins, model=model, value=value,
                     args=list(rec.control) or None, line=rec.line)
    if kind == "X" and not comp.model:
        comp.model = "unknown"
    return comp


def build_circuit(records: list[Record], statements, blocks, renames: dict[str, str], dialect: str) -> Circuit:
    """The IR circuit of the records, with the pre-pass's statements and subcircuit blocks."""
    circuit = Circuit(format="babelfish", dialect=dialect)
    bodies: dict[str, object] = {"": circuit}
    for b in blocks:
        sub = Subcircuit(name=b.name, ports=list(b.ports), line=b.line)
        bodies[b.name] = sub
    taken: dict[str, set[str]] = {}
    items: list[tuple[int, str, object]] = []
    st_dialect = "spice" if dialect in SPICE_FAMILY else dialect
    for no, kind, text, body in statements:
        word = text.split()[0].lower() if text.split() else ""
        items.append((no, body, Statement(kind, text, name=word if kind == "directive" else "", line=no,
                                          dialect=st_dialect)))
    for rec in records:
        if rec.kind == NONE:
            continue
        items.append((rec.line, rec.body, record_component(rec, taken.setdefault(rec.body, set()), renames)))
    for b in blocks:                          # definitions go to the top level (SPICE style)
        items.append((b.line, "", bodies[b.name]))
    for _, body, item in sorted(items, key=lambda t: t[0]):
        bodies.get(body, circuit).add(item)     # type: ignore[union-attr]
    return circuit


# --------------------------------------------------------------------------- the two paths

def _deterministic(text: str, path: str, fmt) -> tuple[Circuit, Report]:
    t0 = time.perf_counter()
    circuit = fmt.reader(text, path)
    circuit.source = path
    circuit.format = circuit.format or fmt.name
    n = sum(1 for _ in circuit.all_components())
    return circuit, Report("deterministic", fmt.name, "a registered reader recognises the input",
                           components=n, seconds=round(time.perf_counter() - t0, 3))


def babelfish(text: str, path: str = "", *, client=None, retriever=None, shots: int = 4, repairs: int = 2,
              workers: int = 2, progress: Callable[[int, int], None] | None = None,
              reason: str = "") -> tuple[Circuit, Report]:
    """Translate `text` with the LLM, grounded on the retrieved cards (see the module doc)."""
    from .prepass import prepass
    from .retrieval import Retriever
    from .translate import Translator
    t0 = time.perf_counter()
    if client is None:
        from eda.llm.client import LLMClient
        client = LLMClient()
    before = dict(client.usage)
    if not client.config.local:   # a configured endpoint: fail in one line before any retrieval work
        client.chat([{"role": "user", "content": "Reply OK."}], max_tokens=2, temperature=0)
    retriever = retriever or Retriever()
    ranked = retriever.search(text, k=3)
    pp = prepass(text)
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress:
            progress(done[0], len(pp.lines))

    results = Translator(client, [c for c, _ in ranked], shots=shots, repairs=repairs,
                         workers=workers).translate(pp.lines, tick)
    records = {r.line.no: r.record for r in results if r.record is not None}
    summary = check_all(records, pp.lines)
    circuit = build_circuit([records[k] for k in sorted(records)], pp.statements, pp.blocks,
                            summary.net_renames, ranked[0][0].id)
    circuit.source = path or None
    comps = [c for _, c in circuit.all_components()]
    report = Report("babelfish", ranked[0][0].id, reason or "--llm",
                    retrieval=[(c.id, round(s, 3)) for c, s in ranked], retrieval_method=retriever.used,
                    lines=len(pp.lines), statements=len(pp.statements), components=len(comps),
                    inferred=[c.name for c in comps],
                    first_pass_ok=sum(r.first_ok for r in results),
                    repaired=sum(1 for r in results if r.record is not None and not r.first_ok and not r.issues),
                    unresolved=[{"line": r.line.no, "text": r.line.text[:120],
                                 "problem": "; ".join(i.message for i in r.issues) or "no valid record"}
                                for r in results if r.record is None],
                    warnings=[f"line {i.line}: {i.message}" if i.line else i.message
                              for i in summary.issues if i.severity != "error"]
                    + ([f"nets with one pin: {', '.join(summary.single_pin_nets[:20])}"]
                       if summary.single_pin_nets else []),
                    confidence=summary.confidence,
                    usage={k: round(client.usage[k] - before.get(k, 0), 3) for k in client.usage},
                    seconds=round(time.perf_counter() - t0, 2))
    circuit.warnings += report.warnings
    return circuit, report


def convert_text(text: str, path: str = "", *, llm: bool = False, fmt: str | None = None,
                 **kw) -> tuple[Circuit, Report]:
    """The IR circuit of `text` and how it was obtained (deterministic unless no reader fits or `llm`)."""
    if not llm:
        from eda.formats import get
        f = get(fmt) if fmt else recognise(path, text)
        if f is not None:
            if f.reader is None:
                raise EdaError(f"format '{f.name}' cannot be read")
            return _deterministic(text, path, f)
        kw.setdefault("reason", "no registered reader recognises the input")
    return babelfish(text, path, **kw)


def convert_file(path: str | Path, **kw) -> tuple[Circuit, Report]:
    """`convert_text` of a file (read as the registry reads text)."""
    from eda.formats import read_text
    return convert_text(read_text(path), str(path), **kw)
