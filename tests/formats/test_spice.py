"""SPICE reader and writer: dialect features, canonical pins, errors with file:line:col."""
from pathlib import Path

import pytest

from eda.errors import NetlistError
from eda.formats import read, write_text
from eda.formats.spice import read_spice, resolve_includes, write_spice
from eda.ir import Component, Subcircuit

DECK = """rc filter test
V1 in 0 dc 0 ac 1 sin(0 1 1k)
R1 in out 1.5k
C1 out 0 47n ; load cap
+ ic=0
.subckt inv a y vdd vss w=1u
M1 y a vdd vdd pch w={2*w} l=0.1u
M2 y a vss vss nch W = 1u L=0.1u $ spaced equals
.ends inv
X1 out y2 vdd 0 inv w=2u
E1 a 0 POLY(2) in 0 out 0 0 1 1
G1 b 0 in 0 1m
Q1 c bb e qmod
Q2 c bb e sub qmod
D1 a k dmod 2
K1 L1 L2 0.9
L1 a 0 1u
L2 b 0 1u
.model qmod npn (bf=100)
.model dmod d is=1e-14
.param vdd=1.8 gain='vdd*2'
.control
run
.endc
.ac dec 200 10 1meg
.end
stuff after end
"""


def comps(c):
    return {x.name: x for _, x in c.all_components()}


def test_reads_elements_with_canonical_pins() -> None:
    c = read_spice(DECK, "t.sp")
    assert c.title == "rc filter test"
    by = comps(c)
    assert by["R1"].connections() == [("p", "in"), ("n", "out")]
    assert by["R1"].value_si == 1500.0
    assert by["C1"].params == {"ic": "0"} and by["C1"].comment.startswith("; load")
    assert by["V1"].args == ["dc", "0", "ac", "1", "sin(0 1 1k)"]
    assert by["X1"].pins == ("a", "y", "vdd", "vss") and by["X1"].model == "inv"
    assert by["X1"].params == {"w": "2u"}
    assert by["E1"].pins == ("p", "n", "c1p", "c1n", "c2p", "c2n")
    assert by["G1"].nets == ["b", "0", "in", "0"] and by["G1"].value == "1m"
    assert by["Q1"].pins == ("c", "b", "e") and by["Q1"].model == "qmod"
    assert by["Q2"].pins == ("c", "b", "e", "s")
    assert by["D1"].pins == ("a", "k") and by["D1"].args == ["2"]
    assert by["K1"].nets == [] and by["K1"].args == ["L1", "L2"] and by["K1"].value == "0.9"
    m1, m2 = by["M1"], by["M2"]
    assert m1.pins == ("d", "g", "s", "b") and m1.params["w"] == "{2*w}"
    assert m2.params == {"W": "1u", "L": "0.1u"}
    inv = c.find_subcircuit("INV")
    assert isinstance(inv, Subcircuit) and inv.ports == ["a", "y", "vdd", "vss"]
    assert inv.params == {"w": "1u"}
    s = c.summary()
    assert s["subcircuits"] == ["inv"] and s["models"] == ["qmod", "dmod"]
    assert s["by_kind"]["L"] == 2 and s["components"] == 14
    assert s["directives"][".control"] == 1 and s["directives"][".param"] == 1


def test_same_format_round_trip_keeps_everything() -> None:
    c = read_spice(DECK, "t.sp")
    text = write_spice(c)
    c2 = read_spice(text, "t2.sp")
    a, b = comps(c), comps(c2)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k
    assert "stuff after end" in text and ".endc" in text
    assert write_spice(c2) == text


def test_cdl_instances_and_dollar_comments() -> None:
    c = read_spice("* cdl\n.SUBCKT buf A Y VDD VSS\nXI0 A n1 VDD VSS / inv $PINS a=A\n"
                   "MM0 Y n1 VSS VSS nch W=1u L=0.1u $X=1 $Y=2\n.ENDS\n", "x.cdl")
    assert c.dialect == "cdl"
    by = comps(c)
    assert by["XI0"].model == "inv" and by["XI0"].nets == ["A", "n1", "VDD", "VSS"]
    assert by["MM0"].params == {"W": "1u", "L": "0.1u"}
    out = write_spice(c, "cdl")
    assert "XI0 A n1 VDD VSS / inv" in out
    assert comps(read_spice(out, "y.cdl"))["XI0"] == by["XI0"]


def test_continuation_with_comment_between() -> None:
    c = read_spice("t\nM1 d g s b nch\n* a comment\n+ w=1u l=1u\n.end\n", "t.sp")
    assert comps(c)["M1"].params == {"w": "1u", "l": "1u"}


@pytest.mark.parametrize("text,line,col", [
    ("t\nQ1 a b\n", 2, None),
    ("t\nM1 d g\n", 2, None),
    ("t\n.subckt foo a b\nR2 a b 1k\n", 2, 1),
    ("t\nC1 a 0 ((1p\n", 2, 8),
    ("t\nR1 a 0 1k)\n", 2, 10),
    ("t\n.ends\n", 2, 1),
    ("t\n%%% x\n", 2, 1),
])
def test_errors_name_line_and_column(text: str, line: int, col: int | None) -> None:
    with pytest.raises(NetlistError) as e:
        read_spice(text, "bad.sp")
    assert e.value.file == "bad.sp" and e.value.line == line
    if col is not None:
        assert e.value.col == col
    assert str(e.value).startswith(f"bad.sp:{line}:")


def test_binary_input_is_a_netlist_error(tmp_path: Path) -> None:
    p = tmp_path / "g.sp"
    p.write_bytes(b"R1 a b 1k\n\x00\x01\x02garbage")
    with pytest.raises(NetlistError) as e:
        read(p)
    assert e.value.line == 2


def test_includes_resolve_relative_and_detect_cycles(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.inc").write_text(".model nch nmos level=1\n.include ../top.sp\n")
    (tmp_path / "top.sp").write_text("top\n.include sub/m.inc\n.include missing.inc\nM1 d g 0 0 nch\n")
    c = read(tmp_path / "top.sp")
    with pytest.raises(NetlistError, match="cycle"):
        resolve_includes(c)
    (tmp_path / "sub" / "m.inc").write_text(".model nch nmos level=1\n")
    found, warnings = resolve_includes(read(tmp_path / "top.sp"))
    assert [m.name for f in found for m in f.models] == ["nch"]
    assert len(warnings) == 1 and "missing.inc" in warnings[0]


def test_writer_handles_foreign_components() -> None:
    from eda.ir import Circuit
    c = Circuit()
    c.items.append(Component("cell", "u1", ["a", "b", "y"], ("A", "B", "Y"), model="NAND2"))
    text, _ = write_text(c, "spice")
    assert "Xu1 a b y NAND2" in text
