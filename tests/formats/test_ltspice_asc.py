"""LTspice `.asc` schematics: geometry to nets, symbols to components, directives kept."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import get
from eda.formats.ltspice_asc import _decode, read_ltspice_asc, sniff_ltspice_asc, transform
from eda.formats.registry import detect
from eda.formats.spice import read_spice

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
LT = DATA / "netlists" / "real" / "spicelib-ltspice"
needs_data = pytest.mark.skipif(not LT.is_dir(), reason="LTspice corpus not present")


def _partition(circuit) -> list:
    """Nets as sorted sets of (component, pin index), names normalised as LTspice writes them."""
    nets: dict[str, set] = {}
    for c in circuit.components:
        name = c.name.replace("§", "").upper()
        if c.kind == "X" and name.startswith("XX"):
            name = name[1:]
        for i, net in enumerate(c.nets):
            nets.setdefault(net, set()).add((name, i))
    return sorted(sorted(v) for v in nets.values())


RC = """Version 4
SHEET 1 880 680
WIRE 160 112 80 112
WIRE 304 112 240 112
WIRE 80 160 80 112
WIRE 304 160 304 112
WIRE 80 272 80 240
WIRE 304 272 304 224
WIRE 304 272 80 272
WIRE 80 288 80 272
FLAG 80 288 0
FLAG 80 112 in
FLAG 304 112 out
IOPIN 304 112 Out
SYMBOL voltage 80 144 R0
SYMATTR InstName Vin
SYMATTR Value 0
SYMATTR Value2 AC 1 0
SYMBOL res 144 128 R270
SYMATTR InstName R1
SYMATTR Value 100
SYMBOL cap 288 160 R0
SYMATTR InstName C1
SYMATTR Value 10u
TEXT -16 344 Left 2 !.ac dec 10 1 100k
TEXT -16 380 Left 2 ;a comment
"""


def test_rc_lowpass() -> None:
    c = read_ltspice_asc(RC, "rc.asc")
    by = {x.name: x for x in c.components}
    assert by["R1"].kind == "R" and by["R1"].nets == ["in", "out"] and by["R1"].value == "100"
    assert by["C1"].kind == "C" and by["C1"].nets == ["out", "0"] and by["C1"].value == "10u"
    assert by["Vin"].kind == "V" and by["Vin"].nets == ["in", "0"]
    assert by["Vin"].args == ["0", "AC", "1", "0"]
    assert c.ports == ["out"]
    dirs = [s for s in c.statements if s.kind == "directive"]
    assert [s.name for s in dirs] == [".ac"]
    assert any(s.kind == "comment" and "a comment" in s.text for s in c.statements)
    assert c.format == "ltspice-asc" and not c.warnings


def test_sniff_and_registry() -> None:
    assert sniff_ltspice_asc("Version 4\nSHEET 1 1 1\n", "x.asc") == 90
    assert sniff_ltspice_asc("* spice\nR1 a b 1\n", "x.asc") == 0
    assert detect("x.asc", RC).name == "ltspice-asc"
    assert get("ltspice-asc").writer is None


def test_rotations() -> None:
    assert transform(16, 16, "R0") == (16, 16)
    assert transform(16, 16, "R90") == (-16, 16)
    assert transform(16, 96, "R180") == (-16, -96)
    assert transform(16, 96, "R270") == (96, -16)
    assert transform(16, 16, "M0") == (-16, 16)
    assert transform(16, 16, "M90") == (-16, -16)


def test_t_junction_and_unnamed_nets() -> None:
    # Two resistors hang off the middle of one wire (T-junctions); nothing is labelled there.
    text = """Version 4
SHEET 1 880 680
WIRE 0 0 400 0
WIRE 16 16 16 0
WIRE 208 16 208 0
FLAG 16 96 0
FLAG 208 96 0
SYMBOL res 0 0 R0
SYMATTR InstName R1
SYMATTR Value 1k
SYMBOL res 192 0 R0
SYMATTR InstName R2
SYMATTR Value 2k
SYMBOL res 500 0 R0
SYMATTR InstName R3
SYMATTR Value 3k
"""
    c = read_ltspice_asc(text, "t.asc")
    by = {x.name: x for x in c.components}
    assert by["R1"].nets[0] == by["R2"].nets[0] == "N001"
    assert by["R1"].nets[1] == by["R2"].nets[1] == "0"
    assert by["R3"].nets == ["NC_01", "NC_02"]  # touching nothing


def test_same_flag_name_joins_and_kinds() -> None:
    text = """Version 4
SHEET 1 880 680
FLAG 64 0 vdd
FLAG 500 500 vdd
FLAG 516 516 vdd
SYMBOL npn 0 0 R0
SYMATTR InstName Q1
SYMATTR Value 2N3904
SYMBOL nmos4 200 0 M0
SYMATTR InstName M1
SYMBOL res 500 500 R0
SYMATTR InstName R1
SYMBOL Opamps\\\\opamp2 800 0 R0
SYMATTR InstName U1
SYMATTR Value LT1001
SYMBOL mystery\\\\thing 900 0 R0
SYMATTR InstName U9
"""
    c = read_ltspice_asc(text, "k.asc")
    by = {x.name: x for x in c.components}
    assert by["Q1"].kind == "Q" and by["Q1"].model == "2N3904" and by["Q1"].nets[0] == "vdd"
    assert by["M1"].kind == "M" and len(by["M1"].nets) == 4 and by["M1"].model == "NMOS"
    assert by["R1"].nets[0] == "vdd"
    assert by["XU1"].kind == "X" and by["XU1"].model == "LT1001" and len(by["XU1"].nets) == 5
    unknown = by["XU9"]
    assert unknown.kind == "X" and unknown.nets == [] and unknown.model == "thing"
    assert any("mystery" in w for w in c.warnings)


@pytest.mark.parametrize("text, line", [
    ("", 1), ("SHEET 1 2 3\n", 1), ("Version 4\nWIRE 1 2 x 4\n", 2),
    ("Version 4\nSYMBOL res 1 2 R45\n", 2), ("Version 4\nFLAG 1 2\n", 2),
    ("Version 4\nSYMBOL res 1\n", 2),
])
def test_errors_have_a_line(text: str, line: int) -> None:
    with pytest.raises(NetlistError) as e:
        read_ltspice_asc(text, "bad.asc")
    assert e.value.line == line and e.value.file == "bad.asc"


def _asc_files() -> list[Path]:
    return sorted(LT.rglob("*.asc")) if LT.is_dir() else []


@needs_data
@pytest.mark.parametrize("path", _asc_files(), ids=lambda p: p.name)
def test_corpus_reads(path: Path) -> None:
    c = read_ltspice_asc(_decode(path.read_bytes()), str(path))
    assert c.format == "ltspice-asc"
    for comp in c.components:
        assert len(comp.pins) == len(comp.nets)


# Files whose every symbol is built in and whose .net LTspice exported from the same drawing.
MATCHING = ["AC.asc", "AC - STEP.asc", "Batch_Test.asc", "DC op point.asc", "Noise.asc",
            "TRAN.asc", "testfile.asc", "top_circuit.asc"]


@needs_data
@pytest.mark.parametrize("name", MATCHING)
def test_nets_match_ltspice_export(name: str) -> None:
    asc = LT / name
    c = read_ltspice_asc(_decode(asc.read_bytes()), str(asc))
    n = read_spice(_decode(asc.with_suffix(".net").read_bytes()), str(asc.with_suffix(".net")))
    assert _partition(c) == _partition(n)
    names = {x.name.replace("§", "").upper().lstrip("X") for x in c.components}
    assert names == {x.name.replace("§", "").upper().lstrip("X") for x in n.components}


@needs_data
def test_directives_become_statements() -> None:
    c = read_ltspice_asc(_decode((LT / "Batch_Test.asc").read_bytes()), "Batch_Test.asc")
    names = [s.name for s in c.statements if s.kind == "directive"]
    assert ".tran" in names and ".meas" in names and ".param" in names and ".include" in names


# ---- fuzz -----------------------------------------------------------------------------------

ASC_TOKENS = ["Version", "4", "SHEET", "WIRE", "FLAG", "SYMBOL", "SYMATTR", "InstName", "Value",
              "TEXT", "IOPIN", "res", "cap", "voltage", "npn", "opamp2", "R0", "R90", "M270",
              "0", "16", "-32", "96", "x", "!.tran", ";", "\\\\", "\\n", "!R1 a b"]
asc_line = st.lists(st.sampled_from(ASC_TOKENS), max_size=7).map(" ".join)
asc_text = st.lists(st.one_of(asc_line, st.text(max_size=20)), max_size=12).map(
    lambda ls: "Version 4\n" + "\n".join(ls))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(asc_text, st.text(max_size=200)))
def test_fuzz_raises_only_netlist_error(text: str) -> None:
    try:
        read_ltspice_asc(text, "fuzz.asc")
    except NetlistError:
        pass


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    return mutate_lines(lines, rng, ["WIRE 1 2", "SYMBOL", "SYMATTR Value", "FLAG 0 0",
                                       "TEXT 0 0 Left 2 !.model", "\x00", "SYMBOL res 0 0 R1"])


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(1234)
    files = _asc_files()
    for k in range(300):
        path = files[k % len(files)]
        lines = _decode(path.read_bytes()).splitlines()
        try:
            read_ltspice_asc("\n".join(_mutate(lines, rng)), str(path))
        except NetlistError:
            pass
