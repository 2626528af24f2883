"""Rank the nets a pin most likely connects to, for one netlist and a trained model.

The pin's present connection is hidden (as in training), every net of its circuit body is
scored, and each ranked net lists the pins already on it. `dangling_pins` finds the pins alone
on their net (a single-pin net): the pins `--missing` asks about; their own net is left out of
their candidates.
"""
from __future__ import annotations

import torch

from eda.errors import EdaError
from eda.ir import Circuit

from .graph import pin_net_graph
from .train import LinkModel


def _pin_nodes(g) -> dict[str, int]:
    return {name: i for i, name in enumerate(g.names) if not bool(g.is_net[i])}


def find_pin(circuit: Circuit, g, component: str, pin: str) -> int:
    """Node index of `component`.`pin` (case-insensitive; `sub/R3` inside a subcircuit)."""
    pins = _pin_nodes(g)
    want = f"{component}.{pin}".lower()
    for name, i in pins.items():
        if name.lower() == want:
            return i
    comp_pins = [n.rsplit(".", 1)[1] for n in pins if n.rsplit(".", 1)[0].lower()
                 == component.lower()]
    if not comp_pins:
        names = sorted({n.rsplit(".", 1)[0] for n in pins})
        shown = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
        raise EdaError(f"no component '{component}' in the netlist (components: {shown})")
    raise EdaError(f"component '{component}' has no pin '{pin}' (pins: {', '.join(comp_pins)})")


def dangling_pins(g) -> list[int]:
    """Pins that are alone on their net."""
    deg = g.rowptr[1:] - g.rowptr[:-1]
    return [i for i in range(g.num_nodes)
            if not bool(g.is_net[i]) and int(deg[int(g.pin_net[i])]) == 1]


def rank_nets(model: LinkModel, g, pin: int, top: int | None = None) -> list[dict]:
    """[{net, score, pins}] for every candidate net of `pin`, best first."""
    t = int(g.pin_net[pin])
    deg = g.rowptr[1:] - g.rowptr[:-1]
    nets = torch.nonzero(g.is_net & (g.group == g.group[pin])).flatten()
    if int(deg[t]) == 1:                      # dangling: its own net is no answer
        nets = nets[nets != t]
    if nets.numel() == 0:
        raise EdaError(f"pin {g.names[pin]}: no other net in its circuit to connect to")
    n = nets.numel()
    a = torch.full((n,), pin, dtype=torch.long)
    gd = g.to(model.device)
    s = model.score(gd, a.to(model.device), nets.to(model.device), a.to(model.device),
                    torch.full((n,), t, dtype=torch.long, device=model.device))
    order = torch.argsort(s, descending=True, stable=True)
    out = []
    for j in order.tolist()[:top]:
        net = int(nets[j])
        on = [g.names[int(u)] for u in g.col[g.rowptr[net]:g.rowptr[net + 1]].tolist()
              if int(u) != pin]
        out.append({"net": g.names[net], "score": round(float(s[j]), 4), "pins": on,
                    "current": net == t})
    return out


def predict(model: LinkModel, circuit: Circuit, component: str | None = None,
            pin: str | None = None, missing: bool = False, top: int | None = 10) -> dict:
    """Rankings for one pin, or for every dangling pin with `missing` (see module doc)."""
    comps = [c for _, c in circuit.all_components()]
    if not comps or not any(c.pins for c in comps):
        raise EdaError("the netlist has no components with pins: nothing to predict")
    g = pin_net_graph(circuit, "", model.cfg.net_names, model.cfg.name_flags)
    if missing:
        pins = dangling_pins(g)
        return {"dangling": [{"pin": g.names[p], "ranking": rank_nets(model, g, p, top)}
                             for p in pins]}
    if not component or not pin:
        raise EdaError("name a pin with --component NAME --pin PIN, or use --missing")
    p = find_pin(circuit, g, component, pin)
    return {"pin": g.names[p], "current_net": g.names[int(g.pin_net[p])],
            "ranking": rank_nets(model, g, p, top)}
