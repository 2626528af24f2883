"""Structural Verilog: corpus reads, round trips, iverilog accepts what is written, errors, fuzz."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import read
from eda.formats.verilog import read_verilog, write_verilog

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
REAL = DATA / "netlists" / "real"
FOLDERS = ("hdl-benchmarks-yosys-structural", "iscas-ispras")
needs_data = pytest.mark.skipif(not REAL.is_dir(), reason=f"no corpus at {REAL}")


def files(max_bytes: int | None = None) -> list[Path]:
    out = [p for d in FOLDERS for p in sorted((REAL / d).rglob("*.v"))]
    return [p for p in out if max_bytes is None or p.stat().st_size <= max_bytes]


def view(c) -> list:
    return [(p, x.kind, x.name, x.model, tuple(zip(x.pins, x.nets))) for p, x in c.all_components()]


def nets(c) -> dict:
    return {(p, n): sorted((comp.name, pin) for comp, pin in m)
            for p, b in c.walk() for n, m in b.nets().items()}


@needs_data
def test_corpus_reads() -> None:
    fs = files()
    assert len(fs) >= 40
    for f in fs:
        c = read(f)
        assert c.format == "verilog" and c.subcircuits, f


@needs_data
def test_corpus_round_trips() -> None:
    for f in files(max_bytes=120_000):
        c = read(f)
        back = read_verilog(write_verilog(c), "rt.v")
        assert view(back) == view(c), f
        assert nets(back) == nets(c), f


@needs_data
@pytest.mark.skipif(shutil.which("iverilog") is None, reason="no iverilog")
@pytest.mark.parametrize("name", ["iscas-ispras/iscas89/verilog/s27.v",
                                  "hdl-benchmarks-yosys-structural/c17.v"])
def test_written_verilog_compiles(name: str, tmp_path: Path) -> None:
    p = tmp_path / "out.v"
    p.write_text(write_verilog(read(REAL / name)))
    r = subprocess.run(["iverilog", "-g2012", "-o", os.devnull, str(p)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="no iverilog")
def test_spice_components_become_comments(tmp_path: Path) -> None:
    from eda.ir import Circuit, Component
    c = Circuit(title="mixed", ports=["a", "y"])
    c.items += [Component("cell", "u1", ["y", "a"], ("Y", "A"), model="not"),
                Component("R", "R1", ["a", "y"], value="1k")]
    text = write_verilog(c)
    assert "// R R1" in text
    p = tmp_path / "m.v"
    p.write_text(text)
    assert subprocess.run(["iverilog", "-g2012", "-o", os.devnull, str(p)]).returncode == 0


@pytest.mark.parametrize("text,line", [
    ("module m(a,b); input a output b; endmodule", 1),
    ("module m(a);\n  input a;\n  and g1 (x, a, );\nendmodule", 3),
    ("module m(a);\n input a;\n", 3),
    ("module m(a);\n  input b;\nendmodule", 2),
    ("/* open", 1),
])
def test_bad_input_is_located(text: str, line: int) -> None:
    with pytest.raises(NetlistError) as e:
        read_verilog(text, "bad.v")
    assert e.value.line == line and e.value.col is not None


TOKENS = ["module", "endmodule", "input", "output", "wire", "assign", "m", "a", "b", "y", "(",
          ")", ";", ",", ".", "[", "]", "3:0", "1'b0", "4'hx", "{", "}", "=", "nand", "dff",
          "\\esc ", "`timescale 1ns/1ps", "(*", "*)", "//", "/*", "*/", "#", "always", "begin",
          "end", "\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join), st.text(max_size=60)))
def test_fuzz_raises_only_netlist_error(text: str) -> None:
    try:
        read_verilog(text, "f.v")
    except NetlistError:
        pass


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(11)
    for f in files(max_bytes=20_000)[:6]:
        lines = f.read_text().splitlines()
        for _ in range(15):
            ls = mutate_lines(lines, rng, most=3)
            try:
                read_verilog("\n".join(ls), "m.v")
            except NetlistError:
                pass
