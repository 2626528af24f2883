"""SPEF (IEEE 1481 Standard Parasitic Exchange Format) reader: extracted capacitances per net.

SPEF is a *label* format, not a netlist: it says how much capacitance each net of a netlist has
after layout, so it is not in the netlist registry. `read_spef` keeps what parasitic estimation
needs: per net the total, ground and coupling capacitance (farads), its connections (instance pins
and ports with direction and cell), and the undirected net-pair coupling capacitances.

Names are resolved through `*NAME_MAP` and un-escaped (`ctrl\\.state\\.out\\[2\\]` ->
`ctrl.state.out[2]`), the spelling the Verilog reader gives. A coupling cap between two nodes is
attributed to the nets owning the nodes: `net:idx` internal nodes to `net`, `inst:pin` to the net
whose `*CONN` lists that pin, a bare port to its net. When both nets list the same coupling (as
OpenRCX does) the two listings are averaged, otherwise the one listing is taken.
`check_nets` compares the SPEF's nets with a netlist's and raises a one-line `SpefMismatch`
naming a few nets that do not match.
"""
from __future__ import annotations

import gzip
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import EdaError, NetlistError

_UNITS = {"F": 1.0, "MF": 1e-3, "UF": 1e-6, "NF": 1e-9, "PF": 1e-12, "FF": 1e-15, "AF": 1e-18}
_UNESCAPE = re.compile(r"\\(.)")


class SpefMismatch(EdaError):
    """A SPEF whose nets are not the nets of the netlist it is paired with."""


@dataclass
class SpefNet:
    """One `*D_NET`: capacitances in farads and its connections (pin, direction, cell or '')."""

    name: str
    total_cap: float
    ground_cap: float = 0.0
    coupling_cap: float = 0.0
    conns: list[tuple[str, str, str]] = field(default_factory=list)
    n_res: int = 0


@dataclass
class Spef:
    """A parsed SPEF: design name, nets by name, and net-pair coupling caps (farads, a < b)."""

    design: str
    c_unit: float
    nets: dict[str, SpefNet]
    couplings: dict[tuple[str, str], float]
    path: str = "<input>"

    def ground_caps(self) -> dict[str, float]:
        return {n: s.ground_cap for n, s in self.nets.items()}


def unescape(name: str) -> str:
    """`a\\.b\\[3\\]` -> `a.b[3]` (SPEF escapes every non-identifier character)."""
    return _UNESCAPE.sub(r"\1", name) if "\\" in name else name


def _open_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def read_spef(path: str | Path, text: str | None = None) -> Spef:
    """Read a SPEF file (plain or gzip); bad input raises `NetlistError` at FILE:LINE."""
    path = Path(path)
    if text is None:
        if not path.is_file():
            raise EdaError(f"{path}: SPEF file not found")
        text = _open_text(path)
    return _Reader(text, str(path)).run()


class _Reader:
    def __init__(self, text: str, path: str):
        self.lines, self.path = text.splitlines(), path
        self.name_map: dict[str, str] = {}
        self.delim, self.c_unit, self.design = ":", 1e-12, ""

    def fail(self, msg: str, i: int):
        raise NetlistError(msg, self.path, i + 1, 1)

    def name(self, tok: str) -> str:
        """Resolve `*123` and `*123:PIN` through the name map, then un-escape."""
        if tok.startswith("*"):
            head, sep, tail = tok.partition(self.delim)
            full = self.name_map.get(head[1:])
            if full is None:
                raise KeyError(head)
            tok = full + sep + tail
        return unescape(tok)

    def run(self) -> Spef:
        lines, n = self.lines, len(self.lines)
        if not any(ln.lstrip().startswith("*SPEF") for ln in lines[:20]):
            self.fail("not a SPEF file (no *SPEF header)", 0)
        nets: dict[str, SpefNet] = {}
        raw_cc: list[tuple[str, str, str, float, int]] = []  # (listing net, node a, node b, cap, line)
        i = 0
        while i < n:
            parts = lines[i].split()
            if not parts or parts[0].startswith("//"):
                i += 1
                continue
            key = parts[0]
            if key == "*DESIGN" and len(parts) > 1:
                self.design = parts[1].strip('"')
            elif key == "*DELIMITER" and len(parts) > 1:
                self.delim = parts[1]
            elif key == "*C_UNIT":
                if len(parts) < 3 or parts[2].upper() not in _UNITS:
                    self.fail("expected *C_UNIT <number> <F|PF|FF|NF|UF|MF|AF>", i)
                self.c_unit = float(parts[1]) * _UNITS[parts[2].upper()]
            elif key == "*NAME_MAP":
                i += 1
                while i < n and lines[i].startswith("*") and not lines[i].startswith("*PORTS") \
                        and not lines[i].startswith("*D_NET") and not lines[i].startswith("*R_NET"):
                    p = lines[i].split(None, 1)
                    if len(p) == 2:
                        self.name_map[p[0][1:]] = p[1].strip()
                    i += 1
                continue
            elif key in ("*D_NET", "*R_NET"):
                i = self.net(i, nets, raw_cc)
                continue
            i += 1
        if not nets:
            self.fail("no *D_NET in the SPEF", n - 1 if n else 0)
        return Spef(self.design, self.c_unit, nets, self.couplings(nets, raw_cc), self.path)

    def net(self, i: int, nets: dict, raw_cc: list) -> int:
        parts, lines, n, cu = self.lines[i].split(), self.lines, len(self.lines), self.c_unit
        if len(parts) < 3:
            self.fail(f"expected {parts[0]} <net> <total cap>", i)
        try:
            net = SpefNet(self.name(parts[1]), float(parts[2]) * cu)
        except KeyError as e:
            self.fail(f"{e.args[0]} is not in the *NAME_MAP", i)
        except ValueError:
            self.fail(f"bad total capacitance '{parts[2]}'", i)
        nets[net.name] = net
        section = ""
        i += 1
        while i < n:
            p = lines[i].split()
            i += 1
            if not p:
                continue
            if p[0] == "*END":
                return i
            if p[0] in ("*CONN", "*CAP", "*RES", "*INDUC"):
                section = p[0]
                continue
            if p[0] in ("*D_NET", "*R_NET"):
                self.fail(f"net {net.name} has no *END", i - 1)
            try:
                if section == "*CONN" and p[0] in ("*P", "*I") and len(p) >= 3:
                    cell = p[p.index("*D") + 1] if "*D" in p[:-1] else ""
                    net.conns.append((self.name(p[1]), p[2], cell))
                elif section == "*CAP":
                    if len(p) == 3:
                        net.ground_cap += float(p[2]) * cu
                    elif len(p) >= 4:
                        c = float(p[3]) * cu
                        net.coupling_cap += c
                        raw_cc.append((net.name, self.name(p[1]), self.name(p[2]), c, i))
                    else:
                        self.fail("expected '<id> <node> [<node>] <cap>'", i - 1)
                elif section == "*RES":
                    net.n_res += 1
            except KeyError as e:
                self.fail(f"{e.args[0]} is not in the *NAME_MAP", i - 1)
            except ValueError:
                self.fail(f"bad number in '{lines[i - 1].strip()}'", i - 1)
        self.fail(f"net {net.name} has no *END", n - 1)

    def couplings(self, nets: dict[str, SpefNet], raw: list) -> dict[tuple[str, str], float]:
        """Net-pair coupling caps: per listing net the sum, then the mean over the listing nets."""
        pin_net = {pin: s.name for s in nets.values() for pin, _, _ in s.conns}
        d = self.delim

        def owner(node: str) -> str | None:
            if node in pin_net:
                return pin_net[node]
            head = node.rsplit(d, 1)[0] if d in node else node
            return head if head in nets else None

        per: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for listing, a, b, c, _ in raw:
            na, nb = owner(a), owner(b)
            if na is None:
                na = listing if nb != listing else None
            if nb is None:
                nb = listing if na != listing else None
            if na is None or nb is None or na == nb:
                continue
            key = (na, nb) if na < nb else (nb, na)
            per[key][listing] += c
        return {k: sum(v.values()) / len(v) for k, v in per.items()}


def check_nets(spef: Spef, netlist_nets: Iterable[str], netlist: str = "the netlist",
               tolerance: float = 0.02, show: int = 5) -> list[str]:
    """SPEF nets missing from the netlist; raises `SpefMismatch` when more than `tolerance` of them
    (and at least one) are missing, naming the first `show` (SPEF and netlist spellings)."""
    have = set(netlist_nets)
    missing = [n for n in spef.nets if n not in have]
    if missing and len(missing) > tolerance * len(spef.nets):
        extra = sorted(have - set(spef.nets))[:3]
        hint = f"; netlist has e.g. {', '.join(extra)}" if extra else ""
        raise SpefMismatch(f"{spef.path}: {len(missing)} of {len(spef.nets)} SPEF nets are not in {netlist} "
                           f"(e.g. {', '.join(missing[:show])}){hint}")
    return missing
