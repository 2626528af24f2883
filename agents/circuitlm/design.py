"""The design every CircuitLM stage reads and writes: library parts with reference names, and nets.

A pin is addressed as ``"REF:PIN"`` (``"U1:D13"``, ``"R1:1"``, ``"LED1:-"``), Wokwi style; the pin
name is the library's (pin names such as ``3.3V`` contain dots, so ``:`` is the separator). Library
pins that share a name (an Arduino's three ``GND``) are one electrical pin here.
"""
from __future__ import annotations

from pydantic import BaseModel, Field


def split_pin(pin: str) -> tuple[str, str]:
    """``"U1:D13"`` -> ``("U1", "D13")``; raises ValueError without a ``:``."""
    ref, sep, name = pin.partition(":")
    if not sep or not ref or not name:
        raise ValueError(f"pin reference {pin!r} is not REF:PIN")
    return ref, name


class Part(BaseModel):
    """One placed part: a reference name and the library id it instantiates."""

    ref: str = Field(description="reference designator, e.g. U1, R1, LED1")
    part: str = Field(description="component library id, e.g. arduino-uno, resistor, led")
    value: str | None = Field(default=None, description="value for passives, e.g. 220, 10k, 100n")
    role: str | None = Field(default=None, description="what the part does here, free text")


class Net(BaseModel):
    """A named electrical node joining two or more pins."""

    name: str
    pins: list[str] = Field(description="pins as REF:PIN")


class Design(BaseModel):
    """Parts plus nets; the unit passed between stages, written as ``design.json`` in a run."""

    title: str = ""
    prompt: str = ""
    parts: list[Part] = Field(default_factory=list)
    nets: list[Net] = Field(default_factory=list)

    def part(self, ref: str) -> Part | None:
        return next((p for p in self.parts if p.ref == ref), None)

    def net_of(self, pin: str) -> Net | None:
        """The net a ``REF:PIN`` is on, if any."""
        return next((n for n in self.nets if pin in n.pins), None)

    def pins_of(self, ref: str) -> dict[str, str]:
        """Connected pins of one part: pin name -> net name."""
        out: dict[str, str] = {}
        for n in self.nets:
            for p in n.pins:
                r, name = split_pin(p)
                if r == ref:
                    out[name] = n.name
        return out

    def next_ref(self, prefix: str) -> str:
        """The first unused reference with this prefix (``R`` -> ``R3``)."""
        used = {p.ref for p in self.parts}
        i = 1
        while f"{prefix}{i}" in used:
            i += 1
        return f"{prefix}{i}"
