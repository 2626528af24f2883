"""Electrical rules (deterministic): shorted supplies, supply ranges, LEDs without series resistors or
reversed, logic-level mismatch, flyback diodes, I2C and data-line pull-ups, floating inputs,
decoupling, GPIO and supply current budgets."""
from __future__ import annotations

import re

from .context import LED_KINDS, PASSIVE_KINDS, Context, PinRef, value_of
from .registry import finding, rule

_SIGNAL_OUT = ("gpio", "analog", "digital", "i2c_sda", "i2c_scl", "uart_tx", "spi")
_SWITCHES = ("npn", "pnp", "nmos")


def _led_terminals(ctx: Context, ref: str) -> list[str]:
    """Pins of an LED-like part that need their own series resistor."""
    kb = ctx.parts[ref]
    if kb.kind == "led":
        return ["+"]
    return [p.name for p in kb.pins if p.direction == "in"]


def _drivers(ctx: Context, net: str) -> list[PinRef]:
    """Pins that can push current into a net: supply outputs, GPIOs and logic outputs."""
    return [p for p in ctx.net_pins.get(net, []) if p.pin is not None and (
        p.type == "power_out" or (p.pin.drives and p.type in _SIGNAL_OUT))]


def led_has_resistor(ctx: Context, ref: str, pin: str) -> bool:
    """A resistor in series: on the LED terminal's net (or, for a plain LED, the other terminal's),
    where that net is neither a rail nor driven directly (a resistor there would be in parallel)."""
    kb = ctx.parts[ref]
    nets = [ctx.net_of(ref, pin)]
    if kb.kind == "led":
        nets.append(ctx.net_of(ref, "-" if pin == "+" else "+"))
    return any(n is not None and ctx.pins_on(n, kinds=PASSIVE_KINDS) and not _drivers(ctx, n)
               and ctx.net_voltage.get(n) is None for n in nets)


@rule("shorted_supply", "electrical")
def shorted_supply(ctx: Context):
    """No supply output sits on a ground net."""
    for net, pins in ctx.net_pins.items():
        srcs = [p.key for p in pins if p.type == "power_out"]
        if srcs and any(p.type == "ground" for p in pins):
            yield finding("fatal", f"net {net} joins supply {', '.join(srcs)} to ground: a short circuit", *srcs)


def split_grounds(ctx: Context) -> list[str]:
    """Ground nets (by pins or name) that should be one, mains-side nets excluded; largest first."""
    nets = [n for n in ctx.ground_nets if not any(p.kind == "mains" for p in ctx.net_pins.get(n, []))]
    return sorted(nets, key=lambda n: -len(ctx.net_pins.get(n, [])))


@rule("split_ground", "electrical")
def split_ground(ctx: Context):
    """All grounds are one net: parts on separate ground nets share no reference."""
    nets = split_grounds(ctx)
    if len(nets) > 1:
        yield finding("major", f"ground nets {', '.join(nets)} are not joined: the parts on them share no reference",
                      *[ctx.net_pins[n][0].key for n in nets if ctx.net_pins.get(n)])


@rule("supply_range", "electrical")
def supply_range(ctx: Context):
    """Every supply input sits on a rail inside its allowed range."""
    for net, pins in ctx.net_pins.items():
        v = ctx.net_voltage.get(net)
        if not v:
            continue
        for p in pins:
            if p.type != "power_in" or p.pin is None:
                continue
            if p.pin.vmax is not None and v > p.pin.vmax + 0.05:
                yield finding("fatal", f"{p.key} ({p.part.id}) takes at most {p.pin.vmax:g} V but net {net} is at "
                              f"{v:g} V", p.key)
            elif p.pin.vmin is not None and v < p.pin.vmin - 0.05:
                yield finding("major", f"{p.key} ({p.part.id}) needs at least {p.pin.vmin:g} V but net {net} is at "
                              f"{v:g} V", p.key)


@rule("led_series_resistor", "electrical")
def led_series_resistor(ctx: Context):
    """Every LED (and RGB / 7-segment segment) that is driven has a current-limiting resistor."""
    for ref in ctx.refs_of_kind(*LED_KINDS):
        for pin in _led_terminals(ctx, ref):
            net = ctx.net_of(ref, pin)
            if net is None:
                continue
            if not led_has_resistor(ctx, ref, pin):
                src = _drivers(ctx, net) or ([] if ctx.parts[ref].kind != "led" else
                                             _drivers(ctx, ctx.net_of(ref, "-") or ""))
                if src or ctx.rail_nets.get(net):
                    yield finding("major", f"{ref}:{pin} is driven from net {net} with no series resistor: "
                                           "the LED current is limited only by the driver", f"{ref}:{pin}")


@rule("led_polarity", "electrical")
def led_polarity(ctx: Context):
    """An LED's anode is not on ground and its cathode is not on a positive rail."""
    for ref in ctx.refs_of_kind("led"):
        a, k = ctx.net_of(ref, "+"), ctx.net_of(ref, "-")
        va = ctx.net_voltage.get(a) if a else None
        vk = ctx.net_voltage.get(k) if k else None
        if va == 0.0 or (vk and (va is None or vk > va)):
            yield finding("major", f"{ref} is reversed: anode on {a} ({va} V), cathode on {k} ({vk} V)",
                          f"{ref}:+", f"{ref}:-")


def _net_level(ctx: Context, net: str) -> tuple[float | None, str]:
    """Highest level driven onto a signal net and who drives it (I2C: the pull-up rail)."""
    pins = ctx.net_pins.get(net, [])
    if any(p.type in ("i2c_sda", "i2c_scl") for p in pins):
        levels = []
        for pr in ctx.pins_on(net, kinds=("resistor",)):
            other = ctx.other_net(pr.ref, pr.name)
            if other and ctx.rail_nets.get(other):
                levels.append((ctx.rail_nets[other], f"pull-up {pr.ref} to {other}"))
        levels += [(ctx.part_level(p.ref), f"{p.key} (internal pull-up)") for p in pins
                   if p.part.internal_pullups and ctx.part_level(p.ref)]
        if not levels:
            levels = [(ctx.part_level(p.ref), p.key) for p in pins if p.part.kind == "mcu" and ctx.part_level(p.ref)]
        return max(levels, default=(None, ""))
    levels = [(ctx.pin_level(p), p.key) for p in pins
              if p.pin is not None and p.pin.drives and p.type in _SIGNAL_OUT and ctx.pin_level(p) is not None]
    return max(levels, default=(None, ""))


@rule("logic_level", "electrical")
def logic_level(ctx: Context):
    """No 5 V signal reaches an input that takes only 3.3 V (unless the part is 5 V tolerant)."""
    for net, pins in ctx.net_pins.items():
        if ctx.net_voltage.get(net) is not None and any(p.type in ("power_out", "ground") for p in pins):
            continue  # a rail, checked by supply_range
        level, src = _net_level(ctx, net)
        if level is None:
            continue
        for p in pins:
            if p.pin is None or not p.pin.receives or p.part.five_v_tolerant or p.key == src:
                continue
            if p.type in ("power_in", "ground", "passive"):
                continue
            lv = ctx.pin_level(p)
            if lv is not None and level > lv + 0.6:
                yield finding("major", f"net {net}: {level:g} V from {src} reaches {p.key}, a {lv:g} V input that is "
                                       "not 5 V tolerant (use a level shifter or divider)", p.key)


@rule("flyback_diode", "electrical")
def flyback_diode(ctx: Context):
    """Inductive loads switched by a transistor have a flyback diode; none hangs on a GPIO directly."""
    for ref, kb in ctx.parts.items():
        if kb is None or not kb.inductive or kb.extra.get("internal_driver") or kb.kind == "module":
            continue
        nets = [n for n in (ctx.net_of(ref, p) for p in kb.unique_pins) if n]
        gpio = [p for n in nets for p in ctx.net_pins[n] if p.type in ("gpio", "analog") and p.part.kind == "mcu"]
        if gpio:
            yield finding("major", f"{ref} ({kb.id}) is driven straight from {gpio[0].key}: a GPIO cannot supply an "
                                   "inductive load (use a transistor or driver and a flyback diode)", gpio[0].key)
            continue
        switched = [p for n in nets for p in ctx.net_pins[n] if p.kind in _SWITCHES and p.name in ("C", "D")]
        if not switched or len(kb.unique_pins) != 2:
            continue
        low = ctx.net_of(switched[0].ref, switched[0].name)
        high = next((n for n in nets if n != low), None)
        diodes = [d for d in ctx.refs_of_kind("diode") if {ctx.net_of(d, "+"), ctx.net_of(d, "-")} == {low, high}]
        if not diodes:
            yield finding("major", f"{ref} ({kb.id}) is switched by {switched[0].key} without a flyback diode "
                                   "across it", f"{ref}:{kb.unique_pins[0]}", f"{ref}:{kb.unique_pins[1]}")
        elif all(ctx.net_of(d, "-") != high for d in diodes):
            yield finding("major", f"flyback diode {diodes[0]} across {ref} is reversed (cathode must face the "
                                   "supply)", f"{diodes[0]}:-")


def i2c_buses(ctx: Context) -> list[str]:
    """Nets carrying I2C between two or more parts."""
    out = []
    for net, pins in ctx.net_pins.items():
        parts = {p.ref for p in pins if p.type in ("i2c_sda", "i2c_scl")}
        if len(parts) >= 2 and not any(p.type in ("power_out", "ground") for p in pins):
            out.append(net)
    return out


def needs_pullup(ctx: Context) -> list[tuple[str, str]]:
    """(net, why) for I2C buses and data lines that need a pull-up resistor and have none."""
    out = []
    for net in i2c_buses(ctx):
        pins = ctx.net_pins[net]
        if not ctx.has_resistor_to_rail(net) and not any(p.part.internal_pullups for p in pins):
            kind = "SDA" if any(p.type == "i2c_sda" for p in pins) else "SCL"
            out.append((net, f"I2C {kind} bus"))
    for ref, kb in ctx.parts.items():
        for pin in (kb.extra.get("needs_pullup") or []) if kb else []:
            net = ctx.net_of(ref, pin)
            if net and not ctx.has_resistor_to_rail(net) and (net, "I2C SDA bus") not in out:
                out.append((net, f"{ref}:{pin} data line"))
    return out


@rule("pullups", "electrical")
def pullups(ctx: Context):
    """I2C buses (and single-wire data lines such as a DHT22's) have pull-up resistors."""
    for net, why in needs_pullup(ctx):
        yield finding("major", f"{why} on net {net} has no pull-up resistor to the supply", *[p.key for p in ctx.net_pins[net]][:4])


@rule("floating_input", "electrical")
def floating_input(ctx: Context):
    """Inputs are driven: transistor gates/bases and logic-IC inputs are wired, no net has only inputs,
    a push-button on an input has a pull resistor."""
    for ref, kb in ctx.parts.items():
        if kb is None or kb.kind not in ("ic", "driver", *_SWITCHES):
            continue
        for p in kb.unique_pins:
            pin = kb.pin(p)
            if pin.direction == "in" and pin.type in ("digital", "passive") and not ctx.connected(ref, p):
                # a driver module's enable/sleep/reset/microstep inputs have on-board jumpers or pulls
                soft = kb.kind == "driver" and re.match(r"(EN|ENABLE|ENA|ENB|SLEEP|RESET|MS\d|R_EN|L_EN)$", p)
                if soft:
                    continue
                yield finding("major", f"{ref}:{p} ({kb.id} input) is not connected: it floats", f"{ref}:{p}")
    for net, pins in ctx.net_pins.items():
        receivers = [p for p in pins if p.pin is not None and p.pin.direction == "in" and p.type not in
                     ("power_in", "ground")]
        if not receivers or ctx.net_voltage.get(net) is not None:
            continue
        drivers = [p for p in pins if p.pin is not None and (p.pin.drives or p.type in ("power_out", "ground"))]
        resistive = [p for p in pins if p.kind in (*PASSIVE_KINDS, "npn", "pnp", "nmos", "diode", "led", "capacitor")
                     or p.kind in LED_KINDS]
        buttons = [p for p in pins if p.kind in ("switch", "switch_matrix")]
        if not drivers and not resistive:
            yield finding("major", f"net {net} has inputs ({', '.join(p.key for p in receivers)}) and nothing "
                                   "driving it", *[p.key for p in receivers])
        elif buttons and not resistive and not drivers:
            yield finding("major", f"net {net}: push-button input floats when open (no pull resistor)",
                          *[p.key for p in buttons])
    for ref in ctx.refs_of_kind("switch"):
        for pin in ctx.parts[ref].unique_pins:
            net = ctx.net_of(ref, pin)
            if net is None or ctx.net_voltage.get(net) is not None:
                continue
            pins = ctx.net_pins[net]
            mcu = [p for p in pins if p.part.kind == "mcu" and p.type in ("gpio", "analog")]
            if mcu and not ctx.pins_on(net, kinds=PASSIVE_KINDS):
                yield finding("minor", f"{ref} on {mcu[0].key} has no external pull resistor: enable the internal "
                                       "pull-up (INPUT_PULLUP)", mcu[0].key)


@rule("decoupling", "electrical")
def decoupling(ctx: Context):
    """Parts the library marks as needing a decoupling capacitor have one from supply to ground."""
    for ref, kb in ctx.parts.items():
        if kb is None or not kb.decoupling or not kb.decoupling_pin:
            continue
        net = ctx.net_of(ref, kb.decoupling_pin)
        if net is None or ctx.has_cap_to_ground(net):
            continue
        sev = "major" if kb.kind == "ic" else "minor"
        yield finding(sev, f"{ref} ({kb.id}) has no {kb.decoupling}F decoupling capacitor from "
                           f"{kb.decoupling_pin} (net {net}) to ground", f"{ref}:{kb.decoupling_pin}")


def led_current_ma(ctx: Context, ref: str) -> tuple[float, str, str] | None:
    """(mA, source pin or net, resistor) for a single LED in series with one resistor to a known level."""
    kb = ctx.parts[ref]
    a, k = ctx.net_of(ref, "+"), ctx.net_of(ref, "-")
    if a is None or k is None:
        return None
    for led_net, far_side in ((a, k), (k, a)):
        for rp in ctx.pins_on(led_net, kinds=("resistor",)):
            r = value_of(ctx.part_value(rp.ref), "resistor")
            other = ctx.other_net(rp.ref, rp.name)
            if not r or other is None:
                continue
            hi, lo = (other, far_side) if led_net == a else (far_side, other)
            vhi, src = ctx.net_voltage.get(hi), hi
            if vhi is None:
                drv = _drivers(ctx, hi)
                if drv:
                    vhi, src = ctx.pin_level(drv[0]), drv[0].key
            vlo = ctx.net_voltage.get(lo)
            if vlo is None:
                drv = _drivers(ctx, lo)
                vlo = 0.0 if drv else None   # a GPIO sinking current
            if vhi is None or vlo is None:
                continue
            return max(0.0, (vhi - vlo - kb.extra.get("vf", 2.0)) / r * 1000.0), src, rp.ref
    return None


@rule("led_current", "electrical")
def led_current(ctx: Context):
    """An LED's series resistor keeps its current within the LED's and the driving pin's limits."""
    for ref in ctx.refs_of_kind("led"):
        est = led_current_ma(ctx, ref)
        if est is None:
            continue
        ma, src, res = est
        limit = ctx.parts[ref].extra.get("max_if_ma", 20)
        if ma > limit * 1.05:
            yield finding("major", f"{ref} through {res} from {src}: about {ma:.1f} mA, above the LED's {limit:g} mA",
                          f"{ref}:+", f"{res}:1")


def _pin_limit(p: PinRef) -> float | None:
    return p.pin.max_current_ma if p.pin is not None else None


@rule("current_budget", "electrical")
def current_budget(ctx: Context):
    """Loads on a GPIO or a supply output stay within its current limit."""
    for net, pins in ctx.net_pins.items():
        loads = [p for p in pins if p.type == "power_in" and p.part.current_ma and p.part.kind != "mcu"]
        if not loads:
            continue
        loads = list({p.ref: p for p in loads}.values())
        draw = sum(p.part.current_ma for p in loads)
        for src in pins:
            limit = _pin_limit(src)
            if limit is None:
                continue
            if src.type in ("gpio", "analog") and src.part.kind == "mcu":
                if draw > limit:
                    sev = "major" if draw > 2 * limit else "minor"
                    yield finding(sev, f"{src.key} powers {', '.join(p.ref for p in loads)} (~{draw:g} mA) beyond "
                                       f"its {limit:g} mA", src.key)
            elif src.type == "power_out" and draw > limit:
                yield finding("major", f"{src.key} supplies ~{draw:g} mA to {', '.join(p.ref for p in loads)}, above "
                                       f"its {limit:g} mA", src.key)
