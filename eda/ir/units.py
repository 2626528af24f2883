"""SPICE engineering-notation values, parsed exactly (via Decimal) with the original text kept.

`1k`, `1meg`, `10pF`, `1e-6`, `2.2u`, `4k7` (= 4.7k), `5V`.  As in SPICE, `m` is milli and `meg`
is mega; letters after the scale factor are units and are ignored.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SCALES: dict[str, Decimal] = {
    "t": Decimal("1e12"), "g": Decimal("1e9"), "meg": Decimal("1e6"), "x": Decimal("1e6"),
    "k": Decimal("1e3"), "m": Decimal("1e-3"), "mil": Decimal("25.4e-6"), "u": Decimal("1e-6"),
    "µ": Decimal("1e-6"), "n": Decimal("1e-9"), "p": Decimal("1e-12"), "f": Decimal("1e-15"),
    "a": Decimal("1e-18"),
}
_NUMBER = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"      # mantissa
    r"(meg|mil|[tgxkmuµnpfa])?"                            # scale
    r"(\d+)?"                                              # 4k7 style fraction digits
    r"([a-zA-Z_%Ω]*)$", re.IGNORECASE)


def parse_decimal(text: str) -> Decimal | None:
    """Exact value of an engineering-notation number, or None if `text` is not one."""
    m = _NUMBER.match(text.strip())
    if not m:
        return None
    mant, scale, frac, unit = m.groups()
    if frac is not None:
        if scale is None or "." in mant or "e" in mant.lower():
            return None
        mant = f"{mant}.{frac}"
    if scale is None and unit and unit[0].lower() in SCALES and unit.lower().startswith(("meg", "mil")):
        scale = unit[:3]
    try:
        value = Decimal(mant)
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        return None
    return value * SCALES[scale.lower()] if scale else value


def parse_value(text: str | None) -> float | None:
    """Float value of an engineering-notation number (None for expressions or names)."""
    if text is None:
        return None
    d = parse_decimal(text)
    return float(d) if d is not None else None


def format_value(value: float) -> str:
    """A short engineering-notation text for `value` (`1.5k`, `47n`, `1meg`)."""
    if value == 0:
        return "0"
    for suffix, scale in (("t", 1e12), ("g", 1e9), ("meg", 1e6), ("k", 1e3), ("", 1.0),
                          ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15)):
        if abs(value) >= scale * 0.999999999:
            return f"{value / scale:.6g}{suffix}"
    return f"{value:.6g}"
