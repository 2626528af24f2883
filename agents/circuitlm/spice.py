"""The analog part of a design as a SPICE deck, and its operating point through ngspice (eda.sim).

What becomes what (`to_spice`):
- ground nets -> node 0; every other net -> one node (`.options rshunt` keeps unwired nodes defined);
- supply outputs (an MCU board's 5V/3V3, batteries with their internal resistance, regulator and
  charger outputs) -> DC voltage sources, one per net;
- MCU GPIO / UART TX pins on a net that has something to drive (a resistor, LED, transistor base or
  gate, a module input) -> a source at the logic level behind the pin's output resistance (pins on
  I2C nets, button nets or nets a module drives are inputs and stay high-impedance);
- resistors, potentiometers (two halves at the wiper), force/flex sensors, capacitors (open at DC),
  inductors, push-buttons (open), LEDs (a diode model fitted to the library's Vf at the rated
  current), RGB LEDs and 7-segment displays (one diode per segment, common anode or cathode from the
  common pin's rail), diodes, NPN/PNP transistors, logic-level MOSFETs;
- modules, sensors, ICs and drivers -> a resistive load drawing the library's typical current from
  the rail on their supply pin; their logic outputs -> sources at their level behind 1 kOhm; motors
  and solenoids -> their rated current as a resistance;
- a 0 V ammeter in series with every LED, diode, transistor collector/drain and load, so that
  `operating_point` reports each part's current next to its limit.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from eda.errors import SimulationError
from eda.kb import Library

from .design import Design
from .validate.context import PASSIVE_KINDS, Context, value_of

VT = 0.02585
GPIO_R_OUT = 25.0        # ohms: an AVR/ESP32 output stage at a few mA
MODULE_R_OUT = 1000.0    # ohms: a module's logic output (often through a series resistor)
SUPPLY_R = 0.05          # ohms: a board's regulated rail


@dataclass
class Meter:
    """What one ammeter (or source branch) measures and the limit it is checked against."""

    name: str            # SPICE source name
    ref: str
    what: str            # led, diode, collector, drain, gpio, supply, load
    pin: str = ""
    limit_ma: float | None = None
    sign: float = 1.0    # branch current -> current out of the pin (supplies read negative)


@dataclass
class Deck:
    """A SPICE deck under construction plus the bookkeeping to read its results."""

    title: str
    lines: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)      # net -> node
    meters: list[Meter] = field(default_factory=list)
    resistors: dict[str, tuple[str, str, float, str]] = field(default_factory=dict)  # name -> (n1, n2, ohms, ref)
    skipped: list[str] = field(default_factory=list)

    def text(self) -> str:
        out = [f"* {self.title}", ".options rshunt=1e12", *self.lines, *self.models.values(), ".op", ".end"]
        return "\n".join(out) + "\n"


def _name(text: str) -> str:
    """A SPICE-safe name piece: `+` -> p, `-` -> n, anything else odd -> `_`."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text.replace("+", "p").replace("-", "n"))


def _led_model(deck: Deck, vf: float, if_ma: float) -> str:
    n = 2.0
    is_ = (if_ma / 1000.0) / math.exp(vf / (n * VT))
    name = f"DLED_{str(vf).replace('.', 'p')}"
    deck.models[name] = f".model {name} D(IS={is_:.4g} N={n} RS=2)"
    return name


def to_deck(design: Design, lib: Library) -> Deck:
    """Build the deck (see the module doc)."""
    ctx = Context(design, lib)
    deck = Deck(title=f"CircuitLM: {design.title or design.prompt[:60] or 'design'} (operating point)")
    used: set[str] = set()
    for net in ctx.net_pins:
        if net in ctx.ground_nets:
            deck.nodes[net] = "0"
            continue
        base = "n_" + _name(net).lower()
        node, i = base, 2
        while node in used:
            node, i = f"{base}_{i}", i + 1
        used.add(node)
        deck.nodes[net] = node

    def node(ref: str, pin: str) -> str:
        net = ctx.net_of(ref, pin)
        return deck.nodes[net] if net is not None else f"nc_{_name(ref)}_{_name(pin)}".lower()

    L = deck.lines
    driven_nets: set[str] = set()

    def add_meter(ref: str, what: str, a: str, pin: str = "", limit: float | None = None) -> str:
        mid = f"m_{_name(ref)}_{_name(pin or what)}".lower()
        vname = f"Vam_{_name(ref)}_{_name(pin or what)}"
        L.append(f"{vname} {a} {mid} 0")
        deck.meters.append(Meter(vname, ref, what, pin, limit))
        return mid

    def add_r(name: str, a: str, b: str, ohms: float, ref: str) -> None:
        L.append(f"{name} {a} {b} {ohms:.6g}")
        deck.resistors[name] = (a, b, ohms, ref)

    # supplies: one source per net, first come first served
    for net, pins in ctx.net_pins.items():
        if net in ctx.ground_nets:
            continue
        srcs = [p for p in pins if p.type == "power_out"]
        if not srcs:
            continue
        p = srcs[0]
        v = ctx.source_voltage(p)
        if v is None:
            continue
        kb = p.part
        gnd = next((ctx.net_of(p.ref, g.name) for g in kb.pins_of_type("ground") if ctx.net_of(p.ref, g.name)), None)
        gnode = deck.nodes[gnd] if gnd else "0"
        r_int = kb.extra.get("internal_resistance_ohm", SUPPLY_R)
        vname = f"V_{_name(p.ref)}_{_name(p.name)}"
        inner = f"s_{_name(p.ref)}_{_name(p.name)}".lower()
        L.append(f"{vname} {inner} {gnode} DC {v:g}")
        add_r(f"R_{_name(p.ref)}_{_name(p.name)}_int", inner, deck.nodes[net], r_int, p.ref)
        deck.meters.append(Meter(vname, p.ref, "supply", p.name, p.pin.max_current_ma, sign=-1.0))
        driven_nets.add(net)

    # module / sensor outputs drive their nets
    for ref, kb in ctx.parts.items():
        if kb is None or kb.kind in ("mcu",) or kb.kind in PASSIVE_KINDS:
            continue
        for p in kb.pins_of_type("digital", "analog", "uart_tx", "spi"):
            net = ctx.net_of(ref, p.name)
            if net is None or p.direction != "out" or net in ctx.ground_nets or ctx.net_voltage.get(net) is not None:
                continue
            lvl = ctx.part_level(ref) or 5.0
            lvl = lvl / 2 if p.type == "analog" else lvl
            if p.name in (kb.extra.get("open_drain_outputs") or []):
                continue
            vname = f"V_{_name(ref)}_{_name(p.name)}"
            inner = f"o_{_name(ref)}_{_name(p.name)}".lower()
            L.append(f"{vname} {inner} 0 DC {lvl:g}")
            add_r(f"R_{_name(ref)}_{_name(p.name)}_out", inner, deck.nodes[net], MODULE_R_OUT, ref)
            driven_nets.add(net)

    # MCU pins drive nets that have something to drive
    load_kinds = (*PASSIVE_KINDS, "led", "rgb_led", "led_array", "npn", "pnp", "nmos", "diode", "load", "motor")
    for ref in ctx.mcu_refs():
        kb = ctx.parts[ref]
        lvl = ctx.part_level(ref) or 5.0
        for p in kb.pins_of_type("gpio", "analog", "uart_tx"):
            net = ctx.net_of(ref, p.name)
            if net is None or p.direction == "in" or net in driven_nets or ctx.net_voltage.get(net) is not None:
                continue
            pins = ctx.net_pins[net]
            if any(q.type in ("i2c_sda", "i2c_scl") or q.kind in ("switch", "switch_matrix") for q in pins):
                continue   # open-drain buses and button inputs: the MCU pin listens
            wants = [q for q in pins if q.ref != ref and (q.kind in load_kinds or
                     (q.pin is not None and q.pin.direction == "in" and q.type not in ("ground",)))]
            if not wants:
                continue
            vname = f"V_{_name(ref)}_{_name(p.name)}"
            inner = f"g_{_name(ref)}_{_name(p.name)}".lower()
            L.append(f"{vname} {inner} 0 DC {lvl:g}")
            add_r(f"R_{_name(ref)}_{_name(p.name)}_out", inner, deck.nodes[net], GPIO_R_OUT, ref)
            deck.meters.append(Meter(vname, ref, "gpio", p.name, p.max_current_ma, sign=-1.0))
            driven_nets.add(net)

    # parts
    for part in design.parts:
        ref, kb = part.ref, ctx.parts.get(part.ref)
        if kb is None:
            continue
        r = _name(ref)
        k = kb.kind
        if k in ("resistor", "variable_resistor"):
            ohms = value_of(part.value, "resistor") or value_of(kb.extra.get("default_value"), "resistor") or 1e3
            a, b = kb.unique_pins[:2]
            add_r(f"R_{r}", node(ref, a), node(ref, b), max(ohms, 1e-3), ref)
        elif k == "potentiometer":
            ohms = value_of(part.value, "resistor") or 1e4
            add_r(f"R_{r}_a", node(ref, "VCC"), node(ref, "OUT"), ohms / 2, ref)
            add_r(f"R_{r}_b", node(ref, "OUT"), node(ref, "GND"), ohms / 2, ref)
        elif k == "capacitor":
            c = value_of(part.value) or 1e-7
            L.append(f"C_{r} {node(ref, '+')} {node(ref, '-')} {c:.6g}")
        elif k == "inductor":
            lv = value_of(part.value) or 1e-2
            L.append(f"L_{r} {node(ref, '1')} {node(ref, '2')} {lv:.6g}")
        elif k in ("switch",):
            add_r(f"R_{r}_open", node(ref, kb.unique_pins[0]), node(ref, kb.unique_pins[1]), 1e9, ref)
        elif k == "led":
            model = _led_model(deck, kb.extra.get("vf", 2.0), kb.extra.get("if_ma", 15))
            mid = add_meter(ref, "led", node(ref, "+"), "+", kb.extra.get("max_if_ma"))
            L.append(f"D_{r} {mid} {node(ref, '-')} {model}")
        elif k in ("rgb_led", "led_array"):
            model = _led_model(deck, kb.extra.get("vf", 2.0), kb.extra.get("if_ma", 15))
            com = next(p for p in kb.unique_pins if kb.pin(p).direction != "in")
            com_net = ctx.net_of(ref, com)
            anode_common = bool(com_net and ctx.net_voltage.get(com_net))
            for p in kb.pins:
                if p.direction != "in" or not ctx.connected(ref, p.name):
                    continue
                seg = _name(p.name)
                if anode_common:
                    mid = add_meter(ref, "led", node(ref, com), p.name, kb.extra.get("max_if_ma"))
                    L.append(f"D_{r}_{seg} {mid} {node(ref, p.name)} {model}")
                else:
                    mid = add_meter(ref, "led", node(ref, p.name), p.name, kb.extra.get("max_if_ma"))
                    L.append(f"D_{r}_{seg} {mid} {node(ref, com)} {model}")
        elif k == "diode":
            deck.models["DGEN"] = ".model DGEN D(IS=7e-9 N=1.9 RS=0.04)"
            mid = add_meter(ref, "diode", node(ref, "+"), "+", kb.extra.get("max_if_ma"))
            L.append(f"D_{r} {mid} {node(ref, '-')} DGEN")
        elif k in ("npn", "pnp"):
            typ = k.upper()
            deck.models[f"Q{typ}"] = f".model Q{typ} {typ}(BF={kb.extra.get('hfe', 100)} IS=1e-14 VAF=100)"
            if k == "npn":
                mid = add_meter(ref, "collector", node(ref, "C"), "C", kb.extra.get("max_ic_ma"))
                L.append(f"Q_{r} {mid} {node(ref, 'B')} {node(ref, 'E')} Q{typ}")
            else:
                mid = add_meter(ref, "collector", node(ref, "E"), "E", kb.extra.get("max_ic_ma"))
                L.append(f"Q_{r} {node(ref, 'C')} {node(ref, 'B')} {mid} Q{typ}")
        elif k == "nmos":
            deck.models["NMOS_LL"] = f".model NMOS_LL NMOS(LEVEL=1 VTO={kb.extra.get('vth', 2.0)} KP=0.5)"
            mid = add_meter(ref, "drain", node(ref, "D"), "D", kb.pin("D").max_current_ma)
            L.append(f"M_{r} {mid} {node(ref, 'G')} {node(ref, 'S')} {node(ref, 'S')} NMOS_LL")
        elif k in ("motor", "load") and len(kb.unique_pins) == 2 and kb.pins_of_type("passive"):
            v = kb.supply_voltage or 5.0
            ohms = v / max(kb.current_ma / 1000.0, 1e-3)
            a, b = ("+", "-") if "+" in kb.unique_pins else kb.unique_pins[:2]
            mid = add_meter(ref, "load", node(ref, a), a, None)
            add_r(f"R_{r}_load", mid, node(ref, b), ohms, ref)
        elif k == "level_shifter":
            for i in range(1, 5):
                for side in ("HV", "LV"):
                    if ctx.connected(ref, f"{side}{i}") and ctx.connected(ref, side):
                        add_r(f"R_{r}_{side}{i}", node(ref, f"{side}{i}"), node(ref, side), 1e4, ref)
        elif kb.pins_of_type("power_in") and kb.current_ma:
            # a module, sensor, IC, driver, MCU board on VIN: a resistive load on its first wired supply pin
            p = next((p for p in kb.pins_of_type("power_in") if ctx.connected(ref, p.name)), None)
            if p is None:
                continue
            net = ctx.net_of(ref, p.name)
            v = ctx.net_voltage.get(net) or kb.supply_voltage or 5.0
            g = next((g.name for g in kb.pins_of_type("ground") if ctx.connected(ref, g.name)), None)
            gnode = node(ref, g) if g else "0"
            mid = add_meter(ref, "load", node(ref, p.name), p.name, None)
            add_r(f"R_{r}_load", mid, gnode, v / (kb.current_ma / 1000.0), ref)
        elif k not in ("mcu", "battery", "switch_matrix"):
            deck.skipped.append(f"{ref} ({kb.id}): no analog model")
    return deck


def to_spice(design: Design, lib: Library) -> str:
    """The analog part of `design` as an ngspice deck with a `.op` analysis."""
    return to_deck(design, lib).text()


def operating_point(design: Design, lib: Library) -> dict:
    """Simulate the deck's operating point with ngspice; node voltages, part currents and powers.

    Returns ``{"netlist", "node_voltages": {net: V}, "meters": [{name, ref, what, pin, current_ma,
    limit_ma}], "resistors": [{name, ref, current_ma, power_mw}], "skipped": [...]}``.
    Raises SimulationError when ngspice rejects the deck or does not converge.
    """
    from eda.sim import simulate
    deck = to_deck(design, lib)
    text = deck.text()
    res = simulate(text, op=True)
    op = res.analyses.get("op")
    if op is None:
        raise SimulationError("ngspice returned no operating point")

    def volt(node: str) -> float:
        if node == "0":
            return 0.0
        try:
            return float(op[node].real[0])
        except KeyError:
            return 0.0

    nodes = {net: round(volt(n), 6) for net, n in deck.nodes.items()}
    meters = []
    for m in deck.meters:
        try:
            i = float(op[f"i({m.name.lower()})"].real[0]) * m.sign
        except KeyError:
            continue
        meters.append({"name": m.name, "ref": m.ref, "what": m.what, "pin": m.pin,
                       "current_ma": round(i * 1000.0, 6), "limit_ma": m.limit_ma})
    resistors = []
    for name, (a, b, ohms, ref) in deck.resistors.items():
        dv = volt(a) - volt(b)
        resistors.append({"name": name, "ref": ref, "current_ma": round(dv / ohms * 1000.0, 6),
                          "power_mw": round(dv * dv / ohms * 1000.0, 6)})
    return {"netlist": text, "node_voltages": nodes, "meters": meters, "resistors": resistors,
            "skipped": deck.skipped}
