"""Stage 2: the canonical pinout of every requested part, from the component knowledge base (`eda.kb`).

A requested name that the identification stage could not map to a library part stops the run here
with one clear message (as in the paper: the library is the ground truth, nothing is invented).
"""
from __future__ import annotations

from eda.errors import EdaError

from .identify import Requested


class UnknownPartError(EdaError):
    """The prompt asks for a part that is not in the component library (nothing close either)."""


def retrieve(requested: list[Requested], lib) -> list:
    """The library part (`eda.kb.KbPart`) of each requested entry, in the same order.

    Raises `UnknownPartError` naming every unknown part (and the closest library parts by meaning).
    """
    missing = [r for r in requested if not r.part]
    if missing:
        hints = []
        for r in missing:
            try:
                close = [p.id for p, _ in lib.search(r.name, k=2)]
            except Exception:  # noqa: BLE001 - a hint only
                close = []
            hints.append(f"'{r.name}'" + (f" (closest: {', '.join(close)})" if close else ""))
        raise UnknownPartError(f"not in the component library ({len(lib)} parts): {'; '.join(hints)}; "
                               "ask for library parts or add the part to eda/kb/parts")
    return [lib.get(r.part) for r in requested]


def pin_table(part) -> str:
    """One line per part for an LLM prompt: unique pin names with their electrical types."""
    return ", ".join(f"{p.name}({p.type})" for p in part.pins_of_type(*_ALL_TYPES))


_ALL_TYPES = ("power_in", "power_out", "ground", "gpio", "analog", "digital", "i2c_sda", "i2c_scl",
              "uart_tx", "uart_rx", "spi", "passive", "driver_out")
