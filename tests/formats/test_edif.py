"""EDIF 2 0 0 netlists (read-only): corpus reads, hierarchy, errors, fuzz."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats.edif import read_edif, sniff_edif
from eda.formats.registry import read_text

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
ED = DATA / "netlists" / "real" / "spydrnet-edif"
needs_data = pytest.mark.skipif(not ED.is_dir(), reason="EDIF corpus not present")

SMALL = """(edif top (edifVersion 2 0 0) (edifLevel 0) (keywordMap (keywordLevel 0))
 (library hdi_primitives (edifLevel 0) (technology (numberDefinition))
  (cell INV (cellType GENERIC) (view netlist (viewType NETLIST)
   (interface (port I (direction INPUT)) (port O (direction OUTPUT))))))
 (library work (edifLevel 0) (technology (numberDefinition))
  (cell top (cellType GENERIC) (view netlist (viewType NETLIST)
   (interface (port a (direction INPUT)) (port (array (rename y "y[1:0]") 2) (direction OUTPUT)))
   (contents
    (instance u1 (viewRef netlist (cellRef INV (libraryRef hdi_primitives)))
     (property INIT (string "1")))
    (instance (rename u2 "u2[0]") (viewRef netlist (cellRef INV (libraryRef hdi_primitives))))
    (net a (joined (portRef a) (portRef I (instanceRef u1))))
    (net n1 (joined (portRef O (instanceRef u1)) (portRef I (instanceRef u2))
                    (portRef (member y 1))))
    (net y0 (joined (portRef O (instanceRef u2)) (portRef (member y 0))))))))
 (design top (cellRef top (libraryRef work))))
"""


def test_small() -> None:
    c = read_edif(SMALL, "s.edf")
    assert c.ports == ["a", "y[1]", "y[0]"]
    by = {x.name: x for x in c.components}
    assert set(by) == {"u1", "u2[0]"}
    assert by["u1"].kind == "X" and by["u1"].model == "INV" and by["u1"].params == {"INIT": "1"}
    assert dict(zip(by["u1"].pins, by["u1"].nets)) == {"I": "a", "O": "y[0]"}
    assert dict(zip(by["u2[0]"].pins, by["u2[0]"].nets)) == {"I": "y[0]", "O": "y[1]"}
    assert c.attrs["edif_cells"]["INV"]["primitive"] is True
    assert sniff_edif("(edif top", "x") == 95 and sniff_edif("module", "x") == 0


@pytest.mark.parametrize("text", [SMALL[:200], SMALL[:-40], "(edif x", "(edif", ""])
def test_truncated_raises_with_line(text: str) -> None:
    with pytest.raises(NetlistError) as e:
        read_edif(text, "t.edf")
    assert e.value.line is not None and e.value.file == "t.edf"


@pytest.mark.parametrize("text", ["(foo)", "garbage", "(edif x (library L (cell (array))))",
                                  "(edif x (library L (cell c (view v (interface "
                                  "(port (array p x)))))))",
                                  "(edif x (library L (cell c (view v (contents (net n (joined "
                                  "(portRef p (instanceRef nope)))))))))"])
def test_malformed_raises(text: str) -> None:
    with pytest.raises(NetlistError) as e:
        read_edif(text, "m.edf")
    assert e.value.line is not None


def _files() -> list[Path]:
    return sorted(ED.glob("*.edf")) if ED.is_dir() else []


@needs_data
@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_corpus_reads(path: Path) -> None:
    c = read_edif(read_text(path), str(path))
    bodies = [b for _, b in c.walk()]
    n_inst = sum(len(b.components) for b in bodies)
    n_nets = sum(len(b.nets()) for b in bodies)
    assert n_nets > 0
    if path.name != "namespace.edf":  # a library of interfaces only, no instances
        assert n_inst > 0
    for _, comp in c.all_components():
        assert len(comp.pins) == len(comp.nets) and comp.model


@needs_data
def test_hierarchy() -> None:
    c = read_edif(read_text(ED / "three_layer_hierarchy.edf"), "t.edf")
    assert len(c.subcircuits) >= 2
    defined = {s.name for s in c.subcircuits}
    assert any(x.model in defined for _, x in c.all_components())


@needs_data
def test_truncated_corpus_file() -> None:
    text = read_text(ED / "4bitadder.edf")
    cut = text[: len(text) // 2]
    with pytest.raises(NetlistError) as e:
        read_edif(cut, "cut.edf")
    assert e.value.line is not None


# ---- fuzz -----------------------------------------------------------------------------------

TOK = ["(", ")", "(edif", "(library", "(cell", "(view", "(interface", "(port", "(contents",
       "(instance", "(viewRef", "(cellRef", "(libraryRef", "(net", "(joined", "(portRef",
       "(instanceRef", "(member", "(array", "(rename", '"a[3:0]"', "a", "b", "0", "3", "-1",
       "(design", "(property", "(integer", "(boolean", "(true)", '"', "&x"]
edif_text = st.lists(st.sampled_from(TOK), max_size=40).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(edif_text, st.text(max_size=100)))
def test_fuzz(text: str) -> None:
    try:
        read_edif(text, "f.edf")
    except NetlistError:
        pass


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(11)
    files = [p for p in _files() if p.stat().st_size < 60_000]
    for k in range(150):
        lines = read_text(files[k % len(files)]).splitlines()
        lines = mutate_lines(lines, rng, ["(", ")", "(instance)", "(net n)", "(portRef)",
                                            "(member x 99)", "(array a -3)"])
        try:
            read_edif("\n".join(lines), "m.edf")
        except NetlistError:
            pass
