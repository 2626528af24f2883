"""Stage 4: the plan becomes a `Design` (parts + nets), deterministically.

The LLM's accepted pin choices (`Plan.connections`) are honoured first; every other pin is wired by
rules over the knowledge base's pin types and part kinds, so a weak model still gives a sensible circuit:
- ground pins to GND; supply inputs to the rail whose voltage fits the part (the controller's logic
  rail first, so levels match), batteries and regulator outputs as rails of their own, a supply added
  when a load needs a voltage nothing provides;
- I2C pins on the controller's SDA/SCL (with 4.7k pull-ups), UART TX/RX crossed, SPI on the shared
  MOSI/MISO/SCK with a chip select each, analog outputs on analog inputs, digital pins on free GPIOs;
- LEDs through a series resistor sized from the GPIO level and the LED's forward voltage and current;
  push-buttons to ground with a 10k pull-up; potentiometers and sensing resistors as dividers;
- inductive loads through the motor driver named in the prompt, else a low-side MOSFET (or the one
  asked for) with a flyback diode; 5 V outputs into a 3.3 V-only input through a 1k/2k divider.
Parts the rules find no use for are left out, with a note.
"""
from __future__ import annotations

import math
import re

from .design import Design, Net, Part, split_pin
from .plan import Plan

SPI_PINS = {"arduino-uno": {"MOSI": "D11", "MISO": "D12", "SCK": "D13"},
            "esp32-devkit-v1": {"MOSI": "D23", "MISO": "D19", "SCK": "D18"}}
SPI_ROLE = {"MISO": "MISO", "DO": "MISO", "SO": "MISO", "MOSI": "MOSI", "DI": "MOSI", "SI": "MOSI",
            "SCK": "SCK", "CLK": "SCK", "SCLK": "SCK"}
LAST_GPIOS = {"D2", "D12", "D15", "D0", "RX0", "TX0", "D1"}          # boot-strapping / USB serial: last
NOT_IO = {"AREF", "EN", "RESET", "IOREF", "RST"}                     # never handed out as a signal pin
E12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]
# optional pins of parts that have a bus: left open unless the plan names them
KEEP_WITH_BUS = {"CE", "RST", "DIO0", "CSN", "NSS", "CS", "CSB"}


def rail_name(v: float) -> str:
    """5.0 -> '5V', 3.3 -> '3V3', 12 -> '12V'."""
    if abs(v - round(v)) < 1e-6:
        return f"{int(round(v))}V"
    whole, frac = f"{v:g}".split(".")
    return f"{whole}V{frac}"


def e12_ohms(x: float) -> str:
    """The E12 value at or above x ohms, as text ('150', '4.7k')."""
    x = max(x, 1.0)
    dec = 10 ** math.floor(math.log10(x))
    val = next((m * dec for m in E12 + [10.0] if m * dec >= x * 0.999), 10 * dec)
    if val >= 1000:
        k = val / 1000
        return f"{k:g}k"
    return f"{val:g}"


class Wiring:
    """Nets under construction (pin -> net, merging when a pin joins a second net) and the GPIO pool."""

    RAIL_RE = re.compile(r"^(GND|\d+V\d*|VBAT\d*|VIN)$")

    def __init__(self, design: Design, lib, mcu: str | None) -> None:
        self.d, self.lib, self.mcu = design, lib, mcu
        self.nets: dict[str, list[str]] = {}
        self.pin_net: dict[str, str] = {}
        self.notes: list[str] = []
        self.used: set[str] = set()
        self.kb = {p.ref: lib.get(p.part) for p in design.parts}

    # -- parts ------------------------------------------------------------------------------------------
    def add_part(self, part_id: str, value: str | None = None, role: str | None = None) -> str:
        from .plan import PREFIX
        kb = self.lib.get(part_id)
        ref = self.d.next_ref(PREFIX.get(kb.kind, "U"))
        self.d.parts.append(Part(ref=ref, part=part_id, value=value, role=role))
        self.kb[ref] = kb
        return ref

    # -- nets -------------------------------------------------------------------------------------------
    def connect(self, net: str, *pins: str) -> str:
        """Put `pins` on `net` (a pin already elsewhere merges the two nets; a rail name wins)."""
        for pin in pins:
            old = self.pin_net.get(pin)
            if old == net:
                continue
            if old is not None:
                keep, drop = (old, net) if self.RAIL_RE.match(old) and not self.RAIL_RE.match(net) else (net, old)
                if drop in self.nets:
                    for p in self.nets.pop(drop):
                        self.pin_net[p] = keep
                        self.nets.setdefault(keep, []).append(p)
                net = keep
                continue
            self.nets.setdefault(net, []).append(pin)
            self.pin_net[pin] = net
        return net

    def net_of(self, pin: str) -> str | None:
        return self.pin_net.get(pin)

    # -- controller pins --------------------------------------------------------------------------------
    def free(self, *types: str, direction_ok=None) -> list[str]:
        if self.mcu is None:
            return []
        kb = self.kb[self.mcu]
        pins = [p for p in kb.pins_of_type(*types) if p.name not in self.used and p.name not in NOT_IO
                and f"{self.mcu}:{p.name}"
                not in self.pin_net and (direction_ok is None or direction_ok(p))]
        return [p.name for p in sorted(pins, key=lambda p: p.name in LAST_GPIOS)]

    def take(self, want: str | None, *types: str, input_only_ok: bool = False) -> str | None:
        """A free controller pin of one of `types` (`want` first when it is free); marks it used."""
        ok = None if input_only_ok else (lambda p: p.direction != "in")
        cands = self.free(*types, direction_ok=ok)
        pick = want if want in cands else (cands[0] if cands else None)
        if pick:
            self.used.add(pick)
        return pick


def _choices(plan: Plan) -> dict[str, str]:
    """Peripheral pin -> controller pin name, from the plan's accepted connections."""
    return {c.a: split_pin(c.b)[1] for c in plan.connections}


def synthesize(plan: Plan, lib) -> tuple[Design, list[str]]:
    """The design for `plan` and the notes on what the rules did (see the module doc)."""
    design = Design(title=plan.prompt[:80], prompt=plan.prompt, parts=[p.model_copy() for p in plan.parts])
    w = Wiring(design, lib, plan.mcu)
    Builder(w, plan).build()
    design.nets = [Net(name=n, pins=list(dict.fromkeys(pins))) for n, pins in w.nets.items() if pins]
    used = {split_pin(p)[0] for n in design.nets for p in n.pins}
    dropped = [p for p in design.parts if p.ref not in used]
    if dropped:
        w.notes.append("left out (no use found by the wiring rules): "
                       + ", ".join(f"{p.ref} ({p.part})" for p in dropped))
        design.parts = [p for p in design.parts if p.ref in used]
    return design, w.notes


class Builder:
    """The wiring rules, part kind by part kind."""

    def __init__(self, w: Wiring, plan: Plan) -> None:
        self.w, self.plan = w, plan
        self.choice = _choices(plan)
        self.prompt = plan.prompt.lower()
        self.mcu = plan.mcu
        self.mkb = w.kb[self.mcu] if self.mcu else None
        self.logic = (self.mkb.logic_voltage or 5.0) if self.mkb else 5.0
        self.rails: dict[float, str] = {}          # voltage -> net with a source on it
        self.pool: dict[str, list[str]] = {}       # part id -> unused refs the prompt asked for
        for p in w.d.parts:
            if p.ref != self.mcu:
                self.pool.setdefault(p.part, []).append(p.ref)
        self.done: set[str] = set()

    # -- helpers ----------------------------------------------------------------------------------------
    def kind(self, ref: str) -> str:
        return self.w.kb[ref].kind

    def refs(self, *kinds: str) -> list[str]:
        return [p.ref for p in self.w.d.parts if p.ref != self.mcu and self.w.kb[p.ref].kind in kinds]

    def support(self, part_id: str, value: str | None = None, role: str | None = None) -> str:
        """A requested-but-unused part of this id, else a new one (for series resistors, pull-ups...)."""
        pool = self.pool.get(part_id) or []
        while pool:
            ref = pool.pop(0)
            if ref not in self.done:
                self.done.add(ref)
                part = self.w.d.part(ref)
                if value and not part.value:
                    part.value = value
                part.role = part.role or role
                return ref
        ref = self.w.add_part(part_id, value, role)
        self.done.add(ref)
        return ref

    def gnd(self, *pins: str) -> None:
        self.w.connect("GND", *pins)

    def rail(self, v: float) -> str:
        """The net of a `v` volt rail, adding a supply when nothing provides it."""
        for rv, net in self.rails.items():
            if abs(rv - v) < 0.25:
                return net
        ref = self.support("battery-generic", f"{v:g}V", role=f"{v:g} V supply")
        kb = self.w.kb[ref]
        net = rail_name(v)
        self.w.connect(net, f"{ref}:{kb.pins_of_type('power_out')[0].name}")
        self.gnd(f"{ref}:{kb.pins_of_type('ground')[0].name}")
        self.rails[v] = net
        self.w.notes.append(f"added {ref} ({v:g} V supply): a part needs {v:g} V and nothing provides it")
        return net

    def supply_for(self, kb, pin) -> float:
        """The rail voltage a power input should get: the logic rail when it is in range, else its nominal."""
        lo = pin.vmin if pin.vmin is not None else kb.supply_min
        hi = pin.vmax if pin.vmax is not None else kb.supply_max
        nominal = pin.voltage if pin.voltage is not None else (kb.supply_voltage or self.logic)
        if lo is None and hi is None:
            lo, hi = nominal * 0.9, nominal * 1.1
        lo, hi = lo if lo is not None else 0.0, hi if hi is not None else 1e9
        if lo <= self.logic <= hi and nominal <= self.logic * 1.6:
            return self.logic
        fits = [v for v in self.rails if lo <= v <= hi]
        if fits:
            return min(fits, key=lambda v: abs(v - nominal))
        return nominal

    def signal(self, ref: str, pin: str, *types: str, input_only_ok: bool = False, net: str | None = None) -> str | None:
        """Wire `ref:pin` to a free controller pin of `types`; returns the net, None when none is free."""
        key = f"{ref}:{pin}"
        if self.mcu is None:
            return None
        m = self.w.take(self.choice.get(key), *types, input_only_ok=input_only_ok)
        if m is None:
            self.w.notes.append(f"{key}: no free {'/'.join(types)} pin on {self.mcu}; left open")
            return None
        net = self.w.connect(net or f"{ref}_{re.sub(r'[^A-Za-z0-9]+', '', pin) or 'SIG'}", f"{self.mcu}:{m}")
        self.attach(net, ref, pin)
        return net

    def low_input(self, ref: str, pin: str) -> float | None:
        """The level of `ref:pin` when it is an input below the controller's level that takes no 5 V."""
        kb = self.w.kb[ref]
        p = kb.pin(pin)
        if p is None or p.direction not in ("in",) or kb.five_v_tolerant or not self.mkb:
            return None
        level = p.voltage or kb.logic_voltage
        return level if level and level < self.logic - 0.6 else None

    def attach(self, net: str, ref: str, pin: str) -> None:
        """Join `ref:pin` to a controller-driven net, through a 1k/2k divider when its input takes less."""
        level = self.low_input(ref, pin)
        if level is None:
            self.w.connect(net, f"{ref}:{pin}")
            return
        r1 = self.support("resistor", "1k", role=f"level divider for {ref}:{pin}")
        r2 = self.support("resistor", "2k", role=f"level divider for {ref}:{pin}")
        mid = f"{ref}_{re.sub(r'[^A-Za-z0-9]+', '', pin)}_LV"
        self.w.connect(net, f"{r1}:1")
        self.w.connect(mid, f"{r1}:2", f"{r2}:1", f"{ref}:{pin}")
        self.gnd(f"{r2}:2")
        self.w.notes.append(f"{ref}:{pin} takes {level:g} V: driven from {self.logic:g} V through divider {r1}/{r2}")

    def gpio_net(self, ref: str, pin: str, drives_mcu: bool = False) -> str | None:
        """A controller GPIO for a pin that will be wired through other parts (LED resistor, button)."""
        if self.mcu is None:
            return None
        key = f"{ref}:{pin}"
        m = self.w.take(self.choice.get(key), "gpio", "analog", "digital", input_only_ok=drives_mcu)
        if m is None:
            self.w.notes.append(f"{key}: no free GPIO on {self.mcu}; left open")
            return None
        return self.w.connect(f"{ref}_{m}", f"{self.mcu}:{m}")

    # -- the build --------------------------------------------------------------------------------------
    def build(self) -> None:
        w = self.w
        if self.mcu:
            self.controller_rails()
            if any(self.w.kb[p.ref].pins_of_type("spi") for p in w.d.parts if p.ref != self.mcu):
                self.w.used.update(SPI_PINS.get(self.mkb.id, {}).values())   # kept for the SPI bus
        self.sources()
        order = {"driver": 0, "mcu": 1, "module": 1, "ic": 1, "interface": 1, "level_shifter": 1, "motor": 3,
                 "load": 3, "mains": 4}
        for ref in sorted((p.ref for p in w.d.parts), key=lambda r: order.get(self.kind(r), 2)):
            if ref == self.mcu or ref in self.done:
                continue
            kind = self.kind(ref)
            fn = getattr(self, f"k_{kind}", None)
            if fn is None:
                continue
            if kind in ("resistor", "capacitor", "diode", "npn", "pnp", "nmos", "inductor", "battery",
                        "regulator", "charger"):
                continue                          # used by other parts first; leftovers below
            self.done.add(ref)
            fn(ref)
        self.leftovers()
        self.i2c_pullups()

    def controller_rails(self) -> None:
        mkb, u = self.mkb, self.mcu
        for p in sorted(mkb.pins_of_type("power_out"), key=lambda p: -(p.max_current_ma or 0)):
            if p.voltage and not any(abs(v - p.voltage) < 0.25 for v in self.rails):   # one source a rail
                net = rail_name(p.voltage)
                self.w.connect(net, f"{u}:{p.name}")
                self.rails.setdefault(p.voltage, net)
        for p in mkb.pins_of_type("ground"):
            self.gnd(f"{u}:{p.name}")
            break

    def sources(self) -> None:
        """Batteries, regulators and chargers: rails of their own, chained from high to low voltage."""
        w = self.w
        batteries = self.refs("battery")
        for ref in batteries:
            kb = w.kb[ref]
            v = _battery_volts(kb, w.d.part(ref).value, self.needed_high())
            w.d.part(ref).value = w.d.part(ref).value or f"{v:g}V"
            out = kb.pins_of_type("power_out")
            net = "VBAT" if not any(n.startswith("VBAT") for n in w.nets) else f"VBAT{len(batteries)}"
            if out:
                w.connect(net, f"{ref}:{out[0].name}")
            for g in kb.pins_of_type("ground"):
                self.gnd(f"{ref}:{g.name}")
            self.done.add(ref)
            if not any(abs(rv - v) < 0.25 for rv in self.rails):
                self.rails[v] = net
            self.pool.get(kb.id, []).remove(ref) if ref in self.pool.get(kb.id, []) else None
        for ref in self.refs("charger"):
            kb = w.kb[ref]
            self.done.add(ref)
            bat = next((b for b in batteries if w.kb[b].id == "18650-battery"), batteries[0] if batteries else None)
            if bat and kb.pin("BAT+"):
                w.connect(w.net_of(f"{bat}:+") or "VBAT", f"{ref}:BAT+")
            for g in kb.pins_of_type("ground"):
                self.gnd(f"{ref}:{g.name}")
            if kb.pin("IN+"):
                w.connect(self.rail(5.0) if self.rails else "VUSB", f"{ref}:IN+")
        for ref in self.refs("regulator"):
            kb = w.kb[ref]
            self.done.add(ref)
            boost = "boost" in kb.id
            src = sorted(self.rails.items(), key=lambda t: t[0] if boost else -t[0])
            src = [t for t in src if t[1].startswith("VBAT")] or [t for t in src if boost or t[0] > 6.5]
            vin = src[0] if src else None
            if vin is None:
                v_in = 3.7 if boost else max(self.needed_high() or 12.0, 7.0)
                vin = (v_in, self.rail(v_in))
            w.connect(vin[1], f"{ref}:IN+")
            for g in kb.pins_of_type("ground"):
                self.gnd(f"{ref}:{g.name}")
            vout = self.needed_high() if boost else 5.0
            if boost and (vout is None or vout <= vin[0]):
                vout = 5.0 if vin[0] < 5.0 else 12.0
            net = rail_name(vout)
            if any(abs(rv - vout) < 0.25 for rv in self.rails):
                net = f"{net}_REG"
            w.connect(net, f"{ref}:OUT+")
            self.rails[vout] = net if vout not in self.rails else self.rails[vout]
            w.notes.append(f"{ref} ({kb.id}): {vin[0]:g} V in ({vin[1]}), {vout:g} V out on {net}")
            self.power_controller(net, vout)
        if batteries and self.mcu and not self.w.net_of(self.vin_pin() or ""):
            v = _battery_volts(w.kb[batteries[0]], w.d.part(batteries[0]).value, None)
            self.power_controller(w.net_of(f"{batteries[0]}:{w.kb[batteries[0]].pins_of_type('power_out')[0].name}"),
                                  v)

    def vin_pin(self) -> str | None:
        if not self.mkb:
            return None
        p = self.mkb.pins_of_type("power_in")
        return f"{self.mcu}:{p[0].name}" if p else None

    def power_controller(self, net: str | None, v: float) -> None:
        pin = self.vin_pin()
        if not pin or not net or self.w.net_of(pin):
            return
        kb = self.mkb.pin(split_pin(pin)[1])
        lo, hi = kb.vmin or self.mkb.supply_min or 0, kb.vmax or self.mkb.supply_max or 1e9
        if lo <= v <= hi:
            self.w.connect(net, pin)

    def needed_high(self) -> float | None:
        """The highest supply voltage a load in the design asks for above the logic rail."""
        vs = []
        for p in self.w.d.parts:
            kb = self.w.kb[p.ref]
            if kb.kind in ("load", "motor", "driver") and kb.supply_voltage and kb.supply_voltage > 5.5:
                vs.append(kb.supply_voltage)
            m = re.match(r"^(\d+(\.\d+)?)\s*v$", (p.value or "").lower())
            if kb.kind in ("load", "motor") and m:
                vs.append(float(m.group(1)))
        return max(vs) if vs else None

    # -- generic modules --------------------------------------------------------------------------------
    def power(self, ref: str) -> None:
        kb = self.w.kb[ref]
        for p in kb.pins_of_type("ground"):
            self.gnd(f"{ref}:{p.name}")
        seen = set()
        for p in kb.pins_of_type("power_in"):
            if p.name in seen:
                continue
            seen.add(p.name)
            if kb.kind == "driver" and p.voltage and p.voltage > 5.5:
                v = self.needed_high() or p.voltage
            else:
                v = self.supply_for(kb, p)
            self.w.connect(self.rail(v), f"{ref}:{p.name}")

    def k_module(self, ref: str) -> None:
        w, kb = self.w, self.w.kb[ref]
        self.power(ref)
        has_bus = bool(kb.pins_of_type("i2c_sda", "i2c_scl", "uart_tx", "uart_rx", "spi"))
        has_analog = bool([p for p in kb.pins_of_type("analog") if p.direction == "out"])
        level = kb.logic_voltage or (self.logic if kb.logic_follows_supply else None)
        for p in kb.pins:
            key = f"{ref}:{p.name}"
            if w.net_of(key) or p.type in ("power_in", "ground", "power_out", "nc"):
                continue
            if p.type == "i2c_sda" and p.name == kb.pins_of_type("i2c_sda")[0].name:
                self.bus(ref, p.name, "i2c_sda", "SDA")
            elif p.type == "i2c_scl" and p.name == kb.pins_of_type("i2c_scl")[0].name:
                self.bus(ref, p.name, "i2c_scl", "SCL")
            elif p.type == "uart_tx":
                self.signal(ref, p.name, "uart_rx", input_only_ok=True) or self.signal(ref, p.name, "gpio")
            elif p.type == "uart_rx":
                self.signal(ref, p.name, "uart_tx") or self.signal(ref, p.name, "gpio")
            elif p.type == "spi":
                self.spi(ref, p.name)
            elif p.type == "analog" and p.direction == "out":
                if level and level > self.logic + 0.6 and self.mkb and not self.mkb.five_v_tolerant:
                    self.divided_input(ref, p.name, "analog")
                else:
                    self.signal(ref, p.name, "analog", input_only_ok=True)
            elif p.type in ("digital", "gpio"):
                optional = (has_bus or (has_analog and p.direction == "out")) and p.name not in KEEP_WITH_BUS
                if optional and key not in self.choice:
                    continue
                if p.direction == "out" and level and level > self.logic + 0.6 and self.mkb and \
                        not self.mkb.five_v_tolerant:
                    self.divided_input(ref, p.name)
                else:
                    self.signal(ref, p.name, "gpio", "digital", "analog", input_only_ok=p.direction == "out")
        if kb.extra.get("needs_pullup"):
            for pin in kb.extra["needs_pullup"]:
                net = w.net_of(f"{ref}:{pin}")
                if net:
                    r = self.support("resistor", "10k", role=f"pull-up on {net}")
                    w.connect(net, f"{r}:1")
                    w.connect(self.rail(self.logic), f"{r}:2")
        contacts = kb.extra.get("contact")
        if contacts:
            target = next(iter(self.refs("mains")), None)
            if target:
                self.done.add(target)
                tkb = w.kb[target]
                hot = next((p.name for p in tkb.pins if p.type != "ground"), tkb.unique_pins[0])
                w.connect(f"{ref}_NO", f"{ref}:{contacts[-1]}", f"{target}:{hot}")
                for g in tkb.pins_of_type("ground"):
                    self.gnd(f"{target}:{g.name}")

    k_ic = k_module
    k_interface = k_module
    k_level_shifter = k_module

    def k_mcu(self, ref: str) -> None:
        """A second controller: powered, grounded, UART crossed with the first."""
        kb = self.w.kb[ref]
        for p in kb.pins_of_type("ground")[:1]:
            self.gnd(f"{ref}:{p.name}")
        for p in kb.pins_of_type("uart_tx")[:1]:
            self.signal(ref, p.name, "uart_rx", input_only_ok=True)
        for p in kb.pins_of_type("uart_rx")[:1]:
            self.signal(ref, p.name, "uart_tx")

    def bus(self, ref: str, pin: str, typ: str, name: str) -> None:
        kb = self.w.kb[ref]
        level = kb.logic_voltage or (self.logic if kb.logic_follows_supply else None)
        if name not in self.w.nets:
            if not (self.signal(ref, pin, typ, net=name) or self.signal(ref, pin, "gpio", net=name)):
                return
            self.w.pin_net.pop(f"{ref}:{pin}", None)
            self.w.nets[name] = [x for x in self.w.nets[name] if x != f"{ref}:{pin}"]
        if level and level > self.logic + 0.6 and not any(
                self.w.kb[r].five_v_tolerant is False for r in [self.mcu] if False):
            self.w.connect(self.shifted(name), f"{ref}:{pin}")
        else:
            self.w.connect(name, f"{ref}:{pin}")

    def shifted(self, name: str) -> str:
        """The high-voltage side of bus line `name` through a logic-level shifter (added once per bus)."""
        hv = f"{name}_5V"
        if hv in self.w.nets:
            return hv
        ls = next((r for r in self.refs("level_shifter") if self.w.net_of(f"{r}:LV")), None)
        if ls is None:
            ls = self.support("logic-level-shifter", role="I2C level shifter")
            self.w.connect(self.rail(5.0), f"{ls}:HV")
            self.w.connect(self.rail(self.logic), f"{ls}:LV")
            self.gnd(f"{ls}:GND")
            self.w.notes.append(f"{ls}: level shifter between the {self.logic:g} V controller and 5 V I2C parts")
        ch = "1" if name == "SDA" else "2"
        self.w.connect(name, f"{ls}:LV{ch}")
        self.w.connect(hv, f"{ls}:HV{ch}")
        return hv

    def spi(self, ref: str, pin: str) -> None:
        role = SPI_ROLE.get(pin.upper())
        if role is None:                       # chip select: one GPIO per device
            self.signal(ref, pin, "gpio", "digital")
            return
        if role in self.w.nets:
            self.attach(role, ref, pin)
            return
        fixed = SPI_PINS.get(self.mkb.id if self.mkb else "", {}).get(role)
        if fixed and f"{self.mcu}:{fixed}" not in self.w.pin_net:
            self.w.used.add(fixed)
            self.w.connect(role, f"{self.mcu}:{fixed}")
            self.attach(role, ref, pin)
        else:
            self.signal(ref, pin, "gpio", "digital", net=role)

    def divided_input(self, ref: str, pin: str, kind: str = "gpio") -> None:
        """A 5 V output into a 3.3 V-only controller input: 1k series, 2k to ground."""
        if kind == "analog":
            m = self.w.take(self.choice.get(f"{ref}:{pin}"), "analog", input_only_ok=True)
            net = self.w.connect(f"{ref}_{m}", f"{self.mcu}:{m}") if m else None
        else:
            net = self.gpio_net(ref, pin, drives_mcu=True)
        if not net:
            return
        r1 = self.support("resistor", "1k", role=f"level divider for {ref}:{pin}")
        r2 = self.support("resistor", "2k", role=f"level divider for {ref}:{pin}")
        self.w.connect(f"{ref}_{pin}_5V", f"{ref}:{pin}", f"{r1}:1")
        self.w.connect(net, f"{r1}:2", f"{r2}:1")
        self.gnd(f"{r2}:2")
        self.w.notes.append(f"{ref}:{pin} is a {self.w.kb[ref].logic_voltage or 5:g} V output: divided by {r1}/{r2} "
                            f"for the {self.logic:g} V input of {self.mcu}")

    def i2c_pullups(self) -> None:
        for name in ("SDA", "SCL", "SDA_5V", "SCL_5V"):
            pins = self.w.nets.get(name, [])
            parts = {split_pin(p)[0] for p in pins}
            if len(parts) < 2:
                continue
            levels = [self.w.kb[r].logic_voltage for r in parts if r != self.mcu and self.w.kb[r].logic_voltage
                      and not self.w.kb[r].five_v_tolerant]
            v = 5.0 if name.endswith("_5V") else min([self.logic, *levels])
            r = self.support("resistor", "4.7k", role=f"I2C pull-up on {name}")
            self.w.connect(name, f"{r}:1")
            self.w.connect(self.rail(v), f"{r}:2")

    # -- kinds ------------------------------------------------------------------------------------------
    def led_resistor(self, ref: str, level: float | None = None) -> str:
        kb = self.w.kb[ref]
        vf = float(kb.extra.get("vf", 2.0))
        i_ma = float(kb.extra.get("if_ma", 15))
        v = level or self.logic
        return e12_ohms(max(v - vf, 0.5) / (i_ma / 1000.0))

    def k_led(self, ref: str) -> None:
        net = self.gpio_net(ref, "+")
        r = self.support("resistor", self.led_resistor(ref), role=f"series resistor of {ref}")
        if net:
            self.w.connect(net, f"{r}:1")
        else:
            self.w.connect(self.rail(self.logic), f"{r}:1")
        self.w.connect(f"{ref}_A", f"{r}:2", f"{ref}:+")
        self.gnd(f"{ref}:-")

    def k_rgb_led(self, ref: str) -> None:
        kb = self.w.kb[ref]
        for ch in ("R", "G", "B"):
            if not kb.pin(ch):
                continue
            net = self.gpio_net(ref, ch)
            r = self.support("resistor", self.led_resistor(ref), role=f"{ch} resistor of {ref}")
            self.w.connect(net or self.rail(self.logic), f"{r}:1")
            self.w.connect(f"{ref}_{ch}", f"{r}:2", f"{ref}:{ch}")
        if kb.pin("COM"):
            self.gnd(f"{ref}:COM")

    def k_led_array(self, ref: str) -> None:
        """Seven-segment displays: segments shared (multiplexed) through one resistor each, a common per digit."""
        kb = self.w.kb[ref]
        first = next((r for r in self.refs("led_array") if r in self.done and r != ref and self.w.kb[r].id == kb.id),
                     None)
        segs = [p.name for p in kb.pins if p.direction == "in"]
        commons = [p.name for p in kb.pins if p.direction != "in"]
        for s in segs:
            if first:
                self.w.connect(self.w.net_of(f"{first}:{s}") or f"SEG_{s}", f"{ref}:{s}")
                continue
            net = self.gpio_net(ref, s)
            r = self.support("resistor", self.led_resistor(ref), role=f"segment {s} resistor of {ref}")
            self.w.connect(net or self.rail(self.logic), f"{r}:1")
            self.w.connect(f"SEG_{s}", f"{r}:2", f"{ref}:{s}")
        multiplexed = len(self.refs("led_array")) > 1
        for c in commons:
            key = f"{ref}:{c}"
            if multiplexed:
                net = self.w.net_of(f"{ref}:{commons[0]}") if c != commons[0] else self.gpio_net(ref, c)
                if net:
                    self.w.connect(net, key)
                    continue
            self.gnd(key)

    def k_switch(self, ref: str) -> None:
        pins = self.w.kb[ref].unique_pins
        pulldown = "pull-down" in self.prompt or "pulldown" in self.prompt
        net = self.gpio_net(ref, pins[0], drives_mcu=True)
        if net is None:
            return
        self.w.connect(net, f"{ref}:{pins[0]}")
        r = self.support("resistor", "10k", role=f"{'pull-down' if pulldown else 'pull-up'} of {ref}")
        self.w.connect(net, f"{r}:1")
        if pulldown:
            self.w.connect(self.rail(self.logic), f"{ref}:{pins[1]}")
            self.gnd(f"{r}:2")
        else:
            self.gnd(f"{ref}:{pins[1]}")
            self.w.connect(self.rail(self.logic), f"{r}:2")

    def k_switch_matrix(self, ref: str) -> None:
        for p in self.w.kb[ref].unique_pins:
            self.signal(ref, p, "gpio", "digital", "analog")

    def k_potentiometer(self, ref: str) -> None:
        kb = self.w.kb[ref]
        rails = kb.extra.get("rail_pins") or ["VCC", "GND"]
        self.w.d.part(ref).value = self.w.d.part(ref).value or kb.extra.get("default_value")
        self.w.connect(self.rail(self.logic), f"{ref}:{rails[0]}")
        self.gnd(f"{ref}:{rails[-1]}")
        wiper = next((p.name for p in kb.pins if p.name not in rails), None)
        if wiper:
            self.signal(ref, wiper, "analog", input_only_ok=True)

    def k_variable_resistor(self, ref: str) -> None:
        """A sensing resistor in a divider with a fixed resistor; the middle on an analog input."""
        kb = self.w.kb[ref]
        a, b = kb.unique_pins[:2]
        self.w.d.part(ref).value = self.w.d.part(ref).value or kb.extra.get("default_value")
        self.w.connect(self.rail(self.logic), f"{ref}:{a}")
        net = self.signal(ref, b, "analog", input_only_ok=True) or f"{ref}_OUT"
        self.w.connect(net, f"{ref}:{b}")
        r = self.support("resistor", "10k", role=f"divider resistor of {ref}")
        self.w.connect(net, f"{r}:1")
        self.gnd(f"{r}:2")

    def k_load(self, ref: str) -> None:
        kb = self.w.kb[ref]
        if kb.inductive and not kb.extra.get("internal_driver"):
            self.k_motor(ref)
            return
        if kb.pins_of_type("digital", "gpio"):
            self.k_module(ref)
            return
        # a buzzer: driven from a GPIO (its few mA are within the pin's limit), ground to GND
        for p in kb.pins_of_type("ground"):
            self.gnd(f"{ref}:{p.name}")
        for p in kb.pins_of_type("power_in")[:1]:
            net = self.gpio_net(ref, p.name)
            if net:
                self.w.connect(net, f"{ref}:{p.name}")
            else:
                self.w.connect(self.rail(self.logic), f"{ref}:{p.name}")

    def k_driver(self, ref: str) -> None:
        kb = self.w.kb[ref]
        self.power(ref)
        outs = [p.name for p in kb.pins_of_type("driver_out")]
        ins = [p for p in kb.pins if p.type == "digital" and p.direction == "in"]
        stepper = kb.id in ("a4988",)
        for p in ins:
            if stepper and p.name not in ("STEP", "DIR"):
                continue
            self.signal(ref, p.name, "gpio", "digital", "analog")
        if stepper:
            if kb.pin("RESET") and kb.pin("SLEEP"):
                self.w.connect(f"{ref}_RST_SLP", f"{ref}:RESET", f"{ref}:SLEEP")
                self.w.connect(self.rail(self.logic), f"{ref}:RESET")
            for name in ("ENABLE", "MS1", "MS2", "MS3"):
                if kb.pin(name):
                    self.gnd(f"{ref}:{name}")
        # the motors it drives
        motors = [r for r in self.refs("motor", "load") if r not in self.done and self.w.kb[r].inductive]
        i = 0
        for m in motors:
            mk = self.w.kb[m]
            need = len(mk.unique_pins)
            if i + need > len(outs):
                break
            self.done.add(m)
            for pin, out in zip(mk.unique_pins, outs[i:i + need]):
                self.w.connect(f"{ref}_{out}", f"{ref}:{out}", f"{m}:{pin}")
            i += need
            if stepper:
                break

    def k_motor(self, ref: str) -> None:
        """An inductive load with no driver module: low-side N-MOSFET (or NPN) with a flyback diode."""
        kb = self.w.kb[ref]
        pins = kb.unique_pins
        if len(pins) != 2:
            self.w.notes.append(f"{ref} ({kb.id}) needs a driver (e.g. a4988 or uln2003); left unconnected")
            return
        v = self.needed_high() if (kb.supply_voltage or 0) > 5.5 else (kb.supply_voltage or self.logic)
        supply = self.rail(v or self.logic)
        q_id = "mosfet" if self.pool.get("mosfet") or not self.pool.get("npn-transistor") else "npn-transistor"
        q = self.support(q_id, role=f"low-side switch of {ref}")
        qk = self.w.kb[q]
        gate, drain, source = ("G", "D", "S") if qk.kind == "nmos" else ("B", "C", "E")
        d = self.support("diode", role=f"flyback diode across {ref}")
        self.w.connect(supply, f"{ref}:{pins[0]}", f"{d}:-")
        self.w.connect(f"{ref}_LOW", f"{ref}:{pins[1]}", f"{q}:{drain}", f"{d}:+")
        self.gnd(f"{q}:{source}")
        net = self.gpio_net(q, gate)
        rg = self.support("resistor", "220" if qk.kind == "nmos" else "1k", role=f"gate resistor of {q}")
        self.w.connect(net or f"{q}_CTRL", f"{rg}:1")
        self.w.connect(f"{q}_{gate}", f"{rg}:2", f"{q}:{gate}")
        if qk.kind == "nmos":
            rp = self.support("resistor", "100k", role=f"gate pull-down of {q}")
            self.w.connect(f"{q}_{gate}", f"{rp}:1")
            self.gnd(f"{rp}:2")

    def k_mains(self, ref: str) -> None:
        relay = next((r for r in self.refs("module") if self.w.kb[r].extra.get("contact")), None)
        if relay is None:
            self.w.notes.append(f"{ref}: mains output without a relay to switch it; left unconnected")
        self.done.discard(ref)

    # -- what the prompt asked for and no rule used yet -------------------------------------------------
    def leftovers(self) -> None:
        w = self.w
        left = {k: [r for r in refs if r not in self.done] for k, refs in self.pool.items()}
        res, caps = left.get("resistor", []), left.get("capacitor", [])
        inductors = left.get("inductor", [])
        if inductors:                                  # LC filter: L in series with the supply, C to ground
            ind = inductors[0]
            self.done.add(ind)
            w.connect(self.rail(self.logic), f"{ind}:1")
            w.connect("VFILT", f"{ind}:2")
            c = self.support("capacitor", "100u", role="LC filter capacitor")
            w.connect("VFILT", f"{c}:+")
            self.gnd(f"{c}:-")
            caps = [x for x in caps if x != c]
        if len(res) >= 2 and res[0] not in self.done and res[1] not in self.done:   # a voltage divider
            r1, r2 = res[0], res[1]
            self.done.update((r1, r2))
            w.d.part(r1).value = w.d.part(r1).value or "10k"
            w.d.part(r2).value = w.d.part(r2).value or "10k"
            w.connect(self.rail(self.logic), f"{r1}:1")
            net = self.signal(r1, "2", "analog", input_only_ok=True, net="VDIV") or "VDIV"
            w.connect(net, f"{r1}:2", f"{r2}:1")
            self.gnd(f"{r2}:2")
            res = res[2:]
        for c in caps:                                  # bulk/decoupling capacitors on the logic rail
            if c in self.done:
                continue
            self.done.add(c)
            w.d.part(c).value = w.d.part(c).value or "100n"
            w.connect(self.rail(self.logic), f"{c}:+")
            self.gnd(f"{c}:-")
        if res and caps == [] and left.get("capacitor"):
            pass
        for q in left.get("npn-transistor", []) + left.get("mosfet", []) + left.get("pnp-transistor", []):
            if q in self.done:
                continue
            leds = [r for r in self.refs("led") if w.net_of(f"{r}:-") == "GND"]
            qk = w.kb[q]
            if not leds or qk.kind == "pnp":
                continue
            self.done.add(q)                           # the transistor switches the first LED's cathode
            led = leds[0]
            gate, drain, source = ("G", "D", "S") if qk.kind == "nmos" else ("B", "C", "E")
            w.nets["GND"].remove(f"{led}:-")
            w.pin_net.pop(f"{led}:-")
            w.connect(f"{q}_{drain}", f"{led}:-", f"{q}:{drain}")
            self.gnd(f"{q}:{source}")
            net = self.gpio_net(q, gate) or f"{q}_CTRL"
            rb = self.support("resistor", "1k", role=f"base/gate resistor of {q}")
            w.connect(net, f"{rb}:1")
            w.connect(f"{q}_{gate}", f"{rb}:2", f"{q}:{gate}")


def _battery_volts(kb, value: str | None, wanted: float | None) -> float:
    m = re.match(r"^\s*(\d+(\.\d+)?)\s*v", value or "", re.I)
    if m:
        return float(m.group(1))
    if kb.id == "battery-9v":
        return 9.0
    if kb.id == "18650-battery":
        return 3.7
    return wanted or 9.0
