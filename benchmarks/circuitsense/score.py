"""Scoring of symbolic and numeric answers.

A symbolic answer is right when sympy proves it equal to the label, or failing that when it
agrees at random points (component symbols positive, s complex) within 0.5 % relative. Unlike the
public CircuitSense scorer, a sign-flipped answer is wrong: the comparison is of the values, not
of their magnitudes.
"""
from __future__ import annotations

import random
import re

import sympy
from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr,
                                        standard_transformations)

REL_TOL = 5e-3
_TRANSFORMS = standard_transformations + (implicit_multiplication_application, convert_xor)
_PREFIX = {"T": 1e12, "G": 1e9, "M": 1e6, "k": 1e3, "K": 1e3, "m": 1e-3, "u": 1e-6, "µ": 1e-6,
           "n": 1e-9, "p": 1e-12, "f": 1e-15}


class Unparsable(ValueError):
    """An answer that is not an expression."""


def _rhs(text: str) -> str:
    """The expression of 'H(s) = expr' (the part after the last '='), stripped of $ and spaces."""
    text = str(text).strip().strip("$").strip()
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    return text.strip()


def _latex_fixups(src: str) -> str:
    """Slips seen in official answers: ').(' for a product, parentheses unbalanced inside a {} group
    (a ')' that closes nothing there is dropped, a '(' left open is closed at the group's end)."""
    src = re.sub(r"\)\s*\.\s*\(", r")\\cdot(", src)
    out, depth = [], [0]
    for ch in src:
        if ch == "{":
            depth.append(0)
        elif ch == "}" and len(depth) > 1:
            out.append(")" * depth.pop())
        elif ch == "(":
            depth[-1] += 1
        elif ch == ")":
            if depth[-1] == 0:
                continue
            depth[-1] -= 1
        out.append(ch)
    return "".join(out) + ")" * depth[0]


def parse_answer(text: str, names: set[str]) -> sympy.Expr:
    """An answer as a sympy expression whose symbols named like the label's are the same symbols."""
    local = {n: sympy.Symbol(n) for n in names | {"s"}}
    local.setdefault("j", sympy.I)
    src = _rhs(text)
    if not src:
        raise Unparsable("empty answer")
    if "\\" in src:
        try:
            from sympy.parsing.latex import parse_latex
            expr = parse_latex(_latex_fixups(src))
        except Exception as e:  # noqa: BLE001 - the latex parser is optional and raises many kinds
            raise Unparsable(f"cannot read LaTeX: {type(e).__name__}") from None
        flat = {sym: re.sub(r"[_{}\\ ]", "", sym.name) for sym in expr.free_symbols}   # C_{1} -> C1
        return expr.subs({sym: local.get(n, sympy.Symbol(n)) for sym, n in flat.items()})
    try:
        return parse_expr(src, local_dict=local, transformations=_TRANSFORMS, evaluate=True)
    except Exception as e:  # noqa: BLE001 - parse_expr raises anything from SyntaxError to TypeError
        raise Unparsable(f"not an expression ({type(e).__name__})") from None


def _numeric_equal(a: sympy.Expr, b: sympy.Expr, syms: list, rng: random.Random, points: int = 6) -> bool:
    fa, fb = sympy.lambdify(syms, a, "numpy"), sympy.lambdify(syms, b, "numpy")
    for _ in range(points):
        vals = [complex(rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0)) if str(s) == "s"
                else rng.uniform(0.5, 3.0) for s in syms]
        try:
            va, vb = complex(fa(*vals)), complex(fb(*vals))
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            return False
        if abs(va - vb) > REL_TOL * max(abs(vb), 1e-12):
            return False
    return True


_FUNCS = {"sqrt", "exp", "log", "sin", "cos", "tan", "pi", "I", "E", "oo", "j", "s"}


def _idents(text: str) -> set[str]:
    """The names in a plain-text expression, kept whole when parsing (no implicit splitting)."""
    if "\\" in text:
        return set()
    return {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _rhs(text)) if w not in _FUNCS}


def symbolic_equal(answer: str, label: str, seed: int = 0) -> tuple[bool, str]:
    """(right, why) for a symbolic answer against a symbolic label."""
    if _rhs(answer).replace(" ", "") == _rhs(label).replace(" ", ""):
        return True, "identical text"
    try:
        want = parse_answer(label, _idents(label))   # R1 stays one symbol (not R*1)
    except Unparsable as e:
        return False, f"label unreadable ({e}); only identical text counts"
    names = {str(s) for s in want.free_symbols}
    try:
        got = parse_answer(answer, names)
    except Unparsable as e:
        return False, str(e)
    extra = {str(s) for s in got.free_symbols} - names - {"s"}
    if extra:
        return False, f"unknown symbols: {', '.join(sorted(extra))}"
    try:
        if sympy.cancel(sympy.together(got - want)) == 0:      # exact for rational functions
            return True, "sympy-equal"
        exact = not (got.atoms(sympy.Float) or want.atoms(sympy.Float))
        syms0 = list(want.free_symbols | got.free_symbols)
        if exact and got.is_rational_function(*syms0) and want.is_rational_function(*syms0):
            return False, "not equal (rational functions differ)"   # cancel decides: no numeric leniency
    except Exception:  # noqa: BLE001 - cancel can fail on odd input; fall back to numbers
        pass
    syms = sorted(want.free_symbols | got.free_symbols | {sympy.Symbol("s")}, key=str)
    if _numeric_equal(got, want, syms, random.Random(seed)):
        return True, "numerically equal at random points"
    return False, "not equal"


_NUM = re.compile(r"([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*([TGMkKmunpfµ](?![a-z]))?")


def numeric_value(text: str) -> float | None:
    """The first number in `text`, scaled by an SI prefix right after it ('50 k\\Omega' -> 50000)."""
    plain = re.sub(r"\\(mathrm|text|operatorname)|[{}~]", " ", _rhs(str(text)))
    m = _NUM.search(plain)
    if not m:
        return None
    v = float(m.group(1))
    return v * _PREFIX.get(m.group(2) or "", 1.0)


def numeric_equal(answer, value: float) -> tuple[bool, str]:
    got = answer if isinstance(answer, (int, float)) else numeric_value(str(answer))
    if got is None:
        return False, "no number in the answer"
    ok = abs(got - value) <= REL_TOL * max(abs(value), 1e-30)
    return ok, f"{got:g} vs {value:g}"
