"""The IR's own JSON: a lossless dump of a Circuit (every item, in order)."""
from __future__ import annotations

import json

from ..errors import NetlistError
from ..ir import Body, Circuit, Component, Model, Statement, Subcircuit
from .registry import Format, register

MAGIC = "eda-ir"
VERSION = 1


def _item_to_dict(item) -> dict:
    if isinstance(item, Component):
        d = {"type": "component", "kind": item.kind, "name": item.name, "pins": list(item.pins),
             "nets": list(item.nets)}
        for k in ("model", "value", "line", "comment"):
            v = getattr(item, k)
            if v is not None:
                d[k] = v
        for k in ("params", "args", "attrs"):
            v = getattr(item, k)
            if v:
                d[k] = v
        return d
    if isinstance(item, Subcircuit):
        return {"type": "subcircuit", "name": item.name, "ports": item.ports, "params": item.params,
                "line": item.line, "attrs": item.attrs, "items": [_item_to_dict(i) for i in item.items]}
    if isinstance(item, Model):
        return {"type": "model", "name": item.name, "model_type": item.type, "params": item.params,
                "text": item.text, "line": item.line, "dialect": item.dialect}
    if isinstance(item, Statement):
        return {"type": "statement", "kind": item.kind, "name": item.name, "text": item.text,
                "args": item.args, "params": item.params, "line": item.line, "dialect": item.dialect}
    raise TypeError(f"not an IR item: {item!r}")


def to_dict(circuit: Circuit) -> dict:
    """A JSON-ready dict of the whole circuit."""
    return {"format": MAGIC, "version": VERSION, "title": circuit.title, "ports": circuit.ports,
            "source_format": circuit.format, "dialect": circuit.dialect, "attrs": circuit.attrs,
            "items": [_item_to_dict(i) for i in circuit.items]}


def _items_from(data: list, body: Body) -> None:
    for d in data:
        t = d.get("type")
        if t == "component":
            body.items.append(Component(d["kind"], d["name"], list(d["nets"]), tuple(d["pins"]),
                                        d.get("model"), d.get("value"), dict(d.get("params", {})),
                                        list(d.get("args", [])), dict(d.get("attrs", {})),
                                        d.get("line"), d.get("comment")))
        elif t == "subcircuit":
            sub = Subcircuit(name=d["name"], ports=list(d["ports"]), params=dict(d.get("params", {})),
                             line=d.get("line"), attrs=dict(d.get("attrs", {})))
            _items_from(d.get("items", []), sub)
            body.items.append(sub)
        elif t == "model":
            body.items.append(Model(d["name"], d["model_type"], dict(d.get("params", {})),
                                    d.get("text", ""), d.get("line"), d.get("dialect", "spice")))
        elif t == "statement":
            body.items.append(Statement(d["kind"], d["text"], d.get("name", ""), list(d.get("args", [])),
                                        dict(d.get("params", {})), d.get("line"),
                                        d.get("dialect", "spice")))
        else:
            raise ValueError(f"unknown item type {t!r}")


def from_dict(data: dict) -> Circuit:
    """Inverse of `to_dict`."""
    c = Circuit(title=data.get("title"), ports=list(data.get("ports", [])),
                dialect=data.get("dialect"), attrs=dict(data.get("attrs", {})))
    _items_from(data.get("items", []), c)
    c.attrs.setdefault("source_format", data.get("source_format"))
    return c


def read_irjson(text: str, path: str) -> Circuit:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise NetlistError(f"invalid JSON: {e.msg}", path, e.lineno, e.colno) from None
    if not isinstance(data, dict) or data.get("format") != MAGIC:
        raise NetlistError(f"not an eda IR JSON document (no \"format\": \"{MAGIC}\")", path, 1, 1)
    try:
        c = from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise NetlistError(f"malformed IR JSON: {e}", path, 1, 1) from None
    c.format = "json"
    return c


def write_irjson(circuit: Circuit) -> str:
    return json.dumps(to_dict(circuit), indent=1) + "\n"


def _sniff(head: str, path: str) -> int:
    return 95 if f'"format": "{MAGIC}"' in head[:200] else 0


register(Format("json", (".json",), read_irjson, write_irjson, _sniff,
                "the IR's own lossless JSON", drops="nothing", aliases=("ir", "ir-json")))
