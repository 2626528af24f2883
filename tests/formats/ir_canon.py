"""A circuit's IR as plain tuples, so two reads of the same text compare field by field."""
from __future__ import annotations

from eda.ir import Component, Subcircuit


def canonical_ir(c) -> tuple:
    """Title, dialect, warnings and every item with every IR field (every Component slot set)."""
    def one(i):
        if isinstance(i, Component):
            assert all(hasattr(i, s) for s in Component.__slots__)   # every slot set
            return ("C", i.kind, i.name, i.pins, i.nets, type(i.nets), i.model, i.value,
                    i._params or {}, i._args or [], i._attrs or {}, i.line, i.comment)
        if isinstance(i, Subcircuit):
            return ("S", i.name, i.ports, i.params, i.line, i.attrs, [one(x) for x in i.items])
        return (type(i).__name__, vars(i))
    return c.title, c.dialect, c.warnings, [one(i) for i in c.items]
