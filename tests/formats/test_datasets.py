"""GNN-ACLP dataset readers: every file reads, types normalise to the 10 classes, bad input errors."""
from __future__ import annotations

import json

import pytest

from eda.errors import NetlistError
from eda.formats.datasets import (CLASS_OF, CLASSES, dataset_files, default_root, iter_dataset,
                                  normalise_type, read_image2net, read_masala_chai,
                                  read_spicenetlist_json, sniff_image2net, sniff_masala_chai,
                                  sniff_spicenetlist_json)
from eda.formats.registry import detect, get

ROOT = default_root()
needs_data = pytest.mark.skipif(ROOT is None or not (ROOT / "netlists").is_dir(),
                                reason="dataset root not available (set EDA_DATA)")

SAMPLE = [
    {"component_type": "NMOS", "port_connection": {"Source": "0", "Gate": "in", "Drain": "out"}},
    {"component_type": "Res", "port_connection": {"Pos": "vdd", "Neg": "out"}},
    {"component_type": "Resistor", "port_connection": {"Pos": "out", "Neg": "0"}},
    {"component_type": "Current", "port_connection": {"In": "vdd", "Out": "0"}},
    {"component_type": "diode", "port_connection": {"In": "out", "Out": "0"}},
    {"component_type": "Op_amp", "port_connection": {"InP": "in", "InN": "out", "Out": "o2"}},
]


def test_normalise_type_and_classes():
    assert len(CLASSES) == 10 and set(CLASS_OF.values()) == set(CLASSES)
    assert normalise_type("Res") == ("R", None, "Resistor")
    assert normalise_type("PMOS") == ("M", "pmos", "MOSFET")
    assert normalise_type("PNP") == ("Q", "pnp", "BJT")
    assert normalise_type("Diso_amp") == ("X", "Diso_amp", "Op_amp")
    assert normalise_type("Widget")[2] == "other"


def test_spicenetlist_json_reader():
    c = read_spicenetlist_json(json.dumps(SAMPLE), "x.json")
    names = [x.name for x in c.components]
    assert names == ["M1", "R1", "R2", "I1", "D1", "X1"]
    m = c.components[0]
    assert m.pins == ("d", "g", "s") and m.nets == ["out", "in", "0"] and m.model == "nmos"
    assert m.attrs["type"] == "NMOS" and m.attrs["class"] == "MOSFET"
    assert c.components[3].connections() == [("p", "vdd"), ("n", "0")]
    assert c.components[4].connections() == [("a", "out"), ("k", "0")]
    x = c.components[5]
    assert x.kind == "X" and x.model == "Op_amp" and x.pins == ("inp", "inn", "out")


def test_image2net_python_literal_and_json():
    rec = {"ckt_type": "LDO", "ckt_netlist": SAMPLE[:2]}
    for text in (json.dumps(rec), repr(rec)):
        c = read_image2net(text, "n.txt")
        assert c.attrs["ckt_type"] == "LDO" and len(c.components) == 2
        assert sniff_image2net(text, "n.txt") >= 60


def test_sniffers():
    assert sniff_spicenetlist_json(json.dumps(SAMPLE), "a.json") >= 60
    assert sniff_spicenetlist_json('[{"type": "component"}]', "a.json") < 60
    assert sniff_image2net(json.dumps(SAMPLE), "a.json") < 60
    rec = {"messages": [{"role": "system", "content": "generate SPICE netlist"},
                        {"role": "user", "content": "an inverter"},
                        {"role": "assistant", "content": "M0 (out in VSS VSS) nmos4"}]}
    assert sniff_masala_chai(json.dumps(rec), "r.json") >= 60
    assert sniff_masala_chai('{"messages": [{"role": "user", "content": "hi"}]}', "r.json") < 60


@pytest.mark.parametrize("text,line,col", [('[{"component_type": "Res",\n  "port_connection": {', 2, 23),
                                           ("[1, 2", 1, 6)])
def test_bad_json_locates(text, line, col):
    with pytest.raises(NetlistError) as e:
        read_spicenetlist_json(text, "bad.json")
    assert (e.value.file, e.value.line, e.value.col) == ("bad.json", line, col)


@pytest.mark.parametrize("data", [{"a": 1}, [1], [{"component_type": "Res"}],
                                  [{"component_type": "Res", "port_connection": {"Pos": None}}]])
def test_bad_structure(data):
    with pytest.raises(NetlistError):
        read_spicenetlist_json(json.dumps(data), "bad.json")


def test_bad_image2net_and_masala():
    with pytest.raises(NetlistError) as e:
        read_image2net("{'ckt_type': 'LDO',\n 'ckt_netlist': [", "bad.txt")
    assert e.value.line is not None
    with pytest.raises(NetlistError):
        read_image2net("{'ckt_type': 'LDO'}", "bad.txt")
    with pytest.raises(NetlistError):
        read_masala_chai('{"messages": [{"role": "user", "content": "x"}]}', "r.json")
    with pytest.raises(NetlistError) as e:
        read_masala_chai('{"messages": [', "r.json")
    assert e.value.line == 1


def test_registered():
    assert get("spicenetlist").name == "spicenetlist-json"
    assert get("image2net").writer is None
    assert get("analoggenie").name == "masala-chai"


def _check_all(name: str, expected_min: int, want_classes=True):
    files = dataset_files(name)
    assert len(files) >= expected_min
    n = 0
    for ident, c in iter_dataset(name):
        n += 1
        comps = [x for _, x in c.all_components()]
        assert comps, ident
        for x in comps:
            assert x.attrs["class"] in CLASSES, (ident, x)
    assert n == len(files)


@needs_data
def test_every_spicenetlist_file_reads():
    _check_all("spicenetlist", 132)
    path = dataset_files("spicenetlist")[0]
    assert detect(path, path.read_text()).name == "spicenetlist-json"


@needs_data
def test_every_image2net_file_reads():
    _check_all("image2net", 294)
    kinds = {c.attrs["ckt_type"] for _, c in iter_dataset("image2net")}
    assert "LDO" in kinds and "Bandgap" in kinds


@needs_data
def test_every_masala_chai_record_reads():
    pytest.importorskip("eda.formats.spectre")
    _check_all("masala-chai", 2508)
    _, first = next(iter_dataset("masala-chai"))
    assert first.attrs["caption"] and first.format == "masala-chai"
