"""Spectre netlists: syntax, kinds, Masala-CHAI records, SPICE <-> Spectre round trips, errors."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats.registry import read_text
from eda.formats.spectre import read_spectre, sniff_spectre, write_spectre
from eda.formats.spice import read_spice, write_spice

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
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
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            op = rng.randrange(4)
            if op == 0:
                del lines[i]
            elif op == 1:
                lines.insert(i, lines[rng.randrange(len(lines))])
            elif op == 2:
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            else:
                lines.insert(i, rng.choice(["(", ")", "ends", "subckt", "{", "\\", "model m",
                                            "simulator lang=spice", "parameters x"]))
        try:
            c = read_spectre("\n".join(lines), "m.scs")
        except NetlistError:
            continue
        write_spectre(c)  # whatever reads, writes
