"""Scorers of the closed MMCircuitEval question types.

- single: the one choice letter (A-Z) of the answer equals the label's
- multi:  the set of choice letters equals the label's (order and separators ignored)
- blank:  numbers compared at 1 % relative (SI prefixes and units read), else normalised text
"""
from __future__ import annotations

import re

from benchmarks.circuitsense.score import numeric_value

_LIST = re.compile(r"[A-Z](?:\s*(?:,|;|/|&|\band\b|\s)\s*[A-Z])*\.?")


def choices(text: str) -> set[str]:
    """The choice letters named in an answer: '(B) 40 V' -> B, 'A, D' / 'A and D' -> A D, 'C. 75 V' -> C."""
    t = str(text).strip()
    paren = re.findall(r"\(([A-Z])\)", t)
    if paren:
        return set(paren)
    if _LIST.fullmatch(t):
        return set(re.findall(r"[A-Z]", t))
    m = re.match(r"([A-Z])(?:[.):]|$)", t)
    return {m.group(1)} if m else set()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w.+-]+", " ", str(text).lower()).split())


def score_closed(qtype: str, answer: str, label: str) -> tuple[bool, str]:
    if qtype == "single":
        got, want = choices(answer), choices(label)
        return (len(got) == 1 and got == want), f"chose {''.join(sorted(got)) or 'nothing'}"
    if qtype == "multi":
        got, want = choices(answer), choices(label)
        return got == want and bool(want), f"chose {''.join(sorted(got)) or 'nothing'}"
    if qtype == "blank":
        want = numeric_value(label)
        if want is not None:
            got = numeric_value(answer)
            if got is None:
                return False, "no number in the answer"
            return abs(got - want) <= 1e-2 * max(abs(want), 1e-30), f"{got:g} vs {want:g}"
        ok = _norm(answer) == _norm(label)
        return ok, "text match" if ok else "text differs"
    raise ValueError(f"{qtype!r} is not a closed question type (single, multi, blank)")
