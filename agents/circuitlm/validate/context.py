"""What every rule needs to know about a design: its parts in the library, pins by net, rail voltages.

Built once per validation (and by `repair`): `Context(design, lib)`. Pins are canonicalised to the
library's spelling (``u1:d13`` -> ``U1:D13``) where the part and pin are known. A net's voltage
comes from the pins on it (ground pins: 0 V; a supply output: its level, a battery or regulator's
value when given) or, failing that, from a rail-like name (``GND``, ``5V``, ``3V3``, ``VCC_12V``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from eda.ir.units import parse_value
from eda.kb import KbPart, KbPin, Library

from ..design import Design, split_pin

PASSIVE_KINDS = ("resistor", "potentiometer", "variable_resistor")
LED_KINDS = ("led", "rgb_led", "led_array")


def value_of(text: str | None, kind: str = "") -> float | None:
    """A part value as a float: '220', '10k', '4.7uF', '220 ohm', '1M' (mega for resistors), '12V'."""
    if text is None:
        return None
    t = str(text).strip().replace(" ", "").replace("Ω", "").replace("ohms", "").replace("ohm", "")
    t = t.replace("µ", "u")
    if kind in PASSIVE_KINDS and re.fullmatch(r"[\d.]+M", t):
        t = t[:-1] + "meg"
    v = parse_value(t)
    return v if v is not None and v >= 0 else None


def e12_at_least(x: float) -> float:
    """The smallest E12 series value >= x (220, 4.7k, ...)."""
    import math
    series = (1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2, 10.0)
    if x <= 0:
        return 10.0
    dec = 10 ** math.floor(math.log10(x))
    for s in series:
        if s * dec >= x * (1 - 1e-9):
            return round(s * dec, 6)
    return round(10 * dec, 6)


def format_ohms(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:g}M"
    if x >= 1e3:
        return f"{x / 1e3:g}k"
    return f"{x:g}"


_RAIL_NAME = re.compile(r"^(?:\+|V|VCC_?|VDD_?|P|PWR_?|RAIL_?)?(\d+(?:[.V]\d+)?)V?(?:_?RAIL|_?BUS)?$", re.I)


def name_voltage(name: str) -> float | None:
    """Rail voltage a net's name states: GND/VSS/0 -> 0, 5V/+5V/VCC_5V -> 5, 3V3/3.3V -> 3.3."""
    n = name.strip().upper().replace("-", "_")
    if n in ("GND", "0", "VSS", "GROUND", "AGND", "DGND", "GND_NET", "COM_GND"):
        return 0.0
    m = _RAIL_NAME.match(n)
    if m and ("V" in n or n.startswith("+")):
        try:
            return float(m.group(1).upper().replace("V", "."))
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class PinRef:
    """A pin on a net: the design's text, the part reference, canonical pin name and library data."""

    text: str
    ref: str
    name: str
    part: KbPart | None
    pin: KbPin | None

    @property
    def key(self) -> str:
        return f"{self.ref}:{self.name}"

    @property
    def kind(self) -> str:
        return self.part.kind if self.part else ""

    @property
    def type(self) -> str:
        return self.pin.type if self.pin else ""


class Context:
    """Parts, nets and rails of one design, looked up against one library."""

    def __init__(self, design: Design, lib: Library) -> None:
        self.design, self.lib = design, lib
        self.parts: dict[str, KbPart | None] = {}
        for p in design.parts:
            self.parts.setdefault(p.ref, lib.parts.get(p.part))
        self.net_pins: dict[str, list[PinRef]] = {}
        self.pin_nets: dict[str, list[str]] = {}
        self.bad_pins: list[tuple[str, str, str]] = []   # (net, text, why)
        for net in design.nets:
            refs = self.net_pins.setdefault(net.name, [])
            for text in net.pins:
                pr = self._pin_ref(text)
                if isinstance(pr, str):
                    self.bad_pins.append((net.name, text, pr))
                    continue
                refs.append(pr)
                nets = self.pin_nets.setdefault(pr.key, [])
                if net.name not in nets:
                    nets.append(net.name)

    def _pin_ref(self, text: str) -> PinRef | str:
        try:
            ref, name = split_pin(text)
        except ValueError:
            return "is not REF:PIN"
        if ref not in self.parts:
            return f"names part {ref!r}, which is not in the design"
        kb = self.parts[ref]
        if kb is None:
            return f"is on part {ref!r}, whose library id is unknown"
        pin = kb.pin(name)
        if pin is None:
            return f"names pin {name!r}, which {kb.id} does not have (pins: {', '.join(kb.unique_pins)})"
        return PinRef(text, ref, pin.name, kb, pin)

    # -- lookups ------------------------------------------------------------------------------------
    def part_value(self, ref: str) -> str | None:
        p = self.design.part(ref)
        return p.value if p else None

    def net_of(self, ref: str, pin: str) -> str | None:
        nets = self.pin_nets.get(f"{ref}:{pin}")
        return nets[0] if nets else None

    def connected(self, ref: str, pin: str) -> bool:
        return f"{ref}:{pin}" in self.pin_nets

    def refs_of_kind(self, *kinds: str) -> list[str]:
        return [r for r, p in self.parts.items() if p is not None and p.kind in kinds]

    def pins_on(self, net: str, *, kinds: tuple[str, ...] = (), types: tuple[str, ...] = ()) -> list[PinRef]:
        return [p for p in self.net_pins.get(net, []) if (not kinds or p.kind in kinds)
                and (not types or p.type in types)]

    def other_net(self, ref: str, pin: str) -> str | None:
        """For a two-terminal part: the net on its other terminal."""
        kb = self.parts.get(ref)
        if kb is None:
            return None
        others = [n for n in kb.unique_pins if n != pin]
        return self.net_of(ref, others[0]) if len(others) == 1 else None

    # -- voltages -----------------------------------------------------------------------------------
    def source_voltage(self, pr: PinRef) -> float | None:
        """The level a supply output pin sets: a battery's or regulator's value wins over the library."""
        kb = pr.part
        if kb is not None and kb.kind in ("battery", "regulator", "charger"):
            v = value_of(self.part_value(pr.ref))
            if v is not None and v > 0:
                return v
        return pr.pin.voltage if pr.pin else None

    @cached_property
    def net_voltage(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for net, pins in self.net_pins.items():
            v: float | None = None
            if any(p.type == "ground" for p in pins):
                v = 0.0
            else:
                srcs = [self.source_voltage(p) for p in pins if p.type == "power_out"]
                srcs = [s for s in srcs if s is not None]
                v = srcs[0] if srcs else name_voltage(net)
            out[net] = v
        return out

    @cached_property
    def ground_nets(self) -> list[str]:
        return [n for n, v in self.net_voltage.items() if v == 0.0]

    @cached_property
    def rail_nets(self) -> dict[str, float]:
        """Nets at a known non-zero voltage."""
        return {n: v for n, v in self.net_voltage.items() if v}

    def part_level(self, ref: str) -> float | None:
        """Logic level of a part: fixed in the library, else the voltage of the rail that powers it."""
        kb = self.parts.get(ref)
        if kb is None:
            return None
        if kb.logic_voltage is not None:
            return kb.logic_voltage
        if kb.logic_follows_supply:
            for p in kb.pins_of_type("power_in"):
                n = self.net_of(ref, p.name)
                if n is not None and self.net_voltage.get(n):
                    return self.net_voltage[n]
            return kb.supply_voltage
        return None

    def pin_level(self, pr: PinRef) -> float | None:
        """Signal level of a pin: its own level, else its part's logic level."""
        if pr.pin is not None and pr.pin.voltage is not None and pr.pin.type != "passive":
            return pr.pin.voltage
        return self.part_level(pr.ref)

    def has_resistor_to_rail(self, net: str) -> bool:
        """True when a resistor (or pot) joins `net` to a net at a known non-zero voltage."""
        for pr in self.pins_on(net, kinds=PASSIVE_KINDS):
            other = self.other_net(pr.ref, pr.name) if pr.kind == "resistor" else None
            if other is not None and self.rail_nets.get(other):
                return True
        return False

    def has_cap_to_ground(self, net: str) -> bool:
        for pr in self.pins_on(net, kinds=("capacitor",)):
            other = self.other_net(pr.ref, pr.name)
            if other is not None and other in self.ground_nets:
                return True
        return False

    def mcu_refs(self) -> list[str]:
        return self.refs_of_kind("mcu")
