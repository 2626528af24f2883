"""Deterministic repairs for what the rules can fix, before the design is validated again.

In order (each step sees the previous one's result):
1. power: separate ground nets are merged into one; unconnected ground pins join it; a part with no supply pin wired joins the
   one rail whose voltage its supply pin accepts (the nominal one when several fit); with no such
   rail, an unused supply output of the right voltage on a board or battery becomes one;
2. flyback: an inductive load switched by a transistor gets a diode across it, cathode to supply;
3. LEDs: a driven LED (or RGB / 7-segment segment) without a series resistor gets one, sized for
   the library's rated current from the driving level, rounded up to E12 (5 V: 220, 3.3 V: 100);
4. pull-ups: I2C buses (4.7k) and single-wire data lines (10k) without one get it, to the rail at
   the lowest logic level on the line;
5. decoupling: parts the library marks get their capacitor from the supply pin to ground.
Nothing is guessed when the choice is ambiguous (two rails fit, no ground): the validator then
reports the problem. The steps repeat until nothing changes (a rail one step makes can settle another's
choice), so `repair` is idempotent: a second run changes nothing and returns no actions.
"""
from __future__ import annotations

import re

from eda.kb import KbPin, Library

from .design import Design, Net, Part
from .validate.context import Context, e12_at_least, format_ohms
from .validate.electrical import (_drivers, _led_terminals, flyback_diode, led_has_resistor,
                                  needs_pullup, split_grounds)

RAIL_NAMES = {5.0: "5V", 3.3: "3V3", 12.0: "12V", 9.0: "9V", 0.0: "GND"}


def _net(d: Design, name: str) -> Net | None:
    return next((n for n in d.nets if n.name == name), None)


def _unique_net_name(d: Design, name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_+.]", "_", name)
    used = {n.name for n in d.nets}
    out, i = base, 2
    while out in used:
        out, i = f"{base}_{i}", i + 1
    return out


def _connect(d: Design, net: str, *pins: str) -> None:
    n = _net(d, net)
    if n is None:
        d.nets.append(Net(name=net, pins=list(pins)))
        return
    for p in pins:
        if p not in n.pins:
            n.pins.append(p)


def _add_part(d: Design, prefix: str, part: str, value: str | None, role: str) -> str:
    ref = d.next_ref(prefix)
    d.parts.append(Part(ref=ref, part=part, value=value, role=role))
    return ref


def _rail_name(v: float) -> str:
    """5 -> 5V, 3.3 -> 3V3, 3.7 -> 3V7, 12 -> 12V."""
    return RAIL_NAMES.get(round(v, 2), f"{v:g}".replace(".", "V", 1) if v != int(v) else f"{v:g}V")


def _rail_for(d: Design, ctx: Context, pin: KbPin, *, exact: float | None = None) -> str | None:
    """The one rail net (existing, or made from an unused supply output) that suits a supply pin."""
    def fits(v: float) -> bool:
        if exact is not None:
            return abs(v - exact) < 0.05
        lo = pin.vmin if pin.vmin is not None else (pin.voltage or 0) - 0.05
        hi = pin.vmax if pin.vmax is not None else (pin.voltage or 0) + 0.05
        return lo - 0.05 <= v <= hi + 0.05

    def pick(cands: list[tuple[str, float]]) -> str | None:
        if len({c[0] for c in cands}) == 1:
            return cands[0][0]
        nominal = [c for c in cands if pin.voltage is not None and abs(c[1] - pin.voltage) < 0.05]
        return nominal[0][0] if len({c[0] for c in nominal}) == 1 else None

    rails = [(n, v) for n, v in ctx.rail_nets.items() if fits(v)]
    if rails:
        return pick(rails)
    # unused supply outputs (an Arduino's 5V, a battery's +)
    free = []
    for ref, kb in ctx.parts.items():
        if kb is None:
            continue
        for p in kb.pins_of_type("power_out"):
            if ctx.connected(ref, p.name) or p.voltage is None or (p.max_current_ma or 0) < 20:
                continue
            if fits(p.voltage):
                free.append((f"{ref}:{p.name}", p.voltage))
    choice = pick(free)
    if choice is None:
        return None
    v = dict(free)[choice]
    name = _unique_net_name(d, _rail_name(v))
    _connect(d, name, choice)
    return name


def _ground_net(d: Design, ctx: Context) -> str | None:
    if ctx.ground_nets:
        return max(ctx.ground_nets, key=lambda n: len(ctx.net_pins[n]))
    srcs = [(ref, kb) for ref, kb in ctx.parts.items() if kb is not None and kb.kind in ("mcu", "battery")]
    if len(srcs) != 1:
        return None
    ref, kb = srcs[0]
    g = kb.pins_of_type("ground")
    if not g:
        return None
    name = _unique_net_name(d, "GND")
    _connect(d, name, f"{ref}:{g[0].name}")
    return name


def fix_power(d: Design, lib: Library) -> list[str]:
    actions = []
    ctx = Context(d, lib)
    grounds = split_grounds(ctx)
    if len(grounds) > 1:                # GND and GND2: one ground (mains-side nets are left apart)
        main = _net(d, grounds[0])
        for name in grounds[1:]:
            for n in [n for n in d.nets if n.name == name]:
                main.pins += [p for p in n.pins if p not in main.pins]
                d.nets.remove(n)
        actions.append(f"merged ground nets {', '.join(grounds[1:])} into {grounds[0]}")
        ctx = Context(d, lib)
    needs_ground = [(ref, kb) for ref, kb in ctx.parts.items() if kb is not None and
                    (kb.pins_of_type("ground") or kb.kind == "potentiometer")]
    gnet = None
    for ref, kb in needs_ground:
        gpins = [p.name for p in kb.pins_of_type("ground")] or (["GND"] if kb.kind == "potentiometer" else [])
        if any(ctx.connected(ref, g) for g in gpins):
            continue
        if kb.kind == "potentiometer" and not ctx.connected(ref, "OUT"):
            continue
        gnet = gnet or _ground_net(d, ctx)
        if gnet is None:
            break
        if ctx.connected(ref, gpins[0]) or f"{ref}:{gpins[0]}" in (_net(d, gnet).pins if _net(d, gnet) else []):
            continue
        _connect(d, gnet, f"{ref}:{gpins[0]}")
        actions.append(f"joined {ref}:{gpins[0]} ({kb.id}) to ground net {gnet}")
    ctx = Context(d, lib)
    for ref in ctx.refs_of_kind("led"):   # an LED driven on its anode with a loose cathode
        a = ctx.net_of(ref, "+")
        if a is None or ctx.connected(ref, "-") or not _drivers(ctx, a) or ctx.net_voltage.get(a) == 0.0:
            continue
        gnet = gnet or _ground_net(d, ctx)
        if gnet is None:
            break
        _connect(d, gnet, f"{ref}:-")
        actions.append(f"joined {ref}:- (LED cathode) to ground net {gnet}")
        ctx = Context(d, lib)
    for ref, kb in list(ctx.parts.items()):
        if kb is None or kb.self_powered:
            continue
        if kb.kind == "potentiometer":
            if ctx.connected(ref, "OUT") and not ctx.connected(ref, "VCC"):
                level = next((ctx.part_level(r) for r in ctx.mcu_refs() if ctx.part_level(r)), None)
                if level is not None:
                    rail = _rail_for(d, ctx, KbPin(name="VCC", type="power_in", voltage=level), exact=level)
                    if rail:
                        _connect(d, rail, f"{ref}:VCC")
                        actions.append(f"joined {ref}:VCC (potentiometer) to rail {rail}")
                        ctx = Context(d, lib)
            continue
        pins_in = kb.pins_of_type("power_in")
        if not pins_in:
            continue
        todo = [p for p in pins_in if not ctx.connected(ref, p.name)] if kb.extra.get("power_all") else (
            [] if any(ctx.connected(ref, p.name) for p in pins_in) else pins_in)
        for p in todo:
            rail = _rail_for(d, ctx, p)
            if rail is None:
                continue
            _connect(d, rail, f"{ref}:{p.name}")
            actions.append(f"joined {ref}:{p.name} ({kb.id}) to rail {rail}")
            ctx = Context(d, lib)
            if not kb.extra.get("power_all"):
                break
    return actions


def fix_flyback(d: Design, lib: Library) -> list[str]:
    actions = []
    ctx = Context(d, lib)
    for f in flyback_diode(ctx):
        if "without a flyback diode" not in f.message:
            continue
        ref = f.pins[0].split(":")[0]
        kb = ctx.parts[ref]
        nets = [ctx.net_of(ref, p) for p in kb.unique_pins]
        sw = next(p for n in nets if n for p in ctx.net_pins[n] if p.kind in ("npn", "pnp", "nmos")
                  and p.name in ("C", "D"))
        low = ctx.net_of(sw.ref, sw.name)
        high = next((n for n in nets if n and n != low), None)
        if high is None:
            continue
        dref = _add_part(d, "D", "diode", "1N4007", f"flyback diode across {ref}")
        _connect(d, high, f"{dref}:-")
        _connect(d, low, f"{dref}:+")
        actions.append(f"added flyback diode {dref} across {ref} (cathode on {high}, anode on {low})")
    return actions


def fix_leds(d: Design, lib: Library) -> list[str]:
    actions = []
    ctx = Context(d, lib)
    for ref in ctx.refs_of_kind("led", "rgb_led", "led_array"):
        kb = ctx.parts[ref]
        for pin in _led_terminals(ctx, ref):
            net = ctx.net_of(ref, pin)
            if net is None or led_has_resistor(ctx, ref, pin):
                continue
            side, side_net = pin, net
            drivers = _drivers(ctx, net)
            if kb.kind == "led" and not drivers and not ctx.rail_nets.get(net):
                k = ctx.net_of(ref, "-")
                if k is None or not _drivers(ctx, k):
                    continue
                side, side_net, drivers = "-", k, _drivers(ctx, k)
            elif not drivers and not ctx.rail_nets.get(net):
                continue
            level = ctx.rail_nets.get(side_net) or next(
                (ctx.pin_level(p) for p in drivers if ctx.pin_level(p)), None) or 5.0
            vf, if_ma = kb.extra.get("vf", 2.0), kb.extra.get("if_ma", 15)
            ohms = e12_at_least(max(level - vf, 0.3) / (if_ma / 1000.0))
            rref = _add_part(d, "R", "resistor", format_ohms(ohms), f"current limit for {ref}:{side}")
            pin_text = f"{ref}:{side}"
            for n in d.nets:            # nets of the same name are one net
                if n.name != side_net:
                    continue
                for t in [t for t in n.pins if t.partition(":")[0] == ref and t.partition(":")[2].lower() == side.lower()]:
                    n.pins.remove(t)
                    pin_text = t
            _net(d, side_net).pins.append(f"{rref}:1")
            new = _unique_net_name(d, f"{ref}_{'A' if side == '+' else 'K' if side == '-' else side}")
            _connect(d, new, f"{rref}:2", pin_text)
            actions.append(f"added {format_ohms(ohms)} series resistor {rref} between net {side_net} and "
                           f"{ref}:{side} ({(level - vf) / ohms * 1000:.1f} mA at {level:g} V)")
            ctx = Context(d, lib)
    return actions


def fix_pullups(d: Design, lib: Library) -> list[str]:
    actions = []
    ctx = Context(d, lib)
    for net, why in needs_pullup(ctx):
        levels = [ctx.part_level(p.ref) for p in ctx.net_pins[net] if ctx.part_level(p.ref)]
        if not levels:
            continue
        level = min(levels)
        rail = _rail_for(d, ctx, KbPin(name="pullup", type="power_in", voltage=level), exact=level)
        if rail is None:
            continue
        value = "4.7k" if why.startswith("I2C") else "10k"
        rref = _add_part(d, "R", "resistor", value, f"pull-up on {net}")
        _connect(d, net, f"{rref}:1")
        _connect(d, rail, f"{rref}:2")
        actions.append(f"added {value} pull-up {rref} from {why} net {net} to rail {rail}")
        ctx = Context(d, lib)
    return actions


def fix_decoupling(d: Design, lib: Library) -> list[str]:
    actions = []
    ctx = Context(d, lib)
    for ref, kb in list(ctx.parts.items()):
        if kb is None or not kb.decoupling or not kb.decoupling_pin:
            continue
        net = ctx.net_of(ref, kb.decoupling_pin)
        if net is None or ctx.has_cap_to_ground(net):
            continue
        g = next((ctx.net_of(ref, p.name) for p in kb.pins_of_type("ground") if ctx.net_of(ref, p.name)), None)
        g = g or (ctx.ground_nets[0] if len(ctx.ground_nets) == 1 else None)
        if g is None or g == net:
            continue
        cref = _add_part(d, "C", "capacitor", kb.decoupling, f"decoupling for {ref}")
        _connect(d, net, f"{cref}:+")
        _connect(d, g, f"{cref}:-")
        actions.append(f"added {kb.decoupling}F decoupling capacitor {cref} at {ref}:{kb.decoupling_pin} "
                       f"(net {net} to {g})")
        ctx = Context(d, lib)
    return actions


STEPS = (fix_power, fix_flyback, fix_leds, fix_pullups, fix_decoupling)


def repair(design: Design, lib: Library) -> tuple[Design, list[str]]:
    """A repaired copy of `design` and one line per action taken (see the module doc)."""
    d = design.model_copy(deep=True)
    actions: list[str] = []
    for _round in range(4):      # until nothing changes: a rail made by one step can settle another's choice
        done = [a for step in STEPS for a in step(d, lib)]
        if not done:
            break
        actions += done
    return d, actions
