"""Spectre netlists: syntax, kinds, Masala-CHAI records, SPICE <-> Spectre round trips, errors."""
from __future__ import annotations

import glob
import json
import os
import random
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import registry
from eda.formats.registry import read_text
from eda.formats.spectre import read_spectre, read_spectre_text, sniff_spectre, write_spectre
from eda.formats.spice import read_spice, write_spice

DATA = Path(os.environ.get("EDA_DATA",
                           Path(__file__).resolve().parents[2].parent / "shared" / "data"))
CHAI = DATA / "netlists" / "masala-chai-analoggenie" / "records"
NGS = DATA / "netlists" / "real" / "ngspice-examples"

DECK = """// a comment
* star comment
simulator lang=spectre
global 0 vdd!
parameters wn=1u \\
   ln=180n
include "models.scs" section=tt
model nch bsim4 type=n vth0=0.4
model dm diode is=1e-14
model qn bjt type=npn bf=100
subckt inv (in out vdd vss)
  parameters w=1u
  mp (out in vdd vdd) pch w=2*w l=ln
  mn (out in vss vss) nch w=w l=ln
ends inv
subckt amp in out
  r1 in out resistor r=1k
ends amp
x1 (a b vdd! 0) inv w=2u
x2 b c amp
R0 (a 0) resistor r=10k
C0 (b 0) capacitor c=1p
L0 (c 0) inductor l=1n
V0 (vdd! 0) vsource dc=1.8 type=dc
I0 (a 0) isource dc=1u
D0 (a 0) dm
Q0 (c b 0) qn
E0 (a 0 b 0) vcvs gain=2
simulator lang=spice
.model pch pmos level=1
Rs x y 1k
simulator lang=spectre
tran1 tran stop=1u
ac1 ac start=1 stop=1G dec=10
save a b
"""


def key(c) -> list:
    return sorted((p, x.name.lower(), x.kind, tuple(x.nets)) for p, x in c.all_components())


def test_syntax() -> None:
    c = read_spectre(DECK, "t.scs")
    top = {x.name: x for x in c.components}
    assert top["x1"].kind == "X" and top["x1"].model == "inv" and top["x1"].params == {"w": "2u"}
    assert top["x1"].pins == ("in", "out", "vdd", "vss")
    assert top["x2"].nets == ["b", "c"]                       # instance without parentheses
    assert top["Rs"].kind == "R" and top["Rs"].value == "1k"   # from the SPICE section
    inv = c.find_subcircuit("inv")
    assert inv.ports == ["in", "out", "vdd", "vss"] and inv.params == {"w": "1u"} or \
        any(s.name == ".param" for s in inv.statements)
    assert [x.kind for x in inv.components] == ["M", "M"]
    assert c.find_subcircuit("amp").components[0].value == "1k"
    names = [s.name for s in c.statements if s.kind == "directive"]
    assert "tran" in names and "ac" in names and "save" in names and ".param" in names
    assert any(s.kind == "comment" for s in c.statements)
    assert {m.name for m in c.models} >= {"nch", "dm", "qn", "pch"}


def test_kinds() -> None:
    c = read_spectre(DECK, "t.scs")
    kinds = {x.name: x.kind for x in c.components}
    assert kinds == {"x1": "X", "x2": "X", "R0": "R", "C0": "C", "L0": "L", "V0": "V",
                     "I0": "I", "D0": "D", "Q0": "Q", "E0": "E", "Rs": "R"}
    more = read_spectre("m1 (d g s b) nmos4 w=1u\nq1 (c b e) npn\nfoo (a b) mystery\n", "k.scs")
    k = {x.name: x.kind for x in more.components}
    assert k["m1"] == "M" and k["q1"] == "Q" and k["foo"] == "X"


def test_writer_round_trip() -> None:
    c = read_spectre(DECK, "t.scs")
    out = write_spectre(c)
    assert "subckt inv" in out and "ends inv" in out
    assert key(read_spectre(out, "rt.scs")) == key(c)


def test_sniff() -> None:
    assert sniff_spectre("simulator lang=spectre\n", "x.scs") >= 50
    assert sniff_spectre("* spice\nR1 a b 1k\n", "x.sp") < 50


SPICE = """* deck
.subckt cell a b
R1 a b 1k
M1 a b 0 0 nch w=1u l=180n
.ends cell
V1 in 0 DC 1 AC 1 SIN(0 1 1k)
R1 in mid 1k
C1 mid 0 1p
L1 mid out 1n
D1 out 0 dmod
Q1 out mid 0 qmod
X1 in out cell
E1 e 0 in 0 2
G1 g 0 in 0 1m
.model dmod D is=1e-14
.model qmod NPN bf=100
.model nch NMOS level=1
.tran 1n 1u
.end
"""


def test_spice_to_spectre_to_spice() -> None:
    c = read_spice(SPICE, "d.sp")
    back = read_spice(write_spice(read_spectre(write_spectre(c), "d.scs")), "back.sp")
    assert key(back) == key(c)


def _spice_files() -> list[Path]:
    if not NGS.is_dir():
        return []
    return sorted(p for p in NGS.rglob("*") if p.is_file() and p.stat().st_size < 20_000)[:80]


@pytest.mark.skipif(not NGS.is_dir(), reason="ngspice examples not present")
def test_spice_corpus_round_trip() -> None:
    done = 0
    for path in _spice_files():
        try:
            c = read_spice(read_text(path), str(path))
        except NetlistError:
            continue
        back = read_spice(write_spice(read_spectre(write_spectre(c), "x.scs")), "y.sp")
        assert key(back) == key(c), path.name
        done += 1
    assert done > 20


@pytest.mark.skipif(not CHAI.is_dir(), reason="Masala-CHAI records not present")
def test_masala_chai_records_read() -> None:
    files = sorted(CHAI.glob("*.json"))
    assert files
    for f in files:
        msgs = json.loads(f.read_text(encoding="utf-8"))["messages"]
        text = next(m["content"] for m in msgs if m["role"] == "assistant")
        c = read_spectre(text, str(f))
        assert c.components, f.name


@pytest.mark.parametrize("text, line, col", [
    ("r1 (a b resistor r=1k", 1, 4),
    ("ends foo", 1, 1),
    ("model", 1, 1),
    ("x1 (a b) ", 1, 9),
    ("r0 (a 0) resistor r=1\nr1 (a b) resistor r=", 2, 21),
    ("parameters a=", 1, 14),
    ("subckt x (a b)\n r1 a b resistor\n", 1, 1),
])
def test_errors_have_line_and_column(text: str, line: int, col: int) -> None:
    with pytest.raises(NetlistError) as e:
        read_spectre(text, "b.scs")
    assert (e.value.file, e.value.line, e.value.col) == ("b.scs", line, col)


# ---- fuzz -----------------------------------------------------------------------------------

TOK = ["r1", "m1", "x1", "(", ")", "a", "b", "0", "resistor", "capacitor", "vsource", "nch",
       "r=1k", "w=", "=", "subckt", "ends", "parameters", "model", "bsim4", "simulator",
       "lang=spice", "lang=spectre", "\\", "//", "*", "{", "}", "[", "]", '"', "tran", "stop=1u",
       "inline", ".model", "R2 a b 1k", "include", "section=tt", "+"]
sp_line = st.lists(st.sampled_from(TOK), max_size=8).map(" ".join)
sp_text = st.lists(st.one_of(sp_line, st.text(max_size=20)), max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sp_text)
def test_fuzz(text: str) -> None:
    try:
        read_spectre(text, "f.scs")
    except NetlistError:
        pass


def test_mutated_deck_raises_only_netlist_error() -> None:
    rng = random.Random(3)
    base = DECK.splitlines()
    for _ in range(300):
        lines = list(base)
        lines = mutate_lines(lines, rng, ["(", ")", "ends", "subckt", "{", "\\", "model m",
                                            "simulator lang=spice", "parameters x"])
        try:
            c = read_spectre("\n".join(lines), "m.scs")
        except NetlistError:
            continue
        write_spectre(c)  # whatever reads, writes


# ---- more: kinds, escapes, blocks, located errors, real decks, graph round trip ----------
REAL_SCS = sorted(glob.glob(str(DATA / "netlists" / "real" / "**" / "*.scs"), recursive=True))
MASALA = sorted(glob.glob(str(CHAI / "*.json")))


def comps(c):
    return {x.name: x for _, x in c.all_components()}


def test_instances_and_primitives():
    c = read_spectre_text(
        "R1 (a b) resistor r=1k\nC1 (b 0) capacitor c=10p\nL1 (b c) inductor l=1u\n"
        "V1 (vdd 0) vsource dc=1.8\nI1 (a 0) isource dc=1m type=dc\n"
        "E1 (o 0 a b) vcvs gain=10\nG1 (o 0 a b) vccs gm=1m\n"
        "F1 (o 0) cccs gain=2 probe=V1\nH1 (o 0) ccvs rm=100 probe=V1\n"
        "K1 mutual_inductor coupling=0.9 ind1=L1 ind2=L2\n", "t.scs")
    k = comps(c)
    assert k["R1"].kind == "R" and k["R1"].value == "1k" and k["R1"].pins == ("p", "n")
    assert k["R1"].nets == ["a", "b"] and k["R1"].model is None
    assert (k["C1"].kind, k["C1"].value) == ("C", "10p")
    assert (k["L1"].kind, k["L1"].value) == ("L", "1u")
    assert k["V1"].kind == "V" and k["V1"].args == ["dc", "1.8"]
    assert k["I1"].kind == "I"
    assert k["E1"].kind == "E" and k["E1"].value == "10" and k["E1"].pins == ("p", "n", "cp", "cn")
    assert k["G1"].kind == "G" and k["G1"].value == "1m"
    assert k["F1"].kind == "F" and k["F1"].args == ["V1", "2"]
    assert k["H1"].kind == "H" and k["H1"].args == ["V1", "100"]
    assert k["K1"].kind == "K" and k["K1"].args == ["L1", "L2"] and k["K1"].value == "0.9"
    assert c.format == "spectre"


def test_models_subckts_and_kind_resolution():
    text = """simulator lang=spectre
// a comment
* star comment
parameters vdd=1.8 w0=2u
include "models.scs" section=tt
X0 (a b) mysub p=1
M1 (d g s b) nch w=1u l=(w0 / 2)
Q1 (c b e) qn
D1 (a k) dm area=2
I7 (a b) mysub
subckt mysub (in out)
parameters p=2 q
    R1 (in out) resistor r=p
ends mysub
inline subckt inl a b
    C0 (a b) capacitor c=1f
ends inl
model nch bsim4 type=n vth0=0.4
model qn bjt type=pnp bf=50
model dm diode is=1e-14
"""
    c = read_spectre(text, "m.scs")
    k = comps(c)
    assert k["X0"].kind == "X" and k["X0"].model == "mysub" and k["X0"].pins == ("in", "out")
    assert k["X0"].params == {"p": "1"}
    assert k["I7"].kind == "X"                       # subckt defined after its use
    assert k["M1"].kind == "M" and k["M1"].model == "nch" and k["M1"].pins == ("d", "g", "s", "b")
    assert k["M1"].params["l"] == "(w0 / 2)"
    assert k["Q1"].kind == "Q" and k["Q1"].pins == ("c", "b", "e")
    assert k["D1"].kind == "D" and k["D1"].params == {"area": "2"}
    sub = c.find_subcircuit("mysub")
    assert sub.ports == ["in", "out"] and sub.params == {"p": "2", "q": ""}
    assert c.find_subcircuit("inl").attrs.get("inline") is True
    models = {m.name: m for m in c.models}
    assert models["nch"].type == "nmos" and models["nch"].params["level"] == "54"
    assert models["qn"].type == "pnp" and models["dm"].type == "d"
    st = [s for s in c.statements if s.kind == "directive"]
    assert st[0].name == ".param" and st[0].params == {"vdd": "1.8", "w0": "2u"}
    assert st[1].name == "include" and st[1].args == ["models.scs"]
    assert st[1].params == {"section": "tt"}
    assert [s.kind for s in c.statements[:2]] == ["comment", "comment"]


def test_masala_style_heuristics_and_bare_nodes():
    c = read_spectre_text("M0 (IOUT1 net4 VSS VSS) nmos4\nM3 (a b c d) pmos4\n"
                          "Q0 (c b e) npn\nR0 (VDD net4) resistor\nC1 (a b) capacitor\n"
                          "I0 (a b c) TRANSMISSION_GATE\nD0 (a b) diode\nL0 (a b) inductor\n"
                          "R9 a b resistor r=2k\nN1 (a b) nfet_lvt\n", "")
    kinds = {n: x.kind for n, x in comps(c).items()}
    assert kinds == {"M0": "M", "M3": "M", "Q0": "Q", "R0": "R", "C1": "C", "I0": "X",
                     "D0": "D", "L0": "L", "R9": "R", "N1": "M"}
    assert comps(c)["R9"].nets == ["a", "b"] and comps(c)["R9"].value == "2k"


def test_continuations_escapes_blocks_and_analyses():
    text = """simulator lang=spectre
global 0 vdd!
M44\\<1\\> (VSS net\\<0\\> VSS VSS) nmos lr=240n \\
    wr=3.6u nr=2
C3 (a b c) cap m=1 \\

R1 (a b) resistor r=1M   // inline comment
tran1 tran stop=1u step=1n
tran tran step=1n stop=100n
ac ac start=1 stop=1G dec=10
dcOp dc
noise ( out 0 ) noise start=1 stop=1M
sw sweep param=temp values=[0 27 85] {
  ac1 ac start=1k stop=1G
+    dec=10
}
opts options reltol=1e-4
save a b
"""
    c = read_spectre_text(text, "b.scs")
    k = comps(c)
    assert k["M44<1>"].nets == ["VSS", "net<0>", "VSS", "VSS"]
    assert k["M44<1>"].params == {"lr": "240n", "wr": "3.6u", "nr": "2"}
    assert k["C3"].kind == "C" and k["C3"].nets == ["a", "b", "c"]
    assert k["R1"].value == "1meg" and k["R1"].value_si == 1e6
    assert k["R1"].comment == "// inline comment"
    names = [s.name for s in c.statements if s.kind == "directive"]
    assert names == [".global", "tran", ".tran", ".ac", ".op", "noise", "sweep", "options", "save"]
    sweep = [s for s in c.statements if s.name == "sweep"][0]
    assert "dec=10" in sweep.text and sweep.dialect == "spectre"
    assert [s for s in c.statements if s.name == "tran"][0].dialect == "spectre"
    # a same-format write keeps spectre statements verbatim and re-reads to the same components
    c2 = read_spectre_text(write_spectre(c), "w.scs")
    assert {(x.kind, x.name, tuple(x.nets)) for _, x in c.all_components()} == \
        {(x.kind, x.name, tuple(x.nets)) for _, x in c2.all_components()}
    assert [s.name for s in c2.statements if s.kind == "directive"] == names


@pytest.mark.parametrize("text, line, col, what", [
    ("R1 (a b resistor r=1k\n", 1, 4, "unclosed '('"),
    ("R1 (a b) resistor r=1k)\n", 1, 23, "unbalanced ')'"),
    ('include "x.scs\n', 1, 9, "unclosed quote"),
    ("subckt foo a b\nR1 (a b) resistor\n", 1, 1, "no 'ends'"),
    ("R1 (a b)\n", 1, 9, "no master"),
    ("\nR1\n", 2, 3, "no master"),
    ("ends foo\n", 1, 1, "without 'subckt'"),
    ("R1 (a b) resistor \\\n  r=\n", 2, 5, "expected a value"),
])
def test_errors_are_located_with_message(text, line, col, what):
    with pytest.raises(NetlistError) as e:
        read_spectre_text(text, "bad.scs")
    assert e.value.file == "bad.scs" and e.value.line == line and e.value.col == col
    assert what in e.value.message


def test_sniff_and_registry_entry():
    assert sniff_spectre("// x\nsimulator lang=spectre\n", "a.txt") == 90
    assert sniff_spectre("* title\nR1 a b 1k\n.end\n", "a.sp") == 0
    fmt = registry.get("spectre")
    assert ".scs" in fmt.extensions and fmt.reader is read_spectre_text
    assert registry.format_for_output("out.scs").name == "spectre"


@pytest.mark.parametrize("path", REAL_SCS, ids=[Path(p).name for p in REAL_SCS])
def test_real_scs_files(path):
    c = registry.read(path)
    assert c.format == "spectre"
    s = c.summary()
    assert s["components"] > 10 and s["subcircuits"]
    c2 = read_spectre_text(write_spectre(c), "rt.scs")
    assert c2.summary()["by_kind"] == s["by_kind"]


@pytest.mark.skipif(not MASALA, reason="Masala-CHAI records not present")
def test_masala_records_kinds():
    n = 0
    for f in MASALA:
        msgs = json.loads(Path(f).read_text())["messages"]
        text = [m["content"] for m in msgs if m["role"] == "assistant"][-1]
        c = read_spectre_text(text, f)
        assert c.components, f
        assert all(x.kind in "MQRCLDX" for x in c.components), f
        n += 1
    assert n == len(MASALA)


# ---------------------------------------------------------------------------- SPICE round trip
RT_DECK = """* round trip deck
.param vdd=1.8 wn={2*1u}
.include models.lib
.model nch nmos level=54
.model dmod d is=1e-14
.model qn npn bf=100
.subckt inv a y vdd vss params: w=1u
M1 y a vss vss nch w={w} l=180n
M2 y a vdd vdd pch w=2u l=180n
.ends inv
.subckt buf in out vdd vss
X1 in mid vdd vss inv
X2 mid out vdd vss inv w=2u
.ends
V1 vdd 0 DC 1.8
V2 in 0 PULSE(0 1.8 1n 0.1n 0.1n 5n 10n)
V3 x 0 SIN(0 1 1MEG) AC 1
V4 w 0 PWL(0 0 1n 1.8)
I1 a 0 1m
R1 in a 1k
R2 a b 4k7
Rbig b 0 1MEG
C1 b 0 10pF
L1 b c 1u
K1 L1 L2 0.9
L2 c 0 2u
X1 a out vdd 0 inv w=2u
XU2 a out2 vdd 0 notdefined
xb a out3 vdd 0 buf
E1 e 0 a 0 2
E2 e2 0 POLY(2) a 0 b 0 0 1 1
G1 g 0 a 0 1m
F1 f 0 V1 2
H1 h 0 V1 100
D1 a 0 dmod
Q1 c b 0 qn
Q2 c b 0 sub qother
J1 d g s jmod
A1 in out2 amod
B1 b 0 V=v(a)*2
S1 a b c d swmod
T1 a 0 b 0 Z0=50 TD=1n
Mx1 d1 g1 0 0 unknown_fet
.model amod gain(gain=2)
.tran 1n 100n
.ac dec 10 1 1G
.op
.meas tran t1 trig v(a) val=0.5 rise=1 targ v(b) val=0.5 rise=1
.control
run
.endc
.end
"""


def graph(c):
    """The bipartite component-net graph as comparable edges: (scope, kind, name, pin, net)."""
    return sorted((p, x.kind, x.name, pin, net) for p, x in c.all_components()
                  for pin, net in zip(x.pins, x.nets)) + sorted(
        (p, x.kind, x.name) for p, x in c.all_components())


def test_spice_spectre_spice_round_trip_graph():
    c1 = read_spice(RT_DECK, "deck.sp")
    scs = write_spectre(c1)
    assert "simulator lang=spice" in scs and "A1 in out2 amod" in scs
    assert "R1 (in a) resistor r=1k" in scs and "Rbig (b 0) resistor r=1M" in scs
    assert "V3 (x 0) vsource" in scs and "freq=1M" in scs
    assert "tran tran step=1n stop=100n" in scs and "subckt inv a y vdd vss" in scs
    c2 = read_spectre_text(scs, "deck.scs")
    assert graph(c2) == graph(c1)
    k = comps(c2)
    assert k["R1"].kind == "R" and k["R1"].value == "1k"
    assert k["X1"].model == "inv" and k["XU2"].model == "notdefined" and k["M2"].model == "pch"
    assert k["Rbig"].value_si == 1e6
    c3 = read_spice(write_spice(c2), "back.sp")
    assert graph(c3) == graph(c1)
    names = [s.name for s in c3.statements if s.kind == "directive"]
    for d in (".tran", ".ac", ".op", ".meas", ".control"):
        assert d in names
