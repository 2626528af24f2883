"""Readers for the GNN-ACLP dataset formats (read-only).

``spicenetlist-json``
    SpiceNetlist (GNN-ACLP, Pan et al., Eng. Appl. AI 2026, arXiv 2504.10240), public source
    github.com/guanyuanpeterpan/GNN_ACLP (`SpiceNetlist.zip`, GPL-3.0): a JSON list of
    ``{"component_type": str, "port_connection": {port: net}}``.
``image2net``
    Image2Net netlists, github.com/24Hoursss/Image2Net folder `net/` (MIT): the same component
    schema inside ``{"ckt_type": str, "ckt_netlist": [...]}``, written either as JSON or as a
    Python dict literal (pprint output). ``ckt_type`` is kept in ``circuit.attrs["ckt_type"]``.
``masala-chai``
    github.com/jitendra-bhandari/Masala-CHAI `analoggenie.jsonl` split one record per file (no
    license upstream: internal research only): ``{"messages": [system, user, assistant]}``; the
    assistant turn is an AnalogGenie/Spectre-like netlist read by the Spectre reader, the user
    turn (the caption) is kept in ``circuit.attrs["caption"]``; each component gets
    ``attrs["class"]`` from its kind (`CLASS_OF_KIND`, instances -> ``IC``). Line numbers in its errors count
    lines of the netlist text inside the record.

Component types are normalised to the paper's 10 classes (`CLASSES`, `CLASS_OF`) and to IR kinds:
Res/Resistor->R, Cap/Capacitor->C, Ind/Inductor->L, Voltage->V, Current->I, NMOS/PMOS/MOSFET->M
(model ``nmos``/``pmos``/``mosfet``), NPN/PNP->Q (model ``npn``/``pnp``), Diode/diode->D, and
IC/Op_amp/Diso_amp/Dido_amp/Siso_amp->X (model = the original type). The original type is kept in
``component.attrs["type"]`` and the class in ``component.attrs["class"]``. Port names become
canonical pins (`PORT_PIN`, plus In/Out of a current source -> p/n and of a diode -> a/k;
anything else lowercased); pins are ordered canonically (d g s b, c b e, p n ...).
Components are named by kind letter and a per-letter counter in file order: R1, R2, M1, ...
"""
from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from typing import Iterator

from ..errors import NetlistError
from ..ir import PIN_NAMES, Circuit, Component
from .registry import Format, register

#: The 10 component classes of the GNN-ACLP datasets (after merging spelling variants).
CLASSES: tuple[str, ...] = ("Resistor", "Capacitor", "Inductor", "Voltage", "Current", "MOSFET",
                            "BJT", "Diode", "IC", "Op_amp")

#: Raw component type (lowercased) -> class in `CLASSES`.
CLASS_OF: dict[str, str] = {
    "res": "Resistor", "resistor": "Resistor",
    "cap": "Capacitor", "capacitor": "Capacitor",
    "ind": "Inductor", "inductor": "Inductor",
    "voltage": "Voltage", "current": "Current",
    "nmos": "MOSFET", "pmos": "MOSFET", "mosfet": "MOSFET",
    "npn": "BJT", "pnp": "BJT",
    "diode": "Diode",
    "ic": "IC",
    "op_amp": "Op_amp", "diso_amp": "Op_amp", "dido_amp": "Op_amp", "siso_amp": "Op_amp",
}

#: Class -> IR kind letter.
KIND_OF_CLASS: dict[str, str] = {"Resistor": "R", "Capacitor": "C", "Inductor": "L",
                                 "Voltage": "V", "Current": "I", "MOSFET": "M", "BJT": "Q",
                                 "Diode": "D", "IC": "X", "Op_amp": "X"}

#: IR kind letter -> class, for circuits read from other formats (Masala-CHAI netlists).
CLASS_OF_KIND: dict[str, str] = {"R": "Resistor", "C": "Capacitor", "L": "Inductor",
                                 "V": "Voltage", "I": "Current", "M": "MOSFET", "Q": "BJT",
                                 "D": "Diode", "X": "IC"}

#: Port name (lowercased) -> canonical pin, for every kind.
PORT_PIN: dict[str, str] = {
    "pos": "p", "positive": "p", "plus": "p", "neg": "n", "negative": "n", "minus": "n",
    "drain": "d", "gate": "g", "source": "s", "body": "b", "bulk": "b",
    "collector": "c", "base": "b", "emitter": "e", "anode": "a", "cathode": "k",
}
#: Per-kind overrides: current flows into In and out of Out.
_PORT_PIN_KIND: dict[str, dict[str, str]] = {"I": {"in": "p", "out": "n"},
                                             "D": {"in": "a", "out": "k"}}


def normalise_type(component_type: str) -> tuple[str, str | None, str]:
    """(IR kind letter, model or None, class) of a raw dataset component type.

    Unknown types become instances (``X``) with the type as model and class ``"other"``.
    """
    t = str(component_type).strip()
    low = t.lower()
    cls = CLASS_OF.get(low)
    if cls is None:
        return "X", t, "other"
    kind = KIND_OF_CLASS[cls]
    if kind in ("M", "Q"):
        return kind, low, cls
    if kind == "X":
        return kind, t, cls
    return kind, None, cls


def canonical_pin(kind: str, port: str) -> str:
    """Canonical pin name of a dataset port name on a component of `kind`."""
    low = str(port).strip().lower()
    return _PORT_PIN_KIND.get(kind, {}).get(low) or PORT_PIN.get(low) or low


def _where(path: str, what: str) -> NetlistError:
    return NetlistError(what, path)


def components_from_records(records, path: str, circuit: Circuit, where: str = "") -> Circuit:
    """Append the components of a list of ``{"component_type", "port_connection"}`` records."""
    if not isinstance(records, list):
        raise _where(path, f"{where}expected a list of components, got {type(records).__name__}")
    counters: dict[str, int] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or "component_type" not in rec:
            raise _where(path, f"{where}component #{i + 1}: expected an object with "
                               f"'component_type' and 'port_connection'")
        conns = rec.get("port_connection")
        if not isinstance(conns, dict):
            raise _where(path, f"{where}component #{i + 1}: 'port_connection' must be an object "
                               f"{{port: net}}")
        raw = str(rec["component_type"])
        kind, model, cls = normalise_type(raw)
        order = {p: j for j, p in enumerate(PIN_NAMES.get(kind, ()))}
        pairs = []
        for j, (port, net) in enumerate(conns.items()):
            if net is None or isinstance(net, (list, dict)):
                raise _where(path, f"{where}component #{i + 1} ({raw}): port '{port}' has no "
                                   f"net name")
            pin = canonical_pin(kind, port)
            pairs.append((order.get(pin, len(order) + j), pin, str(net)))
        pairs.sort(key=lambda t: t[0])
        counters[kind] = n = counters.get(kind, 0) + 1
        circuit.items.append(Component(
            kind, f"{kind}{n}", [p[2] for p in pairs], tuple(p[1] for p in pairs), model=model,
            attrs={"type": raw, "class": cls, "ports": list(conns)}))
    return circuit


def _json_loads(text: str, path: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise NetlistError(f"bad JSON: {e.msg}", path, e.lineno, e.colno) from None


# --- SpiceNetlist JSON ----------------------------------------------------------------------------

def read_spicenetlist_json(text: str, path: str = "") -> Circuit:
    """A SpiceNetlist `JSON/<id>.json` file as a Circuit."""
    data = _json_loads(text, path)
    c = Circuit(format="spicenetlist-json", dialect="gnn-aclp")
    return components_from_records(data, path, c)


def sniff_spicenetlist_json(head: str, path: str) -> int:
    h = head.lstrip()
    if h.startswith("[") and '"component_type"' in h:
        return 90 if '"port_connection"' in h else 70
    return 0


# --- Image2Net -----------------------------------------------------------------------------------

def read_image2net(text: str, path: str = "") -> Circuit:
    """An Image2Net `net/*.txt` file (JSON or Python dict literal) as a Circuit."""
    stripped = text.lstrip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as je:
        try:
            data = ast.literal_eval(stripped)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as pe:
            if stripped.startswith('{"') or stripped.startswith("[") and '"' in stripped[:3]:
                raise NetlistError(f"bad JSON: {je.msg}", path, je.lineno, je.colno) from None
            line = getattr(pe, "lineno", None)
            col = getattr(pe, "offset", None)
            if line is not None:
                line += text.count("\n", 0, len(text) - len(stripped))
            msg = getattr(pe, "msg", None) or str(pe)
            raise NetlistError(f"neither JSON nor a Python dict literal: {msg}", path, line,
                               col) from None
    if not isinstance(data, dict) or "ckt_netlist" not in data:
        raise NetlistError("expected an object with 'ckt_type' and 'ckt_netlist'", path)
    c = Circuit(format="image2net", dialect="gnn-aclp")
    if data.get("ckt_type") is not None:
        c.attrs["ckt_type"] = str(data["ckt_type"])
        c.title = str(data["ckt_type"])
    return components_from_records(data["ckt_netlist"], path, c, "ckt_netlist: ")


def sniff_image2net(head: str, path: str) -> int:
    h = head.lstrip()
    if h.startswith("{") and re.search(r"""["']ckt_netlist["']""", h):
        return 90 if "component_type" in h else 70
    return 0


# --- Masala-CHAI / AnalogGenie records ---------------------------------------------------------

def read_masala_chai(text: str, path: str = "") -> Circuit:
    """A `records/NNNN.json` chat record: the assistant netlist, caption in attrs['caption']."""
    data = _json_loads(text, path)
    msgs = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(msgs, list):
        raise NetlistError("expected an object with a 'messages' list", path)
    netlist = caption = system = None
    for m in msgs:
        if not isinstance(m, dict):
            continue
        role, content = m.get("role"), m.get("content")
        if role == "assistant" and netlist is None:
            netlist = content
        elif role == "user" and caption is None:
            caption = content
        elif role == "system" and system is None:
            system = content
    if not isinstance(netlist, str):
        raise NetlistError("no assistant message holding a netlist", path)
    from .spectre import read_spectre_text  # lazy: another module, loaded on first use
    c = read_spectre_text(netlist, path)
    c.format = "masala-chai"
    for _, comp in c.all_components():
        comp.attrs.setdefault("class", CLASS_OF_KIND.get(comp.kind, "other"))
    if caption is not None:
        c.attrs["caption"] = caption
    if system is not None:
        c.attrs["system_prompt"] = system
    return c


def sniff_masala_chai(head: str, path: str) -> int:
    h = head.lstrip()
    if h.startswith("{") and '"messages"' in h and '"role"' in h:
        return 65 if ("netlist" in h.lower() and '"assistant"' in h) else 30
    return 0


register(Format("spicenetlist-json", (), read_spicenetlist_json, None, sniff_spicenetlist_json,
                "SpiceNetlist JSON (GNN-ACLP): list of component_type/port_connection records",
                drops="values, models and analyses (read-only)", aliases=("spicenetlist",)))
register(Format("image2net", (), read_image2net, None, sniff_image2net,
                "Image2Net netlist dict (ckt_type, ckt_netlist), JSON or Python literal",
                drops="values and models (read-only)"))
register(Format("masala-chai", (), read_masala_chai, None, sniff_masala_chai,
                "Masala-CHAI/AnalogGenie chat record: caption + Spectre-like netlist",
                drops="read-only", aliases=("masala-chai-analoggenie", "analoggenie")))


# --- datasets -------------------------------------------------------------------------------------

DATASETS: dict[str, tuple[str, str, object]] = {
    # name: (folder under root, glob, reader)
    "spicenetlist": ("netlists/spicenetlist/JSON", "*.json", read_spicenetlist_json),
    "image2net": ("netlists/image2net/net", "*", read_image2net),
    "masala-chai": ("netlists/masala-chai-analoggenie/records", "*.json", read_masala_chai),
}


def default_root() -> Path | None:
    """$EDA_DATA, else `../shared/data` beside the repository root when it exists."""
    env = os.environ.get("EDA_DATA")
    if env:
        return Path(env)
    cand = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return cand if cand.is_dir() else None


def _natural(p: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]


def dataset_files(name: str, root: str | Path | None = None) -> list[Path]:
    """The files of a dataset in natural order (see `iter_dataset`)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    root = Path(root) if root is not None else default_root()
    if root is None:
        raise FileNotFoundError("no dataset root: pass root= or set EDA_DATA")
    folder, pattern, _ = DATASETS[name]
    d = root / folder
    if not d.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {d}")
    return sorted((p for p in d.glob(pattern) if p.is_file() and not p.name.startswith(".")),
                  key=_natural)


def iter_dataset(name: str, root: str | Path | None = None) -> Iterator[tuple[str, Circuit]]:
    """(id, Circuit) for every circuit of a GNN-ACLP dataset, in natural file order.

    `name`: ``spicenetlist`` (root/netlists/spicenetlist/JSON/*.json; public source
    github.com/guanyuanpeterpan/GNN_ACLP, SpiceNetlist.zip), ``image2net``
    (root/netlists/image2net/net/*; github.com/24Hoursss/Image2Net, folder net/) or
    ``masala-chai`` (root/netlists/masala-chai-analoggenie/records/*.json;
    github.com/jitendra-bhandari/Masala-CHAI, analoggenie.jsonl, one record per file).
    `root` defaults to $EDA_DATA, else ../shared/data relative to the repository root.
    The id is the file name without extension.
    """
    from .registry import read_text
    reader = DATASETS[name][2] if name in DATASETS else None
    for p in dataset_files(name, root):
        c = reader(read_text(p), str(p))  # type: ignore[misc]
        c.source = str(p)
        yield p.stem, c
