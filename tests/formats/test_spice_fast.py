"""The SPICE reader's fast paths give exactly what its general path gives.

Three ways to read the same text: the C scanner (`eda.formats._spicefast`, built at install
time), the pure-Python fast path (the scanner turned off), and the general path only (every fast
path off).  They must agree on every IR field, and on the error when there is one.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import spice as spice_mod
from eda.formats.spice import read_spice
from tests.formats.ir_canon import canonical_ir

MODES = ("c", "python", "general")


def _read(text: str, mode: str, monkeypatch) -> object:
    """The canonical IR of `text` read one way, or the error text."""
    with monkeypatch.context() as m:
        if mode != "c":
            m.setattr(spice_mod, "_spicefast", None)
        if mode == "general":
            m.setattr(spice_mod, "_FAST_KIND", {})
        try:
            return canonical_ir(read_spice(text, "f.sp"))
        except NetlistError as e:
            return str(e)


def _all_modes(text: str, monkeypatch) -> list:
    return [_read(text, mode, monkeypatch) for mode in MODES]


def test_the_extension_is_built() -> None:
    """`pip install -e .` compiles it where a C compiler and Python headers are present (the
    Makefile installs both); without it the reader still works, at about half the speed."""
    assert spice_mod._spicefast is not None, "eda/formats/_spicefast.c was not built"


# Lines chosen to sit on every edge of the fast rules: continuations (indented, after blank
# lines, after comments), `k=v` tails the general path reads differently, characters that send
# a line to Python (`\r`, form feed, NBSP, non-ASCII, brackets), pragmas, blocks, `.end`.
_PIECES = [
    "R1 a b 1k", "r2 a b 2k tc1=1", "C3 a 0 1p m=2 m=3", "L4 a b 1u", "M5 d g s b nch",
    "M6 d g s b nch w=1u l=2u", "m7 d g s b nch w = 1u", "M8 d g s nch", "M9 a b c d e f",
    "X1 a b sub", "x2 a b SUB w=1", "X3 a b sub params: w=1", "X4 sub", "X5 a / sub", "X6 a:b sub",
    "R6 a b {r*2}", "R7 a b 1k ; note", "R8 a b 1k $ note", "C9 a b 1p //x", "x=1 y", "R1 a b 1k =3",
    "R2 a b c   =3", "M1 d g s b nch w==2", "R3 a b 1k w=", "R4 a b 1k =", "C1 a b 1p\x0c",
    "R5 a\xa0b 1k", "R6 a b 1k\x85", "R7 \xe9 b 1k", "Rz a b 1k*2 #x",
    "+ w=2u", "+ l=1u ad=0", "+", " + y=1", "\t+z", "+ 9", " \r+ q=1", "\r+ q", "\t\r+ r=2",
    "* comment", " * indented", "$ d", ";c", "", "   ", "\r", " \t\r", "\x0c",
    "  R10 a b 3k", "\tM11 d g s b nch w=1u", " \rR12 a b 1k", "\rR13 a b 1k",
    ".subckt sub p q", ".SUBCKT SUB a b c", ".subckt s2 a b params: w=1", ".subckt s3 a=1",
    ".subckt", ".ends", ".ends sub", ".ENDS", ".model nch nmos", ".control", ".endc", ".param r=1",
    "*@eda {\"n\": 4}", "*@eda {\"name\": \"q/1\"}", "*@eda {bad", "V1 a 0 dc 1", "Q1 c b e qmod",
    "R14 a,b 1k", "X7 a b c d e f g h sub w=1u l=2", ".end", "#x", "1bad", "R15 a b",
    "X8 " + " ".join(f"n{i}" for i in range(70)) + " big", "Xw a b sub\n+ w=1\n* c\n+ l=2",
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=30).map(lambda ls: "\n".join(["t"] + ls))


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=_texts, eol=st.sampled_from(["\n", "\r\n"]), title_ok=st.booleans())
def test_c_scanner_python_fast_path_and_general_path_agree(monkeypatch, text: str, eol: str,
                                                           title_ok: bool) -> None:
    text = text.replace("\n", eol)
    if not title_ok:
        text = text[2:]   # no title line: the scanner starts on whatever comes first
    c, python, general = _all_modes(text, monkeypatch)
    assert c == general, repr(text)
    assert python == general, repr(text)


def test_random_decks_agree_in_all_three_modes(monkeypatch) -> None:
    rng = random.Random(11)
    for _ in range(300):
        lines = [rng.choice(_PIECES) for _ in range(rng.randrange(1, 40))]
        text = "\n".join(["t"] + lines) + ("\n.end\n" if rng.random() < 0.5 else "")
        if rng.random() < 0.2:
            text += "\u03a9"   # past U+00FF: the scanner steps aside
        c, python, general = _all_modes(text, monkeypatch)
        assert c == python == general, repr(text)


def _scanners(monkeypatch) -> list:
    made = []
    real = spice_mod._scanner

    def spy(*args):
        s = real(*args)
        made.append(s)
        return s
    monkeypatch.setattr(spice_mod, "_scanner", spy)
    return made


def test_generated_decks_are_built_by_the_scanner_and_match(monkeypatch) -> None:
    from benchmarks.generate import flat_deck, hierarchical_deck
    for text in (flat_deck(4000), hierarchical_deck(4000)):
        for eol in ("\n", "\r\n"):
            t = text.replace("\n", eol)
            c, python, general = _all_modes(t, monkeypatch)
            assert c == python == general
        made = _scanners(monkeypatch)
        circuit = read_spice(text, "g.sp")
        comps = [x for _, x in circuit.all_components()]
        assert made[-1].built >= len(comps) - 10 and made[-1].delegated == 0   # C did the work
        nets = [n for x in comps if x.kind != "V" for n in x.nets]
        assert len({id(n) for n in nets}) == len(set(nets))   # each net name stored once
        m = next(x for x in comps if x.kind == "M" and x.params)
        assert set(m.params) == {"w", "l"} and m.params is not \
            next(y for y in comps if y.kind == "M" and y.params and y is not m).params


def test_scanner_names_instance_pins_before_and_after_the_definition(monkeypatch) -> None:
    deck = ("t\nX1 a b c sub\n.subckt sub p q r\nR1 p q 1k\n.ends\nX2 d e f sub\nX3 d e sub\n"
            "X4 d e f SUB w=1\n.subckt dup x x\n.ends\nX5 a b dup\n.subckt late a b\n.ends\n"
            "X6 a b late\n.end\n")
    made = _scanners(monkeypatch)
    by = {c.name: c for _, c in read_spice(deck, "i.sp").all_components()}
    assert made[-1].built >= 6
    assert by["X1"].pins == by["X2"].pins == by["X4"].pins == ("p", "q", "r")
    assert by["X3"].pins == ("1", "2") and by["X5"].pins == ("1", "2")
    assert by["X6"].pins == ("a", "b") and by["X4"].params == {"w": "1"}
    assert [by[n].line for n in ("X1", "X2", "X6")] == [2, 6, 14]


def test_pragma_title_and_text_after_end_are_left_to_python(monkeypatch) -> None:
    deck = ('R1 a b 1k\n*@eda {"name": "R/odd"}\nR2 c d 2k\nR3 e f 3k\n.control\nR4 x y 1\n'
            '.endc\n.end\nR5 g h 5k\n')
    c = read_spice(deck, "p.sp")
    assert c.title == "R1 a b 1k"
    assert [x.name for x in c.components] == ["R/odd", "R3"]
    assert [s.kind for s in c.statements][-1] == "raw" and "R5" in c.statements[-1].text
    assert _all_modes(deck, monkeypatch)[0] == _all_modes(deck, monkeypatch)[2]


@pytest.mark.parametrize("bad", ["t\nR1 a b 1k\n.ends\n", "t\n.subckt s a\nR1 a b 1k\n",
                                 "t\nM1 d g\n", "t\nR1 a b 1k\n+ w=\n", "t\nR1 a b\n+ (x\n"])
def test_errors_are_the_same_in_all_modes(bad: str, monkeypatch) -> None:
    c, python, general = _all_modes(bad, monkeypatch)
    assert isinstance(general, str) and "f.sp:" in general
    assert c == python == general
