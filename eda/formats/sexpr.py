"""A small S-expression tokenizer/parser that keeps line:col, shared by the KiCad and EDIF readers.

`parse(text, path)` returns the top-level lists as `SList`s (a `list` with `.line`/`.col` of its
opening parenthesis); atoms are plain `str` (quoted strings are unquoted). Every syntax error is a
`NetlistError` naming the file, line and column. `dumps(tree)` writes a tree back (KiCad style).
"""
from __future__ import annotations

import re
from bisect import bisect_right

from ..errors import NetlistError

__all__ = ["SList", "parse", "parse_one", "position", "head", "find", "find_all", "atom", "plain",
           "dumps", "quote"]


class SList(list):
    """A parsed list, with the 1-based line and column of its '('."""

    __slots__ = ("line", "col")

    def __init__(self, *args):
        super().__init__(*args)
        self.line = None
        self.col = None


# Groups: 1 '(' 2 ')' 3 string body 4 bare atom 5 a lone '"' (unterminated string)
_TOKEN_ESC = re.compile(r'[ \t\r\n\f\v]+|(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"]+)|(")', re.S)
_TOKEN_RAW = re.compile(r'[ \t\r\n\f\v]+|(\()|(\))|"([^"]*)"|([^\s()"]+)|(")', re.S)
MAX_DEPTH = 400
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), s, flags=re.S)


class _Lines:
    """Offset → (line, col), 1-based."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.starts, pos) - 1
        return i + 1, pos - self.starts[i] + 1


def position(text: str, pos: int) -> tuple[int, int]:
    """(line, col) of offset `pos` in `text`."""
    return _Lines(text)(pos)


def parse(text: str, path: str = "<input>", escapes: bool = True) -> list:
    """All top-level items of `text` (lists as SList, atoms as str)."""
    lines = _Lines(text)
    tok = _TOKEN_ESC if escapes else _TOKEN_RAW
    top: list = []
    stack: list[SList] = []
    cur: list = top
    pos, n = 0, len(text)
    match = tok.match
    while pos < n:
        m = match(text, pos)
        if m is None:  # cannot happen with this pattern, but never loop forever
            ln, col = lines(pos)
            raise NetlistError(f"unexpected character {text[pos]!r}", path, ln, col)
        g = m.lastindex
        if g == 1:
            node = SList()
            node.line, node.col = lines(pos)
            cur.append(node)
            stack.append(node)
            cur = node
            if len(stack) > MAX_DEPTH:
                raise NetlistError(f"lists nested more than {MAX_DEPTH} deep", path, node.line,
                                   node.col)
        elif g == 2:
            if not stack:
                ln, col = lines(pos)
                raise NetlistError("unexpected ')' with no matching '('", path, ln, col)
            stack.pop()
            cur = stack[-1] if stack else top
        elif g == 3:
            s = m.group(3)
            cur.append(_unescape(s) if escapes and "\\" in s else s)
        elif g == 4:
            cur.append(m.group(4))
        elif g == 5:
            ln, col = lines(pos)
            raise NetlistError("unterminated string (missing closing '\"')", path, ln, col)
        pos = m.end()
    if stack:
        node = stack[-1]
        ln, col = lines(n)
        what = f" '({node[0]}'" if node and isinstance(node[0], str) else ""
        raise NetlistError(f"unclosed '('{what}: input ends at line {ln} col {col} with "
                           f"{len(stack)} list(s) open", path, node.line, node.col)
    return top


def parse_one(text: str, path: str = "<input>", escapes: bool = True,
              keyword: str | None = None) -> SList:
    """The single top-level list of `text`, optionally checking its head keyword."""
    items = parse(text, path, escapes)
    if not items:
        raise NetlistError("empty input: expected an S-expression '('", path, 1, 1)
    first = items[0]
    if not isinstance(first, SList):
        raise NetlistError(f"expected '(' but found {first[:40]!r}", path, 1, 1)
    if keyword is not None:
        h = head(first)
        if h is None or h.lower() != keyword:
            raise NetlistError(f"expected '({keyword} ...)' but found '({h or ''} ...'", path,
                               first.line, first.col)
    if len(items) > 1:
        extra = items[1]
        ln, col = (extra.line, extra.col) if isinstance(extra, SList) else (None, None)
        if ln is None:
            ln, col = first.line, first.col
        raise NetlistError("unexpected text after the end of the top-level list", path, ln, col)
    return first


# ---- tree helpers -------------------------------------------------------------------------------

def head(node) -> str | None:
    """The keyword of a list (its first atom), or None."""
    if isinstance(node, list) and node and isinstance(node[0], str):
        return node[0]
    return None


def find_all(node, key: str, ci: bool = False) -> list:
    """Child lists of `node` whose keyword is `key` (case-insensitive when `ci`)."""
    if ci:
        key = key.lower()
        return [c for c in node[1:] if isinstance(c, list) and c and isinstance(c[0], str)
                and c[0].lower() == key]
    return [c for c in node[1:] if isinstance(c, list) and c and c[0] == key]


def find(node, key: str, ci: bool = False):
    """The first child list with keyword `key`, or None."""
    for c in find_all(node, key, ci):
        return c
    return None


def atom(node, key: str | None = None, default=None, ci: bool = False):
    """The first atom argument of `node` (or of its child `key`), or `default`."""
    if key is not None:
        node = find(node, key, ci)
        if node is None:
            return default
    for x in node[1:]:
        if isinstance(x, str):
            return x
    return default


def plain(node):
    """A copy of a tree using plain lists (JSON-ready)."""
    if isinstance(node, list):
        return [plain(x) for x in node]
    return node


# ---- writing ------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.+\-/]*$")


def quote(s: str) -> str:
    """A KiCad-style quoted string."""
    s = str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{s}"'


def _depth(node) -> int:
    if not isinstance(node, list):
        return 0
    return 1 + max((_depth(x) for x in node), default=0)


def dumps(node, indent: int = 0, step: int = 2) -> str:
    """KiCad-style text of a tree: keywords bare, all other atoms quoted, nested lists indented."""
    if not isinstance(node, list):
        return quote(node)
    parts = []
    for i, x in enumerate(node):
        if i == 0 and isinstance(x, str):
            parts.append(x if _BARE.match(x) else quote(x))
        elif isinstance(x, list):
            parts.append(None)  # placeholder
        else:
            parts.append(quote(x))
    if _depth(node) <= 2:
        return "(" + " ".join(p if p is not None else dumps(x) for p, x in zip(parts, node)) + ")"
    out = "(" + (parts[0] if parts and parts[0] is not None else "")
    pad = " " * (indent + step)
    inline = True
    for p, x in zip(parts[1:], node[1:]):
        if p is not None:
            out += " " + p
        elif inline and _depth(x) <= 1:
            out += " " + dumps(x)
        else:
            inline = False
            out += "\n" + pad + dumps(x, indent + step, step)
    return out + ")"
