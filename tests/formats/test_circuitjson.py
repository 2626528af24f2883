"""tscircuit Circuit JSON: corpus reads, lossless same-format writes, writes from any IR, errors."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import read, write_text
from eda.formats.circuitjson import read_circuitjson, write_circuitjson
from eda.formats.registry import detect
from eda.ir import Circuit, Component, Subcircuit

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
CORPUS = DATA / "netlists" / "real" / "tscircuit-circuit-json"
SCHEMA = DATA / "components" / "circuit-json" / "circuit_element.schema.json"
EXAMPLE = DATA / "components" / "circuit-json" / "minimal_led_resistor.circuit.json"
needs_data = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def files() -> list[Path]:
    out = sorted(CORPUS.rglob("*.json")) if CORPUS.is_dir() else []
    return out + ([EXAMPLE] if EXAMPLE.is_file() else [])


def view(c) -> list:
    return [(x.kind, x.name, x.model, x.value, tuple(zip(x.pins, x.nets))) for x in c.components]


def nets(c) -> dict:
    return {n: sorted((comp.name, pin) for comp, pin in m) for n, m in c.nets().items()}


@needs_data
def test_corpus_reads_and_round_trips_losslessly() -> None:
    fs = files()
    assert len(fs) >= 10
    for f in fs:
        c = read(f)
        assert c.format == "circuitjson", f
        assert c.components, f
        text = write_circuitjson(c)
        back = read_circuitjson(text, "rt.json")
        assert view(back) == view(c), f
        assert nets(back) == nets(c), f
        assert json.loads(text) == json.loads(f.read_text()), f  # same document, same order


@needs_data
def test_boost_converter_kinds_pins_and_nets() -> None:
    c = read(CORPUS / "examples" / "assets" / "Boost-converter-circuit.json")
    by = {x.name: x for x in c.components}
    assert {n: x.kind for n, x in by.items()} == {"V1": "V", "L1": "L", "D1": "D", "C1": "C",
                                                   "R1": "R", "V2": "V", "M1": "M"}
    assert by["R1"].value == "1000" and by["C1"].value_si == pytest.approx(1e-5)
    assert by["M1"].model == "nmos"
    # SPICE order drain, gate, source from the port hints; GND from the source_net
    assert by["M1"].nets == ["net2", "net4", "GND"]
    assert by["V1"].nets[1] == "GND" and by["R1"].nets[1] == "GND"
    assert any(o.get("type", "").startswith("pcb_") for o in c.attrs["circuitjson_other"])


def _sample() -> Circuit:
    c = Circuit(title="t")
    c.items += [
        Component("V", "V1", ["in", "0"], value="5"),
        Component("R", "R1", ["in", "mid"], value="1k"),
        Component("C", "C1", ["mid", "0"], value="10u"),
        Component("D", "D1", ["mid", "out"], model="1N4148"),
        Component("Q", "Q1", ["out", "mid", "0"], model="2N2222"),
        Component("M", "M1", ["out", "in", "0", "0"], model="nch"),
        Component("R", "R2", ["out", "0"], value="{rval}"),
        Component("X", "X1", ["in", "out"], model="amp"),
        Component("cell", "U1", ["out", "in"], ("Y", "A"), model="INV"),
    ]
    sub = Subcircuit(name="amp", ports=["a", "b"])
    sub.items.append(Component("R", "R9", ["a", "b"], value="2k"))
    c.items.append(sub)
    return c


def test_write_from_any_ir_reads_back() -> None:
    c = _sample()
    text, dropped = write_text(c, "circuitjson")
    back = read_circuitjson(text, "x.json")
    got = {x.name: x for x in back.components}
    for x in c.components:
        y = got[x.name]
        assert y.nets == x.nets and y.pins == x.pins, x.name
        if x.kind in "RCLDVQM" and (x.kind != "R" or x.value_si is not None):
            assert (y.kind, y.model) == (x.kind, x.model), x.name
        else:
            assert y.kind == "part"
    assert got["R1"].value_si == pytest.approx(1000)
    assert got["amp/R9"].nets == ["amp/a", "amp/b"]
    assert any("hierarchy" in d for d in dropped) and any("X1" in d for d in dropped)
    # a second write of what was read is stable
    assert view(read_circuitjson(write_circuitjson(back))) == view(back)


@pytest.mark.skipif(not SCHEMA.is_file(), reason="no Circuit JSON schema")
def test_written_json_validates_against_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    for o in json.loads(write_circuitjson(_sample())):
        errs = list(validator.iter_errors(o))
        assert not errs, (o, [e.message for e in errs][:2])


@needs_data
def test_sniffing_picks_circuitjson_and_keeps_yosys() -> None:
    f = CORPUS / "unit" / "assets" / "single-resistor-circuit.json"
    assert detect(f, f.read_text()).name == "circuitjson"
    y = DATA / "netlists" / "real" / "netlistsvg-yosys-json" / "digital" / "mux4.json"
    if y.is_file():
        assert detect(y, y.read_text()).name == "yosys-json"


@pytest.mark.parametrize("text,line", [
    ('[\n  {"type": "source_component",\n  "name": }\n]', 3),
    ('{"type": "source_component"}', 1),
    ('[\n {"type": "source_port", "source_port_id": "p"},\n 3\n]', 2),
    ('[\n {"type": "pcb_board"},\n {"type": "source_trace", "source_trace_id": "t",'
     ' "connected_source_port_ids": 5}\n]', 3),
])
def test_bad_input_is_located(text: str, line: int) -> None:
    with pytest.raises(NetlistError) as e:
        read_circuitjson(text, "bad.json")
    assert e.value.line == line and e.value.col is not None and e.value.file == "bad.json"


TOKENS = ['[', ']', '{', '}', ',', ':', '"type"', '"source_component"', '"source_port"',
          '"source_trace"', '"source_net"', '"name"', '"R1"', '"source_component_id"',
          '"source_port_id"', '"connected_source_port_ids"', '"connected_source_net_ids"',
          '"ftype"', '"simple_resistor"', '"pin_number"', '1', 'null', 'true', '"s0"', '"p0"']


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.text(max_size=60)))
def test_fuzz_raises_only_netlist_error(text: str) -> None:
    try:
        read_circuitjson(text, "f.json")
    except NetlistError:
        pass


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(7)
    for f in files()[:6]:
        lines = f.read_text().splitlines()
        for _ in range(15):
            ls = list(lines)
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(ls))
                op = rng.randrange(4)
                if op == 0:
                    del ls[i]
                elif op == 1:
                    ls.insert(i, ls[rng.randrange(len(ls))])
                elif op == 2:
                    ls[i] = ls[i][: rng.randrange(len(ls[i]) + 1)]
                else:
                    j = rng.randrange(len(ls))
                    ls[i], ls[j] = ls[j], ls[i]
            try:
                read_circuitjson("\n".join(ls), "m.json")
            except NetlistError:
                pass
