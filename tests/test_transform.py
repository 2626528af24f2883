"""Flattening expands subcircuit instances with hierarchical names and mapped ports."""
from pathlib import Path

import pytest

from eda.errors import NetlistError
from eda.formats import read
from eda.formats.spice import read_spice
from eda.transform import flatten

DECK = """flat test
.subckt inv a y vdd
M1 y a vdd vdd pch
M2 y a 0 0 nch
.ends
.subckt buf a y vdd
X1 a m vdd inv
X2 m y vdd inv
.model nch nmos level=1
.ends
Xb in out vdd buf
.model pch pmos level=1
.end
"""


def test_flatten_expands_nested_instances() -> None:
    flat = flatten(read_spice(DECK, "t.sp"))
    comps = {c.name: c for c in flat.components}
    assert sorted(comps) == ["M.Xb.X1.M1", "M.Xb.X1.M2", "M.Xb.X2.M1", "M.Xb.X2.M2"]
    assert comps["M.Xb.X1.M1"].nets == ["Xb.m", "in", "vdd", "vdd"]
    assert comps["M.Xb.X2.M2"].nets == ["out", "Xb.m", "0", "0"]
    assert not flat.subcircuits
    assert {m.name for m in flat.models} == {"pch", "nch"}


def test_flatten_reports_port_mismatch() -> None:
    with pytest.raises(NetlistError, match="ports"):
        flatten(read_spice("t\n.subckt s a b\nR1 a b 1\n.ends\nX1 n1 s\n", "t.sp"))


def test_flatten_uses_included_definitions(tmp_path: Path) -> None:
    (tmp_path / "lib.inc").write_text(".subckt res2 a b\nR1 a m 1k\nR2 m b 1k\n.ends\n")
    (tmp_path / "top.sp").write_text("top\n.include lib.inc\nX1 in 0 res2\n.end\n")
    flat = flatten(read(tmp_path / "top.sp"))
    assert sorted(c.name for c in flat.components) == ["R.X1.R1", "R.X1.R2"]


def test_flatten_substitutes_parameters() -> None:
    flat = flatten(read_spice("t\n.subckt s a b w=1u\nM1 a b 0 0 n w={2*w} l=w\n.ends\n"
                              "X1 p q s w=3u\nX2 p q s\n", "t.sp"))
    m = {c.name: c for c in flat.components}
    assert m["M.X1.M1"].params == {"w": "{2*(3u)}", "l": "3u"}
    assert m["M.X2.M1"].params == {"w": "{2*(1u)}", "l": "1u"}
