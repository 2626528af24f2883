"""SPICE findings: the operating point's currents and powers against the parts' limits."""
from __future__ import annotations

from eda.errors import EdaError

from ..design import Design
from .context import Context
from .report import Finding

RESISTOR_MAX_MW = 250.0


def spice_findings(design: Design, ctx: Context) -> tuple[list[Finding], dict | None, str | None]:
    """(findings, operating-point summary, note): run ngspice at the operating point and check limits."""
    from ..spice import operating_point
    try:
        op = operating_point(design, ctx.lib)
    except EdaError as e:
        return ([Finding(rule="spice_op", severity="major", category="spice",
                         message=f"the operating point does not simulate: {e}")], None, None)
    out: list[Finding] = []
    for m in op["meters"]:
        i, lim = m["current_ma"], m["limit_ma"]
        key = f"{m['ref']}:{m['pin']}" if m["pin"] else m["ref"]
        if lim is not None and abs(i) > lim * 1.05:
            # a GPIO's limit is the recommended one (Uno 20 mA, absolute 40): up to twice it is minor
            sev = "minor" if m["what"] == "gpio" and abs(i) <= 2 * lim else "major"
            out.append(Finding(rule="spice_current", severity=sev, category="spice", pins=[key],
                               message=f"{key} ({m['what']}) carries {abs(i):.1f} mA at the operating point, "
                                       f"above its {lim:g} mA limit"))
        if m["what"] == "led" and i < -0.01:
            out.append(Finding(rule="spice_current", severity="major", category="spice", pins=[key],
                               message=f"{key}: LED reverse-biased at the operating point"))
    for r in op["resistors"]:
        kb = ctx.parts.get(r["ref"])
        if kb is not None and kb.kind == "resistor" and r["power_mw"] > RESISTOR_MAX_MW:
            out.append(Finding(rule="spice_power", severity="major", category="spice", pins=[r["ref"]],
                               message=f"{r['ref']} dissipates {r['power_mw']:.0f} mW, above a "
                                       f"{RESISTOR_MAX_MW:g} mW resistor's rating"))
    # supply pins outside their range once loads and internal resistances are counted
    for net, pins in ctx.net_pins.items():
        v = op["node_voltages"].get(net)
        nominal = ctx.net_voltage.get(net)
        if v is None or not nominal:
            continue
        for p in pins:
            if p.type != "power_in" or p.pin is None or p.pin.vmin is None:
                continue
            if v < p.pin.vmin - 0.05 and nominal >= p.pin.vmin - 0.05:   # nominal misses: supply_range's case
                out.append(Finding(rule="spice_supply", severity="major", category="spice", pins=[p.key],
                                   message=f"{p.key} gets {v:.2f} V at the operating point (the {nominal:g} V rail "
                                           f"sags under load), below its {p.pin.vmin:g} V minimum"))
    # pin voltages above what a part takes (a 5 V module output into a 3.3 V-only input, ...)
    for net, pins in ctx.net_pins.items():
        v = op["node_voltages"].get(net)
        if v is None:
            continue
        for p in pins:
            if p.pin is None or p.part.five_v_tolerant or p.type in ("power_in", "power_out", "ground", "passive"):
                continue
            lv = ctx.pin_level(p)
            if lv is not None and v > lv + 0.6:
                out.append(Finding(rule="spice_voltage", severity="major", category="spice", pins=[p.key],
                                   message=f"{p.key} sits at {v:.2f} V at the operating point, above its "
                                           f"{lv:g} V level"))
    summary = {k: op[k] for k in ("node_voltages", "skipped")}
    summary["elements"] = [{"name": m["name"], "kind": m["what"], "current_ma": m["current_ma"],
                            "power_mw": None} for m in op["meters"]]
    summary["netlist"] = op["netlist"]
    return out, summary, (f"SPICE: no analog model for {', '.join(op['skipped'])}" if op["skipped"] else None)
