"""Structural (gate-level) Verilog: modules, declarations, instances, primitives, simple assigns.

Reading: each `module` becomes a `Subcircuit` whose `ports` are the port nets with buses expanded
to bits (`a[7]` ... `a[0]`); port directions, bus ranges and declared nets go in `Subcircuit.attrs`
(`directions`, `port_order`, `ranges`, `nets`). Every instance (of a module, a library cell or a
gate primitive) is a `Component` of kind `cell` with `model` = the cell type:

* named connections `.A(x)` give pin `A`; a multi-bit connection gives pins `A[w-1]` ... `A[0]`;
* positional connections give pins `1`, `2`, ... (renamed to the port names when the module is
  defined in the same file and its ports are all scalar);
* gate primitives always get pins by position: `Y`, `A`, `B`, ... (and/nand/or/...), outputs
  `Y`/`Y1`.. then `A` (buf/not), `Y A EN` (bufif/notif), `Y A G` (nmos/pmos), `Y A N P` (cmos).

Constants are nets named `1'b0`, `1'b1`, `1'bx`, `1'bz`; escaped identifiers lose the backslash.
`assign` statements are kept as `Statement(kind='directive', name='assign', dialect='verilog')`
with the original text and `args` = flattened (lhs bit, rhs bit) pairs, so connectivity is there.
Behavioral blocks (`always`, `initial`, `function`, ...) and `parameter` lines are kept verbatim.
Compiler directives (`` `timescale ``, `` `define ``) are kept as statements.

Writing emits structural Verilog that Icarus Verilog (`iverilog -g2012`) accepts; cell types not
defined in the circuit get `(* eda_stub *)` port-only stub modules (skipped again on reading);
SPICE-only components (R, C, M, V ...) are written as comments and reported as dropped.
"""
from __future__ import annotations

import bisect
import re

from ..errors import NetlistError
from ..ir import Circuit, Component, Model, Statement, Subcircuit
from .registry import Format, register

__all__ = ["read_verilog", "write_verilog", "PRIMITIVES", "primitive_pins"]

_TOKEN = re.compile(r"""
 (?P<ws>\s+)
|(?P<lc>//[^\n]*)
|(?P<bc>/\*.*?\*/)
|(?P<attr>\(\*(?!\)).*?\*\))
|(?P<dir>`[A-Za-z_]\w*[^\n]*)
|(?P<esc>\\\S+)
|(?P<id>[A-Za-z_][A-Za-z0-9_$]*)
|(?P<sys>\$[A-Za-z0-9_$]+)
|(?P<num>(?:\d[\d_]*)?[ \t]*'[sS]?[bBoOdDhH][ \t]*[0-9a-fA-FxXzZ?_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)
|(?P<str>"(?:[^"\\\n]|\\.)*")
|(?P<op><<<|>>>|<=|>=|==|!=|&&|\|\||<<|>>|~&|~\||~\^|\^~|\*\*|\S)
""", re.S | re.X)

PRIMITIVES = frozenset({
    "and", "nand", "or", "nor", "xor", "xnor", "buf", "not", "bufif0", "bufif1", "notif0",
    "notif1", "nmos", "pmos", "rnmos", "rpmos", "cmos", "rcmos", "tran", "rtran", "tranif0",
    "tranif1", "rtranif0", "rtranif1", "pullup", "pulldown"})
_NETTYPES = frozenset({"wire", "reg", "tri", "trireg", "tri0", "tri1", "triand", "trior", "wand",
                       "wor", "supply0", "supply1", "logic", "uwire", "integer"})
_DIRS = frozenset({"input", "output", "inout"})
_BLOCK_END = {"function": "endfunction", "task": "endtask", "specify": "endspecify",
              "generate": "endgenerate", "primitive": "endprimitive", "table": "endtable"}
_KEYWORDS = frozenset({"module", "endmodule", "macromodule", "begin", "end", "assign", "always",
                       "initial", "if", "else", "case", "endcase", "posedge", "negedge", "parameter",
                       "localparam", "defparam", "signed", "for", "while", "repeat", "forever",
                       "fork", "join", "genvar", "default"}) | PRIMITIVES | _NETTYPES | _DIRS | \
    frozenset(_BLOCK_END) | frozenset(_BLOCK_END.values())
_SIMPLE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_BIT = re.compile(r"(.+)\[(-?\d+)\]\Z")
_CONST = re.compile(r"1'b[01xz]\Z")
_STUB_ATTR = "(* eda_stub *)"


def primitive_pins(prim: str, n: int) -> tuple[str, ...]:
    """Pin names of a gate primitive with `n` positional terminals."""
    if prim in ("buf", "not"):
        outs = ("Y",) if n <= 2 else tuple(f"Y{i + 1}" for i in range(n - 1))
        return (outs + ("A",))[:n] if n >= 1 else ()
    if prim in ("bufif0", "bufif1", "notif0", "notif1"):
        base = ("Y", "A", "EN")
    elif prim in ("nmos", "pmos", "rnmos", "rpmos"):
        base = ("Y", "A", "G")
    elif prim in ("cmos", "rcmos"):
        base = ("Y", "A", "N", "P")
    elif prim in ("tran", "rtran"):
        base = ("A", "B")
    elif prim.startswith(("tranif", "rtranif")):
        base = ("A", "B", "EN")
    elif prim in ("pullup", "pulldown"):
        base = ("Y",)
    else:  # and/nand/or/nor/xor/xnor: one output then inputs
        ins = [chr(ord("A") + i) if n - 1 <= 25 else f"I{i + 1}" for i in range(max(n - 1, 0))]
        base = ("Y", *ins)
    if n <= len(base):
        return base[:n]
    return base + tuple(str(i + 1) for i in range(len(base), n))


class _Mod:
    __slots__ = ("sub", "ranges", "directions", "port_order", "nets", "port_types", "anon")

    def __init__(self, name: str, line: int):
        self.sub = Subcircuit(name=name, line=line)
        self.ranges: dict[str, list[int]] = {}
        self.directions: dict[str, str] = {}
        self.port_order: list[str] = []
        self.nets: dict[str, str] = {}
        self.port_types: dict[str, str] = {}
        self.anon = 0


def _bits(name: str, rng: list[int] | None) -> list[str]:
    if rng is None:
        return [name]
    m, l = rng
    step = -1 if m >= l else 1
    return [f"{name}[{i}]" for i in range(m, l + step, step)]


class _Parser:
    def __init__(self, text: str, path: str):
        self.text, self.path = text, path
        self._nl: list[int] | None = None
        toks = []
        append = toks.append
        for m in _TOKEN.finditer(text):
            k = m.lastgroup
            if k == "ws" or k == "lc" or k == "bc":
                continue
            if k == "op":
                s = m.group()
                if s == "/" and text.startswith("/*", m.start()):
                    self.fail("unterminated /* comment", m.start())
                if s == "(" and text.startswith("(*", m.start()) and not text.startswith("(*)", m.start()):
                    self.fail("unterminated (* attribute *)", m.start())
                if s == '"':
                    self.fail("unterminated string", m.start())
            append((k, m.group(), m.start()))
        self.toks = toks
        self.n = len(toks)
        self.i = 0
        self.pending_attr: list[str] = []

    # ---- helpers
    def where(self, pos: int) -> tuple[int, int]:
        if self._nl is None:
            self._nl = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._nl, pos)
        col = pos - (self._nl[line - 1] + 1 if line else 0) + 1
        return line + 1, col

    def fail(self, msg: str, pos: int | None = None):
        if pos is None:
            pos = self.toks[self.i][2] if self.i < self.n else len(self.text)
        line, col = self.where(pos)
        raise NetlistError(msg, self.path, line, col)

    def peek(self, k: int = 0):
        j = self.i + k
        return self.toks[j] if j < self.n else ("eof", "", len(self.text))

    def next(self):
        if self.i >= self.n:
            self.fail("unexpected end of file")
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, s: str):
        t = self.peek()
        if t[1] != s:
            got = t[1] or "end of file"
            if s == ";" and self.i > 0:  # point just past the previous token, where ';' belongs
                pk, ptext, ppos = self.toks[self.i - 1]
                self.fail(f"expected ';' after '{ptext}' (got '{got}')", ppos + len(ptext))
            self.fail(f"expected '{s}', got '{got}'")
        self.i += 1
        return t

    def ident(self, what: str = "identifier") -> str:
        k, s, _ = self.peek()
        if k == "id" and s not in _KEYWORDS:
            self.i += 1
            return s
        if k == "esc":
            self.i += 1
            return s[1:]
        self.fail(f"expected {what}, got '{s or 'end of file'}'")

    def int_(self) -> int:
        k, s, _ = self.peek()
        neg = False
        if s == "-":
            neg = True
            self.i += 1
            k, s, _ = self.peek()
        if k != "num" or "'" in s or "." in s or "e" in s.lower():
            self.fail(f"expected an integer, got '{s or 'end of file'}'")
        self.i += 1
        v = int(s.replace("_", ""))
        return -v if neg else v

    def range_(self) -> list[int] | None:
        if self.peek()[1] != "[":
            return None
        self.i += 1
        m = self.int_()
        self.expect(":")
        l = self.int_()
        self.expect("]")
        if abs(m - l) > 1_000_000:
            self.fail("bus range too wide")
        return [m, l]

    def skip_balanced(self, open_: str, close: str) -> tuple[int, int]:
        """Skip from an opening token to its matching closing one; (start, end) source offsets."""
        t = self.expect(open_)
        depth = 1
        while depth:
            k, s, p = self.next()
            if s == open_:
                depth += 1
            elif s == close:
                depth -= 1
        k, s, p = self.toks[self.i - 1]
        return t[2], p + len(s)

    # ---- file level
    def parse(self) -> Circuit:
        c = Circuit(format="verilog", dialect="verilog")
        while self.i < self.n:
            k, s, p = self.peek()
            if k == "attr":
                self.pending_attr.append(s)
                self.i += 1
            elif k == "dir":
                self.i += 1
                c.items.append(self.directive(s, p))
            elif s in ("module", "macromodule"):
                sub = self.module()
                if sub is not None:
                    c.items.append(sub)
            elif s == "primitive":
                start = p
                while self.next()[1] != "endprimitive":
                    pass
                c.items.append(Statement("raw", self.text[start:self.toks[self.i - 1][2] + 12],
                                         "primitive", line=self.where(p)[0], dialect="verilog"))
            elif s == ";":
                self.i += 1
            else:
                self.fail(f"expected 'module', got '{s}'")
        self.finish(c)
        return c

    def directive(self, s: str, p: int) -> Statement:
        s = s.rstrip()
        word = s.split(None, 1)[0]
        if word not in ("`timescale", "`define", "`undef", "`include", "`default_nettype",
                        "`celldefine", "`endcelldefine", "`resetall", "`ifdef", "`ifndef", "`else",
                        "`endif", "`elsif", "`unconnected_drive", "`nounconnected_drive"):
            self.fail(f"macro use '{word}' is not supported in structural Verilog", p)
        return Statement("directive", s, word, s.split()[1:], line=self.where(p)[0],
                         dialect="verilog")

    def finish(self, c: Circuit) -> None:
        mods = {s.name: s for s in c.items if isinstance(s, Subcircuit)}
        used = set()
        for sub in mods.values():
            for comp in sub.items:
                if not isinstance(comp, Component):
                    continue
                used.add(comp.model)
                d = mods.get(comp.model)
                if d is None or comp.attrs.get("positional") is not True:
                    continue
                order = d.attrs.get("port_order", [])
                ranges = d.attrs.get("ranges", {})
                if len(order) == len(comp.pins) and not any(p in ranges for p in order) and \
                        all(p == str(j + 1) for j, p in enumerate(comp.pins)):
                    comp.pins = tuple(order)
        for comp_sub in mods.values():
            for comp in comp_sub.items:
                if isinstance(comp, Component):
                    comp.attrs.pop("positional", None)
        tops = [n for n in mods if n not in used]
        if mods:
            c.attrs["top"] = tops[-1] if tops else list(mods)[-1]

    # ---- module
    def module(self) -> Subcircuit | None:
        t = self.next()
        name = self.ident("module name")
        mod = _Mod(name, self.where(t[2])[0])
        attrs = self.pending_attr
        self.pending_attr = []
        stub = _STUB_ATTR in attrs
        if attrs:
            mod.sub.attrs["attributes"] = [a for a in attrs if a != _STUB_ATTR]
        if self.peek()[1] == "#":
            self.i += 1
            a, b = self.skip_balanced("(", ")")
            mod.sub.attrs["parameters"] = self.text[a:b]
        if self.peek()[1] == "(":
            self.port_list(mod)
        self.expect(";")
        while True:
            k, s, p = self.peek()
            if s == "endmodule":
                self.i += 1
                break
            if k == "eof":
                self.fail(f"missing 'endmodule' for module '{name}'")
            self.item(mod)
        sub = mod.sub
        sub.ports = [b for base in mod.port_order for b in _bits(base, mod.ranges.get(base))]
        sub.attrs["directions"] = mod.directions
        sub.attrs["port_order"] = mod.port_order
        if mod.ranges:
            sub.attrs["ranges"] = mod.ranges
        if mod.nets:
            sub.attrs["nets"] = mod.nets
        if mod.port_types:
            sub.attrs["port_types"] = mod.port_types
        return None if stub else sub

    def port_list(self, mod: _Mod) -> None:
        self.expect("(")
        if self.peek()[1] == ")":
            self.i += 1
            return
        direction = None
        ntype = None
        rng = None
        while True:
            while self.peek()[0] == "attr":
                self.i += 1
            s = self.peek()[1]
            if s in _DIRS:
                self.i += 1
                direction, ntype, rng = s, None, None
                if self.peek()[1] in _NETTYPES:
                    ntype = self.next()[1]
                if self.peek()[1] == "signed":
                    self.i += 1
                rng = self.range_()
            elif s == ".":
                self.fail("explicit port expressions (.name(expr)) in a port list are not supported")
            name = self.ident("port name")
            if name in mod.directions or name in mod.port_order:
                self.fail(f"duplicate port '{name}'", self.toks[self.i - 1][2])
            mod.port_order.append(name)
            if direction is not None:
                mod.directions[name] = direction
                if rng is not None:
                    mod.ranges[name] = rng
                if ntype is not None and ntype != "wire":
                    mod.port_types[name] = ntype
            if self.peek()[1] == ",":
                self.i += 1
                continue
            self.expect(")")
            break

    def item(self, mod: _Mod) -> None:
        k, s, p = self.peek()
        if k == "attr":
            self.pending_attr.append(s)
            self.i += 1
            return
        if k == "dir":
            self.i += 1
            mod.sub.items.append(self.directive(s, p))
            return
        if s == ";":
            self.i += 1
            return
        if s in _DIRS:
            self.pending_attr = []
            self.i += 1
            ntype = None
            if self.peek()[1] in _NETTYPES:
                ntype = self.next()[1]
            if self.peek()[1] == "signed":
                self.i += 1
            rng = self.range_()
            while True:
                name = self.ident("port name")
                if name not in mod.port_order:
                    self.fail(f"'{name}' is not in the port list of module '{mod.sub.name}'",
                              self.toks[self.i - 1][2])
                mod.directions[name] = s
                if rng is not None:
                    mod.ranges[name] = rng
                if ntype is not None and ntype != "wire":
                    mod.port_types[name] = ntype
                if self.peek()[1] != ",":
                    break
                self.i += 1
            self.expect(";")
            return
        if s in _NETTYPES:
            self.pending_attr = []
            self.i += 1
            if self.peek()[1] in ("signed", "scalared", "vectored"):
                self.i += 1
            if self.peek()[1] == "#":  # delay on a net declaration: skip
                self.i += 1
                if self.peek()[1] == "(":
                    self.skip_balanced("(", ")")
                else:
                    self.next()
            if self.peek()[1] == "(":  # drive/charge strength
                self.skip_balanced("(", ")")
            rng = self.range_()
            while True:
                namepos = self.peek()[2]
                name = self.ident("net name")
                if self.peek()[1] == "[":
                    self.fail("arrays (memories) are not supported in structural Verilog")
                if name in mod.port_order:
                    if s != "wire":
                        mod.port_types[name] = s
                else:
                    mod.nets[name] = s
                if rng is not None:
                    mod.ranges[name] = rng
                if self.peek()[1] == "=":  # net declaration assignment
                    self.i += 1
                    lhs = _bits(name, rng)
                    start = self.peek()[2]
                    rhs = self.expr(mod)
                    end = self.end_pos()
                    self.assign_stmt(mod, lhs, rhs, f"assign {self.ref_text(name)} = "
                                     f"{self.text[start:end]};", namepos)
                if self.peek()[1] != ",":
                    break
                self.i += 1
            self.expect(";")
            return
        if s == "assign":
            self.pending_attr = []
            self.i += 1
            if self.peek()[1] == "#":
                self.fail("delays on assign are not supported")
            while True:
                start = self.peek()[2]
                lhs = self.expr(mod)
                self.expect("=")
                rhs = self.expr(mod)
                end = self.end_pos()
                self.assign_stmt(mod, lhs, rhs, f"assign {self.text[start:end]};", start)
                if self.peek()[1] != ",":
                    break
                self.i += 1
            self.expect(";")
            return
        if s in ("parameter", "localparam", "defparam", "genvar"):
            self.pending_attr = []
            start = p
            while self.next()[1] != ";":
                pass
            end = self.toks[self.i - 1][2] + 1
            mod.sub.items.append(Statement("raw", self.text[start:end], s, line=self.where(p)[0],
                                           dialect="verilog"))
            return
        if s in ("always", "initial", "always_comb", "always_ff", "always_latch", "final"):
            self.pending_attr = []
            start = p
            self.i += 1
            self.behav_stmt()
            end = self.toks[self.i - 1][2] + len(self.toks[self.i - 1][1])
            mod.sub.items.append(Statement("raw", self.text[start:end], s, line=self.where(p)[0],
                                           dialect="verilog"))
            return
        if s in _BLOCK_END:
            self.pending_attr = []
            start = p
            endw = _BLOCK_END[s]
            self.i += 1
            while self.next()[1] != endw:
                pass
            end = self.toks[self.i - 1][2] + len(endw)
            mod.sub.items.append(Statement("raw", self.text[start:end], s, line=self.where(p)[0],
                                           dialect="verilog"))
            return
        if s in ("module", "macromodule"):
            self.fail("nested module (missing 'endmodule'?)")
        if k in ("id", "esc") and (s not in _KEYWORDS or s in PRIMITIVES):
            self.instances(mod)
            return
        self.fail(f"unexpected '{s}' in module '{mod.sub.name}'")

    def behav_stmt(self) -> None:
        """Skip one behavioral statement (with its event/delay controls)."""
        while True:
            s = self.peek()[1]
            if s == "@":
                self.i += 1
                if self.peek()[1] == "(":
                    self.skip_balanced("(", ")")
                elif self.peek()[1] == "*":
                    self.i += 1
                else:
                    self.next()
            elif s == "#":
                self.i += 1
                if self.peek()[1] == "(":
                    self.skip_balanced("(", ")")
                else:
                    self.next()
            else:
                break
        k, s, p = self.next()
        if s in ("begin", "fork"):
            if self.peek()[1] == ":":
                self.i += 2
            close = "end" if s == "begin" else "join"
            while self.peek()[1] not in (close, "join_any", "join_none"):
                if self.peek()[0] == "eof":
                    self.fail(f"missing '{close}'")
                self.behav_stmt()
            self.i += 1
            return
        if s in ("if",):
            self.skip_balanced("(", ")")
            self.behav_stmt()
            if self.peek()[1] == "else":
                self.i += 1
                self.behav_stmt()
            return
        if s in ("case", "casex", "casez"):
            while self.next()[1] != "endcase":
                pass
            return
        if s in ("for", "while", "repeat"):
            self.skip_balanced("(", ")")
            self.behav_stmt()
            return
        if s == "forever":
            self.behav_stmt()
            return
        if s == ";":
            return
        depth = 0
        while True:
            s = self.next()[1]
            if s in ("(", "[", "{"):
                depth += 1
            elif s in (")", "]", "}"):
                depth -= 1
            elif s == ";" and depth <= 0:
                return
            elif s in ("endmodule", "end") and depth <= 0:
                self.i -= 1
                self.fail(f"expected ';' before '{s}'")

    def end_pos(self) -> int:
        """Source offset just past the last token (past the space that ends an escaped name)."""
        k, s, p = self.toks[self.i - 1]
        return p + len(s) + (1 if k == "esc" else 0)

    def ref_text(self, name: str) -> str:
        return name if _SIMPLE_ID.match(name) else f"\\{name} "

    def assign_stmt(self, mod: _Mod, lhs: list[str], rhs: list[str], text: str, pos: int) -> None:
        if len(rhs) < len(lhs):  # zero-extend
            rhs = ["1'b0"] * (len(lhs) - len(rhs)) + rhs
        elif len(rhs) > len(lhs):
            rhs = rhs[len(rhs) - len(lhs):]
        args = [x for pair in zip(lhs, rhs) for x in pair]
        mod.sub.items.append(Statement("directive", text, "assign", args, line=self.where(pos)[0],
                                       dialect="verilog"))

    # ---- expressions (net bits)
    def expr(self, mod: _Mod) -> list[str]:
        k, s, p = self.peek()
        if s == "{":
            self.i += 1
            if self.peek()[0] == "num" and self.peek(1)[1] == "{":
                n = self.int_()
                if n < 0 or n > 100000:
                    self.fail("bad replication count")
                inner = self.expr(mod)
                self.expect("}")
                return inner * n
            out: list[str] = []
            while True:
                out += self.expr(mod)
                if self.peek()[1] == ",":
                    self.i += 1
                    continue
                self.expect("}")
                return out
        if k == "id" and s not in _KEYWORDS or k == "esc":
            name = self.ident()
            if self.peek()[1] == "[":
                self.i += 1
                a = self.int_()
                if self.peek()[1] == ":":
                    self.i += 1
                    b = self.int_()
                    self.expect("]")
                    if abs(a - b) > 1_000_000:
                        self.fail("part-select too wide")
                    return _bits(name, [a, b])
                self.expect("]")
                return [f"{name}[{a}]"]
            return _bits(name, mod.ranges.get(name))
        if k == "num":
            self.i += 1
            return self.const_bits(s, p)
        self.fail(f"expected a net, constant or {{concatenation}}, got '{s or 'end of file'}'")

    def const_bits(self, s: str, p: int) -> list[str]:
        s = s.replace("_", "").replace(" ", "").replace("\t", "")
        if "'" not in s:
            if "." in s or "e" in s.lower():
                self.fail(f"real number '{s}' is not a net", p)
            v = int(s)
            return [f"1'b{b}" for b in bin(v)[2:]]
        size_s, rest = s.split("'", 1)
        rest = rest.lstrip("sS")
        base, digits = rest[0].lower(), rest[1:].lower().replace("?", "z")
        width = {"b": 1, "o": 3, "h": 4}.get(base)
        if width is None:  # decimal
            if not digits.isdigit():
                if digits in ("x", "z"):
                    bits = [digits]
                else:
                    self.fail(f"bad decimal constant '{s}'", p)
            else:
                bits = list(bin(int(digits))[2:])
        else:
            bits = []
            for ch in digits:
                if ch in "xz":
                    bits += [ch] * width
                else:
                    try:
                        v = int(ch, 16)
                    except ValueError:
                        self.fail(f"bad digit in constant '{s}'", p)
                    if v >= (1 << width):
                        self.fail(f"bad digit in constant '{s}'", p)
                    bits += list(format(v, f"0{width}b"))
        if size_s:
            size = int(size_s)
            if size <= 0 or size > 100000:
                self.fail(f"bad constant size in '{s}'", p)
            if len(bits) < size:
                pad = bits[0] if bits and bits[0] in "xz" else "0"
                bits = [pad] * (size - len(bits)) + bits
            else:
                bits = bits[len(bits) - size:]
        return [f"1'b{b}" for b in bits]

    # ---- instances
    def instances(self, mod: _Mod) -> None:
        k, s, p = self.next()
        cell = s[1:] if k == "esc" else s
        prim = k == "id" and s in PRIMITIVES
        params: dict[str, str] = {}
        if self.peek()[1] == "(" and prim:  # drive strength on a primitive
            j = self.i + 1
            if self.peek(1)[1].endswith(("0", "1")) and self.peek(1)[0] == "id" and \
                    ("strong" in self.peek(1)[1] or "weak" in self.peek(1)[1]
                     or "pull" in self.peek(1)[1] or "supply" in self.peek(1)[1]
                     or "highz" in self.peek(1)[1]):
                a, b = self.skip_balanced("(", ")")
                params["strength"] = self.text[a + 1:b - 1].strip()
            del j
        if self.peek()[1] == "#":
            self.i += 1
            if self.peek()[1] == "(":
                self.i += 1
                n = 0
                if self.peek()[1] != ")":
                    while True:
                        if self.peek()[1] == ".":
                            self.i += 1
                            pname = self.ident("parameter name")
                            a, b = self.skip_balanced("(", ")")
                            params[pname] = self.text[a + 1:b - 1].strip()
                        else:
                            start = self.peek()[2]
                            depth = 0
                            while True:
                                t = self.peek()[1]
                                if t in ("(", "[", "{"):
                                    depth += 1
                                elif t in (")", "]", "}"):
                                    if depth == 0:
                                        break
                                    depth -= 1
                                elif t == "," and depth == 0:
                                    break
                                if self.peek()[0] == "eof":
                                    self.fail("unexpected end of file in parameter list")
                                self.i += 1
                            end = self.toks[self.i - 1][2] + len(self.toks[self.i - 1][1])
                            n += 1
                            params[f"#{n}"] = self.text[start:end].strip()
                        if self.peek()[1] == ",":
                            self.i += 1
                            continue
                        break
                self.expect(")")
            else:
                kk, ss, pp = self.next()
                if kk not in ("num", "id"):
                    self.fail(f"expected a delay value, got '{ss}'", pp)
                params["#1"] = ss
        attrs_text = self.pending_attr
        self.pending_attr = []
        while True:
            if self.peek()[1] == "(":
                if not prim:
                    self.fail(f"expected instance name after '{cell}'")
                mod.anon += 1
                name = f"_{cell}_{mod.anon}_"
            else:
                name = self.ident("instance name")
            npos = self.toks[self.i - 1][2]
            if self.peek()[1] == "[":
                self.fail("instance arrays are not supported")
            pins, nets, positional = self.connections(mod, prim)
            if prim:
                pins = list(primitive_pins(cell, len(nets)))
                positional = False
            comp = Component("cell", name, nets, tuple(pins), model=cell, params=dict(params),
                             line=self.where(npos)[0])
            if positional:
                comp.attrs["positional"] = True
            if attrs_text:
                comp.attrs["attributes"] = list(attrs_text)
            mod.sub.items.append(comp)
            if self.peek()[1] == ",":
                self.i += 1
                continue
            break
        self.expect(";")

    def connections(self, mod: _Mod, prim: bool = False) -> tuple[list[str], list[str], bool]:
        self.expect("(")
        pins: list[str] = []
        nets: list[str] = []
        if self.peek()[1] == ")":
            self.i += 1
            return pins, nets, False
        if self.peek()[1] == ".":
            seen = set()
            while True:
                while self.peek()[0] == "attr":
                    self.i += 1
                if self.peek()[1] == ".":
                    self.i += 1
                else:
                    self.fail(f"expected '.port(net)' or ')', got '{self.peek()[1] or 'end of file'}'")
                ppos = self.peek()[2]
                if self.peek()[1] == "*":
                    self.fail("'.*' connections are not supported")
                pname = self.ident("port name")
                if pname in seen:
                    self.fail(f"port '{pname}' connected twice", ppos)
                seen.add(pname)
                self.expect("(")
                if self.peek()[1] != ")":
                    bits = self.expr(mod)
                    if len(bits) == 1:
                        pins.append(pname)
                        nets.append(bits[0])
                    else:
                        w = len(bits)
                        pins += [f"{pname}[{w - 1 - j}]" for j in range(w)]
                        nets += bits
                self.expect(")")
                if self.peek()[1] == ",":
                    self.i += 1
                    continue
                self.expect(")")
                return pins, nets, False
        i = 0
        while True:
            i += 1
            if self.peek()[1] in (",", ")"):  # empty positional slot
                if prim and (self.peek()[1] == "," or i > 1):
                    self.fail("a gate primitive terminal cannot be left unconnected")
            else:
                bits = self.expr(mod)
                if len(bits) == 1:
                    pins.append(str(i))
                    nets.append(bits[0])
                else:
                    w = len(bits)
                    pins += [f"{i}[{w - 1 - j}]" for j in range(w)]
                    nets += bits
            if self.peek()[1] == ",":
                self.i += 1
                continue
            self.expect(")")
            return pins, nets, True


def read_verilog(text: str, path: str = "<input>") -> Circuit:
    """Parse structural Verilog text into a Circuit (one Subcircuit per module)."""
    try:
        return _Parser(text, path).parse()
    except NetlistError:
        raise
    except RecursionError:
        raise NetlistError("expression nested too deeply", path, None, None) from None
    except (ValueError, IndexError, KeyError, TypeError, AttributeError, OverflowError) as e:
        raise NetlistError(f"cannot parse Verilog: {e}", path, 1, 1) from None


# ---------------------------------------------------------------- writer

_RESERVED = _KEYWORDS | frozenset("""
alias always_comb always_ff always_latch assert assume automatic before bind bins binsof bit break
buf byte cell chandle checker class clocking config const constraint context continue cover
covergroup coverpoint cross deassign design disable dist do edge endcase endchecker endclass
endclocking endconfig endgroup endinterface endpackage endprogram endproperty endsequence enum
event eventually expect export extends extern final first_match force foreach forkjoin global
highz0 highz1 iff ifnone ignore_bins illegal_bins implements implies import incdir include
inside instance int interconnect interface intersect join_any join_none large let liblist library
local longint macromodule matches medium modport nettype new nexttime noshowcancelled null package
packed pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent priority program
property protected rand randc randcase randsequence real realtime ref release restrict return
s_always s_eventually s_nexttime s_until s_until_with scalared sequence shortint shortreal
showcancelled small soft solve specparam static string strong strong0 strong1 struct super sync_accept_on
sync_reject_on tagged this throughout time timeprecision timeunit type typedef union unique
unique0 until until_with untyped use var vectored virtual void wait wait_order weak weak0 weak1
wildcard with within xnor xor accept_on reject_on bufif0 bufif1 casex casez cmos endfunction
endprimitive endspecify endtable endtask event function highz0 incdir initial input instance
integer join large localparam negedge nmos noshowcancelled notif0 notif1 output parameter pmos
posedge primitive pull0 rcmos realtime reg release rnmos rpmos rtran rtranif0 rtranif1 signed
specify supply0 supply1 table task tran tranif0 tranif1 tri tri0 tri1 triand trior trireg
unsigned use wand while wor
""".split())


def _esc(name: str) -> str:
    if _SIMPLE_ID.match(name) and name not in _RESERVED:
        return name
    return "\\" + re.sub(r"\s", "_", name) + " "


class _Refs:
    """Net name -> Verilog reference, knowing which names are declared buses."""

    def __init__(self, ranges: dict[str, list[int]]):
        self.ranges = ranges

    def __call__(self, net: str) -> str:
        if _CONST.match(net):
            return net
        m = _BIT.match(net)
        if m:
            base, idx = m.group(1), int(m.group(2))
            r = self.ranges.get(base)
            if r is not None and min(r) <= idx <= max(r):
                return f"{_esc(base)}[{idx}]"
        return _esc(net)


def _group_pins(pins, nets):
    """[(port, [nets])]: consecutive `P[w-1]..P[0]` pins grouped into one multi-bit port."""
    out = []
    i, n = 0, len(pins)
    while i < n:
        m = _BIT.match(pins[i])
        if m and int(m.group(2)) > 0:
            base, w = m.group(1), int(m.group(2)) + 1
            if i + w <= n and all(pins[i + j] == f"{base}[{w - 1 - j}]" for j in range(w)):
                out.append((base, list(nets[i:i + w])))
                i += w
                continue
        out.append((pins[i], [nets[i]]))
        i += 1
    return out


def _conn(bits: list[str], ref) -> str:
    if len(bits) == 1:
        return ref(bits[0])
    return "{" + ", ".join(ref(b) for b in bits) + "}"


_SPICE_COMMENT = re.compile(r"[\r\n]+")


def _comment(text: str) -> str:
    return "// " + _SPICE_COMMENT.sub(" ", text)


def _describe(c: Component) -> str:
    parts = [c.name, *c.nets]
    if c.model:
        parts.append(c.model)
    if c.value:
        parts.append(c.value)
    parts += [f"{k}={v}" for k, v in c.params.items()]
    return f"{c.kind} " + " ".join(str(p) for p in parts)


def _is_positional(pins) -> bool:
    j = 0
    for base, _ in _group_pins(list(pins), list(pins)):
        j += 1
        if base != str(j):
            return False
    return True


def _write_instance(c: Component, ref, out: list[str], defined: dict[str, Subcircuit]) -> None:
    model = c.model or c.name
    pins, nets = list(c.pins), list(c.nets)
    for a in c.attrs.get("attributes", []) if isinstance(c.attrs.get("attributes"), list) else []:
        out.append(f"  {a}")
    head = f"  {model}" if model in PRIMITIVES else f"  {_esc(model)}"
    if c.params:
        if "strength" in c.params and model in PRIMITIVES:
            head += f" ({c.params['strength']})"
        ps = {k: v for k, v in c.params.items() if k != "strength"}
        if ps:
            if all(k.startswith("#") for k in ps):
                head += " #(" + ", ".join(str(v) for v in ps.values()) + ")"
            else:
                head += " #(" + ", ".join(f".{_esc(k)}({v})" for k, v in ps.items()) + ")"
    if model in PRIMITIVES:
        body = ", ".join(ref(n) for n in nets)
    elif c.kind == "X" and model in defined and len(defined[model].ports) == len(nets) and \
            _is_positional(pins):
        body = ", ".join(ref(n) for n in nets)
    elif _is_positional(pins):
        body = ", ".join(_conn(bits, ref) for _, bits in _group_pins(pins, nets))
    else:
        body = ", ".join(f".{_esc(p)}({_conn(bits, ref)})" for p, bits in _group_pins(pins, nets))
    out.append(f"{head} {_esc(c.name)} ({body});")


def _module_header(sub: Subcircuit):
    """(port_order, directions, ranges) for a Subcircuit, read or foreign."""
    a = sub.attrs if isinstance(sub.attrs, dict) else {}
    order = list(a.get("port_order") or [])
    ranges = dict(a.get("ranges") or {})
    dirs = dict(a.get("directions") or {})
    if order and [b for base in order for b in _bits(base, ranges.get(base))] == list(sub.ports):
        return order, dirs, ranges
    order, seen = [], set()
    for p in sub.ports:
        if p not in seen:
            seen.add(p)
            order.append(p)
    return order, {p: dirs.get(p, "inout") for p in order}, {k: v for k, v in ranges.items()
                                                               if k not in seen}


def _write_module(name: str, sub, out: list[str], defined: dict, dropped: list[str]) -> None:
    a = sub.attrs if isinstance(getattr(sub, "attrs", None), dict) else {}
    for t in a.get("attributes", []) or []:
        out.append(t)
    order, dirs, ranges = _module_header(sub)
    ref = _Refs(ranges)
    params = a.get("parameters")
    head = f"module {_esc(name)}"
    if params:
        head += f" #{params}"
    out.append(f"{head}({', '.join(_esc(p) for p in order)});")
    ptypes = a.get("port_types", {}) or {}
    for p in order:
        r = ranges.get(p)
        rtxt = f" [{r[0]}:{r[1]}]" if r else ""
        out.append(f"  {dirs.get(p, 'inout')}{rtxt} {_esc(p)};")
        if p in ptypes:
            out.append(f"  {ptypes[p]}{rtxt} {_esc(p)};")
    declared = set(order)
    port_bits = set(sub.ports)
    for n, t in (a.get("nets") or {}).items():
        r = ranges.get(n)
        rtxt = f" [{r[0]}:{r[1]}]" if r else ""
        out.append(f"  {t}{rtxt} {_esc(n)};")
        declared.add(n)
    # implicit nets used by components: declare them as wires
    extra = []
    for item in sub.items:
        nets = item.nets if isinstance(item, Component) else (
            item.args if isinstance(item, Statement) and item.name == "assign"
            and item.dialect == "verilog" else [])
        for n in nets:
            if n in port_bits or n in declared or _CONST.match(n):
                continue
            m = _BIT.match(n)
            if m and m.group(1) in ranges and min(ranges[m.group(1)]) <= int(m.group(2)) \
                    <= max(ranges[m.group(1)]):
                continue
            declared.add(n)
            extra.append(n)
    for n in extra:
        out.append(f"  wire {_esc(n)};")
    for item in sub.items:
        if isinstance(item, Component):
            if item.kind in ("cell", "X"):
                _write_instance(item, ref, out, defined)
            else:
                out.append("  " + _comment(_describe(item)))
                dropped.append(f"{name}/{item.name}: {item.kind} component")
        elif isinstance(item, Statement):
            if item.dialect == "verilog":
                out.append("  " + item.text)
            elif item.kind == "comment":
                out.append("  " + _comment(item.text.lstrip("*;/ ")))
            else:
                out.append("  " + _comment(item.text))
                dropped.append(f"{name}: statement {item.text[:40]!r}")
        elif isinstance(item, Model):
            out.append("  " + _comment(item.text or f".model {item.name} {item.type}"))
            dropped.append(f"{name}: model {item.name}")
    out.append("endmodule")
    out.append("")


def _write(circuit: Circuit) -> tuple[str, list[str]]:
    out: list[str] = []
    dropped: list[str] = []
    if circuit.title:
        out.append(_comment(circuit.title))
    subs = [s for _, s in circuit.walk() if isinstance(s, Subcircuit)]
    defined = {s.name: s for s in subs}
    for item in circuit.items:
        if isinstance(item, Statement) and item.dialect == "verilog" and item.kind == "directive":
            out.append(item.text)
    for s in subs:
        _write_module(s.name, s, out, defined, dropped)
    top_items = [i for i in circuit.items if not isinstance(i, Subcircuit) and not (
        isinstance(i, Statement) and i.dialect == "verilog" and i.kind == "directive")]
    if any(isinstance(i, Component) for i in top_items) or circuit.ports:
        from ..ir import Body
        name = re.sub(r"\W", "_", circuit.title or "top").strip("_") or "top"
        if name in defined:
            name += "_top"
        top = Subcircuit(items=top_items, name=name, ports=list(circuit.ports),
                         attrs=dict(circuit.attrs.get("top_attrs", {}) or {}))
        del Body
        _write_module(name, top, out, defined, dropped)
        subs.append(top)
    else:
        for i in top_items:
            if isinstance(i, Statement) and i.kind == "comment":
                out.append(_comment(i.text))
    # stub modules for cell types used but not defined, so the file elaborates
    used: dict[str, dict[str, int]] = {}
    positional: dict[str, int] = {}
    for s in subs:
        for c in s.components:
            m = c.model or c.name
            if c.kind not in ("cell", "X") or m in PRIMITIVES or m in defined:
                continue
            if _is_positional(c.pins):
                positional[m] = max(positional.get(m, 0), len(_group_pins(list(c.pins),
                                                                           list(c.nets))))
                used.setdefault(m, {})
            else:
                ports = used.setdefault(m, {})
                for p, bits in _group_pins(list(c.pins), list(c.nets)):
                    ports[p] = max(ports.get(p, 0), len(bits))
    for m, ports in used.items():
        if positional.get(m):
            plist = [(f"p{j + 1}", 1) for j in range(positional[m])]
        else:
            plist = list(ports.items())
        out.append(_STUB_ATTR)
        out.append(f"module {_esc(m)}({', '.join(_esc(p) for p, _ in plist)});")
        for p, w in plist:
            out.append(f"  inout{f' [{w - 1}:0]' if w > 1 else ''} {_esc(p)};")
        out.append("endmodule")
        out.append("")
    return "\n".join(out) + "\n", dropped


def write_verilog(circuit: Circuit) -> str:
    """Structural Verilog text of `circuit` (SPICE-only components become comments)."""
    return _write(circuit)[0]


def _lossy(circuit: Circuit) -> list[str]:
    return _write(circuit)[1]


def _sniff(head: str, path: str) -> int:
    if re.search(r"^\s*(module|macromodule)\s+[\\A-Za-z_]", head, re.M) and \
            re.search(r"\bendmodule\b|;\s*$", head, re.M):
        return 80 if path.lower().endswith((".v", ".vg", ".sv")) else 60
    return 0


register(Format("verilog", (".v", ".vg", ".sv", ".vh"), read_verilog, write_verilog, _sniff,
                "structural / gate-level Verilog (modules, instances, primitives, assigns)",
                drops="analog components (R, C, L, sources, transistors) and SPICE models/"
                      "directives become comments; behavioral code is kept only as text",
                aliases=("v", "structural-verilog"), lossy=_lossy))
