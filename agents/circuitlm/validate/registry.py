"""The rule registry: each rule is a small function `(Context) -> Iterable[Finding]`, registered by name."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from .context import Context
from .report import Finding


@dataclass(frozen=True)
class Rule:
    name: str
    category: str  # structural | electrical
    doc: str
    fn: Callable[[Context], Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(name: str, category: str) -> Callable:
    """Register a rule; its findings get the rule's name and category."""
    def deco(fn: Callable[[Context], Iterable[Finding]]):
        def run(ctx: Context) -> Iterable[Finding]:
            for f in fn(ctx):
                yield f.model_copy(update={"rule": name, "category": category})
        RULES[name] = Rule(name, category, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "", run)
        return fn
    return deco


def finding(severity: str, message: str, *pins: str) -> Finding:
    """A finding whose rule and category the registry fills in."""
    return Finding(rule="", severity=severity, message=message, pins=list(pins))
