"""SPICE lexing: logical lines (continuations, comments) and tokens (groups, `k=v` pairs).

Shared by every SPICE dialect (ngspice, HSPICE, LTspice, Xyce, CDL) and by the Spectre reader's
`simulator lang=spice` sections.  Errors carry file:line:col.
"""
from __future__ import annotations

import io
import re
from itertools import chain, count, repeat
from operator import itemgetter
from typing import Iterator

from ..errors import NetlistError

_COMMENT_START = frozenset("*$;")   # whole-line comments (`$` and `;` lines: HSPICE, CIDER decks)
_OPEN = {"(": ")", "{": "}", "[": "]"}
_SLOW_CHARS = frozenset("(){}'\"[]")


def logical_lines(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line number, text) of each logical line: `+` continuations joined, blank lines dropped."""
    return list(iter_logical_lines(text, first_line))


_BACKSLASH_EOL = re.compile(r"\\\r*(?:\n|\Z)")
_CHUNK = 1 << 16                      # characters of text split into lines at a time
_SAFE_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_NOT_PLAIN = ";$/(){}'\"[],"            # what a plain element line does not hold
_ODD_START = re.compile(r"\n(?:\+|[^\S\n])")   # a line starting with `+` or whitespace
_second = itemgetter(1)


class ChunkFlags:
    """What `fast_logical_lines` knows about the chunk its latest line came from."""

    __slots__ = ("plain",)

    def __init__(self) -> None:
        self.plain = False   # no line of the chunk holds any of `;$/(){}'"[],`


def fast_logical_lines(text: str, first_line: int = 1, flags: ChunkFlags | None = None,
                       ) -> Iterator[tuple[int, str]]:
    """The same (line, text) pairs as `iter_logical_lines`, built mostly by C-level string calls.

    The text is cut into 64 kB chunks at lines that cannot continue a previous one; each chunk
    is split into physical lines, its `+` continuations are joined in place (the joined-away
    lines become empty) and empty lines are filtered out, so that only lines starting with `+`
    or whitespace cost Python work.  Text with `\\` line continuations, or a leading stray `+`
    line, takes the line-by-line generator.  `flags.plain` follows the chunk being handed out.
    """
    flags = flags if flags is not None else ChunkFlags()
    if "\\" in text and _BACKSLASH_EOL.search(text):
        return iter_logical_lines(text, first_line)
    chunks = _chunks(text, first_line)
    head = next(chunks, None)
    if head is None:
        return iter(())
    lines = _join_chunk(*head)
    if lines is None:                # a stray `+` line before any other: the generator's rules
        return iter_logical_lines(text, first_line)
    flags.plain = _plain(head[0])

    def rest():
        for seg, ln in chunks:
            got = _join_chunk(seg, ln)
            flags.plain = _plain(seg)   # set as `chain` moves on to this chunk's lines
            yield got

    return chain(lines, chain.from_iterable(rest()))


def _plain(seg: str) -> bool:
    for ch in _NOT_PLAIN:
        if ch in seg:
            return False
    return True


def _chunks(text: str, first_line: int) -> Iterator[tuple[str, int]]:
    """(chunk text, number of its first line), cut before lines that start a new logical line."""
    n = len(text)
    pos, ln = 0, first_line
    while pos < n:
        end = pos + _CHUNK
        while end < n:
            end = text.find("\n", end)
            if end < 0:
                end = n
                break
            end += 1
            if text[end:end + 1] in _SAFE_START:
                break
        end = min(end, n)
        yield text[pos:end], ln
        ln += text.count("\n", pos, end)
        pos = end


def _join_chunk(seg: str, ln0: int):
    """Logical lines of one chunk as a C-level iterator, or None for a stray leading `+` line."""
    lines = seg.split("\n")
    if "\r" in seg:
        lines = list(map(str.rstrip, lines, repeat("\r\n")))
    odd = [0] if seg[:1] == "+" or seg[:1].isspace() else []
    i = pos = 0
    for m in _ODD_START.finditer(seg):
        at = m.start()
        i += seg.count("\n", pos, at + 1)
        pos = at + 1
        odd.append(i)
    conts = []
    for i in odd:
        raw = lines[i]
        c = raw[:1]
        if c == "+":
            conts.append(i)
        elif raw.isspace() or not raw:
            lines[i] = ""              # blank: dropped like an empty line
        elif (c == " " or c == "\t") and raw.lstrip()[:1] == "+":
            conts.append(i)
    head = last = -1                   # the line being continued, and its last joined line
    for j in conts:
        k = j - 1
        while k > last:
            prev = lines[k]
            if prev:
                c = prev[0]
                if c == " " or c == "\t":
                    c = prev.lstrip()[:1]
                if c not in _COMMENT_START:
                    break
            k -= 1
        if k > last:
            head = k                   # a new line is being continued
        elif head < 0:
            return None                # nothing before it to continue
        pend = lines[head]
        rest = lines[j].lstrip()[1:].lstrip()
        if ";" in pend or "$" in pend or "/" in pend:
            code, note = strip_comment(pend)   # an inline comment ends its physical line
            lines[head] = code + " " + rest + (" " + note if note else "")
        else:
            lines[head] = pend + " " + rest
        lines[j] = ""
        last = j
    return filter(_second, zip(count(ln0), lines))


def iter_logical_lines(text: str, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """Logical lines one at a time (a million-line deck is never held as a list of lines).

    `+` lines continue the previous non-comment line, as does a line after one ending in `\\`;
    comment lines (`*`) in the middle of a continued line come out after it.
    """
    pend_n, pend = 0, None          # the line being continued
    held: list[tuple[int, str]] = []  # comments seen while a line may still continue
    n = first_line - 1
    for raw in io.StringIO(text):
        n += 1
        raw = raw.rstrip("\r\n")
        if not raw or raw.isspace():
            continue
        c = raw[0]
        if c == " " or c == "\t":
            c = raw.lstrip()[:1]
        if c == "+" or (pend is not None and pend.endswith("\\") and c not in _COMMENT_START):
            if pend is None:
                pend_n, pend = n, raw.lstrip()[1:].lstrip()   # a stray continuation: its own line
            elif c == "+":
                code, note = strip_comment(pend)   # an inline comment ends its physical line
                pend = code + " " + raw.lstrip()[1:].lstrip() + (" " + note if note else "")
            else:
                pend = pend[:-1] + " " + raw
            continue
        if c in _COMMENT_START:
            if pend is None:
                yield n, raw
            else:
                held.append((n, raw))
            continue
        if pend is not None:
            yield pend_n, pend
            if held:
                yield from held
                held.clear()
        pend_n, pend = n, raw
    if pend is not None:
        yield pend_n, pend
    yield from held


def strip_comment(line: str, dialect: str = "spice") -> tuple[str, str | None]:
    """Split off an inline comment (`;`, `$ `, `//`) outside quotes/braces: (code, comment)."""
    if ";" not in line and "$" not in line and "//" not in line:
        return line, None
    depth = 0
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif depth <= 0:
            if ch == ";":
                return line[:i].rstrip(), line[i:]
            if ch == "$" and (i == 0 or line[i - 1] in " \t") and line[i + 1:i + 2] != "{":
                return line[:i].rstrip(), line[i:]
            if ch == "/" and line.startswith("//", i) and (i == 0 or line[i - 1] in " \t"):
                return line[:i].rstrip(), line[i:]
    return line, None


def tokenize(line: str, path: str = "", lineno: int | None = None) -> list[str]:
    """Whitespace tokens, with `(..)`, `{..}`, `'..'`, `".."` groups kept whole and `=` split out.

    A word immediately followed by a group joins it (`sin(0 1 1k)`, `v(out)`).  Commas outside
    groups separate like spaces.  Unbalanced groups raise NetlistError at their column.
    """
    if not _SLOW_CHARS.intersection(line):
        if "=" not in line:
            return line.replace(",", " ").split() if "," in line else line.split()
        return _split_eq(line.replace(",", " ").split() if "," in line else line.split())
    toks: list[str] = []
    n = len(line)
    i = 0
    cur: list[str] = []

    def flush() -> None:
        if cur:
            toks.append("".join(cur))
            cur.clear()

    while i < n:
        ch = line[i]
        if ch in " \t\r\f\v,":
            flush()
            i += 1
        elif ch == "=":
            flush()
            toks.append("=")
            i += 1
        elif ch in "'\"":
            j = line.find(ch, i + 1)
            if j < 0:
                raise NetlistError(f"unclosed quote {ch}", path, lineno, i + 1)
            cur.append(line[i:j + 1])
            i = j + 1
        elif ch in _OPEN:
            j = _match(line, i, path, lineno)
            cur.append(line[i:j + 1])
            i = j + 1
        elif ch in ")}]":
            raise NetlistError(f"unbalanced '{ch}'", path, lineno, i + 1)
        else:
            cur.append(ch)
            i += 1
    flush()
    return toks


def _match(line: str, i: int, path: str, lineno: int | None) -> int:
    """Index of the bracket closing the one at `i` (nesting and quotes respected)."""
    stack = [_OPEN[line[i]]]
    j = i + 1
    n = len(line)
    while j < n:
        ch = line[j]
        if ch in _OPEN:
            stack.append(_OPEN[ch])
        elif ch in ")}]":
            if ch != stack[-1]:
                raise NetlistError(f"expected '{stack[-1]}', found '{ch}'", path, lineno, j + 1)
            stack.pop()
            if not stack:
                return j
        elif ch in "'\"":
            k = line.find(ch, j + 1)
            if k < 0:
                raise NetlistError(f"unclosed quote {ch}", path, lineno, j + 1)
            j = k
        j += 1
    raise NetlistError(f"unclosed '{line[i]}' (expected '{stack[-1]}')", path, lineno, i + 1)


def _split_eq(toks: list[str]) -> list[str]:
    out: list[str] = []
    for t in toks:
        if "=" in t and t != "=":
            k, _, v = t.partition("=")
            if k:
                out.append(k)
            out.append("=")
            if v:
                out.append(v)
        else:
            out.append(t)
    return out


def split_params(toks: list[str], path: str = "", lineno: int | None = None,
                 ) -> tuple[list[str], dict[str, str]]:
    """Positional tokens and `key=value` parameters (order kept) from a token list."""
    if "=" not in toks:
        return toks, {}
    pos: list[str] = []
    params: dict[str, str] = {}
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if i + 1 < n and toks[i + 1] == "=":
            if i + 2 >= n or toks[i + 2] == "=":
                raise NetlistError(f"expected a value after '{t}='", path, lineno, None)
            if pos and params:
                pass
            params[t] = toks[i + 2]
            i += 3
        elif t == "=":
            raise NetlistError("'=' without a name before it", path, lineno, None)
        else:
            pos.append(t)
            i += 1
    return pos, params
