"""Structural rules: parts and pins exist, traces join existing ports, required pins are wired,
no net joins two outputs or two supplies."""
from __future__ import annotations

from collections import Counter

from .context import Context
from .registry import finding, rule

# outputs that fight when two share a net (push-pull); open-drain, bidirectional and tri-state SPI
# outputs (MISO drives only while selected) may share one
_PUSH_PULL = ("digital", "analog", "uart_tx", "driver_out")


@rule("unknown_part", "structural")
def unknown_part(ctx: Context):
    """Every part's library id exists."""
    for p in ctx.design.parts:
        if p.part not in ctx.lib:
            yield finding("fatal", f"{p.ref}: part {p.part!r} is not in the component library", p.ref)


@rule("duplicate_ref", "structural")
def duplicate_ref(ctx: Context):
    """Reference designators are unique."""
    for ref, n in Counter(p.ref for p in ctx.design.parts).items():
        if n > 1:
            yield finding("fatal", f"reference {ref} is used by {n} parts", ref)


@rule("unknown_pin", "structural")
def unknown_pin(ctx: Context):
    """Every trace joins existing ports (REF:PIN with a known part and one of its pins)."""
    for net, text, why in ctx.bad_pins:
        if "whose library id is unknown" in why:
            continue  # reported once by unknown_part
        yield finding("fatal", f"net {net}: {text} {why}", text)


@rule("pin_on_several_nets", "structural")
def pin_on_several_nets(ctx: Context):
    """A pin belongs to one net (two nets on one pin are one node: merge them)."""
    for key, nets in ctx.pin_nets.items():
        if len(nets) > 1:
            yield finding("major", f"{key} is on {len(nets)} nets ({', '.join(nets)}): they are shorted", key)


@rule("single_pin_net", "structural")
def single_pin_net(ctx: Context):
    """A net joins at least two pins (a rail holding only its supply pin is an unused label, not a dangling trace)."""
    for net in ctx.design.nets:
        pins = ctx.net_pins.get(net.name, [])
        if len(pins) == 1 and pins[0].type in ("power_out", "ground") and len(set(net.pins)) == 1:
            continue
        if len(set(net.pins)) < 2:
            yield finding("minor", f"net {net.name} connects only {len(set(net.pins))} pin(s)", *net.pins)


@rule("dangling_power", "structural")
def dangling_power(ctx: Context):
    """Parts that need power have a supply and a ground pin connected."""
    for ref, kb in ctx.parts.items():
        if kb is None or kb.self_powered:
            continue
        pins_in = kb.pins_of_type("power_in")
        grounds = kb.pins_of_type("ground")
        if pins_in:
            wired = [p for p in pins_in if ctx.connected(ref, p.name)]
            need_all = bool(kb.extra.get("power_all"))
            missing = [p for p in pins_in if not ctx.connected(ref, p.name)] if need_all else ([] if wired else pins_in)
            if missing:
                names = " / ".join(p.name for p in missing)
                yield finding("major", f"{ref} ({kb.id}): supply pin {names} is not connected",
                              *[f"{ref}:{p.name}" for p in missing])
        if grounds and (pins_in or kb.kind in ("mcu", "module", "driver", "ic", "regulator", "charger")):
            if not any(ctx.connected(ref, p.name) for p in grounds):
                yield finding("major", f"{ref} ({kb.id}): ground pin {grounds[0].name} is not connected",
                              f"{ref}:{grounds[0].name}")


@rule("output_conflict", "structural")
def output_conflict(ctx: Context):
    """No net joins two push-pull outputs or two supply outputs."""
    for net, pins in ctx.net_pins.items():
        outs = [p for p in pins if p.pin is not None and p.pin.direction == "out" and p.type in _PUSH_PULL
                and p.name not in (p.part.extra.get("open_drain_outputs") or [])]
        if len({p.key for p in outs}) > 1:
            yield finding("major", f"net {net} joins outputs {', '.join(p.key for p in outs)}: they fight",
                          *[p.key for p in outs])
        supplies = {p.key: ctx.source_voltage(p) for p in pins if p.type == "power_out"}
        if len(supplies) > 1:
            levels = {v for v in supplies.values() if v is not None}
            sev = "fatal" if len(levels) > 1 else "major"
            what = "different voltages: a short" if len(levels) > 1 else "in parallel"
            yield finding(sev, f"net {net} joins supply outputs {', '.join(supplies)} ({what})", *supplies)


_TWO_TERMINAL = ("resistor", "capacitor", "inductor", "led", "diode", "switch", "motor", "variable_resistor")


@rule("open_terminal", "structural")
def open_terminal(ctx: Context):
    """A two-terminal part wired on one side only is an open circuit (an LED with a loose cathode)."""
    for ref, kb in ctx.parts.items():
        if kb is None or kb.kind not in _TWO_TERMINAL or len(kb.unique_pins) != 2:
            continue
        wired = [p for p in kb.unique_pins if ctx.connected(ref, p)]
        if len(wired) == 1:
            loose = next(p for p in kb.unique_pins if p not in wired)
            yield finding("major", f"{ref} ({kb.id}) has {ref}:{wired[0]} wired but {ref}:{loose} open",
                          f"{ref}:{loose}")


@rule("idle_part", "structural")
def idle_part(ctx: Context):
    """A module, sensor or driver has at least one signal pin wired (else it does nothing here)."""
    for ref, kb in ctx.parts.items():
        if kb is None or kb.kind not in ("module", "driver", "ic"):
            continue
        signals = [p for p in kb.unique_pins if kb.pin(p).type not in ("power_in", "power_out", "ground", "nc")]
        if signals and not any(ctx.connected(ref, p) for p in signals):
            yield finding("minor", f"{ref} ({kb.id}) has none of its signal pins ({', '.join(signals[:6])}) "
                                   "connected: it does nothing", ref)
