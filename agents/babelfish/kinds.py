"""Record kinds, their pins, and the JSON schema the LLM answers one line with.

A record is the flat JSON object an LLM gives for one netlist line: `kind` (an IR kind letter,
or `none` for a line that is no component), `name`, one field per pin holding its net (R: p n,
M: d g s b ...; an X instance lists `nets` in port order), `value` and `model`. K (coupling)
names two inductors in `l1`, `l2`; F, H and W name their controlling source in `control`.
"""
from __future__ import annotations

from eda.ir import KIND_NAMES

#: kind -> (required pins, optional pins), in the IR's canonical pin order
KIND_PINS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "R": (("p", "n"), ()), "C": (("p", "n"), ()), "L": (("p", "n"), ()),
    "V": (("p", "n"), ()), "I": (("p", "n"), ()), "B": (("p", "n"), ()),
    "D": (("a", "k"), ()), "Q": (("c", "b", "e"), ("s",)), "M": (("d", "g", "s", "b"), ()),
    "J": (("d", "g", "s"), ()), "E": (("p", "n", "cp", "cn"), ()), "G": (("p", "n", "cp", "cn"), ()),
    "F": (("p", "n"), ()), "H": (("p", "n"), ()), "S": (("p", "n", "cp", "cn"), ()),
    "W": (("p", "n"), ()), "T": (("p1", "n1", "p2", "n2"), ()),
}
CONTROLLED = ("F", "H", "W")              # name a controlling voltage source in `control`
LIST_KINDS = ("X",)                       # nets as a list in port order
KINDS: tuple[str, ...] = tuple(KIND_PINS) + ("X", "K")
NONE = "none"


def kind_help() -> str:
    """One line per kind: letter, meaning and pins, for prompts and error feedback."""
    out = []
    for k in KINDS:
        if k in KIND_PINS:
            req, opt = KIND_PINS[k]
            pins = " ".join(req) + (" [" + " ".join(opt) + "]" if opt else "")
            extra = " control" if k in CONTROLLED else ""
            out.append(f"{k} {KIND_NAMES[k]}: {pins}{extra}")
        elif k == "X":
            out.append("X subcircuit instance: nets (list, port order), model = subcircuit name")
        elif k == "K":
            out.append("K coupling: l1 l2 (inductor names), value = coupling factor")
    out.append("none: the line is no component (title, directive, analysis, model card)")
    return "\n".join(out)


def _enum(values: list[str]) -> dict:
    return {"type": "string", "enum": list(dict.fromkeys(values))}


def record_schema(kind: str, names: list[str], nets: list[str], values: list[str],
                  models: list[str]) -> dict:
    """The answer schema for one kind, with every string field an enum of the line's candidates."""
    props: dict = {"kind": {"type": "string", "const": kind}}
    if kind == NONE:
        return {"type": "object", "properties": props, "required": ["kind"], "additionalProperties": False}
    props["name"] = _enum(names + [""])             # "": the line names no component (JSON records)
    required = ["kind", "name"]
    if kind in KIND_PINS:
        req, opt = KIND_PINS[kind]
        for p in req + opt:
            props[p] = _enum(nets)
        required += list(req)
        if kind in CONTROLLED:
            props["control"] = _enum(names)
            required.append("control")
    elif kind == "X":
        props["nets"] = {"type": "array", "items": _enum(nets), "minItems": 1, "maxItems": max(1, len(nets))}
        required.append("nets")
    elif kind == "K":
        props["l1"], props["l2"] = _enum(names), _enum(names)
        required += ["l1", "l2"]
    props["value"] = _enum([""] + values)
    props["model"] = _enum([""] + models)
    required += ["value", "model"]
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def answer_schema(names: list[str], nets: list[str], values: list[str], models: list[str],
                  kinds: tuple[str, ...] = KINDS) -> dict:
    """One record for one line: any kind (or `none`), fields limited to the line's tokens."""
    alts = [record_schema(k, names, nets, values, models) for k in kinds] + [record_schema(NONE, [], [], [], [])]
    return {"anyOf": alts}
