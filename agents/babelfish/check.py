"""The record checker: is each line's record a valid, grounded component, and do they fit together?

Per record (`check_record`): the kind is known, the pins are exactly the kind's pins, every net,
name and model is a token of the line (the answer is grounded in the input), an X instance has
nets, and nothing looks like a slip (a two-terminal part shorted to one net, all pins of a device
on one net). Problems are `error`s (the record is invalid) or `suspect`s (valid, but sent back
for a second look; kept when the repairs run out). Across the whole input (`check_all`): every
line has a record, names are unique, and net names are consistent (spellings that differ only in
case are merged, nets with one pin are reported).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .kinds import CONTROLLED, KIND_PINS, KINDS, NONE
from .prepass import Line


@dataclass
class Issue:
    line: int
    severity: str          # "error" | "suspect" | "warning"
    message: str


@dataclass
class Record:
    """A checked component record: what the LLM said about one line, in canonical form."""

    line: int
    kind: str
    name: str = ""
    pins: dict[str, str] = field(default_factory=dict)   # pin -> net, canonical order; X: "1", "2", ...
    value: str = ""
    model: str = ""
    control: list[str] = field(default_factory=list)      # F/H/W controlling source; K inductors
    body: str = ""

    @classmethod
    def from_answer(cls, line: Line, doc: dict) -> "Record":
        """The record of an LLM answer (the flat `kinds` schema) for `line`."""
        kind = str(doc.get("kind", ""))
        rec = cls(line.no, kind, str(doc.get("name", "") or ""), value=str(doc.get("value", "") or ""),
                  model=str(doc.get("model", "") or ""), body=line.body)
        if kind == "X":
            nets = doc.get("nets") or []
            rec.pins = {str(i + 1): str(n) for i, n in enumerate(nets if isinstance(nets, list) else [nets])}
        elif kind in KIND_PINS:
            req, opt = KIND_PINS[kind]
            rec.pins = {p: str(doc[p]) for p in req + opt if doc.get(p) not in (None, "")}
            extra = [k for k in doc if k not in (*req, *opt, "kind", "name", "value", "model", "control")]
            rec.pins.update({k: str(doc[k]) for k in extra})     # unknown pins: the checker says so
            if kind in CONTROLLED and doc.get("control"):
                rec.control = [str(doc["control"])]
        elif kind == "K":
            rec.control = [str(doc[k]) for k in ("l1", "l2") if doc.get(k)]
        return rec

    def to_answer(self) -> dict:
        """The flat answer form (what a few-shot example or a repair prompt shows)."""
        if self.kind == NONE:
            return {"kind": NONE}
        doc: dict = {"kind": self.kind, "name": self.name}
        if self.kind == "X":
            doc["nets"] = list(self.pins.values())
        else:
            doc.update(self.pins)
        if self.kind in CONTROLLED and self.control:
            doc["control"] = self.control[0]
        if self.kind == "K":
            doc.update(dict(zip(("l1", "l2"), self.control)))
        doc["value"], doc["model"] = self.value, self.model
        return doc


def _in_line(token: str, line: Line) -> bool:
    return token in line.nets or token in line.names or token in line.text


def check_record(rec: Record, line: Line) -> list[Issue]:
    """Problems of one record against its line (see the module doc)."""
    out: list[Issue] = []
    err = lambda m: out.append(Issue(line.no, "error", m))          # noqa: E731
    sus = lambda m: out.append(Issue(line.no, "suspect", m))        # noqa: E731
    if rec.kind == NONE:
        return out
    if rec.kind not in KINDS:
        err(f"unknown kind {rec.kind!r}; use one of {', '.join(KINDS)} or none")
        return out
    if rec.name and not _in_line(rec.name, line):       # no name: the builder numbers it
        err(f"name {rec.name!r} is not on the line")
    if rec.kind == "X":
        if not rec.pins:
            err("a subcircuit instance needs at least one net")
    elif rec.kind in KIND_PINS:
        req, opt = KIND_PINS[rec.kind]
        missing = [p for p in req if p not in rec.pins]
        unknown = [p for p in rec.pins if p not in req + opt]
        if missing or unknown:
            want = " ".join(req) + (f" [{' '.join(opt)}]" if opt else "")
            err(f"kind {rec.kind} needs pins {want}; got {' '.join(rec.pins) or 'none'} "
                f"({len(rec.pins)} pins, expected {len(req)}{'-' + str(len(req) + len(opt)) if opt else ''})")
    elif rec.kind == "K" and len(rec.control) != 2:
        err("a coupling names two inductors (l1, l2)")
    for pin, net in rec.pins.items():
        if not net:
            err(f"pin {pin} has no net")
        elif not _in_line(net, line):
            err(f"net {net!r} of pin {pin} is not on the line")
    if rec.model and not _in_line(rec.model, line):
        err(f"model {rec.model!r} is not on the line")
    nets = list(rec.pins.values())
    if not any(i.severity == "error" for i in out) and len(nets) >= 2:
        if len(nets) == 2 and nets[0] == nets[1] and rec.kind in "RCLVIDB":
            sus(f"both pins of {rec.kind} {rec.name} are on net {nets[0]!r} (a short); check the nets")
        elif len(nets) > 2 and len(set(nets)) == 1:
            sus(f"all pins of {rec.name} are on net {nets[0]!r}; check the nets")
        elif rec.name in nets:
            sus(f"the component's own name {rec.name!r} is used as a net")
    return out


@dataclass
class CheckSummary:
    issues: list[Issue]
    net_renames: dict[str, str]          # spelling -> the spelling kept (case-only differences)
    single_pin_nets: list[str]
    confidence: float


def check_all(records: dict[int, Record], lines: list[Line]) -> CheckSummary:
    """Whole-input checks: every line converted, unique names, consistent nets; a confidence.

    Confidence is the share of lines whose record passed its checks (no error, no suspect),
    times (1 - half the share of nets with a single pin): a cheap sign of dropped connections.
    """
    issues: list[Issue] = []
    ok = 0
    for ln in lines:
        rec = records.get(ln.no)
        if rec is None:
            issues.append(Issue(ln.no, "error", "line not converted (no valid record)"))
            continue
        own = check_record(rec, ln)
        issues += own
        ok += not own
    seen: dict[tuple[str, str], int] = {}
    for no, rec in sorted(records.items()):
        if rec.kind == NONE:
            continue
        key = (rec.body, rec.name.lower())
        if key in seen:
            issues.append(Issue(no, "warning", f"name {rec.name!r} already used on line {seen[key]}"))
        else:
            seen[key] = no
    spelled: dict[tuple[str, str], str] = {}
    renames: dict[str, str] = {}
    count: dict[tuple[str, str], int] = {}
    for rec in records.values():
        for net in rec.pins.values():
            key = (rec.body, net.lower())
            first = spelled.setdefault(key, net)
            if first != net:
                renames[net] = first
            count[key] = count.get(key, 0) + 1
    for net, kept in sorted(renames.items()):
        issues.append(Issue(0, "warning", f"net {net!r} also spelled {kept!r}: merged"))
    single = sorted(spelled[k] for k, n in count.items() if n == 1)
    share = ok / len(lines) if lines else 1.0
    conf = share * (1 - 0.5 * (len(single) / len(count) if count else 0.0))
    return CheckSummary(issues, renames, single, round(conf, 3))
