"""SPICE netlists (ngspice, HSPICE, LTspice `.net`, Xyce, CDL): reader and writers.

One permissive reader for every dialect: elements become `Component`s with canonical pins,
`.subckt` blocks become `Subcircuit`s, `.model` cards `Model`s, and every other line (directives,
control blocks, comments, text after `.end`) is kept as a `Statement` so a same-format write
round-trips.  `.include`/`.lib` are kept as directives and resolved only on request
(`resolve_includes`), relative to the including file, with cycle detection.
"""
from __future__ import annotations

import gc
import json
import itertools
import re
from pathlib import Path

from ..errors import NetlistError
from ..ir import Body, Circuit, Component, Model, Statement, Subcircuit, parse_value, pin_names
from ..ir.circuit import make_component
from .registry import Format, register
from .spice_lex import (_BACKSLASH_EOL, ChunkFlags, fast_logical_lines, split_params,
                        strip_comment, tokenize)

try:   # the hot loop in C, built at install time where a compiler is present (setup.py)
    from . import _spicefast
except ImportError:   # pure-Python fast path instead: same output, about half the speed
    _spicefast = None

DIALECTS = ("ngspice", "hspice", "ltspice", "xyce", "cdl")
_BLOCKS = {".control": ".endc", ".verilog": ".endverilog", ".text": ".endtext"}
_SOURCE_KEYWORDS = frozenset({"VALUE", "TABLE", "LAPLACE", "FREQ", "CHEBYSHEV", "VOL", "CUR"})
_NODE_COUNT = {"R": 2, "C": 2, "L": 2, "V": 2, "I": 2, "B": 2, "D": 2, "J": 3, "Z": 3,
               "S": 4, "W": 2, "T": 4, "O": 4, "U": 3, "Y": 4, "F": 2, "H": 2}
_NEEDS_MODEL = frozenset("DJZSOUY")
_FIXED_NODES = {"R": 2, "C": 2, "L": 2, "V": 2, "I": 2, "B": 2, "D": 2, "F": 2, "H": 2, "W": 2,
                "J": 3, "Z": 3, "S": 4, "T": 4, "O": 4, "K": 0}


class _LineStart:
    """A regex for whole-text scans at line starts, split into "at the start" and "after a
    newline" so that `re` skips from `\n` to `\n` by literal search (`^` with MULTILINE makes
    it try every position: ~6x slower on a 30 MB deck)."""

    def __init__(self, body: str):
        self.first, self.rest = re.compile(body), re.compile("\n" + body)

    def search(self, text: str) -> re.Match | None:
        return self.first.match(text) or self.rest.search(text)

    def findall(self, text: str) -> list[str]:
        m = self.first.match(text)
        return ([m.group(1)] if m else []) + self.rest.findall(text)


_MODEL_RE = _LineStart(r"[ \t]*\.[mM][oO][dD][eE][lL][ \t]+(\S+)")
_END_RE = _LineStart(r"[ \t]*\.[eE][nN][dD][ \t\r]*(?=\n|\Z)")
_SPECTRE_RE = _LineStart(r"[ \t]*(?:simulator[ \t]+lang[ \t]*=[ \t]*spectre|subckt[ \t]|ends\b|"
                         r"parameters[ \t])")


class _Ctx:
    """Reader state shared by nested bodies of one file."""

    __slots__ = ("path", "_models", "circuit", "dialect", "pinned", "instances", "defs")

    def __init__(self, path: str, models: set[str] | str, circuit: Circuit | None, dialect: str):
        self.path, self._models, self.circuit, self.dialect = path, models, circuit, dialect
        self.pinned: set[int] = set()   # ids of components whose pins a pragma fixed
        self.instances: list[Component] = []   # X elements, named after their subckt's ports
        self.defs: dict[str, list[str]] = {}   # subckt name (lower) -> ports, first one wins

    @property
    def models(self) -> set[str]:
        """Lowercased `.model` names of the text (given as text: scanned on first use, which the
        fast element path never needs)."""
        if isinstance(self._models, str):
            self._models = {m.lower() for m in _MODEL_RE.findall(self._models)}
        return self._models

    def subckt_ports(self, model: str) -> tuple[str, ...] | bool:
        """Pins for instances of `model` as `_name_instance_pins` will give them: its ports,
        () when they cannot name pins (repeated), False when it is not defined (yet)."""
        ports = self.defs.get(model.lower())
        if ports is None:
            return False
        return tuple(ports) if ports and len(set(ports)) == len(ports) else ()


def _is_num(tok: str) -> bool:
    return parse_value(tok) is not None


def _element(toks: list[str], ln: int, ctx: _Ctx, comment: str | None,
             strict: bool = False, n_nets: int | None = None) -> Component:
    """Build a Component from the tokens of an element line (first token = name).

    `n_nets` (from an `*@eda` pragma) settles how many nodes precede the model where the line
    alone is ambiguous (M and Q with optional nodes, unknown models).
    """
    name = toks[0]
    kind = name[0].upper()
    pos, params = split_params(toks[1:], ctx.path, ln)
    path = ctx.path
    if n_nets is not None and kind in "MQ" and len(pos) > n_nets:
        return Component(kind, name, pos[:n_nets], pin_names(kind, n_nets), pos[n_nets], None,
                         params, pos[n_nets + 1:], None, ln, comment)

    def need(n: int, what: str) -> None:
        if len(pos) < n:
            raise NetlistError(f"{name}: expected {what}", path, ln, len(" ".join(toks)) + 2)

    model = value = None
    args: list[str] = []
    if kind in "RCL":
        need(2, "2 nodes")
        nets = pos[:2]
        if len(pos) > 2:
            value = pos[2]
            args = pos[3:]
        elif not params and strict:  # a bare R/C/L (dataset netlists have no values) reads
                                     # with value None; only title detection is strict
            raise NetlistError(f"{name}: expected a value after the 2 nodes", path, ln,
                               len(" ".join(toks)) + 2)
    elif kind == "K":
        need(3, "inductor names and a coupling factor")
        args, value = pos[:-1], pos[-1]
        nets = []
    elif kind in "VI":
        need(2, "2 nodes")
        nets, args = pos[:2], pos[2:]
    elif kind in "EG":
        need(2, "2 nodes")
        third = pos[2].upper() if len(pos) > 2 else ""
        if third.startswith("POLY"):
            m = re.match(r"POLY\((\d+)\)", third)
            nctl = int(m.group(1)) if m else 1
            need(3 + 2 * nctl, f"{2 * nctl} controlling nodes")
            nets = pos[:2] + pos[3:3 + 2 * nctl]
            args = [pos[2]] + pos[3 + 2 * nctl:]
            return Component(kind, name, nets, pin_names(kind, len(nets)), None, None, params,
                             args, None, ln, comment)
        if len(pos) >= 4 and third.split("(")[0].split("{")[0] not in _SOURCE_KEYWORDS:
            nets = pos[:4]
            if len(pos) > 4:
                value, args = pos[4], pos[5:]
        else:
            nets, args = pos[:2], pos[2:]
    elif kind in "FH":
        need(3, "2 nodes and a controlling source")
        nets, args = pos[:2], pos[2:]
    elif kind == "M":
        need(4, "nodes and a model")
        if len(pos) == 4:
            nets, model = pos[:3], pos[3]
        elif len(pos) == 5:
            nets, model = pos[:4], pos[4]
        else:
            idx = next((i for i in range(4, len(pos)) if pos[i].lower() in ctx.models), -1)
            if idx < 0:
                idx = len(pos) - 1 if not _is_num(pos[-1]) else 4
            nets, model, args = pos[:idx], pos[idx], pos[idx + 1:]
    elif kind == "Q":
        need(4, "3 nodes and a model")
        if len(pos) == 4:
            nets, model = pos[:3], pos[3]
        elif pos[3].lower() in ctx.models or (pos[4].lower() not in ctx.models and _is_num(pos[4])):
            nets, model, args = pos[:3], pos[3], pos[4:]
        else:
            nets, model, args = pos[:4], pos[4], pos[5:]
    elif kind == "X":
        if "/" in pos:  # CDL: X1 a b / sub
            k = pos.index("/")
            need(k + 2, "a subcircuit name after '/'")
            nets, model, args = pos[:k], pos[k + 1], pos[k + 2:]
        else:
            low = [p.lower() for p in pos]
            if "params:" in low:
                k = low.index("params:")
                pos = pos[:k]
                args = ["params:"]
            need(1, "a subcircuit name")
            nets, model = pos[:-1], pos[-1]
    elif kind in "UYOTP" and (len(pos) < _NODE_COUNT.get(kind, 2) + (kind in _NEEDS_MODEL)
                              or "(" in pos[0] or "{" in pos[0]):
        # PSpice digital U, LTspice Y and other dialect variants: keep tokens verbatim
        need(1, "connections")
        args = pos
        nets = [p for p in pos if "(" not in p and "{" not in p and not _is_num(p)]
        return Component(kind, name, nets, pin_names(kind, len(nets)), None, None, params, args,
                         {"verbatim": True}, ln, comment)
    elif kind in _NODE_COUNT:
        n = _NODE_COUNT[kind]
        if kind == "D" and len(pos) >= 4 and pos[3].lower() in ctx.models:
            n = 3
        if kind == "D" and len(pos) == n and not strict:
            nets = pos   # a diode with no model (dataset netlists): ERC reports it
        elif kind in _NEEDS_MODEL or kind == "W":
            extra = 2 if kind == "W" else 1
            need(n + extra, f"{n} nodes and a model")
            nets = pos[:n]
            if kind == "W":
                args, model, rest = [pos[n]], pos[n + 1], pos[n + 2:]
                args += rest
            else:
                model, args = pos[n], pos[n + 1:]
        else:
            need(n, f"{n} nodes")
            nets, args = pos[:n], pos[n:]
    elif kind == "A":  # XSPICE: A1 [a b] %v(c) ~d model
        need(2, "connections and a model")
        model, args = pos[-1], pos[:-1]
        nets = _xspice_nets(args)
    elif kind.isalpha() or ord(kind) > 127:  # N (OSDI), P (CPL) and other letters: nodes then model
        need(2, "nodes and a model")
        nets, model = pos[:-1], pos[-1]
    else:
        raise NetlistError(f"expected an element, a directive or a comment, found '{name}'",
                           path, ln, 1)
    return Component(kind, name, nets, pin_names(kind, len(nets)), model, value, params, args,
                     None, ln, comment)


def _xspice_nets(args: list[str]) -> list[str]:
    nets: list[str] = []
    for a in args:
        a = a.strip("[]")
        if not a or a.lower() == "null":
            continue
        if a.startswith("%"):
            inner = a[a.find("(") + 1:a.rfind(")")] if "(" in a else ""
            nets.extend(x for x in re.split(r"[\s,]+", inner) if x)
            continue
        for x in re.split(r"[\s\[\]]+", a):
            x = x.lstrip("~")
            if x and x.lower() != "null":
                nets.append(x)
    return nets


def _lenient_tokens(code: str) -> list[str]:
    """Tokens of a directive whose brackets do not balance: plain words with `k=v` split."""
    return [t for t in re.split(r"[\s()]+", code.replace("=", " = ")) if t]


def _directive(toks: list[str], code: str, ln: int, ctx: _Ctx) -> Statement | Model:
    name = toks[0].lower()
    if name == ".model":
        if len(toks) < 3:
            raise NetlistError("expected '.model NAME TYPE ...'", ctx.path, ln, len(code) + 1)
        mtype = toks[2]
        rest = toks[3:]
        if "(" in mtype:  # .model n nmos(level=1)
            mtype, _, inner = mtype.partition("(")
            rest = tokenize(inner[:-1], ctx.path, ln) + rest
        if len(rest) == 1 and rest[0][:1] == "(":
            rest = tokenize(rest[0][1:-1], ctx.path, ln)
        pos, params = split_params([t for t in rest if t not in "()"], ctx.path, ln)
        return Model(toks[1], mtype, params, code, ln)
    pos, params = split_params(toks[1:], ctx.path, ln) if name in (".param", ".params") else (toks[1:], {})
    return Statement("directive", code, name, pos, params, ln)


def parse_into(body: Body, text: str, path: str, first_line: int = 1,
               circuit: Circuit | None = None, title: bool | str = False) -> None:
    """Parse SPICE text into `body` (subcircuit blocks nest).

    `title`: False (no title line), True (the first line is a title unless it reads as an
    element), or "always" (the first line is a title unless it is a comment or a directive).
    """
    ctx = _Ctx(path, text, circuit,
               circuit.dialect if circuit and circuit.dialect else "spice")
    if body.items:
        ctx.defs = _subckt_defs(body)
    flags = ChunkFlags()
    fast = _Fast(ctx)
    scanner = _scanner(text, first_line, body, fast)
    lines = scanner if scanner is not None else fast_logical_lines(text, first_line, flags)
    _parse_lines(body, lines, ctx, title, flags, fast, scanner)
    _name_instance_pins(body, ctx)


def _delegate(seg: str, first_line: int):
    return fast_logical_lines(seg, first_line)


def _scanner(text: str, first_line: int, body: Body, fast: "_Fast"):
    """The C scanner over `text` (it yields the lines Python must read and builds plain
    elements itself), or None where it is not built, turned off (an empty `_FAST_KIND` turns
    every fast path off) or not suited (`\\` continuations, characters past U+00FF)."""
    if _spicefast is None or not _FAST_KIND or ("\\" in text and _BACKSLASH_EOL.search(text)):
        return None
    try:
        return _spicefast.Scanner(text, first_line, body.items, Component, fast.nets, fast.words,
                                  fast.xpins, fast.ports, fast.ctx.instances,
                                  _PINS_2, _PINS_M, tuple(_PINS_X), _delegate)
    except ValueError:
        return None


_FAST_KIND = {c: c.upper() for c in "RCLMXrclmx"}
_SPECIAL_RE = re.compile(r"[;$/(){}'\"\[\],]")
_PINS_M = pin_names("M", 4)
_PINS_2 = pin_names("R", 2)
_PINS_X = [pin_names("X", n) for n in range(64)]


class _Fast:
    """State of the fast path for plain element lines: token memos and parameter templates.

    Net names go through one memo (each distinct name stored once, however many pins use it);
    values and models through a second, small one that stays in cache.  `key=value` tails seen
    before (`w=1u l=0.18u`) map to a parsed template that each component gets a copy of.
    """

    __slots__ = ("ctx", "nets", "words", "net", "word", "tails", "xpins", "undefined")

    def __init__(self, ctx: _Ctx):
        self.ctx = ctx
        self.nets: dict[str, str] = {}
        self.words: dict[str, str] = {}
        self.net = self.nets.setdefault
        self.word = self.words.setdefault
        self.tails: dict[str, dict[str, str] | bool] = {}
        self.xpins: dict[str, tuple[str, ...] | bool] = {}   # model -> ports, () or False
        self.undefined = False   # some xpins entry is False (a later .subckt may define it)

    def ports(self, model: str) -> tuple[str, ...] | bool:
        """`_Ctx.subckt_ports`, noting models not defined yet (see `defined`)."""
        got = self.ctx.subckt_ports(model)
        if got is False:
            self.undefined = True
        return got

    def defined(self) -> None:
        """A `.subckt` was read: forget the models that were not defined (it may be one)."""
        if self.undefined:
            self.xpins.clear()
            self.undefined = False

    def params(self, tail: str) -> dict[str, str] | None:
        """A fresh dict of a `k=v k=v` tail, or None when some token is not `k=v`."""
        got = self.tails.get(tail)
        if got is None:
            if len(self.tails) > 4096:
                self.tails.clear()
            got = {}
            word = self.word
            for t in tail.split():
                k, eq, v = t.partition("=")
                if not (eq and k and v):   # `w = 1u` spacing or a positional token after a
                    got = False            # parameter: the general path handles those
                    break
                got[k] = word(v, v)
            self.tails[tail] = got
        return got.copy() if got is not False else None

    def instance(self, name: str, nets: list[str], model: str, params, ln: int) -> Component:
        """An X element, named after its subcircuit's ports when the definition came before it
        (`_name_instance_pins` names the others once the whole file is read)."""
        n = len(nets)
        ports = self.xpins.get(model)
        if ports is None:
            ports = self.xpins[model] = self.ports(model)
        pins = ports if ports and len(ports) == n else \
            (_PINS_X[n] if n < 64 else pin_names("X", n))
        comp = make_component("X", name, nets, pins, model, None, params, ln)
        if ports is False:
            self.ctx.instances.append(comp)
        return comp

    def element(self, s: str, kind: str, ln: int) -> Component | None:
        """The common plain element line (`R1 a b 1k`, `M1 d g s b nch w=1u`, `X1 a b sub`), or
        None for anything the general path must decide.  `s` has none of `;$/(){}'"[],`."""
        params = None
        if "=" in s:   # positional tokens first, then key=value ones
            eq = s.find("=")
            head = s[:eq].rsplit(None, 1)
            if len(head) != 2:
                return None
            params = self.params(s[eq - len(head[1]):])
            if params is None:
                return None
            toks = head[0].split()
        else:
            toks = s.split()
        nt = len(toks)
        net, word = self.net, self.word
        if kind == "M":
            if nt != 6:
                return None
            nets = toks[1:5]
            return make_component("M", toks[0], list(map(net, nets, nets)), _PINS_M,
                                  word(toks[5], toks[5]), None, params, ln)
        if kind == "X":
            if nt < 2 or (":" in s and "params:" in s.lower()):
                return None
            nets = toks[1:-1]
            return self.instance(toks[0], list(map(net, nets, nets)), word(toks[-1], toks[-1]),
                                 params, ln)
        if nt != 4:
            return None
        a, b, v = toks[1], toks[2], toks[3]
        return make_component(kind, toks[0], [net(a, a), net(b, b)], _PINS_2, None, word(v, v),
                              params, ln)


class _NoScanner:
    """Stands in for the C scanner's two controls when it is not used."""

    __slots__ = ("items", "hold")

    def __init__(self, items: list) -> None:
        self.items, self.hold = items, 0


def _parse_lines(top: Body, lines, ctx: _Ctx, title: bool | str,
                 flags: ChunkFlags | None = None, fast: _Fast | None = None,
                 scanner=None) -> None:
    """Fill `top` from logical lines; `flags.plain` (see `fast_logical_lines`) spares the
    per-line check for characters that keep a line off the fast element path.

    With the C `scanner` as `lines`, plain elements never reach this loop: the scanner appends
    them to `scanner.items` (kept pointing at the body being filled) unless `scanner.hold` is
    set (the title line, a pending pragma, blocks and text after `.end` are read here).
    """
    stack: list[Body] = [top]
    body = top
    items = body.items
    append = items.append
    path = ctx.path
    dialect = ctx.dialect
    fast = fast if fast is not None else _Fast(ctx)
    sc = scanner if scanner is not None else _NoScanner(items)
    fast_element = fast.element
    fast_kind = _FAST_KIND.get
    special = _SPECIAL_RE.search
    lines = iter(lines)
    flags = flags if flags is not None else ChunkFlags()
    if title:
        sc.hold = 1
        first = next(lines, None)
        if first is not None:
            ln, raw = first
            head = raw.lstrip()[:1]
            if not head:
                raw = ""
            is_title = False
            if head not in ("*", ".", "", "#") and title == "always":
                is_title = True
            elif head not in ("*", ".", "", "#"):
                try:
                    toks = tokenize(strip_comment(raw)[0], path, ln)
                    if not toks:
                        raise NetlistError("empty", path, ln, 1)
                    _element(toks, ln, ctx, None, strict=True)
                except NetlistError:
                    is_title = True
            if is_title:
                append(Statement("title", raw, line=ln))
                if isinstance(top, Circuit):
                    top.title = raw.strip()
            else:
                lines = itertools.chain([first], lines)
        sc.hold = 0
    pragma = None
    net_memo, word_memo, new = fast.net, fast.word, object.__new__
    plain_dirs = bool(_FAST_KIND)   # the `.subckt`/`.ends` fast path (off with the others)
    for ln, raw in lines:
        kind = fast_kind(raw[:1])
        if kind is not None and pragma is None and (flags.plain or special(raw) is None):
            if kind in "RCL" and "=" not in raw:   # the commonest line, `R1 a b 1k`, inline:
                toks = raw.split()                 # `_Fast.element` and `make_component` in one
                if len(toks) == 4:
                    a, b, v = toks[1], toks[2], toks[3]
                    comp = new(Component)
                    comp.kind = kind
                    comp.name = toks[0]
                    comp.nets = [net_memo(a, a), net_memo(b, b)]
                    comp.pins = _PINS_2
                    comp.model = comp._params = comp._args = comp._attrs = comp.comment = None
                    comp.value = word_memo(v, v)
                    comp.line = ln
                    append(comp)
                    continue
            comp = fast_element(raw, kind, ln)
            if comp is not None:
                append(comp)
                continue
        s = raw.lstrip()
        if not s:
            continue
        c = s[0]
        if s is not raw and pragma is None:   # an indented element line
            kind = fast_kind(c)
            if kind is not None and special(s) is None:
                comp = fast_element(s, kind, ln)
                if comp is not None:
                    append(comp)
                    continue
        if c == "*" or c == "#" or c == "$" or c == ";":
            if s.startswith(PRAGMA):
                pragma = _read_pragma(s)
                if pragma is not None:
                    sc.hold = 1
                    continue
            append(Statement("comment", raw, line=ln))
            continue
        if c == "." and plain_dirs and pragma is None and special(s) is None and "=" not in s:
            toks = s.split()   # a plain `.subckt NAME PORTS` or `.ends`: what the general
            word = toks[0].lower()   # path below does with such a line, minus the checks
            if word == ".subckt" and len(toks) > 1 and ":" not in s:
                ports = toks[2:]
                sub = Subcircuit(name=toks[1], ports=list(map(net_memo, ports, ports)),
                                 params={}, line=ln)
                ctx.defs.setdefault(sub.name.lower(), sub.ports)
                fast.defined()
                append(sub)
                stack.append(sub)
                body, items = sub, sub.items
                append = items.append
                sc.items = items
                continue
            if word == ".ends" and len(stack) > 1:
                stack.pop()
                body = stack[-1]
                items = body.items
                append = items.append
                sc.items = items
                continue
        code, comment = strip_comment(s, dialect)
        if not code:
            append(Statement("comment", raw, line=ln))
            continue
        if c == ".":
            word = code.split(None, 1)[0].lower()
            if word in _BLOCKS:
                end = _BLOCKS[word]
                block = [raw]
                sc.hold = 1
                for ln2, raw2 in lines:
                    low = raw2.strip().lower()
                    if low.startswith(end):
                        block.append(raw2)
                        break
                    if low == ".end":  # a control block left open until .end: ngspice accepts it
                        append(Statement("directive", "\n".join(block), word, line=ln))
                        block = []
                        append(Statement("directive", raw2, ".end", line=ln2))
                        for ln3, rest in lines:
                            append(Statement("raw", rest, line=ln3))
                        break
                    block.append(raw2)
                if block:
                    append(Statement("directive", "\n".join(block), word, line=ln))
                sc.hold = pragma is not None
                continue
            try:
                toks = tokenize(code, path, ln)
            except NetlistError:
                if word in (".subckt", ".subcircuit", ".macro", ".param", ".params"):
                    raise
                toks = _lenient_tokens(code)  # ngspice keeps going on odd directive text
            if word in (".subckt", ".macro", ".subcircuit"):
                pos, params = split_params(toks[1:], path, ln)
                if not pos:
                    raise NetlistError("expected a subcircuit name after .subckt", path, ln,
                                       len(code) + 1)
                low = [p.lower() for p in pos]
                if "params:" in low:
                    pos = pos[:low.index("params:")]
                sub = Subcircuit(name=pos[0], ports=pos[1:], params=params, line=ln)
                if pragma is not None:
                    sub.name = str(pragma.get("name", sub.name))
                    ports = pragma.get("ports")
                    if isinstance(ports, list) and len(ports) == len(sub.ports):
                        sub.ports = [str(p) for p in ports]
                    pragma = None
                    sc.hold = 0
                if comment:
                    sub.attrs["comment"] = comment
                ctx.defs.setdefault(sub.name.lower(), sub.ports)
                fast.defined()
                append(sub)
                stack.append(sub)
                body, items = sub, sub.items
                append = items.append
                sc.items = items
                continue
            if word in (".ends", ".eom"):
                if len(stack) == 1:
                    raise NetlistError(".ends without .subckt", path, ln, 1)
                stack.pop()
                body = stack[-1]
                items = body.items
                append = items.append
                sc.items = items
                continue
            if word == ".end" and len(stack) == 1:
                append(Statement("directive", raw, ".end", line=ln))
                sc.hold = 1
                for ln2, rest in lines:
                    append(Statement("raw", rest, line=ln2))
                break
            item = _directive(toks, code, ln, ctx)
            if comment and isinstance(item, Statement):
                item.text = s
            append(item)
            continue
        if not (c.isalpha() or ord(c) > 127):
            raise NetlistError(f"expected an element, a directive or a comment, found '{c}'",
                               path, ln, raw.find(c) + 1)
        toks = tokenize(code, path, ln)
        if not toks:
            raise NetlistError("expected an element name", path, ln, 1)
        n_nets = pragma.get("n") if pragma is not None else None
        comp = _element(toks, ln, ctx, comment, n_nets=n_nets if isinstance(n_nets, int) else None)
        if pragma is not None:
            _apply_pragma(comp, pragma)
            if "pins" in pragma:
                ctx.pinned.add(id(comp))
            pragma = None
            sc.hold = 0
        if comp.kind == "X":
            ctx.instances.append(comp)
        append(comp)
    if len(stack) > 1:
        sub = stack[-1]
        raise NetlistError(f".subckt {sub.name} has no .ends", path, sub.line, 1)  # type: ignore[attr-defined]


def _read_pragma(s: str) -> dict | None:
    try:
        data = json.loads(s[len(PRAGMA):])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _apply_pragma(comp: Component, p: dict) -> None:
    """Restore what a SPICE line could not say: names, nets, pins, or (with `kind`) everything."""
    n = len(comp.nets)
    nets = p.get("nets")
    if isinstance(nets, list) and len(nets) == n:
        comp.nets = [str(x) for x in nets]
    if isinstance(p.get("kind"), str) and p["kind"]:
        comp.kind = p["kind"]
        comp.value = p.get("value") if isinstance(p.get("value"), str) else None
        comp.params = dict(p["params"]) if isinstance(p.get("params"), dict) else {}
        comp.args = list(p["args"]) if isinstance(p.get("args"), list) else []
        comp.attrs = dict(p["attrs"]) if isinstance(p.get("attrs"), dict) else {}
        if isinstance(p.get("comment"), str):
            comp.comment = p["comment"]
    if isinstance(p.get("name"), str):
        comp.name = p["name"]
    if "model" in p:
        comp.model = p["model"] if isinstance(p["model"], str) else None
    pins = p.get("pins")
    comp.pins = tuple(str(x) for x in pins) if isinstance(pins, list) and len(pins) == n else \
        pin_names(comp.kind, n)


def _name_instance_pins(body: Body, ctx: _Ctx) -> None:
    """Give X instances the port names of their subcircuit when it is defined in the body."""
    if not ctx.instances:
        return
    defs = _subckt_defs(body)
    if not defs:
        return
    pinned = ctx.pinned
    named: dict[tuple[str, int], tuple[str, ...] | None] = {}
    for comp in ctx.instances:
        if comp.kind != "X" or not comp.model or id(comp) in pinned:
            continue
        key = (comp.model, len(comp.nets))
        pins = named.get(key, ())
        if pins == ():
            ports = defs.get(comp.model.lower())
            pins = named[key] = tuple(ports) if ports and len(ports) == key[1] and \
                len(set(ports)) == len(ports) else None
        if pins is not None:
            comp.pins = pins


def read_spice(text: str, path: str = "<input>", dialect: str | None = None) -> Circuit:
    """Read SPICE text (any dialect) into a Circuit.  The first line may be a title."""
    if _SPECTRE_RE.search(text):  # Spectre syntax in a .sp file (ALIGN decks do this)
        from .spectre import read_spectre
        return read_spectre(text, path)
    if dialect is None:
        dialect = guess_dialect(text, path)
    c = Circuit(format="spice", dialect=dialect)
    gc_was_on = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the collector only costs time here
    try:
        # A deck that ends with `.end` is a main deck: ngspice takes its first line as the title,
        # whatever it says.  Other files (libraries, includes) may start with an element.
        ends = _END_RE.rest.search(text, max(0, len(text) - 4096)) or _END_RE.search(text)
        parse_into(c, text, path, 1, c, title="always" if ends else True)
    finally:
        if gc_was_on:
            gc.enable()
    return c


def guess_dialect(text: str, path: str = "") -> str:
    """ngspice unless the file says otherwise (CDL, HSPICE, LTspice, Xyce markers)."""
    ext = Path(path).suffix.lower()
    head = text[:20000].lower()
    if ext in (".cdl", ".aucdl") or "*.pininfo" in head or re.search(r"^x\S*\s.*\s/\s", head, re.M):
        return "cdl"
    if ".backanno" in head or ext == ".asc":
        return "ltspice"
    if "xyce" in head or ".prnt" in head or re.search(r"^\.print\s+\w+\s+format", head, re.M):
        return "xyce"
    if re.search(r"^\.(option|options)\s.*\b(post|probe)\b", head, re.M) or ".alter" in head:
        return "hspice"
    return "ngspice"


# --------------------------------------------------------------------------- writing

def format_component(c: Component, dialect: str = "ngspice") -> str:
    """One SPICE element line for a component."""
    parts = [c.name]
    if c.attrs.get("verbatim"):
        parts += c.args
    elif c.kind == "K":
        parts += c.args
        if c.value is not None:
            parts.append(c.value)
    elif c.kind == "A":
        parts += c.args
        if c.model:
            parts.append(c.model)
    elif c.kind in "EG" and c.args and c.args[0].upper().startswith("POLY"):
        parts += c.nets[:2] + [c.args[0]] + c.nets[2:] + c.args[1:]
    elif c.kind == "X":
        parts += c.nets
        if dialect == "cdl":
            parts.append("/")
        parts.append(c.model or "")
        if c.params and dialect in ("ngspice", "xyce") and "params:" in c.args:
            parts.append("params:")
    else:
        parts += c.nets
        if c.kind == "W":
            parts += c.args[:1]
            if c.model:
                parts.append(c.model)
            parts += c.args[1:]
        else:
            if c.model:
                parts.append(c.model)
            if c.value is not None:
                parts.append(c.value)
            parts += c.args
    parts += [f"{k}={v}" for k, v in c.params.items()]
    line = " ".join(parts)
    if c.comment:
        line += " " + c.comment
    return line


def _format_params(params: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


PRAGMA = "*@eda "
_UNSAFE_RE = re.compile(r"[\s()'\"{}=,;]|^[+*.$/]|^$")


def _safe(name: str) -> str:
    """A SPICE-safe spelling of a name: unsafe characters become `_xHH_` (reversible, unique)."""
    if not _UNSAFE_RE.search(name):
        return name
    out = "".join(f"_x{ord(ch):02x}_" if ch in " \t\n()'\"{}=,;" else ch for ch in name)
    if out[:1] in "+*.$/":
        out = f"_x{ord(out[0]):02x}_" + out[1:]
    return out or "_x00_"


def _expected_pins(c: Component, defs: dict[str, list[str]] | None) -> tuple[str, ...]:
    """The pins a SPICE reader will give this component's line back."""
    kind = c.name[0].upper() if c.kind not in ("cell", "part") else "X"
    if kind == "X" and defs is not None and c.model:
        ports = defs.get(c.model.lower())
        if ports and len(ports) == len(c.nets) and len(set(ports)) == len(ports):
            return tuple(ports)
    return pin_names(kind, len(c.nets))


def _compact(d: dict) -> str:
    return PRAGMA + json.dumps(d, separators=(",", ":"))


def _component_text(c: Component, dialect: str, defs: dict[str, list[str]] | None) -> str:
    """The element line, preceded by an `*@eda` pragma when SPICE alone would lose something.

    A component SPICE has a letter for is written natively (the pragma then only restores names
    SPICE cannot spell, pins that are not canonical, or an ambiguous node count).  Anything else
    (a digital cell, a board part, a 6-pin "C30" connector) becomes an X line whose pragma holds
    the whole component.
    """
    nets = [_safe(n) for n in c.nets]
    model = _safe(c.model) if c.model else c.model
    name = _safe(c.name)
    native = len(c.kind) == 1 and c.name[:1].upper() == c.kind and \
        len(c.nets) == _FIXED_NODES.get(c.kind, len(c.nets))
    if not native:
        whole = {"kind": c.kind, "name": c.name, "nets": c.nets, "model": c.model,
                 "pins": list(c.pins)}
        for key in ("value", "_params", "_args", "_attrs", "comment"):
            v = getattr(c, key)
            if v:
                whole[key.lstrip("_")] = v
        xname = name if name[:1].upper() == "X" else "X" + name
        return _compact(whole) + "\n" + " ".join([xname, *nets, model or "part"])
    pragma: dict = {}
    if name != c.name:
        pragma["name"] = c.name
    if nets != c.nets:
        pragma["nets"] = c.nets
    if model != c.model:
        pragma["model"] = c.model
    if c.pins != _expected_pins(c, defs):
        pragma["pins"] = list(c.pins)
    line_c = c if not pragma else Component(c.kind, name, nets, c.pins, model, c.value, c._params,
                                            c._args, c._attrs, c.line, c.comment)
    line = format_component(line_c, dialect)
    if c.kind in "MQ" and _reads_back_nets(line) != len(c.nets):
        pragma["n"] = len(c.nets)
    return _compact(pragma) + "\n" + line if pragma else line


_NO_MODELS = _Ctx("", set(), None, "spice")


def _reads_back_nets(line: str) -> int:
    """How many nodes a reader that knows no models finds on an element line."""
    try:
        return len(_element(tokenize(strip_comment(line)[0]), 0, _NO_MODELS, None).nets)
    except NetlistError:
        return -1


def _subckt_defs(circuit: Body) -> dict[str, list[str]]:
    defs: dict[str, list[str]] = {}
    for _, b in circuit.walk():
        if isinstance(b, Subcircuit):
            defs.setdefault(b.name.lower(), b.ports)
    return defs


def format_item(item, dialect: str = "ngspice", defs: dict[str, list[str]] | None = None) -> str:
    """SPICE text of one IR item (component, statement, model, or a whole subcircuit block).

    `defs` (subcircuit name -> ports) lets the writer predict instance pin names; without it an
    instance whose pins are not positional gets an `*@eda` pragma that keeps them.
    """
    if isinstance(item, Component):
        return _component_text(item, dialect, defs)
    if isinstance(item, Subcircuit):
        name, ports = _safe(item.name), [_safe(p) for p in item.ports]
        head = f".subckt {name} {' '.join(ports)}".rstrip()
        if item.params:
            sep = " params: " if dialect in ("ngspice", "xyce", "ltspice") else " "
            head += sep + _format_params(item.params)
        lines = [head]
        if name != item.name or ports != item.ports:
            lines.insert(0, PRAGMA + json.dumps({"name": item.name, "ports": item.ports},
                                                separators=(",", ":")))
        lines += [format_item(i, dialect, defs) for i in item.items]
        lines.append(f".ends {name}")
        return "\n".join(lines)
    if isinstance(item, Model):
        if item.dialect == "spice" and item.text:
            return item.text
        return f".model {item.name} {item.type} ({_format_params(item.params)})"
    if isinstance(item, Statement):
        if item.dialect != "spice":
            return _foreign_statement(item)
        return item.text
    raise TypeError(f"not an IR item: {item!r}")


def _foreign_statement(s: Statement) -> str:
    """A statement from another format: as SPICE text when it maps, else a comment."""
    if s.kind == "comment":
        t = s.text.strip()
        for lead in ("//", "*", "#", ";"):
            if t.startswith(lead):
                t = t[len(lead):]
                break
        return "*" + t
    if s.name in (".param", "parameters") and s.params:
        return f".param {_format_params(s.params)}"
    if s.name in ("include", ".include") and s.args:
        return f".include {s.args[0]}"
    return "* [" + s.dialect + "] " + s.text.replace("\n", "\n* ")


def write_spice(circuit: Circuit, dialect: str = "ngspice") -> str:
    """SPICE text of a circuit in one dialect; a title line comes first."""
    out: list[str] = []
    items = circuit.items
    if not items or not (isinstance(items[0], Statement) and items[0].kind == "title"):
        first = circuit.title or (f"* {Path(circuit.source).name}" if circuit.source else "* eda netlist")
        out.append(first)
    defs = _subckt_defs(circuit)
    out.extend(format_item(i, dialect, defs) for i in items)
    return "\n".join(out) + "\n"


def _spice_lossy(circuit: Circuit) -> list[str]:
    dropped: list[str] = []
    for path, body in circuit.walk():
        for s in body.statements:
            if s.dialect not in ("spice",) and s.kind != "comment":
                dropped.append(f"{path}{s.dialect} statement kept as a comment: {s.text[:60]}")
    return dropped


def _sniff(head: str, path: str) -> int:
    h = head.lower()
    if re.search(r"^\s*\.(subckt|model|tran|ac|op|end|include|lib|param)\b", h, re.M):
        return 60
    return 0


def _reader(dialect: str | None):
    return lambda text, path: read_spice(text, path, dialect)


def _writer(dialect: str):
    return lambda c: write_spice(c, dialect)


_DROPS = ("statements of other formats (kept as comments); digital cells and board parts become "
          "X lines whose `*@eda` pragma keeps them")
register(Format("spice", (".sp", ".cir", ".spice", ".ckt", ".spi", ".sub", ".deck", ".net", ".lib",
                          ".inc", ".mod"),
                _reader(None), _writer("ngspice"), _sniff, "SPICE (ngspice dialect when writing)",
                drops=_DROPS, aliases=("ngspice",), lossy=_spice_lossy))
register(Format("hspice", (), _reader("hspice"), _writer("hspice"), None, "HSPICE", drops=_DROPS,
                lossy=_spice_lossy))
register(Format("ltspice", (), _reader("ltspice"), _writer("ltspice"), None, "LTspice .net netlist",
                drops=_DROPS, lossy=_spice_lossy))
register(Format("xyce", (), _reader("xyce"), _writer("xyce"), None, "Xyce", drops=_DROPS,
                lossy=_spice_lossy))
register(Format("cdl", (".cdl",), _reader("cdl"), _writer("cdl"), None, "Cadence CDL",
                drops=_DROPS + "; analyses", lossy=_spice_lossy))


# --------------------------------------------------------------------------- includes

def resolve_includes(circuit: Circuit, *, _seen: tuple[str, ...] = ()) -> tuple[list[Circuit], list[str]]:
    """Read the files named by `.include FILE` / `.lib FILE SECTION`, relative to the circuit's file.

    Returns (included circuits, recursively, in order; warnings for missing files).  A missing
    include is only a warning here; an include cycle raises NetlistError.
    """
    from .registry import read_text
    here = Path(circuit.source).parent if circuit.source else Path(".")
    found: list[Circuit] = []
    warnings: list[str] = []
    for _, body in circuit.walk():
        for s in body.statements:
            if s.name not in (".include", ".inc", ".lib") or not s.args:
                continue
            if s.name == ".lib" and len(s.args) < 2:
                continue
            target = (here / s.args[0].strip("'\"")).resolve()
            if str(target) in _seen:
                raise NetlistError(f"include cycle through {target.name}", circuit.source, s.line, 1)
            if not target.is_file():
                warnings.append(f"{circuit.source}:{s.line}: missing include {s.args[0]}")
                continue
            sub = read_spice(read_text(target), str(target))
            sub.source = str(target)
            found.append(sub)
            more, warn = resolve_includes(sub, _seen=_seen + (str(target),))
            found += more
            warnings += warn
    return found, warnings
