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


# --------------------------------------------------------------------------- fast paths
# The reader has C-level logical lines (`fast_logical_lines`) and a fast path for plain element
# lines; both must give exactly what the line-by-line generator and the general path give.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from eda.formats import spice as spice_mod  # noqa: E402
from eda.formats import spice_lex  # noqa: E402
from tests.formats.ir_canon import canonical_ir  # noqa: E402

_PIECES = ["R1 a b 1k", "r2 a b 2k tc1=1", "C3 a 0 1p m=2 m=3", "L4 a b 1u", "M5 d g s b nch",
           "M6 d g s b nch w=1u l=2u", "m7 d g s b nch w = 1u", "M8 d g s nch", "M9 a b c d e f",
           "X1 a b sub", "x2 a b SUB w=1", "X3 a b sub params: w=1", "X4 sub", "X5 a / sub",
           "R6 a b {r*2}", "R7 a b 1k ; note", "R8 a b 1k $ note", "C9 a b 1p //x", "x=1 y",
           "+ w=2u", "+ l=1u ad=0", "+", " + y=1", "\t+z", "+ 9", "* comment", " * indented", "$ d",
           ";c", "", "   ", "\r", "  R10 a b 3k", "\tM11 d g s b nch w=1u", ".subckt sub p q",
           ".subckt SUB a b c", ".ends", ".model nch nmos", ".control", ".endc", ".param r=1",
           "*@eda {\"n\": 4}", "V1 a 0 dc 1", "Q1 c b e qmod", "R12 a b 1k\\", "R13\x0ca b 1k",
           "R14 a,b 1k", "X6 a b c d e f g h sub w=1u l=2"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=30).map(lambda ls: "\n".join(["t"] + ls))


def _read_both(text: str, monkeypatch) -> tuple:
    """(fast reader, general path only) results, or their error texts."""
    out = []
    for fast in (True, False):
        with monkeypatch.context() as m:
            if not fast:
                m.setattr(spice_mod, "_FAST_KIND", {})
                m.setattr(spice_mod, "fast_logical_lines",
                          lambda text, first_line=1, flags=None: spice_lex.iter_logical_lines(
                              text, first_line))
            try:
                out.append(canonical_ir(read_spice(text, "f.sp")))
            except NetlistError as e:
                out.append(str(e))
    return tuple(out)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_texts, st.sampled_from(["\n", "\r\n"]), st.sampled_from([16, 64, 1 << 16]))
def test_fast_logical_lines_match_the_generator(text, eol, chunk) -> None:
    text = text.replace("\n", eol)
    old = spice_lex._CHUNK
    spice_lex._CHUNK = chunk
    try:
        assert list(spice_lex.fast_logical_lines(text, 3)) == \
            list(spice_lex.iter_logical_lines(text, 3))
    finally:
        spice_lex._CHUNK = old


def test_fast_element_path_matches_the_general_path(monkeypatch) -> None:
    import random
    rng = random.Random(7)
    for _ in range(400):
        text = "\n".join(["t"] + [rng.choice(_PIECES) for _ in range(rng.randrange(1, 25))])
        if rng.random() < 0.5:
            text += "\n.end\n"
        fast, general = _read_both(text, monkeypatch)
        assert fast == general, text


def test_fast_path_names_instance_pins_before_and_after_the_definition() -> None:
    deck = ("t\nX1 a b c sub\n.subckt sub p q r\nR1 p q 1k\n.ends\nX2 d e f sub\nX3 d e sub\n"
            "X4 d e f SUB w=1\n.subckt dup x x\n.ends\nX5 a b dup\n.end\n")
    by = comps(read_spice(deck, "i.sp"))
    assert by["X1"].pins == by["X2"].pins == by["X4"].pins == ("p", "q", "r")
    assert by["X3"].pins == ("1", "2") and by["X5"].pins == ("1", "2")
    assert by["X4"].params == {"w": "1"} and by["X1"].line == 2 and by["X2"].line == 6


def test_fast_path_reads_a_generated_deck_like_the_general_path(monkeypatch) -> None:
    from benchmarks.generate import flat_deck, hierarchical_deck
    for text in (flat_deck(3000), hierarchical_deck(3000)):
        fast, general = _read_both(text, monkeypatch)
        assert fast == general
        c = read_spice(text, "g.sp")
        comps_ = [x for _, x in c.all_components()]
        m = next(x for x in comps_ if x.kind == "M")
        assert m.params and set(m.params) == {"w", "l"} and m.line % 1 == 0
        nets = [n for x in comps_ if x.kind != "V" for n in x.nets]   # the fast path's
        assert len({id(n) for n in nets}) == len(set(nets))   # nets: each name stored once
