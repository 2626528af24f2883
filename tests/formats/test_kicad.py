"""KiCad netlists, S-expression (`kicad`) and XML (`kicad-xml`) forms: read, write, round trip."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats.kicad import read_kicad, sniff_kicad, write_kicad
from eda.formats.kicad_xml import read_kicad_xml, sniff_kicad_xml, write_kicad_xml
from eda.formats.registry import detect, read_text
from eda.formats.spice import read_spice

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
KIN = DATA / "netlists" / "real" / "kinparse-kicad-net"
needs_data = pytest.mark.skipif(not KIN.is_dir(), reason="KiCad corpus not present")


def _files() -> list[Path]:
    return sorted(KIN.glob("*.net")) if KIN.is_dir() else []


def components(c) -> dict:
    return {x.name: (x.value, x.attrs.get("footprint")) for x in c.components}


def nets(c) -> dict:
    return {n: {(comp.name, p) for comp, p in conns} for n, conns in c.nets().items()}


SMALL = """(export (version "E")
  (design (source "x.kicad_sch") (sheet (number "1") (name "/") (tstamps "/")
    (title_block (title "Divider"))))
  (components
    (comp (ref "R1") (value "10k") (footprint "Resistor_SMD:R_0603")
      (libsource (lib "Device") (part "R") (description "Resistor")))
    (comp (ref "R2") (value "4k7") (footprint "Resistor_SMD:R_0603"))
    (comp (ref "J1") (value "Conn_01x03") (footprint "Conn:PinHeader_1x03")))
  (nets
    (net (code "1") (name "/in") (node (ref "R1") (pin "1") (pintype "passive"))
      (node (ref "J1") (pin "1")))
    (net (code "2") (name "/out") (node (ref "R1") (pin "2")) (node (ref "R2") (pin "1"))
      (node (ref "J1") (pin "2")))
    (net (code "3") (name "GND") (node (ref "R2") (pin "2")) (node (ref "J1") (pin "3")))))
"""


def test_small_read() -> None:
    c = read_kicad(SMALL, "small.net")
    by = {x.name: x for x in c.components}
    assert c.title == "Divider"
    assert by["R1"].kind == "R" and by["R1"].value == "10k"
    assert by["R1"].attrs["footprint"] == "Resistor_SMD:R_0603"
    assert by["R1"].pins == ("1", "2") and by["R1"].nets == ["/in", "/out"]
    assert by["J1"].kind == "part" and by["J1"].nets == ["/in", "/out", "GND"]


@pytest.mark.parametrize("writer, reader", [(write_kicad, read_kicad),
                                            (write_kicad_xml, read_kicad_xml)],
                         ids=["sexpr", "xml"])
def test_small_round_trip(writer, reader) -> None:
    c = read_kicad(SMALL, "small.net")
    back = reader(writer(c), "rt")
    assert components(back) == components(c)
    assert nets(back) == nets(c)
    assert back.title == "Divider"


def test_spice_circuit_to_kicad_and_back() -> None:
    c = read_spice("* t\nR1 a b 1k\nC1 b 0 1n\nQ1 c b 0 QN\n.model QN NPN\n.end\n", "t.sp")
    text = write_kicad(c)
    back = read_kicad(text, "t.net")
    assert {x.name: x.kind for x in back.components} == {"R1": "R", "C1": "C", "Q1": "Q"}
    assert nets(back)["b"] == {("R1", "n"), ("C1", "p"), ("Q1", "b")}
    assert {x.name: x.model for x in back.components}["Q1"] == "QN"
    assert write_kicad(back) == text    # KiCad -> KiCad stays byte-identical


def test_sim_fields_that_do_not_cover_the_pins_leave_a_board_part() -> None:
    text = ('(export (version "E") (components (comp (ref "U1") (value "x") '
            '(property (name "Sim.Device") (value "M")) (property (name "Sim.Pins") (value "1=d 2=g"))))'
            ' (nets (net (code "1") (name "a") (node (ref "U1") (pin "1")))'
            ' (net (code "2") (name "b") (node (ref "U1") (pin "2")))'
            ' (net (code "3") (name "c") (node (ref "U1") (pin "3")))))')
    u = read_kicad(text, "t.net").components[0]
    assert (u.kind, u.pins) == ("part", ("1", "2", "3"))


def test_sniff() -> None:
    assert sniff_kicad("(export (version D)", "x.net") == 95
    assert sniff_kicad("* spice", "x.net") == 0
    assert sniff_kicad_xml('<?xml version="1.0"?>\n<export version="D">', "x.xml") == 90
    assert detect("x.net", SMALL).name == "kicad"


def test_truncated_raises_with_line_and_column() -> None:
    with pytest.raises(NetlistError) as e:
        read_kicad('(export (version "E") (components (comp (ref R1)', "t.net")
    assert e.value.line == 1 and e.value.col is not None and e.value.file == "t.net"


@pytest.mark.parametrize("text", ["garbage here", "", ")", "(foo)", '"abc', "(export) (x)",
                                  "(export (components (comp)))",
                                  "(export (nets (net (node (ref R1)))))"])
def test_garbage_raises(text: str) -> None:
    with pytest.raises(NetlistError) as e:
        read_kicad(text, "g.net")
    assert e.value.line is not None


@pytest.mark.parametrize("text", ["garbage", "", "<a/>", '<export><components><comp ref="R1">',
                                  '<export><nets><net code="1"><node ref="R1"/></net></nets>'
                                  '</export>'])
def test_xml_garbage_raises(text: str) -> None:
    with pytest.raises(NetlistError) as e:
        read_kicad_xml(text, "g.xml")
    assert e.value.line is not None


@needs_data
@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_corpus_reads_and_round_trips(path: Path) -> None:
    c = read_kicad(read_text(path), str(path))
    assert c.components and c.nets()
    for writer, reader in ((write_kicad, read_kicad), (write_kicad_xml, read_kicad_xml)):
        back = reader(writer(c), "rt")
        assert components(back) == components(c)
        assert nets(back) == nets(c)


# ---- fuzz -----------------------------------------------------------------------------------

SX = ["(", ")", "(export", "(components", "(comp", "(ref", "(value", "(nets", "(net", "(node",
      "(pin", "(code", "(name", '"R1"', '"1"', "R2", '"', "\\", "x", "(version"]
sx_text = st.lists(st.sampled_from(SX), max_size=30).map(" ".join)
XML = ["<export>", "</export>", "<components>", "</components>", '<comp ref="R1">', "</comp>",
       "<nets>", "</nets>", '<net code="1" name="a">', "</net>", '<node ref="R1" pin="1"/>',
       "<value>1k</value>", "&", "<", ">", "x", '<?xml version="1.0"?>', "<!--", "-->"]
xml_text = st.lists(st.sampled_from(XML), max_size=25).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(sx_text, st.text(max_size=100)))
def test_fuzz_kicad(text: str) -> None:
    try:
        read_kicad(text, "f.net")
    except NetlistError:
        pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(xml_text, st.text(max_size=100)))
def test_fuzz_kicad_xml(text: str) -> None:
    try:
        read_kicad_xml(text, "f.xml")
    except NetlistError:
        pass


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    return mutate_lines(lines, rng, ["(", ")", '"', "(comp)", "(node (ref X))", "(net)"])


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(7)
    files = [p for p in _files() if p.stat().st_size < 100_000]
    for k in range(150):
        path = files[k % len(files)]
        lines = read_text(path).splitlines()
        mutated = "\n".join(_mutate(lines, rng))
        try:
            c = read_kicad(mutated, str(path))
        except NetlistError:
            continue
        # whatever was read writes and reads back, in both forms
        assert nets(read_kicad(write_kicad(c), "w.net")) == nets(c)
        assert nets(read_kicad_xml(write_kicad_xml(c), "w.xml")) == nets(c)
