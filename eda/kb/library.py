"""The component knowledge base: the shared CircuitLM library plus the project's electrical additions.

`load_library()` reads `<data root>/components/circuitlm_component_library.json` (73 parts: pin names,
aliases, descriptions, box sizes; MIT, see the data README) and merges `eda/kb/parts/*.json`, the
project's own data: per part a `kind` (mcu, module, led, resistor, npn, ... used by the rule checker
and the SPICE writer), supply range, logic level, 5 V tolerance, typical current, decoupling needs,
and per pin an electrical type, direction, level and current limit. Extra aliases and whole new parts
may also be added there (a part in an additions file that the shared library lacks needs `pins`).
"""
from __future__ import annotations

import json
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ConfigDict, Field

from ..errors import EdaError

LIBRARY_FILE = "components/circuitlm_component_library.json"
PARTS_DIR = Path(__file__).with_name("parts")

PIN_TYPES = ("power_in", "power_out", "ground", "gpio", "analog", "digital", "i2c_sda", "i2c_scl",
             "uart_tx", "uart_rx", "spi", "passive", "driver_out", "nc")
POWER_TYPES = ("power_in", "power_out", "ground")


class KbError(EdaError):
    """Knowledge-base problem: unknown part id, missing or malformed library file."""


class KbPin(BaseModel):
    """One pin: electrical `type` (see PIN_TYPES), `direction` (in/out/bidir/None), level in volts
    (None: follows the part's supply, or not applicable), current limit in mA, and for power inputs
    the accepted range `vmin`..`vmax`."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str = "passive"
    voltage: float | None = None
    max_current_ma: float | None = None
    direction: str | None = None
    vmin: float | None = None
    vmax: float | None = None
    function: str | None = None

    @property
    def is_power(self) -> bool:
        return self.type in POWER_TYPES

    @property
    def drives(self) -> bool:
        """True for pins that can drive a net (outputs and bidirectional pins)."""
        return self.direction in ("out", "bidir")

    @property
    def receives(self) -> bool:
        return self.direction in ("in", "bidir")


class KbPart(BaseModel):
    """A library part with its pinout and electrical data (fields of the shared library plus ours)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    category: str = ""
    description: str = ""
    typical_usage: str = ""
    pins: list[KbPin] = Field(default_factory=list, description="the library's pin list, in order; names may repeat")
    aliases: list[str] = Field(default_factory=list)
    specs: str = ""
    width: float = 100.0
    height: float = 100.0
    kind: str = "module"
    supply_voltage: float | None = None
    supply_min: float | None = None
    supply_max: float | None = None
    logic_voltage: float | None = None
    logic_follows_supply: bool = False
    five_v_tolerant: bool = True
    self_powered: bool = False
    current_ma: float = 0.0
    internal_pullups: bool = False
    decoupling: str | None = None
    decoupling_pin: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="kind-specific data: vf, hfe, inductive, ...")

    @property
    def unique_pins(self) -> list[str]:
        """Pin names in library order with duplicates folded (an Arduino's three GND are one pin)."""
        return list(dict.fromkeys(p.name for p in self.pins))

    def pin(self, name: str) -> KbPin | None:
        """The pin called `name` (exact, else case-insensitive), or None."""
        for p in self.pins:
            if p.name == name:
                return p
        low = name.lower()
        return next((p for p in self.pins if p.name.lower() == low), None)

    def pins_of_type(self, *types: str) -> list[KbPin]:
        """Unique pins whose type is one of `types`, in library order."""
        seen: set[str] = set()
        out = []
        for p in self.pins:
            if p.type in types and p.name not in seen:
                seen.add(p.name)
                out.append(p)
        return out

    @property
    def is_polarized(self) -> bool:
        """Parts whose pins are not interchangeable two-terminal ends (+/- matter)."""
        return self.kind in ("led", "diode", "rgb_led", "battery", "capacitor")

    @property
    def inductive(self) -> bool:
        return bool(self.extra.get("inductive"))

    def text(self) -> str:
        """What the embedding model reads for this part."""
        return f"{self.name} ({', '.join(self.aliases)}). {self.category}. {self.description}"


def default_data_root() -> Path | None:
    """$EDA_DATA, else ``../shared/data`` beside the repository when it exists."""
    from ..formats.datasets import default_root
    return default_root()


def _number(v: Any, default: float) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _pretty(pid: str) -> str:
    words = re.split(r"[-_ ]+", pid)
    return " ".join(w.upper() if (any(c.isdigit() for c in w) or len(w) <= 3) and w.isascii() else w.capitalize()
                    for w in words)


def _build_part(pid: str, base: dict, add: dict) -> KbPart:
    pin_data: dict[str, dict] = add.get("pins", {})
    funcs: dict[str, str] = base.get("pin_functions") or {}
    names = base.get("pins") or add.get("pin_order") or list(pin_data)
    if not names:
        raise KbError(f"part {pid!r} has no pins")
    pins = []
    for n in names:
        d = dict(pin_data.get(n, {}))
        pins.append(KbPin(name=n, function=funcs.get(n) or d.pop("function", None), **d))
    logic = add.get("logic_voltage")
    extra = {k: v for k, v in add.items() if k not in _PART_KEYS}
    return KbPart(
        id=pid, name=add.get("name") or base.get("name") or _pretty(pid),
        category=base.get("category") or add.get("category", ""),
        description=base.get("description") or add.get("description", ""),
        typical_usage=base.get("typical_usage", ""),
        pins=pins,
        aliases=list(dict.fromkeys([*base.get("aliases", []), *add.get("aliases", [])])),
        specs=base.get("specs") or add.get("specs", ""),
        width=_number(base.get("width", add.get("width")), 100.0),
        height=_number(base.get("height", add.get("height")), 100.0),
        kind=add.get("kind", "module"),
        supply_voltage=add.get("supply_voltage"), supply_min=add.get("supply_min"),
        supply_max=add.get("supply_max"),
        logic_voltage=None if logic == "supply" else logic, logic_follows_supply=logic == "supply",
        five_v_tolerant=add.get("five_v_tolerant", True), self_powered=add.get("self_powered", False),
        current_ma=add.get("current_ma") or 0.0, internal_pullups=add.get("internal_pullups", False),
        decoupling=add.get("decoupling"), decoupling_pin=add.get("decoupling_pin"), extra=extra)


_PART_KEYS = {"kind", "supply_voltage", "supply_min", "supply_max", "logic_voltage", "five_v_tolerant",
              "self_powered", "current_ma", "internal_pullups", "decoupling", "decoupling_pin", "pins",
              "aliases", "name", "category", "description", "specs", "width", "height", "pin_order"}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise KbError(f"{path}: cannot read the component library ({e.strerror or e})") from None
    except json.JSONDecodeError as e:
        raise KbError(f"{path}:{e.lineno}:{e.colno}: not valid JSON ({e.msg})") from None


class Library:
    """All parts by id, with lookup (`get`), name resolution (`resolve`) and semantic `search`."""

    def __init__(self, parts: dict[str, KbPart], alias_overrides: dict[str, str] | None = None,
                 source: str = "") -> None:
        self.parts = parts
        self.alias_overrides = alias_overrides or {}
        self.source = source

    def __len__(self) -> int:
        return len(self.parts)

    def __iter__(self) -> Iterator[KbPart]:
        return iter(self.parts.values())

    def __contains__(self, pid: object) -> bool:
        return pid in self.parts

    @property
    def ids(self) -> list[str]:
        return list(self.parts)

    def get(self, pid: str) -> KbPart:
        """The part with this id; raises KbError naming the closest ids for an unknown one."""
        try:
            return self.parts[pid]
        except KeyError:
            import difflib
            close = difflib.get_close_matches(str(pid), self.ids, n=3, cutoff=0.5)
            hint = f" (closest: {', '.join(close)})" if close else ""
            raise KbError(f"unknown part id {pid!r} in the component library{hint}") from None

    @cached_property
    def _resolver(self):
        from .resolve import Resolver
        return Resolver(self)

    def resolve(self, name: str, *, embeddings: bool = True):
        """Map a requested part name to a library part (see `eda.kb.resolve`); None when nothing is close."""
        return self._resolver.resolve(name, embeddings=embeddings)

    def search(self, text: str, k: int = 5) -> list[tuple[KbPart, float]]:
        """The `k` parts closest in meaning to `text`, best first, with cosine scores."""
        return self._resolver.search(text, k)


def load_library(data_root: Path | str | None = None, extra_dirs: list[Path] | None = None) -> Library:
    """The shared library from `data_root` (default $EDA_DATA, else ../shared/data) merged with our additions."""
    root = Path(data_root) if data_root is not None else default_data_root()
    if root is None:
        raise KbError("no data root for the component library: pass --data-root or set EDA_DATA")
    path = root / LIBRARY_FILE
    if not path.is_file():
        raise KbError(f"{path}: component library not found (is the data root {root} right?)")
    base = _read_json(path)
    if not isinstance(base, dict):
        raise KbError(f"{path}: expected an object of parts keyed by id")
    additions: dict[str, dict] = {}
    overrides: dict[str, str] = {}
    for d in [PARTS_DIR, *(extra_dirs or [])]:
        for f in sorted(Path(d).glob("*.json")):
            data = _read_json(f)
            for pid, add in data.get("parts", {}).items():
                merged = additions.setdefault(pid, {})
                for key, val in add.items():
                    if key == "aliases":
                        merged["aliases"] = [*merged.get("aliases", []), *val]
                    else:
                        merged[key] = val
            overrides.update({k.lower(): v for k, v in data.get("alias_overrides", {}).items()})
    parts: dict[str, KbPart] = {}
    for pid, rec in base.items():
        parts[pid] = _build_part(pid, rec, additions.get(pid, {}))
    for pid, add in additions.items():
        if pid not in parts:
            if "pins" not in add:
                raise KbError(f"additions: part {pid!r} is not in the shared library and lists no pins")
            parts[pid] = _build_part(pid, {}, add)
    for alias, pid in overrides.items():
        if pid not in parts:
            raise KbError(f"additions: alias {alias!r} points at unknown part {pid!r}")
    return Library(parts, overrides, source=os.fspath(path))
