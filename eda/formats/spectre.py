"""Spectre netlists (Cadence Spectre language, `.scs`): reader and writer.

Reading: `//` and `*` comment lines, `\\` (and `+`) continuations, `simulator lang=spice|spectre`
sections (SPICE sections are parsed by `eda.formats.spice.parse_into`), `include`, `parameters`,
`[inline] subckt NAME [(]ports[)] ... ends [NAME]`, `model NAME TYPE k=v`, instances
`NAME (nets) MASTER k=v` (parentheses optional), analyses and control statements (kept verbatim as
spectre-dialect `Statement`s), `{ ... }` blocks (sweeps, statistics, binned models) kept whole.

Component kinds come from the master: a Spectre primitive (`resistor` -> R ...), a subckt defined
anywhere in the file (-> X), a model defined anywhere (-> kind from its type), else the instance
name's SPICE letter (`X`, then M/Q/D/J/R/C/L), else name hints (`nmos4` -> M, `pnp` -> Q), else X.

Writing: native Spectre for what Spectre expresses; everything else (XSPICE, POLY sources,
`.control`, `.meas`, unknown statements) goes into `simulator lang=spice` sections written by
`eda.formats.spice.format_item`, so SPICE -> Spectre -> SPICE keeps every component.

Public: `read_spectre_text`, `parse_spectre_into`, `write_spectre`, `sniff_spectre`.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..errors import NetlistError
from ..ir import Body, Circuit, Component, Model, Statement, Subcircuit, pin_names
from ..ir.units import parse_decimal
from .registry import Format, register

DIALECT = "spectre"

# Spectre primitive masters -> SPICE kind letter.
PRIMITIVES: dict[str, str] = {
    "resistor": "R", "capacitor": "C", "inductor": "L", "vsource": "V", "isource": "I",
    "vcvs": "E", "vccs": "G", "cccs": "F", "ccvs": "H", "diode": "D", "bjt": "Q", "bjt301": "Q",
    "bjt500": "Q", "bjt503": "Q", "bjt504": "Q", "vbic": "Q", "hbt": "Q", "mextram": "Q",
    "hicum": "Q", "jfet": "J", "mutual_inductor": "K", "tline": "T", "switch": "S",
    "mos1": "M", "mos2": "M", "mos3": "M", "mos705": "M", "mos902": "M", "mos903": "M",
    "bsim1": "M", "bsim2": "M", "bsim3": "M", "bsim3v3": "M", "bsim4": "M", "bsimsoi": "M",
    "bsimcmg": "M", "bsimimg": "M", "bsimbulk": "M", "ekv": "M", "psp102": "M", "psp103": "M",
    "psp104": "M", "hisim2": "M", "hisimhv": "M", "b3soipd": "M", "bsource": "B",
}
# Statement masters (analyses and control): `NAME [(nodes)] MASTER k=v` is kept as a directive.
ANALYSES = frozenset("""
ac dc tran noise xf sp stb pz pss pac pnoise pxf psp pstb qpss qpac qpnoise qpxf qpsp hb hbac
hbnoise hbsp hbxf envlp info options set shell sweep montecarlo alter altergroup check checklimit
loadpull sens fourier dcmatch tdr reliability assert lss spectrum pdisto pcompress cosim
""".split())
# Keywords that start a control line (first token).
KEYWORDS = frozenset("""
global ahdl_include include save ic nodeset library endlibrary section endsection statistics
real if else paramset export simulator
""".split())

_RE_LANG = re.compile(r"^\s*simulator\s+lang\s*=\s*(\w+)", re.IGNORECASE)
_RE_NUM = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([TGMKkmunpfac%_])?([A-Za-z]*)$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_!]+$")


# ----------------------------------------------------------------------------------------------
# Lexing
# ----------------------------------------------------------------------------------------------

class _Line:
    """One logical line: code (comment stripped), raw text, a column map to physical lines."""

    __slots__ = ("line", "code", "raw", "segs", "comment")

    def __init__(self, line: int, code: str, raw: str, segs: list, comment: str | None):
        self.line, self.code, self.raw, self.segs, self.comment = line, code, raw, segs, comment

    def loc(self, col: int) -> tuple[int, int]:
        """(physical line, 1-based column) of 0-based offset `col` in `code`."""
        ln, c0 = self.line, 0
        for off, pl, pc in self.segs:
            if off <= col:
                ln, c0 = pl, pc + (col - off)
        return ln, c0 + 1


def _strip_inline_comment(s: str) -> tuple[str, str | None]:
    """Split `code // comment` outside quotes."""
    if "//" not in s:
        return s, None
    quote = False
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            quote = not quote
        elif not quote and s.startswith("//", i):
            return s[:i].rstrip(), s[i:]
        i += 1
    return s, None


def _is_comment(stripped: str) -> bool:
    return stripped.startswith("//") or stripped.startswith("*")


def _logical_lines(lines: list[str], first: int) -> list[_Line]:
    """Join `\\` and `+` continuations; comment lines stay separate (kind: code is None)."""
    out: list[_Line] = []
    i, n = 0, len(lines)
    while i < n:
        raw = lines[i].rstrip("\r")
        lineno = first + i
        i += 1
        s = raw.strip()
        if not s:
            continue
        if _is_comment(s):
            out.append(_Line(lineno, "", raw, [], s))
            continue
        if s.startswith("+") and out and out[-1].code:
            prev = out[-1]
            off = len(prev.code) + 1
            lead = len(raw) - len(raw.lstrip()) + 1
            prev.code += " " + s[1:].strip()
            prev.raw += "\n" + raw
            prev.segs.append((off, lineno, lead))
            continue
        lead = len(raw) - len(raw.lstrip())
        code, segs, rawparts = "", [(0, lineno, lead)], [raw]
        cur = raw[lead:]
        while True:
            cur_code, _ = _strip_inline_comment(cur)
            cs = cur_code.rstrip()
            if cs.endswith("\\") and not cs.endswith("\\\\") and i <= n:
                code += cs[:-1] + " "
                if i >= n:
                    break
                nxt = lines[i].rstrip("\r")
                rawparts.append(nxt)
                lead2 = len(nxt) - len(nxt.lstrip())
                segs.append((len(code), first + i, lead2))
                cur = nxt[lead2:]
                i += 1
                continue
            code += cur
            break
        code, comment = _strip_inline_comment(code)
        out.append(_Line(lineno, code.rstrip(), "\n".join(rawparts), segs, comment))
    return out


def _brace_depth(code: str) -> int:
    depth, quote, i = 0, False, 0
    while i < len(code):
        ch = code[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            quote = not quote
        elif not quote:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
        i += 1
    return depth


_CLOSE = {"(": ")", "[": "]", "{": "}"}


def _tokens(ln: _Line, path: str) -> list[tuple[str, int]]:
    """(token, offset) pairs: words, `=`, groups `(..)`/`[..]` and quotes kept whole."""
    code = ln.code
    toks: list[tuple[str, int]] = []
    cur: list[str] = []
    start = 0
    i, n = 0, len(code)

    def err(msg: str, at: int):
        line, col = ln.loc(at)
        return NetlistError(msg, path, line, col)

    def flush():
        if cur:
            toks.append(("".join(cur), start))
            cur.clear()

    while i < n:
        ch = code[i]
        if ch in " \t\f\v\r":
            flush()
            i += 1
            continue
        if ch == "=":
            flush()
            toks.append(("=", i))
            i += 1
            continue
        if not cur:
            start = i
        if ch == "\\" and i + 1 < n:
            cur.append(code[i:i + 2])
            i += 2
        elif ch == '"':
            j = code.find('"', i + 1)
            while j > 0 and code[j - 1] == "\\":
                j = code.find('"', j + 1)
            if j < 0:
                raise err('unclosed quote "', i)
            cur.append(code[i:j + 1])
            i = j + 1
        elif ch in _CLOSE:
            stack, j = [_CLOSE[ch]], i + 1
            while j < n and stack:
                c = code[j]
                if c == "\\":
                    j += 2
                    continue
                if c in _CLOSE:
                    stack.append(_CLOSE[c])
                elif c in ")]}":
                    if c != stack[-1]:
                        raise err(f"expected '{stack[-1]}', found '{c}'", j)
                    stack.pop()
                elif c == '"':
                    k = code.find('"', j + 1)
                    if k < 0:
                        raise err('unclosed quote "', j)
                    j = k
                j += 1
            if stack:
                raise err(f"unclosed '{ch}' (expected '{stack[-1]}')", i)
            cur.append(code[i:j])
            i = j
        elif ch in ")]}":
            raise err(f"unbalanced '{ch}'", i)
        else:
            cur.append(ch)
            i += 1
    flush()
    return toks


def _unescape(name: str) -> str:
    return re.sub(r"\\(.)", r"\1", name) if "\\" in name else name


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _value_in(text: str) -> str:
    """A Spectre value as IR text: literal numbers get SPICE scale letters (`1M` -> `1meg`)."""
    m = _RE_NUM.match(text)
    if not m or m.group(2) is None:
        return text
    mant, scale, unit = m.groups()
    if scale == "M":
        return f"{mant}meg{unit}"
    if scale in ("c", "%") and not unit:
        return f"{Decimal(mant) * Decimal('0.01')}"
    if scale == "_" and not unit:
        return mant
    return text


def _split_params(toks: list[tuple[str, int]], ln: _Line, path: str
                  ) -> tuple[list[tuple[str, int]], dict[str, str]]:
    pos: list[tuple[str, int]] = []
    params: dict[str, str] = {}
    i, n = 0, len(toks)
    while i < n:
        t, c = toks[i]
        if i + 1 < n and toks[i + 1][0] == "=":
            if i + 2 >= n or toks[i + 2][0] == "=":
                line, col = ln.loc(toks[i + 1][1])
                raise NetlistError(f"expected a value after '{t}='", path, line, col + 1)
            params[t] = _value_in(toks[i + 2][0])
            i += 3
        elif t == "=":
            line, col = ln.loc(c)
            raise NetlistError("'=' without a name before it", path, line, col)
        else:
            pos.append((t, c))
            i += 1
    return pos, params


# ----------------------------------------------------------------------------------------------
# Reader
# ----------------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, circuit: Circuit, path: str):
        self.circuit, self.path = circuit, path
        self.pending: list[tuple[Component, str, dict]] = []

    # -- sections ------------------------------------------------------------------------------
    def run(self, body: Body, text: str, first_line: int) -> None:
        lines = text.split("\n")
        stack: list[Body] = [body]
        mode, start, chunk = "spectre", 0, []
        sections: list[tuple[str, int, list[str]]] = []
        for i, raw in enumerate(lines):
            m = _RE_LANG.match(raw)
            if m:
                if chunk:
                    sections.append((mode, start, chunk))
                lang = m.group(1).lower()
                mode = "spice" if lang == "spice" else "spectre"
                rest = raw[m.end():].strip()
                if rest and not rest.startswith("//"):  # extra simulator options: keep
                    sections.append(("stmt", first_line + i, [raw]))
                start, chunk = i + 1, []
                continue
            chunk.append(raw)
        if chunk:
            sections.append((mode, start, chunk))
        for mode, start, chunk in sections:
            if mode == "stmt":
                stack[-1].add(Statement("directive", chunk[0].strip(), "simulator",
                                        line=start, dialect=DIALECT))
            elif mode == "spice":
                self._spice(stack[-1], "\n".join(chunk), first_line + start)
            else:
                self._spectre(stack, _logical_lines(chunk, first_line + start))
        if len(stack) > 1:
            sub = stack[-1]
            raise NetlistError(f"subckt '{sub.name}' has no 'ends'", self.path, sub.line, 1)

    def _spice(self, body: Body, text: str, first_line: int) -> None:
        try:
            from . import spice
        except ImportError as e:  # pragma: no cover - until spice.py exists
            raise NetlistError("a 'simulator lang=spice' section needs the SPICE reader "
                               f"({e})", self.path, first_line, 1) from None
        spice.parse_into(body, text, self.path, first_line, self.circuit)

    # -- spectre lines ---------------------------------------------------------------------------
    def _spectre(self, stack: list[Body], lines: list[_Line]) -> None:
        i, n = 0, len(lines)
        while i < n:
            ln = lines[i]
            i += 1
            body = stack[-1]
            if not ln.code:
                body.add(Statement("comment", ln.comment or "", line=ln.line, dialect=DIALECT))
                continue
            depth = _brace_depth(ln.code)
            if depth > 0:  # a { ... } block: keep it whole
                raws = [ln.raw]
                while depth > 0 and i < n:
                    nxt = lines[i]
                    i += 1
                    raws.append(nxt.raw)
                    depth += _brace_depth(nxt.code)
                if depth > 0:
                    line, col = ln.loc(ln.code.find("{"))
                    raise NetlistError("unclosed '{' block", self.path, line, col)
                self._block(body, ln, "\n".join(raws))
                continue
            if depth < 0:
                line, col = ln.loc(ln.code.find("}"))
                raise NetlistError("unbalanced '}'", self.path, line, col)
            self._line(stack, ln)

    def _block(self, body: Body, ln: _Line, text: str) -> None:
        head = ln.code.split("{", 1)[0].split()
        if head and head[0] == "model" and len(head) >= 3:
            body.add(Model(_unescape(head[1]), _spice_model_type(head[2], {}), {}, text, ln.line,
                           DIALECT))
            return
        name = head[0] if head else "block"
        if len(head) >= 2 and head[1] in ANALYSES:
            name = head[1]
        elif len(head) >= 3 and head[0] not in KEYWORDS and head[1].startswith("("):
            name = head[2]
        body.add(Statement("directive", text, name, args=head[1:], line=ln.line,
                           dialect=DIALECT))

    def _err(self, ln: _Line, msg: str, col: int):
        line, c = ln.loc(col)
        return NetlistError(msg, self.path, line, c)

    def _line(self, stack: list[Body], ln: _Line) -> None:
        toks = _tokens(ln, self.path)
        if not toks:
            return
        body = stack[-1]
        first = toks[0][0]
        if first == "inline" and len(toks) > 1 and toks[1][0] == "subckt":
            self._subckt(stack, ln, toks[2:], toks[1][1], inline=True)
            return
        if first == "subckt":
            self._subckt(stack, ln, toks[1:], toks[0][1])
            return
        if first == "ends":
            if len(stack) == 1:
                raise self._err(ln, "'ends' without 'subckt'", toks[0][1])
            sub = stack[-1]
            if len(toks) > 1 and _unescape(toks[1][0]) != sub.name:
                raise self._err(ln, f"'ends {toks[1][0]}' closes subckt '{sub.name}'", toks[1][1])
            stack.pop()
            return
        if first == "parameters":
            pos, params = _split_params(toks[1:], ln, self.path)
            if isinstance(body, Subcircuit):
                body.params.update(params)
                for t, _ in pos:
                    body.params.setdefault(t, "")
                return
            body.add(Statement("directive", ln.code.strip(), ".param", args=[t for t, _ in pos],
                               params=params, line=ln.line, dialect=DIALECT))
            return
        if first == "model":
            pos, params = _split_params(toks[1:], ln, self.path)
            if len(pos) < 2:
                raise self._err(ln, "expected 'model NAME TYPE'", toks[0][1])
            name, mtype = _unescape(pos[0][0]), pos[1][0]
            body.add(Model(name, _spice_model_type(mtype, params),
                           _spice_model_params(mtype, params),
                           ln.code.strip(), ln.line, DIALECT))
            return
        if first in KEYWORDS:
            pos, params = _split_params(toks[1:], ln, self.path)
            args = [_unquote(_unescape(t)) for t, _ in pos]
            name = ".global" if first == "global" else first
            body.add(Statement("directive", ln.code.strip(), name, args=args, params=params,
                               line=ln.line, dialect=DIALECT))
            return
        self._instance(body, ln, toks)

    def _subckt(self, stack, ln: _Line, toks, col: int, inline: bool = False) -> None:
        if not toks:
            raise self._err(ln, "expected a subckt name", col)
        name, rest = toks[0][0], toks[1:]
        if "(" in name and not name.startswith("("):
            k = name.index("(")
            name, rest = name[:k], [(name[k:], toks[0][1] + k)] + rest
        pos, params = _split_params(rest, ln, self.path)
        ports: list[str] = []
        for t, _ in pos:
            ports.extend(t[1:-1].split() if t.startswith("(") else [t])
        sub = Subcircuit(name=_unescape(name), ports=[_unescape(p) for p in ports], params=params,
                         line=ln.line)
        if inline:
            sub.attrs["inline"] = True
        stack[-1].add(sub)
        stack.append(sub)

    def _instance(self, body: Body, ln: _Line, toks) -> None:
        name, ncol = toks[0]
        rest = toks[1:]
        if "(" in name and not name.startswith("("):
            k = name.index("(")
            name, rest = name[:k], [(name[k:], ncol + k)] + rest
        pos, params = _split_params(rest, ln, self.path)
        if pos and pos[0][0].startswith("("):
            nets = pos[0][0][1:-1].split()
            if len(pos) < 2:
                raise self._err(ln, f"instance '{name}' has no master after its nodes",
                                pos[0][1] + len(pos[0][0]))
            master, margs = pos[1][0], pos[2:]
        else:
            if not pos:
                raise self._err(ln, f"instance '{name}' has no master", ncol + len(name))
            k = len(pos) - 1
            while k > 0 and _RE_NUM.match(pos[k][0]):
                k -= 1
            nets = [t for t, _ in pos[:k]]
            master, margs = pos[k][0], pos[k + 1:]
        if master.startswith(("(", '"', "[")):
            raise self._err(ln, f"expected a master name for '{name}'", [c for t, c in pos
                                                                          if t == master][0])
        args = [_value_in(t) for t, _ in margs]
        if master in ANALYSES:
            spice_text = _spice_analysis(name, master, nets, args, params)
            if spice_text is not None:  # the exact inverse of what the writer emits
                toks = spice_text.split()
                body.add(Statement("directive", spice_text, toks[0], args=toks[1:], line=ln.line))
                return
            body.add(Statement("directive", ln.code.strip(), master,
                               args=[name] + nets + args, params=params, line=ln.line,
                               dialect=DIALECT))
            return
        comp = Component("X", _unescape(name), [_unescape(x) for x in nets], model=master,
                         params=params, args=args, line=ln.line, comment=ln.comment)
        body.add(comp)
        self.pending.append((comp, _unescape(master), dict(params)))

    # -- kinds -------------------------------------------------------------------------------------
    def resolve(self, roots: list[Body]) -> None:
        models: dict[str, Model] = {}
        subckts: set[str] = set()
        for _, b in (x for root in roots for x in root.walk()):
            if isinstance(b, Subcircuit):
                subckts.add(b.name)
            for m in b.models:
                models.setdefault(m.name, m)
        low_models = {k.lower(): v for k, v in models.items()}
        low_subckts = {s.lower() for s in subckts}
        for comp, master, _ in self.pending:
            kind = _kind_for(comp.name, master, models, subckts, low_models, low_subckts)
            _finish(comp, kind, master)


def _spice_analysis(name: str, master: str, nets: list, args: list, params: dict) -> str | None:
    """SPICE text of a plain `tran tran`, `ac ac` or `dcOp dc` line (None for anything more)."""
    if nets or args:
        return None
    keys = set(params)
    if name == master == "tran" and {"step", "stop"} <= keys <= {"step", "stop", "start"}:
        return " ".join([".tran", params["step"], params["stop"]] +
                        ([params["start"]] if "start" in params else []))
    if name == "ac" and master == "ac" and len(keys) == 3 and {"start", "stop"} <= keys:
        (sweep,) = keys - {"start", "stop"}
        if sweep in ("dec", "oct", "lin"):
            return f".ac {sweep} {params[sweep]} {params['start']} {params['stop']}"
    if name == "dcOp" and master == "dc" and not params:
        return ".op"
    return None


def _kind_for(name: str, master: str, models, subckts, low_models, low_subckts) -> str:
    if master in PRIMITIVES:
        return PRIMITIVES[master]
    if master in subckts:
        return "X"
    m = models.get(master)
    if m is None and master.lower() not in low_subckts:
        m = low_models.get(master.lower())
    if m is not None:
        return _kind_of_model_type(m.type) or "X"
    if master.lower() in low_subckts:
        return "X"
    first = name[:1].upper()
    if first == "X":
        return "X"
    if first in "MQDJRCL":
        return first
    return _kind_by_hint(master) or "X"


def _kind_by_hint(master: str) -> str | None:
    low = master.lower()
    if any(h in low for h in ("nmos", "pmos", "nfet", "pfet", "nch", "pch")):
        return "M"
    if "npn" in low or "pnp" in low:
        return "Q"
    for word, k in (("resistor", "R"), ("capacitor", "C"), ("inductor", "L"), ("diode", "D")):
        if word in low:
            return k
    return None


def _kind_of_model_type(mtype: str) -> str | None:
    t = mtype.lower()
    if t in PRIMITIVES:
        return PRIMITIVES[t]
    if t in ("nmos", "pmos") or t.startswith(("bsim", "mos", "psp", "hisim", "ekv", "b3soi")):
        return "M"
    if t in ("npn", "pnp", "lpnp", "vbic", "hicum", "mextram") or t.startswith("bjt"):
        return "Q"
    if t in ("d", "diode", "juncap", "juncap200"):
        return "D"
    if t in ("r", "res", "resistor"):
        return "R"
    if t in ("c", "cap", "capacitor"):
        return "C"
    if t in ("l", "ind", "inductor"):
        return "L"
    if t in ("njf", "pjf", "jfet"):
        return "J"
    return _kind_by_hint(t)


PRIMITIVES_BY_KIND = {"R": "resistor", "C": "capacitor", "L": "inductor", "V": "vsource",
                      "I": "isource", "E": "vcvs", "G": "vccs", "F": "cccs", "H": "ccvs",
                      "T": "tline", "K": "mutual_inductor"}
_VALUE_PARAM = {"R": "r", "C": "c", "L": "l", "E": "gain", "G": "gm", "F": "gain", "H": "rm"}


def _finish(comp: Component, kind: str, master: str) -> None:
    """Set kind, pins, model/value of a read instance (SPICE-shaped where the IR expects it)."""
    comp.kind = kind
    comp.pins = pin_names(kind, len(comp.nets))
    primitive = PRIMITIVES.get(master) == kind
    comp.model = None if primitive else master
    if kind == "X":
        comp.model = master
    p = comp.params
    if kind in ("F", "H") and primitive:  # SPICE shape: F1 p n VPROBE GAIN
        head = [p.pop("probe")] if "probe" in p else []
        if _VALUE_PARAM[kind] in p:
            head.append(p.pop(_VALUE_PARAM[kind]))
        comp.args = head + comp.args
    elif kind in _VALUE_PARAM and _VALUE_PARAM[kind] in p:
        comp.value = p.pop(_VALUE_PARAM[kind])
    if kind in ("V", "I") and primitive:
        comp.attrs["spectre_params"] = dict(p)
        comp.args = _source_to_spice(p)
        comp.params = {}
    if kind == "K" and primitive:
        comp.args = [p.pop(k) for k in ("ind1", "ind2") if k in p]
        if "coupling" in p:
            comp.value = p.pop("coupling")


def _source_to_spice(p: dict[str, str]) -> list[str]:
    """SPICE source tokens (`dc 1`, `ac 1 0`, `sin(...)`) from Spectre vsource/isource params."""
    out: list[str] = []
    if "dc" in p:
        out += ["dc", p["dc"]]
    if "mag" in p:
        out += ["ac", p["mag"]] + ([p["phase"]] if "phase" in p else [])
    typ = p.get("type", "dc")
    g = p.get
    if typ == "sine":
        vals = [g("sinedc", "0"), g("ampl", "0"), g("freq", "0"), g("delay", "0"),
                g("damp", "0"), g("sinephase", "0")]
        out.append("sin(" + " ".join(vals) + ")")
    elif typ == "pulse":
        vals = [g("val0", "0"), g("val1", "0"), g("delay", "0"), g("rise", "0"), g("fall", "0"),
                g("width", "0"), g("period", "0")]
        out.append("pulse(" + " ".join(vals) + ")")
    elif typ == "pwl" and "wave" in p:
        out.append("pwl(" + p["wave"].strip("[]").strip() + ")")
    elif typ == "exp":
        vals = [g("val0", "0"), g("val1", "0"), g("td1", "0"), g("tau1", "0"), g("td2", "0"),
                g("tau2", "0")]
        out.append("exp(" + " ".join(vals) + ")")
    return out


_LEVELS = {"mos1": "1", "mos2": "2", "mos3": "3", "bsim3v3": "49", "bsim3": "49", "bsim4": "54",
           "bsimsoi": "10", "bsimcmg": "72", "bsim1": "4", "bsim2": "5"}


def _spice_model_type(mtype: str, params: dict[str, str]) -> str:
    """The SPICE model type for a Spectre model type (`bsim4` + `type=p` -> `pmos`)."""
    k = _kind_of_model_type(mtype)
    pol = params.get("type", "").strip('"').lower()
    if k == "M" and mtype.lower() not in ("nmos", "pmos"):
        return "pmos" if pol.startswith("p") else "nmos"
    if k == "Q" and mtype.lower() not in ("npn", "pnp"):
        return "pnp" if pol.startswith("p") else "npn"
    return {"D": "d", "R": "r", "C": "c", "L": "l"}.get(k or "", mtype)


def _spice_model_params(mtype: str, params: dict[str, str]) -> dict[str, str]:
    out = dict(params)
    k = _kind_of_model_type(mtype)
    if k in ("M", "Q"):
        out.pop("type", None)
    if k == "M" and mtype.lower() in _LEVELS and "level" not in out:
        out["level"] = _LEVELS[mtype.lower()]
    return out


def parse_spectre_into(body: Body, text: str, path: str = "", first_line: int = 1,
                       circuit: Circuit | None = None) -> None:
    """Parse Spectre text (no header needed) into `body`.

    Instance kinds are resolved against the models and subckts of `circuit` (the whole file) and
    of `body`, so masters may be defined before or after their use.
    """
    if circuit is None:
        circuit = body if isinstance(body, Circuit) else Circuit()
    r = _Reader(circuit, path)
    try:
        r.run(body, text, first_line)
    except NetlistError:
        raise
    except (IndexError, KeyError, ValueError, TypeError, AttributeError) as e:  # a reader bug
        raise NetlistError(f"cannot parse Spectre netlist: {e}", path, None, None) from None
    roots: list[Body] = [circuit]
    if not any(b is body for _, b in circuit.walk()):
        roots.append(body)
    r.resolve(roots)
    for root in roots:
        _set_subckt_pins(root, roots)


def _set_subckt_pins(root: Body, roots: list[Body]) -> None:
    """X instances take their subckt's port names as pin names (when defined and unambiguous)."""
    subs: dict[str, Subcircuit] = {}
    for r in roots:
        for _, b in r.walk():
            if isinstance(b, Subcircuit):
                subs.setdefault(b.name, b)
                subs.setdefault(b.name.lower(), b)
    for _, b in root.walk():
        for c in b.components:
            if c.kind == "X" and c.model:
                sub = subs.get(c.model) or subs.get(c.model.lower())
                if sub and len(sub.ports) == len(c.nets) and len(set(sub.ports)) == len(sub.ports):
                    c.pins = tuple(sub.ports)


def read_spectre(text: str, path: str = "") -> Circuit:
    """A Circuit from Spectre netlist text (a whole `.scs` file, or bare instance lines)."""
    circuit = Circuit(format="spectre", dialect=DIALECT)
    parse_spectre_into(circuit, text, path, 1, circuit)
    return circuit


read_spectre_text = read_spectre


# ----------------------------------------------------------------------------------------------
# Writer
# ----------------------------------------------------------------------------------------------

_LEADING_WORDS = KEYWORDS | {"subckt", "ends", "inline", "parameters", "model"}


def _esc(name: str) -> str:
    """A Spectre name, with characters outside [A-Za-z0-9_!] backslash-escaped.

    A name that is a keyword when it starts a line (`ic`, `save`, `model` ...) is escaped too.
    """
    if name in _LEADING_WORDS:
        return "\\" + name
    if _SAFE_NAME.match(name):
        return name
    return "".join(ch if re.match(r"[A-Za-z0-9_!]", ch) else "\\" + ch for ch in name)


_RE_SPICE_NUM = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(meg|mil|[tgxkmunpfa])?(\d+)?([a-zA-Z_]*)$",
    re.IGNORECASE)
_SCALE_OUT = {"t": "T", "g": "G", "meg": "M", "x": "M", "k": "k", "m": "m", "u": "u", "n": "n",
              "p": "p", "f": "f", "a": "a"}
_RE_EXPR_NUM = re.compile(r"(?<![A-Za-z0-9_.])((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
                          r"(meg|mil|[tgxkmunpfa])?([a-zA-Z]*)(?![A-Za-z0-9_(])", re.IGNORECASE)


def _num_out(mant: str, scale: str | None, unit: str = "") -> str:
    if scale is None:
        return mant
    s = scale.lower()
    if s == "mil":
        return f"{Decimal(mant) * Decimal('25.4e-6'):g}"
    return mant + _SCALE_OUT[s]


def _value_out(text: str) -> str:
    """A SPICE value/expression as Spectre text."""
    t = text.strip()
    if not t:
        return '""'
    m = _RE_SPICE_NUM.match(t)
    if m:
        mant, scale, frac, unit = m.groups()
        if frac is not None and scale is not None:
            mant = f"{mant}.{frac}"
        if scale is None and unit.lower().startswith("meg"):
            scale = "meg"
        return _num_out(mant, scale)
    if t[0] == "[" and t[-1] == "]":
        return "[" + " ".join(_value_out(v) for v in _split_words([t[1:-1]])) + "]"
    if (t[0] == "{" and t[-1] == "}") or (t[0] == "'" and t[-1] == "'" and len(t) > 1):
        t = "(" + t[1:-1].strip() + ")"
    if t[0] == "(" or any(op in t for op in "+-*/^<>?"):
        t = _RE_EXPR_NUM.sub(lambda mm: _num_out(mm.group(1), mm.group(2)), t)
        if " " in t and not (t[0] == "(" and t[-1] == ")"):
            t = "(" + t + ")"
    return t


def _params_out(params: dict[str, str], lower: bool = False) -> str:
    out = []
    for k, v in params.items():
        key = k.lower() if lower else k
        out.append(key if v == "" else f"{key}={_value_out(str(v))}")
    return " ".join(out)


def _inst(name: str, nets: list[str], master: str, params: str = "") -> str:
    s = f"{_esc(name)} ({' '.join(_esc(n) for n in nets)}) {_esc(master)}"
    return f"{s} {params}" if params else s


def _split_words(tokens: list[str]) -> list[str]:
    """Whitespace-split tokens, keeping (...) groups whole (`sin(0 1 1k)` stays one token)."""
    out: list[str] = []
    for t in tokens:
        if t is None:
            continue
        depth, cur = 0, ""
        for ch in str(t):
            if ch in "({":
                depth += 1
            elif ch in ")}":
                depth -= 1
            if ch.isspace() and depth <= 0:
                if cur:
                    out.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            out.append(cur)
    return out


def _source_params(comp: Component) -> dict[str, str] | None:
    """Spectre vsource/isource params from SPICE value/args, or None when not expressible."""
    raw = _split_words(([comp.value] if comp.value else []) + list(comp.args))
    toks: list[str] = []
    for t in raw:  # `SIN (0 1 1k)` -> `SIN(0 1 1k)`
        if toks and t.startswith("(") and toks[-1].isalpha():
            toks[-1] += t
        else:
            toks.append(t)
    p: dict[str, str] = {}
    i = 0
    if toks and parse_decimal(toks[0]) is not None or (toks and toks[0][:1] in "{'"):
        p["dc"] = toks[0]
        i = 1
    while i < len(toks):
        t = toks[i]
        low = t.lower()
        if low == "dc" and i + 1 < len(toks):
            p["dc"] = toks[i + 1]
            i += 2
        elif low == "ac" and i + 1 < len(toks):
            p["mag"] = toks[i + 1]
            i += 2
            if i < len(toks) and (parse_decimal(toks[i]) is not None):
                p["phase"] = toks[i]
                i += 1
        elif "(" in t and t.endswith(")"):
            fn, inner = t.split("(", 1)
            vals = _split_words([inner[:-1]])
            fn = fn.lower()
            names = {"sin": ("sinedc", "ampl", "freq", "delay", "damp", "sinephase"),
                     "pulse": ("val0", "val1", "delay", "rise", "fall", "width", "period"),
                     "exp": ("val0", "val1", "td1", "tau1", "td2", "tau2")}.get(fn)
            if fn == "pwl":
                p["type"] = "pwl"
                p["wave"] = "[" + " ".join(vals) + "]"
            elif names and len(vals) <= len(names):
                p["type"] = {"sin": "sine"}.get(fn, fn)
                p.update(dict(zip(names, vals)))
            else:
                return None
            i += 1
        else:
            return None
    if "type" not in p:
        p["type"] = "dc"
    return p


class _Names:
    """What a reader of the written text will know: subckt and model names (for kind checks)."""

    def __init__(self, circuit: Circuit):
        self.subckts = {b.name for _, b in circuit.walk() if isinstance(b, Subcircuit)}
        self.models: dict[str, Model] = {}
        for _, b in circuit.walk():
            for m in b.models:
                self.models.setdefault(m.name, m)
        self.low_models = {k.lower(): v for k, v in self.models.items()}
        self.low_subckts = {k.lower(): k for k in self.subckts}
        self.ports: dict[str, list[str]] = {}
        for _, b in circuit.walk():
            if isinstance(b, Subcircuit):
                self.ports.setdefault(b.name.lower(), b.ports)

    def expected_pins(self, c: Component) -> tuple[str, ...]:
        """The pins a reader gives the component back: canonical, or its subckt's ports."""
        if c.kind == "X" and c.model:
            ports = self.ports.get(c.model.lower())
            if ports and len(ports) == len(c.nets) and len(set(ports)) == len(ports):
                return tuple(ports)
        return pin_names(c.kind, len(c.nets))

    def canonical(self, master: str) -> str:
        """The defined spelling of a model/subckt name (Spectre names are case-sensitive)."""
        if master in self.subckts or master in self.models:
            return master
        if master.lower() in self.low_subckts:
            return self.low_subckts[master.lower()]
        m = self.low_models.get(master.lower())
        return m.name if m is not None else master

    def kind(self, name: str, master: str) -> str:
        return _kind_for(name, master, self.models, self.subckts, self.low_models,
                         set(self.low_subckts))


def _native_component(c: Component, names: "_Names") -> str | None:
    """Spectre text of a component, or None when it needs a SPICE section.

    Native text is used only when reading it back gives the same kind (so a master unknown to
    the reader cannot turn an `M` into an `X` or the other way round).
    """
    if c.attrs.get("verbatim") or c.kind in ("cell", "part"):
        return None
    if c.pins != names.expected_pins(c):   # pins only a SPICE pragma can keep
        return None
    if c.model and c.model.lower() in PRIMITIVES:  # a model named like a primitive (`diode`)
        return None
    orig = c.model
    if c.model:
        c.model = names.canonical(c.model)
    try:
        text = _native_component_text(c)
        master = PRIMITIVES_BY_KIND.get(c.kind) if not c.model else c.model
    finally:
        c.model = orig
    if text is None:
        return None
    if c.kind == "K":
        master = "mutual_inductor"
    if master is None or names.kind(c.name, master) != c.kind:
        return None
    return text


def _native_component_text(c: Component) -> str | None:
    k, params = c.kind, c.params
    if k in ("R", "C", "L"):
        if c.args:
            return None
        p = dict((x.lower(), v) for x, v in params.items())
        if c.value is not None:
            p = {_VALUE_PARAM[k]: c.value, **p}
        master = c.model or {"R": "resistor", "C": "capacitor", "L": "inductor"}[k]
        return _inst(c.name, c.nets, master, _params_out(p))
    if k in ("V", "I"):
        sp = c.attrs.get("spectre_params")
        if sp is None:
            if params:
                return None
            sp = _source_params(c)
            if sp is None:
                return None
            return _inst(c.name, c.nets, "vsource" if k == "V" else "isource", _params_out(sp))
        return _inst(c.name, c.nets, "vsource" if k == "V" else "isource",
                     " ".join(f"{a}={b}" for a, b in sp.items()))
    if k in ("E", "G"):
        if len(c.nets) != 4 or c.args or c.value is None or parse_decimal(c.value) is None \
                and not c.value.startswith(("{", "'", "(")):
            return None
        p = {_VALUE_PARAM[k]: c.value, **{x.lower(): v for x, v in params.items()}}
        return _inst(c.name, c.nets, "vcvs" if k == "E" else "vccs", _params_out(p))
    if k in ("F", "H"):
        if len(c.nets) != 2 or len(c.args) != 2 or c.value is not None or params:
            return None
        return _inst(c.name, c.nets, "cccs" if k == "F" else "ccvs",
                     f"{_VALUE_PARAM[k]}={_value_out(c.args[1])} probe={_esc(c.args[0])}")
    if k in ("D", "Q", "M", "J"):
        if not c.model or c.value is not None:
            return None
        p = {x.lower(): v for x, v in params.items()}
        if c.args:
            if len(c.args) == 1 and k in ("D", "Q") and parse_decimal(c.args[0]) is not None:
                p = {"area": c.args[0], **p}
            else:
                return None
        return _inst(c.name, c.nets, c.model, _params_out(p))
    if k == "X":
        if not c.model or [a for a in c.args if a.lower() != "params:"] or c.value is not None:
            return None
        return _inst(c.name, c.nets, c.model, _params_out(params))
    if k == "T":
        if c.model or c.args or c.value is not None or len(c.nets) != 4:
            return None
        return _inst(c.name, c.nets, "tline", _params_out(params, lower=True))
    if k == "K":
        if c.nets or len(c.args) != 2 or c.value is None:
            return None
        p = {"coupling": c.value, "ind1": c.args[0], "ind2": c.args[1]}
        return f"{_esc(c.name)} mutual_inductor " + " ".join(
            f"{a}={_value_out(b) if a == 'coupling' else _esc(b)}" for a, b in p.items())
    return None


_SPECTRE_MODEL = {"d": "diode", "r": "resistor", "res": "resistor", "c": "capacitor",
                  "cap": "capacitor", "npn": "bjt", "pnp": "bjt", "njf": "jfet", "pjf": "jfet"}
_MOS_BY_LEVEL = {"1": "mos1", "2": "mos2", "3": "mos3", "8": "bsim3v3", "49": "bsim3v3",
                 "14": "bsim4", "54": "bsim4", "10": "bsimsoi", "72": "bsimcmg"}


def _native_model(m: Model) -> str | None:
    if m.dialect == DIALECT and m.text:
        return m.text
    t = m.type.lower()
    params = {k.lower(): v for k, v in m.params.items()}
    if t in ("nmos", "pmos"):
        level = params.pop("level", "1")
        stype = _MOS_BY_LEVEL.get(str(level).split(".")[0])
        if stype is None:
            return None
        params.pop("version", None) if stype == "bsim3v3" else None
        p = {"type": t[0], **params}
    elif t in _SPECTRE_MODEL:
        stype = _SPECTRE_MODEL[t]
        p = dict(params)
        if stype == "bjt":
            p = {"type": t, **params}
        elif stype == "jfet":
            p = {"type": "n" if t == "njf" else "p", **params}
        p.pop("level", None) if stype == "diode" and str(p.get("level", "1")) == "1" else None
    else:
        return None
    return f"model {_esc(m.name)} {stype} {_params_out(p)}".rstrip()


_RE_KW = re.compile(r"^\s*\.?(\w+)")


def _stmt_tokens(s: Statement) -> list[str]:
    from .spice_lex import tokenize
    text = s.text.strip()
    if text:
        try:
            toks = tokenize(text)
        except NetlistError:
            return []
        return toks[1:]
    return list(s.args) + [x for kv in s.params.items() for x in (kv[0], "=", kv[1])]


def _native_statement(s: Statement, in_sub: bool) -> str | None:
    if s.dialect == DIALECT and s.text:
        if s.kind == "comment" and not s.text.lstrip().startswith(("//", "*")):
            return "// " + s.text
        return s.text
    if s.kind == "comment":
        t = s.text.strip()
        t = t[2:] if t.startswith("//") else t[1:] if t.startswith(("*", ";", "$")) else t
        return "//" + (" " + t.strip() if t.strip() else "")
    if s.kind == "title":
        return "// " + s.text.strip()
    if s.kind != "directive":
        return None
    name = s.name.lower()
    from .spice_lex import split_params
    toks = _stmt_tokens(s)
    try:
        pos, params = split_params(toks)
    except NetlistError:
        return None
    if name == ".end":
        return ""
    if name == ".param" and not in_sub and not pos:
        p = params or s.params
        return "parameters " + _params_out(p) if p else None
    if name in (".include", ".inc") and len(pos) == 1 and not params:
        return f'include "{pos[0].strip(chr(34)).strip(chr(39))}"'
    if name == ".lib" and len(pos) == 2 and not params:
        return f'include "{pos[0].strip(chr(34)).strip(chr(39))}" section={pos[1]}'
    if name == ".global" and pos and not params:
        return "global " + " ".join(_esc(p) for p in pos)
    if name == ".op" and not pos:
        return "dcOp dc"
    if name == ".tran" and 2 <= len(pos) <= 3 and not params and all(
            parse_decimal(p) is not None for p in pos):
        p = {"step": pos[0], "stop": pos[1]}
        if len(pos) == 3:
            p["start"] = pos[2]
        return "tran tran " + _params_out(p)
    if name == ".ac" and len(pos) == 4 and pos[0].lower() in ("dec", "oct", "lin") and not params:
        return f"ac ac start={_value_out(pos[2])} stop={_value_out(pos[3])} " \
               f"{pos[0].lower()}={_value_out(pos[1])}"
    return None


def write_spectre(circuit: Circuit) -> str:
    """Spectre text of `circuit`; what Spectre cannot express goes into `lang=spice` sections."""
    names = _Names(circuit)
    out: list[str] = ["simulator lang=spectre", "// written by eda (spectre writer)"]
    has_title = any(isinstance(i, Statement) and i.kind == "title" for i in circuit.items)
    if circuit.title and not has_title:
        out.append(f"// {circuit.title}")
    _write_body(circuit, out, names, False)
    return "\n".join(out) + "\n"


def _write_body(body: Body, out: list[str], names: "_Names", in_sub: bool) -> None:
    pending: list = []  # items for a SPICE section

    def flush():
        if not pending:
            return
        from .spice import format_item  # lazy: spice.py may be written after this module
        out.append("simulator lang=spice")
        for it in pending:
            out.append(format_item(it, dialect="ngspice").rstrip("\n"))
        out.append("simulator lang=spectre")
        pending.clear()

    for item in body.items:
        text: str | None
        if isinstance(item, Subcircuit):
            flush()
            kw = "inline subckt" if item.attrs.get("inline") else "subckt"
            out.append(f"{kw} {_esc(item.name)} {' '.join(_esc(p) for p in item.ports)}".rstrip())
            if item.params:
                out.append("parameters " + _params_out(item.params))
            _write_body(item, out, names, True)
            out.append(f"ends {_esc(item.name)}")
            continue
        if isinstance(item, Component):
            text = _native_component(item, names)
        elif isinstance(item, Model):
            text = _native_model(item)
        elif isinstance(item, Statement):
            text = _native_statement(item, in_sub)
        else:
            text = None
        if text is None:
            pending.append(item)
        else:
            flush()
            if text:
                out.append(text)
    flush()


def _lossy(circuit: Circuit) -> list[str]:
    n = 0
    names = _Names(circuit)
    for _, b in circuit.walk():
        for it in b.items:
            if isinstance(it, Component) and _native_component(it, names) is None:
                n += 1
    return [f"{n} component(s) kept in 'simulator lang=spice' sections"] if n else []


def sniff_spectre(head: str, path: str = "") -> int:
    """90 for `simulator lang=spectre`; 60 for Spectre-only syntax (`subckt`/`ends`, `(nets)`)."""
    if re.search(r"^\s*simulator\s+lang\s*=\s*spectre", head, re.IGNORECASE | re.MULTILINE):
        return 90
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()]
    code = [ln for ln in lines if not ln.startswith(("//", "*"))]
    if not code or any(ln.startswith(".") for ln in code):
        return 0
    if any(re.match(r"^(inline\s+)?subckt\s+\S+", ln) for ln in code) and \
            any(re.match(r"^ends\b", ln) for ln in code):
        return 60
    inst = sum(1 for ln in code if re.match(r"^\S+\s*\([^()]*\)\s*[A-Za-z_]\w*", ln))
    return 55 if inst >= max(2, len(code) * 3 // 4) else 0


register(Format(
    name="spectre", extensions=(".scs",), reader=read_spectre_text, writer=write_spectre,
    sniff=sniff_spectre, description="Cadence Spectre netlist (spectre language; SPICE sections)",
    drops="nothing: what Spectre cannot express is written in 'simulator lang=spice' sections",
    lossy=_lossy))
