"""Circuit JSON: every element valid under the shared tscircuit schema; ids consistent; round trip."""
from __future__ import annotations

import json
import random
from pathlib import Path

import jsonschema
import pytest

from agents.circuitlm.circuitjson import from_circuit_json, schema_validator, to_circuit_json
from agents.circuitlm.layout import place
from eda.formats.circuitjson import read_circuitjson
from eda.kb import default_data_root, load_library

from .test_layout import DESIGNS, random_design

REQUIRED = {"source_component", "source_port", "source_net", "source_trace", "schematic_component",
            "schematic_port", "schematic_trace", "schematic_net_label"}


@pytest.fixture(scope="module")
def lib():
    return load_library()


@pytest.fixture(scope="module")
def full_validator():
    """The schema exactly as its README says to use it (slow: the whole anyOf per element)."""
    root = default_data_root()
    schema = json.loads((Path(root) / "components/circuit-json/circuit_element.schema.json").read_text())
    return jsonschema.Draft7Validator({"$ref": "#/definitions/AnyCircuitElement",
                                       "definitions": schema["definitions"]})


@pytest.fixture(scope="module")
def validator():
    return schema_validator()


def check(elements, validator):
    assert isinstance(elements, list) and elements
    for el in elements:
        errs = validator(el)
        assert not errs, (el, errs[0])
    ids = {}
    for el in elements:
        t = el["type"]
        if f"{t}_id" in el:
            key = el[f"{t}_id"]
            assert key not in ids, f"duplicate id {key}"
            ids[key] = el
    for el in elements:
        for f in ("source_component_id", "source_port_id", "source_net_id", "source_trace_id",
                  "schematic_component_id"):
            if f in el and el["type"] != f[:-3]:
                assert el[f] in ids, (el["type"], f, el[f])
        for e in el.get("edges", []):
            for f in ("from_schematic_port_id", "to_schematic_port_id"):
                if f in e:
                    assert e[f] in ids
    return {el["type"] for el in elements}


BROKEN = [{"type": "schematic_trace", "edges": []},
          {"type": "source_component", "ftype": "simple_resistor", "source_component_id": "a", "name": "R1"},
          {"type": "schematic_port", "schematic_port_id": "p", "source_port_id": "s",
           "center": {"x": 0, "y": 0}, "facing_direction": "sideways"},
          {"type": "no_such_element"}]


def test_fast_validator_agrees_with_the_whole_schema(lib, validator, full_validator):
    """The per-type check gives the README's anyOf verdict: on broken elements and on one
    element of each kind we write."""
    for el in BROKEN:
        assert validator(el) and not full_validator.is_valid(el)
    d = DESIGNS["blink"]
    els = to_circuit_json(d, lib, place(d, lib))
    one_each = {}
    for el in els:
        one_each.setdefault((el["type"], el.get("ftype")), el)
    for el in one_each.values():
        assert not validator(el) and full_validator.is_valid(el), el


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_reference_designs_valid_and_complete(lib, validator, name):
    d = DESIGNS[name]
    lay = place(d, lib)
    els = to_circuit_json(d, lib, lay)
    assert check(els, validator) >= REQUIRED
    # one schematic_port per source_port, one schematic_trace per routed wire
    assert sum(e["type"] == "source_port" for e in els) == sum(e["type"] == "schematic_port" for e in els)
    assert sum(e["type"] == "schematic_trace" for e in els) == len(lay.traces)
    assert sum(e["type"] == "schematic_net_label" for e in els) == len(lay.labels)
    # a resistor keeps its value, an LED is an LED, a module a chip with its library id
    comps = {e["name"]: e for e in els if e["type"] == "source_component"}
    assert comps["U1"]["ftype"] == "simple_chip" and comps["U1"]["manufacturer_part_number"] == d.parts[0].part
    if "R1" in comps:
        assert comps["R1"]["ftype"] == "simple_resistor" and comps["R1"]["resistance"] > 0
        sc = next(e for e in els if e["type"] == "schematic_component"
                  and e["source_component_id"] == comps["R1"]["source_component_id"])
        # tscircuit's schematic-symbols name, with the orientation the layout chose
        assert sc["symbol_name"].split("_")[0] == "boxresistor"
        assert sc["symbol_name"].split("_")[-1] in ("right", "left", "up", "down")
        assert sc["symbol_name"].endswith(lay.parts["R1"].symbol.direction())
    box = next(e for e in els if e["type"] == "schematic_component"
               and e["source_component_id"] == comps["U1"]["source_component_id"])
    assert "symbol_name" not in box       # modules are boxes with labelled pins
    labels = [e for e in els if e["type"] == "schematic_port" and e["schematic_component_id"]
              == box["schematic_component_id"]]
    wired = {p.split(":", 1)[1] for n in d.nets for p in n.pins if p.startswith("U1:")}
    # ports for the wired pins only (keeps the file small); every pin's name is in port_labels
    assert {e["display_pin_label"] for e in labels} == wired and all(e["is_connected"] for e in labels)
    assert list(box["port_labels"].values()) == list(lay.parts["U1"].symbol.pins)


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_round_trip(lib, name):
    d = DESIGNS[name]
    els = to_circuit_json(d, lib, place(d, lib))
    back = from_circuit_json(els)
    assert [(p.ref, p.part, p.value) for p in back.parts] == [(p.ref, p.part, p.value) for p in d.parts]
    assert sorted((n.name, sorted(n.pins)) for n in back.nets) == \
        sorted((n.name, sorted(n.pins)) for n in d.nets)
    assert back.title == d.title
    # the project's own Circuit JSON reader sees the same connectivity
    c = read_circuitjson(json.dumps(els))
    by_net = {}
    for comp in c.components:
        for pin, net in zip(comp.pins, comp.nets):
            by_net.setdefault(net, set()).add(f"{comp.name}:{pin}")
    for n in d.nets:
        assert by_net[n.name] == set(n.pins)


def test_random_designs_valid(lib, validator):
    rng = random.Random(11)
    for i in range(3):
        d = random_design(lib, rng, rng.randint(2, 7))
        els = to_circuit_json(d, lib, place(d, lib, seed=i))
        check(els, validator)
        back = from_circuit_json(els)
        assert sorted((n.name, sorted(n.pins)) for n in back.nets) == \
            sorted((n.name, sorted(n.pins)) for n in d.nets)
